#!/usr/bin/env bats
# Namespaces: new ones differ from the host's, missing ones are the host's,
# joined ones (by path) are exactly those of the path, and each kind
# isolates what it should.  Bad paths fail with messages that say why.

load helpers

setup() {
  require_root
  common_setup
  CLEANUP_MOUNTS=()
  CLEANUP_NETNS=()
  CLEANUP_SHM=()
}

teardown() {
  local x
  for x in "${CLEANUP_MOUNTS[@]}"; do umount "$x" 2>/dev/null || true; done
  for x in "${CLEANUP_NETNS[@]}"; do ip netns del "$x" 2>/dev/null || true; done
  for x in "${CLEANUP_SHM[@]}"; do ipcrm -m "$x" 2>/dev/null || true; done
  common_teardown
}

# container_in_new_netns ID TAG: new_container ID, joining a network
# namespace made for it (`ip netns add`, deleted by teardown) whose name
# is left in NETNS.
container_in_new_netns() {
  NETNS=$(test_netns_name "$2")
  ip netns add "$NETNS"
  CLEANUP_NETNS+=("$NETNS")
  new_container "$1"
  update_config '(.linux.namespaces[] | select(.type == "network")).path = $p' --arg p "/run/netns/$NETNS"
}

# The /proc/PID/ns file of an OCI namespace type.
ns_file() {
  case $1 in
    network) echo net ;;
    mount) echo mnt ;;
    *) echo "$1" ;;
  esac
}

have_time_ns() {
  [ -e /proc/self/ns/time ] || skip "the kernel has no time namespaces"
}

@test "the default config gives new pid, network, ipc, uts, mount and cgroup namespaces" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1
  local pid t f
  pid=$(init_pid c1)
  for t in pid network ipc uts mount cgroup; do
    f=$(ns_file "$t")
    [ "$(ns_inode "$f" "$pid")" != "$(ns_inode "$f" $$)" ] || fail_with "$t namespace is the host's"
  done
  # Not in the default config: shared.
  for f in user time; do
    [ -e "/proc/$pid/ns/$f" ] || continue
    [ "$(ns_inode "$f" "$pid")" = "$(ns_inode "$f" $$)" ] || fail_with "$f namespace is not the host's"
  done
  vessel delete --force c1
  assert_clean c1
}

@test "namespaces not in the config are the host's" {
  new_container c1
  update_config '.linux.namespaces = [{"type": "mount"}] | del(.hostname)'
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1
  local pid f
  pid=$(init_pid c1)
  [ "$(ns_inode mnt "$pid")" != "$(ns_inode mnt $$)" ]
  for f in pid net ipc uts cgroup user time; do
    [ -e "/proc/$pid/ns/$f" ] || continue
    [ "$(ns_inode "$f" "$pid")" = "$(ns_inode "$f" $$)" ] || fail_with "$f namespace is not the host's"
  done
  vessel delete --force c1
  assert_clean c1
}

@test "the process sees the same namespaces as the init vessel reports" {
  new_container c1
  set_args sh -c 'probe ns; exec sleep 100'
  vessel create --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1
  local pid
  pid=$(init_pid c1)
  vessel start c1
  for i in $(seq 50); do grep -q '^mnt ' "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
  local out f
  out=$(cat "$BATS_TEST_TMPDIR/out")
  for f in pid net ipc uts mnt cgroup; do
    [ "$(probe_value "$f" "$out")" = "$(ns_inode "$f" "$pid")" ] || fail_with "$f: inside $(probe_value "$f" "$out"), init $(ns_inode "$f" "$pid")"
  done
  vessel delete --force c1
  assert_clean c1
}

@test "in a new pid namespace the process is pid 1 and sees only its own processes" {
  new_container c1
  set_args sh -c 'echo pid $$; ls -d /proc/[0-9]*'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "${lines[0]}" = "pid 1" ]
  # sh itself and the ls listing them.
  [ "${#lines[@]}" -le 3 ]
  [ "${lines[1]}" = "/proc/1" ]
  assert_clean c1
}

