#!/usr/bin/env bats
# vessel run by an unprivileged user (issue 10): where its state lives, the
# id maps it writes or has newuidmap write, the mounts a user namespace
# cannot make (done otherwise), every command on its containers, with and
# without a cgroup (a delegated cgroup v2 subtree: only on pure v2, the
# lane), and what one user may not do to another's.  setup_file makes a
# user of its own and teardown_file removes it; the tests run vessel as
# that user with setpriv (util-linux; no PAM, so it works in the lane's
# guest too).

load helpers

setup_file() {
  require_root
  # util-linux's, by path: a busybox shell runs its own applet of that name
  SETPRIV=$(command -v setpriv) || skip "needs setpriv (util-linux)"
  export SETPRIV
  RL_USER=vrl$$
  # Subordinate ids of its own, in a range no other run of this file uses.
  RL_SUB=$((2000000 + ($$ % 1000) * 200000))
  test_user_add "$RL_USER" "$RL_SUB"
  RL_UID=$(id -u "$RL_USER")
  RL_GID=$(id -g "$RL_USER")
  export RL_USER RL_SUB RL_UID RL_GID
  # A copy of vessel the user can reach: the build tree may be under a
  # directory only root may enter.
  RL_BIN=$(mktemp -d /tmp/vessel-rootless-bin.XXXXXX)
  chmod 755 "$RL_BIN"
  cp "$VESSEL" "$RL_BIN/vessel"
  export RL_BIN
}

teardown_file() {
  [ -z "${RL_USER:-}" ] || test_user_del "$RL_USER"
  [ -z "${RL_BIN:-}" ] || rm -rf "$RL_BIN"
}

setup() {
  require_root
  [ -n "${RL_USER:-}" ] || skip "no test user"
  common_setup
  # Outside bats's temporary directories, which only root may enter.
  RL_TMP=$(mktemp -d /tmp/vessel-rootless.XXXXXX)
  chmod 755 "$RL_TMP"
  XDG=$RL_TMP/xdg
  mkdir -m 700 "$XDG"
  chown "$RL_USER" "$XDG"
}

teardown() {
  local id
  for id in $(ls "$XDG/vessel" 2> /dev/null); do
    as_user XDG_RUNTIME_DIR="$XDG" -- delete --force "$id" > /dev/null 2>&1 || true
  done
  ! mountpoint -q "$RL_TMP/locked" || umount "$RL_TMP/locked"
  [ -z "${RL_SESSION:-}" ] || rmdir "$RL_SESSION"
  [ -z "${RL_DELEG:-}" ] || rmdir "$RL_DELEG" 2> /dev/null || true  # common_teardown names a leak
  local rc=0
  common_teardown || rc=$?
  rm -rf "$RL_TMP"
  return $rc
}

# as_uid UID GID [ENV=VALUE...] -- ARGS...: vessel ARGS as UID:GID, with
# only the environment given (PATH aside).
as_uid() {
  local uid=$1 gid=$2
  shift 2
  local -a env=(PATH=/usr/sbin:/usr/bin:/sbin:/bin)
  while [ "$1" != -- ]; do env+=("$1"); shift; done
  shift
  local -a session=()
  # From a cgroup of the delegated subtree (see delegate_subtree): moving a
  # process between cgroups takes write access to their common ancestor.
  # shellcheck disable=SC2016
  [ -z "${RL_SESSION:-}" ] || session=(sh -c 'echo 0 > "$0/cgroup.procs" && exec "$@"' "$RL_SESSION")
  "${session[@]}" "$SETPRIV" --reuid="$uid" --regid="$gid" --clear-groups -- env -i "${env[@]}" "$RL_BIN/vessel" "$@"
}

# as_user [ENV=VALUE...] -- ARGS...: vessel ARGS as the test user.
as_user() {
  as_uid "$RL_UID" "$RL_GID" "$@"
}

