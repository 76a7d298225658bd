#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own generic netlink client, tools/net/ynl/cli.py (from
# linux-source-6.12, staged in build/ynl/ by "scripts/ynl tools"), drives
# ptun with nothing but Documentation/netlink/specs/ptun.yaml: an
# independent check of the module and of the spec.
#  1. The spec passes the genetlink-c schema, and the policies the module
#     registered match it (selftests/ynlpolicy.py on nlctrl's getpolicy).
#  2. Two sites, their devices made by ip, configured only by cli.py
#     set-device (keys, port, cipher, MSS clamp, link state, peer with
#     preshared key,
#     IPv4 and IPv6 endpoints, keepalive, allowed IPs as a multi-attr nest):
#     get-device as do (by name and by index) and as dump say what
#     "ptun show --json" says.
#  3. Traffic flows over that tunnel, and the counters cli.py reads move.
#  4. A long list staged in two SETs from one socket (cli.py --multi, with
#     allowed-ips-more then allowed-ips-continue) lands whole; remove-peer
#     removes the peer.
#  5. Rejected requests (policy range, and the module's own check of host
#     bits) come back with an extended ack message and change nothing.

source "$(dirname "$0")/lib.sh"

YNL=$TOP_DIR/build/ynl
SPEC=$TOP_DIR/Documentation/netlink/specs/ptun.yaml
CLI=$YNL/tools/net/ynl/cli.py

if [ ! -f "$CLI" ] || ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
	skip "cli.py drives ptun" "no build/ynl/ (scripts/ynl tools) or no python3-yaml"
	ktap_done
fi

# ynl NS ARGS...: cli.py in NS with the ptun spec, JSON out. The schema
# check costs seconds under TCG: section 1 does it once.
ynl()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$PYTHON" "$CLI" --spec "$SPEC" --no-schema \
		--output-json "$@"
}

# hexkey FILE: a base64 key file as the hex cli.py takes for binary
hexkey()
{
	base64 -d < "$1" | od -An -v -tx1 | tr -d ' \n'
}

# same NS OUT: the JSON cli.py printed in OUT describes ptun0 of NS as
# "ptun show ptun0 --json" does
same()
{
	ptun_in "$1" show ptun0 --json > "$TMP/show.json" &&
	"$PYTHON" - "$2" "$TMP/show.json" <<-'EOF'
	import base64, ipaddress, json, sys
	got = json.load(open(sys.argv[1]))
	if isinstance(got, list):
	    assert len(got) == 1, f"{len(got)} devices in the dump"
	    got = got[0]
	show = json.load(open(sys.argv[2]))
	b64 = lambda h: base64.b64encode(bytes.fromhex(h)).decode()
	mss = {0: "off", 1: "auto"}
	st = got["stats"]
	want = {
	    "ifname": got["ifname"], "ifindex": got["ifindex"],
	    "public_key": b64(got["public-key"]) if "public-key" in got else None,
	    "listen_port": got["listen-port"], "cipher": got["cipher"],
	    "mss_clamp": mss.get(got["mss-clamp"], str(got["mss-clamp"])),
	    "link_state": got["link-state"],
	    "peer": None,
	    "stats": {
	        "rx_packets": st["rx-packets"], "rx_bytes": st["rx-bytes"],
	        "tx_packets": st["tx-packets"], "tx_bytes": st["tx-bytes"],
	        "handshakes": st["handshakes"],
	        "latest_handshake": st["last-handshake"] // 10**9,
	        "events_suppressed": st["events-suppressed"],
	        "drops": {k[5:].replace("-", "_"): v for k, v in st.items()
	                  if k.startswith("drop-")},
	    },
	}
	p = got.get("peer")
	if p:
	    ep = None
	    if "endpoint-ipv4" in p:
	        ep = f'{p["endpoint-ipv4"]}:{p["endpoint-port"]}'
	    elif "endpoint-ipv6" in p:
	        ep = f'[{p["endpoint-ipv6"]}]:{p["endpoint-port"]}'
	    ips = []
	    for e in p.get("allowed-ips", {}).get("allowed-ip", []):
	        a = ipaddress.ip_address(bytes.fromhex(e["addr"]))
	        ips.append(f'{a}/{e["prefix-len"]}')
	    cands = []
	    for e in p.get("endpoints", {}).get("entry", []):
	        if "ipv4" in e:
	            c = f'{e["ipv4"]}:{e["port"]}'
	        else:
	            c = f'[{e["ipv6"]}]:{e["port"]}'
	        cands.append({"endpoint": c, "state": e["state"]})
	    want["peer"] = {
	        "public_key": b64(p["public-key"]),
	        "preshared_key": "has-preshared-key" in p.get("flags", []),
	        "endpoint": ep,
	        "endpoints": cands,
	        "failover_timeout": p["failover-timeout"],
	        "failback_interval": p["failback-interval"],
	        "persistent_keepalive": p["persistent-keepalive"],
	        "allowed_ips": ips,
	    }
	if want != show:
	    print(f"# cli.py: {json.dumps(want, sort_keys=True)}")
	    print(f"# ptun:   {json.dumps(show, sort_keys=True)}")
	    sys.exit(1)
	EOF
}

