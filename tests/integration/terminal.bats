#!/usr/bin/env bats
# process.terminal: the pty from the container's devpts as the process's
# stdio and controlling terminal, /dev/console, process.consoleSize, the
# master sent to --console-socket (received by tests/helpers/recvtty, as
# conmon or containerd's shim would) or served by `vessel run` in the
# foreground; runc's rules for which of the two; the stdio given to the
# process's user.

load helpers

RECVTTY=$VESSEL_BUILDDIR/tests/helpers/recvtty

setup() {
  require_root
  common_setup
  [ -x "$RECVTTY" ] || skip "tests/helpers/recvtty is not built (make check builds it)"
  new_container c1
  update_config '.process.terminal = true'
}

teardown() {
  [ -z "${RECV_PID:-}" ] || kill "$RECV_PID" 2>/dev/null || true
  common_teardown
}

# start_recvtty [-i INPUT]: the console socket's listener, in the
# background, until every end of the pty is closed; sets SOCK.
start_recvtty() {
  SOCK=$BATS_TEST_TMPDIR/console.sock
  "$RECVTTY" "$@" "$SOCK" > "$BATS_TEST_TMPDIR/tty.out" 2> "$BATS_TEST_TMPDIR/tty.err" 3>&- &
  RECV_PID=$!
  local i
  for i in $(seq 100); do
    [ -S "$SOCK" ] && return 0
    sleep 0.1
  done
  fail_with "recvtty did not listen: $(cat "$BATS_TEST_TMPDIR/tty.err")"
}

# tty_output: waits (~10 s) for recvtty to end; $output is what came out
# of the terminal, without the carriage returns of its line discipline.
tty_output() {
  local i
  for i in $(seq 100); do
    kill -0 "$RECV_PID" 2>/dev/null || break
    sleep 0.1
  done
  ! kill -0 "$RECV_PID" 2>/dev/null || fail_with "the terminal is still open: $(cat "$BATS_TEST_TMPDIR/tty.out")"
  wait "$RECV_PID" || fail_with "recvtty: $(cat "$BATS_TEST_TMPDIR/tty.err")"
  RECV_PID=
  output=$(tr -d '\r' < "$BATS_TEST_TMPDIR/tty.out")
  echo "$output"
}

# run_with_console ID: create with the console socket, start, and wait for
# the terminal's output.
run_with_console() {
  start_recvtty
  run vessel create --bundle "$BUNDLE" --console-socket "$SOCK" "$1"
  assert_success
  grep -qx 'recvtty: got /dev/ptmx, a ptmx' "$BATS_TEST_TMPDIR/tty.err" ||
    fail_with "recvtty: $(cat "$BATS_TEST_TMPDIR/tty.err")"
  run vessel start "$1"
  assert_success
  tty_output
}

# refused_tty MESSAGE COMMAND...: vessel fails with MESSAGE and leaves
# nothing of c1 behind.
refused_tty() {
  local want=$1
  shift
  run vessel "$@"
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == "vessel: "*"$want"* ]] || fail_with "wanted: $want"
  assert_clean c1
}

@test "create: the master goes to --console-socket; the pty is stdio and controlling terminal, in a session of its own" {
  set_args sh -c 'stat -c "console %t:%T" /dev/console; stat -c "pts0 %t:%T" /dev/pts/0; exec probe tty'
  run_with_console c1
  [ "$(probe_value stdin)" = /dev/pts/0 ]
  [ "$(probe_value stdout)" = /dev/pts/0 ]
  [ "$(probe_value stderr)" = /dev/pts/0 ]
  [ "$(probe_value ctty)" = yes ]
  [ "$(probe_value leader)" = yes ]
  # /dev/console is the pty (devpts major 136), from the container's own
  # devpts instance (numbered from 0).
  [ "$(probe_value console)" = 88:0 ]
  [ "$(probe_value pts0)" = 88:0 ]
}

@test "the terminal comes from the container's devpts, not the host's" {
  set_args sh -c 'ls -1 /dev/pts; stat -c "devpts %d" /dev/pts/0 /dev/pts/ptmx'
  run_with_console c1
  # Only its own pty and ptmx are in the container's instance, one
  # filesystem that is not the host's /dev/pts.
  [ "$(grep -cvE '^(0|ptmx|devpts .*)$' <<< "$output")" -eq 0 ]
  [ "$(grep '^devpts ' <<< "$output" | sort | uniq -c | awk '{print $1}')" -eq 2 ]
  [ "$(probe_value devpts)" != "$(stat -c %d /dev/pts/ptmx)" ]
}

