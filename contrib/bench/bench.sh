#!/usr/bin/env bash
# contrib/bench/bench.sh - vessel side by side with crun and runc, in one
# interleaved run of the project's benchmark harness (harness.sh, floor.c
# and benchutil.c next to this script), written into
# docs/performance.md (between its bench:begin and bench:end markers) with
# the date, the commit and the machine line, and the issue's targets
# checked against crun of the same run.
#
# usage: contrib/bench/bench.sh [--quick] [--no-write] [VESSEL]
#   VESSEL      the vessel binary (default: ./vessel, then the source tree's)
#   --quick     about a minute instead of five
#   --no-write  print the Markdown instead of updating docs/performance.md
#   needs root, runc, crun, jq, cc, busybox-static: installs them first
#   (contrib/deps.sh bench)
#
# crun 1.8.1 refuses hybrid hosts whose cgroup2 hierarchy has controllers;
# on such a host every runtime runs with --mask-cgroup2-controllers, which
# hides them in a private mount namespace (the same for all three).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { echo "bench: $*" >&2; exit 1; }

quick=() write=1 vessel=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=(--quick) ;;
    --no-write) write=0 ;;
    -h | --help) sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) vessel=$1 ;;
  esac
  shift
done
if [ -z "$vessel" ]; then
  for v in ./vessel "$top/vessel"; do [ -x "$v" ] && vessel=$v && break; done
fi
[ -n "$vessel" ] && [ -x "$vessel" ] || die "no vessel binary: build it, or name it"
vessel=$(cd "$(dirname "$vessel")" && pwd)/$(basename "$vessel")
bench=$top/contrib/bench/harness.sh
# What the run needs, installed as tests/run-all.sh installs the tests':
# a fresh machine has neither runc nor crun.
"$top/contrib/deps.sh" bench || die "contrib/deps.sh bench failed: install runc, crun, jq, cc and busybox-static"
for t in runc crun; do command -v "$t" > /dev/null || die "$t is not installed (contrib/deps.sh bench)"; done

mask=()
if [ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
  mask=(--mask-cgroup2-controllers)
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
# crun first: the table's ratios are against it, as the targets are.
"$bench" "${quick[@]}" "${mask[@]}" crun runc "vessel=$vessel" | tee "$out" >&2

# cell ROW-PREFIX COLUMN: the number in a row of the table (columns:
# 1 crun, 2 runc, 3 vessel, 4 floor).
cell() {
  awk -F' [|] ' -v row="$1" -v col="$2" 'index($1, row) == 1 { split($(col + 1), v, " "); print v[1]; exit }' "$out"
}
# check NAME VALUE OP LIMIT: a target's table row.
check() {
  local met
  met=$(awk -v v="$2" -v l="$4" -v op="$3" 'BEGIN {
    if (v == "" || v == "n/a" || l == "" || l == "n/a") { print "no figure"; exit }
    ok = op == "<=" ? v + 0 <= l + 0 : v + 0 >= l + 0
    print ok ? "met" : "**not met**" }')
  printf '| %s | %s | %s %s | %s |\n' "$1" "$2" "$3" "$4" "$met"
}
scale() { awk -v a="$1" -v f="$2" 'BEGIN { if (a == "" || a == "n/a") print "n/a"; else printf "%.2f", a * f }'; }

commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$top" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo " (with local changes)" || true)
run_crun=$(cell "a. run: median" 1) run_v=$(cell "a. run: median" 3) run_floor=$(cell "a. run: median" 4)
lc_crun=$(cell "b. create+start+wait+delete: median" 1) lc_v=$(cell "b. create+start+wait+delete: median" 3)
exec_crun=$(cell "c. exec /bin/true" 1) exec_v=$(cell "c. exec /bin/true" 3)
rss_v=$(cell "d. peak RSS" 3) mem_v=$(cell "d. min memory limit" 3)
tp_crun=$(cell "e. throughput" 1) tp_v=$(cell "e. throughput" 3)

section=$(
  echo "<!-- bench:begin (written by contrib/bench/bench.sh; edit outside the markers) -->"
  echo "Run of $(date -u +%Y-%m-%d), vessel commit \`$commit\`$dirty, $([ ${#quick[@]} = 0 ] && echo full || echo quick) run:"
  echo "\`$(echo harness.sh "${quick[@]}" "${mask[@]}" crun runc vessel)\` (ratios against crun)."
  echo
  echo '```text'
  sed -n '/^machine:/,$p' "$out"
  echo '```'
  echo
  echo "Targets, against crun and the floor of the same run:"
  echo
  echo "| target | vessel | limit | |"
  echo "|---|---|---|---|"
  check "run /bin/true, median (ms): ≤ 0.6× crun" "$run_v" "<=" "$(scale "$run_crun" 0.6)"
  check "run /bin/true, median (ms): ≤ 2× floor" "$run_v" "<=" "$(scale "$run_floor" 2)"
  check "create+start+wait+delete, median (ms): ≤ 0.6× crun" "$lc_v" "<=" "$(scale "$lc_crun" 0.6)"
  check "exec /bin/true, median (ms): ≤ 0.6× crun" "$exec_v" "<=" "$(scale "$exec_crun" 0.6)"
  check "peak RSS (MiB)" "$rss_v" "<=" 1.80
  check "smallest memory limit (KiB)" "$mem_v" "<=" 160
  check "throughput, 2 streams (/s): ≥ 1.5× crun" "$tp_v" ">=" "$(scale "$tp_crun" 1.5)"
  echo "<!-- bench:end -->"
)

doc=$top/docs/performance.md
if [ "$write" = 0 ] || [ ! -f "$doc" ] || ! grep -q '^<!-- bench:begin' "$doc"; then
  echo "$section"
  [ "$write" = 0 ] || echo "bench: $doc has no bench:begin/bench:end markers: printed instead" >&2
  exit 0
fi
SECTION=$section awk '
  /^<!-- bench:begin/ { print ENVIRON["SECTION"]; skip = 1; next }
  /^<!-- bench:end/ { skip = 0; next }
  !skip' "$doc" > "$doc.new"
mv "$doc.new" "$doc"
echo "bench: wrote $doc" >&2
