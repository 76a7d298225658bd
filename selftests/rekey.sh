#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rekeying under traffic loses nothing: with rekey_after_time lowered to
# 2 seconds the initiator starts a new handshake every few seconds while a
# fast ping and a TCP stream run, and every packet gets through.
#
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1 (initiator)|=======| ptun0 10.10.0.2           |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        +---------------------------+

source "$(dirname "$0")/lib.sh"

param=/sys/module/ptun/parameters/rekey_after_time

modprobe ptun 2>/dev/null
if [ ! -w "$param" ]; then
	fail "module parameter rekey_after_time is writable" "$param missing"
	ktap_done
fi
saved=$(cat "$param")
exit_hooks+=("echo $saved > $param")
check "rekey_after_time set to 2 seconds" eval "echo 2 > $param"

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2
hs_a=$(ctr sa handshakes)
hs_b=$(ctr sb handshakes)

# 200 pings, 20 a second: about 10 s, so 3 rekeys at least
out=$(in_ns sa ping -q -c 200 -i 0.05 -W 2 10.10.0.2 2>&1)
diag "$(grep -E 'transmitted|rtt' <<<"$out" | tr '\n' ' ')"
check_match "200 pings across rekeys, 0% packet loss" ', 0% packet loss' "$out"
check_ge "sa (the initiator) rekeyed at least 3 times" $((hs_a + 3)) \
	"$(ctr sa handshakes)"
check_ge "sb counted the same handshakes" $((hs_b + 3)) "$(ctr sb handshakes)"
diag "handshakes: sa $hs_a -> $(ctr sa handshakes), sb $hs_b -> $(ctr sb handshakes)"

hs_a=$(ctr sa handshakes)
check "TCP for 5 s across rekeys" iperf_run sb 10.10.0.2 sa -t 5
diag "iperf3: $(( $(iperf_result bits_per_second) / 1000 )) kbit/s"
check_ge "it moved data (at least $IPERF_MIN_BYTES bytes)" "$IPERF_MIN_BYTES" \
	"$(iperf_result bytes)"
check_ge "and sa rekeyed meanwhile" $((hs_a + 1)) "$(ctr sa handshakes)"
check_rise "no data message failed authentication on sa" sa drop-auth 0 0
check_rise "nor on sb" sb drop-auth 0 0
check_rise "no data was dropped for want of a session on sa" sa drop-no-session 0 0
check_rise "nor on sb" sb drop-no-session 0 0
# Read after the 2 s watches above: anything counted late shows by now.
for ns in sa sb; do
	check_eq "no replay, error or queue-full drop on $ns across the rekeys" \
		"drop-replay=0 drop-rx-error=0 drop-tx-error=0 drop-rx-queue-full=0 drop-tx-queue-full=0" \
		"$(data_drops $ns drop-replay drop-rx-error drop-tx-error \
			drop-rx-queue-full drop-tx-queue-full)"
done
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

echo "$saved" > "$param"
check_eq "rekey_after_time restored" "$saved" "$(cat "$param")"

ktap_done
