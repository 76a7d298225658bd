#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DNS endpoints that move: an endpoint given as a host name is resolved by
# the CLI and the name is kept by the kernel, so that "ptun set IFACE
# reresolve" can resolve it again when the peer's address changes. The
# names come from a private /etc/hosts (the guest has no DNS server), bound
# over the real one in a mount namespace of this test's own.
#
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1           |========| ptun0 10.10.0.2           |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   | peer-b.ptun.test: sb      |        |   -> then 192.0.2.5/24    |
#   +---------------------------+        +---------------------------+

# Before lib.sh: its temporary directory and exit trap belong inside.
if [ -z "${RERESOLVE_OWN_MOUNTS:-}" ]; then
	RERESOLVE_OWN_MOUNTS=1 exec unshare --mount --propagation private \
		"$BASH" "$0" "$@"
fi

source "$(dirname "$0")/lib.sh"

NAME=peer-b.ptun.test
HOSTS=$TMP/hosts
# the counters move with the traffic between the checks
REJECT_JQ='del(.stats)'

# hosts ADDR: $NAME is ADDR (none: unknown); the file is rewritten in
# place, as the bind mount holds on to its inode
hosts()
{
	{
		printf '127.0.0.1\tlocalhost\n'
		[ -z "${1:-}" ] || printf '%s\t%s\n' "$1" "$NAME"
	} > "$HOSTS"
}

# netlink_sends NS FILE ARGS...: ptun ARGS in NS under strace; prints how
# many netlink messages it sent, FILE keeps its exit status
netlink_sends()
{
	local ns=$1 file=$2 rc

	shift 2
	in_ns "$ns" strace -qq -f -e trace=sendto,sendmsg -o "$TMP/strace" \
		"$PTUN" "$@" > /dev/null 2>&1
	rc=$?
	echo "$rc" > "$file"
	grep -c AF_NETLINK "$TMP/strace"
}

# The PTUN_DEBUG=1 module: monitor --reresolve acts on handshake-timeout,
# which test_rekey_attempt_time brings within seconds
if ! debug_module_load test_rekey_attempt_time=3; then
	fail "the PTUN_DEBUG=1 module loads" "build it: make module-debug-for"
	ktap_done
fi
ok "the PTUN_DEBUG=1 module loads"

hosts 192.0.2.2
check "a private /etc/hosts" mount --bind "$HOSTS" /etc/hosts
check_eq "names resolve from it" 192.0.2.2 \
	"$("$PYTHON" -c 'import socket, sys; print(socket.gethostbyname(sys.argv[1]))' "$NAME")"

sites_setup_check "two sites" 4
check "tunnel works" ping_ok sa 10.10.0.2
check_eq "a literal endpoint has no name" "(none)" "$(ctr sa endpoint-name)"

# ---- the endpoint as a name ----
check "sa's endpoint given as a name" \
	ptun_in sa set ptun0 endpoint "$NAME:$PTUN_PORT"
check_eq "the address it resolved to" 192.0.2.2:51820 "$(ctr sa endpoint)"
check_eq "the kernel keeps the name" "$NAME" "$(ctr sa endpoint-name)"
check_match "show prints it" "^  endpoint name: $NAME\$" \
	"$(ptun_in sa show ptun0)"
check_eq "show --json has it" "$NAME" \
	"$(ptun_in sa show ptun0 --json | jq -r .peer.endpoint_name)"
check "traffic flows" ping_ok sa 10.10.0.2

# ---- reresolve, the name unchanged: nothing sent, the session kept ----
hs0=$(ctr sa handshakes)
last0=$(ctr sa latest-handshake)
if command -v strace > /dev/null; then
	# what a GET alone takes, family lookup included
	get=$(netlink_sends sa "$TMP/rc" show ptun0 endpoint)
	same=$(netlink_sends sa "$TMP/rc" set ptun0 reresolve)
	check_eq "reresolve of an unchanged name succeeds" 0 "$(cat "$TMP/rc")"
	check_eq "it only asked (a GET), sent no SET" "$get" "$same"
else
	skip "reresolve of an unchanged name succeeds" "no strace"
	same=
	ptun_in sa set ptun0 reresolve
