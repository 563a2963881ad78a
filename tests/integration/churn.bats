#!/usr/bin/env bats
# Reliability under load (issue 7): 1,000 containers created, started,
# exec'd into and deleted in two overlapping streams of 500, then checks
# that nothing leaked: no fds in vessel's processes or the containers, no
# cgroups, mounts, state directories or zombies, and every container ran.

load helpers

setup() {
  require_root
  common_setup
}

teardown() {
  common_teardown
}

# Containers per stream, and how many each stream keeps alive at once.
CHURN_N=${CHURN_N:-500}
CHURN_DEPTH=4

# churn_bundle DIR CGROUP-ID ARGS-JSON: a bundle whose config shares the
# stream's rootfs (root.path is absolute), with $OUT bound at /out.
churn_bundle() {
  mkdir -p "$1"
  jq --arg p "$(test_cgroup "$2")" --arg out "$OUT" --argjson args "$3" \
    '.linux.cgroupsPath = $p | .process.args = $args
     | .mounts += [{"destination": "/out", "type": "bind", "source": $out, "options": ["rbind", "rw"]}]' \
    "$BUNDLE/config.json" > "$1/config.json"
}

# fd_snapshot PID: the fds of vessel process PID that it did not inherit
# from this shell (same number, same target), one "N TARGET" per line,
# with the parts that differ between containers normalised.
fd_snapshot() {
  local pid=$1 fd target
  declare -A mine=()
  for fd in /proc/"$BASHPID"/fd/*; do
    mine[${fd##*/}]=$(readlink "$fd" 2>/dev/null)
  done
  for fd in /proc/"$pid"/fd/*; do
    target=$(readlink "$fd") || continue
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] && [ "${mine[$fd]-}" = "$target" ]; then
      continue
    fi
    case $target in
      "$VESSEL_TEST_ROOT") target=STATE-ROOT ;;
      "$VESSEL_TEST_ROOT"/*) target=STATE-DIR ;;
      "$CGROUP_ROOT"/*/"$CGROUP_PREFIX"/*)
        target=${target#"$CGROUP_ROOT"/}
        target=cgroup:${target%%/*}
        ;;
      "$CGROUP_ROOT/$CGROUP_PREFIX"/*) target=cgroup:v2 ;;
      "$OUT"/churn-out-*) target=OUT ;;
      "$OUT"/churn-err-*) target=ERR ;;
      socket:*) target=socket ;;
      pipe:*) target=pipe ;;
    esac
    echo "$fd $target"
  done | sort -n
}

# check_fd_snapshot FILE: 0, 1 and 2 are what this test gave, and every
# other fd is one of the handful vessel keeps while it waits, each once.
check_fd_snapshot() {
  local file=$1
  awk '
    $1 == 0 && $2 != "/dev/null" { print "fd 0 is " $2; bad = 1 }
    $1 == 1 && $2 != "OUT" { print "fd 1 is " $2; bad = 1 }
    $1 == 2 && $2 != "ERR" { print "fd 2 is " $2; bad = 1 }
    $1 > 2 {
      if ($2 !~ /^(STATE-ROOT|STATE-DIR|cgroup:.*|anon_inode:\[pidfd\]|anon_inode:\[signalfd\]|socket|\/)$/) {
        print "unexpected fd " $1 " -> " $2; bad = 1
      }
      if (seen[$2]++) { print "fd " $1 " -> " $2 " twice"; bad = 1 }
    }
    END { exit bad }' "$file" || fail_with "$file: $(cat "$file")"
}

# snapshot_waiting NAME SIG COMMAND...: starts COMMAND, a foreground vessel
# command whose container process writes $OUT/ready-SIG and then waits on
# the fifo $OUT/go-SIG; records vessel's fds in $OUT/fds-NAME while it
# waits, then lets the process go and checks that vessel succeeded.
snapshot_waiting() {
  local name=$1 sig=$2 vpid
  shift 2
  rm -f "$OUT/ready-$sig"
  mkfifo "$OUT/go-$sig"
  "$@" < /dev/null > "$OUT/churn-out-$name" 2> "$OUT/churn-err-$name" &
  vpid=$!
  wait_until test -e "$OUT/ready-$sig" || return 1
  sleep 0.2
  fd_snapshot "$vpid" > "$OUT/fds-$name"
  timeout 10 sh -c 'echo > "$1"' - "$OUT/go-$sig"
  rm "$OUT/go-$sig"
  wait "$vpid" || fail_with "$name: $? $(cat "$OUT/churn-err-$name")"
}

# snapshot_exec ID TAG: a `vessel exec` into ID ($OUT/fds-exec-TAG).
snapshot_exec() {
  snapshot_waiting "exec-$2" "$2" "$VESSEL" --root "$VESSEL_TEST_ROOT" exec "$1" \
    sh -c "echo > /out/ready-$2; read x < /out/go-$2"
}

# snapshot_run TAG: a foreground `vessel run` of $RUNBUNDLE ($OUT/fds-run-TAG).
snapshot_run() {
  snapshot_waiting "run-$1" run "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$RUNBUNDLE" "fg-$1"
}

# The start time of process PID (field 22 of its stat), or nothing.
# stat_fields PID: the fields of /proc/PID/stat after the command name
# (the state first, the start time 20th), in one read; fails once PID is
# gone.
stat_fields() {
  local stat
  read -r stat 2>/dev/null < "/proc/$1/stat" || return 1
  echo "${stat##*) }"
}

start_time() {
  local f
  read -ra f <<< "$(stat_fields "$1")"
  echo "${f[19]:-}"
}

# finish S ID: ends container ID of stream S, gracefully (TERM, which its
# init traps, then a plain delete once it has stopped) or, for every
# fifth, with delete --force while it runs.
finish() {
  local s=$1 id=$2 n=${2#"$1"} pid state i
  if [ $((n % 5)) -eq 0 ]; then
    vessel delete --force "$id" || { echo "delete --force $id: $?" >> "$OUT/errors"; return 1; }
    return 0
  fi
  pid=$(< "$OUT/pid-$id")
  vessel kill "$id" TERM || { echo "kill $id: $?" >> "$OUT/errors"; return 1; }
  for ((i = 0; i < 500; i++)); do
    read -r state 2>/dev/null < "/proc/$pid/stat" || break
    state=${state##*) }
    [ "${state%% *}" = Z ] && break
    sleep 0.01
  done
  vessel delete "$id" || { echo "delete $id: $? ($(container_status "$id" 2>&1))" >> "$OUT/errors"; return 1; }
}

# stream S: CHURN_N containers S1..S<N>, CHURN_DEPTH alive at once, each
# exec'd into; fd snapshots of a waiting exec at its start, middle, end.
stream() {
  local s=$1 i id slot pid other
  exec 2>> "$OUT/stderr-$s"
  date +%s.%N > "$OUT/begin-$s"
  for i in $(seq "$CHURN_N"); do
    id=$s$i
    slot=$((i % CHURN_DEPTH))
    vessel create --bundle "$T/$s/b$slot" --pid-file "$OUT/pid-$id" "$id" || { echo "create $id: $?" >> "$OUT/errors"; return 1; }
    vessel start "$id" || { echo "start $id: $?" >> "$OUT/errors"; return 1; }
    pid=$(< "$OUT/pid-$id")
    echo "$pid $(start_time "$pid")" >> "$OUT/inits"
    # The init sees only 0, 1 and 2 (polled: while its shell runs a
    # redirected builtin, it keeps stdout aside on fd 10 for a moment).
    local try
    for try in 1 2 3 4 5 6 7 8 9 10; do
      fds=(/proc/"$pid"/fd/*)
      fds=${fds[*]//\/proc\/$pid\/fd\//}
      [ "$fds" != "0 1 2" ] || break
      sleep 0.05
    done
    [ "$fds" = "0 1 2" ] || { echo "init of $id has fds $fds" >> "$OUT/errors"; return 1; }
    # Every other container is exec'd into (all of them would cost a
    # third more time).
    if [ $((i % 2)) -eq 1 ]; then
      vessel exec "$id" sh -c "echo $id >> /out/execs-$s" || { echo "exec $id: $?" >> "$OUT/errors"; return 1; }
    fi
    if [ $((i % 50)) -eq 1 ]; then
      out=$(vessel exec "$id" probe fds) || { echo "exec probe $id: $?" >> "$OUT/errors"; return 1; }
      [ "$out" = "fds 0 1 2" ] || { echo "exec in $id: $out" >> "$OUT/errors"; return 1; }
      # Does the other stream have containers right now?
      other=$(vessel list -q | grep -vc "^$s" || true)
      echo "$i $other" >> "$OUT/overlap-$s"
    fi
    case $i in 1 | $((CHURN_N / 2)) | "$CHURN_N")
      snapshot_exec "$id" "$s$i" || { echo "fd snapshot in $id" >> "$OUT/errors"; return 1; }
      ;;
    esac
    if [ "$i" -ge "$CHURN_DEPTH" ]; then
      finish "$s" "$s$((i - CHURN_DEPTH + 1))" || return 1
    fi
  done
  for i in $(seq $((CHURN_N - CHURN_DEPTH + 2)) "$CHURN_N"); do
    finish "$s" "$s$i" || return 1
  done
  date +%s.%N > "$OUT/end-$s"
}

@test "1000 containers churned in two streams leave nothing behind" {
  T=$BATS_TEST_TMPDIR
  OUT=$T/out
  mkdir -p "$OUT"
  : > "$OUT/errors"
  make_bundle "$T/base"
  rm -rf "$T/base/rootfs"
  # The init records that it ran; TERM (trapped) makes it exit 0.
  local init_args
  init_args='["sh", "-c", "trap \"echo $0 >> /out/done; exit 0\" TERM; echo ran >> /out/runs-$0; sleep 1000 & wait", "STREAM"]'
  local s k
  for s in a b; do
    mkdir -p "$T/$s"
    cp -a "$(rootfs_template)" "$T/$s/rootfs"
    for k in $(seq 0 $((CHURN_DEPTH - 1))); do
      churn_bundle "$T/$s/b$k" "$s-$k" "${init_args//STREAM/$s}"
      # Network namespaces are the kernel's slowest to make and tear
      # down: one container in four has its own.
      jq --arg r "$T/$s/rootfs" --argjson net "$((k == 0))" '.root.path = $r
        | if $net == 1 then . else .linux.namespaces |= map(select(.type != "network")) end' \
        "$T/$s/b$k/config.json" > "$T/$s/b$k/c.json"
      mv "$T/$s/b$k/c.json" "$T/$s/b$k/config.json"
    done
  done
  RUNBUNDLE=$T/fg
  churn_bundle "$RUNBUNDLE" fg '["sh", "-c", "echo > /out/ready-run; read x < /out/go-run"]'
  jq --arg r "$T/a/rootfs" '.root.path = $r' "$RUNBUNDLE/config.json" > "$RUNBUNDLE/c.json"
  mv "$RUNBUNDLE/c.json" "$RUNBUNDLE/config.json"

  snapshot_run start
  stream a < /dev/null > /dev/null 3>&- &
  local pa=$!
  stream b < /dev/null > /dev/null 3>&- &
  local pb=$!
  local ra=0 rb=0
  wait "$pa" || ra=$?
  wait "$pb" || rb=$?
  snapshot_run end
  [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] && [ ! -s "$OUT/errors" ] ||
    fail_with "streams: $ra $rb: $(head -20 "$OUT/errors") $(tail -n 5 "$OUT"/stderr-*)"

  # Every container ran, was exec'd into, and (but for the forced ones)
  # exited 0 through its trap.
  [ "$(wc -l < "$OUT/runs-a")" -eq "$CHURN_N" ] || fail_with "runs-a: $(wc -l < "$OUT/runs-a")"
  [ "$(wc -l < "$OUT/runs-b")" -eq "$CHURN_N" ] || fail_with "runs-b: $(wc -l < "$OUT/runs-b")"
  [ "$(sort -u "$OUT/execs-a" | wc -l)" -eq $((CHURN_N / 2)) ] || fail_with "execs-a: $(sort -u "$OUT/execs-a" | wc -l)"
  [ "$(sort -u "$OUT/execs-b" | wc -l)" -eq $((CHURN_N / 2)) ] || fail_with "execs-b: $(sort -u "$OUT/execs-b" | wc -l)"
  [ "$(grep -c '^a$' "$OUT/done")" -eq $((CHURN_N * 4 / 5)) ] || fail_with "done a: $(grep -c '^a$' "$OUT/done")"
  [ "$(grep -c '^b$' "$OUT/done")" -eq $((CHURN_N * 4 / 5)) ] || fail_with "done b: $(grep -c '^b$' "$OUT/done")"
  [ "$(sort -u "$OUT/inits" | wc -l)" -eq $((2 * CHURN_N)) ] || fail_with "inits: $(sort -u "$OUT/inits" | wc -l)"

  # The streams overlapped: each saw the other's containers, and their
  # times intersect.
  awk '$2 > 0 { n++ } END { exit !(n > 0) }' "$OUT/overlap-a" || fail_with "a never saw b: $(cat "$OUT/overlap-a")"
  awk '$2 > 0 { n++ } END { exit !(n > 0) }' "$OUT/overlap-b" || fail_with "b never saw a: $(cat "$OUT/overlap-b")"
  awk -v ba="$(< "$OUT/begin-a")" -v ea="$(< "$OUT/end-a")" -v bb="$(< "$OUT/begin-b")" -v eb="$(< "$OUT/end-b")" \
    'BEGIN { exit !(ba < eb && bb < ea) }'

  # vessel's own fds while it waits: the expected handful, the same at
  # the start, middle and end of the churn.
  local f
  for f in "$OUT"/fds-*; do check_fd_snapshot "$f"; done
  for f in "$OUT"/fds-exec-*; do
    diff -u "$OUT/fds-exec-a1" "$f" || fail_with "exec fds changed: $f"
  done
  diff -u "$OUT/fds-run-start" "$OUT/fds-run-end" || fail_with "run fds changed"
  [ "$(wc -l < "$OUT/fds-exec-a1")" -gt 3 ]

  # Nothing left: state, containers, cgroups, mounts, processes.
  [ -z "$(ls -A "$VESSEL_TEST_ROOT")" ] || fail_with "state left: $(ls "$VESSEL_TEST_ROOT" | head)"
  [ -z "$(vessel list -q)" ] || fail_with "list: $(vessel list -q | head)"
  [ "$(vessel list --format json | jq -c .)" = "[]" ]
  local left
  left=$(find "$CGROUP_ROOT"/*/"$CGROUP_PREFIX" "$CGROUP_ROOT/$CGROUP_PREFIX" -mindepth 1 -type d 2>/dev/null || true)
  [ -z "$left" ] || fail_with "cgroups left: $(head <<< "$left")"
  ! grep -F "$T" /proc/1/mountinfo /proc/self/mountinfo || fail_with "mounts left"
  local pid st fields f
  # An init is gone, or has exited and waits for this machine's PID 1 (its
  # parent since vessel create returned) to reap it.  One read of its
  # stat: PID 1 may reap it between two.
  while read -r pid st; do
    fields=$(stat_fields "$pid") || continue
    read -ra f <<< "$fields"
    [ "${f[19]}" != "$st" ] || [ "${f[0]}" = Z ] || fail_with "init $pid still runs: $fields"
  done < "$OUT/inits"
  # No zombie among this test's processes (other suites' vessels may run
  # alongside), and no vessel of this test still around.
  local zombies
  zombies=$(ps -eo pid=,ppid=,stat=,comm= | awk -v me="$BASHPID" -v bats="$$" '
    { ppid[$1] = $2; stat[$1] = $3; comm[$1] = $4 }
    END {
      for (p in stat) {
        if (stat[p] !~ /^Z/) continue
        for (q = ppid[p]; q > 1; q = ppid[q])
          if (q == me || q == bats) { print p, ppid[p], comm[p]; break }
      }
    }')
  [ -z "$zombies" ] || fail_with "zombies: $zombies"
  ! grep -lsF "$VESSEL_TEST_ROOT" /proc/[0-9]*/cmdline || fail_with "vessel of this test still running"
}
