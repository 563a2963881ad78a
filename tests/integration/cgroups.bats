#!/usr/bin/env bats
# linux.resources and the commands that act on a container's cgroups
# (update, pause, resume, ps, events), on whatever host runs the suite:
# cgroup v1, hybrid (this project's development host) or pure cgroup v2
# (the VM lanes, tests/vm/lane.sh --shape v2).  Each test checks the files the
# kernel exposes and, where the kernel enforces a limit, the enforcement.

load helpers

setup() {
  require_root
  common_setup
  new_container c1
  update_config '.root.readonly = false'
}

teardown() {
  # (what a test froze, thawed: a frozen process dies only once thawed on v1)
  [ -z "${THAW:-}" ] || sh -c "$THAW" 2> /dev/null || true
  common_teardown
}

# cg_read CONTROLLER FILE [ID]: a file of the container's cgroup.
cg_read() {
  cat "$(cg_dir "$1" "${3:-c1}")/$2"
}

# The value of KEY in a flat-keyed cgroup file.
cg_key() {
  cg_read "$1" "$2" | awk -v k="$3" '$1 == k { print $2 }'
}

require_v2() {
  [ "$(cg_mode)" = v2 ] || skip "needs a cgroup v2 host (this one is $(cg_mode)): see tests/vm/lane.sh --shape v2"
}

require_v1_controllers() {
  [ "$(cg_mode)" != v2 ] || skip "needs cgroup v1 controllers (this host is pure v2)"
}

# The value of KEY in FILE of CONTROLLER is above N.
key_above() {
  [ "$(cg_key "$1" "$2" "$3")" -gt "$4" ]
}

run_detached() {
  vessel run --detach --bundle "$BUNDLE" "${1:-c1}" > /dev/null
}

count_above() {
  [ "$(cat "$BUNDLE/rootfs/count")" -gt "$1" ]
}

# A counter the container bumps every 20 ms in /count of its rootfs.
counting_container() {
  set_args sh -c 'i=0; while true; do i=$((i+1)); echo $i > /count; usleep 20000; done'
  run_detached
  local i
  for i in $(seq 50); do [ -s "$BUNDLE/rootfs/count" ] && return 0; sleep 0.1; done
  fail_with "the counter never started"
}

@test "memory limit, reservation and swappiness land in the memory files" {
  update_config '.linux.resources.memory = {"limit": 67108864, "reservation": 33554432, "swappiness": 10}'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  if [ "$(cg_mode)" = v2 ]; then
    [ "$(cg_read memory memory.max)" = 67108864 ]
    [ "$(cg_read memory memory.low)" = 33554432 ]
  else
    [ "$(cg_read memory memory.limit_in_bytes)" = 67108864 ]
    [ "$(cg_read memory memory.soft_limit_in_bytes)" = 33554432 ]
    [ "$(cg_read memory memory.swappiness)" = 10 ]
  fi
  vessel delete --force c1
  assert_clean c1
}

@test "swap is memory plus swap: memsw on v1, the difference in memory.swap.max on v2" {
  update_config '.linux.resources.memory = {"limit": 67108864, "swap": 100663296}'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  if [ "$(cg_mode)" = v2 ]; then
    [ "$(cg_read memory memory.swap.max)" = 33554432 ]
  elif [ -e "$(cg_dir memory c1)/memory.memsw.limit_in_bytes" ]; then
    [ "$(cg_read memory memory.memsw.limit_in_bytes)" = 100663296 ]
  else
    skip "the kernel does not account swap (no memory.memsw.limit_in_bytes)"
  fi
  vessel delete --force c1
  assert_clean c1
}

@test "a memory hog is OOM-killed: run exits with 137" {
  update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  # The pid 1 of a pid namespace is killed like any other here, but keep
  # the hog a child so that the shell reports the kill.
  set_args sh -c 'x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 137 ]
  assert_clean c1
}

@test "pids limit stops a fork loop" {
  update_config '.linux.resources.pids = {"limit": 8}'
  set_args sh -c 'for i in $(seq 20); do sleep 100 & done 2>/dev/null; sleep 100'
  run_detached
  wait_until key_above pids pids.events max 0
  [ "$(cg_read pids pids.max)" = 8 ]
  [ "$(cg_read pids pids.current)" -le 8 ]
  vessel delete --force c1
  assert_clean c1
}

@test "pids limit -1 is unlimited" {
  update_config '.linux.resources.pids = {"limit": -1}'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  [ "$(cg_read pids pids.max)" = max ]
  vessel delete --force c1
  assert_clean c1
}

