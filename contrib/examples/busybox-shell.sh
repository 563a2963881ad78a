#!/bin/bash
# busybox-shell: the first container of every "containers from scratch"
# tutorial, done with an OCI bundle.  A busybox root filesystem, and new
# pid, mount, uts, ipc, network and user namespaces: inside, the shell is
# root, sees only its own processes and has its own hostname; outside,
# the same processes belong to an unprivileged uid.
#
#   contrib/examples/busybox-shell.sh      the walkthrough, then clean up
#   contrib/examples/busybox-shell.sh -i   an interactive shell instead
. "$(dirname "$0")/lib.sh"

HOST_UID=100000 # where container uid 0 lands on the host
ID=busybox-shell
bundle=$EX_WORK/bundle

ex_say "a bundle: busybox in $bundle/rootfs, vessel's default config"
ex_bundle "$bundle" "$ID"
# The default config already asks for new pid, network, ipc, uts and
# mount namespaces; add a user namespace mapping 65536 ids to $HOST_UID.
ex_config "$bundle" '
  .hostname = "busybox-shell"
  | .linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": $h, "size": 65536}]
  | .linux.gidMappings = [{"containerID": 0, "hostID": $h, "size": 65536}]' \
  --argjson h "$HOST_UID"
jq -c '.linux.namespaces, .linux.uidMappings' "$bundle/config.json"

if [ "${1:-}" = -i ]; then
  ex_config "$bundle" '.process.terminal = true | .process.args = ["sh"]'
  ex_say "vessel run $ID: an interactive shell (exit to end)"
  vessel run --bundle "$bundle" "$ID"
  exit 0
fi

ex_say "vessel create + start: the container's process is \`sleep 600\`"
ex_config "$bundle" '.process.args = ["sleep", "600"]'
vessel create --bundle "$bundle" "$ID"
vessel start "$ID"
pid=$(vessel state "$ID" | jq -r .pid)
echo "container $ID is $(vessel state "$ID" | jq -r .status), its init is host pid $pid"

ex_say "inside: the hostname"
vessel exec "$ID" hostname

ex_say "inside: who am I"
vessel exec "$ID" id

ex_say "inside: ps sees only the container's processes (sleep is pid 1)"
vessel exec "$ID" ps -o pid,user,comm

ex_say "outside: the same sleep, owned by host uid $HOST_UID"
ps -o pid,uid,comm -p "$pid"
echo "uid map of pid $pid: $(tr -s ' ' < "/proc/$pid/uid_map")"

ex_say "outside: its namespaces differ from this shell's"
for ns in pid mnt uts ipc net user; do
  printf '%-5s host %-20s container %s\n' "$ns" "$(readlink /proc/self/ns/$ns)" "$(readlink "/proc/$pid/ns/$ns")"
done

ex_say "vessel kill + delete"
vessel kill "$ID" KILL
vessel delete --force "$ID"
vessel list
