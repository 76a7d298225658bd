#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The link state follows the tunnel: carrier (and so operstate) is off
# while ptun0 has no session and on once a handshake completes, which
# the module starts by itself; routing daemons and `ip monitor link` see
# a dead tunnel. The test itself never sends a packet through the tunnel.
# The mode is experimental and opt-in: the module parameter
# carrier_follows_session, read when a device is created, is set for the
# test and put back when it exits; a device created without it keeps its
# carrier on, as every other test expects.
#
#   +----- ns sa -----+      +----- ns sb -----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2 |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2 |
#   +-----------------+      +-----------------+
#
# With the PTUN_DEBUG=1 module, test_reject_after_time shortens
# REJECT_AFTER_TIME to CARRIER_REJECT seconds for the expiry checks.

source "$(dirname "$0")/lib.sh"

REJECT=${CARRIER_REJECT:-8}
params=/sys/module/ptun/parameters
debug=0
debug_module_load && debug=1

# operstate NS DEV: what the kernel reports in /sys
operstate()
{
	ip netns exec "$1" cat "/sys/class/net/$2/operstate"
}

modprobe ptun
follows0=$(cat "$params/carrier_follows_session")
exit_hooks+=("echo $follows0 > $params/carrier_follows_session")

# The default: a device created with the parameter off has its carrier
# on, with no peer, even after the parameter is set.
ns_add sc
check "carrier_follows_session off" \
	eval "echo N > $params/carrier_follows_session"
check "a device created with it off" ip -n sc link add ptun8 type ptun
check "that device goes up" ip -n sc link set ptun8 up
check "carrier_follows_session on" \
	eval "echo Y > $params/carrier_follows_session"
check_eq "a device created with it off has a carrier with no peer" 1 \
	"$(ip netns exec sc cat /sys/class/net/ptun8/carrier)"
diag "its operstate: $(operstate sc ptun8)"
check "that device goes" ip -n sc link del ptun8

# A device created with it on has no carrier, up or down, with or
# without a peer.
check "a new device" ip -n sc link add ptun9 type ptun
check_eq "operstate of a new device is down" down "$(operstate sc ptun9)"
check "the device goes up" ip -n sc link set ptun9 up
check_eq "up with no peer: no carrier" 0 \
	"$(ip netns exec sc cat /sys/class/net/ptun9/carrier)"
check_eq "up with no peer: operstate down" down "$(operstate sc ptun9)"
check_match "ip link says NO-CARRIER" 'NO-CARRIER.* state DOWN ' \
	"$(ip -n sc link show ptun9)"
check "the device goes" ip -n sc link del ptun9

# Both sites come up by themselves, without any traffic: sa first, whose
# initiation finds nobody, then sb, whose handshake brings both up.
sites_setup_check "two sites" 4
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

if [ "$debug" = 1 ]; then
	# Short-lived sessions: sa resets so that both ends make new ones.
	check "REJECT_AFTER_TIME $REJECT s" \
		eval "echo $REJECT > $params/test_reject_after_time"
	check "sa goes down" ip -n sa link set ptun0 down
	check "sa goes up" ip -n sa link set ptun0 up
	check "sa has a new session" wait_carrier sa ptun0
	check "sb has a new session" wait_carrier sb ptun0
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
