#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, the guest's half: sets up every comparator in one rig guest
# (selftests/vm/run --script) and hands the measurement to runner.py, which
# writes every run's figures as JSON for selftests/bench/summary.py (run on
# the host: table, JSON file and chart under bench/results/).
#
# Under QEMU without KVM absolute figures mean nothing and swing 2-3x with
# the host's load: only ratios between runs of one guest count, which is
# why every comparator runs in every round and the runs compared in a ratio
# are neighbours in time (runner.py explains the order).
#
# Comparators, all over the same veth pair standing in for the Internet:
#
#	veth         no tunnel at all: the ceiling
#	ptun-aes     ptun, AES-256-GCM (the default cipher)
#	ptun-chacha  ptun, ChaCha20-Poly1305
#	wireguard    the kernel's WireGuard (ChaCha20-Poly1305, lib/crypto)
#	esp-tunnel   IPsec ESP in tunnel mode, bare ESP (IP protocol 50),
#	             rfc4106(gcm(aes)), through an xfrm interface
#	esp-udp      IPsec ESP in tunnel mode inside UDP (RFC 3948 NAT
#	             traversal, port 4500 both ways, a UDP_ENCAP_ESPINUDP
#	             socket at each end), rfc4106(gcm(aes)), through an xfrm
#	             interface: the IPsec that crosses NATs as ptun does
#
#   +------------- ns sa -------------+        +------------- ns sb -------------+
#   | ptun0   10.10.0.1  aes   :51820 |========| ptun0   10.10.0.2               |
#   | ptun1   10.11.0.1  chacha:51821 |========| ptun1   10.11.0.2               |
#   | wg0     10.20.0.1        :51830 |========| wg0     10.20.0.2               |
#   | esp0    10.30.0.1  ESP (xfrmi)  |========| esp0    10.30.0.2               |
#   | espu0   10.31.0.1  ESP/UDP :4500|========| espu0   10.31.0.2               |
#   | wan0    192.0.2.1/24            |--veth--| wan0    192.0.2.2/24 (iperf3 -s)|
#   +---------------------------------+        +---------------------------------+
#
# Every tunnel has MTU 1420 (ptun's and WireGuard's default), so that all
# carry inner packets of one size. Neither IPsec comparator has
# esp4_offload (no ESP GRO/GSO), like a default strongSwan host.
#
# Settings, from the environment: BENCH_ROUNDS (7), BENCH_SECONDS (5 per
# run), BENCH_RAW (where runner.py writes its JSON; default bench-raw.json
# in the rig's run directory, which the host reads back).

source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pairs.sh"

# esp_pair DEV IF_ID NET SPI_BASE [ENCAP...]: ESP in tunnel mode between
# the wan0 addresses for whatever is routed into the xfrm interface DEV,
# AES-256-GCM with a 128-bit tag (the same cipher as ptun-aes), keys of
# its own; the widest anti-replay window xfrm takes, since the two vCPUs
# reorder packets. ENCAP, if given, is the states' "encap ..." clause.
esp_pair()
{
	local dev=$1 ifid=$2 net=$3 spi=$4 n p ns key1 key2 encap

	shift 4
	encap="$*"
	key1=0x$(od -An -tx1 -N36 /dev/urandom | tr -d ' \n')
	key2=0x$(od -An -tx1 -N36 /dev/urandom | tr -d ' \n')
	for n in 1 2; do
		p=$((3 - n))
		ns=${SITE_NS[n]}
		step ip -n "$ns" -batch - <<-EOF
		link add $dev type xfrm dev wan0 if_id $ifid
		xfrm state add src ${SITE_V4[1]} dst ${SITE_V4[2]} proto esp spi $((spi + 1)) reqid $((spi + 1)) mode tunnel if_id $ifid replay-window 4096 $encap aead rfc4106(gcm(aes)) $key1 128
		xfrm state add src ${SITE_V4[2]} dst ${SITE_V4[1]} proto esp spi $((spi + 2)) reqid $((spi + 2)) mode tunnel if_id $ifid replay-window 4096 $encap aead rfc4106(gcm(aes)) $key2 128
		xfrm policy add dir out if_id $ifid src 10.$net.0.$n/32 dst 10.$net.0.$p/32 tmpl src ${SITE_V4[n]} dst ${SITE_V4[p]} proto esp reqid $((spi + n)) mode tunnel
		xfrm policy add dir in if_id $ifid src 10.$net.0.$p/32 dst 10.$net.0.$n/32 tmpl src ${SITE_V4[p]} dst ${SITE_V4[n]} proto esp reqid $((spi + p)) mode tunnel
		EOF
		tunnel_addr "$ns" "$dev" "10.$net.0.$n" "10.$net.0.$p"
	done
}

# espinudp_socket NS: what an IKE daemon keeps open for NAT traversal, a
# UDP socket on port 4500 marked UDP_ENCAP_ESPINUDP (UDP_ENCAP is 100,
# ESPINUDP 2 in <linux/udp.h>): without it the kernel has nobody to hand
# the ESP-in-UDP datagrams to, and answers them with port unreachable.
espinudp_socket()
{
	ip netns exec "$1" "$PYTHON" -c '
import signal, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 4500))
s.setsockopt(socket.IPPROTO_UDP, 100, 2)
signal.pause()
' &
}

setup()
{
	local n c

	base_pairs
	esp_pair esp0 7 30 4096
	esp_pair espu0 8 31 8192 encap espinudp 4500 4500 0.0.0.0
	for n in 1 2; do
		espinudp_socket "${SITE_NS[n]}"
		wait_for 20 udp_bound "${SITE_NS[n]}" 4500 ||
			die "no ESP-in-UDP socket on port 4500 in ${SITE_NS[n]}"
	done
	for c in 192.0.2.2 10.10.0.2 10.11.0.2 10.20.0.2 10.30.0.2 10.31.0.2; do
		wait_for 20 in_ns sa ping -c 1 -W 2 "$c" ||
			die "sb ($c) does not answer pings"
	done
}

timestamps_hold || die "no socket holds receive timestamps on"

start=$SECONDS
setup
printf '# setup: %d s\n' $((SECONDS - start))
if [ -z "${BENCH_RAW:-}" ]; then
	rundir=$(rig_rundir)
	[ -n "$rundir" ] && BENCH_RAW=$rundir/bench-raw.json
fi
[ -n "${BENCH_RAW:-}" ] || die "no BENCH_RAW and no rig run directory"
"$PYTHON" "$BENCH_DIR/runner.py" --rounds "${BENCH_ROUNDS:-7}" \
	--seconds "${BENCH_SECONDS:-5}" --ptun "$PTUN" --out "$BENCH_RAW"
