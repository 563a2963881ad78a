#!/usr/bin/env bats
# create, start, run, state, kill, delete, list: statuses, exit codes,
# signals, pid files, and that every path cleans up after itself.

load helpers

setup() {
  require_root
  common_setup
}

teardown() {
  common_teardown
}

@test "run executes the process and prints its output" {
  new_container c1
  set_args echo hello from the container
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 0 ]
  [ "$output" = "hello from the container" ]
  assert_clean c1
}

@test "run exits with the process's exit status" {
  new_container c1
  set_args sh -c 'exit 3'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 3 ]
  assert_clean c1
}

@test "run exits with 128+N when the process is killed by signal N" {
  new_container c1
  # (the pid 1 of a pid namespace cannot kill itself)
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  set_args sh -c 'kill -KILL $$'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 137 ]
  assert_clean c1
}

@test "run in the foreground forwards signals to the process" {
  new_container c1
  set_args sh -c 'trap "echo got TERM; exit 7" TERM; echo ready; while true; do sleep 0.1; done'
  "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" &
  local pid=$!
  for i in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
  kill -TERM $pid
  wait $pid || status=$?
  [ "${status:-0}" -eq 7 ]
  grep -q "got TERM" "$BATS_TEST_TMPDIR/out"
  assert_clean c1
}

@test "run --keep leaves a stopped container to delete" {
  new_container c1
  run vessel run --keep --bundle "$BUNDLE" c1
  [ "$status" -eq 0 ]
  [ "$(container_status c1)" = stopped ]
  vessel delete c1
  assert_clean c1
}

@test "run --detach returns while the process runs" {
  new_container c1
  set_args sleep 100
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null
  [ "$(container_status c1)" = running ]
  vessel delete --force c1
  assert_clean c1
}

@test "create leaves the container created, start makes it running" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  run vessel state c1
  [ "$status" -eq 0 ]
  echo "$output" | jq -e '.status == "created" and .id == "c1" and .pid > 0 and .ociVersion == "1.3.0"'
  echo "$output" | jq -e --arg b "$BUNDLE" '.bundle == $b'
  vessel start c1
  [ "$(container_status c1)" = running ]
  pid=$(vessel state c1 | jq .pid)
  [ "$(cat /proc/$pid/comm)" = sleep ]
  vessel kill c1 KILL
  wait_for_status c1 stopped
  vessel delete c1
  assert_clean c1
}

@test "the created init waits without running the process" {
  new_container c1
  update_config '.root.readonly = false'
  set_args sh -c "touch /tmp/ran"
  vessel create --bundle "$BUNDLE" c1
  sleep 0.3
  [ ! -e "$BUNDLE/rootfs/tmp/ran" ]
  vessel start c1
  wait_for_status c1 stopped
  [ -e "$BUNDLE/rootfs/tmp/ran" ]
}

@test "state reports the annotations of the config" {
  new_container c1
  update_config '.annotations = {"org.example.a": "1", "b": "two"}'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  vessel state c1 | jq -e '.annotations == {"org.example.a": "1", "b": "two"}'
}

@test "start returns only after the exec: a missing program fails create" {
  new_container c1
  set_args /no/such/program
  run vessel create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *'exec: "/no/such/program": stat /no/such/program: no such file or directory'* ]]
  assert_clean c1
  set_args nosuchprogram
  run vessel create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *'exec: "nosuchprogram": executable file not found in $PATH'* ]]
  assert_clean c1
}

@test "start reports an exec failure and the container stops" {
  new_container c1
  # Executable by its mode, but not a format the kernel can run.
  printf 'garbage' > "$BUNDLE/rootfs/bin/broken"
  chmod +x "$BUNDLE/rootfs/bin/broken"
  set_args /bin/broken
  vessel create --bundle "$BUNDLE" c1
  run vessel start c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"exec /bin/broken: exec format error"* ]] || fail_with "$output"
  wait_for_status c1 stopped
}

@test "a config without a process is created, and start fails naming the field, as the spec says" {
  new_container c1
  update_config 'del(.process)'
  vessel create --bundle "$BUNDLE" c1
  run vessel start c1
  [ "$status" -eq 1 ]
  [ "$output" = "vessel: config.json: .process: absent, so there is no process to start" ] || fail_with "$output"
  wait_for_status c1 stopped
}

