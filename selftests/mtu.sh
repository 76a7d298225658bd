#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Large MTUs and fragmentation, over outer IPv4 and then outer IPv6:
#
# 1. Big ptun0 MTUs over an underlay (wan0) of MTU 1500, so that every
#    full-size outer datagram is fragmented, and over one just large enough
#    that none is: over outer IPv4 MTU 9000 over 1500 (and TCP through it)
#    and 65455 over 65535; over outer IPv6 1500 over 1500, 9000 over
#    9000 + overhead and 65455 over 1500. Pings of exactly the MTU with DF
#    set, in both inner families, arrive whole, the outer datagrams in
#    exactly as many fragments as their length requires, and nothing is
#    dropped; one byte more is refused.
# 2. A route MTU below the device MTU: ptun0 MTU 1300, the route to sb's
#    LAN 1299. A packet of 1299 bytes is padded to at most 1299, so the
#    datagram stays within what the route promised.
#
#         LAN 10.1.0.1/24 (lan0)              LAN 10.2.0.1/24 (lan0)
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1, fd10::1  |========| ptun0 10.10.0.2, fd10::2  |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   |       2001:db8:1::1/64    |        |       2001:db8:1::2/64    |
#   +---------------------------+        +---------------------------+
#   nft on each wan0: outer fragments in, data datagrams out (bytes)

source "$(dirname "$0")/lib.sh"

N=2

# nft_pb NS COUNTER: "packets bytes" of a named counter in table ptun_mtu
nft_pb()
{
	in_ns "$1" nft list counter inet ptun_mtu "$2" |
		awk '$1 == "packets" { print $2, $4 }'
}

# nft_p NS COUNTER: its packets only
nft_p()
{
	nft_pb "$1" "$2" | cut -d' ' -f1
}

# nft_setup NS: counts every outer fragment entering wan0 (IPv4: MF set or
# an offset; IPv6: a fragment header), and the data messages leaving it
nft_setup()
{
	in_ns "$1" nft -f - <<EOT
table inet ptun_mtu {
	counter frags {}
	counter data_out {}
	chain in {
		type filter hook prerouting priority 0;
		iifname "wan0" ip frag-off & 0x3fff != 0 counter name frags
		iifname "wan0" exthdr frag exists counter name frags
	}
	chain out {
		type filter hook postrouting priority 0;
		oifname "wan0" udp sport $PTUN_PORT udp length > 40 @th,64,8 4 counter name data_out
	}
}
EOT
}

# set_mtu TUN WAN: ptun0's and wan0's MTU on both sites
set_mtu()
{
	local ns

	for ns in sa sb; do
		ip -n "$ns" link set wan0 mtu "$2" &&
		ip -n "$ns" link set ptun0 mtu "$1" || return 1
	done
}

# frags_of LEN WAN: how many fragments an outer datagram of LEN bytes
# (with its IP header) takes on a link of MTU WAN, 0 if it fits whole
frags_of()
{
	local len=$1 wan=$2 per

	if [ "$len" -le "$wan" ]; then
		echo 0
	elif [ "$OUTER" = 4 ]; then
		per=$(( (wan - 20) / 8 * 8 ))
		echo $(( (len - 20 + per - 1) / per ))
	else
		per=$(( (wan - 48) / 8 * 8 ))
		echo $(( (len - 40 + per - 1) / per ))
	fi
}

# snap: the counters big() compares, as one line
snap()
{
	echo "$(link_stats sa ptun0) $(link_stats sb ptun0)" \
		"$(nft_p sa frags) $(nft_p sb frags) $(drop_total sa) $(drop_total sb)"
}

