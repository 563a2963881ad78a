#!/bin/bash
# tests/vm/lane.sh - a VM lane: vessel's bats suites run inside a throw-away
# qemu VM of one host shape (tests/vm/run-in-vm.sh), the shapes this
# development host is not: it is hybrid, with no systemd as PID 1.
#
# Usage: tests/vm/lane.sh --shape SHAPE [-o DIR] [-v] [-f REGEX] [-j N] [-t SECS] BUILDDIR [SUITE.bats...]
#
#   --shape SHAPE  v2          pure cgroup v2, every controller enabled
#                  v1          pure cgroup v1: the v1 controllers, no cgroup2
#                  systemd-v2  systemd 252 (Debian's) as PID 1 on cgroup v2,
#                              dbus-daemon on the system bus
#                  systemd-v1  systemd as PID 1 on legacy cgroup v1
#                  (also -s SHAPE; default v2)
#   BUILDDIR  a vessel build directory holding ./vessel, tests/helpers/probe
#             and tests/helpers/recvtty, and tests/helpers/seccomp-agent and
#             tests/helpers/orphans for seccomp.bats and errors.bats (make
#             check builds them);
#             default: $VESSEL_BUILDDIR.
#   SUITE.bats the suites to run: names in tests/integration,
#             tests/clients or tests/examples, or paths to any bats file (from
#             the current directory or the project's top), which is copied in
#             with tests/integration/helpers.bash; they replace the shape's
#             default list (lane_suites below).
#   -o DIR    artifacts: one TAP file per suite, the guest's dmesg and the
#             kernel console log are copied back into DIR
#   -v        stream the guest's kernel console to stderr as well
#   -f REGEX  run only the tests whose name matches (bats --filter)
#   -j N      suites run at a time in the guest (default: its vCPUs);
#             with -j 1 the TAP output streams as the tests run, otherwise
#             each suite's output comes when the suite ends
#   -c N      the guest's vCPUs (default: the host's)
#   -t SECS   wall-clock limit of the VM run (default 2400; the suites get
#             all but the last minute of it, then are stopped)
#
# Prints the host shape as the guest reports it (/proc/self/cgroup, the
# mounts under /sys/fs/cgroup, PID 1, systemctl is-system-running), the boot
# time, the suites' TAP output.  Exit status: 0 all passed, 1 a test failed,
# 2 bad usage or the guest is not of the shape, 124 the VM timed out, 125
# the VM failed (the end of the kernel console is printed).  When the lane
# cannot run here (no qemu, no busybox-static, no kernel, no systemd): 77
# with the reason, except with CI=true, where that is a failure (status 1):
# CI must not pass without its lanes.
# Needs: qemu-system-x86, busybox-static, bats, jq, systemd and dbus
# (contrib/deps.sh test); the VM's kernel is fetched by run-in-vm.sh on first
# use (apt-get download linux-image-cloud-amd64).
set -euo pipefail

# The suites each shape runs by default (those that exist), roughly the
# slowest first: the guest runs them -j at a time.  Names in
# tests/integration, tests/clients or tests/examples (the walkthroughs whose
# cgroup files differ between shapes).  v2 runs every suite that touches
# cgroups, mounts, devices or security (idmap.bats on an ext4 loop
# device: Linux id-maps tmpfs, the guest's root, only from 6.3, and the
# VM's kernel is 6.1; guest-run.sh's disk_tmpdir).  The other shapes, to keep tests/run-all.sh within its hour, run
# the suites whose code differs most with the cgroup layout (cgroups,
# lifecycle, exec --cgroup, errors' cleanup) or with systemd as PID 1
# (the init's cgroup under a systemd-made one).
lane_suites() {
  case $1 in
    v2) echo "podman.bats errors.bats lifecycle.bats process.bats namespaces.bats cgroups.bats
      mounts.bats terminal.bats exec.bats containerd.bats hooks.bats syscalls.bats limits.bats
      busybox-shell.bats rootless.bats security-host.bats security-paths.bats seccomp.bats
      netdevices.bats idmap.bats" ;;
    v1) echo "cgroups.bats lifecycle.bats exec.bats errors.bats" ;;
    systemd-v2) echo "cgroups.bats lifecycle.bats" ;;
    systemd-v1) echo "cgroups.bats lifecycle.bats exec.bats" ;;
  esac
}

