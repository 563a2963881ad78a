#!/bin/bash
# run.sh of a VM lane: runs INSIDE the VM (lane.sh copies it into the test
# directory it packs).  Arguments: the bats files to run, as DIR/NAME.bats
# in $LANE_TESTDIR/src/tests (integration/errors.bats,
# clients/containerd.bats).  Prints the host shape as the guest sees it,
# each suite's TAP output and a summary; writes NAME.tap and the guest's
# dmesg into $LANE_OUT.
# Exit status: 0 every suite passed, 1 a suite failed, 2 the guest is not
# of the shape $LANE_SHAPE asked for.
set -u
T=${LANE_TESTDIR:-/lane/test}
OUT=${LANE_OUT:-/lane/out}
SHAPE=${LANE_SHAPE:-v2}
cd "$T" || exit 2

# busybox's applet links in /usr/sbin come first in PATH: drop those that
# would hide a host program brought into /usr/bin.
for f in /usr/sbin/*; do
  n=${f##*/}
  if [ -L "$f" ] && [ "$(readlink "$f")" = /usr/bin/busybox ] &&
    [ -e "/usr/bin/$n" ] && [ "$(readlink "/usr/bin/$n")" != /usr/bin/busybox ]; then
    rm -f "$f"
  fi
done

# What every host has and the guest's bare tmpfs root lacks: podman keeps
# its image copies in /var/tmp.
mkdir -p /var/tmp && chmod 1777 /var/tmp

export VESSEL=$T/build/vessel VESSEL_BUILDDIR=$T/build VESSEL_SRCDIR=$T/src BUSYBOX=$T/busybox
# One busybox rootfs template for every suite (helpers.bash's rootfs_template).
export VESSEL_TEST_CACHE=/lane/cache
mkdir -p -m 755 "$VESSEL_TEST_CACHE"

echo "# guest: shape $SHAPE, kernel $(uname -r), $(nproc) cpus, $(($(awk '/^MemTotal/ { print $2 }' /proc/meminfo) / 1024)) MiB"
echo "# guest: booted in $(cut -d" " -f1 /proc/uptime)s (kernel uptime when the suites start)"
echo "# guest: PID 1 is $(cat /proc/1/comm)"
if [[ $SHAPE == systemd-* ]]; then
  echo "# guest: systemctl is-system-running: $(timeout 30 systemctl is-system-running 2>&1)"
fi
sed 's/^/# guest: \/proc\/self\/cgroup: /' /proc/self/cgroup
awk '$2 ~ "^/sys/fs/cgroup" { print "# guest: mount: " $2 " " $3 " (" $4 ")" }' /proc/mounts
[ ! -e /sys/fs/cgroup/cgroup.subtree_control ] ||
  echo "# guest: root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"

# not_shape REASON: the guest is not what the lane is for.
not_shape() {
  echo "lane: the guest is not a $SHAPE host: $*"
  exit 2
}
v1_mounts=$(awk '$3 == "cgroup"' /proc/mounts)
v2_mounts=$(awk '$3 == "cgroup2"' /proc/mounts)
case $SHAPE in
  v2 | systemd-v2)
    [ -e /sys/fs/cgroup/cgroup.controllers ] || not_shape "/sys/fs/cgroup is not cgroup2"
    [ -z "$v1_mounts" ] || not_shape "cgroup v1 hierarchies are mounted" ;;
  v1 | systemd-v1)
    [ -n "$v1_mounts" ] || not_shape "no cgroup v1 hierarchy is mounted"
    [ -z "$v2_mounts" ] || not_shape "cgroup2 is mounted"
    ! grep -q '^0::' /proc/self/cgroup || not_shape "/proc/self/cgroup has a cgroup2 line" ;;
esac
case $SHAPE in
  systemd-*) [ "$(cat /proc/1/comm)" = systemd ] || not_shape "PID 1 is not systemd" ;;
  *) [ "$(cat /proc/1/comm)" != systemd ] || not_shape "PID 1 is systemd" ;;
esac

# The suites must end by LANE_SECONDS from now (lane.sh sets it a little
# below the VM's wall-clock limit): a suite still running then is stopped
# (status 124), so that what it did so far is printed and copied back.
deadline=$(($(date +%s) + ${LANE_SECONDS:-86400}))

# suite_file FILE: the path of suite FILE (an argument) in the guest.
suite_file() {
  case $1 in
    */*) echo "$T/src/tests/$1" ;;
    *) echo "$T/src/tests/integration/$1" ;;
  esac
}

# suite_name FILE: NAME, for the files in $OUT.
suite_name() {
  local b=${1##*/}
  echo "${b%.bats}"
}

