# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by the ptun selftests. A test sources this file, creates
# its hosts as network namespaces, and reports one KTAP result per check:
#
#	ok N description
#	not ok N description
#	ok N description # SKIP reason
#
# The VM runner (selftests/vm/guest-run) wraps each test's results into a
# KTAP subtest, so a test prints neither a version line nor a plan.
# Every namespace created with ns_add is deleted when the test exits.

set -u

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$TESTS_DIR/.." && pwd)
PTUN=${PTUN:-$TOP_DIR/tool/ptun}
PYTHON=${PYTHON:-/usr/bin/python3}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin

ktap_n=0
ktap_failed=0
test_namespaces=()
exit_hooks=()
TMP=$(mktemp -d /tmp/ptun-test.XXXXXX)
# The guests start processes slowly (a 9p root under TCG): polling loops
# sleep with nap, a builtin read on a fifo nobody writes, not sleep(1).
mkfifo "$TMP/nap"
exec {nap_fd}<>"$TMP/nap"

cleanup()
{
	local ns hook

	for hook in "${exit_hooks[@]}"; do
		eval "$hook"
	done
	# Background helpers (tcpdump, iperf3 servers) would keep a deleted
	# namespace alive.
	jobs -p | xargs -r kill 2>/dev/null
	for ns in "${test_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

diag()
{
	printf '# %s\n' "$*"
}

ok()
{
	ktap_n=$((ktap_n + 1))
	printf 'ok %d %s\n' "$ktap_n" "$1"
}

fail()
{
	ktap_n=$((ktap_n + 1))
	ktap_failed=$((ktap_failed + 1))
	printf 'not ok %d %s\n' "$ktap_n" "$1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}

skip()
{
	ktap_n=$((ktap_n + 1))
	printf 'ok %d %s # SKIP %s\n' "$ktap_n" "$1" "$2"
}

# check DESC CMD...: passes if CMD exits 0. The command's output is shown
# as diagnostics when it fails.
check()
{
	local desc=$1 out

	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc" "command failed: $*"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

# check_fails DESC CMD...: passes if CMD exits non-zero. Its standard error
# is kept in $LAST_ERR so that the message can be checked as well.
check_fails()
{
	local desc=$1

	shift
	if LAST_ERR=$("$@" 2>&1 >/dev/null); then
		fail "$desc" "command succeeded but should have failed: $*"
	else
		ok "$desc"
	fi
}

# reject_from NS: what reject checks against, ptun0 of NS as it is now.
# With REJECT_JQ set, only what that jq filter keeps of its show --json
# (say 'del(.stats)' while traffic flows).
reject_from()
{
	REJECT_NS=$1
	REJECT_BEFORE=$(reject_state)
}

reject_state()
{
	if [ -n "${REJECT_JQ:-}" ]; then
		ptun_in "$REJECT_NS" show ptun0 --json | jq -S "$REJECT_JQ"
	else
		ptun_in "$REJECT_NS" show ptun0 --json
	fi
}

# reject DESC STATUS REGEX CMD...: CMD fails with exit status STATUS (1: a
# mistake in the command or file, 2: the kernel refused, as ip(8)), its
# message matches REGEX, and ptun0 of the reject_from namespace has not
# changed
reject()
{
	local desc=$1 status=$2 pattern=$3 rc

	shift 3
	LAST_ERR=$("$@" 2>&1 >/dev/null)
	rc=$?
	check_eq "$desc: exit status $status" "$status" "$rc"
	check_match "$desc: message" "$pattern" "$LAST_ERR"
	check_eq "$desc: nothing changed" "$REJECT_BEFORE" "$(reject_state)"
}

# nlreject DESC REGEX ATTR...: a SET built by nlraw.py from ATTRs (the
# kernel's own checks, with requests the CLI would not send) is refused
# by ptun0 of the reject_from namespace with an extack message matching
# REGEX, and changes nothing
nlreject()
{
	local desc=$1 pattern=$2 out

	shift 2
	if out=$(in_ns "$REJECT_NS" "$PYTHON" "$TESTS_DIR/nlraw.py" set ptun0 "$@"); then
		check_match "kernel: $desc: extack message" "msg=.*($pattern)" "$out"
	else
		fail "kernel: $desc: accepted" "$out"
	fi
	check_eq "kernel: $desc: nothing changed" "$REJECT_BEFORE" \
		"$(ptun_in "$REJECT_NS" show ptun0 --json)"
}

# check_eq DESC EXPECTED ACTUAL
check_eq()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# check_match DESC PATTERN STRING: extended regular expression match
check_match()
{
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		fail "$1" "'$3' does not match /$2/"
	fi
}

# check_nomatch DESC PATTERN STRING
check_nomatch()
{
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		fail "$1" "'$3' matches /$2/"
	else
		ok "$1"
	fi
}

# ns_add NAME: a fresh network namespace with its loopback up
ns_add()
{
	ip netns del "$1" 2>/dev/null
	ip netns add "$1" || return 1
	test_namespaces+=("$1")
	ip -n "$1" link set lo up
}

# timestamps_hold: keeps the kernel's receive timestamps on until the
# script exits. Every ping or tcpdump that starts or ends would switch
# them (the netstamp_needed_key static key) on or off, and the kernel
# patches its own code to do so: under TCG, most of all multi-threaded
# as the benchmarks run it, the other vCPU then sometimes runs a stale
# copy and dies on an int3 (NOTES-vm.md), as guests of make bench and
# make bench-scale did in netif_receive_skb_list_internal. One socket
# that asks for timestamps all along keeps the key on, so nothing is
# patched.
timestamps_hold()
{
	local pid

	"$PYTHON" -c 'import signal, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 29, 1)  # SO_TIMESTAMP, not in Python 3.11
signal.pause()' &
	pid=$!
	exit_hooks+=("kill $pid")
	sleep 1
	kill -0 "$pid" 2>/dev/null
}

# in_ns NAME CMD...
in_ns()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# ptun_in NAME ARGS...: the ptun CLI inside namespace NAME
ptun_in()
{
	local ns=$1

	shift
	ip netns exec "$ns" "$PTUN" "$@"
}

# A fresh key pair under $TMP/NAME.key and $TMP/NAME.pub
keypair()
{
	(umask 077 && "$PTUN" genkey > "$TMP/$1.key") &&
		"$PTUN" pubkey < "$TMP/$1.key" > "$TMP/$1.pub"
}

# Ends the test: exit status 1 if any check failed or none ran.
ktap_done()
{
	if [ "$ktap_n" -eq 0 ]; then
		fail "test reported no result"
	fi
	[ "$ktap_failed" -eq 0 ]
	exit
}

# check_ge DESC MIN ACTUAL: ACTUAL is a number of at least MIN
check_ge()
{
	if [[ "$3" =~ ^[0-9]+$ ]] && [ "$3" -ge "$2" ]; then
		ok "$1"
	else
		fail "$1" "expected a number >= $2, got '$3'"
	fi
}

# How much slower than a Debian kernel's guest this one is: the debug
# kernel (scripts/debug-kernel: KASAN, lockdep, kmemleak...) runs the same
# code several times slower under TCG. wait_for's bounds and the tests'
# own time limits are multiplied by it; PTUN_TIME_SCALE overrides it.
case $(uname -r) in
*-ptun-debug) PTUN_TIME_SCALE=${PTUN_TIME_SCALE:-4} ;;
*) PTUN_TIME_SCALE=${PTUN_TIME_SCALE:-1} ;;
esac

# debug_kernel: whether this guest runs the debug kernel, e.g. to send
# fewer packets there
debug_kernel()
{
	[ "$PTUN_TIME_SCALE" -gt 1 ]
}

# wait_for SECONDS CMD...: runs CMD every 0.2 s until it succeeds (status
# 0) or SECONDS (times PTUN_TIME_SCALE) have passed (status 1). Better
# than a fixed sleep: the TCG guests are slow, and their speed varies with
# the host's load.
wait_for()
{
	local end=$((SECONDS + $1 * PTUN_TIME_SCALE))

	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -ge "$end" ] && return 1
		nap 0.1
	done
}

