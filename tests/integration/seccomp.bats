#!/usr/bin/env bats
# linux.seccomp: every action, errno values, argument conditions, flags,
# the notify listener (with tests/helpers/seccomp-agent), the filter in
# exec'd processes, and the profiles vessel refuses.

load helpers

setup() {
  require_root
  common_setup
  new_container c1
  update_config '.root.readonly = false | .process.noNewPrivileges = true'
  AGENT="$VESSEL_BUILDDIR/tests/helpers/seccomp-agent"
  AGENT_PIDS=()
}

teardown() {
  local pid
  for pid in "${AGENT_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  common_teardown
}

# seccomp JSON [jq args...]: the bundle's profile.
seccomp() {
  local profile=$1
  shift
  update_config ".linux.seccomp = $profile" "$@"
}

# start_agent SOCKET STATE OUT [OPTIONS...]: the notify agent in the
# background; waits until its socket is there.
start_agent() {
  local socket=$1 state=$2 out=$3
  shift 3
  "$AGENT" "$@" "$socket" "$state" > "$out" 2> "$out.err" < /dev/null &
  AGENT_PIDS+=($!)
  local i
  for i in $(seq 100); do
    [ -S "$socket" ] && return 0
    sleep 0.05
  done
  fail_with "the agent did not listen: $(cat "$out.err")"
}

@test "an ERRNO rule fails the syscall with errnoRet, or EPERM without one" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["chmod", "fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO"}]}'
  set_args sh -c 'mkdir /tmp/d; touch /tmp/f; chmod 600 /tmp/f; echo end'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"mkdir: can't create directory '/tmp/d': Function not implemented"* ]]
  [[ "$output" == *"chmod: /tmp/f: Operation not permitted"* ]]
  [[ "$output" == *end ]]
  [ ! -e "$BUNDLE/rootfs/tmp/d" ]
  [ -e "$BUNDLE/rootfs/tmp/f" ]
}

@test "defaultAction and defaultErrnoRet apply to what no rule names, in a long profile" {
  # Every syscall the host knows is allowed but mkdir and mkdirat; names
  # this libseccomp does not know are skipped (debug log).
  local names
  names=$(sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' /usr/include/x86_64-linux-gnu/asm/unistd_64.h \
    | grep -vx 'mkdir\|mkdirat' | jq -R . | jq -s -c '. + ["no_such_syscall"]')
  [ "$(echo "$names" | jq length)" -gt 300 ]
  seccomp "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 95,
    \"syscalls\": [{\"names\": $names, \"action\": \"SCMP_ACT_ALLOW\"}]}"
  set_args sh -c 'mkdir /tmp/d; echo end'
  run vessel --debug --log "$BATS_TEST_TMPDIR/log" run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"can't create directory '/tmp/d': Operation not supported"* ]]
  grep -q 'seccomp: unknown syscall `no_such_syscall` ignored' "$BATS_TEST_TMPDIR/log"
}

# profile_before NR ACTION [DEFAULT-ERRNO]: a profile with defaultAction
# ACTION that allows every x86_64 syscall numbered below NR, as one written
# before syscall NR existed would, except acct (163), which it does not name,
# and mkdir (83), which fails with EOPNOTSUPP (95).
UNISTD_64=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
profile_before() {
  local names errno_ret=""
  names=$(awk -v nr="$1" '$1 == "#define" && $2 ~ /^__NR_/ && $3 + 0 < nr { sub(/^__NR_/, "", $2); print $2 }' \
    "$UNISTD_64" | grep -vx 'acct\|mkdir' | jq -R . | jq -s -c .)
  [ "$(echo "$names" | jq length)" -gt 300 ]
  [ -z "${3:-}" ] || errno_ret=", \"defaultErrnoRet\": $3"
  seccomp "{\"defaultAction\": \"$2\"$errno_ret, \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],
    \"syscalls\": [{\"names\": $names, \"action\": \"SCMP_ACT_ALLOW\"},
                 {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 95}]}"
}

@test "a syscall newer than the profile fails with ENOSYS, so that libc falls back, as with runc" {
  [ "$(uname -m)" = x86_64 ] || skip "the profile is made of x86_64's syscall numbers"
  [ -r "$UNISTD_64" ] || skip "no $UNISTD_64 (linux-libc-dev) to make the profile from"
  # 435 is clone3, 439 faccessat2: glibc falls back to clone and faccessat
  # on ENOSYS only.  Named syscalls keep their actions; one the profile
  # does not name, below its largest, still gets the default action.
  profile_before 435 SCMP_ACT_ERRNO
  set_args probe syscall 435 439 1000 163 83 39
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "$(printf '435 ENOSYS\n439 ENOSYS\n1000 ENOSYS\n163 EPERM\n83 EOPNOTSUPP\n39 ok')" ] || fail_with "$output"
  # the same filter in an exec'd process
  set_args sleep 100
  vessel run --detach --bundle "$BUNDLE" c1
  run vessel exec c1 probe syscall 1000 163
  assert_success
  [ "$output" = "$(printf '1000 ENOSYS\n163 EPERM')" ] || fail_with "exec: $output"
  vessel delete --force c1
}

