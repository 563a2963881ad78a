#!/usr/bin/env bash
# contrib/bench/harness.sh - vessel's benchmark harness: OCI runtimes with
# runc's command line measured side by side, interleaved, in one run, with
# a "floor" column (floor.c: the least a runtime can do).  contrib/bench/
# bench.sh runs it with crun, runc and vessel and writes the table into
# docs/performance.md; it can also be run alone.  Its C helpers (floor.c,
# benchutil.c, next to it) are compiled at every run.
#
# usage: harness.sh [--quick] [--mask-cgroup2-controllers] [--no-state-root]
#                   [--raw-dir DIR] [--keep] RUNTIME [RUNTIME...]
#
#   RUNTIME   a runtime command, optionally with global flags and a label:
#               runc
#               /usr/bin/crun
#               'vessel=/path/to/vessel --log-level debug'
#             (split on whitespace; "LABEL=" prefix optional).  Ratios in the
#             table are relative to the FIRST runtime given.
#   --quick   about a minute instead of three to five: fewer iterations,
#             5 s of throughput.
#   --mask-cgroup2-controllers
#             run everything in a private mount namespace in which an empty
#             file is bind-mounted over /sys/fs/cgroup/unified/cgroup.controllers:
#             crun refuses a hybrid host whose cgroup2 hierarchy has any
#             controller ("cgroups in hybrid mode not supported").  The same
#             for every runtime; the host's view is not changed.
#   --no-state-root  do not add "--root <private dir>" to runtime commands.
#   --raw-dir DIR    copy raw per-sample results and the log to DIR.
#   --keep           keep the temporary work directory.
#   env: BENCH_N_RUN BENCH_N_LC BENCH_N_EXEC BENCH_TP_SECS override the
#        iteration counts and the seconds of throughput per runtime.
#
# Measured for each runtime, round robin (the start position rotates every
# iteration) so that the machine's drift hits all columns alike:
#   a. sequential `run` of a busybox bundle running /bin/true (total, median)
#   b. create + start + wait (init exit) + delete (median, p95, each step)
#   c. `exec /bin/true` into a running container
#   d. peak RSS of the runtime's process tree during `run` (wait4's
#      ru_maxrss), and the smallest memory limit (linux.resources.memory.limit,
#      by bisection) under which `run /bin/true` still succeeds
#   e. throughput: 2 parallel streams of `run /bin/true`, containers/s
#   and the floor, timed the same way.
# Everything is made under a temporary directory (the rootfs from the
# static busybox, config.json from `runc spec` + jq).  Containers get unique
# ids and a private --root; cgroups are made only under /<tmpname>/ in each
# hierarchy (linux.cgroupsPath) and removed at exit.  Needs root, bash, cc,
# jq, busybox-static, runc (for `runc spec`, else the first runtime's spec):
# contrib/deps.sh bench.

set -u -o pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

die() { echo "harness.sh: $*" >&2; exit 1; }
usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit "${1:-0}"; }

QUICK=0 MASK=0 STATE_ROOT=1 KEEP=0 RAW_DIR=""
RUNTIMES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --mask-cgroup2-controllers) MASK=1 ;;
    --no-state-root) STATE_ROOT=0 ;;
    --keep) KEEP=1 ;;
    --raw-dir) [ $# -ge 2 ] || die "--raw-dir needs a value"; RAW_DIR=$2; shift ;;
    -h|--help) usage 0 ;;
    --) shift; RUNTIMES+=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) RUNTIMES+=("$1") ;;
  esac
  shift
