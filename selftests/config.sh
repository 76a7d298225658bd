#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration through the ptun CLI and generic netlink: every attribute
# round-trips, secrets never come back, bad input is refused with a message
# and changes nothing, and only an administrator may configure.
#
#   ns "a": ptun0 (configured through the CLI and raw netlink)

source "$(dirname "$0")/lib.sh"

ns_add a
in_ns a ip link add ptun0 type ptun

keypair self
keypair peer
keypair other
"$PTUN" genpsk > "$TMP/psk"
check "genkey writes a key file readable only by its owner" \
	test "$(stat -c %a "$TMP/self.key")" = 600
check_match "genkey prints 32 bytes in base64" '^[A-Za-z0-9+/]{43}=$' \
	"$(cat "$TMP/self.key")"

# A fresh device: no keys, no peer, default cipher.
json=$(ptun_in a show ptun0 --json)
check_eq "fresh device has no public key" null "$(jq -r .public_key <<<"$json")"
check_eq "fresh device has no peer" null "$(jq -r .peer <<<"$json")"
check_eq "default cipher is aes-256-gcm" aes-256-gcm "$(jq -r .cipher <<<"$json")"
check_eq "fresh device has handshake count 0" 0 "$(jq -r .stats.handshakes <<<"$json")"

check "set every attribute at once" ptun_in a set ptun0 \
	private-key "$TMP/self.key" listen-port 51820 cipher chacha20-poly1305 \
	peer "$(cat "$TMP/peer.pub")" preshared-key "$TMP/psk" \
	endpoint 192.0.2.7:51821 allowed-ips 10.1.0.0/16,fd00:1::/64,192.168.5.7 \
	persistent-keepalive 25

check_eq "public key derived from the private key" "$(cat "$TMP/self.pub")" \
	"$(ptun_in a show ptun0 public-key)"
check_eq "listen port" 51820 "$(ptun_in a show ptun0 listen-port)"
check_eq "cipher" chacha20-poly1305 "$(ptun_in a show ptun0 cipher)"
check_eq "peer public key" "$(cat "$TMP/peer.pub")" "$(ptun_in a show ptun0 peer)"
check_eq "endpoint" 192.0.2.7:51821 "$(ptun_in a show ptun0 endpoint)"
check_eq "allowed ips" "10.1.0.0/16 192.168.5.7/32 fd00:1::/64" \
	"$(ptun_in a show ptun0 allowed-ips | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "persistent keepalive" 25 "$(ptun_in a show ptun0 persistent-keepalive)"
check_eq "preshared key is reported as set, not shown" "(hidden)" \
	"$(ptun_in a show ptun0 preshared-key)"

json=$(ptun_in a show ptun0 --json)
check_eq "json: ifname" ptun0 "$(jq -r .ifname <<<"$json")"
check_eq "json: ifindex" "$(in_ns a cat /sys/class/net/ptun0/ifindex)" \
	"$(jq -r .ifindex <<<"$json")"
check_eq "json: public key" "$(cat "$TMP/self.pub")" "$(jq -r .public_key <<<"$json")"
check_eq "json: listen port" 51820 "$(jq -r .listen_port <<<"$json")"
check_eq "json: cipher" chacha20-poly1305 "$(jq -r .cipher <<<"$json")"
check_eq "json: peer key" "$(cat "$TMP/peer.pub")" "$(jq -r .peer.public_key <<<"$json")"
check_eq "json: preshared key flag" true "$(jq -r .peer.preshared_key <<<"$json")"
check_eq "json: endpoint" 192.0.2.7:51821 "$(jq -r .peer.endpoint <<<"$json")"
check_eq "json: keepalive" 25 "$(jq -r .peer.persistent_keepalive <<<"$json")"
check_eq "json: allowed ips" '["10.1.0.0/16","192.168.5.7/32","fd00:1::/64"]' \
	"$(jq -c '.peer.allowed_ips | sort' <<<"$json")"
check_eq "json: every drop reason is reported" \
	'["auth","cipher_mismatch","dst_not_allowed","handshake","malformed","no_session","replay","rx_error","rx_queue_full","src_not_allowed","tx_error","tx_queue_full"]' \
	"$(jq -c '.stats.drops | keys' <<<"$json")"
check_eq "show all --json is an array holding the device" ptun0 \
	"$(ptun_in a show all --json | jq -r '.[0].ifname')"

