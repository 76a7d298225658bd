#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MSS clamping between hosts behind the gateways, whose own links have an
# MTU of 1500 while ptun0's is 1420. A TCP connection from ha to hb; the
# SYN is captured where it reaches hb, the SYN-ACK where it reaches ha,
# and tcpdump reads the MSS option and checks the TCP checksum of each.
#
# 1. mss-clamp off (the default): both announce 1460, what their link fits.
# 2. auto on sa only: 1380 both ways (1420 - 40), over IPv6 1360 (- 60):
#    sa lowers the SYN on transmit and the SYN-ACK after decryption.
# 3. 1200 on sb only: 1200 both ways, sb's receive and transmit sides.
# 4. A bulk TCP transfer from ha to hb with the clamp: it completes and
#    nothing is dropped. The setting reads back through show, the JSON and
#    showconf.
#
#   +- ns ha -+      +--------- ns sa ---------+      +--------- ns sb ---------+      +- ns hb -+
#   | eth0    |-veth-| lan0 10.1.0.1, fd01::1  |      | lan0 10.2.0.1, fd02::1  |-veth-| eth0    |
#   | 10.1.0.2|      | ptun0 (MTU 1420) =================== ptun0 (MTU 1420)    |      | 10.2.0.2|
#   | fd01::2 |      | wan0 192.0.2.1 |------veth-------| wan0 192.0.2.2        |      | fd02::2 |
#   +---------+      +-------------------------+      +-------------------------+      +---------+

source "$(dirname "$0")/lib.sh"

HOST_NS=(- ha hb)

# lan N: host ha (N = 1) or hb behind site N, on a veth of MTU 1500 that replaces the
# site's dummy lan0, with routes both ways and forwarding on
lan()
{
	local n=$1 p=$((3 - $1)) ns=${SITE_NS[$1]} h=${HOST_NS[$1]}

	ns_add "$h" &&
	_t ip -n "$ns" link del lan0 &&
	_t ip link add lan0 netns "$ns" type veth peer name eth0 netns "$h" &&
	_t ip -n "$ns" addr add "10.$n.0.1/24" dev lan0 &&
	_t ip -n "$ns" -6 addr add "fd0$n::1/64" dev lan0 nodad &&
	_t ip -n "$ns" link set lan0 up &&
	_t ip -n "$h" addr add "10.$n.0.2/24" dev eth0 &&
	_t ip -n "$h" -6 addr add "fd0$n::2/64" dev eth0 nodad &&
	_t ip -n "$h" link set eth0 up &&
	_t ip -n "$h" route add default via "10.$n.0.1" &&
	_t ip -n "$h" -6 route add default via "fd0$n::1" &&
	_t ip -n "$ns" -6 route add "fd0$p::/64" dev ptun0 &&
	_t ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 &&
	_t ptun_in "$ns" set ptun0 peer "$(cat "$TMP/site$p.pub")" \
		allowed-ips "$(site_allowed "$n"),fd0$p::/64"
}

# handshake_mss FAMILY: opens a TCP connection from ha to hb over inner
# IPv4 (4) or IPv6 (6), and prints "SYN-MSS SYN-ACK-MSS CHECKSUMS": the MSS
# of the SYN as hb received it and of the SYN-ACK as ha received it, and
# "correct" if tcpdump found both checksums right
handshake_mss()
{
	local dst=10.2.0.2 syn ack sums l

	[ "$1" = 6 ] && dst=fd02::2
	capture_start syn hb eth0 tcp port 5201
	capture_start synack ha eth0 tcp port 5201
	iperf_run hb "$dst" ha -n 64K > /dev/null 2>&1
	capture_stop syn
	capture_stop synack
	syn=$(tcpdump -nv -r "$TMP/syn.pcap" 2>/dev/null | grep -m1 'Flags \[S\]')
	ack=$(tcpdump -nv -r "$TMP/synack.pcap" 2>/dev/null | grep -m1 'Flags \[S\.\]')
	sums=correct
	for l in "$syn" "$ack"; do
		grep -q 'cksum 0x[0-9a-f]* (correct)' <<<"$l" || sums="wrong: $l"
	done
	echo "$(grep -o 'mss [0-9]*' <<<"$syn" | cut -d' ' -f2)" \
		"$(grep -o 'mss [0-9]*' <<<"$ack" | cut -d' ' -f2)" "$sums"
}

sites_setup_check "two sites" 4
check "hosts ha and hb behind them, MTU 1500" eval 'lan 1 && lan 2'
check "ping from ha to hb through ptun0" ping_ok ha 10.2.0.2

check_eq "mss-clamp is off by default" off "$(ptun_in sa show ptun0 mss-clamp)"
check_eq "off: the SYN and the SYN-ACK keep 1460, checksums right" \
	"1460 1460 correct" "$(handshake_mss 4)"

check "auto on sa" ptun_in sa set ptun0 mss-clamp auto
check_eq "auto: shown" auto "$(ptun_in sa show ptun0 mss-clamp)"
check_eq "auto: in the JSON" '"auto"' \
	"$(ptun_in sa show ptun0 --json | jq .mss_clamp)"
check_match "auto: in showconf" '^MssClamp = auto$' \
	"$(ptun_in sa showconf ptun0)"
check_eq "auto, sa only: 1380 both ways, checksums right" \
	"1380 1380 correct" "$(handshake_mss 4)"
check_eq "auto, sa only, inner IPv6: 1360 both ways, checksums right" \
	"1360 1360 correct" "$(handshake_mss 6)"

check "off on sa, 1200 on sb" eval \
	'ptun_in sa set ptun0 mss-clamp off && ptun_in sb set ptun0 mss-clamp 1200'
check_eq "1200 on sb: shown" 1200 "$(ptun_in sb show ptun0 mss-clamp)"
check_eq "1200, sb only: 1200 both ways, checksums right" \
	"1200 1200 correct" "$(handshake_mss 4)"
check_eq "1200, sb only, inner IPv6: 1200 both ways, checksums right" \
	"1200 1200 correct" "$(handshake_mss 6)"

check "auto on both" eval \
	'ptun_in sa set ptun0 mss-clamp auto && ptun_in sb set ptun0 mss-clamp auto'
d_sa=$(data_drops sa)
d_sb=$(data_drops sb)
# hb counts what arrives until ha closes; ha writes 2 MB, DF set as TCP
# sets it (net.ipv4.ip_no_pmtu_disc 0)
ip netns exec hb timeout 60 "$PYTHON" -c '
import socket
srv = socket.create_server(("10.2.0.2", 5000))
conn, _ = srv.accept()
n = 0
while True:
    b = conn.recv(65536)
    if not b:
        break
    n += len(b)
print(n)' > "$TMP/sink.out" 2>&1 &
sink=$!
wait_for 10 tcp_listening hb 5000
check "bulk TCP from ha to hb, 2 MB with DF, clamped" in_ns ha timeout 60 \
	bash -c 'head -c 2097152 /dev/zero > /dev/tcp/10.2.0.2/5000'
wait "$sink"
check_eq "bulk TCP: hb received all 2 MB" 2097152 "$(cat "$TMP/sink.out")"
check_eq "bulk TCP: no data drop on sa" "$d_sa" "$(data_drops sa)"
check_eq "bulk TCP: no data drop on sb" "$d_sb" "$(data_drops sb)"

ktap_done
