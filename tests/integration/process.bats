#!/usr/bin/env bats
# The process settings of config.json as the process sees them (through
# /bin/probe, see tests/helpers/probe.c): user and groups, umask, cwd,
# environment, capabilities, no_new_privs, rlimits, oomScoreAdj, hostname,
# sysctls; and what vessel passes or keeps from it: file descriptors,
# the session keyring, its own binary.

load helpers

setup() {
  require_root
  common_setup
}

teardown() {
  common_teardown
}

# cap_mask N...: the 16-hex-digit mask of capability numbers N, as in
# /proc/self/status.
cap_mask() {
  local m=0 n
  for n in "$@"; do m=$((m | (1 << n))); done
  printf '%016x\n' "$m"
}

# Capability numbers (linux/capability.h).
CHOWN=0 KILL=5 SETGID=6 SETUID=7 NET_BIND_SERVICE=10 NET_RAW=13 AUDIT_WRITE=29

# A bundle whose rootfs other users can enter (the template's root
# directory is 0700): for processes that do not run as root.
new_container_for_users() {
  new_container "$1"
  chmod 755 "$BUNDLE/rootfs"
}

# create_and_start ID: create (the process's output going to
# $BATS_TEST_TMPDIR/out), start, wait until the process has exited.
create_and_start() {
  vessel create --bundle "$BUNDLE" "$@" > "$BATS_TEST_TMPDIR/out" 2>&1 || fail_with "$(cat "$BATS_TEST_TMPDIR/out")"
  local id=${*: -1}
  vessel start "$id"
  wait_for_status "$id" stopped
  output=$(cat "$BATS_TEST_TMPDIR/out")
}

# --- user ---------------------------------------------------------------

@test "the process runs with the configured uid, gid and additionalGids" {
  new_container_for_users c1
  update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 65534]}'
  set_args probe ids
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "uid 1000
gid 1000
euid 1000
egid 1000
groups 5 65534" ]
  assert_clean c1
}

@test "without additionalGids the process has no supplementary groups" {
  new_container_for_users c1
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  set_args probe ids
  # Even when vessel's caller has some.
  run setpriv --groups 7,8 "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1
  assert_success
  [ "$(probe_value groups)" = "" ]
  [ "$(probe_value uid)" = 1000 ]
  assert_clean c1
}

@test "the process has the configured umask, 0022 when none is set" {
  new_container c1
  set_args probe umask
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "umask 0022" ]
  update_config '.process.user.umask = 63' # 0077
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "umask 0077" ]
  assert_clean c1
}

# --- cwd ----------------------------------------------------------------

@test "the process starts in the configured cwd" {
  new_container c1
  update_config '.process.cwd = "/tmp"'
  set_args probe cwd
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "cwd /tmp" ]
  assert_clean c1
}

@test "a cwd that only its user can enter works for that user" {
  new_container_for_users c1
  mkdir "$BUNDLE/rootfs/home/tester"
  chown 1000:1000 "$BUNDLE/rootfs/home/tester"
  chmod 700 "$BUNDLE/rootfs/home/tester"
  update_config '.process.cwd = "/home/tester" | .process.user = {"uid": 1000, "gid": 1000}'
  set_args probe cwd
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "cwd /home/tester" ]
  assert_clean c1
}

@test "a cwd that does not exist fails naming .process.cwd and the path" {
  new_container c1
  update_config '.process.cwd = "/does/not/exist"'
  set_args probe cwd
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".process.cwd"*"/does/not/exist"*"No such file or directory"* ]]
  [[ "$output" != *"cwd /"* ]]
  assert_clean c1
}

@test "a relative cwd is refused" {
  new_container c1
  update_config '.process.cwd = "tmp"'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".process.cwd"*"not an absolute path"* ]]
  assert_clean c1
}

# --- env ----------------------------------------------------------------

@test "the program is looked up in the PATH of process.env" {
  new_container c1
  mkdir -p "$BUNDLE/rootfs/opt/bin"
  printf '#!/bin/sh\necho greetings from opt\n' > "$BUNDLE/rootfs/opt/bin/greet"
  chmod 755 "$BUNDLE/rootfs/opt/bin/greet"
  update_config '.process.env = ["PATH=/opt/bin:/bin"]'
  set_args greet
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "greetings from opt" ]
  assert_clean c1
}