@test "a cpu quota throttles a busy loop: nr_throttled grows" {
  update_config '.linux.resources.cpu = {"quota": 10000, "period": 100000}'
  set_args sh -c 'while true; do :; done'
  run_detached
  wait_until key_above cpu cpu.stat nr_throttled 0
  if [ "$(cg_mode)" = v2 ]; then
    [ "$(cg_read cpu cpu.max)" = "10000 100000" ]
  else
    [ "$(cg_read cpu cpu.cfs_quota_us)" = 10000 ]
    [ "$(cg_read cpu cpu.cfs_period_us)" = 100000 ]
  fi
  [ "$(cg_key cpu cpu.stat nr_throttled)" -gt 0 ]
  vessel delete --force c1
  assert_clean c1
}

@test "cpu shares are cpu.shares on v1 and the converted cpu.weight on v2" {
  update_config '.linux.resources.cpu = {"shares": 512}'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  if [ "$(cg_mode)" = v2 ]; then
    # runc's and crun's conversion: 10^((l^2 + 125 l) / 612 - 7/34), l = log2(shares)
    [ "$(cg_read cpu cpu.weight)" = 59 ]
  else
    [ "$(cg_read cpu cpu.shares)" = 512 ]
  fi
  vessel delete --force c1
  assert_clean c1
}

@test "cpuset cpus and mems are written, and the process runs only there" {
  update_config '.linux.resources.cpu = {"cpus": "0", "mems": "0"}'
  set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 0 ]
  [[ "$output" == *"Cpus_allowed_list:"*"0" ]]
  assert_clean c1
}

@test "devices: the defaults are usable, a device the rules do not allow is refused" {
  update_config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
  # 10:237 is /dev/loop-control: harmless to open, and not in runc's defaults
  set_args sh -c 'head -c 4 /dev/zero | wc -c; mknod /lc c 10 237 && exec 3< /lc && echo opened'
  run vessel run --bundle "$BUNDLE" c1
  echo "$output"
  [ "${lines[0]}" = 4 ]
  [[ "$output" == *"Operation not permitted"* ]]
  [[ "$output" != *opened* ]]
  assert_clean c1
}

@test "devices: an allow rule opens a device, a later deny rule closes it again" {
  update_config '.process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"] | .process.capabilities.permitted += ["CAP_MKNOD"]'
  # 1:11 is /dev/kmsg, on every kernel, not in runc's defaults; opening it
  # for writing needs no capability (and nothing is written)
  update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
  set_args sh -c 'mknod /km c 1 11 && exec 4> /km && echo opened-write; exec 3< /km && echo opened-read'
  run vessel run --bundle "$BUNDLE" c1
  echo "$output"
  [[ "$output" == *opened-write* ]]
  [[ "$output" != *opened-read* ]]
  update_config '.linux.resources.devices += [{"allow": false, "type": "c", "major": 1, "minor": 11, "access": "rwm"}]'
  run vessel run --bundle "$BUNDLE" c1
  echo "$output"
  [[ "$output" != *opened-write* ]]
  [[ "$output" == *"Operation not permitted"* ]]
  assert_clean c1
}

@test "devices: a node of linux.devices is usable only as far as the rules allow it, as with runc" {
  # 1:11 is /dev/kmsg: opening it for writing needs no capability.
  update_config '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]
    | .linux.resources.devices = [{"allow": false, "access": "rwm"}]'
  set_args sh -c 'test -c /dev/kmsg && echo node; exec 4> /dev/kmsg && echo opened-write'
  run vessel run --bundle "$BUNDLE" c1
  [ "${lines[0]}" = node ] || fail_with "$output"
  [[ "$output" != *opened-write* ]] || fail_with "the deny was overridden: $output"
  [[ "$output" == *"Operation not permitted"* ]] || fail_with "$output"
  if [ "$(cg_mode)" != v2 ]; then
    set_args sleep 100
    vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
    run cat "$(cg_dir devices c1)/devices.list"
    vessel delete --force c1
    [[ "$output" != *"c 1:11 "* ]] || fail_with "devices.list: $output"
  fi
  # An allow rule for it opens it.
  update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
  set_args sh -c 'exec 4> /dev/kmsg && echo opened-write'
  run vessel run --bundle "$BUNDLE" c1
  [ "$output" = opened-write ] || fail_with "$output"
  assert_clean c1
}

@test "pause freezes the processes and resume thaws them" {
  counting_container
  vessel pause c1
  [ "$(container_status c1)" = paused ]
  local a b
  a=$(cat "$BUNDLE/rootfs/count")
  sleep 0.4
  b=$(cat "$BUNDLE/rootfs/count")
  [ "$a" = "$b" ]
  vessel resume c1
  [ "$(container_status c1)" = running ]
  wait_until count_above "$b"
  vessel delete --force c1
  assert_clean c1
}

