#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Peer settings no tunnel can work with are refused by SET, with an
# extended ack message, and change nothing:
#  - endpoints that are not the unicast address of another host
#    (unspecified, loopback, multicast, broadcast, IPv4-mapped);
#  - the seven low-order Curve25519 points as the peer's public key: any
#    Diffie-Hellman with them gives zero. Also on a device without a
#    private key yet, which then sends nothing, keepalive or not.
#
#   +----------------- ns a ------------------+        +---- ns b ----+
#   | ptun0 (key, port 51820, down)           |        |              |
#   | ptun1 (no key, port 51821, up, 10.20.0.1)|        |              |
#   | wan0 192.0.2.1/24, 2001:db8:1::1/64     |--veth--| wan0 .2, ::2 |
#   | nft: UDP sent from port 51821, counted  |        |              |
#   +-----------------------------------------+        +--------------+

source "$(dirname "$0")/lib.sh"

ns_add a
ns_add b
keypair self
keypair peer
keypair other
setup()
{
	ip link add wan0 netns a type veth peer name wan0 netns b &&
	ip -n a addr add 192.0.2.1/24 dev wan0 &&
	ip -n a -6 addr add 2001:db8:1::1/64 dev wan0 nodad &&
	ip -n b addr add 192.0.2.2/24 dev wan0 &&
	ip -n b -6 addr add 2001:db8:1::2/64 dev wan0 nodad &&
	ip -n a link set wan0 up &&
	ip -n b link set wan0 up &&
	in_ns a nft -f - <<-EOF &&
	table inet ctl {
		counter low { }
		chain out {
			type filter hook output priority 0;
			udp sport 51821 counter name low
		}
	}
	EOF
	ip -n a link add ptun0 type ptun &&
	ptun_in a set ptun0 private-key "$TMP/self.key" listen-port 51820 \
		peer "$(cat "$TMP/peer.pub")" endpoint 192.0.2.2:51820 \
		allowed-ips 10.10.0.2/32 persistent-keepalive 25
}
if setup > "$TMP/setup.log" 2>&1; then
	ok "a device with a peer, and an underlay"
else
	fail "a device with a peer, and an underlay" "setup failed"
	sed 's/^/#   /' "$TMP/setup.log"
	ktap_done
fi

# nlraw_refused DESC PATTERN DEV ATTR...: a raw SET the kernel must refuse
# with a message matching PATTERN, leaving DEV as $before
nlraw_refused()
{
	local desc=$1 pattern=$2 dev=$3 out

	shift 3
	if out=$(in_ns a "$PYTHON" "$TESTS_DIR/nlraw.py" set "$dev" "$@"); then
		check_match "$desc: refused with a message" "^errno=22 msg=.*($pattern)" "$out"
	else
		fail "$desc: refused with a message" "accepted: $out"
	fi
	check_eq "$desc: nothing changed" "$before" "$(ptun_in a show "$dev" --json)"
}

# Endpoints, through the CLI (it passes them on as given) and raw.
before=$(ptun_in a show ptun0 --json)
for bad in 0.0.0.0:51820 127.0.0.1:51820 127.9.9.9:51820 \
	224.0.0.1:51820 239.255.255.250:51820 255.255.255.255:51820 \
	'[::]:51820' '[::1]:51820' '[ff02::1]:51820' '[ff05::1:3]:51820' \
	'[::ffff:192.0.2.2]:51820'; do
	case $bad in
	0.*|'[::]'*) why='unspecified' ;;
	127.*|'[::1]'*) why='loopback' ;;
	2[23]?.*|'[ff'*) why='multicast' ;;
	255.*) why='broadcast' ;;
	*) why='IPv4-mapped' ;;
	esac
	check_fails "endpoint $bad refused" ptun_in a set ptun0 endpoint "$bad"
	check_match "endpoint $bad: the kernel says it is $why" \
		"endpoint address is .*$why" "$LAST_ERR"
	check_eq "endpoint $bad: nothing changed" "$before" \
		"$(ptun_in a show ptun0 --json)"
done
check_fails "a new peer with a loopback endpoint is refused" \
	ptun_in a set ptun0 peer "$(cat "$TMP/other.pub")" endpoint 127.0.0.1:1
check_eq "and the old peer stays, as it was" "$before" \
	"$(ptun_in a show ptun0 --json)"
