#!/bin/bash
# The whole test suite, as CI runs it.  Run as root on Debian 12.
#
# Installs what the tests need (contrib/deps.sh test), then, each in its own
# build directory under build-tests/:
#   default     make check: unit tests, fuzz corpus replay, every bats suite
#   VM lanes    tests/vm/lane.sh: the bats suites of the default build in
#               qemu VMs of the host shapes this one is not (LANES, default
#               "v2 v1 systemd-v2 systemd-v1": pure cgroup v2, pure v1,
#               systemd as PID 1 on each), LANE_PARALLEL (default 1) at a
#               time, sharing the CPUs; a lane that cannot run here is skipped, but fails the
#               run with CI=true
#   sanitizers  ./configure --enable-sanitizers: unit tests, the fuzz corpus
#               and every bats suite but valgrind's, vessel under ASan+UBSan
#               (the churn suite with CHURN_N=100 containers per stream)
#   fuzzing     CC=clang ./configure --enable-fuzzing: each fuzz target runs
#               for FUZZ_SECONDS (default 30) from the committed corpus
#   analyzer    a build with gcc -fanalyzer, and clang-tidy's bugprone checks
# Stops at the first failing stage and says which.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
export FUZZ_SECONDS=${FUZZ_SECONDS:-30}

# Each stage's heading says how long the previous one took, and the whole
# run so far (CI's limit is on the whole).
run_t0=$(date +%s)
stage_t0=$run_t0
stage() {
  local now
  now=$(date +%s)
  [[ $now -eq $run_t0 ]] || printf 'run-all: stage took %ss, %ss so far\n' $((now - stage_t0)) $((now - run_t0))
  stage_t0=$now
  printf '\n==== %s ====\n' "$*"
}
fail() { echo "run-all: FAILED: $*" >&2; exit 1; }

stage "dependencies"
"$top/contrib/deps.sh" test
(cd "$top" && ./autogen.sh >/dev/null 2>&1) || fail "autogen"

build() { # build NAME CONFIGURE-ARGS...
  local name=$1
  shift
  local dir="$top/build-tests/$name"
  rm -rf "$dir"
  mkdir -p "$dir"
  (cd "$dir" && "$top/configure" -q "$@" && make -s -j"$jobs") >&2 || fail "$name build"
  echo "$dir"
}

check() { # check DIR [make args]
  local dir=$1
  shift
  if ! make -C "$dir" -s -j"$jobs" check "$@"; then
    cat "$dir/test-suite.log" >&2 || true
    return 1
  fi
}

# run_lanes BUILDDIR: each lane of $LANES, $LANE_PARALLEL at a time (the
# next starts when any ends), each VM with its share of the CPUs; a lane's
# output is printed when it ends, with its wall time.
run_lanes() {
  local builddir=$1 logs="$top/build-tests/lanes" shape failed=''
  local -A shape_of=() t0_of=()
  # One at a time with every CPU: the v2 lane's suites need both (two
  # suites at a time in the guest); with one vCPU each it ran out of its
  # 30 minutes half-way.
  local parallel=${LANE_PARALLEL:-1}
  local cpus=$((jobs / parallel))
  [[ $cpus -ge 1 ]] || cpus=1
  rm -rf "$logs"
  mkdir -p "$logs"
  lane_done() { # wait for a lane to end, print its log, note its status
    local pid st=0 ended
    wait -n -p pid || st=$?
    ended=${shape_of[$pid]}
    unset "shape_of[$pid]"
    echo "---- lane $ended: exit status $st, $(($(date +%s) - t0_of[$ended]))s"
    cat "$logs/$ended.log"
    case $st in
      0) ;;
      77) echo "run-all: lane $ended skipped (reason above)" >&2 ;;
      *) failed+=" $ended" ;;
    esac
  }
  for shape in ${LANES:-v2 v1 systemd-v2 systemd-v1}; do
    [[ ${#shape_of[@]} -lt $parallel ]] || lane_done
    echo "run-all: lane $shape started ($cpus vCPUs)"
    t0_of[$shape]=$(date +%s)
    "$top/tests/vm/lane.sh" --shape "$shape" -c "$cpus" -o "$logs/$shape" "$builddir" > "$logs/$shape.log" 2>&1 &
    shape_of[$!]=$shape
  done
  while [[ ${#shape_of[@]} -gt 0 ]]; do lane_done; done
  [[ -z $failed ]] || fail "VM lanes:$failed"
}

stage "default build: unit tests, fuzz corpus replay, integration tests"
dir=$(build default)
check "$dir" || fail "default make check"

stage "VM lanes: bats suites in VMs of other host shapes"
run_lanes "$dir"

stage "sanitizers (ASan + UBSan): unit tests, fuzz corpus, integration tests"
dir=$(build sanitizers --enable-sanitizers)
CHURN_N=${CHURN_N_SANITIZERS:-100} check "$dir" \
  TESTS="$(make -C "$dir" -s print-unit-tests) tests/fuzz/run-fuzz.sh $(make -C "$dir" -s print-sanitizer-bats-tests)" ||
  fail "sanitizer make check"

stage "fuzzing (${FUZZ_SECONDS}s per target)"
dir=$(build fuzzing CC=clang --enable-fuzzing)
check "$dir" TESTS="tests/fuzz/run-fuzz.sh" || fail "fuzzing"

stage "static analysis: gcc -fanalyzer, clang-tidy bugprone"
dir=$(build analyzer --enable-analyzer)
make -C "$dir" -s tidy || fail "clang-tidy"

stage "all stages passed"
