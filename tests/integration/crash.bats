#!/usr/bin/env bats
# Crash recovery and races: vessel SIGKILLed at each step of create,
# start, exec and delete leaves a state that `delete --force` removes
# entirely (state directory, cgroups in every hierarchy, the init and what
# it started, mounts), never a torn state.json, and an id that can be used
# again; two commands racing on one container end consistent.
#
# The kill points are real syscalls: strace's fault injection delivers
# SIGKILL on entry to the Nth call of a syscall, so the call is not made.
# N is found by tracing the same command on a fresh container first
# (strace counts per process, and without -f only vessel itself).

load helpers

setup() {
  require_root
  command -v strace > /dev/null || skip "needs strace"
  common_setup
  PROCS_BEFORE=$(vessel_processes)
  # An argument no other process has: the container's processes are found
  # by it once they no longer run vessel.
  MARK=$((7000000 + ${BATS_ROOT_PID:-$$} % 1000000))$BATS_TEST_NUMBER
}

teardown() {
  local p
  for p in $(marked_processes); do kill -9 "$p" 2> /dev/null || true; done
  common_teardown
}

# The processes of the test's containers once they exec'd: each has $MARK
# as an argument.
marked_processes() {
  # A pattern that does not match itself: not grep's own command line.
  grep -lzx -- "${MARK%?}[${MARK: -1}]" /proc/[0-9]*/cmdline 2> /dev/null | while read -r f; do
    f=${f#/proc/}
    echo "${f%/cmdline}"
  done | tr '\n' ' '
}

# marked_count OP N: the number of marked processes compares so with N
# (for wait_until, which runs it again each time: a $(...) in its
# arguments would be counted once, before it is called).
marked_count() {
  [ "$(marked_processes | wc -w)" "$1" "$2" ]
}

# A container c1 whose init starts a child and waits: both carry $MARK.
marked_container() {
  new_container c1
  set_args sh -c "sleep $MARK & exec sleep $MARK"
}

assert_nothing_left() {
  assert_clean c1
  [ -z "$(ls -A "$VESSEL_TEST_ROOT")" ] || fail_with "state left: $(ls -A "$VESSEL_TEST_ROOT")"
  [ -z "$(test_cgroup_dirs)" ] || fail_with "cgroups left: $(test_cgroup_dirs)"
  [ "$(vessel_processes)" = "$PROCS_BEFORE" ] || fail_with "vessel processes left: $(vessel_processes)"
  [ -z "$(marked_processes)" ] || fail_with "container processes left: $(marked_processes)"
  ! grep -q "$BUNDLE" /proc/self/mountinfo || fail_with "mounts left: $(grep "$BUNDLE" /proc/self/mountinfo)"
}

# state.json is absent or whole: never torn, never empty.
assert_state_whole() {
  local f="$VESSEL_TEST_ROOT/c1/state.json"
  # (Slurped: jq -e passes an empty file.)
  [ ! -e "$f" ] || jq -es 'length == 1 and .[0].id == "c1" and (.[0].status | type == "string")' "$f" > /dev/null \
    || fail_with "torn state.json: $(head -c 300 "$f" | od -c | head -5)"
}

# What every command sees after a crash: state and list answer, whatever
# the container became; delete --force then removes all of it, and the id
# makes a new container that runs.
recovers() {
  local what=$1
  assert_state_whole
  run vessel list
  [ "$status" -eq 0 ] || fail_with "$what: list failed: $output"
  run vessel state c1
  if [ "$status" -eq 0 ]; then
    jq -e '.status | IN("created", "running", "stopped", "creating")' <<< "$output" > /dev/null \
      || fail_with "$what: bad state: $output"
  fi
  run vessel delete --force c1
  [ "$status" -eq 0 ] || fail_with "$what: delete --force: $output"
  echo "# recovered from: $what" >&2
  assert_nothing_left
  run vessel run --bundle "$BATS_TEST_TMPDIR/again" c1
  [ "$status" -eq 0 ] && [ "$output" = "again" ] || fail_with "$what: the id cannot be used again: $status: $output"
  assert_nothing_left
}

# A second bundle for the same id (and cgroup) that prints "again".
make_again_bundle() {
  mkdir -p "$BATS_TEST_TMPDIR/again"
  cp -a "$BUNDLE/rootfs" "$BATS_TEST_TMPDIR/again/rootfs"
  jq '.process.args = ["echo", "again"] | .hooks = {}' "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/again/config.json"
}

# trace FILE ARGS...: vessel ARGS, its own syscalls (not its children's) in FILE.
trace() {
  local out=$1
  shift
  traced strace -qq -o "$out" "$VESSEL" --root "$VESSEL_TEST_ROOT" "$@"
}

# call_number FILE SYSCALL TEXT [last]: which call of SYSCALL (1 = the
# first) is the first (or last) whose line holds TEXT.
call_number() {
  # (TEXT through the environment: awk -v would take its backslashes.)
  TEXT=$3 awk -v s="$2(" -v last="${4:-}" '
    index($0, s) == 1 { n++; if (index($0, ENVIRON["TEXT"])) { found = n; if (!last) exit } }
    END { if (found) print found }' "$1"
}

# call_after FILE SYSCALL TEXT: "NAME N": the syscall right after the first
# SYSCALL call holding TEXT (close aside), and which call of its name it is.
call_after() {
  TEXT=$3 awk -v s="$2(" '
    { name = "" }
    match($0, /^[a-z0-9_]+\(/) { name = substr($0, 1, RLENGTH - 1); count[name]++ }
    want && name != "" && name != "close" { print name, count[name]; exit }
    index($0, s) == 1 && index($0, ENVIRON["TEXT"]) { want = 1 }' "$1"
}

# kill_at SYSCALL N ARGS...: vessel ARGS, SIGKILLed on entry to its Nth
# SYSCALL; fails unless that is how it ended.
kill_at() {
  local sc=$1 n=$2
  shift 2
  [ -n "$n" ] || fail_with "no kill point for $sc in the trace"
  # Not through `run`: a process the command started (exec's) would hold
  # its pipe open.
  status=0
  # (In a subshell whose stderr is quiet: bash says "Killed".)
  (traced timeout 30 strace -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" \
    "$VESSEL" --root "$VESSEL_TEST_ROOT" "$@" < /dev/null > "$BATS_TEST_TMPDIR/killed.out" 2>&1 3>&-) 2> /dev/null || status=$?
  [ "$status" -eq 137 ] || fail_with "vessel $* was not killed at $sc #$n: $status: $(cat "$BATS_TEST_TMPDIR/killed.out")"
}

@test "create SIGKILLed at each step: delete --force removes everything, the id is reused" {
  marked_container
  make_again_bundle
  local t="$BATS_TEST_TMPDIR/create.trace" cg
  cg="$(test_cgroup c1)\""
  # Twice: the first run makes the prefix's cgroups, whose mkdir calls the
  # later runs do not make.
  trace "$t" create --bundle "$BUNDLE" c1
  vessel delete --force c1
  trace "$t" create --bundle "$BUNDLE" c1
  vessel delete --force c1
  assert_nothing_left

  local state_write='"{\"ociVersion\":'
  local -a points=(
    "writing the first state:write:$(call_number "$t" write "$state_write")"
    "publishing the first state:renameat:$(call_number "$t" renameat state.json)"
    "creating the first cgroup:mkdir:$(call_number "$t" mkdir "$cg")"
    "creating the last cgroup:mkdir:$(call_number "$t" mkdir "$cg" last)"
    "cloning the init:clone3:$(call_number "$t" clone3 "")"
    "right after the clone:$(call_after "$t" clone3 "" | tr ' ' :)"
    "waiting for the init's setup:recvmsg:1"
    "writing the committed state:write:$(call_number "$t" write "$state_write" last)"
    "publishing the committed state:renameat:2"
    "telling the init it is committed:$(call_after "$t" renameat state.json | tr ' ' :)"
  )
  local p
  for p in "${points[@]}"; do
    local what=${p%%:*} rest=${p#*:}
    kill_at "${rest%%:*}" "${rest#*:}" create --bundle "$BUNDLE" c1
    assert_state_whole
    case $what in
    "publishing the first state" | "writing the first state")
      # Before anything but the directory exists.
      [ -d "$VESSEL_TEST_ROOT/c1" ] && [ ! -e "$VESSEL_TEST_ROOT/c1/state.json" ] \
        || fail_with "$what: expected a directory without state"
      [ -z "$(test_cgroup_dirs)" ] || fail_with "$what: cgroups before the state"
      ;;
    "creating the last cgroup")
      [ -n "$(test_cgroup_dirs)" ] || fail_with "$what: expected some cgroups"
      ;;
    esac
    recovers "$what"
  done
}

@test "create: vessel SIGKILLed by a createRuntime hook while the init is half set up" {
  marked_container
  make_again_bundle
  # createRuntime runs in vessel, the hook's parent, after the init's
  # mounts and before its pivot_root; the init waits on vessel.
  update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $PPID"]}]'
  run vessel create --bundle "$BUNDLE" c1
  [ "$status" -eq 137 ] || fail_with "not killed: $status: $output"
  # The init notices (its parent-death signal, or the sync socket) and is
  # gone without help; recovery finds the rest.
  recovers "in createRuntime"
}

@test "create: an init SIGKILLed during its mounts makes create fail and leave nothing" {
  marked_container
  make_again_bundle
  local n
  for n in 1 4 12; do
    # -f: the init's calls; vessel makes no move_mount of its own here.
    run traced timeout 30 strace -f -qq -o /dev/null -e trace=move_mount -e inject=move_mount:signal=KILL:when=$n \
      "$VESSEL" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE" c1
    [ "$status" -eq 1 ] || fail_with "move_mount #$n: $status: $output"
    [[ "$output" == *"init process"* ]] || fail_with "move_mount #$n: $output"
    assert_nothing_left
  done
  recovers "after the failed creates"
}

@test "start SIGKILLed at each step: the container stays consistent and delete --force removes it" {
  marked_container
  make_again_bundle
  local t="$BATS_TEST_TMPDIR/start.trace"
  vessel create --bundle "$BUNDLE" c1
  trace "$t" start c1
  vessel delete --force c1
  local p
  for p in "write:$(call_number "$t" write '"{\"ociVersion\":')" "renameat:1" "socket:1" "connect:1" "sendmsg:1" "recvmsg:1" "$(call_after "$t" recvmsg "" | tr ' ' :)"; do
    vessel create --bundle "$BUNDLE" c1
    local pid
    pid=$(init_pid c1)
    kill_at "${p%%:*}" "${p#*:}" start c1
    assert_state_whole
    case $p in
    write:* | renameat:1)
      # Nothing changed yet: the container can still be started.
      [ "$(container_status c1)" = created ] || fail_with "$p: $(container_status c1)"
      vessel start c1
      ;;
    socket:1 | connect:1)
      # Marked running, but the init was not told and still listens: a
      # second start finishes the job.
      [ "$(container_status c1)" = running ] || fail_with "$p: $(container_status c1)"
      vessel start c1
      wait_until marked_count -gt 0
      ;;
    recvmsg:1 | unlinkat:*)
      # The init was told: the container's process runs, and is not
      # started twice.
      wait_until marked_count -gt 0
      run vessel start c1
      [ "$status" -eq 1 ] && [[ "$output" == *"it is running, not created"* ]] || fail_with "$p: start again: $status: $output"
      ;;
    esac
    # Whatever start got to, the init is the one recorded, or it is gone
    # (an init whose start connection closes without a word exits) and
    # the container says stopped.
    vessel state c1 | jq -e --argjson pid "$pid" '.pid == $pid or (.pid == 0 and .status == "stopped")' \
      || fail_with "$p: $(vessel state c1)"
    recovers "start killed at $p"
  done
}

