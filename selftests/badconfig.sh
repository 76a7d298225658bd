#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two ends that do not agree never carry traffic, and each disagreement is
# counted where the protocol says it shows: a wrong public key, a wrong
# preshared key, different ciphers. Each case is then repaired, to show
# that the failure came from that one setting.
#
#         LAN 10.1.0.1/24 (lan0)              LAN 10.2.0.1/24 (lan0)
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1, fd10::1  |==//====| ptun0 10.10.0.2, fd10::2  |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        +---------------------------+
#   sa initiates (it pings first); sb responds.

source "$(dirname "$0")/lib.sh"

# set_peer NS N PUBKEY: NS (site N) gets PUBKEY as its peer. A new peer key
# replaces the peer, so endpoint and allowed IPs are given again.
set_peer()
{
	local ns=$1 n=$2 p=$((3 - $2))

	ptun_in "$ns" set ptun0 peer "$3" endpoint "${SITE_V4[p]}:$PTUN_PORT" \
		allowed-ips "$(site_allowed "$n")"
}

# repaired NAME: traffic passes again once the configuration agrees. The
# initiator may be backing off its retries (up to 16 s between them), and
# a new packet to send starts a handshake.
repaired()
{
	check "$1: repaired, traffic passes" \
		wait_for 30 in_ns sa ping -c 1 -W 2 10.10.0.2
	check "$1: and both ways" ping_ok sb 10.10.0.1
}

keypair rogue

name="sb has a wrong key for sa"
sites_setup_check "$name: two sites" 4
set_peer sb 2 "$(cat "$TMP/rogue.pub")"
hs_b=$(ctr sb drop-handshake)
check "$name: ping fails" ping_fails sa 10.10.0.2
check "$name: sb refuses the initiation (drop-handshake rises)" \
	wait_for 5 ctr_ge sb drop-handshake $((hs_b + 1))
check_eq "$name: no handshake completed on sa" 0 "$(ctr sa handshakes)"
check_eq "$name: no handshake completed on sb" 0 "$(ctr sb handshakes)"
set_peer sb 2 "$(cat "$TMP/site1.pub")"
repaired "$name"
sites_teardown

# mac1 is keyed with the responder's public key: this is refused before
# any Diffie-Hellman.
name="sa has a wrong key for sb"
sites_setup_check "$name: two sites" 4
set_peer sa 1 "$(cat "$TMP/rogue.pub")"
hs_b=$(ctr sb drop-handshake)
check "$name: ping fails" ping_fails sa 10.10.0.2
check "$name: sb refuses the initiation (drop-handshake rises)" \
	wait_for 5 ctr_ge sb drop-handshake $((hs_b + 1))
check_eq "$name: no handshake completed on sb" 0 "$(ctr sb handshakes)"
set_peer sa 1 "$(cat "$TMP/site2.pub")"
repaired "$name"
sites_teardown

# The preshared key enters only the response's key derivation: the
# responder accepts the initiation, the initiator refuses the response.
name="different preshared keys"
sites_setup_check "$name: two sites" 4
"$PTUN" genpsk > "$TMP/psk1"
"$PTUN" genpsk > "$TMP/psk2"
ptun_in sa set ptun0 preshared-key "$TMP/psk1"
ptun_in sb set ptun0 preshared-key "$TMP/psk2"
hs_a=$(ctr sa drop-handshake)
check "$name: ping fails" ping_fails sa 10.10.0.2
check "$name: sa refuses the response (drop-handshake rises)" \
	wait_for 5 ctr_ge sa drop-handshake $((hs_a + 1))
check_eq "$name: no handshake completed on sa" 0 "$(ctr sa handshakes)"
check_eq "$name: sb received no data" 0 "$(ctr sb rx-bytes)"
ptun_in sb set ptun0 preshared-key "$TMP/psk1"
repaired "$name"
check_eq "$name: both ends report a preshared key" "(hidden) (hidden)" \
	"$(ctr sa preshared-key) $(ctr sb preshared-key)"
sites_teardown

name="cipher mismatch"
sites_setup_check "$name: two sites" 4
ptun_in sa set ptun0 cipher aes-256-gcm
ptun_in sb set ptun0 cipher chacha20-poly1305
cm_b=$(ctr sb drop-cipher-mismatch)
mark="ptun selftest badconfig $$ $RANDOM"
echo "$mark" > /dev/kmsg
check "$name: ping fails" ping_fails sa 10.10.0.2
check "$name: sb counts the mismatch (drop-cipher-mismatch rises)" \
	wait_for 5 ctr_ge sb drop-cipher-mismatch $((cm_b + 1))
check_eq "$name: sa has no mismatch to count (it got no response)" 0 \
	"$(ctr sa drop-cipher-mismatch)"
check_eq "$name: no handshake completed on sb" 0 "$(ctr sb handshakes)"
log=$(dmesg | sed -n "/$mark/,\$p")
check_match "$name: the kernel log says so" 'ptun0.*cipher' "$log"
diag "$name: $(grep -m1 -i cipher <<<"$log")"
ptun_in sb set ptun0 cipher aes-256-gcm
repaired "$name"
sites_teardown

ktap_done
