#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The link state follows the tunnel: with `ptun set IFACE link-state
# session`, carrier (and so operstate) is off while ptun0 has no session
# and on once a handshake completes, which the module starts by itself;
# routing daemons and `ip monitor link` see a dead tunnel. The test itself
# never sends a packet through the tunnel. Devices in the default link
# state, up, keep their carrier on, as every other test expects.
#
#   +----- ns sa -----+      +----- ns sb -----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2 |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2 |
#   +-----------------+      +-----------------+
#
# With the PTUN_DEBUG=1 module, test_reject_after_time shortens
# REJECT_AFTER_TIME to CARRIER_REJECT seconds for the expiry checks, and
# rekey_after_time REKEY_AFTER_TIME to CARRIER_REKEY seconds for the idle
# check: an idle tunnel keeps its carrier over several session lifetimes,
# as its initiator renews the session by itself (idle_rekey_timer).

source "$(dirname "$0")/lib.sh"

REJECT=${CARRIER_REJECT:-8}
REKEY=${CARRIER_REKEY:-3}
params=/sys/module/ptun/parameters
debug=0
debug_module_load && debug=1

# operstate NS DEV: what the kernel reports in /sys
operstate()
{
	ip netns exec "$1" cat "/sys/class/net/$2/operstate"
}

# operstate_is NS DEV STATE
operstate_is()
{
	[ "$(operstate "$1" "$2")" = "$3" ]
}

modprobe ptun

# The default: a new device is in link state up, its carrier on with no
# peer. The setting reads back through show, --json, showconf and setconf.
ns_add sc
check "a new device" ip -n sc link add ptun8 type ptun
check "that device goes up" ip -n sc link set ptun8 up
check_eq "link state up has a carrier with no peer" 1 \
	"$(ip netns exec sc cat /sys/class/net/ptun8/carrier)"
diag "its operstate: $(operstate sc ptun8)"
check_eq "show --json: link_state up by default" up \
	"$(ptun_in sc show ptun8 --json | jq -r .link_state)"
check_nomatch "show: no link-state line for the default" 'link-state' \
	"$(ptun_in sc show ptun8)"
check_nomatch "showconf: no LinkState for the default" 'LinkState' \
	"$(ptun_in sc showconf ptun8)"
check "set link-state session" ptun_in sc set ptun8 link-state session
check_eq "session with no peer: the carrier goes at once" 0 \
	"$(ip netns exec sc cat /sys/class/net/ptun8/carrier)"
check_match "show: link-state session" '^  link-state: session$' \
	"$(ptun_in sc show ptun8)"
check_eq "show --json: link_state session" session \
	"$(ptun_in sc show ptun8 --json | jq -r .link_state)"
check_eq "show IFACE link-state" session "$(ptun_in sc show ptun8 link-state)"
conf=$(ptun_in sc showconf ptun8)
check_match "showconf: LinkState = session" '^LinkState = session$' "$conf"
check "setconf of a file without LinkState" \
	ptun_in sc setconf ptun8 /dev/null
check_eq "setconf: no LinkState is link state up" up \
	"$(ptun_in sc show ptun8 link-state)"
check_eq "up again: the carrier comes back at once" 1 \
	"$(ip netns exec sc cat /sys/class/net/ptun8/carrier)"
check "showconf's output back through setconf" \
	eval "printf '%s\n' \"\$conf\" | ip netns exec sc '$PTUN' setconf ptun8 -"
check_eq "setconf: LinkState = session read back" session \
	"$(ptun_in sc show ptun8 link-state)"
check_eq "syncconf of the same file changes nothing" session \
	"$(printf '%s\n' "$conf" | ip netns exec sc "$PTUN" syncconf ptun8 - &&
	   ptun_in sc show ptun8 link-state)"
check "that device goes" ip -n sc link del ptun8

# A device in link state session has no carrier, up or down, with or
# without a peer.
check "a new device" ip -n sc link add ptun9 type ptun
check "link state session" ptun_in sc set ptun9 link-state session
check_eq "operstate of a new device is down" down "$(operstate sc ptun9)"
check "the device goes up" ip -n sc link set ptun9 up
check_eq "up with no peer: no carrier" 0 \
	"$(ip netns exec sc cat /sys/class/net/ptun9/carrier)"
# The stack derives operstate from the carrier asynchronously (linkwatch,
# within a second for a device that was down when its carrier went)
check "up with no peer: operstate down" \
	wait_for 5 operstate_is sc ptun9 down
check_match "ip link says NO-CARRIER" 'NO-CARRIER.* state DOWN ' \
	"$(ip -n sc link show ptun9)"
check "the device goes" ip -n sc link del ptun9

# Both sites come up by themselves, without any traffic: sa first, whose
# initiation finds nobody, then sb, whose handshake brings both up.
sites_setup_check "two sites" 4 "" link-state session
check_eq "the test sent no data (sa tx packets)" 0 \
	"$(link_stats sa ptun0 | cut -d' ' -f3)"
check "sa gets a carrier by itself" wait_carrier sa ptun0
check "sb gets a carrier by itself" wait_carrier sb ptun0
check_eq "operstate up on sa" up "$(operstate sa ptun0)"
check_eq "operstate up on sb" up "$(operstate sb ptun0)"
check_ge "one handshake or more on sa" 1 "$(ctr sa handshakes)"

ip -n sa monitor link > "$TMP/monitor.log" 2>&1 &
monitor=$!
nap 1

