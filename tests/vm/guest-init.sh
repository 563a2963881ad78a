#!/usr/bin/busybox sh
# tests/vm/guest-init.sh - the guest's /init (run-in-vm.sh packs it).
#   as PID 1 on the initramfs   stage 1: moves the root onto a tmpfs, then
#                               becomes stage 2, or systemd
#   as PID 1 on the tmpfs       stage 2 (shapes v2, v1): mounts the API
#                               filesystems and the shape's cgroups, runs the
#                               lane, powers off
#   /init service               (systemd shapes) vessel-lane.service: runs the
#                               lane; the unit powers off when it ends
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
shape=$(sed -n 's/^export LANE_SHAPE=//p' /lane/env.sh)

# report KEY=VALUE: to run-in-vm.sh, on the third serial port.
report() { echo "$*" > /dev/ttyS2; }

# mount_once TYPE DIR [OPTIONS]: mounts unless DIR is already a mount point
# (systemd mounts most of these itself).
mount_once() {
  mkdir -p "$2"
  awk -v d="$2" '$2 == d { found = 1 } END { exit !found }' /proc/self/mounts 2> /dev/null ||
    mount -t "$1" ${3:+-o "$3"} "$1" "$2" 2> /dev/null ||
    echo "lane init: cannot mount $1 on $2" >&2
}

stage1() {
  # pivot_root(2) refuses the initramfs's rootfs: copy everything onto a
  # tmpfs and switch to it.
  echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd
  echo 'messagebus:x:100:102::/nonexistent:/bin/false' >> /etc/passwd
  echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >> /etc/passwd
  printf 'root:x:0:\ntty:x:5:\nmessagebus:x:102:\nnogroup:x:65534:\n' > /etc/group
  printf '127.0.0.1 localhost vessel-vm\n::1 localhost\n' > /etc/hosts
  echo vessel-vm > /etc/hostname
  mkdir /.newroot
  mount -t tmpfs -o mode=0755,size=95% tmpfs /.newroot
  for e in /*; do
    case $e in /proc | /sys | /dev | /.newroot) ;; *) cp -a "$e" /.newroot/ ;; esac
  done
  mkdir -p /.newroot/proc /.newroot/sys /.newroot/dev
  : > /.newroot/.lane-stage2
  case $shape in
    systemd-*) exec switch_root /.newroot /lib/systemd/systemd ;;
    *) exec switch_root /.newroot /init ;;
  esac
}

# cgroup_v1: each v1 controller's hierarchy at /sys/fs/cgroup/NAME on a
# tmpfs, cpu+cpuacct and net_cls+net_prio shared as systemd's legacy mode
# has them; cgroup2 is never mounted, so /proc/PID/cgroup has no 0:: line.
cgroup_v1() {
  mount -t tmpfs -o mode=0755,nosuid,nodev,noexec tmpfs /sys/fs/cgroup
  local c dir
  for c in $(awk '!/^#/ && $4 == 1 { print $1 }' /proc/cgroups); do
    case $c in
      cpu | cpuacct) dir=cpu,cpuacct ;;
      net_cls | net_prio) dir=net_cls,net_prio ;;
      *) dir=$c ;;
    esac
    [ ! -d "/sys/fs/cgroup/$dir" ] || continue
    mkdir "/sys/fs/cgroup/$dir"
    mount -t cgroup -o "nosuid,nodev,noexec,${dir}" cgroup "/sys/fs/cgroup/$dir" ||
      { echo "lane init: cannot mount the v1 hierarchy $dir" >&2; rmdir "/sys/fs/cgroup/$dir"; continue; }
    case $dir in *,*) for c in $(echo "$dir" | tr , ' '); do ln -s "$dir" "/sys/fs/cgroup/$c"; done ;; esac
  done
}

cgroup_v2() {
  mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup ||
    echo "lane init: cannot mount cgroup2" >&2
  local c
  for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
    echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control || echo "lane init: cannot enable $c" >&2
  done
}

# setup: what the lane needs and neither the kernel nor systemd gives.
setup() {
  mount_once proc /proc
  mount_once sysfs /sys
  mount_once devtmpfs /dev
  mount_once devpts /dev/pts gid=5,mode=620,ptmxmode=666
  mount_once tmpfs /dev/shm mode=1777
  mount_once mqueue /dev/mqueue
  mount_once tmpfs /run mode=0755,nosuid,nodev
  mount_once securityfs /sys/kernel/security
  mount_once bpf /sys/fs/bpf
  [ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
  [ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
  [ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
  [ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
  hostname vessel-vm
  ip link set lo up
  local m
  for m in /lane/modules/*.ko; do
    [ ! -e "$m" ] || insmod "$m" || echo "lane init: insmod $m failed" >&2
  done
  for m in /dev/ttyS1 /dev/ttyS2 /dev/ttyS3; do stty -F $m raw -echo 2> /dev/null; done
}

# run_lane: run.sh, its output through a pipe (as in CI) to the second
# serial port, $LANE_OUT as a tar to the fourth, its status reported.
run_lane() {
  report "boot_uptime=$(cut -d' ' -f1 /proc/uptime)"
  export HOME=/root TERM=dumb LANE_TESTDIR=/lane/test LANE_OUT=/lane/out
  cd /lane/test || return
  . /lane/env.sh
  mkfifo /lane/stdout
  cat /lane/stdout > /dev/ttyS1 &
  local cat_pid=$! i=0
  ./run.sh "$@" < /dev/null > /lane/stdout 2>&1
  echo $? > /lane/rc
  # Processes the suites left behind may hold the pipe: stop cat anyway.
  while [ $i -lt 20 ] && kill -0 $cat_pid 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
  kill $cat_pid 2> /dev/null
  report "end_uptime=$(cut -d' ' -f1 /proc/uptime)"
  [ ! -e /lane/want-out ] || tar -C /lane/out -cf /dev/ttyS3 .
  report "rc=$(cat /lane/rc)"
}

if [ "$1" = service ]; then
  setup
  run_lane
  exit 0
fi
[ -e /.lane-stage2 ] || stage1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
case $shape in
  v1) cgroup_v1 ;;
  *) cgroup_v2 ;;
esac
setup
run_lane
poweroff -f