@test "the ENOSYS stub: also with a defaultErrnoRet and a KILL default, not for an ALLOW default" {
  [ "$(uname -m)" = x86_64 ] || skip "the profile is made of x86_64's syscall numbers"
  [ -r "$UNISTD_64" ] || skip "no $UNISTD_64 (linux-libc-dev) to make the profile from"
  set_args probe syscall 1000 163
  profile_before 435 SCMP_ACT_ERRNO 13
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "$(printf '1000 ENOSYS\n163 EACCES')" ] || fail_with "defaultErrnoRet 13: $output"
  # a KILL default kills for acct, but not for a syscall newer than the profile
  set_args probe syscall 1000
  profile_before 435 SCMP_ACT_KILL_PROCESS
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "1000 ENOSYS" ] || fail_with "KILL_PROCESS: $output"
  set_args probe syscall 163
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq $((128 + 31)) ] || fail_with "acct under KILL_PROCESS: $status: $output"
  # an ALLOW default needs no stub: the kernel's own ENOSYS
  set_args probe syscall 1000 83
  profile_before 435 SCMP_ACT_ALLOW
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "$(printf '1000 ENOSYS\n83 EOPNOTSUPP')" ] || fail_with "ALLOW: $output"
}

@test "KILL, KILL_THREAD, KILL_PROCESS and TRAP end the process with SIGSYS" {
  local action
  for action in SCMP_ACT_KILL SCMP_ACT_KILL_THREAD SCMP_ACT_KILL_PROCESS SCMP_ACT_TRAP; do
    seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"sync\"], \"action\": \"$action\"}]}"
    set_args sh -c 'echo before; exec sync'
    run vessel run --bundle "$BUNDLE" c1
    [ "$status" -eq $((128 + 31)) ] || fail_with "$action: status $status: $output"
    [ "$output" = before ] || fail_with "$action: $output"
  done
}

@test "LOG allows and TRACE without a tracer fails with ENOSYS" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_LOG"},
    {"names": ["rmdir"], "action": "SCMP_ACT_TRACE", "errnoRet": 1}]}'
  set_args sh -c 'mkdir /tmp/d && echo made; rmdir /tmp/d'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == made*"rmdir: '/tmp/d': Function not implemented" ]]
}

# kill_results ARGS-JSON: which of the signals 0 17 18 23 28 the container
# could not send to itself, with an ERRNO rule on kill whose args are
# ARGS-JSON.
kill_results() {
  seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\",
    \"syscalls\": [{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": $1}]}"
  set_args sh -c 'for s in 0 17 18 23 28; do kill -$s 1 2>/dev/null || printf "%s " $s; done; echo'
  vessel run --bundle "$BUNDLE" c1
}

@test "argument conditions: every operator, AND across arguments, OR on one argument" {
  local -A cases=(
    ['[{"index": 1, "value": 18, "op": "SCMP_CMP_EQ"}]']='18 '
    ['[{"index": 1, "value": 18, "op": "SCMP_CMP_NE"}]']='0 17 23 28 '
    ['[{"index": 1, "value": 18, "op": "SCMP_CMP_LT"}]']='0 17 '
    ['[{"index": 1, "value": 18, "op": "SCMP_CMP_LE"}]']='0 17 18 '
    ['[{"index": 1, "value": 23, "op": "SCMP_CMP_GE"}]']='23 28 '
    ['[{"index": 1, "value": 23, "op": "SCMP_CMP_GT"}]']='28 '
    ['[{"index": 1, "value": 3, "valueTwo": 3, "op": "SCMP_CMP_MASKED_EQ"}]']='23 '
    ['[{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 18, "op": "SCMP_CMP_EQ"}]']='18 '
    ['[{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 18, "op": "SCMP_CMP_EQ"}]']=''
    ['[{"index": 1, "value": 17, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 28, "op": "SCMP_CMP_EQ"}]']='17 28 '
  )
  local args got
  for args in "${!cases[@]}"; do
    got=$(kill_results "$args")
    [ "$got" = "${cases[$args]}" ] || fail_with "$args: refused '$got', wanted '${cases[$args]}'"
  done
}

