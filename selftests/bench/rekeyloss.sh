#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-rekey: what a forced rekey costs a stream. With
# rekey_after_time lowered to BENCH_REKEY_AFTER seconds (3), a
# sequence-numbered UDP stream (sequdp.py) runs through ptun for
# BENCH_REKEY_SECONDS (20) at BENCH_REKEY_RATE datagrams a second (0: as
# fast as one Python sender goes), once per cipher, and the receiver
# reports what was lost and reordered, beside the rekeys that happened
# (handshakes), ptun's drop reasons and the receiving namespace's UDP
# socket drops (a loss there is the receiver's, not the tunnel's). It
# asserts nothing: a report, with a last line of JSON.
#
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1 (sender)  |========| ptun0 10.10.0.2 :9000     |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        +---------------------------+

source "$(dirname "$0")/../lib.sh"

AFTER=${BENCH_REKEY_AFTER:-3}
SECS=${BENCH_REKEY_SECONDS:-20}
RATE=${BENCH_REKEY_RATE:-0}
param=/sys/module/ptun/parameters/rekey_after_time
seq=$TESTS_DIR/bench/sequdp.py

die()
{
	echo "bench-rekey: $*" >&2
	exit 1
}

# udp_field NS FIELD: a field of the Udp line of NS's /proc/net/snmp
udp_field()
{
	in_ns "$1" awk -v f="$2" '$1 == "Udp:" && !n { for (i = 2; i <= NF; i++) k[i] = $i; n = 1; next }
		$1 == "Udp:" { for (i = 2; i <= NF; i++) if (k[i] == f) print $i }' /proc/net/snmp
}

# udp_bound NS PORT: something in NS has UDP PORT open
udp_bound()
{
	[ -n "$(in_ns "$1" ss -Hlun "sport = :$2")" ]
}

# drops NS: ptun0's nonzero drop counters, as "reason=N ..."
drops()
{
	ptun_in "$1" show ptun0 --json |
		jq -r '.stats.drops | to_entries | map(select(.value > 0)) |
			map("\(.key)=\(.value)") | join(" ")'
}

modprobe ptun || die "cannot load ptun"
[ -w "$param" ] || die "$param missing"
saved=$(cat "$param")
exit_hooks+=("echo $saved > $param")
echo "$AFTER" > "$param"
timestamps_hold || die "no socket holds receive timestamps on"
results=()
for cipher in aes-256-gcm chacha20-poly1305; do
	sites_teardown
	sites_setup 4 "$cipher" > "$TMP/setup.log" 2>&1 ||
		{ cat "$TMP/setup.log"; die "setup failed"; }
	wait_for 20 in_ns sa ping -c 1 -W 2 10.10.0.2 || die "no tunnel"
	hs=$(ctr sa handshakes)
	rcvbuf=$(udp_field sb RcvbufErrors)
	in_ns sb "$PYTHON" "$seq" recv 10.10.0.2 9000 10 > "$TMP/recv.json" &
	rpid=$!
	wait_for 20 udp_bound sb 9000 || die "the receiver does not listen"
	in_ns sa "$PYTHON" "$seq" send 10.10.0.2 9000 "$SECS" "$RATE" > /dev/null
	wait "$rpid"
	hs=$(( $(ctr sa handshakes) - hs ))
	rcvbuf=$(( $(udp_field sb RcvbufErrors) - rcvbuf ))
	r=$(cat "$TMP/recv.json")
	printf '# %s: %s s, rekey_after_time %s s: %d handshakes; receiver %s; socket drops %d; ptun drops sa [%s] sb [%s]\n' \
		"$cipher" "$SECS" "$AFTER" "$hs" "$r" "$rcvbuf" "$(drops sa)" "$(drops sb)"
	results+=("$(jq -c --arg c "$cipher" --argjson hs "$hs" \
		--argjson rb "$rcvbuf" --arg da "$(drops sa)" --arg db "$(drops sb)" \
		'. + {cipher: $c, handshakes: $hs, socket_drops: $rb, ptun_drops_sa: $da, ptun_drops_sb: $db}' \
		<<< "$r")")
done
echo "$saved" > "$param"
printf '{"benchmark":"rekey-loss","kernel":"%s","seconds":%s,"rekey_after_time":%s,"results":[%s]}\n' \
	"$(uname -r)" "$SECS" "$AFTER" "$(IFS=,; echo "${results[*]}")"
