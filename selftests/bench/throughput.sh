#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: TCP throughput through ptun compared with its competitors,
# measured in one rig guest (selftests/vm/run --script). Under QEMU without
# KVM absolute figures mean little and swing 2-3x with the host's load, so
# the result is a set of RATIOS: every comparator runs in every round,
# rounds are interleaved (each starts at a different comparator), and each
# comparator is compared with plain veth and with WireGuard from the same
# round and direction, then the median of those ratios is taken.
#
# Comparators, one iperf3 TCP stream over inner IPv4, each way, all over
# the same veth pair standing in for the Internet:
#
#	veth         no tunnel at all: the ceiling
#	ptun-aes     ptun, AES-256-GCM (the default cipher)
#	ptun-chacha  ptun, ChaCha20-Poly1305
#	wireguard    the kernel's WireGuard
#	ipsec        ESP in tunnel mode, rfc4106(gcm(aes)), through an xfrm
#	             interface
#
#   +------------- ns sa -------------+        +------------- ns sb -------------+
#   | ptun0   10.10.0.1  aes   :51820 |========| ptun0   10.10.0.2               |
#   | ptun1   10.11.0.1  chacha:51821 |========| ptun1   10.11.0.2               |
#   | wg0     10.20.0.1        :51830 |========| wg0     10.20.0.2               |
#   | ipsec0  10.30.0.1  ESP (xfrmi)  |========| ipsec0  10.30.0.2               |
#   | wan0    192.0.2.1/24            |--veth--| wan0    192.0.2.2/24 (iperf3 -s)|
#   +---------------------------------+        +---------------------------------+
#
# Every tunnel has MTU 1420 (ptun's and WireGuard's default), so that all
# carry inner packets of one size.
#
# It asserts nothing about speed. It fails (exit 1) only if the setup
# fails, a comparator never completes a run, or a comparator's traffic did
# not go through its device (the sender's device counted fewer bytes than
# iperf3 delivered): a misrouted tunnel would otherwise pass for a fast one.
#
# Output: a line per run, what the tunnels dropped, a table, and a last
# line of JSON. Settings, from the environment: BENCH_ROUNDS (3),
# BENCH_SECONDS (3 per run), BENCH_DIRS ("ab ba": sa to sb, sb to sa).

source "$(dirname "$0")/../lib.sh"
BENCH_DIR=$TESTS_DIR/bench

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-3}
DIRS=${BENCH_DIRS:-ab ba}
MTU=1420

COMPARATORS=(veth ptun-aes ptun-chacha wireguard ipsec)
declare -A DEV=([veth]=wan0 [ptun-aes]=ptun0 [ptun-chacha]=ptun1
	[wireguard]=wg0 [ipsec]=ipsec0)
# The address of sb each comparator reaches it at
declare -A DST=([veth]=192.0.2.2 [ptun-aes]=10.10.0.2 [ptun-chacha]=10.11.0.2
	[wireguard]=10.20.0.2 [ipsec]=10.30.0.2)

die()
{
	echo "bench: $*" >&2
	exit 1
}

# step CMD...: a setup command; its failure ends the benchmark
step()
{
	"$@" || die "setup failed: $*"
}

# Every tunnel uses the sites' key pairs ($TMP/site1.key ... from
# site_keys in lib.sh): they run on ports of their own, and every process
# start counts under TCG.

# ptun_pair DEV PORT NET CIPHER: ptun device DEV in both namespaces,
# 10.NET.0.1 in sa and 10.NET.0.2 in sb, peers of each other
ptun_pair()
{
	local dev=$1 port=$2 net=$3 cipher=$4 n p ns

	for n in 1 2; do
		p=$((3 - n))
		ns=${SITE_NS[n]}
		step ip -n "$ns" link add "$dev" type ptun
		step ptun_in "$ns" set "$dev" private-key "$TMP/site$n.key" \
			listen-port "$port" cipher "$cipher" \
			peer "$(cat "$TMP/site$p.pub")" \
			endpoint "${SITE_V4[p]}:$port" allowed-ips "10.$net.0.$p/32"
		tunnel_addr "$ns" "$dev" "10.$net.0.$n" "10.$net.0.$p"
	done
}

# wg_pair: the WireGuard devices, configured through wgset.py since the
# wg tool may not be installed
wg_pair()
{
	local n p ns port=51830

	for n in 1 2; do
		p=$((3 - n))
		ns=${SITE_NS[n]}
		step ip -n "$ns" link add wg0 type wireguard
		step in_ns "$ns" "$PYTHON" "$BENCH_DIR/wgset.py" wg0 \
			"$TMP/site$n.key" "$port" "$TMP/site$p.pub" \
			"${SITE_V4[p]}:$port" "10.20.0.$p/32"
		tunnel_addr "$ns" wg0 "10.20.0.$n" "10.20.0.$p"
	done
}

