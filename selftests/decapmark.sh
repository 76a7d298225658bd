#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A decapsulated packet starts afresh: the mark the underlay gave the
# outer datagram (an fwmark for policy routing, say) does not steer the
# inner packet, also when both live in the same namespace.
#
#   sa: ping 10.10.0.2  ==>  sb: nft marks the tunnel's UDP datagrams on
#                            wan0 and counts inner packets on ptun0 that
#                            still carry that mark.

source "$(dirname "$0")/lib.sh"

sites_setup_check "two sites" 4
check "nft rules in sb" in_ns sb nft -f - <<EOT
table inet ptun_mark {
	counter outer_marked {}
	counter inner {}
	counter inner_marked {}
	chain outer {
		type filter hook prerouting priority -300;
		iifname "wan0" udp dport $PTUN_PORT meta mark set 0x2a counter name outer_marked
	}
	chain inner {
		type filter hook prerouting priority 0;
		iifname "ptun0" counter name inner
		iifname "ptun0" meta mark 0x2a counter name inner_marked
	}
}
EOT
check "tunnel works" ping_ok sa 10.10.0.2
check_ge "outer datagrams were marked on wan0" 3 \
	"$(nft_count sb ptun_mark outer_marked)"
check_ge "inner packets arrived on ptun0" 3 "$(nft_count sb ptun_mark inner)"
check_eq "none of them kept the outer mark" 0 \
	"$(nft_count sb ptun_mark inner_marked)"

ktap_done