done
[ ${#RUNTIMES[@]} -ge 1 ] || usage 2

if [ "$QUICK" = 1 ]; then
  N_RUN=${BENCH_N_RUN:-30} N_LC=${BENCH_N_LC:-30} N_EXEC=${BENCH_N_EXEC:-20}
  TP_SECS=${BENCH_TP_SECS:-5} TP_ROUNDS=5 MEM_RES=65536 MEM_CONFIRM=1
else
  N_RUN=${BENCH_N_RUN:-100} N_LC=${BENCH_N_LC:-100} N_EXEC=${BENCH_N_EXEC:-50}
  TP_SECS=${BENCH_TP_SECS:-20} TP_ROUNDS=10 MEM_RES=16384 MEM_CONFIRM=3
fi
MEM_HI=$((256 << 20))
TIMEOUT=30

# ---------------------------------------------------------------- outer part
if [ -z "${VBENCH_INNER:-}" ]; then
  [ "$(id -u)" = 0 ] || die "must run as root"
  for c in cc jq busybox; do command -v "$c" >/dev/null || die "missing $c"; done
  BB=$(command -v busybox)
  if ldd "$BB" >/dev/null 2>&1; then die "$BB is dynamically linked; install busybox-static"; fi

  W=$(mktemp -d /tmp/vessel-bench.XXXXXX) || die "mktemp"
  CGP=$(basename "$W")
  STATE=""
  [ "$STATE_ROOT" = 1 ] && { STATE=$(mktemp -d /run/vessel-bench.XXXXXX) || die "mktemp /run"; }
  outer_cleanup() {
    # fallback only: the inner part normally removed all of this already
    local h d
    for h in /sys/fs/cgroup/*/; do
      d="$h$CGP"
      [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    [ -n "$STATE" ] && rm -rf "$STATE"
    if [ "$KEEP" = 1 ]; then echo "work dir kept: $W" >&2; else rm -rf "$W"; fi
  }
  trap outer_cleanup EXIT
  trap 'exit 130' INT TERM   # replaced below while the inner part runs

  mkdir -p "$W/bin" "$W/res" || die "mkdir"
  cc -O2 -Wall -o "$W/bin/floor" "$HERE/floor.c" || die "cc floor.c failed"
  cc -O2 -Wall -static -o "$W/bin/benchutil" "$HERE/benchutil.c" 2>/dev/null \
    || cc -O2 -Wall -o "$W/bin/benchutil" "$HERE/benchutil.c" || die "cc benchutil.c failed"
  : > "$W/empty"
  REAPER_ARGS=()
  [ "$MASK" = 1 ] && REAPER_ARGS=(-m "$W/empty")
  INNER_ARGS=()
  [ "$QUICK" = 1 ] && INNER_ARGS+=(--quick)
  [ "$MASK" = 1 ] && INNER_ARGS+=(--mask-cgroup2-controllers)
  [ "$STATE_ROOT" = 0 ] && INNER_ARGS+=(--no-state-root)
  cpu_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat; }
  kthread_jiffies() { # utime+stime of kthreadd's children (kworkers etc.)
    cat /proc/[0-9]*/stat 2>/dev/null | awk '{ s = $0; sub(/^.*\) /, "", s); split(s, a, " ")
      if (a[2] == 2 || $1 == 2) t += a[12] + a[13] } END { print t + 0 }'
  }
  read -r busy0 total0 <<< "$(cpu_jiffies)"
  kt0=$(kthread_jiffies)
  ours0=$(awk '{print $16 + $17}' /proc/$$/stat)
  VBENCH_CG2CTRL=$(tr '\n' ' ' < /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null | sed 's/ *$//') \
  VBENCH_INNER=1 VBENCH_W=$W VBENCH_STATE=$STATE VBENCH_CGP=$CGP \
    "$W/bin/benchutil" reaper "${REAPER_ARGS[@]}" -- bash "${BASH_SOURCE[0]}" "${INNER_ARGS[@]}" -- "${RUNTIMES[@]}" &
  REAPER_PID=$!
  # on ^C / TERM: ask the inner part (via the reaper) to stop and clean up, then wait for it
  trap 'kill -TERM $REAPER_PID 2>/dev/null; INTERRUPTED=1' INT TERM
  INTERRUPTED=0
  wait $REAPER_PID; rc=$?
  while kill -0 $REAPER_PID 2>/dev/null; do wait $REAPER_PID; rc=$?; done
  [ "$INTERRUPTED" = 1 ] && rc=130
  read -r busy1 total1 <<< "$(cpu_jiffies)"
  kt1=$(kthread_jiffies)
  ours1=$(awk '{print $16 + $17}' /proc/$$/stat)
  if [ $rc = 0 ] && [ "$total1" -gt "$total0" ]; then
    awk -v b="$((busy1 - busy0))" -v o="$((ours1 - ours0))" -v k="$((kt1 - kt0))" -v t="$((total1 - total0))" -v n="$(nproc)" 'BEGIN {
      f = 100 * (b - o - k) / t; if (f < 0) f = 0
      printf "noise: CPU used by other processes during the run: %.1f%% of %d CPUs; kernel threads: %.1f%% (partly the bench itself, e.g. async netns teardown); bench tree: %.1f%%\n", f, n, 100 * k / t, 100 * o / t
      if (f > 10) print "WARNING: other processes were busy; absolute numbers are inflated and even ratios drift. Re-run when quiet." }'
  fi
  if [ -n "$RAW_DIR" ]; then
    mkdir -p "$RAW_DIR" && cp -r "$W/res/." "$RAW_DIR/" && cp "$W/log" "$RAW_DIR/bench.log" 2>/dev/null
    echo "raw data copied to $RAW_DIR" >&2
  fi
  exit $rc
