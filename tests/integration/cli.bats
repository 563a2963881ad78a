#!/usr/bin/env bats
# The command line itself: global options, help, version, errors, and the
# commands that need no container (spec, features).

load helpers

setup() {
  common_setup
  cd "$BATS_TEST_TMPDIR"
}

@test "--version prints version, commit, spec version and features" {
  run "$VESSEL" --version
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" =~ ^vessel\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
  [[ "${lines[1]}" =~ ^commit:\ .+ ]]
  # Built from this checkout (make check rebuilds first): its commit, not
  # the one configure saw.
  local head
  if head=$(git -C "$VESSEL_SRCDIR" describe --always --abbrev=12 2>/dev/null); then
    [[ "${lines[1]}" == "commit: $head"* ]] || fail_with "${lines[1]}, but the checkout is at $head"
  fi
  [ "${lines[2]}" = "spec: 1.3.0" ]
  [[ "${lines[3]}" =~ ^features:\ .*\+CAP ]]
}

@test "--help lists the commands and exits 0" {
  run "$VESSEL" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: vessel"* ]]
  [[ "$output" == *"spec "* ]]
  [[ "$output" == *"features "* ]]
}

@test "no command prints the usage and exits 1" {
  run "$VESSEL"
  [ "$status" -eq 1 ]
  [[ "$output" == *"Usage: vessel"* ]]
}

@test "an unknown command is a one-line error with a usage hint, exit 1" {
  run "$VESSEL" frobnicate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "vessel: unknown command \`frobnicate\`" ]
  [ "${lines[1]}" = "Run 'vessel --help' for usage." ]
  [ "${#lines[@]}" -eq 2 ]
}

@test "an unknown global option is an error, exit 1" {
  run "$VESSEL" --frobnicate spec
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "vessel: unknown option \`--frobnicate\`" ]
  [ "${lines[1]}" = "Run 'vessel --help' for usage." ]
}

@test "an unknown command option is an error naming the command, exit 1" {
  run "$VESSEL" spec --frobnicate
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "vessel: spec: unknown option \`--frobnicate\`" ]
  [ "${lines[1]}" = "Run 'vessel spec --help' for usage." ]
}

@test "a missing option value is an error" {
  run "$VESSEL" spec --bundle
  [ "$status" -eq 1 ]
  [ "${lines[0]}" = "vessel: spec: option \`--bundle\` needs a value" ]
}