@test "a program not in PATH fails naming it" {
  new_container c1
  mkdir -p "$BUNDLE/rootfs/opt/bin"
  printf '#!/bin/sh\necho greetings from opt\n' > "$BUNDLE/rootfs/opt/bin/greet"
  chmod 755 "$BUNDLE/rootfs/opt/bin/greet"
  set_args greet # the default PATH has no /opt/bin
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *'"greet"'*"not found in \$PATH"* ]]
  assert_clean c1
}

@test "process.env is the process's whole environment, plus HOME" {
  new_container c1
  update_config '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]'
  set_args env
  run env -i VESSEL_LEAK=1 "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1
  assert_success
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "EMPTY= FOO=bar baz HOME=/root PATH=/bin " ]
  assert_clean c1
}

@test "HOME comes from the container's /etc/passwd when process.env has none" {
  new_container_for_users c1
  set_args sh -c 'echo "$HOME"'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = /root ]
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = /home/tester ]
  assert_clean c1
}

@test "HOME is / for a uid that /etc/passwd does not list" {
  new_container_for_users c1
  update_config '.process.user = {"uid": 4242, "gid": 4242}'
  set_args sh -c 'echo "$HOME"'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = / ]
  assert_clean c1
}

@test "a HOME given in process.env is kept" {
  new_container_for_users c1
  update_config '.process.env += ["HOME=/custom/home"] | .process.user = {"uid": 1000, "gid": 1000}'
  set_args sh -c 'echo "$HOME"'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = /custom/home ]
  assert_clean c1
}

# --- capabilities -------------------------------------------------------
# execve recomputes the sets (capabilities(7)): for a non-root user without
# file capabilities, permitted and effective become the ambient set.  A
# config whose permitted, effective, inheritable and ambient sets are equal
# therefore survives execve unchanged, and all five can be compared.

@test "the five capability sets are those of the config" {
  new_container_for_users c1
  update_config '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
        "permitted": ["CAP_KILL", "CAP_NET_RAW"],
        "effective": ["CAP_KILL", "CAP_NET_RAW"],
        "inheritable": ["CAP_KILL", "CAP_NET_RAW"],
        "ambient": ["CAP_KILL", "CAP_NET_RAW"]}'
  set_args probe caps
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  local set
  set=$(cap_mask $KILL $NET_RAW)
  [ "$(probe_value CapBnd)" = "$(cap_mask $CHOWN $KILL $NET_RAW $SETUID)" ]
  [ "$(probe_value CapPrm)" = "$set" ]
  [ "$(probe_value CapEff)" = "$set" ]
  [ "$(probe_value CapInh)" = "$set" ]
  [ "$(probe_value CapAmb)" = "$set" ]
  assert_clean c1
}

@test "inheritable and ambient capabilities are set independently" {
  new_container_for_users c1
  update_config '.process.user = {"uid": 1000, "gid": 1000}
    | .process.capabilities = {
        "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
        "permitted": ["CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
        "effective": ["CAP_KILL"],
        "inheritable": ["CAP_KILL", "CAP_SETUID"],
        "ambient": ["CAP_KILL"]}'
  set_args probe caps
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(probe_value CapInh)" = "$(cap_mask $KILL $SETUID)" ]
  [ "$(probe_value CapAmb)" = "$(cap_mask $KILL)" ]
  # What execve left of permitted and effective: the ambient set.
  [ "$(probe_value CapPrm)" = "$(cap_mask $KILL)" ]
  [ "$(probe_value CapEff)" = "$(cap_mask $KILL)" ]
  [ "$(probe_value CapBnd)" = "$(cap_mask $CHOWN $KILL $NET_RAW $SETUID)" ]
  assert_clean c1
}

@test "the default config leaves root only AUDIT_WRITE, KILL and NET_BIND_SERVICE" {
  new_container c1
  set_args probe caps
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  local three
  three=$(cap_mask $AUDIT_WRITE $KILL $NET_BIND_SERVICE)
  [ "$(probe_value CapBnd)" = "$three" ]
  [ "$(probe_value CapPrm)" = "$three" ]
  [ "$(probe_value CapEff)" = "$three" ]
  # The default lists them as ambient but not inheritable: skipped.
  [ "$(probe_value CapInh)" = 0000000000000000 ]
  [ "$(probe_value CapAmb)" = 0000000000000000 ]
  assert_clean c1
}

@test "without process.capabilities every capability set is empty, even for root" {
  new_container c1
  update_config 'del(.process.capabilities)'
  set_args probe caps
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  local s
  for s in CapInh CapPrm CapEff CapBnd CapAmb; do
    [ "$(probe_value $s)" = 0000000000000000 ] || fail_with "$s is $(probe_value $s)"
  done
  assert_clean c1
}

@test "an unknown capability fails create naming its JSON path" {
  new_container c1
  update_config '.process.capabilities.bounding += ["CAP_NOT_A_CAP"]'
  set_args sleep 100
  run vessel create --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".process.capabilities.bounding[3]"*"CAP_NOT_A_CAP"* ]]
  run vessel state c1
  assert_failure
  assert_clean c1
}

