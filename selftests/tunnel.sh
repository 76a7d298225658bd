#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Traffic through the tunnel: inner IPv4 and IPv6 over outer IPv4 and
# IPv6, both directions, ping and TCP (iperf3), with the counters, the
# handshake state and the endpoint that go with it; then both ciphers,
# and the NAPI polls in their kthread (the default) and in softirq.
#
#         LAN 10.1.0.1/24 (lan0)              LAN 10.2.0.1/24 (lan0)
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1, fd10::1  |========| ptun0 10.10.0.2, fd10::2  |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   |       2001:db8:1::1/64    |        |       2001:db8:1::2/64    |
#   +---------------------------+        +---------------------------+

source "$(dirname "$0")/lib.sh"

# pings NAME: inner IPv4 and IPv6 both ways, and LAN to LAN
pings()
{
	local name=$1

	check "$name: ping 10.10.0.2 from sa" ping_ok sa 10.10.0.2
	check "$name: ping 10.10.0.1 from sb" ping_ok sb 10.10.0.1
	check "$name: ping fd10::2 from sa" ping_ok sa fd10::2
	check "$name: ping fd10::1 from sb" ping_ok sb fd10::1
	check "$name: LAN to LAN, 10.1.0.1 -> 10.2.0.1" ping_ok sa 10.2.0.1 -I 10.1.0.1
}

# iperf_dir NAME SENDER RECEIVER [-R]: a short TCP test from sa's client to
# sb's server (-R: sb sends); the receiver's ptun0 must have received at
# least what iperf3 counted, and the sender's sent it.
iperf_dir()
{
	local name=$1 snd=$2 rcv=$3 rx0 tx0 rx1 tx1 bytes d_snd d_rcv

	shift 3
	rx0=$(ctr "$rcv" rx-bytes)
	tx0=$(ctr "$snd" tx-bytes)
	d_snd=$(data_drops "$snd")
	d_rcv=$(data_drops "$rcv")
	check "$name: iperf3 $snd -> $rcv" iperf_run sb 10.10.0.2 sa -t 3 "$@"
	bytes=$(iperf_result bytes)
	rx1=$(ctr "$rcv" rx-bytes)
	tx1=$(ctr "$snd" tx-bytes)
	diag "$name: $snd -> $rcv: $(( $(iperf_result bits_per_second) / 1000 )) kbit/s," \
		"$bytes bytes; $rcv rx-bytes +$((rx1 - rx0)), $snd tx-bytes +$((tx1 - tx0))"
	check_ge "$name: iperf3 $snd -> $rcv moved data (at least $IPERF_MIN_BYTES bytes)" \
		"$IPERF_MIN_BYTES" "$bytes"
	check_eq "$name: $snd dropped nothing meanwhile (replay, no session, rx/tx error)" \
		"$d_snd" "$(data_drops "$snd")"
	check_eq "$name: nor did $rcv" "$d_rcv" "$(data_drops "$rcv")"
	check_ge "$name: $rcv's rx-bytes grew by at least what iperf3 received" \
		"$bytes" $((rx1 - rx0))
	check_ge "$name: $snd's tx-bytes grew by at least what iperf3 received" \
		"$bytes" $((tx1 - tx0))
}

for family in 4 6; do
	name="outer IPv$family"
	t0=$(date +%s)
	sites_setup_check "$name: two sites" "$family"
	if [ "$family" = 4 ]; then
		ep_a=192.0.2.2:51820 ep_b=192.0.2.1:51820
	else
		ep_a='[2001:db8:1::2]:51820' ep_b='[2001:db8:1::1]:51820'
	fi
	check_eq "$name: no handshake before traffic" 0 "$(ctr sa handshakes)"
	pings "$name"
	iperf_dir "$name" sa sb
	iperf_dir "$name" sb sa -R
	check_ge "$name: sa counted a handshake" 1 "$(ctr sa handshakes)"
	check_ge "$name: sb counted a handshake" 1 "$(ctr sb handshakes)"
	check_ge "$name: sa has a latest-handshake time" 1 "$(ctr sa latest-handshake)"
	check_ge "$name: sb has a latest-handshake time" 1 "$(ctr sb latest-handshake)"
	check_ge "$name: latest-handshake is recent (not before the test)" \
		"$t0" "$(ctr sa latest-handshake)"
	check_eq "$name: sa's endpoint is sb" "$ep_a" "$(ctr sa endpoint)"
	check_eq "$name: sb's endpoint is sa" "$ep_b" "$(ctr sb endpoint)"
	check_eq "$name: sa dropped nothing for authentication" 0 "$(ctr sa drop-auth)"
	check_eq "$name: sb dropped nothing for authentication" 0 "$(ctr sb drop-auth)"
	[ "$ktap_failed" -eq 0 ] || ptun_state sa sb
	sites_teardown
