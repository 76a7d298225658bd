#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnels over tunnels, loops, and several devices at once:
#
# 1. ptun over ptun: ptun1 runs over ptun0 (its endpoint is sb's ptun0
#    address). Flood pings through ptun1 are counted exactly on both
#    devices, the outer length included; TCP works; at ptun1 MTU 1420 its
#    full-size datagrams no longer fit ptun0 and go as two IPv4 fragments.
# 2. A routing loop: ptun0's endpoint is reachable only through ptun0
#    itself (sb's LAN, or fd10::2). Nothing is sent, every packet is
#    counted in tx_dropped and as tx-error, and nothing hangs.
# 3. An onion loop: ptun0's endpoint lies in ptun1's allowed IPs while
#    ptun1's lies in ptun0's. Each packet goes round a bounded number of
#    times, then ptun refuses the nested transmit and counts it as
#    tx-error (like any other drop, under exactly one reason); the stack's
#    own loop breakers, which would drop it uncounted or under no reason,
#    never see it; nothing hangs.
# 4. Four devices at once: ptun0, ptun1 (nested), ptun2 (sa on a random
#    port, sb learns it) and ptun3 (outer IPv6) carry flood pings
#    concurrently, each counted exactly.
#
#   +------------- ns sa -------------+        +------------- ns sb -------------+
#   | ptun1 10.20.0.1 -> 10.10.0.2:51821 ======| ptun1 10.20.0.2 (51821)         |
#   | ptun0 10.10.0.1 -> 192.0.2.2:51820 ======| ptun0 10.10.0.2 (51820)         |
#   | ptun2 10.30.0.1 (random port) ============| ptun2 10.30.0.2 (51822)         |
#   | ptun3 10.40.0.1 -> [2001:db8:1::2]:51823 =| ptun3 10.40.0.2 (51823)         |
#   | wan0  192.0.2.1, 2001:db8:1::1  |--veth--| wan0  192.0.2.2, 2001:db8:1::2  |
#   +---------------------------------+        +---------------------------------+

source "$(dirname "$0")/lib.sh"

case $(uname -r) in
*-ptun-debug) FLOOD_N=30 ;;
*) FLOOD_N=50 ;;
esac

# pair DEV NET PORT_A PORT_B ENDPOINT_A [ENDPOINT_B]: DEV in sa and sb
# with the sites' keys, 10.NET.0.1 and .2, sa listening on PORT_A (0: a
# random port) and sb on PORT_B; sb learns sa's endpoint if not given
pair()
{
	local dev=$1 net=$2 n p ns port ep

	for n in 1 2; do
		p=$((3 - n))
		ns=${SITE_NS[n]}
		if [ "$n" = 1 ]; then
			port=$3 ep=$5
		else
			port=$4 ep=${6:-}
		fi
		ip -n "$ns" link add "$dev" type ptun &&
		ptun_in "$ns" set "$dev" private-key "$TMP/site$n.key" \
			listen-port "$port" peer "$(cat "$TMP/site$p.pub")" \
			allowed-ips "10.$net.0.$p/32" ${ep:+endpoint "$ep"} &&
		ip -n "$ns" link set "$dev" addrgenmode none &&
		ip -n "$ns" addr add "10.$net.0.$n/32" peer "10.$net.0.$p/32" dev "$dev" &&
		ip -n "$ns" link set "$dev" up || return 1
	done
}

# set_endpoint NS DEV ENDPOINT
set_endpoint()
{
	local p=2

	[ "$1" = sb ] && p=1
	ptun_in "$1" set "$2" peer "$(cat "$TMP/site$p.pub")" endpoint "$3"
}

# tx_sum NS DEV...: "tx-packets tx-dropped" summed over the devices
tx_sum()
{
	local ns=$1 dev p=0 d=0 s

	shift
	for dev in "$@"; do
		s=$(link_stats "$ns" "$dev")
		p=$((p + $(cut -d' ' -f3 <<<"$s")))
		d=$((d + $(cut -d' ' -f6 <<<"$s")))
	done
	echo "$p $d"
}

# pb COUNTER: "packets bytes" of a counter of sa's table ptun_loop
pb()
{
	in_ns sa nft list counter inet ptun_loop "$1" |
		awk '$1 == "packets" { print $2, $4 }'
}

