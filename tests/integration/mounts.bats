#!/usr/bin/env bats
# The container's filesystem: the default mounts, the mounts of
# config.json (tmpfs, bind, flags, recursive attributes, propagation),
# destinations that must stay inside the rootfs whatever symlinks it has,
# rootfsPropagation, /dev and linux.devices, maskedPaths, readonlyPaths,
# root.readonly and tmpcopyup.  Every container must leave nothing
# mounted on the host, no state and no cgroup.

load helpers

setup() {
  require_root
  common_setup
  CLEANUP_MOUNTS=()
}

teardown() {
  local i
  for ((i = ${#CLEANUP_MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${CLEANUP_MOUNTS[$i]}" 2>/dev/null || umount -l "${CLEANUP_MOUNTS[$i]}" 2>/dev/null || true
  done
  common_teardown
}

# in_container ID SCRIPT: runs `sh -c SCRIPT` in container ID in the
# foreground (vessel deletes it when it exits); output in $output.
in_container() {
  set_args sh -c "$2"
  run vessel run --bundle "$BUNDLE" "$1"
}

# add_mount JSON: appends a mount to the config.
add_mount() {
  update_config '.mounts += [$m]' --argjson m "$1"
}

# mount_info MOUNTPOINT [TEXT]: "OPTIONS|OPTIONAL FIELDS|FSTYPE|SUPER OPTIONS"
# of the topmost mount at MOUNTPOINT in mountinfo TEXT ($output by default).
mount_info() {
  local mp=$1 text=${2-$output}
  awk -v mp="$mp" '
    $5 == mp && NF >= 10 {
      o = ""
      for (i = 7; i <= NF && $i != "-"; i++) o = o (o == "" ? "" : " ") $i
      r = $6 "|" o "|" $(i + 1) "|" $(i + 3)
    }
    END { print r }' <<< "$text"
}

# assert_mount MOUNTPOINT FSTYPE [CHECK...]: the topmost mount at
# MOUNTPOINT (in $output) has type FSTYPE; each CHECK is a mount option
# ("nosuid"), "!option" (absent), "sb:option" (a superblock option) or
# "prop:tag" (an optional field such as "shared:" or "unbindable").
assert_mount() {
  local mp=$1 type=$2 info opts optional fstype super c
  shift 2
  info=$(mount_info "$mp")
  [ -n "$info" ] || fail_with "nothing mounted at $mp in: $output" || return 1
  IFS='|' read -r opts optional fstype super <<< "$info"
  [ "$fstype" = "$type" ] || fail_with "$mp is $fstype, not $type ($info)" || return 1
  local want has
  for c in "$@"; do
    want=true
    [[ $c == '!'* ]] && want=false
    case ${c#!} in
      sb:*) [[ ",$super," == *",${c#*sb:},"* ]] ;;
      prop:*) [[ " $optional" == *" ${c#*prop:}"* ]] ;;
      *) [[ ",$opts," == *",${c#!},"* ]] ;;
    esac && has=true || has=false
    [ "$has" = "$want" ] || fail_with "$mp: expected $c in $info" || return 1
  done
}

# The type of the host filesystem holding PATH (the rootfs and bind
# sources live there: ext4 on the host, tmpfs in the cgroup v2 lane).
host_fstype() {
  local p
  p=$(cd "$1" && pwd -P)
  awk -v p="$p" '{
      for (i = 7; $i != "-"; i++) ;
      mp = $5
      if ((p == mp || index(p "/", mp == "/" ? "/" : mp "/") == 1) && length(mp) >= best) {
        best = length(mp); type = $(i + 1)
      }
    } END { print type }' /proc/self/mountinfo
}

# Nothing on the host is mounted under the bundle (vessel's own binds,
# or mounts that leaked out of the container's namespace).
assert_no_host_mounts() {
  local leaked
  leaked=$(grep -F "$BUNDLE" /proc/self/mountinfo) || true
  [ -z "$leaked" ] || fail_with "left mounted on the host: $leaked"
}

# assert_not_mounted_on_host DIR: no host mount at or under DIR.
assert_not_mounted_on_host() {
  local found
  found=$(grep -F "$1" /proc/self/mountinfo) || true
  [ -z "$found" ] || fail_with "mounted on the host: $found"
}

# assert_gone ID: container ID left no state, cgroup or host mount.
assert_gone() {
  assert_clean "$1"
  assert_no_host_mounts
}

# share_dir DIR: DIR becomes a shared mount of its own on the host (the
# host's mounts here are private, so nothing would ever propagate).
share_dir() {
  mount --bind "$1" "$1"
  CLEANUP_MOUNTS+=("$1")
  mount --make-shared "$1"
}

# host_tmpfs DIR: a tmpfs on the host at DIR, with a file "marker" in it.
host_tmpfs() {
  mkdir -p "$1"
  mount -t tmpfs -o size=1m vessel-test "$1"
  CLEANUP_MOUNTS+=("$1")
  echo "from the host" > "$1/marker"
}

# start_waiting ID SCRIPT: starts container ID detached; its process
# waits for release_container, then runs SCRIPT.
start_waiting() {
  mkfifo "$BUNDLE/rootfs/go"
  set_args sh -c "read x < /go; $2"
  vessel run --detach --bundle "$BUNDLE" "$1" > "$BATS_TEST_TMPDIR/out" 2>&1 ||
    fail_with "run --detach failed: $(cat "$BATS_TEST_TMPDIR/out")"
}

# release_container ID: lets the process of start_waiting go on, waits
# for it to end and deletes the container; its output in $output.
release_container() {
  timeout 10 sh -c 'echo go > "$1"' _ "$BUNDLE/rootfs/go" || fail_with "the container never waited on /go"
  wait_for_status "$1" stopped
  output=$(cat "$BATS_TEST_TMPDIR/out")
  vessel delete "$1"
}

