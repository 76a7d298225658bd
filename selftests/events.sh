#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Events ("ptun monitor", the "events" multicast group): each appears
# exactly when it should, in JSON and in text, and never for what does
# not authenticate.
#
# 1. session-up on both sides at the first handshake (sa initiates);
#    rekey on both once sa rekeys (rekey_after_time lowered).
# 2. config-changed for an applied SET, none for a rejected one; the
#    IFACE filter hides another device's events.
# 3. endpoint-changed when sb's authenticated data comes from a new
#    address (roaming), with the old and new endpoint.
# 4. A flood of initiations with bad mac1 and with random contents (good
#    mac1) emits nothing.
# 5. session-down device-down when sa goes down; session-down expired on
#    both sides once the sessions pass test_reject_after_time.
# 6. handshake-timeout when sa's endpoint does not answer for
#    test_rekey_attempt_time.
# 7. A listener without CAP_NET_ADMIN is refused (exit 2).
# 8. A burst of SETs beyond the rate limit's bucket yields at most the
#    bucket (plus its refill), and events-suppressed counts the rest.
#
# Needs the PTUN_DEBUG=1 module (debug_module_load) for the test_* knobs.

source "$(dirname "$0")/lib.sh"

NLRAW=$TESTS_DIR/nlraw.py
PARAMS=/sys/module/ptun/parameters

# monitor NAME NS ARGS...: "ptun monitor ARGS" in NS, into $TMP/NAME.out
monitor()
{
	local name=$1 ns=$2

	shift 2
	in_ns "$ns" "$PTUN" monitor "$@" > "$TMP/$name.out" 2> "$TMP/$name.err" &
}

# events NAME [JQ-FILTER]: the event names monitor NAME printed (JSON)
events()
{
	jq -r "select(${2:-true}) | .event" "$TMP/$1.out" 2>/dev/null
}

# count NAME EVENT [JQ-FILTER]: how many EVENTs monitor NAME printed
count()
{
	events "$1" "${3:-true}" | grep -cx -- "$2"
}

# has NAME EVENT [JQ-FILTER]: monitor NAME printed EVENT at least once
has()
{
	[ "$(count "$@")" -ge 1 ]
}

# count_ge NAME EVENT N [JQ-FILTER]: monitor NAME printed EVENT N times
count_ge()
{
	[ "$(count "$1" "$2" "${4:-true}")" -ge "$3" ]
}

# lines NAME: how many lines monitor NAME printed so far
lines()
{
	wc -l < "$TMP/$1.out"
}

# since NAME N: what monitor NAME printed after its first N lines
since()
{
	tail -n +$(($2 + 1)) "$TMP/$1.out"
}

# mss_after NAME N: an mss-clamp config-changed after line N (either format)
mss_after()
{
	since "$1" "$2" | grep -q 'mss-clamp'
}

# barrier NS NAME...: a SET in NS that sends nothing to the peer
# (mss-clamp off), repeated until every monitor NAME printed its
# config-changed: what happened before it has then been read, and a
# monitor just started has joined the group.
barrier()
{
	local ns=$1 name n try

	shift
	for name in "$@"; do
		for ((try = 0; try < 20; try++)); do
			n=$(lines "$name")
			ptun_in "$ns" set ptun0 mss-clamp off || return 1
			wait_for 1 mss_after "$name" "$n" && break
		done
		[ "$try" -lt 20 ] || return 1
	done
}

if ! debug_module_load test_rekey_attempt_time=6; then
	fail "the PTUN_DEBUG=1 module loads" "build it: make module-debug-for"
	ktap_done
fi
ok "the PTUN_DEBUG=1 module loads"
rekey_saved=$(cat "$PARAMS/rekey_after_time")

sites_setup_check "two sites" 4
monitor sa sa --json
monitor sb sb --json
monitor sa-text sa ptun0
check "monitors see a SET on each side" eval "barrier sa sa sa-text && barrier sb sb"
check_eq "no session event before any traffic" "" \
	"$(events sa '.event != "config-changed"')"

# 1. The first handshake, then a rekey
check "sa pings sb" ping_ok sa 10.10.0.2
check "sa: session-up" wait_for 10 has sa session-up '.cipher == "aes-256-gcm"'
check "sb: session-up once sa's data confirmed it" \
	wait_for 10 has sb session-up '.cipher == "aes-256-gcm"'
check "sa: session-up in text" wait_for 10 grep -qx \
	"ptun0 session-up cipher aes-256-gcm" "$TMP/sa-text.out"
echo 1 > "$PARAMS/rekey_after_time"
nap 1.5
check "sa pings sb after rekey_after_time" ping_ok sa 10.10.0.2
echo "$rekey_saved" > "$PARAMS/rekey_after_time"
check "sa: rekey" wait_for 10 has sa rekey '.cipher == "aes-256-gcm"'
check "sb: rekey" wait_for 10 has sb rekey
check_eq "one session-up each, not one per handshake" "1 1" \
	"$(count sa session-up) $(count sb session-up)"

# 2. config-changed, and nothing for a rejected SET
check "sa: SET endpoint and allowed-ips" ptun_in sa set ptun0 \
	endpoint 192.0.2.2:51820 allowed-ips "$(site_allowed 1)"
check "sa: config-changed names what it set" wait_for 10 has sa \
	config-changed '.changed == ["endpoint", "allowed-ips"]'
check "sa: the same in text" wait_for 10 grep -qx \
	"ptun0 config-changed changed endpoint,allowed-ips" "$TMP/sa-text.out"
n0=$(lines sa)
check "the kernel refuses a SET with a bad mss-clamp (and a new port)" \
	in_ns sa "$PYTHON" "$NLRAW" set ptun0 mss_clamp=u16:100 listen_port=u16:51830
