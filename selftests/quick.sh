#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ptun-quick: the two sites of lib.sh, brought up only by ptun-quick from
# a config file in each namespace (sa's by name from its config directory,
# sb's by path, with its private key inline). Traffic goes through, the
# device, addresses, MTU and routes are what the files say, the hooks run
# in order with %i replaced; up refuses an existing device; save, down and
# up from the saved file give the same device; down leaves nothing behind;
# and a file with a mistake, a kernel refusal or a failing PostUp leave
# nothing behind either, with FILE:LINE for the mistakes.
#
#         LAN 10.1.0.1/24 (lan0)              LAN 10.2.0.1/24 (lan0)
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1/32        |========| ptun0 10.10.0.2/24        |
#   |       fd10::1/128         |        |       fd10::2/128         |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        +---------------------------+

source "$(dirname "$0")/lib.sh"

QUICK=${PTUN_QUICK:-$TOP_DIR/tool/ptun-quick}
# ptun-quick runs the ptun that PATH finds: this tree's
PATH=$(dirname "$PTUN"):$PATH
HOOKS=$TMP/hooks.log

# quick NS ARGS...: ptun-quick in NS, whose config directory is $TMP/NS-etc
quick()
{
	local ns=$1

	shift
	PTUN_QUICK_CONFIG_DIR=$TMP/$ns-etc ip netns exec "$ns" "$QUICK" "$@"
}

# quick_run DESC NS ARGS...: quick as a result, its output kept in $TMP/out
quick_run()
{
	local desc=$1

	shift
	if quick "$@" > "$TMP/out" 2>&1; then
		ok "$desc"
	else
		fail "$desc" "ptun-quick $* failed:"
		sed 's/^/#   /' "$TMP/out"
	fi
}

# netstate NS: NS's links, addresses, routes of every table and rules,
# without the interface indexes (a new device gets a new one). Two
# processes: starting one is what costs most in the guest.
netstate()
{
	local f line out

	for f in -4 -6; do
		out=$(printf '%s\n' 'link show' 'address show' 'route show table all' 'rule show' |
			ip -n "$1" "$f" -o -batch - 2>&1)
		while IFS= read -r line; do
			[[ $line =~ ^[0-9]+:\ (.*) ]] && line=${BASH_REMATCH[1]}
			printf '%s\n' "$line"
		done <<< "$out"
	done
}

# state NS: ptun0's configuration, without ifindex and counters
state()
{
	ptun_in "$1" show ptun0 --json | jq -S -c 'del(.stats, .ifindex) | .peer.allowed_ips |= sort'
}

# first_words CMD...: the first word of each line CMD prints, sorted, on
# one line
first_words()
{
	local out w rest words=()

	out=$("$@")
	while read -r w rest; do
		[ -n "$w" ] && words+=("$w")
	done <<< "$out"
	printf '%s\n' "${words[@]}" | sort | tr '\n' ' '
}

# dsts NS -4|-6: the destinations routed through ptun0 in the main table
dsts()
{
	first_words ip -n "$1" "$2" route show dev ptun0
}

# addrs NS: ptun0's addresses
addrs()
{
	local out a words=()

	out=$(ip -n "$1" -o address show dev ptun0)
	while read -r _ _ _ a _; do
		words+=("$a")
	done <<< "$out"
	echo "${words[*]}"
}

# ---- two namespaces, a veth between them, a LAN each: no tunnel ----
setup()
{
	local n ns

	ns_add sa && ns_add sb || return 1
	# no tentative IPv6 addresses: what netstate shows must not change
	# by itself while DAD completes
	for ns in sa sb; do
		in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 || return 1
	done
	ip link add wan0 netns sa type veth peer name wan0 netns sb || return 1
	for n in 1 2; do
		ns=${SITE_NS[n]}
		ip -n "$ns" addr add "${SITE_V4[n]}/24" dev wan0 &&
		ip -n "$ns" link set wan0 up &&
		ip -n "$ns" link add lan0 type dummy &&
		ip -n "$ns" addr add "10.$n.0.1/24" dev lan0 &&
		ip -n "$ns" link set lan0 up &&
		mkdir -p "$TMP/$ns-etc" || return 1
	done
	site_keys
}
if setup > "$TMP/setup.log" 2>&1; then
	ok "two namespaces without a tunnel"
