#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tearing a ptun device down while it carries traffic and handshakes, many
# rounds of each way it can go:
#
# 1. ip link del
# 2. ip netns del of the namespace that holds the device
# 3. ip netns del of the namespace that created it (and holds its sockets)
# 4. ip link set netns: moved back and forth, and working after each move
# 5. rmmod, after deleting the devices or with them still there
# 6. two processes change keys, cipher, endpoint, listen port, preshared
#    key and allowed IPs while a third deletes and recreates the device
# 7. ip link del under a handshake flood
#
# Each round ends checked: the device is gone (its UDP port closed) or
# moved and working, the module's reference count is back to what it was;
# each way ends with no kernel complaint (an unregister_netdevice wait, a
# warning, a splat) and with rmmod succeeding. At the end, on kernels with
# kmemleak (the -ptun-debug kernel), no leak.
#
# Traffic: ping -f from sb to the device under test, so packets go both
# ways (requests and replies); the device under test has a persistent
# keepalive of 1 s, so that it initiates as soon as it is up, and the
# module's rekey_after_time is 1 s, so that the initiator handshakes again
# every second or so while data flows, also while the device goes away.
#
#   ns ca / cb: the device under test after a move (ways 2-4)
#        ^ ip link set netns
#   +--------- ns sa ---------+          +---------- ns sb ----------+
#   | ptun0 10.10.0.1 (victim)|==========| ptun0 10.10.0.2, ping -f  |
#   | wan0  192.0.2.1/24      |---veth---| wan0  192.0.2.2/24        |
#   +-------------------------+          | wanu  198.51.100.2/24     |
#   +--------- ns ua ---------+          |   (way 3 only)            |
#   | wan0  198.51.100.1/24   |---veth---|                           |
#   | creates ptun0 for ca    |          +---------------------------+
#   +-------------------------+
#
# Rounds: PTUN_TEARDOWN_ROUNDS, else 10 on stock kernels and 50 on the
# -ptun-debug kernel; without PTUN_TEARDOWN_ROUNDS each way also stops
# after PTUN_TEARDOWN_BUDGET seconds (20 stock, 30 debug) once it did
# MIN_ROUNDS, so that the file fits make check's time.

# Most helpers run through wait_for, or in the background:
# shellcheck disable=SC2317
source "$(dirname "$0")/lib.sh"

case $(uname -r) in
*-ptun-debug) rounds=50 budget=30 ;;
*) rounds=10 budget=20 ;;
esac
if [ -n "${PTUN_TEARDOWN_ROUNDS:-}" ]; then
	rounds=$PTUN_TEARDOWN_ROUNDS
	budget=0
fi
budget=${PTUN_TEARDOWN_BUDGET:-$budget}
MIN_ROUNDS=2

VICTIM_ALLOWED=$(site_allowed 1)
MOD_PARAMS="rekey_after_time=1"
KMEMLEAK=/sys/kernel/debug/kmemleak

# What must never show in the kernel log
LOG_BAD='unregister_netdevice: waiting|BUG:|WARNING:|Call Trace|Oops|general protection|refcount_t:|KASAN|UBSAN|unreferenced object|list_(add|del) corruption|circular locking|recursive locking|inconsistent lock state|suspicious RCU|ODEBUG|KFENCE|ref_tracker'

# bounded SECONDS CMD...: CMD's status, or 124 if it did not return within
# SECONDS: a device whose last reference never goes blocks its deletion
# (unregister_netdevice waits, unkillable), and the test must go on to
# report it. CMD's output is in $TMP/bounded.out.
bounded()
{
	local secs=$1 pid

	shift
	"$@" > "$TMP/bounded.out" 2>&1 &
	pid=$!
	wait_for "$secs" eval "! kill -0 $pid"
	if kill -0 "$pid" 2>/dev/null; then
		echo "still running after ${secs}s: $*" >> "$TMP/bounded.out"
		return 124
	fi
	wait "$pid"
}

# nsx NS CMD...: CMD in network namespace NS
nsx()
{
	local ns=$1

	shift
	nsenter --net="/run/netns/$ns" "$@"
}

ptunx()
{
	local ns=$1

	shift
	nsx "$ns" "$PTUN" "$@"
}

