#!/usr/bin/env bats
# vessel run by an unprivileged user (issue 10, in progress): where its
# state lives, the id maps it writes or has newuidmap write, and its
# containers without cgroups on a host that delegates none.  setup_file makes a user of its own and teardown_file
# removes it; the tests run vessel as that user with runuser.

load helpers

setup_file() {
  require_root
  command -v useradd > /dev/null && command -v runuser > /dev/null || skip "needs useradd and runuser"
  RL_USER=vrl$$
  useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RL_USER"
  export RL_USER
  # Subordinate ids of its own, in a range no other run of this file uses.
  RL_SUB=$((2000000 + ($$ % 1000) * 200000))
  usermod --add-subuids "$RL_SUB-$((RL_SUB + 99999))" --add-subgids "$RL_SUB-$((RL_SUB + 99999))" "$RL_USER"
  export RL_SUB
  # A copy of vessel the user can reach: the build tree may be under a
  # directory only root may enter.
  RL_BIN=$(mktemp -d /tmp/vessel-rootless-bin.XXXXXX)
  chmod 755 "$RL_BIN"
  cp "$VESSEL" "$RL_BIN/vessel"
  export RL_BIN
}

teardown_file() {
  [ -z "${RL_USER:-}" ] || userdel "$RL_USER" 2> /dev/null || true
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
  common_teardown
  rm -rf "$RL_TMP"
}

# as_user [ENV=VALUE...] -- ARGS...: vessel ARGS as the test user, with
# only the environment given (PATH aside).
as_user() {
  local -a env=(PATH=/usr/sbin:/usr/bin:/sbin:/bin)
  while [ "$1" != -- ]; do env+=("$1"); shift; done
  shift
  runuser -u "$RL_USER" -- env -i "${env[@]}" "$RL_BIN/vessel" "$@"
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
  [ "$output" = "vessel: running as uid $(id -u "$RL_USER"), and /run/vessel is root's: XDG_RUNTIME_DIR is not set; set it to a directory of yours, or pass --root DIR" ]
  run as_user XDG_RUNTIME_DIR=relative/dir -- state c1
  assert_failure
  [[ "$output" == *"XDG_RUNTIME_DIR is not an absolute path"* ]] || fail_with "$output"
  # Root's directory, or one that does not exist.
  run as_user XDG_RUNTIME_DIR="$RL_TMP" -- list
  assert_failure
  [ "$output" = "vessel: XDG_RUNTIME_DIR \`$RL_TMP\` is not a directory of uid $(id -u "$RL_USER"): pass --root DIR" ]
  run as_user XDG_RUNTIME_DIR=/no/such/dir -- delete --force c1
  assert_failure
  [[ "$output" == *"XDG_RUNTIME_DIR \`/no/such/dir\`: No such file or directory"* ]] || fail_with "$output"
  # The same reason in --log-format json, for the client that reads it.
  run as_user -- --log-format json list
  assert_failure
  [ "$(jq -r .msg <<< "$output")" = "running as uid $(id -u "$RL_USER"), and /run/vessel is root's: XDG_RUNTIME_DIR is not set; set it to a directory of yours, or pass --root DIR" ]
  # Nothing to keep: no state directory needed.
  run as_user -- spec --rootless --bundle "$XDG"
  assert_success
  [ -f "$XDG/config.json" ]
  run as_user -- features
  assert_success
}

# rootless_bundle DIR ARGS...: a bundle of the test user's made by
# `vessel spec --rootless` (as that user), with a busybox rootfs and ARGS
# as the process.
rootless_bundle() {
  local dir=$1
  shift
  mkdir -p "$dir"
  cp -a "$(rootfs_template)" "$dir/rootfs"
  chown -R "$RL_USER" "$dir"
  run as_user -- spec --rootless --bundle "$dir"
  assert_success
  local args
  args=$(printf '%s\n' "$@" | jq -R . | jq -s .)
  jq --argjson a "$args" '.process.terminal = false | .process.args = $a' "$dir/config.json" > "$dir/config.new"
  mv "$dir/config.new" "$dir/config.json"
}

@test "rootless run: root inside, the caller's uid outside (the one mapping vessel writes itself), its state the caller's" {
  local uid gid
  uid=$(id -u "$RL_USER")
  gid=$(id -g "$RL_USER")
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
  local uid gid
  uid=$(id -u "$RL_USER")
  gid=$(id -g "$RL_USER")
  rootless_bundle "$RL_TMP/b" sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
  jq --argjson u "$uid" --argjson g "$gid" --argjson s "$RL_SUB" '
    .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $s, "size": 1000}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $s, "size": 1000}]' \
    "$RL_TMP/b/config.json" > "$RL_TMP/b/config.new"
  mv "$RL_TMP/b/config.new" "$RL_TMP/b/config.json"
  run as_user XDG_RUNTIME_DIR="$XDG" -- run --bundle "$RL_TMP/b" r1
  assert_success
  [ "$(tr -s ' ' <<< "$output" | sed 's/^ //' | tr '\n' '|')" = "0 $uid 1|1 $RL_SUB 1000|0 $gid 1|1 $RL_SUB 1000|" ] || fail_with "$output"
  # A range /etc/subuid does not give the user: newuidmap's reason.
  jq '.linux.uidMappings[1].hostID += 100000' "$RL_TMP/b/config.json" > "$RL_TMP/b/config.new"
  mv "$RL_TMP/b/config.new" "$RL_TMP/b/config.json"
  run as_user XDG_RUNTIME_DIR="$XDG" -- run --bundle "$RL_TMP/b" r2
  assert_failure
  [[ "$output" == "vessel: config.json: .linux.uidMappings: newuidmap refused the mappings (newuidmap: uid range [1-1001) -> [$((RL_SUB + 100000))-$((RL_SUB + 101000))) not allowed); /etc/subuid must give you the host ids" ]] ||
    fail_with "$output"
  [ -z "$(ls -A "$XDG/vessel")" ]
}

@test "rootless run: resource limits without a cgroup delegated to the user are refused, saying why" {
  if [ "$(cg_mode)" = v2 ]; then skip "on cgroup v2 this host may delegate: see the lane"; fi
  rootless_bundle "$RL_TMP/b" true
  jq '.linux.resources = {"pids": {"limit": 10}}' "$RL_TMP/b/config.json" > "$RL_TMP/b/config.new"
  mv "$RL_TMP/b/config.new" "$RL_TMP/b/config.json"
  run as_user XDG_RUNTIME_DIR="$XDG" -- run --bundle "$RL_TMP/b" r1
  assert_failure
  [ "$output" = "vessel: no cgroup for uid $(id -u "$RL_USER") here (resource limits need a cgroup v2 subtree delegated to it): config.json: .linux.resources.pids.limit: the pids cgroup controller is not available on this host" ] ||
    fail_with "$output"
  [ -z "$(ls -A "$XDG/vessel" 2> /dev/null)" ]
}