fi

# ---------------------------------------------------------------- inner part
# (runs under benchutil reaper: a child subreaper, maybe in a private mntns)
W=$VBENCH_W STATE=$VBENCH_STATE CGP=$VBENCH_CGP
BU=$W/bin/benchutil FLOOR=$W/bin/floor ROOTFS=$W/rootfs RES=$W/res LOG=$W/log
P=ob$$                     # container id prefix
R=${#RUNTIMES[@]}          # runtime columns 0..R-1; the floor is column R
: > "$LOG"
T_START=$(date +%s)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

RT_CMD=() RT_LABEL=() RT_VER=()
for ((r = 0; r < R; r++)); do
  spec=${RUNTIMES[$r]} label=""
  if [[ "$spec" =~ ^([A-Za-z0-9._+-]+)=(.*)$ ]]; then label=${BASH_REMATCH[1]} spec=${BASH_REMATCH[2]}; fi
  read -ra words <<< "$spec"
  [ ${#words[@]} -ge 1 ] || die "empty runtime spec"
  bin=$(command -v "${words[0]}") || die "runtime not found: ${words[0]}"
  words[0]=$bin
  [ -n "$label" ] || label="$(basename "$bin")${words[1]:+ ${words[*]:1}}"
  if [ "$STATE_ROOT" = 1 ]; then
    mkdir -p "$STATE/$r"
    words=("${words[0]}" --root "$STATE/$r" "${words[@]:1}")
  fi
  RT_CMD[$r]="${words[*]}"
  RT_LABEL[$r]=$label
  RT_VER[$r]="$("$bin" --version 2>/dev/null | head -1)$("$bin" --version 2>/dev/null | awk '/^commit:/{printf " (%s)", $2}')"
done

rt() { local r=$1; shift; read -ra _c <<< "${RT_CMD[$r]}"; "${_c[@]}" "$@"; }

EXEC_IDS=() FLOOR_EXEC_PID=""
cleanup() {
  local r id h d pids
  set +e
  pids=$(jobs -p)            # throughput streams still running (interrupted)
  [ -n "$pids" ] && kill -TERM $pids 2>/dev/null && wait
  for id in "${EXEC_IDS[@]}"; do
    r=${id%%:*}; id=${id#*:}
    rt "$r" delete -f "$id" </dev/null >>"$LOG" 2>&1
  done
  for ((r = 0; r < R; r++)); do   # anything else left in our private state roots
    for id in $(rt "$r" list -q 2>/dev/null | grep "^$P-"); do
      rt "$r" delete -f "$id" </dev/null >>"$LOG" 2>&1
    done
  done
  [ -n "$FLOOR_EXEC_PID" ] && kill -KILL "$FLOOR_EXEC_PID" 2>/dev/null
  for h in /sys/fs/cgroup/*/; do
    d="$h$CGP"
    [ -d "$d" ] || continue
    # only processes inside cgroups this run created, i.e. containers it started
    pids=$(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    for _ in $(seq 50); do
      find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
      [ -d "$d" ] || break
      sleep 0.1
    done
    [ -d "$d" ] && echo "harness.sh: warning: could not remove cgroup $d" >&2
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '[%3ds] %s\n' $(( $(date +%s) - T_START )) "$*" >&2; }

# ---- rootfs + bundles
mkdir -p "$ROOTFS"/{bin,proc,dev,sys,tmp,etc,root} "$W/spec" "$W/bundles" || die mkdir
cp "$(command -v busybox)" "$ROOTFS/bin/busybox" || die "cp busybox"
for a in true sleep sh cat ls; do ln -s busybox "$ROOTFS/bin/$a"; done
if command -v runc >/dev/null; then
  (cd "$W/spec" && runc spec) || die "runc spec failed"
else
  (cd "$W/spec" && rt 0 spec) || die "${RT_LABEL[0]} spec failed (no runc found either)"
fi
jq --arg root "$ROOTFS" '.process.terminal=false | .root.path=$root' "$W/spec/config.json" > "$W/spec/base.json" \
  || die "jq"

# mk_bundle NAME CGROUPS_PATH MEMLIMIT(0=none) ARGS...
mk_bundle() {
  local d=$W/bundles/$1 cg=$2 mem=$3; shift 3
  mkdir -p "$d"
  jq --arg cg "$cg" --argjson mem "$mem" --argjson args "$(printf '%s\n' "$@" | jq -R . | jq -cs .)" '
      .process.args=$args | .linux.cgroupsPath=$cg
      | if $mem > 0 then .linux.resources.memory={limit:$mem} else . end' \
      "$W/spec/base.json" > "$d/config.json"
}
for ((r = 0; r < R; r++)); do
  mk_bundle "run-$r" "/$CGP/run-$r" 0 /bin/true
  mk_bundle "lc-$r" "/$CGP/lc-$r" 0 /bin/true
  mk_bundle "exec-$r" "/$CGP/exec-$r" 0 /bin/sleep 1000000
  mk_bundle "tp-$r-0" "/$CGP/tp-$r-0" 0 /bin/true
  mk_bundle "tp-$r-1" "/$CGP/tp-$r-1" 0 /bin/true
done

# one timed `run` of column c into file f, container id $3
run_one() {
  local f=$1 c=$2 id=$3
  if [ "$c" = "$R" ]; then "$BU" t "$f" "$c" $TIMEOUT -- "$FLOOR" "$ROOTFS" /bin/true
  else "$BU" t "$f" "$c" $TIMEOUT -- ${RT_CMD[$c]} run --bundle "$W/bundles/run-$c" "$id"
  fi
}

# ---- preflight / warm-up (not recorded)
say "preflight: ${R} runtime(s) + floor; quick=$QUICK mask-cgroup2-controllers=$MASK"
for ((c = 0; c <= R; c++)); do
  for j in 1 2 3; do
    if ! run_one "$W/warmup" "$c" "$P-warm-$c-$j" </dev/null >>"$LOG" 2>&1; then
      name=${RT_LABEL[$c]:-floor}
      echo "harness.sh: '$name' failed to run /bin/true; last log lines:" >&2
      tail -5 "$LOG" >&2
      grep -q "hybrid mode not supported" "$LOG" && [ "$MASK" = 0 ] \
        && echo "hint: this is a hybrid-cgroup host with cgroup2 controllers; try --mask-cgroup2-controllers" >&2
      exit 1
    fi
  done
done

# ---- a. sequential run (+ d. peak RSS from the same samples)
say "a. sequential run x$N_RUN"
for ((i = 0; i < N_RUN; i++)); do
  for ((k = 0; k <= R; k++)); do
    c=$(( (i + k) % (R + 1) ))
    run_one "$RES/run" "$c" "$P-run-$c-$i"
  done
done </dev/null >>"$LOG" 2>&1

# ---- b. lifecycle create/start/wait/delete
say "b. lifecycle x$N_LC"
for ((i = 0; i < N_LC; i++)); do
  for ((k = 0; k < R; k++)); do
    c=$(( (i + k) % R ))
    "$BU" lc "$RES/lc" "$c" $TIMEOUT "$W/bundles/lc-$c" "$P-lc-$c-$i" "$W/lc-$c.pid" -- ${RT_CMD[$c]}
  done
done </dev/null >>"$LOG" 2>&1

# ---- c. exec into a running container
say "c. exec x$N_EXEC"
wait_exec_ready() { # pid: until it runs the container's sleep
  for _ in $(seq 500); do grep -q sleep "/proc/$1/cmdline" 2>/dev/null && return 0; sleep 0.01; done; return 1
}
EXEC_OK=()
for ((c = 0; c < R; c++)); do
  id=$P-exec-$c
  EXEC_IDS+=("$c:$id")
  EXEC_OK[$c]=0
  if rt "$c" create --bundle "$W/bundles/exec-$c" --pid-file "$W/exec-$c.pid" "$id" </dev/null >>"$LOG" 2>&1 \
     && rt "$c" start "$id" </dev/null >>"$LOG" 2>&1 && wait_exec_ready "$(cat "$W/exec-$c.pid")"; then
    EXEC_OK[$c]=1
  else
    echo "harness.sh: warning: ${RT_LABEL[$c]}: could not start the exec target container" >&2
  fi
done
"$FLOOR" -d "$W/exec-F.pid" "$ROOTFS" /bin/sleep 1000000 </dev/null >>"$LOG" 2>&1 \
  && FLOOR_EXEC_PID=$(cat "$W/exec-F.pid") && wait_exec_ready "$FLOOR_EXEC_PID" && EXEC_OK[$R]=1
for ((i = 0; i < N_EXEC; i++)); do
  for ((k = 0; k <= R; k++)); do
    c=$(( (i + k) % (R + 1) ))
    [ "${EXEC_OK[$c]:-0}" = 1 ] || continue
    if [ "$c" = "$R" ]; then "$BU" t "$RES/exec" "$c" $TIMEOUT -- "$FLOOR" -e "$FLOOR_EXEC_PID" /bin/true
    else "$BU" t "$RES/exec" "$c" $TIMEOUT -- ${RT_CMD[$c]} exec "$P-exec-$c" /bin/true
    fi
  done
done </dev/null >>"$LOG" 2>&1
for ((c = 0; c < R; c++)); do
  pid=$(cat "$W/exec-$c.pid" 2>/dev/null)
  rt "$c" kill "$P-exec-$c" KILL </dev/null >>"$LOG" 2>&1
  [ -n "$pid" ] && "$BU" pidwait "$pid" 10
  rt "$c" delete -f "$P-exec-$c" </dev/null >>"$LOG" 2>&1
done
if [ -n "$FLOOR_EXEC_PID" ]; then
  kill -KILL "$FLOOR_EXEC_PID" 2>/dev/null; "$BU" pidwait "$FLOOR_EXEC_PID" 10; FLOOR_EXEC_PID=""
fi
EXEC_IDS=()

# ---- d. smallest memory limit under which `run /bin/true` succeeds
say "d. memory-limit bisection (resolution $((MEM_RES / 1024)) KiB)"
MEMCG=/sys/fs/cgroup/memory
if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then   # cgroup v2 host (untested here)
  MEMCG=/sys/fs/cgroup
  mkdir -p "$MEMCG/$CGP" && echo +memory > "$MEMCG/$CGP/cgroup.subtree_control"
fi
NPROBE=0
mem_try() { # column limit_bytes -> rc   (all output to the log)
  local c=$1 lim=$2 rc id d
  NPROBE=$((NPROBE + 1))
  if [ "$c" = "$R" ]; then
    d=$MEMCG/$CGP/floor-mem
    mkdir -p "$d" || return 99
    if [ "$MEMCG" = /sys/fs/cgroup ]; then echo "$lim" > "$d/memory.max"; else echo "$lim" > "$d/memory.limit_in_bytes"; fi \
      || { rmdir "$d"; return 98; }
    "$BU" t "$RES/memprobe" "$c:$lim" $TIMEOUT -- "$FLOOR" -c "$d/cgroup.procs" "$ROOTFS" /bin/true
    rc=$?
    for _ in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
  else
    id=$P-mem-$c-$NPROBE
    mk_bundle "mem-$c" "/$CGP/mem-$c" "$lim" /bin/true
    "$BU" t "$RES/memprobe" "$c:$lim" $TIMEOUT -- ${RT_CMD[$c]} run --bundle "$W/bundles/mem-$c" "$id"
    rc=$?
    [ $rc = 0 ] || rt "$c" delete -f "$id"
  fi
  return $rc
} </dev/null >>"$LOG" 2>&1
: > "$RES/memlimit"
for ((c = 0; c <= R; c++)); do
  if ! mem_try "$c" "$MEM_HI"; then echo "$c fail_at_hi $MEM_HI" >> "$RES/memlimit"; continue; fi
  if mem_try "$c" 4096; then echo "$c not_enforced 4096" >> "$RES/memlimit"; continue; fi
  lo=4096 hi=$MEM_HI
  while [ $((hi - lo)) -gt "$MEM_RES" ]; do
    mid=$(( (lo + hi) / 2 / 4096 * 4096 ))
    if mem_try "$c" "$mid"; then hi=$mid; else lo=$mid; fi
  done
  ok=0 tries=0   # confirm: MEM_CONFIRM consecutive successes at hi, else step up
  while [ $ok -lt "$MEM_CONFIRM" ] && [ $tries -lt 20 ]; do
    tries=$((tries + 1))
    if mem_try "$c" "$hi"; then ok=$((ok + 1)); else ok=0; hi=$((hi + MEM_RES)); fi
  done
  echo "$c ok $hi" >> "$RES/memlimit"
done

# ---- e. throughput: 2 parallel streams
SLICE=$(awk -v t="$TP_SECS" -v n="$TP_ROUNDS" 'BEGIN{printf "%.3f", t/n}')
say "e. throughput 2 streams x ${TP_SECS}s per column (${TP_ROUNDS} slices of ${SLICE}s)"
for ((rd = 0; rd < TP_ROUNDS; rd++)); do
  for ((k = 0; k <= R; k++)); do
    c=$(( (rd + k) % (R + 1) ))
    for s in 0 1; do
      if [ "$c" = "$R" ]; then
        "$BU" loop "$RES/tp" "$c.$rd" "$SLICE" "$P-tp-$c-$rd-$s" -- "$FLOOR" "$ROOTFS" /bin/true &
      else
        "$BU" loop "$RES/tp" "$c.$rd" "$SLICE" "$P-tp-$c-$rd-$s" -- ${RT_CMD[$c]} run --bundle "$W/bundles/tp-$c-$s" @ID@ &
      fi
    done
    wait
  done
done </dev/null >>"$LOG" 2>&1

T_TOTAL=$(( $(date +%s) - T_START ))
say "done in ${T_TOTAL}s; cleaning up"
cleanup; trap - EXIT

# ---------------------------------------------------------------- report
# stats FILE TAG VALCOL RCCOL -> "n fails median p95 sum"   (values as in file)
stats() {
  local fails
  fails=$(awk -v t="$2" -v r="$4" '$1==t && $r!=0 {n++} END {print n+0}' "$1" 2>/dev/null)
  awk -v t="$2" -v c="$3" -v r="$4" '$1==t && $r==0 {print $c}' "$1" 2>/dev/null | sort -n |
    awk -v f="$fails" '{v[NR]=$1; s+=$1}
      END { if (NR == 0) { print 0, f, "NA", "NA", "NA"; exit }
            m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
            i = int(0.95 * NR); if (i < 0.95 * NR) i++; if (i < 1) i = 1
            print NR, f, m, v[i], s }'
}
# fmt VALUE DIVISOR DECIMALS
fmt() { awk -v v="$1" -v d="$2" -v p="$3" 'BEGIN { if (v == "NA" || v == "") print "n/a"; else printf "%.*f\n", p, v / d }'; }

declare -A CELL RAWV
FAILS=()
for ((c = 0; c <= R; c++)); do FAILS[$c]=0; done
setrow() { # key column rawvalue shownvalue
  RAWV[$1,$2]=$3; CELL[$1,$2]=$4
}
for ((c = 0; c <= R; c++)); do
  read -r n f med p95 sum <<< "$(stats "$RES/run" "$c" 2 4)"
  FAILS[$c]=$(( FAILS[c] + f ))
  setrow run_total "$c" "$sum" "$(fmt "$sum" 1e6 3)"
  setrow run_med "$c" "$med" "$(fmt "$med" 1e3 2)"
  setrow run_p95 "$c" "$p95" "$(fmt "$p95" 1e3 2)"
  read -r n f med p95 sum <<< "$(stats "$RES/run" "$c" 3 4)"
  setrow rss "$c" "$med" "$(fmt "$med" 1024 2)"
  if [ "$c" -lt "$R" ]; then
    read -r n f med p95 sum <<< "$(stats "$RES/lc" "$c" 6 7)"
    FAILS[$c]=$(( FAILS[c] + f ))
    setrow lc_med "$c" "$med" "$(fmt "$med" 1e3 2)"
    setrow lc_p95 "$c" "$p95" "$(fmt "$p95" 1e3 2)"
    for s in create:2 start:3 wait:4 delete:5; do
      read -r n f med p95 sum <<< "$(stats "$RES/lc" "$c" "${s#*:}" 7)"
      setrow "lc_${s%%:*}" "$c" "$med" "$(fmt "$med" 1e3 2)"
    done
  else
    for key in lc_med lc_p95 lc_create lc_start lc_wait lc_delete; do setrow "$key" "$c" NA n/a; done
  fi
  read -r n f med p95 sum <<< "$(stats "$RES/exec" "$c" 2 4)"
  FAILS[$c]=$(( FAILS[c] + f ))
  setrow exec_med "$c" "$med" "$(fmt "$med" 1e3 2)"
  setrow exec_p95 "$c" "$p95" "$(fmt "$p95" 1e3 2)"
  read -r _ kind lim <<< "$(awk -v c="$c" '$1==c' "$RES/memlimit")"
  case "${kind:-}" in
    ok) setrow memlim "$c" "$lim" "$(fmt "$lim" 1024 0)" ;;
    not_enforced) setrow memlim "$c" NA "not enforced" ;;
    fail_at_hi) setrow memlim "$c" NA ">256MiB?" ;;
    *) setrow memlim "$c" NA n/a ;;
  esac
  # throughput: per slice, (ok of both streams) / (last end - first start)
  tp=$(awk -v c="$c" '{split($1, a, "."); if (a[1] != c) next
          ok[a[2]] += $2; bad += $3
          if (!(a[2] in st) || $4 < st[a[2]]) st[a[2]] = $4
          if (!(a[2] in en) || $5 > en[a[2]]) en[a[2]] = $5 }
        END { for (k in ok) { n += ok[k]; t += (en[k] - st[k]) / 1e6 }
              if (t > 0) printf "%.3f %d %d\n", n / t, n, bad; else print "NA 0", bad + 0 }' "$RES/tp")
  read -r tpv tpn tpbad <<< "$tp"
  FAILS[$c]=$(( FAILS[c] + ${tpbad:-0} ))
  setrow tp "$c" "$tpv" "$(fmt "$tpv" 1 1)"
  setrow fails "$c" "${FAILS[$c]}" "${FAILS[$c]}"
done

ROWS=(
  "run_total|a. run /bin/true x$N_RUN: total = sum (s)"
  "run_med|a. run: median per container (ms)"
  "run_p95|a. run: p95 (ms)"
  "lc_med|b. create+start+wait+delete: median (ms)"
  "lc_p95|b. create+start+wait+delete: p95 (ms)"
  "lc_create|b.   create median (ms)"
  "lc_start|b.   start median (ms)"
  "lc_wait|b.   wait-for-exit median (ms)"
  "lc_delete|b.   delete median (ms)"
  "exec_med|c. exec /bin/true x$N_EXEC: median (ms)"
  "exec_p95|c. exec: p95 (ms)"
  "rss|d. peak RSS during run, median (MiB)"
  "memlim|d. min memory limit for run /bin/true (KiB)"
  "tp|e. throughput, 2 streams (containers/s, higher=better)"
  "fails|failed operations (excluded above)"
)
cgmode=$(stat -fc %T /sys/fs/cgroup)
if [ "$cgmode" = cgroup2fs ]; then cgmode="v2 (unified)"
elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
  cgmode="hybrid (v1 + cgroup2 at /sys/fs/cgroup/unified, controllers: [${VBENCH_CG2CTRL:-}])"
else cgmode="v1"; fi
echo
echo "machine: $( (. /usr/lib/os-release && echo "$PRETTY_NAME") 2>/dev/null || uname -o) | kernel $(uname -r) | $(nproc) x $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo) | $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM | cgroups $cgmode$([ "$MASK" = 1 ] && echo ' [cgroup2 controllers masked in private mntns]') | loadavg start $LOAD0, end $(cut -d' ' -f1-3 /proc/loadavg) | $(date -u +%Y-%m-%dT%H:%MZ)"
echo "settings: quick=$QUICK N_run=$N_RUN N_lifecycle=$N_LC N_exec=$N_EXEC throughput=${TP_SECS}s x2 streams (${TP_ROUNDS} slices) mem-res=$((MEM_RES / 1024))KiB confirm=$MEM_CONFIRM; bench wall ${T_TOTAL}s"
for ((c = 0; c < R; c++)); do
  echo "[$((c + 1))] ${RT_LABEL[$c]} = ${RT_CMD[$c]} :: ${RT_VER[$c]}"
done
echo "[F] floor = floor.c (clone NEWNS|NEWPID|NEWUTS|NEWIPC|NEWNET, pivot_root, mount /proc, exec; no cgroups except the memory probe; exec = setns+fork+exec)"
echo "values: absolute (ratio vs [1]); lower is better except throughput"
echo
declare -a HDR
HDR[0]="metric"
for ((c = 0; c < R; c++)); do HDR[$((c + 1))]="[$((c + 1))] ${RT_LABEL[$c]}"; done
HDR[$((R + 1))]="[F] floor"
W0=0; for row in "${ROWS[@]}"; do l=${row#*|}; [ ${#l} -gt $W0 ] && W0=${#l}; done
out_row() { # cells...
  local s i=0 v
  for v in "$@"; do
    if [ $i = 0 ]; then s=$(printf '%-*s' "$W0" "$v"); else s+=$(printf ' | %-22s' "$v"); fi
    i=$((i + 1))
  done
  echo "$s"
}
out_row "${HDR[@]}"
out_row "$(printf '%*s' "$W0" '' | tr ' ' -)" $(for ((c = 0; c <= R; c++)); do printf '%s ' "----------------------"; done)
for row in "${ROWS[@]}"; do
  key=${row%%|*} name=${row#*|}
  cells=("$name")
  base=${RAWV[$key,0]}
  for ((c = 0; c <= R; c++)); do
    v=${CELL[$key,$c]} raw=${RAWV[$key,$c]}
    if [ "$c" -gt 0 ] && [ "$key" != fails ] && [ "$raw" != NA ] && [ "$base" != NA ] && [ -n "$raw" ]; then
      v="$v ($(awk -v a="$raw" -v b="$base" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'))"
    fi
    cells+=("$v")
  done
  out_row "${cells[@]}"
done
echo
exit 0
