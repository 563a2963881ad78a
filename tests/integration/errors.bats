#!/usr/bin/env bats
# Bad input gets a clear error, naming the field or path, exit status 1,
# and leaves nothing behind: no state directory, no cgroup, no process,
# no mount.

load helpers

setup() {
  require_root
  common_setup
  new_container c1
  PROCS_BEFORE=$(vessel_processes)
}

teardown() {
  common_teardown
}

# refused MESSAGE [create args...]: create fails with MESSAGE (a substring
# of its one-line error) and leaves nothing behind.
refused() {
  local want=$1
  shift
  run vessel create --bundle "$BUNDLE" "$@" c1
  echo "$output"
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ "${lines[0]}" == "vessel: "*"$want"* ]] || fail_with "wanted: $want"
  assert_nothing_left
}

assert_nothing_left() {
  assert_clean c1
  [ -z "$(ls -A "$VESSEL_TEST_ROOT")" ] || fail_with "state left: $(ls -A "$VESSEL_TEST_ROOT")"
  [ -z "$(test_cgroup_dirs)" ] || fail_with "cgroups left: $(test_cgroup_dirs)"
  [ "$(vessel_processes)" = "$PROCS_BEFORE" ] || fail_with "processes left: $(vessel_processes)"
  ! grep -q "$BUNDLE" /proc/self/mountinfo || fail_with "mounts left: $(grep "$BUNDLE" /proc/self/mountinfo)"
}

@test "malformed JSON: the parser's message" {
  echo '{"ociVersion": "1.0.0", "process": {"cwd": "/"' > "$BUNDLE/config.json"
  refused "config.json: invalid JSON: parse error: premature EOF"
}

@test "a missing config.json names the file" {
  rm "$BUNDLE/config.json"
  refused "open \`$BUNDLE/config.json\`: No such file or directory"
}

@test "a config.json that is not a regular file is refused" {
  rm "$BUNDLE/config.json"
  mkdir "$BUNDLE/config.json"
  refused "config.json: \`$BUNDLE/config.json\` is not a regular file"
}

@test "wrong types name the JSON path" {
  update_config '.linux.resources.memory.limit = "1G"'
  refused "config.json: .linux.resources.memory.limit: expected integer, got string"
  update_config '.linux.resources.memory.limit = 1 | .hostname = 5'
  refused "config.json: .hostname: expected string, got number"
  update_config '.hostname = "h" | .process.args = {"a": 1}'
  refused "config.json: .process.args: expected array, got object"
}

@test "a huge config.json and a deeply nested one are refused before they are read whole" {
  # 17 MiB of a valid config: one annotation holding the bulk.
  jq --rawfile big <(head -c $((17 << 20)) /dev/zero | tr '\0' a) '.annotations.big = $big' \
    "$BUNDLE/config.json" > "$BUNDLE/huge.json"
  mv "$BUNDLE/huge.json" "$BUNDLE/config.json"
  refused "config.json: larger than 16 MiB"
  { printf '{"ociVersion": "1.0.0", "annotations": {"a": '; head -c 100000 /dev/zero | tr '\0' '['; } > "$BUNDLE/config.json"
  refused "config.json: nested deeper than 64 levels"
}

@test "negative sizes are refused, naming the field" {
  update_config '.linux.resources.memory.limit = -5'
  refused "config.json: .linux.resources.memory.limit: -5 is not a size (bytes, or -1 for no limit)"
  update_config '.linux.resources.memory.limit = 1048576 | .linux.resources.memory.reservation = -2'
  refused "config.json: .linux.resources.memory.reservation: -2 is not a size"
  update_config 'del(.linux.resources.memory) | .process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": -1}]'
  refused "config.json: .process.rlimits[0].soft: value -1 is out of range"
  update_config '.process.rlimits = [] | .linux.resources.cpu.shares = -1'
  refused "config.json: .linux.resources.cpu.shares: value -1 is out of range"
}

@test "absurd id maps are refused, naming the range" {
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 4294967295, "size": 4294967295}]'
  refused "config.json: .linux.uidMappings[0]: 4294967295 ids from container id 0 (host id 4294967295) run past the last id"
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536},
    {"containerID": 1000, "hostID": 300000, "size": 10}]'
  refused "config.json: .linux.uidMappings[1]: overlaps range 0 (container ids)"
  update_config '.linux.uidMappings = [range(341) | {"containerID": ., "hostID": (100000 + .), "size": 1}]'
  refused "config.json: .linux.uidMappings: 341 ranges, the kernel takes at most 340"
}

@test "an unknown namespace type is refused" {
  update_config '.linux.namespaces += [{"type": "bogus"}]'
  refused "config.json: .linux.namespaces[6].type: unknown value \"bogus\""
}

