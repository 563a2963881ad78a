#!/usr/bin/env bats
# process.scheduler, process.ioPriority, process.execCPUAffinity and
# linux.memoryPolicy, read back from inside the container.

load helpers

setup() {
  require_root
  common_setup
  new_container c1
}

teardown() {
  common_teardown
}

# The nice value, policy and real-time priority of a process of the
# container (cat, which inherits them), from /proc/self/stat.
stat_sched() {
  set_args cat /proc/self/stat
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  echo "$output" | sed 's/^.*) //' | awk '{ print "nice " $17 " policy " $39 " rtprio " $38 }'
}

# A real-time policy needs runtime in the cgroup v1 cpu controller when
# the kernel groups real-time tasks, and a cgroup gets no more than its
# parent (this run's prefix, which starts with none).
allow_realtime() {
  if [ -e "$CGROUP_ROOT/cpu/cpu.rt_runtime_us" ]; then
    mkdir -p "$CGROUP_ROOT/cpu/$CGROUP_PREFIX"
    echo 20000 > "$CGROUP_ROOT/cpu/$CGROUP_PREFIX/cpu.rt_runtime_us"
    update_config '.linux.resources.cpu.realtimePeriod = 1000000 | .linux.resources.cpu.realtimeRuntime = 10000'
  fi
}

@test "process.scheduler: policy, nice, priority and flags reach the process" {
  update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
  [ "$(stat_sched)" = "nice 7 policy 3 rtprio 0" ]
  update_config '.process.scheduler = {"policy": "SCHED_IDLE"}'
  [ "$(stat_sched)" = "nice 0 policy 5 rtprio 0" ]
  allow_realtime
  update_config '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10}'
  [ "$(stat_sched)" = "nice 0 policy 1 rtprio 10" ]
  update_config '.process.scheduler = {"policy": "SCHED_RR", "priority": 3}'
  [ "$(stat_sched)" = "nice 0 policy 2 rtprio 3" ]
  # SCHED_FLAG_RESET_ON_FORK: the process's children are back to normal.
  update_config '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10, "flags": ["SCHED_FLAG_RESET_ON_FORK"]}'
  set_args sh -c 'cat /proc/self/stat; read -r s < /proc/self/stat; echo "$s"'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(echo "${lines[0]}" | sed 's/^.*) //' | awk '{ print $39 }')" = 0 ]
  [ "$(echo "${lines[1]}" | sed 's/^.*) //' | awk '{ print $39 }')" = 1 ]
}

@test "process.scheduler: SCHED_DEADLINE's runtime, deadline and period are passed to the kernel" {
  # The kernel refuses a runtime above the deadline: proof that they got there.
  update_config '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 20000000, "deadline": 10000000, "period": 30000000}'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: .process.scheduler: sched_setattr: Invalid argument"* ]]
  assert_clean c1
}

@test "process.scheduler and ioPriority values vessel refuses" {
  local -A cases=(
    ['{"scheduler": {"policy": "SCHED_OTHER", "nice": 30}}']='config.json: .process.scheduler.nice: 30 is not between -20 and 19'
    ['{"scheduler": {"policy": "SCHED_OTHER", "priority": 3}}']='config.json: .process.scheduler.priority: only for SCHED_FIFO and SCHED_RR'
    ['{"scheduler": {"policy": "SCHED_FIFO", "priority": 100}}']='config.json: .process.scheduler.priority: 100 is not between 1 and 99'
    ['{"scheduler": {"policy": "SCHED_BATCH", "runtime": 5}}']='config.json: .process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE'
    ['{"scheduler": {"policy": "SCHED_NOPE"}}']='config.json: .process.scheduler.policy'
    ['{"ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 8}}']='config.json: .process.ioPriority.priority: 8 is not between 0 and 7'
    ['{"ioPriority": {"class": "IOPRIO_CLASS_NONE", "priority": 1}}']='config.json: .process.ioPriority.class'
    ['{"execCPUAffinity": {"initial": "0-x"}}']='config.json: .process.execCPUAffinity.initial: `0-x` is not a list such as 0-3,7'
    ['{"execCPUAffinity": {"final": "3-1"}}']='config.json: .process.execCPUAffinity.final: `3-1` is not a list such as 0-3,7'
  )
  refuses_each '.process += VALUE' cases
}