@test "the filter is loaded after everything vessel does: a profile that forbids it all still starts" {
  # What the init calls between its namespaces and execve; the shell
  # reports with builtins only (it may not fork: nothing would be left to
  # prove).
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [
    "mount", "umount2", "pivot_root", "chroot", "sethostname", "setdomainname", "setns", "unshare",
    "open_tree", "move_mount", "mount_setattr", "fsopen", "fsconfig", "fsmount", "openat2",
    "capset", "setresuid", "setresgid", "setgroups", "prctl", "chdir", "fchdir", "setrlimit",
    "personality", "close_range", "umask", "mkdir", "mkdirat", "symlink", "symlinkat", "mknod", "mknodat",
    "keyctl", "socket", "connect", "fchown", "ioprio_set", "sched_setaffinity", "sched_setattr"],
    "action": "SCMP_ACT_ERRNO"}]}'
  update_config '.hostname = "box" | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512}]
    | .process.user.uid = 1000 | .process.cwd = "/tmp"'
  set_args sh -c 'ulimit -n; pwd; read h < /proc/sys/kernel/hostname; echo $h
    while read k v; do [ "$k" != Seccomp: ] || echo "seccomp $v"; done < /proc/self/status'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "$(printf '512\n/tmp\nbox\nseccomp 2')" ] || fail_with "$output"
}

@test "without noNewPrivileges the filter goes on before the capabilities are dropped" {
  update_config '.process.noNewPrivileges = false | .process.user.uid = 1000
    | .process.capabilities = {"bounding": [], "effective": [], "permitted": []}'
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
  set_args sh -c 'grep -E "^(NoNewPrivs|Seccomp|CapEff):" /proc/self/status; mkdir /tmp/d'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"CapEff:"*0000000000000000* ]]
  [[ "$output" == *"NoNewPrivs:"*0* ]]
  [[ "$output" == *"Seccomp:"*2* ]]
  [[ "$output" == *"Function not implemented" ]]
}

@test "the flags are accepted by the kernel (TSYNC with a listener: see the notify test)" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
  set_args sh -c 'grep Seccomp: /proc/self/status; mkdir /tmp/d'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"Seccomp:"*2*"Operation not permitted" ]]
}

@test "SECCOMP_FILTER_FLAG_SPEC_ALLOW keeps the seccomp-forced store-bypass mitigation off" {
  grep -q seccomp /sys/devices/system/cpu/vulnerabilities/spec_store_bypass 2>/dev/null \
    || skip "the kernel does not force the store-bypass mitigation on seccomp'd processes here ($(cat /sys/devices/system/cpu/vulnerabilities/spec_store_bypass 2>&1))"
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}'
  set_args grep Speculation_Store_Bypass /proc/self/status
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" != *"thread force mitigated"* ]]
  update_config '.linux.seccomp.flags = []'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"thread force mitigated"* ]]
}

@test "an exec'd process gets the container's filter" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
  set_args sleep 100
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  run vessel exec c1 sh -c 'grep Seccomp: /proc/self/status; mkdir /tmp/d'
  [ "$status" -eq 1 ]
  [[ "$output" == *"Seccomp:"*2* ]]
  [[ "$output" == *"Function not implemented" ]]
  jq '.process | .args = ["mkdir", "/tmp/e"]' "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/process.json"
  run vessel exec --process "$BATS_TEST_TMPDIR/process.json" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"Function not implemented" ]]
  vessel delete --force c1
}

@test "SCMP_ACT_NOTIFY: the agent gets the container process state and the listener, and answers" {
  local sock=$BATS_TEST_TMPDIR/agent.sock state=$BATS_TEST_TMPDIR/state.json out=$BATS_TEST_TMPDIR/agent.out
  start_agent "$sock" "$state" "$out" -e 95
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock, "listenerMetadata": "some opaque text",
    "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg sock "$sock"
  update_config '.annotations = {"org.example": "v"}'
  set_args sh -c 'mkdir /tmp/d; echo end'
  vessel create --bundle "$BUNDLE" c1
  # The listener exists once the filter does: at start, just before exec.
  [ ! -e "$state" ]
  local pid
  pid=$(vessel state c1 | jq .pid)
  vessel start c1
  wait "${AGENT_PIDS[0]}"
  [ "$(jq -c .fds "$state")" = '["seccompFd"]' ]
  [ "$(jq -r .ociVersion "$state")" = 1.3.0 ]
  [ "$(jq .pid "$state")" = "$pid" ]
  [ "$(jq -r .metadata "$state")" = "some opaque text" ]
  [ "$(jq -c .state "$state")" = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"created\",\"pid\":$pid,\"bundle\":\"$BUNDLE\",\"annotations\":{\"org.example\":\"v\"}}" ]
  grep -qx 'mkdir\|mkdirat' "$out"
  wait_for_status c1 stopped
  [ ! -e "$BUNDLE/rootfs/tmp/d" ]
}

