#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Roaming: when sb's outer address changes, sa follows it as soon as an
# authenticated message arrives from the new address; forged or replayed
# messages from elsewhere never move the endpoint.
#
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1           |========| ptun0 10.10.0.2           |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        |   -> then 192.0.2.3/24    |
#                                        |   + 192.0.2.99 (forger)   |
#                                        +---------------------------+

source "$(dirname "$0")/lib.sh"

# data_from_sb PCAP: payloads of sb's data messages carrying a packet
data_from_sb()
{
	wire udp "$1" | awk -v port="$PTUN_PORT" '$3 == "192.0.2.1" &&
		$4 == port && substr($5, 1, 2) == "04" && length($5) > 64 {
		print $5 }'
}

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2
check_eq "sa's endpoint is sb's configured address" 192.0.2.2:51820 \
	"$(ctr sa endpoint)"

capture_start sb-data sa wan0 udp
check "sb pings sa" ping_ok sb 10.10.0.1
capture_stop sb-data
genuine=$(data_from_sb "$TMP/sb-data.pcap" | tail -n 1)
check "a data message from sb was captured" test -n "$genuine"

check "sb's underlay address changes to 192.0.2.3" eval \
	"ip -n sb addr del 192.0.2.2/24 dev wan0 && ip -n sb addr add 192.0.2.3/24 dev wan0"
# The first packets may still leave from the old source or meet a stale
# neighbour entry: a few seconds to settle.
check "sb reaches sa from its new address" \
	wait_for 15 in_ns sb ping -c 1 -W 1 10.10.0.1
check_eq "sa's endpoint follows sb" 192.0.2.3:51820 "$(ctr sa endpoint)"
check "sa reaches sb at its new address" ping_ok sa 10.10.0.2
check "and sb still reaches sa" ping_ok sb 10.10.0.1

# A forger at 192.0.2.99 (it can see the traffic, but has no key)
check "forger's address" ip -n sb addr add 192.0.2.99/24 dev wan0 nodad
forge()
{
	in_ns sb "$PYTHON" "$TESTS_DIR/wire.py" send --from 192.0.2.99 \
		192.0.2.1 "$PTUN_PORT" "$@" >/dev/null
}
auth0=$(ctr sa drop-auth)
replay0=$(ctr sa drop-replay)
hs0=$(ctr sa drop-handshake)
mal0=$(ctr sa drop-malformed)
# A counter sa has not seen, or the replay window would catch it first
forge "$(wire flip "$(wire edit "$genuine" 8 ffff000000000000)" 40)"
check_rise "forged data message: drop-auth +1" sa drop-auth "$auth0" 1
check_eq "it did not move the endpoint" 192.0.2.3:51820 "$(ctr sa endpoint)"
forge "$genuine"
check_rise "replayed genuine data message: drop-replay +1" sa drop-replay "$replay0" 1
check_eq "it did not move the endpoint" 192.0.2.3:51820 "$(ctr sa endpoint)"
# An initiation of random bytes: mac1 is wrong
forge "01000000$(head -c 144 /dev/urandom | od -An -tx1 | tr -d ' \n')"
check_rise "forged initiation: drop-handshake +1" sa drop-handshake "$hs0" 1
check_eq "it did not move the endpoint" 192.0.2.3:51820 "$(ctr sa endpoint)"
forge "04000000"
check_rise "truncated data message: drop-malformed +1" sa drop-malformed "$mal0" 1
check_eq "it did not move the endpoint" 192.0.2.3:51820 "$(ctr sa endpoint)"
check "traffic still works from sa" ping_ok sa 10.10.0.2

# Roaming across families: sa switches to sb's IPv6 address, and sb,
# configured with sa's IPv4 address, follows sa to IPv6.
check "sb gets a new IPv6 underlay address" \
	ip -n sb -6 addr add 2001:db8:1::3/64 dev wan0 nodad
check "sa told to reach sb over IPv6" \
	ptun_in sa set ptun0 endpoint '[2001:db8:1::3]:51820'
check "sa reaches sb over IPv6" ping_ok sa 10.10.0.2
check_eq "sb's endpoint follows sa to IPv6" '[2001:db8:1::1]:51820' \
	"$(ctr sb endpoint)"
check "sb reaches sa over IPv6" ping_ok sb 10.10.0.1
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