# The peer group (shared:N) of the host mount at DIR.
host_peer_group() {
  awk -v mp="$1" '$5 == mp { for (i = 7; $i != "-"; i++) if ($i ~ /^shared:/) g = $i } END { print g }' /proc/self/mountinfo
}

# ---- the default mounts -------------------------------------------------------

@test "/proc is a proc filesystem of the container's own pid namespace" {
  new_container c1
  in_container c1 'cat /proc/self/mountinfo; echo "pid1: $(tr "\0" " " < /proc/1/cmdline)"'
  assert_success
  assert_mount /proc proc rw
  [[ "$output" == *"pid1: sh -c cat /proc/self/mountinfo"* ]] || fail_with "pid 1 is not the container's process: $output"
  assert_gone c1
}

@test "/dev is a nosuid tmpfs of mode 755 with a new devpts instance on /dev/pts" {
  new_container c1
  in_container c1 'cat /proc/self/mountinfo; stat -c "mode %a" /dev'
  assert_success
  assert_mount /dev tmpfs rw nosuid sb:mode=755 sb:size=65536k
  assert_mount /dev/pts devpts rw nosuid noexec sb:gid=5 sb:mode=620 sb:ptmxmode=666
  [[ "$output" == *"mode 755"* ]]
  # A new instance: not the host's devpts.
  local host_dev
  host_dev=$(awk '$5 == "/dev/pts" { d = $3 } END { print d }' /proc/self/mountinfo)
  [ "$(awk '$5 == "/dev/pts" { print $3 }' <<< "$output")" != "$host_dev" ] || fail_with "the host's devpts ($host_dev) in the container"
  assert_gone c1
}

@test "/dev/shm is a nosuid,nodev,noexec tmpfs of mode 1777 and /dev/mqueue an mqueue" {
  new_container c1
  in_container c1 'cat /proc/self/mountinfo; stat -c "shm %a" /dev/shm; touch /dev/shm/x && echo shm-writable'
  assert_success
  assert_mount /dev/shm tmpfs rw nosuid nodev noexec sb:size=65536k
  assert_mount /dev/mqueue mqueue rw nosuid nodev noexec
  [[ "$output" == *"shm 1777"* ]] || fail_with "$output"
  [[ "$output" == *shm-writable* ]] || fail_with "$output"
  assert_gone c1
}

@test "a read-only tmpfs /dev gets its nodes and submounts, then becomes read-only" {
  new_container c1
  update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]
    | .linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]'
  in_container c1 'cat /proc/self/mountinfo; echo x > /dev/null && echo null-works
    stat -c "%n %t:%T" /dev/fuse; touch /dev/new 2>&1 || echo dev-refused; touch /dev/shm/x && echo shm-writable'
  assert_success
  assert_mount /dev tmpfs ro nosuid sb:mode=755
  assert_mount /dev/pts devpts rw
  assert_mount /dev/shm tmpfs rw
  assert_mount /dev/mqueue mqueue
  [[ "$output" == *null-works* ]] || fail_with "$output"
  [[ "$output" == *"/dev/fuse a:e5"* ]] || fail_with "$output"
  [[ "$output" == *"Read-only file system"*dev-refused* ]] || fail_with "$output"
  [[ "$output" == *shm-writable* ]] || fail_with "$output"
  assert_gone c1
}

@test "a read-only tmpfs takes mounts and tmpcopyup files in it, then becomes read-only" {
  new_container c1
  local src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src" "$BUNDLE/rootfs/data"
  echo "from the image" > "$BUNDLE/rootfs/data/image-file"
  echo "host data" > "$src/in"
  add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "tmpcopyup"]}'
  add_mount "$(jq -n --arg s "$src" '{destination: "/data/sub", type: "bind", source: $s, options: ["bind"]}')"
  in_container c1 'cat /proc/self/mountinfo; cat /data/image-file /data/sub/in
    touch /data/new 2>&1 || echo data-refused; touch /data/sub/new && echo sub-writable'
  assert_success
  assert_mount /data tmpfs ro
  assert_mount /data/sub "$(host_fstype "$BUNDLE")" rw
  [[ "$output" == *"from the image"*"host data"* ]] || fail_with "$output"
  [[ "$output" == *"Read-only file system"*data-refused* ]] || fail_with "$output"
  [[ "$output" == *sub-writable* ]] || fail_with "$output"
  assert_gone c1
}

@test "/sys is a read-only sysfs that cannot be written" {
  new_container c1
  in_container c1 'cat /proc/self/mountinfo; mkdir /sys/vessel-test 2>&1 || echo mkdir-failed'
  assert_success
  assert_mount /sys sysfs ro nosuid nodev noexec
  [[ "$output" == *"Read-only file system"* ]] || fail_with "$output"
  [[ "$output" == *mkdir-failed* ]]
  assert_gone c1
}

@test "/sys/fs/cgroup is read-only and shows every hierarchy with the container's cgroup as its root" {
  [ -d "$CGROUP_ROOT/pids" ] || skip "no v1 pids hierarchy"
  new_container c1
  update_config '.linux.resources.pids.limit = 1234'
  in_container c1 'cat /proc/self/mountinfo; mkdir /sys/fs/cgroup/pids/x 2>&1 || echo mkdir-failed; echo "pids.max $(cat /sys/fs/cgroup/pids/pids.max)"'
  assert_success
  local mp type n=0
  while read -r mp type; do
    n=$((n + 1))
    assert_mount "$mp" "$type" ro nosuid nodev noexec
  done < <(awk '$5 ~ "^/sys/fs/cgroup/" { for (i = 7; $i != "-"; i++); print $5, $(i + 1) }' /proc/self/mountinfo)
  [ "$n" -gt 0 ] || fail_with "no cgroup hierarchy on the host?"
  assert_mount /sys/fs/cgroup "$(awk '$5 == "/sys/fs/cgroup" { for (i = 7; $i != "-"; i++); print $(i + 1) }' /proc/self/mountinfo)" ro
  [[ "$output" == *mkdir-failed* ]] || fail_with "$output"
  # The root cgroup has no pids.max: this is the container's cgroup.
  [[ "$output" == *"pids.max 1234"* ]] || fail_with "not the container's cgroup: $output"
  assert_gone c1
}

