#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Session keys are erased at REJECT_AFTER_TIME after their handshake, not
# later, even while rekeys keep creating younger sessions (security review
# L1: each new session used to push the expiry timer out, so an old
# session's keys lived until the install after next, about 240 s).
#
# With the PTUN_DEBUG=1 module, test_reject_after_time shortens
# REJECT_AFTER_TIME to EXPIRY_REJECT seconds, and every session's erasure
# is logged with its age ("session ID: keys erased at N ms"). sa pings sb
# while rekey_after_time, 3 s, makes a new session every 3 s: every
# session of both ends must be erased, each within REJECT + 1 s of its
# handshake. On the old code the sessions lived REJECT + 2 s and more.
#
#   +----- ns sa -----+      +----- ns sb -----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2 |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2 |
#   +-----------------+      +-----------------+

source "$(dirname "$0")/lib.sh"

REJECT=${EXPIRY_REJECT:-4}
REKEY=3
params=/sys/module/ptun/parameters

if ! debug_module_load; then
	skip "session keys erased at REJECT_AFTER_TIME" \
		"no PTUN_DEBUG=1 module (make module-debug-for KVER=$(uname -r))"
	ktap_done
fi
check "REJECT_AFTER_TIME $REJECT s, REKEY_AFTER_TIME $REKEY s" \
	eval "echo $REJECT > $params/test_reject_after_time &&
	      echo $REKEY > $params/rekey_after_time"

marker="ptun-expiry: $$ $RANDOM"
echo "$marker" > /dev/kmsg
sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2

# 60 pings, 5 a second: about 12 s, 3 rekeys or more
out=$(in_ns sa ping -q -c 60 -i 0.2 -W 1 10.10.0.2 2>&1)
diag "$(grep -E 'transmitted' <<<"$out")"
check_ge "sa rekeyed at least 3 times" 4 "$(ctr sa handshakes)"
# Every session's keys are gone REJECT s after its handshake: the last
# handshake was less than REKEY s ago; 2 s more for the RCU work.
sleep $((REJECT + 2))
sessions=$(($(ctr sa handshakes) + $(ctr sb handshakes)))

ages=$(dmesg -t | awk -v m="$marker" '
	index($0, m) { n = 0; next }
	/^ptun: session [0-9a-f]+: keys erased at [0-9]+ ms$/ { a[n++] = $(NF - 1) }
	END { for (i = 0; i < n; i++) print a[i] }')
diag "keys erased at (ms): $(tr '\n' ' ' <<<"$ages")"
check_eq "every session's keys were erased (one per handshake per end)" \
	"$sessions" "$(echo "$ages" | grep -c .)"
oldest=$(echo "$ages" | sort -n | tail -n 1)
check_match "the oldest erasure: ${oldest:-none} ms (limit $(((REJECT + 1) * 1000)) ms)" \
	'^[0-9]+$' "${oldest:-}"
if [ -n "$oldest" ] && [ "$oldest" -gt $(((REJECT + 1) * 1000)) ]; then
	fail "no session outlived REJECT_AFTER_TIME + 1 s" \
		"oldest erasure at $oldest ms"
else
	ok "no session outlived REJECT_AFTER_TIME + 1 s"
fi
check "traffic still flows" ping_ok sa 10.10.0.2

ktap_done
