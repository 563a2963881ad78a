# Shared by every bats file.
#
# Every test gets its own state root, its own bundle made from
# busybox-static, and cgroups under this run's own prefix
# (/vessel-test-<pid>/<test>-<id> in every hierarchy); teardown deletes
# what the test left, removes the cgroups it created, and checks that
# nothing else is left behind.

# `run ! COMMAND` (a check that COMMAND fails; a bare `! COMMAND` is no
# check under set -e unless it is a test's last line).
bats_require_minimum_version 1.5.0

VESSEL=${VESSEL:-$BATS_TEST_DIRNAME/../../vessel}
VESSEL_SRCDIR=${VESSEL_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
VESSEL_BUILDDIR=${VESSEL_BUILDDIR:-$VESSEL_SRCDIR}
BUSYBOX=${BUSYBOX:-/bin/busybox}
CGROUP_ROOT=/sys/fs/cgroup
# One prefix per bats run: concurrent runs never share cgroups.
CGROUP_PREFIX=vessel-test-${BATS_ROOT_PID:-$PPID}

# vessel with the test's private state root.
vessel() {
  "$VESSEL" --root "$VESSEL_TEST_ROOT" "$@"
}

fail_with() {
  echo "$*" >&2
  return 1
}

require_root() {
  [ "$(id -u)" -eq 0 ] || skip "needs root"
}

# A busybox rootfs, made once per bats run (or once per VESSEL_TEST_CACHE,
# a directory shared by the runs of a VM lane: under emulation its ~300
# applet links take seconds to make) and copied per test (a copy of one
# binary and its applet links is cheap).
rootfs_template() {
  local t="${VESSEL_TEST_CACHE:-$BATS_RUN_TMPDIR}/rootfs-template"
  if [ ! -d "$t" ]; then
    local tmp
    tmp=$(mktemp -d "$t.XXXXXX")
    chmod 755 "$tmp" # reachable by the container's non-root users
    mkdir -p "$tmp"/{bin,sbin,etc,proc,sys,dev,tmp,root,home,var,usr/bin}
    cp "$BUSYBOX" "$tmp/bin/busybox"
    local a
    for a in $("$BUSYBOX" --list); do
      [ "$a" = busybox ] || ln -sf busybox "$tmp/bin/$a"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\ntester:x:1000:1000:tester:/home/tester:/bin/sh\n' > "$tmp/etc/passwd"
    printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\ntester:x:1000:\n' > "$tmp/etc/group"
    chmod 1777 "$tmp/tmp"
    if [ -x "$VESSEL_BUILDDIR/tests/helpers/probe" ]; then
      cp "$VESSEL_BUILDDIR/tests/helpers/probe" "$tmp/bin/probe"
    fi
    mv -T "$tmp" "$t" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$t"
}

# The config.json of make_bundle, made once per bats run (a jq starts in
# half a second under emulation): vessel's default config with no terminal
# and `true` as the process.  Beside it, cgroup.json: the same with
# cgroupsPath CGROUP_PLACEHOLDER, which new_container replaces with sed.
CGROUP_PLACEHOLDER=/vessel-test-cgroup-placeholder
config_template() {
  local t="$BATS_RUN_TMPDIR/config-template"
  if [ ! -f "$t/cgroup.json" ]; then
    local tmp
    tmp=$(mktemp -d "$t.XXXXXX")
    "$VESSEL" spec --bundle "$tmp"
    jq '.process.terminal = false | .process.args = ["true"]' "$tmp/config.json" > "$tmp/plain.json"
    jq '.linux.cgroupsPath = $p' --arg p "$CGROUP_PLACEHOLDER" "$tmp/plain.json" > "$tmp/cgroup.json"
    mv "$tmp/plain.json" "$tmp/config.json"
    mv -T "$tmp" "$t" 2>/dev/null || rm -rf "$tmp"
  fi
  echo "$t"
}

# make_bundle [DIR]: a bundle with a busybox rootfs and vessel's default
# config, adjusted for tests: no terminal, `true` as the process.  Sets
# BUNDLE.
make_bundle() {
  BUNDLE=${1:-$BATS_TEST_TMPDIR/bundle}
  mkdir -p "$BUNDLE"
  cp -a "$(rootfs_template)" "$BUNDLE/rootfs"
  cp "$(config_template)/config.json" "$BUNDLE/config.json"
}

# update_config JQ-FILTER [jq args...]: edits $BUNDLE/config.json.
update_config() {
  local filter=$1
  shift
  jq "$filter" "$BUNDLE/config.json" "$@" > "$BUNDLE/config.json.new"
  mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

# set_args ARG...: the container's process.
set_args() {
  # One --arg per element: jq would take "-c" in --args as its own option.
  local jqargs=() filter="[" i=0 a
  for a in "$@"; do
    jqargs+=(--arg "a$i" "$a")
    filter+="\$a$i,"
    i=$((i + 1))
  done
  filter="${filter%,}]"
  update_config ".process.args = $filter" "${jqargs[@]}"
}

# The cgroup path (inside each hierarchy) of container ID in this test.
test_cgroup() {
  echo "/$CGROUP_PREFIX/${BATS_TEST_NUMBER}-$1"
}

# use_cgroup ID: points the bundle's cgroupsPath at the test's cgroup.
use_cgroup() {
  update_config '.linux.cgroupsPath = $p' --arg p "$(test_cgroup "$1")"
}

# new_container ID: make_bundle + use_cgroup in one go (the usual start).
new_container() {
  BUNDLE=$BATS_TEST_TMPDIR/bundle
  mkdir -p "$BUNDLE"
  cp -a "$(rootfs_template)" "$BUNDLE/rootfs"
  case $1 in
    *[!A-Za-z0-9_.-]*) make_bundle "$BUNDLE" && use_cgroup "$1" ;;
    *) sed "s|\"$CGROUP_PLACEHOLDER\"|\"$(test_cgroup "$1")\"|" "$(config_template)/cgroup.json" > "$BUNDLE/config.json" ;;
  esac
}