# ---- mounts of config.json ----------------------------------------------------

@test "a tmpfs mount gets the size and mode of its options" {
  new_container c1
  add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["size=2m", "mode=710"]}'
  in_container c1 'cat /proc/self/mountinfo; stat -c "mode %a" /data; df -k /data | tail -1'
  assert_success
  assert_mount /data tmpfs rw sb:size=2048k sb:mode=710
  [[ "$output" == *"mode 710"* ]] || fail_with "$output"
  [[ "$(tail -1 <<< "$output" | awk '{ print $2 }')" == 2048 ]] || fail_with "$output"
  assert_gone c1
}

@test "a tmpfs with a bad option fails with the kernel's reason and leaves nothing" {
  new_container c1
  add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["mode=notanumber"]}'
  in_container c1 'echo started'
  assert_failure
  [[ "$output" != *started* ]]
  [[ "$output" == *"mounts[7]"* ]] || fail_with "the message does not name the mount: $output"
  [[ "$output" == *mode* ]] || fail_with "the message does not name the option: $output"
  assert_gone c1
}

# fsconfig(2) takes values of at most 255 bytes: a lowerdir of layers
# deep in a storage directory (podman's image mounts) goes a layer at a
# time, as mount(2) would have taken it whole.
@test "an overlay whose lowerdir is longer than fsconfig takes mounts its layers, in order, a colon escaped" {
  new_container c1
  local deep=$BATS_TEST_TMPDIR/$(printf 'layers-%.0s' $(seq 20))
  mkdir -p "$deep/top" "$deep/with:colon" "$deep/bottom"
  echo top > "$deep/top/f"
  echo middle > "$deep/with:colon/f"
  echo middle > "$deep/with:colon/g"
  echo bottom > "$deep/bottom/f"
  echo bottom > "$deep/bottom/h"
  local lower="$deep/top:${deep//:/\\:}/with\\:colon:$deep/bottom"
  [ "${#lower}" -gt 255 ] || fail_with "lowerdir too short: ${#lower}"
  add_mount "$(jq -n --arg l "lowerdir=$lower" '{destination: "/ovl", type: "overlay", source: "overlay",
    options: [$l, "private"]}')"
  in_container c1 'cat /ovl/f /ovl/g /ovl/h; touch /ovl/new 2>&1; grep " /ovl " /proc/self/mountinfo'
  [ "${lines[0]}" = top ] && [ "${lines[1]}" = middle ] && [ "${lines[2]}" = bottom ] || fail_with "$output"
  [[ "${lines[3]}" == *"/ovl/new: Read-only file system"* ]] || fail_with "$output"
  [[ "${lines[4]}" == *" - overlay overlay "* ]] || fail_with "$output"
  assert_gone c1
  # A layer that is itself longer than fsconfig takes: refused by name.
  local long=$BATS_TEST_TMPDIR/$(printf 'x%.0s' $(seq 260))
  update_config '.mounts[-1].options[0] = $l' --arg l "lowerdir=$deep/top:$long"
  in_container c1 'echo started'
  assert_failure
  [[ "$output" == *"config.json: .mounts[7]: mount overlay on \`/ovl\`: option \`lowerdir+\`: \`$long\` has ${#long} bytes, fsconfig takes at most 255" ]] ||
    fail_with "$output"
  assert_gone c1
}

@test "a bind mount of a host directory is shared with the host both ways" {
  new_container c1
  local src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src"
  echo "host data" > "$src/in"
  add_mount "$(jq -n --arg s "$src" '{destination: "/data", type: "bind", source: $s, options: ["bind"]}')"
  in_container c1 'cat /proc/self/mountinfo; cat /data/in; echo "container data" > /data/out'
  assert_success
  assert_mount /data "$(host_fstype "$BUNDLE")" rw
  [[ "$output" == *"host data"* ]] || fail_with "$output"
  [ "$(cat "$src/out")" = "container data" ]
  assert_gone c1
}

@test "a read-only bind mount can be read but not written" {
  new_container c1
  local src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src"
  echo "host data" > "$src/in"
  add_mount "$(jq -n --arg s "$src" '{destination: "/data", type: "bind", source: $s, options: ["rbind", "ro"]}')"
  update_config '.root.readonly = false'
  in_container c1 'cat /proc/self/mountinfo; cat /data/in; touch /data/out 2>&1 || echo write-failed'
  assert_success
  assert_mount /data "$(host_fstype "$BUNDLE")" ro
  [[ "$output" == *"host data"* ]] || fail_with "$output"
  [[ "$output" == *"Read-only file system"*write-failed* ]] || fail_with "$output"
  [ ! -e "$src/out" ]
  assert_gone c1
}

@test "a relative bind source is taken from the bundle directory" {
  new_container c1
  mkdir -p "$BUNDLE/data"
  echo "bundle data" > "$BUNDLE/data/file"
  add_mount '{"destination": "/data", "type": "bind", "source": "data", "options": ["rbind", "ro"]}'
  in_container c1 'cat /data/file'
  assert_success
  [ "$output" = "bundle data" ]
  assert_gone c1
}