@test "not root: the state lives in \$XDG_RUNTIME_DIR/vessel" {
  run as_user XDG_RUNTIME_DIR="$XDG" -- list -q
  assert_success
  [ -z "$output" ]
  # Made a file, the path shows up in vessel's error: it is the one used.
  touch "$XDG/vessel"
  run as_user XDG_RUNTIME_DIR="$XDG" -- list
  assert_failure
  [[ "$output" == *"\`$XDG/vessel\`"* ]] || fail_with "$output"
  # --root still wins.
  mkdir "$RL_TMP/mine"
  chown "$RL_USER" "$RL_TMP/mine"
  run as_user XDG_RUNTIME_DIR="$XDG" -- --root "$RL_TMP/mine" list -q
  assert_success
  # Root's default is unchanged.
  run "$VESSEL" list --format json
  [[ "$output" != *"$XDG"* ]]
}

@test "not root without XDG_RUNTIME_DIR, or with one not its own: refused, naming the reason; spec and features still work" {
  run as_user -- list
  assert_failure
  [ "$output" = "vessel: running as uid $RL_UID, and /run/vessel is root's: XDG_RUNTIME_DIR is not set; set it to a directory of yours, or pass --root DIR" ]
  run as_user XDG_RUNTIME_DIR=relative/dir -- state c1
  assert_failure
  [[ "$output" == *"XDG_RUNTIME_DIR is not an absolute path"* ]] || fail_with "$output"
  # Root's directory, or one that does not exist.
  run as_user XDG_RUNTIME_DIR="$RL_TMP" -- list
  assert_failure
  [ "$output" = "vessel: XDG_RUNTIME_DIR \`$RL_TMP\` is not a directory of uid $RL_UID: pass --root DIR" ]
  run as_user XDG_RUNTIME_DIR=/no/such/dir -- delete --force c1
  assert_failure
  [[ "$output" == *"XDG_RUNTIME_DIR \`/no/such/dir\`: No such file or directory"* ]] || fail_with "$output"
  # The same reason in --log-format json, for the client that reads it.
  run as_user -- --log-format json list
  assert_failure
  [ "$(jq -r .msg <<< "$output")" = "running as uid $RL_UID, and /run/vessel is root's: XDG_RUNTIME_DIR is not set; set it to a directory of yours, or pass --root DIR" ]
  # Nothing to keep: no state directory needed.
  run as_user -- spec --rootless --bundle "$XDG"
  assert_success
  [ -f "$XDG/config.json" ]
  run as_user -- features
  assert_success
}

# rootless_bundle DIR ARGS...: a bundle of the test user's made by
# `vessel spec --rootless` (as that user), with a busybox rootfs, ARGS as
# the process and a cgroupsPath under the test's prefix (where the user
# gets no cgroup unless a test delegates one).
rootless_bundle() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cp -a "$(rootfs_template)" "$dir/rootfs"
  chown -R "$RL_USER" "$dir"
  run as_user -- spec --rootless --bundle "$dir"
  assert_success
  local BUNDLE=$dir
  set_args "$@"
  update_config '.process.terminal = false | .linux.cgroupsPath = $cg' --arg cg "$(test_cgroup "${dir##*/}")"
}

# rl_config DIR JQ-FILTER [jq args...]: edits DIR/config.json.
rl_config() {
  local BUNDLE=$1
  shift
  update_config "$@"
}

# rl ARGS...: vessel ARGS as the test user, its state in $XDG/vessel.
rl() {
  as_user XDG_RUNTIME_DIR="$XDG" -- "$@"
}

# rl_detached ID: runs the bundle $RL_TMP/b detached as the test user;
# the container's stdio is a file, not bats's output (which `run` would
# read until the container ends).
rl_detached() {
  rl run --detach --bundle "$RL_TMP/b" "$1" < /dev/null > "$RL_TMP/$1.out" 2>&1 || fail_with "$(cat "$RL_TMP/$1.out")"
}

# container_is ID STATUS: the test user's container ID has STATUS.
container_is() {
  [ "$(rl state "$1" | jq -r .status)" = "$2" ]
}