else
	fail "two namespaces without a tunnel" "$(cat "$TMP/setup.log")"
	ktap_done
fi
before_sa=$(netstate sa)
before_sb=$(netstate sb)

# The hooks source this: ". hook.sh NAME IFACE" logs NAME, IFACE and,
# read from /proc and /sys without starting a process, whether the device
# exists, is up, and how many IPv4 routes of the main table use it.
cat > "$TMP/hook.sh" <<'HOOK'
state=absent up=- routes=0
while read -r l _; do
	[ "$l" = "$2:" ] && state=exists
done < /proc/net/dev
if [ "$state" = exists ]; then
	read -r flags < "/sys/class/net/$2/flags"
	up=$((flags & 1))
fi
while read -r dev _; do
	[ "$dev" = "$2" ] && routes=$((routes + 1))
done < /proc/net/route
echo "$1 $2 $state up=$up routes=$routes" >> "$HOOKS"
HOOK
export HOOKS

SA_CONF=$TMP/sa-etc/ptun0.conf
SB_CONF=$TMP/sb-etc/ptun0.conf
cat > "$SA_CONF" <<EOF
# site a, by name
[Interface]
PrivateKeyFile = $TMP/site1.key
ListenPort = 51820
Address = 10.10.0.1/32
Address = fd10::1/128
MTU = 1380
PreUp = . $TMP/hook.sh PreUp %i
PostUp = . $TMP/hook.sh PostUp %i
PostUp = . $TMP/hook.sh PostUp2 %i
PreDown = . $TMP/hook.sh PreDown %i
PostDown = . $TMP/hook.sh PostDown %i

[Peer]
PublicKey = $(cat "$TMP/site2.pub")
Endpoint = ${SITE_V4[2]}:$PTUN_PORT
AllowedIPs = 10.10.0.2/32, fd10::2/128
AllowedIPs = 10.2.0.0/24
EOF
# sb's Address is a /24 whose subnet is also in AllowedIPs: its route is
# the kernel's, which ptun-quick leaves alone
cat > "$SB_CONF" <<EOF
# site b, by path
[Interface]
PrivateKey = $(cat "$TMP/site2.key")
ListenPort = $PTUN_PORT
Address = 10.10.0.2/24, fd10::2/128
Table = auto

[Peer]
PublicKey = $(cat "$TMP/site1.pub")
Endpoint = ${SITE_V4[1]}:$PTUN_PORT
AllowedIPs = 10.10.0.0/24, fd10::1/128, 10.1.0.0/24
EOF
chmod 600 "$SA_CONF" "$SB_CONF"
cp "$SA_CONF" "$TMP/sa-orig.conf"

# ---- up ----
quick_run "up sa by name" sa up ptun0
quick_run "up sb by path" sb up "$SB_CONF"
expected=$(jq -n -S -c --arg self "$(cat "$TMP/site1.pub")" --arg peer "$(cat "$TMP/site2.pub")" '{
	ifname: "ptun0", public_key: $self, listen_port: 51820, cipher: "aes-256-gcm",
	mss_clamp: "off", link_state: "up",
	peer: { public_key: $peer, preshared_key: false, endpoint: "192.0.2.2:51820",
		endpoints: [{ endpoint: "192.0.2.2:51820", state: "active" }],
		failover_timeout: 5, failback_interval: 60,
		persistent_keepalive: 0,
		allowed_ips: ["10.10.0.2/32", "10.2.0.0/24", "fd10::2/128"] } }')
check_eq "sa: ptun show as configured" "$expected" "$(state sa)"
check_eq "sb: its peer's allowed IPs" '["10.1.0.0/24","10.10.0.0/24","fd10::1/128"]' \
	"$(state sb | jq -c .peer.allowed_ips)"