@test "pause of a paused container and resume of a running one are errors" {
  set_args sleep 100
  run_detached
  run vessel resume c1
  [ "$status" -ne 0 ]
  [[ "$output" == *"cannot resume container \`c1\`: it is running"* ]]
  vessel pause c1
  run vessel pause c1
  [ "$status" -ne 0 ]
  [[ "$output" == *"it is paused"* ]]
  vessel resume c1
  vessel delete --force c1
  assert_clean c1
}

@test "delete --force kills a paused container" {
  set_args sleep 100
  run_detached
  vessel pause c1
  run vessel delete c1
  [ "$status" -ne 0 ]
  vessel delete --force c1
  assert_clean c1
}

@test "v1: update to a shorter cpu period under a parent's quota works in either direction" {
  # cgroup2's cpu.max takes quota and period in one write (and caps a child
  # by its parent instead of refusing it): nothing to order there.
  [ "$(cg_mode)" != v2 ] || skip "cgroup v1 only: on v2 cpu.max is one write"
  # The parent, at 50 %, under the test's own prefix; the container below.
  local parent container
  parent=$(cg_dir cpu parent)
  mkdir -p "$parent"
  echo 50000 > "$parent/cpu.cfs_quota_us"
  [ "$(cat "$parent/cpu.cfs_period_us")" = 100000 ]
  update_config '.linux.cgroupsPath = $p' --arg p "$(test_cgroup parent)/c1"
  update_config '.linux.resources.cpu = {"quota": 50000, "period": 100000}'
  set_args sleep 100
  run_detached
  container="$parent/c1"
  [ "$(cat "$container/cpu.cfs_quota_us")" = 50000 ]
  # 50000/10000 would be 500 % for a moment if the period went first alone
  run vessel update --cpu-period 10000 --cpu-quota 5000 c1
  assert_success
  [ "$(cat "$container/cpu.cfs_period_us")" = 10000 ]
  [ "$(cat "$container/cpu.cfs_quota_us")" = 5000 ]
  # and back: 50000/10000 would be as much if the quota went first
  run vessel update --cpu-period 100000 --cpu-quota 50000 c1
  assert_success
  [ "$(cat "$container/cpu.cfs_period_us")" = 100000 ]
  [ "$(cat "$container/cpu.cfs_quota_us")" = 50000 ]
  # above the parent in any order: the kernel's refusal is the error
  run vessel update --cpu-period 100000 --cpu-quota 60000 c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"cpu.cfs_quota_us"*"Invalid argument"* ]] || fail_with "$output"
  vessel delete --force c1
  [ ! -d "$container" ]
  # vessel made the parent in every hierarchy and leaves it there, as runc
  # does: the test removes what it asked for.
  local d
  for d in $(test_cgroup_dirs); do rmdir "$d"; done
}

@test "update changes the limits of a running container" {
  set_args sleep 100
  update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 50}}'
  run_detached
  vessel update --memory 128m --pids-limit 20 --cpu-quota 20000 --cpu-period 100000 --cpu-share 256 c1
  [ "$(cg_read pids pids.max)" = 20 ]
  if [ "$(cg_mode)" = v2 ]; then
    [ "$(cg_read memory memory.max)" = 134217728 ]
    [ "$(cg_read cpu cpu.max)" = "20000 100000" ]
    [ "$(cg_read cpu cpu.weight)" = 35 ]
  else
    [ "$(cg_read memory memory.limit_in_bytes)" = 134217728 ]
    [ "$(cg_read cpu cpu.cfs_quota_us)" = 20000 ]
    [ "$(cg_read cpu cpu.shares)" = 256 ]
  fi
  echo '{"pids": {"limit": 30}, "memory": {"reservation": 16777216}}' | vessel update --resources - c1
  [ "$(cg_read pids pids.max)" = 30 ]
  vessel delete --force c1
  assert_clean c1
}

@test "update refuses bad values, unknown containers and stopped ones" {
  run vessel update --memory lots c1
  [ "$status" -ne 0 ]
  [[ "$output" == *"--memory: \`lots\` is not a valid value"* ]]
  run vessel update --pids-limit 5 nosuch
  [ "$status" -ne 0 ]
  [[ "$output" == *"container \`nosuch\` does not exist"* ]]
  run vessel run --keep --bundle "$BUNDLE" c1
  run vessel update --pids-limit 5 c1
  [ "$status" -ne 0 ]
  [[ "$output" == *"it is stopped"* ]]
  echo '{"pids": {"limit": "x"}}' > "$BATS_TEST_TMPDIR/r.json"
  run vessel update -r "$BATS_TEST_TMPDIR/r.json" c1
  [ "$status" -ne 0 ]
  [[ "$output" == *".pids.limit: expected integer"* ]]
  vessel delete c1
  assert_clean c1
}

