#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allowed IPs are enforced both ways: a packet routed into ptun0 towards
# an address outside the peer's allowed IPs is dropped with an ICMP
# unreachable, and a packet the peer sends from a source outside them is
# dropped after decryption.
#
#         LAN 10.1.0.1/24 (lan0)              LAN 10.2.0.1/24 (lan0)
#   +---------- ns sa ----------+        +---------- ns sb ----------+
#   | ptun0 10.10.0.1, fd10::1  |========| ptun0 10.10.0.2, fd10::2  |
#   | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
#   +---------------------------+        +---------------------------+
#   sa allows only 10.10.0.2/32 from sb (both of sb's LAN and fd10::2 are
#   routed into ptun0 but not allowed); sb allows all of sa.

source "$(dirname "$0")/lib.sh"

sites_setup_check "two sites" 4
check "sa allows only 10.10.0.2/32 from sb" \
	ptun_in sa set ptun0 allowed-ips 10.10.0.2/32
check "allowed traffic passes" ping_ok sa 10.10.0.2

# site_tunnel sets addrgenmode none: ptun0 sends no IPv6 chatter of its own
# (router solicitations), so dst-not-allowed counts exactly what is sent.
dst0=$(ctr sa drop-dst-not-allowed)
check_eq "drop-dst-not-allowed on sa is 0 before (no IPv6 chatter)" 0 "$dst0"
out=$(in_ns sa timeout 10 ping -c 2 -i 0.5 -W 2 10.2.0.1 2>&1)
rc=$?
check "ping to sb's LAN (routed into ptun0, not allowed) fails" test "$rc" -ne 0
check_match "and the sender is told: destination unreachable" '[Uu]nreachable' "$out"
check_rise "drop-dst-not-allowed counts both" sa drop-dst-not-allowed "$dst0" 2
dst1=$(ctr sa drop-dst-not-allowed)
out=$(in_ns sa timeout 10 ping -c 1 -W 2 fd10::2 2>&1)
rc=$?
check "inner IPv6 to sb (not allowed) fails" test "$rc" -ne 0
check_match "with destination unreachable too" '[Uu]nreachable' "$out"
check_rise "drop-dst-not-allowed rises by one" sa drop-dst-not-allowed "$dst1" 1
check_rise "and nothing else went out as tx-error" sa drop-tx-error 0 0

# sb sends from its LAN address, which sb allows to sa but sa does not
# allow from sb: sa decrypts and drops.
src0=$(ctr sa drop-src-not-allowed)
check "sb -> sa from 10.2.0.1 (outside sa's allowed IPs) fails" \
	ping_fails sb 10.10.0.1 -I 10.2.0.1
check_rise "sa counts drop-src-not-allowed for each" sa drop-src-not-allowed "$src0" 2
check "sb -> sa from 10.10.0.2 still passes" ping_ok sb 10.10.0.1
check "sb -> sa over inner IPv6 fails (fd10::2 not allowed at sa)" \
	ping_fails sb fd10::1
check_rise "drop-src-not-allowed +2" sa drop-src-not-allowed "$src0" 4

# The same in the other direction, with sb's allowed IPs narrowed.
check "sb allows only 10.10.0.1/32 from sa" \
	ptun_in sb set ptun0 allowed-ips 10.10.0.1/32
src0=$(ctr sb drop-src-not-allowed)
check "sa's LAN address is refused by sb" ping_fails sa 10.10.0.2 -I 10.1.0.1
check_rise "sb counts drop-src-not-allowed" sb drop-src-not-allowed "$src0" 2

# Widened again, everything passes: the drops came from the lists alone.
check "allowed IPs restored on both" eval \
	"ip netns exec sa $PTUN set ptun0 allowed-ips $(site_allowed 1) &&
	 ip netns exec sb $PTUN set ptun0 allowed-ips $(site_allowed 2)"
check "LAN to LAN passes" ping_ok sa 10.2.0.1 -I 10.1.0.1
check "inner IPv6 passes" ping_ok sb fd10::1
check "sb's LAN address reaches sa" ping_ok sb 10.10.0.1 -I 10.2.0.1
[ "$ktap_failed" -eq 0 ] || ptun_state sa sb

ktap_done
