#!/bin/sh
# Runs each fuzz target over its committed corpus.  In a libFuzzer build
# (./configure CC=clang --enable-fuzzing) each target fuzzes for
# FUZZ_SECONDS (default 30) starting from the corpus, in a scratch copy so
# the committed corpus is not rewritten; in a normal build the corpus is
# replayed as a regression test.  Output is TAP.
set -u
srcdir=${VESSEL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${VESSEL_BUILDDIR:-$srcdir}
seconds=${FUZZ_SECONDS:-30}
targets="config state mount-options names seccomp"

echo "1..$(echo $targets | wc -w)"
n=0
status=0
for t in $targets; do
  n=$((n + 1))
  bin="$builddir/tests/fuzz/fuzz-$t"
  corpus="$srcdir/tests/fuzz/corpus/$t"
  if [ ! -x "$bin" ]; then
    echo "not ok $n - fuzz-$t: $bin was not built"
    status=1
    continue
  fi
  if "$bin" -help=1 >/dev/null 2>&1; then
    work=$(mktemp -d)
    cp -r "$corpus/." "$work/"
    if "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
         -print_final_stats=1 "$work" > "$work.log" 2>&1; then
      echo "ok $n - fuzz-$t: ${seconds}s of fuzzing, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$') runs, no crash"
    else
      echo "not ok $n - fuzz-$t found a crash, leak or hang:"
      sed 's/^/# /' "$work.log" | tail -n 60
      status=1
    fi
    rm -rf "$work" "$work.log"
  else
    if out=$("$bin" "$corpus" 2>&1); then
      echo "ok $n - fuzz-$t: $out (corpus replay; fuzzing needs --enable-fuzzing)"
    else
      echo "not ok $n - fuzz-$t corpus replay failed:"
      echo "$out" | sed 's/^/# /' | tail -n 40
      status=1
    fi
  fi
done
exit $status
