#!/usr/bin/env bats
# containerd 1.6 drives vessel through its runc.v2 shim (`ctr run
# --runc-binary $VESSEL`): foreground and detached runs, exec, kill,
# delete, pause/resume, ps, a memory limit, a terminal, and vessel's own
# error message reaching ctr through the shim's read of log.json.
#
# The file starts one private containerd (config, root, state, sockets
# and vessel's root in a temp dir; CRI disabled; native snapshotter) and
# imports a busybox OCI image built offline with umoci.  Every container
# gets an absolute cgroupsPath under this run's prefix; teardown checks
# that vessel left no state, cgroup, mount or shim behind, and
# teardown_file stops containerd by its PID.

load ../integration/helpers

CTR_NS=vessel-test
IMAGE=vessel.test/busybox:latest

setup_file() {
  require_root
  local tool
  for tool in containerd ctr containerd-shim-runc-v2 umoci script; do
    command -v "$tool" > /dev/null || skip "needs $tool"
  done
  export BATS_NO_PARALLELIZE_WITHIN_FILE=true

  CTD_DIR=$(mktemp -d "$BATS_RUN_TMPDIR/containerd.XXXXXX")
  export CTD_DIR
  export CTD_SOCK=$CTD_DIR/containerd.sock
  export VESSEL_ROOT=$CTD_DIR/vessel-root
  VESSEL_ABS=$(realpath "$VESSEL")
  export VESSEL_ABS
  # The shims put their sockets in /run/containerd/s whatever the config
  # says: teardown_file removes those directories if this file made them.
  if [ -e /run/containerd ]; then export RUN_CONTAINERD_WAS_THERE=1; fi
  mkdir -p "$CTD_DIR/tmp" "$CTD_DIR/fifo"

  cat > "$CTD_DIR/config.toml" << EOF
version = 2
root = "$CTD_DIR/root"
state = "$CTD_DIR/state"
temp = "$CTD_DIR/tmp"
# No CRI, no /opt/containerd, no snapshotters but native, no metrics.
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.internal.v1.opt",
  "io.containerd.monitor.v1.cgroups",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.overlayfs",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]
[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
[debug]
  address = ""
# containerd stays in the cgroup it is started in.
[cgroup]
  path = ""
EOF
  # fd 3 closed: bats waits for whoever holds it.
  # TMPDIR: where containerd writes its goroutine dump on SIGUSR1.
  TMPDIR=$CTD_DIR/tmp containerd --config "$CTD_DIR/config.toml" \
    > "$CTD_DIR/containerd.log" 2>&1 < /dev/null 3>&- &
  export CTD_PID=$!
  local i
  for i in $(seq 100); do
    ctr_ version > /dev/null 2>&1 && break
    kill -0 "$CTD_PID" 2>/dev/null || fail_with "containerd exited: $(cat "$CTD_DIR/containerd.log")"
    sleep 0.1
  done
  ctr_ version > /dev/null || fail_with "containerd did not answer: $(cat "$CTD_DIR/containerd.log")"

  build_image
}

teardown_file() {
  [ -n "${CTD_PID:-}" ] || return 0
  local problems=""
  remove_all_containers
  kill "$CTD_PID" 2>/dev/null || true
  if ! wait_until process_gone "$CTD_PID"; then
    problems+="containerd ($CTD_PID) did not stop on SIGTERM; "
    kill -9 "$CTD_PID" 2>/dev/null || true
  fi
  wait "$CTD_PID" 2>/dev/null || true # reaps it, if it is this shell's child
  local p
  for p in $(our_shims); do
    problems+="shim $p left running; "
    kill -9 "$p" 2>/dev/null || true
  done
  local m
  for m in $(mounts_under "$CTD_DIR"); do
    problems+="$m left mounted; "
    umount -l "$m" || true
  done
  local d
  for d in "$CGROUP_ROOT"/*/"$CGROUP_PREFIX" "$CGROUP_ROOT/$CGROUP_PREFIX"; do
    [ ! -d "$d" ] || rmdir "$d" 2>/dev/null || problems+="$d not empty; "
  done
  if [ -z "${RUN_CONTAINERD_WAS_THERE:-}" ]; then
    rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  fi
  # Only once nothing is mounted there any more.
  [ -n "$(mounts_under "$CTD_DIR")" ] || rm -rf "$CTD_DIR"
  [ -z "$problems" ] || fail_with "$problems"
}

setup() {
  require_root
}

# goroutines_of_interest PATTERN: the goroutines of a Go stack dump on
# stdin whose stack matches PATTERN; text other than goroutines and
# registers passes unchanged.
goroutines_of_interest() {
  awk -v pattern="$1" 'BEGIN { RS = ""; ORS = "\n\n" }
    /^goroutine [0-9]+ \[/ { if ($0 ~ pattern) print; next }
    !/^rax /'
}

# Where containerd's goroutines wait now (it writes a dump on SIGUSR1).
containerd_goroutines() {
  local dump
  kill -USR1 "$CTD_PID" 2>/dev/null || return 0
  for _ in $(seq 20); do
    sleep 0.1 # written, perhaps not yet whole
    ! compgen -G "$CTD_DIR/tmp/containerd.*.stacks.log" > /dev/null || break
  done
  sleep 0.2
  for dump in "$CTD_DIR"/tmp/containerd.*.stacks.log; do
    goroutines_of_interest 'containerd/(services/(tasks|snapshots|containers)|runtime/v2|metadata|snapshots)|bbolt' < "$dump"
    rm -f "$dump"
  done
}

# The test's containers are deleted through containerd; vessel must have
# removed their state and cgroups, the shims must have unmounted the
# rootfs and exited.
teardown() {
  local problems="" d p m
  remove_all_containers
  if [ -n "$(ls -A "$VESSEL_ROOT/$CTR_NS" 2>/dev/null)" ]; then
    problems+="vessel state left: $(ls "$VESSEL_ROOT/$CTR_NS" | xargs); "
    for d in "$VESSEL_ROOT/$CTR_NS"/*; do
      "$VESSEL" --root "$VESSEL_ROOT/$CTR_NS" delete --force "${d##*/}" > /dev/null 2>&1 || true
      rm -rf "$d" # not to be blamed on the next test
    done
  fi
  for d in $(test_cgroup_dirs); do
    problems+="cgroup $d left; "
    for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    wait_until rmdir "$d" 2>/dev/null || true
  done
  for m in $(mounts_under "$CTD_DIR/state"); do
    problems+="$m left mounted; "
    umount -l "$m" || true
  done
  if ! wait_until no_shims; then
    problems+="shims left: $(our_shims); "
    for p in $(our_shims); do kill -9 "$p" 2>/dev/null || true; done
  fi
  [ -z "$problems" ] || fail_with "$problems"
}

