#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Config files: setconf gives the state the file describes, showconf plus
# the key lines gives it back, addconf adds, syncconf of an unchanged file
# leaves a running session alone (no handshake) and of a changed one
# changes only what changed, and a file with a mistake is refused with
# FILE:LINE and changes nothing.
#
#   ns "a": ptun0, down (configured only)
#   then the two sites of lib.sh, sa and sb, a tunnel that carries pings

source "$(dirname "$0")/lib.sh"

ns_add a
in_ns a ip link add ptun0 type ptun

keypair self
keypair peer
keypair other
"$PTUN" genpsk > "$TMP/psk"
SELF_PUB=$(cat "$TMP/self.pub")
PEER_PUB=$(cat "$TMP/peer.pub")

# the device's configuration, without ifindex and counters
state()
{
	ptun_in a show ptun0 --json | jq -S -c 'del(.stats, .ifindex)'
}

cat > "$TMP/a.conf" <<EOF
# ptun0 of host a
[Interface]
PrivateKeyFile = $TMP/self.key
ListenPort = 51820
Cipher = chacha20-poly1305

[Peer]
PublicKey = $PEER_PUB
PresharedKeyFile = $TMP/psk
Endpoint = 192.0.2.7:51821
AllowedIPs = 10.1.0.0/16, fd00:1::/64
AllowedIPs = 192.168.5.7/32   # a second line adds
PersistentKeepalive = 25
EOF

# ---- setconf ----
check "setconf of a whole file" ptun_in a setconf ptun0 "$TMP/a.conf"
expected=$(jq -n -S -c --arg self "$SELF_PUB" --arg peer "$PEER_PUB" '{
	ifname: "ptun0", public_key: $self, listen_port: 51820,
	cipher: "chacha20-poly1305", mss_clamp: "off", link_state: "up",
	peer: { public_key: $peer, preshared_key: true,
		endpoint: "192.0.2.7:51821", persistent_keepalive: 25,
		endpoints: [{ endpoint: "192.0.2.7:51821", state: "active" }],
		failover_timeout: 5, failback_interval: 60,
		allowed_ips: ["10.1.0.0/16", "192.168.5.7/32", "fd00:1::/64"] } }')
check_eq "setconf: show --json is the file's state" "$expected" \
	"$(state | jq -S -c '.peer.allowed_ips |= sort')"

# ---- showconf and back ----
conf=$(ptun_in a showconf ptun0)
check_match "showconf: the interface's public key as a comment" \
	"^# PublicKey = $(sed 's/[+/]/./g' <<<"$SELF_PUB")$" "$conf"
check_match "showconf: says the private key is set, without it" \
	'^# PrivateKey is set but not shown' "$conf"
check_match "showconf: says the preshared key is set, without it" \
	'^# PresharedKey is set but not shown' "$conf"
check_nomatch "showconf: no private key" "$(cat "$TMP/self.key")" "$conf"
check_nomatch "showconf: no preshared key" "$(cat "$TMP/psk")" "$conf"
before=$(ptun_in a show ptun0 --json)
check "showconf | setconf - with the key lines" bash -c "
	ip netns exec a '$PTUN' showconf ptun0 |
	sed -e '/^\[Interface\]/a PrivateKeyFile = $TMP/self.key' \
	    -e '/^\[Peer\]/a PresharedKeyFile = $TMP/psk' |
	ip netns exec a '$PTUN' setconf ptun0 -"
check_eq "showconf | setconf: the same show --json" "$before" \
	"$(ptun_in a show ptun0 --json)"

# ---- addconf ----
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.9.0.0/24\n' "$PEER_PUB" > "$TMP/add.conf"
check "addconf of one more subnet" ptun_in a addconf ptun0 "$TMP/add.conf"
check_eq "addconf: the subnet is added to the others" \
	'["10.1.0.0/16","10.9.0.0/24","192.168.5.7/32","fd00:1::/64"]' \
	"$(ptun_in a show ptun0 --json | jq -c '.peer.allowed_ips | sort')"
check_eq "addconf: the rest is as it was" \
	"$(jq -S -c 'del(.stats, .ifindex, .peer.allowed_ips)' <<<"$before")" \
	"$(state | jq -S -c 'del(.peer.allowed_ips)')"

# ---- mistakes: FILE:LINE, exit status 1 (2 if the kernel refused), nothing changed ----
reject_from a
# a good file but for line 12: the lines before it would change things
sed 's/^AllowedIPs = 192.168.5.7\/32.*/AllowedIPs = 192.168.5.300/' "$TMP/a.conf" |
	sed 's/^ListenPort = 51820/ListenPort = 4000/' > "$TMP/bad.conf"
reject "setconf of a file with a bad address on line 12" 1 \
	"^ptun: $TMP/bad.conf:12: invalid address '192.168.5.300' for AllowedIPs" \
	ptun_in a setconf ptun0 "$TMP/bad.conf"
reject "syncconf of the same file" 1 "^ptun: $TMP/bad.conf:12: " \
	ptun_in a syncconf ptun0 "$TMP/bad.conf"
reject "addconf of the same file" 1 "^ptun: $TMP/bad.conf:12: " \
	ptun_in a addconf ptun0 "$TMP/bad.conf"
{ cat "$TMP/a.conf"; printf '[Peer]\nPublicKey = %s\n' "$(cat "$TMP/other.pub")"; } > "$TMP/two.conf"
reject "a second [Peer] section" 1 \
	"^ptun: $TMP/two.conf:14: a second \[Peer\] section \(the first is on line 7\)" \
	ptun_in a setconf ptun0 "$TMP/two.conf"
