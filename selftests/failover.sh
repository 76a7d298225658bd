#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Endpoint failover: each site knows two addresses of the other, on two
# underlay paths, the first preferred. With a ping running all along, the
# primary path is cut: within 20 s the traffic goes over the backup, and
# the primary shows as failed; the primary comes back: within the
# failback interval (5 s here) and a handshake, the traffic returns to
# it. Rejected lists change nothing, and authenticated roaming to an
# address that is no candidate still moves the endpoint.
#
#   +---------- ns sa -----------+          +---------- ns sb -----------+
#   | ptun0 10.10.0.1            |==========| ptun0 10.10.0.2            |
#   | wan0  192.0.2.1/24         |--veth----| wan0  192.0.2.2/24 primary |
#   | wan1  198.51.100.1/24      |--veth----| wan1  198.51.100.2/24      |
#   +----------------------------+          +----------------------------+

source "$(dirname "$0")/lib.sh"

A_PRIMARY=192.0.2.1:$PTUN_PORT
A_BACKUP=198.51.100.1:$PTUN_PORT
B_PRIMARY=192.0.2.2:$PTUN_PORT
B_BACKUP=198.51.100.2:$PTUN_PORT

# backup_path: the second veth pair between the sites
backup_path()
{
	ip link add wan1 netns sa type veth peer name wan1 netns sb &&
		ip -n sa addr add 198.51.100.1/24 dev wan1 &&
		ip -n sb addr add 198.51.100.2/24 dev wan1 &&
		ip -n sa link set wan1 addrgenmode none &&
		ip -n sb link set wan1 addrgenmode none &&
		ip -n sa link set wan1 up && ip -n sb link set wan1 up
}

# packets NS DEV: packets DEV of NS received plus sent
packets()
{
	link_stats "$1" "$2" | awk '{ print $1 + $3 }'
}

# endpoints NS: "ptun show ptun0 endpoints" of NS on one line
endpoints()
{
	ctr "$1" endpoints | tr '\n' ' ' | sed 's/ $//'
}

# replies_after T: the ping replies the background ping logged after the
# time T (seconds since the epoch, as ping -D prints them), not counting
# those already on their way at T (the round trip takes milliseconds)
replies_after()
{
	awk -v t="$1" 'BEGIN { if (t > 0) t += 0.5 } /bytes from/ {
		gsub(/[\[\]]/, "", $1)
		if ($1 + 0 > t + 0) n++
	} END { print n + 0 }' "$TMP/ping.log"
}

# first_reply_after T: how long after T the first reply not yet on its
# way at T came (s)
first_reply_after()
{
	awk -v t="$1" '/bytes from/ {
		gsub(/[\[\]]/, "", $1)
		if ($1 + 0 > t + 0.5) { printf "%d\n", $1 - t; exit }
	}' "$TMP/ping.log"
}

sites_setup_check "two sites" 4
check "a backup path between the sites" backup_path

check_eq "a single endpoint is the one active candidate" \
	"$B_PRIMARY active" "$(endpoints sa)"
check "sa: candidates primary,backup, fast failover and failback" \
	ptun_in sa set ptun0 endpoint "$B_PRIMARY,$B_BACKUP" \
	failover-timeout 4 failback-interval 5
check "sb: candidates primary,backup, fast failover and failback" \
	ptun_in sb set ptun0 endpoint "$A_PRIMARY, $A_BACKUP" \
	failover-timeout 4 failback-interval 5
check_eq "show endpoints: the first active, the other standby" \
	"$B_PRIMARY active $B_BACKUP standby" "$(endpoints sa)"
check_eq "show --json lists the candidates with their states" \
	"$B_PRIMARY active $B_BACKUP standby 4 5" \
	"$(ptun_in sa show ptun0 --json | jq -r '.peer | [(.endpoints[] |
		.endpoint, .state), .failover_timeout, .failback_interval] |
		map(tostring) | join(" ")')"
check_match "showconf prints the list and the timers" \
	"^Endpoint = $B_PRIMARY, $B_BACKUP FailoverTimeout = 4 FailbackInterval = 5\$" \
	"$(ptun_in sa showconf ptun0 | grep -E '^(Endpoint|Fail)' | tr '\n' ' ' |
		sed 's/ $//')"

reject_from sa
reject "a multicast candidate" 2 "endpoint address is multicast" \
	ptun_in sa set ptun0 endpoint "$B_PRIMARY,224.0.0.1:1"
reject "a candidate without a port" 1 "missing ':PORT'" \
	ptun_in sa set ptun0 endpoint "$B_PRIMARY,198.51.100.9"
reject "nine candidates" 1 "more than 8 candidates" \
	ptun_in sa set ptun0 endpoint \
	"$(printf '198.51.100.9:%d,' 1 2 3 4 5 6 7 8 9 | sed 's/,$//')"
# The kernel's own checks, with lists the CLI would not send
v4=hex:c6336409		# 198.51.100.9
v6=hex:20010db8000000000000000000000009
nine=()
for i in 0 1 2 3 4 5 6 7 8; do
	nine+=("endpoint.$i.ipv4=$v4" "endpoint.$i.port=u16:$((i + 1))")
done
nlreject "nine candidates" "more than 8" "${nine[@]}"
nlreject "a candidate twice" "given twice" endpoint.0.ipv4=$v4 \
	endpoint.0.port=u16:1 endpoint.1.ipv4=$v4 endpoint.1.port=u16:1