@test "a duplicate namespace is refused" {
  update_config '.linux.namespaces += [{"type": "pid"}]'
  refused "config.json: .linux.namespaces[6]: duplicate namespace \`pid\`"
}

@test "uid mappings without a user namespace are refused" {
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 1}]'
  refused "config.json: .linux.uidMappings: id mappings need a user namespace"
}

@test "a new user namespace without mappings is refused" {
  update_config '.linux.namespaces += [{"type": "user"}]'
  refused "config.json: .linux.uidMappings: a new user namespace needs uidMappings and gidMappings"
}

@test "a relative namespace path is refused" {
  update_config '.linux.namespaces |= map(if .type == "network" then .path = "netns/x" else . end)'
  refused "config.json: .linux.namespaces[1].path: \`netns/x\` is not an absolute path"
}

@test "a namespace path that does not exist is refused, after the state directory existed" {
  update_config '.linux.namespaces |= map(if .type == "network" then .path = "/run/no/such/netns" else . end)'
  refused "open network namespace \`/run/no/such/netns\`: No such file or directory"
}

@test "a missing bundle directory is refused" {
  run vessel create --bundle "$BATS_TEST_TMPDIR/nope" c1
  [ "$status" -eq 1 ]
  [ "$output" = "vessel: bundle \`$BATS_TEST_TMPDIR/nope\`: No such file or directory" ]
  assert_nothing_left
}

@test "a missing rootfs is refused" {
  rm -rf "$BUNDLE/rootfs"
  refused "config.json: .root.path: \`$BUNDLE/rootfs\`: No such file or directory"
}

@test "a rootfs that is a file is refused" {
  rm -rf "$BUNDLE/rootfs"
  touch "$BUNDLE/rootfs"
  refused "config.json: .root.path: \`$BUNDLE/rootfs\` is not a directory"
}

@test "a rootfs that is a symlink is refused" {
  mv "$BUNDLE/rootfs" "$BUNDLE/real"
  ln -s real "$BUNDLE/rootfs"
  refused "config.json: .root.path: \`$BUNDLE/rootfs\` is a symbolic link"
}

@test "invalid container ids are refused" {
  local id
  for id in a/b .. . "" "a b" $'a\nb' "$(head -c 1100 /dev/zero | tr '\0' a)"; do
    run vessel create --bundle "$BUNDLE" "$id"
    [ "$status" -eq 1 ]
    [[ "$output" == "vessel: "*"container id"* ]]
  done
  run vessel create --bundle "$BUNDLE" "../escape"
  [[ "$output" == *"invalid container id \`../escape\`"* ]]
  [ -z "$(ls -A "$VESSEL_TEST_ROOT")" ]
  [ ! -e "$VESSEL_TEST_ROOT/../escape" ]
  assert_nothing_left
}

@test "an unknown capability is refused with its JSON path" {
  update_config '.process.capabilities.bounding += ["CAP_NOPE"]'
  refused "config.json: .process.capabilities.bounding[3]: unknown capability \`CAP_NOPE\`"
}

@test "an unknown rlimit and a soft limit above the hard one are refused" {
  update_config '.process.rlimits = [{"type": "RLIMIT_FOO", "soft": 1, "hard": 1}]'
  refused "config.json: .process.rlimits[0].type: unknown resource \`RLIMIT_FOO\`"
  update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]'
  refused "config.json: .process.rlimits[0]: soft limit 2048 is above the hard limit 1024"
}

@test "paths with .. are refused: cgroupsPath, mount destinations" {
  update_config '.linux.cgroupsPath = "/a/../../b"'
  refused "config.json: .linux.cgroupsPath: \`..\` is not allowed in \`/a/../../b\`"
  use_cgroup c1
  update_config '.mounts[0].destination = "/proc/../../x"'
  refused "config.json: .mounts[0].destination: \`..\` is not allowed in \`/proc/../../x\`"
}

@test "relative masked paths and cwd are refused" {
  update_config '.linux.maskedPaths = ["proc/kcore"]'
  refused "config.json: .linux.maskedPaths[0]: \`proc/kcore\` is not an absolute path"
  update_config '.linux.maskedPaths = [] | .process.cwd = "tmp"'
  refused "config.json: .process.cwd: \`tmp\` is not an absolute path"
}

@test "empty args and a missing program are refused" {
  update_config '.process.args = []'
  refused "config.json: .process.args: at least the program to run is needed"
  set_args no-such-program
  refused 'exec: "no-such-program": executable file not found in $PATH'
}