# ipsec_pair: ESP in tunnel mode between the wan0 addresses for whatever
# is routed into the xfrm interface ipsec0 (if_id 7), AES-256-GCM with
# a 128-bit tag; the widest anti-replay window xfrm takes, since the two
# vCPUs reorder packets
ipsec_pair()
{
	local n p ns key1 key2

	key1=0x$(od -An -tx1 -N36 /dev/urandom | tr -d ' \n')
	key2=0x$(od -An -tx1 -N36 /dev/urandom | tr -d ' \n')
	for n in 1 2; do
		p=$((3 - n))
		ns=${SITE_NS[n]}
		step ip -n "$ns" -batch - <<-EOF
		link add ipsec0 type xfrm dev wan0 if_id 7
		xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 reqid 1 mode tunnel if_id 7 replay-window 4096 aead rfc4106(gcm(aes)) $key1 128
		xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1002 reqid 2 mode tunnel if_id 7 replay-window 4096 aead rfc4106(gcm(aes)) $key2 128
		xfrm policy add dir out if_id 7 src 10.30.0.$n/32 dst 10.30.0.$p/32 tmpl src ${SITE_V4[n]} dst ${SITE_V4[p]} proto esp reqid $n mode tunnel
		xfrm policy add dir in if_id 7 src 10.30.0.$p/32 dst 10.30.0.$n/32 tmpl src ${SITE_V4[p]} dst ${SITE_V4[n]} proto esp reqid $p mode tunnel
		EOF
		tunnel_addr "$ns" ipsec0 "10.30.0.$n" "10.30.0.$p"
	done
}

# tunnel_addr NS DEV LOCAL PEER: the point-to-point addresses, MTU, up
tunnel_addr()
{
	step ip -n "$1" link set "$2" mtu "$MTU"
	step ip -n "$1" addr add "$3/32" peer "$4/32" dev "$2"
	step ip -n "$1" link set "$2" up
}

setup()
{
	local n

	# No udev in the guest: load the CPU's crypto drivers as it would
	# (guest-init does too), or gcm(aes) runs on aes-generic.
	modprobe -qa aesni_intel ghash_clmulni_intel
	step site_keys
	step ns_add sa
	step ns_add sb
	step ip link add wan0 netns sa type veth peer name wan0 netns sb
	for n in 1 2; do
		step ip -n "${SITE_NS[n]}" addr add "${SITE_V4[n]}/24" dev wan0
		step ip -n "${SITE_NS[n]}" link set wan0 up
	done
	ptun_pair ptun0 51820 10 aes-256-gcm
	ptun_pair ptun1 51821 11 chacha20-poly1305
	wg_pair
	ipsec_pair
	for c in "${COMPARATORS[@]}"; do
		wait_for 20 in_ns sa ping -c 1 -W 2 "${DST[$c]}" ||
			die "$c: sb (${DST[$c]}) does not answer pings"
	done
}

# The AEAD implementations the kernel uses (the highest priority of each
# name), once the pings have made every tunnel instantiate its transforms
crypto_drivers()
{
	awk -F' *: ' '
		$1 == "name" { name = $2 }
		$1 == "driver" { driver = $2 }
		$1 == "priority" && name ~ /^(gcm\(aes\)|rfc4106\(gcm\(aes\)\)|rfc7539\(chacha20,poly1305\))$/ &&
		    (!(name in best) || $2 > best[name]) {
			best[name] = $2
			use[name] = driver
		}
		END { for (n in use) print "# crypto: " n " -> " use[n] }
	' /proc/crypto | sort
}

# Under TCG starting a process costs up to a second, so a run starts
# only iperf3 and jq: counters are read with bash builtins, a namespace's
# through /proc/PID/net/dev of a process that lives in it (ANCHOR).
declare -A ANCHOR

# busy_jiffies: into REPLY, the CPU time (all CPUs) spent not idle since
# boot, in USER_HZ
busy_jiffies()
{
	local user nice sys irq softirq steal

	# cpu user nice system idle iowait irq softirq steal ...
	read -r _ user nice sys _ _ irq softirq steal _ < /proc/stat
	REPLY=$((user + nice + sys + irq + softirq + steal))
}

# tx_bytes NS DEV: into REPLY, what DEV in NS has sent
tx_bytes()
{
	local name tx

	REPLY=0
	# name: rx bytes packets errs drop fifo frame compressed multicast,
	# then tx bytes ...
	while read -r name _ _ _ _ _ _ _ _ tx _; do
		if [ "$name" = "$2:" ]; then
			REPLY=$tx
			return 0
		fi
	done < "/proc/${ANCHOR[$1]}/net/dev"
}

