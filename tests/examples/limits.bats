#!/usr/bin/env bats
# contrib/examples/limits.sh: linux.resources written into the cgroup
# files, and three workloads that run into them: a CPU spinner is
# throttled, a memory hog is OOM-killed, a fork loop hits pids.max.

load common

# value NAME: the value shown as "NAME: value" in the output.
value() {
  awk -v k="$1:" '$1 == k { sub(/^[^:]*: */, ""); print; exit }' <<< "$output"
}

@test "limits: cpu, cpuset, memory and pids limits in the cgroup files, and what they do" {
  run_example limits
  assert_success

  # The limit files, as read from the host, hold the configured values.
  local limits
  limits=$(section "the limits, read from the host")
  if [ "$(cg_mode)" = v2 ]; then
    grep -qx "cpu.max: 10000 100000" <<< "$limits" || fail_with "$limits"
    grep -qx "memory.max: 83886080" <<< "$limits" || fail_with "$limits"
    # No swap: memory.swap.max is 0 wherever the kernel accounts swap.
    if grep -q "^memory.swap.max:" <<< "$limits"; then
      grep -qx "memory.swap.max: 0" <<< "$limits" || fail_with "$limits"
    fi
  else
    grep -qx "cpu.cfs_quota_us: 10000" <<< "$limits" || fail_with "$limits"
    grep -qx "cpu.cfs_period_us: 100000" <<< "$limits" || fail_with "$limits"
    grep -qx "memory.limit_in_bytes: 83886080" <<< "$limits" || fail_with "$limits"
    if [ -e /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ]; then
      grep -qx "memory.memsw.limit_in_bytes: 83886080" <<< "$limits" || fail_with "$limits"
    fi
    grep -qx "memory.swappiness: 0" <<< "$limits" || fail_with "$limits"
  fi
  grep -qx "cpuset.cpus: 0" <<< "$limits" || fail_with "$limits"
  grep -qx "pids.max: 64" <<< "$limits" || fail_with "$limits"

  # The cpuset, seen from inside.
  [ "$(section "inside: the container may only run on CPU 0")" = "$(printf 'Cpus_allowed_list:\t0')" ] || fail_with "$output"

  # The spinner was throttled, and used about 10 % of a CPU (a loaded
  # host may give it less; without the quota it would take a whole CPU).
  local n pct
  n=$(value nr_throttled)
  [ -n "$n" ] && [ "$n" -gt 0 ] || fail_with "nr_throttled: $n: $output"
  pct=$(section "cpu: a busy loop" | sed -n 's/^cpu used: .* = \([0-9]*\)% of one CPU$/\1/p')
  [ -n "$pct" ] && [ "$pct" -le 30 ] || fail_with "cpu used: $pct %: $output"

  # The memory hog was OOM-killed.
  local mem
  mem=$(section "memory: a shell that wants 160 MiB")
  ! grep -q "^got " <<< "$mem" || fail_with "the hog got its memory: $mem"
  grep -qx "exit status: 137 = 128 + 9: killed by SIGKILL" <<< "$mem" || fail_with "$mem"
  n=$(sed -n 's/^memory\.[a-z_]* oom_kill: \([0-9]*\)$/\1/p' <<< "$mem")
  [ -n "$n" ] && [ "$n" -ge 1 ] || fail_with "oom_kill: $n: $mem"

  # The fork loop stopped short of 100 sleeps at pids.max.
  local pids
  pids=$(section "pids: a loop that starts 100 sleeps")
  local started current
  started=$(sed -n 's/^sleeps started: \([0-9]*\)$/\1/p' <<< "$pids")
  [ -n "$started" ] && [ "$started" -gt 0 ] && [ "$started" -lt 100 ] || fail_with "sleeps started: $started: $pids"
  n=$(sed -n 's/^pids.events: max \([0-9]*\)$/\1/p' <<< "$pids")
  [ -n "$n" ] && [ "$n" -gt 0 ] || fail_with "pids.events max: $n: $pids"
  # What is left: the init and the sleeps, no more than pids.max.
  current=$(value pids.current)
  [ "$current" = $((started + 1)) ] && [ "$current" -le 64 ] || fail_with "pids.current: $current: $pids"
}
