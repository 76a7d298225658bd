#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ip link set down; up, over and over, while traffic is queued: after
# every up a handshake completes and traffic flows. A device that goes
# down while its initiation is being built, or whose retransmit timer
# fires while it is down, must not come back believing an initiation is
# still pending (it would then never initiate again).
#
# Last, sa goes down and up again right after a handshake, three times:
# the handshake after the second up must not wait a keepalive interval
# (one initiation per second must not hold back the first after a reset).
#
# Each round: sa comes up, a burst of pings queues traffic and starts an
# initiation, sa goes down at once, stays down longer than the first
# retransmission interval (1 s + 1/3), comes up, and must reach sb.
#
# The stock kernel's timing almost never runs the initiation work after
# ndo_stop's reset. The PTUN_DEBUG=1 build, when there is one (make
# module-debug-for), makes it do so every round: its initiation work
# sleeps DOWNUP_DELAY_MS (test_delay_initiate_ms) before it takes the
# handshake lock, and sa's persistent keepalive queues that work as the
# device comes up, so that "down" lands inside the sleep. Without that
# build the rounds run on the normal module, as a weaker stress test.
#
#   +----- ns sa -----+      +----- ns sb -----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2 |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2 |
#   +-----------------+      +-----------------+

source "$(dirname "$0")/lib.sh"

ROUNDS=${DOWNUP_ROUNDS:-8}
DELAY_MS=${DOWNUP_DELAY_MS:-500}
params=/sys/module/ptun/parameters
# Down for longer than the delay plus the first retransmission interval
down_s=1.5

delayed=0
if debug_module_load; then
	delayed=1
	down_s=$(awk -v d="$DELAY_MS" 'BEGIN { print d / 1000 + 1.5 }')
else
	diag "no PTUN_DEBUG=1 module: rounds without the initiation delay"
fi

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2
if [ "$delayed" = 1 ]; then
	check "sa: a keepalive as ptun0 comes up" ptun_in sa set ptun0 \
		peer "$(cat "$TMP/site2.pub")" persistent-keepalive 25
	check "the initiation work sleeps ${DELAY_MS} ms" \
		eval "echo $DELAY_MS > $params/test_delay_initiate_ms"
fi

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
	sleep "$down_s"
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

# Down and up again within a second of sa's initiation (REKEY_TIMEOUT,
# which spaces our initiations): the down ends that handshake, so the
# initiation that the up starts must leave at once, not wait for the next
# packet or keepalive. sa's keepalive is the only traffic, and every 60 s.
[ "$delayed" = 1 ] && echo 0 > "$params/test_delay_initiate_ms"
ptun_in sa set ptun0 peer "$(cat "$TMP/site2.pub")" persistent-keepalive 60
late=0
for r in 1 2 3; do
	hs=$(ctr sa handshakes)
	ip -n sa link set ptun0 down
	ip -n sa link set ptun0 up
	if ! wait_for 5 ctr_ge sa handshakes $((hs + 1)); then
		diag "quick restart $r: no first handshake"
		late=$((late + 1))
		continue
	fi
	printf 'link set ptun0 down\nlink set ptun0 up\n' | ip -n sa -batch -
	if ! wait_for 3 ctr_ge sa handshakes $((hs + 2)); then
		diag "quick restart $r: no handshake within 3 s of the second up"
		late=$((late + 1))
	fi
done
check_eq "down/up within a second of a handshake: the next one at once" \
	0 "$late"

ktap_done