@test "bind leaves out the mounts under its source and rbind brings them along" {
  new_container c1
  local src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src"
  host_tmpfs "$src/sub"
  add_mount "$(jq -n --arg s "$src" '{destination: "/flat", type: "bind", source: $s, options: ["bind"]}')"
  add_mount "$(jq -n --arg s "$src" '{destination: "/deep", type: "bind", source: $s, options: ["rbind"]}')"
  in_container c1 'cat /proc/self/mountinfo; echo "flat:[$(ls -A /flat/sub)]"; echo "deep:[$(cat /deep/sub/marker)]"'
  assert_success
  [ -z "$(mount_info /flat/sub)" ] || fail_with "bind carried the submount: $output"
  assert_mount /deep/sub tmpfs
  [[ "$output" == *"flat:[]"* ]] || fail_with "$output"
  [[ "$output" == *"deep:[from the host]"* ]] || fail_with "$output"
  assert_gone c1
}

@test "rro makes a recursive bind read-only down to its submounts" {
  new_container c1
  local src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src"
  host_tmpfs "$src/sub"
  add_mount "$(jq -n --arg s "$src" '{destination: "/data", type: "bind", source: $s, options: ["rbind", "rro"]}')"
  in_container c1 'cat /proc/self/mountinfo; touch /data/x 2>&1 || echo top-ro; touch /data/sub/x 2>&1 || echo sub-ro'
  assert_success
  assert_mount /data "$(host_fstype "$BUNDLE")" ro
  assert_mount /data/sub tmpfs ro
  [[ "$output" == *top-ro* ]] || fail_with "$output"
  [[ "$output" == *sub-ro* ]] || fail_with "$output"
  [ ! -e "$src/x" ]
  [ ! -e "$src/sub/x" ]
  # The host's mounts stay writable.
  touch "$src/sub/host-write"
  assert_gone c1
}

@test "a bind mount of a file shows the host file at a destination that is created" {
  new_container c1
  local src=$BATS_TEST_TMPDIR/hello.txt
  echo "hello from the host" > "$src"
  add_mount "$(jq -n --arg s "$src" '{destination: "/etc/app/hello.txt", type: "bind", source: $s, options: ["rbind", "ro"]}')"
  # An existing file of the image is covered, not replaced.
  echo "host passwd" > "$BATS_TEST_TMPDIR/passwd"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/passwd" '{destination: "/etc/passwd", type: "bind", source: $s, options: ["bind"]}')"
  in_container c1 'stat -c "%F" /etc/app/hello.txt; cat /etc/app/hello.txt; cat /etc/passwd'
  assert_success
  [ "${lines[0]}" = "regular file" ] || fail_with "$output"
  [ "${lines[1]}" = "hello from the host" ]
  [ "${lines[2]}" = "host passwd" ]
  [ -f "$BUNDLE/rootfs/etc/app/hello.txt" ]
  [ ! -s "$BUNDLE/rootfs/etc/app/hello.txt" ]
  grep -q '^root:' "$BUNDLE/rootfs/etc/passwd"
  assert_gone c1
}

@test "nosuid, nodev and noexec show in mountinfo" {
  new_container c1
  add_mount '{"destination": "/all", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec"]}'
  add_mount '{"destination": "/none", "type": "tmpfs", "source": "tmpfs", "options": ["suid", "dev", "exec"]}'
  in_container c1 'cat /proc/self/mountinfo'
  assert_success
  assert_mount /all tmpfs nosuid nodev noexec
  assert_mount /none tmpfs '!nosuid' '!nodev' '!noexec'
  assert_gone c1
}

@test "noexec prevents running a program from the mount" {
  new_container c1
  local src=$BATS_TEST_TMPDIR/bin
  mkdir -p "$src"
  cp "$BUSYBOX" "$src/busybox"
  add_mount "$(jq -n --arg s "$src" '{destination: "/noexec", type: "bind", source: $s, options: ["rbind", "noexec"]}')"
  add_mount "$(jq -n --arg s "$src" '{destination: "/exec", type: "bind", source: $s, options: ["rbind"]}')"
  in_container c1 '/exec/busybox true; echo "exec $?"; /noexec/busybox true; echo "noexec $?"'
  assert_success
  [[ "$output" == *"exec 0"* ]] || fail_with "$output"
  [[ "$output" == *"Permission denied"* ]] || fail_with "$output"
  [[ "$output" == *"noexec 126"* ]] || fail_with "$output"
  assert_gone c1
}

@test "missing destination directories are created, nested, inside the rootfs" {
  new_container c1
  add_mount '{"destination": "/a/b/c/d", "type": "tmpfs", "source": "tmpfs"}'
  in_container c1 'cat /proc/self/mountinfo'
  assert_success
  assert_mount /a/b/c/d tmpfs
  [ -d "$BUNDLE/rootfs/a/b/c/d" ]
  assert_gone c1
}

@test "mounts are made in order: a later one can be nested in an earlier one" {
  new_container c1
  add_mount '{"destination": "/outer", "type": "tmpfs", "source": "tmpfs"}'
  add_mount '{"destination": "/outer/inner", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
  in_container c1 'cat /proc/self/mountinfo'
  assert_success
  assert_mount /outer tmpfs
  assert_mount /outer/inner tmpfs sb:size=1024k
  # inner was made in the outer tmpfs, not in the image.
  [ -d "$BUNDLE/rootfs/outer" ]
  [ ! -e "$BUNDLE/rootfs/outer/inner" ]
  assert_gone c1
}

@test "a bind mount of a missing source fails clearly and leaves nothing" {
  new_container c1
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/missing" '{destination: "/data", type: "bind", source: $s, options: ["rbind"]}')"
  in_container c1 'echo started'
  assert_failure
  [[ "$output" != *started* ]]
  [[ "$output" == *"$BATS_TEST_TMPDIR/missing"* ]] || fail_with "the message does not name the source: $output"
  [[ "$output" == *"No such file or directory"* ]] || fail_with "$output"
  assert_gone c1
}

