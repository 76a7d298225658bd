#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ptun link type: autoload, device properties, deletion, namespaces
# and module removal with devices present.
#
#   ns "a": ptun0            ns "b": ptun1 (created in "a", moved here)

source "$(dirname "$0")/lib.sh"

ns_add a
ns_add b

rmmod ptun 2>/dev/null
check_fails "module is not loaded before the test" grep -qw '^ptun' /proc/modules
check "ip link add autoloads the module" in_ns a ip link add ptun0 type ptun
check "module is loaded after ip link add" grep -qw '^ptun' /proc/modules
check "generic netlink family autoloads too (show with no device)" \
	ptun_in b show

link=$(in_ns a ip -d link show ptun0)
check_match "point-to-point, no ARP" '<POINTOPOINT,NOARP' "$link"
check_match "default MTU is 1420" ' mtu 1420 ' "$link"
check_match "no link-layer address" 'link/none' "$link"
check_nomatch "no broadcast flag" 'BROADCAST' "$link"
check_match "link kind is ptun" '^ +ptun ' "$link"

# The loaded module's version, from sysfs as modinfo(8) reads it, and over
# netlink from a device where /sys/module is not there (a container's).
modver=$(cat /sys/module/ptun/version)
check_match "ptun --version names the loaded module's version" \
	"^module $modver, netlink family ptun version [0-9]+\$" \
	"$(ptun_in a --version)"
no_sysfs="mount -t tmpfs none /sys/module && $PTUN --version"
check_match "without /sys/module, the version comes over netlink" \
	"^module $modver, " "$(in_ns a unshare -m sh -c "$no_sysfs" 2>&1)"
check_match "and with no device to ask either, it is unknown" \
	'^module \(unknown version\), ' \
	"$(in_ns b unshare -m sh -c "$no_sysfs" 2>&1)"

check_fails "MTU below 68 is refused" in_ns a ip link set ptun0 mtu 67
check "MTU 68 is accepted" in_ns a ip link set ptun0 mtu 68
check "MTU 65455 is accepted" in_ns a ip link set ptun0 mtu 65455
check_fails "MTU 65456 is refused (outer packet would not fit)" \
	in_ns a ip link set ptun0 mtu 65456
check "MTU back to 1420" in_ns a ip link set ptun0 mtu 1420

# No link-local address, so no router solicitations: the drop counters
# below count only the test's own packets.
check "no IPv6 link-local address (addrgenmode none)" \
	in_ns a ip link set ptun0 addrgenmode none
check "device goes up" in_ns a ip link set ptun0 up
check "IPv4 address on the device" in_ns a ip addr add 10.9.0.1/32 peer 10.9.0.2/32 dev ptun0
check "IPv6 address on the device" in_ns a ip addr add fd00:9::1/128 peer fd00:9::2/128 dev ptun0
check "route through the device" in_ns a ip route add 10.9.1.0/24 dev ptun0

# Nothing can be sent yet without a peer: each packet is dropped, counted as
# a transmit error (not as no-session: there is no peer to have one) and
# answered with an ICMP unreachable.
tx0=$(ctr a drop-tx-error)
ns0=$(ctr a drop-no-session)
check_eq "no drop before any packet was sent (no IPv6 chatter)" "0 0" "$tx0 $ns0"
out=$(in_ns a ping -c 3 -i 0.2 -W 1 10.9.1.1 2>&1)
check_match "ping with no peer is told: destination unreachable" \
	'[Uu]nreachable' "$out"
check_rise "packets sent with no peer count as tx-error, each once" \
	a drop-tx-error "$tx0" 3
check_rise "and not as no-session" a drop-no-session "$ns0" 0

check "a second device in the same namespace" in_ns a ip link add ptun1 type ptun
check "dump lists both devices" \
	bash -c "[ \$(ip netns exec a $PTUN show all --json | jq length) -eq 2 ]"
check "set a listen port before moving the device" \
	ptun_in a set ptun1 listen-port 40001
