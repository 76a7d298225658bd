#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ip link set down; up, over and over, while traffic is queued: after
# every up a handshake completes and traffic flows. A device that goes
# down while its initiation is being built, or whose retransmit timer
# fires while it is down, must not come back believing an initiation is
# still pending (it would then never initiate again).
#
# Each round: sa comes up, a burst of pings queues traffic and starts an
# initiation, sa goes down at once, stays down longer than the first
# retransmission interval (1 s + 1/3), comes up, and must reach sb.
#
#   +----- ns sa -----+      +----- ns sb -----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2 |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2 |
#   +-----------------+      +-----------------+

source "$(dirname "$0")/lib.sh"

ROUNDS=${DOWNUP_ROUNDS:-8}

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2

wedged=0
for r in $(seq "$ROUNDS"); do
	hs=$(ctr sa handshakes)
	# No session on either side: sb must not start a handshake itself.
	ip -n sb link set ptun0 down
	ip -n sb link set ptun0 up
	ip -n sa link set ptun0 down
	ip -n sa link set ptun0 up
	in_ns sa ping -q -f -c 20 -W 0.1 10.10.0.2 > /dev/null 2>&1 &
	ip -n sa link set ptun0 down
	wait
	sleep 1.5
	ip -n sa link set ptun0 up
	if wait_for 10 in_ns sa ping -c 1 -W 1 10.10.0.2 &&
	   [ "$(ctr sa handshakes)" -gt "$hs" ]; then
		:
	else
		wedged=$((wedged + 1))
		diag "round $r: no handshake within 10 s of up"
		ptun_state sa
	fi
done
check_eq "after each of $ROUNDS down/up rounds, a handshake and traffic" \
	0 "$wedged"
check "traffic works both ways at the end" \
	eval "ping_ok sa 10.10.0.2 && ping_ok sb 10.10.0.1"

ktap_done