printf '[Interface]\nListenPort = 4000\nFrobnicate = yes\n' > "$TMP/unknown.conf"
reject "an unknown key" 1 "^ptun: $TMP/unknown.conf:3: unknown key 'Frobnicate' in \[Interface\]" \
	ptun_in a setconf ptun0 "$TMP/unknown.conf"
printf '[Interface]\nListenPort = 4000\nMssClamp = 500\n' > "$TMP/mss.conf"
reject "MssClamp below 536" 1 "^ptun: $TMP/mss.conf:3: invalid value '500' for MssClamp" \
	ptun_in a setconf ptun0 "$TMP/mss.conf"
printf '[Peer]\nPublicKey = %s\nEndpoint = 192.0.2.7:1, 192.0.2.7:1\n' "$PEER_PUB" > "$TMP/eps.conf"
reject "an Endpoint candidate twice" 1 \
	"^ptun: $TMP/eps.conf:3: invalid value '192.0.2.7:1, 192.0.2.7:1' for Endpoint: candidate '192.0.2.7:1' given twice" \
	ptun_in a addconf ptun0 "$TMP/eps.conf"
printf '[Peer]\nPublicKey = %s\n' "$(cat "$TMP/other.pub")" > "$TMP/other.conf"
reject "addconf of another peer" 1 "^ptun: $TMP/other.conf:2: addconf ptun0: the device has another peer" \
	ptun_in a addconf ptun0 "$TMP/other.conf"
# the kernel's refusal, pointed back at the file's line
printf '[Interface]\nListenPort = 4000\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.0.0/8\nAllowedIPs = 10.7.0.1/16\n' \
	"$PEER_PUB" > "$TMP/hostbits.conf"
reject "the kernel refuses host bits" 2 "^ptun: $TMP/hostbits.conf:6: setconf ptun0: .*\(AllowedIPs '10.7.0.1/16'\)$" \
	ptun_in a setconf ptun0 "$TMP/hostbits.conf"

# ---- syncconf on a running tunnel ----
sites_setup_check "two sites" 4
for n in 1 2; do
	check "site $n: a preshared key" ptun_in "${SITE_NS[n]}" set ptun0 preshared-key "$TMP/psk"
done
check "tunnel works" ping_ok sa 10.10.0.2
# sa's configuration as a file: showconf and the key lines
in_ns sa "$PTUN" showconf ptun0 |
	sed -e "/^\[Interface\]/a PrivateKeyFile = $TMP/site1.key" \
	    -e "/^\[Peer\]/a PresharedKeyFile = $TMP/psk" > "$TMP/sa.conf"
diag "sa.conf: $(grep -v '^#' "$TMP/sa.conf" | grep . | tr '\n' ';')"
hs_a=$(ctr sa handshakes)
hs_b=$(ctr sb handshakes)
last_a=$(ctr sa latest-handshake)
last_b=$(ctr sb latest-handshake)
before=$(ptun_in sa show ptun0 --json | jq -S -c 'del(.stats)')

capture_start sync sa wan0 udp
check "syncconf of the unchanged file" ptun_in sa syncconf ptun0 "$TMP/sa.conf"
check "the tunnel still works" ping_ok sa 10.10.0.2
capture_stop sync
inits=$(wire udp "$TMP/sync.pcap" | awk 'substr($5, 1, 2) == "01"' | wc -l)
data=$(wire udp "$TMP/sync.pcap" | awk 'substr($5, 1, 2) == "04"' | wc -l)
check_ge "the capture saw the pings' data messages" 6 "$data"
check_eq "syncconf unchanged: no handshake initiation on the wire" 0 "$inits"
check_eq "syncconf unchanged: sa's handshake count stays" "$hs_a" "$(ctr sa handshakes)"
check_eq "syncconf unchanged: sb's handshake count stays" "$hs_b" "$(ctr sb handshakes)"
check_eq "syncconf unchanged: sa's latest handshake stays" "$last_a" "$(ctr sa latest-handshake)"
check_eq "syncconf unchanged: sb's latest handshake stays" "$last_b" "$(ctr sb latest-handshake)"
check_eq "syncconf unchanged: the configuration stays" "$before" \
	"$(ptun_in sa show ptun0 --json | jq -S -c 'del(.stats)')"

# one more subnet for sb's LAN side: AllowedIPs changes, nothing else
sed 's/^AllowedIPs = \(.*\)/AllowedIPs = \1, 10.2.9.0\/24/' "$TMP/sa.conf" > "$TMP/sa2.conf"
capture_start sync2 sa wan0 udp
check "syncconf with a changed AllowedIPs" ptun_in sa syncconf ptun0 "$TMP/sa2.conf"
check "the tunnel still works after it" ping_ok sa 10.10.0.2
capture_stop sync2
check_eq "syncconf changed: the new subnet is allowed" \
	"$(jq -c '.peer.allowed_ips + ["10.2.9.0/24"] | sort' <<<"$before")" \
	"$(ptun_in sa show ptun0 --json | jq -c '.peer.allowed_ips | sort')"
check_eq "syncconf changed: nothing else changed" \
	"$(jq -S -c 'del(.peer.allowed_ips)' <<<"$before")" \
	"$(ptun_in sa show ptun0 --json | jq -S -c 'del(.stats, .peer.allowed_ips)')"
inits=$(wire udp "$TMP/sync2.pcap" | awk 'substr($5, 1, 2) == "01"' | wc -l)
check_eq "syncconf changed: no handshake initiation on the wire" 0 "$inits"
check_eq "syncconf changed: sa's handshake count stays" "$hs_a" "$(ctr sa handshakes)"
check_eq "syncconf changed: sa's latest handshake stays" "$last_a" "$(ctr sa latest-handshake)"
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