fi
check_eq "the endpoint is the same" 192.0.2.2:51820 "$(ctr sa endpoint)"
check "traffic flows" ping_ok sa 10.10.0.2
check_eq "no handshake since" "$hs0" "$(ctr sa handshakes)"
check_eq "latest handshake unchanged" "$last0" "$(ctr sa latest-handshake)"

# ---- the peer moves: reresolve follows it ----
# sb sends nothing before sa reaches it (no keepalive, no traffic of its
# own), so it is reresolve, not roaming, that finds it.
check "sb's underlay address moves to 192.0.2.5" eval \
	"ip -n sb addr del 192.0.2.2/24 dev wan0 && ip -n sb addr add 192.0.2.5/24 dev wan0"
hosts 192.0.2.5
check "sa no longer reaches sb at the old address" ping_fails sa 10.10.0.2
check_eq "sa's endpoint is still the old address" 192.0.2.2:51820 \
	"$(ctr sa endpoint)"
if [ -n "$same" ]; then
	moved=$(netlink_sends sa "$TMP/rc" set ptun0 reresolve)
	check_eq "reresolve after the move succeeds" 0 "$(cat "$TMP/rc")"
	check "it sent a SET too" test "$moved" -gt "$get"
else
	check "reresolve after the move succeeds" \
		ptun_in sa set ptun0 reresolve
fi
check_eq "the endpoint is the new address" 192.0.2.5:51820 "$(ctr sa endpoint)"
check_eq "the name is kept" "$NAME" "$(ctr sa endpoint-name)"
# at once: the session is still good, and given time sb might roam to sa
check "traffic flows again" ping_ok sa 10.10.0.2
check "both ways" ping_ok sb 10.10.0.1

# ---- showconf round trip keeps the name ----
conf=$(ptun_in sa showconf ptun0)
check_match "showconf gives the name" "^Endpoint = $NAME:$PTUN_PORT\$" "$conf"
before=$(ptun_in sa show ptun0 --json | jq -S -c "$REJECT_JQ")
check "showconf | setconf - with the key line" bash -c "
	ip netns exec sa '$PTUN' showconf ptun0 |
	sed '/^\[Interface\]/a PrivateKeyFile = $TMP/site1.key' |
	ip netns exec sa '$PTUN' setconf ptun0 -"
check_eq "the same show --json, name included" "$before" \
	"$(ptun_in sa show ptun0 --json | jq -S -c "$REJECT_JQ")"
check "syncconf of showconf's output" bash -c "
	ip netns exec sa '$PTUN' showconf ptun0 > '$TMP/sa.conf' &&
	sed -i '/^\[Interface\]/a PrivateKeyFile = $TMP/site1.key' '$TMP/sa.conf' &&
	ip netns exec sa '$PTUN' syncconf ptun0 '$TMP/sa.conf'"
check_eq "changes nothing" "$before" \
	"$(ptun_in sa show ptun0 --json | jq -S -c "$REJECT_JQ")"

# ---- a name that no longer resolves: a bounded failure, nothing changed ----
hosts
reject_from sa
start=$SECONDS
reject "reresolve of a name the resolver cannot answer" 1 \
	"^ptun: cannot resolve '$NAME' for reresolve: Temporary failure in name resolution\$" \
	in_ns sa timeout 120 "$PTUN" set ptun0 reresolve
took=$((SECONDS - start))
diag "reresolve gave up after ${took}s"
check "after bounded retries (about 8 s), not forever" \
	test "$took" -ge 5 -a "$took" -lt 90
hosts 192.0.2.5

# ---- monitor --reresolve: a handshake timeout re-resolves the name ----
in_ns sa "$PTUN" monitor ptun0 --reresolve > "$TMP/mon.out" 2> "$TMP/mon.err" &
mon_pid=$!
exit_hooks+=("kill $mon_pid 2>/dev/null")
check "sb's underlay address moves to 192.0.2.6" eval \
	"ip -n sb addr del 192.0.2.5/24 dev wan0 && ip -n sb addr add 192.0.2.6/24 dev wan0"
hosts 192.0.2.6
# down and up: sa forgets its session, so its next packet needs a handshake,
# which goes to the old address and times out after 3 s
check "sa's device down and up" eval \
	"ip -n sa link set ptun0 down && ip -n sa link set ptun0 up"
