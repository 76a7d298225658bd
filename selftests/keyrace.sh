#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A SET that lands while our initiation is being built never leaves a
# session whose cipher or keys differ from what the initiation announced
# (security review M4). The PTUN_DEBUG=1 module's initiation work sleeps
# test_delay_initiate_ms before it takes the handshake lock; sa's
# persistent keepalive queues that work as ptun0 comes up, and the SET
# lands inside the sleep. Each round, with both ends reset first:
#
#   cipher       sa switches cipher, sb not yet: sa's initiation must
#                announce the new cipher and be refused by sb as a cipher
#                mismatch; no handshake completes and sb counts no
#                authentication failure (a session installed with the
#                other cipher would send data that sb cannot open). Then
#                sb switches too and traffic flows both ways.
#   preshared    both ends switch to a new preshared key: the handshake
#   key          completes at the first attempt and traffic flows.
#   private key  sa takes a new key pair and sb's peer is replaced by one
#                with the new public key: the initiation that leaves is
#                made with the new key, so sb refuses no handshake message.
#
# The whole time, neither end counts drop-auth.
#
#   +----- ns sa -----+      +----- ns sb -----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2 |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2 |
#   +-----------------+      +-----------------+

source "$(dirname "$0")/lib.sh"

ROUNDS=${KEYRACE_ROUNDS:-2}
DELAY_MS=${KEYRACE_DELAY_MS:-2000}
params=/sys/module/ptun/parameters

if ! debug_module_load; then
	skip "config changes during a delayed initiation" \
		"no PTUN_DEBUG=1 module (make module-debug-for KVER=$(uname -r))"
	ktap_done
fi

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2
check "sa: a keepalive as ptun0 comes up" ptun_in sa set ptun0 \
	peer "$(cat "$TMP/site2.pub")" persistent-keepalive 25

delay()
{
	echo "$1" > "$params/test_delay_initiate_ms"
}

# race_start: neither end has a session or a handshake; sa comes up, and
# its keepalive queues an initiation that waits DELAY_MS for the SET
race_start()
{
	delay 0
	ip -n sb link set ptun0 down
	ip -n sb link set ptun0 up
	ip -n sa link set ptun0 down
	delay "$DELAY_MS"
	ip -n sa link set ptun0 up
}

# both_ways: traffic from sb to sa, then from sa to sb
both_ways()
{
	ping_ok sb 10.10.0.1 && ping_ok sa 10.10.0.2
}

# mismatch_or_handshake: sb refused a cipher, or sa completed a handshake
mismatch_or_handshake()
{
	ctr_ge sb drop-cipher-mismatch $((cm0 + 1)) ||
		ctr_ge sa handshakes $((hs0 + 1))
}

auth_sa=$(ctr sa drop-auth)
auth_sb=$(ctr sb drop-auth)
ciphers=(chacha20-poly1305 aes-256-gcm)
psk=
# Ready before each race: the SETs must land within DELAY_MS
sa_peer=$(cat "$TMP/site2.pub")
sb_peer=$(cat "$TMP/site1.pub")
for r in $(seq "$ROUNDS"); do
	# cipher: sa switches while its initiation waits, sb after
	new=${ciphers[(r - 1) % 2]}
	hs0=$(ctr sa handshakes)
	cm0=$(ctr sb drop-cipher-mismatch)
	race_start
	ptun_in sa set ptun0 cipher "$new"
	wait_for 5 mismatch_or_handshake
	sleep 1
	check_eq "round $r, cipher $new on sa only: sa completes no handshake" \
		"$hs0" "$(ctr sa handshakes)"
	check_ge "round $r, cipher $new on sa only: sb refuses it as a cipher mismatch" \
		$((cm0 + 1)) "$(ctr sb drop-cipher-mismatch)"
	check_eq "round $r, cipher $new on sa only: sb counts no auth failure" \
		"$auth_sb" "$(ctr sb drop-auth)"
	delay 0
	ptun_in sb set ptun0 cipher "$new"
	check "round $r, cipher $new on both: traffic both ways" both_ways

	# preshared key: both ends switch while sa's initiation waits
	"$PTUN" genpsk > "$TMP/psk$r" || break
	psk=$TMP/psk$r
	hs0=$(ctr sa handshakes)
	hd0=$(ctr sb drop-handshake)
	race_start
	ptun_in sa set ptun0 peer "$sa_peer" preshared-key "$psk"
	ptun_in sb set ptun0 peer "$sb_peer" preshared-key "$psk"
	check "round $r, new preshared key: a handshake" \
		wait_for 10 ctr_ge sa handshakes $((hs0 + 1))
	check_eq "round $r, new preshared key: sb refuses no handshake message" \
		"$hd0" "$(ctr sb drop-handshake)"
	delay 0
	check "round $r, new preshared key: traffic both ways" both_ways

	# private key: sa takes a new key pair, sb's peer is replaced to match
	keypair "sa$r" || break
	sb_peer=$(cat "$TMP/sa$r.pub")
	hs0=$(ctr sa handshakes)
	hd0=$(ctr sb drop-handshake)
	race_start
	ptun_in sa set ptun0 private-key "$TMP/sa$r.key"
	ptun_in sb set ptun0 peer "$sb_peer" \
		endpoint 192.0.2.1:51820 allowed-ips "$(site_allowed 2)" \
		preshared-key "$psk"
	check "round $r, new private key: a handshake" \
		wait_for 10 ctr_ge sa handshakes $((hs0 + 1))
	check_eq "round $r, new private key: sb refuses no handshake message" \
		"$hd0" "$(ctr sb drop-handshake)"
	delay 0
	check "round $r, new private key: traffic both ways" both_ways
done

check_eq "sa counted no auth failure" "$auth_sa" "$(ctr sa drop-auth)"
check_eq "sb counted no auth failure" "$auth_sb" "$(ctr sb drop-auth)"

ktap_done