common_setup() {
  VESSEL_TEST_ROOT="$BATS_TEST_TMPDIR/state"
  mkdir -p "$VESSEL_TEST_ROOT"
}

# Every cgroup directory of the test (in every hierarchy).
test_cgroup_dirs() {
  local d
  for d in "$CGROUP_ROOT"/*/"$CGROUP_PREFIX"/"${BATS_TEST_NUMBER}"-* "$CGROUP_ROOT"/"$CGROUP_PREFIX"/"${BATS_TEST_NUMBER}"-*; do
    # not twice through a co-mounted hierarchy's links (cpu -> cpu,cpuacct)
    [ -L "${d%/"$CGROUP_PREFIX"/*}" ] && continue
    [ -d "$d" ] && echo "$d"
  done
}

# v2, hybrid or v1.
cg_mode() {
  if [ -e "$CGROUP_ROOT/cgroup.controllers" ]; then
    echo v2
  elif grep -q " $CGROUP_ROOT/unified cgroup2 " /proc/self/mounts; then
    echo hybrid
  else
    echo v1
  fi
}

# cg_dir CONTROLLER ID: the container's cgroup directory holding
# CONTROLLER's files (the unified one on v2).
cg_dir() {
  local controller=$1 id=$2 d
  if [ "$(cg_mode)" = v2 ]; then
    echo "$CGROUP_ROOT$(test_cgroup "$id")"
    return
  fi
  for d in "$CGROUP_ROOT"/*/; do
    d=${d%/}
    case ",${d##*/}," in *",$controller,"*)
      echo "$d$(test_cgroup "$id")"
      return
      ;;
    esac
  done
  fail_with "no $controller hierarchy"
}