nlraw_refused "raw IPv4 endpoint 255.255.255.255" broadcast ptun0 \
	peer.endpoint_ipv4=hex:ffffffff peer.endpoint_port=u16:51820
nlraw_refused "raw IPv6 endpoint ::ffff:127.0.0.1" IPv4-mapped ptun0 \
	peer.endpoint_ipv6=hex:00000000000000000000ffff7f000001 \
	peer.endpoint_port=u16:51820
# Not too much is refused: the nearest unicast addresses go through.
for good in 1.0.0.1:9 126.255.255.254:9 223.255.255.254:9 192.0.2.255:9 \
	'[::2]:9' '[::ffff:0:c000:202]:9' '[2001:db8:1::2]:51820' \
	192.0.2.2:51820; do
	check "endpoint $good accepted" ptun_in a set ptun0 endpoint "$good"
	check_eq "endpoint $good: shown as set" "$good" \
		"$(ptun_in a show ptun0 endpoint)"
done

# The seven low-order points of Curve25519, as little-endian u-coordinates:
# 0, 1, two points of order 8, p - 1, p and p + 1.
low_order=(
	0000000000000000000000000000000000000000000000000000000000000000
	0100000000000000000000000000000000000000000000000000000000000000
	e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800
	5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157
	ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
	edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
	eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f
)
b64()
{
	"$PYTHON" -c 'import base64, sys
print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$1"
}

# On a device with a private key: refused outright, raw and through the CLI.
before=$(ptun_in a show ptun0 --json)
for i in "${!low_order[@]}"; do
	nlraw_refused "low-order point $i as the peer key" 'low-order|zeros' ptun0 \
		peer.public_key=hex:"${low_order[i]}" \
		peer.endpoint_ipv4=hex:c0000202 peer.endpoint_port=u16:51820 \
		peer.persistent_keepalive=u16:1
done
check_fails "the CLI's request with low-order point 2 refused too" \
	ptun_in a set ptun0 peer "$(b64 "${low_order[2]}")" endpoint 192.0.2.2:51820
check_match "with the kernel's message" 'low-order' "$LAST_ERR"
check_eq "the peer is still the one configured" "$before" \
	"$(ptun_in a show ptun0 --json)"

# On a device without a private key: refused all the same, as no private
# key it could get would pair with them; up, with a packet to send,
# nothing goes out.
check "a device without a private key, up" eval "
	ip -n a link add ptun1 type ptun &&
	ptun_in a set ptun1 listen-port 51821 &&
	ip -n a link set ptun1 addrgenmode none &&
	ip -n a addr add 10.20.0.1/32 peer 10.20.0.2/32 dev ptun1 &&
	ip -n a link set ptun1 up"
in_ns a nft reset counter inet ctl low > /dev/null
before=$(ptun_in a show ptun1 --json)
for i in "${!low_order[@]}"; do
	nlraw_refused "keyless device: low-order point $i as the peer key" \
		'low-order|zeros' ptun1 \
		peer.public_key=hex:"${low_order[i]}" \
		peer.endpoint_ipv4=hex:c0000202 peer.endpoint_port=u16:51820 \
		peer.persistent_keepalive=u16:1 allowed.0.family=u16:2 \
		allowed.0.addr=hex:0a140002 allowed.0.prefix_len=u8:32
done
check_fails "keyless device: the CLI's request with point 3 refused too" \
	ptun_in a set ptun1 peer "$(b64 "${low_order[3]}")" endpoint 192.0.2.2:51820 \
	persistent-keepalive 1 allowed-ips 10.20.0.2/32
check_match "with the kernel's message" 'low-order' "$LAST_ERR"
check_eq "keyless device: still no peer" "(none)" "$(ptun_in a show ptun1 peer)"
check_fails "a ping through it gets nowhere" \
	in_ns a ping -q -c 2 -i 0.5 -W 1 10.20.0.2
check_eq "no UDP sent for any of them, with keepalive 1 s and pings" 0 \
	"$(nft_count a ctl low)"
# That counter does count: a usable key pair sends a handshake at once.
check "a usable peer and private key are accepted" \
	ptun_in a set ptun1 private-key "$TMP/self.key" peer "$(cat "$TMP/peer.pub")" \
	endpoint 192.0.2.2:51820 persistent-keepalive 1 allowed-ips 10.20.0.2/32
low_sent()
{
	[ "$(nft_count a ctl low)" -gt 0 ]
}
check "and its handshake is counted going out" wait_for 10 low_sent

ktap_done
