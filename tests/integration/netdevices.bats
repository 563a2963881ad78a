#!/usr/bin/env bats
# linux.netDevices: interfaces of vessel's network namespace moved into the
# container's.  vessel runs in a network namespace that the test makes,
# and the devices are ends of veth pairs made there (this kernel has no
# dummy driver; a veth end moves like any other device), so nothing here
# touches the host's network.

load helpers

setup() {
  require_root
  command -v ip > /dev/null || skip "needs ip (iproute2)"
  common_setup
  OUTER=$(test_netns_name outer)
  ip netns add "$OUTER"
  CLEANUP_NETNS=("$OUTER")
  new_container c1
}

teardown() {
  local x
  for x in "${CLEANUP_NETNS[@]}"; do ip netns del "$x" 2>/dev/null || true; done
  common_teardown
}

# outer CMD...: CMD in the test's network namespace, where vessel runs.
outer() {
  nsenter --net="/run/netns/$OUTER" "$@"
}

# vessel, run from the test's network namespace.
outer_vessel() {
  outer "$VESSEL" --root "$VESSEL_TEST_ROOT" "$@"
}

# veth NAME PEER: a pair in the test's namespace; PEER is up, for NAME to
# have a carrier wherever it goes.
veth() {
  outer ip link add "$1" type veth peer name "$2"
  outer ip link set "$2" up
}

mac_of() {
  outer ip -j link show "$1" | jq -r '.[0].address'
}

@test "a device moves in under its new name, up, with its MAC, MTU and permanent global addresses" {
  veth x0 x0p
  outer ip addr add 10.77.0.1/24 dev x0p
  outer ip link set x0 mtu 1400 address 02:00:00:00:77:02
  outer ip addr add 10.77.0.2/24 dev x0
  outer ip addr add fd77::2/64 dev x0 nodad
  outer ip addr add 10.78.0.2/24 dev x0 scope link
  outer ip addr add 10.79.0.2/24 dev x0 valid_lft 300 preferred_lft 300
  update_config '.linux.netDevices = {"x0": {"name": "eth7"}}
    | .process.capabilities.bounding += ["CAP_NET_RAW"] | .process.capabilities.effective += ["CAP_NET_RAW"]
    | .process.capabilities.permitted += ["CAP_NET_RAW"]'
  set_args sh -c 'echo flags $(($(cat /sys/class/net/eth7/flags) & 1)); echo mtu $(cat /sys/class/net/eth7/mtu)
    echo mac $(cat /sys/class/net/eth7/address); ip -o addr show dev eth7
    ping -c 1 -W 5 10.77.0.1 > /dev/null && echo ping ok'
  outer_vessel create --bundle "$BUNDLE" c1 > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null
  # Gone from vessel's namespace once created.
  run outer ip link show x0
  assert_failure
  vessel start c1
  wait_for_status c1 stopped
  output=$(cat "$BATS_TEST_TMPDIR/out")
  [ "$(probe_value flags)" = 1 ]
  [ "$(probe_value mtu)" = 1400 ]
  [ "$(probe_value mac)" = 02:00:00:00:77:02 ]
  [[ "$output" == *"inet 10.77.0.2/24 "*"scope global eth7"* ]]
  [[ "$output" == *"inet6 fd77::2/64 scope global"* ]]
  # Neither a link-scope address nor one with a lifetime is permanent and global.
  [[ "$output" != *10.78.0.2* ]]
  [[ "$output" != *10.79.0.2* ]]
  [[ "$output" == *"ping ok"* ]]
}

@test "without a name a device keeps its own; the kernel numbers %d names" {
  veth a0 a0p
  veth b0 b0p
  veth c0 c0p
  local b0_mac c0_mac
  b0_mac=$(mac_of b0)
  c0_mac=$(mac_of c0)
  update_config '.linux.netDevices = {"a0": {}, "b0": {"name": "net%d"}, "c0": {"name": "net%d"}}'
  set_args sh -c 'echo devices $(ls /sys/class/net); echo net0 $(cat /sys/class/net/net0/address)
    echo net1 $(cat /sys/class/net/net1/address)'
  run outer_vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(probe_value devices)" = "a0 lo net0 net1" ]
  [ "$(probe_value net0)" = "$b0_mac" ]
  [ "$(probe_value net1)" = "$c0_mac" ]
}

@test "a device goes into a network namespace joined by path, and stays there after the container" {
  local target
  target=$(test_netns_name target)
  ip netns add "$target"
  CLEANUP_NETNS+=("$target")
  veth j0 j0p
  update_config '(.linux.namespaces[] | select(.type == "network")).path = $p
    | .linux.netDevices = {"j0": {"name": "eth0"}}' --arg p "/run/netns/$target"
  outer_vessel run --bundle "$BUNDLE" c1
  run nsenter --net="/run/netns/$target" ip -j link show eth0
  assert_success
  echo "$output" | jq -e '.[0].flags | index("UP")'
}

@test "a device moves into the network namespace of a container with a user namespace" {
  use_user_namespace
  veth u0 u0p
  update_config '.linux.netDevices = {"u0": {"name": "eth0"}}'
  set_args sh -c 'echo uid $(id -u); echo flags $(($(cat /sys/class/net/eth0/flags) & 1))'
  run outer_vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(probe_value uid)" = 0 ]
  [ "$(probe_value flags)" = 1 ]
}

@test "a device that is missing or whose name is taken in the container fails create and leaves nothing" {
  veth x0 x0p
  update_config '.linux.netDevices = {"nosuch0": {}}'
  run outer_vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: .linux.netDevices.nosuch0: find the network interface in vessel's namespace: No such device"* ]]
  assert_clean c1
  update_config '.linux.netDevices = {"x0": {"name": "lo"}}'
  run outer_vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: .linux.netDevices.x0: the container already has a network interface \`lo\`"* ]]
  assert_clean c1
  # Checked before the move: the device is still where it was.
  outer ip link show x0
}

@test "netDevices vessel refuses, before anything exists" {
  local -A cases=(
    ['{"a/b": {}}']='config.json: .linux.netDevices["a/b"]: not a network interface name'
    ['{"x0": {"name": "sixteen-chars-xx"}}']='.linux.netDevices.x0.name: `sixteen-chars-xx` is not a network interface name'
    ['{"x0": {"name": "e%d%d"}}']='.linux.netDevices.x0.name: `e%d%d` is not a network interface name'
    ['{"x0": {"name": "a b"}}']='.linux.netDevices.x0.name: `a b` is not a network interface name'
    ['{"x0": {"name": "e0"}, "x1": {"name": "e0"}}']='.linux.netDevices.x1: `e0` is also the name given to `x0`'
    ['{"x0": {"name": 7}}']='.linux.netDevices.x0.name'
  )
  refuses_each '.linux.netDevices = VALUE' cases
  update_config '.linux.netDevices = {"x0": {}} | del(.linux.namespaces[] | select(.type == "network"))'
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: .linux.netDevices: the container has no network namespace to move them to"* ]]
  assert_clean c1
}

@test "features says netDevices are supported" {
  run vessel features
  assert_success
  echo "$output" | jq -e '.linux.netDevices.enabled == true'
  run vessel --version
  [[ "$output" == *"+NETDEVICES"* ]]
}