@test "process.ioPriority: class and priority reach the process and its children" {
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
  set_args sh -c 'ionice -p $$; ionice'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "$(printf 'best-effort: prio 6\nbest-effort: prio 6')" ]
  update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}'
  set_args ionice
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = idle ]
}

@test "the init runs on every CPU, whatever vessel's caller was pinned to" {
  [ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
  set_args grep Cpus_allowed_list /proc/self/status
  run taskset -c 0 "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1
  assert_success
  [ "$(echo "$output" | awk '{ print $2 }')" = "$(cat /sys/devices/system/cpu/online)" ]
}

@test "process.execCPUAffinity: final for exec'd processes, not the init" {
  [ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
  update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
  set_args sh -c 'grep Cpus_allowed_list /proc/self/status; sleep 100'
  vessel run --detach --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null
  run vessel exec c1 grep Cpus_allowed_list /proc/self/status
  assert_success
  [ "$(echo "$output" | awk '{ print $2 }')" = 1 ]
  # --process's own setting; without final, every CPU again.
  jq '.process | .args = ["grep", "Cpus_allowed_list", "/proc/self/status"] | .execCPUAffinity = {"final": "0"}' \
    "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/p.json"
  run vessel exec --process "$BATS_TEST_TMPDIR/p.json" c1
  [ "$(echo "$output" | awk '{ print $2 }')" = 0 ]
  jq '.process | .args = ["grep", "Cpus_allowed_list", "/proc/self/status"] | del(.execCPUAffinity)' \
    "$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/p.json"
  run taskset -c 1 "$VESSEL" --root "$VESSEL_TEST_ROOT" exec --process "$BATS_TEST_TMPDIR/p.json" c1
  [ "$(echo "$output" | awk '{ print $2 }')" = "$(cat /sys/devices/system/cpu/online)" ]
  vessel delete --force c1
  # The init: every CPU (execCPUAffinity is not for it).
  [ "$(awk '{ print $2 }' "$BATS_TEST_TMPDIR/out")" = "$(cat /sys/devices/system/cpu/online)" ]
}

# The policy of the heap in the container's process (cat), from numa_maps.
heap_policy() {
  vessel run --bundle "$BUNDLE" c1 | awk '/heap/ { print $2 }'
}

@test "linux.memoryPolicy: mode, nodes and flags reach the process and exec'd ones" {
  [ -e /proc/self/numa_maps ] || skip "the kernel has no NUMA support"
  set_args cat /proc/self/numa_maps
  update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
  [ "$(heap_policy)" = bind:0 ]
  update_config '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
  [ "$(heap_policy)" = interleave=static:0 ]
  update_config '.linux.memoryPolicy = {"mode": "MPOL_PREFERRED", "nodes": "0"}'
  [ "$(heap_policy)" = prefer:0 ]
  update_config '.linux.memoryPolicy = {"mode": "MPOL_LOCAL"}'
  [ "$(heap_policy)" = local ]
  update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
  set_args sleep 100
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  run vessel exec c1 cat /proc/self/numa_maps
  assert_success
  [ "$(echo "$output" | awk '/heap/ { print $2 }')" = bind:0 ]
  vessel delete --force c1
}

@test "linux.memoryPolicy values vessel or the kernel refuses" {
  local -A cases=(
    ['{"mode": "MPOL_BIND"}']='config.json: .linux.memoryPolicy.nodes: MPOL_BIND needs at least one node'
    ['{"mode": "MPOL_DEFAULT", "nodes": "0"}']='config.json: .linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes'
    ['{"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES", "MPOL_F_RELATIVE_NODES"]}']='config.json: .linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other'
    ['{"mode": "MPOL_BIND", "nodes": "0,,1"}']='config.json: .linux.memoryPolicy.nodes: `0,,1` is not a list such as 0-3,7'
    ['{"mode": "MPOL_BIND", "nodes": "9000"}']='config.json: .linux.memoryPolicy.nodes: `9000` names an id above 8191'
    ['{"mode": "MPOL_BIND", "nodes": "1000"}']='config.json: .linux.memoryPolicy: set_mempolicy MPOL_BIND 1000: Invalid argument'
  )
  refuses_each '.linux.memoryPolicy = VALUE' cases
}

@test "features lists every memory policy mode and flag" {
  run vessel features
  assert_success
  echo "$output" | jq -e '(.linux.memoryPolicy.modes | sort) == (["MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE",
      "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"] | sort)
    and (.linux.memoryPolicy.flags | sort) == ["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"]'
}