# nap SECONDS: sleep without starting a process
nap()
{
	read -r -t "$1" -u "$nap_fd" _
	return 0
}

# ctr NS FIELD: one field of ptun0 in NS ("ptun show IFACE FIELD"), e.g.
# "ctr sa drop-replay"
ctr()
{
	ptun_in "$1" show ptun0 "$2"
}

# debug_module_load [PARAM=VALUE...]: replaces the loaded ptun with its
# PTUN_DEBUG=1 build (build/<kernel>-debug/, "make module-debug-for"; or
# PTUN_DEBUG_KO), whose test hooks are the module parameters test_*, in
# /sys/module/ptun/parameters/. The normal module is back when the test
# exits. Status 1, and the normal module loaded, if that build is missing.
debug_module_load()
{
	local ko=${PTUN_DEBUG_KO:-$TOP_DIR/build/$(uname -r)-debug/kmod/ptun.ko}

	[ -f "$ko" ] || return 1
	# The normal module brings the modules ptun needs (insmod does not).
	modprobe ptun 2>/dev/null
	rmmod ptun || return 1
	if ! insmod "$ko" "$@"; then
		modprobe ptun
		return 1
	fi
	exit_hooks+=(debug_module_unload)
}

# debug_module_unload: the normal module again, the test's devices gone
debug_module_unload()
{
	local ns

	for ns in "${test_namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	wait_for 30 rmmod ptun
	modprobe ptun
}

