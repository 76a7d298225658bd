#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What an observer of the underlay sees: only UDP to or from port 51820,
# of the sizes the protocol defines, and never the inner packets' content.
# A capture of ptun0 taken at the same time shows that the marker really
# went through the tunnel in clear there, so the check cannot pass just
# because nothing was sent.
#
#         LAN 10.1.0.1/24 (lan0)              LAN 10.2.0.1/24 (lan0)
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1, fd10::1  |========| ptun0 10.10.0.2, fd10::2  |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   |   ^   2001:db8:1::1/64    |        |       2001:db8:1::2/64    |
#   +---|-----------------------+        +---------------------------+
#    tcpdump on wan0 (outer) and on ptun0 (inner)

source "$(dirname "$0")/lib.sh"

# 16 bytes, as many as ping -p takes
MARKER="PTUN-MARKER-0123"
MARKER_HEX=$(printf %s "$MARKER" | od -An -tx1 | tr -d ' \n')
UDP_MARKER="PTUN-SECRET-UDP-PAYLOAD"

for family in 4 6; do
	name="outer IPv$family"
	sites_setup_check "$name: two sites" "$family"
	capture_start outer sa wan0
	capture_start inner sa ptun0

	check "$name: ping with the marker as payload, inner IPv4" \
		ping_ok sa 10.10.0.2 -p "$MARKER_HEX" -s 200
	check "$name: ping with the marker as payload, inner IPv6" \
		ping_ok sa fd10::2 -p "$MARKER_HEX" -s 200
	check "$name: ping with the marker from sb" \
		ping_ok sb 10.10.0.1 -p "$MARKER_HEX" -s 1000
	check "$name: UDP datagram with a marker through the tunnel" \
		in_ns sa "$PYTHON" "$TESTS_DIR/wire.py" send 10.10.0.2 9 \
		"$(printf %s "$UDP_MARKER" | od -An -tx1 | tr -d ' \n')"
	capture_stop outer
	capture_stop inner

	outer=$TMP/outer.pcap
	n_all=$(tcpdump -r "$outer" -n 2>/dev/null | wc -l)
	n_tun=$(tcpdump -r "$outer" -n "udp port $PTUN_PORT" 2>/dev/null | wc -l)
	diag "$name: $n_all packets on wan0, $n_tun of them UDP port $PTUN_PORT"
	# 9 pings and 9 replies, a handshake, the UDP datagram
	check_ge "$name: the underlay capture holds the tunnel's packets" 21 "$n_tun"
	# ARP, neighbour discovery and MLD (ICMPv6 behind a hop-by-hop
	# header) of the veth itself are not the tunnel's.
	other=$(tcpdump -r "$outer" -n "not (udp port $PTUN_PORT) and not arp and
		not icmp6 and not (ip6 proto 0)" 2>/dev/null)
	check_eq "$name: nothing but UDP port $PTUN_PORT (ARP and ICMPv6 aside)" "" "$other"
	check_fails "$name: the ping marker is not in the underlay capture" \
		grep -qaF "$MARKER" "$outer"
	check_fails "$name: the UDP marker is not in the underlay capture" \
		grep -qaF "$UDP_MARKER" "$outer"
	check "$name: the ping marker is in the ptun0 capture (in clear there)" \
		grep -qaF "$MARKER" "$TMP/inner.pcap"
	check "$name: the UDP marker is in the ptun0 capture" \
		grep -qaF "$UDP_MARKER" "$TMP/inner.pcap"
	check_eq "$name: ptun0 carries bare IP packets" "" \
		"$(wire ip "$TMP/inner.pcap" | grep -v '^[46] ')"

	# Every datagram is one of the protocol's messages, of its size.
	wire udp "$outer" | awk -v port="$PTUN_PORT" \
		'$2 == port || $4 == port { print $5 }' > "$TMP/msgs"
	bad=$(awk '{
		t = substr($1, 1, 2); n = length($1) / 2
		if (t == "01" && n == 148) next
		if (t == "02" && n == 92) next
		if (t == "03" && n == 64) next
		if (t == "04" && n >= 32 && (n - 32) % 16 == 0) next
		print t, n
	}' "$TMP/msgs")
	check_eq "$name: every datagram is a ptun message of the right size" "" "$bad"
	check_ge "$name: a handshake initiation was seen" 1 "$(grep -c '^01' "$TMP/msgs")"
	check_ge "$name: a handshake response was seen" 1 "$(grep -c '^02' "$TMP/msgs")"
	check_ge "$name: data messages were seen" 19 "$(grep -c '^04' "$TMP/msgs")"
	# The 1000-byte pings: 1028 bytes of inner packet, padded to 1040
	check_ge "$name: data is padded to 16 bytes (1028 -> 1040 + 32)" 3 \
		"$(awk 'length($1) == 2 * 1072' "$TMP/msgs" | wc -l)"
	sites_teardown
done

ktap_done