@test "update names the bad field of the new resources, not config.json" {
  set_args sleep 100
  run_detached
  run vessel update --resources - c1 <<< '{"devices": [{"allow": true, "type": "x"}]}'
  [ "$status" -eq 1 ]
  [ "$output" = 'vessel: update: resources.devices[0].type: `x` is not a, c or b' ]
  run vessel update --resources - c1 <<< '{"unified": {"../x": "1"}}'
  [ "$status" -eq 1 ]
  [ "$output" = 'vessel: update: resources.unified["../x"]: not a cgroup file name' ]
}

procs_count() {
  [ "$(wc -l < "$(cg_dir pids c1)/cgroup.procs")" -eq "$1" ]
}

@test "ps lists the pids of the container's cgroup" {
  set_args sh -c 'sleep 100 & sleep 100'
  run_detached
  wait_until procs_count 2
  local want
  want=$(cat "$(cg_dir pids c1)/cgroup.procs" | sort -n | paste -sd, -)
  run vessel ps --format json c1
  [ "$status" -eq 0 ]
  [ "$output" = "[$want]" ]
  [ "$(echo "$output" | jq length)" -eq 2 ]
  run vessel ps c1
  [ "${lines[0]}" = "PID      PPID     UID      STAT  CMD" ]
  # (the shell execs its last command: both processes are sleeps)
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[1]}" == "$(init_pid) "*"sleep 100" ]]
  vessel delete --force c1
  assert_clean c1
}

@test "ps with ps(1) options after the id shows ps's lines of the container's pids, as runc" {
  set_args sh -c 'sleep 100 & sleep 100'
  run_detached
  wait_until procs_count 2
  local want
  want=$(sort -n "$(cg_dir pids c1)/cgroup.procs" | paste -sd' ' -)
  run vessel ps c1 -e -o pid,ppid,args
  assert_success
  [[ "${lines[0]}" =~ ^\ *PID\ +PPID\ +COMMAND$ ]] || fail_with "header: $output"
  [ "${#lines[@]}" -eq 3 ] || fail_with "not the 2 processes: $output"
  [ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $1}' | sort -n | paste -sd' ' -)" = "$want" ]
  [[ "${lines[1]}${lines[2]}" == *"sleep 100"*"sleep 100"* ]]
  # The PID column need not come first; BSD-style options go through too.
  run vessel ps c1 -e -x -o user,pid,comm
  assert_success
  [[ "${lines[0]}" =~ ^USER\ +PID\ +COMMAND$ ]] || fail_with "header: $output"
  [ "$(printf '%s\n' "${lines[@]:1}" | awk '{print $2}' | sort -n | paste -sd' ' -)" = "$want" ]
  # ps(1)'s own complaint is the error
  run vessel ps c1 --no-such-ps-option
  [ "$status" -eq 1 ]
  [[ "$output" == *"ps(1) failed"* ]]
  vessel delete --force c1
  assert_clean c1
}

@test "ps of a stopped container prints an empty table, as runc's" {
  run_detached
  wait_for_status c1 stopped
  run vessel ps c1
  assert_success
  [ "$output" = "PID      PPID     UID      STAT  CMD" ]
  run vessel ps --format json c1
  assert_success
  [ "$output" = "[]" ]
  run vessel ps c1 -ef
  assert_success
  [ "${#lines[@]}" -eq 1 ] && [[ "${lines[0]}" =~ ^UID\ +PID\ +PPID ]] || fail_with "ps -ef: $output"
}

@test "events --stats prints runc's stats JSON, with numbers that move" {
  update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 40}}'
  set_args sh -c 'while true; do :; done'
  run_detached
  local first second
  first=$(vessel events --stats c1)
  echo "$first" | jq -e '.type == "stats" and .id == "c1"'
  echo "$first" | jq -e '.data.memory.usage.limit == 67108864 and .data.memory.usage.usage > 0'
  echo "$first" | jq -e '.data.pids.current == 1 and .data.pids.limit == 40'
  sleep 0.3
  second=$(vessel events --stats c1)
  [ "$(echo "$second" | jq .data.cpu.usage.total)" -gt "$(echo "$first" | jq .data.cpu.usage.total)" ]
  vessel delete --force c1
  assert_clean c1
}

@test "events reports an OOM kill and ends when the container stops" {
  update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
  set_args sh -c 'sleep 0.5; x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done'
  vessel create --bundle "$BUNDLE" c1
  timeout 20 "$VESSEL" --root "$VESSEL_TEST_ROOT" events --interval 10s c1 > "$BATS_TEST_TMPDIR/events" &
  local events_pid=$!
  sleep 0.2
  vessel start c1
  wait $events_pid
  cat "$BATS_TEST_TMPDIR/events"
  grep -qx '{"type":"oom","id":"c1"}' "$BATS_TEST_TMPDIR/events"
  vessel delete c1
  assert_clean c1
}