# big NAME TUN WAN: N pings of exactly TUN bytes with DF from sa to sb,
# in each inner family. Each arrives whole both ways, from exactly the
# expected number of outer fragments, and nothing is dropped.
big()
{
	local name="$1: ptun0 MTU $2, wan0 MTU $3" tun=$2 wan=$3
	local outer f s0 rx_a rx_b drp_a drp_b fr_a fr_b dr_a dr_b

	if ! set_mtu "$tun" "$wan"; then
		fail "$name: set the MTUs"
		return
	fi
	outer=$(( tun + 32 + 8 + (OUTER == 4 ? 20 : 40) ))
	f=$(frags_of "$outer" "$wan")
	s0=$(snap)
	check "$name: $N pings of $tun bytes (DF), inner IPv4" \
		in_ns sa ping -q -Mdo -c "$N" -i 0.2 -W 5 -s $((tun - 28)) 10.10.0.2
	check "$name: $N pings of $tun bytes (DF), inner IPv6" \
		in_ns sa ping -q -Mdo -c "$N" -i 0.2 -W 5 -s $((tun - 48)) fd10::2
	read -r rx_a _ _ _ drp_a _ rx_b _ _ _ drp_b _ fr_a fr_b dr_a dr_b \
		<<<"$(delta "$s0" "$(snap)")"
	check_eq "$name: each arrived whole, both ways" \
		"$((2 * N)) $((2 * N))" "$rx_b $rx_a"
	check_eq "$name: in $f outer fragments each ($outer bytes)" \
		"$((2 * N * f)) $((2 * N * f))" "$fr_b $fr_a"
	check_eq "$name: nothing dropped, no drop reason counted" \
		"0 0 0 0" "$drp_a $drp_b $dr_a $dr_b"
	check_fails "$name: one byte more is refused (DF)" \
		in_ns sa ping -q -Mdo -c 1 -W 2 -s $((tun - 27)) 10.10.0.2
	diag "$name: done at ${SECONDS}s"
}

for OUTER in 4 6; do
	name="outer IPv$OUTER"
	over=$(( 32 + 8 + (OUTER == 4 ? 20 : 40) ))
	sites_setup_check "$name: two sites" "$OUTER"
	check "$name: nft counters on sa" nft_setup sa
	check "$name: nft counters on sb" nft_setup sb
	check "$name: tunnel works" ping_ok sa 10.10.0.2

	if [ "$OUTER" = 4 ]; then
		big "$name" 9000 1500
		d_sa=$(drop_total sa)
		d_sb=$(drop_total sb)
		check "$name: ptun0 MTU 9000, wan0 1500: TCP over fragments" \
			iperf_run sb 10.10.0.2 sa -t 2
		check_ge "$name: ptun0 MTU 9000, wan0 1500: TCP moved data" \
			$((IPERF_MIN_BYTES / 4)) "$(iperf_result bytes)"
		check_eq "$name: ptun0 MTU 9000, wan0 1500: no drop reason counted" \
			"$d_sa $d_sb" "$(drop_total sa) $(drop_total sb)"
		big "$name" 65455 65535
	else
		big "$name" 1500 1500
		big "$name" 9000 $((9000 + over))
		big "$name" 65455 1500
	fi

	# 2. Route MTU below the device MTU
	if set_mtu 1300 1500 &&
	   ip -n sa route replace 10.2.0.0/24 dev ptun0 mtu 1299; then
		ok "$name: ptun0 MTU 1300, route to 10.2.0.0/24 MTU 1299"
	else
		fail "$name: ptun0 MTU 1300, route to 10.2.0.0/24 MTU 1299"
	fi
	o0=$(nft_pb sa data_out)
	check "$name: route MTU 1299: $N pings of 1299 bytes (DF) to 10.2.0.1" \
		in_ns sa ping -q -Mdo -c "$N" -i 0.2 -W 5 -s 1271 -I 10.1.0.1 10.2.0.1
	o1=$(nft_pb sa data_out)
	check_eq "$name: route MTU 1299: outer datagrams of 1299 + $over bytes, padded no further" \
		"$N $((N * (1299 + over)))" \
		"$(( ${o1%% *} - ${o0%% *} )) $(( ${o1##* } - ${o0##* } ))"
	check_fails "$name: route MTU 1299: 1300 bytes are refused (DF)" \
		in_ns sa ping -q -Mdo -c 1 -W 2 -s 1272 -I 10.1.0.1 10.2.0.1
	o0=$(nft_pb sa data_out)
	check "$name: device MTU 1300: $N pings of 1297 bytes to 10.10.0.2" \
		in_ns sa ping -q -c "$N" -i 0.2 -W 5 -s 1269 10.10.0.2
	o1=$(nft_pb sa data_out)
	check_eq "$name: device MTU 1300: padded to the MTU, 1300 + $over bytes" \
		"$N $((N * (1300 + over)))" \
		"$(( ${o1%% *} - ${o0%% *} )) $(( ${o1##* } - ${o0##* } ))"
	[ "$ktap_failed" -eq 0 ] || ptun_state sa sb
	sites_teardown
done

ktap_done