@test "a capability name in lower case is refused" {
  new_container c1
  update_config '.process.capabilities.effective = ["cap_kill"]'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".process.capabilities.effective[0]"*"cap_kill"* ]]
  assert_clean c1
}

# --- noNewPrivileges ----------------------------------------------------

@test "noNewPrivileges true sets no_new_privs, false leaves it clear" {
  new_container c1
  set_args probe nnp
  update_config '.process.noNewPrivileges = true'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "nnp 1" ]
  update_config '.process.noNewPrivileges = false'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "nnp 0" ]
  assert_clean c1
}

# --- rlimits ------------------------------------------------------------

@test "the process has the configured NOFILE soft and hard limits" {
  new_container c1
  # Below the caller's hard limit: raising it needs CAP_SYS_RESOURCE.
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000}]'
  set_args probe rlimit NOFILE
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "NOFILE 512 1000" ]
  assert_clean c1
}

@test "an rlimit of 2^64-1 is unlimited" {
  [ "$(ulimit -Hc)" = unlimited ] || skip "the caller's hard RLIMIT_CORE is not unlimited"
  new_container c1
  update_config '.process.rlimits = [{"type": "RLIMIT_CORE", "soft": 0, "hard": 4242}]'
  set_args probe rlimit CORE
  # jq would round 2^64-1 through a double: the last edit.
  sed -i 's/4242/18446744073709551615/' "$BUNDLE/config.json"
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "CORE 0 unlimited" ]
  assert_clean c1
}

@test "an rlimit whose soft limit is above its hard limit is refused" {
  new_container c1
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".process.rlimits[0]"*"2048"*"1024"* ]]
  assert_clean c1
}

@test "an unknown rlimit type is refused" {
  new_container c1
  update_config '.process.rlimits += [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".process.rlimits[1].type"*"RLIMIT_FOO"* ]]
  assert_clean c1
}

# --- oomScoreAdj --------------------------------------------------------

@test "the process has the configured oomScoreAdj" {
  new_container c1
  update_config '.process.oomScoreAdj = 500'
  set_args cat /proc/self/oom_score_adj
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = 500 ]
  [ "$(cat /proc/self/oom_score_adj)" != 500 ]
  assert_clean c1
}

# --- hostname, domainname -----------------------------------------------

@test "the process sees the configured hostname and domainname" {
  local host_name host_domain
  host_name=$(host_probe hostname)
  host_domain=$(host_probe domainname)
  new_container c1
  update_config '.hostname = "box1" | .domainname = "example.test"'
  set_args sh -c 'probe hostname; probe domainname'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "hostname box1
domainname example.test" ]
  [ "$(host_probe hostname)" = "$host_name" ]
  [ "$(host_probe domainname)" = "$host_domain" ]
  assert_clean c1
}

@test "a hostname without a uts namespace is refused" {
  new_container c1
  update_config '.linux.namespaces |= map(select(.type != "uts"))'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".hostname"*"uts namespace"* ]]
  assert_clean c1
}

# --- sysctl -------------------------------------------------------------

@test "a net sysctl is set in the container's network namespace, not the host's" {
  local host_before want
  host_before=$(cat /proc/sys/net/ipv4/ip_forward)
  want=$((1 - host_before))
  new_container c1
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$want"
  set_args probe sysctl net.ipv4.ip_forward
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "net.ipv4.ip_forward $want" ]
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_before" ]
  assert_clean c1
}

@test "an ipc sysctl is set in the container's ipc namespace, not the host's" {
  local host_before
  host_before=$(cat /proc/sys/kernel/shmmax)
  [ "$host_before" != 65536 ]
  new_container c1
  update_config '.linux.sysctl = {"kernel.shmmax": "65536"}'
  set_args probe sysctl kernel/shmmax
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "kernel/shmmax 65536" ]
  [ "$(cat /proc/sys/kernel/shmmax)" = "$host_before" ]
  assert_clean c1
}

