#!/bin/bash
# tests/vm/run-in-vm.sh - boots a throw-away qemu VM of one host shape, runs
# TESTDIR/run.sh in it as root and exits with its status.  tests/vm/lane.sh
# is the usual way in; this is the machine under it.
#
# Usage: tests/vm/run-in-vm.sh [options] TESTDIR [ARGS...]
#
#   The guest's root is a tmpfs (pivot_root works there) made of busybox and
#   host files: TESTDIR, copied to /lane/test, every -i PATH at its own path,
#   and the shared libraries (ldd) of each ELF file among them.  run.sh runs
#   in /lane/test with ARGS; its output (stdout and stderr, a pipe) is
#   streamed to our stdout.
#
# Options:
#   -s SHAPE   the host shape (default v2):
#                v2          busybox init, cgroup_no_v1=all, cgroup2 at
#                            /sys/fs/cgroup with every controller enabled
#                v1          busybox init, each v1 controller's hierarchy at
#                            /sys/fs/cgroup/NAME (as systemd's legacy mode
#                            lays them out), no cgroup2 mounted anywhere
#                systemd-v2  Debian's systemd (the host's) as PID 1 on cgroup
#                            v2, dbus-daemon on the system bus; run.sh runs
#                            in the unit vessel-lane.service, which powers
#                            the VM off when it ends
#                systemd-v1  the same, systemd.unified_cgroup_hierarchy=0
#                            and systemd.legacy_systemd_cgroup_controller=1:
#                            legacy v1 with name=systemd, no cgroup2 at all
#   -i PATH    bring a host file or directory into the guest (repeatable)
#   -M MODULE  load this kernel module (after its dependencies; repeatable)
#   -e VAR=VAL export VAR=VAL to run.sh (repeatable)
#   -o DIR     copy back into DIR what run.sh writes into $LANE_OUT, and the
#              kernel console log
#   -t SECS    wall-clock limit of the VM (default 900)
#   -m MIB     guest memory (default 2048)
#   -c N       guest vCPUs (default: the host's CPUs)
#   -v         stream the guest's kernel console to stderr as well
#   -K         keep the work directory and print its path
#
# Exit status: run.sh's; 124 the VM timed out; 125 the VM could not run
# (the reason, and the end of the kernel console, on stderr).
#
# Environment: VESSEL_VM_KERNEL (a bzImage; default: Debian's
#   linux-image-cloud-amd64, fetched with apt-get download into
#   VESSEL_VM_CACHE, default ~/.cache/vessel-vm), VESSEL_VM_QEMU (default
#   qemu-system-x86_64), VESSEL_VM_BUSYBOX (default /bin/busybox, static),
#   VESSEL_VM_APPEND (more kernel command line).
# Needs: qemu-system-x86, busybox-static, cpio-capable busybox, libc-bin
#   (ldd), apt-get and dpkg-deb for the kernel; systemd and dbus for the
#   systemd shapes.
set -euo pipefail

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "$prog: $*" >&2; exit 125; }
say() { echo "$prog: $*" >&2; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

SHAPE=v2 TIMEOUT=900 MEM=2048 CPUS=$(nproc) VERBOSE=0 KEEP=0 OUTDIR=''
KERNEL=${VESSEL_VM_KERNEL:-}
CACHE=${VESSEL_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vessel-vm}
QEMU=${VESSEL_VM_QEMU:-qemu-system-x86_64}
BUSYBOX=${VESSEL_VM_BUSYBOX:-/bin/busybox}
INCLUDES=() MODULES=() ENVS=()
while getopts ':s:i:M:e:o:t:m:c:vKh' opt; do
  case $opt in
    s) SHAPE=$OPTARG ;;
    i) INCLUDES+=("$OPTARG") ;;
    M) MODULES+=("$OPTARG") ;;
    e) [[ $OPTARG == [A-Za-z_]*=* ]] || die "-e wants VAR=VALUE, not '$OPTARG'"
      ENVS+=("$OPTARG") ;;
    o) OUTDIR=$OPTARG ;;
    t) TIMEOUT=$OPTARG ;;
    m) MEM=$OPTARG ;;
    c) CPUS=$OPTARG ;;
    v) VERBOSE=1 ;;
    K) KEEP=1 ;;
    h) usage; exit 0 ;;
    :) die "option -$OPTARG needs an argument" ;;
    *) usage >&2; exit 125 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -ge 1 ]] || { usage >&2; exit 125; }
