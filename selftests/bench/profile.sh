#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-profile, in one rig guest: where the CPU goes when 64-byte
# UDP datagrams cross ptun-aes, ptun-chacha and WireGuard as fast as
# iperf3 sends them (the bench's udp64 workload). Not a benchmark: the
# figures are per received packet, and tracing slows what it traces.
#
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1 aes       |========| ptun0 10.10.0.2           |
#   | ptun1 10.11.0.1 chacha    |========| ptun1 10.11.0.2           |
#   | wg0   10.20.0.1           |========| wg0   10.20.0.2           |
#   | iperf3 -c -u -l 64 -b 0   |        | iperf3 -s                 |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        +---------------------------+
#
# For each tunnel, two runs of PROFILE_SECONDS (8):
#  1. the threads: CPU time, run-queue wait and time slices of every
#     thread over the middle of the run, from the scheduler's own clock
#     (cpuprof.py threads), per packet the receiving tunnel counted;
#  2. the functions: a function_graph trace of one second over the data
#     path's functions (cpuprof.py graph), per datagram the client sent.
#     Each traced call costs the tracer's entry and exit: compare the
#     tunnels' functions with each other, not with the first run.
# The trace files stay in the rig's run directory (trace-*).

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pairs.sh"

SECS=${PROFILE_SECONDS:-8}
TRACING=/sys/kernel/tracing
PROF=$BENCH_DIR/cpuprof.py

# what each tunnel's data path runs, besides what all of them share
COMMON="udp_sendmsg udp_tunnel_xmit_skb ip_local_out veth_xmit
	udp_queue_rcv_skb napi_gro_receive udp_recvmsg skb_cow_data
	kernel_fpu_begin_mask kernel_fpu_end"
PTUN_FUNCS="ptun_send_xmit frame_and_queue ptun_crypt sealed tx_poll
	ptun_socket_send_skb_to_peer ptun_receive_encap rx_poll decrypted
	crypto_aead_encrypt crypto_aead_decrypt
	chacha20poly1305_encrypt_sg_inplace chacha20poly1305_decrypt_sg_inplace
	ptun_session_tx_get ptun_session_rx_get ptun_replay_accept
	ptun_session_confirm napi_schedule_prep __napi_schedule"
WG_FUNCS="wg_xmit wg_packet_send_staged_packets wg_packet_encrypt_worker
	wg_packet_tx_worker wg_receive wg_packet_decrypt_worker
	wg_packet_rx_poll chacha20poly1305_encrypt_sg_inplace
	chacha20poly1305_decrypt_sg_inplace"

# client DST: 64-byte datagrams to DST for SECS seconds, in the background;
# its report in $TMP/client.json
client()
{
	ip netns exec sa iperf3 -c "$1" -u -l 64 -b 0 -t "$SECS" -J \
		--connect-timeout 5000 > "$TMP/client.json" 2>&1 &
	CLIENT=$!
}

# threads LABEL DEV DST: run 1
threads()
{
	local label=$1 dev=$2 dst=$3 netdev=/proc/$SERVER/net/dev

	client "$dst"
	sleep 2
	"$PYTHON" "$PROF" snap "$TMP/before" "$netdev" "$dev"
	sleep $((SECS - 4))
	"$PYTHON" "$PROF" snap "$TMP/after" "$netdev" "$dev"
	wait "$CLIENT"
	echo "# == $label: threads"
	"$PYTHON" "$PROF" threads "$TMP/before" "$TMP/after" \
		"$TMP/client.json" "$CLIENT=iperf3 client" "$SERVER=iperf3 server"
}

# functions LABEL DST FUNCTION...: run 2
functions()
{
	local label=$1 dst=$2 f out

	shift 2
	out=$OUT/trace-$label
	: > "$TRACING/set_ftrace_filter"
	for f in "$@"; do
		# a function the compiler inlined cannot be traced
		echo "$f" >> "$TRACING/set_ftrace_filter" 2> /dev/null ||
			echo "# $label: $f cannot be traced"
	done
	echo 0 > "$TRACING/tracing_on"
	echo function_graph > "$TRACING/current_tracer"
	echo 1 > "$TRACING/options/funcgraph-tail"
	echo 8192 > "$TRACING/buffer_size_kb"
	client "$dst"
	sleep 3
	: > "$TRACING/trace"
	echo 1 > "$TRACING/tracing_on"
	sleep 1
	echo 0 > "$TRACING/tracing_on"
	cat "$TRACING/trace" > "$out"
	wait "$CLIENT"
	echo nop > "$TRACING/current_tracer"
	echo "# == $label: functions"
	"$PYTHON" "$PROF" graph "$out" udp_sendmsg
}

OUT=$(rig_rundir)
[ -n "$OUT" ] || die "no rig run directory"
[ -w "$TRACING/current_tracer" ] || die "no tracefs at $TRACING"
base_pairs
for c in 10.10.0.2 10.11.0.2 10.20.0.2; do
	wait_for 20 in_ns sa ping -c 1 -W 2 "$c" ||
		die "sb ($c) does not answer pings"
done
ip netns exec sb iperf3 -s -D -I "$TMP/iperf3.pid" || die "no iperf3 server"
wait_for 10 test -s "$TMP/iperf3.pid" || die "no iperf3 server pid"
SERVER=$(< "$TMP/iperf3.pid")

threads ptun-aes ptun0 10.10.0.2
threads ptun-chacha ptun1 10.11.0.2
threads wireguard wg0 10.20.0.2
# shellcheck disable=SC2086 # lists of function names
functions ptun-aes 10.10.0.2 $COMMON $PTUN_FUNCS
# shellcheck disable=SC2086
functions ptun-chacha 10.11.0.2 $COMMON $PTUN_FUNCS
# shellcheck disable=SC2086
functions wireguard 10.20.0.2 $COMMON $WG_FUNCS