check "sa's first packet finds no one" ping_fails sa 10.10.0.2
check "monitor --reresolve moves the endpoint, traffic flows" \
	wait_for 30 ping_ok sa 10.10.0.2
check_eq "the endpoint is sb's new address" 192.0.2.6:51820 "$(ctr sa endpoint)"
check_match "monitor printed the handshake-timeout" \
	'^ptun0 handshake-timeout endpoint 192\.0\.2\.5:51820$' "$(cat "$TMP/mon.out")"
check_match "and then the SET that reresolve made" \
	'^ptun0 config-changed changed endpoint$' "$(cat "$TMP/mon.out")"
check "the monitor still runs" kill -0 "$mon_pid"
kill "$mon_pid"
check "sb moves back to 192.0.2.5" eval \
	"ip -n sb addr del 192.0.2.6/24 dev wan0 && ip -n sb addr add 192.0.2.5/24 dev wan0"
hosts 192.0.2.5
check "reresolve follows it" ptun_in sa set ptun0 reresolve
check "traffic flows" ping_ok sa 10.10.0.2

# ---- mistakes ----
reject "reresolve with another setting" 1 \
	"^ptun: reresolve cannot be combined with other settings\$" \
	ptun_in sa set ptun0 persistent-keepalive 5 reresolve
reject "reresolve of a device that does not exist" 2 \
	"no such device" ptun_in sa set ptun9 reresolve
nlraw()
{
	in_ns sa "$PYTHON" "$TESTS_DIR/nlraw.py" set ptun0 "$@"
}
check_match "kernel: a name without an address is refused" \
	"^errno=22 msg=endpoint name without an endpoint address" \
	"$(nlraw peer.endpoint_name=str:other.ptun.test)"
check_match "kernel: an empty name is refused" \
	"^errno=22 msg=endpoint name is empty" \
	"$(nlraw peer.endpoint_ipv4=hex:c0000205 peer.endpoint_port=u16:51820 \
		peer.endpoint_name=str:)"
check_match "kernel: a name of 256 bytes is refused" "^errno=(22|34) " \
	"$(nlraw peer.endpoint_ipv4=hex:c0000205 peer.endpoint_port=u16:51820 \
		peer.endpoint_name=str:"$(printf 'a%.0s' {1..256})")"
check_match "kernel: a name with a control byte is refused" \
	"^errno=22 msg=endpoint name is not a host name" \
	"$(nlraw peer.endpoint_ipv4=hex:c0000205 peer.endpoint_port=u16:51820 \
		peer.endpoint_name=str:"$(printf 'a\025b')")"
check_match "kernel: a non-ASCII name is refused" \
	"^errno=22 msg=endpoint name is not a host name" \
	"$(nlraw peer.endpoint_ipv4=hex:c0000205 peer.endpoint_port=u16:51820 \
		peer.endpoint_name=str:"$(printf 'b\303\274cher')")"
check_eq "none of them changed anything" "$REJECT_BEFORE" "$(reject_state)"
check_match "a name of 255 bytes is accepted" "^errno=0 " \
	"$(nlraw peer.endpoint_ipv4=hex:c0000205 peer.endpoint_port=u16:51820 \
		peer.endpoint_name=str:"$(printf 'a%.0s' {1..255})")"
check_eq "as given" 255 "$(ctr sa endpoint-name | tr -d '\n' | wc -c)"

# ---- a literal address removes the name ----
check "sa's endpoint given as an address" \
	ptun_in sa set ptun0 endpoint 192.0.2.5:51820
check_eq "the name is gone" "(none)" "$(ctr sa endpoint-name)"
check_eq "and absent from show --json" null \
	"$(ptun_in sa show ptun0 --json | jq .peer.endpoint_name)"
check_match "showconf gives the address" "^Endpoint = 192.0.2.5:51820\$" \
	"$(ptun_in sa showconf ptun0)"
reject_from sa
reject "reresolve without a name" 1 \
	"^ptun: set ptun0: the peer endpoint was not given as a host name: nothing to resolve\$" \
	ptun_in sa set ptun0 reresolve
check "traffic still flows" ping_ok sa 10.10.0.2

ktap_done