@test "a new network namespace has only the loopback interface" {
  new_container c1
  set_args sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "lo" ]
  assert_clean c1
}

@test "a new network namespace's loopback is up: a server on 127.0.0.1 answers, as under runc and crun" {
  new_container c1
  set_args sh -c 'ip -o link show lo | grep -o "<[^>]*>"; ip -o addr show lo | awk "{ print \$4 }";
    echo served > /tmp/page; httpd -p 127.0.0.1:8080 -h /tmp; wget -qO- http://127.0.0.1:8080/page'
  update_config '.root.readonly = false'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(sed -n 1p <<< "$output")" = "<LOOPBACK,UP,LOWER_UP>" ] || fail_with "$output"
  grep -qx '127.0.0.1/8' <<< "$output" || fail_with "$output"
  [ "$(tail -n 1 <<< "$output")" = served ] || fail_with "$output"
  assert_clean c1
}

@test "a joined network namespace's loopback is left as it is" {
  container_in_new_netns c1 lo
  set_args sh -c 'ip -o link show lo | grep -o "<[^>]*>"'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "<LOOPBACK>" ] || fail_with "$output"
  assert_clean c1
}

@test "a new ipc namespace hides the host's System V shared memory, the host's ipc namespace shows it" {
  local id
  id=$(ipcmk -M 4096 | grep -o '[0-9]*$')
  CLEANUP_SHM+=("$id")
  grep -qE "^ *-?[0-9]+ +$id " /proc/sysvipc/shm

  new_container c1
  set_args cat /proc/sysvipc/shm
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "${#lines[@]}" -eq 1 ] # the header only

  update_config '.linux.namespaces |= map(select(.type != "ipc"))'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  echo "$output" | grep -qE "^ *-?[0-9]+ +$id "
  assert_clean c1
}

@test "a new uts namespace takes the configured hostname without changing the host's" {
  local before
  before=$(hostname)
  new_container c1
  update_config '.hostname = "in-the-uts-ns"'
  set_args probe hostname
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$output" = "hostname in-the-uts-ns" ]
  [ "$(hostname)" = "$before" ]
  assert_clean c1
}

@test "in a new cgroup namespace /proc/self/cgroup shows the container's cgroups as /" {
  new_container c1
  set_args cat /proc/self/cgroup
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ -n "$output" ]
  local bad
  bad=$(echo "$output" | grep -v ':/$' || true)
  [ -z "$bad" ] || fail_with "not the root: $bad"
  assert_clean c1
}

@test "without a cgroup namespace /proc/self/cgroup shows the full cgroup path" {
  new_container c1
  update_config '.linux.namespaces |= map(select(.type != "cgroup"))'
  set_args cat /proc/self/cgroup
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  echo "$output" | grep -q ":$(test_cgroup c1)\$"
  assert_clean c1
}

@test "the mounts of a new mount namespace do not appear on the host" {
  new_container c1
  set_args sleep 100
  vessel create --bundle "$BUNDLE" c1 > /dev/null 2>&1
  local pid
  pid=$(init_pid c1)
  # The container has its /proc; the host has no mount under the rootfs.
  awk '{print $5}' "/proc/$pid/mountinfo" | grep -qx /proc
  run ! grep -F "$BUNDLE/rootfs" /proc/self/mountinfo
  vessel delete --force c1
  assert_clean c1
}

@test "a new time namespace shifts the monotonic and boot clocks by timeOffsets" {
  have_time_ns
  new_container c1
  update_config '.linux.namespaces += [{"type": "time"}]
    | .linux.timeOffsets = {"monotonic": {"secs": 1000000, "nanosecs": 0},
                            "boottime": {"secs": 2000000, "nanosecs": 0}}'
  set_args sh -c 'probe clocks; echo uptime $(cut -d. -f1 /proc/uptime); probe ns'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  local host mono boot up
  host=$(host_probe clocks)
  mono=$(( $(probe_value monotonic) - $(probe_value monotonic "$host") ))
  boot=$(( $(probe_value boottime) - $(probe_value boottime "$host") ))
  up=$(( $(probe_value uptime) - $(probe_value boottime "$host") ))
  [ "$mono" -ge 999995 ] && [ "$mono" -le 1000001 ] || fail_with "monotonic differs by $mono"
  [ "$boot" -ge 1999995 ] && [ "$boot" -le 2000001 ] || fail_with "boottime differs by $boot"
  [ "$up" -ge 1999995 ] && [ "$up" -le 2000001 ] || fail_with "/proc/uptime differs by $up"
  [ "$(probe_value time)" != "$(ns_inode time $$)" ]
  assert_clean c1
}

