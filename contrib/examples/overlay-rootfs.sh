#!/bin/bash
# overlay-rootfs: one image, many containers, the way container engines
# share an image.  The image is a plain directory that no container ever
# writes: each container's root is an overlayfs whose lower layer is the
# image and whose upper layer is a directory of its own.  What a
# container writes is copied up into its upper layer; what it deletes is
# hidden there by a "whiteout"; the image and the other container see
# none of it.
#
#   contrib/examples/overlay-rootfs.sh
. "$(dirname "$0")/lib.sh"

image=$EX_WORK/image

# image_digest: a checksum of the image's names, modes, owners, times and
# contents (tar of the whole tree, in a stable order).
image_digest() {
  tar -C "$image" --sort=name --numeric-owner -cf - . | sha256sum | cut -c1-16
}

# show_upper NAME: what NAME's upper layer holds, one line per entry,
# with a word saying what it is to overlayfs.
show_upper() {
  local name=$1 path kind
  (cd "$EX_WORK/$name/upper" && find . -mindepth 1 | sort) | while read -r path; do
    path=${path#./}
    kind=$(stat -c %F "$EX_WORK/$name/upper/$path")
    case $kind in
      "character special file")
        # A 0,0 character device is a whiteout: "deleted in this layer".
        kind="whiteout ($(stat -c 'char %t,%T' "$EX_WORK/$name/upper/$path"))"
        ;;
      directory) kind="directory (made in upper to hold the entries below)" ;;
      "regular file") kind="file: $(head -c 60 "$EX_WORK/$name/upper/$path" | tr '\n' ' ')" ;;
    esac
    echo "$name/upper: /$path $kind"
  done
}

ex_say "the image: busybox in $image, plus /etc/image-release and /etc/motd"
ex_busybox_rootfs "$image"
printf 'NAME=vessel-example-image\nVERSION=1\n' > "$image/etc/image-release"
echo "welcome to the example image" > "$image/etc/motd"
before=$(image_digest)
echo "image digest before: $before"

# One overlay per container: the image read-only below, the container's
# own upper directory (its writes) and work directory (overlayfs's
# scratch space, on the same filesystem as upper) above.  The script
# mounts it; the bundle's root.path names the merged directory, and
# vessel pivots into it like into any other rootfs.
for name in a b; do
  ex_say "container $name: an overlay on $EX_WORK/$name/merged"
  mkdir -p "$EX_WORK/$name/upper" "$EX_WORK/$name/work" "$EX_WORK/$name/merged"
  # Cleanups run last-registered first: the container goes before its
  # overlay is unmounted.
  ex_on_exit "umount '$EX_WORK/$name/merged'"
  ex_on_exit "vessel delete --force $name"
  mount -t overlay overlay \
    -o "lowerdir=$image,upperdir=$EX_WORK/$name/upper,workdir=$EX_WORK/$name/work" \
    "$EX_WORK/$name/merged"
  echo "type: $(findmnt -n -o FSTYPE "$EX_WORK/$name/merged")"
  findmnt -n -o OPTIONS "$EX_WORK/$name/merged" | tr ',' '\n' | grep -E '^(lowerdir|upperdir|workdir)='
  ex_bundle "$EX_WORK/$name/bundle" "$name" "$EX_WORK/$name/merged"
  # vessel spec makes the root read-only; the point here is writing to it.
  ex_config "$EX_WORK/$name/bundle" '.root.readonly = false | .hostname = $h | .process.args = ["sleep", "600"]' \
    --arg h "$name"
  vessel create --bundle "$EX_WORK/$name/bundle" "$name"
  vessel start "$name"
done

ex_say "a writes /root/from-a and deletes the image's /etc/motd"
vessel exec a sh -c 'echo "written by a" > /root/from-a && rm /etc/motd && echo done'

ex_say "b writes /root/from-b and changes the image's /etc/image-release"
vessel exec b sh -c 'echo "written by b" > /root/from-b && echo "CHANGED_BY=b" >> /etc/image-release && echo done'

# Each container looks at /root, /etc/motd and /etc/image-release.
for name in a b; do
  ex_say "inside $name: what it sees"
  vessel exec "$name" sh -c '
    echo "root filesystem: $(grep " / / " /proc/self/mountinfo | sed "s/.* - //" | cut -d" " -f1)"
    echo "/root: $(ls /root | tr "\n" " ")"
    if [ -e /etc/motd ]; then echo "/etc/motd: present"; else echo "/etc/motd: absent"; fi
    echo "/etc/image-release: $(tr "\n" " " < /etc/image-release)"'
done

ex_say "host: each container's upper layer holds its own changes, and only those"
show_upper a
show_upper b

ex_say "vessel delete, umount"
for name in a b; do
  vessel kill "$name" KILL
  vessel delete --force "$name"
  umount "$EX_WORK/$name/merged"
done
echo "mounts left under $EX_WORK: $(grep -c " $EX_WORK/" /proc/self/mountinfo || true)"

ex_say "host: the image is unchanged"
after=$(image_digest)
echo "image digest before: $before"
echo "image digest after:  $after"
echo "/etc/motd: $(cat "$image/etc/motd")"
echo "/etc/image-release: $(tr '\n' ' ' < "$image/etc/image-release")"
[ "$before" = "$after" ] && echo "image unchanged" || echo "IMAGE CHANGED"
