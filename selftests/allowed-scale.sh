#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 100,000 allowed IPs on one peer: a config file sets them (the CLI sends
# them in chunks of 1500, the kernel applies the whole at the last), show
# reads them all back (a dump of many messages), traffic to the first, the
# middle and the last prefix of the list flows and to an address outside
# it is dropped as dst-not-allowed. A long list whose last chunk holds a
# bad entry changes nothing.
#
#                                       LAN 10.2.0.1/24, and on lan0 an
#                                       address in the first, middle and
#                                       last /30 of the list (100.64/10)
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1, fd10::1  |========| ptun0 10.10.0.2, fd10::2  |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        +---------------------------+
#   sa: 100.64.0.0/10 routed into ptun0; its peer's allowed IPs are
#   99,997 /30s of 100.64/10 and sb's three usual prefixes (100,000).

source "$(dirname "$0")/lib.sh"

N=100000

sites_setup_check "two sites" 4

# gen FILE: sa's config with N allowed IPs, ten to an AllowedIPs line: /30s
# of 100.64.0.0/10 with sb's own prefixes as entries 2-4. Prints the first
# address of the first, middle and last entry.
gen()
{
	"$PYTHON" - "$1" "$N" "$TMP/site1.key" "$(cat "$TMP/site2.pub")" \
		"${SITE_V4[2]}:$PTUN_PORT" <<'EOF'
import ipaddress, sys

path, n, key, peer, endpoint = sys.argv[1:6]
n = int(n)
base = int(ipaddress.IPv4Address("100.64.0.0"))
gen = (f"{ipaddress.IPv4Address(base + 4 * i)}/30" for i in range(n - 3))
ips = [next(gen), "10.10.0.2/32", "fd10::2/128", "10.2.0.0/24"]
ips += gen
with open(path, "w") as f:
    f.write(f"[Interface]\nPrivateKeyFile = {key}\nListenPort = 51820\n")
    f.write(f"[Peer]\nPublicKey = {peer}\nEndpoint = {endpoint}\n")
    for i in range(0, n, 10):
        f.write("AllowedIPs = " + ", ".join(ips[i:i + 10]) + "\n")
first = [str(ipaddress.ip_network(ips[i]).network_address + 1)
         for i in (0, n // 2, n - 1)]
print(" ".join(first))
EOF
}

# (no process substitution: the guest has no /dev/fd)
read -r A_FIRST A_MIDDLE A_LAST <<<"$(gen "$TMP/big.conf")"
check "the config file holds $N allowed IPs" \
	test "$(grep '^AllowedIPs' "$TMP/big.conf" | grep -o / | wc -l)" -eq "$N"
for a in "$A_FIRST" "$A_MIDDLE" "$A_LAST"; do
	in_ns sb ip addr add "$a/32" dev lan0
done
in_ns sa ip route add 100.64.0.0/10 dev ptun0 src 10.10.0.1

start=$SECONDS
check "setconf of $N allowed IPs" ptun_in sa setconf ptun0 "$TMP/big.conf"
diag "setconf took $((SECONDS - start)) s"

start=$SECONDS
json=$(ptun_in sa show ptun0 --json)
diag "show --json took $((SECONDS - start)) s"
check_eq "show counts them all" "$N" \
	"$(jq '.peer.allowed_ips | length' <<<"$json")"
check_eq "in the file's order, first and last" \
	"100.64.0.0/30 $(tail -n 1 "$TMP/big.conf" | sed 's/.*, //')" \
	"$(jq -r '.peer.allowed_ips | "\(.[0]) \(.[-1])"' <<<"$json")"
check_eq "showconf gives them back" "$N" \
	"$(ptun_in sa showconf ptun0 | grep '^AllowedIPs' | grep -o / | wc -l)"

check "traffic to the first prefix ($A_FIRST) flows" ping_ok sa "$A_FIRST"
check "to the middle one ($A_MIDDLE)" ping_ok sa "$A_MIDDLE"
check "to the last one ($A_LAST)" ping_ok sa "$A_LAST"
dst0=$(ctr sa drop-dst-not-allowed)
check "an address outside the list (100.100.0.1) is not reached" \
	ping_fails sa 100.100.0.1
# counted as the packets are refused, before ping hears of it; each read
# of a counter dumps all 100,000 entries, so one read, not a poll
check_eq "dropped as dst-not-allowed" 2 \
	$(($(ctr sa drop-dst-not-allowed) - dst0))

# The same list with a bad last entry (host bits set): every chunk but the
# last was staged by the kernel, the last is refused, nothing changes.
sed '$ s|, [^,]*$|, 100.127.0.1/24|' "$TMP/big.conf" > "$TMP/bad.conf"
before=$(jq -c 'del(.stats)' <<<"$json" | md5sum)
LAST_ERR=$(ptun_in sa setconf ptun0 "$TMP/bad.conf" 2>&1 >/dev/null)
check_eq "a long list with a bad last entry is refused (exit 2)" 2 "$?"
check_match "naming the file's last line and the entry" \
	"bad.conf:$(wc -l < "$TMP/bad.conf"):.*host bits.*100.127.0.1/24" \
	"$LAST_ERR"
check_eq "and nothing changed" "$before" \
	"$(ptun_in sa show ptun0 --json | jq -c 'del(.stats)' | md5sum)"
check "traffic to the middle prefix still flows" ping_ok sa "$A_MIDDLE"
check "and to the last" ping_ok sa "$A_LAST"

# A short list replaces the long one whole.
check "a short list replaces it" \
	ptun_in sa set ptun0 allowed-ips "$(site_allowed 1)"
check_eq "show has the three left" 3 \
	"$(ptun_in sa show ptun0 --json | jq '.peer.allowed_ips | length')"
check "the middle prefix is no longer reached" ping_fails sa "$A_MIDDLE"
check "the tunnel still carries the sites' traffic" ping_ok sa 10.2.0.1 -I 10.1.0.1
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