@test "process.consoleSize sets the terminal's size" {
  update_config '.process.consoleSize = {"height": 33, "width": 101}'
  set_args probe tty
  run_with_console c1
  [ "$(probe_value size)" = "33 101" ]
}

@test "the pty belongs to the process's user; its group stays tty" {
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  chmod 755 "$BUNDLE/rootfs"
  set_args sh -c 'probe tty; stat -c "pts %u:%g %a" /dev/pts/0'
  run_with_console c1
  [ "$(probe_value owner)" = 1000 ]
  [ "$(probe_value pts)" = "1000:5 620" ]
  [ "$(probe_value ctty)" = yes ]
}

@test "input written to the master reaches the process" {
  set_args sh -c 'read -r line; echo "got <$line>"'
  start_recvtty -i $'hello tty\n'
  run vessel create --bundle "$BUNDLE" --console-socket "$SOCK" c1
  assert_success
  run vessel start c1
  assert_success
  tty_output
  grep -qx 'got <hello tty>' <<< "$output"
}

@test "a terminal with a read-only root, in a user namespace" {
  use_user_namespace
  update_config '.root.readonly = true'
  set_args sh -c 'probe tty; stat -c "console %t:%T" /dev/console; touch /x 2>&1 || echo read-only'
  run_with_console c1
  [ "$(probe_value stdin)" = /dev/pts/0 ]
  [ "$(probe_value ctty)" = yes ]
  [ "$(probe_value console)" = 88:0 ]
  grep -qx read-only <<< "$output"
}

@test "a terminal with a read-only /dev: /dev/console is bound before /dev becomes read-only" {
  update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
  set_args sh -c 'probe tty; stat -c "console %t:%T" /dev/console; touch /dev/x 2>&1 || echo dev-read-only'
  run_with_console c1
  [ "$(probe_value stdin)" = /dev/pts/0 ]
  [ "$(probe_value ctty)" = yes ]
  [ "$(probe_value console)" = 88:0 ]
  grep -qx dev-read-only <<< "$output"
}

@test "a signal from the terminal's line discipline reaches the process" {
  # ^C on the pty: SIGINT to its foreground process group (once the trap
  # is set: as pid 1 of its pid namespace, sh ignores what it does not
  # handle).
  set_args sh -c 'trap "echo interrupted; exit 0" INT; echo ready; while :; do sleep 0.1; done'
  start_recvtty -i $'\003' -a ready
  run vessel create --bundle "$BUNDLE" --console-socket "$SOCK" c1
  assert_success
  run vessel start c1
  assert_success
  tty_output
  grep -q "interrupted$" <<< "$output" # after the echoed ^C
}

@test "delete --force of a container with a terminal closes it" {
  set_args sleep 1000
  start_recvtty
  run vessel create --bundle "$BUNDLE" --console-socket "$SOCK" c1
  assert_success
  run vessel start c1
  assert_success
  run vessel delete --force c1
  assert_success
  tty_output
  assert_clean c1
}

@test "run in the foreground serves the terminal itself: input, output, exit status" {
  set_args sh -c 'read -r line; echo "got <$line>"; probe tty; exit 3'
  run bash -c 'echo "hello run" | "$0" --root "$1" run --bundle "$2" c1' "$VESSEL" "$VESSEL_TEST_ROOT" "$BUNDLE"
  echo "$output"
  [ "$status" -eq 3 ]
  output=$(tr -d '\r' <<< "$output")
  grep -qx 'got <hello run>' <<< "$output"
  [ "$(probe_value stdout)" = /dev/pts/0 ]
  [ "$(probe_value ctty)" = yes ]
  assert_clean c1
}

