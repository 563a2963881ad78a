# Shared by the tests of contrib/examples: each runs one walkthrough
# script with this build's vessel and its containers' cgroups under the
# test's prefix, then checks what the script showed and that it left
# nothing behind.

load ../integration/helpers

EXAMPLES=$VESSEL_SRCDIR/contrib/examples

setup() {
  require_root
  common_setup
}

teardown() {
  common_teardown
}

# The example's traces on the host: its work directories, mounts below
# them, and its cgroups.
example_traces() {
  local name=$1 d
  ls -d /tmp/vessel-"$name".* 2>/dev/null
  grep -F " /tmp/vessel-$name." /proc/self/mountinfo
  for d in $(test_cgroup_dirs); do
    find "$d" -mindepth 1 -type d
  done
  return 0
}

# run_example NAME [ARGS...]: runs contrib/examples/NAME.sh as `run` does
# (status, output), with stdin closed; fails when it leaves a trace.
run_example() {
  local name=$1 before after
  shift
  before=$(example_traces "$name")
  run env VESSEL="$VESSEL" VESSEL_EXAMPLE_CGROUP="$(test_cgroup ex)" \
    timeout 600 "$EXAMPLES/$name.sh" "$@" < /dev/null
  after=$(example_traces "$name")
  [ "$after" = "$before" ] || fail_with "$name.sh left behind: $after
its output: $output"
}

# shows TEXT: the example's output has a line containing TEXT.
shows() {
  grep -qF -- "$1" <<< "$output" || fail_with "the output lacks \"$1\": $output"
}

# section HEADING: the output of the step whose heading (after "== ")
# starts with HEADING, up to the next heading.
section() {
  awk -v h="== $1" 'index($0, h) == 1 { on = 1; next } /^== / { on = 0 } on' <<< "$output"
}

# section_has HEADING LINE...: each LINE is a whole line of that step's
# output (LINE is a grep -E pattern when it starts with ~).
section_has() {
  local text line
  text=$(section "$1")
  shift
  for line in "$@"; do
    if [[ $line == "~"* ]]; then
      grep -qE -- "${line#\~}" <<< "$text" || fail_with "no line matching ${line#\~} in: $text"
    else
      grep -qxF -- "$line" <<< "$text" || fail_with "no line \"$line\" in: $text"
    fi
  done
}