@test "with a user namespace, binds from under a directory only the host's root can enter are made, and exec works" {
  new_container c1
  use_user_namespace
  # root:root 0700: the container's root is not the host's, and no
  # capability of its own lets it through.
  local secret=$BATS_TEST_TMPDIR/secret
  mkdir -p "$secret/dir" "$secret/ro"
  echo "in dir" > "$secret/dir/file"
  echo "a file" > "$secret/file"
  echo "read-only" > "$secret/ro/file"
  chmod 755 "$secret/dir" "$secret/ro"
  chmod 644 "$secret/dir/file" "$secret/file" "$secret/ro/file"
  chmod 700 "$secret"
  # A read-only host mount: "rw" cannot lift it, as the kernel would not
  # let the container's root change what it has locked.
  mount --bind "$secret/ro" "$secret/ro"
  CLEANUP_MOUNTS+=("$secret/ro")
  mount -o remount,bind,ro "$secret/ro"
  add_mount "$(jq -n --arg s "$secret/dir" '{destination: "/dir", type: "bind", source: $s, options: ["bind"]}')"
  add_mount "$(jq -n --arg s "$secret/file" '{destination: "/file", type: "bind", source: $s, options: ["bind"]}')"
  add_mount "$(jq -n --arg s "$secret/ro" '{destination: "/ro", type: "bind", source: $s, options: ["rbind", "rw"]}')"
  add_mount "$(jq -n --arg s "$secret" '{destination: "/secret", type: "bind", source: $s, options: ["bind"]}')"
  set_args sleep 100
  vessel run --detach --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null ||
    fail_with "run --detach failed: $(cat "$BATS_TEST_TMPDIR/out")"
  run timeout 20 "$VESSEL" --root "$VESSEL_TEST_ROOT" exec c1 sh -c 'cat /dir/file /file /ro/file
    stat -c "secret: %a %U" /secret; ls /secret 2>&1 || true
    touch /ro/new 2>&1 || echo ro-refused; touch /dir/new 2>&1 || echo dir-refused
    cat /proc/self/mountinfo'
  assert_success
  [[ "$output" == *"in dir"*"a file"*"read-only"* ]] || fail_with "$output"
  # The directory itself is mounted, and is nobody's inside.
  [[ "$output" == *"secret: 700 nobody"*"Permission denied"* ]] || fail_with "$output"
  [[ "$output" == *"Read-only file system"*ro-refused* ]] || fail_with "$output"
  # Writing is up to the files' permissions: root:root 755 is not the container's.
  [[ "$output" == *dir-refused* ]] || fail_with "$output"
  assert_mount /ro "$(host_fstype "$BUNDLE")" ro
  assert_mount /dir "$(host_fstype "$BUNDLE")" rw
  vessel delete --force c1
  assert_gone c1
}

@test "an absolute symlink in the rootfs is resolved inside the rootfs, not on the host" {
  new_container c1
  local hostdir=$BATS_TEST_TMPDIR/hostdir
  mkdir -p "$hostdir" "$BUNDLE/rootfs$hostdir"
  ln -s "$hostdir" "$BUNDLE/rootfs/evil"
  add_mount '{"destination": "/evil/x", "type": "tmpfs", "source": "tmpfs"}'
  in_container c1 'cat /proc/self/mountinfo; stat -f -c "type %T" /evil/x'
  [ -z "$(ls -A "$hostdir")" ] || fail_with "created on the host: $(ls -A "$hostdir")"
  assert_not_mounted_on_host "$hostdir"
  assert_success
  assert_mount "$hostdir/x" tmpfs
  [[ "$output" == *"type tmpfs"* ]] || fail_with "$output"
  [ -d "$BUNDLE/rootfs$hostdir/x" ]
  assert_gone c1
}

@test "a mount through a symlink whose target is missing creates the target inside the rootfs" {
  new_container c1
  local hostdir=$BATS_TEST_TMPDIR/hostdir
  mkdir -p "$hostdir"
  ln -s "$hostdir" "$BUNDLE/rootfs/evil"
  add_mount '{"destination": "/evil/x", "type": "tmpfs", "source": "tmpfs"}'
  in_container c1 'stat -f -c "type %T" /evil/x'
  [ -z "$(ls -A "$hostdir")" ] || fail_with "created on the host: $(ls -A "$hostdir")"
  assert_not_mounted_on_host "$hostdir"
  assert_success
  [ "$output" = "type tmpfs" ]
  [ -d "$BUNDLE/rootfs$hostdir/x" ]
  assert_gone c1
}

@test "a relative symlink climbing out of the rootfs cannot carry a file bind to the host" {
  new_container c1
  local hostdir=$BATS_TEST_TMPDIR/hostdir
  mkdir -p "$hostdir" "$BUNDLE/rootfs$hostdir"
  echo "payload" > "$BATS_TEST_TMPDIR/payload"
  ln -s "../../../../../../../../../../..$hostdir" "$BUNDLE/rootfs/etc/evil"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/payload" '{destination: "/etc/evil/file", type: "bind", source: $s, options: ["bind"]}')"
  in_container c1 'cat /etc/evil/file'
  [ -z "$(ls -A "$hostdir")" ] || fail_with "created on the host: $(ls -A "$hostdir")"
  assert_not_mounted_on_host "$hostdir"
  assert_success
  [ "$output" = payload ]
  [ -f "$BUNDLE/rootfs$hostdir/file" ]
  assert_gone c1
}