# 1. The schema, then the policies
out=$("$PYTHON" "$CLI" --spec "$SPEC" \
	--schema "$YNL/Documentation/netlink/genetlink-c.yaml" --list-ops 2>&1)
check_match "the spec passes the genetlink-c schema; cli.py lists its commands" \
	'^get-device +\[ *(do, dump|dump, do) *\].*set-device +\[ *do *\]' "${out//$'\n'/ }"
"$PYTHON" "$TESTS_DIR/ynlpolicy.py" --first $((ktap_n + 1)) "$SPEC" "$YNL" \
	> "$TMP/policy.out" 2> "$TMP/policy.err"
cat "$TMP/policy.out"
last=$(sed -n 's/^last //p' "$TMP/policy.err")
if [ -n "$last" ]; then
	ktap_failed=$((ktap_failed + $(grep -c '^not ok' "$TMP/policy.out")))
	ktap_n=$last
else
	fail "the module's policies match the spec" "$(cat "$TMP/policy.err")"
fi

# 2. Two sites configured by cli.py only
ns_add sa && ns_add sb &&
ip link add wan0 netns sa type veth peer name wan0 netns sb &&
for n in 1 2; do
	ns=${SITE_NS[n]}
	ip -n "$ns" addr add "${SITE_V4[n]}/24" dev wan0 &&
	ip -n "$ns" -6 addr add "${SITE_V6[n]}/64" dev wan0 nodad &&
	ip -n "$ns" link set wan0 up &&
	ip -n "$ns" link add ptun0 type ptun &&
	ip -n "$ns" link set ptun0 addrgenmode none || break
done
check "sites: veth and two ptun devices made by ip" test -n "$(ip -n sb link show ptun0)"
site_keys
(umask 077 && "$PTUN" genkey > "$TMP/psk")
k1=$(hexkey "$TMP/site1.key") p1=$(hexkey "$TMP/site1.pub")
k2=$(hexkey "$TMP/site2.key") p2=$(hexkey "$TMP/site2.pub")
psk=$(hexkey "$TMP/psk")
# 10.10.0.2/32, fd10::2/128, 10.2.0.0/24 and the other way round
ip4() { printf '{"family": 2, "addr": "%s", "prefix-len": %s}' "$1" "$2"; }
ip6() { printf '{"family": 10, "addr": "%s", "prefix-len": %s}' "$1" "$2"; }
aips1="$(ip4 0a0a0002 32), $(ip6 fd100000000000000000000000000002 128), $(ip4 0a020000 24)"
aips2="$(ip4 0a0a0001 32), $(ip6 fd100000000000000000000000000001 128), $(ip4 0a010000 24)"
check "cli.py set-device: sa, IPv4 endpoint, chacha20, mss-clamp auto" \
	ynl sa --do set-device --json "{\"ifname\": \"ptun0\",
	\"private-key\": \"$k1\", \"listen-port\": $PTUN_PORT,
	\"cipher\": \"chacha20-poly1305\", \"mss-clamp\": 1,
	\"peer\": {\"public-key\": \"$p2\", \"preshared-key\": \"$psk\",
	\"endpoint-ipv4\": \"c0000202\", \"endpoint-port\": $PTUN_PORT,
	\"persistent-keepalive\": 120,
	\"allowed-ips\": {\"allowed-ip\": [$aips1]}}}"
ifindex=$(ip -n sb -o link show ptun0 | cut -d: -f1)
check "cli.py set-device: sb by ifindex, IPv6 endpoint, mss-clamp 1300, link-state session" \
	ynl sb --do set-device --json "{\"ifindex\": $ifindex,
	\"private-key\": \"$k2\", \"listen-port\": $PTUN_PORT,
	\"cipher\": 2, \"mss-clamp\": 1300, \"link-state\": \"session\",
	\"peer\": {\"public-key\": \"$p1\", \"preshared-key\": \"$psk\",
	\"endpoint-ipv6\": \"20010db8000100000000000000000001\",
	\"endpoint-port\": $PTUN_PORT,
	\"allowed-ips\": {\"allowed-ip\": [$aips2]}}}"
