#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Replayed, tampered and malformed datagrams sent to a ptun socket: each is
# dropped and counted under its reason, none breaks the tunnel, and a
# genuine message that arrives late (but inside the replay window) is
# still accepted, exactly once.
#
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1           |========| ptun0 10.10.0.2           |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   |   ^ tcpdump               |        |   nft: withhold sa's data |
#   |   wire.py send (injector) |------->| :51820                    |
#   +---------------------------+        +---------------------------+
#
# A data message from sa is captured on sa's wan0 while sb's firewall
# drops it, so that sb has not seen it yet ("held"); later ones reach sb
# ("seen").

source "$(dirname "$0")/lib.sh"

# inject HEX...: datagrams from sa (an ephemeral port) to sb's ptun socket
inject()
{
	in_ns sa "$PYTHON" "$TESTS_DIR/wire.py" send 192.0.2.2 "$PTUN_PORT" "$@"
}

# echo_requests NS: ICMP echo requests NS's IPv4 stack has received, so
# that what ptun delivered is counted apart from keepalives
echo_requests()
{
	in_ns "$1" awk '$1 == "Icmp:" {
		if (!n) { for (i = 2; i <= NF; i++) name[i] = $i; n = 1; next }
		for (i = 2; i <= NF; i++) if (name[i] == "InEchos") print $i
	}' /proc/net/snmp
}

echo_requests_above()
{
	[ "$(echo_requests "$1")" -gt "$2" ]
}

# data_from_sa PCAP: the payloads of sa's data messages to sb that carry a
# packet (keepalives are 32 bytes), oldest first
data_from_sa()
{
	wire udp "$1" | awk -v port="$PTUN_PORT" '$1 == "192.0.2.1" &&
		$2 == port && $3 == "192.0.2.2" && $4 == port &&
		substr($5, 1, 2) == "04" && length($5) > 64 { print $5 }'
}

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2

# The held message: sb's firewall drops sa's data messages for a moment.
in_ns sb nft -f - <<EOF
table inet withhold {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport $PTUN_PORT @th,64,8 4 udp length > 40 drop
	}
}
EOF
capture_start held sa wan0 udp
in_ns sa ping -c 1 -W 1 10.10.0.2 >/dev/null 2>&1
capture_stop held
in_ns sb nft delete table inet withhold
held=$(data_from_sa "$TMP/held.pcap" | head -n 1)

capture_start seen sa wan0 udp
check "tunnel works after the firewall is gone" ping_ok sa 10.10.0.2
capture_stop seen
seen=$(data_from_sa "$TMP/seen.pcap" | tail -n 1)

check "a data message was captured before it reached sb" test -n "$held"
check "a data message sb received was captured" test -n "$seen"
if [ -z "$held" ] || [ -z "$seen" ]; then
	ptun_state sa sb
	ktap_done
fi
diag "held: ${held:0:32}... (${#held} hex digits)"
diag "seen: ${seen:0:32}... (${#seen} hex digits)"

auth0=$(ctr sb drop-auth)
replay0=$(ctr sb drop-replay)
echo0=$(echo_requests sb)

# A flipped bit in the ciphertext, under a counter sb has not seen: only
# the authentication tag can catch it.
inject "$(wire flip "$held" 40)" >/dev/null
check_rise "held message with a ciphertext byte flipped: drop-auth +1" \
	sb drop-auth "$auth0" 1
inject "$(wire flip "$held" $((${#held} / 2 - 1)))" >/dev/null
check_rise "held message with a tag byte flipped: drop-auth +1 more" \
	sb drop-auth "$auth0" 2
# The counter is authenticated data: moving it forward breaks the tag.
inject "$(wire edit "$held" 8 "ffff000000000000")" >/dev/null
check_rise "held message with a forged counter: drop-auth +1 more" \
	sb drop-auth "$auth0" 3
check_rise "the tampered copies were not counted as replays" \
	sb drop-replay "$replay0" 0

inject "$seen" "$seen" "$seen" >/dev/null
check_rise "three copies of a received message: drop-replay +3" \
	sb drop-replay "$replay0" 3
check_rise "and none of them counted as a bad tag" sb drop-auth "$auth0" 3
check_eq "nothing unauthenticated moved sb's endpoint" 192.0.2.1:51820 \
	"$(ctr sb endpoint)"
check_eq "no ping was delivered from the replays and forgeries" 0 \
	$(($(echo_requests sb) - echo0))

# The held message itself, late but inside the window: accepted once.
port=$(inject "$held")
wait_for 5 echo_requests_above sb "$echo0"
# At once: sa's own next message (a keepalive is due 10 s after it last
# received data) moves the endpoint back.
ep=$(ctr sb endpoint)
check_eq "the held message, arriving late, is accepted: its ping is delivered" \
	1 $(($(echo_requests sb) - echo0))
check_rise "without a drop" sb drop-replay "$replay0" 3
check_eq "and, authenticated, it moves sb's endpoint (roaming)" \
	"192.0.2.1:$port" "$ep"
inject "$held" >/dev/null
check_rise "a second copy of it is a replay" sb drop-replay "$replay0" 4
check_eq "and is not delivered" 1 $(($(echo_requests sb) - echo0))

check "traffic still works from sa" ping_ok sa 10.10.0.2
check_eq "sb's endpoint is back on sa's port" 192.0.2.1:51820 "$(ctr sb endpoint)"
check "traffic still works from sb" ping_ok sb 10.10.0.1

# Garbage
mal0=$(ctr sb drop-malformed)
nos0=$(ctr sb drop-no-session)
auth0=$(ctr sb drop-auth)
hs0=$(ctr sb drop-handshake)
inject a1b2c3 >/dev/null
check_rise "3 random bytes: drop-malformed +1" sb drop-malformed "$mal0" 1
inject "09$(printf '00%.0s' $(seq 39))" >/dev/null
check_rise "unknown type 9, 40 bytes: drop-malformed +1" sb drop-malformed "$mal0" 2
inject "${seen:0:40}" >/dev/null
check_rise "data message cut to 20 bytes: drop-malformed +1" sb drop-malformed "$mal0" 3
inject "$(wire edit "$seen" 1 01)" >/dev/null
check_rise "data message with a reserved byte set: drop-malformed +1" \
	sb drop-malformed "$mal0" 4
inject "01000000$(printf 'ab%.0s' $(seq 96))" >/dev/null
check_rise "initiation of 100 bytes instead of 148: drop-malformed +1" \
	sb drop-malformed "$mal0" 5
inject "0200000012345678$(printf 'ab%.0s' $(seq 92))" >/dev/null
check_rise "response of 100 bytes instead of 92: drop-malformed +1" \
	sb drop-malformed "$mal0" 6
# The receiver index is bytes 4-7: inverting it names no session.
idx=${seen:8:8}
inject "$(wire edit "$seen" 4 "$(printf '%08x' $((0x$idx ^ 0xffffffff)))")" >/dev/null
check_rise "data message for an unknown receiver index: drop-no-session +1" \
	sb drop-no-session "$nos0" 1
check_rise "none of the garbage counted as a bad tag" sb drop-auth "$auth0" 0
check_rise "nor as a bad handshake" sb drop-handshake "$hs0" 0
check "traffic still works" ping_ok sa 10.10.0.2
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
