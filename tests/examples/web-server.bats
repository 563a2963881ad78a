#!/usr/bin/env bats
# contrib/examples/web-server.sh: httpd in a container with its own
# network namespace, wired by veth to a bridge in a netns playing the
# host, reached directly and through a DNAT port forward.

load common

@test "web-server: the container's page, from the host netns and through a port forward" {
  command -v ip >/dev/null && command -v nsenter >/dev/null || skip "needs iproute2 and nsenter"
  run_example web-server
  assert_success
  local page
  page=$(sed -n 's/^the page: //p' <<< "$output")
  [[ "$page" == "hello from the container web-server-"* ]] || fail_with "$output"

  # The container's network namespace is its own: neither this shell's
  # nor the one playing the host.
  local lines shell_ns host_ns ctr_ns
  lines=$(section "outside: three network namespaces")
  shell_ns=$(sed -n 's/^this shell \+\(net:\[[0-9]\+\]\)$/\1/p' <<< "$lines")
  host_ns=$(sed -n 's/^host netns \+\(net:\[[0-9]\+\]\)$/\1/p' <<< "$lines")
  ctr_ns=$(sed -n 's/^container \+\(net:\[[0-9]\+\]\)$/\1/p' <<< "$lines")
  [ -n "$shell_ns" ] && [ -n "$host_ns" ] && [ -n "$ctr_ns" ] || fail_with "$lines"
  [ "$shell_ns" = "$(readlink /proc/self/ns/net)" ] || fail_with "$lines"
  [ "$ctr_ns" != "$shell_ns" ] && [ "$ctr_ns" != "$host_ns" ] && [ "$host_ns" != "$shell_ns" ] ||
    fail_with "shared network namespaces: $lines"
  # Before the wiring, the new namespace had only lo; after it, eth0 with
  # the address the script gave.
  shows "its interfaces: lo "
  section "wire it" | grep -qE '^eth0@[^ ]+ +UP +10\.213\.0\.2/24' || fail_with "$output"

  # The page, fetched from the host netns, is the one the script wrote.
  [ "$(section "from the host netns: wget")" = "$page" ] || fail_with "$output"

  # The netns are gone (run_example checks the rest).
  local ns
  ns=$(sed -n 's/^== the host: netns \([^ ]*\) .*/\1/p' <<< "$output")
  [ -n "$ns" ] && [ ! -e "/run/netns/$ns" ] && [ ! -e "/run/netns/$ns-cl" ] || fail_with "netns $ns left behind: $output"

  # Through the port forward, from the client netns and the host netns.
  if grep -q "^port forward: skipped" <<< "$output"; then
    skip "no port forward: $(section "port forward:")"
  fi
  [ "$(section "from the client netns: wget")" = "$page" ] || fail_with "$output"
  [ "$(section "from the host netns itself: wget")" = "$page" ] || fail_with "$output"
}