human=$(ptun_in a show ptun0)
check_match "human output names the interface" '^interface: ptun0' "$human"
check_match "human output shows the peer" "^peer: $(sed 's/[+/]/./g' "$TMP/peer.pub")" "$human"
check_match "human output hides the private key" 'private key: \(hidden\)' "$human"

# Secrets never leave the kernel: not in any output, not in the raw reply.
priv_b64=$(cat "$TMP/self.key")
psk_b64=$(cat "$TMP/psk")
all_out=$(ptun_in a show; ptun_in a show all --json; ptun_in a show ptun0 --json)
check_nomatch "private key is not in any output" "$priv_b64" "$all_out"
check_nomatch "preshared key is not in any output" "$psk_b64" "$all_out"
raw=$(in_ns a "$PYTHON" "$TESTS_DIR/nlraw.py" get ptun0)
priv_hex=$(base64 -d < "$TMP/self.key" | od -An -tx1 | tr -d ' \n')
psk_hex=$(base64 -d < "$TMP/psk" | od -An -tx1 | tr -d ' \n')
pub_hex=$(base64 -d < "$TMP/self.pub" | od -An -tx1 | tr -d ' \n')
check_match "raw reply carries the public key" "$pub_hex" "$raw"
check_nomatch "raw reply does not carry the private key" "$priv_hex" "$raw"
check_nomatch "raw reply does not carry the preshared key" "$psk_hex" "$raw"
check_fails "the private key cannot be asked for as a field" \
	ptun_in a show ptun0 private-key
check_match "and the refusal says why" 'write-only' "$LAST_ERR"

# Partial updates leave the rest alone.
check "change only the endpoint, to IPv6" ptun_in a set ptun0 endpoint '[2001:db8::5]:4000'
check_eq "IPv6 endpoint" '[2001:db8::5]:4000' "$(ptun_in a show ptun0 endpoint)"
check_eq "peer kept" "$(cat "$TMP/peer.pub")" "$(ptun_in a show ptun0 peer)"
check_eq "listen port kept" 51820 "$(ptun_in a show ptun0 listen-port)"
check "allowed-ips replaces the list" ptun_in a set ptun0 allowed-ips 172.16.0.0/12
check_eq "only the new subnet is left" 172.16.0.0/12 "$(ptun_in a show ptun0 allowed-ips)"
check "persistent-keepalive off" ptun_in a set ptun0 persistent-keepalive off
check_eq "keepalive is 0 when off" 0 "$(ptun_in a show ptun0 persistent-keepalive)"
check "cipher back to aes-256-gcm" ptun_in a set ptun0 cipher aes-256-gcm
check_eq "cipher changed" aes-256-gcm "$(ptun_in a show ptun0 cipher)"
check "keys read from standard input with '-'" \
	bash -c "ip netns exec a $PTUN set ptun0 private-key - < $TMP/other.key"
check_eq "public key follows the new private key" "$(cat "$TMP/other.pub")" \
	"$(ptun_in a show ptun0 public-key)"
ptun_in a set ptun0 private-key "$TMP/self.key"

# Rejections: message, exit status 1 (2 where the kernel refuses), and no
# change at all.
reject_from a
printf 'c2hvcnQ=\n' > "$TMP/short.key"
printf 'not base64 at all!\n' > "$TMP/bad.key"
reject "private key of the wrong length" 1 'private-key' \
	ptun_in a set ptun0 listen-port 1 private-key "$TMP/short.key"
reject "private key that is not base64" 1 'private-key' \
	ptun_in a set ptun0 listen-port 1 private-key "$TMP/bad.key"
reject "preshared key that is not base64" 1 'preshared-key' \
	ptun_in a set ptun0 listen-port 1 preshared-key "$TMP/bad.key"
reject "peer key of the wrong length" 1 'peer' \
	ptun_in a set ptun0 listen-port 1 peer c2hvcnQ=
reject "peer key equal to our own public key" 2 'own|same|public' \
	ptun_in a set ptun0 listen-port 1 peer "$(cat "$TMP/self.pub")"
reject "IPv4 prefix too long" 2 'prefix' \
	ptun_in a set ptun0 listen-port 1 allowed-ips 10.0.0.0/33
reject "IPv6 prefix too long" 2 'prefix' \
	ptun_in a set ptun0 listen-port 1 allowed-ips fd00::/129
reject "host bits set in an IPv4 subnet" 2 'host bits|prefix' \
	ptun_in a set ptun0 listen-port 1 allowed-ips 10.1.0.0/16,10.0.0.1/8
