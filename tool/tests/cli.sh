#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks the ptun binary's command-line handling that needs no kernel:
# keys, argument errors (which must be reported before the kernel is asked)
# and the output formats, through tests/test_msg's sample device.
# Usage: tests/cli.sh [PATH-TO-PTUN]. Prints TAP; exits 1 if a check failed.

set -u
cd "$(dirname "$0")/.." || exit 1
PTUN=$(realpath "${1:-./ptun}")
TEST_MSG=./tests/test_msg
T=$(mktemp -d /tmp/ptun-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT

# shellcheck source=tool/tests/tap.sh
. tests/tap.sh
# An interface that should not exist, wherever this runs.
DEV=ptuncli0
# What a valid command line ends with when it gets as far as the kernel:
# no module on a build host; no such device, or no permission, in a VM.
REACHED="^ptun: (the ptun kernel module is not loaded \(generic netlink family 'ptun' not found\)|set $DEV: .*)$"

# reaches DESC CMD...: the command line was accepted and sent; here no
# module answers, so the kernel refuses it: exit status 2, as ip(8)
reaches()
{
	local desc=$1

	shift
	run "$@"
	[ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -Eq -- "$REACHED"
	result $? "$desc" "rc=$rc stderr='$err'"
}

# ---- keys ----
umask 022
"$PTUN" genkey > "$T/a.key"
result $? "genkey succeeds"
is "genkey prints 44 characters and a newline" 45 "$(wc -c < "$T/a.key")"
grep -Eq '^[A-Za-z0-9+/]{43}=$' "$T/a.key"
result $? "genkey prints base64"
is "genkey makes its output file 0600 despite umask 022" 600 "$(stat -c %a "$T/a.key")"
"$PTUN" genpsk > "$T/psk"
result $? "genpsk succeeds"
is "genpsk makes its output file 0600" 600 "$(stat -c %a "$T/psk")"
grep -Eq '^[A-Za-z0-9+/]{43}=$' "$T/psk"
result $? "genpsk prints base64"
[ "$(base64 -d < "$T/psk" | wc -c)" -eq 32 ]
result $? "genpsk is 32 bytes"
[ "$("$PTUN" genkey)" != "$("$PTUN" genkey)" ]
result $? "two genkeys differ"
"$PTUN" pubkey < "$T/a.key" > "$T/a.pub"
result $? "pubkey succeeds"
grep -Eq '^[A-Za-z0-9+/]{43}=$' "$T/a.pub"
result $? "pubkey prints base64"
is "pubkey does not touch the mode of a public key file" 644 "$(stat -c %a "$T/a.pub")"

# RFC 7748 section 6.1, Alice
alice_priv=$(printf '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a' | xxd -r -p | base64)
alice_pub=$(printf '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a' | xxd -r -p | base64)
is "pubkey matches RFC 7748 for Alice" "$alice_pub" "$(printf '%s\n' "$alice_priv" | "$PTUN" pubkey)"
is "pubkey accepts a key without newline" "$alice_pub" "$(printf '%s' "$alice_priv" | "$PTUN" pubkey)"
fails "pubkey rejects garbage" "^ptun: pubkey: invalid key" sh -c "echo garbage | '$PTUN' pubkey"
fails "pubkey rejects empty input" "^ptun: pubkey: invalid key" "$PTUN" pubkey < /dev/null
fails "pubkey rejects 31 bytes" "invalid key" sh -c "head -c 31 /dev/zero | base64 | '$PTUN' pubkey"
fails "pubkey rejects 33 bytes" "invalid key" sh -c "head -c 33 /dev/zero | base64 | '$PTUN' pubkey"
fails "genkey takes no arguments" "genkey takes no arguments" "$PTUN" genkey x

# ---- general ----
run "$PTUN" help
[ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q '^Usage: ptun' && [ -z "$err" ]
result $? "help prints usage on stdout"
run "$PTUN" --help
[ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -q 'ptun set IFACE'
result $? "--help prints usage"
run "$PTUN" -h
result "$rc" "-h exits 0"
run "$PTUN" --version
[ "$rc" -eq 0 ] && [ "$(printf '%s\n' "$out" | head -n 1)" = "ptun $(cat "$(dirname "$0")/../../VERSION")" ] &&
	printf '%s\n' "$out" | sed -n 2p | grep -Eq '^module (not loaded|.*netlink family ptun version [0-9]+)$'
result $? "--version: the CLI's version from VERSION, and the module's" "rc=$rc out='$out' err='$err'"
run "$PTUN" help
printf '%s\n' "$out" | grep -q '^Exit status: 0, 1 for a mistake' && printf '%s\n' "$out" | grep -q '^2 when the kernel refused'
result $? "help states the exit statuses"
run "$PTUN" frobnicate
[ "$rc" -eq 1 ] && printf '%s\n' "$err" | grep -q "^ptun: unknown command 'frobnicate'"
result $? "unknown command fails"

# ---- set: errors named before the kernel is asked ----
printf '%s\n' "$alice_priv" > "$T/good.key"
head -c 31 /dev/urandom | base64 > "$T/short.key"
head -c 33 /dev/urandom | base64 > "$T/long.key"
: > "$T/empty.key"
printf ' \n\n' > "$T/blank.key"
echo 'not a key at all' > "$T/bad.key"
PUB=$(cat "$T/a.pub")

fails "set needs an interface" "usage" "$PTUN" set
fails "set rejects a long interface name" "invalid interface name" "$PTUN" set 0123456789abcdef listen-port 1
fails "listen-port abc" "^ptun: invalid value 'abc' for listen-port: " "$PTUN" set $DEV listen-port abc
fails "listen-port 65536" "'65536' for listen-port" "$PTUN" set $DEV listen-port 65536
fails "listen-port -1" "'-1' for listen-port" "$PTUN" set $DEV listen-port -1
fails "listen-port missing value" "missing value for listen-port" "$PTUN" set $DEV listen-port
fails "listen-port twice" "'listen-port' given more than once" "$PTUN" set $DEV listen-port 1 listen-port 2
fails "unknown keyword" "unknown keyword 'colour'" "$PTUN" set $DEV colour blue
fails "unknown cipher" "^ptun: unknown cipher 'foo' \(expected aes-256-gcm or chacha20-poly1305\)$" "$PTUN" set $DEV cipher foo
fails "private-key missing file" "cannot open '$T/none' for private-key" "$PTUN" set $DEV private-key "$T/none"
fails "private-key of 31 bytes" "invalid key in '$T/short.key' for private-key" "$PTUN" set $DEV private-key "$T/short.key"
fails "private-key of 33 bytes" "invalid key in '$T/long.key' for private-key" "$PTUN" set $DEV private-key "$T/long.key"
fails "private-key empty file" "invalid key in '$T/empty.key' for private-key" "$PTUN" set $DEV private-key "$T/empty.key"
fails "private-key blank file" "invalid key in '$T/blank.key' for private-key" "$PTUN" set $DEV private-key "$T/blank.key"
fails "preshared-key garbage" "invalid key in '$T/bad.key' for preshared-key" "$PTUN" set $DEV preshared-key "$T/bad.key"
fails "private-key and preshared-key both on stdin" "standard input is already used" "$PTUN" set $DEV private-key - preshared-key -
fails "peer with a bad key" "invalid key 'abc' for peer" "$PTUN" set $DEV peer abc
fails "peer key on argv must not be a file name" "invalid key '$T/a.pub' for peer" "$PTUN" set $DEV peer "$T/a.pub"
fails "endpoint without port" "'192.0.2.1' for endpoint" "$PTUN" set $DEV endpoint 192.0.2.1
fails "endpoint port 0" "'192.0.2.1:0' for endpoint" "$PTUN" set $DEV endpoint 192.0.2.1:0
fails "endpoint port 65536" "'192.0.2.1:65536' for endpoint" "$PTUN" set $DEV endpoint 192.0.2.1:65536
fails "endpoint IPv6 without brackets" "for endpoint: an IPv6 address must be in brackets" "$PTUN" set $DEV endpoint 2001:db8::1:51820
fails "endpoint that does not resolve" "cannot resolve 'no-such-host.invalid:1' for endpoint" "$PTUN" set $DEV endpoint no-such-host.invalid:1
fails "reresolve after a keyword" "reresolve cannot be combined with other settings" "$PTUN" set $DEV listen-port 1 reresolve
fails "reresolve before a keyword" "reresolve cannot be combined with other settings" "$PTUN" set $DEV reresolve listen-port 1
fails "endpoint name longer than 255 bytes" "host name longer than 255 bytes" "$PTUN" set $DEV endpoint "$(printf 'a%.0s' {1..256}):1"
fails "endpoint name with a space" "^ptun: invalid value 'a b:1' for endpoint: a host name has only letters, digits" "$PTUN" set $DEV endpoint 'a b:1'
fails "allowed-ips bad address" "invalid address '10.0.0.300/24' for allowed-ips" "$PTUN" set $DEV allowed-ips 10.0.0.0/8,10.0.0.300/24
fails "allowed-ips prefix 256" "invalid address '10.0.0.0/256' for allowed-ips" "$PTUN" set $DEV allowed-ips 10.0.0.0/256
fails "allowed-ips empty entry" "for allowed-ips: empty entry" "$PTUN" set $DEV allowed-ips 10.0.0.0/8,
fails "persistent-keepalive junk" "'sometimes' for persistent-keepalive" "$PTUN" set $DEV persistent-keepalive sometimes
fails "a late error stops an early valid setting" "'x' for listen-port" "$PTUN" set $DEV private-key "$T/good.key" peer "$PUB" listen-port x

# ---- set: valid command lines get as far as the kernel ----
reaches "valid full command line" "$PTUN" set $DEV private-key "$T/good.key" listen-port 51820 \
	cipher chacha20-poly1305 peer "$PUB" preshared-key "$T/psk" \
	endpoint '[2001:db8::1]:51820' allowed-ips '10.0.0.0/24,fd00::/64' \
	persistent-keepalive 25
reaches "arguments in any order" "$PTUN" set $DEV persistent-keepalive off endpoint 192.0.2.1:1 listen-port 0
reaches "private key from stdin" sh -c "'$PTUN' set $DEV private-key - < '$T/good.key'"
reaches "private-key /dev/null (removal)" "$PTUN" set $DEV private-key /dev/null
reaches "allowed-ips prefix 33 is left to the kernel" "$PTUN" set $DEV allowed-ips 10.0.0.0/33
reaches "allowed-ips host bits are left to the kernel" "$PTUN" set $DEV allowed-ips 10.0.0.1/24
reaches "allowed-ips empty list" "$PTUN" set $DEV allowed-ips ''
reaches "endpoint host name" "$PTUN" set $DEV endpoint localhost:51820
reaches "peer settings without peer" "$PTUN" set $DEV endpoint 192.0.2.1:7
reaches "remove-peer" "$PTUN" set $DEV remove-peer

# ---- config files ----
REACHED_CONF="^ptun: (the ptun kernel module is not loaded \(generic netlink family 'ptun' not found\)|(setconf|addconf|syncconf) $DEV: .*)$"
cat > "$T/good.conf" <<EOF
# a whole configuration
[Interface]
PrivateKeyFile = $T/good.key
ListenPort = 51820
Cipher = chacha20-poly1305

[Peer]
PublicKey = $PUB
PresharedKeyFile = $T/psk
Endpoint = 192.0.2.1:51820
AllowedIPs = 10.0.0.0/24, fd00::/64
AllowedIPs = 10.1.0.0/16
PersistentKeepalive = 25
EOF
printf '[Interface]\nListenPort = 1\n[Peer]\nPublicKey = %s\nFrob = 1\n' "$PUB" > "$T/bad.conf"
printf '[Interface]\r\nListenPort = 70000\r\n' > "$T/crlf.conf"
printf '[Peer]\nPublicKey = %s\n[Peer]\n' "$PUB" > "$T/two.conf"
for c in setconf addconf syncconf; do
	fails "$c needs IFACE and FILE" "^ptun: usage: ptun $c IFACE FILE" "$PTUN" $c $DEV
	fails "$c: an error names file and line" "^ptun: $T/bad.conf:5: unknown key 'Frob' in \[Peer\]$" \
		"$PTUN" $c $DEV "$T/bad.conf"
	run "$PTUN" $c $DEV "$T/good.conf"
	[ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -Eq -- "$REACHED_CONF"
	result $? "$c: a valid file gets as far as the kernel" "rc=$rc stderr='$err'"
done
fails "setconf: CRLF file, error on line 2" "^ptun: $T/crlf.conf:2: invalid value '70000' for ListenPort" \
	"$PTUN" setconf $DEV "$T/crlf.conf"
fails "setconf: a missing file" "^ptun: cannot open '$T/none.conf'" "$PTUN" setconf $DEV "$T/none.conf"
fails "setconf -: standard input is <stdin>" "^ptun: <stdin>:1: ListenPort outside a section" \
	sh -c "echo 'ListenPort = 1' | '$PTUN' setconf $DEV -"
fails "setconf: a second [Peer]" "^ptun: $T/two.conf:3: a second \[Peer\] section" \
	"$PTUN" setconf $DEV "$T/two.conf"
fails "setconf: MssClamp below 536" "^ptun: <stdin>:2: invalid value '500' for MssClamp: not a segment size from 536 to 65535 bytes, 'auto' or 'off'$" \
	sh -c "printf '[Interface]\nMssClamp = 500\n' | '$PTUN' setconf $DEV -"
fails "set: mss-clamp names the bad value" "^ptun: invalid value 'big' for mss-clamp: not a segment size from 536 to 65535 bytes, 'auto' or 'off'$" \
	"$PTUN" set $DEV mss-clamp big
fails "set: link-state names the bad value" "^ptun: invalid value 'down' for link-state: expected 'up' or 'session'$" \
	"$PTUN" set $DEV link-state down
fails "setconf: LinkState names the bad value" "^ptun: <stdin>:2: invalid value 'on' for LinkState: expected 'up' or 'session'$" \
	sh -c "printf '[Interface]\nLinkState = on\n' | '$PTUN' setconf $DEV -"
fails "setconf: a bad Endpoint candidate is named" "^ptun: <stdin>:3: invalid value '192.0.2.2:0' for Endpoint: port is not a number from 1 to 65535$" \
	sh -c "printf '[Peer]\nPublicKey = $PUB\nEndpoint = 192.0.2.1:1,192.0.2.2:0\n' | '$PTUN' setconf $DEV -"
fails "set: failover-timeout names the bad value" "^ptun: invalid value '-1' for failover-timeout: not a number of seconds from 1 to 65535, or 0 or 'default'$" \
	"$PTUN" set $DEV failover-timeout -1
short_key=$(head -c 40 "$T/good.key")
fails "setconf: a bad private key in the file is not echoed" "^ptun: <stdin>:2: invalid key for PrivateKey: [^']*$" \
	sh -c "printf '[Interface]\nPrivateKey = %s\n' '$short_key' | '$PTUN' setconf $DEV -"
fails "showconf needs IFACE" "^ptun: usage: ptun showconf IFACE" "$PTUN" showconf
run "$PTUN" showconf $DEV
[ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -Eq "^ptun: (the ptun kernel module is not loaded|showconf $DEV: )"
result $? "showconf gets as far as the kernel" "rc=$rc stderr='$err'"
run "$PTUN" help
printf '%s\n' "$out" | grep -q 'setconf|addconf|syncconf IFACE FILE' &&
	printf '%s\n' "$out" | grep -q 'showconf IFACE'
result $? "help names the config file commands"

# ---- show ----
fails "show private-key is refused" "^ptun: show $DEV: private-key is write-only$" "$PTUN" show $DEV private-key
fails "show unknown field" "unknown field 'colour'" "$PTUN" show $DEV colour
fails "show all with a field" "needs one interface" "$PTUN" show all listen-port
fails "show field with --json" "not one field" "$PTUN" show $DEV listen-port --json
fails "show with too many arguments" "unexpected argument 'x'" "$PTUN" show $DEV listen-port x
run "$PTUN" show $DEV listen-port
[ "$rc" -eq 2 ] && printf '%s\n' "$err" | grep -Eq "^ptun: (the ptun kernel module is not loaded|show $DEV: )"
result $? "show of a valid field gets as far as the kernel" "rc=$rc stderr='$err'"

if [ -x "$TEST_MSG" ] && command -v jq > /dev/null; then
	json=$("$TEST_MSG" sample json)
	is "json: one object" object "$(printf '%s' "$json" | jq -r type)"
	is "json: keys" '["cipher","ifindex","ifname","link_state","listen_port","mss_clamp","peer","public_key","stats"]' \
		"$(printf '%s' "$json" | jq -c 'keys')"
	is "json: peer keys" '["allowed_ips","endpoint","endpoints","failback_interval","failover_timeout","persistent_keepalive","preshared_key","public_key"]' \
		"$(printf '%s' "$json" | jq -c '.peer | keys')"
	is "json: drops" 'auth cipher_mismatch dst_not_allowed handshake malformed no_session replay rx_error rx_queue_full src_not_allowed tx_error tx_queue_full' \
		"$(printf '%s' "$json" | jq -r '.stats.drops | keys | join(" ")')"
	is "json: link state" session "$(printf '%s' "$json" | jq -r '.link_state')"
	is "json: preshared key is a flag" true "$(printf '%s' "$json" | jq '.peer.preshared_key')"
	is "json: allowed ips" '["10.0.0.0/24","fd00::/64"]' "$(printf '%s' "$json" | jq -c '.peer.allowed_ips')"
	is "json: latest handshake in seconds" 1700000000 "$(printf '%s' "$json" | jq '.stats.latest_handshake')"
	json=$("$TEST_MSG" sample json-all)
	is "json: array for all" 'array 2' "$(printf '%s' "$json" | jq -r '"\(type) \(length)"')"
	is "json: escaped name" 'ptun"1' "$(printf '%s' "$json" | jq -r '.[1].ifname')"
	is "json: no peer is null" 'null null' "$(printf '%s' "$json" | jq -r '"\(.[1].peer) \(.[1].public_key)"')"
	is "json: the default link state is there too" up "$(printf '%s' "$json" | jq -r '.[1].link_state')"
	human=$("$TEST_MSG" sample human)
	is "human: link-state only when not the default" 1 \
		"$(printf '%s\n' "$human" | grep -c 'link-state')"
	is "field: link-state of both devices" 'session up' \
		"$("$TEST_MSG" sample link-state | tr '\n' ' ' | sed 's/ $//')"
else
	echo "ok $((n + 1)) json samples # SKIP needs tests/test_msg and jq"
	n=$((n + 1))
fi

tap_end