# Removing the peer takes the link down; a new peer brings it back with a
# handshake of its own.
check "sa removes its peer" ptun_in sa set ptun0 remove-peer
check "no peer, no carrier" carrier_is sa ptun0 0
check_eq "operstate down without a peer" down "$(operstate sa ptun0)"
check "sa switches to link state up" ptun_in sa set ptun0 link-state up
check_eq "link state up: the carrier is on at once" 1 \
	"$(ip netns exec sa cat /sys/class/net/ptun0/carrier)"
check "sa switches back to link state session" \
	ptun_in sa set ptun0 link-state session
check_eq "link state session without a peer: the carrier is off at once" 0 \
	"$(ip netns exec sa cat /sys/class/net/ptun0/carrier)"
check "sa configures the peer again" ptun_in sa set ptun0 \
	peer "$(cat "$TMP/site2.pub")" allowed-ips "$(site_allowed 1)" \
	endpoint "${SITE_V4[2]}:$PTUN_PORT"
check "the carrier comes back by itself" wait_carrier sa ptun0
check "ip monitor link saw the carrier go" \
	wait_for 10 grep -q 'ptun0: <.*NO-CARRIER.*> .* state DOWN ' \
	"$TMP/monitor.log"
check "ip monitor link saw the carrier come back" \
	wait_for 10 grep -q 'ptun0: <[^>]*LOWER_UP[^>]*> .* state UP ' \
	"$TMP/monitor.log"

# Down and up: a reset ends the session, and the device coming up
# starts the next handshake.
check "sb goes down" ip -n sb link set ptun0 down
check "sb goes up" ip -n sb link set ptun0 up
check "sb's carrier comes back by itself after down/up" wait_carrier sb ptun0

# new_sessions: sa resets, so that both ends make new sessions, under
# the session parameters set last
new_sessions()
{
	check "sa goes down" ip -n sa link set ptun0 down
	check "sa goes up" ip -n sa link set ptun0 up
	check "sa has a new session" wait_carrier sa ptun0
	check "sb has a new session" wait_carrier sb ptun0
}

if [ "$debug" = 1 ]; then
	# Short-lived sessions
	check "REJECT_AFTER_TIME $REJECT s" \
		eval "echo $REJECT > $params/test_reject_after_time"
	new_sessions
	# the peer dies: the link stays up as long as the session lives
	check "the path between the sites is cut" ip -n sb link set wan0 down
	check "sa's carrier holds while its session lives" carrier_is sa ptun0 1
	check "sa's carrier goes when the session expires" \
		wait_for $((REJECT + 10)) carrier_is sa ptun0 0
	check "sb's carrier goes when the session expires" \
		wait_for $((REJECT + 10)) carrier_is sb ptun0 0
	check_eq "operstate down after expiry" down "$(operstate sa ptun0)"
	# the peer returns: the retransmissions find it, with no traffic
	check "the path comes back" ip -n sb link set wan0 up
	check "sa's carrier comes back by itself" wait_carrier sa ptun0 60
	check "sb's carrier comes back by itself" wait_carrier sb ptun0
	check_eq "the test sent no data (sa tx packets)" 0 \
		"$(link_stats sa ptun0 | cut -d' ' -f3)"

	# An idle, healthy tunnel (no traffic, no keepalive): the end that
	# initiated the session renews it at REKEY_AFTER_TIME by itself, so
	# the carrier stays up over several REJECT_AFTER_TIME periods.
	check "REKEY_AFTER_TIME $REKEY s" \
		eval "echo $REKEY > $params/rekey_after_time"
	new_sessions
	nap 1
	hs0=$(($(ctr sa handshakes) + $(ctr sb handshakes)))
	ip -n sa monitor link > "$TMP/idle-sa.log" 2>&1 &
	idle_sa=$!
	ip -n sb monitor link > "$TMP/idle-sb.log" 2>&1 &
	idle_sb=$!
	sleep $((REJECT * 3))
	kill "$idle_sa" "$idle_sb" 2>/dev/null
	wait "$idle_sa" "$idle_sb" 2>/dev/null
	hs1=$(($(ctr sa handshakes) + $(ctr sb handshakes)))
	check "idle for $((REJECT * 3)) s: sa's carrier is up" carrier_is sa ptun0 1
	check "idle: sb's carrier is up" carrier_is sb ptun0 1
	check_eq "idle: ip monitor link saw no change of sa's ptun0" 0 \
		"$(grep -c 'ptun0' "$TMP/idle-sa.log")"
	check_eq "idle: ip monitor link saw no change of sb's ptun0" 0 \
		"$(grep -c 'ptun0' "$TMP/idle-sb.log")"
	check_ge "idle: the sessions were renewed (handshakes $hs0 -> $hs1)" \
		$((hs0 + 2 * 3)) "$hs1"
	check_eq "idle: the test sent no data (sa tx packets)" 0 \
		"$(link_stats sa ptun0 | cut -d' ' -f3)"
	diag "ip monitor link on sa while idle:"
	sed 's/^/#   /' "$TMP/idle-sa.log"
	echo 120 > "$params/rekey_after_time"
	echo 180 > "$params/test_reject_after_time"
else
	skip "carrier goes when the session expires" \
		"no PTUN_DEBUG=1 module (make module-debug-for KVER=$(uname -r))"
fi

kill "$monitor" 2>/dev/null
wait "$monitor" 2>/dev/null
diag "ip monitor link on sa:"
sed 's/^/#   /' "$TMP/monitor.log"
check "sa deletes its device" ip -n sa link del ptun0

ktap_done
