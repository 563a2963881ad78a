#!/usr/bin/env bats
# Attacks through paths in the rootfs, each rebuilt here from its CVE:
# symlinks at mount destinations and volumes (CVE-2021-30465,
# CVE-2023-27561), including a directory swapped for a symlink while the
# mounts are made; a planted /dev/null under maskedPaths, /dev/console and
# /dev/ptmx races and procfs writes redirected through a mount
# (CVE-2025-31133, CVE-2025-52565, CVE-2025-52881); device nodes created
# through a symlinked /dev or /dev/<node>.
#
# Every attack aims at HOSTDIR, a directory of the test's own: after the
# container, HOSTDIR is as it was, nothing is mounted on the host, the
# host's core_pattern (only ever read) is unchanged, and the container got
# what it asked for inside its rootfs, or vessel refused naming the path.

load helpers

RECVTTY=$VESSEL_BUILDDIR/tests/helpers/recvtty

setup() {
  require_root
  common_setup
  HOSTDIR=$BATS_TEST_TMPDIR/hostdir
  mkdir -p "$HOSTDIR/sub"
  echo "host secret" > "$HOSTDIR/secret"
  echo "host file" > "$HOSTDIR/sub/file"
  CORE_PATTERN=$(cat /proc/sys/kernel/core_pattern)
  host_mounts > "$BATS_TEST_TMPDIR/mounts.before"
  host_snapshot > "$BATS_TEST_TMPDIR/hostdir.before"
}

