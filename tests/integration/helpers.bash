# Shared by every bats file: where vessel is, and per-test scratch space.
# Each test gets its own temp dir (cleaned up by bats) and, for tests that
# run containers, its own --root and its own cgroup prefix.

VESSEL=${VESSEL:-$BATS_TEST_DIRNAME/../../vessel}
VESSEL_SRCDIR=${VESSEL_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}

# Runs vessel with the test's private state root.
vessel() {
  "$VESSEL" --root "$VESSEL_TEST_ROOT" "$@"
}

common_setup() {
  VESSEL_TEST_ROOT="$BATS_TEST_TMPDIR/state"
  mkdir -p "$VESSEL_TEST_ROOT"
}

# fail_with MESSAGE: ends a test with a message (bats shows it).
fail_with() {
  echo "$*" >&2
  return 1
}