# Host programs the tests, helpers.bash and bats call, brought into the guest,
# whose userland is otherwise busybox: bash, bats, jq, and the programs whose
# busybox applet lacks what the tests use (date +%N for bats --timing,
# timeout's status 124, ip netns, setpriv --groups, unshare --uts=FILE,
# ipcmk, ps -o ..., script -e, stat %Hr, find -printf).  The other coreutils stay busybox's: under software
# emulation a static busybox starts in a third of the time of a dynamic GNU
# program, and a test forks hundreds of them.
GUEST_TOOLS="bash bats jq date timeout getopt flock unshare nsenter setpriv
  ipcmk ipcrm ipcs mount umount findmnt mountpoint hostname ps pgrep pkill ip bpftool script stat find"
GUEST_DIRS="/usr/lib/bats-core /usr/libexec/bats-core"

# What a client suite needs in the guest on top of that, brought in only
# when the suite runs (they are large): programs looked up like
# GUEST_TOOLS, other paths, kernel modules.  A program missing on the host
# is left out: the suite then skips, saying what it needs.
declare -A SUITE_TOOLS=(
  [containerd.bats]="containerd ctr containerd-shim-runc-v2 umoci"
  [podman.bats]="podman conmon iptables ip6tables newuidmap newgidmap"
  [syscalls.bats]="strace readelf"
  [errors.bats]="perl"
  [security-paths.bats]="perl"
  [process.bats]="strace"
  [cgroups.bats]="strace"
  [rlimits-and-caps.bats]="capsh"
  [rootless.bats]="newuidmap newgidmap"
  [idmap.bats]="mke2fs"
)
declare -A SUITE_PATHS=(
  [seccomp.bats]="/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
  [podman.bats]="/usr/lib/podman/netavark /usr/lib/*/xtables /usr/share/containers
    /etc/containers/policy.json /etc/containers/registries.conf /etc/containers/registries.conf.d"
)
# Modules each after those it depends on: run-in-vm.sh loses a module whose
# dependency it has not yet seen.  podman: netavark's bridge and the
# iptables-nft rules it adds (the guest has no modprobe to load on demand);
# overlay for its --mount type=image and mounts.bats's overlay.
declare -A SUITE_MODULES=(
  [podman.bats]="llc stp bridge veth nfnetlink libcrc32c nf_tables x_tables nft_compat
    nf_defrag_ipv4 nf_defrag_ipv6 nf_conntrack nf_nat nft_chain_nat
    xt_conntrack xt_comment xt_addrtype xt_mark xt_MASQUERADE xt_nat xt_tcpudp overlay"
  [mounts.bats]="overlay"
)

prog=${0##*/}
top=$(cd "$(dirname "$0")/../.." && pwd)
RUN_IN_VM=$top/tests/vm/run-in-vm.sh
BUSYBOX_STATIC=${BUSYBOX_STATIC:-/bin/busybox}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
SHAPE=v2

# skip REASON: the lane cannot run on this host: a skip (77), but in CI
# (CI=true) a failure.
skip() {
  if [[ ${CI:-} == true ]]; then
    echo "FAIL: $SHAPE lane: cannot run in CI: $*"
    exit 1
  fi
  echo "SKIP: $SHAPE lane: $*"
  exit 77
}

OUTDIR='' VERBOSE=0 FILTER='' JOBS='' CPUS='' TIMEOUT=${VESSEL_VM_TIMEOUT:-2400}
args=()
while [[ $# -gt 0 ]]; do # --shape X and --shape=X, before getopts
  case $1 in
    --shape) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; SHAPE=$2; shift 2 ;;
    --shape=*) SHAPE=${1#--shape=}; shift ;;
    --) args+=("$@"); break ;;
    *) args+=("$1"); shift ;;
  esac
done
set -- "${args[@]}"
while getopts ':s:o:vf:j:c:t:h' opt; do
  case $opt in
    s) SHAPE=$OPTARG ;;
    c) CPUS=$OPTARG ;;
    o) OUTDIR=$OPTARG ;;
    v) VERBOSE=1 ;;
    f) FILTER=$OPTARG ;;
    j) JOBS=$OPTARG ;;
    t) TIMEOUT=$OPTARG ;;
    h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
