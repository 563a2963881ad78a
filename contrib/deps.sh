#!/bin/sh
# Installs what vessel needs, from Debian 12's packages.
#   contrib/deps.sh build   what building vessel needs
#   contrib/deps.sh test    that, plus what the test suite needs
#   contrib/deps.sh bench   what building vessel needs, plus runc, crun, jq and
#                           busybox-static for contrib/bench/bench.sh
set -eu
build="build-essential autoconf automake pkg-config libyajl-dev libseccomp-dev libcap-dev scdoc"
# qemu-system-x86: the VM lanes (tests/vm/lane.sh) boot VMs; their kernel,
# Debian's linux-image-cloud-amd64, is fetched by tests/vm/run-in-vm.sh on
# first use (apt-get download); systemd and dbus: the systemd lanes' guest
# runs the host's as PID 1 and system bus.
# uidmap: newuidmap/newgidmap for rootless.bats.
# bpftool: cgroups.bats checks that the eBPF device filter is attached (v2).
# bash-completion: tests/integration/completion.bats drives the completion
# with its helpers loaded too.
# podman netavark iptables containerd umoci: the client suites
# (tests/clients); netavark is named, or podman's dependencies settle for CNI.
test="$build libc6-dev busybox-static bats jq bpftool clang libclang-rt-14-dev valgrind clang-tidy iproute2 util-linux procps strace qemu-system-x86 systemd dbus man-db bash-completion uidmap
  podman netavark iptables containerd umoci"
case "${1:-build}" in
  build) pkgs=$build ;;
  test) pkgs=$test ;;
  bench) pkgs="$build busybox-static jq runc crun" ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "contrib/deps.sh: run as root to install:$missing" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