# udp_out: outer UDP datagrams that left sa's wan0
udp_out()
{
	pb udp_out | cut -d' ' -f1
}

# nested: "rx-packets rx-bytes tx-packets tx-bytes" of ptun1's datagrams
# through sa's ptun0
nested()
{
	echo "$(pb nest_in) $(pb nest_out)"
}

# nested_ptun0: nested, then sa's ptun0 link_stats, read again until
# nested did not move meanwhile: a keepalive of ptun1 between the two
# reads would show in one and not the other.
nested_ptun0()
{
	local a b l i

	for ((i = 0; i < 10; i++)); do
		a=$(nested)
		l=$(link_stats sa ptun0)
		b=$(nested)
		[ "$a" = "$b" ] && break
	done
	echo "$a $l"
}

# loop_state: sa's ptun0 "tx-packets tx-bytes tx_dropped tx-error drops"
# (drops: the sum over every reason; tx-error and drops from one reading
# of ptun show), read again until the link counters held still across the
# reading: ptun1's datagrams (keepalives, handshakes) also run into the
# loop, and one counted between two reads would show in one count and not
# the other.
loop_state()
{
	local a b j i

	for ((i = 0; i < 10; i++)); do
		a=$(link_stats sa ptun0)
		j=$(ptun_in sa show ptun0 --json |
			jq -r '"\(.stats.drops.tx_error) \([.stats.drops[]] | add)"')
		b=$(link_stats sa ptun0)
		[ "$a" = "$b" ] && break
	done
	echo "$(cut -d' ' -f3,4,6 <<<"$a") $j"
}

# onion_state: "tx-packets tx_dropped tx-error drops" of sa's ptun0 and
# ptun1 together, read again until the link counters held still across
# the reading, as loop_state does: a handshake message or keepalive that
# runs into the loop between the reads would otherwise show in tx_dropped
# and not under its reason, or the other way round.
onion_state()
{
	local a b e i

	for ((i = 0; i < 10; i++)); do
		a=$(tx_sum sa ptun0 ptun1)
		e=$(( $(ctr sa drop-tx-error) + $(ptun_in sa show ptun1 drop-tx-error) ))
		e="$e $(( $(drop_total sa ptun0) + $(drop_total sa ptun1) ))"
		b=$(tx_sum sa ptun0 ptun1)
		[ "$a" = "$b" ] && break
	done
	echo "$a $e"
}

sites_setup_check "two sites" 4
check "ptun1 over ptun0 (MTU 1340)" eval 'pair ptun1 20 51821 51821 10.10.0.2:51821 10.10.0.1:51821 &&
	ip -n sa link set ptun1 mtu 1340 && ip -n sb link set ptun1 mtu 1340'
# On sa: UDP leaving wan0; ptun1's datagrams entering and leaving ptun0,
# all of them (keepalives and handshakes included) and its data messages;
# and a chain that can shut sb out.
check "nft counters on sa" in_ns sa nft -f - <<EOT
table inet ptun_loop {
	counter udp_out {}
	counter nest_out {}
	counter nest_in {}
	counter nest_data {}
	chain out {
		type filter hook postrouting priority 0;
		oifname "wan0" meta l4proto udp counter name udp_out
		oifname "ptun0" udp dport 51821 counter name nest_out
		oifname "ptun0" udp dport 51821 udp length > 40 @th,64,8 4 counter name nest_data
	}
	chain in {
		type filter hook prerouting priority 0;
		iifname "ptun0" udp sport 51821 counter name nest_in
	}
	chain block {
		type filter hook input priority 0;
	}
}
EOT
check "ptun0 works" ping_ok sa 10.10.0.2
check "ptun1 works" ping_ok sa 10.20.0.2

# 1. ptun over ptun: an 84-byte ping is 84 bytes on ptun1, and a data
# message of 156 bytes (20 + 8 + 16 + 96 padded + 16) on ptun0, which
# carries ptun1's datagrams and nothing else.
n=$FLOOD_N
a1=$(link_stats sa ptun1) b1=$(link_stats sb ptun1)
nd0=$(pb nest_data) np0=$(nested_ptun0)
check "nested: $n flood pings through ptun1" \
	in_ns sa ping -q -f -c "$n" -W 5 10.20.0.2
