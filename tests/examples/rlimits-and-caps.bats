#!/usr/bin/env bats
# contrib/examples/rlimits-and-caps.sh: process.rlimits and
# process.capabilities as the container's process sees them, and what
# they allow, against vessel spec's defaults.

load common

# cap_mask CAP_NAME...: the capability mask /proc/self/status would show.
cap_mask() {
  local mask=0 name
  for name in "$@"; do
    mask=$((mask | 1 << $(capsh --explain="${name,,}" | sed -n 's/^cap_[a-z_]* (\([0-9]*\)).*/\1/p')))
  done
  printf '%016x\n' "$mask"
}

@test "rlimits-and-caps: 256 files, 512 processes, CAP_CHOWN and CAP_NET_BIND_SERVICE only" {
  run_example rlimits-and-caps
  assert_success

  local in
  in=$(section "inside, with the reduced capabilities and rlimits")
  # The rlimits, soft and hard, from the shell and from /proc.
  grep -qx "ulimit -n: soft 256 hard 256" <<< "$in" || fail_with "$in"
  grep -qx "ulimit -u: soft 512 hard 512" <<< "$in" || fail_with "$in"
  grep -qE "^Max open files +256 +256 +files *$" <<< "$in" || fail_with "$in"
  grep -qE "^Max processes +512 +512 +processes *$" <<< "$in" || fail_with "$in"
  # Exactly the configured capabilities (bits 0 and 10), none inheritable
  # or ambient.
  local set
  for set in Prm Eff Bnd; do
    grep -qE "^Cap$set:[[:space:]]0000000000000401 = cap_chown,cap_net_bind_service$" <<< "$in" || fail_with "Cap$set: $in"
  done
  for set in Inh Amb; do
    grep -qE "^Cap$set:[[:space:]]0000000000000000 = $" <<< "$in" || fail_with "Cap$set: $in"
  done
  # CAP_CHOWN allows the chown, the missing CAP_SYS_ADMIN forbids
  # sethostname, and the 257th descriptor is refused.
  grep -qx "chown 1000:1000 /tmp/file: ok" <<< "$in" || fail_with "$in"
  grep -qx "hostname renamed: failed" <<< "$in" || fail_with "$in"
  grep -qx "hostname: sethostname: Operation not permitted" <<< "$in" || fail_with "$in"
  grep -qx "open files: fds 3 to 255 opened, fd 256 failed" <<< "$in" || fail_with "$in"
}

@test "rlimits-and-caps: vessel spec's defaults: no CAP_CHOWN, 1024 files" {
  run_example rlimits-and-caps
  assert_success

  # The default config's capabilities, as vessel spec writes them.
  local spec caps expected in set
  spec=$(mktemp -d "$BATS_TEST_TMPDIR/spec.XXXXXX")
  "$VESSEL" spec --bundle "$spec"
  caps=$(jq -r '.process.capabilities.effective[]' "$spec/config.json")
  expected=$(cap_mask $caps)
  in=$(section "inside, with vessel spec's default capabilities")
  for set in Prm Eff Bnd; do
    grep -qE "^Cap$set:[[:space:]]$expected = " <<< "$in" || fail_with "Cap$set should be $expected: $in"
  done
  grep -qx "ulimit -n: soft 1024 hard 1024" <<< "$in" || fail_with "$in"
  # Without CAP_CHOWN the chown fails; the descriptors stop at 1024.
  grep -qx "chown 1000:1000 /tmp/file: failed" <<< "$in" || fail_with "$in"
  grep -qx "chown: /tmp/file: Operation not permitted" <<< "$in" || fail_with "$in"
  grep -qx "hostname renamed: failed" <<< "$in" || fail_with "$in"
  grep -qx "open files: fds 3 to 1023 opened, fd 1024 failed" <<< "$in" || fail_with "$in"
}