# ps_count_is ID N: `ps` lists N processes of the test user's container ID.
ps_count_is() {
  [ "$(rl ps --format json "$1" | jq length)" -eq "$2" ]
}

@test "rootless run: root inside, the caller's uid outside (the one mapping vessel writes itself), its state the caller's" {
  local uid=$RL_UID gid=$RL_GID
  rootless_bundle "$RL_TMP/b" sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; sleep 0.5'
  run as_user XDG_RUNTIME_DIR="$XDG" -- run --bundle "$RL_TMP/b" --detach r1
  assert_success
  [ "$(stat -c '%U %a' "$XDG/vessel")" = "$RL_USER 700" ]
  [ "$(stat -c '%U %a' "$XDG/vessel/r1")" = "$RL_USER 700" ]
  run as_user XDG_RUNTIME_DIR="$XDG" -- delete --force r1
  assert_success
  run as_user XDG_RUNTIME_DIR="$XDG" -- run --bundle "$RL_TMP/b" r2
  assert_success
  [ "$(tr -s ' ' <<< "$output" | sed 's/^ //' | tr '\n' '|')" = "0|0|0 $uid 1|0 $gid 1|deny|" ] || fail_with "$output"
  [ -z "$(ls -A "$XDG/vessel")" ]
}

@test "rootless run: several id ranges go through newuidmap and newgidmap, within /etc/subuid and /etc/subgid" {
  command -v newuidmap > /dev/null || skip "needs newuidmap (Debian's uidmap)"
  local uid=$RL_UID gid=$RL_GID
  rootless_bundle "$RL_TMP/b" sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
  rl_config "$RL_TMP/b" '
    .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": 1000}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $s, "size": 1000}]' \
    --argjson u "$uid" --argjson g "$gid" --argjson s "$RL_SUB"
  run as_user XDG_RUNTIME_DIR="$XDG" -- run --bundle "$RL_TMP/b" r1
  assert_success
  [ "$(tr -s ' ' <<< "$output" | sed 's/^ //' | tr '\n' '|')" = "0 $uid 1|1 $RL_SUB 1000|0 $gid 1|1 $RL_SUB 1000|" ] || fail_with "$output"
  # A range /etc/subuid does not give the user: newuidmap's reason.
  rl_config "$RL_TMP/b" '.linux.uidMappings[1].hostID += 100000'
  run as_user XDG_RUNTIME_DIR="$XDG" -- run --bundle "$RL_TMP/b" r2
  assert_failure
  [[ "$output" == "vessel: config.json: .linux.uidMappings: newuidmap refused the mappings (newuidmap: uid range [1-1001) -> [$((RL_SUB + 100000))-$((RL_SUB + 101000))) not allowed); /etc/subuid must give you the host ids" ]] ||
    fail_with "$output"
  [ -z "$(ls -A "$XDG/vessel")" ]
}

@test "rootless run: resource limits without a cgroup delegated to the user are refused, saying why; device rules alone are skipped with a warning" {
  rootless_bundle "$RL_TMP/b" true
  rl_config "$RL_TMP/b" '.linux.resources = {"pids": {"limit": 10}}'
  run as_user XDG_RUNTIME_DIR="$XDG" -- run --bundle "$RL_TMP/b" r1
  assert_failure
  [ "$output" = "vessel: no cgroup for uid $RL_UID here (resource limits need a cgroup v2 subtree delegated to it): config.json: .linux.resources.pids.limit: the pids cgroup controller is not available on this host" ] ||
    fail_with "$output"
  [ -z "$(ls -A "$XDG/vessel" 2> /dev/null)" ]
  # Device rules only (runc's default config has one): not applied, said so.
  rl_config "$RL_TMP/b" '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}]}'
  run rl run --bundle "$RL_TMP/b" r2
  assert_success
  [[ "$output" == *"config.json: .linux.resources.devices: not applied without the host's privileges (the container can open only the devices uid $RL_UID can)"* ]] ||
    fail_with "$output"
}