@test "the init waits for its cgroups where it needs them, however slowly vessel makes them" {
  command -v strace > /dev/null || skip "needs strace"
  # With v1 hierarchies the init starts before its cgroups exist and sets
  # itself up while vessel makes them: here each of vessel's mkdir takes
  # 50 ms more (strace without -f: the init runs at full speed), and the
  # init gets to the cgroup mount long before they exist.
  local ns own_line procs
  for ns in cgroup none; do
    make_bundle "$BATS_TEST_TMPDIR/$ns"
    use_cgroup "$ns"
    [ "$ns" = cgroup ] || update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
    set_args sh -c 'cat /proc/self/cgroup; echo procs; cat /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null || cat /sys/fs/cgroup/cgroup.procs'
    run traced strace -qq -o /dev/null -e trace=mkdir -e inject=mkdir:delay_exit=50000 \
      "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" "$ns"
    assert_success
    # In every hierarchy, from the start; the cgroup namespace's root is
    # the container's cgroup.
    own_line=":$(test_cgroup "$ns")\$"
    [ "$ns" = none ] || own_line=':/$'
    [ -z "$(sed '/^procs$/,$d' <<< "$output" | grep -v "$own_line")" ] || fail_with "not in its cgroups: $output"
    # The cgroup mounted at /sys/fs/cgroup is the container's own: it
    # lists the container's pid 1.
    procs=$(sed '1,/^procs$/d' <<< "$output")
    grep -qx 1 <<< "$procs" || fail_with "the mounted cgroup is not the container's: $output"
    assert_clean "$ns"
  done
}

@test "v1 and hybrid: the init's setup is charged to vessel's memory cgroup, not the container's" {
  [ "$(cg_mode)" != v2 ] || skip "on cgroup v2 the init is cloned into its cgroup"
  # A cgroup namespace would need the init in its memory cgroup before
  # the cgroup mounts; without one, only before it says it is ready.
  update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1
  local pid kmem f=$CGROUP_ROOT/memory$(test_cgroup c1)/memory.kmem.usage_in_bytes
  pid=$(init_pid c1)
  # Created, the init is in its memory cgroup ...
  grep -q ":memory:$(test_cgroup c1)\$" "/proc/$pid/cgroup"
  if [ ! -e "$f" ]; then
    vessel delete --force c1
    skip "this kernel has no memory.kmem.usage_in_bytes"
  fi
  # ... but its namespaces, mounts and /dev were made before it entered:
  # 60 KiB of kernel memory when it entered first, a page now.
  kmem=$(cat "$f")
  vessel delete --force c1
  [ "$kmem" -le 16384 ] || fail_with "the container was charged $kmem bytes of kernel memory before it ran anything"
  assert_clean c1
}

@test "v1 and hybrid: the init moves itself into its v1 cgroups, vessel writes no cgroup.procs" {
  [ "$(cg_mode)" != v2 ] || skip "on cgroup v2 the init is cloned into its cgroup"
  command -v strace > /dev/null || skip "needs strace"
  # A pid written to cgroup.procs may wait for an RCU grace period (the
  # kernel's cgroup_threadgroup_rwsem); a thread writing "0" to tasks
  # moves itself without that lock.
  run traced strace -f -qq -e trace=openat -o "$BATS_TEST_TMPDIR/trace" \
    "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1
  assert_success
  ! grep 'cgroup.procs", O_WRONLY' "$BATS_TEST_TMPDIR/trace" || fail_with "vessel wrote a cgroup.procs"
  local v1 joins
  v1=$(grep -c '^[1-9][0-9]*:' /proc/self/cgroup)
  joins=$(grep -c "$(test_cgroup c1)/tasks\", O_WRONLY" "$BATS_TEST_TMPDIR/trace")
  [ "$joins" -eq "$v1" ] || fail_with "$joins tasks files opened for $v1 v1 hierarchies"
  assert_clean c1
}

@test "hybrid host: the process is in the v1 hierarchies and in the unified one" {
  [ "$(cg_mode)" = hybrid ] || skip "needs a hybrid host (this one is $(cg_mode))"
  set_args sleep 100
  run_detached
  local pid
  pid=$(init_pid)
  grep -qx "0::$(test_cgroup c1)" "/proc/$pid/cgroup"
  grep -q ":memory:$(test_cgroup c1)\$" "/proc/$pid/cgroup"
  grep -q ":pids:$(test_cgroup c1)\$" "/proc/$pid/cgroup"
  grep -qx "$pid" "$CGROUP_ROOT/unified$(test_cgroup c1)/cgroup.procs"
  vessel delete --force c1
  assert_clean c1
}

@test "v2: the controllers are enabled in the parents' subtree_control" {
  require_v2
  update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 10}}'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  local parent="$CGROUP_ROOT/$CGROUP_PREFIX"
  [[ " $(cat "$parent/cgroup.subtree_control") " == *" memory "* ]]
  [[ " $(cat "$parent/cgroup.subtree_control") " == *" pids "* ]]
  vessel delete --force c1
  assert_clean c1
}

