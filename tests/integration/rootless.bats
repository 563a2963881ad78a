#!/usr/bin/env bats
# vessel run by an unprivileged user (issue 10, in progress): where its
# state lives.  setup_file makes a user of its own and teardown_file
# removes it; the tests run vessel as that user with runuser.

load helpers

setup_file() {
  require_root
  command -v useradd > /dev/null && command -v runuser > /dev/null || skip "needs useradd and runuser"
  RL_USER=vrl$$
  useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RL_USER"
  export RL_USER
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
