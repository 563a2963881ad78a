#!/bin/sh
# Checks that the documentation follows the command line: every command
# that `vessel --help` lists has a man page, every long option that
# `vessel --help` and `vessel COMMAND --help` list is described in the
# matching page and, the other way round, every long option a page
# documents in its OPTIONS (vessel.8: GLOBAL OPTIONS) section is one that
# --help lists, or one of the hidden options below that vessel still takes,
# the pages render without groff warnings, and the bash completion is valid
# bash that knows every command and option.
# The pages checked are the ones the build generated from man/*.8.scd with
# scdoc: $VESSEL_BUILDDIR/man/*.8.
# Output is TAP.  No arguments; run from an in-tree build's source
# directory, or with VESSEL_SRCDIR (the source tree), VESSEL_BUILDDIR (the
# build directory, by default the source tree) and VESSEL (the binary, by
# default $VESSEL_BUILDDIR/vessel) set, as `make check` does.
set -u
srcdir=${VESSEL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${VESSEL_BUILDDIR:-$srcdir}
vessel=${VESSEL:-$builddir/vessel}
mandir=$builddir/man
completion=$srcdir/contrib/completion/bash/vessel

# Options that vessel takes but --help does not list, documented as such in
# their page: COMMAND:OPTION, "vessel" for a global option.
hidden_options="vessel:--criu update:--l3-cache-schema update:--mem-bw-schema"

if [ ! -x "$vessel" ]; then
  echo "Bail out! no vessel binary at $vessel: build it, or set VESSEL"
  exit 1
fi
if [ ! -f "$mandir/vessel.8" ]; then
  echo "Bail out! no generated man pages in $mandir: build them (make), or set VESSEL_BUILDDIR"
  exit 1
fi

# The commands `vessel --help` lists under "Commands:".
commands=$("$vessel" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
if [ -z "$commands" ]; then
  echo "Bail out! \`$vessel --help\` lists no commands"
  exit 1
fi

# The long options of a usage text, from the lines of its option sections
# ("Options:", "Global options:"), one per line; "--cpu-share(s)" stands
# for both --cpu-share and --cpu-shares.
long_options() {
  awk '/^[A-Za-z ]*[Oo]ptions:$/ { on = 1; next } on && /^$/ { on = 0 } on' |
    grep -o -- '--[a-z0-9][a-z0-9-]*\((s)\)\{0,1\}' |
    awk '{ if (sub(/\(s\)$/, "")) { print; print $0 "s" } else print }' | sort -u
}

# A man page's text with roff's escapes for dashes and fonts removed, so
# that `\fB\-\-root\fR` reads `--root`.
page_text() {
  sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\f(..//g' -e 's/\\f\[[A-Z]*\]//g' \
      -e 's/\\&//g' -e 's/\\%//g' "$1"
}

# Prints the options of $2 (a list) that the page $1 does not mention.
missing_options() {
  text=$(page_text "$1")
  for opt in $2; do
    printf '%s\n' "$text" | grep -q -e "${opt}\$" -e "${opt}[^a-z0-9-]" || printf ' %s' "$opt"
  done
}

# The long options a page documents, one per line: those named by the
# entries of its OPTIONS sections (".SH OPTIONS", ".SH GLOBAL OPTIONS"),
# that is the text lines at the section's own level; scdoc puts each
# entry's description (and any list or example) between .RS and .RE.
documented_options() {
  page_text "$1" |
    awk '/^\.SH/ { on = ($0 ~ /OPTIONS"?[ \t]*$/); depth = 0; next }
         !on { next }
         /^\.RS/ { depth++; next }
         /^\.RE/ { if (depth > 0) depth--; next }
         /^[.\047]/ { next }
         depth == 0' |
    grep -o -- '--[a-z0-9][a-z0-9-]*' | sort -u
}

# Whether vessel still takes the option $2 of the command $1 ("vessel" for
# a global option): it is given, with a value, before --help; a state
# directory of its own keeps it from touching any container.
accepted() {
  probe_root=$(mktemp -d) || return 1
  if [ "$1" = vessel ]; then
    out=$("$vessel" --root "$probe_root" "$2" x --help 2>&1 </dev/null)
  else
    out=$("$vessel" --root "$probe_root" "$1" "$2" x --help 2>&1 </dev/null)
  fi
  rm -rf "$probe_root"
  case $out in
    *"unknown option"*) return 1 ;;
  esac
  return 0
}

# Prints the options that the page $2 of the command $1 documents and that
# neither its --help ($3, a list) lists nor $hidden_options names with vessel
# still taking them; fails when the page documents no option at all (no
# OPTIONS section, or one this script cannot read).
stale_options() {
  documented=$(documented_options "$2")
  [ -n "$documented" ] || return 1
  for opt in $documented; do
    printf '%s\n' "$3" | grep -qx -- "$opt" && continue
    case " $hidden_options " in
      *" $1:$opt "*) accepted "$1" "$opt" && continue ;;
    esac
    printf ' %s' "$opt"
  done
  return 0
}

# Renders a page as man(1) does and prints groff's warnings, if any.
render_warnings() {
  if command -v man >/dev/null 2>&1; then
    # stderr (the warnings) to the caller, the rendered page away
    # shellcheck disable=SC2069
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$1" 2>&1 >/dev/null
  else
    groff -man -Tutf8 -wmac -z "$1" 2>&1
  fi
}

n=0
status=0
ok() {
  n=$((n + 1))
  echo "ok $n - $1"
}
not_ok() {
  n=$((n + 1))
  echo "not ok $n - $1"
  status=1
}

pages="$mandir/vessel.8"
for c in $commands; do
  pages="$pages $mandir/vessel-$c.8"
done

# 2 tests for the global options, 3 per command, 1 per page, 2 for the completion.
# shellcheck disable=SC2086 # one command per line
count=$(printf '%s\n' $commands | wc -l)
echo "1..$((2 + 3 * count + (count + 1) + 2))"

global_options=$("$vessel" --help | long_options)
missing=$(missing_options "$mandir/vessel.8" "$global_options")
if [ -z "$missing" ]; then
  ok "vessel.8 describes every global option of vessel --help"
else
  not_ok "vessel.8 does not describe the global options:$missing"
fi
if ! stale=$(stale_options vessel "$mandir/vessel.8" "$global_options"); then
  not_ok "vessel.8 documents no option in a GLOBAL OPTIONS section"
elif [ -z "$stale" ]; then
  ok "vessel.8 documents only global options that vessel --help lists (or vessel takes, hidden)"
else
  not_ok "vessel.8 documents global options that vessel --help does not list:$stale"
fi

for c in $commands; do
  page=$mandir/vessel-$c.8
  if [ -f "$page" ]; then
    ok "command $c has a man page (man/vessel-$c.8)"
  else
    not_ok "command $c has no man page: man/vessel-$c.8 is missing (write man/vessel-$c.8.scd, add it to man_MANS)"
    not_ok "vessel-$c.8 describes the options of vessel $c --help (no page)"
    not_ok "vessel-$c.8 documents only options of vessel $c --help (no page)"
    continue
  fi
  options=$("$vessel" "$c" --help | long_options)
  missing=$(missing_options "$page" "$options")
  if [ -z "$missing" ]; then
    ok "vessel-$c.8 describes every option of vessel $c --help"
  else
    not_ok "vessel-$c.8 does not describe the options of vessel $c --help:$missing"
  fi
  if ! stale=$(stale_options "$c" "$page" "$options"); then
    not_ok "vessel-$c.8 documents no option in an OPTIONS section"
  elif [ -z "$stale" ]; then
    ok "vessel-$c.8 documents only options of vessel $c --help (or hidden ones vessel takes)"
  else
    not_ok "vessel-$c.8 documents options that vessel $c --help does not list:$stale"
  fi
done

have_renderer=yes
command -v man >/dev/null 2>&1 || command -v groff >/dev/null 2>&1 || have_renderer=
for page in $pages; do
  name=$(basename "$page")
  if [ ! -f "$page" ]; then
    not_ok "$name renders without warnings (no page)"
  elif [ -z "$have_renderer" ]; then
    ok "$name renders without warnings # SKIP neither man nor groff is installed"
  else
    warnings=$(render_warnings "$page")
    if [ -z "$warnings" ]; then
      ok "$name renders without warnings"
    else
      not_ok "$name renders with warnings:"
      printf '%s\n' "$warnings" | sed 's/^/# /'
    fi
  fi
done

if [ ! -f "$completion" ]; then
  not_ok "the bash completion is valid bash: $completion is missing"
elif out=$(bash -n "$completion" 2>&1); then
  ok "the bash completion is valid bash"
else
  not_ok "the bash completion is not valid bash:"
  printf '%s\n' "$out" | sed 's/^/# /'
fi

# The completion offers every command and every listed option (hidden,
# unsupported ones such as --criu are not listed by --help, nor offered).
missing=""
if [ -f "$completion" ]; then
  listed=$(
    # shellcheck disable=SC1090
    bash -c '. "$1" && echo "$_vessel_commands $_vessel_global_options" &&
             for c in $_vessel_commands; do _vessel_command_options "$c"; done' sh "$completion" 2>/dev/null |
      tr ' ' '\n')
  for c in $commands $("$vessel" --help | long_options); do
    printf '%s\n' "$listed" | grep -qx -- "$c" || missing="$missing $c"
  done
  for c in $commands; do
    offered=$(bash -c '. "$1" && _vessel_command_options "$2"' sh "$completion" "$c" 2>/dev/null | tr ' ' '\n')
    for opt in $("$vessel" "$c" --help | long_options); do
      printf '%s\n' "$offered" | grep -qx -- "$opt" || missing="$missing $c:$opt"
    done
  done
else
  missing=" (no completion file)"
fi
if [ -z "$missing" ]; then
  ok "the bash completion offers every command and option that --help lists"
else
  not_ok "the bash completion does not offer:$missing"
fi

exit $status