# ctr_ ARGS...: ctr against this file's containerd, bounded in time, with
# no stdin (ctr does not pass EOF to the container).
ctr_() {
  timeout -k 5 30 ctr --address "$CTD_SOCK" --namespace "$CTR_NS" "$@" < /dev/null
}

# The `ctr run` flags that make vessel the runtime of container ID, in
# the cgroup test_cgroup ID.
vessel_run_flags() {
  echo --snapshotter native --fifo-dir "$CTD_DIR/fifo" --cgroup "$(test_cgroup "$1")" \
    --runtime io.containerd.runc.v2 --runc-binary "$VESSEL_ABS" --runc-root "$VESSEL_ROOT"
}

# ctr_run [FLAG...] ID [ARG...]: `ctr run` of the busybox image as ID
# with vessel; ctr flags must come first and be single words (--x=y).
ctr_run() {
  local flags=()
  while [[ "${1:-}" == -* ]]; do
    flags+=("$1")
    shift
  done
  local id=$1
  shift
  # shellcheck disable=SC2046 # the flags are words without blanks
  ctr_ run $(vessel_run_flags "$id") "${flags[@]}" "$IMAGE" "$id" "$@"
}

# ctr_exec ID EXEC-ID ARG...: `ctr task exec`, its output and exit status.
ctr_exec() {
  local id=$1 exec_id=$2
  shift 2
  ctr_ task exec --fifo-dir "$CTD_DIR/fifo" --exec-id "$exec_id" "$id" "$@"
}

