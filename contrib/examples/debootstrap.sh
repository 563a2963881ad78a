#!/bin/bash
# debootstrap: a real distribution as the root filesystem.  debootstrap
# builds a minimal Debian 12 ("bookworm", the minbase variant: essential
# packages plus apt) in a directory; vessel runs it like any other
# rootfs.  The container's process is a small web server from a Debian
# package, and `vessel exec` runs Debian's own tools beside it.
#
# The service is busybox's httpd (`--include=busybox`): the busybox
# package is one small binary depending only on libc, its httpd runs in
# the foreground as an unprivileged user, needs no configuration and no
# network once installed, and the same package's wget asks it for a page
# from inside the container.
#
#   contrib/examples/debootstrap.sh
#
# The mirror is the host's first Debian mirror in its apt sources (else
# http://deb.debian.org/debian); VESSEL_EXAMPLE_MIRROR overrides it.
# When the mirror cannot be reached, the script says why and exits 77.
. "$(dirname "$0")/lib.sh"

SUITE=bookworm
ID=debootstrap
PORT=8080
bundle=$EX_WORK/bundle
rootfs=$bundle/rootfs

# host_mirror: the URI of the host's apt source for the main Debian
# archive (deb822 debian.sources first, then the one-line sources.list).
host_mirror() {
  local f=/etc/apt/sources.list.d/debian.sources uri=""
  if [ -r "$f" ]; then
    # Paragraph mode: the first stanza of Types "deb" that lists SUITE
    # itself among its Suites (not only SUITE-security or -updates).
    uri=$(awk -v s="$SUITE" 'BEGIN { RS = "" }
      /(^|\n)Types:[^\n]*[ \t]deb([ \t]|\n|$)/ && match($0, /(^|\n)Suites:[^\n]*/) {
        n = split(substr($0, RSTART, RLENGTH), w, /[ \t\n]+/)
        for (i = 1; i <= n; i++) if (w[i] == s) {
          match($0, /(^|\n)URIs:[ \t]*[^ \t\n]+/)
          split(substr($0, RSTART, RLENGTH), u, /[ \t\n]+/)
          for (j = 1; j in u; j++) if (u[j] ~ /:\/\//) { print u[j]; exit }
        }
      }' "$f")
  fi
  if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
    # deb [options] URI SUITE COMPONENT...
    uri=$(sed -e 's/#.*//' -e 's/\[[^]]*\]//' /etc/apt/sources.list |
      awk -v s="$SUITE" '$1 == "deb" && $3 == s { print $2; exit }')
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# unmount_under DIR: lazily unmounts every mount below DIR, deepest
# first.  debootstrap mounts /proc and /sys in its target while it
# configures packages, and may leave them there when it fails; lazy
# unmounting detaches them at once, so removing the work directory can
# never reach into the host's /proc, /sys or /dev.
unmount_under() {
  local m
  findmnt -rn -o TARGET | grep "^$1/" | sort -r | while read -r m; do
    umount -l "$m"
  done
}

# cannot_reach REASON: the mirror is out of reach; not this example's
# fault, so the special status 77 (a test skips on it).
cannot_reach() {
  echo "$EX_NAME: debootstrap cannot reach its mirror: $*" >&2
  exit 77
}

MIRROR=${VESSEL_EXAMPLE_MIRROR:-$(host_mirror)}
MIRROR=${MIRROR%/}
ex_on_exit "unmount_under '$EX_WORK'"

ex_say "debootstrap --variant=minbase $SUITE from $MIRROR"
ex_need debootstrap jq wget ||
  cannot_reach "apt-get could not install debootstrap (no network?)"
# One quick request first, so that an unreachable mirror is reported in
# seconds instead of after debootstrap's retries.
url=$MIRROR/dists/$SUITE/Release
err=$(wget -nv -T 20 -t 2 -O /dev/null "$url" 2>&1) ||
  cannot_reach "$url: $(echo "$err" | tail -1)"
mkdir -p "$rootfs"
# debootstrap's target needs device nodes and programs that run: where
# the work directory's mount forbids them (a /tmp mounted nodev or
# noexec), the rootfs gets a bind mount of its own that allows them.
if findmnt -n -o OPTIONS -T "$rootfs" | tr ',' '\n' | grep -qxE 'nodev|noexec'; then
  mount --bind "$rootfs" "$rootfs"
  mount -o remount,bind,dev,exec "$rootfs"
fi
start=$(date +%s)
if ! debootstrap --variant=minbase --include=busybox "$SUITE" "$rootfs" "$MIRROR" > "$EX_WORK/debootstrap.log" 2>&1; then
  # A download that failed half-way is the network's doing too; anything
  # else is a real failure, shown with the end of debootstrap's log.
  why=$(grep -E "^E: (Failed getting release|Couldn't download|Couldn't find these debs)" "$EX_WORK/debootstrap.log" | head -1)
  [ -z "$why" ] || cannot_reach "${why#E: }"
  tail -20 "$EX_WORK/debootstrap.log" "$rootfs/debootstrap/debootstrap.log" 2> /dev/null >&2
  echo "$EX_NAME: debootstrap failed" >&2
  exit 1
fi
grep '^I: Base system installed' "$EX_WORK/debootstrap.log"
echo "took $(($(date +%s) - start)) s, $(du -sm "$rootfs" | cut -f1) MB"

# Something to serve: a page with the rootfs's Debian version in it.
mkdir -p "$rootfs/srv/www"
echo "hello from Debian $(cat "$rootfs/etc/debian_version") in a vessel container" > "$rootfs/srv/www/index.html"

ex_say "the bundle: the container's process is busybox httpd, as www-data"
ex_bundle "$bundle" "$ID" "$rootfs"
# www-data is uid and gid 33 in every Debian (base-passwd fixes it).
# vessel's default config keeps the root read-only: httpd writes nothing.
ex_config "$bundle" '
  .hostname = "debian"
  | .process.user = {"uid": 33, "gid": 33}
  | .process.args = ["busybox", "httpd", "-f", "-p", $addr, "-h", "/srv/www"]' \
  --arg addr "127.0.0.1:$PORT"
# httpd listens on the loopback of the container's own network namespace
# (which vessel brings up, as runc and crun do).
jq -c '.process.user, .process.args, .root' "$bundle/config.json"
ex_on_exit "vessel delete --force $ID"
vessel create --bundle "$bundle" "$ID"
vessel start "$ID"
pid=$(vessel state "$ID" | jq -r .pid)
echo "container $ID is $(vessel state "$ID" | jq -r .status), its init is host pid $pid"

ex_say "inside: /etc/debian_version"
vessel exec "$ID" cat /etc/debian_version

ex_say "inside: apt --version"
vessel exec "$ID" apt --version

ex_say "inside: the service, ps"
vessel exec "$ID" busybox ps -o pid,user,args

ex_say "inside: the service answers (busybox wget http://127.0.0.1:$PORT/)"
# httpd may still be opening its socket: a few tries, a fifth of a
# second apart.
for try in 1 2 3 4 5 6 7 8 9 10; do
  if vessel exec "$ID" busybox wget -q -O - "http://127.0.0.1:$PORT/" 2> /dev/null; then
    break
  fi
  [ "$try" -lt 10 ] || { echo "$EX_NAME: no answer from httpd" >&2; exit 1; }
  sleep 0.2
done

ex_say "vessel kill + delete"
vessel kill "$ID" TERM
vessel delete --force "$ID"