# Deletes the test's containers (a test may end with containers it made),
# then fails the test if anything else is left behind: a state directory
# `delete --force` could not remove, a process of vessel or in the test's
# cgroups, a cgroup directory, a mount under the test's directory.  What is
# left is cleaned up first, so that the next test starts clean.  A suite's
# own teardown does its cleanup (helper processes, its own mounts) before
# calling this, last.
common_teardown() {
  local leaks="" id d p m out
  # (globs, not ls: under emulation every fork of a teardown counts)
  for d in "$VESSEL_TEST_ROOT"/*; do
    [ -e "$d" ] || continue
    id=${d##*/}
    out=$(timeout 30 "$VESSEL" --root "$VESSEL_TEST_ROOT" delete --force "$id" 2>&1) ||
      leaks+="delete --force $id failed: $out; "
  done
  for d in "$VESSEL_TEST_ROOT"/*; do
    [ -e "$d" ] || continue
    leaks+="state directory ${d##*/}; "
    rm -rf "$d"
  done
  for p in $(vessel_processes); do
    leaks+="vessel process $p: $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null || true); "
    kill -9 "$p" 2>/dev/null || true
  done
  for d in $(test_cgroup_dirs); do
    leaks+="cgroup $d; "
    for p in $(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null); do
      leaks+="process $p in $d; "
      kill -9 "$p" 2>/dev/null || true
    done
    for p in 1 2 3 4 5 6 7 8 9 10; do
      find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [ -d "$d" ] || break
      sleep 0.2
    done
  done
  for m in $(awk -v d="$BATS_TEST_TMPDIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
    leaks+="mount $m; "
    umount -l "$m" 2>/dev/null || true
  done
  for d in "$CGROUP_ROOT"/*/"$CGROUP_PREFIX" "$CGROUP_ROOT/$CGROUP_PREFIX"; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
  done
  [ -z "$leaks" ] || fail_with "left behind: $leaks"
}

# assert_clean ID: no state and no cgroup of container ID remain.
assert_clean() {
  local id=$1 d
  [ ! -e "$VESSEL_TEST_ROOT/$id" ] || fail_with "state directory of $id left behind"
  for d in "$CGROUP_ROOT"/*"$(test_cgroup "$id")" "$CGROUP_ROOT$(test_cgroup "$id")"; do
    [ ! -d "$d" ] || fail_with "cgroup $d left behind"
  done
}

# The vessel processes of this test: processes running a sealed copy of
# vessel (every init does, until it execs the container's program) with the
# test's own --root on their command line (other suites run in parallel
# under make -j).
vessel_processes() {
  local f p vessel_file='' found=()
  # One grep over every command line (a NUL ends each argument, so -z -x
  # matches a whole argument), then a look at the exe of the few that
  # match: forking per /proc entry took minutes under emulation, and
  # every fork counts there (the pids come sorted from the glob).
  while read -r f; do
    p=${f%/cmdline}
    # vessel runs its own file through a read-only mount (the same inode)
    # or a sealed memfd copy of it (exe_seal.h).
    [ -n "$vessel_file" ] || vessel_file=$(stat -L -c %d:%i "$VESSEL")
    if [ "$(stat -L -c %d:%i "$p/exe" 2>/dev/null)" = "$vessel_file" ] ||
      [ "$(readlink "$p/exe" 2>/dev/null)" = "/memfd:vessel (deleted)" ]; then
      found+=("${p#/proc/}")
    fi
  done < <(grep -lzxF -- "$VESSEL_TEST_ROOT" /proc/[0-9]*/cmdline 2>/dev/null)
  echo "${found[*]}"
}

# The status of container ID.
container_status() {
  vessel state "$1" | jq -r .status
}

# wait_until COMMAND...: polls COMMAND for up to ~10 s (a loaded machine is
# slow); fails saying what it waited for.
# traced COMMAND...: COMMAND, which runs vessel under strace.  A sanitized
# vessel's LeakSanitizer cannot work under ptrace: its exit check is off.
traced() {
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "$@"
}

wait_until() {
  local i
  for i in $(seq 100); do
    "$@" && return 0
    sleep 0.1
  done
  fail_with "timed out waiting for: $*"
}