@test "timeOffsets without a time namespace are refused" {
  new_container c1
  update_config '.linux.timeOffsets = {"monotonic": {"secs": 10, "nanosecs": 0}}'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".linux.timeOffsets"*"time namespace"* ]]
  assert_clean c1
}

@test "a new user namespace maps container ids to the hostIDs of uidMappings and gidMappings" {
  new_container c1
  use_user_namespace
  update_config '.root.readonly = false'
  set_args sh -c 'probe ids; touch /tmp/made-inside'
  vessel create --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 || fail_with "$(cat "$BATS_TEST_TMPDIR/out")"
  local pid
  pid=$(init_pid c1)
  [ "$(awk '{print $1, $2, $3}' "/proc/$pid/uid_map")" = "0 100000 65536" ]
  [ "$(awk '{print $1, $2, $3}' "/proc/$pid/gid_map")" = "0 100000 65536" ]
  [ "$(ns_inode user "$pid")" != "$(ns_inode user $$)" ]
  vessel start c1
  wait_for_status c1 stopped
  local out
  out=$(cat "$BATS_TEST_TMPDIR/out")
  [ "$(probe_value uid "$out")" = 0 ] || fail_with "$out"
  [ "$(probe_value gid "$out")" = 0 ]
  [ "$(stat -c %u:%g "$BUNDLE/rootfs/tmp/made-inside")" = "100000:100000" ]
  vessel delete c1
  assert_clean c1
}

@test "a user namespace given by path is joined: same inode, same id mappings" {
  new_container a
  local bundle_a=$BUNDLE
  use_user_namespace
  set_args sleep 100
  vessel run --detach --bundle "$bundle_a" a > /dev/null 2>&1
  local pid_a
  pid_a=$(init_pid a)

  bundle_joining_user_namespace_of a
  use_cgroup b
  set_args sh -c 'probe ids; probe ns; cat /proc/self/uid_map'
  run vessel run --bundle "$BUNDLE" b
  assert_success
  [ "$(probe_value uid)" = 0 ]
  [ "$(probe_value user)" = "$(ns_inode user "$pid_a")" ]
  [ "$(echo "$output" | tail -n 1 | awk '{print $1, $2, $3}')" = "0 100000 65536" ]

  vessel delete --force a
  assert_clean a
  assert_clean b
}

@test "id mappings without a user namespace are refused" {
  new_container c1
  update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".linux.uidMappings"*"user namespace"* ]]
  assert_clean c1
}

@test "a uts namespace given by path is joined: same inode, its hostname" {
  local nsfile="$BATS_TEST_TMPDIR/uts"
  touch "$nsfile"
  unshare --uts="$nsfile" hostname joined-uts
  CLEANUP_MOUNTS+=("$nsfile")
  local before
  before=$(hostname)

  new_container c1
  update_config '(.linux.namespaces[] | select(.type == "uts")).path = $p | del(.hostname)' --arg p "$nsfile"
  set_args sh -c 'probe hostname; probe ns'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(probe_value hostname)" = joined-uts ]
  [ "$(probe_value uts)" = "$(stat -L -c %i "$nsfile")" ]
  [ "$(hostname)" = "$before" ]
  assert_clean c1
}

