#!/usr/bin/env bats
# contrib/examples/busybox-shell.sh: pid, mount, uts, ipc, network and
# user namespaces; root inside, an unprivileged uid outside.

load common

@test "busybox-shell: root inside, uid 100000 outside, its own hostname and processes" {
  run_example busybox-shell
  assert_success
  [ "$(section "inside: the hostname")" = busybox-shell ] || fail_with "$output"
  section "inside: who am I" | grep -q '^uid=0(root) gid=0(root)' || fail_with "$output"
  # ps in the container: its sleep as pid 1, and ps itself; nothing else.
  local ps
  ps=$(section "inside: ps sees" | sed 1d)
  [ "$(awk '{ print $3 }' <<< "$ps" | sort | tr '\n' ' ')" = "ps sleep " ] || fail_with "ps in the container: $ps"
  grep -qE '^ +1 root +sleep$' <<< "$ps" || fail_with "ps in the container: $ps"
  section "outside: the same sleep" | grep -qE '^ *[0-9]+ +100000 +sleep$' || fail_with "$output"
  shows "0 100000 65536"
  # Each namespace differs from the host's.
  local ns lines
  lines=$(section "outside: its namespaces")
  for ns in pid mnt uts ipc net user; do
    grep -qE "^$ns +host $ns:\[([0-9]+)\] +container $ns:\[[0-9]+\]$" <<< "$lines" || fail_with "$lines"
    ! grep -qE "host $ns:\[([0-9]+)\] +container $ns:\[\1\]" <<< "$lines" || fail_with "same $ns namespace: $lines"
  done
}