# ptun_state NS...: each namespace's ptun0 as diagnostics, for failures
ptun_state()
{
	local ns

	for ns in "$@"; do
		ptun_in "$ns" show ptun0 2>&1 | sed "s/^/# [$ns] /"
	done
}

# Commands that build the sites go through this: with SETUP_TRACE=1 (the
# demo) each is shown first, as a user would type it.
_t()
{
	[ "${SETUP_TRACE:-0}" = 1 ] && printf '$ %s\n' "$*"
	"$@"
}

# Two sites joined by a veth pair standing in for the Internet:
#
#         LAN 10.1.0.1/24 (lan0)              LAN 10.2.0.1/24 (lan0)
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1, fd10::1  |========| ptun0 10.10.0.2, fd10::2  |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   |       2001:db8:1::1/64    |        |       2001:db8:1::2/64    |
#   +---------------------------+        +---------------------------+
#
# Site N (1 = sa, 2 = sb) has the key pair $TMP/siteN.key and .pub, listens
# on UDP 51820 and allows from its peer the peer's tunnel addresses and
# LAN, which it routes through ptun0.
SITE_NS=(- sa sb)
SITE_V4=(- 192.0.2.1 192.0.2.2)
SITE_V6=(- 2001:db8:1::1 2001:db8:1::2)
PTUN_PORT=51820

# site_keys: both sites' key pairs, made once per test
site_keys()
{
	[ -f "$TMP/site1.pub" ] || keypair site1 || return 1
	[ -f "$TMP/site2.pub" ] || keypair site2
}

# site_allowed N: the allowed IPs of site N's peer as site N sees them
site_allowed()
{
	local p=$((3 - $1))

	echo "10.10.0.$p/32,fd10::$p/128,10.$p.0.0/24"
}

