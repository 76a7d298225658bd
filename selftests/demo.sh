#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: two sites, each a network namespace with a LAN and a ptun
# gateway, joined by a veth pair standing in for the Internet. Runs in a
# rig guest (selftests/vm/run --script selftests/demo.sh).
#
#   site A: LAN 192.168.1.0/24, gateway 192.0.2.1, tunnel 10.0.0.1
#   site B: LAN 192.168.2.0/24, gateway 192.0.2.2, tunnel 10.0.0.2

set -eu

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH=$top/tool:/usr/sbin:/usr/bin:/sbin:/bin
tmp=$(mktemp -d /tmp/ptun-demo.XXXXXX)
trap 'ip netns del site-a 2>/dev/null; ip netns del site-b 2>/dev/null; rm -rf "$tmp"' EXIT

title()
{
	printf '\n=== %s\n' "$*"
}

# run CMD...: shows a command, then runs it
run()
{
	printf '$ %s\n' "$*"
	"$@"
}

# site NAME LETTER UNDERLAY LAN PEER PEER_UNDERLAY PEER_LAN TUNNEL PEER_TUNNEL
site()
{
	local ns=$1 me=$2 underlay=$3 lan=$4 peer=$5 peer_underlay=$6
	local peer_lan=$7 tunnel=$8 peer_tunnel=$9

	title "configuring site $me"
	run ip -n "$ns" addr add "$underlay/24" dev wan0
	run ip -n "$ns" link set wan0 up
	run ip -n "$ns" link add lan0 type dummy
	run ip -n "$ns" addr add "$lan" dev lan0
	run ip -n "$ns" link set lan0 up
	run ip -n "$ns" link add ptun0 type ptun
	run ip netns exec "$ns" ptun set ptun0 \
		private-key "$tmp/$me.key" listen-port 51820 \
		peer "$(cat "$tmp/$peer.pub")" endpoint "$peer_underlay:51820" \
		allowed-ips "$peer_tunnel/32,$peer_lan"
	run ip -n "$ns" addr add "$tunnel/32" peer "$peer_tunnel/32" dev ptun0
	run ip -n "$ns" link set ptun0 up
	run ip -n "$ns" route add "$peer_lan" dev ptun0
}

echo "ptun demo on Linux $(uname -r)"
for s in a b; do
	ip netns del "site-$s" 2>/dev/null || true
	ip netns add "site-$s"
	ip -n "site-$s" link set lo up
	(umask 077 && ptun genkey > "$tmp/$s.key")
	ptun pubkey < "$tmp/$s.key" > "$tmp/$s.pub"
done
title "the underlay: a veth pair between the two gateways"
run ip link add wan0 netns site-a type veth peer name wan0 netns site-b

site site-a a 192.0.2.1 192.168.1.1/24 b 192.0.2.2 192.168.2.0/24 10.0.0.1 10.0.0.2
site site-b b 192.0.2.2 192.168.2.1/24 a 192.0.2.1 192.168.1.0/24 10.0.0.2 10.0.0.1

for s in a b; do
	title "site $s: ip addr"
	ip -n "site-$s" addr
	title "site $s: ip route"
	ip -n "site-$s" route
	title "site $s: ptun show"
	ip netns exec "site-$s" ptun show
done

title "underlay check: site A pings site B's gateway"
ip netns exec site-a ping -c 2 -W 2 192.0.2.2

printf '\nBoth gateways are configured. Encryption and traffic through ptun0\n'
printf 'come with the data path; then this demo also pings and runs iperf3\n'
printf 'across the tunnel.\n'