@test "exec SIGKILLed at each step: the container keeps running and delete --force removes its processes" {
  marked_container
  make_again_bundle
  vessel run --detach --bundle "$BUNDLE" c1
  local t="$BATS_TEST_TMPDIR/exec.trace"
  trace "$t" exec c1 true
  local p
  for p in "clone3:1" "$(call_after "$t" clone3 "" | tr ' ' :)" "sendmsg:1" "recvmsg:1"; do
    kill_at "${p%%:*}" "${p#*:}" exec c1 sleep "$MARK"
    assert_state_whole
    [ "$(container_status c1)" = running ] || fail_with "$p: $(container_status c1)"
    run vessel exec c1 echo still
    [ "$status" -eq 0 ] && [ "$output" = still ] || fail_with "$p: exec after: $output"
  done
  # Blocked in its wait for the process: the process outlives it.
  local before
  before=$(marked_processes | wc -w)
  "$VESSEL" --root "$VESSEL_TEST_ROOT" exec c1 sleep "$MARK" 3>&- &
  local pid=$!
  wait_until marked_count -gt "$before"
  kill -9 "$pid"
  wait "$pid" 2> /dev/null || true
  [ "$(container_status c1)" = running ]
  recovers "exec killed while it waited"
}

@test "delete --force SIGKILLed at each step: a second delete --force finishes the job" {
  marked_container
  make_again_bundle
  local t="$BATS_TEST_TMPDIR/delete.trace"
  vessel run --detach --bundle "$BUNDLE" c1
  trace "$t" delete --force c1
  local -a points=(
    "pidfd_send_signal:1"
    "poll:1"
    "rmdir:1"
    "rmdir:$(call_number "$t" rmdir "" last)"
    "unlinkat:1"
    "unlinkat:$(call_number "$t" unlinkat state.json)"
    "$(call_after "$t" unlinkat state.json | tr ' ' :)"
    "unlinkat:$(call_number "$t" unlinkat AT_REMOVEDIR)"
  )
  local p
  for p in "${points[@]}"; do
    vessel run --detach --bundle "$BUNDLE" c1
    wait_until marked_count -gt 0
    kill_at "${p%%:*}" "${p#*:}" delete --force c1
    assert_state_whole
    recovers "delete killed at $p"
  done
}