refcnt()
{
	local r

	read -r r 2>/dev/null < /sys/module/ptun/refcnt || r=none
	echo "$r"
}

loaded()
{
	[ -e /sys/module/ptun/refcnt ]
}

# log_mark NAME: a line in the kernel log; log_since NAME: the log since
log_mark()
{
	echo "ptun-teardown: $1" > /dev/kmsg
}

log_since()
{
	dmesg | sed -n "/ptun-teardown: $1\$/,\$p"
}

# port_open NS PORT: something in NS has UDP PORT bound
port_open()
{
	[ -n "$(nsx "$1" ss -Huln "sport = :$2")" ]
}

port_closed()
{
	! port_open "$@"
}

# has_dev NS [DEV]: DEV (ptun0) exists in NS
has_dev()
{
	ip -n "$1" link show "${2:-ptun0}" > /dev/null 2>&1
}

no_dev()
{
	! has_dev "$@"
}

# ns_new NAME: a namespace, deleted at the end if still there
ns_new()
{
	ip netns add "$1" && test_namespaces+=("$1")
}

# hs_drops_ge NS N: ptun0 in NS refused at least N handshake messages
hs_drops_ge()
{
	local v

	v=$(ptunx "$1" show ptun0 drop-handshake)
	[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge "$2" ]
}

# ua_setup: ns ua, linked to sb (wanu)
ua_setup()
{
	ns_new ua &&
	ip -n ua link add wan0 type veth peer name wanu netns sb &&
	ip -n ua -batch - <<-EOF &&
	addr add 198.51.100.1/24 dev wan0
	link set wan0 up
	EOF
	ip -n sb -batch - <<-EOF
	addr add 198.51.100.2/24 dev wanu
	link set wanu up
	EOF
}

site_keys
SITE1_PUB=$(<"$TMP/site1.pub")
SITE2_PUB=$(<"$TMP/site2.pub")

# victim_add CREATOR NS ENDPOINT: ptun0 created from CREATOR into NS (the
# same or another), as site 1 talking to sb at ENDPOINT, up
victim_add()
{
	local creator=$1 ns=$2 ep=$3 into=

	[ "$creator" != "$ns" ] && into="netns $ns"
	# shellcheck disable=SC2086 # $into is two words or none
	ip -n "$creator" link add ptun0 $into type ptun &&
	ptunx "$ns" set ptun0 private-key "$TMP/site1.key" \
		listen-port "$PTUN_PORT" peer "$SITE2_PUB" \
		endpoint "$ep" allowed-ips "$VICTIM_ALLOWED" \
		persistent-keepalive 1 &&
	victim_up "$ns"
}

# victim_up NS: addresses and up, as after creating or moving it
victim_up()
{
	ip -n "$1" -batch - <<-EOF
	link set ptun0 addrgenmode none
	addr add 10.10.0.1/32 peer 10.10.0.2/32 dev ptun0
	link set ptun0 up
	EOF
}

# sb_tunnel: sb's ptun0, site 2, for the whole of a way
sb_tunnel()
{
	ip -n sb link add ptun0 type ptun &&
	ptunx sb set ptun0 private-key "$TMP/site2.key" \
		listen-port "$PTUN_PORT" peer "$SITE1_PUB" \
		endpoint "192.0.2.1:$PTUN_PORT" allowed-ips "$(site_allowed 2)" &&
	ip -n sb -batch - <<-EOF
	link set ptun0 addrgenmode none
	addr add 10.10.0.2/32 peer 10.10.0.1/32 dev ptun0
	link set ptun0 up
	EOF
}

# stats NS: "RX TX" packets of ptun0 in NS
stats()
{
	local line next='' rx='' tx=''

	while read -r line; do
		case $next in
		rx) read -r _ rx _ <<<"$line" ;;
		tx) read -r _ tx _ <<<"$line" ;;
		esac
		next=
		case $line in
		RX:*) next=rx ;;
		TX:*) next=tx ;;
		esac
	done <<<"$(ip -n "$1" -s link show ptun0 2>/dev/null)"
	[ -n "$rx" ] && echo "$rx $tx"
}

