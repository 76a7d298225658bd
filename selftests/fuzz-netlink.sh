#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzer: random and mutated generic netlink messages to the ptun
# family (selftests/fuzznl.py), as root and as root of an unprivileged
# user namespace. fuzznl.py predicts the kernel's answer to every message
# from a model of the devices written from uapi/linux/ptun.h, checks it
# and checks the model against GET replies; at the end "ptun show --json"
# must equal the model. A fixed list of regression cases runs first.
# Splats are caught by the VM runner's "kernel log clean" check.
#
#   +---------------- ns fz (init user ns) ----------------+
#   |  ptun0 (down, fuzzed)   ptun1 (up, :40000, fuzzed)   |
#   |  ptunr (up, regression cases)   dummy0 (not ptun)    |
#   |  +-- ctr: unshare -Urn (holder) ------------------+  |
#   |  |  ptunu (down, created inside, fuzzed)          |  |
#   |  |  ptunm (created in ns fz, moved in: its listen |  |
#   |  |         port stays out of the container's hand)|  |
#   |  +------------------------------------------------+  |
#   +------------------------------------------------------+
#
# PTUN_FUZZ_SEED sets the seed (printed always), PTUN_FUZZ_NETLINK the
# number of messages (60% from root in ns fz, 30% from the container's
# root, 10% from root of a user namespace in ns fz) and lifts the time
# limits, for a long run.

source "$(dirname "$0")/lib.sh"

seed=${PTUN_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
# Python in the TCG guest is the cost, not the kernel: about 120
# messages a second as root on both the stock and the debug kernel
# (KASAN, lockdep), well over 1000 refused ones. Each part stops at a
# time limit, SECS[part] seconds of sending (the count done is printed),
# set so that make check and make check-debug fit CI's hour; a long run
# sets PTUN_FUZZ_NETLINK.
case $(uname -r) in
*-ptun-debug) total=120000 secs=(100 50 15) ;;
*) total=16000 secs=(15 8 4) ;;
esac
if [ -n "${PTUN_FUZZ_NETLINK:-}" ]; then
	total=$PTUN_FUZZ_NETLINK
	secs=(0 0 0)
fi
diag "seed $seed"
diag "messages $total"

FUZZ=("$PYTHON" "$TESTS_DIR/fuzznl.py")

# in_ctr CMD...: CMD as root of the container's user and network namespace
in_ctr()
{
	nsenter --target "$holder" --user --net "$@"
}

# fuzz_run NAME SEED COUNT SECONDS CMD-PREFIX... -- FUZZ-ARGS...: one
# fuzzer run, its output in $TMP/NAME.out and status in $TMP/NAME.rc; a
# hang (no answer, or a wedged kernel) fails it too
fuzz_run()
{
	local name=$1 s=$2 n=$3 t=$4 pre=()

	shift 4
	while [ "$1" != -- ]; do
		pre+=("$1")
		shift
	done
	shift
	"${pre[@]}" timeout -k 5 $((t ? t + 120 : 0)) "${FUZZ[@]}" fuzz --seed "$s" \
		--count "$n" --seconds "$t" "$@" > "$TMP/$name.out" 2>&1
	echo $? > "$TMP/$name.rc"
}

# fuzz_report NAME DESC: the result of fuzz_run NAME
fuzz_report()
{
	if [ "$(cat "$TMP/$1.rc")" = 0 ]; then
		ok "$2"
		sed 's/^# /#   /' "$TMP/$1.out"
	else
		fail "$2" "seed $seed"
		sed 's/^/#   /' "$TMP/$1.out"
	fi
}

# same_as_model DESC MODEL IFNAME CMD-PREFIX...: ptun show --json of
# IFNAME, without its counters and with the allowed IPs in order, equals
# the model (fuzznl.py writes them so)
same_as_model()
{
	local desc=$1 model=$2 ifname=$3 want got

	shift 3
	want=$(jq -cS --arg d "$ifname" '.[$d]' "$model")
	got=$("$@" "$PTUN" show "$ifname" --json | jq -cS 'del(.stats) |
		if .peer then .peer.allowed_ips |= sort else . end')
	check_eq "$desc" "$want" "$got"
}

ns_add fz
keypair k
check "devices in ns fz" eval "
	ip -n fz link add ptun0 type ptun &&
	ip -n fz link add ptun1 type ptun &&
	ip -n fz link add ptunr type ptun &&
	ip -n fz link add ptunm type ptun &&
	ip -n fz link add dummy0 type dummy &&
	ptun_in fz set ptun1 listen-port 40000 &&
	ptun_in fz set ptunm private-key $TMP/k.key listen-port 40001 &&
	for d in ptun0 ptun1 ptunr ptunm; do
		ip -n fz link set \$d addrgenmode none
	done &&
	for d in ptun1 ptunr ptunm; do ip -n fz link set \$d up; done"

# The fixed regression cases, on a device of their own
out=$(in_ns fz "${FUZZ[@]}" regress --dev ptunr --busy-port 40000 \
	--model "$TMP/regress.json" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check_eq "regression cases: kernel and model agree with the expected answers" \
	0 "$rc"
same_as_model "regression device: ptun show equals the model" \
	"$TMP/regress.json" ptunr in_ns fz

# The container: a user and network namespace of its own
unshare --user --map-root-user --net sleep infinity &
holder=$!
wait_for 10 test "$(readlink "/proc/$holder/ns/user")" != \
	"$(readlink /proc/self/ns/user)"
check "ptunm moves into the container, ptunu is created there" eval "
	ip -n fz link set ptunm netns $holder &&
	in_ctr ip link add ptunu type ptun &&
	in_ctr ip link set ptunm up"

p_root=$((total * 6 / 10))
p_deny=$((total / 10))
p_ctr=$((total - p_root - p_deny))

fuzz_run root "$seed" "$p_root" "${secs[0]}" in_ns fz -- \
	--busy-port 40001 --model "$TMP/root.json"
fuzz_report root "root in ns fz: up to $p_root messages"
for d in ptun0 ptun1 ptunr; do
	same_as_model "$d: ptun show equals the model" "$TMP/root.json" "$d" \
		in_ns fz
done

# Root of a user namespace in ns fz, at the same time: every request
# refused, nothing seen
fuzz_run deny $((seed + 2)) "$p_deny" "${secs[2]}" \
	in_ns fz unshare --user --map-root-user -- --deny --dev ptun0 \
	--dev ptun1 &
deny_pid=$!
fuzz_run ctr $((seed + 1)) "$p_ctr" "${secs[1]}" in_ctr -- --locked ptunm \
	--model "$TMP/ctr.json"
wait "$deny_pid"
fuzz_report ctr "container root: up to $p_ctr messages to its ptunu and ptunm"
fuzz_report deny "userns root in ns fz: up to $p_deny messages, all refused"
for d in ptunu ptunm; do
	same_as_model "$d: ptun show equals the model" "$TMP/ctr.json" "$d" \
		in_ctr
done
check "ptunm's sockets still listen on 40001 in ns fz" \
	test -n "$(in_ns fz ss -Hlun 'sport = :40001')"

same_as_model "ptun0 unchanged by the refused requests" "$TMP/root.json" \
	ptun0 in_ns fz
same_as_model "ptun1 unchanged by the refused requests" "$TMP/root.json" \
	ptun1 in_ns fz

kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
ktap_done