@test "v2: unified keys are written as given, path tricks are refused" {
  require_v2
  update_config '.linux.resources.unified = {"memory.high": "50331648", "pids.max": "12"}'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  [ "$(cg_read memory memory.high)" = 50331648 ]
  [ "$(cg_read pids pids.max)" = 12 ]
  vessel delete --force c1
  update_config '.linux.resources.unified = {"../memory.max": "1"}'
  run vessel create --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ "$output" == *'not a cgroup file name'* ]]
  assert_clean c1
}

@test "v1 and hybrid: unified keys need a cgroup2 controller and are refused clearly" {
  require_v1_controllers
  update_config '.linux.resources.unified = {"memory.high": "50331648"}'
  run vessel create --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ "$output" == *'memory.high'*'not available'* ]]
  assert_clean c1
}

@test "v2: hugetlb limits land in .max and .rsvd.max" {
  require_v2
  grep -qw hugetlb "$CGROUP_ROOT/cgroup.controllers" || skip "no hugetlb controller"
  update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  [ "$(cg_read hugetlb hugetlb.2MB.max)" = 4194304 ]
  if [ -e "$(cg_dir hugetlb c1)/hugetlb.2MB.rsvd.max" ]; then
    [ "$(cg_read hugetlb hugetlb.2MB.rsvd.max)" = 4194304 ]
  fi
  vessel delete --force c1
  assert_clean c1
}

