#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo: two sites, each a network namespace with a LAN and a ptun
# gateway, joined by a veth pair standing in for the Internet; traffic
# between them goes through the encrypted tunnel. Runs in a rig guest
# (selftests/vm/run --script selftests/demo.sh). The sites are the ones
# the selftests use (sites_setup in selftests/lib.sh).

PTUN=ptun
source "$(dirname "$0")/lib.sh"
PATH=$TOP_DIR/tool:$PATH

status=0

title()
{
	printf '\n=== %s\n' "$*"
}

# run CMD...: shows a command, then runs it; a failure is remembered
run()
{
	printf '$ %s\n' "$*"
	"$@" || { echo "(failed: status $?)"; status=1; }
}

cat <<'EOF'
ptun demo: two sites joined by an encrypted point-to-point tunnel

        LAN 10.1.0.1/24 (lan0)              LAN 10.2.0.1/24 (lan0)
  +--------- site sa ---------+        +--------- site sb ---------+
  | ptun0 10.10.0.1, fd10::1  |========| ptun0 10.10.0.2, fd10::2  |
  | wan0  192.0.2.1/24        |--veth--| wan0  192.0.2.2/24        |
  +---------------------------+        +---------------------------+
       (each site is a network namespace; the veth is "the Internet")
EOF
echo "Linux $(uname -r)"

title "setting up both sites"
if ! SETUP_TRACE=1 sites_setup 4; then
	echo "setup failed"
	exit 1
fi

title "site sa, addresses and routes"
ip -n sa -br addr
ip -n sa route

title "ptun monitor on both sites, in the background, before any traffic"
for ns in sa sb; do
	printf '$ ip netns exec %s ptun monitor > %s.events &\n' "$ns" "$ns"
	ip netns exec "$ns" ptun monitor > "$TMP/$ns.events" 2>&1 &
done
# a SET each monitor reports shows that it has joined the events group
for ns in sa sb; do
	for ((try = 0; try < 50; try++)); do
		ip netns exec "$ns" ptun set ptun0 mss-clamp off
		wait_for 1 grep -q config-changed "$TMP/$ns.events" && break
	done
done

title "ping across the tunnel: sa -> sb (the first one waits for the handshake)"
run ip netns exec sa ping -c 3 -W 5 10.10.0.2
title "IPv6 inside the tunnel: sb -> sa"
run ip netns exec sb ping -c 3 -W 5 fd10::1
title "LAN to LAN: 10.1.0.1 -> 10.2.0.1"
run ip netns exec sa ping -c 3 -W 5 -I 10.1.0.1 10.2.0.1

title "TCP throughput sa -> sb for 3 s (iperf3; QEMU without KVM is slow)"
ip netns exec sb timeout 30 iperf3 -s -1 -B 10.10.0.2 > /dev/null 2>&1 &
wait_for 10 tcp_listening sb 5201
run ip netns exec sa timeout 30 iperf3 -c 10.10.0.2 -t 3 -f m
wait

for ns in sa sb; do
	title "site $ns: what ptun monitor printed (sa initiated the handshake)"
	cat "$TMP/$ns.events"
done

for ns in sa sb; do
	title "site $ns: ptun show"
	ip netns exec "$ns" ptun show
done

title "what the Internet sees: a few packets on sb's wan0"
ip netns exec sb timeout 5 tcpdump -i wan0 -n -c 4 udp 2>/dev/null &
sleep 1
ip netns exec sa ping -c 2 -W 2 10.10.0.2 > /dev/null
wait

if [ "$status" -eq 0 ]; then
	printf '\nAll traffic went through the tunnel.\n'
else
	printf '\nSomething failed: see "(failed" above.\n'
fi
exit "$status"
