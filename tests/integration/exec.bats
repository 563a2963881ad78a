#!/usr/bin/env bats
# vessel exec: one more process in a running container, in every
# namespace and cgroup of the container, with config.json's process as
# the template that the flags change (or --process as a whole), runc's
# flags, exit statuses and errors.

load helpers

RECVTTY=$VESSEL_BUILDDIR/tests/helpers/recvtty

setup() {
  require_root
  common_setup
  new_container c1
  set_args sleep 1000
}

teardown() {
  [ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2>/dev/null || true
  # The sub-cgroups the --cgroup tests made, whatever became of the test.
  local d
  for d in $(test_cgroup_dirs); do
    [ ! -d "$d/sub" ] || { vessel delete --force c1 >/dev/null 2>&1; rmdir "$d/sub" 2>/dev/null; } || true
  done
  common_teardown
}

# The container's process keeps what it inherits: not bats's pipes.
start_c1() {
  vessel run --detach --bundle "$BUNDLE" "$@" c1 > "$BATS_TEST_TMPDIR/c1.out" 2>&1 < /dev/null \
    || fail_with "run: $(cat "$BATS_TEST_TMPDIR/c1.out")"
}

# exec_detached ARGS...: `vessel exec --detach --pid-file` and the pid.
exec_detached() {
  local pidfile=$BATS_TEST_TMPDIR/exec.pid
  rm -f "$pidfile"
  vessel exec --detach --pid-file "$pidfile" "$@" >&2
  cat "$pidfile"
}

@test "exec runs the command in every namespace of the container" {
  update_config '.linux.namespaces += [{"type": "time"}]' # when the kernel has them
  [ -e /proc/self/ns/time ] || update_config '.linux.namespaces |= map(select(.type != "time"))'
  start_c1
  run vessel exec c1 probe ns
  assert_success
  local init ns
  init=$(init_pid)
  for ns in mnt pid net ipc uts cgroup $([ -e /proc/self/ns/time ] && echo time); do
    [ "$(probe_value "$ns")" = "$(ns_inode "$ns" "$init")" ] || fail_with "$ns: $(probe_value "$ns") is not the init's"
  done
  # Namespaces the container does not have stay the host's.
  [ "$(probe_value user)" = "$(ns_inode user $$)" ]
}

@test "exec in a container with a user namespace joins it: same mappings, root inside" {
  use_user_namespace
  start_c1
  run vessel exec c1 sh -c 'probe ns; probe ids; cat /proc/self/uid_map'
  assert_success
  [ "$(probe_value user)" = "$(ns_inode user "$(init_pid)")" ]
  [ "$(probe_value mnt)" = "$(ns_inode mnt "$(init_pid)")" ]
  [ "$(probe_value uid)" = 0 ]
  [[ "$output" == *"0     100000      65536"* ]]
}

@test "exec is pid 2 and up in the container's pid namespace and sees its processes" {
  start_c1
  run vessel exec c1 sh -c 'echo self $$; ps -o pid,comm'
  assert_success
  [ "$(probe_value self)" -gt 1 ]
  [[ "$output" == *"1 sleep"* ]]
}

@test "exec joins the container's cgroup in every hierarchy" {
  start_c1
  local pid
  pid=$(exec_detached c1 sleep 100)
  [ -n "$pid" ]
  # Seen from the host, the exec'd process is where the init is.
  diff <(sort "/proc/$(init_pid)/cgroup") <(sort "/proc/$pid/cgroup")
  grep -q "$(test_cgroup c1)" "/proc/$pid/cgroup"
}

@test "exec --cgroup puts the process in an existing sub-cgroup" {
  start_c1
  local d
  for d in $(test_cgroup_dirs); do
    mkdir "$d/sub"
    # A new v1 cpuset is empty until given cpus and memory nodes (a v2
    # directory, with cgroup.controllers, inherits its parent's).
    if [ -e "$d/cpuset.cpus" ] && [ ! -e "$d/cgroup.controllers" ]; then
      cat "$d/cpuset.cpus" > "$d/sub/cpuset.cpus"
      cat "$d/cpuset.mems" > "$d/sub/cpuset.mems"
    fi
  done
  local pid
  pid=$(exec_detached --cgroup sub c1 sleep 100)
  grep -q "$(test_cgroup c1)/sub\$" "/proc/$pid/cgroup"
  ! grep -v "$(test_cgroup c1)/sub\$" "/proc/$pid/cgroup" | grep -q "$(test_cgroup c1)" \
    || fail_with "not in every sub-cgroup: $(cat "/proc/$pid/cgroup")"
  kill -9 "$pid"
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for d in $(test_cgroup_dirs); do rmdir "$d/sub"; done
}

@test "exec --cgroup CONTROLLER:SUB moves only that controller's hierarchy (v1)" {
  [ "$(cg_mode)" != v2 ] || skip "controller-qualified sub-cgroups are for v1 hierarchies (this host is pure v2)"
  start_c1
  mkdir "$(cg_dir pids c1)/sub"
  local pid
  pid=$(exec_detached --cgroup pids:sub c1 sleep 100)
  grep -q ":pids:$(test_cgroup c1)/sub\$" "/proc/$pid/cgroup"
  grep -q ":memory:$(test_cgroup c1)\$" "/proc/$pid/cgroup"
  kill -9 "$pid"
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rmdir "$(cg_dir pids c1)/sub"
}

@test "exec --cgroup refuses a sub-cgroup that does not exist or escapes the container's" {
  start_c1
  run vessel exec --cgroup nosuch c1 true
  assert_failure
  [[ "$output" == *"--cgroup: sub-cgroup \`nosuch\` of \`"*"No such file or directory"* ]]
  run vessel exec --cgroup ../.. c1 true
  assert_failure
  [[ "$output" == *"--cgroup: sub-cgroup \`../..\`"* ]]
}

@test "exec's exit status is the process's, 128 + N when killed by signal N" {
  start_c1
  run vessel exec c1 true
  assert_success
  run vessel exec c1 sh -c 'exit 7'
  [ "$status" -eq 7 ]
  run vessel exec c1 sh -c 'kill -TERM $$'
  [ "$status" -eq 143 ]
}

# runc's exec: 1 for a bad command line, 255 for its own failures past
# it ("exec failed: ..."), so a caller tells them from the process's 1.
@test "exec exits 255 when vessel fails, 1 for a bad command line, the process's own status otherwise" {
  start_c1
  run vessel exec c1 sh -c 'exit 1'
  [ "$status" -eq 1 ] && [ -z "$output" ] || fail_with "status $status: $output"
  run vessel exec c1 sh -c 'exit 255'
  [ "$status" -eq 255 ] && [ -z "$output" ] || fail_with "status $status: $output"
  run vessel exec --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" c1 true
  [ "$status" -eq 255 ] && [[ "$output" == *"$BATS_TEST_TMPDIR/no/such/dir/pid"* ]] || fail_with "status $status: $output"
  run vessel exec -d --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" c1 sleep 10
  [ "$status" -eq 255 ] || fail_with "status $status: $output"
  run vessel exec nosuch true
  [ "$status" -eq 255 ] && [[ "$output" == *"container \`nosuch\` does not exist"* ]] || fail_with "status $status: $output"
  # execve's own errors, worded as runc's (Go's lower-case errno texts).
  run vessel exec c1 /etc
  [ "$status" -eq 255 ] && [ "$output" = 'vessel: exec: "/etc": permission denied' ] || fail_with "status $status: $output"
  run vessel exec c1 /no/such/program
  [ "$status" -eq 255 ] && [ "$output" = 'vessel: exec: "/no/such/program": stat /no/such/program: no such file or directory' ] ||
    fail_with "status $status: $output"
  run vessel exec c1 /etc/passwd
  [ "$status" -eq 255 ] && [ "$output" = 'vessel: exec /etc/passwd: permission denied' ] || fail_with "status $status: $output"
  vessel pause c1
  run vessel exec c1 true
  [ "$status" -eq 255 ] && [[ "$output" == *"it is paused"* ]] || fail_with "status $status: $output"
  vessel resume c1
  # runc's checkArgs and flag parsing: 1.
  run vessel exec
  [ "$status" -eq 1 ] && [[ "$output" == *"the container id is missing"* ]] || fail_with "status $status: $output"
  run vessel exec --no-such-flag c1 true
  [ "$status" -eq 1 ] || fail_with "status $status: $output"
  # Nothing of the failed ones is left in the container.
  [ "$(cat "$(cg_dir pids c1)/cgroup.procs" | wc -l)" -eq 1 ]
}

@test "exec forwards the signals vessel gets to the process" {
  start_c1
  # vessel itself, not a subshell running the helper function, gets the signal.
  "$VESSEL" --root "$VESSEL_TEST_ROOT" exec c1 \
    sh -c 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.1; done' \
    > "$BATS_TEST_TMPDIR/out" 2>&1 &
  local vpid=$!
  wait_for_lines "$BATS_TEST_TMPDIR/out" 1
  kill -TERM "$vpid"
  local st=0
  wait "$vpid" || st=$?
  [ "$st" -eq 3 ] || fail_with "exit status $st: $(cat "$BATS_TEST_TMPDIR/out")"
  grep -q "got TERM" "$BATS_TEST_TMPDIR/out"
}

@test "exec takes config.json's process: env, user, cwd, rlimits, capabilities, oomScoreAdj" {
  update_config '.process.env += ["FROM_CONFIG=yes"] | .process.cwd = "/tmp"
    | .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5]}
    | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 333, "hard": 444}]
    | .process.oomScoreAdj = 123'
  start_c1
  run vessel exec c1 sh -c 'echo env $FROM_CONFIG; probe ids; probe cwd; probe rlimit NOFILE; probe caps; echo oom $(cat /proc/self/oom_score_adj)'
  assert_success
  [ "$(probe_value env)" = yes ]
  [ "$(probe_value uid)" = 1000 ]
  [ "$(probe_value gid)" = 1000 ]
  [ "$(probe_value groups)" = 5 ]
  [ "$(probe_value cwd)" = /tmp ]
  [ "$(probe_value NOFILE)" = "333 444" ]
  [ "$(probe_value CapBnd)" = 0000000020000420 ]
  [ "$(probe_value oom)" = 123 ]
}

