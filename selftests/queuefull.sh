#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A queue that overflows because the CPU that drains it fell behind counts
# its drops as queue-full, a capacity limit, and under no other reason: an
# operator can tell a slow gateway from a fault. The tunnel carries on
# once that CPU is back.
#
# 1. sb's NAPI threads get almost no CPU while sa floods 64-byte UDP
#    through the tunnel (sa polls in softirq): sb's receive queue (4096)
#    overflows. sb counts rx-queue-full and nothing else, its rx_dropped
#    grows by as much, and sa drops nothing.
# 2. The same with sa's threads (sb polls in softirq), ptun0 without a
#    qdisc: sa's transmit queue (1024) overflows. sa counts tx-queue-full
#    and nothing else, its tx_dropped grows by as much.
#
# A thread is starved by moving it to SCHED_IDLE on a CPU that a busy loop
# holds, where it gets some 3 parts in 1000; the flood runs on another,
# or on the same one in a guest with a single CPU.
#
#   +------ ns sa ------+                 +------ ns sb ------+
#   | ptun0 10.10.0.1   |=== tunnel ======| ptun0 10.10.0.2   |
#   | wan0  192.0.2.1   |----- veth ------| wan0  192.0.2.2   |
#   +-------------------+                 +-------------------+
#   flood to 10.10.0.2 port 9 -->         nft drops it (no ICMP back)

source "$(dirname "$0")/lib.sh"

NCPU=$(nproc)
HOG_CPU=$((NCPU - 1))
HOG=

# napi_threads: the NAPI kthreads of every device named ptun0
napi_threads()
{
	pgrep '^napi/ptun0-'
}

# starve: every ptun0 NAPI thread to SCHED_IDLE on HOG_CPU, with a busy
# loop there. Those of a device that polls in softirq have nothing to do.
starve()
{
	local pid n=0

	taskset -c "$HOG_CPU" bash -c 'while :; do :; done' > /dev/null 2>&1 &
	HOG=$!
	for pid in $(napi_threads); do
		taskset -p -c "$HOG_CPU" "$pid" > /dev/null &&
		chrt -i -p 0 "$pid" || return 1
		n=$((n + 1))
	done
	[ "$n" -ge 2 ]
}

# feed: the threads back to SCHED_OTHER on every CPU, the busy loop gone
feed()
{
	local pid

	for pid in $(napi_threads); do
		chrt -o -p 0 "$pid"
		taskset -p -c "0-$HOG_CPU" "$pid" > /dev/null
	done
	if [ -n "$HOG" ]; then
		kill "$HOG"
		wait "$HOG" 2>/dev/null
		HOG=
	fi
	return 0
}
exit_hooks+=(feed)

# flood: 64-byte datagrams from sa to sb's 10.10.0.2:9 until killed, from
# a CPU other than the busy loop's. A datagram in ptun's transmit queue is
# still charged to its socket, as on its way to any NIC: a send buffer
# larger than the queue (SO_SNDBUFFORCE) lets one socket overflow it, as a
# gateway's forwarded traffic, which no socket owns, would.
flood()
{
	# ip and taskset exec: $! is the flood itself
	ip netns exec sa taskset -c 0 "$PYTHON" -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 32, 16 << 20)  # SO_SNDBUFFORCE
while True:
    s.sendto(bytes(64), ("10.10.0.2", 9))' > /dev/null 2>&1 &
	FLOOD=$!
}

# others NS REASON: NS's drop counters but REASON's, as one JSON object
others()
{
	ptun_in "$1" show ptun0 --json | jq -c ".stats.drops | del(.$2)"
}

# overflow NAME NS FIELD: floods while NAME's threads starve, until FIELD
# of NS rises; then checks that nothing else was counted
overflow()
{
	local name=$1 ns=$2 field=$3 key=${3#drop-} q0 q1 o_sa o_sb l0 l1 d i

	key=${key//-/_}
	q0=$(ctr "$ns" "$field")
	o_sa=$(others sa "$key")
	o_sb=$(others sb "$key")
	l0=$(link_stats "$ns" ptun0)
	# Not through check(), whose subshell would own the busy loop
	if starve; then
		ok "$name: the NAPI threads starve"
	else
		fail "$name: the NAPI threads starve" "found $(napi_threads | wc -l)"
	fi
	flood
	check "$name: $field rises" wait_for 30 ctr_ge "$ns" "$field" $((q0 + 1))
	kill "$FLOOD"
	wait "$FLOOD" 2>/dev/null
	feed
	# what waited in the queues is processed or dropped by now
	check "$name: the tunnel works again" ping_ok sa 10.10.0.2
	q1=$(ctr "$ns" "$field")
	l1=$(link_stats "$ns" ptun0)
	diag "$name: $((q1 - q0)) counted as $field"
	check_eq "$name: no other drop reason on sa" "$o_sa" \
		"$(others sa "$key")"
	check_eq "$name: nor on sb" "$o_sb" "$(others sb "$key")"
	# rx_dropped is the 5th of link_stats, tx_dropped the 6th
	i=$([ "$key" = rx_queue_full ] && echo 5 || echo 6)
	d=$(delta "$l0" "$l1" | cut -d' ' -f"$i")
	check_eq "$name: the link's drop counter grew by as much" \
		$((q1 - q0)) "$d"
}

sites_setup_check "two sites" 4
check "nft drops the flood in sb" in_ns sb nft -f - <<EOT
table inet ptun_queuefull {
	chain input {
		type filter hook input priority 0;
		udp dport 9 drop
	}
}
EOT
check "the tunnel works" ping_ok sa 10.10.0.2

check "1: sa polls in softirq" \
	in_ns sa sh -c 'echo 0 > /sys/class/net/ptun0/threaded'
overflow "1, receive" sb drop-rx-queue-full
check_eq "1: sa dropped nothing" 0 "$(drop_total sa)"

check "2: sa's threads again" \
	in_ns sa sh -c 'echo 1 > /sys/class/net/ptun0/threaded'
check "2: sb polls in softirq" \
	in_ns sb sh -c 'echo 0 > /sys/class/net/ptun0/threaded'
check_eq "2: no qdisc on sa's ptun0" noqueue \
	"$(tc -n sa -j qdisc show dev ptun0 | jq -r '.[0].kind')"
overflow "2, transmit" sa drop-tx-queue-full
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