check_eq "nested: sa's ptun1 rx/tx packets, bytes, drops" \
	"$n $((n * 84)) $n $((n * 84)) 0 0" "$(delta "$a1" "$(link_stats sa ptun1)")"
check_eq "nested: sb's ptun1 rx/tx packets, bytes, drops" \
	"$n $((n * 84)) $n $((n * 84)) 0 0" "$(delta "$b1" "$(link_stats sb ptun1)")"
check_eq "nested: ptun1's data messages into sa's ptun0, 156 bytes each" \
	"$n $((n * 156))" "$(delta "$nd0" "$(pb nest_data)")"
d=$(delta "$np0" "$(nested_ptun0)")
check_eq "nested: sa's ptun0 carried ptun1's datagrams and nothing else, dropped none" \
	"$(cut -d' ' -f1-4 <<<"$d") 0 0" "$(cut -d' ' -f5- <<<"$d")"
d_sa=$(drop_total sa) d_sb=$(drop_total sb)
check "nested: TCP through ptun1" iperf_run sb 10.20.0.2 sa -t 2
check_ge "nested: TCP moved data" $((IPERF_MIN_BYTES / 10)) "$(iperf_result bytes)"
check_eq "nested: no drop counted on ptun0" "$d_sa $d_sb" "$(drop_total sa) $(drop_total sb)"
# At MTU 1420 ptun1's full-size datagram (1480 bytes) exceeds ptun0's
# MTU: IPv4 fragments it (no DF on the outside) after nft saw it whole,
# into two packets for ptun0, one IP header (20 bytes) more.
nd0=$(pb nest_data) np0=$(nested_ptun0)
check "nested, ptun1 MTU 1420: 3 pings of 1420 bytes (DF)" eval \
	'ip -n sa link set ptun1 mtu 1420 && ip -n sb link set ptun1 mtu 1420 &&
	 in_ns sa ping -q -Mdo -c 3 -i 0.2 -W 5 -s 1392 10.20.0.2'
check_eq "nested, ptun1 MTU 1420: its 3 data messages of 1480 bytes" \
	"3 $((3 * 1480))" "$(delta "$nd0" "$(pb nest_data)")"
read -r _ _ p b _ _ tp tb _ <<<"$(delta "$np0" "$(nested_ptun0)")"
check_eq "nested, ptun1 MTU 1420: each went into ptun0 as two fragments" \
	"$((p + 3)) $((b + 3 * 20))" "$tp $tb"

diag "at ${SECONDS}s"
# 2. Routing loops. sb is shut out meanwhile: anything it sent would
# move ptun0's endpoint back (roaming) or be answered through wan0. Fresh
# sessions first: with sb shut out, no handshake completes, and packets
# would wait for one instead of entering the loop.
check "loops: fresh sessions on ptun0 and ptun1" eval \
	'ping_ok sa 10.10.0.2 && ping_ok sa 10.20.0.2'
check "loops: sa ignores UDP from wan0" \
	in_ns sa nft add rule inet ptun_loop block iifname wan0 meta l4proto udp drop
for ep in 10.2.0.1:51820 '[fd10::2]:51820'; do
	name="routing loop, endpoint $ep"
	check "$name: set" set_endpoint sa ptun0 "$ep"
	s0=$(loop_state) u0=$(udp_out)
	check_fails "$name: 5 pings are lost" \
		in_ns sa ping -q -c 5 -i 0.1 -W 1 10.10.0.2
	read -r txp txb txd txe r <<<"$(delta "$s0" "$(loop_state)")"
	check_eq "$name: nothing sent" "0 0" "$txp $txb"
	check_ge "$name: the 5 counted as tx-error" 5 "$txe"
	# Every tx_dropped under a reason. The converse has an exception:
	# ptun0's own handshake messages (a retransmitted initiation) fail
	# the same way and count as tx-error, but the stack never handed them
	# to ptun0, so tx_dropped leaves them out: at most a few in 2 s.
	check_eq "$name: every drop counted as tx-error" "$r" "$txe"
	diag "$name: $txd tx_dropped, $r under a reason"
	check "$name: each tx_dropped under a reason, beyond them at most 3 handshake messages" \
		test "$txd" -le "$r" -a "$r" -le $((txd + 3))
	check_eq "$name: no outer UDP left wan0" 0 $(( $(udp_out) - u0 ))
