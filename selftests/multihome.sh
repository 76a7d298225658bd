#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A gateway with several underlay addresses answers from the one its peer
# called it at: sa reaches sb at an address sb would never pick as a
# source on its own (an IPv4 secondary, a deprecated IPv6 address), and
# sb's handshake responses and data come back from that address, so that
# a NAT or firewall in front of sa would let them in and sa's endpoint
# stays put. When the address goes away, sb falls back to another one and
# sa follows it.
#
#   +---------- ns sa ----------+        +---------- ns sb ----------------+
#   | ptun0 10.10.0.1           |========| ptun0 10.10.0.2                 |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24              |
#   |       2001:db8:1::1/64    |        |       192.0.2.20/24 secondary   |
#   |   ^ tcpdump               |        |       2001:db8:1::2/64          |
#   +---------------------------+        |       2001:db8:1::20 deprecated |
#                                        +---------------------------------+

source "$(dirname "$0")/lib.sh"

# sources_from_sb PCAP: the distinct outer sources of sb's datagrams to sa
sources_from_sb()
{
	wire udp "$1" | awk -v port="$PTUN_PORT" '$2 == port && $4 == port &&
		($3 == "192.0.2.1" || $3 == "2001:db8:1::1") { print $1 }' |
		sort -u | tr '\n' ' ' | sed 's/ $//'
}

# calls_at NAME ENDPOINT: sa (re)handshakes with sb at ENDPOINT and both
# ping each other, captured on sa's underlay as NAME
calls_at()
{
	local name=$1 endpoint=$2

	ptun_in sa set ptun0 endpoint "$endpoint" || return 1
	# A new handshake, so that sb also answers one at the new address
	ip -n sa link set ptun0 down && ip -n sa link set ptun0 up &&
		ip -n sa -6 route replace fd10::2/128 dev ptun0 &&
		ip -n sa route replace 10.2.0.0/24 dev ptun0 || return 1
	capture_start "$name" sa wan0 udp port "$PTUN_PORT"
	ping_ok sa 10.10.0.2 && ping_ok sb 10.10.0.1
	local ret=$?

	capture_stop "$name"
	return $ret
}

sites_setup_check "two sites" 4

# IPv4: a secondary address in the primary's subnet is never a source.
check "sb gets a secondary address 192.0.2.20" \
	ip -n sb addr add 192.0.2.20/24 dev wan0
hs0=$(ctr sb handshakes)
check "sa calls sb at 192.0.2.20, traffic both ways" \
	calls_at v4 192.0.2.20:51820
check "a handshake with sb took place" ctr_ge sb handshakes $((hs0 + 1))
check_eq "sb answered from 192.0.2.20 only" 192.0.2.20 \
	"$(sources_from_sb "$TMP/v4.pcap")"
check_eq "sa's endpoint stayed at 192.0.2.20" 192.0.2.20:51820 \
	"$(ctr sa endpoint)"

check "192.0.2.20 goes away" ip -n sb addr del 192.0.2.20/24 dev wan0
check "sb still reaches sa, from another address" \
	wait_for 15 in_ns sb ping -c 1 -W 1 10.10.0.1
check_eq "sa's endpoint follows sb to 192.0.2.2" 192.0.2.2:51820 \
	"$(ctr sa endpoint)"
check "sa reaches sb there" ping_ok sa 10.10.0.2

# IPv6: source selection avoids a deprecated address (preferred_lft 0),
# yet it still receives.
check "sb gets a deprecated address 2001:db8:1::20" \
	ip -n sb -6 addr add 2001:db8:1::20/64 dev wan0 nodad preferred_lft 0
check "sa calls sb at [2001:db8:1::20], traffic both ways" \
	calls_at v6 '[2001:db8:1::20]:51820'
check_eq "sb answered from 2001:db8:1::20 only" 2001:db8:1::20 \
	"$(sources_from_sb "$TMP/v6.pcap")"
check_eq "sa's endpoint stayed at [2001:db8:1::20]" '[2001:db8:1::20]:51820' \
	"$(ctr sa endpoint)"

check "2001:db8:1::20 goes away" \
	ip -n sb -6 addr del 2001:db8:1::20/64 dev wan0
check "sb still reaches sa, from another address" \
	wait_for 15 in_ns sb ping -c 1 -W 1 10.10.0.1
check_eq "sa's endpoint follows sb to [2001:db8:1::2]" '[2001:db8:1::2]:51820' \
	"$(ctr sa endpoint)"
check "sa reaches sb there" ping_ok sa 10.10.0.2
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
