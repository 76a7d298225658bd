#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration changes on a tunnel that carries traffic:
#  1. sa's listen port changes while it pings: both sockets move, sb's
#     endpoint for sa follows (roaming on authenticated packets); a port
#     held by another socket is refused (EADDRINUSE, with a message) and
#     leaves the old port working.
#  2. sa's private key changes and sb learns the new public key: the very
#     next ping, from either side, makes a fresh handshake and gets through.
#  3. Under a flood ping, sa's peer is removed, put back, then replaced by
#     one with a new key: no packet goes uncounted (every packet routed to
#     ptun0 is sent or counted as a drop) and traffic resumes each time.
#  4. A host behind sa, forwarded and masqueraded into the tunnel, gets
#     "destination unreachable" once sa's peer is removed.
#
#   +--- ns h1 ---+      +---------- ns sa ----------+        +---------- ns sb ----------+
#   | eth0        |      | lan1 172.16.1.1/24        |        |                           |
#   | 172.16.1.2  |-veth-| forwards, masquerades     |        |                           |
#   | default via |      |   out of ptun0            |        |                           |
#   |  172.16.1.1 |      | ptun0 10.10.0.1, fd10::1  |========| ptun0 10.10.0.2, fd10::2  |
#   +-------------+      | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#                        +---------------------------+        | lan0  10.2.0.1/24         |
#                                                             +---------------------------+

source "$(dirname "$0")/lib.sh"

case $(uname -r) in
*-ptun-debug) RISE=50 ;;
*) RISE=200 ;;
esac

sites_setup_check "two sites" 4
# Sockets that hold two ports for section 1, started at once: python3 takes
# seconds to start in a TCG guest. Not through in_ns: $! must be python.
ip netns exec sa "$PYTHON" -c '
import socket, time
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.bind(("0.0.0.0", 52004))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(("::", 52006))
time.sleep(600)' > "$TMP/holder.log" 2>&1 &
holder=$!
setup_h1()
{
	ns_add h1 &&
	ip link add lan1 netns sa type veth peer name eth0 netns h1 &&
	ip -n sa addr add 172.16.1.1/24 dev lan1 &&
	ip -n sa link set lan1 up &&
	ip -n h1 addr add 172.16.1.2/24 dev eth0 &&
	ip -n h1 link set eth0 up &&
	ip -n h1 route add default via 172.16.1.1 &&
	in_ns sa sysctl -qw net.ipv4.ip_forward=1 &&
	in_ns sa nft -f - <<-EOF
	table inet ctl {
		counter into_tunnel { }
		chain post {
			type filter hook postrouting priority 0;
			oifname "ptun0" counter name into_tunnel
		}
	}
	table ip nat {
		chain post {
			type nat hook postrouting priority 100;
			oifname "ptun0" masquerade
		}
	}
	EOF
}
if setup_h1 > "$TMP/h1.log" 2>&1; then
	ok "a LAN host behind sa, forwarded and masqueraded into the tunnel"
else
	fail "a LAN host behind sa, forwarded and masqueraded into the tunnel" \
		"$(cat "$TMP/h1.log")"
	ktap_done
fi
check "tunnel works" ping_ok sa 10.10.0.2

# rx_rises NS N: NS's received packets rise by N from $rx0
rx_rises()
{
	ctr_ge "$1" rx-packets $((rx0 + $2))
}

# flowing DESC NS: traffic through the running ping reaches NS again
flowing()
{
	rx0=$(ctr "$2" rx-packets)
	check "$1" wait_for 20 rx_rises "$2" 20
}

# udp_ports NS PORT: how many UDP sockets listen on PORT in NS
udp_ports()
{
	in_ns "$1" ss -Hlun "sport = :$2" | wc -l
}

endpoint_is()
{
	[ "$(ctr sb endpoint)" = "$1" ]
}

diag "section 1 starts after ${SECONDS}s"

# 1. The listen port changes under traffic.
# Not through in_ns: $! must be ping itself
ip netns exec sa ping -q -i 0.02 -W 1 10.10.0.2 > /dev/null 2>&1 &
ping_pid=$!
flowing "ping from sa flows" sb
drops0=$(data_drops sa)
check "sa's listen port changes to 51999 while it pings" \
	ptun_in sa set ptun0 listen-port 51999
