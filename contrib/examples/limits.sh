#!/bin/bash
# limits: what cgroups do to a container that misbehaves.  The bundle asks
# for linux.resources: 10 % of one CPU, one CPU only, 80 MiB of memory
# (and no swap) and 64 processes.  vessel writes them into the
# container's cgroup; three workloads, run with `vessel exec` in the
# same container, then run into them:
#   a CPU spinner is throttled to about 10 %,
#   a shell that wants 160 MiB is OOM-killed (exit status 137),
#   a loop that starts 100 `sleep`s cannot start more than ~60.
# Everything is read back from the host's cgroup files: cgroup v2
# (/sys/fs/cgroup/PATH) or v1 (/sys/fs/cgroup/CONTROLLER/PATH).
#
#   contrib/examples/limits.sh
. "$(dirname "$0")/lib.sh"

ID=limits-$$
CGPATH=$EX_CGROUP/$ID # the config's cgroupsPath
bundle=$EX_WORK/bundle
MEMORY=$((80 * 1024 * 1024))

if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
  CG=v2
else
  CG=v1 # or hybrid: the controllers are v1's
fi

# hierarchy CONTROLLER: where CONTROLLER's cgroup tree is mounted: the
# one tree on v2; on v1 the controller's own, perhaps shared with others
# (cpu,cpuacct).
hierarchy() {
  local d
  if [ $CG = v2 ]; then
    echo /sys/fs/cgroup
    return
  fi
  for d in /sys/fs/cgroup/*/; do
    d=${d%/}
    case ",${d##*/}," in *",$1,"*)
      echo "$d"
      return
      ;;
    esac
  done
  echo "$EX_NAME: no cgroup v1 hierarchy with the $1 controller" >&2
  return 1
}

# cgdir CONTROLLER: the container's cgroup directory with CONTROLLER's files.
cgdir() {
  echo "$(hierarchy "$1")$CGPATH"
}

# show CONTROLLER FILE...: "FILE: its contents" for each FILE.
show() {
  local dir f
  dir=$(cgdir "$1")
  shift
  for f in "$@"; do
    echo "$f: $(tr '\n' ' ' < "$dir/$f" | sed 's/ $//')"
  done
}

# stat_value CONTROLLER FILE KEY: KEY's value in a "key value" file.
stat_value() {
  awk -v k="$3" '$1 == k { print $2 }' "$(cgdir "$1")/$2"
}

# cpu_usage_us: the CPU time the container's cgroup has used, in µs.
cpu_usage_us() {
  if [ $CG = v2 ]; then
    stat_value cpu cpu.stat usage_usec
  else
    echo $(($(cat "$(cgdir cpuacct)/cpuacct.usage") / 1000))
  fi
}

ex_say "a bundle: busybox, and linux.resources for cpu, cpuset, memory and pids"
ex_bundle "$bundle" "$ID"
# memory.swap is memory + swap (v1's meaning; vessel turns it into v2's
# memory.swap.max = swap - limit): equal to the limit, no swap at all.
# v1 can only have it where the kernel accounts swap (memory.memsw.*);
# on v1, swappiness 0 also keeps the kernel from swapping the container
# out (v2 has no per-cgroup swappiness: vessel would warn, ignore it).
swap=null swappiness=null
if [ $CG = v2 ] || [ -e "$(hierarchy memory)/memory.memsw.limit_in_bytes" ]; then
  swap=$MEMORY
fi
[ $CG = v2 ] || swappiness=0
ex_config "$bundle" '
  .process.args = ["sleep", "600"]
  | .linux.resources.cpu = {"quota": 10000, "period": 100000, "cpus": "0"}
  | .linux.resources.memory = ({"limit": $m, "swap": $swap, "swappiness": $swappiness}
      | with_entries(select(.value != null)))
  | .linux.resources.pids = {"limit": 64}' \
  --argjson m "$MEMORY" --argjson swap "$swap" --argjson swappiness "$swappiness"
jq -c .linux.resources "$bundle/config.json"