done

diag "at ${SECONDS}s"
# 3. Onion loop: ptun1 sends to 10.10.0.2 through ptun0, and ptun0 now to
# 10.20.0.2 through ptun1. Each device's transmit nests the other's, or,
# where a transmit NAPI sends the datagram, hands its depth on with it:
# ptun refuses to hand a datagram to the underlay more than 5 transmits
# deep (counted as tx-error), before the stack's own limits, which would
# end the loop without a reason of ptun's (6.1's __dev_queue_xmit() counts
# it in tx_dropped only, 6.12's iptunnel_xmit() frees it after ptun
# counted it as sent; both print "Dead loop on virtual device") and which
# do not see the depth a NAPI hands on.
name="onion loop"
check "$name: ptun0's endpoint inside ptun1's allowed IPs" \
	set_endpoint sa ptun0 10.20.0.2:51820
s0=$(onion_state)
u0=$(udp_out)
dead0=$(dmesg | grep -c 'Dead loop on virtual device ptun')
start=$SECONDS
check_fails "$name: 5 pings are lost" \
	in_ns sa ping -q -c 5 -i 0.1 -W 1 10.20.0.2
read -r txp txd txe reasons <<<"$(delta "$s0" "$(onion_state)")"
diag "$name: ping took $((SECONDS - start)) s; ptun0 + ptun1 sent $txp," \
	"dropped $txd, tx-error $txe, any reason $reasons"
check_ge "$name: every ping dropped in the end, and counted in tx_dropped" 5 "$txd"
check_eq "$name: each drop counted by ptun, as tx-error" "$txd $txd" "$txe $reasons"
check_eq "$name: the stack saw no dead loop" "$dead0" \
	"$(dmesg | grep -c 'Dead loop on virtual device ptun')"
check "$name: each went round a bounded number of times (8 at most)" \
	test "$txp" -le $((8 * txd))
check_eq "$name: no outer UDP left wan0" 0 $(( $(udp_out) - u0 ))
check "loops: the real endpoint again, sb let in" eval \
	'set_endpoint sa ptun0 192.0.2.2:51820 &&
	 in_ns sa nft flush chain inet ptun_loop block'
check "loops: ptun0 works again" ping_ok sa 10.10.0.2
check "loops: ptun1 works again" ping_ok sa 10.20.0.2

diag "at ${SECONDS}s"
# 4. Four devices at once
check "ptun2: sa on a random port, sb learns it" \
	pair ptun2 30 0 51822 192.0.2.2:51822
check "ptun3: over outer IPv6" \
	pair ptun3 40 51823 51823 '[2001:db8:1::2]:51823' '[2001:db8:1::1]:51823'
check "ptun2 works" ping_ok sa 10.30.0.2
check "ptun3 works" ping_ok sa 10.40.0.2
port=$(ptun_in sa show ptun2 listen-port)
check_eq "sb's ptun2 learnt sa's random port" "192.0.2.1:$port" \
	"$(ptun_in sb show ptun2 endpoint)"
declare -A before
for i in 1 2 3; do
	before[$i]=$(link_stats sa "ptun$i")
done
np0=$(nested_ptun0)
pids=()
for i in 0 1 2 3; do
	in_ns sa ping -q -f -c "$n" -W 5 "10.$((i + 1))0.0.2" > "$TMP/ping$i.log" 2>&1 &
	pids+=($!)
done
for i in 0 1 2 3; do
	wait "${pids[i]}"
	check_eq "4 devices: $n flood pings through ptun$i, concurrently" 0 "$?"
done
for i in 0 1 2 3; do
	if [ "$i" = 0 ]; then
		# ptun0 also carried ptun1's datagrams: those are taken off
		d=$(delta "$np0" "$(nested_ptun0)")
		d=$(delta "$(cut -d' ' -f1-4 <<<"$d") 0 0" "$(cut -d' ' -f5- <<<"$d")")
	else
		d=$(delta "${before[$i]}" "$(link_stats sa "ptun$i")")
	fi
	check_eq "4 devices: sa's ptun$i rx/tx packets, bytes, drops" \
		"$n $((n * 84)) $n $((n * 84)) 0 0" "$d"
done

diag "done at ${SECONDS}s"
ktap_done