# flowing NS N: ptun0 in NS received and sent N packets more than $base
# ("RX TX", from stats)
flowing()
{
	local rx tx

	read -r rx tx <<<"$(stats "$1")"
	[ -n "$rx" ] && [ -n "$tx" ] &&
	[ "$rx" -ge $((${base% *} + $2)) ] && [ "$tx" -ge $((${base#* } + $2)) ]
}

# traffic_wait NS: packets flow both ways through ptun0 in NS (20 each)
traffic_wait()
{
	base=$(stats "$1")
	[ -n "$base" ] || base="0 0"
	wait_for 20 flowing "$1" 20
}

# pinger_start: pings from sb to the device under test, 200 a second,
# until pinger_stop
pinger_start()
{
	nsx sb ping -q -i 0.005 -s 1000 10.10.0.1 > "$TMP/pinger.log" 2>&1 &
	pinger_pid=$!
}

pinger_stop()
{
	[ -n "${pinger_pid:-}" ] || return 0
	kill "$pinger_pid" 2>/dev/null
	wait "$pinger_pid" 2>/dev/null
	pinger_pid=
}

# base_setup: the two sites' underlay and sb's ptun0; sa gets no ptun0
base_setup()
{
	ns_add sa && ns_add sb || return 1
	ip link add wan0 netns sa type veth peer name wan0 netns sb &&
	ip -n sa -batch - <<-EOF &&
	addr add 192.0.2.1/24 dev wan0
	addr add 2001:db8:1::1/64 dev wan0 nodad
	link set wan0 up
	EOF
	ip -n sb -batch - <<-EOF &&
	addr add 192.0.2.2/24 dev wan0
	addr add 2001:db8:1::2/64 dev wan0 nodad
	link set wan0 up
	EOF
	sb_tunnel
}

# way_start NAME: the module loaded with $MOD_PARAMS, the base topology,
# sb's pings; one result
way_start()
{
	way=$1
	way_t0=$SECONDS
	way_failures=()
	log_mark "$way"
	# shellcheck disable=SC2086 # parameters
	if modprobe ptun $MOD_PARAMS && base_setup > "$TMP/setup.log" 2>&1; then
		ok "$way: setup"
	else
		fail "$way: setup" "$(cat "$TMP/setup.log")"
		ktap_done
	fi
	refcnt0=$(refcnt)
	pinger_start
}

# round_fail ROUND WHAT: one failure of a round, reported by way_end
round_fail()
{
	way_failures+=("round $1: $2")
}

# more_rounds DONE: whether another round is due
more_rounds()
{
	[ "$1" -lt "$rounds" ] || return 1
	[ "$budget" -gt 0 ] && [ "$1" -ge "$MIN_ROUNDS" ] &&
		[ $((SECONDS - way_t0)) -ge "$budget" ] && return 1
	return 0
}

# way_end ROUNDS_DONE: the way's rounds as a result, rmmod (every device
# goes and the module unloads), and the kernel log since way_start
way_end()
{
	local done=$1 log

	pinger_stop
	diag "$way: $done rounds in $((SECONDS - way_t0))s"
	if [ "${#way_failures[@]}" -eq 0 ] && [ "$done" -ge 1 ]; then
		ok "$way: $done rounds, each ended as it should"
	else
		fail "$way: $done rounds, each ended as it should" \
			"${#way_failures[@]} failures, the first ones:"
		printf '%s\n' "${way_failures[@]:0:5}" | sed 's/^/#   /'
	fi
	sites_teardown
	ip netns del ca 2>/dev/null
	ip netns del cb 2>/dev/null
	ip netns del ua 2>/dev/null
	bounded 120 rmmod ptun
	rc=$?
	log=$(log_since "$way" | grep -E "$LOG_BAD")
	check_eq "$way: no warning, splat or unregister wait in the kernel log" \
		"" "$log"
	if [ "$rc" -eq 0 ]; then
		ok "$way: rmmod, with every device gone or going"
	else
		fail "$way: rmmod, with every device gone or going" \
			"$(cat "$TMP/bounded.out")"
		# nothing more can be loaded or unloaded
		ktap_done
	fi
}

# round_refcnt N: the module's reference count is back where it was
round_refcnt()
{
	local r

	r=$(refcnt)
	[ "$r" = "$refcnt0" ] || round_fail "$1" "ptun refcnt $r, was $refcnt0"
}

# gone N NS: ptun0 no longer exists in NS, nor its UDP port in sa
gone()
{
	if has_dev "$2"; then
		round_fail "$1" "ptun0 still in $2"
	elif ! wait_for 20 port_closed sa "$PTUN_PORT"; then
		round_fail "$1" "port $PTUN_PORT still bound in sa"
	fi
}

keypair other
"$PTUN" genpsk > "$TMP/psk"
if [ -e "$KMEMLEAK" ]; then
	echo clear > "$KMEMLEAK"
fi
params=/sys/module/ptun/parameters
# The rig loaded the module: from now on, with our parameters
rmmod ptun 2>/dev/null

# victim_round N: the victim device, new in sa for round N (false, the
# round counted as failed, if it could not be set up)
victim_round()
{
	victim_add sa sa "192.0.2.2:$PTUN_PORT" > "$TMP/r.log" 2>&1 && return 0
	round_fail "$1" "setup: $(cat "$TMP/r.log")"
	ip -n sa link del ptun0 2>/dev/null
	return 1
}

# victim_del N: ip link del of the victim in round N, checked; false if
# it did not return (a reference never put: the way cannot go on)
victim_del()
{
	if ! bounded 30 ip -n sa link del ptun0; then
		round_fail "$1" "ip link del: $(cat "$TMP/bounded.out")"
		return 1
	fi
	gone "$1" sa
	round_refcnt "$1"
}

# 1. ip link del
way_start "link del"
n=0
while more_rounds $n; do
	n=$((n + 1))
	victim_round $n || continue
	traffic_wait sa || round_fail $n "no traffic both ways ($base -> $(stats sa))"
	victim_del $n || break
done
check_eq "link del: rekey_after_time was 1 (handshakes every second)" 1 \
	"$(<$params/rekey_after_time)"
way_end $n

# 2. The namespace that holds the device goes: the device was created in
# sa (its sockets live there) and moved into ca.
way_start "netns del, holder"
n=0
while more_rounds $n; do
	n=$((n + 1))
	if ! { ns_new ca && victim_add sa ca "192.0.2.2:$PTUN_PORT"; } \
		> "$TMP/r.log" 2>&1; then
		round_fail $n "setup: $(cat "$TMP/r.log")"
		ip netns del ca 2>/dev/null
		wait_for 20 port_closed sa "$PTUN_PORT"
		continue
	fi
	traffic_wait ca || round_fail $n "no traffic both ways ($base -> $(stats ca))"
	ip netns del ca
	# the namespace is cleaned up asynchronously: ptun0's sockets close
	# as it is unregistered
	wait_for 30 port_closed sa "$PTUN_PORT" ||
		round_fail $n "port $PTUN_PORT still bound in sa after netns del"
	round_refcnt $n
done
way_end $n

# 3. The namespace that created the device, and holds its sockets, goes:
# the device stays in ca, without an underlay, and can then be deleted.
# A fresh ua for each round, linked to sb.
way_start "netns del, creator"
# orphaned: ptun0 in ca refuses a new listen port for want of an underlay
orphaned()
{
	ptunx ca set ptun0 listen-port 0 2>&1 | grep -q 'created in is gone'
}
ns_new ca
n=0
while more_rounds $n; do
	n=$((n + 1))
	if ! { ua_setup && victim_add ua ca "198.51.100.2:$PTUN_PORT"; } > "$TMP/r.log" 2>&1; then
		round_fail $n "setup: $(cat "$TMP/r.log")"
		ip netns del ua 2>/dev/null
		ip -n ca link del ptun0 2>/dev/null
		continue
	fi
	traffic_wait ca || round_fail $n "no traffic both ways ($base -> $(stats ca))"
	ip netns del ua
	# Once ua's pre_exit ran, the device has no underlay: its listen
	# port cannot change any more (port 0 is never the port it has).
	wait_for 30 orphaned ||
		round_fail $n "ptun0 in ca still has its underlay after netns del ua"
	if ! has_dev ca; then
		round_fail $n "ptun0 vanished from ca with ua"
	fi
	if ! bounded 30 ip -n ca link del ptun0; then
		round_fail $n "ip link del in ca: $(cat "$TMP/bounded.out")"
		break
	fi
	if has_dev ca; then
		round_fail $n "ptun0 still in ca"
	fi
	# ua's cleanup takes sb's end of the veth with it
	wait_for 30 no_dev sb wanu ||
		round_fail $n "sb's wanu still there after netns del ua"
	round_refcnt $n
done
way_end $n

# 4. Moved between ca and cb (created in sa, where its sockets stay),
# while sb floods it; after each move it comes up in its new namespace
# and carries traffic again.
way_start "netns move"
ns_new ca
ns_new cb
here=ca
if ! victim_add sa ca "192.0.2.2:$PTUN_PORT" > "$TMP/r.log" 2>&1; then
	fail "netns move: ptun0 in ca" "$(cat "$TMP/r.log")"
fi
traffic_wait ca
n=0
while more_rounds $n; do
	n=$((n + 1))
	there=ca
	[ "$here" = ca ] && there=cb
	if ! ip -n "$here" link set ptun0 netns "$there"; then
		round_fail $n "move $here -> $there failed"
		break
	fi
	if has_dev "$here" ||
	   ! has_dev "$there"; then
		round_fail $n "ptun0 not moved from $here to $there"
		break
	fi
	here=$there
	victim_up "$here" > "$TMP/r.log" 2>&1 ||
		round_fail $n "up in $here: $(cat "$TMP/r.log")"
	base=$(stats "$here")
	# A device that comes up initiates at once, unless it did within
	# the last second (REKEY_TIMEOUT_MIN): then its next packet does.
	wait_for 20 nsx "$here" ping -c 1 -W 1 10.10.0.2 ||
		round_fail $n "no ping from $here after the move"
	wait_for 20 flowing "$here" 20 ||
		round_fail $n "no traffic both ways in $here ($base -> $(stats "$here"))"
	round_refcnt $n
done
check "netns move: ptun0 deleted in $here at the end" \
	bounded 30 ip -n "$here" link del ptun0
way_end $n

# 5. rmmod under traffic: odd rounds delete the devices first, even rounds
# leave them to rmmod (rtnl_link_unregister deletes them).
way_start "rmmod"
n=0
while more_rounds $n; do
	n=$((n + 1))
	if [ $n -gt 1 ] && ! { modprobe ptun $MOD_PARAMS &&
	     sb_tunnel; } > "$TMP/r.log" 2>&1; then
		round_fail $n "modprobe or sb's ptun0: $(cat "$TMP/r.log")"
	fi
	if ! victim_add sa sa "192.0.2.2:$PTUN_PORT" > "$TMP/r.log" 2>&1; then
		round_fail $n "setup: $(cat "$TMP/r.log")"
	fi
	[ $n -gt 1 ] && pinger_start
	traffic_wait sa || round_fail $n "no traffic both ways ($base -> $(stats sa))"
	if [ $((n % 2)) -eq 1 ]; then
		if ! { ip -n sa link del ptun0 && ip -n sb link del ptun0; }; then
			round_fail $n "ip link del failed"
		fi
	fi
	if ! bounded 60 rmmod ptun; then
		round_fail $n "rmmod: $(cat "$TMP/bounded.out")"
	fi
	pinger_stop
	if loaded; then
		round_fail $n "ptun still loaded"
		break
	fi
	ip -n sb link del lan0 2>/dev/null
	has_dev sa &&
		round_fail $n "ptun0 still in sa"
	has_dev sb &&
		round_fail $n "ptun0 still in sb"
	port_open sa "$PTUN_PORT" && round_fail $n "port still bound in sa"
done
modprobe ptun $MOD_PARAMS
sb_tunnel > /dev/null 2>&1
check_eq "rmmod: refcnt after modprobe" "$refcnt0" "$(refcnt)"
way_end $n

# 6. Two processes change the configuration of sa's ptun0 in a loop (one
# private key, cipher and listen port; the other endpoint, preshared key
# and allowed IPs), while this one deletes and recreates it.
way_start "concurrent set"
setter1()
{
	local i=0 keys=("$TMP/site1.key" "$TMP/other.key")
	local ciphers=(aes-256-gcm chacha20-poly1305 aes-256-gcm)
	local ports=("$PTUN_PORT" 51821 0 51822)

	while :; do
		i=$((i + 1))
		ptunx sa set ptun0 private-key "${keys[i % 2]}" \
			cipher "${ciphers[i % 3]}" listen-port "${ports[i % 4]}"
	done > /dev/null 2>&1
}
setter2()
{
	local i=0 eps=("192.0.2.2:$PTUN_PORT" "[2001:db8:1::2]:$PTUN_PORT"
		"192.0.2.2:51821")
	local psks=(/dev/null "$TMP/psk")
	local allowed=("$VICTIM_ALLOWED" 10.10.0.2/32 "" "10.10.0.2/32,fd10::/64")

	while :; do
		i=$((i + 1))
		ptunx sa set ptun0 peer "$SITE2_PUB" \
			endpoint "${eps[i % 3]}" preshared-key "${psks[i % 2]}" \
			allowed-ips "${allowed[i % 4]}"
	done > /dev/null 2>&1
}
setter1 &
setter1_pid=$!
setter2 &
setter2_pid=$!
n=0
while more_rounds $n; do
	n=$((n + 1))
	victim_add sa sa "192.0.2.2:$PTUN_PORT" > "$TMP/r.log" 2>&1 ||
		diag "round $n: setup under the setters: $(head -c 200 "$TMP/r.log")"
	if ! has_dev sa; then
		round_fail $n "ptun0 not created"
		continue
	fi
	# the setters at work on it for a while
	nap 0.5
	if ! bounded 30 ip -n sa link del ptun0; then
		round_fail $n "ip link del: $(cat "$TMP/bounded.out")"
		break
	fi
	# the setters' next listen-port may rebind it in between: the port
	# check waits for the deletion to be complete
	gone $n sa
done
kill "$setter1_pid" "$setter2_pid" 2>/dev/null
wait "$setter1_pid" "$setter2_pid" 2>/dev/null
# Whatever the setters' last SETs left: a device configured as it should
# be works, both ways.
ip -n sa link del ptun0 2>/dev/null
wait_for 20 port_closed sa "$PTUN_PORT"
check "concurrent set: a new ptun0 in sa" victim_add sa sa "192.0.2.2:$PTUN_PORT"
check "concurrent set: ping from sa through it" ping_ok sa 10.10.0.2
check "concurrent set: traffic flows both ways" traffic_wait sa
check "concurrent set: ptun0 deleted" bounded 30 ip -n sa link del ptun0
check_eq "concurrent set: refcnt" "$refcnt0" "$(refcnt)"
way_end $n

# 7. Deleted under a handshake flood: initiations with a valid mac1 (so
# that each costs Diffie-Hellman work, or under load a cookie reply) from
# sb's namespace, 2000 a second, while sb's own handshakes and data go on.
way_start "flood"
nsx sb "$PYTHON" "$TESTS_DIR/wire.py" flood --rate 2000 --seconds 300 \
	--quiet 0 192.0.2.1 "$PTUN_PORT" "$SITE1_PUB" 600000 \
	> "$TMP/flood.out" 2>&1 &
flood_pid=$!
n=0
while more_rounds $n; do
	n=$((n + 1))
	victim_round $n || continue
	# under the flood: 200 initiations refused (a new device counts
	# from 0)
	wait_for 30 hs_drops_ge sa 200 ||
		round_fail $n "the flood did not reach ptun0 ($(ptunx sa show ptun0 drop-handshake) refused)"
	victim_del $n || break
done
check "flood: the flood still ran after the last round" kill -0 "$flood_pid"
kill "$flood_pid" 2>/dev/null
wait "$flood_pid" 2>/dev/null
way_end $n

# Leaks: rmmod above freed everything ptun had; kmemleak (where the kernel
# has it) finds what nobody points to any more, after two scans.
if [ -e "$KMEMLEAK" ]; then
	echo scan > "$KMEMLEAK"
	sleep 5
	echo scan > "$KMEMLEAK"
	leaks=$(cat "$KMEMLEAK")
	if [ -z "$leaks" ]; then
		ok "kmemleak: no leak"
	else
		fail "kmemleak: no leak" "kmemleak reports:"
		printf '%s\n' "$leaks" | head -n 200 | sed 's/^/#   /'
	fi
else
	skip "kmemleak: no leak" "no $KMEMLEAK on this kernel"
fi
# The rig unloads it once more at the end
modprobe ptun
ktap_done
