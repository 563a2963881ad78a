#!/bin/sh
# Builds vessel and runs a container from a hand-made busybox bundle.
# Run as root on Debian 12: installs the build dependencies, builds in
# ./build, makes a bundle in a temporary directory, runs it, cleans up.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/contrib/deps.sh" build
for p in busybox-static jq; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done

echo "== building vessel in $top/build"
(cd "$top" && ./autogen.sh >/dev/null 2>&1)
mkdir -p "$top/build"
(cd "$top/build" && { [ -f Makefile ] || ../configure -q; } && make -s -j"$(nproc)")
vessel="$top/build/vessel"

bundle=$(mktemp -d /tmp/vessel-quickstart.XXXXXX)
cgroup="vessel-quickstart-$$"
cleanup() {
  "$vessel" --root "$bundle/state" delete --force demo >/dev/null 2>&1 || true
  for d in /sys/fs/cgroup/*/"$cgroup" /sys/fs/cgroup/"$cgroup"; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
  done
  rm -rf "$bundle"
}
trap cleanup EXIT INT TERM

echo "== making a busybox bundle in $bundle"
mkdir -p "$bundle/rootfs/bin"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
"$vessel" spec --bundle "$bundle"
jq --arg cg "/$cgroup/demo" '
  .process.terminal = false
  | .process.args = ["sh", "-c", "echo \"hello from $(hostname): pid $$, $(ls /proc | grep -c \"^[0-9]\") process(es) visible\"; uname -srm"]
  | .linux.cgroupsPath = $cg' "$bundle/config.json" > "$bundle/config.new"
mv "$bundle/config.new" "$bundle/config.json"

echo "== vessel run demo"
"$vessel" --root "$bundle/state" run --bundle "$bundle" demo
echo "== done: the container exited with status $?"