ex_say "vessel create + start: the container's process is \`sleep 600\`"
vessel create --bundle "$bundle" "$ID"
vessel start "$ID"
echo "container $ID runs, its cgroup is $CGPATH (cgroup $CG)"

ex_say "the limits, read from the host's cgroup files"
if [ $CG = v2 ]; then
  show cpu cpu.max
  show cpuset cpuset.cpus
  show memory memory.max
  [ -e "$(cgdir memory)/memory.swap.max" ] && show memory memory.swap.max
  show pids pids.max
else
  show cpu cpu.cfs_quota_us cpu.cfs_period_us
  show cpuset cpuset.cpus
  show memory memory.limit_in_bytes
  [ -e "$(cgdir memory)/memory.memsw.limit_in_bytes" ] && show memory memory.memsw.limit_in_bytes
  show memory memory.swappiness
  show pids pids.max
fi

ex_say "inside: the container may only run on CPU 0"
vessel exec "$ID" grep Cpus_allowed_list /proc/self/status

ex_say "cpu: a busy loop for 2 seconds, throttled to 10 % of a CPU"
# The loop runs in the background for 2 s; the CPU time the cgroup used
# over that wall time is what the quota let it have.
used0=$(cpu_usage_us)
t0=$(date +%s%N)
vessel exec "$ID" sh -c 'sh -c "while :; do :; done" & sleep 2; kill $!; wait'
t1=$(date +%s%N)
used1=$(cpu_usage_us)
# cpu.stat: how many periods ended with the quota used up, and for how
# long the cgroup waited (v2: throttled_usec, v1: throttled_time in ns).
echo "nr_throttled: $(stat_value cpu cpu.stat nr_throttled)"
if [ $CG = v2 ]; then
  echo "throttled_usec: $(stat_value cpu cpu.stat throttled_usec)"
else
  echo "throttled_time: $(stat_value cpu cpu.stat throttled_time) (ns)"
fi
awk -v u=$((used1 - used0)) -v w=$(((t1 - t0) / 1000)) \
  'BEGIN { printf "cpu used: %.0f ms in %.1f s of wall time = %d%% of one CPU\n", u / 1000, w / 1e6, int(100 * u / w + 0.5) }'

ex_say "memory: a shell that wants 160 MiB in a variable, with 80 MiB allowed"
# The string doubles until it is 160 MiB or more: with 80 MiB allowed, the
# kernel's OOM killer kills the shell (the biggest process of the cgroup)
# with SIGKILL, and the cgroup counts the kill.  No child processes: the
# `sleep` init would not reap their zombies, which count as pids.
status=0
vessel exec "$ID" sh -c 'x=a; while [ ${#x} -lt $((160 << 20)) ]; do x=$x$x; done; echo "got ${#x} bytes"' || status=$?
echo "exit status: $status$([ $status != 137 ] || echo ' = 128 + 9: killed by SIGKILL')"
if [ $CG = v2 ]; then
  echo "memory.events oom_kill: $(stat_value memory memory.events oom_kill)"
  peak=memory.peak # Linux 5.19 and later
else
  echo "memory.oom_control oom_kill: $(stat_value memory memory.oom_control oom_kill)"
  peak=memory.max_usage_in_bytes
fi
[ ! -e "$(cgdir memory)/$peak" ] || show memory $peak

ex_say "pids: a loop that starts 100 sleeps, with 64 processes allowed"
# The `sleep 600` init and the shell are two of the 64.  busybox sh gives
# up at the first fork that fails; the sleeps it started stay (with the
# init: pids.current) until the container is deleted.
out=$(vessel exec "$ID" sh -c '
  n=0
  while [ $n -lt 100 ]; do
    sleep 600 < /dev/null > /dev/null 2>&1 &
    n=$((n + 1))
    echo "sleeps started: $n"
  done' 2>&1) || true
grep -v '^sleeps started' <<< "$out" || true
grep '^sleeps started' <<< "$out" | tail -n 1
echo "pids.current: $(cat "$(cgdir pids)/pids.current")"
show pids pids.events

ex_say "vessel delete --force: the container, its processes and its cgroup"
vessel delete --force "$ID"
vessel list
