#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packets that wait for a session are checked against the allowed IPs
# when they finally go, not only when they were queued: a SET that
# narrowed the allowed IPs meanwhile holds back those no longer allowed.
#
#   sa: pings to sb's LAN (10.2.0.1) and to 10.10.0.2 wait while sb's
#       wan0 is down; sa then narrows its allowed IPs to 10.10.0.2 and
#       fd10::2, and sb's wan0 comes back.

source "$(dirname "$0")/lib.sh"

sites_setup_check "two sites" 4
check "nft counters in sb" in_ns sb nft -f - <<EOT
table inet ptun_staged {
	counter lan {}
	counter tun {}
	chain inner {
		type filter hook prerouting priority 0;
		iifname "ptun0" ip daddr 10.2.0.1 counter name lan
		iifname "ptun0" ip daddr 10.10.0.2 counter name tun
	}
}
EOT
check "sb's underlay goes down" ip -n sb link set wan0 down
# No session exists yet: the echo requests wait in sa's queue.
in_ns sa ping -q -c 4 -i 0.2 -W 1 10.2.0.1 > /dev/null 2>&1
in_ns sa ping -q -c 2 -i 0.2 -W 1 10.10.0.2 > /dev/null 2>&1
check_eq "no handshake yet" 0 "$(ctr sa handshakes)"
check "sa narrows the allowed IPs" ptun_in sa set ptun0 \
	peer "$(cat "$TMP/site2.pub")" allowed-ips 10.10.0.2/32,fd10::2/128
dst0=$(ctr sa drop-dst-not-allowed)
check "sb's underlay comes back" ip -n sb link set wan0 up
check "the handshake completes" wait_for 20 ctr_ge sa handshakes 1
check "the allowed staged packets arrive" \
	wait_for 10 eval '[ "$(nft_count sb ptun_staged tun)" -ge 2 ]'
check_eq "no staged packet to 10.2.0.1 arrived" 0 \
	"$(nft_count sb ptun_staged lan)"
# Exactly: site_tunnel's addrgenmode none keeps IPv6 chatter away.
check_rise "the 4 count as drop-dst-not-allowed" sa drop-dst-not-allowed \
	"$dst0" 4
check "the tunnel works" ping_ok sa 10.10.0.2
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