# iperf_server: one iperf3 server in sb for every run, (re)started
iperf_server()
{
	[ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null &&
		wait "$server_pid" 2>/dev/null
	# Not through in_ns: $! must be iperf3 itself, not a subshell
	ip netns exec sb iperf3 -s > "$TMP/server.log" 2>&1 &
	server_pid=$!
	wait_for 10 tcp_listening sb 5201 || die "iperf3 -s does not listen"
}

# drops_report: what the tunnels dropped in all the runs, for whoever
# wonders about the retransmits: ptun's reasons, the devices' own drop
# counters, xfrm's errors
drops_report()
{
	local ns c name rxd txd f v

	for ns in sa sb; do
		for c in "${COMPARATORS[@]}"; do
			while read -r name _ _ _ rxd _ _ _ _ _ _ _ txd _; do
				[ "$name" = "${DEV[$c]}:" ] || continue
				[ $((rxd + txd)) -gt 0 ] &&
					echo "# drops: [$ns] ${DEV[$c]}: rx_dropped $rxd, tx_dropped $txd"
			done < "/proc/${ANCHOR[$ns]}/net/dev"
		done
		for c in ptun0 ptun1; do
			ptun_in "$ns" show "$c" | sed -n "s/^ *drops: /# drops: [$ns] $c: /p"
		done
		while read -r f v; do
			[ "$v" -gt 0 ] && echo "# drops: [$ns] xfrm $f $v"
		done < "/proc/${ANCHOR[$ns]}/net/xfrm_stat"
	done
	return 0
}

# mbit BITS_PER_SECOND: as Mbit/s with one decimal, in bash arithmetic
mbit()
{
	local tenths=$(( ${1%.*} / 100000 ))

	echo "$((tenths / 10)).$((tenths % 10))"
}

# run ROUND COMPARATOR DIR: one iperf3 run, appended to $TMP/samples as
# "round comparator dir bits_per_second bytes busy_jiffies retransmits"
run()
{
	local round=$1 c=$2 dir=$3 dst=${DST[$2]} dev=${DEV[$2]}
	local sender=sa reverse=() rc tx0 tx1 cpu0 cpu1 out bps bytes retr err jif

	if [ "$dir" = ba ]; then
		sender=sb
		reverse=(-R)
	fi
	tx_bytes "$sender" "$dev"
	tx0=$REPLY
	busy_jiffies
	cpu0=$REPLY
	in_ns sa timeout $((SECS + 25)) iperf3 -c "$dst" -t "$SECS" -J \
		--connect-timeout 5000 "${reverse[@]}" > "$TMP/iperf.json" 2>&1
	rc=$?
	busy_jiffies
	cpu1=$REPLY
	tx_bytes "$sender" "$dev"
	tx1=$REPLY
	# (No process substitution: the guest has no /dev/fd.)
	out=$(jq -r '[.end.sum_received.bits_per_second // 0,
		.end.sum_received.bytes // 0, .end.sum_sent.retransmits // 0,
		.error // ""] | @tsv' "$TMP/iperf.json" 2>/dev/null)
	IFS=$'\t' read -r bps bytes retr err <<< "$out"
	jif=$((cpu1 - cpu0))
	if [ "$rc" -ne 0 ] || [ "${bytes:-0}" = 0 ]; then
		printf '# round %d %-11s %s: iperf3 failed (status %d) %s\n' \
			"$round" "$c" "$dir" "$rc" "${err:-}"
		# A server left in the middle of a test would refuse the next.
		iperf_server
		return 0
	fi
	if [ $((tx1 - tx0)) -lt "$bytes" ]; then
		printf '# round %d %-11s %s: %s sent %d bytes but iperf3 got %d: not through the tunnel\n' \
			"$round" "$c" "$dir" "$dev" $((tx1 - tx0)) "$bytes"
		bypassed=1
		return 0
	fi
	echo "$round $c $dir $bps $bytes $jif $retr" >> "$TMP/samples"
	printf '# round %d %-11s %s: %7s Mbit/s, %d.%02d CPU-s busy, %d retransmits\n' \
		"$round" "$c" "$dir" "$(mbit "$bps")" $((jif / HZ)) \
		$((jif % HZ * 100 / HZ)) "$retr"
}

start=$SECONDS
bypassed=0
HZ=$(getconf CLK_TCK)
: > "$TMP/samples"
setup
for ns in sa sb; do
	ip netns exec "$ns" sleep infinity &
	ANCHOR[$ns]=$!
done
iperf_server
printf '# setup: %d s\n' $((SECONDS - start))
printf '# ptun throughput benchmark on Linux %s, %d vCPUs, %s\n' "$(uname -r)" \
	"$(nproc)" "$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
printf '# %d rounds x %d comparators x directions (%s), %d s per run, MTU %d\n' \
	"$ROUNDS" "${#COMPARATORS[@]}" "$DIRS" "$SECS" "$MTU"
crypto_drivers
ncomp=${#COMPARATORS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
	# Each round starts at another comparator, and alternates the
	# directions, so that no comparator always runs first or last.
	read -ra dirs <<< "$DIRS"
	if [ $((r % 2)) -eq 0 ]; then
		rev=()
		for d in "${dirs[@]}"; do
			rev=("$d" "${rev[@]}")
		done
		dirs=("${rev[@]}")
	fi
	for ((i = 0; i < ncomp; i++)); do
		c=${COMPARATORS[(i + r - 1) % ncomp]}
		for d in "${dirs[@]}"; do
			run "$r" "$c" "$d"
		done
	done
done
drops_report
printf '# %d s in all\n' $((SECONDS - start))

"$PYTHON" "$BENCH_DIR/summary.py" "$TMP/samples" "$(uname -r)" "$ROUNDS" \
	"$SECS" "$HZ" "${COMPARATORS[@]}"
status=$?
[ "$bypassed" -eq 0 ] || die "some traffic did not go through its tunnel"
exit "$status"