reject "host bits set in an IPv6 subnet" 2 'host bits|prefix' \
	ptun_in a set ptun0 listen-port 1 allowed-ips fd00::1/64
reject "address that is not an address" 1 'allowed-ips' \
	ptun_in a set ptun0 listen-port 1 allowed-ips 10.0.0.300/32
reject "unknown cipher" 1 'cipher' \
	ptun_in a set ptun0 listen-port 1 cipher rot13
reject "listen port out of range" 1 'listen-port' \
	ptun_in a set ptun0 cipher chacha20-poly1305 listen-port 65536
reject "listen port not a number" 1 'listen-port' \
	ptun_in a set ptun0 listen-port http
reject "endpoint without a port" 1 'endpoint' \
	ptun_in a set ptun0 listen-port 1 endpoint 192.0.2.1
reject "endpoint port 0" 1 'endpoint' \
	ptun_in a set ptun0 listen-port 1 endpoint 192.0.2.1:0
reject "endpoint port out of range" 1 'endpoint' \
	ptun_in a set ptun0 listen-port 1 endpoint 192.0.2.1:70000
reject "IPv6 endpoint without brackets" 1 'endpoint' \
	ptun_in a set ptun0 listen-port 1 endpoint 2001:db8::1:5
reject "keepalive out of range" 1 'persistent-keepalive' \
	ptun_in a set ptun0 listen-port 1 persistent-keepalive 65536
reject "unknown keyword" 1 'frobnicate' \
	ptun_in a set ptun0 listen-port 1 frobnicate 3
reject "missing key file" 1 'private-key' \
	ptun_in a set ptun0 listen-port 1 private-key "$TMP/does-not-exist"
check_fails "unknown device is refused" ptun_in a set nosuchdev listen-port 1
check_match "and the message names it" 'nosuchdev' "$LAST_ERR"
check "a dummy device to aim at" in_ns a ip link add dummy0 type dummy
check_fails "a device that is not ptun is refused" ptun_in a set dummy0 listen-port 1
check_match "and the kernel says why" 'not a ptun device' "$LAST_ERR"
check_fails "show of an unknown device fails" ptun_in a show nosuchdev
check_fails "show of an unknown field fails" ptun_in a show ptun0 colour
check_match "and names the field" 'colour' "$LAST_ERR"

# The kernel's own checks, with requests the CLI would not send.
k31=$(printf '11%.0s' $(seq 31))
k32=$(printf '22%.0s' $(seq 32))
k33=$(printf '33%.0s' $(seq 33))
nlreject "private key of 31 bytes" '.' listen_port=u16:1 private_key=hex:$k31
nlreject "private key of 33 bytes" '.' listen_port=u16:1 private_key=hex:$k33
nlreject "peer key of 31 bytes" '.' listen_port=u16:1 peer.public_key=hex:$k31
nlreject "preshared key of 33 bytes" '.' listen_port=u16:1 peer.preshared_key=hex:$k33
nlreject "cipher number unknown" '.' listen_port=u16:1 cipher=u16:9
nlreject "listen port as 32 bits" '.' listen_port=u32:1
nlreject "endpoint address without port" 'port|endpoint' \
	listen_port=u16:1 peer.endpoint_ipv4=hex:c0000201
nlreject "endpoint port without address" 'address|endpoint' \
	listen_port=u16:1 peer.endpoint_port=u16:80
nlreject "endpoint port 0" '.' listen_port=u16:1 \
	peer.endpoint_ipv4=hex:c0000201 peer.endpoint_port=u16:0
nlreject "IPv4 and IPv6 endpoint at once" '.' listen_port=u16:1 \
	peer.endpoint_ipv4=hex:c0000201 peer.endpoint_port=u16:80 \
	peer.endpoint_ipv6=hex:20010db8000000000000000000000001
nlreject "endpoint address of 5 bytes" '.' listen_port=u16:1 \
	peer.endpoint_ipv4=hex:c000020101 peer.endpoint_port=u16:80
nlreject "allowed IP with an unknown family" '.' listen_port=u16:1 \
	allowed.0.family=u16:99 allowed.0.addr=hex:0a000000 allowed.0.prefix_len=u8:8
nlreject "allowed IP whose address length does not match its family" '.' \
	listen_port=u16:1 allowed.0.family=u16:2 \
	allowed.0.addr=hex:20010db8000000000000000000000000 allowed.0.prefix_len=u8:32
