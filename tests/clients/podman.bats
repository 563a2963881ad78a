#!/usr/bin/env bats
# podman (Debian's 4.3, through conmon) drives vessel: `podman --runtime
# $VESSEL` with everything podman keeps (storage, libpod's database and run
# directory, events, networks) in this file's temporary directory, a
# containers.conf that registers vessel (cgroupfs manager, file events
# logger, vessel among the runtimes that take --log-format=json), and a
# busybox image imported from a tarball (no registry is reachable).
#
# podman runs in a network namespace that this file makes, so netavark's
# bridge, its iptables rules and ip_forward are that namespace's, not the
# host's.  Each test's containers get --cgroup-parent under this run's
# cgroup prefix; podman's own cgroups for conmon land there too, and
# teardown removes that subtree and nothing else.
#
# The last test is rootless podman: an unprivileged user of its own runs
# podman, which runs vessel as root of its user namespace.

load ../integration/helpers
bats_require_minimum_version 1.5.0

IMAGE=localhost/vessel-busybox:test

setup_file() {
  [ "$(id -u)" -eq 0 ] || return 0
  command -v podman > /dev/null || return 0
  PM_DIR=$(mktemp -d "$BATS_FILE_TMPDIR/podman.XXXXXX")
  export PM_DIR PM_NETNS="vessel-t${BATS_ROOT_PID:-$$}-podman"
  write_podman_config
  write_podman_wrapper
  # podman as root keeps its image blob cache and netavark's IPAM database
  # at fixed places, whatever the storage root: teardown_file removes them
  # if they were not there before.
  local p
  for p in /var/lib/containers /var/lib/containers/cache /run/containers; do
    [ -e "$p" ] || echo "$p" >> "$PM_DIR/made-by-podman"
  done
  ip netns add "$PM_NETNS"
  tar -C "$(rootfs_template)" -c . | pm import --quiet - "$IMAGE" > /dev/null
}

teardown_file() {
  [ -n "${PM_DIR:-}" ] || return 0
  pm rm --all --force --time 0 > /dev/null 2>&1 || true
  pm rmi --all --force > /dev/null 2>&1 || true
  # vessel state of this file's containers that podman lost track of
  # (only when something failed): their bundles are in PM_DIR.
  local id
  for id in $(ls /run/vessel 2> /dev/null); do
    [[ "$("$VESSEL" state "$id" 2> /dev/null | jq -r .bundle)" == "$PM_DIR/"* ]] &&
      "$VESSEL" delete --force "$id" > /dev/null 2>&1 || true
  done
  unmount_under "$PM_DIR"
  ip netns del "$PM_NETNS" 2> /dev/null || true
  local p
  for p in $(cat "$PM_DIR/made-by-podman" 2> /dev/null); do rm -rf "$p"; done
  rm -rf "$PM_DIR"
}

# containers.conf and storage.conf for this file only.
write_podman_config() {
  cat > "$PM_DIR/containers.conf" << EOF
[containers]
# The bounding set here lacks CAP_SYS_RESOURCE: podman's default rlimits
# (1048576) are above the hard limits, which no runtime may raise.
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM_DIR/events.log"
tmp_dir = "$PM_DIR/libpod"
runtime = "vessel"
runtime_supports_json = ["vessel"]

[engine.runtimes]
vessel = ["$VESSEL"]

[network]
network_backend = "netavark"
network_config_dir = "$PM_DIR/networks"
EOF
  cat > "$PM_DIR/storage.conf" << EOF
[storage]
driver = "vfs"
graphroot = "$PM_DIR/storage"
runroot = "$PM_DIR/run"
EOF
}

# $PM_DIR/podman: podman with this file's configuration, inside its
# network namespace, asked to use vessel (a script, for script(1) to run).
write_podman_wrapper() {
  cat > "$PM_DIR/podman" << EOF
#!/bin/sh
export CONTAINERS_CONF="$PM_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PM_DIR/storage.conf"
# conmon inherits the directory and writes an "oom" file there.
cd "$PM_DIR"
exec nsenter --net="/run/netns/$PM_NETNS" podman --runtime "$VESSEL" "\$@"
EOF
  chmod 755 "$PM_DIR/podman"
}

pm() {
  "$PM_DIR/podman" "$@"
}