# race N CMD1 -- CMD2: runs both vessel commands at once; sets RC1, RC2.
race() {
  local a=() b=()
  while [ "$1" != -- ]; do
    a+=("$1")
    shift
  done
  shift
  b=("$@")
  "$VESSEL" --root "$VESSEL_TEST_ROOT" "${a[@]}" > "$BATS_TEST_TMPDIR/out1" 2>&1 3>&- &
  local p1=$!
  "$VESSEL" --root "$VESSEL_TEST_ROOT" "${b[@]}" > "$BATS_TEST_TMPDIR/out2" 2>&1 3>&- &
  local p2=$!
  RC1=0 RC2=0
  wait "$p1" || RC1=$?
  wait "$p2" || RC2=$?
}

# The container is gone: list agrees.
assert_gone() {
  assert_nothing_left
  [ -z "$(vessel list --quiet)" ] || fail_with "list still shows: $(vessel list)"
}

ITERATIONS=${VESSEL_RACE_ITERATIONS:-40}

@test "race: delete --force against start on a created container ends with the container gone" {
  marked_container
  local i
  for i in $(seq "$ITERATIONS"); do
    vessel create --bundle "$BUNDLE" c1
    race start c1 -- delete --force c1
    [ "$RC2" -eq 0 ] || fail_with "iteration $i: delete: $(cat "$BATS_TEST_TMPDIR/out2")"
    # start either ran first or found the container gone.
    [ "$RC1" -eq 0 ] || grep -q 'does not exist' "$BATS_TEST_TMPDIR/out1" \
      || fail_with "iteration $i: start: $(cat "$BATS_TEST_TMPDIR/out1")"
    assert_gone
  done
}