check_eq "sa: the addresses, and no link-local one" "10.10.0.1/32 fd10::1/128" "$(addrs sa)"
check_eq "sb: the addresses" "10.10.0.2/24 fd10::2/128" "$(addrs sb)"
check_match "sa: MTU 1380, up" "<([^>]*,)?UP[,>].* mtu 1380 " "$(ip -n sa -o link show dev ptun0)"
check_eq "sa: IPv4 routes for AllowedIPs" "10.10.0.2 10.2.0.0/24 " "$(dsts sa -4)"
check_match "sa: IPv6 route for AllowedIPs" '(^| )fd10::2( |$)' "$(dsts sa -6)"
check_eq "sb: the /24 of its Address routed once, the LAN added" "10.1.0.0/24 10.10.0.0/24 " "$(dsts sb -4)"
check_match "sb: IPv6 route for AllowedIPs" '(^| )fd10::1( |$)' "$(dsts sb -6)"
check "ping 10.10.0.2 from sa" ping_ok sa 10.10.0.2
check "ping fd10::2 from sa" ping_ok sa fd10::2
check "LAN to LAN, 10.1.0.1 -> 10.2.0.1" ping_ok sa 10.2.0.1 -I 10.1.0.1
if iperf_run sb 10.10.0.2 sa -t 2; then
	check_ge "TCP: from sa to sb" "$IPERF_MIN_BYTES" "$(iperf_result bytes)"
else
	fail "TCP: from sa to sb" "$(tail -n 5 "$TMP/iperf.json")"
fi
check_eq "hooks: PreUp before the device, PostUp after up and routes, in order, %i replaced" \
	"PreUp ptun0 absent up=- routes=0|PostUp ptun0 exists up=1 routes=2|PostUp2 ptun0 exists up=1 routes=2|" \
	"$(tr '\n' '|' < "$HOOKS")"

# ---- up on an existing device ----
up_sa=$(netstate sa)
state_sa=$(state sa)
hooks_sa=$(cat "$HOOKS")
out=$(quick sa up ptun0 2>&1)
check_eq "up of an existing device: exit status 1" 1 $?
check_match "up of an existing device: message" "^ptun-quick: ptun0 already exists" "$out"
check_eq "up of an existing device: no route or address changed" "$up_sa" "$(netstate sa)"
check_eq "up of an existing device: ptun0 unchanged" "$state_sa" "$(state sa)"
check_eq "up of an existing device: no hook ran" "$hooks_sa" "$(cat "$HOOKS")"

# ---- save, down, up from the saved file ----
state_sb=$(state sb)
up_sb=$(netstate sb)
quick_run "save sa" sa save ptun0
check_eq "save sa: says where it saved, and nothing else" \
	"ptun-quick: saved ptun0 to $SA_CONF" "$(cat "$TMP/out")"
quick_run "save sb" sb save "$SB_CONF"
check_eq "save sb: prints nothing of the file, its inline key included" \
	"ptun-quick: saved ptun0 to $SB_CONF" "$(cat "$TMP/out")"
check_eq "save: the files are 0600" "600 600" "$(stat -c %a "$SA_CONF" "$SB_CONF" | tr '\n' ' ' | sed 's/ $//')"
check_eq "save sa: ptun-quick's keys and the key file kept" \
	"$(grep -E '^(PrivateKeyFile|Address|MTU|P(re|ost)(Up|Down)) ' "$TMP/sa-orig.conf")" \
	"$(grep -E '^(PrivateKeyFile|Address|MTU|P(re|ost)(Up|Down)) ' "$SA_CONF")"
check_eq "save sb: its inline private key kept" 1 "$(grep -cxF "PrivateKey = $(cat "$TMP/site2.key")" "$SB_CONF")"
check_nomatch "save: no 'not shown' comment where the file had the key" "not shown" "$(cat "$SA_CONF" "$SB_CONF")"
quick_run "down sa" sa down ptun0
quick_run "down sb" sb down "$SB_CONF"
check_eq "down sa: no ptun0" "" "$(ip -n sa -o link show dev ptun0 2> /dev/null)"
check_eq "down sa: no address or route left behind" "$before_sa" "$(netstate sa)"
check_eq "down sb: no address or route left behind" "$before_sb" "$(netstate sb)"
check_eq "hooks: PreDown with the device, PostDown without, %i replaced" \
	"PreDown ptun0 exists up=1 routes=2|PostDown ptun0 absent up=- routes=0|" \
	"$(tail -n 2 "$HOOKS" | tr '\n' '|')"
quick_run "up sa from the saved file" sa up ptun0
quick_run "up sb from the saved file" sb up "$SB_CONF"
check_eq "saved sa: the same ptun0" "$state_sa" "$(state sa)"
check_eq "saved sb: the same ptun0" "$state_sb" "$(state sb)"
check_eq "saved sa: the same links, addresses and routes" "$up_sa" "$(netstate sa)"
check_eq "saved sb: the same links, addresses and routes" "$up_sb" "$(netstate sb)"
check "saved: ping 10.10.0.2 from sa" ping_ok sa 10.10.0.2
quick_run "down sa again" sa down ptun0
quick_run "down sb again" sb down "$SB_CONF"
check_eq "down sa again: nothing left behind" "$before_sa" "$(netstate sa)"
check_eq "down sb again: nothing left behind" "$before_sb" "$(netstate sb)"

