#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Devices that live in another namespace than the one they were created
# in, whose UDP sockets stay behind: each of two namespaces holds the other
# one's device, and the tunnel runs between them. Then, under a flood ping,
# namespace a is deleted, then b: the device whose creating namespace went
# first loses its sockets (and counts what it can no longer send), the
# other goes with its namespace and closes its sockets in b, and at the end
# nothing is left: the module unloads at once.
#
#   +--------------- ns a ---------------+        +--------------- ns b ---------------+
#   | pb: created in b, moved here        |        | pa: created in a, moved here        |
#   |     10.10.0.2, sockets in b :51821  |        |     10.10.0.1, sockets in a :51820  |
#   | wan0 192.0.2.1/24                   |--veth--| wan0 192.0.2.2/24                   |
#   +-------------------------------------+        +-------------------------------------+
#
#   b pings 10.10.0.2: pa (in b) seals and sends from a's stack to
#   192.0.2.2:51821, where pb's socket (in b) takes it to pb (in a); the
#   reply goes back the same way to 192.0.2.1:51820. Each device has a port
#   of its own, so that where each one's sockets are shows.

source "$(dirname "$0")/lib.sh"

ns_add a
ns_add b
keypair pa
keypair pb
# mkdev NS DEV PORT PEER P [ENDPOINT]: DEV made in NS with key pair DEV,
# listening on PORT, whose peer has PEER's key and the inner address
# 10.10.0.P, at ENDPOINT if given (else learnt from its first message)
mkdev()
{
	local ns=$1 dev=$2 port=$3 peer=$4 p=$5 ep=${6:-}

	ip -n "$ns" link add "$dev" type ptun &&
	ptun_in "$ns" set "$dev" private-key "$TMP/$dev.key" listen-port "$port" \
		peer "$(cat "$TMP/$peer.pub")" ${ep:+endpoint "$ep"} \
		allowed-ips "10.10.0.$p/32"
}
# inner NS DEV N P: DEV, now in NS, gets its address and goes up
inner()
{
	local ns=$1 dev=$2 n=$3 p=$4

	ip -n "$ns" link set "$dev" addrgenmode none &&
	ip -n "$ns" addr add "10.10.0.$n/32" peer "10.10.0.$p/32" dev "$dev" &&
	ip -n "$ns" link set "$dev" up
}
setup()
{
	ip link add wan0 netns a type veth peer name wan0 netns b &&
	ip -n a addr add 192.0.2.1/24 dev wan0 &&
	ip -n b addr add 192.0.2.2/24 dev wan0 &&
	ip -n a link set wan0 up &&
	ip -n b link set wan0 up &&
	# pa's datagrams leave a for pb's socket in b, and the other way
	mkdev a pa 51820 pb 2 192.0.2.2:51821 &&
	mkdev b pb 51821 pa 1
}
check "two devices, each made in its own namespace" setup
check "pa moves from a to b" ip -n a link set pa netns b
check "pb moves from b to a" ip -n b link set pb netns a
check "each keeps its configuration" test \
	"$(ptun_in b show pa peer) $(ptun_in a show pb peer)" = \
	"$(cat "$TMP/pb.pub") $(cat "$TMP/pa.pub")"
check "and gets its inner address where it now is" \
	eval "inner b pa 1 2 && inner a pb 2 1"

udp_listening()
{
	[ -n "$(in_ns "$1" ss -Hlun "sport = :$2")" ]
}
# udp_ports NS PORT: how many UDP sockets listen on PORT in NS
udp_ports()
{
	in_ns "$1" ss -Hlun "sport = :$2" | wc -l
}
check_eq "their sockets listen where they were made: a for pa (51820), b for pb (51821)" \
	"a: 2 0, b: 2 0" \
	"a: $(udp_ports a 51820) $(udp_ports a 51821), b: $(udp_ports b 51821) $(udp_ports b 51820)"
check "b reaches a through the crossed devices" ping_ok b 10.10.0.2
check "and a reaches b" ping_ok a 10.10.0.1
check_ge "pa made a handshake" 1 "$(ptun_in b show pa handshakes)"
check_eq "pb learnt pa's endpoint: a's address, pa's port" 192.0.2.1:51820 \
	"$(ptun_in a show pb endpoint)"

case $(uname -r) in
*-ptun-debug) RISE=30 ;;
*) RISE=100 ;;
esac
pa_ge()
{
	local v

	v=$(ptun_in b show pa "$1")
	[ "$v" -ge "$2" ]
}

# Only b runs a process: a must be free to go away when deleted.
ip netns exec b ping -q -f -W 1 10.10.0.2 > /dev/null 2>&1 &
ping_pid=$!
rx0=$(ptun_in b show pa rx-packets)
check "b's flood ping through pa flows" wait_for 20 pa_ge rx-packets $((rx0 + RISE))
tx0=$(ptun_in b show pa drop-tx-error)
ip netns del a
test_namespaces=(b)
check "with a deleted, pb went with it: its socket in b closed" \
	wait_for 20 eval "! udp_listening b 51821"
check "pa stays in b" in_ns b ip link show pa
check "pa has lost its sockets: what it cannot send counts as tx-error" \
	wait_for 20 pa_ge drop-tx-error $((tx0 + RISE))
check_fails "pa's listen port can no longer change" \
	ptun_in b set pa listen-port 40000
check_match "as the namespace it was made in is gone" \
	'namespace the device was created in is gone' "$LAST_ERR"
check "pa can still be configured otherwise" \
	ptun_in b set pa persistent-keepalive 5
check_eq "and shows it" 5 "$(ptun_in b show pa persistent-keepalive)"
kill "$ping_pid"
wait "$ping_pid" 2>/dev/null
ip netns del b
test_namespaces=()

# Both namespaces, with both devices, are gone once their cleanup ran: then
# nothing holds the module, and rmmod neither waits nor fails. A reference
# left on a device would make the namespace's cleanup, and rmmod behind it,
# wait for ever (uninterruptibly: timeout(1) could not end it), hence the
# rmmod in the background.
rmmod ptun > "$TMP/rmmod.log" 2>&1 &
rmmod_pid=$!
rmmod_done()
{
	! kill -0 "$rmmod_pid"
}
if wait_for 60 rmmod_done && wait "$rmmod_pid"; then
	ok "the module unloads within 60 s, nothing left"
else
	fail "the module unloads within 60 s, nothing left" \
		"$(cat "$TMP/rmmod.log"; dmesg | grep -E 'waiting for .* to become free' | tail -n 2)"
fi
check_fails "and is gone" grep -qw '^ptun' /proc/modules
check "it loads again" modprobe ptun

ktap_done