case $SHAPE in v2 | v1 | systemd-v2 | systemd-v1) ;; *) echo "$prog: unknown shape $SHAPE" >&2; usage >&2; exit 2 ;; esac

builddir=${VESSEL_BUILDDIR:-}
if [[ $# -ge 1 && -d $1 ]]; then builddir=$1; shift; fi
[[ -n $builddir ]] || { echo "$prog: no build directory given" >&2; usage >&2; exit 2; }
builddir=$(cd "$builddir" && pwd)
for f in vessel tests/helpers/probe tests/helpers/recvtty; do
  [[ -x $builddir/$f ]] || { echo "$prog: $builddir/$f is missing (make && make tests/helpers/probe tests/helpers/recvtty, or make check)" >&2; exit 2; }
done

# suite_path FILE: the host path of suite FILE, a path (from the current
# directory, else from the project's top) or a name in tests/integration,
# tests/clients or tests/examples.
suite_path() {
  local f=$1 d
  if [[ $f == */* ]]; then
    for d in "$PWD" "$top"; do
      [[ $f == /* ]] && d=''
      if [[ -f ${d:+$d/}$f ]]; then realpath "${d:+$d/}$f"; return 0; fi
    done
  else
    for d in integration clients examples; do
      if [[ -f $top/tests/$d/$f ]]; then echo "$top/tests/$d/$f"; return 0; fi
    done
  fi
  return 1
}

# The suites: the arguments, else the default list.
files=()
if [[ $# -gt 0 ]]; then
  for f in "$@"; do
    src=$(suite_path "$f") || { echo "$prog: $f not found (neither a name in tests/integration, tests/clients or tests/examples nor a path from here or from the top)" >&2; exit 2; }
    files+=("$src")
  done
else
  for f in $(lane_suites "$SHAPE"); do
    if src=$(suite_path "$f"); then files+=("$src"); else echo "# $prog: $f does not exist, not run"; fi
  done
fi
[[ ${#files[@]} -gt 0 ]] || { echo "$prog: no bats file to run" >&2; exit 2; }

# What the VM needs on the host: a missing piece is a skip, not a failure.
command -v "${VESSEL_VM_QEMU:-qemu-system-x86_64}" >/dev/null ||
  skip "${VESSEL_VM_QEMU:-qemu-system-x86_64} not found (apt-get install qemu-system-x86)"
if [[ $SHAPE == systemd-* ]]; then
  [[ -x /lib/systemd/systemd ]] || skip "no /lib/systemd/systemd (apt-get install systemd)"
  command -v dbus-daemon >/dev/null || skip "no dbus-daemon (apt-get install dbus)"
fi
# helpers.bash copies busybox into every container: it must be static.
if [[ ! -x $BUSYBOX_STATIC ]] || ldd "$BUSYBOX_STATIC" >/dev/null 2>&1; then
  skip "no static busybox at $BUSYBOX_STATIC (apt-get install busybox-static)"
fi

# ---------------------------------------------------------------- TESTDIR
work=$(mktemp -d "${TMPDIR:-/tmp}/vessel-lane.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
T=$work/test
mkdir -p "$T/build/tests/helpers" "$T/src/tests/integration" "$T/src/tests/clients"
cp "$builddir/vessel" "$T/build/vessel"
cp "$builddir/tests/helpers/probe" "$builddir/tests/helpers/recvtty" "$T/build/tests/helpers/"
# seccomp.bats's notify agent and errors.bats's subreaper, when built
# (make check builds them)
for f in seccomp-agent orphans; do
  [[ ! -x $builddir/tests/helpers/$f ]] || cp "$builddir/tests/helpers/$f" "$T/build/tests/helpers/"
done
cp "$BUSYBOX_STATIC" "$T/busybox"
cp "$top"/tests/integration/*.bash "$T/src/tests/integration/"
# A suite from a clients or examples directory goes to tests/clients or
# tests/examples in the guest (they load ../integration/helpers), any other
# to tests/integration; run.sh is given DIR/NAME.bats.  The examples'
# suites run the walkthroughs of contrib/examples, which come along.
names=() suite_tools='' suite_paths='' suite_modules=''
declare -A base_seen=()
for src in "${files[@]}"; do
  base=${src##*/}
  [[ -z ${base_seen[$base]:-} ]] || { echo "$prog: two suites named $base" >&2; exit 2; }
  base_seen[$base]=1
  dir=$(basename "$(dirname "$src")")
  case $dir in
  clients) ;;
  examples)
    if [[ ! -d $T/src/contrib/examples ]]; then
      mkdir -p "$T/src/tests/examples" "$T/src/contrib"
      cp "$top"/tests/examples/*.bash "$T/src/tests/examples/"
      cp -r "$top/contrib/examples" "$T/src/contrib/"
    fi ;;
  *) dir=integration ;;
  esac
  cp "$src" "$T/src/tests/$dir/"
  names+=("$dir/$base")
  suite_tools+=" ${SUITE_TOOLS[$base]:-}"
  suite_paths+=" ${SUITE_PATHS[$base]:-}"
  suite_modules+=" ${SUITE_MODULES[$base]:-}"
done
cp "$top/tests/vm/guest-run.sh" "$T/run.sh"
chmod 755 "$T/run.sh"

# -i for PATH and every symbolic link it goes through (e.g. awk ->
# /etc/alternatives/awk -> mawk), so that the guest gets the whole chain.
declare -A seen=()
incl=()
add_path() {
  local p=$1 t
  while [[ -z ${seen[$p]:-} ]]; do
    seen[$p]=1
    incl+=(-i "$p")
    [[ -L $p ]] || break
    t=$(readlink "$p")
    [[ $t == /* ]] || t=$(dirname "$p")/$t
    p=$t
  done
}
for t in $GUEST_TOOLS $suite_tools; do
  found=0
  # every place the guest's PATH looks (/bin and /sbin are /usr's there)
  for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    [[ -e $d/$t ]] || continue
    rd=$(cd -P "$d" && pwd)
    add_path "$rd/$t"
    found=1
  done
  [[ $found = 1 ]] || case $t in bash | bats | jq) skip "$t not found on the host" ;; esac
done
for d in $GUEST_DIRS; do
  [[ -d $d ]] || skip "$d not found (apt-get install bats)"
  add_path "$d"
done
for p in $suite_paths; do
  [[ ! -e $p ]] || add_path "$p"
done
mods=()
for m in $suite_modules; do mods+=(-M "$m"); done

# brd: /dev/ram0 for the block I/O tests; veth: a namespaces test; loop:
# /dev/loop-control (10:237), which a device-rule test names, exists as on
# the host.
# (No BATS_TEST_TIMEOUT: its countdown is a background job of the test,
# which a `wait` without arguments then waits for.  -t bounds the run.)
args=(-s "$SHAPE" "${incl[@]}" -M brd -M veth -M loop "${mods[@]}" -t "$TIMEOUT" -e "LANE_SECONDS=$((TIMEOUT > 120 ? TIMEOUT - 60 : TIMEOUT / 2))")
[[ -z $FILTER ]] || args+=(-e "LANE_FILTER=$FILTER")
[[ -z $JOBS ]] || args+=(-e "LANE_JOBS=$JOBS")
[[ -z $CPUS ]] || args+=(-c "$CPUS")
[[ -z $OUTDIR ]] || args+=(-o "$OUTDIR")
[[ $VERBOSE = 0 ]] || args+=(-v)

echo "# $prog: $SHAPE lane: vessel from $builddir, suites: ${names[*]}"
t0=$(date +%s)
rc=0
exec 3>&2 2> >(tee "$work/vm.err" >&3) # run-in-vm.sh's messages, kept to tell a skip
tee_pid=$!
"$RUN_IN_VM" "${args[@]}" "$T" "${names[@]}" || rc=$?
exec 2>&3 3>&-
wait "$tee_pid"
echo "# $prog: $SHAPE lane: exit status $rc after $(($(date +%s) - t0))s (boot and suites: run-in-vm.sh's line above)"
if [[ $rc = 125 ]]; then
  if grep -q 'no readable kernel' "$work/vm.err"; then
    skip "no kernel for the VM (run-in-vm.sh could not find or download linux-image-cloud-amd64)"
  elif grep -q '(apt-get install' "$work/vm.err"; then
    skip "$(grep '(apt-get install' "$work/vm.err" | head -n1)"
  fi
fi
exit "$rc"