@test "a network namespace given by path is joined: same inode, its interfaces" {
  container_in_new_netns c1 net
  ip -n "$NETNS" link add vt-a type veth peer name vt-b
  set_args sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort; probe ns'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(echo "$output" | grep -v ' ' | tr '\n' ' ')" = "lo vt-a vt-b " ]
  [ "$(probe_value net)" = "$(stat -L -c %i "/run/netns/$NETNS")" ]
  assert_clean c1
}

@test "a pid namespace given by path is joined: both containers see each other's processes" {
  new_container a
  local bundle_a=$BUNDLE
  set_args sleep 100
  vessel run --detach --bundle "$bundle_a" a > /dev/null 2>&1
  local pid_a
  pid_a=$(init_pid a)

  make_bundle "$BATS_TEST_TMPDIR/bundle-b"
  use_cgroup b
  update_config '(.linux.namespaces[] | select(.type == "pid")).path = $p' --arg p "/proc/$pid_a/ns/pid"
  set_args sh -c 'tr "\0" " " < /proc/1/cmdline; echo; exec sleep 100'
  vessel run --detach --bundle "$BUNDLE" b > "$BATS_TEST_TMPDIR/out-b" 2>&1
  local pid_b
  pid_b=$(init_pid b)
  [ "$(ns_inode pid "$pid_b")" = "$(ns_inode pid "$pid_a")" ]

  # b sees a's process as its pid 1.
  for i in $(seq 50); do [ -s "$BATS_TEST_TMPDIR/out-b" ] && break; sleep 0.1; done
  [ "$(cat "$BATS_TEST_TMPDIR/out-b")" = "sleep 100 " ]
  # a's /proc shows b's process, under its pid in the namespace.
  local nspid_b
  nspid_b=$(awk '/^NSpid:/ {print $NF}' "/proc/$pid_b/status")
  [ "$nspid_b" != "$pid_b" ]
  [ -d "/proc/$pid_a/root/proc/$nspid_b" ]
  [ "$(tr '\0' ' ' < "/proc/$pid_a/root/proc/$nspid_b/cmdline")" = "sleep 100 " ]

  vessel delete --force b
  vessel delete --force a
  assert_clean a
  assert_clean b
}

@test "a namespace path that does not exist is refused naming the path" {
  new_container c1
  update_config '(.linux.namespaces[] | select(.type == "uts")).path = "/nonexistent/uts"'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *"uts namespace"*"/nonexistent/uts"*"No such file or directory"* ]]
  assert_clean c1
}

@test "a namespace path of another type is refused naming both types" {
  new_container c1
  update_config '(.linux.namespaces[] | select(.type == "network")).path = $p' --arg p "/proc/$$/ns/uts"
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  local i
  i=$(jq '.linux.namespaces | map(.type) | index("network")' "$BUNDLE/config.json")
  [ "$output" = "vessel: config.json: .linux.namespaces[$i].path: \`/proc/$$/ns/uts\` is a uts namespace, not a network namespace" ] ||
    fail_with "$output"
  assert_clean c1
}

@test "a namespace path that is not a namespace file is refused" {
  new_container c1
  touch "$BATS_TEST_TMPDIR/plain"
  update_config '(.linux.namespaces[] | select(.type == "ipc")).path = $p' --arg p "$BATS_TEST_TMPDIR/plain"
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  local i
  i=$(jq '.linux.namespaces | map(.type) | index("ipc")' "$BUNDLE/config.json")
  [ "$output" = "vessel: config.json: .linux.namespaces[$i].path: \`$BATS_TEST_TMPDIR/plain\` is not a namespace" ] ||
    fail_with "$output"
  assert_clean c1
}

@test "a relative namespace path is refused" {
  new_container c1
  update_config '(.linux.namespaces[] | select(.type == "ipc")).path = "proc/1/ns/ipc"'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *".linux.namespaces["*"].path"*"not an absolute path"* ]]
  assert_clean c1
}

@test "a namespace listed twice is refused" {
  new_container c1
  update_config '.linux.namespaces += [{"type": "ipc"}]'
  run vessel run --bundle "$BUNDLE" c1
  assert_failure
  [[ "$output" == *"duplicate namespace"*"ipc"* ]]
  assert_clean c1
}
