#!/bin/bash
# web-server: a container serving a page on its own network, the way
# the "containers from scratch" tutorials wire it by hand.  vessel gives
# the container a new, empty network namespace (the default config asks
# for one); a bridge and a veth pair connect it, an address and a route
# make it reachable, and a DNAT rule forwards a port to it.
#
# So as not to touch this machine's own network, "the host" here is a
# network namespace the script makes: the bridge, the firewall rule and
# the fetches all live in it, and all of it goes with `ip netns del`.
#
#   host netns   br0 10.213.0.1/24 ── veth ── eth0 10.213.0.2/24  container
#                veth-cl 10.213.1.1/24 ── eth0 10.213.1.2/24      client netns
#
# The addresses are fixed (10.213.0.0/24 and 10.213.1.0/24, private): they
# exist only inside these namespaces, so no other network can clash.
. "$(dirname "$0")/lib.sh"

ID=web-server-$$
HOSTNS=vessel-web-$$        # plays the host
CLIENTNS=vessel-web-$$-cl   # plays a machine on the host's outer network
bundle=$EX_WORK/bundle
ex_need iproute2 busybox-static

ex_say "a bundle: busybox httpd -f -p 8081 serving /var/www"
ex_bundle "$bundle" "$ID"
echo "hello from the container $ID" > "$bundle/rootfs/var/www/index.html"
ex_config "$bundle" '.hostname = "web" | .process.args = ["httpd", "-f", "-p", "8081", "-h", "/var/www"]'
echo "the page: $(cat "$bundle/rootfs/var/www/index.html")"
jq -c .linux.namespaces "$bundle/config.json"

ex_say "the host: netns $HOSTNS with a bridge br0, 10.213.0.1/24"
ex_on_exit "ip netns del '$HOSTNS'"
ip netns add "$HOSTNS"
ip -n "$HOSTNS" link set lo up
ip -n "$HOSTNS" link add br0 type bridge
ip -n "$HOSTNS" addr add 10.213.0.1/24 dev br0
ip -n "$HOSTNS" link set br0 up
# The veth pair: veth-web stays on the bridge, its peer goes into the
# container once the container's namespace exists.
ip -n "$HOSTNS" link add veth-web type veth peer name ceth0
ip -n "$HOSTNS" link set veth-web master br0 up
ip -n "$HOSTNS" -br addr

ex_say "vessel create: the init waits in its new network namespace"
vessel create --bundle "$bundle" "$ID"
pid=$(vessel state "$ID" | jq -r .pid)
echo "container $ID is $(vessel state "$ID" | jq -r .status), its init is host pid $pid"
echo "its interfaces: $(nsenter -t "$pid" -n ip -o link | awk -F': ' '{ print $2 }' | tr '\n' ' ')"

ex_say "wire it: the veth peer into the container's netns as eth0, 10.213.0.2/24"
# `netns PID` moves the interface into the network namespace of PID.
ip -n "$HOSTNS" link set ceth0 netns "$pid"
# The container has no CAP_NET_ADMIN: its network is set up from outside,
# by entering its namespace (as a CNI plugin does).
nsenter -t "$pid" -n ip link set ceth0 name eth0
nsenter -t "$pid" -n ip addr add 10.213.0.2/24 dev eth0
nsenter -t "$pid" -n ip link set eth0 up
nsenter -t "$pid" -n ip link set lo up
nsenter -t "$pid" -n ip route add default via 10.213.0.1
nsenter -t "$pid" -n ip -br addr
nsenter -t "$pid" -n ip route

ex_say "vessel start: httpd runs"
vessel start "$ID"
vessel list

ex_say "outside: three network namespaces"
printf '%-14s %s\n' "this shell" "$(readlink /proc/self/ns/net)" \
  "host netns" "net:[$(stat -L -c %i "/run/netns/$HOSTNS")]" \
  "container" "$(readlink "/proc/$pid/ns/net")"

