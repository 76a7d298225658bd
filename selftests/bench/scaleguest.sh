#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-scale, the guest's half (selftests/vm/run --script): sets up
# one ptun pair and hands the measurements to scale.py, which writes them
# as JSON into the rig's run directory for selftests/bench/scalesum.py on
# the host.
#
#  1. Throughput of one TCP stream through ptun0 while both peers hold
#     BENCH_SCALE_PREFIXES (100,000) allowed IPs, against the same with
#     one: /32s filling 10.10.0.0/16, which holds the tunnel's addresses,
#     so that every lookup walks the longest path the trie has, and /24s
#     from 10.11.0.0 upwards for the rest. Also how long the CLI takes to
#     give the kernel that list (setconf, syncconf).
#  2. BENCH_SCALE_DEVICES (1,000) idle ptun devices in a fresh namespace
#     against as many WireGuard devices: creation time and memory per
#     device.
#
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1 (iperf3)  |========| ptun0 10.10.0.2 iperf3 -s |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        +---------------------------+
#
# Settings, from the environment: BENCH_SCALE_ROUNDS (10 runs, A B B A
# ...), BENCH_SECONDS (5 per run), BENCH_SCALE_PREFIXES (100000),
# BENCH_SCALE_DEVICES (1000), BENCH_SCALE_TRIALS (3: ptun wg ptun).

source "$(dirname "$0")/../lib.sh"
BENCH_DIR=$TESTS_DIR/bench

ROUNDS=${BENCH_SCALE_ROUNDS:-10}
SECS=${BENCH_SECONDS:-5}
PREFIXES=${BENCH_SCALE_PREFIXES:-100000}
DEVICES=${BENCH_SCALE_DEVICES:-1000}
TRIALS=${BENCH_SCALE_TRIALS:-3}

die()
{
	echo "bench-scale: $*" >&2
	exit 1
}

step()
{
	"$@" || die "setup failed: $*"
}

# bigconf N FILE: site N's configuration with PREFIXES allowed IPs, ten
# to an AllowedIPs line
bigconf()
{
	local n=$1 p=$((3 - $1))

	"$PYTHON" - "$2" "$PREFIXES" "$TMP/site$n.key" "$(cat "$TMP/site$p.pub")" \
		"${SITE_V4[p]}:$PTUN_PORT" <<'PY'
import ipaddress, sys

path, n, key, peer, endpoint = sys.argv[1:6]
n = int(n)
host = int(ipaddress.IPv4Address("10.10.0.0"))
net = int(ipaddress.IPv4Address("10.11.0.0"))
ips = [f"{ipaddress.IPv4Address(host + i)}/32" for i in range(min(n, 65536))]
ips += [f"{ipaddress.IPv4Address(net + 256 * i)}/24"
        for i in range(n - len(ips))]
with open(path, "w") as f:
    f.write(f"[Interface]\nPrivateKeyFile = {key}\nListenPort = 51820\n")
    f.write(f"[Peer]\nPublicKey = {peer}\nEndpoint = {endpoint}\n")
    for i in range(0, n, 10):
        f.write("AllowedIPs = " + ", ".join(ips[i:i + 10]) + "\n")
PY
}

rundir=
for arg in $(< /proc/cmdline); do
	case $arg in
	ptunvm=*) rundir=${arg#ptunvm=} ;;
	esac
done
[ -n "$rundir" ] || die "no rig run directory"

timestamps_hold || die "no socket holds receive timestamps on"
for m in aesni_intel ghash_clmulni_intel; do
	modprobe -q "$m" || echo "# module $m: not in this kernel"
done
# The two sites of the selftests (lib.sh), whose peer's allowed IPs
# scale.py replaces; ptun0's MTU as in make bench
step sites_setup 4
for n in 1 2; do
	step ip -n "${SITE_NS[n]}" link set ptun0 mtu 1420
	step bigconf "$n" "$TMP/big-${SITE_NS[n]}.conf"
done
wait_for 20 in_ns sa ping -c 1 -W 2 10.10.0.2 || die "no traffic through ptun0"
echo "# $(grep -c '^AllowedIPs' "$TMP/big-sa.conf") AllowedIPs lines," \
	"$(grep '^AllowedIPs' "$TMP/big-sa.conf" | grep -o / | wc -l) prefixes per peer"

rc=0
"$PYTHON" "$BENCH_DIR/scale.py" throughput --rounds "$ROUNDS" \
	--seconds "$SECS" --count "$PREFIXES" --ptun "$PTUN" --tmp "$TMP" \
	--out "$rundir/scale-throughput.json" || rc=1
sites_teardown
"$PYTHON" "$BENCH_DIR/scale.py" devices --count "$DEVICES" \
	--trials "$TRIALS" --peer-pub "$TMP/site2.pub" \
	--out "$rundir/scale-devices.json" || rc=1
exit $rc