@test "SCMP_ACT_NOTIFY: exec sends its own listener, with the exec'd pid and the running state" {
  local sock=$BATS_TEST_TMPDIR/agent.sock
  start_agent "$sock" "$BATS_TEST_TMPDIR/init.json" "$BATS_TEST_TMPDIR/init.out" -c
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock,
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg sock "$sock"
  # -c: the agent lets the init's mkdir through.
  set_args sh -c 'mkdir /tmp/by-init; sleep 100'
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  wait_for_lines "$BATS_TEST_TMPDIR/init.out" 1
  # CONTINUE lets the syscall go on in the container after the answer.
  local i
  for i in $(seq 50); do
    [ -d "$BUNDLE/rootfs/tmp/by-init" ] && break
    sleep 0.1
  done
  [ -d "$BUNDLE/rootfs/tmp/by-init" ]
  [ "$(jq -r .state.status "$BATS_TEST_TMPDIR/init.json")" = created ]
  # The first agent's socket is gone with its connection: a second one.
  rm -f "$sock"
  start_agent "$sock" "$BATS_TEST_TMPDIR/exec.json" "$BATS_TEST_TMPDIR/exec.out" -e 95
  run vessel exec --pid-file "$BATS_TEST_TMPDIR/exec.pid" c1 mkdir /tmp/by-exec
  [ "$status" -eq 1 ]
  [[ "$output" == *"Operation not supported" ]]
  [ "$(jq .pid "$BATS_TEST_TMPDIR/exec.json")" = "$(cat "$BATS_TEST_TMPDIR/exec.pid")" ]
  [ "$(jq -r .state.status "$BATS_TEST_TMPDIR/exec.json")" = running ]
  [ "$(jq .state.pid "$BATS_TEST_TMPDIR/exec.json")" = "$(vessel state c1 | jq .pid)" ]
  vessel delete --force c1
}

@test "a listener nobody listens for fails start and leaves the container stopped" {
  seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock,
    "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' --arg sock "$BATS_TEST_TMPDIR/nobody.sock"
  vessel create --bundle "$BUNDLE" c1
  run vessel start c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: .linux.seccomp.listenerPath: connect to \`$BATS_TEST_TMPDIR/nobody.sock\`: No such file or directory"* ]]
  wait_for_status c1 stopped
  vessel delete c1
  # run cleans up after itself.
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"listenerPath: connect to"* ]]
  assert_clean c1
}

@test "profiles vessel refuses, before anything exists" {
  local -A cases=(
    ['{"defaultAction": "SCMP_ACT_KILL", "defaultErrnoRet": 1}']='.linux.seccomp.defaultErrnoRet: SCMP_ACT_KILL returns no errno'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_LOG", "errnoRet": 1}]}']='.linux.seccomp.syscalls[0].errnoRet: SCMP_ACT_LOG returns no errno'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5000}]}']='.linux.seccomp.syscalls[0].errnoRet: 5000 is above the largest errno, 4095'
    ['{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x"}']='.linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}']='.linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY needs a listenerPath'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x", "syscalls": [{"names": ["sendmsg"], "action": "SCMP_ACT_NOTIFY"}]}']='.linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for sendmsg'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "m"}']='.linux.seccomp.listenerMetadata: set without a listenerPath'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}']='.linux.seccomp.syscalls[0].names: at least one syscall is needed'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}']='.linux.seccomp.syscalls[0].args[0].index: 6, but a syscall has 6 arguments'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_BOGUS"}]}']='.linux.seccomp.syscalls[0].action'
    ['{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}']='.linux.seccomp.architectures[0]'
  )
  refuses_each '.linux.seccomp = VALUE' cases
}

@test "features lists the actions, operators, architectures and flags the tests use" {
  run vessel features
  assert_success
  echo "$output" | jq -e '.linux.seccomp.enabled == true
    and (.linux.seccomp.actions | sort) == (["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
      "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"] | sort)
    and (.linux.seccomp.operators | length) == 7
    and (.linux.seccomp.archs | index(["SCMP_ARCH_X86_64"])) != null
    and (.linux.seccomp.knownFlags | length) == 4
    and (.linux.seccomp.supportedFlags | sort) == (["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] | sort)'
  [[ "$(vessel --version)" == *+SECCOMP* ]]
}