ex_say "from the host netns: wget -qO- http://10.213.0.2:8081/"
# httpd may take a moment to listen.  (timeout bounds each try: the -T
# option of Debian 12's busybox wget crashes it.)
for try in $(seq 50); do
  timeout 5 ip netns exec "$HOSTNS" busybox wget -qO- http://10.213.0.2:8081/ 2> /dev/null && break
  [ "$try" = 50 ] && echo "no answer from the container"
  sleep 0.1
done

ex_say "a client netns on the host's other side, 10.213.1.2/24"
ex_on_exit "ip netns del '$CLIENTNS'"
ip netns add "$CLIENTNS"
ip -n "$HOSTNS" link add veth-cl type veth peer name eth0 netns "$CLIENTNS"
ip -n "$HOSTNS" addr add 10.213.1.1/24 dev veth-cl
ip -n "$HOSTNS" link set veth-cl up
ip -n "$CLIENTNS" link set lo up
ip -n "$CLIENTNS" addr add 10.213.1.2/24 dev eth0
ip -n "$CLIENTNS" link set eth0 up
ip -n "$CLIENTNS" route add default via 10.213.1.1
# The host routes between its two networks.
ip netns exec "$HOSTNS" sysctl -qw net.ipv4.ip_forward=1
ip -n "$CLIENTNS" -br addr

# The port forward ("-p 8080:8081"): packets to the host's 10.213.1.1:8080,
# from outside (prerouting) or from the host itself (output), go to the
# container's 10.213.0.2:8081.  nftables if it works, else iptables.
forward_nft() {
  ip netns exec "$HOSTNS" nft -f - << 'EOF' || return 1
table ip vessel-example {
  chain prerouting {
    type nat hook prerouting priority dstnat;
    ip daddr 10.213.1.1 tcp dport 8080 dnat to 10.213.0.2:8081
  }
  chain output {
    type nat hook output priority -100;
    ip daddr 10.213.1.1 tcp dport 8080 dnat to 10.213.0.2:8081
  }
}
EOF
  ip netns exec "$HOSTNS" nft list table ip vessel-example
}
forward_iptables() {
  local chain
  for chain in PREROUTING OUTPUT; do
    ip netns exec "$HOSTNS" iptables -t nat -A "$chain" -d 10.213.1.1 -p tcp --dport 8080 \
      -j DNAT --to-destination 10.213.0.2:8081 || return 1
  done
  ip netns exec "$HOSTNS" iptables -t nat -S
}

ex_say "port forward: the host's 10.213.1.1:8080 to the container's 8081"
if ! command -v nft > /dev/null && ! command -v iptables > /dev/null; then
  ex_need nftables || true
fi
forwarding=""
if command -v nft > /dev/null && forward_nft 2> "$EX_WORK/nft.err"; then
  forwarding=nft
elif command -v iptables > /dev/null && forward_iptables 2> "$EX_WORK/iptables.err"; then
  forwarding=iptables
fi
if [ -n "$forwarding" ]; then
  echo "(with $forwarding)"
else
  echo "port forward: skipped: neither nft nor iptables could add a DNAT rule:"
  cat "$EX_WORK"/*.err 2> /dev/null
fi

if [ -n "$forwarding" ]; then
  ex_say "from the client netns: wget -qO- http://10.213.1.1:8080/"
  timeout 10 ip netns exec "$CLIENTNS" busybox wget -qO- http://10.213.1.1:8080/ || echo "no answer through the port forward"

  ex_say "from the host netns itself: wget -qO- http://10.213.1.1:8080/"
  timeout 10 ip netns exec "$HOSTNS" busybox wget -qO- http://10.213.1.1:8080/ || echo "no answer through the port forward"
fi

ex_say "vessel delete; ip netns del takes the bridge and the veths"
vessel delete --force "$ID"
ip netns del "$CLIENTNS"
ip netns del "$HOSTNS"
vessel list