check_eq "sa shows listen port 51999" 51999 "$(ctr sa listen-port)"
check_eq "both of sa's sockets (IPv4, IPv6) moved to 51999" "2 0" \
	"$(udp_ports sa 51999) $(udp_ports sa 51820)"
check "sb's endpoint for sa follows to port 51999" \
	wait_for 10 endpoint_is 192.0.2.1:51999
flowing "sb's replies reach sa on the new port" sa
# The ports other sockets hold: IPv4 52004, and IPv6 52006 (V6ONLY, so
# that its IPv4 half is free and only ptun's second socket collides).
holder_ok()
{
	[ "$(udp_ports sa 52004) $(udp_ports sa 52006)" = "1 1" ]
}
# python3 starts slowly from the 9p root of a TCG guest: it has been
# starting since the sites were made.
if wait_for 60 holder_ok; then
	ok "other sockets hold IPv4 port 52004 and IPv6 port 52006"
else
	fail "other sockets hold IPv4 port 52004 and IPv6 port 52006" \
		"$(cat "$TMP/holder.log")"
fi
check "sa's listen port changes to 0: the kernel picks one" \
	ptun_in sa set ptun0 listen-port 0
port=$(ctr sa listen-port)
diag "sa now listens on $port"
check_match "and it is a port other than 0 and 51999" '^[1-9][0-9]*$' \
	"$(echo "$port" | grep -vx 51999)"
check "sb's endpoint follows again" wait_for 10 endpoint_is "192.0.2.1:$port"
check "sa goes back to 51999" ptun_in sa set ptun0 listen-port 51999
check "and sb follows" wait_for 10 endpoint_is 192.0.2.1:51999

for fam in 4 6; do
	port=$((52000 + fam))
	before=$(ptun_in sa show ptun0 --json | jq -c 'del(.stats)')
	check_fails "IPv$fam port $port, held by another socket, is refused" \
		ptun_in sa set ptun0 listen-port "$port"
	check_match "IPv$fam port $port: the kernel says it is in use" \
		'listen port in use' "$LAST_ERR"
	check_eq "IPv$fam port $port: the error is EADDRINUSE (raw request)" \
		"errno=98 msg=listen port in use" \
		"$(in_ns sa "$PYTHON" "$TESTS_DIR/nlraw.py" set ptun0 \
			listen_port=u16:"$port")"
	check_eq "IPv$fam port $port: nothing changed" "$before" \
		"$(ptun_in sa show ptun0 --json | jq -c 'del(.stats)')"
	check_eq "IPv$fam port $port: sa keeps both sockets on 51999, adds none on $port" \
		"2 1" "$(udp_ports sa 51999) $(udp_ports sa "$port")"
	flowing "IPv$fam port $port: sb's replies still reach sa on 51999" sa
	check_eq "IPv$fam port $port: sb's endpoint for sa stays" 192.0.2.1:51999 \
		"$(ctr sb endpoint)"
done
kill "$holder"
wait "$holder" 2>/dev/null
kill "$ping_pid"
wait "$ping_pid" 2>/dev/null
check_eq "sa dropped nothing through all this" "$drops0" "$(data_drops sa)"

diag "section 2 starts after ${SECONDS}s"

# 2. Private key changes: the next ping makes a fresh handshake.
for first in sb sa; do
	keypair "sa-$first" || break
	hs0=$(ctr "$first" handshakes)
	check "sa's private key changes ($first pings first)" \
		ptun_in sa set ptun0 private-key "$TMP/sa-$first.key"
	check_eq "sa's public key is the new one ($first pings first)" \
		"$(cat "$TMP/sa-$first.pub")" "$(ctr sa public-key)"
	check "sb takes sa's new public key ($first pings first)" \
		ptun_in sb set ptun0 peer "$(cat "$TMP/sa-$first.pub")" \
		endpoint 192.0.2.1:51999 allowed-ips "$(site_allowed 2)"
	if [ "$first" = sa ]; then
		check "the next ping from sa gets through at once" \
			in_ns sa ping -c 1 -W 5 10.10.0.2
	else
		check "the next ping from sb gets through at once" \
			in_ns sb ping -c 1 -W 5 10.10.0.1
	fi
	check_ge "$first made a fresh handshake" $((hs0 + 1)) "$(ctr "$first" handshakes)"
	check "and traffic flows both ways" ping_ok sb 10.10.0.1