check "barrier" barrier sa sa
check_eq "the refused SET emitted nothing (only the barrier's SETs)" "" \
	"$(since sa "$n0" | grep -v '"changed": \["mss-clamp"\]')"
check "sa: a second device, ptun1" eval \
	"ip -n sa link add ptun1 type ptun && ptun_in sa set ptun1 listen-port 51821"
check "sa: its config-changed reaches the unfiltered monitor" \
	wait_for 10 has sa config-changed '.ifname == "ptun1"'
check_nomatch "the monitor of ptun0 does not show ptun1" ptun1 \
	"$(cat "$TMP/sa-text.out")"

# 3. Roaming
check "sb's underlay address changes to 192.0.2.3" eval \
	"ip -n sb addr del 192.0.2.2/24 dev wan0 && ip -n sb addr add 192.0.2.3/24 dev wan0"
check "sb reaches sa from its new address" \
	wait_for 15 in_ns sb ping -c 1 -W 1 10.10.0.1
check "sa: endpoint-changed old and new" wait_for 10 has sa endpoint-changed \
	'.old == "192.0.2.2:51820" and .new == "192.0.2.3:51820"'
check "sa: in text" wait_for 10 grep -qx \
	"ptun0 endpoint-changed old 192.0.2.2:51820 new 192.0.2.3:51820" \
	"$TMP/sa-text.out"
check_eq "sb: no endpoint-changed (sa did not move)" 0 \
	"$(count sb endpoint-changed)"

# 4. A flood that does not authenticate emits nothing
sb_before=$(events sb '.event != "config-changed"' | wc -l)
hs0=$(ctr sb drop-handshake)
in_ns sa "$PYTHON" "$TESTS_DIR/wire.py" flood --bad-mac1 --quiet 1 \
	192.0.2.3 "$PTUN_PORT" "$(cat "$TMP/site2.pub")" 300 > /dev/null 2>&1
in_ns sa "$PYTHON" "$TESTS_DIR/wire.py" flood --quiet 1 \
	192.0.2.3 "$PTUN_PORT" "$(cat "$TMP/site2.pub")" 300 > /dev/null 2>&1
check "the flood was dropped by sb" wait_for 10 ctr_ge sb drop-handshake $((hs0 + 300))
check "barrier" barrier sb sb
check_eq "sb: the flood emitted no event" "$sb_before" \
	"$(events sb '.event != "config-changed"' | wc -l)"

# 5. session-down: device down, then expiry
check "sa: ptun0 down" ip -n sa link set ptun0 down
check "sa: session-down device-down" wait_for 10 has sa session-down \
	'.reason == "device-down"'
echo 5 > "$PARAMS/test_reject_after_time"
check "sa: ptun0 up" ip -n sa link set ptun0 up
check "sa pings sb: a new handshake" ping_ok sa 10.10.0.2
check "sa: a second session-up" wait_for 10 count_ge sa session-up 2
check "sa: session-down expired" wait_for 20 has sa session-down \
	'.reason == "expired"'
check "sb: session-down expired" wait_for 20 has sb session-down \
	'.reason == "expired"'
check "sa: session-down in text" wait_for 5 grep -qx \
	"ptun0 session-down reason expired" "$TMP/sa-text.out"
echo 180 > "$PARAMS/test_reject_after_time"

# 6. handshake-timeout: sb goes away, sa's endpoint does not answer
check "sb: ptun0 down" ip -n sb link set ptun0 down
# and no session of sa's left from a late handshake of sb's
check "sa: ptun0 down and up" eval \
	"ip -n sa link set ptun0 down && ip -n sa link set ptun0 up"
check "sa: endpoint set to nowhere" ptun_in sa set ptun0 endpoint 192.0.2.77:51820
check_fails "sa cannot reach sb" in_ns sa ping -c 1 -W 1 10.10.0.2
check "sa: handshake-timeout" wait_for 40 has sa handshake-timeout \
	'.endpoint == "192.0.2.77:51820"'
check "sa: in text" wait_for 5 grep -qx \
	"ptun0 handshake-timeout endpoint 192.0.2.77:51820" "$TMP/sa-text.out"

# 7. Joining needs CAP_NET_ADMIN
in_ns sa setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$PTUN" monitor > "$TMP/nobody.out" 2>&1
check_eq "a listener without CAP_NET_ADMIN is refused (exit 2)" 2 "$?"
diag "$(cat "$TMP/nobody.out")"
in_ns sa "$PTUN" monitor nosuch > "$TMP/nosuch.out" 2>&1
check_eq "monitor of a missing device: exit 2 as show" 2 "$?"

# 8. The rate limit
# The same listen port: applied, and nothing moves
supp0=$(ctr sa events-suppressed)
n0=$(lines sa)
start=$SECONDS
accepted=$(in_ns sa "$PYTHON" "$NLRAW" burst 100 ptun0 listen_port=u16:51820)
elapsed=$((SECONDS - start + 1))
check_eq "100 SETs applied" 100 "$accepted"
nap 2.5
check "barrier" barrier sa sa
got=$(since sa "$n0" | grep -c '"listen-port"')
diag "burst: $got events of 100 SETs in about $elapsed s"
check "at most the bucket (20) and its refill (10/s)" \
	test "$got" -le $((20 + 10 * elapsed))
check "fewer than the SETs" test "$got" -lt 100
check "events-suppressed counts the rest" \
	test "$(ctr sa events-suppressed)" -ge $((supp0 + 100 - got))

for m in sa sb sa-text; do
	sed "s/^/# [$m] /" "$TMP/$m.out" | tail -n 40
	sed "s/^/# [$m stderr] /" "$TMP/$m.err"
done
ktap_done