@test "exec flags change the template: --env, --cwd, --user, --additional-gids, --cap, --no-new-privs" {
  start_c1
  run vessel exec --env A=1 -e B=2 -e PATH=/bin:/sbin --cwd /etc --user 1000:1001 --additional-gids 7 -g 8 \
    --cap CAP_SYS_ADMIN --no-new-privs c1 sh -c 'echo env $A $B; probe ids; probe cwd; probe caps; probe nnp'
  assert_success
  [ "$(probe_value env)" = "1 2" ]
  [ "$(probe_value uid)" = 1000 ]
  [ "$(probe_value gid)" = 1001 ]
  [ "$(probe_value groups)" = "7 8" ]
  [ "$(probe_value cwd)" = /etc ]
  # CAP_SYS_ADMIN (21) added to the bounding set of the config's three.
  [ "$(probe_value CapBnd)" = 0000000020200420 ]
  [ "$(probe_value nnp)" = 1 ]
  run vessel exec --user 0 c1 probe caps
  assert_success
  [ "$(probe_value CapEff)" = 0000000020000420 ]
  run vessel exec --user 1000 c1 probe ids
  [ "$(probe_value gid)" = 0 ] # the config's gid stays without :GID
  run vessel exec -e PATH=/only c1 /bin/sh -c 'env | grep -c ^PATH=; echo path $PATH'
  [ "$(probe_value path)" = /only ] # replaced, not added
  [ "${lines[0]}" = 1 ]
}

