#!/usr/bin/env bats
# The bash completion (contrib/completion/bash/vessel) driven as bash
# drives it: COMP_WORDS and COMP_CWORD set, _vessel called, COMPREPLY read;
# with and without bash-completion's helpers.  And `make install DESTDIR`:
# the binary, the man pages and the completion land where they belong.

load helpers

setup() {
  require_root
  common_setup
}

teardown() {
  common_teardown
}

COMPLETION=$VESSEL_SRCDIR/contrib/completion/bash/vessel

# complete WORD...: what the completion offers for the last word of the
# command line "vessel WORD..." (an empty last word: the cursor after a
# space), one reply per line, sorted.  BASH_COMPLETION=1 loads
# bash-completion's helpers first.
complete() {
  bash -c '
    if [ "${BASH_COMPLETION:-0}" = 1 ]; then . /usr/share/bash-completion/bash_completion; fi
    . "$1"
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    _vessel vessel "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf "%s\n" "${COMPREPLY[@]}"' sh "$COMPLETION" "$VESSEL" "$@" | sed '/^$/d' | sort
}

# offers WORDS... -- EXPECTED...: complete WORDS gives exactly EXPECTED.
offers() {
  local -a words=() want=()
  while [ "$1" != -- ]; do words+=("$1"); shift; done
  shift
  want=("$@")
  local got expected
  got=$(complete "${words[@]}" | tr '\n' ' ')
  expected=$(printf '%s\n' "${want[@]}" | sed '/^$/d' | sort | tr '\n' ' ')
  [ "$got" = "$expected" ] || fail_with "vessel ${words[*]}: offered \"$got\", expected \"$expected\""
}

completion_cases() {
  offers st -- start state
  offers "" -- create start run exec state kill delete list spec features pause resume ps update events
  offers --ro -- --root --rootless
  offers --log-format "" -- text json
  offers --root "$VESSEL_TEST_ROOT" delete --f -- --force
  offers list --format "" -- table json
  offers run --d -- --detach
  offers update --pids -- --pids-limit
  offers exec --cw -- --cwd
  # Container ids come from `vessel list -q` under the --root of the line.
  offers --root "$VESSEL_TEST_ROOT" kill "" -- c1 c2
  offers --root "$VESSEL_TEST_ROOT" state c -- c1 c2
  offers --root="$VESSEL_TEST_ROOT" delete c2 -- c2
  offers --root "$VESSEL_TEST_ROOT" exec "" -- c1 c2
  # After kill's id, the signals; after exec's id, the container's words.
  offers --root "$VESSEL_TEST_ROOT" kill c1 TE -- TERM
  offers --root "$VESSEL_TEST_ROOT" kill c1 SIGKI -- SIGKILL
  offers --root "$VESSEL_TEST_ROOT" exec c1 "" --
  offers --root "$VESSEL_TEST_ROOT" exec c1 ps --f --
  # create's argument is a new id: nothing to offer.
  offers --root "$VESSEL_TEST_ROOT" create "" --
  # Directories for --bundle.
  mkdir -p "$BATS_TEST_TMPDIR/bundles/b1" "$BATS_TEST_TMPDIR/bundles/b2"
  touch "$BATS_TEST_TMPDIR/bundles/file"
  offers create --bundle "$BATS_TEST_TMPDIR/bundles/b" -- "$BATS_TEST_TMPDIR/bundles/b1" "$BATS_TEST_TMPDIR/bundles/b2"
}

create_two() {
  local id
  for id in c1 c2; do
    make_bundle "$BATS_TEST_TMPDIR/$id"
    use_cgroup "$id"
    set_args sleep 100
    vessel create --bundle "$BUNDLE" "$id"
  done
}

@test "the bash completion offers commands, options, values and container ids (plain compgen)" {
  create_two
  completion_cases
}

@test "the bash completion offers the same with bash-completion's helpers loaded" {
  [ -r /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
  create_two
  BASH_COMPLETION=1 completion_cases
}

@test "make install DESTDIR: the binary, a man page per command, the bash completion" {
  [ -f "$VESSEL_BUILDDIR/Makefile" ] || skip "no build directory with a Makefile at $VESSEL_BUILDDIR"
  local dest=$BATS_TEST_TMPDIR/dest prefix
  run make -C "$VESSEL_BUILDDIR" -s install DESTDIR="$dest"
  assert_success
  prefix=$(sed -n 's/^prefix = //p' "$VESSEL_BUILDDIR/Makefile")
  [ -x "$dest$prefix/sbin/vessel" ] || [ -x "$dest$prefix/bin/vessel" ] || fail_with "no binary: $(find "$dest" -type f)"
  local c
  for c in "" $("$VESSEL" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }'); do
    [ -f "$dest$prefix/share/man/man8/vessel${c:+-$c}.8" ] || fail_with "no man page for ${c:-vessel}: $(find "$dest" -name '*.8')"
  done
  [ -f "$dest$prefix/share/bash-completion/completions/vessel" ]
  # The installed page renders.
  run env MANWIDTH=80 man -l "$dest$prefix/share/man/man8/vessel.8"
  assert_success
  [[ "$output" == *"vessel - "* ]] || [[ "$output" == *"vessel — "* ]] || fail_with "$output"
}