@test "sysctls outside the container's namespaces are refused" {
  update_config '.linux.sysctl = {"kernel.panic": "1"}'
  refused "config.json: .linux.sysctl[\"kernel.panic\"]: not in a namespace of its own"
  update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
  refused "config.json: .linux.sysctl[\"net.ipv4.ip_forward\"]: needs a network namespace"
  update_config '.linux.sysctl = {"net/../../kernel/panic": "1"}'
  refused "config.json: .linux.sysctl[\"net/../../kernel/panic\"]: not a valid sysctl name"
}

@test "a hostname without a uts namespace is refused" {
  update_config '.linux.namespaces |= map(select(.type != "uts"))'
  refused "config.json: .hostname: setting a hostname needs a uts namespace"
}

@test "a mount option the filesystem rejects fails in the init, and everything is undone" {
  update_config '.mounts += [{"destination": "/x", "type": "tmpfs", "source": "tmpfs", "options": ["size=bogus"]}]'
  refused "config.json: .mounts[7]: mount tmpfs on \`/x\`: tmpfs: Bad value for 'size'"
}

@test "a filesystem type that does not exist is refused" {
  update_config '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "x"}]'
  refused "config.json: .mounts[7]: mount nosuchfs on \`/x\`: No such device"
}

@test "a bind mount of a missing source is refused" {
  update_config '.mounts += [{"destination": "/x", "type": "bind", "source": "/no/such/dir", "options": ["rbind"]}]'
  refused "config.json: .mounts[7]: bind source \`/no/such/dir\`: No such file or directory"
}

@test "a bind mount without a source is refused" {
  update_config '.mounts += [{"destination": "/x", "options": ["bind"]}]'
  refused "config.json: .mounts[7].source: a bind mount needs a source"
}

@test "--systemd-cgroup is refused clearly" {
  run "$VESSEL" --root "$VESSEL_TEST_ROOT" --systemd-cgroup create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [ "$output" = "vessel: the systemd cgroup driver is not supported yet: drop --systemd-cgroup to use cgroupfs" ]
  assert_nothing_left
}

@test "a duplicate id leaves the first container alone and adds nothing" {
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1
  local pid procs
  pid=$(vessel state c1 | jq .pid)
  procs=$(vessel_processes)
  [ "$procs" = "$pid" ] # the created init is seen, so the check can fail
  run vessel create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [ "$output" = "vessel: container \`c1\` already exists" ]
  [ "$(vessel state c1 | jq .pid)" = "$pid" ]
  [ "$(vessel_processes)" = "$procs" ]
  [ "$(ls "$VESSEL_TEST_ROOT")" = c1 ]
}

@test "run of a process that fails still cleans everything up" {
  set_args sh -c 'exit 42'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 42 ]
  assert_nothing_left
}

@test "a failed create leaves no zombie behind" {
  update_config '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "x"}]'
  # vessel runs under a subreaper, which gets what vessel leaves: its init
  # unreaped (a zombie) or still running.  Exit 125 and "orphan ..." then.
  run "$VESSEL_BUILDDIR/tests/helpers/orphans" "$VESSEL" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ] || fail_with "status $status: $output"
  [[ "$output" != *orphan* ]] || fail_with "$output"
  assert_nothing_left
}

@test "a NUL cannot reach vessel in an id: execve ends the string there" {
  command -v perl > /dev/null || skip "needs perl, to pass a NUL in an argument"
  # perl passes "c1<NUL>/../x" as it is (bash would drop the NUL), and
  # vessel gets the id "c1".  (Not through `run`: the init would hold its
  # pipe open.)
  perl -e 'exec { $ARGV[0] } @ARGV, "c1\0/../x"' "$VESSEL" --root "$VESSEL_TEST_ROOT" create --bundle "$BUNDLE"
  [ "$(vessel state c1 | jq -r .id)" = c1 ]
  [ ! -e "$VESSEL_TEST_ROOT/x" ] && [ ! -e "$VESSEL_TEST_ROOT/../x" ]
  vessel delete --force c1
}

@test "a NUL in state.json or config.json is refused, not cut short" {
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  local f="$VESSEL_TEST_ROOT/c1/state.json"
  jq -c '.id = "c1\u0000/../x"' "$f" > "$f.new" && mv "$f.new" "$f"
  run vessel state c1
  [ "$status" -eq 1 ] && [[ "$output" == "vessel: "*"\\u0000"* ]] || fail_with "$output"
  # delete --force still finds the init through the state it can read.
  jq -c '.id = "c1"' "$f" > "$f.new" && mv "$f.new" "$f"
  vessel delete --force c1
  # In config.json a \u0000 is refused wherever it is: a NUL-cut mount
  # destination would be another path.
  update_config '.mounts[0].destination = "/proc\u0000/../../etc"'
  refused 'config.json: string with a \u0000 escape at offset'
}
