#!/usr/bin/env bats
# The start path's syscall budget: `vessel run` of `true` in the default
# bundle, counted with strace -f -c (vessel, the init and the container's
# process), must stay within 10 % of the count committed here.  A count
# that drops well below the budget is reported, so that the budget
# follows the improvements.  Counts, not times: stable on a noisy host.
#
# The budgets are for the static build (a dynamic one adds the loader's
# work twice, for the re-exec) and for each cgroup layout (a hybrid host
# creates, populates, mounts and removes one directory per hierarchy).

load helpers

# Syscalls of `vessel run` with the default bundle, per cgroup layout:
# hybrid on the development host (11 v1 hierarchies and a cgroup2 one),
# v2 in the cgroup v2 lane's VM.  No pure v1 host was at hand to measure
# one (docs/performance.md has the history).
declare -gA BUDGET=([hybrid]=677 [v2]=488)

setup() {
  require_root
  command -v strace > /dev/null || skip "needs strace"
  command -v readelf > /dev/null || skip "needs readelf (binutils)"
  readelf -l "$VESSEL" | grep -q 'Requesting program interpreter' &&
    skip "the budget is for the static build; $VESSEL is linked dynamically"
  common_setup
}

teardown() {
  common_teardown
}

# count_syscalls ARGS...: the number of syscalls of vessel ARGS and of
# every process it starts.
count_syscalls() {
  traced strace -f -c -o "$BATS_TEST_TMPDIR/counts" "$VESSEL" --root "$VESSEL_TEST_ROOT" "$@" > /dev/null
  awk '$NF == "total" { print $4 }' "$BATS_TEST_TMPDIR/counts"
}

@test "vessel run stays within its syscall budget" {
  local mode budget n
  mode=$(cg_mode)
  budget=${BUDGET[$mode]:-}
  [ -n "$budget" ] || skip "no budget for cgroup layout $mode"
  new_container c1
  n=$(count_syscalls run --bundle "$BUNDLE" c1)
  echo "# $mode: $n syscalls, budget $budget" >&3
  [ -n "$n" ] || fail_with "strace counted nothing: $(cat "$BATS_TEST_TMPDIR/counts")"
  [ "$n" -le $((budget * 110 / 100)) ] ||
    fail_with "vessel run made $n syscalls, more than 10 % over the budget of $budget on $mode: $(cat "$BATS_TEST_TMPDIR/counts")"
  [ "$n" -ge $((budget * 80 / 100)) ] ||
    echo "# $n is well below the budget of $budget: lower BUDGET[$mode] in $BATS_TEST_FILENAME" >&3
  assert_clean c1
}