@test "exec --process runs that process as written" {
  start_c1
  cat > "$BATS_TEST_TMPDIR/process.json" <<'EOF'
{"args": ["sh", "-c", "echo env $ONLY; probe ids; probe cwd; probe rlimit NOFILE; exit 5"],
 "cwd": "/tmp", "env": ["ONLY=this", "PATH=/bin"], "user": {"uid": 7, "gid": 8},
 "capabilities": {"bounding": ["CAP_CHOWN"]}}
EOF
  run vessel exec --process "$BATS_TEST_TMPDIR/process.json" c1
  [ "$status" -eq 5 ] || fail_with "status $status: $output"
  [ "$(probe_value env)" = this ]
  [ "$(probe_value uid)" = 7 ]
  [ "$(probe_value gid)" = 8 ]
  [ "$(probe_value cwd)" = /tmp ]
  # rlimits it leaves out are the container's
  [ "$(probe_value NOFILE)" = "1024 1024" ]
}

@test "exec --process reads a pipe: process substitution, /dev/fd/N and a named pipe; directories and devices are refused" {
  start_c1
  local doc='{"args": ["sh", "-c", "echo from $WHERE"], "cwd": "/", "env": ["WHERE=%s"]}'
  run vessel exec -p <(printf "$doc" substitution) c1
  assert_success
  [ "$output" = "from substitution" ] || fail_with "$output"
  # A pipe on fd 5, slow to write: the read waits for its end.
  run bash -c '{ sleep 0.3; printf "$1" fd; } | "$2" --root "$3" exec -p /dev/fd/5 c1 5<&0 < /dev/null' _ \
    "$doc" "$VESSEL" "$VESSEL_TEST_ROOT"
  assert_success
  [ "$output" = "from fd" ] || fail_with "$output"
  # A named pipe whose writer comes after vessel opened it.
  mkfifo "$BATS_TEST_TMPDIR/fifo"
  (sleep 0.3 && timeout 10 sh -c 'printf "$1" fifo > "$2"' _ "$doc" "$BATS_TEST_TMPDIR/fifo") > /dev/null 2>&1 &
  run timeout 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" exec -p "$BATS_TEST_TMPDIR/fifo" c1
  assert_success
  [ "$output" = "from fifo" ] || fail_with "$output"
  run vessel exec -p "$BATS_TEST_TMPDIR" c1
  [[ "$output" == *"\`$BATS_TEST_TMPDIR\` is not a regular file or a pipe"* ]] || fail_with "$output"
  run vessel exec -p /dev/null c1
  [[ "$output" == *"\`/dev/null\` is not a regular file or a pipe"* ]] || fail_with "$output"
  # More than 16 MiB from a pipe is refused, as from a file.
  run vessel exec -p <(printf '{"args": ["true"], "cwd": "/", "env": ["X='; head -c $((17 << 20)) /dev/zero | tr '\0' x
    printf '"]}') c1
  [[ "$output" == *"larger than 16 MiB"* ]] || fail_with "$output"
}