done

# The other cipher (aes-256-gcm, the default, ran above)
name="cipher chacha20-poly1305"
sites_setup_check "$name: two sites" 4 chacha20-poly1305
check_eq "$name: sa uses it" chacha20-poly1305 "$(ctr sa cipher)"
check_eq "$name: sb uses it" chacha20-poly1305 "$(ctr sb cipher)"
pings "$name"
check_ge "$name: handshake done" 1 "$(ctr sa handshakes)"
check_eq "$name: nothing failed authentication" "0 0" \
	"$(ctr sa drop-auth) $(ctr sb drop-auth)"
sites_teardown

# NAPI: a new device has two NAPI instances, each polled in a kthread of
# its own: the receiving one (napi/ptun0-ID) decrypts, beside the softirq
# that received the datagrams; the sending one (napi/ptun0-0: a
# transmit-only NAPI has no ID) sends the sealed datagrams in order, from
# one CPU at a time. Writing 0 to the sysfs "threaded" file goes back to
# softirq polls, and traffic flows either way. The threads' CPU time
# (utime + stime, in clock ticks) tells where the work ran: both sites'
# devices are called ptun0, so this sums the threads of both.
# napi_pids rx|tx: the PIDs of the ptun0 devices' receiving or sending
# NAPI threads
napi_pids()
{
	local f comm

	for f in /proc/[0-9]*/comm; do
		read -r comm < "$f" 2>/dev/null || continue
		case $1:$comm in
		tx:napi/ptun0-0) ;;
		tx:*) continue ;;
		rx:napi/ptun0-0) continue ;;
		rx:napi/ptun0-*) ;;
		*) continue ;;
		esac
		f=${f%/comm}
		echo "${f#/proc/}"
	done
}

# napi_ticks: the CPU time of the receiving, then of the sending threads
napi_ticks()
{
	local pid sum kind stat

	for kind in rx tx; do
		sum=0
		for pid in $(napi_pids $kind); do
			read -r stat < "/proc/$pid/stat" 2>/dev/null ||
				continue
			stat=${stat##*) }
			set -- $stat
			sum=$((sum + ${12} + ${13}))
		done
		printf '%s ' "$sum"
	done
	echo
}

napi_threaded()
{
	in_ns sa sh -c "echo $1 > /sys/class/net/ptun0/threaded" &&
	in_ns sb sh -c "echo $1 > /sys/class/net/ptun0/threaded"
}

name="napi"
sites_setup_check "$name: two sites" 4
check_eq "$name: a new device's NAPI is threaded" "1 1" \
	"$(in_ns sa cat /sys/class/net/ptun0/threaded) $(in_ns sb cat /sys/class/net/ptun0/threaded)"
check_eq "$name: a receiving kthread per device" 2 "$(napi_pids rx | wc -l)"
check_eq "$name: and a sending one" 2 "$(napi_pids tx | wc -l)"
check "$name: softirq polls instead" napi_threaded 0
read -r rx0 tx0 <<< "$(napi_ticks)"
iperf_dir "$name, softirq" sa sb
read -r rx1 tx1 <<< "$(napi_ticks)"
diag "$name: CPU time in softirq mode: $((rx1 - rx0)) ticks receiving, $((tx1 - tx0)) sending"
check "$name, softirq: the NAPI threads did (almost) nothing" \
	test $((rx1 - rx0 + tx1 - tx0)) -le 2
check "$name: threaded again" napi_threaded 1
iperf_dir "$name, threaded" sa sb
read -r rx2 tx2 <<< "$(napi_ticks)"
diag "$name: CPU time in threaded mode: $((rx2 - rx1)) ticks receiving, $((tx2 - tx1)) sending"
check_ge "$name, threaded: the receiving threads decrypted (10 ticks or more)" \
	10 $((rx2 - rx1))
check_ge "$name, threaded: the sending threads sent (10 ticks or more)" \
	10 $((tx2 - tx1))
sites_teardown

ktap_done
