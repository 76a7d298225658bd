#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The timers that follow the traffic (kmod/timers.c), seen on the wire:
#
#  - passive keepalive: data received and nothing sent back for 10 s
#    (KEEPALIVE_TIMEOUT) makes the receiver send a keepalive, once per
#    such wait, also while the one-way data goes on;
#  - dead session: data sent and nothing received for 26 s
#    (KEEPALIVE_TIMEOUT + REKEY_TIMEOUT_MAX) starts a handshake, also
#    while the data goes on, unless keepalives come back;
#  - persistent keepalive: none while traffic flows, one per interval
#    once it stops.
#
# A keepalive is a data message of 32 bytes (header and tag alone). The
# windows are wide: under TCG timers fire late, never early.
#
#   +------- ns sa --------+        +------- ns sb --------+
#   | ptun0 10.10.0.1      |========| ptun0 10.10.0.2      |
#   | wan0  192.0.2.1      |--veth--| wan0  192.0.2.2      |
#   | (nft: drops what the |        |                      |
#   |  test says)          |        |                      |
#   +----------------------+        +----------------------+

source "$(dirname "$0")/lib.sh"

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2

# udp_times NAME SRC LEN: the times (seconds, as tcpdump -tt prints them)
# of the datagrams from SRC in capture NAME whose UDP payload is LEN bytes;
# LEN "data" for data messages with a payload (more than 32 bytes and not
# an initiation's 148)
udp_times()
{
	tcpdump -r "$TMP/$1.pcap" -tt -n udp 2>/dev/null |
		awk -v src="$2" -v len="$3" '
		index($3, src ".") == 1 && $(NF - 1) == "length" {
			l = $NF
			if (len == "data" ? (l > 32 && l != 148) : l == len)
				print $1
		}'
}

# first_after NAME SRC1 LEN1 SRC2 LEN2: whole seconds from the first
# datagram of (SRC1, LEN1) to the first of (SRC2, LEN2) after it, "none"
# if either is missing
first_after()
{
	local t0 t1

	t0=$(udp_times "$1" "$2" "$3" | head -n 1)
	[ -n "$t0" ] || { echo none; return; }
	t1=$(udp_times "$1" "$4" "$5" | awk -v t0="$t0" '$1 > t0 { print; exit }')
	[ -n "$t1" ] || { echo none; return; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%d\n", b - a }'
}

# in_range VALUE MIN MAX: VALUE is a number within [MIN, MAX]
in_range()
{
	[[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# between DESC VALUE MIN MAX: in_range as a result
between()
{
	check "$1 (got $2, expected $3 to $4)" in_range "$2" "$3" "$4"
}

# one_way NS DST SECONDS: one UDP datagram a second from NS to DST's
# port 9, for SECONDS seconds
one_way()
{
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_ns "$1" bash -c 'for ((i = 0; i < $2; i++)); do
		echo x > "/dev/udp/$1/9"; sleep 1; done' - "$2" "$3"
}

check "sa's filter table" in_ns sa nft -f - <<EOF
table inet t {
	chain in {
		type filter hook input priority 0;
	}
}
EOF

# Dead session first, while the session is young: a rekey on send
# (REKEY_AFTER_TIME, 120 s) must not be what starts the handshake.
check "sa drops everything from sb's tunnel port" \
	in_ns sa nft add rule inet t in ip saddr 192.0.2.2 udp sport "$PTUN_PORT" drop
capture_start dead sa wan0 udp
in_ns sa ping -q -i 1 -c 34 -W 1 10.10.0.2 > /dev/null 2>&1
capture_stop dead
between "dead session: seconds from sa's first unanswered data to its initiation" \
	"$(first_after dead 192.0.2.1 data 192.0.2.1 148)" 22 33
check "sa hears sb again" in_ns sa nft flush chain inet t in
check "a new handshake completes" wait_for 30 ping_ok sa 10.10.0.2

# sa drops what reaches its port 9, so that no ICMP error goes back and
# sa sends nothing; the ping's own passive keepalives are over first.
check "sa drops inner port 9" \
	in_ns sa nft add rule inet t in iifname ptun0 udp dport 9 drop
sleep 11
capture_start passive sa wan0 udp
one_way sb 10.10.0.1 1
sleep 15
capture_stop passive
between "passive keepalive: seconds from sb's datagram to sa's keepalive" \
	"$(first_after passive 192.0.2.2 data 192.0.2.1 32)" 9 13
check_eq "passive keepalive: one for one datagram" \
	1 "$(udp_times passive 192.0.2.1 32 | wc -l)"

# sa's keepalives are all sb hears: they keep sb from taking the session
# for dead, which it would after 26 s.
capture_start stream sa wan0 udp
one_way sb 10.10.0.1 32
capture_stop stream
between "passive keepalive: keepalives during 32 s of one-way data" \
	"$(udp_times stream 192.0.2.1 32 | wc -l)" 2 4
check_eq "dead session: sb, hearing only keepalives, does not initiate" \
	0 "$(udp_times stream 192.0.2.2 148 | wc -l)"

# 13 s of pings: longer than KEEPALIVE_TIMEOUT, so that a passive
# keepalive would show too if sending no longer ended its wait.
in_ns sa ping -q -i 0.5 -c 26 -W 1 10.10.0.2 > /dev/null 2>&1 &
ping_pid=$!
sleep 1
check "sa's persistent keepalive set to 2 s" \
	ptun_in sa set ptun0 persistent-keepalive 2
capture_start persist sa wan0 udp
wait "$ping_pid"
capture_stop persist
check_eq "no keepalive of either kind while pings flow" \
	0 "$(udp_times persist 192.0.2.1 32 | wc -l)"
capture_start persist sa wan0 udp
sleep 7
capture_stop persist
between "persistent keepalive: keepalives in 7 idle seconds" \
	"$(udp_times persist 192.0.2.1 32 | wc -l)" 2 5

ktap_done