@test "a mount destination with .. components is refused before anything is mounted" {
  new_container c1
  local hostdir=$BATS_TEST_TMPDIR/hostdir
  mkdir -p "$hostdir"
  add_mount "$(jq -n --arg d "/../../../../../../../..$hostdir/x" '{destination: $d, type: "tmpfs", source: "tmpfs"}')"
  in_container c1 'echo started'
  assert_failure
  [[ "$output" != *started* ]]
  [[ "$output" == *"mounts[7].destination"*".."* ]] || fail_with "$output"
  [ -z "$(ls -A "$hostdir")" ] || fail_with "created on the host: $(ls -A "$hostdir")"
  assert_gone c1
}

# ---- propagation ------------------------------------------------------------------

@test "the container's mounts never reach the host, even from a shared host mount" {
  new_container c1
  share_dir "$BUNDLE"
  add_mount '{"destination": "/extra", "type": "tmpfs", "source": "tmpfs"}'
  start_waiting c1 'stat -f -c "type %T" /extra'
  local leaked
  leaked=$(grep -F "$BUNDLE/" /proc/self/mountinfo) || true
  [ -z "$leaked" ] || fail_with "the running container's mounts are on the host: $leaked"
  release_container c1
  [ "$output" = "type tmpfs" ]
  umount "$BUNDLE"
  assert_gone c1
}

@test "rootfsPropagation private: a host mount under the rootfs stays out of the container" {
  new_container c1
  update_config '.linux.rootfsPropagation = "private"'
  share_dir "$BUNDLE"
  mkdir "$BUNDLE/rootfs/probe"
  start_waiting c1 'cat /proc/self/mountinfo; ls /probe'
  host_tmpfs "$BUNDLE/rootfs/probe"
  release_container c1
  [ -z "$(mount_info /probe)" ] || fail_with "the host mount propagated: $output"
  assert_mount / "$(host_fstype "$BUNDLE")" '!prop:shared:' '!prop:master:'
  [[ "$output" != *marker* ]]
  umount "$BUNDLE/rootfs/probe"
  umount "$BUNDLE"
  assert_gone c1
}

@test "rootfsPropagation slave: a host mount under the rootfs appears in the container" {
  new_container c1
  update_config '.linux.rootfsPropagation = "slave"'
  share_dir "$BUNDLE"
  mkdir "$BUNDLE/rootfs/probe"
  start_waiting c1 'cat /proc/self/mountinfo; cat /probe/marker'
  host_tmpfs "$BUNDLE/rootfs/probe"
  release_container c1
  assert_mount / "$(host_fstype "$BUNDLE")" prop:master:
  assert_mount /probe tmpfs
  [[ "$output" == *"from the host"* ]] || fail_with "$output"
  umount "$BUNDLE/rootfs/probe"
  umount "$BUNDLE"
  assert_gone c1
}

@test "rootfsPropagation shared: the rootfs is in a new peer group, not the host's" {
  new_container c1
  update_config '.linux.rootfsPropagation = "shared"'
  share_dir "$BUNDLE"
  local host_group
  host_group=$(host_peer_group "$BUNDLE")
  [ -n "$host_group" ]
  in_container c1 'cat /proc/self/mountinfo'
  assert_success
  assert_mount / "$(host_fstype "$BUNDLE")" prop:shared:
  local info
  info=$(mount_info /)
  [[ " ${info//|/ } " != *" $host_group "* ]] || fail_with "the rootfs is in the host's peer group $host_group: $info"
  umount "$BUNDLE"
  assert_gone c1
}

@test "rootfsPropagation unbindable: the rootfs cannot be bind mounted" {
  new_container c1
  update_config '.linux.rootfsPropagation = "unbindable"'
  in_container c1 'cat /proc/self/mountinfo'
  assert_success
  assert_mount / "$(host_fstype "$BUNDLE")" prop:unbindable
  assert_gone c1
}

@test "a bind mount with rslave receives host mounts, one with rprivate does not" {
  new_container c1
  local src=$BATS_TEST_TMPDIR/src
  mkdir -p "$src/sub"
  share_dir "$src"
  add_mount "$(jq -n --arg s "$src" '{destination: "/slave", type: "bind", source: $s, options: ["rbind", "rslave"]}')"
  add_mount "$(jq -n --arg s "$src" '{destination: "/private", type: "bind", source: $s, options: ["rbind", "rprivate"]}')"
  start_waiting c1 'cat /proc/self/mountinfo; echo "slave:[$(cat /slave/sub/marker)]"; echo "private:[$(ls -A /private/sub)]"'
  host_tmpfs "$src/sub"
  release_container c1
  assert_mount /slave "$(host_fstype "$BUNDLE")" prop:master:
  assert_mount /slave/sub tmpfs
  [[ "$output" == *"slave:[from the host]"* ]] || fail_with "$output"
  [ -z "$(mount_info /private/sub)" ] || fail_with "rprivate received a host mount: $output"
  [[ "$output" == *"private:[]"* ]] || fail_with "$output"
  assert_gone c1
}

# ---- /dev ------------------------------------------------------------------------------

