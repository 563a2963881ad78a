#!/bin/bash
# join-namespace: two containers in the same namespaces.  A namespace
# lives as long as a process is in it, or a file is bind-mounted on it:
# `unshare --uts=FILE` and `ip netns add NAME` make such persistent
# namespaces, and a config.json entry {"type": ..., "path": FILE} makes
# the container join that namespace instead of creating a new one.
#
# Here two containers, a and b, join one persistent uts namespace (one
# hostname, which the host sets) and one persistent network namespace
# (one loopback: a serves a page on 127.0.0.1, b fetches it).
. "$(dirname "$0")/lib.sh"

A=join-a-$$
B=join-b-$$
UTS=$EX_WORK/uts       # the uts namespace's file (a bind mount)
NETNS=vessel-join-$$   # the network namespace: /run/netns/$NETNS
ex_need util-linux iproute2

ex_say "a persistent uts namespace on $UTS"
touch "$UTS"
# unshare makes the namespace and bind-mounts it on $UTS; `true` exits at
# once, the mount keeps the namespace alive.
ex_on_exit "umount '$UTS'"
unshare --uts="$UTS" true
nsenter --uts="$UTS" hostname shared-by-two
echo "its hostname, set from the host: $(nsenter --uts="$UTS" hostname)"
echo "this shell's hostname is still: $(hostname)"

ex_say "a persistent network namespace: ip netns add $NETNS"
ex_on_exit "ip netns del '$NETNS'"
ip netns add "$NETNS"
# A new network namespace has only lo, down; the containers get no
# CAP_NET_ADMIN, so the host brings it up, and adds a veth pair both
# containers will see (a pair as a marker: veth is in every kernel that
# runs containers, the dummy driver is not).
ip -n "$NETNS" link set lo up
ip -n "$NETNS" link add shared0 type veth peer name shared1
ls -l "/run/netns/$NETNS"

ex_say "two bundles whose uts and network namespaces are those files"
rootfs=$EX_WORK/rootfs
ex_busybox_rootfs "$rootfs"
echo "served from a's loopback, fetched by b" > "$rootfs/var/www/index.html"
for id in "$A" "$B"; do
  ex_bundle "$EX_WORK/$id" "$id" "$rootfs"
  # No .hostname: set in a shared namespace it would rename it for every
  # member (and the host's name for it stays the one to see).
  ex_config "$EX_WORK/$id" '
    del(.hostname)
    | .linux.namespaces |= map(
        if .type == "uts" then .path = $uts
        elif .type == "network" then .path = $net
        else . end)' \
    --arg uts "$UTS" --arg net "/run/netns/$NETNS"
done
# a runs a web server on the shared loopback; b just waits.
ex_config "$EX_WORK/$A" '.process.args = ["httpd", "-f", "-p", "127.0.0.1:8080", "-h", "/var/www"]'
ex_config "$EX_WORK/$B" '.process.args = ["sleep", "600"]'
jq -c .linux.namespaces "$EX_WORK/$A/config.json"

ex_say "vessel run -d $A and $B"
vessel run --detach --bundle "$EX_WORK/$A" "$A"
vessel run --detach --bundle "$EX_WORK/$B" "$B"
pid_a=$(vessel state "$A" | jq -r .pid)
pid_b=$(vessel state "$B" | jq -r .pid)
vessel list

ex_say "outside: the uts namespace of both inits is the file's"
printf '%-20s %s\n' "$A init" "$(readlink "/proc/$pid_a/ns/uts")" \
  "$B init" "$(readlink "/proc/$pid_b/ns/uts")" \
  "file" "uts:[$(stat -L -c %i "$UTS")]" \
  "this shell" "$(readlink /proc/self/ns/uts)"

ex_say "inside: both see the hostname set from the host"
echo "$A: $(vessel exec "$A" hostname)"
echo "$B: $(vessel exec "$B" hostname)"

ex_say "the host renames the namespace: nsenter --uts=$UTS hostname renamed"
# (`vessel exec $A hostname renamed` would fail: renaming needs
# CAP_SYS_ADMIN, which the default config does not give.)
nsenter --uts="$UTS" hostname renamed
echo "$A: $(vessel exec "$A" hostname)"
echo "$B: $(vessel exec "$B" hostname)"

ex_say "outside: the network namespace of both inits is /run/netns/$NETNS"
printf '%-20s %s\n' "$A init" "$(readlink "/proc/$pid_a/ns/net")" \
  "$B init" "$(readlink "/proc/$pid_b/ns/net")" \
  "file" "net:[$(stat -L -c %i "/run/netns/$NETNS")]" \
  "this shell" "$(readlink /proc/self/ns/net)"

ex_say "inside: both see the same interfaces"
echo "$A: $(vessel exec "$A" ip -o link | awk -F': ' '{ print $2 }' | tr '\n' ' ')"
echo "$B: $(vessel exec "$B" ip -o link | awk -F': ' '{ print $2 }' | tr '\n' ' ')"

ex_say "inside $B: wget http://127.0.0.1:8080/ reaches $A's server"
# The server may take a moment to listen.
for try in $(seq 50); do
  vessel exec "$B" wget -qO- http://127.0.0.1:8080/ 2> /dev/null && break
  [ "$try" = 50 ] && echo "no answer from $A's server"
  sleep 0.1
done

ex_say "vessel delete; the namespaces go with their mounts"
vessel delete --force "$A"
vessel delete --force "$B"
umount "$UTS"
ip netns del "$NETNS"
vessel list