@test "a net sysctl without a network namespace is refused" {
  local host_before
  host_before=$(cat /proc/sys/net/ipv4/ip_forward)
  new_container c1
  update_config '.linux.namespaces |= map(select(.type != "network"))
    | .linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$((1 - host_before))"
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".linux.sysctl"*"net.ipv4.ip_forward"*"network namespace"* ]]
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_before" ]
  assert_clean c1
}

@test "a sysctl that no namespace isolates is refused" {
  local host_before
  host_before=$(cat /proc/sys/kernel/panic)
  new_container c1
  update_config '.linux.sysctl = {"kernel.panic": "17"}'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".linux.sysctl"*"kernel.panic"*"not in a namespace"* ]]
  [ "$(cat /proc/sys/kernel/panic)" = "$host_before" ]
  assert_clean c1
}

# --- file descriptors ---------------------------------------------------

@test "--preserve-fds passes fds 3 and up to the process, and no other" {
  new_container c1
  echo three > "$BATS_TEST_TMPDIR/f3"
  echo four > "$BATS_TEST_TMPDIR/f4"
  echo five > "$BATS_TEST_TMPDIR/f5"
  set_args sh -c 'probe fds; cat <&3; cat <&4'
  run vessel run --preserve-fds 2 --bundle "$BUNDLE" c1 3< "$BATS_TEST_TMPDIR/f3" 4< "$BATS_TEST_TMPDIR/f4" 5< "$BATS_TEST_TMPDIR/f5"
  assert_success
  [ "$output" = "fds 0 1 2 3 4
three
four" ]
  assert_clean c1
}

@test "--preserve-fds over a closed fd is refused: vessel's own fd would take its place" {
  new_container c1
  echo three > "$BATS_TEST_TMPDIR/f3"
  set_args probe fds
  run vessel run --preserve-fds 2 --bundle "$BUNDLE" c1 3< "$BATS_TEST_TMPDIR/f3" 4<&-
  assert_failure
  [[ "$output" == *"--preserve-fds 2: fd 4 is not open"* ]]
  assert_clean c1
}

@test "without --preserve-fds the process gets none of the caller's fds above 2" {
  new_container c1
  echo three > "$BATS_TEST_TMPDIR/f3"
  set_args probe fds
  run vessel run --bundle "$BUNDLE" c1 3< "$BATS_TEST_TMPDIR/f3" 4< "$BATS_TEST_TMPDIR/f3"
  assert_success
  [ "$output" = "fds 0 1 2" ]
  assert_clean c1
}

@test "--preserve-fds given to create passes the fds to the process start runs" {
  new_container c1
  echo three > "$BATS_TEST_TMPDIR/f3"
  set_args sh -c 'probe fds; cat <&3'
  create_and_start --preserve-fds 1 c1 3< "$BATS_TEST_TMPDIR/f3" 4< "$BATS_TEST_TMPDIR/f3"
  [ "$output" = "fds 0 1 2 3
three" ]
  vessel delete c1
  assert_clean c1
}

@test "LISTEN_FDS in vessel's environment passes the listen fds and LISTEN_FDS on to the process" {
  # Socket activation as runc and crun do it: LISTEN_PID names vessel.
  new_container c1
  echo listening > "$BATS_TEST_TMPDIR/f3"
  set_args sh -c 'probe fds; echo "LISTEN_FDS=$LISTEN_FDS"; echo "LISTEN_PID=$LISTEN_PID"; cat <&3'
  run env LISTEN_FDS=1 sh -c 'LISTEN_PID=$$ exec "$@"' sh \
    "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1 3< "$BATS_TEST_TMPDIR/f3"
  assert_success
  [ "$output" = "fds 0 1 2 3
LISTEN_FDS=1
LISTEN_PID=1
listening" ]
  assert_clean c1
}

@test "LISTEN_FDS and LISTEN_PID in process.env reach the process with --preserve-fds" {
  new_container c1
  echo listening > "$BATS_TEST_TMPDIR/f3"
  update_config '.process.env += ["LISTEN_FDS=1", "LISTEN_PID=1"]'
  set_args sh -c 'probe fds; echo "$LISTEN_FDS $LISTEN_PID"; cat <&3'
  run vessel run --preserve-fds 1 --bundle "$BUNDLE" c1 3< "$BATS_TEST_TMPDIR/f3"
  assert_success
  [ "$output" = "fds 0 1 2 3
1 1
listening" ]
  assert_clean c1
}

@test "no fd of vessel or of its caller leaks into the process" {
  new_container c1
  set_args probe fds
  exec 7< /etc/passwd 9> /dev/null
  run vessel run --bundle "$BUNDLE" c1
  exec 7<&- 9>&-
  assert_success
  [ "$output" = "fds 0 1 2" ]

  # Nor through create and start.
  exec 7< /etc/passwd
  create_and_start c1
  exec 7<&-
  [ "$output" = "fds 0 1 2" ]
  vessel delete c1
  assert_clean c1
}

@test "stdio the caller closed becomes /dev/null, for vessel and the process" {
  new_container c1
  update_config '.root.readonly = false'
  set_args probe stdio /fds
  "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1 <&- >&- 2>&-
  [ "$(cat "$BUNDLE/rootfs/fds")" = $'/dev/null\n/dev/null\n/dev/null' ]
  # An error still reaches stderr, not a file vessel opened.
  run bash -c '"$0" --root "$1" state nosuch <&- >&-' "$VESSEL" "$VESSEL_TEST_ROOT"
  [ "$status" -eq 1 ]
  [ "$output" = "vessel: container \`nosuch\` does not exist" ]
  assert_clean c1
}

# --- session keyring ----------------------------------------------------

@test "the process gets a new session keyring named _ses.<id>" {
  new_container c1
  set_args probe keyring
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "keyring _ses.c1" ]
  assert_clean c1
}

@test "with --no-new-keyring the process keeps the caller's session keyring" {
  local caller
  caller=$(host_probe keyring)
  [ "$caller" != "keyring _ses.c1" ]
  new_container c1
  set_args probe keyring
  run vessel run --no-new-keyring --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "$caller" ]
  assert_clean c1
}

# --- the init's binary --------------------------------------------------

@test "a created container's init runs from a read-only mount of the vessel binary, not from the writable file" {
  new_container c1
  set_args sleep 100
  # The build's binary, and a copy on a tmpfs (whose files answer
  # F_GET_SEALS, unlike ext4's: not to be taken for a sealed memfd).
  local tmpfs=$BATS_TEST_TMPDIR/tmpfs bin pid
  mkdir -p "$tmpfs"
  mount -t tmpfs tmpfs "$tmpfs"
  cp "$VESSEL" "$tmpfs/vessel"
  for bin in "$tmpfs/vessel" "$VESSEL"; do
    "$bin" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE" c1 > /dev/null 2>&1
    pid=$(init_pid c1)
    # The same file (nothing was copied), through a mount that refuses writes.
    [ "$(stat -L -c %d:%i "/proc/$pid/exe")" = "$(stat -L -c %d:%i "$bin")" ] ||
      fail_with "$bin: the init runs $(readlink "/proc/$pid/exe")"
    run host_probe mount "/proc/$pid/exe"
    assert_success
    [ "$output" = ro ]
    [ "$bin" = "$VESSEL" ] || vessel delete --force c1
  done
  umount "$tmpfs"
  # After start it is the container's program.
  vessel start c1
  wait_for_status c1 running
  for i in $(seq 50); do [[ "$(readlink "/proc/$pid/exe")" == *busybox ]] && break; sleep 0.1; done
  [[ "$(readlink "/proc/$pid/exe")" == *busybox ]]
  vessel delete --force c1
  assert_clean c1
}

@test "without the mount API the init runs from a sealed memfd copy of vessel" {
  command -v strace > /dev/null || skip "needs strace"
  new_container c1
  set_args sleep 100
  # vessel's own open_tree fails as on a kernel without it (or a user
  # without CAP_SYS_ADMIN): vessel copies itself into a sealed memfd.
  traced strace -qq -o /dev/null -e trace=open_tree -e inject=open_tree:error=ENOSYS:when=1 \
    "$VESSEL" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE" c1 > /dev/null 2>&1
  local pid
  pid=$(init_pid c1)
  [ "$(readlink "/proc/$pid/exe")" = "/memfd:vessel (deleted)" ]
  run host_probe seals "/proc/$pid/exe"
  assert_success
  [ "$output" = "seals seal shrink grow write" ]
  vessel delete --force c1
  assert_clean c1
}

@test "the process starts with no signal ignored or blocked, whatever the caller had" {
  new_container c1
  set_args grep -E '^Sig(Ign|Blk):' /proc/self/status
  # As under nohup, or a shell's `trap '' INT`: inherited across exec
  # unless the runtime resets them.
  run bash -c 'trap "" HUP INT QUIT; exec "$@"' - "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1
  echo "$output"
  assert_success
  [ "${lines[0]}" = "SigBlk:	0000000000000000" ]
  [ "${lines[1]}" = "SigIgn:	0000000000000000" ]
  assert_clean c1
}
