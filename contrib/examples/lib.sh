# Shared by the walkthroughs in contrib/examples: sourced, not run.
#
# Each walkthrough builds its bundle in a private work directory, runs it
# with vessel, shows what happened, and removes everything it made on
# exit: containers, cgroups, mounts, namespaces, the work directory.
#
# Environment (all optional):
#   VESSEL                 the vessel binary (default: `vessel` on PATH,
#                          else the build in ../../build)
#   VESSEL_EXAMPLE_CGROUP  absolute cgroup path under which the example's
#                          containers get their cgroups
#                          (default: /vessel-examples/NAME-PID)
#   VESSEL_EXAMPLE_KEEP    set to 1 to keep the work directory for a look
#
# Run as root on Debian 12; what an example needs is installed with
# apt-get when missing (ex_need).

set -eu

EX_NAME=$(basename "$0" .sh)
EX_TOP=$(cd "$(dirname "$0")/../.." && pwd)

ex_find_vessel() {
  if [ -n "${VESSEL:-}" ]; then
    echo "$VESSEL"
  elif command -v vessel > /dev/null 2>&1; then
    command -v vessel
  elif [ -x "$EX_TOP/build/vessel" ]; then
    echo "$EX_TOP/build/vessel"
  else
    echo "$EX_NAME: no vessel binary: build it (contrib/quickstart.sh) or set VESSEL" >&2
    return 1
  fi
}

if [ "$(id -u)" -ne 0 ]; then
  echo "$EX_NAME: run as root" >&2
  exit 1
fi
EX_VESSEL=$(ex_find_vessel)
EX_WORK=$(mktemp -d "/tmp/vessel-$EX_NAME.XXXXXX")
chmod 755 "$EX_WORK" # the containers' unprivileged users walk through it
EX_STATE=$EX_WORK/state
EX_CGROUP=${VESSEL_EXAMPLE_CGROUP:-/vessel-examples/$EX_NAME-$$}
case $EX_CGROUP in
  /*) ;;
  *) echo "$EX_NAME: VESSEL_EXAMPLE_CGROUP must be an absolute path" >&2; exit 1 ;;
esac
EX_CLEANUPS=""

# vessel with the example's own state root.
vessel() {
  "$EX_VESSEL" --root "$EX_STATE" "$@"
}

# ex_say TEXT: a step heading.
ex_say() {
  printf '\n== %s\n' "$*"
}

# ex_need PACKAGE...: installs the Debian packages that are missing
# (without dpkg, not Debian: the programs are taken to be there).
ex_need() {
  local missing="" p
  command -v dpkg-query > /dev/null || return 0
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "$EX_NAME: installing$missing"
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing > /dev/null
}

# ex_on_exit COMMAND: run COMMAND (a shell string) on exit, before the
# containers are deleted; the last registered runs first.
ex_on_exit() {
  EX_CLEANUPS="$1
$EX_CLEANUPS"
}

# The cgroup directories under EX_CGROUP in every hierarchy, deepest first.
ex_cgroup_dirs() {
  local h
  for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ -d "$h$EX_CGROUP" ] && find "$h$EX_CGROUP" -depth -type d
  done
  return 0
}

ex_cleanup() {
  local status=$? line id d
  set +e
  while IFS= read -r line; do
    [ -n "$line" ] && eval "$line" > /dev/null 2>&1
  done << EOF
$EX_CLEANUPS
EOF
  if [ -d "$EX_STATE" ]; then
    for id in $(ls "$EX_STATE"); do
      vessel delete --force "$id" > /dev/null 2>&1
    done
  fi
  for d in $(ex_cgroup_dirs); do
    rmdir "$d" 2> /dev/null
  done
  # The default prefix's parent, if no other example uses it.
  [ -n "${VESSEL_EXAMPLE_CGROUP:-}" ] || rmdir /sys/fs/cgroup/vessel-examples /sys/fs/cgroup/*/vessel-examples 2> /dev/null
  if [ "${VESSEL_EXAMPLE_KEEP:-0}" = 1 ]; then
    echo "$EX_NAME: kept $EX_WORK"
  else
    rm -rf "$EX_WORK"
  fi
  exit "$status"
}
trap ex_cleanup EXIT
trap 'exit 130' INT TERM

# ex_busybox_rootfs DIR: a root filesystem of busybox-static, its applets,
# and an /etc/passwd with root, nobody and a user 1000.
ex_busybox_rootfs() {
  local dir=$1 applet
  ex_need busybox-static jq
  mkdir -p "$dir"/bin "$dir"/etc "$dir"/proc "$dir"/sys "$dir"/dev "$dir"/tmp "$dir"/root "$dir"/var/www
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$dir/etc/passwd"
  printf 'root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n' > "$dir/etc/group"
  chmod 1777 "$dir/tmp"
  chmod 755 "$dir"
}

# ex_bundle DIR CONTAINER [ROOTFS]: vessel's default config.json in DIR,
# without a terminal, with its cgroup under EX_CGROUP; the rootfs is
# DIR/rootfs, made of busybox unless ROOTFS (absolute) is given.
ex_bundle() {
  local dir=$1 id=$2 rootfs=${3:-}
  ex_need jq
  mkdir -p "$dir"
  if [ -z "$rootfs" ]; then
    ex_busybox_rootfs "$dir/rootfs"
    rootfs=rootfs
  fi
  "$EX_VESSEL" spec --bundle "$dir"
  ex_config "$dir" '.process.terminal = false | .root.path = $r | .linux.cgroupsPath = $cg' \
    --arg r "$rootfs" --arg cg "$EX_CGROUP/$id"
}

# ex_config DIR FILTER [JQ ARGS...]: edits DIR/config.json with jq.
ex_config() {
  local dir=$1 filter=$2
  shift 2
  jq "$@" "$filter" "$dir/config.json" > "$dir/config.json.new"
  mv "$dir/config.json.new" "$dir/config.json"
}
