#!/usr/bin/env bats
# The command-line paths run under valgrind: no leak, no invalid access.
# create and run re-execute vessel from a read-only mount of itself unless
# it already runs from one or a sealed memfd (exe_seal.h); under valgrind
# /proc/self/exe is valgrind itself, so the tests run a copy of vessel on
# a read-only bind mount, which is safe already.

load helpers

setup() {
  require_root
  command -v valgrind >/dev/null || skip "valgrind is not installed"
  common_setup
  RO_BIN="$BATS_TEST_TMPDIR/ro-bin"
  mkdir -p "$RO_BIN"
  # A static vessel comes with a dynamic twin of the same objects:
  # valgrind cannot replace malloc in a static binary.
  local bin=$VESSEL
  [ ! -x "$VESSEL_BUILDDIR/tests/helpers/vessel-dynamic" ] || bin=$VESSEL_BUILDDIR/tests/helpers/vessel-dynamic
  readelf -l "$bin" | grep -q 'Requesting program interpreter' || skip "valgrind needs a dynamically linked vessel: $bin is static"
  cp "$bin" "$RO_BIN/vessel"
  mount --bind "$RO_BIN" "$RO_BIN"
  mount -o remount,bind,ro "$RO_BIN"
}

teardown() {
  umount "$RO_BIN" 2>/dev/null || true
  [ -z "${VG_NETNS-}" ] || ip netns del "$VG_NETNS" 2>/dev/null || true
  common_teardown
}

# vg ARGS...: vessel under valgrind; fails on any error or definite leak.
# In the network namespace VG_NETNS when it is set.
vg() {
  local wrap=()
  [ -z "${VG_NETNS-}" ] || wrap=(nsenter --net="/run/netns/$VG_NETNS")
  "${wrap[@]}" valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --trace-children=no \
    "$RO_BIN/vessel" --root "$VESSEL_TEST_ROOT" "$@"
}

@test "spec, features, --version and --help are clean under valgrind" {
  cd "$BATS_TEST_TMPDIR"
  run vg spec
  [ "$status" -eq 0 ]
  run vg spec --rootless --bundle "$BATS_TEST_TMPDIR/none"
  [ "$status" -eq 1 ]
  run vg features
  [ "$status" -eq 0 ]
  run vg --version
  [ "$status" -eq 0 ]
  run vg --help
  [ "$status" -eq 0 ]
}

@test "error paths are clean under valgrind" {
  run vg nosuchcommand
  [ "$status" -eq 1 ]
  run vg spec --nosuchoption
  [ "$status" -eq 1 ]
  run vg state nosuch
  [ "$status" -eq 1 ]
  run vg kill nosuch KILL
  [ "$status" -eq 1 ]
  run vg delete nosuch
  [ "$status" -eq 1 ]
  new_container c1
  echo '{"ociVersion": "1.0.0", "process": {"cwd": 5' > "$BUNDLE/config.json"
  run vg create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: invalid JSON"* ]]
  make_bundle "$BATS_TEST_TMPDIR/b2"
  update_config '.linux.namespaces += [{"type": "pid"}]'
  run vg create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"duplicate namespace"* ]]
  make_bundle "$BATS_TEST_TMPDIR/b3"
  update_config '.process.terminal = true'
  run vg create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"pass --console-socket"* ]]
  run vg create --bundle "$BUNDLE" --console-socket "$BATS_TEST_TMPDIR/nobody.sock" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"--console-socket: connect to"* ]]
}

@test "a netDevices failure after the clone is clean under valgrind" {
  new_container c1
  update_config 'del(.process.rlimits) | .linux.netDevices = {"nosuch0": {}}'
  # vessel runs in a network namespace of the test's, where it is missing.
  VG_NETNS=$(test_netns_name vg)
  ip netns add "$VG_NETNS"
  run vg run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ] || fail_with "status $status: $output"
  [[ "$output" == *".linux.netDevices.nosuch0: find the network interface in vessel's namespace: No such device"* ]]
  assert_clean c1
}

@test "the lifecycle commands are clean under valgrind" {
  new_container c1
  set_args sleep 100
  # Not create: its init uses syscalls valgrind 3.19 does not know
  # (clone3's child does open_tree, fsopen, move_mount); the sanitizer
  # build covers it.
  vessel create --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1
  run vg state c1
  [ "$status" -eq 0 ]
  run vg list
  [ "$status" -eq 0 ]
  run vg list --format json
  [ "$status" -eq 0 ]
  run vg start c1
  [ "$status" -eq 0 ]
  run vg kill c1 KILL
  [ "$status" -eq 0 ]
  wait_for_status c1 stopped
  run vg delete c1
  [ "$status" -eq 0 ]
  assert_clean c1
}

@test "exec is clean under valgrind, through namespace fds where it has no pidfds" {
  new_container c1
  set_args sleep 100
  # valgrind refuses a child's setrlimit of RLIMIT_NOFILE (it keeps fds
  # for itself): no rlimits for this container.
  update_config 'del(.process.rlimits)'
  vessel run --detach --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null
  run vg exec c1 sh -c 'readlink /proc/self/ns/mnt; exit 4'
  [ "$status" -eq 4 ] || fail_with "status $status: $output"
  [[ "$output" == *"mnt:[$(ns_inode mnt "$(init_pid)")]"* ]]
  # vessel's own failures: 255, as runc's exec
  run vg exec --cwd /nope c1 true
  [ "$status" -eq 255 ] || fail_with "status $status: $output"
  [[ "$output" == *"chdir \`/nope\`"* ]]
  run vg exec -p "$BATS_TEST_TMPDIR/none.json" c1
  [ "$status" -eq 255 ] || fail_with "status $status: $output"
}

@test "seccomp: exec's saved filter and start's listener are clean under valgrind" {
  new_container c1
  update_config 'del(.process.rlimits) | .process.noNewPrivileges = true'
  update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $sock,
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
                 {"names": ["rmdir"], "action": "SCMP_ACT_NOTIFY"}]}' --arg sock "$BATS_TEST_TMPDIR/nobody.sock"
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1
  # No agent: start fails sending the listener, and stops the container.
  run vg start c1
  [ "$status" -eq 1 ] || fail_with "status $status: $output"
  [[ "$output" == *"listenerPath: connect to"* ]]
  wait_for_status c1 stopped
  vessel delete c1
  update_config 'del(.linux.seccomp.listenerPath) | .linux.seccomp.syscalls |= .[:1]'
  vessel run --detach --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null
  # valgrind has no seccomp(2): the filter saved in the state is read and
  # compiled, and its load fails (ENOSYS), vessel's own failure (255).
  # seccomp.bats checks the filter itself.
  run vg exec c1 mkdir /tmp/d
  [ "$status" -eq 255 ] || fail_with "status $status: $output"
  [[ "$output" == *"load the seccomp filter: Function not implemented"* ]] || fail_with "$output"
  vessel delete --force c1
  assert_clean c1
}
