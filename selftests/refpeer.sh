#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ptun against refpeer.py, a second implementation of docs/PROTOCOL.md
# written from the document alone: where the module and the document
# disagree, one of these checks fails.
#
#   +---------- ns pt ----------+        +---------- ns rp ----------+
#   | ptun0 10.10.0.1           |        | refpeer.py (10.10.0.2     |
#   | wan0  192.0.2.1/24 :51820 |--veth--|   inside the tunnel)      |
#   +---------------------------+        | wan0  192.0.2.2/24 :51820 |
#                                        |   ^ tcpdump, whole test   |
#                                        +---------------------------+
#
# 1. ptun initiates, refpeer responds: both ciphers, with and without a
#    preshared key; a ping through ptun0 gets its reply from refpeer.
# 2. refpeer's response announces another cipher than the initiation's:
#    ptun must refuse it (drop-cipher-mismatch) and send nothing under it.
# 3. ptun's initiations open for refpeer, carry a Unix wall-clock time, and
#    their nanoseconds are a multiple of 2^24 (the precise clock does not
#    leak).
# 4. refpeer initiates, ptun responds; then refpeer's tampered and
#    replayed data messages are dropped as drop-auth and drop-replay.

source "$(dirname "$0")/lib.sh"

REFPEER=$TESTS_DIR/refpeer.py
PT_ADDR=192.0.2.1
RP_ADDR=192.0.2.2
declare -A refpeer_pids

topology()
{
	ns_add pt && ns_add rp &&
	ip link add wan0 netns pt type veth peer name wan0 netns rp &&
	ip -n pt addr add "$PT_ADDR/24" dev wan0 &&
	ip -n rp addr add "$RP_ADDR/24" dev wan0 &&
	ip -n pt link set wan0 up &&
	ip -n rp link set wan0 up &&
	keypair pt && keypair rp &&
	(umask 077 && "$PTUN" genpsk > "$TMP/psk")
}

# ptun_setup CIPHER [PSK-FILE]: a fresh ptun0 in pt (counters at zero)
# whose peer is refpeer
ptun_setup()
{
	local cipher=$1 psk=${2:-}

	ip -n pt link del ptun0 2>/dev/null
	ip -n pt link add ptun0 type ptun &&
	ptun_in pt set ptun0 private-key "$TMP/pt.key" listen-port "$PTUN_PORT" \
		cipher "$cipher" peer "$(cat "$TMP/rp.pub")" \
		endpoint "$RP_ADDR:$PTUN_PORT" allowed-ips 10.10.0.2/32 \
		${psk:+preshared-key "$psk"} &&
	ip -n pt addr add 10.10.0.1/32 peer 10.10.0.2/32 dev ptun0 &&
	ip -n pt link set ptun0 addrgenmode none &&
	ip -n pt link set ptun0 up
}

# refpeer_start NAME ARGS...: "refpeer.py respond ARGS" in rp, output in
# $TMP/NAME.log, until refpeer_stop NAME
refpeer_start()
{
	local name=$1

	shift
	# Not through in_ns: $! must be python itself
	ip netns exec rp "$PYTHON" "$REFPEER" respond --key "$TMP/rp.key" \
		--peer "$TMP/pt.pub" --listen "$PTUN_PORT" "$@" \
		> "$TMP/$name.log" 2>&1 &
	refpeer_pids[$name]=$!
	wait_for 20 grep -q '^listening on' "$TMP/$name.log"
}

refpeer_stop()
{
	kill "${refpeer_pids[$1]}" 2>/dev/null
	wait "${refpeer_pids[$1]}" 2>/dev/null
	return 0
}

# log_count NAME PATTERN: lines of refpeer's log NAME matching PATTERN
log_count()
{
	grep -Ec -- "$2" "$TMP/$1.log"
}

refpeer_log()
{
	sed "s/^/# [refpeer $1] /" "$TMP/$1.log"
}

if ! topology > "$TMP/setup.log" 2>&1; then
	fail "topology" "$(cat "$TMP/setup.log")"
	ktap_done
fi
ok "topology"
# One capture for the whole test: a tcpdump that exits flips static keys,
# which TCG does not always survive (see NOTES-vm.md).
capture_start all rp wan0 udp port "$PTUN_PORT"

# --- 1. ptun initiates, refpeer responds --------------------------------------

for cipher in aes-256-gcm chacha20-poly1305; do
	for psk in "" "$TMP/psk"; do
		name="$cipher${psk:+ psk}"
		log="resp-$cipher${psk:+-psk}"
		failed0=$ktap_failed
		if ! ptun_setup "$cipher" "$psk" > "$TMP/setup.log" 2>&1; then
			fail "$name: ptun0 set up" "$(cat "$TMP/setup.log")"
			continue
		fi
		refpeer_start "$log" --cipher "$cipher" ${psk:+--psk "$psk"}
		check "$name: ptun pings refpeer through the tunnel" \
			ping_ok pt 10.10.0.2
		check_eq "$name: ptun's handshakes" 1 "$(ctr pt handshakes)"
		check_ge "$name: ptun decrypted refpeer's replies (rx-packets)" 3 \
			"$(ctr pt rx-packets)"
		check_ge "$name: refpeer decrypted ptun's echo requests" 3 \
			"$(log_count "$log" '^data from .*icmp echo-request')"
		check_eq "$name: refpeer dropped nothing" 0 \
			"$(log_count "$log" '^drop')"
		refpeer_stop "$log"
		[ "$ktap_failed" -eq "$failed0" ] ||
			{ refpeer_log "$log"; ptun_state pt; }
	done