@test "a bad --process is refused naming the file and the field" {
  start_c1
  echo '{"args": [], "cwd": "/"}' > "$BATS_TEST_TMPDIR/p.json"
  run vessel exec -p "$BATS_TEST_TMPDIR/p.json" c1
  assert_failure
  [[ "$output" == *"$BATS_TEST_TMPDIR/p.json: .args: at least the program to run is needed"* ]]
  echo '{"args": ["true"], "cwd": 5}' > "$BATS_TEST_TMPDIR/p.json"
  run vessel exec -p "$BATS_TEST_TMPDIR/p.json" c1
  assert_failure
  [[ "$output" == *"p.json"*"cwd"* ]]
  run vessel exec -p "$BATS_TEST_TMPDIR/none.json" c1
  assert_failure
  [[ "$output" == *"none.json"*"No such file or directory"* ]]
  run vessel exec -p "$BATS_TEST_TMPDIR/p.json" c1 true
  assert_failure
  [[ "$output" == *"either --process or a command"* ]]
}

@test "exec errors: no command, bad flags, missing program, bad cwd; nothing is left running" {
  start_c1
  run vessel exec c1
  assert_failure
  [[ "$output" == *"the command to run is missing"* ]]
  run vessel exec --user nobody c1 true
  assert_failure
  [[ "$output" == *"--user \`nobody\`: give UID or UID:GID"* ]]
  run vessel exec --env NOEQUALS c1 true
  assert_failure
  [[ "$output" == *"--env \`NOEQUALS\`: give NAME=VALUE"* ]]
  run vessel exec --cap CAP_NOPE c1 true
  assert_failure
  [[ "$output" == *"--cap: unknown capability \`CAP_NOPE\`"* ]]
  run vessel exec c1 /no/such/program
  assert_failure
  [[ "$output" == *"/no/such/program"*"no such file or directory"* ]]
  run vessel exec --cwd /no/such/dir c1 true
  assert_failure
  [[ "$output" == *"exec: .process.cwd: chdir \`/no/such/dir\`"* ]]
  # Only the init is left in the container.
  [ "$(cat "$(cg_dir pids c1)/cgroup.procs" | wc -l)" -eq 1 ]
}

