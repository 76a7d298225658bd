#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Handshake messages with the genuine peer's source address, from an
# attacker who cannot receive at that address (docs/PROTOCOL.md,
# section 5): none of them keeps sa and sb from completing a new
# handshake within seconds.
#
# 1. Random initiations with a right mac1 (anyone who knows sb's public
#    key can make them), 400 a second: 20 times the per-source rate
#    limit, below what puts sb under load.
# 2. sa's own captured initiation, replayed 400 times a second.
# 3. Random initiations as fast as ev can send them: sb is under load and
#    sends cookie replies to sa's address, where the attacker never sees
#    them; sa's initiation gets one, comes back with mac2 and goes through.
#
# In each round sa's ptun0 goes down and up (a device that comes back
# forgets its sessions) while the attack runs, and the attack is still
# running when sa's ping comes back.
#
#   +----- ns sa -----+      +------ ns sb ------+      +----- ns ev -----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2   |      | the attacker,   |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2   |      | sending from    |
#   +-----------------+      | wan1  203.0.113.1 |-veth-| 192.0.2.1 (lo)  |
#                            +-------------------+      +-----------------+

source "$(dirname "$0")/lib.sh"

SA=${SITE_V4[1]}

# attack_running PID: the attacker's process is still sending
attack_running()
{
	kill -0 "$1" 2>/dev/null
}

# round DESC ARGS...: runs wire.py ARGS (the attack) in ev, in the
# background; once it is under way, takes sa's device down and up, and
# checks that the tunnel is back before the attack ends.
round()
{
	local desc=$1 pid hs_a hs_b d0 t0

	shift
	hs_a=$(ctr sa handshakes)
	hs_b=$(ctr sb handshakes)
	d0=$(ctr sb drop-handshake)
	# Not through in_ns: $! must be the attacker itself, to stop it
	ip netns exec ev "$PYTHON" "$TESTS_DIR/wire.py" "$@" \
		> "$TMP/attack.out" 2>&1 &
	pid=$!
	# under way: sb has refused some of it
	wait_for 20 ctr_ge sb drop-handshake $((d0 + 10))
	t0=$SECONDS
	d0=$(ctr sb drop-handshake)
	ip -n sa link set ptun0 down
	ip -n sa link set ptun0 up
	if wait_for 25 in_ns sa ping -c 1 -W 1 10.10.0.2; then
		ok "$desc: sa reaches sb again"
	else
		fail "$desc: sa reaches sb again"
		ptun_state sa sb
	fi
	diag "$desc: sb refused $(($(ctr sb drop-handshake) - d0)) handshake messages in $((SECONDS - t0 + 1)) s"
	if attack_running "$pid"; then
		ok "$desc: the attack was still running then"
	else
		fail "$desc: the attack was still running then" \
			"$(tr '\n' ' ' < "$TMP/attack.out")"
	fi
	check_ge "$desc: sa completed a new handshake" $((hs_a + 1)) \
		"$(ctr sa handshakes)"
	check_ge "$desc: and so did sb" $((hs_b + 1)) "$(ctr sb handshakes)"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	check "$desc: traffic works both ways" \
		eval "ping_ok sa 10.10.0.2 && ping_ok sb 10.10.0.1"
}

sites_setup_check "two sites" 4
# ev sends as sa; sb answers sa's address through wan0, to sa
attacker_check "the attacker's namespace, sending as sa" eval \
	"ip -n ev route add local $SA/32 dev lo &&
	 ip netns exec sb sysctl -qw net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.wan1.rp_filter=0"

first_handshake_check
init=$(first_message "$SA" 01)
check "sa's initiation was captured" test -n "$init"

# 1. 400 a second for up to 60 s, 20 times the per-source rate limit:
# the flood sends as sa, so sb's replies would go to sa.
round "random initiations as sa, 400/s" \
	flood --from "$SA" --rate 400 --seconds 60 --quiet 0.1 \
	"$SB" "$PTUN_PORT" "$(cat "$TMP/site2.pub")" 24000

# 2. A replay costs sb its Diffie-Hellman work, then fails on the
# timestamp; it must not cost the genuine sa anything.
round "sa's initiation replayed as sa, 400/s" \
	send --from "$SA" --repeat 24000 --rate 400 \
	"$SB" "$PTUN_PORT" "${init:-00}"
check_eq "the replays did not move sb's endpoint" "$SA:$PTUN_PORT" \
	"$(ctr sb endpoint)"

# 3. As fast as ev can: sb goes under load and answers with cookie
# replies, which go to sa. sa's initiation is answered the same way, and
# its retransmission carries mac2, which the attacker's never do.
round "random initiations as sa, flat out" \
	flood --from "$SA" --seconds 60 --quiet 0.1 \
	"$SB" "$PTUN_PORT" "$(cat "$TMP/site2.pub")" 1000000

# 4. After sb removes and re-adds sa's peer, the new peer object has no
# greatest timestamp yet, so sa's old initiation, replayed from the
# attacker's own address, is accepted once: sb answers it, but its
# endpoint stays where the configuration put it until a data message
# proves a session (the attacker holds none).
check "sb re-creates sa's peer" ptun_in sb set ptun0 remove-peer \
	peer "$(cat "$TMP/site1.pub")" allowed-ips "$(site_allowed 2)" \
	endpoint "$SA:$PTUN_PORT"
hs_b=$(ctr sb handshakes)
check "sa's old initiation replayed from $EV" in_ns ev "$PYTHON" \
	"$TESTS_DIR/wire.py" send "$SB" "$PTUN_PORT" "${init:-00}"
wait_for 10 ctr_ge sb handshakes $((hs_b + 1))
check_ge "sb answered the replay (its timestamp is new to this peer)" \
	$((hs_b + 1)) "$(ctr sb handshakes)"
check_eq "sb's endpoint did not move to the attacker" "$SA:$PTUN_PORT" \
	"$(ctr sb endpoint)"
check "traffic works both ways" \
	eval "ping_ok sb 10.10.0.1 && ping_ok sa 10.10.0.2"

ktap_done