@test "block I/O throttling on a ram disk: io.max on v2, blkio.throttle on v1" {
  [ -b /dev/ram0 ] || skip "no /dev/ram0 (the brd module is not loaded)"
  local mm major minor
  mm=$(stat -c '%t:%T' /dev/ram0)
  major=$((16#${mm%:*}))
  minor=$((16#${mm#*:}))
  update_config '.linux.resources.blockIO = {"throttleReadBpsDevice": [{"major": $ma, "minor": $mi, "rate": 1048576}], "throttleWriteIOPSDevice": [{"major": $ma, "minor": $mi, "rate": 100}]}' --argjson ma "$major" --argjson mi "$minor"
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  if [ "$(cg_mode)" = v2 ]; then
    cat "$(cg_dir io c1)/io.max"
    grep -qx "$major:$minor rbps=1048576 wbps=max riops=max wiops=100" "$(cg_dir io c1)/io.max"
  else
    grep -qx "$major:$minor 1048576" "$(cg_dir blkio c1)/blkio.throttle.read_bps_device"
    grep -qx "$major:$minor 100" "$(cg_dir blkio c1)/blkio.throttle.write_iops_device"
  fi
  vessel delete --force c1
  assert_clean c1
}

@test "v2: the eBPF device filter is attached to the container's cgroup" {
  require_v2
  set_args sh -c 'head -c 3 /dev/null; echo null-ok'
  run vessel run --bundle "$BUNDLE" c1
  [ "$output" = null-ok ]
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  # bpftool is a test dependency (contrib/deps.sh test): without it this
  # check would pass whatever vessel attached.
  command -v bpftool > /dev/null || fail_with "bpftool is not installed (contrib/deps.sh test)"
  run bpftool cgroup list "$CGROUP_ROOT$(test_cgroup c1)"
  [ "$status" -eq 0 ]
  [[ "$output" == *cgroup_device* ]] || fail_with "no device program on the container's cgroup: $output"
  vessel delete --force c1
  assert_clean c1
}

@test "a config that needs a controller the host lacks is refused before anything exists" {
  update_config '.linux.resources.rdma = {"mlx9_0": {"hcaHandles": 2}}'
  # Whatever this host has, vessel runs on a host without rdma: in a private
  # mount namespace where rdma's v1 hierarchy is not mounted and cgroup2's
  # cgroup.controllers does not list it (vessel reads both to find it).
  cat > "$BATS_TEST_TMPDIR/no-rdma.sh" << 'EOF'
set -e
hierarchies() { # FSTYPE: mountpoint and super options of each such mount
  awk -v t="$1" '{ split($0, a, " - "); split(a[2], b, " ") } b[1] == t { print $5 " " b[3] }' /proc/self/mountinfo
}
hierarchies cgroup | while read -r m opts; do
  case ",$opts," in *,rdma,*) umount "$m" ;; esac
done
i=0
for m in $(hierarchies cgroup2 | cut -d' ' -f1); do
  i=$((i + 1))
  tr ' ' '\n' < "$m/cgroup.controllers" | grep -vx rdma | tr '\n' ' ' > "$T/controllers.$i" || true
  mount --bind "$T/controllers.$i" "$m/cgroup.controllers"
done
if hierarchies cgroup | grep -qw rdma; then exit 90; fi
for m in $(hierarchies cgroup2 | cut -d' ' -f1); do
  if grep -qw rdma "$m/cgroup.controllers"; then exit 91; fi
done
# into a file: a container made by mistake must not hold the test's output
exec "$@" > "$T/create.out" 2>&1 < /dev/null
EOF
  run env T="$BATS_TEST_TMPDIR" timeout 30 unshare -m --propagation private sh "$BATS_TEST_TMPDIR/no-rdma.sh" \
    "$VESSEL" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE" c1
  output=$(cat "$BATS_TEST_TMPDIR/create.out")
  [ "$status" -ne 0 ] || fail_with "created: $output"
  [[ "$output" == *".linux.resources.rdma: the rdma cgroup controller is not available"* ]] || fail_with "$status: $output"
  assert_clean c1
  [ -z "$(test_cgroup_dirs)" ]
}

@test "hybrid host: a controller only on the unified root, not enabled there, is refused and the root left alone" {
  [ "$(cg_mode)" = hybrid ] || skip "needs a hybrid host (this one is $(cg_mode))"
  local root="$CGROUP_ROOT/unified"
  grep -qw hugetlb "$root/cgroup.controllers" || skip "hugetlb is not on the unified hierarchy here"
  [ ! -d "$CGROUP_ROOT/hugetlb" ] || skip "hugetlb has a v1 hierarchy here"
  ! grep -qw hugetlb "$root/cgroup.subtree_control" || skip "hugetlb is already enabled in the unified root"
  update_config '.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 0}]'
  run vessel create --bundle "$BUNDLE" c1
  [ "$status" -ne 0 ]
  [[ "$output" == *"the hugetlb controller is only on the cgroup2 hierarchy"* ]]
  run ! grep -w hugetlb "$root/cgroup.subtree_control"
  assert_clean c1
  [ -z "$(test_cgroup_dirs)" ]
}

# freeze_cmds DIR: the shell command that freezes cgroup DIR (v1 freezer or
# cgroup2) and the one that thaws it, as FREEZE and THAW.
freeze_cmds() {
  if [ -e "$1/freezer.state" ] || [[ $1 == "$CGROUP_ROOT/freezer/"* ]]; then
    FREEZE="echo FROZEN > $1/freezer.state"
    THAW="echo THAWED > $1/freezer.state"
  else
    FREEZE="echo 1 > $1/cgroup.freeze"
    THAW="echo 0 > $1/cgroup.freeze"
  fi
}

# refuses_prefrozen DIR: create and run into the cgroup DIR, made and
# frozen beforehand, fail at once with runc's words and leave only DIR.
refuses_prefrozen() {
  local dir=$1 cmd
  mkdir -p "$dir"
  freeze_cmds "$dir"
  sh -c "$FREEZE"
  for cmd in create run; do
    # (output to a file: a frozen init would hold a pipe open)
    status=0
    timeout -k 1 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" "$cmd" --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
    output=$(cat "$BATS_TEST_TMPDIR/out")
    [ "$status" -eq 1 ] || fail_with "$cmd: exit status $status: $output"
    [[ $output == *"container's cgroup unexpectedly frozen"* ]] || fail_with "$cmd: $output"
    [ ! -e "$VESSEL_TEST_ROOT/c1" ] || fail_with "$cmd left the state directory"
    [ -z "$(vessel_processes)" ] || fail_with "$cmd left processes: $(vessel_processes)"
    # Nothing but the directory that was there before: not vessel's to remove.
    [ "$(test_cgroup_dirs)" = "$dir" ] || fail_with "$cmd left cgroups: $(test_cgroup_dirs)"
  done
  sh -c "$THAW"
  rmdir "$dir"
  THAW=
}

@test "v1 and hybrid: create and run refuse a cgroup the v1 freezer froze beforehand" {
  require_v1_controllers
  refuses_prefrozen "$(cg_dir freezer c1)"
}

@test "v2 and hybrid: create and run refuse a cgroup2 directory frozen beforehand" {
  [ "$(cg_mode)" != v1 ] || skip "needs a cgroup2 hierarchy"
  refuses_prefrozen "$(cg_dir unified c1)"
}

# A prestart hook that freezes the container's own cgroup DIR while the
# init sets up: vessel notices instead of waiting for the init forever.
fails_when_frozen_during_create() {
  freeze_cmds "$1"
  printf '#!/bin/sh\ncat > /dev/null\n%s\n' "$FREEZE" > "$BATS_TEST_TMPDIR/freeze-hook"
  chmod +x "$BATS_TEST_TMPDIR/freeze-hook"
  update_config '.hooks.prestart = [{"path": $p}]' --arg p "$BATS_TEST_TMPDIR/freeze-hook"
  # (output to a file: a frozen init would hold a pipe open)
  local status=0 output
  timeout -k 1 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/out")
  [ "$status" -eq 1 ] || fail_with "exit status $status: $output"
  [[ $output == *"container's cgroup unexpectedly frozen"* ]] || fail_with "$output"
  assert_clean c1
  [ -z "$(vessel_processes)" ] || fail_with "processes left: $(vessel_processes)"
}

@test "v1 and hybrid: a cgroup the v1 freezer freezes during create fails it, leaving nothing" {
  require_v1_controllers
  fails_when_frozen_during_create "$(cg_dir freezer c1)"
}

@test "v2 and hybrid: a cgroup2 directory frozen during create fails it, leaving nothing" {
  [ "$(cg_mode)" != v1 ] || skip "needs a cgroup2 hierarchy"
  fails_when_frozen_during_create "$(cg_dir unified c1)"
}

@test "a container given the cgroup of another is warned, as by runc, with the other's id" {
  set_args sleep 100
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null
  # The same bundle, so the same cgroupsPath.
  vessel run --detach --bundle "$BUNDLE" c2 > /dev/null 2> "$BATS_TEST_TMPDIR/err"
  grep -qF "container's cgroup is not empty: 1 process(es) found" "$BATS_TEST_TMPDIR/err" ||
    fail_with "no warning: $(cat "$BATS_TEST_TMPDIR/err")"
  grep -qF 'of container `c1`' "$BATS_TEST_TMPDIR/err" || fail_with "c1 not named: $(cat "$BATS_TEST_TMPDIR/err")"
  # A fresh cgroup gets no warning.
  use_cgroup c3
  vessel run --detach --bundle "$BUNDLE" c3 > /dev/null 2> "$BATS_TEST_TMPDIR/err3"
  [ ! -s "$BATS_TEST_TMPDIR/err3" ] || fail_with "warned: $(cat "$BATS_TEST_TMPDIR/err3")"
}

no_vessel_processes() {
  [ -z "$(vessel_processes)" ]
}

@test "a cgroupsPath under a frozen parent fails create within the deadline" {
  local parent d
  update_config '.linux.cgroupsPath = $p' --arg p "$(test_cgroup c1)/inner"
  parent=$(cg_dir freezer c1) # the v1 freezer's, or cgroup2's on a v2 host
  mkdir -p "$parent"
  freeze_cmds "$parent"
  sh -c "$FREEZE"
  # (output to a file: a frozen init would hold a pipe open)
  local status=0 output
  timeout -k 1 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/out")
  [ "$status" -eq 1 ] || fail_with "exit status $status: $output"
  [[ $output == *"container's cgroup unexpectedly frozen"* ]] || fail_with "$output"
  [ ! -e "$VESSEL_TEST_ROOT/c1" ] || fail_with "state directory left"
  # A v1-frozen init cannot die until its parent cgroup, not vessel's, is thawed.
  sh -c "$THAW"
  THAW=
  wait_until no_vessel_processes
  # inner and the parents it asked for (vessel leaves those, as runc)
  for d in "$CGROUP_ROOT"/*"$(test_cgroup c1)"/inner "$CGROUP_ROOT$(test_cgroup c1)/inner" \
    "$CGROUP_ROOT"/*"$(test_cgroup c1)" "$CGROUP_ROOT$(test_cgroup c1)"; do
    [ ! -d "$d" ] || rmdir "$d"
  done
}

@test "start fails, rather than waits forever, when the container's cgroup is frozen under it" {
  local dir inside
  dir=$(cg_dir freezer c1) # the v1 freezer's, or cgroup2's on a v2 host
  mkdir -p "$dir"
  freeze_cmds "$dir"
  # A startContainer hook, run by the init, freezes the init's own cgroup
  # (out of a cgroup namespace: with nsdelegate, cgroup2 keeps the files of
  # a namespace's root from being written inside it).
  inside=${FREEZE//$dir//frz}
  update_config '.linux.namespaces |= map(select(.type != "cgroup"))
    | .mounts += [{"destination": "/frz", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]
    | .hooks.startContainer = [{"path": "/bin/sh", "args": ["sh", "-c", $cmd]}]' --arg d "$dir" --arg cmd "$inside"
  vessel create --bundle "$BUNDLE" c1
  # (output to a file: a frozen init would hold a pipe open)
  local status=0 output
  timeout -k 1 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" start c1 > "$BATS_TEST_TMPDIR/out" 2>&1 || status=$?
  output=$(cat "$BATS_TEST_TMPDIR/out")
  [ "$status" -eq 1 ] || fail_with "exit status $status: $output"
  [[ $output == *"container's cgroup unexpectedly frozen"* ]] || fail_with "$output"
  timeout 10 "$VESSEL" --root "$VESSEL_TEST_ROOT" delete --force c1
  assert_clean c1
  [ -z "$(vessel_processes)" ] || fail_with "processes left: $(vessel_processes)"
}