TESTDIR=$1
shift
[[ -f $TESTDIR/run.sh ]] || die "$TESTDIR/run.sh not found"
case $SHAPE in v2 | v1 | systemd-v2 | systemd-v1) ;; *) die "unknown shape $SHAPE" ;; esac
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-system-x86)"
[[ -x $BUSYBOX ]] && ! ldd "$BUSYBOX" >/dev/null 2>&1 ||
  die "no static busybox at $BUSYBOX (apt-get install busybox-static)"
if [[ $SHAPE == systemd-* ]]; then
  [[ -x /lib/systemd/systemd ]] || die "/lib/systemd/systemd not found (apt-get install systemd)"
  command -v dbus-daemon >/dev/null || die "dbus-daemon not found (apt-get install dbus)"
fi

t_start=$(date +%s.%N)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vessel-vm.XXXXXX")
QPID='' TPID=''
cleanup() {
  [[ -z $TPID ]] || kill "$TPID" 2>/dev/null || true
  [[ -z $QPID ]] || kill "$QPID" 2>/dev/null || true
  if [[ $KEEP = 1 ]]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ kernel
# fetch_kernel: Debian's cloud kernel (small, virtio and everything a
# container runtime needs built in or as modules) unpacked into $CACHE.
fetch_kernel() {
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || return 1
  local pkg dl
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
    awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
  [[ -n $pkg ]] || { say "apt-cache knows no linux-image-cloud-amd64 (apt-get update?)"; return 1; }
  say "fetching $pkg into $CACHE (apt-get download)"
  dl=$(mktemp -d "$CACHE/download.XXXXXX")
  if (cd "$dl" && apt-get download -q "$pkg" >&2 && dpkg-deb -x ./*.deb root); then
    rm -rf "${CACHE:?}/$pkg"
    mv "$dl/root" "$CACHE/$pkg"
    rm -rf "$dl"
  else
    rm -rf "$dl"
    return 1
  fi
}
newest_kernel() { ls -1 "$CACHE"/linux-image-*/boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1 || true; }
if [[ -z $KERNEL ]]; then
  mkdir -p "$CACHE" || die "cannot create $CACHE"
  # Lanes started side by side download the kernel once.
  exec 9>"$CACHE/.lock"
  flock 9
  KERNEL=$(newest_kernel)
  if [[ -z $KERNEL ]] && fetch_kernel; then KERNEL=$(newest_kernel); fi
  exec 9>&-
fi
[[ -n $KERNEL && -r $KERNEL ]] ||
  die "no readable kernel (VESSEL_VM_KERNEL, or apt-get download linux-image-cloud-amd64 failed)"
KVER=${KERNEL##*/vmlinuz-}
MODDIR=$(cd "$(dirname "$KERNEL")/.." && pwd)/lib/modules/$KVER

# ------------------------------------------------------------------ guest root
R=$WORK/root
mkdir -p "$R"/usr/{bin,sbin,lib,lib64} "$R"/{proc,sys,dev,run,tmp,etc,root,lane/test,lane/out,lane/modules}
ln -s usr/bin "$R/bin"
ln -s usr/sbin "$R/sbin"
ln -s usr/lib "$R/lib"
ln -s usr/lib64 "$R/lib64"
chmod 1777 "$R/tmp"
chmod 700 "$R/root"

declare -A copied=() libdirs=()
is_elf() { [[ -f $1 && ! -L $1 && $(head -c 4 "$1" | od -An -c | tr -d ' ') == 177ELF ]]; }

# copy_libs FILE: the shared libraries ELF file FILE loads.
copy_libs() {
  local out line lib
  out=$(ldd "$1" 2>/dev/null) || return 0 # static, or not a program
  while read -r line; do
    case $line in
      *'=> not found'*) # a library found through its program's RUNPATH
        lib=$(dirname "$1")/${line%% *}
        [[ -e $lib ]] || die "$1: its library ${line%% *} is not on the host" ;;
      *'=> /'*) lib=${line#*=> } lib=${lib%% (*} ;;
      /*) lib=${line%% (*} ;;
      *) continue ;; # the vDSO
    esac
    copy_in "$lib"
    libdirs[$(dirname "$lib")]=1
  done <<< "$out"
}

# copy_in PATH: host PATH at the same place in the guest; a symbolic link
# is recreated and what it points to copied too.
copy_in() {
  local p=$1 d f
  while [[ $p == ?*/ ]]; do p=${p%/}; done
  [[ $p == /* ]] || p=$(cd "$(dirname "$p")" && pwd)/${p##*/}
  [[ -z ${copied[$p]:-} ]] || return 0
  copied[$p]=1
  [[ -e $p || -L $p ]] || die "$p does not exist"
  d=$R$(dirname "$p")
  mkdir -p "$d"
  if [[ -L $p ]]; then
    [[ -e $d/${p##*/} || -L $d/${p##*/} ]] || ln -s "$(readlink "$p")" "$d/${p##*/}"
    copy_in "$(readlink -f "$p")"
  elif [[ -d $p ]]; then
    cp -a "$p" "$d/"
    while IFS= read -r -d '' f; do is_elf "$f" && copy_libs "$f"; done < <(find "$p" -type f -print0)
  else
    cp -p "$p" "$d/"
    ! is_elf "$p" || copy_libs "$p"
  fi
  return 0
}

cp -a "$TESTDIR"/. "$R/lane/test/"
while IFS= read -r -d '' f; do is_elf "$f" && copy_libs "$f"; done < <(find "$TESTDIR" -type f -print0)
for p in "${INCLUDES[@]}"; do copy_in "$p"; done

# The systemd shapes: systemd, systemctl, dbus-daemon and the units that
# start the bus and vessel-lane.service, nothing else (no udev, no journald,
# no generators: each costs seconds under emulation and the lane needs none).
if [[ $SHAPE == systemd-* ]]; then
  for p in /lib/systemd/systemd /lib/systemd/systemd-shutdown /lib/systemd/systemd-cgroups-agent \
    /bin/systemctl "$(command -v dbus-daemon)" /usr/share/dbus-1/system.conf /etc/dbus-1 \
    /usr/share/dbus-1/system.d /etc/os-release /usr/lib/os-release; do
    [[ ! -e $p ]] || copy_in "$p"
  done
  u=$R/etc/systemd/system
  mkdir -p "$u"
  # The host's dbus units, without the default dependencies (sysinit.target
  # and what it pulls in): the lane has none of those units.
  for f in dbus.socket dbus.service; do
    sed 's/^\[Unit\]$/[Unit]\nDefaultDependencies=no/' "/lib/systemd/system/$f" > "$u/$f"
  done
  cp "$here/vessel-lane.service" "$here/vessel-lane.target" "$u/"
  ln -s vessel-lane.target "$u/default.target"
fi

# busybox, and its applets where the host brought nothing
cp "$BUSYBOX" "$R/usr/bin/busybox"
while read -r a; do
  a=${a#/} a=${a/#bin\//usr\/bin/} a=${a/#sbin\//usr\/sbin/}
  [[ $a == */* ]] || a=usr/bin/$a
  [[ -e $R/$a || -L $R/$a ]] || ln -s /usr/bin/busybox "$R/$a"
done < <("$BUSYBOX" --list-full)

# Kernel modules, numbered so that each loads after those it depends on
# (read from its .modinfo's depends=).
declare -A mod_seen=()
mod_n=0
add_module() {
  local m=$1 f dep deps ko=$WORK/module.ko
  [[ -z ${mod_seen[$m]:-} ]] || return 0
  mod_seen[$m]=1
  [[ -d $MODDIR ]] || die "module $m wanted but $MODDIR does not exist"
  f=$(find "$MODDIR" \( -name "$m.ko*" -o -name "${m//_/-}.ko*" -o -name "${m//-/_}.ko*" \) -print -quit)
  [[ -n $f ]] || { say "module $m not in $MODDIR (built in?)"; return 0; }
  case $f in
    *.ko) cp "$f" "$ko" ;;
    *.ko.xz) xz -dc "$f" > "$ko" ;;
    *.ko.zst) zstd -qdc "$f" > "$ko" ;;
    *.ko.gz) gzip -dc "$f" > "$ko" ;;
  esac
  deps=$(tr '\0' '\n' < "$ko" | sed -n 's/^depends=//p' | head -n1)
  for dep in ${deps//,/ }; do add_module "$dep"; done
  mod_n=$((mod_n + 1))
  mv "$ko" "$R/lane/modules/$(printf %03d "$mod_n")-$m.ko"
}
for m in "${MODULES[@]}"; do add_module "$m"; done

# run.sh's environment and arguments
quote() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }
{
  libpath=''
  for d in "${!libdirs[@]}"; do
    case $d in
      /lib | /lib64 | /usr/lib | /usr/lib64 | /lib/x86_64-linux-gnu | /usr/lib/x86_64-linux-gnu) ;;
      *) libpath=${libpath:+$libpath:}$d ;;
    esac
  done
  [[ -z $libpath ]] || echo "export LD_LIBRARY_PATH=$(quote "$libpath")"
  for e in "${ENVS[@]}"; do echo "export ${e%%=*}=$(quote "${e#*=}")"; done
  echo "export LANE_SHAPE=$SHAPE"
  printf 'set --'
  for a in "$@"; do printf ' %s' "$(quote "$a")"; done
  echo
} > "$R/lane/env.sh"
[[ -z $OUTDIR ]] || : > "$R/lane/want-out"
install -m 755 "$here/guest-init.sh" "$R/init"

(cd "$R" && find . -mindepth 1 | "$BUSYBOX" cpio -o -H newc -R 0:0 2> /dev/null) > "$WORK/initrd.cpio" ||
  die "cpio failed"

# ------------------------------------------------------------------ boot
# Serial ports: ttyS0 the kernel console, ttyS1 run.sh's output, ttyS2 the
# guest's reports (boot time, exit status), ttyS3 a tar of $LANE_OUT.
append="console=ttyS0 panic=-1 loglevel=4 mitigations=off random.trust_cpu=on 8250.nr_uarts=4 rdinit=/init"
case $SHAPE in
  v2) append+=" cgroup_no_v1=all" ;;
  v1) ;;
  systemd-v2) append+=" systemd.unified_cgroup_hierarchy=1" ;;
  systemd-v1) append+=" systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1" ;;
esac
[[ $SHAPE != systemd-* ]] || append+=" systemd.show_status=0 systemd.log_target=kmsg systemd.log_level=notice"
append+=" lane.shape=$SHAPE ${VESSEL_VM_APPEND:-}"
for f in console output ctl; do : > "$WORK/$f.log"; done
: > "$WORK/out.tar"
t_boot=$(date +%s.%N)
# KVM is not assumed (not usable on the development host): TCG, one host
# thread per vCPU.
timeout -k 10 "$TIMEOUT" "$QEMU" -machine pc -accel tcg,thread=multi -cpu max -m "$MEM" -smp "$CPUS" \
  -nodefaults -no-reboot -display none -monitor none \
  -kernel "$KERNEL" -initrd "$WORK/initrd.cpio" -append "$append" \
  -serial "file:$WORK/console.log" -serial "file:$WORK/output.log" \
  -serial "file:$WORK/ctl.log" -serial "file:$WORK/out.tar" \
  < /dev/null > "$WORK/qemu.log" 2>&1 &
QPID=$!
tail -n +1 -s 0.2 -f --pid="$QPID" "$WORK/output.log" &
TPID=$!
[[ $VERBOSE = 0 ]] || tail -n +1 -s 0.2 -f --pid="$QPID" "$WORK/console.log" >&2 &
qemu_rc=0
wait "$QPID" || qemu_rc=$?
QPID=''
wait "$TPID" 2> /dev/null || true
TPID=''
t_end=$(date +%s.%N)

report() { sed -n "s/^$1=//p" "$WORK/ctl.log" | tr -d '\r' | tail -n1; }
rc=$(report rc)
if [[ -n $OUTDIR ]]; then
  mkdir -p "$OUTDIR"
  cp "$WORK/console.log" "$OUTDIR/console.log"
  [[ ! -s $WORK/out.tar ]] || tar -C "$OUTDIR" -xf "$WORK/out.tar" 2> /dev/null || true
fi
secs() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "?"; else printf "%.1f", b - a }'; }
say "shape=$SHAPE kernel=$KVER initrd=$(($(stat -c %s "$WORK/initrd.cpio") >> 20))MiB" \
  "prepare=$(secs "$t_start" "$t_boot")s boot=$(report boot_uptime)s" \
  "run.sh=$(secs "$(report boot_uptime)" "$(report end_uptime)")s vm=$(secs "$t_boot" "$t_end")s rc=${rc:-none}"
if [[ -z $rc ]]; then
  if [[ $qemu_rc = 124 || $qemu_rc = 137 ]]; then
    say "TIMEOUT after ${TIMEOUT}s"
    rc=124
  else
    say "the VM ended without a result (qemu exit status $qemu_rc)"
    rc=125
  fi
  say "---- qemu:"
  tail -n 20 "$WORK/qemu.log" >&2
  say "---- the end of the guest's console:"
  tail -n 40 "$WORK/console.log" | tr -d '\r' >&2
fi
exit "$rc"