# disk_tmpdir: a directory on an ext4 filesystem (a loop device over a
# sparse file of the tmpfs root, made on first use), for the suites whose
# mounts need what tmpfs lacks before Linux 6.3: idmapped mounts.
disk_tmpdir() {
  local d=/lane/ext4
  if ! mountpoint -q "$d"; then
    mkdir -p "$d"
    truncate -s 1G /lane/ext4.img &&
      mke2fs -q -F -t ext4 /lane/ext4.img &&
      mount -o loop /lane/ext4.img "$d" || return 1
    chmod 1777 "$d"
  fi
  echo "$d"
}

# suite_tmpdir NAME: where bats makes suite NAME's temporary files.
suite_tmpdir() {
  case $1 in
    idmap) disk_tmpdir ;;
    *) echo "${TMPDIR:-/tmp}" ;;
  esac
}

# run_suite FILE: bats on one suite, its TAP output into $OUT/NAME.tap, its
# status into $OUT/NAME.status, its duration into $OUT/NAME.time.
run_suite() {
  local f=$1 name t0 st left
  name=$(suite_name "$f")
  t0=$(date +%s)
  left=$((deadline - t0))
  [ "$left" -gt 0 ] || left=1
  set -- env TMPDIR="$(suite_tmpdir "$name")" timeout -k 10 "$left" bats --tap --timing ${LANE_FILTER:+--filter "$LANE_FILTER"} "$(suite_file "$f")"
  if [ "$JOBS" = 1 ]; then
    "$@" 2>&1 | tee "$OUT/$name.tap"
    st=${PIPESTATUS[0]}
  else
    "$@" > "$OUT/$name.tap" 2>&1
    st=$?
  fi
  echo "$st" > "$OUT/$name.status"
  echo $(($(date +%s) - t0)) > "$OUT/$name.time"
}

# LANE_JOBS suites at a time (default: one per vCPU): under software
# emulation a suite keeps about one vCPU busy.  With more than one, each
# suite's TAP output is printed when it ends; with one, as it goes.
JOBS=${LANE_JOBS:-$(nproc)}
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=1
echo "# guest: $# suites, $JOBS at a time"
if [ "$JOBS" = 1 ]; then
  for f in "$@"; do
    echo "# ==== $f"
    run_suite "$f"
  done
else
  declare -A suite_of=()
  report() { # print the TAP output of the suite whose job was pid $1
    local f=${suite_of[$1]} name
    name=$(suite_name "$f")
    echo "# ==== $f ($(cat "$OUT/$name.time")s)"
    cat "$OUT/$name.tap"
  }
  running=0
  for f in "$@"; do
    if [ "$running" -ge "$JOBS" ]; then
      wait -n -p done_pid
      report "$done_pid"
      running=$((running - 1))
    fi
    run_suite "$f" &
    suite_of[$!]=$f
    running=$((running + 1))
    echo "# started $f"
  done
  while [ "$running" -gt 0 ]; do
    wait -n -p done_pid
    report "$done_pid"
    running=$((running - 1))
  done
fi

rc=0
summary=""
for f in "$@"; do
  name=$(suite_name "$f")
  st=$(cat "$OUT/$name.status" 2>/dev/null || echo none)
  [ "$st" = 0 ] || rc=1
  pass=$(grep '^ok ' "$OUT/$name.tap" | grep -vc ' # skip')
  skipped=$(grep '^ok ' "$OUT/$name.tap" | grep -c ' # skip')
  failed=$(grep -c '^not ok ' "$OUT/$name.tap")
  failed_list=$(sed -n 's/^not ok [0-9]* \(.*\) in [0-9]*ms.*$/\1/p' "$OUT/$name.tap" | sed 's/^/#     not ok: /')
  summary+="# $f: $pass passed, $failed failed, $skipped skipped, bats status $st, $(cat "$OUT/$name.time")s"$'\n'
  [ "$st" != 124 ] || summary+="#     STOPPED: the lane's time limit came (lane.sh -t)"$'\n'
  [ -z "$failed_list" ] || summary+="$failed_list"$'\n'
done

# What the suites left behind (common_teardown removes what vessel leaves).
left=$(find /sys/fs/cgroup/ -mindepth 1 -maxdepth 2 -type d -name 'vessel-test-*' 2>/dev/null)
[ -z "$left" ] || summary+="# left behind: cgroups $(echo "$left" | tr '\n' ' ')"$'\n'
dmesg > "$OUT/dmesg.txt" 2>/dev/null
if grep -qE 'BUG:|Oops|general protection|WARNING: CPU' "$OUT/dmesg.txt"; then
  summary+="# the guest kernel logged a BUG/Oops/WARNING: see dmesg.txt (-o DIR)"$'\n'
fi

echo "# ==== summary"
printf '%s' "$summary"
exit $rc
