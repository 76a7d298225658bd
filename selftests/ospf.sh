#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Routing protocols over the link: a bird2 instance on each gateway runs
# OSPFv2 and OSPFv3 over ptun0 as a point-to-point interface, and each
# learns the other site's LAN from it. No gateway has a static route to
# the far LAN; the peer's allowed-ips are what README's "Routing protocols
# over ptun" lists: its tunnel addresses, its link-local address, its LAN,
# the AllSPFRouters groups 224.0.0.5 and ff02::5, and 224.0.0.22 and
# ff02::16, where the kernel sends its IGMPv3/MLDv2 membership reports.
#
# 1. Both OSPF adjacencies (v2 and v3) reach Full on both gateways.
# 2. Each gateway's main table gets the far LAN, v4 and v6, via ptun0
#    with proto bird.
# 3. Hosts ha and hb ping each other both ways over IPv4 and IPv6.
# 4. No packet was dropped as src-not-allowed or dst-not-allowed.
#
#   +- ns ha -+      +------- ns sa (bird) -------+      +------- ns sb (bird) -------+      +- ns hb -+
#   | eth0    |-veth-| lan0 10.1.0.1/24, fd01::1  |      | lan0 10.2.0.1/24, fd02::1  |-veth-| eth0    |
#   | 10.1.0.2|      | ptun0 10.10.0.1, fe80::1  ================ ptun0 10.10.0.2, fe80::2 |      | 10.2.0.2|
#   | fd01::2 |      | wan0 192.0.2.1 |---------veth----------| wan0 192.0.2.2           |      | fd02::2 |
#   +---------+      +----------------------------+      +----------------------------+      +---------+
#
# OSPF timers are small (hello 1 s, dead 4 s) so that the adjacencies
# form in a few seconds even in a slow guest.

source "$(dirname "$0")/lib.sh"

HOST_NS=(- ha hb)

# ospf_allowed N: the allowed IPs of site N's peer for OSPF over ptun0
ospf_allowed()
{
	local p=$((3 - $1))

	# The peer's addresses and LAN, the groups OSPF sends to on a
	# point-to-point link, and those IGMPv3 and MLDv2 reports go to when
	# bird joins them (else each join costs drops as dst-not-allowed)
	echo "10.10.0.$p/32,fd10::$p/128,fe80::$p/128,10.$p.0.0/24,fd0$p::/64" \
		"224.0.0.5/32,ff02::5/128,224.0.0.22/32,ff02::16/128" | tr ' ' ,
}

# lan N: host ha (N = 1) or hb behind site N on a veth that replaces the
# site's dummy lan0, forwarding on, and no route to the far LAN: the
# static one sites_setup made goes, OSPF has to provide it.
lan()
{
	local n=$1 p=$((3 - $1)) ns=${SITE_NS[$1]} h=${HOST_NS[$1]}

	ns_add "$h" &&
	ip -n "$ns" route del "10.$p.0.0/24" dev ptun0 &&
	ip -n "$ns" link del lan0 &&
	ip link add lan0 netns "$ns" type veth peer name eth0 netns "$h" &&
	ip -n "$ns" addr add "10.$n.0.1/24" dev lan0 &&
	ip -n "$ns" -6 addr add "fd0$n::1/64" dev lan0 nodad &&
	ip -n "$ns" link set lan0 up &&
	ip -n "$h" addr add "10.$n.0.2/24" dev eth0 &&
	ip -n "$h" -6 addr add "fd0$n::2/64" dev eth0 nodad &&
	ip -n "$h" link set eth0 up &&
	ip -n "$h" route add default via "10.$n.0.1" &&
	ip -n "$h" -6 route add default via "fd0$n::1" &&
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 &&
	# OSPFv3 speaks from link-local addresses. Whether or not ptun0 makes
	# one itself (addrgenmode), it gets a known one, which the peer
	# allows.
	ip -n "$ns" -6 addr add "fe80::$n/64" dev ptun0 nodad &&
	ptun_in "$ns" set ptun0 peer "$(cat "$TMP/site$p.pub")" \
		allowed-ips "$(ospf_allowed "$n")"
}

# bird_conf N: bird's configuration for site N
bird_conf()
{
	local n=$1

	cat <<EOF
router id 10.10.0.$n;
log "$TMP/bird$n.log" all;

protocol device {
	scan time 2;
}

# What OSPF learnt goes to the kernel's main table, as proto bird
protocol kernel k4 {
	ipv4 { export where source = RTS_OSPF; import none; };
}

protocol kernel k6 {
	ipv6 { export where source = RTS_OSPF; import none; };
}

protocol ospf v2 o4 {
	ipv4 { import all; export none; };
	area 0 {
		interface "ptun0" {
			type ptp;
			hello 1; dead 4; retransmit 2;
		};
		interface "lan0" { stub; };
	};
}

protocol ospf v3 o6 {
	ipv6 { import all; export none; };
	area 0 {
		interface "ptun0" {
			type ptp;
			hello 1; dead 4; retransmit 2;
		};
		interface "lan0" { stub; };
	};
}
EOF
}

