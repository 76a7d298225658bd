#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Replacing the peer (a SET with a new public key) while traffic flows:
# packets sent during the replacement wait for the new peer's first
# handshake and go out with it, none is thrown away for want of a session.
#
#   sa: ptun0, ping -i 0.01 to sb  ==>  sb: ptun0, then a new key pair;
#   sa's peer is replaced by one with sb's new public key.

source "$(dirname "$0")/lib.sh"

ROUNDS=3

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2

# Not through in_ns: $! must be ping itself
ip netns exec sa ping -q -i 0.01 -W 1 10.10.0.2 > "$TMP/ping.log" 2>&1 &
ping_pid=$!

# rx_rises N: sa's received packets rise by N from $rx0
rx_rises()
{
	ctr_ge sa rx-packets $((rx0 + $1))
}

rx0=$(ctr sa rx-packets)
check "replies flow" wait_for 10 rx_rises 20
drops=0
for round in $(seq "$ROUNDS"); do
	keypair "sb$round" || break
	ptun_in sb set ptun0 private-key "$TMP/sb$round.key"
	d0=$(ctr sa drop-no-session)
	hs0=$(ctr sa handshakes)
	if ! ptun_in sa set ptun0 peer "$(cat "$TMP/sb$round.pub")" \
		endpoint 192.0.2.2:51820 allowed-ips "$(site_allowed 1)"; then
		fail "round $round: sa's peer replaced"
		continue
	fi
	rx0=$(ctr sa rx-packets)
	check "round $round: replies flow again within seconds" \
		wait_for 10 rx_rises 20
	check_ge "round $round: the new peer made a handshake" $((hs0 + 1)) \
		"$(ctr sa handshakes)"
	drops=$((drops + $(ctr sa drop-no-session) - d0))
done
kill "$ping_pid" 2>/dev/null
wait "$ping_pid" 2>/dev/null
check_eq "no packet dropped for want of a session during $ROUNDS replacements" \
	0 "$drops"
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
