#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A cookie reply to our initiation is taken even after we sent a response
# meanwhile (security review L5): the mac1 of our last initiation and of
# our last response are kept apart, so answering the peer no longer voids
# the cookie reply to our own pending initiation.
#
# ptun0 in pt is under load at all times (handshake_load_mark 0); its peer
# is refpeer.py, the independent implementation, in rp. Each round: pt
# initiates (a ping), refpeer holds back its answer, gets a cookie from pt
# and makes pt answer an initiation of refpeer's (pt sends a response),
# then sends the cookie reply to pt's initiation. pt's next initiation
# must carry the mac2 that cookie makes.
#
#   +----- ns pt -----+      +------- ns rp -------+
#   | ptun0 10.10.0.1 |======| refpeer.py          |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2     |
#   +-----------------+      +---------------------+

source "$(dirname "$0")/lib.sh"

ROUNDS=${COOKIECROSS_ROUNDS:-3}
REFPEER=$TESTS_DIR/refpeer.py
mark=/sys/module/ptun/parameters/handshake_load_mark

modprobe ptun 2>/dev/null
mark_saved=$(cat "$mark")
exit_hooks+=("echo $mark_saved > $mark")
check "handshake_load_mark set to 0: always under load" eval "echo 0 > $mark"

setup()
{
	ns_add pt && ns_add rp &&
	ip link add wan0 netns pt type veth peer name wan0 netns rp &&
	ip -n pt addr add 192.0.2.1/24 dev wan0 &&
	ip -n rp addr add 192.0.2.2/24 dev wan0 &&
	ip -n pt link set wan0 up &&
	ip -n rp link set wan0 up &&
	keypair pt && keypair rp &&
	ip -n pt link add ptun0 type ptun &&
	ptun_in pt set ptun0 private-key "$TMP/pt.key" listen-port 51820 \
		peer "$(cat "$TMP/rp.pub")" endpoint 192.0.2.2:51820 \
		allowed-ips 10.10.0.2/32 &&
	ip -n pt addr add 10.10.0.1/32 peer 10.10.0.2/32 dev ptun0 &&
	ip -n pt link set ptun0 addrgenmode none &&
	ip -n pt link set ptun0 up
}
check "pt with ptun0, rp for refpeer.py" setup

for r in $(seq "$ROUNDS"); do
	# a fresh handshake state on pt
	ip -n pt link set ptun0 down
	ip -n pt link set ptun0 up
	# Not through in_ns: $! must be python itself
	ip netns exec rp "$PYTHON" "$REFPEER" cookie-cross --key "$TMP/rp.key" \
		--peer "$TMP/pt.pub" --endpoint 192.0.2.1:51820 --timeout 30 \
		> "$TMP/cross.log" 2>&1 &
	pid=$!
	wait_for 30 grep -q 'cookie-cross listening' "$TMP/cross.log"
	in_ns pt ping -c 1 -W 1 10.10.0.2 > /dev/null 2>&1 &
	wait "$pid"
	wait
	sed 's/^/# [refpeer] /' "$TMP/cross.log"
	check_match "round $r: pt answered refpeer's initiation with mac2" \
		'response=yes' "$(cat "$TMP/cross.log")"
	check_match "round $r: pt took the cookie reply to its own initiation" \
		'cookie-cross response=yes mac2=yes' "$(cat "$TMP/cross.log")"
done

ktap_done