# site_tunnel NS N ENDPOINT [PTUN-SET-ARGS...]: ptun0 in NS as site N of
# the pair, with its addresses, LAN, route, and up. ENDPOINT is the peer's
# HOST:PORT, or "" for none (then learnt from the peer's first
# authenticated message). Further arguments go to "ptun set".
site_tunnel()
{
	local ns=$1 n=$2 endpoint=$3 p=$((3 - $2))

	shift 3
	site_keys || return 1
	_t ip -n "$ns" link add ptun0 type ptun || return 1
	_t ip netns exec "$ns" "$PTUN" set ptun0 \
		private-key "$TMP/site$n.key" listen-port "$PTUN_PORT" \
		peer "$(cat "$TMP/site$p.pub")" allowed-ips "$(site_allowed "$n")" \
		${endpoint:+endpoint "$endpoint"} "$@" || return 1
	# No IPv6 link-local address, hence no router solicitations (README):
	# the counters then show only what a test sent.
	_t ip -n "$ns" link set ptun0 addrgenmode none &&
	_t ip -n "$ns" addr add "10.10.0.$n/32" peer "10.10.0.$p/32" dev ptun0 &&
	_t ip -n "$ns" -6 addr add "fd10::$n/128" peer "fd10::$p/128" dev ptun0 nodad &&
	_t ip -n "$ns" link set ptun0 up &&
	# IPv6 makes no route to the peer address of a /128 on its own
	_t ip -n "$ns" -6 route replace "fd10::$p/128" dev ptun0 &&
	_t ip -n "$ns" link add lan0 type dummy &&
	_t ip -n "$ns" addr add "10.$n.0.1/24" dev lan0 &&
	_t ip -n "$ns" link set lan0 up &&
	_t ip -n "$ns" route add "10.$p.0.0/24" dev ptun0
}