# The --cgroup-parent of this test's containers.
pm_cgroup_parent() {
  echo "/$CGROUP_PREFIX/${BATS_TEST_NUMBER}-podman"
}

# prun ARGS...: `podman run` with this test's cgroup parent.
prun() {
  pm run --cgroup-parent "$(pm_cgroup_parent)" "$@"
}

unmount_under() {
  local m
  for m in $(awk -v d="$1" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    umount -l "$m" 2> /dev/null || true
  done
}

setup() {
  require_root
  command -v podman > /dev/null || skip "needs podman (contrib/deps.sh test installs it)"
  common_setup
}

teardown() {
  [ -n "${PM_DIR:-}" ] || return 0
  local ids
  ids=$(pm ps --all --quiet --filter "label=test=$BATS_TEST_NUMBER" 2> /dev/null || true)
  [ -z "$ids" ] || pm rm --force --time 0 $ids > /dev/null 2>&1 || true
  # Whatever still runs in this test's cgroups (when rm failed: the
  # container's processes, conmon in podman's <parent>/conmon) is
  # killed, podman's rm tried again, the subtree removed deepest first.
  local dirs d p
  dirs=$(find "$CGROUP_ROOT"/*"$(pm_cgroup_parent)" "$CGROUP_ROOT$(pm_cgroup_parent)" -depth -type d 2> /dev/null || true)
  if [ -n "$(cat $(printf '%s/cgroup.procs ' $dirs) 2> /dev/null)" ]; then
    for d in $dirs; do
      for p in $(cat "$d/cgroup.procs" 2> /dev/null); do kill -9 "$p" 2> /dev/null || true; done
    done
    [ -z "$ids" ] || pm rm --force --time 0 $ids > /dev/null 2>&1 || true
  fi
  for d in $dirs; do rmdir "$d" 2> /dev/null || { sleep 0.2 && rmdir "$d" 2> /dev/null; } || true; done
  rootless_teardown
  common_teardown
}

# The host pid of container NAME's process.
pid_of() {
  pm inspect --format '{{.State.Pid}}' "$1"
}

# The cgroup directory holding CONTROLLER's files for container NAME.
pm_cg_dir() {
  local controller=$1 name=$2 line
  local pid
  pid=$(pid_of "$name")
  if [ "$(cg_mode)" = v2 ]; then
    line=$(grep '^0::' "/proc/$pid/cgroup")
    echo "$CGROUP_ROOT${line#0::}"
    return
  fi
  line=$(grep -E "^[0-9]+:([^:]*,)?$controller(,[^:]*)?:" "/proc/$pid/cgroup")
  local mnt
  for mnt in "$CGROUP_ROOT"/*/; do
    mnt=${mnt%/}
    case ",${mnt##*/}," in *",$controller,"*)
      echo "$mnt${line##*:}"
      return
      ;;
    esac
  done
  fail_with "no $controller hierarchy"
}

# The vessel state directory of container NAME (podman passes no --root:
# vessel's default one).
vessel_state_of() {
  echo "/run/vessel/$(pm inspect --format '{{.Id}}' "$1")"
}

# A detached container NAME that keeps running; extra podman flags before
# `--`, command after (default: sleep forever).
detached() {
  local name=$1
  shift
  local flags=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    flags+=("$1")
    shift
  done
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || set -- sleep 1000
  prun -d --name "$name" --label "test=$BATS_TEST_NUMBER" "${flags[@]}" "$IMAGE" "$@" > /dev/null
}

# wait_for_log NAME TEXT: polls `podman logs` up to ~10 s.
wait_for_log() {
  local i
  for i in $(seq 100); do
    pm logs "$1" 2> /dev/null | grep -q -- "$2" && return 0
    sleep 0.1
  done
  fail_with "no '$2' in the logs of $1: $(pm logs "$1" 2>&1)"
}

@test "podman: run in the foreground gives the output and the exit code" {
  run prun --rm --label "test=$BATS_TEST_NUMBER" "$IMAGE" echo hello from vessel
  assert_success
  [ "$output" = "hello from vessel" ]
  run prun --rm --label "test=$BATS_TEST_NUMBER" "$IMAGE" sh -c 'exit 7'
  [ "$status" -eq 7 ]
  # A command that cannot be run: podman reports vessel's error (read
  # from its --log-format=json log) and exits 127.
  run -127 prun --rm --label "test=$BATS_TEST_NUMBER" "$IMAGE" /no/such/binary
  [[ "$output" == *"/no/such/binary"* ]] || fail_with "$output"
}

@test "podman: run -d, logs, kill with a signal, stop and rm; nothing of vessel's is left" {
  detached c1 -- sh -c 'trap "echo got USR1" USR1; trap "echo got TERM; exit 0" TERM
    echo started; while :; do sleep 0.1; done'
  wait_for_log c1 started
  local state
  state=$(vessel_state_of c1)
  [ -f "$state/state.json" ] || fail_with "no vessel state at $state"
  [ "$("$VESSEL" state "${state##*/}" | jq -r .status)" = running ]
  pm kill --signal USR1 c1 > /dev/null
  wait_for_log c1 "got USR1"
  [ "$(pm inspect --format '{{.State.Status}}' c1)" = running ]
  pm stop --time 10 c1 > /dev/null
  wait_for_log c1 "got TERM"
  [ "$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' c1)" = "exited 0" ]
  pm rm c1 > /dev/null
  [ ! -e "$state" ] || fail_with "vessel state $state left behind"
  ! pgrep -f "conmon.*${state##*/}" > /dev/null || fail_with "conmon of c1 still runs"
}

@test "podman: kill with SIGKILL gives exit code 137" {
  detached c1
  pm kill c1 > /dev/null
  run pm wait c1
  [ "$output" = 137 ] || fail_with "$output"
}

@test "podman: exec, with its exit code, -e, -w, -u and -t" {
  detached c1
  run pm exec c1 sh -c 'echo in $(hostname); exit 5'
  [ "$status" -eq 5 ]
  [[ "$output" == "in "* ]]
  run pm exec -e FOO=bar -w /tmp c1 sh -c 'echo $FOO $(pwd)'
  assert_success
  [ "$output" = "bar /tmp" ]
  run pm exec -u 1000:1000 c1 probe ids
  assert_success
  [ "$(probe_value uid)" = 1000 ] && [ "$(probe_value gid)" = 1000 ]
  # The exec'd process is in the container's pid namespace.
  run pm exec c1 cat /proc/1/cmdline
  [[ "$output" == sleep* ]] || fail_with "$output"
  run script -qec "$PM_DIR/podman exec -t c1 probe tty" /dev/null
  assert_success
  output=${output//$'\r'/}
  [ "$(probe_value ctty)" = yes ] || fail_with "$output"
  [[ "$(probe_value stdin)" == /dev/pts/* ]] || fail_with "$output"
}

@test "podman: --memory, --pids-limit and --cpus are set and enforced" {
  detached c1 --memory 32m --pids-limit 40 --cpus 0.5
  local mem pids cpu
  mem=$(pm_cg_dir memory c1)
  pids=$(pm_cg_dir pids c1)
  cpu=$(pm_cg_dir cpu c1)
  if [ "$(cg_mode)" = v2 ]; then
    [ "$(cat "$mem/memory.max")" = $((32 << 20)) ]
    [ "$(cat "$pids/pids.max")" = 40 ]
    [ "$(cat "$cpu/cpu.max")" = "50000 100000" ]
  else
    [ "$(cat "$mem/memory.limit_in_bytes")" = $((32 << 20)) ]
    [ "$(cat "$pids/pids.max")" = 40 ]
    [ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ]
    [ "$(cat "$cpu/cpu.cfs_period_us")" = 100000 ]
  fi
  # cpu: a busy loop for a second gets throttled.
  pm exec c1 timeout 1 sh -c 'while :; do :; done' || true
  local throttled
  throttled=$(awk '$1 == "nr_throttled" { print $2 }' "$cpu/cpu.stat")
  [ "$throttled" -gt 0 ] || fail_with "not throttled: $(cat "$cpu/cpu.stat")"
  # pids: the 40th process cannot be forked.
  run pm exec c1 sh -c 'for i in $(seq 60); do sleep 30 & done 2>&1; kill $(jobs -p)'
  [[ "$output" == *"can't fork"* ]] || fail_with "$output"
  # memory: 64 MiB in a tmpfs page cache of a 32 MiB container: OOM kill.
  run prun --rm --label "test=$BATS_TEST_NUMBER" --memory 32m --memory-swap 32m --tmpfs /big "$IMAGE" \
    sh -c 'x=$(head -c 67108864 /dev/zero | tr "\0" x); echo survived ${#x}'
  [ "$status" -eq 137 ] || fail_with "status $status: $output"
}

@test "podman: update changes the limits of a running container" {
  detached c1 --memory 64m --cpus 1
  pm update --memory 48m --cpus 0.25 c1 > /dev/null
  local mem cpu
  mem=$(pm_cg_dir memory c1)
  cpu=$(pm_cg_dir cpu c1)
  if [ "$(cg_mode)" = v2 ]; then
    [ "$(cat "$mem/memory.max")" = $((48 << 20)) ]
    [ "$(cat "$cpu/cpu.max")" = "25000 100000" ]
  else
    [ "$(cat "$mem/memory.limit_in_bytes")" = $((48 << 20)) ]
    [ "$(cat "$cpu/cpu.cfs_quota_us")" = 25000 ]
  fi
}

@test "podman: pause and unpause freeze and thaw the container" {
  detached c1 -- sh -c 'while :; do date +%s%N > /tmp/tick; sleep 0.05; done'
  pm pause c1 > /dev/null
  [ "$(pm inspect --format '{{.State.Status}}' c1)" = paused ]
  local state
  state=$(vessel_state_of c1)
  [ "$("$VESSEL" state "${state##*/}" | jq -r .status)" = paused ]
  if [ "$(cg_mode)" = v2 ]; then
    grep -qx "frozen 1" "$(pm_cg_dir freezer c1)/cgroup.events"
  else
    [ "$(cat "$(pm_cg_dir freezer c1)/freezer.state")" = FROZEN ]
  fi
  local pid
  pid=$(pid_of c1)
  local before
  before=$(stat -c %Y.%y "/proc/$pid/root/tmp/tick")
  sleep 0.3
  [ "$(stat -c %Y.%y "/proc/$pid/root/tmp/tick")" = "$before" ] || fail_with "a frozen container wrote"
  pm unpause c1 > /dev/null
  [ "$(pm inspect --format '{{.State.Status}}' c1)" = running ]
  local i
  for i in $(seq 50); do
    [ "$(stat -c %Y.%y "/proc/$pid/root/tmp/tick")" != "$before" ] && return 0
    sleep 0.1
  done
  fail_with "the thawed container does not run"
}

@test "podman: ps, top and inspect see the container vessel runs" {
  detached c1
  run pm ps --format '{{.Names}} {{.Status}}' --filter name=c1
  [[ "$output" == "c1 Up"* ]] || fail_with "$output"
  local pid state
  pid=$(pid_of c1)
  state=$(vessel_state_of c1)
  [ "$("$VESSEL" state "${state##*/}" | jq -r .pid)" = "$pid" ]
  [ "$(pm inspect --format '{{.State.Running}} {{.OCIRuntime}}' c1)" = "true $VESSEL" ]
  run pm top c1 pid args
  assert_success
  [[ "${lines[1]}" == *"1 "*"sleep 1000"* ]] || fail_with "$output"
}

@test "podman: --user, -e, -w, --read-only and a -v bind mount" {
  mkdir -p "$BATS_TEST_TMPDIR/vol"
  echo from host > "$BATS_TEST_TMPDIR/vol/in"
  run prun --rm --label "test=$BATS_TEST_NUMBER" --user 1000:1000 -e GREETING=hi -w /tmp --read-only \
    -v "$BATS_TEST_TMPDIR/vol:/data" "$IMAGE" sh -c 'id -u; id -g; echo $GREETING; pwd; cat /data/in
      touch /not-here 2>&1 || echo read-only; echo written > /tmp/x && echo tmp ok'
  assert_success
  [ "${lines[0]}" = 1000 ] && [ "${lines[1]}" = 1000 ] && [ "${lines[2]}" = hi ] && [ "${lines[3]}" = /tmp ]
  [ "${lines[4]}" = "from host" ]
  [[ "$output" == *"read-only"* ]] && [[ "$output" == *"tmp ok"* ]] || fail_with "$output"
  prun --rm --label "test=$BATS_TEST_NUMBER" -v "$BATS_TEST_TMPDIR/vol:/data" "$IMAGE" sh -c 'echo back > /data/out'
  [ "$(cat "$BATS_TEST_TMPDIR/vol/out")" = back ]
}

@test "podman: --cap-drop and --cap-add" {
  run prun --rm --label "test=$BATS_TEST_NUMBER" --cap-drop all --cap-add NET_ADMIN --cap-add CHOWN "$IMAGE" probe caps
  assert_success
  # CAP_CHOWN (0) and CAP_NET_ADMIN (12).
  [ "$(probe_value CapEff)" = 0000000000001001 ] || fail_with "$output"
  [ "$(probe_value CapInh)" = 0000000000000000 ]
  run prun --rm --label "test=$BATS_TEST_NUMBER" --cap-drop CHOWN "$IMAGE" sh -c 'chown 1000 /tmp 2>&1'
  [ "$status" -ne 0 ]
  [[ "$output" == *"Operation not permitted"* ]] || fail_with "$output"
}

@test "podman: the default seccomp profile is enforced" {
  # add_key is not in podman's profile, whose default action is ENOSYS;
  # the kernel itself lets any process add a key.
  run prun --rm --label "test=$BATS_TEST_NUMBER" "$IMAGE" sh -c 'grep "^Seccomp:" /proc/self/status; probe add_key'
  assert_success
  [[ "${lines[0]}" == "Seccomp:"*2 ]] || fail_with "$output"
  [ "$(probe_value add_key)" = ENOSYS ] || fail_with "$output"
  run prun --rm --label "test=$BATS_TEST_NUMBER" --security-opt seccomp=unconfined "$IMAGE" \
    sh -c 'grep "^Seccomp:" /proc/self/status; probe add_key'
  assert_success
  [[ "${lines[0]}" == "Seccomp:"*0 ]] || fail_with "$output"
  [ "$(probe_value add_key)" = ok ] || fail_with "$output"
}

@test "podman: -t under a pty" {
  run script -qec "$PM_DIR/podman run --rm -t --cgroup-parent $(pm_cgroup_parent) --label test=$BATS_TEST_NUMBER $IMAGE probe tty" /dev/null
  assert_success
  output=${output//$'\r'/} # the pty's line discipline turns \n into \r\n
  [[ "$(probe_value stdin)" == /dev/pts/* ]] || fail_with "$output"
  [ "$(probe_value ctty)" = yes ]
}

@test "podman: --network none has only loopback" {
  run prun --rm --label "test=$BATS_TEST_NUMBER" --network none "$IMAGE" sh -c 'ls /sys/class/net'
  assert_success
  [ "$output" = lo ]
}

@test "podman: two containers on the default bridge talk to each other" {
  detached srv -- sh -c 'mkdir -p /www && echo served by vessel > /www/index.html && httpd -f -p 8080 -h /www'
  local ip
  ip=$(pm inspect --format '{{.NetworkSettings.IPAddress}}' srv)
  [ -n "$ip" ] || fail_with "no address"
  run prun --rm --label "test=$BATS_TEST_NUMBER" "$IMAGE" sh -c "for i in \$(seq 50); do
      timeout 10 wget -q -O - http://$ip:8080/ && exit 0; sleep 0.1; done; exit 1"
  assert_success
  [ "$output" = "served by vessel" ]
}

@test "podman: nothing is left behind after rm" {
  detached c1 --memory 32m
  local state cg
  state=$(vessel_state_of c1)
  cg=$(pm_cg_dir memory c1)
  pm rm --force --time 0 c1 > /dev/null
  [ ! -e "$state" ] || fail_with "vessel state $state left behind"
  [ ! -e "$cg" ] || fail_with "cgroup $cg left behind"
  [ -z "$(awk -v id="${state##*/}" 'index($5, id) { print $5 }' /proc/self/mountinfo)" ] ||
    fail_with "mounts of the container left behind"
  [ -z "$(pm ps --all --quiet --filter "label=test=$BATS_TEST_NUMBER")" ]
}

@test "podman: --uidmap with a volume under a directory only the host's root can enter, and exec" {
  # root:root 0700 above the volume: the container's root (host uid
  # 100000) cannot pass it; vessel opens the volume before the init is in
  # its user namespace, as runc does.
  local secret=$BATS_TEST_TMPDIR/secret
  mkdir -p "$secret/vol"
  echo from host > "$secret/vol/in"
  chmod 755 "$secret/vol"
  chmod 644 "$secret/vol/in"
  chmod 700 "$secret"
  run prun -d --name "u$BATS_TEST_NUMBER" --label "test=$BATS_TEST_NUMBER" --uidmap 0:100000:65536 \
    --gidmap 0:100000:65536 -v "$secret/vol:/data" "$IMAGE" sleep 1000
  assert_success
  run pm exec "u$BATS_TEST_NUMBER" sh -c 'cat /data/in; cat /proc/self/uid_map'
  assert_success
  [ "${lines[0]}" = "from host" ] || fail_with "$output"
  [ "$(tr -s ' ' <<< "${lines[1]}")" = " 0 100000 65536" ] || fail_with "$output"
  # podman 4.3's rm once found its own userdata/shm still busy right after
  # the kill (EBUSY from its unlinkat); once more is what a user does.
  pm rm --force --time 0 "u$BATS_TEST_NUMBER" > /dev/null 2>&1 || { sleep 1; pm rm --force --time 0 "u$BATS_TEST_NUMBER" > /dev/null; }
}

# podman writes linux.devices[].fileMode as st_mode, file type and all
# (8630 = S_IFCHR | 0666, for --device and every host device of
# --privileged).
@test "podman: --device adds a usable device node; without it the device is absent and denied" {
  [ -c /dev/fuse ] || skip "needs the host's /dev/fuse"
  run prun --rm --label "test=$BATS_TEST_NUMBER" --device /dev/fuse "$IMAGE" \
    sh -c 'stat -c "%F %t:%T" /dev/fuse && exec 3<> /dev/fuse && echo opened'
  assert_success
  [ "$output" = "character special file a:e5
opened" ] || fail_with "$output"
  # Without --device: no node, and one made by hand cannot be opened
  # (podman's device rules allow mknod, not read or write).
  run prun --rm --label "test=$BATS_TEST_NUMBER" "$IMAGE" \
    sh -c 'ls /dev/fuse 2>&1; mknod /fuse c 10 229 && exec 3<> /fuse; echo status $?'
  [[ "${lines[0]}" == *"No such file or directory"* ]] || fail_with "$output"
  [[ "$output" == *"/fuse: Operation not permitted"* ]] || fail_with "$output"
  # --device with r only: podman's rule, not the listed node, decides.
  run prun --rm --label "test=$BATS_TEST_NUMBER" --device /dev/fuse:/dev/fuse:r "$IMAGE" \
    sh -c 'exec 3< /dev/fuse && echo read; { exec 4<> /dev/fuse; } 2>&1; echo status $?'
  [ "${lines[0]}" = read ] || fail_with "$output"
  [[ "${lines[1]}" == *"/dev/fuse: Operation not permitted"* ]] || fail_with "$output"
}

@test "podman: --device-cgroup-rule lets the container use nodes it makes, as the rule allows, next to --device" {
  [ -c /dev/fuse ] || skip "needs the host's /dev/fuse"
  # 10:237 is loop-control, 1:11 kmsg: made by the container, the rule
  # lets it open the first, nothing lets it open the second.
  run prun --rm --label "test=$BATS_TEST_NUMBER" --device /dev/fuse --device-cgroup-rule 'c 10:237 rw' "$IMAGE" \
    sh -c 'exec 3<> /dev/fuse && echo fuse opened; mknod /lc c 10 237 && exec 4<> /lc && echo lc opened
      mknod /kmsg c 1 11 && { exec 5< /kmsg; } 2>&1; echo status $?'
  [ "${lines[0]}" = "fuse opened" ] && [ "${lines[1]}" = "lc opened" ] || fail_with "$output"
  [[ "${lines[2]}" == *"/kmsg: Operation not permitted"* ]] || fail_with "$output"
  # A rule of r only: the node opens for reading, not for writing.
  run prun --rm --label "test=$BATS_TEST_NUMBER" --device-cgroup-rule 'c 10:229 r' "$IMAGE" \
    sh -c 'mknod /fuse c 10 229 && exec 3< /fuse && echo read; { exec 4<> /fuse; } 2>&1; echo status $?'
  [ "${lines[0]}" = read ] || fail_with "$output"
  [[ "${lines[1]}" == *"/fuse: Operation not permitted"* ]] || fail_with "$output"
}

@test "podman: --privileged gets the host's devices, usable, and every capability" {
  [ -c /dev/fuse ] || skip "needs the host's /dev/fuse"
  run prun --rm --label "test=$BATS_TEST_NUMBER" --privileged "$IMAGE" \
    sh -c 'stat -c "%F %t:%T %a" /dev/fuse; exec 3<> /dev/fuse && echo opened; probe caps'
  assert_success
  [ "${lines[0]}" = "character special file a:e5 600" ] || fail_with "$output"
  [ "${lines[1]}" = opened ] || fail_with "$output"
  [ "$(probe_value CapEff)" = "$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)" ] || fail_with "$output"
}

# podman mounts an image as an overlay of its layer and an empty
# directory: a lowerdir of two paths in its storage, longer than one
# fsconfig value.
@test "podman: --mount type=image shows the image read-only, rw=true gives it a writable layer" {
  run prun --rm --label "test=$BATS_TEST_NUMBER" --mount "type=image,src=$IMAGE,dst=/image-mount" "$IMAGE" \
    sh -c 'ls /image-mount/bin/busybox; touch /image-mount/new 2>&1; grep " /image-mount " /proc/self/mountinfo'
  [ "${lines[0]}" = /image-mount/bin/busybox ] || fail_with "$output"
  [[ "${lines[1]}" == *"/image-mount/new: Read-only file system"* ]] || fail_with "$output"
  [[ "${lines[2]}" == *" - overlay "* ]] || fail_with "$output"
  run prun --rm --label "test=$BATS_TEST_NUMBER" --mount "type=image,src=$IMAGE,dst=/image-mount,rw=true" "$IMAGE" \
    sh -c 'echo written > /image-mount/new && cat /image-mount/new'
  assert_success
  [ "$output" = written ] || fail_with "$output"
}

# podman turns the runtime's error text into its exit status as it does
# runc's: "permission denied" 126, "no such file or directory" and
# "executable file not found" 127, anything else 125 (run) or 255 (exec).
@test "podman: exec of a directory, of a script on a noexec volume, of a missing program: 126, 126, 127" {
  mkdir -p "$BATS_TEST_TMPDIR/vol"
  printf '#!/bin/sh\necho ran\n' > "$BATS_TEST_TMPDIR/vol/s.sh"
  chmod 755 "$BATS_TEST_TMPDIR/vol/s.sh"
  detached c1 -v "$BATS_TEST_TMPDIR/vol:/vol:noexec"
  run pm exec c1 /etc
  [ "$status" -eq 126 ] && [[ "$output" == *'exec: "/etc": permission denied'* ]] || fail_with "status $status: $output"
  run pm exec c1 /vol/s.sh
  [ "$status" -eq 126 ] && [[ "$output" == *"/vol/s.sh: permission denied"* ]] || fail_with "status $status: $output"
  run -127 pm exec c1 /no/such/binary
  [ "$status" -eq 127 ] && [[ "$output" == *"no such file or directory"* ]] || fail_with "status $status: $output"
  run -127 pm exec c1 no-such-command
  [ "$status" -eq 127 ] && [[ "$output" == *'exec: "no-such-command": executable file not found in $PATH'* ]] ||
    fail_with "status $status: $output"
  # The same program, run: podman's own 126.
  run prun --rm --label "test=$BATS_TEST_NUMBER" "$IMAGE" /etc
  [ "$status" -eq 126 ] && [[ "$output" == *'exec: "/etc": permission denied'* ]] || fail_with "status $status: $output"
}

# ---- rootless: podman run by an unprivileged user of this test's own

# pr ARGS...: that user's podman, with vessel, in its own configuration.
pr() {
  local -a mnt=()
  [ -z "${PR_NULLNS:-}" ] || mnt=(nsenter --mount="/proc/$PR_NULLNS/ns/mnt")
  (cd "$PR_DIR" && "${mnt[@]}" "$SETPRIV" --reuid="$PR_UID" --regid="$PR_UID" --clear-groups -- env -i \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$PR_DIR/home" XDG_RUNTIME_DIR="$PR_DIR/xdg" USER="$PR_USER" \
    CONTAINERS_CONF="$PR_DIR/containers.conf" CONTAINERS_STORAGE_CONF="$PR_DIR/storage.conf" \
    podman --runtime "$PR_DIR/vessel" "$@")
}

# The user's podman and everything it made: its containers, its pause
# process (which holds its user namespace), conmon, the user.
rootless_teardown() {
  [ -n "${PR_USER:-}" ] || return 0
  pr rm --all --force --time 0 > /dev/null 2>&1 || true
  local p
  for p in $(ps -o pid= -u "$PR_UID" 2> /dev/null); do kill -9 "$p" 2> /dev/null || true; done
  [ -z "${PR_NULLNS:-}" ] || kill "$PR_NULLNS" 2> /dev/null || true
  test_user_del "$PR_USER"
  rm -rf "$PR_DIR"
}

# A mount namespace where /dev/null is a character device anyone may
# write: podman (and conmon) as a user open it read-write, and this
# machine's own /dev/null is mode 0755.  Its holder's pid in PR_NULLNS.
null_device_namespace() {
  mkdir "$PR_DIR/dev"
  unshare --mount --propagation private sh -c '
    mount -t tmpfs -o size=16k,mode=755 tmpfs "$1" && mknod -m 666 "$1/null" c 1 3 &&
      mount --bind "$1/null" /dev/null && echo ready && exec sleep 100000' sh "$PR_DIR/dev" > "$PR_DIR/dev.out" 2>&1 &
  PR_NULLNS=$!
  wait_for_lines "$PR_DIR/dev.out" 1
  grep -qx ready "$PR_DIR/dev.out" || fail_with "$(cat "$PR_DIR/dev.out")"
}

@test "podman rootless: an unprivileged user's podman runs vessel: run, exit code, run -d, exec, ps, stop, rm" {
  SETPRIV=$(command -v setpriv) || skip "needs setpriv (util-linux)"
  command -v newuidmap > /dev/null || skip "needs newuidmap (Debian's uidmap)"
  PR_USER=vpr$$
  PR_DIR=$(mktemp -d /tmp/vessel-podman-rootless.XXXXXX)
  chmod 755 "$PR_DIR"
  test_user_add "$PR_USER" $((300000000 + ($$ % 1000) * 200000))
  PR_UID=$(id -u "$PR_USER")
  mkdir -m 700 "$PR_DIR/home" "$PR_DIR/xdg"
  cp "$VESSEL" "$PR_DIR/vessel"
  cat > "$PR_DIR/containers.conf" << EOF2
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PR_DIR/events.log"
runtime = "vessel"
runtime_supports_json = ["vessel"]
[engine.runtimes]
vessel = ["$PR_DIR/vessel"]
EOF2
  printf '[storage]\ndriver = "vfs"\ngraphroot = "%s/storage"\nrunroot = "%s/run"\n' "$PR_DIR" "$PR_DIR" > "$PR_DIR/storage.conf"
  chown "$PR_USER" "$PR_DIR/home" "$PR_DIR/xdg"
  "$SETPRIV" --reuid="$PR_UID" --regid="$PR_UID" --clear-groups -- sh -c ': > /dev/null' 2> /dev/null ||
    null_device_namespace
  chown "$PR_USER" "$PR_DIR"
  tar -C "$(rootfs_template)" -c . | pr import --quiet - localhost/rootless:test > /dev/null

  # vessel runs as root of podman's user namespace (the user's uid
  # outside): its state is in the user's runtime directory.
  run pr run --rm --network none localhost/rootless:test sh -c 'id -u; cat /proc/self/uid_map; exit 7'
  [ "$status" -eq 7 ] || fail_with "status $status: $output"
  [ "$(head -n 1 <<< "$output")" = 0 ]
  [ "$(sed -n 2p <<< "$output" | tr -s ' ')" = " 0 $PR_UID 1" ] || fail_with "$output"
  run pr run -d --name r1 --network none localhost/rootless:test sleep 1000
  assert_success
  local id=$output
  [ -d "$PR_DIR/xdg/vessel/$id" ] || fail_with "no vessel state in $PR_DIR/xdg/vessel: $(ls "$PR_DIR/xdg" "$PR_DIR/xdg/vessel" 2>&1)"
  [ ! -e "/run/vessel/$id" ]
  run pr exec r1 sh -c 'echo in r1 as $(id -u)'
  assert_success
  [ "$output" = "in r1 as 0" ] || fail_with "$output"
  run pr ps --format '{{.Names}} {{.Status}}'
  assert_success
  [[ "$output" == "r1 Up"* ]] || fail_with "$output"
  run pr top r1 args
  assert_success
  grep -q '^sleep 1000 *$' <<< "$output" || fail_with "$output"
  run pr stop --time 1 r1
  assert_success
  run pr rm r1
  assert_success
  [ ! -e "$PR_DIR/xdg/vessel/$id" ]
}