check "device moves to another namespace" in_ns a ip link set ptun1 netns b
check_eq "moved device keeps its configuration" 40001 \
	"$(ptun_in b show ptun1 listen-port)"
check_fails "moved device is gone from its old namespace" ptun_in a show ptun1
check_eq "dump in the first namespace shows only ptun0" ptun0 \
	"$(ptun_in a show all --json | jq -r '.[].ifname' | tr '\n' ' ' | sed 's/ $//')"
check "configuring the device in its new namespace works" \
	ptun_in b set ptun1 listen-port 40002
check_fails "namespace b cannot configure namespace a's device" \
	ptun_in b set ptun0 listen-port 40003

check "ip link del removes the device" in_ns a ip link del ptun0
check_fails "deleted device is gone" in_ns a ip link show ptun0
check_fails "netlink no longer finds it" ptun_in a show ptun0

keypair x
keypair y

# A link the user gives an IPv6 link-local address (addrgenmode random)
# sends router solicitations, which the allowed IPs do not cover (README:
# they show as dst-not-allowed); a new link has none (addrgenmode none by
# default, selftests/addrgen.sh) and sends none.
check "device whose kernel may solicit routers" eval "in_ns a ip link add ptun3 type ptun &&
	in_ns a ip link set ptun3 addrgenmode random"
check "device left as created" in_ns a ip link add ptun4 type ptun
for dev in ptun3 ptun4; do
	check "$dev gets a key and a peer" ptun_in a set $dev private-key "$TMP/x.key" \
		peer "$(cat "$TMP/y.pub")" allowed-ips 10.0.0.0/8
	check "$dev goes up" in_ns a ip link set $dev up
done
up_at=$SECONDS
check_match "ptun4 is up" '<([^>]*,)?UP[,>]' "$(in_ns a ip link show ptun4)"
dst_drops()
{
	[ "$(ptun_in a show "$1" drop-dst-not-allowed)" -gt 0 ]
}
check "the first counts the solicitations as dst-not-allowed" \
	wait_for 15 dst_drops ptun3
# The kernel solicits again after rtr_solicit_interval (4 s): whatever
# ptun4 would send has had that long, counted from when it went up.
sleep $((up_at + 5 - SECONDS > 0 ? up_at + 5 - SECONDS : 0))
check_eq "the one left as created counts nothing" "0 0" \
	"$(ptun_in a show ptun4 drop-dst-not-allowed) $(ptun_in a show ptun4 drop-tx-error)"
check_eq "and has no IPv6 address" "" \
	"$(in_ns a ip -6 -o addr show dev ptun4)"

check "recreate a device in namespace a" in_ns a ip link add ptun2 type ptun
check "give it keys and a peer" ptun_in a set ptun2 private-key "$TMP/x.key" \
	peer "$(cat "$TMP/y.pub")" allowed-ips 10.0.0.0/8 endpoint 192.0.2.1:1234
check "rmmod with devices in two namespaces" rmmod ptun
check_fails "device in namespace a is gone" in_ns a ip link show ptun2
check_fails "device in namespace b is gone" in_ns b ip link show ptun1
check "module can be loaded again" modprobe ptun
check "and a device created again" in_ns a ip link add ptun0 type ptun

# Deleting a namespace takes its devices with it. ptun5 is made in a and
# moved to b, so that its UDP socket lives in a (the namespace a device was
# created in keeps its underlay) where it can be seen going away with it.
udp_listening()
{
	[ -n "$(in_ns "$1" ss -Hlun "sport = :$2")" ]
}
check "device in a namespace that is then deleted" eval \
	"in_ns a ip link add ptun5 type ptun &&
	 ptun_in a set ptun5 listen-port 40005 &&
	 in_ns a ip link set ptun5 netns b &&
	 in_ns b ip link set ptun5 up"
check "its socket listens in a, where it was created" \
	wait_for 10 udp_listening a 40005
ip netns del b
test_namespaces=(a)
check "the device went with its namespace: its socket in a closed" \
	wait_for 20 eval "! udp_listening a 40005"
check "module unloads after its namespace went away" rmmod ptun
modprobe ptun

ktap_done
