#!/bin/bash
# The whole test suite, as CI runs it.  Run as root on Debian 12.
#
# Installs what the tests need (contrib/deps.sh test), then, each in its own
# build directory under build-tests/:
#   default     make check: unit tests, fuzz corpus replay, every bats suite
#   cgroup v2   tests/cgroup2/lane.sh: the bats suites of the default build
#               in a qemu VM whose only hierarchy is cgroup v2 (skipped,
#               without failing, when the host cannot boot the VM)
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

stage() { printf '\n==== %s ====\n' "$*"; }
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

stage "default build: unit tests, fuzz corpus replay, integration tests"
dir=$(build default)
check "$dir" || fail "default make check"

stage "cgroup v2 lane: bats suites in a cgroup v2 VM"
lane=0
"$top/tests/cgroup2/lane.sh" "$dir" || lane=$?
case $lane in
  0) ;;
  77) echo "run-all: cgroup v2 lane skipped (reason above)" >&2 ;;
  *) fail "cgroup v2 lane (exit status $lane)" ;;
esac

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
