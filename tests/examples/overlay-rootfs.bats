#!/usr/bin/env bats
# contrib/examples/overlay-rootfs.sh: two containers on overlays of one
# image directory; their writes land in their own upper layers only.

load common

@test "overlay-rootfs: writes go to each container's upper dir, the image is unchanged" {
  run_example overlay-rootfs
  assert_success
  # Each container runs on the overlay, and sees its own changes only.
  local a b
  a=$(section "inside a: what it sees")
  b=$(section "inside b: what it sees")
  grep -qx 'root filesystem: overlay' <<< "$a" || fail_with "a's root: $a"
  grep -qx 'root filesystem: overlay' <<< "$b" || fail_with "b's root: $b"
  grep -qx '/root: from-a ' <<< "$a" || fail_with "a's /root: $a"
  grep -qx '/root: from-b ' <<< "$b" || fail_with "b's /root: $b"
  grep -qx '/etc/motd: absent' <<< "$a" || fail_with "a deleted /etc/motd: $a"
  grep -qx '/etc/motd: present' <<< "$b" || fail_with "b sees a's deletion: $b"
  grep -qx '/etc/image-release: NAME=vessel-example-image VERSION=1 ' <<< "$a" || fail_with "a sees b's change: $a"
  grep -qx '/etc/image-release: NAME=vessel-example-image VERSION=1 CHANGED_BY=b ' <<< "$b" || fail_with "b's change: $b"
  # The upper layers hold exactly each container's changes: a's file and
  # the whiteout of /etc/motd; b's file and the copied-up image-release.
  # Nothing else: neither vessel nor the other container wrote there.
  local upper expected
  upper=$(section "host: each container's upper layer")
  expected="a/upper: /etc directory (made in upper to hold the entries below)
a/upper: /etc/motd whiteout (char 0,0)
a/upper: /root directory (made in upper to hold the entries below)
a/upper: /root/from-a file: written by a 
b/upper: /etc directory (made in upper to hold the entries below)
b/upper: /etc/image-release file: NAME=vessel-example-image VERSION=1 CHANGED_BY=b 
b/upper: /root directory (made in upper to hold the entries below)
b/upper: /root/from-b file: written by b "
  [ "$upper" = "$expected" ] || fail_with "the upper layers: $upper"
  # The image: same digest before and after, its files as they were.
  local image before after
  image=$(section "host: the image is unchanged")
  before=$(sed -n 's/^image digest before: //p' <<< "$image")
  after=$(sed -n 's/^image digest after: *//p' <<< "$image")
  [[ $before =~ ^[0-9a-f]{16}$ ]] || fail_with "$image"
  [ "$before" = "$after" ] || fail_with "the image changed: $image"
  grep -qx '/etc/motd: welcome to the example image' <<< "$image" || fail_with "$image"
  grep -qx '/etc/image-release: NAME=vessel-example-image VERSION=1 ' <<< "$image" || fail_with "$image"
  # The script unmounted its overlays (run_example also checks that no
  # mount under its work dir is left).
  section "vessel delete, umount" | grep -qE '^mounts left under /tmp/vessel-overlay-rootfs\.[^ ]+: 0$' || fail_with "$output"
}