teardown() {
  [ -z "${SWAP_PID:-}" ] || kill "$SWAP_PID" 2>/dev/null || true
  [ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2>/dev/null || true
  # Only a broken vessel mounts here: common_teardown fails the test and
  # unmounts it.
  common_teardown
}

# The host's mount points under the test's directory and at the paths the
# attacks aim at (other tests may mount elsewhere meanwhile).
host_mounts() {
  awk -v d="$BATS_TEST_TMPDIR" '
    index($5, d) == 1 || $5 ~ /^\/(proc|dev|sys)(\/|$)/ { print $5 }' /proc/self/mountinfo | sort
}

# HOSTDIR entry by entry: name, type, size, mode, owner, content.
host_snapshot() {
  (cd "$HOSTDIR" && find . -printf '%p %y %s %m %U:%G\n' | sort && find . -type f -exec md5sum {} + | sort)
}

# The host is as setup found it, and the container left no mount.
assert_host_untouched() {
  host_snapshot > "$BATS_TEST_TMPDIR/hostdir.after"
  diff "$BATS_TEST_TMPDIR/hostdir.before" "$BATS_TEST_TMPDIR/hostdir.after" >&2 ||
    fail_with "the host directory changed" || return 1
  host_mounts > "$BATS_TEST_TMPDIR/mounts.after"
  diff "$BATS_TEST_TMPDIR/mounts.before" "$BATS_TEST_TMPDIR/mounts.after" >&2 ||
    fail_with "the host's mounts changed" || return 1
  [ "$(cat /proc/sys/kernel/core_pattern)" = "$CORE_PATTERN" ] ||
    fail_with "the host's core_pattern changed: $(cat /proc/sys/kernel/core_pattern)"
}

in_container() {
  set_args sh -c "$2"
  run vessel run --bundle "$BUNDLE" "$1"
}

add_mount() {
  update_config '.mounts += [$m]' --argjson m "$1"
}

# The container's /dev is the rootfs's own: no tmpfs over it, so what the
# image has there is what vessel finds.
without_dev_tmpfs() {
  update_config '.mounts |= map(select(.destination != "/dev"))'
}

# replace DIR: DIR in the rootfs becomes nothing, ready for a symlink.
replace() {
  rm -rf "${BUNDLE:?}/rootfs$1"
}

# plant_at_create SCRIPT: a createContainer hook (the container's mount
# namespace, the host's root, after the mounts and before maskedPaths and
# /dev/console) runs SCRIPT with R set to the rootfs: what a process of
# the container racing vessel could do.
plant_at_create() {
  update_config '.hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", $s], "env": ["R=" + $r, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]}]' \
    --arg s "$1" --arg r "$BUNDLE/rootfs"
}

# ---- symlinks at mount destinations (CVE-2021-30465, CVE-2023-27561) ----------

# dev_as_symlink PREFIX: the rootfs's /dev becomes a symlink to
# PREFIX/dev, with PREFIX leading to the host directory HOSTDIR, whose
# state is recorded first.  (/proc and /sys as symlinks are refused.)
dev_as_symlink() {
  mkdir -p "$HOSTDIR/dev"
  host_snapshot > "$BATS_TEST_TMPDIR/hostdir.before"
  replace /dev
  ln -s "$1/dev" "$BUNDLE/rootfs/dev"
}

@test "/dev as an absolute symlink to a host directory is mounted inside the rootfs" {
  new_container c1
  dev_as_symlink "$HOSTDIR"
  in_container c1 'stat -f -c "%n %T" /dev/ /dev/pts/; stat -c "%n %t:%T" /dev/null'
  assert_host_untouched
  assert_success
  [ "$output" = "/dev/ tmpfs
/dev/pts/ devpts
/dev/null 1:3" ] || fail_with "$output"
  [ -d "$BUNDLE/rootfs$HOSTDIR/dev" ]
  assert_clean c1
}

@test "/dev as a relative symlink climbing out of the rootfs is mounted inside it" {
  new_container c1
  dev_as_symlink "../../../../../../../../../../..$HOSTDIR"
  in_container c1 'stat -f -c "%n %T" /dev/; stat -c "%n %t:%T" /dev/zero'
  assert_host_untouched
  assert_success
  [ "$output" = "/dev/ tmpfs
/dev/zero 1:5" ] || fail_with "$output"
  assert_clean c1
}

@test "/proc or /sys as a symlink, to the host or inside the rootfs, is refused as runc refuses it" {
  mkdir -p "$HOSTDIR"/{proc,sys}
  host_snapshot > "$BATS_TEST_TMPDIR/hostdir.before"
  local d type target
  for d in proc sys; do
    type=$d
    [ $d = proc ] || type=sysfs
    for target in "$HOSTDIR/$d" "../../../../../../../../../../..$HOSTDIR/$d" /tmp /tmp/x; do
      rm -rf "$BATS_TEST_TMPDIR/bundle"
      new_container c1
      replace /$d
      ln -s "$target" "$BUNDLE/rootfs/$d"
      run vessel run --bundle "$BUNDLE" c1
      [ "$status" -eq 1 ] || fail_with "/$d -> $target: $status: $output"
      [[ "$output" == *"\`/$d\`: filesystem \"$type\" must be mounted on ordinary directory"* ]] ||
        fail_with "/$d -> $target: $output"
      [ ! -e "$BUNDLE/rootfs/tmp/x" ] || fail_with "/$d -> $target: the target was made"
      assert_host_untouched
      assert_clean c1
    done
  done
}

@test "a bind mount whose target is a symlink to a host directory is bound inside the rootfs" {
  new_container c1
  mkdir -p "$BATS_TEST_TMPDIR/volume" "$BUNDLE/rootfs/mnt"
  echo payload > "$BATS_TEST_TMPDIR/volume/payload"
  ln -s "$HOSTDIR/sub" "$BUNDLE/rootfs/mnt/abs"
  ln -s "../../../../../../../../../..$HOSTDIR/relsub" "$BUNDLE/rootfs/mnt/rel"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/volume" '{destination: "/mnt/abs", type: "bind", source: $s, options: ["rbind"]}')"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/volume" '{destination: "/mnt/rel", type: "bind", source: $s, options: ["rbind"]}')"
  in_container c1 'cat /mnt/abs/payload /mnt/rel/payload; ls /mnt/abs /mnt/rel'
  assert_host_untouched
  assert_success
  [ "$output" = "payload
payload
/mnt/abs:
payload

/mnt/rel:
payload" ] || fail_with "$output"
  assert_clean c1
}

@test "nested mount targets under a symlinked parent are created and mounted inside the rootfs" {
  new_container c1
  mkdir -p "$BUNDLE/rootfs/mnt"
  ln -s "../../../../../../../../../..$HOSTDIR" "$BUNDLE/rootfs/mnt/parent"
  ln -s "$HOSTDIR/sub" "$BUNDLE/rootfs/mnt/abs"
  add_mount '{"destination": "/mnt/parent/a/b", "type": "tmpfs", "source": "tmpfs"}'
  add_mount '{"destination": "/mnt/parent/a/b/c", "type": "tmpfs", "source": "tmpfs"}'
  add_mount '{"destination": "/mnt/abs/new/dir", "type": "tmpfs", "source": "tmpfs"}'
  in_container c1 'stat -f -c "%n %T" /mnt/parent/a/b/ /mnt/parent/a/b/c/ /mnt/abs/new/dir/'
  assert_host_untouched
  assert_success
  [ "$output" = "/mnt/parent/a/b/ tmpfs
/mnt/parent/a/b/c/ tmpfs
/mnt/abs/new/dir/ tmpfs" ] || fail_with "$output"
  [ -d "$BUNDLE/rootfs$HOSTDIR/a/b" ] && [ -d "$BUNDLE/rootfs$HOSTDIR/sub/new/dir" ]
  assert_clean c1
}

@test "a file bind whose target is a symlink to a host file is refused, naming the target" {
  new_container c1
  echo payload > "$BATS_TEST_TMPDIR/payload"
  ln -s "$HOSTDIR/secret" "$BUNDLE/rootfs/etc/existing"
  ln -s "../../../../../../../../../..$HOSTDIR/missing" "$BUNDLE/rootfs/etc/dangling"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/payload" '{destination: "/etc/existing", type: "bind", source: $s, options: ["bind"]}')"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/payload" '{destination: "/etc/dangling", type: "bind", source: $s, options: ["bind"]}')"
  in_container c1 'cat /etc/existing /etc/dangling'
  assert_host_untouched
  # vessel does not follow a file target's symlink: it refuses, naming it.
  assert_failure
  [[ "$output" == "vessel: "*"open \`/etc/existing\` in the rootfs"* ]] || fail_with "$output"
  assert_clean c1
}

@test "a directory swapped for a symlink to the host while the mounts are made never carries one to the host" {
  new_container c1
  local i n=40
  mkdir -p "$BATS_TEST_TMPDIR/volume" "$BUNDLE/rootfs/mnt/a"
  echo payload > "$BATS_TEST_TMPDIR/volume/payload"
  for i in $(seq $n); do
    if ((i % 2)); then
      add_mount "$(jq -n --arg d "/mnt/a/t$i/x" '{destination: $d, type: "tmpfs", source: "tmpfs", options: ["size=64k"]}')"
    else
      add_mount "$(jq -n --arg d "/mnt/a/b$i" --arg s "$BATS_TEST_TMPDIR/volume" '{destination: $d, type: "bind", source: $s, options: ["bind"]}')"
    fi
  done
  # As fast as it goes: /mnt/a is a directory, then an absolute symlink
  # to HOSTDIR, then a relative one climbing out of the rootfs.
  perl -e '
    my ($m, $host) = @ARGV;
    mkdir "$m/a.abs"; mkdir "$m/a.rel";
    symlink $host, "$m/a.abs"; symlink "../../../../../../../../..$host", "$m/a.rel";
    for (;;) {
      for my $l ("a.abs", "a.rel") {
        rename "$m/a", "$m/a.dir"; symlink(($l eq "a.abs") ? $host : "../../../../../../../../..$host", "$m/a");
        unlink "$m/a"; rename "$m/a.dir", "$m/a";
      }
    }' "$BUNDLE/rootfs/mnt" "$HOSTDIR" 2>/dev/null &
  SWAP_PID=$!
  local ok=0 refused=0
  for i in $(seq 15); do
    run vessel run --bundle "$BUNDLE" c1
    if [ "$status" -eq 0 ]; then
      ok=$((ok + 1))
    else
      refused=$((refused + 1))
      [[ "$output" == *"/mnt/a"* ]] || fail_with "failed without naming the path: $output"
    fi
    assert_clean c1
  done
  kill "$SWAP_PID"
  wait "$SWAP_PID" 2>/dev/null || true
  SWAP_PID=
  echo "ran $ok, refused $refused"
  assert_host_untouched
  [ -z "$(ls -A "$HOSTDIR" | grep -vx 'secret\|sub')" ] || fail_with "created on the host: $(ls -A "$HOSTDIR")"
}

# ---- maskedPaths and a planted /dev/null (CVE-2025-31133) ---------------------

# masks_with_planted_dev_null SCRIPT: /etc/secret is masked after SCRIPT
# has replaced the container's /dev/null; it must be the null device all
# the same.  HOSTDIR is the container's volume /vol.  Output in $output.
masks_with_planted_dev_null() {
  new_container c1
  echo "container secret" > "$BUNDLE/rootfs/etc/secret"
  add_mount "$(jq -n --arg s "$HOSTDIR" '{destination: "/vol", type: "bind", source: $s, options: ["rbind"]}')"
  update_config '.linux.maskedPaths += ["/etc/secret"]'
  plant_at_create "$1"
  in_container c1 'stat -c "%F %t:%T" /etc/secret; echo "[$(head -c 16 /etc/secret)]"; echo pwned > /etc/secret && echo written'
  assert_host_untouched
  assert_success
  [ "$output" = "character special file 1:3
[]
written" ] || fail_with "$output"
  assert_clean c1
}

@test "maskedPaths use the null device when the container's /dev/null is a symlink to a host file" {
  masks_with_planted_dev_null 'rm -f "$R/dev/null" && ln -s /vol/secret "$R/dev/null"'
}

@test "maskedPaths use the null device when the container's /dev/null is a symlink to core_pattern" {
  new_container c1
  echo "container secret" > "$BUNDLE/rootfs/etc/secret"
  update_config '.linux.maskedPaths += ["/etc/secret"]'
  plant_at_create 'rm -f "$R/dev/null" && ln -s /proc/sys/kernel/core_pattern "$R/dev/null"'
  # Only read: a broken vessel would have bound the host's core_pattern.
  in_container c1 'stat -c "%F %t:%T" /etc/secret; stat -f -c %T /etc/secret; echo "[$(head -c 16 /etc/secret)]"'
  assert_host_untouched
  assert_success
  [ "$output" = "character special file 1:3
tmpfs
[]" ] || fail_with "$output"
  assert_clean c1
}

@test "maskedPaths use the null device when the container's /dev/null is a regular file" {
  masks_with_planted_dev_null 'rm -f "$R/dev/null" && echo planted > "$R/dev/null"'
}

@test "maskedPaths use the null device when the container's /dev/null is another device" {
  masks_with_planted_dev_null 'rm -f "$R/dev/null" && mknod -m 666 "$R/dev/null" c 1 5'
}

# ---- /dev/console and /dev/ptmx (CVE-2025-52565) --------------------------------

start_recvtty() {
  [ -x "$RECVTTY" ] || skip "tests/helpers/recvtty is not built (make check builds it)"
  SOCK=$BATS_TEST_TMPDIR/console.sock
  "$RECVTTY" "$SOCK" > "$BATS_TEST_TMPDIR/tty.out" 2> "$BATS_TEST_TMPDIR/tty.err" 3>&- &
  RECV_PID=$!
  wait_until test -S "$SOCK"
}

# The terminal's output once the container has closed it.
tty_output() {
  wait_until eval '! kill -0 "$RECV_PID" 2>/dev/null'
  wait "$RECV_PID" || true
  RECV_PID=
  output=$(tr -d '\r' < "$BATS_TEST_TMPDIR/tty.out")
}

@test "/dev/console planted as a symlink to core_pattern or a host file gets the pty, not the target" {
  new_container c1
  without_dev_tmpfs
  ln -s "$HOSTDIR/secret" "$BUNDLE/rootfs/dev/console"
  update_config '.process.terminal = true'
  add_mount "$(jq -n --arg s "$HOSTDIR" '{destination: "/vol", type: "bind", source: $s, options: ["rbind"]}')"
  # What the image had, then what a racing container could put there.
  plant_at_create 'rm -f "$R/dev/console" && ln -s /proc/sys/kernel/core_pattern "$R/dev/console"'
  set_args sh -c 'stat -c "console %F %t" /dev/console; stat -f -c "core_pattern %T" /proc/sys/kernel/core_pattern; stat -c "vol %F" /vol/secret'
  start_recvtty
  run vessel create --bundle "$BUNDLE" --console-socket "$SOCK" c1
  assert_success
  run vessel start c1
  assert_success
  tty_output
  assert_host_untouched
  # devpts is major 136.
  [ "$output" = "console character special file 88
core_pattern proc
vol regular file" ] || fail_with "$output"
  vessel delete --force c1
  assert_host_untouched
  assert_clean c1
}

@test "a /dev/ptmx planted as a symlink to a host file is refused, naming it, and the file is untouched" {
  new_container c1
  without_dev_tmpfs
  ln -s "$HOSTDIR/secret" "$BUNDLE/rootfs/dev/ptmx"
  update_config '.process.terminal = true'
  add_mount "$(jq -n --arg s "$HOSTDIR" '{destination: "/vol", type: "bind", source: $s, options: ["rbind"]}')"
  plant_at_create 'rm -f "$R/dev/ptmx" && ln -s /vol/secret "$R/dev/ptmx"'
  start_recvtty
  run vessel create --bundle "$BUNDLE" --console-socket "$SOCK" c1
  assert_failure
  [[ "$output" == *"/dev/ptmx"* ]] || fail_with "$output"
  assert_host_untouched
  assert_clean c1
}

# ---- procfs writes redirected through mounts (CVE-2025-52881) -------------------

@test "mounts over /proc/sys/kernel/core_pattern and /proc/sysrq-trigger and sysctls stay in the container's /proc" {
  # Without sysrq on the host, another host-wide procfs file.
  local other=/proc/sysrq-trigger
  [ -e $other ] || other=/proc/sys/kernel/panic
  new_container c1
  echo decoy-core > "$BATS_TEST_TMPDIR/core"
  echo decoy-other > "$BATS_TEST_TMPDIR/other"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/core" '{destination: "/proc/sys/kernel/core_pattern", type: "bind", source: $s, options: ["bind"]}')"
  add_mount "$(jq -n --arg s "$BATS_TEST_TMPDIR/other" --arg d $other '{destination: $d, type: "bind", source: $s, options: ["bind"]}')"
  local msgmax
  msgmax=$(cat /proc/sys/kernel/msgmax)
  update_config '.linux.sysctl = {"kernel.msgmax": "12345"}'
  # Only read: a broken vessel would have left the host's files there.
  in_container c1 "cat /proc/sys/kernel/core_pattern $other /proc/sys/kernel/msgmax"
  assert_host_untouched
  [ "$(cat /proc/sys/kernel/msgmax)" = "$msgmax" ] || fail_with "the host's msgmax changed"
  assert_success
  [ "$output" = "decoy-core
decoy-other
12345" ] || fail_with "$output"
  [ "$(cat "$BATS_TEST_TMPDIR/core")" = decoy-core ]
  assert_clean c1
}

# ---- device nodes through symlinks -----------------------------------------------

# The default devices, as the container sees them.
DEVICES='for d in null zero full random urandom tty; do stat -c "%n %F %t:%T" /dev/$d; done'
DEVICES_OK="/dev/null character special file 1:3
/dev/zero character special file 1:5
/dev/full character special file 1:7
/dev/random character special file 1:8
/dev/urandom character special file 1:9
/dev/tty character special file 5:0"

@test "a rootfs whose /dev is a symlink to a host directory gets its devices inside the rootfs" {
  new_container c1
  without_dev_tmpfs
  mkdir -p "$HOSTDIR/dev"
  host_snapshot > "$BATS_TEST_TMPDIR/hostdir.before"
  replace /dev
  ln -s "$HOSTDIR/dev" "$BUNDLE/rootfs/dev"
  update_config '.linux.devices = [{"path": "/dev/extra", "type": "c", "major": 1, "minor": 3}]'
  in_container c1 "$DEVICES; stat -c '%n %F %t:%T' /dev/extra"
  assert_host_untouched
  [ -z "$(ls -A "$HOSTDIR/dev")" ] || fail_with "nodes on the host: $(ls -A "$HOSTDIR/dev")"
  assert_success
  [ "$output" = "$DEVICES_OK
/dev/extra character special file 1:3" ] || fail_with "$output"
  [ -c "$BUNDLE/rootfs$HOSTDIR/dev/null" ]
  assert_clean c1
}

# The rootfs's /dev/null and /dev/zero are symlinks to host files, one
# absolute and one relative, and linux.devices names a symlink too.
plant_dev_symlinks() {
  without_dev_tmpfs
  ln -s "$HOSTDIR/secret" "$BUNDLE/rootfs/dev/null"
  ln -s "../../../../../../../../../..$HOSTDIR/zero" "$BUNDLE/rootfs/dev/zero"
  ln -s "$HOSTDIR/sub/file" "$BUNDLE/rootfs/dev/extra"
  update_config '.linux.devices = [{"path": "/dev/extra", "type": "c", "major": 1, "minor": 3, "fileMode": 438}]'
}

@test "device nodes are never created through /dev/null, /dev/zero or linux.devices symlinks to the host" {
  new_container c1
  plant_dev_symlinks
  in_container c1 "$DEVICES; stat -c '%n %F %t:%T' /dev/extra"
  assert_host_untouched
  assert_success
  [ "$output" = "$DEVICES_OK
/dev/extra character special file 1:3" ] || fail_with "$output"
  assert_clean c1
}

@test "in a user namespace, device binds are never made through /dev symlinks to the host" {
  new_container c1
  use_user_namespace
  plant_dev_symlinks
  in_container c1 "$DEVICES; stat -c '%n %F %t:%T' /dev/extra"
  assert_host_untouched
  # The bind target is never opened through the symlink: refused, named.
  assert_failure
  [[ "$output" == "vessel: create \`/dev/null\`: Too many levels of symbolic links"* ]] || fail_with "$output"
  assert_clean c1
}
