#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A site behind NAT: sb is not told where sa is and learns the NAT's
# address and port from sa's first authenticated message; sa's persistent
# keepalive keeps the mapping open so that sb can reach sa at any time.
# Without the keepalive the mapping expires and sb can no longer reach sa,
# which shows that the keepalive is what kept it open.
#
#   +------ ns sa -------+      +------- ns rt --------+      +------ ns sb ------+
#   | ptun0 10.10.0.1    |      |  nft masquerade      |      | ptun0 10.10.0.2   |
#   | wan0 198.51.100.2  |------| in0  198.51.100.1    |      |  (no endpoint     |
#   |  default via .1    | veth | out0 192.0.2.1       |------|   for sa)         |
#   | keepalive 1 s      |      | UDP timeouts 3 s     | veth | wan0 192.0.2.2    |
#   +--------------------+      +----------------------+      +-------------------+

source "$(dirname "$0")/lib.sh"

ns_add sa
ns_add rt
ns_add sb
setup()
{
	ip link add wan0 netns sa type veth peer name in0 netns rt &&
	ip link add out0 netns rt type veth peer name wan0 netns sb &&
	ip -n sa addr add 198.51.100.2/24 dev wan0 &&
	ip -n rt addr add 198.51.100.1/24 dev in0 &&
	ip -n rt addr add 192.0.2.1/24 dev out0 &&
	ip -n sb addr add 192.0.2.2/24 dev wan0 &&
	ip -n sa link set wan0 up &&
	ip -n rt link set in0 up &&
	ip -n rt link set out0 up &&
	ip -n sb link set wan0 up &&
	ip -n sa route add default via 198.51.100.1 &&
	in_ns rt sysctl -qw net.ipv4.ip_forward=1 &&
	in_ns rt nft -f - <<-EOF &&
	table ip nat {
		chain postrouting {
			type nat hook postrouting priority 100;
			oif out0 masquerade
		}
	}
	EOF
	# Short UDP mapping lifetimes, so that expiry fits in the test
	in_ns rt sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3 &&
	in_ns rt sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=3 &&
	site_tunnel sb 2 "" &&
	site_tunnel sa 1 192.0.2.2:51820
}
if setup > "$TMP/setup.log" 2>&1; then
	ok "sa behind NAT, sb outside"
else
	fail "sa behind NAT, sb outside" "setup failed"
	sed 's/^/#   /' "$TMP/setup.log"
	ktap_done
fi
check_fails "sb has no route to sa's real address" \
	in_ns sb ping -c 1 -W 1 198.51.100.2
check_eq "sb has no endpoint for sa" "(none)" "$(ctr sb endpoint)"

# Nothing is sent through the tunnel: the keepalive alone reaches sb.
check "sa's persistent keepalive set to 1 s" \
	ptun_in sa set ptun0 persistent-keepalive 1
nat_endpoint()
{
	[[ "$(ctr sb endpoint)" =~ ^192\.0\.2\.1:[0-9]+$ ]]
}
check "sb learns sa's endpoint from the keepalive, within 10 s" \
	wait_for 10 nat_endpoint
ep=$(ctr sb endpoint)
diag "sb sees sa at $ep"
check_match "it is the NAT's outside address" '^192\.0\.2\.1:[0-9]+$' "$ep"
check_ge "a handshake was done" 1 "$(ctr sb handshakes)"

check "sb reaches sa through the NAT" ping_ok sb 10.10.0.1
check "sa reaches sb" ping_ok sa 10.10.0.2
sleep 8
check "after 8 idle seconds (mapping lifetime 3 s) sb still reaches sa" \
	ping_ok sb 10.10.0.1

check "sa's keepalive turned off" ptun_in sa set ptun0 persistent-keepalive off
sleep 8
check "without keepalives the mapping expires: sb cannot reach sa" \
	ping_fails sb 10.10.0.1
check "keepalive on again" ptun_in sa set ptun0 persistent-keepalive 1
check "sb reaches sa again (a new mapping, learnt from the keepalive)" \
	wait_for 15 in_ns sb ping -c 1 -W 1 10.10.0.1
diag "sb now sees sa at $(ctr sb endpoint)"
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