@test "exec into a created container works; into a stopped or missing one fails clearly" {
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  run vessel exec c1 echo in created
  assert_success
  [ "$output" = "in created" ]
  vessel kill c1 KILL
  wait_for_status c1 stopped
  run vessel exec c1 true
  assert_failure
  [[ "$output" == *"cannot exec in container \`c1\`: it is stopped"* ]]
  run vessel exec nosuch true
  assert_failure
  [[ "$output" == *"container \`nosuch\` does not exist"* ]]
}

@test "exec into a paused container fails unless --ignore-paused, which runs it once resumed" {
  start_c1
  vessel pause c1
  run vessel exec c1 true
  assert_failure
  [[ "$output" == *"it is paused (resume it, or pass --ignore-paused)"* ]]
  vessel exec --ignore-paused c1 sh -c 'echo ran' > "$BATS_TEST_TMPDIR/out" 2>&1 &
  local vpid=$!
  sleep 0.5
  [ ! -s "$BATS_TEST_TMPDIR/out" ] || fail_with "ran while paused: $(cat "$BATS_TEST_TMPDIR/out")"
  vessel resume c1
  wait "$vpid"
  [ "$(cat "$BATS_TEST_TMPDIR/out")" = ran ]
}

@test "exec --detach --pid-file returns at once with the process's host pid" {
  start_c1
  local pid
  pid=$(exec_detached c1 sleep 100)
  [ "$(cat "/proc/$pid/comm")" = sleep ]
  [ "$(ns_inode pid "$pid")" = "$(ns_inode pid "$(init_pid)")" ]
  run vessel ps c1
  [[ "$output" == *"$pid"* ]]
}

@test "exec passes only stdio and --preserve-fds to the process" {
  start_c1
  run vessel exec c1 probe fds
  assert_success
  [ "$(probe_value fds)" = "0 1 2" ]
  run vessel exec --preserve-fds 1 c1 sh -c 'probe fds; cat <&3' 3< "$BUNDLE/config.json"
  assert_success
  [ "$(probe_value fds)" = "0 1 2 3" ]
  [[ "$output" == *'"ociVersion"'* ]]
}

