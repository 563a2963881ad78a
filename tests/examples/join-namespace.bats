#!/usr/bin/env bats
# contrib/examples/join-namespace.sh: two containers join a persistent uts
# namespace (unshare --uts=FILE) and a persistent network namespace
# (ip netns add) through config.json's namespace paths.

load common

# same_ns SECTION NS: checks the "a init", "b init" and "file" lines of
# the section show one NS inode, and "this shell" another.
same_ns() {
  local lines inodes
  lines=$(section "$1")
  inodes=$(grep -E "^(join-[ab]-[0-9]+ init|file) +$2:\[[0-9]+\]$" <<< "$lines" | awk '{ print $NF }')
  [ "$(wc -l <<< "$inodes")" = 3 ] || fail_with "$lines"
  [ "$(sort -u <<< "$inodes" | wc -l)" = 1 ] || fail_with "different $2 namespaces: $lines"
  grep -qE "^this shell +$2:\[[0-9]+\]$" <<< "$lines" || fail_with "$lines"
  ! grep -qF "this shell $(head -1 <<< "$inodes")" <<< "$(tr -s ' ' <<< "$lines")" || fail_with "the host's $2 namespace: $lines"
}

@test "join-namespace: two containers share a persistent uts and network namespace" {
  command -v unshare >/dev/null && command -v nsenter >/dev/null || skip "needs util-linux's unshare and nsenter"
  run_example join-namespace
  assert_success
  same_ns "outside: the uts namespace" uts
  same_ns "outside: the network namespace" net
  # Both print the name set from the host, then the new one.
  local names
  names=$(section "inside: both see the hostname")
  [ "$(sed 's/^join-[ab]-[0-9]*: //' <<< "$names" | tr '\n' ' ')" = "shared-by-two shared-by-two " ] || fail_with "$output"
  [ "$(grep -c '^join-[ab]-' <<< "$names")" = 2 ] || fail_with "$output"
  names=$(section "the host renames the namespace")
  [ "$(sed 's/^join-[ab]-[0-9]*: //' <<< "$names" | tr '\n' ' ')" = "renamed renamed " ] || fail_with "$output"
  # The host's own hostname is untouched.
  shows "this shell's hostname is still: $(hostname)"
  [ "$(hostname)" != renamed ] && [ "$(hostname)" != shared-by-two ] || fail_with "the host was renamed: $(hostname)"
  # The interfaces the host made in the network namespace, seen by both.
  local links
  links=$(section "inside: both see the same interfaces")
  [ "$(grep -c '^join-[ab]-[0-9]*: ' <<< "$links")" = 2 ] || fail_with "$links"
  local line
  while read -r line; do
    [ "$(tr ' ' '\n' <<< "${line#*: }" | sed '/^$/d' | sort | tr '\n' ' ')" = "lo shared0@shared1 shared1@shared0 " ] || fail_with "$links"
  done <<< "$links"
  # b reached a's server on the shared loopback.
  [ "$(section "inside join-b")" = "served from a's loopback, fetched by b" ] || fail_with "$output"
  # Everything went: the network namespace (run_example checks the
  # mount on the uts file).
  local netns
  netns=$(sed -n 's/^== a persistent network namespace: ip netns add //p' <<< "$output")
  [ -n "$netns" ] && [ ! -e "/run/netns/$netns" ] || fail_with "netns $netns left behind: $output"
}