done

# --- 2. the response announces another cipher ----------------------------------

for cipher in aes-256-gcm chacha20-poly1305; do
	if [ "$cipher" = aes-256-gcm ]; then other=2; else other=1; fi
	name="response cipher $other to a $cipher initiation"
	log="mismatch-$cipher"
	ptun_setup "$cipher" > "$TMP/setup.log" 2>&1 ||
		fail "$name: ptun0 set up" "$(cat "$TMP/setup.log")"
	refpeer_start "$log" --cipher "$cipher" --response-cipher "$other" --count 20
	in_ns pt ping -q -c 2 -i 0.5 -W 2 10.10.0.2 > /dev/null 2>&1
	check "$name: refpeer answered" \
		wait_for 5 grep -q "^response to .*cipher=$other" "$TMP/$log.log"
	check_ge "$name: ptun counts drop-cipher-mismatch" 1 \
		"$(ctr pt drop-cipher-mismatch)"
	check_eq "$name: ptun's handshakes stay 0" 0 "$(ctr pt handshakes)"
	check_eq "$name: ptun sent no data under that session" 0 \
		"$(log_count "$log" '^(data|keepalive) from')"
	refpeer_stop "$log"
	diag "$name: ptun: handshakes $(ctr pt handshakes)," \
		"tx-packets $(ctr pt tx-packets)," \
		"drop-cipher-mismatch $(ctr pt drop-cipher-mismatch);" \
		"refpeer got $(log_count "$log" '^(data|keepalive) from') data messages"
done

# --- 3. ptun's initiations, opened by refpeer --------------------------------

wire udp "$TMP/all.pcap" | awk -v dst="$RP_ADDR" -v port="$PTUN_PORT" \
	'$3 == dst && $4 == port && substr($5, 1, 2) == "01" { print $5 }' \
	> "$TMP/initiations"
check_ge "ptun's initiations were captured" 6 "$(wc -l < "$TMP/initiations")"
# shellcheck disable=SC2046 # one argument per initiation
"$PYTHON" "$REFPEER" decode --key "$TMP/rp.key" --peer "$TMP/pt.pub" \
	$(cat "$TMP/initiations") > "$TMP/decoded" 2>&1
n=$(wc -l < "$TMP/initiations")
check_eq "refpeer opens every one, with ptun's static key" "$n" \
	"$(grep -c 'static=ok' "$TMP/decoded")"
now=$(date +%s)
check_eq "their seconds are Unix time (within 10 minutes)" "$n" \
	"$(awk -v now="$now" '{ for (i = 1; i <= NF; i++) if ($i ~ /^sec=/) {
		d = substr($i, 5) - now; if (d < 600 && d > -600) print } }' \
		"$TMP/decoded" | wc -l)"
check_eq "their nanoseconds are multiples of 2^24" "$n" \
	"$(grep -c 'nsec-granule=yes' "$TMP/decoded")"
grep -o 'cipher=[0-9]* sender=[0-9a-f]* sec=[0-9]* nsec=[0-9]*' \
	"$TMP/decoded" | head -n 4 | sed 's/^/# /'

# --- 4. refpeer initiates, ptun responds; broken data ---------------------------

for cipher in aes-256-gcm chacha20-poly1305; do
	name="refpeer initiates, $cipher"
	ptun_setup "$cipher" "$TMP/psk" > "$TMP/setup.log" 2>&1 ||
		fail "$name: ptun0 set up" "$(cat "$TMP/setup.log")"
	auth0=$(ctr pt drop-auth)
	replay0=$(ctr pt drop-replay)
	check "$name: ptun answers, and refpeer's pings come back" \
		in_ns rp timeout 60 "$PYTHON" "$REFPEER" initiate \
		--key "$TMP/rp.key" --peer "$TMP/pt.pub" --psk "$TMP/psk" \
		--cipher "$cipher" --listen "$PTUN_PORT" \
		--endpoint "$PT_ADDR:$PTUN_PORT" --ping 10.10.0.2 10.10.0.1 \
		--pings 3 --bad-data both
	check_eq "$name: ptun's handshakes" 1 "$(ctr pt handshakes)"
	check_rise "$name: a flipped ciphertext bit: drop-auth +1" pt \
		drop-auth "$auth0" 1
	check_rise "$name: a replayed data message: drop-replay +1" pt \
		drop-replay "$replay0" 1
done

capture_stop all
[ "$ktap_failed" -eq 0 ] || ptun_state pt

ktap_done
