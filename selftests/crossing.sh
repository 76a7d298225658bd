#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Crossing handshakes (docs/PROTOCOL.md, section 3): both ends initiate
# at the same moment, as when both gateways boot together or recover
# from an outage with traffic both ways. Each answers the other's
# initiation before the response to its own arrives. Traffic must flow
# both ways at once, not after a dead-session timeout (26 s), and round
# after round, without falling into a cycle.
#
# 300 ms of delay each way on the underlay make the initiations cross:
# both sides start within a few milliseconds of each other.
#
#   +----- ns sa -----+             +----- ns sb -----+
#   | ptun0 10.10.0.1 |=============| ptun0 10.10.0.2 |
#   | wan0  192.0.2.1 |-veth-(300ms)| wan0  192.0.2.2 |
#   +-----------------+             +-----------------+

source "$(dirname "$0")/lib.sh"

ROUNDS=5

# send_at NS_TIME NS DST: one UDP datagram from namespace NS to DST port 9
# once the clock reads NS_TIME (date +%s%N). bash writes it itself
# (/dev/udp) right after sleep returns: starting a process in the guest
# takes longer than the delay below.
send_at()
{
	ip netns exec "$2" bash -c '
		ms=$((($1 - $(date +%s%N)) / 1000000))
		[ "$ms" -gt 0 ] && sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
		echo cross > "/dev/udp/$2/9"' - "$1" "$3"
}

sites_setup_check "two sites" 4
check "300 ms delay on both ends of the underlay" eval \
	"tc -n sa qdisc add dev wan0 root netem delay 300ms &&
	 tc -n sb qdisc add dev wan0 root netem delay 300ms"

# The per-round captures would otherwise flip the timestamping static
# key each time (see NOTES-vm.md: TCG).
timestamps_hold

crossed=0
for r in $(seq "$ROUNDS"); do
	# Neither side keeps a session or a pending initiation.
	ip -n sa link set ptun0 down
	ip -n sb link set ptun0 down
	ip -n sa link set ptun0 up
	ip -n sb link set ptun0 up
	hs_a=$(ctr sa handshakes)
	hs_b=$(ctr sb handshakes)
	ns_a=$(ctr sa drop-no-session)
	ns_b=$(ctr sb drop-no-session)

	# One packet each, at the same moment: both initiate.
	capture_start cross$r sa wan0 udp
	at=$(($(date +%s%N) + 1500000000))
	send_at "$at" sa 10.10.0.2 &
	pa=$!
	send_at "$at" sb 10.10.0.1 &
	pb=$!
	wait "$pa" "$pb"

	# Crossed: each side's first handshake message was an initiation,
	# not a response to the other's (the capture sees sa's messages as
	# they leave after the delay, sb's as they arrive).
	wait_for 5 eval "ctr_ge sa handshakes $((hs_a + 2)) &&
		ctr_ge sb handshakes $((hs_b + 2))"
	capture_stop cross$r
	first=$(wire udp "$TMP/cross$r.pcap" | awk '
		substr($5, 1, 2) != "04" && !seen[$1]++ {
			print $1, substr($5, 1, 2)
		}' | sort | tr '\n' ' ')
	diag "round $r: each side's first handshake message: $first"
	if [ "$first" = "192.0.2.1 01 192.0.2.2 01 " ]; then
		crossed=$((crossed + 1))
	fi

	# Within a round trip and a half (0.9 s) plus processing, not after
	# 26 s: 3 s for each direction.
	check "round $r: sa reaches sb within 3 s" \
		in_ns sa ping -q -c 1 -W 3 10.10.0.2
	check "round $r: sb reaches sa within 3 s" \
		in_ns sb ping -q -c 1 -W 3 10.10.0.1
	check "round $r: both ways, three pings each" \
		eval "ping_ok sa 10.10.0.2 -W 2 && ping_ok sb 10.10.0.1 -W 2"
	check_eq "round $r: no data message named a retired session at sa" \
		"$ns_a" "$(ctr sa drop-no-session)"
	check_eq "round $r: nor at sb" "$ns_b" "$(ctr sb drop-no-session)"
done
diag "the initiations crossed in $crossed of $ROUNDS rounds"
# The two pings start within a few tens of milliseconds of each other on
# a quiet guest; a busy one spreads them further.
check_ge "the initiations crossed in at least two rounds" 2 "$crossed"

ktap_done