# The STATUS (or PID) column of `ctr task ls` for ID.
task_status() {
  ctr_ task ls | awk -v id="$1" '$1 == id { print $3 }'
}

task_pid() {
  ctr_ task ls | awk -v id="$1" '$1 == id { print $2 }'
}

task_is() {
  [ "$(task_status "$1")" = "$2" ]
}

# vessel's own view of container ID (the shim's root is R/<namespace>).
vessel_state() {
  "$VESSEL" --root "$VESSEL_ROOT/$CTR_NS" state "$1"
}

# A process that no longer exists, or a zombie.
process_gone() {
  [ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ]
}

# Live shims of this file's containerd: containerd-shim-runc-v2
# processes given its socket as -address.
our_shims() {
  local f p
  for f in $(grep -lzxF -- "$CTD_SOCK" /proc/[0-9]*/cmdline 2>/dev/null); do
    p=${f#/proc/}
    p=${p%/cmdline}
    [[ "$(cat "/proc/$p/comm" 2>/dev/null)" == containerd-shim* ]] && echo "$p"
  done
  return 0
}

no_shims() {
  [ -z "$(our_shims)" ]
}

# The mount points under DIR, deepest first.
mounts_under() {
  awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# Deletes every task and container of the namespace.
remove_all_containers() {
  local id
  for id in $(ctr_ container ls -q 2>/dev/null); do
    ctr_ task delete --force "$id" > /dev/null 2>&1 || true
    ctr_ container delete "$id" > /dev/null 2>&1 || true
  done
}

# A busybox OCI image, made with umoci from rootfs_template and imported
# as $IMAGE.
build_image() {
  local layout=$CTD_DIR/image/layout unpacked=$CTD_DIR/image/unpacked
  mkdir -p "$CTD_DIR/image"
  umoci init --layout "$layout"
  umoci new --image "$layout:latest"
  umoci unpack --image "$layout:latest" "$unpacked" > /dev/null
  cp -a "$(rootfs_template)/." "$unpacked/rootfs/"
  umoci repack --image "$layout:latest" "$unpacked"
  umoci config --image "$layout:latest" --config.cmd sh \
    --config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin
  umoci gc --layout "$layout"
  tar -C "$layout" -cf "$CTD_DIR/image/busybox.tar" .
  ctr_ image import --snapshotter native --base-name "${IMAGE%:*}" "$CTD_DIR/image/busybox.tar" > /dev/null
  ctr_ image ls -q | grep -qx "$IMAGE" || fail_with "image not imported: $(ctr_ image ls)"
}

@test "ctr run --rm: the output reaches ctr, the exit code is ctr's, nothing is left" {
  run ctr_run --rm fg sh -c 'echo hello from vessel; exit 3'
  [ "$status" -eq 3 ] || fail_with "exit status $status: $output"
  [ "$output" = "hello from vessel" ]
  [ ! -e "$VESSEL_ROOT/$CTR_NS/fg" ]
  [ -z "$(test_cgroup_dirs)" ]
}

@test "run -d, exec (output and exit code), kill SIGTERM, task and container delete" {
  # The trap proves that the SIGTERM reached the container's init.
  ctr_run -d bg sh -c 'trap "exit 42" TERM; sleep 1000 & wait'
  task_is bg RUNNING
  [ "$(task_pid bg)" = "$(vessel_state bg | jq .pid)" ]
  run ctr_exec bg e1 sh -c 'echo exec says $$; exit 5'
  [ "$status" -eq 5 ] || fail_with "exit status $status: $output"
  [[ "$output" == "exec says "[0-9]* ]] || fail_with "exec output: $output"
  [ "${output#exec says }" -gt 1 ] # not the container's init
  ctr_ task kill --signal SIGTERM bg
  wait_until task_is bg STOPPED
  [ "$(vessel_state bg | jq -r .status)" = stopped ]
  run ctr_ task delete bg
  assert_success
  [[ "$output" == *"exit code 42"* ]]
  [ ! -e "$VESSEL_ROOT/$CTR_NS/bg" ] # the shim ran vessel delete
  [ -z "$(test_cgroup_dirs)" ]
  ctr_ container delete bg
  [ -z "$(ctr_ container ls -q)" ]
}

@test "ctr task ps lists the container's processes; SIGKILL stops them all" {
  ctr_run -d ps1 sleep 1000
  ctr_ task exec --detach --fifo-dir "$CTD_DIR/fifo" --exec-id sleeper ps1 sleep 999
  local init procs listed
  init=$(vessel_state ps1 | jq .pid)
  [ "$(task_pid ps1)" = "$init" ]
  procs=$(sort -n "$(cg_dir pids ps1)/cgroup.procs" | xargs)
  [ "$(wc -w <<< "$procs")" -eq 2 ]
  listed=$(ctr_ task ps ps1 | awk 'NR > 1 { print $1 }' | sort -n | xargs)
  [ "$listed" = "$procs" ] || fail_with "ctr task ps: $listed, cgroup: $procs"
  [[ " $listed " == *" $init "* ]]
  # sleep, the init, ignores SIGTERM: only SIGKILL stops it.
  ctr_ task kill --signal SIGKILL ps1
  wait_until task_is ps1 STOPPED
  run ctr_ task delete ps1
  [[ "$output" == *"exit code 137"* ]]
  local p
  for p in $procs; do process_gone "$p"; done
}

# The counter the pause test's container increments.
count() {
  cat "/proc/$1/root/tmp/count" 2>/dev/null
}

count_above() {
  [ "$(count "$1")" -gt "$2" ] 2>/dev/null
}

# FROZEN or THAWED: what the kernel says of container ID's freezer.
freezer_state() {
  if [ "$(cg_mode)" = v2 ]; then
    grep -qx 'frozen 1' "$(cg_dir freezer "$1")/cgroup.events" && echo FROZEN || echo THAWED
  else
    cat "$(cg_dir freezer "$1")/freezer.state"
  fi
}

@test "ctr task pause freezes the container's cgroup, resume thaws it" {
  ctr_run -d pz sh -c 'i=0; while :; do i=$((i+1)); echo $i > /tmp/c; mv /tmp/c /tmp/count; sleep 0.05; done'
  local pid a b
  pid=$(task_pid pz)
  wait_until count_above "$pid" 1
  ctr_ task pause pz
  task_is pz PAUSED
  [ "$(vessel_state pz | jq -r .status)" = paused ]
  [ "$(freezer_state pz)" = FROZEN ]
  a=$(count "$pid")
  sleep 0.3 # nothing to poll for: the counter must stand still
  b=$(count "$pid")
  [ "$a" = "$b" ]
  ctr_ task resume pz
  task_is pz RUNNING
  [ "$(freezer_state pz)" = THAWED ]
  wait_until count_above "$pid" "$b"
  run ctr_exec pz e1 echo still works
  assert_success
  [ "$output" = "still works" ]
}

@test "ctr run --memory-limit sets the memory cgroup's limit, and the kernel enforces it" {
  local limit=33554432 dir
  ctr_run -d --memory-limit=$limit mem sleep 1000
  dir=$(cg_dir memory mem)
  if [ "$(cg_mode)" = v2 ]; then
    [ "$(cat "$dir/memory.max")" = $limit ]
    # With swap on the host, a hog would swap rather than be killed.
    [ ! -e "$dir/memory.swap.max" ] || echo 0 > "$dir/memory.swap.max"
  else
    [ "$(cat "$dir/memory.limit_in_bytes")" = $limit ]
    echo 0 > "$dir/memory.swappiness"
  fi
  # Well under the limit: fine.
  run ctr_exec mem small sh -c 'x=$(head -c 8m /dev/zero | tr "\0" a); echo kept ${#x}'
  assert_success
  [ "$output" = "kept 8388608" ]
  # Twice the limit: the OOM killer kills the shell holding the string.
  run ctr_exec mem hog sh -c 'x=$(head -c 64m /dev/zero | tr "\0" a); echo kept ${#x}'
  [ "$status" -eq 137 ] || fail_with "exit status $status: $output"
  local events=memory.oom_control
  [ "$(cg_mode)" != v2 ] || events=memory.events
  [ "$(awk '$1 == "oom_kill" { print $2 }' "$dir/$events")" -ge 1 ]
}

@test "ctr run -t: the container's process has a terminal, its output and exit code come back" {
  local cmd
  # A ctr still waiting after 30 s gets SIGQUIT, and Go prints where
  # every goroutine waits.  exec: dash does not exec a lone command, and
  # coreutils' timeout under a shell makes its own process group, which
  # leaves ctr in a background group of the pty, stopped by SIGTTOU when
  # it makes the terminal raw; as the session leader, timeout cannot.
  # shellcheck disable=SC2046
  cmd=exec\ $(printf '%q ' env GOTRACEBACK=all timeout -s QUIT -k 5 30 \
    ctr --address "$CTD_SOCK" --namespace "$CTR_NS" \
    run -t --rm $(vessel_run_flags tty) "$IMAGE" tty \
    sh -c 'tty; test -t 0 && test -t 1 && echo both are terminals; exit 7')
  # script gives ctr a pty of its own.
  run script -qec "$cmd" /dev/null < /dev/null
  local why=""
  [ "$status" -eq 7 ] || why="exit status $status"
  output=$(tr -d '\r' <<< "$output")
  [[ "$output" =~ /dev/pts/[0-9]+ ]] && [[ "$output" == *"both are terminals"* ]] || why+=" output"
  [ -z "$why" ] || fail_with "wrong$why: $(goroutines_of_interest 'cmd/ctr|containerd/(cio|console|fifo)' <<< "$output")
containerd said: $(tail -n 20 "$CTD_DIR/containerd.log")
containerd's goroutines: $(containerd_goroutines)"
}

@test "a create that fails in vessel: ctr reports vessel's message from log.json" {
  # What vessel itself logs for this process, outside containerd.
  make_bundle
  use_cgroup direct
  set_args /no/such/binary
  run "$VESSEL" --root "$BATS_TEST_TMPDIR/state" --log "$BATS_TEST_TMPDIR/log.json" --log-format json \
    run --bundle "$BUNDLE" direct
  assert_failure
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/state" 2>/dev/null)" ]
  local msg
  msg=$(jq -rs 'map(select(.level == "error")) | last | .msg' "$BATS_TEST_TMPDIR/log.json")
  [[ "$msg" == *"/no/such/binary"* ]] || fail_with "vessel's log: $(cat "$BATS_TEST_TMPDIR/log.json")"

  # The shim reads the same message from the log.json it gave vessel.
  run ctr_run --rm bad /no/such/binary
  assert_failure
  [[ "$output" == *"OCI runtime create failed: $msg"* ]] || fail_with "ctr: $output; vessel: $msg"

  # A mount vessel refuses: a bind mount of a source that does not exist.
  run ctr_run --rm --mount=type=bind,src=/nonexistent/src,dst=/mnt,options=rbind bad2 true
  assert_failure
  [[ "$output" == *"OCI runtime create failed: "*"bind source \`/nonexistent/src\`: No such file or directory"* ]] \
    || fail_with "ctr: $output"
  [ -z "$(ctr_ container ls -q)" ]
}

@test "containerd and its shims stay in their cgroups; the container is in its own" {
  ctr_run -d cg sleep 1000
  local init shim
  init=$(task_pid cg)
  shim=$(awk '$1 == "PPid:" { print $2 }' "/proc/$init/status")
  [[ " $(our_shims | xargs) " == *" $shim "* ]] || fail_with "the init's parent $shim is not a shim: $(tr '\0' ' ' < "/proc/$shim/cmdline")"
  # Neither containerd nor the shim made or joined any cgroup.
  diff "/proc/$$/cgroup" "/proc/$CTD_PID/cgroup"
  diff "/proc/$$/cgroup" "/proc/$shim/cgroup"
  # Every hierarchy places the container's init in the cgroup asked for.
  local line
  while IFS= read -r line; do
    [[ "$line" == *":$(test_cgroup cg)" ]] || fail_with "init's cgroup: $line"
  done < "/proc/$init/cgroup"
}