nlreject "a candidate both IPv4 and IPv6" "either IPv4 or IPv6" \
	endpoint.0.ipv4=$v4 endpoint.0.ipv6=$v6 endpoint.0.port=u16:1
nlreject "a candidate without a port" "without a port" endpoint.0.ipv4=$v4
nlreject "a candidate of port 0" "." endpoint.0.ipv4=$v4 endpoint.0.port=u16:0
nlreject "a candidate's state" "read-only" endpoint.0.ipv4=$v4 \
	endpoint.0.port=u16:1 endpoint.0.state=u8:1
nlreject "a list and the endpoint attributes" "either the endpoint list" \
	endpoint.0.ipv4=$v4 endpoint.0.port=u16:1 peer.endpoint_ipv4=$v4 \
	peer.endpoint_port=u16:1

# failover events, as "ptun monitor" prints them
for ns in sa sb; do
	in_ns "$ns" "$PTUN" monitor ptun0 > "$TMP/$ns.events" 2>&1 &
	exit_hooks+=("kill $! 2>/dev/null")
done
# failovers NS: the failover events NS's monitor printed, on one line
failovers()
{
	grep ' failover ' "$TMP/$1.events" | sed 's/^ptun0 failover //' |
		paste -sd ';'
}

check "the tunnel works over the primary" ping_ok sa 10.10.0.2
in_ns sa ping -D -i 0.2 -W 1 10.10.0.2 > "$TMP/ping.log" 2>&1 &
pinger=$!
check "the continuous ping gets replies" wait_for 10 \
	eval '[ "$(replies_after 0)" -ge 3 ]'

# Cut the primary path.
before=$(packets sa wan1)
cut=$(date +%s.%N)
check "the primary path is cut" ip -n sa link set wan0 down
check "replies resume" wait_for $((30 * PTUN_TIME_SCALE)) \
	eval '[ "$(replies_after "$cut")" -ge 3 ]'
took=$(first_reply_after "$cut")
diag "the first reply after the cut came after ${took:-?} s"
check_ge "within 20 s" 0 $((20 * PTUN_TIME_SCALE - ${took:-99}))
check_ge "over the backup path" 10 $(($(packets sa wan1) - before))
# Both sides notice; the one whose handshakes time out first marks the
# primary failed, the other follows it by authenticated roaming.
sa_eps=$(endpoints sa)
sb_eps=$(endpoints sb)
check_match "sa: the backup is active" \
	"^$B_PRIMARY (failed|standby) $B_BACKUP active\$" "$sa_eps"
check_match "sb: the backup is active" \
	"^$A_PRIMARY (failed|standby) $A_BACKUP active\$" "$sb_eps"
check_match "the side that timed out shows the primary failed" " failed " \
	"$sa_eps $sb_eps"
check_match "sa: a failover event, primary to backup" \
	"^from $B_PRIMARY to $B_BACKUP reason (timeout|roamed)\$" "$(failovers sa)"
check_match "sb: a failover event, primary to backup" \
	"^from $A_PRIMARY to $A_BACKUP reason (timeout|roamed)\$" "$(failovers sb)"
check_match "one side's reason is the timeout" "reason timeout" \
	"$(failovers sa) $(failovers sb)"

# Restore it: back to the primary within the failback interval (5 s).
check "the primary path is restored" ip -n sa link set wan0 up
check "sa fails back to the primary" wait_for 20 \
	eval '[ "$(endpoints sa)" = "$B_PRIMARY active $B_BACKUP standby" ]'
check "sb fails back to the primary" wait_for 10 \
	eval '[ "$(endpoints sb)" = "$A_PRIMARY active $A_BACKUP standby" ]'
p0=$(packets sa wan0)
b0=$(packets sa wan1)
nap 2
check_ge "the ping runs over the primary" 10 $(($(packets sa wan0) - p0))
check_ge "and no longer over the backup" 0 $((2 - ($(packets sa wan1) - b0)))
check_match "sa: a failback event" \
	";from $B_BACKUP to $B_PRIMARY reason failback\$" "$(failovers sa)"
check_match "sb: a failback event" \
	";from $A_BACKUP to $A_PRIMARY reason failback\$" "$(failovers sb)"

kill "$pinger" 2>/dev/null
wait "$pinger" 2>/dev/null

# Authenticated roaming to no candidate: sb moves to another address and
# reaches sa from there, before any handshake to the old one could time out.
# (Deleting a primary IPv4 address deletes its secondaries: not "add, del".)
check "sb's primary address moves to 192.0.2.22" eval \
	'ip -n sb addr del 192.0.2.2/24 dev wan0 &&
	 ip -n sb addr add 192.0.2.22/24 dev wan0'
check "sb reaches sa from there" \
	wait_for 20 in_ns sb ping -c 1 -W 1 10.10.0.1
check_eq "sa's endpoint followed sb to 192.0.2.22" "192.0.2.22:$PTUN_PORT" \
	"$(ctr sa endpoint)"
check_eq "then no candidate is active" "$B_PRIMARY standby $B_BACKUP standby" \
	"$(endpoints sa)"
check_match "sa: a failover event to no candidate, reason roamed" \
	";from $B_PRIMARY to 192\.0\.2\.22:$PTUN_PORT reason roamed\$" \
	"$(failovers sa)"
[ "$ktap_failed" -eq 0 ] || {
	ptun_state sa sb
	tail -n 5 "$TMP/ping.log"
	diag "sa's events: $(paste -sd ';' "$TMP/sa.events")"
	diag "sb's events: $(paste -sd ';' "$TMP/sb.events")"
}

ktap_done