@test "rootless: create, start, state, list, exec (also with a terminal), ps, kill --all, kill and delete" {
  rootless_bundle "$RL_TMP/b" sh -c 'trap "exit 3" TERM; sleep 1000 & wait'
  # (the container's stdio: not bats's output, which `run` reads to its end)
  rl create --bundle "$RL_TMP/b" r1 < /dev/null > /dev/null 2>&1
  [ "$(rl state r1 | jq -r .status)" = created ]
  run rl start r1
  assert_success
  [ "$(rl state r1 | jq -r .status)" = running ]
  local pid
  pid=$(rl state r1 | jq -r .pid)
  # list: the owner is the user of the state directory, by name.
  run rl list
  assert_success
  [[ "$(sed -n 2p <<< "$output" | tr -s ' ')" == "r1 $pid running $RL_TMP/b "*" $RL_USER" ]] || fail_with "$output"
  [ "$(rl list --format json | jq -r '.[0].owner')" = "$RL_USER" ]
  # exec joins the user namespace before the pid namespace (which its
  # user namespace owns): root inside, pid 1 is the init.
  run rl exec r1 sh -c 'id -u; tr "\0" " " < /proc/1/cmdline; echo; cat /proc/self/uid_map'
  assert_success
  [ "$(tr -s ' ' <<< "$output" | sed 's/^ //' | tr '\n' '|')" = "0|sh -c trap \"exit 3\" TERM; sleep 1000 & wait |0 $RL_UID 1|" ] || fail_with "$output"
  run rl exec -t r1 tty < /dev/null
  assert_success
  [[ "$output" == /dev/pts/* ]] || fail_with "$output"
  run rl exec r1 sh -c 'exit 7'
  [ "$status" -eq 7 ]
  rl exec --detach r1 sleep 1001
  # ps: no cgroup to list them here, so the processes of the init's pid
  # namespace, the one exec'd among them.
  run rl ps --format json r1
  assert_success
  [ "$(jq length <<< "$output")" -eq 3 ] || fail_with "$output"
  run rl ps r1
  assert_success
  grep -q "^$pid .* sh -c trap" <<< "$output" || fail_with "$output"
  grep -q " sleep 1000$" <<< "$output" || fail_with "$output"
  grep -q " sleep 1001$" <<< "$output" || fail_with "$output"
  # kill --all reaches every one of them, not only the init.
  run rl kill --all r1 KILL
  assert_success
  wait_until container_is r1 stopped
  run rl state r1
  [ "$(jq -r .status <<< "$output")" = stopped ]
  run rl delete r1
  assert_success
  [ -z "$(ls -A "$XDG/vessel")" ]
  # kill and delete --force of a running one.
  rl_detached r2
  run rl kill r2 TERM
  assert_success
  wait_until container_is r2 stopped
  rl_detached r3
  pid=$(rl state r3 | jq -r .pid)
  run rl delete --force r3
  assert_success
  [ ! -e "/proc/$pid" ] || [ "$(awk '{ print $3 }' "/proc/$pid/stat")" = Z ]
  run rl delete r2
  assert_success
  [ -z "$(ls -A "$XDG/vessel")" ]
}

@test "rootless without a pid namespace: ps lists the init and its descendants, delete --force kills them all" {
  rootless_bundle "$RL_TMP/b" sh -c 'sleep 1000 & sleep 1001 & wait'
  rl_config "$RL_TMP/b" '.linux.namespaces |= map(select(.type != "pid"))'
  rl_detached r1
  local pids
  wait_until ps_count_is r1 3
  pids=$(rl ps --format json r1 | jq -r '.[]')
  # /proc is the host's (a user namespace may not mount a proc of a pid
  # namespace it does not own): bound, not refused.
  run rl exec r1 sh -c 'grep " /proc " /proc/self/mountinfo'
  assert_success
  [[ "$output" == *" /proc "*" - proc "* ]] || fail_with "$output"
  run rl delete --force r1
  assert_success
  local p
  for p in $pids; do
    [ ! -e "/proc/$p" ] || [ "$(awk '{ print $3 }' "/proc/$p/stat")" = Z ] || fail_with "process $p survived"
  done
}

@test "rootless: /sys is the host's, bound, and /dev's nodes are binds of the host's, working" {
  rootless_bundle "$RL_TMP/b" sh -c '
    grep -E " /sys | /dev/(null|zero|full|tty|random|urandom) " /proc/self/mountinfo |
      sed -E "s/^([^ ]+ ){4}([^ ]+) .* - ([^ ]+) .*/\2 \3/"
    test -d /sys/kernel && echo sysfs readable
    echo x > /dev/zero && echo zero written
    head -c 4 /dev/zero | od -An -tx1
    echo x > /dev/full || echo full refused
    head -c 8 /dev/urandom | wc -c'
  run rl run --bundle "$RL_TMP/b" r1
  assert_success
  # spec --rootless binds /sys recursively (no network namespace of its
  # own to mount a sysfs for); each node is a bind of the host's.
  grep -qx '/sys sysfs' <<< "$output" || fail_with "$output"
  local n
  for n in null zero full tty random urandom; do
    grep -qx "/dev/$n devtmpfs" <<< "$output" || fail_with "no bind on /dev/$n: $output"
  done
  grep -qx 'sysfs readable' <<< "$output"
  grep -qx 'zero written' <<< "$output"
  grep -qx ' 00 00 00 00' <<< "$output"
  grep -qx 'full refused' <<< "$output"
  grep -qx 8 <<< "$output"
}

@test "rootless: a sysfs mount without a network namespace of its own becomes a bind of the host's /sys" {
  rootless_bundle "$RL_TMP/b" sh -c 'grep " /sys " /proc/self/mountinfo; test -e /sys/class/net/lo && echo lo seen'
  # The mount runc's and vessel's default configs have, not the rootless one.
  rl_config "$RL_TMP/b" '.mounts |= map(if .destination == "/sys"
    then {destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]} else . end)'
  run rl run --bundle "$RL_TMP/b" r1
  assert_success
  # the host's sysfs (the network devices of vessel's namespace), read-only
  [[ "$(head -n 1 <<< "$output")" == *" /sys ro,nosuid,nodev,noexec"*" - sysfs sysfs "* ]] || fail_with "$output"
  grep -qx 'lo seen' <<< "$output"
  # With a network namespace of its own the container gets a new sysfs.
  rl_config "$RL_TMP/b" '.linux.namespaces += [{"type": "network"}]'
  run rl run --bundle "$RL_TMP/b" r2
  assert_success
  [[ "$(head -n 1 <<< "$output")" == *" /sys ro,nosuid,nodev,noexec"*" - sysfs sysfs "* ]] || fail_with "$output"
}