@test "/dev has null, zero, full, random, urandom and tty with their numbers and mode 666" {
  new_container c1
  in_container c1 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a %u:%g" /dev/$d; done'
  assert_success
  [ "$output" = "/dev/null character special file 1:3 666 0:0
/dev/zero character special file 1:5 666 0:0
/dev/full character special file 1:7 666 0:0
/dev/random character special file 1:8 666 0:0
/dev/urandom character special file 1:9 666 0:0
/dev/tty character special file 5:0 666 0:0" ] || fail_with "$output"
  assert_gone c1
}

@test "the default devices work in the container" {
  new_container c1
  in_container c1 'echo x > /dev/null && echo null-ok
    [ "$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")" = 00000000 ] && echo zero-ok
    echo x 2> /dev/null > /dev/full || echo full-ok
    [ "$(head -c 16 /dev/urandom | wc -c)" = 16 ] && echo urandom-ok'
  assert_success
  [ "$output" = "null-ok
zero-ok
full-ok
urandom-ok" ] || fail_with "$output"
  assert_gone c1
}

@test "/dev has the fd, stdin, stdout, stderr, ptmx and core symlinks" {
  new_container c1
  in_container c1 'for l in fd stdin stdout stderr ptmx core; do echo "$l -> $(readlink /dev/$l)"; done; stat -c "%F %t:%T" /dev/pts/ptmx'
  assert_success
  [ "$output" = "fd -> /proc/self/fd
stdin -> /proc/self/fd/0
stdout -> /proc/self/fd/1
stderr -> /proc/self/fd/2
ptmx -> pts/ptmx
core -> /proc/kcore
character special file 5:2" ] || fail_with "$output"
  assert_gone c1
}

@test "linux.devices creates nodes with their type, numbers, mode and owner" {
  new_container c1
  update_config '.linux.devices = [
    {"path": "/dev/mine/char", "type": "c", "major": 10, "minor": 200, "fileMode": 416, "uid": 1000, "gid": 5},
    {"path": "/dev/blk", "type": "b", "major": 7, "minor": 42, "fileMode": 384},
    {"path": "/dev/fifo", "type": "p", "fileMode": 420, "uid": 65534, "gid": 65534}]'
  in_container c1 'stat -c "%n %F %t:%T %a %u:%g" /dev/mine/char /dev/blk /dev/fifo'
  assert_success
  [ "$output" = "/dev/mine/char character special file $(printf '%x:%x' 10 200) 640 1000:5
/dev/blk block special file $(printf '%x:%x' 7 42) 600 0:0
/dev/fifo fifo 0:0 644 65534:65534" ] || fail_with "$output"
  assert_gone c1
}

@test "linux.devices fileMode with the device's own file type bits (podman's) is taken, other type bits are refused" {
  new_container c1
  # 8630 = S_IFCHR | 0666, as podman writes it; 25008 = S_IFBLK | 0660;
  # 4516 = S_IFIFO | 0644.
  update_config '.linux.devices = [
    {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 8630},
    {"path": "/dev/blk", "type": "b", "major": 7, "minor": 42, "fileMode": 25008},
    {"path": "/dev/fifo", "type": "p", "fileMode": 4516}]'
  in_container c1 'stat -c "%n %F %t:%T %a" /dev/fuse /dev/blk /dev/fifo'
  assert_success
  [ "$output" = "/dev/fuse character special file $(printf '%x:%x' 10 229) 666
/dev/blk block special file $(printf '%x:%x' 7 42) 660
/dev/fifo fifo 0:0 644" ] || fail_with "$output"
  assert_gone c1
  # S_IFBLK on a character device, S_IFREG on a fifo: refused before
  # anything is made, naming the field.
  local -A cases=(
    [25008]='config.json: .linux.devices[0].fileMode: 25008 has the file type bits 060000, not those of type `c` (020000)'
    [33188]='config.json: .linux.devices[0].fileMode: 33188 has the file type bits 0100000, not those of type `c` (020000)'
    [65536]='config.json: .linux.devices[0].fileMode: value 65536 is out of range [0, 65535]')
  refuses_each '.linux.devices[0].fileMode = VALUE' cases
}

@test "a linux.devices path through a symlink out of the rootfs creates nothing on the host" {
  new_container c1
  local hostdir=$BATS_TEST_TMPDIR/hostdir
  mkdir -p "$hostdir" "$BUNDLE/rootfs$hostdir"
  ln -s "$hostdir" "$BUNDLE/rootfs/evil"
  update_config '.linux.devices = [{"path": "/evil/null2", "type": "c", "major": 1, "minor": 3}]'
  in_container c1 'stat -c "%F %t:%T" /evil/null2'
  [ -z "$(ls -A "$hostdir")" ] || fail_with "created on the host: $(ls -A "$hostdir")"
  assert_success
  [ "$output" = "character special file 1:3" ]
  assert_gone c1
}

# ---- maskedPaths and readonlyPaths --------------------------------------------------

@test "masked files read empty" {
  new_container c1
  echo "top secret" > "$BUNDLE/rootfs/etc/secret"
  echo "also secret" > "$BUNDLE/rootfs/etc/secret2"
  update_config '.linux.maskedPaths = ["/etc/secret", "/etc/secret2"]'
  in_container c1 'echo "1[$(cat /etc/secret)] 2[$(cat /etc/secret2)]"'
  assert_success
  [ "$output" = "1[] 2[]" ]
  [ "$(cat "$BUNDLE/rootfs/etc/secret")" = "top secret" ]
  assert_gone c1
}

@test "a masked directory is an empty read-only tmpfs" {
  new_container c1
  mkdir -p "$BUNDLE/rootfs/srv/secret"
  echo "top secret" > "$BUNDLE/rootfs/srv/secret/file"
  update_config '.linux.maskedPaths = ["/srv/secret"] | .root.readonly = false'
  in_container c1 'cat /proc/self/mountinfo; echo "ls[$(ls -A /srv/secret)]"; touch /srv/secret/x 2>&1 || echo write-failed'
  assert_success
  assert_mount /srv/secret tmpfs ro
  [[ "$output" == *"ls[]"* ]] || fail_with "$output"
  [[ "$output" == *"Read-only file system"*write-failed* ]] || fail_with "$output"
  assert_gone c1
}

@test "masked and read-only paths that do not exist are ignored" {
  new_container c1
  update_config '.linux.maskedPaths = ["/no/such/file", "/etc/passwd"] | .linux.readonlyPaths = ["/no/such/dir"]'
  in_container c1 'echo "passwd[$(cat /etc/passwd)]"; ls /no 2>&1 || echo no-such'
  assert_success
  [[ "$output" == *"passwd[]"* ]] || fail_with "$output"
  [[ "$output" == *no-such* ]] || fail_with "a missing path was created: $output"
  [ ! -e "$BUNDLE/rootfs/no" ]
  assert_gone c1
}

@test "the default config masks /proc/keys and /proc/acpi and makes /proc/sys read-only" {
  [ -e /proc/keys ] && [ -d /proc/acpi ] || skip "the host has no /proc/keys or /proc/acpi"
  new_container c1
  in_container c1 'cat /proc/self/mountinfo; echo "keys[$(cat /proc/keys)] acpi[$(ls -A /proc/acpi)]"; echo vessel > /proc/sys/kernel/hostname 2>&1 || echo write-failed'
  assert_success
  assert_mount /proc/sys proc ro
  assert_mount /proc/acpi tmpfs ro
  [[ "$output" == *"keys[] acpi[]"* ]] || fail_with "$output"
  [[ "$output" == *write-failed* ]] || fail_with "$output"
  assert_gone c1
}

@test "a read-only path cannot be written while the rest of the rootfs can" {
  new_container c1
  mkdir -p "$BUNDLE/rootfs/data"
  echo "config" > "$BUNDLE/rootfs/etc/conf"
  update_config '.linux.readonlyPaths = ["/data", "/etc/conf"] | .root.readonly = false'
  in_container c1 'cat /proc/self/mountinfo
    touch /data/x 2>&1 || echo data-ro
    echo changed > /etc/conf 2>&1 || echo conf-ro
    touch /etc/other && echo rest-rw'
  assert_success
  assert_mount /data "$(host_fstype "$BUNDLE")" ro
  [[ "$output" == *data-ro* ]] || fail_with "$output"
  [[ "$output" == *conf-ro* ]] || fail_with "$output"
  [[ "$output" == *rest-rw* ]] || fail_with "$output"
  [ "$(cat "$BUNDLE/rootfs/etc/conf")" = config ]
  [ ! -e "$BUNDLE/rootfs/data/x" ]
  assert_gone c1
}

# ---- the root -----------------------------------------------------------------------------

@test "root.readonly true makes / read-only but leaves the tmpfs mounts writable" {
  new_container c1
  update_config '.root.readonly = true'
  in_container c1 'cat /proc/self/mountinfo; touch /newfile 2>&1 || echo root-ro; touch /dev/shm/x && echo shm-rw'
  assert_success
  assert_mount / "$(host_fstype "$BUNDLE")" ro
  [[ "$output" == *"Read-only file system"*root-ro* ]] || fail_with "$output"
  [[ "$output" == *shm-rw* ]] || fail_with "$output"
  [ ! -e "$BUNDLE/rootfs/newfile" ]
  assert_gone c1
}

@test "root.readonly false lets the container write to its rootfs" {
  new_container c1
  update_config '.root.readonly = false'
  in_container c1 'cat /proc/self/mountinfo; echo written > /newfile'
  assert_success
  assert_mount / "$(host_fstype "$BUNDLE")" rw
  [ "$(cat "$BUNDLE/rootfs/newfile")" = written ]
  assert_gone c1
}

# ---- tmpcopyup ------------------------------------------------------------------------------

@test "tmpcopyup fills the tmpfs with the image's files, and writes stay in the tmpfs" {
  new_container c1
  local d=$BUNDLE/rootfs/etc/conf
  mkdir -p "$d/sub"
  chmod 775 "$d/sub"
  echo "file a" > "$d/a"
  chmod 660 "$d/a"
  chown 0:5 "$d/a"
  echo "file b" > "$d/sub/b"
  chown 1000:5 "$d/sub/b"
  ln -s a "$d/link"
  add_mount '{"destination": "/etc/conf", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}'
  in_container c1 'cat /proc/self/mountinfo
    cat /etc/conf/a /etc/conf/sub/b
    echo "link -> $(readlink /etc/conf/link)"
    stat -c "%n %a %u:%g" /etc/conf/a /etc/conf/sub /etc/conf/sub/b
    echo new > /etc/conf/new && echo written'
  assert_success
  assert_mount /etc/conf tmpfs
  [[ "$output" == *"file a
file b
link -> a
/etc/conf/a 660 0:5
/etc/conf/sub 775 0:0
/etc/conf/sub/b 644 1000:5
written" ]] || fail_with "$output"
  [ ! -e "$d/new" ]
  assert_gone c1
}

# SELinux is on when selinuxfs is mounted where libselinux looks for it.
selinux_enabled() {
  [ "$(stat -f -c %T /sys/fs/selinux 2>/dev/null)" = selinux ]
}

@test "without SELinux, linux.mountLabel is ignored, as runc does" {
  selinux_enabled && skip "SELinux is enabled on this host: see the next test"
  new_container c1
  update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
  in_container c1 'grep " /tmp \| /dev " /proc/self/mountinfo'
  assert_success
  [[ "$output" != *context=* ]]
}

@test "linux.mountLabel is the context of the container's new filesystems, not of proc or sysfs" {
  selinux_enabled || skip "SELinux is not enabled on this host"
  new_container c1
  local label="system_u:object_r:container_file_t:s0:c1,c2"
  update_config '.linux.mountLabel = $l' --arg l "$label"
  in_container c1 'grep " /dev \| /proc \| /sys " /proc/self/mountinfo'
  assert_success
  [[ "$(grep ' /dev ' <<< "$output")" == *"context=\"$label\""* ]]
  [[ "$(grep ' /proc ' <<< "$output")" != *context=* ]]
  [[ "$(grep ' /sys ' <<< "$output")" != *context=* ]]
}