@test "global options are accepted as runc spells them" {
  run "$VESSEL" --root "$BATS_TEST_TMPDIR/r" --log "$BATS_TEST_TMPDIR/log.json" \
      --log-format json --debug --rootless false --systemd-cgroup features
  [ "$status" -eq 0 ]
  run "$VESSEL" --rootless=auto -root "$BATS_TEST_TMPDIR/r" features
  [ "$status" -eq 0 ]
  run "$VESSEL" --log-format yaml features
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown log format \`yaml\`"* ]]
}

@test "command --help prints the command's usage" {
  run "$VESSEL" spec --help
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "Usage: vessel spec [--bundle DIR] [--rootless]" ]]
  run "$VESSEL" features -h
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "Usage: vessel features" ]]
}

@test "spec writes a runc-like default config.json that jq reads" {
  run "$VESSEL" spec
  [ "$status" -eq 0 ]
  [ -f config.json ]
  jq -e '.ociVersion == "1.3.0"' config.json
  jq -e '.process.args == ["sh"] and .process.terminal == true and .process.cwd == "/"' config.json
  jq -e '.root.path == "rootfs" and .root.readonly == true' config.json
  jq -e '[.mounts[].destination] == ["/proc","/dev","/dev/pts","/dev/shm","/dev/mqueue","/sys","/sys/fs/cgroup"]' config.json
  jq -e '[.linux.namespaces[].type] | sort == ["cgroup","ipc","mount","network","pid","uts"]' config.json
  jq -e '.linux.maskedPaths | index("/proc/kcore") != null' config.json
  jq -e '.linux.readonlyPaths | index("/proc/sys") != null' config.json
  jq -e '.process.capabilities.bounding == ["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]' config.json
  jq -e '.process.capabilities.inheritable == null' config.json
  # tab-indented, as runc writes it
  grep -q "^	\"ociVersion\"" config.json
}

@test "spec --bundle writes into the bundle and refuses to overwrite" {
  mkdir b
  run "$VESSEL" spec --bundle b
  [ "$status" -eq 0 ]
  [ -f b/config.json ]
  before=$(sha256sum b/config.json)
  run "$VESSEL" spec -b b
  [ "$status" -eq 1 ]
  [[ "$output" == *"b/config.json\` exists: remove it first"* ]]
  [ "$(sha256sum b/config.json)" = "$before" ]
}

@test "spec --bundle on a missing directory is an error naming it" {
  run "$VESSEL" spec --bundle "$BATS_TEST_TMPDIR/nope"
  [ "$status" -eq 1 ]
  [[ "$output" == "vessel: open bundle \`$BATS_TEST_TMPDIR/nope\`: No such file or directory" ]]
}

@test "spec --rootless maps root to the caller and drops the network namespace" {
  run "$VESSEL" spec --rootless
  [ "$status" -eq 0 ]
  uid=$(id -u)
  gid=$(id -g)
  jq -e --argjson u "$uid" '.linux.uidMappings == [{"containerID":0,"hostID":$u,"size":1}]' config.json
  jq -e --argjson g "$gid" '.linux.gidMappings == [{"containerID":0,"hostID":$g,"size":1}]' config.json
  jq -e '[.linux.namespaces[].type] | (index("user") != null and index("network") == null)' config.json
  jq -e '.mounts[] | select(.destination == "/sys") | .type == "none" and .source == "/sys" and (.options | index("rbind") != null)' config.json
  jq -e '.mounts[] | select(.destination == "/dev/pts") | .options | index("gid=5") == null' config.json
  jq -e '.linux.resources == null' config.json
}

@test "features prints a valid features document" {
  run "$VESSEL" features
  [ "$status" -eq 0 ]
  echo "$output" > features.json
  jq -e '.ociVersionMin == "1.0.0" and .ociVersionMax == "1.3.0"' features.json
  jq -e '.linux.namespaces | sort == ["cgroup","ipc","mount","network","pid","time","user","uts"]' features.json
  jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null and index("CAP_CHECKPOINT_RESTORE") != null' features.json
  jq -e '.mountOptions | index("rro") != null and index("rbind") != null and index("tmpcopyup") != null' features.json
  jq -e '.linux.cgroup.v1 == true and .linux.cgroup.v2 == true and .linux.cgroup.systemd == false' features.json
  jq -e '.annotations["run.vessel.version"] != null' features.json
}

@test "features and --version agree" {
  run "$VESSEL" features
  seccomp=$(echo "$output" | jq -r '.linux.seccomp.enabled')
  run "$VESSEL" --version
  if [ "$seccomp" = true ]; then
    [[ "${lines[3]}" == *"+SECCOMP"* ]]
  else
    [[ "${lines[3]}" != *"+SECCOMP"* ]]
  fi
}

@test "--log-format json writes runc-style JSON lines to --log" {
  run "$VESSEL" --log "$BATS_TEST_TMPDIR/log.json" --log-format json spec --bundle /nonexistent
  [ "$status" -eq 1 ]
  # the error is on stderr as text ...
  [[ "$output" == "vessel: open bundle \`/nonexistent\`: No such file or directory" ]]
  # ... and in the log as a JSON line
  jq -e 'select(.level == "error") | (.msg | startswith("open bundle")) and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))' "$BATS_TEST_TMPDIR/log.json"
}

@test "--log-format json without --log writes the error once, as JSON, to stderr" {
  run "$VESSEL" --log-format json spec --bundle /nonexistent
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
  echo "${lines[0]}" | jq -e '.level == "error" and (.msg | startswith("open bundle"))'
}