# sites_setup OUTER_FAMILY [CIPHER [SET-ARGS...]]: the two sites above,
# whose tunnel runs over outer IPv4 (OUTER_FAMILY 4) or IPv6 (6), both ends
# with CIPHER (default, or "": the module's default) and SET-ARGS, more
# "ptun set" keywords for both. Non-zero if anything failed.
sites_setup()
{
	local family=$1 cipher=${2:-} n ep

	shift $(($# < 2 ? $# : 2))

	ns_add sa && ns_add sb || return 1
	_t ip link add wan0 netns sa type veth peer name wan0 netns sb || return 1
	for n in 1 2; do
		_t ip -n "${SITE_NS[n]}" addr add "${SITE_V4[n]}/24" dev wan0 &&
		_t ip -n "${SITE_NS[n]}" -6 addr add "${SITE_V6[n]}/64" dev wan0 nodad &&
		_t ip -n "${SITE_NS[n]}" link set wan0 up || return 1
	done
	for n in 1 2; do
		if [ "$family" = 6 ]; then
			ep="[${SITE_V6[3 - n]}]:$PTUN_PORT"
		else
			ep="${SITE_V4[3 - n]}:$PTUN_PORT"
		fi
		site_tunnel "${SITE_NS[n]}" "$n" "$ep" \
			${cipher:+cipher "$cipher"} "$@" || return 1
	done
}

# sites_setup_check DESC ARGS...: sites_setup as a result. Without its
# sites the test cannot go on, so a failure ends it.
sites_setup_check()
{
	local desc=$1

	shift
	# Not in a subshell: ns_add must record the namespaces for cleanup.
	if sites_setup "$@" > "$TMP/setup.log" 2>&1; then
		ok "$desc"
	else
		fail "$desc" "sites_setup $* failed"
		sed 's/^/#   /' "$TMP/setup.log"
		ktap_done
	fi
}

# sites_teardown: removes both sites, so that a test can build them anew
sites_teardown()
{
	ip netns del sa 2>/dev/null
	ip netns del sb 2>/dev/null
}

# carrier_is NS DEV 0|1: DEV's carrier in NS is as given. A device in link
# state session has a carrier only while it has a session:
# the stack drops what is sent while it is off, so a test that wants its
# first packets through waits for it.
carrier_is()
{
	[ "$(ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = "$3" ]
}

# wait_carrier NS DEV [SECONDS]: DEV in NS has a carrier (a session),
# within SECONDS (default 30); the module starts the handshake by itself
wait_carrier()
{
	wait_for "${3:-30}" carrier_is "$1" "$2" 1
}

# ping_ok NS DST [PING-ARGS...]: three pings, all of which must come back;
# the first may wait for a handshake.
ping_ok()
{
	local ns=$1 dst=$2

	shift 2
	in_ns "$ns" ping -q -c 3 -i 0.3 -W 5 "$@" "$dst"
}

# ping_fails NS DST [PING-ARGS...]: two pings, none of which comes back
ping_fails()
{
	local ns=$1 dst=$2

	shift 2
	! in_ns "$ns" ping -q -c 2 -i 0.5 -W 2 "$@" "$dst"
}

# tcp_listening NS PORT: something in NS listens on TCP PORT
tcp_listening()
{
	[ -n "$(in_ns "$1" ss -Hltn "sport = :$2")" ]
}

# iperf_run SERVER_NS ADDR CLIENT_NS [IPERF3-ARGS...]: one iperf3 test
# from CLIENT_NS to a server on ADDR in SERVER_NS (-R: the other way).
# The client's JSON report is left in $TMP/iperf.json.
iperf_run()
{
	local srv=$1 addr=$2 cli=$3 pid rc

	shift 3
	# Not through in_ns: $! must be the server itself, not a subshell
	ip netns exec "$srv" timeout 40 iperf3 -s -1 -B "$addr" \
		> "$TMP/iperf-server.log" 2>&1 &
	pid=$!
	wait_for 10 tcp_listening "$srv" 5201
	# Bounded, so that a tunnel that carries nothing fails fast
	in_ns "$cli" timeout 30 iperf3 -c "$addr" -J --connect-timeout 5000 "$@" \
		> "$TMP/iperf.json" 2>&1
	rc=$?
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return "$rc"
}

# iperf_result FIELD: from the last iperf_run, "bytes" or "bits_per_second"
# as measured by the receiver, 0 if there is none
iperf_result()
{
	jq -r ".end.sum_received.$1 // 0 | floor" "$TMP/iperf.json" 2>/dev/null ||
		echo 0
}

# Packet captures: capture_start NAME NS DEV [FILTER...] records DEV into
# $TMP/NAME.pcap until capture_stop NAME.
declare -A capture_pids

capture_start()
{
	local name=$1 ns=$2 dev=$3

	shift 3
	rm -f "$TMP/$name.pcap"
	# -Z root: tcpdump would otherwise drop to a user who cannot write $TMP
	# Not through in_ns: $! must be tcpdump itself, not a subshell
	ip netns exec "$ns" tcpdump -i "$dev" -n -U --immediate-mode -Z root \
		-w "$TMP/$name.pcap" "$@" > "$TMP/$name.log" 2>&1 &
	capture_pids[$name]=$!
	wait_for 10 grep -q 'listening on' "$TMP/$name.log"
}

capture_stop()
{
	local pid=${capture_pids[$1]}

	# Lets a packet that was just sent reach the capture first.
	sleep 0.5
	# tcpdump writes out what it holds and exits on SIGTERM
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# wire ARGS...: selftests/wire.py (pcap parsing, raw UDP datagrams)
wire()
{
	"$PYTHON" "$TESTS_DIR/wire.py" "$@"
}

# ctr_ge NS FIELD MIN: the counter is at least MIN
ctr_ge()
{
	local v

	v=$(ctr "$1" "$2")
	[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -ge "$3" ]
}

# The drop counters a transfer through a working tunnel leaves alone
DATA_DROPS="drop-replay drop-no-session drop-rx-error drop-tx-error
	drop-rx-queue-full drop-tx-queue-full"

# data_drops NS [FIELD...]: FIELDs (default: $DATA_DROPS) of ptun0 in NS,
# as "FIELD=N ...", to compare before and after
data_drops()
{
	local ns=$1 f out=

	shift
	# shellcheck disable=SC2086 # a list of field names
	[ $# -gt 0 ] || set -- $DATA_DROPS
	for f in "$@"; do
		out+="$f=$(ctr "$ns" "$f") "
	done
	echo "${out% }"
}

# The least an iperf3 run of a few seconds carries through a working
# tunnel, in bytes. A loaded TCG guest carries some 10 Mbit/s, more than
# 1 MB/s, through ptun; a tunnel that loses most packets stalls TCP below.
# The debug kernel's guest is PTUN_TIME_SCALE times slower.
IPERF_MIN_BYTES=${IPERF_MIN_BYTES:-$((1000000 / PTUN_TIME_SCALE))}

# How long a counter that must stay is watched, in tenths of a second
STAY_WINDOW_DS=${STAY_WINDOW_DS:-20}

# check_rise DESC NS FIELD BEFORE N: counter FIELD of NS, BEFORE when read
# earlier, rises by exactly N within a few seconds. N 0 ("stays") has
# nothing to wait for: the counter is watched for STAY_WINDOW_DS (2 s), and
# any rise ends the watch at once.
check_rise()
{
	local desc=$1 ns=$2 field=$3 before=$4 n=$5 v i

	if [ "$n" -eq 0 ]; then
		for ((i = 0; i < STAY_WINDOW_DS; i += 2)); do
			ctr_ge "$ns" "$field" $((before + 1)) && break
			sleep 0.2
		done
	else
		wait_for 5 ctr_ge "$ns" "$field" $((before + n))
		# Anything more that was on its way gets counted too.
		sleep 0.3
	fi
	v=$(ctr "$ns" "$field")
	if [[ "$v" =~ ^[0-9]+$ ]]; then
		check_eq "$desc" "$n" $((v - before))
	else
		fail "$desc" "cannot read $field of $ns: '$v'"
	fi
}

# nft_count NS TABLE COUNTER: packets counted by a named counter
nft_count()
{
	in_ns "$1" nft list counter inet "$2" "$3" |
		awk '$1 == "packets" { print $2 }'
}

# A third host for attackers, linked to sb's second interface:
#
#   ns sb: wan1 203.0.113.1/24 --veth-- ns ev: wan0 203.0.113.66/24
#
# attacker_check DESC [CMD...]: builds it after sites_setup, then runs CMD
# (ev's own routes), as one result; without it the test cannot go on.
# Not in a subshell: ns_add must record the namespace for cleanup.
SB=203.0.113.1
EV=203.0.113.66

attacker_check()
{
	local desc=$1

	shift
	if { ns_add ev &&
	     ip link add wan1 netns sb type veth peer name wan0 netns ev &&
	     ip -n sb addr add "$SB/24" dev wan1 &&
	     ip -n sb link set wan1 up &&
	     ip -n ev addr add "$EV/24" dev wan0 &&
	     ip -n ev link set wan0 up &&
	     { [ $# -eq 0 ] || "$@"; }; } > "$TMP/ev.log" 2>&1; then
		ok "$desc"
	else
		fail "$desc" "$(cat "$TMP/ev.log")"
		ktap_done
	fi
}

# first_handshake_check: sa's first handshake with sb, captured on sa's
# wan0 into $TMP/first.pcap, as the result "tunnel works"
first_handshake_check()
{
	capture_start first sa wan0 udp
	check "tunnel works" ping_ok sa 10.10.0.2
	capture_stop first
}

# first_message SRC TYPE: the first message of TYPE (01, 02...) from SRC
# in $TMP/first.pcap, in hex
first_message()
{
	wire udp "$TMP/first.pcap" | awk -v src="$1" -v type="$2" '
		$1 == src && substr($5, 1, 2) == type { print $5; exit }'
}

# link_stats NS DEV: "rx-packets rx-bytes tx-packets tx-bytes rx-dropped
# tx-dropped" of DEV as the stack counts them (ip -s link)
link_stats()
{
	ip -n "$1" -s -j link show dev "$2" | jq -r '.[0].stats64 |
		"\(.rx.packets) \(.rx.bytes) \(.tx.packets) \(.tx.bytes) \(.rx.dropped) \(.tx.dropped)"'
}

# delta BEFORE AFTER: the element-wise difference of two lists of numbers,
# such as two link_stats outputs
delta()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " ")
		split(b, y, " ")
		for (i = 1; i <= n; i++)
			printf "%s%d", (i > 1 ? " " : ""), y[i] - x[i]
		print ""
	}'
}

# drop_total NS [DEV]: the sum of all the drop counters of DEV (ptun0)
drop_total()
{
	ptun_in "$1" show "${2:-ptun0}" --json | jq '[.stats.drops[]] | add'
}