@test "exec --tty with --console-socket: the process gets a terminal of the container's devpts" {
  [ -x "$RECVTTY" ] || skip "tests/helpers/recvtty is not built (make check builds it)"
  start_c1
  local sock=$BATS_TEST_TMPDIR/console.sock
  "$RECVTTY" "$sock" > "$BATS_TEST_TMPDIR/tty.out" 2>&1 3>&- &
  RECV_PID=$!
  for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
  run vessel exec --detach --tty --console-socket "$sock" c1 probe tty
  assert_success
  for i in $(seq 100); do kill -0 "$RECV_PID" 2>/dev/null || break; sleep 0.1; done
  output=$(tr -d '\r' < "$BATS_TEST_TMPDIR/tty.out")
  [[ "$(probe_value stdin)" == /dev/pts/* ]] || fail_with "$output"
  [ "$(probe_value ctty)" = yes ]
  [ "$(probe_value leader)" = yes ]
}

@test "exec -t in the foreground serves the terminal and its size under script(1)" {
  command -v script >/dev/null || skip "script(1) is not installed"
  start_c1
  # script(1) reads /dev/null (make check gives no terminal); vessel reads
  # script's pty.
  run timeout 30 script -qec "stty rows 33 cols 77; $VESSEL --root $VESSEL_TEST_ROOT exec -t c1 sh -c 'probe tty; exit 4' < /dev/tty" /dev/null < /dev/null
  [ "$status" -eq 4 ] || fail_with "status $status: $output"
  # script(1) turns the end of its input into a NUL for a raw terminal,
  # which the container's terminal may echo as ^@ anywhere.
  output=$(tr -d '\r' <<< "$output" | sed 's/\^@//g')
  [[ "$(probe_value stdin)" == /dev/pts/* ]]
  [ "$(probe_value size)" = "33 77" ]
}

@test "exec terminal rules: a socket needs --tty, a detached --tty needs a socket" {
  start_c1
  run vessel exec --detach --tty c1 true
  assert_failure
  [[ "$output" == *"--tty is true: pass --console-socket"* ]]
  run vessel exec --console-socket "$BATS_TEST_TMPDIR/x.sock" c1 true
  assert_failure
  [[ "$output" == *"--console-socket given, but --tty is false"* ]]
}

@test "50 concurrent execs all run, each with its own output and status" {
  start_c1
  local i
  for i in $(seq 50); do
    vessel exec c1 sh -c "echo out $i; exit $((i % 7))" > "$BATS_TEST_TMPDIR/out.$i" 2>&1 &
    eval "pid_$i=$!"
  done
  for i in $(seq 50); do
    local st=0 p
    eval "p=\$pid_$i"
    wait "$p" || st=$?
    [ "$st" -eq $((i % 7)) ] || fail_with "exec $i: status $st: $(cat "$BATS_TEST_TMPDIR/out.$i")"
    [ "$(cat "$BATS_TEST_TMPDIR/out.$i")" = "out $i" ]
  done
}

@test "exec follows the init's root after --no-pivot" {
  touch "$BUNDLE/rootfs/marker"
  start_c1 --no-pivot
  run vessel exec c1 ls /marker
  assert_success
}

@test "exec applies the container's personality" {
  [ "$(uname -m)" = x86_64 ] || skip "linux32 is checked on x86_64"
  update_config '.linux.personality = {"domain": "LINUX32"}'
  start_c1
  run vessel exec c1 uname -m
  assert_success
  [ "$output" = i686 ]
}

@test "an AppArmor profile or SELinux label this host cannot apply is refused" {
  start_c1
  if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ]; then
    run vessel exec --apparmor some-profile c1 true
    assert_failure
    [[ "$output" == *"exec: .process.apparmorProfile: \`some-profile\` asked for, but AppArmor is not enabled"* ]]
  fi
  if [ ! -d /sys/fs/selinux ]; then
    run vessel exec --process-label system_u:system_r:container_t:s0 c1 true
    assert_failure
    [[ "$output" == *"exec: .process.selinuxLabel:"*"SELinux is not enabled"* ]]
  fi
}