@test "rootless: a bind from the host keeps the flags the kernel locks (ro, nosuid, nodev, noexec, atime) instead of failing" {
  mkdir "$RL_TMP/locked"
  mount -t tmpfs -o ro,nosuid,nodev,noexec,noatime,size=64k tmpfs "$RL_TMP/locked"
  rootless_bundle "$RL_TMP/b" sh -c 'grep " /mnt/locked " /proc/self/mountinfo | cut -d" " -f6; touch /mnt/locked/f 2>&1; true'
  # Options that would clear each locked flag: a user namespace may not.
  rl_config "$RL_TMP/b" '.mounts += [{destination: "/mnt/locked", type: "none", source: $src,
    options: ["bind", "rw", "suid", "dev", "exec", "relatime"]}]' --arg src "$RL_TMP/locked"
  run rl run --bundle "$RL_TMP/b" r1
  assert_success
  [ "$(head -n 1 <<< "$output")" = ro,nosuid,nodev,noexec,noatime ] || fail_with "$output"
  [[ "$output" == *"Read-only file system"* ]] || fail_with "$output"
  # What the kernel does not lock is still applied.
  rl_config "$RL_TMP/b" '.mounts[-1].options = ["bind", "rw", "nosymfollow"]'
  run rl run --bundle "$RL_TMP/b" r2
  assert_success
  [ "$(head -n 1 <<< "$output")" = ro,nosuid,nodev,noexec,noatime,nosymfollow ] || fail_with "$output"
}

