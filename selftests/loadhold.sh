#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "Under load" holds for a second after the handshake queue last reached
# handshake_load_mark (security review L6, docs/PROTOCOL.md section 5):
# a flood that comes in bursts keeps its cost at a cookie reply per
# message between the bursts too, instead of the Diffie-Hellman work each
# time the queue has just drained.
#
# With the mark at 4, ev sends sb a burst of initiations (mac1 right, the
# rest random), which fills the queue past the mark: sb answers the rest
# with cookie replies. Once the few queued ones are processed (a few
# milliseconds), an initiation without mac2 sent 0.3 s after the burst
# must still get a cookie reply; one sent 2.5 s after it, when the hold
# is over, must not (it is queued, and dropped after its Diffie-Hellman).
#
#   +----- ns sa -----+      +------ ns sb ------+      +---- ns ev ----+
#   | ptun0 10.10.0.1 |======| ptun0 10.10.0.2   |      | the attacker  |
#   | wan0  192.0.2.1 |-veth-| wan0  192.0.2.2   |      |               |
#   +-----------------+      | wan1  203.0.113.1 |-veth-| wan0  .66     |
#                            +-------------------+      +---------------+

source "$(dirname "$0")/lib.sh"

ROUNDS=${LOADHOLD_ROUNDS:-3}
mark=/sys/module/ptun/parameters/handshake_load_mark

modprobe ptun 2>/dev/null
mark_saved=$(cat "$mark")
exit_hooks+=("echo $mark_saved > $mark")
check "handshake_load_mark set to 4" eval "echo 4 > $mark"

sites_setup_check "two sites" 4
attacker_check "an attacker's namespace ev"
check "tunnel works" ping_ok sa 10.10.0.2
sb_pub=$(cat "$TMP/site2.pub")

for r in $(seq "$ROUNDS"); do
	in_ns ev "$PYTHON" "$TESTS_DIR/wire.py" hold "$SB" "$PTUN_PORT" \
		"$sb_pub" 64 0.3 2.5 > "$TMP/hold.out" 2>&1
	sed 's/^/# /' "$TMP/hold.out"
	check_ge "round $r: the burst loaded sb (cookie replies)" 1 \
		"$(awk '$1 == "burst-cookies" { print $2 }' "$TMP/hold.out")"
	check_eq "round $r: 0.3 s after the burst, still under load: a cookie reply" \
		1 "$(awk '$1 == "probe" && $2 == 0.3 { print $3 }' "$TMP/hold.out")"
	check_eq "round $r: 2.5 s after, no longer under load: no cookie reply" \
		0 "$(awk '$1 == "probe" && $2 == 2.5 { print $3 }' "$TMP/hold.out")"
done
check "the tunnel still works" ping_ok sa 10.10.0.2

ktap_done