done

diag "section 3 starts after ${SECONDS}s"

# 3. The peer goes and comes back under a flood ping.
# out_total: ptun0's transmitted and dropped packets (ip -s link) minus
# the packets routed to it (nft): constant if every packet routed to
# ptun0 is either sent or dropped and counted
out_total()
{
	local n

	n=$(in_ns sa ip -s -j link show ptun0 |
		jq '.[0].stats64.tx.packets + .[0].stats64.tx.dropped')
	echo $((n - $(nft_count sa ctl into_tunnel)))
}

sa_pub=$(cat "$TMP/sa-sa.pub")
set_sa_peer()
{
	ptun_in sa set ptun0 peer "$1" endpoint 192.0.2.2:51820 \
		allowed-ips "$(site_allowed 1)"
}
remove_peer()
{
	ptun_in sa set ptun0 remove-peer
}
tx_error_rises()
{
	ctr_ge sa drop-tx-error $((tx0 + $1))
}

acct0=$(out_total)
nft0=$(nft_count sa ctl into_tunnel)
tx00=$(ctr sa drop-tx-error)
ns00=$(ctr sa drop-no-session)
ip netns exec sa ping -q -f -W 1 10.10.0.2 > /dev/null 2>&1 &
ping_pid=$!
rx0=$(ctr sa rx-packets)
check "flood ping from sa flows" wait_for 20 rx_rises sa "$RISE"
tx0=$(ctr sa drop-tx-error)
check "sa's peer removed under the flood" remove_peer
check "packets with no peer are counted as tx-error" \
	wait_for 10 tx_error_rises "$RISE"
check "the same peer put back" set_sa_peer "$(cat "$TMP/site2.pub")"
rx0=$(ctr sa rx-packets)
check "the flood flows again" wait_for 20 rx_rises sa "$RISE"
keypair sb-new
check "sb's private key changes" \
	ptun_in sb set ptun0 private-key "$TMP/sb-new.key"
check "sa's peer replaced by sb's new key under the flood" \
	set_sa_peer "$(cat "$TMP/sb-new.pub")"
rx0=$(ctr sa rx-packets)
check "the flood flows again, to the new peer" wait_for 20 rx_rises sa "$RISE"
kill "$ping_pid"
wait "$ping_pid" 2>/dev/null
accounted()
{
	[ "$(out_total)" -eq "$acct0" ]
}
wait_for 5 accounted
diag "$(($(nft_count sa ctl into_tunnel) - nft0)) packets into ptun0 during the flood;" \
	"sa: tx-error +$(($(ctr sa drop-tx-error) - tx00))," \
	"no-session +$(($(ctr sa drop-no-session) - ns00))"
check_eq "every packet routed to ptun0 was sent or counted as dropped" \
	"$acct0" "$(out_total)"
check_eq "sa's key is still the one set" "$sa_pub" "$(ctr sa public-key)"

diag "section 4 starts after ${SECONDS}s"

# 4. Forwarded and masqueraded: h1 reaches sb's LAN through sa, and once
# sa's peer is gone h1 is told so, with its own address in the quoted
# header (icmp_ndo_send undoes the NAT).
check "h1 reaches sb's LAN through sa's NAT" ping_ok h1 10.2.0.1
check "sa's peer removed" remove_peer
out=$(in_ns h1 ping -c 2 -i 0.3 -W 1 10.2.0.1 2>&1)
diag "$(echo "$out" | head -n 3)"
check_match "h1 is told: destination host unreachable" \
	'From 172\.16\.1\.1 icmp_seq=1 Destination Host Unreachable' "$out"
check "the peer put back" set_sa_peer "$(cat "$TMP/sb-new.pub")"
check "h1 reaches sb's LAN again" wait_for 20 in_ns h1 ping -c 1 -W 1 10.2.0.1
diag "all done after ${SECONDS}s"
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