@test "rootless: spec --rootless makes a config that runs unchanged, a shell on a terminal, for the user who made it" {
  command -v script > /dev/null || skip "script (bsdutils) is not installed"
  mkdir -p "$RL_TMP/b"
  cp -a "$(rootfs_template)" "$RL_TMP/b/rootfs"
  chown -R "$RL_USER" "$RL_TMP/b"
  run as_user -- spec --rootless --bundle "$RL_TMP/b"
  assert_success
  local c=$RL_TMP/b/config.json
  [ "$(jq -c '[.linux.namespaces[].type] | sort' "$c")" = '["cgroup","ipc","mount","pid","user","uts"]' ]
  [ "$(jq -c '[.linux.uidMappings, .linux.gidMappings]' "$c")" = "[[{\"containerID\":0,\"hostID\":$RL_UID,\"size\":1}],[{\"containerID\":0,\"hostID\":$RL_GID,\"size\":1}]]" ]
  [ "$(jq -c '.mounts[] | select(.destination == "/sys") | [.type, .source, (.options | index("rbind") != null)]' "$c")" = '["none","/sys",true]' ]
  [ "$(jq '[.mounts[].options[]? | select(startswith("gid=") or startswith("uid="))] | length' "$c")" = 0 ]
  [ "$(jq '.linux.resources' "$c")" = null ]
  [ "$(jq -r '.process.terminal' "$c")" = true ]
  # Unchanged: the default shell, on the terminal vessel makes, fed by ours.
  # shellcheck disable=SC2016
  local cmd='exec "$SETPRIV" --reuid="$RL_UID" --regid="$RL_GID" --clear-groups -- env -i PATH=/usr/bin:/bin XDG_RUNTIME_DIR="$XDG" "$RL_BIN/vessel" run --bundle "$B" r1'
  run env SETPRIV="$SETPRIV" RL_UID="$RL_UID" RL_GID="$RL_GID" XDG="$XDG" RL_BIN="$RL_BIN" B="$RL_TMP/b" \
    timeout 30 script -qec "$cmd" /dev/null <<< 'echo "uid $(id -u) on $(tty)"; cat /proc/self/uid_map; exit 5'
  output=$(tr -d '\r' <<< "$output")
  [ "$status" -eq 5 ] || fail_with "status $status: $output"
  grep -qx 'uid 0 on /dev/pts/0' <<< "$output" || fail_with "$output"
  [[ "$(tr -s ' ' <<< "$output")" == *" 0 $RL_UID 1"* ]] || fail_with "$output"
  [ -z "$(ls -A "$XDG/vessel")" ]
}

@test "rootless: another user can neither see nor act on the user's containers" {
  rootless_bundle "$RL_TMP/b" sleep 1000
  rl_detached r1
  # Another unprivileged uid (no passwd entry needed), pointed at the
  # user's state directory, and with a runtime directory of its own.
  local other=$((RL_UID + 1)) xdg2=$RL_TMP/xdg2 cmd
  mkdir -m 700 "$xdg2"
  chown "$other" "$xdg2"
  for cmd in list "state r1" "kill r1 KILL" "delete --force r1" "exec r1 true" "ps r1" "pause r1"; do
    # shellcheck disable=SC2086
    run as_uid "$other" "$other" -- --root "$XDG/vessel" $cmd
    assert_failure
    [[ "$output" == *"Permission denied"* ]] || fail_with "$cmd: $output"
  done
  run as_uid "$other" "$other" XDG_RUNTIME_DIR="$xdg2" -- list -q
  assert_success
  [ -z "$output" ]
  [ "$(rl state r1 | jq -r .status)" = running ]
}

