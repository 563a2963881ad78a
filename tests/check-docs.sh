#!/bin/sh
# Checks that the documentation follows the command line: every command
# that `vessel --help` lists has a man page, every long option that
# `vessel --help` and `vessel COMMAND --help` list is described in the
# matching page, the pages render without groff warnings, and the bash
# completion is valid bash that knows every command and option.
# Output is TAP.  No arguments; run from the source directory, or with
# VESSEL_SRCDIR (the source tree) and VESSEL (the binary, by default
# $VESSEL_BUILDDIR/vessel) set, as `make check` does.
set -u
srcdir=${VESSEL_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${VESSEL_BUILDDIR:-$srcdir}
vessel=${VESSEL:-$builddir/vessel}
mandir=$srcdir/man
completion=$srcdir/contrib/completion/bash/vessel

if [ ! -x "$vessel" ]; then
  echo "Bail out! no vessel binary at $vessel: build it, or set VESSEL"
  exit 1
fi
if [ ! -d "$mandir" ]; then
  echo "Bail out! no man directory at $mandir: set VESSEL_SRCDIR"
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

# 1 test for the global options, 2 per command, 1 per page, 2 for the completion.
# shellcheck disable=SC2086 # one command per line
count=$(printf '%s\n' $commands | wc -l)
echo "1..$((1 + 3 * count + 1 + 2))"

missing=$(missing_options "$mandir/vessel.8" "$("$vessel" --help | long_options)")
if [ -z "$missing" ]; then
  ok "vessel.8 describes every global option of vessel --help"
else
  not_ok "vessel.8 does not describe the global options:$missing"
fi

for c in $commands; do
  page=$mandir/vessel-$c.8
  if [ -f "$page" ]; then
    ok "command $c has a man page (man/vessel-$c.8)"
  else
    not_ok "command $c has no man page: man/vessel-$c.8 is missing"
    not_ok "vessel-$c.8 describes the options of vessel $c --help (no page)"
    continue
  fi
  missing=$(missing_options "$page" "$("$vessel" "$c" --help | long_options)")
  if [ -z "$missing" ]; then
    ok "vessel-$c.8 describes every option of vessel $c --help"
  else
    not_ok "vessel-$c.8 does not describe the options of vessel $c --help:$missing"
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