@test "race: kill against delete --force on a running container ends with the container gone" {
  marked_container
  local i
  for i in $(seq "$ITERATIONS"); do
    vessel run --detach --bundle "$BUNDLE" c1
    race kill c1 KILL -- delete --force c1
    [ "$RC2" -eq 0 ] || fail_with "iteration $i: delete: $(cat "$BATS_TEST_TMPDIR/out2")"
    [ "$RC1" -eq 0 ] || grep -qE 'does not exist|not running' "$BATS_TEST_TMPDIR/out1" \
      || fail_with "iteration $i: kill: $(cat "$BATS_TEST_TMPDIR/out1")"
    assert_gone
  done
}

@test "race: two delete --force at once both succeed and leave nothing" {
  marked_container
  local i
  for i in $(seq "$ITERATIONS"); do
    vessel run --detach --bundle "$BUNDLE" c1
    race delete --force c1 -- delete --force c1
    [ "$RC1" -eq 0 ] && [ "$RC2" -eq 0 ] \
      || fail_with "iteration $i: $RC1 $RC2: $(cat "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2")"
    assert_gone
  done
}

@test "race: start twice at once: exactly one succeeds, the container runs once" {
  marked_container
  local i
  for i in $(seq "$ITERATIONS"); do
    vessel create --bundle "$BUNDLE" c1
    race start c1 -- start c1
    [ $((RC1 == 0)) -ne $((RC2 == 0)) ] \
      || fail_with "iteration $i: $RC1 $RC2: $(cat "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2")"
    grep -q 'it is running, not created' "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2" \
      || fail_with "iteration $i: $(cat "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2")"
    [ "$(container_status c1)" = running ]
    [ "$(vessel list --format json | jq -r '.[] | .id + " " + .status')" = "c1 running" ]
    # The init and its one child: the process was started once.
    wait_until marked_count -eq 2
    vessel delete --force c1
    assert_gone
  done
}
