#!/usr/bin/env bats
# contrib/examples/debootstrap.sh: a Debian 12 minbase rootfs made by
# debootstrap, its apt, and a service (busybox httpd) as the container's
# process.

load common

@test "debootstrap: Debian 12 inside, apt runs, the service answers" {
  run_example debootstrap
  if [ "$status" -eq 77 ]; then
    skip "debootstrap cannot reach its mirror: $(sed -n 's/.*cannot reach its mirror: //p' <<< "$output" | head -1)"
  fi
  assert_success
  local version apt ps page
  version=$(section "inside: /etc/debian_version")
  [[ $version =~ ^12\.[0-9]+$ ]] || fail_with "/etc/debian_version in the container: $version"
  apt=$(section "inside: apt --version")
  [[ $apt =~ ^apt\ 2\.[0-9.]+\ \([a-z0-9]+\)$ ]] || fail_with "apt --version in the container: $apt"
  # The service is the container's init, running as www-data.
  ps=$(section "inside: the service, ps")
  grep -qE '^ +1 www-data +busybox httpd -f -p 127\.0\.0\.1:8080 -h /srv/www$' <<< "$ps" || fail_with "ps in the container: $ps"
  # It served the page the script wrote into the rootfs, which holds the
  # version of the Debian debootstrap installed.
  page=$(section "inside: the service answers")
  [ "$page" = "hello from Debian $version in a vessel container" ] || fail_with "httpd's answer: $page"
}