@test "rootless without a cgroup: pause and update are refused, saying why" {
  rootless_bundle "$RL_TMP/b" sleep 1000
  rl_detached r1
  run rl pause r1
  assert_failure
  [ "$output" = "vessel: cannot pause container \`r1\`: it has no cgroup (made by a user other than root, on a host that delegates no cgroup v2 subtree to that user)" ] ||
    fail_with "$output"
  run rl update --pids-limit 10 r1
  assert_failure
  [ "$output" = "vessel: cannot update container \`r1\`: it has no cgroup (made by a user other than root, on a host that delegates no cgroup v2 subtree to that user)" ] ||
    fail_with "$output"
  [ "$(rl state r1 | jq -r .status)" = running ]
}

# delegate_subtree CONTROLLER...: as systemd delegates user@UID.service: a
# cgroup of the test's (RL_DELEG) that the user owns with its
# cgroup.procs, cgroup.subtree_control and cgroup.threads, CONTROLLERs
# enabled down to it by root, and a leaf in it (RL_SESSION) where the
# user's vessel commands start.
delegate_subtree() {
  local top=$CGROUP_ROOT/$CGROUP_PREFIX c
  RL_DELEG=$CGROUP_ROOT$(test_cgroup deleg)
  RL_SESSION=$RL_DELEG/session
  mkdir -p "$RL_SESSION"
  for c in "$@"; do
    echo "+$c" > "$CGROUP_ROOT/cgroup.subtree_control"
    echo "+$c" > "$top/cgroup.subtree_control"
  done
  chown "$RL_UID:$RL_GID" "$RL_DELEG" "$RL_DELEG"/cgroup.{procs,subtree_control,threads} "$RL_SESSION" "$RL_SESSION/cgroup.procs"
}

@test "rootless on cgroup v2 with a delegated subtree: limits, exec, ps, pause and resume, update and delete in the user's cgroup" {
  [ "$(cg_mode)" = v2 ] || skip "needs a pure cgroup v2 host to delegate a subtree (the cgroup v2 lane runs it)"
  delegate_subtree pids memory
  rootless_bundle "$RL_TMP/b" sleep 1000
  rl_config "$RL_TMP/b" '.linux.cgroupsPath = $p | .linux.resources = {pids: {limit: 20}, memory: {limit: 67108864}}' \
    --arg p "${RL_DELEG#"$CGROUP_ROOT"}/ctr"
  rl_detached r1
  local cg=$RL_DELEG/ctr pid
  [ "$(stat -c %u "$cg")" = "$RL_UID" ]
  [ "$(cat "$cg/pids.max")" = 20 ]
  [ "$(cat "$cg/memory.max")" = 67108864 ]
  pid=$(rl state r1 | jq .pid)
  [ "$(cat "$cg/cgroup.procs")" = "$pid" ]
  # The container sees its own cgroup (a cgroup namespace of its own).
  run rl exec r1 cat /proc/self/cgroup
  assert_success
  [ "$output" = "0::/" ] || fail_with "$output"
  rl exec --detach r1 sleep 1001
  # ps reads the cgroup, where the exec'd process went.
  wait_until ps_count_is r1 2
  [ "$(wc -l < "$cg/cgroup.procs")" -eq 2 ]
  run rl pause r1
  assert_success
  [ "$(rl state r1 | jq -r .status)" = paused ]
  grep -qx 'frozen 1' "$cg/cgroup.events"
  run rl resume r1
  assert_success
  [ "$(rl state r1 | jq -r .status)" = running ]
  grep -qx 'frozen 0' "$cg/cgroup.events"
  run rl update --pids-limit 30 r1
  assert_success
  [ "$(cat "$cg/pids.max")" = 30 ]
  run rl delete --force r1
  assert_success
  [ ! -d "$cg" ]
}