nlreject "allowed IP without prefix" '.' listen_port=u16:1 \
	allowed.0.family=u16:2 allowed.0.addr=hex:0a000000
nlreject "unknown device flag" '.' listen_port=u16:1 flags=u32:0x80
nlreject "MSS clamp of 535 bytes" 'MSS clamp must be' listen_port=u16:1 \
	mss_clamp=u16:535
nlreject "MSS clamp 2, neither auto nor a size" 'MSS clamp must be' \
	listen_port=u16:1 mss_clamp=u16:2
nlreject "peer with an all-zero public key" '.' listen_port=u16:1 \
	peer.public_key=hex:$(printf '00%.0s' $(seq 32))
# A good request after all these goes through.
out=$(in_ns a "$PYTHON" "$TESTS_DIR/nlraw.py" set ptun0 listen_port=u16:2 \
	peer.preshared_key=hex:$k32)
check_eq "kernel accepts a well-formed raw request" "errno=0 msg=" "$out"
check_eq "and applied it" 2 "$(ptun_in a show ptun0 listen-port)"

# Peer fields with no peer configured are refused too.
in_ns a ip link add ptun1 type ptun
check_fails "peer fields without a peer are refused" \
	ptun_in a set ptun1 endpoint 192.0.2.1:1
check_match "with a message" '[Pp]eer' "$LAST_ERR"

# Replacing the peer starts it from empty; removing it works.
check "a new peer key replaces the peer" \
	ptun_in a set ptun0 peer "$(cat "$TMP/other.pub")"
check_eq "new peer has no endpoint" null "$(ptun_in a show ptun0 --json | jq -r .peer.endpoint)"
check_eq "new peer has no preshared key" false \
	"$(ptun_in a show ptun0 --json | jq -r .peer.preshared_key)"
check_eq "new peer has no allowed ips" 0 \
	"$(ptun_in a show ptun0 --json | jq '.peer.allowed_ips | length')"
out=$(in_ns a "$PYTHON" "$TESTS_DIR/nlraw.py" set ptun0 flags=u32:1)
check_eq "remove-peer flag is accepted" "errno=0 msg=" "$out"
check_eq "peer is gone" null "$(ptun_in a show ptun0 --json | jq -r .peer)"
out=$(in_ns a "$PYTHON" "$TESTS_DIR/nlraw.py" set ptun0 \
	private_key=hex:$(printf '00%.0s' $(seq 32)))
check_eq "all-zero private key is accepted" "errno=0 msg=" "$out"
check_eq "and removes the key" null "$(ptun_in a show ptun0 --json | jq -r .public_key)"

# Only an administrator may read or change the configuration.
check_fails "an unprivileged user cannot set" \
	in_ns a setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$PTUN" set ptun0 listen-port 9
check_match "and is told the operation is not permitted" 'not permitted' "$LAST_ERR"
check_fails "an unprivileged user cannot show" \
	in_ns a setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$PTUN" show ptun0
check_match "show is refused as not permitted" 'not permitted' "$LAST_ERR"
check_eq "the unprivileged set changed nothing" 2 "$(ptun_in a show ptun0 listen-port)"

# A name the resolver cannot answer yet (the guest has no DNS server:
# EAI_AGAIN) is looked up a bounded number of times, then refused.
name=endpoint.ptun.example
start=$SECONDS
check_fails "a name that cannot be resolved yet: refused in the end" \
	in_ns a timeout 90 "$PTUN" set ptun0 endpoint "$name:51820"
took=$((SECONDS - start))
diag "the default retries took ${took}s"
check_match "and the user is told why" \
	"^ptun: cannot resolve '$name:51820' for endpoint: Temporary failure in name resolution\$" \
	"$LAST_ERR"
check "after about 8 s of retries, not forever" test "$took" -ge 7 -a "$took" -lt 80
start=$SECONDS
check_fails "PTUN_ENDPOINT_RESOLUTION_RETRIES=0: no retry" \
	in_ns a env PTUN_ENDPOINT_RESOLUTION_RETRIES=0 timeout 90 "$PTUN" \
	set ptun0 endpoint "$name:51820"
diag "without retries: $((SECONDS - start))s"
check "without retries, at once" test $((SECONDS - start)) -lt "$((took - 5))"
check_eq "neither changed the endpoint" "(none)" \
	"$(ptun_in a show ptun0 endpoint)"

ktap_done
