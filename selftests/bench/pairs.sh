# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The benches' tunnel pairs, sourced by throughput.sh and profile.sh after
# lib.sh: ptun and WireGuard devices between the namespaces sa and sb over
# their wan0 veth pair, and the crypto modules udev would load.

BENCH_DIR=$TESTS_DIR/bench

MTU=1420

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
# site_keys in lib.sh): they run on ports of their own.

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

# udp_bound NS PORT: something in NS has UDP PORT open
udp_bound()
{
	[ -n "$(in_ns "$1" ss -Hlun "sport = :$2")" ]
}

# tunnel_addr NS DEV LOCAL PEER: the point-to-point addresses, MTU, up.
# No IPv6 link-local address: its router solicitations would show up as
# drops of ptun (dst-not-allowed) and of xfrm (no policy).
tunnel_addr()
{
	step ip -n "$1" link set "$2" addrgenmode none
	step ip -n "$1" link set "$2" mtu "$MTU"
	step ip -n "$1" addr add "$3/32" peer "$4/32" dev "$2"
	step ip -n "$1" link set "$2" up
}

# crypto_modules: what udev would load on a real host, and the x86 ChaCha
# and Poly1305 code that lib/crypto's ChaCha20-Poly1305 (WireGuard's and
# ptun's) runs, which only module dependencies would load otherwise. Says
# which of them this kernel has, as a module or built in.
crypto_modules()
{
	local m state

	for m in aesni_intel ghash_clmulni_intel chacha_x86_64 poly1305_x86_64; do
		if modprobe -q "$m" 2>/dev/null; then
			state=loaded
			[ -d "/sys/module/$m" ] || state="built in"
		else
			state="not in this kernel"
		fi
		echo "# module $m: $state"
	done
}

# base_pairs: the sites, the veth pair between them, and ptun0 (AES-GCM),
# ptun1 (ChaCha20-Poly1305) and wg0 over it
base_pairs()
{
	local n

	crypto_modules
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
}

# rig_rundir: the rig's run directory, which the host reads back
rig_rundir()
{
	local arg

	for arg in $(< /proc/cmdline); do
		case $arg in
		ptunvm=*) echo "${arg#ptunvm=}" ;;
		esac
	done
}