ynl sa --do get-device --json '{"ifname": "ptun0"}' > "$TMP/get-sa.json" 2>&1
check "cli.py get-device (do, by name) says what ptun show --json says" \
	same sa "$TMP/get-sa.json"
ynl sb --do get-device --json "{\"ifindex\": $ifindex}" > "$TMP/get-sb.json" 2>&1
check "cli.py get-device (do, by index), IPv6 endpoint: the same" \
	same sb "$TMP/get-sb.json"
ynl sb --dump get-device > "$TMP/dump-sb.json" 2>&1
check "cli.py get-device (dump): the same" same sb "$TMP/dump-sb.json"
check_eq "cli.py reads link-state session on sb" session \
	"$("$PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["link-state"])' "$TMP/get-sb.json")"

# 3. Traffic over the tunnel cli.py configured
for n in 1 2; do
	ns=${SITE_NS[n]} p=$((3 - n))
	ip -n "$ns" addr add "10.10.0.$n/32" peer "10.10.0.$p/32" dev ptun0 &&
	ip -n "$ns" link set ptun0 up
done
# sb, in link state session, connects by itself once up
check "sb gets a carrier (a session)" wait_carrier sb ptun0
ping_ok sa 10.10.0.2
ynl sa --do get-device --json '{"ifname": "ptun0"}' > "$TMP/get-sa.json" 2>&1
check "after traffic: cli.py get-device still says what ptun show says" \
	same sa "$TMP/get-sa.json"
counters=$("$PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))["stats"]
print(s["handshakes"], s["rx-packets"], s["tx-packets"])' "$TMP/get-sa.json")
check_match "cli.py reads the counters: a handshake, packets both ways" \
	'^[1-9][0-9]* [1-9][0-9]* [1-9][0-9]*$' "$counters"

# 4. A list in two SETs from one socket, then the peer removed
ynl sa --multi set-device "{\"ifname\": \"ptun0\",
	\"flags\": [\"allowed-ips-more\"],
	\"peer\": {\"allowed-ips\": {\"allowed-ip\": [$(ip4 0a0a0002 32)]}}}" \
	--multi set-device "{\"ifname\": \"ptun0\",
	\"flags\": [\"allowed-ips-continue\"], \"peer\": {\"public-key\": \"$p2\",
	\"allowed-ips\": {\"allowed-ip\": [$(ip4 0a030000 16)]}}}" \
	> "$TMP/multi.out" 2>&1
check "cli.py --multi: a list staged by one SET and completed by the next" \
	test "$(ptun_in sa show ptun0 allowed-ips | tr '\n' ' ')" = "10.10.0.2/32 10.3.0.0/16 "
check "cli.py set-device flags remove-peer" \
	ynl sa --do set-device --json '{"ifname": "ptun0", "flags": ["remove-peer"]}'
ynl sa --do get-device --json '{"ifname": "ptun0"}' > "$TMP/get-sa.json" 2>&1
check "no peer left: cli.py and ptun show agree" same sa "$TMP/get-sa.json"
check_nomatch "get-device has no peer nest" '"peer"' "$(cat "$TMP/get-sa.json")"

# 5. Rejections carry an extended ack and change nothing
reject_from sb
out=$(ynl sb --do set-device --json '{"ifname": "ptun0", "cipher": 7}' 2>&1)
check_eq "cipher 7: cli.py fails" 1 "$?"
check_match "cipher 7: the policy's extack (range, the attribute)" \
	"extack: .*'bad-attr': '.cipher'" "${out//$'\n'/ }"
out=$(ynl sb --do set-device --json '{"ifname": "ptun0", "link-state": 2}' 2>&1)
check_eq "link-state 2: cli.py fails" 1 "$?"
check_match "link-state 2: the policy's extack (range, the attribute)" \
	"extack: .*'bad-attr': '.link-state'" "${out//$'\n'/ }"
out=$(ynl sb --do set-device --json "{\"ifname\": \"ptun0\", \"peer\": {
	\"public-key\": \"$p1\", \"allowed-ips\": {\"allowed-ip\": [$(ip4 0a020001 24)]}}}" 2>&1)
check_eq "host bits below the prefix: cli.py fails" 1 "$?"
check_match "host bits below the prefix: the module's extack message" \
	"Invalid argument.*'msg': 'allowed IP has host bits set below its prefix length'" \
	"${out//$'\n'/ }"
check_eq "rejected requests changed nothing" "$REJECT_BEFORE" \
	"$(ptun_in sb show ptun0 --json)"

ktap_done