# wait_for_lines FILE N: polls up to ~10 s until FILE has N lines.
wait_for_lines() {
  local i
  for i in $(seq 100); do
    [ "$(wc -l < "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail_with "$1 did not reach $2 lines: $(cat "$1" 2>&1)"
}

# wait_for_status ID STATUS: polls up to ~5 s.
wait_for_status() {
  local i
  for i in $(seq 50); do
    [ "$(container_status "$1" 2>/dev/null)" = "$2" ] && return 0
    sleep 0.1
  done
  fail_with "container $1 did not become $2 (is $(container_status "$1" 2>&1))"
}

# The inode of namespace NAME (net, pid, ...) of process PID.
ns_inode() {
  stat -L -c %i "/proc/$2/ns/$1"
}

init_pid() {
  vessel state "${1:-c1}" | jq .pid
}

# After `run`: the command succeeded, or failed; else show what it said.
assert_success() {
  [ "$status" -eq 0 ] || fail_with "exit status $status: $output"
}

assert_failure() {
  [ "$status" -ne 0 ] || fail_with "succeeded: $output"
}

# refuses_each FILTER CASES: CASES names an associative array from JSON
# values to the message each must give.  For each, FILTER (a jq filter in
# which VALUE stands for the JSON) edits the bundle's config as it was
# before; `vessel run` must fail with the message and leave nothing.
refuses_each() {
  local filter=$1 value
  local -n expected=$2
  cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.before"
  for value in "${!expected[@]}"; do
    cp "$BATS_TEST_TMPDIR/config.before" "$BUNDLE/config.json"
    update_config "${filter//VALUE/$value}"
    run vessel run --bundle "$BUNDLE" c1
    [ "$status" -eq 1 ] || fail_with "$value: accepted: $output"
    [[ "$output" == *"${expected[$value]}"* ]] || fail_with "$value: $output"
    assert_clean c1
  done
  cp "$BATS_TEST_TMPDIR/config.before" "$BUNDLE/config.json"
}

# The value of KEY in "key value" lines of probe output ($output by default).
probe_value() {
  local key=$1 text=${2-$output}
  awk -v k="$key" '$1 == k { sub(/^[^ ]+ ?/, ""); print; exit }' <<< "$text"
}

host_probe() {
  "$VESSEL_BUILDDIR/tests/helpers/probe" "$@"
}

# Lets everyone search the directories from this run's temporary
# directory down to DIR: a container's root in a user namespace is an
# unprivileged uid on the host, which must reach its rootfs.
make_reachable() {
  local d=$1 top
  top=$(dirname "$BATS_RUN_TMPDIR")
  while [ "$d" != "$top" ] && [ "$d" != / ]; do
    chmod o+x "$d"
    d=$(dirname "$d")
  done
}

# use_user_namespace: the bundle's container gets a new user namespace
# mapping ids 0-65535 to host ids 100000-165535, and a rootfs that id
# 100000 owns and can reach.
# bundle_joining_user_namespace_of ID: a new bundle (BUNDLE) whose
# container joins the user namespace of running container ID, one made
# with use_user_namespace, and owns its rootfs the same way.
bundle_joining_user_namespace_of() {
  local pid
  pid=$(init_pid "$1")
  make_bundle "$BATS_TEST_TMPDIR/bundle-joins-$1"
  chown -R 100000:100000 "$BUNDLE/rootfs"
  make_reachable "$BUNDLE"
  update_config '.linux.namespaces += [{"type": "user", "path": $p}]' --arg p "/proc/$pid/ns/user"
}

# A name for a netns of this test, unique across concurrent runs.
test_netns_name() {
  echo "vessel-t${BATS_ROOT_PID:-$$}-${BATS_TEST_NUMBER}-$1"
}

use_user_namespace() {
  chown -R 100000:100000 "$BUNDLE/rootfs"
  make_reachable "$BUNDLE"
  update_config '.linux.namespaces += [{"type": "user"}]
    | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

# test_user_add NAME SUB: an unprivileged user NAME with the subordinate
# uids and gids SUB to SUB+99999 (for newuidmap); by hand where there are no
# shadow tools (the cgroup v2 lane's guest, whose /etc is its own).
test_user_add() {
  local name=$1 sub=$2
  if command -v useradd > /dev/null; then
    useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$name"
    usermod --add-subuids "$sub-$((sub + 99999))" --add-subgids "$sub-$((sub + 99999))" "$name"
  else
    local id=$((40000 + sub / 200000 % 10000))
    echo "$name:x:$id:$id::/nonexistent:/bin/false" >> /etc/passwd
    echo "$name:x:$id:" >> /etc/group
    echo "$name:$sub:100000" >> /etc/subuid
    echo "$name:$sub:100000" >> /etc/subgid
  fi
}

# test_user_del NAME: removes what test_user_add made.
test_user_del() {
  if command -v userdel > /dev/null; then
    userdel "$1" 2> /dev/null || true
  else
    sed -i "/^$1:/d" /etc/passwd /etc/group /etc/subuid /etc/subgid
  fi
}