# bird_start N: bird for site N in its namespace, with its own control
# socket $TMP/birdN.ctl; stopped when the test exits
bird_start()
{
	local n=$1

	bird_conf "$n" > "$TMP/bird$n.conf" &&
	exit_hooks+=("bird_stop $n") &&
	in_ns "${SITE_NS[n]}" bird -c "$TMP/bird$n.conf" \
		-s "$TMP/bird$n.ctl" -P "$TMP/bird$n.pid" &&
	wait_for 10 birdc_in "$n" show status
}

bird_stop()
{
	local pid

	pid=$(cat "$TMP/bird$1.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null
}

# birdc_in N CMD...: bird's CLI of site N
birdc_in()
{
	local n=$1

	shift
	birdc -s "$TMP/bird$n.ctl" "$@"
}

# ospf_full N PROTO: the OSPF instance PROTO (o4, o6) of site N has a
# neighbour in state Full on ptun0
ospf_full()
{
	birdc_in "$1" show ospf neighbors "$2" | grep -Eq 'Full/PtP.*ptun0'
}

# ospf_route N PREFIX: site N's main table routes PREFIX via ptun0, proto bird
ospf_route()
{
	local n=$1 fam=-4

	[[ $2 == *:* ]] && fam=-6
	ip -n "${SITE_NS[n]}" "$fam" route show "$2" proto bird |
		grep -q 'dev ptun0'
}

# bird_state: what each bird knows, as diagnostics for a failure
bird_state()
{
	local n

	for n in 1 2; do
		birdc_in "$n" show ospf neighbors 2>&1 | sed "s/^/# [bird$n] /"
		ip -n "${SITE_NS[n]}" route 2>&1 | sed "s/^/# [${SITE_NS[n]}] /"
		ip -n "${SITE_NS[n]}" -6 route 2>&1 | sed "s/^/# [${SITE_NS[n]}] /"
		tail -n 20 "$TMP/bird$n.log" 2>&1 | sed "s/^/# [bird$n.log] /"
	done
	ptun_state sa sb
}

if ! command -v bird > /dev/null || ! command -v birdc > /dev/null; then
	skip "OSPF over ptun0" "bird2 is not installed (scripts/deps)"
	ktap_done
fi

sites_setup_check "two sites" 4
check "hosts ha and hb behind them, no route to the far LAN" \
	eval 'lan 1 && lan 2'
check_eq "sa has no route to 10.2.0.0/24 before OSPF" "" \
	"$(ip -n sa route show 10.2.0.0/24)"
# Carrier may follow the session: the tunnel must be up before bird
# waits for the link.
check "tunnel up" wait_for 30 in_ns sa ping -c 1 -W 1 10.10.0.2
check "bird on sa and sb" eval 'bird_start 1 && bird_start 2'

# The first adjacency takes hello and dead intervals to form, the others
# come within moments of it: only the first gets a long wait.
fails=$ktap_failed
check "OSPFv2 neighbour Full on sa" wait_for 40 ospf_full 1 o4
check "OSPFv3 neighbour Full on sa" wait_for 15 ospf_full 1 o6
check "OSPFv2 neighbour Full on sb" wait_for 10 ospf_full 2 o4
check "OSPFv3 neighbour Full on sb" wait_for 10 ospf_full 2 o6
check "sa routes 10.2.0.0/24 via ptun0, proto bird" wait_for 15 ospf_route 1 10.2.0.0/24
check "sa routes fd02::/64 via ptun0, proto bird" wait_for 10 ospf_route 1 fd02::/64
check "sb routes 10.1.0.0/24 via ptun0, proto bird" wait_for 10 ospf_route 2 10.1.0.0/24
check "sb routes fd01::/64 via ptun0, proto bird" wait_for 10 ospf_route 2 fd01::/64
[ "$ktap_failed" -eq "$fails" ] || bird_state

check "ping from ha to hb" ping_ok ha 10.2.0.2
check "ping from hb to ha" ping_ok hb 10.1.0.2
check "ping from ha to hb, IPv6" ping_ok ha fd02::2
check "ping from hb to ha, IPv6" ping_ok hb fd01::2

for ns in sa sb; do
	check_eq "no drop as src-not-allowed or dst-not-allowed on $ns" "0 0" \
		"$(ctr "$ns" drop-src-not-allowed) $(ctr "$ns" drop-dst-not-allowed)"
done

ktap_done