@test "run under a terminal: raw mode while it runs, our size, SIGWINCH resizes, settings restored" {
  command -v script > /dev/null || skip "script (bsdutils) is not installed"
  update_config '.root.readonly = false'
  set_args sh -c 'trap "probe tty; exit 0" WINCH; stty -a | head -n 1; touch /tmp/ready; while :; do sleep 0.1; done'
  local ready=$BUNDLE/rootfs/tmp/ready
  # Inside script(1)'s pty: note the settings, run vessel, resize the
  # terminal once the container is ready (the kernel sends SIGWINCH to the
  # foreground process group, vessel among it), compare the settings.
  # (A background job of a script reads /dev/null unless told otherwise.)
  # shellcheck disable=SC2016
  local cmd='stty rows 20 cols 70; before=$(stty -g)
    "$VESSEL" --root "$ROOT" run --bundle "$BUNDLE" c1 < /dev/tty & pid=$!
    for i in $(seq 100); do [ -e "$READY" ] && break; sleep 0.1; done
    stty rows 50 cols 90; wait $pid; echo "status $?"
    [ "$(stty -g)" = "$before" ] && echo "settings restored"'
  run env VESSEL="$VESSEL" ROOT="$VESSEL_TEST_ROOT" BUNDLE="$BUNDLE" READY="$ready" \
    timeout 30 script -qec "$cmd" /dev/null < /dev/null
  output=$(tr -d '\r' <<< "$output")
  echo "$output"
  assert_success
  # The container's terminal started with our size, then followed it.
  grep -q 'rows 20; columns 70;' <<< "$output"
  [ "$(probe_value size)" = "50 90" ]
  [ "$(probe_value ctty)" = yes ]
  grep -qx 'status 0' <<< "$output"
  grep -qx 'settings restored' <<< "$output"
  assert_clean c1
}

@test "run --detach with --console-socket" {
  set_args sh -c 'echo detached; probe tty'
  start_recvtty
  run vessel run --detach --bundle "$BUNDLE" --console-socket "$SOCK" c1
  assert_success
  tty_output
  grep -qx detached <<< "$output"
  [ "$(probe_value ctty)" = yes ]
}

@test "without a terminal the process's stdio pipes are given to its user, as runc" {
  update_config '.process.terminal = false | .process.user = {"uid": 1000, "gid": 1000}'
  chmod 755 "$BUNDLE/rootfs"
  set_args probe tty
  run bash -c 'echo | "$0" --root "$1" run --bundle "$2" c1 2>&1 | cat' "$VESSEL" "$VESSEL_TEST_ROOT" "$BUNDLE"
  assert_success
  [ "$(probe_value stdin)" = none ]
  [ "$(probe_value ctty)" = no ]
  [ "$(probe_value owner)" = 1000 ]
}

@test "create with a terminal needs --console-socket" {
  refused_tty "config.json: .process.terminal is true: pass --console-socket to receive the terminal" \
    create --bundle "$BUNDLE" c1
}

@test "run --detach with a terminal needs --console-socket" {
  refused_tty "config.json: .process.terminal is true: pass --console-socket" run --detach --bundle "$BUNDLE" c1
}

@test "--console-socket without a terminal is refused" {
  update_config '.process.terminal = false'
  start_recvtty
  refused_tty "--console-socket given, but config.json: .process.terminal is false" \
    create --bundle "$BUNDLE" --console-socket "$SOCK" c1
}

@test "run in the foreground refuses --console-socket" {
  start_recvtty
  refused_tty "--console-socket is only for a process that vessel does not wait for" \
    run --bundle "$BUNDLE" --console-socket "$SOCK" c1
}

@test "a console socket nobody listens on is refused, leaving nothing behind" {
  refused_tty "--console-socket: connect to \`$BATS_TEST_TMPDIR/nobody.sock\`: No such file or directory" \
    create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/nobody.sock" c1
}

@test "a terminal without a devpts mount is refused, leaving nothing behind" {
  update_config '.mounts |= map(select(.destination != "/dev/pts"))'
  start_recvtty
  refused_tty "config.json: .process.terminal: open /dev/ptmx in the container (a devpts mount at /dev/pts is needed)" \
    create --bundle "$BUNDLE" --console-socket "$SOCK" c1
}

@test "a /dev/ptmx that is not the ptmx device is refused" {
  # The image's /dev (no tmpfs there): its ptmx is whatever the image has.
  update_config '.mounts |= map(select(.destination != "/dev"))'
  mkdir -p "$BUNDLE/rootfs/dev/pts"
  mknod "$BUNDLE/rootfs/dev/ptmx" c 1 3
  start_recvtty
  refused_tty "config.json: .process.terminal: the container's /dev/ptmx is not the ptmx device" \
    create --bundle "$BUNDLE" --console-socket "$SOCK" c1
}