@test "start on a running or stopped container is an error" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  vessel start c1
  run vessel start c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"it is running, not created"* ]]
  vessel kill c1 KILL
  wait_for_status c1 stopped
  run vessel start c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"it is stopped, not created"* ]]
}

@test "kill accepts signal names with and without SIG, and numbers" {
  new_container c1
  update_config '.root.readonly = false'
  set_args sh -c 'trap "echo USR1 >> /tmp/got" USR1; trap "echo HUP >> /tmp/got" HUP; trap "echo USR2 >> /tmp/got" USR2; echo ready > /tmp/got; while true; do sleep 0.1; done'
  vessel create --bundle "$BUNDLE" c1
  vessel start c1
  # Each signal once the previous one was handled: the lines come in order.
  local got="$BUNDLE/rootfs/tmp/got" signal n=1 pid
  pid=$(vessel state c1 | jq .pid)
  for signal in USR1 SIGHUP 12 ""; do
    # (on failure, what the kernel says of the signals of the init)
    wait_for_lines "$got" "$n" || { grep -E '^(State|Sig|Shd)' "/proc/$pid/status"; false; }
    [ -z "$signal" ] || vessel kill c1 "$signal"
    n=$((n + 1))
  done
  [ "$(cat "$got")" = "$(printf 'ready\nUSR1\nHUP\nUSR2')" ]
  run vessel kill c1 NOTASIGNAL
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown signal \`NOTASIGNAL\`"* ]]
}

@test "kill defaults to SIGTERM" {
  new_container c1
  update_config '.root.readonly = false'
  # pid 1 of a namespace ignores signals it has no handler for: signal
  # only once the trap is set
  set_args sh -c 'trap "exit 0" TERM; echo ready > /tmp/ready; while true; do sleep 0.1; done'
  vessel create --bundle "$BUNDLE" c1
  vessel start c1
  wait_for_lines "$BUNDLE/rootfs/tmp/ready" 1
  vessel kill c1
  wait_for_status c1 stopped
}

@test "kill on a stopped container is an error" {
  new_container c1
  vessel create --bundle "$BUNDLE" c1
  vessel start c1
  wait_for_status c1 stopped
  run vessel kill c1 KILL
  [ "$status" -eq 1 ]
  # containerd's shim maps an error with these words to "not found"
  [[ "$output" == *"container \`c1\`: container not running"* ]]
}

@test "kill with signal 0 checks that the init exists, as runc's does" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  vessel kill c1 0
  vessel start c1
  vessel kill c1 0
  vessel kill --all c1 0
  [ "$(container_status c1)" = running ]
  vessel kill c1 KILL
  wait_for_status c1 stopped
  run vessel kill c1 0
  [ "$status" -eq 1 ]
  [[ "$output" == *"container not running"* ]]
}

@test "kill --all reaches what is left in the cgroup once the init has exited" {
  new_container c1
  # A host-pid container: its processes outlive its init, and containerd
  # kills them with kill --all once it sees the init exit.
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  set_args sh -c 'sleep 100 & echo $! > /tmp/left; exit 0'
  update_config '.root.readonly = false'
  vessel create --bundle "$BUNDLE" c1
  vessel start c1
  wait_for_status c1 stopped
  local cg left
  cg=$(cg_dir pids c1)
  wait_until test -s "$BUNDLE/rootfs/tmp/left"
  left=$(cat "$BUNDLE/rootfs/tmp/left")
  grep -qx "$left" "$cg/cgroup.procs"
  run vessel kill --all c1 KILL
  assert_success
  wait_until sh -c "! grep -q . '$cg/cgroup.procs'"
  # nothing left: still no error, as with runc
  vessel kill --all c1 KILL
  run vessel kill c1 KILL
  [ "$status" -eq 1 ]
  [[ "$output" == *"container not running"* ]]
}

@test "kill --all signals every process of the container" {
  new_container c1
  update_config '.linux.namespaces |= map(select(.type != "pid"))'
  set_args sh -c 'sleep 100 & sleep 100 & wait'
  vessel create --bundle "$BUNDLE" c1
  vessel start c1
  local cg i
  cg=$(cg_dir pids c1)
  for i in $(seq 100); do [ "$(wc -l < "$cg/cgroup.procs")" -eq 3 ] && break; sleep 0.1; done
  [ "$(wc -l < "$cg/cgroup.procs")" -eq 3 ]
  vessel kill --all c1 KILL
  wait_for_status c1 stopped
  for i in $(seq 50); do [ -s "$cg/cgroup.procs" ] || break; sleep 0.1; done
  [ ! -s "$cg/cgroup.procs" ]
}

@test "delete of a running or created container needs --force" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  run vessel delete c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"container \`c1\` is created: stop it first, or delete it with --force"* ]]
  [ "$(container_status c1)" = created ]
  vessel start c1
  run vessel delete c1
  [ "$status" -eq 1 ]
  [ "$(container_status c1)" = running ]
  pid=$(vessel state c1 | jq .pid)
  vessel delete --force c1
  [ ! -e /proc/$pid ] || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
  assert_clean c1
}

@test "delete removes the container's cgroups in every hierarchy" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  local n
  n=$(test_cgroup_dirs | wc -l)
  [ "$n" -ge 1 ]
  vessel delete --force c1
  [ "$(test_cgroup_dirs | wc -l)" -eq 0 ]
}

@test "state, kill, start and delete of an unknown container are errors" {
  for cmd in state start delete; do
    run vessel $cmd nosuch
    [ "$status" -eq 1 ]
    [ "$output" = "vessel: container \`nosuch\` does not exist" ]
  done
  run vessel kill nosuch KILL
  [ "$status" -eq 1 ]
  [ "$output" = "vessel: container \`nosuch\` does not exist" ]
}

@test "delete --force of a container that does not exist succeeds, as with runc" {
  run vessel delete --force nosuch
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  # also when the state root itself does not exist yet
  run "$VESSEL" --root "$BATS_TEST_TMPDIR/none" delete --force nosuch
  [ "$status" -eq 0 ]
  [ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "a duplicate id is refused and leaves the first container alone" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  pid=$(vessel state c1 | jq .pid)
  run vessel create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [ "$output" = "vessel: container \`c1\` already exists" ]
  [ "$(vessel state c1 | jq .pid)" = "$pid" ]
  [ "$(container_status c1)" = created ]
}

@test "--pid-file gets the init's pid, written whole" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" c1
  pid=$(vessel state c1 | jq .pid)
  [ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$pid" ]
  # no newline, as runc writes it; no temporary file left
  [ "$(wc -c < "$BATS_TEST_TMPDIR/pid")" -eq "${#pid}" ]
  [ "$(ls -A "$BATS_TEST_TMPDIR" | grep -c pid)" -eq 1 ]
}

@test "list shows containers as a table, as JSON and quietly" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  use_cgroup c2
  vessel create --bundle "$BUNDLE" c2
  vessel start c2
  run vessel list
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER ]]
  [[ "$output" =~ c1\ +[0-9]+\ +created ]]
  [[ "$output" =~ c2\ +[0-9]+\ +running ]]
  run vessel list --format json
  echo "$output" | jq -e 'length == 2 and (map(.id) | sort == ["c1","c2"])'
  run vessel list -q
  [ "$(echo "$output" | sort | tr '\n' ' ')" = "c1 c2 " ]
}

@test "list sorts the containers by id, as runc does" {
  new_container c1
  local id ids=(b a10 c a2 a)
  for id in "${ids[@]}"; do
    use_cgroup "$id"
    vessel create --bundle "$BUNDLE" "$id"
  done
  local sorted="a a10 a2 b c "
  run vessel list -q
  assert_success
  [ "$(echo "$output" | tr '\n' ' ')" = "$sorted" ] || fail_with "list -q: $output"
  run vessel list
  assert_success
  [ "$(echo "$output" | tail -n +2 | awk '{print $1}' | tr '\n' ' ')" = "$sorted" ] || fail_with "list: $output"
  run vessel list --format json
  assert_success
  [ "$(echo "$output" | jq -r '.[].id' | tr '\n' ' ')" = "$sorted" ] || fail_with "list --format json: $output"
}

@test "list of an empty or missing root is empty" {
  run "$VESSEL" --root "$BATS_TEST_TMPDIR/none" list -q
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  run "$VESSEL" --root "$BATS_TEST_TMPDIR/none" list --format json
  [ "$output" = "[]" ]
}

@test "the state directory is private and holds state.json" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  [ "$(stat -c %a "$VESSEL_TEST_ROOT/c1")" = 700 ]
  jq -e '.vessel.initStartTime > 0' "$VESSEL_TEST_ROOT/c1/state.json"
}

@test "a reused pid is not mistaken for the container's init" {
  new_container c1
  vessel create --bundle "$BUNDLE" c1
  vessel start c1
  wait_for_status c1 stopped
  # Point the state at a live process that is not the init.
  sleep 100 &
  local other=$!
  jq --argjson p $other '.pid = $p | .status = "running"' "$VESSEL_TEST_ROOT/c1/state.json" > "$BATS_TEST_TMPDIR/s"
  cp "$BATS_TEST_TMPDIR/s" "$VESSEL_TEST_ROOT/c1/state.json"
  [ "$(container_status c1)" = stopped ]
  run vessel kill c1 KILL
  [ "$status" -eq 1 ]
  kill -0 $other
  kill $other
}

@test "commands on different containers do not wait for each other" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  # Hold c1's lock as a long command would, until this test lets it go
  # (-o: flock holds it, not the sleep, so that ending flock frees it).
  flock -o "$VESSEL_TEST_ROOT/c1" sleep 1000 &
  local holder=$!
  wait_until c1_locked
  use_cgroup c2
  # (not `run`: the created init would hold its output pipe open)
  timeout 20 "$VESSEL" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE" c2 > /dev/null
  # c1's own commands wait while the lock is held: the check can fail.
  local st=0
  timeout 1 "$VESSEL" --root "$VESSEL_TEST_ROOT" delete --force c1 || st=$?
  pkill -P "$holder" -x sleep
  wait "$holder" || true
  [ "$st" -eq 124 ] || fail_with "delete --force c1 did not wait for c1's lock: status $st"
}

c1_locked() {
  ! flock -n "$VESSEL_TEST_ROOT/c1" true
}

@test "50 containers created and deleted concurrently" {
  make_bundle
  set_args sleep 100
  local i
  for i in $(seq 50); do
    (
      # one rootfs for all (one jq each: under emulation a jq is slow)
      mkdir -p "$BATS_TEST_TMPDIR/b$i"
      jq --arg p "$(test_cgroup c$i)" --arg r "$BUNDLE/rootfs" '.linux.cgroupsPath = $p | .root.path = $r' \
        "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/b$i/config.json"
      vessel create --bundle "$BATS_TEST_TMPDIR/b$i" "c$i" && vessel start "c$i"
    ) &
  done
  wait
  [ "$(vessel list -q | wc -l)" -eq 50 ]
  [ "$(vessel list --format json | jq '[.[] | select(.status == "running")] | length')" -eq 50 ]
  for i in $(seq 50); do vessel delete --force "c$i" & done
  wait
  [ "$(vessel list -q | wc -l)" -eq 0 ]
  [ "$(test_cgroup_dirs | wc -l)" -eq 0 ]
}

# A foreground run in the test's background, its process `sleep 100`
# without a terminal; sets RUN_PID.  Its output goes to $BATS_TEST_TMPDIR/run.out.
foreground_run() {
  new_container c1
  set_args sleep 100
  # (timeout: a run that never returns fails the test rather than hangs it)
  timeout -k 1 20 "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/run.out" 2>&1 3>&- &
  RUN_PID=$!
  wait_for_status c1 running
}

# wait_run STATUS: the foreground run exits with STATUS and leaves nothing.
wait_run() {
  local st=0
  wait "$RUN_PID" || st=$?
  [ "$st" -eq "$1" ] || fail_with "run exited with $st, not $1: $(cat "$BATS_TEST_TMPDIR/run.out")"
  [ ! -s "$BATS_TEST_TMPDIR/run.out" ] || fail_with "run said: $(cat "$BATS_TEST_TMPDIR/run.out")"
  assert_clean c1
  [ -z "$(vessel_processes)" ] || fail_with "processes left: $(vessel_processes)"
}

@test "kill gets through while a foreground run waits for its process" {
  foreground_run
  timeout 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" kill c1 KILL
  wait_run 137
}

@test "delete --force gets through while a foreground run waits for its process" {
  foreground_run
  timeout 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" delete --force c1
  wait_run 137
}

@test "pause and resume get through while a foreground run waits for its process" {
  foreground_run
  timeout 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" pause c1
  [ "$(container_status c1)" = paused ]
  timeout 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" resume c1
  [ "$(container_status c1)" = running ]
  timeout 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" kill c1 KILL
  wait_run 137
}
