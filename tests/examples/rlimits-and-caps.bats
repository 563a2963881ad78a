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
  # The rlimits, soft and hard, from the shell and from /proc; exactly the
  # configured capabilities (bits 0 and 10), none inheritable or ambient;
  # CAP_CHOWN allows the chown, the missing CAP_SYS_ADMIN forbids
  # sethostname, and the 257th descriptor is refused.
  local caps=$'\t0000000000000401 = cap_chown,cap_net_bind_service' none=$'\t0000000000000000 = '
  section_has "inside, with the reduced capabilities and rlimits" \
    "ulimit -n: soft 256 hard 256" "ulimit -u: soft 512 hard 512" \
    "~^Max open files +256 +256 +files *$" "~^Max processes +512 +512 +processes *$" \
    "CapPrm:$caps" "CapEff:$caps" "CapBnd:$caps" "CapInh:$none" "CapAmb:$none" \
    "chown 1000:1000 /tmp/file: ok" \
    "hostname renamed: failed" "hostname: sethostname: Operation not permitted" \
    "open files: fds 3 to 255 opened, fd 256 failed"
}

@test "rlimits-and-caps: vessel spec's defaults: no CAP_CHOWN, 1024 files" {
  run_example rlimits-and-caps
  assert_success
  # The default config's capabilities, as vessel spec writes them.
  local spec mask
  spec=$(mktemp -d "$BATS_TEST_TMPDIR/spec.XXXXXX")
  "$VESSEL" spec --bundle "$spec"
  # shellcheck disable=SC2046
  mask=$(cap_mask $(jq -r '.process.capabilities.effective[]' "$spec/config.json"))
  # Without CAP_CHOWN the chown fails; the descriptors stop at 1024.
  section_has "inside, with vessel spec's default capabilities" \
    "~^CapPrm:[[:space:]]$mask = " "~^CapEff:[[:space:]]$mask = " "~^CapBnd:[[:space:]]$mask = " \
    "ulimit -n: soft 1024 hard 1024" \
    "chown 1000:1000 /tmp/file: failed" "chown: /tmp/file: Operation not permitted" \
    "hostname renamed: failed" \
    "open files: fds 3 to 1023 opened, fd 1024 failed"
}