# ---- files that must not come up: nothing left behind ----
# refused DESC STATUS LINE-TEXT REGEX [SED]: sa's first file, SED applied
# and LINE-TEXT after [Interface] (line 3), fails with STATUS and a message
# matching REGEX
refused()
{
	local desc=$1 status=$2 text=$3 re=$4 file=$TMP/sa-etc/bad.conf out rc

	sed -e "${5:-}" -e "/^\[Interface\]/a $text" "$TMP/sa-orig.conf" > "$file"
	out=$(quick sa up "$file" 2>&1)
	rc=$?
	check_eq "$desc: exit status $status" "$status" "$rc"
	check_match "$desc: message" "$re" "$out"
	check_eq "$desc: no device, address or route left" "$before_sa" "$(netstate sa)"
}
F=$TMP/sa-etc/bad.conf
refused "an unknown key" 1 "Frobnicate = 1" "^ptun-quick: $F:3: unknown key 'Frobnicate' in \[Interface\]"
refused "a bad Address" 1 "Address = 10.10.0.300/32" "^ptun-quick: $F:3: invalid address '10.10.0.300/32' for Address"
refused "a bad MTU" 1 "MTU = 15OO" "^ptun-quick: $F:3: invalid MTU '15OO'"
# after ptun-quick's own lines: the line number is still the file's
refused "a bad PublicKey in [Peer]" 1 "# a comment" "^ptun-quick: $F:16: invalid key 'c2hvcnQ=' for PublicKey" \
	's/^PublicKey = .*/PublicKey = c2hvcnQ=/'
refused "a ListenPort given twice" 1 "ListenPort = 4000" \
	"^ptun-quick: $F:5: ListenPort given more than once \(first on line 3\)"
# (more of ptun-quick's own mistakes: tool/tests/quick.sh, on the host)
refused "an MTU the kernel refuses" 2 "MTU = 65535" "^ptun-quick: $F: 'ip link set dev bad mtu 65535' failed" \
	'/^MTU = 1380$/d'
refused "a PostUp that fails" 1 "PostUp = ip route add 10.99.0.0/24 dev %i && false" \
	"^ptun-quick: $F: PostUp command failed: ip route add 10.99.0.0/24 dev bad && false"

# ---- Table = NUMBER: routes there, none in main; a failing PreDown ----
cat > "$TMP/sa-etc/ptun1.conf" <<EOF
[Interface]
PrivateKeyFile = $TMP/site1.key
Address = 10.77.1.1/32
Table = 123
PreDown = false
PreDown = . $TMP/hook.sh PreDown2 %i
PostDown = . $TMP/hook.sh PostDown %i
[Peer]
PublicKey = $(cat "$TMP/site2.pub")
AllowedIPs = 10.77.0.0/24, fd77::/64, 0.0.0.0/0
EOF
quick_run "up with Table = 123" sa up ptun1
check_eq "Table = 123: the IPv4 routes in table 123" "10.77.0.0/24 default " \
	"$(first_words ip -n sa -4 route show table 123 dev ptun1)"
check_eq "Table = 123: the IPv6 route in table 123" "fd77::/64 " \
	"$(first_words ip -n sa -6 route show table 123 dev ptun1)"
check_eq "Table = 123: none in the main table" "" "$(ip -n sa -4 route show dev ptun1)"
out=$(quick sa down ptun1 2>&1)
check_eq "down with a failing PreDown: exit status 1" 1 $?
check_match "down with a failing PreDown: message" "^ptun-quick: $TMP/sa-etc/ptun1.conf: PreDown command failed: false$" "$out"
check_eq "down with a failing PreDown: the other hooks ran, PostDown after the device went" \
	"PreDown2 ptun1 exists up=1 routes=0|PostDown ptun1 absent up=- routes=0|" \
	"$(tail -n 2 "$HOOKS" | tr '\n' '|')"
check_eq "Table = 123, down: nothing left behind" "$before_sa" "$(netstate sa)"

ktap_done
