#!/usr/bin/env bats
# Id-mapped bind mounts (mount_setattr MOUNT_ATTR_IDMAP): a mount's own
# uidMappings/gidMappings, or the container's user namespace for `idmap`
# and `ridmap` without them.  Owners are read back inside the container
# and on the host.

load helpers

setup() {
  require_root
  common_setup
  new_container c1
  DATA=$BATS_TEST_TMPDIR/data
  mkdir -p "$DATA"
  touch "$DATA/f0" "$DATA/f5"
  chown 5:6 "$DATA/f5"
  make_reachable "$DATA"
  CLEANUP_MOUNTS=()
}

teardown() {
  local m
  for m in "${CLEANUP_MOUNTS[@]}"; do umount "$m" 2>/dev/null || true; done
  common_teardown
}

# bind_data OPTIONS [EXTRA]: $DATA on /data with the options (a JSON
# array) and EXTRA (a JSON object merged into the mount).
bind_data() {
  update_config '.mounts += [{"destination": "/data", "type": "bind", "source": $src, "options": $opts} + $extra]' \
    --arg src "$DATA" --argjson opts "$1" --argjson extra "${2:-{\}}"
}

# A mapping of 10 ids from 0 to 1000, for uids and gids.
MAPPINGS='{"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}],
  "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}'

@test "uidMappings and gidMappings on a bind mount map its owners, without a user namespace" {
  bind_data '["bind"]' "$MAPPINGS"
  set_args sh -c 'stat -c "%n %u %g" /data/f0 /data/f5; touch /data/new 2>&1 || true'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"/data/f0 1000 1000"* ]]
  [[ "$output" == *"/data/f5 1005 1006"* ]]
  # Root (uid 0 here) has no id in the mount: it cannot own a file there.
  [[ "$output" == *"Value too large for defined data type"* ]]
  [ ! -e "$DATA/new" ]
  # The host sees the files as they are.
  [ "$(stat -c '%u %g' "$DATA/f0")" = "0 0" ]
}

@test "idmap takes the container's user namespace: its root owns the host's root files and creates them as root" {
  use_user_namespace
  bind_data '["bind", "idmap"]'
  set_args sh -c 'stat -c "%n %u %g" /data/f0 /data/f5; touch /data/new && stat -c "%n %u %g" /data/new'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"/data/f0 0 0"* ]]
  [[ "$output" == *"/data/f5 5 6"* ]]
  [[ "$output" == *"/data/new 0 0"* ]]
  [ "$(stat -c '%u %g' "$DATA/new")" = "0 0" ]
  # Without the id mapping the same files are nobody's in the container.
  update_config '.mounts[-1].options = ["bind"]'
  set_args stat -c "%n %u %g" /data/f0
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"/data/f0 65534 65534"* ]]
}

@test "idmap with a user namespace joined by path takes that namespace" {
  make_bundle "$BATS_TEST_TMPDIR/bundle-a"
  use_cgroup a
  local bundle_a=$BUNDLE
  use_user_namespace
  set_args sleep 100
  vessel run --detach --bundle "$bundle_a" a > /dev/null 2>&1 < /dev/null

  bundle_joining_user_namespace_of a
  use_cgroup b
  bind_data '["rbind", "ridmap"]'
  set_args stat -c "%n %u %g" /data/f0 /data/f5
  run vessel run --bundle "$BUNDLE" b
  assert_success
  [[ "$output" == *"/data/f0 0 0"* ]]
  [[ "$output" == *"/data/f5 5 6"* ]]
  vessel delete --force a
  assert_clean a
  assert_clean b
}

@test "idmap maps the top mount of an rbind, ridmap every mount in it" {
  # The submount: a bind of a directory beside it (a tmpfs would do, but
  # Linux id-maps tmpfs only from 6.3, and the lane's kernel is 6.1).
  mkdir -p "$DATA/sub" "$DATA/subsrc"
  touch "$DATA/subsrc/g0"
  mount --bind "$DATA/subsrc" "$DATA/sub"
  CLEANUP_MOUNTS+=("$DATA/sub")
  bind_data '["rbind", "idmap"]' "$MAPPINGS"
  set_args stat -c "%n %u" /data/f0 /data/sub/g0
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"/data/f0 1000"* ]]
  [[ "$output" == *"/data/sub/g0 0"* ]]
  update_config '.mounts[-1].options = ["rbind", "ridmap"]'
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [[ "$output" == *"/data/f0 1000"* ]]
  [[ "$output" == *"/data/sub/g0 1000"* ]]
}

@test "a mount the kernel cannot id-map fails create and leaves nothing" {
  # procfs does not support id-mapped mounts.
  update_config '.mounts += [{"destination": "/hostproc", "type": "bind", "source": "/proc", "options": ["bind", "idmap"]} + $m]' \
    --argjson m "$MAPPINGS"
  run vessel run --bundle "$BUNDLE" c1
  [ "$status" -eq 1 ]
  [[ "$output" == *"config.json: .mounts["*"]: id-map the bind of \`/proc\`: Invalid argument"* ]]
  assert_clean c1
}

@test "id-mapped mounts vessel refuses, before anything exists" {
  local -A cases=(
    ['{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}']='.mounts[MOUNT]: only bind mounts can be id-mapped'
    ['{"destination": "/d", "type": "bind", "source": "/tmp", "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}']='.mounts[MOUNT]: uidMappings and gidMappings go together'
    ['{"destination": "/d", "type": "bind", "source": "/tmp", "options": ["bind", "ridmap"]}']=".mounts[MOUNT].options: an id-mapped mount without uidMappings and gidMappings takes the container's user namespace, and it has none"
  )
  local n k
  n=$(jq '.mounts | length' "$BUNDLE/config.json")
  for k in "${!cases[@]}"; do cases[$k]=${cases[$k]//MOUNT/$n}; done
  refuses_each '.mounts += [VALUE]' cases
}

@test "features lists idmap, ridmap and the idmap mount extension" {
  run vessel features
  assert_success
  echo "$output" | jq -e '.linux.mountExtensions.idmap.enabled == true
    and (.mountOptions | index("idmap")) and (.mountOptions | index("ridmap"))'
  run vessel --version
  [[ "$output" == *"+IDMAP"* ]]
}
