#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Privilege boundaries of the netlink interface. A device keeps its UDP
# sockets in the namespace it was created in, also after it moved into a
# container: only a requester with CAP_NET_ADMIN over that namespace may
# choose where they listen. Root of an unprivileged user namespace may
# configure everything else of a device it was given, and may neither see
# nor configure devices of namespaces it does not own.
#
#   +------- ns host (init user ns) -------+
#   |  UDP sockets of ptun0 (:51820)       |
#   |                                      |   ptun0 moved into
#   |  +-- ctr: unshare -Urn (holder) --+  |   the container's
#   |  |  ptun0                         |  |   network namespace
#   |  +--------------------------------+  |
#   +--------------------------------------+

source "$(dirname "$0")/lib.sh"

# in_ctr CMD...: CMD as root of the container's user namespace, in its
# network namespace
in_ctr()
{
	nsenter --target "$holder" --user --net "$@"
}

# in_ctr_net CMD...: CMD in the container's network namespace, but with
# the credentials of the initial user namespace
in_ctr_net()
{
	nsenter --target "$holder" --net "$@"
}

# udp_listening NS PORT: something in namespace NS listens on UDP PORT
udp_listening()
{
	[ -n "$(in_ns "$1" ss -Hlun "sport = :$2")" ]
}

check "an unprivileged user namespace can be made" \
	unshare --user --map-root-user --net true
ns_add host
keypair dev
keypair other
check "ptun0 in ns host, up on port 51820" eval \
	"ip -n host link add ptun0 type ptun &&
	 ptun_in host set ptun0 private-key $TMP/dev.key listen-port 51820 \
		peer \$(cat $TMP/other.pub) endpoint 192.0.2.2:51820 \
		allowed-ips 10.10.0.2/32 &&
	 ip -n host link set ptun0 up"
check "host listens on 51820" udp_listening host 51820

# The container: a process holding a new user and network namespace
unshare --user --map-root-user --net sleep 300 &
holder=$!
wait_for 10 test "$(readlink /proc/$holder/ns/user)" != "$(readlink /proc/self/ns/user)"
check "ptun0 moves into the container" ip -n host link set ptun0 netns "$holder"
check "container root sees ptun0" in_ctr "$PTUN" show ptun0 listen-port
check "ptun0 is up in the container" in_ctr ip link set ptun0 up

# M1: the sockets stay in ns host, out of the container's reach
check_fails "container root cannot change the listen port" \
	in_ctr "$PTUN" set ptun0 listen-port 853
check_match "the user is told why" 'CAP_NET_ADMIN' "$LAST_ERR"
check_match "the kernel says EPERM" '^errno=1 ' \
	"$(in_ctr "$PYTHON" "$TESTS_DIR/nlraw.py" set ptun0 listen_port=u16:853)"
check_nomatch "host does not listen on 853" . \
	"$(in_ns host ss -Hlun 'sport = :853')"
# Binding a port below 1024 needs CAP_NET_BIND_SERVICE of the caller over
# ns host anyway; a higher one, a host service's maybe, does not.
check_fails "container root cannot move to port 4500 either" \
	in_ctr "$PTUN" set ptun0 listen-port 4500
check_nomatch "host does not listen on 4500" . \
	"$(in_ns host ss -Hlun 'sport = :4500')"
check "host still listens on 51820" udp_listening host 51820
check_eq "listen port unchanged" 51820 "$(in_ctr "$PTUN" show ptun0 listen-port)"
check_fails "nor let the kernel pick one (port 0)" \
	in_ctr "$PTUN" set ptun0 listen-port 0
ka0=$(in_ctr "$PTUN" show ptun0 persistent-keepalive)
check_fails "a rejected request changes nothing (keepalive in it too)" \
	in_ctr "$PTUN" set ptun0 listen-port 853 persistent-keepalive 7
check_eq "keepalive unchanged" "$ka0" \
	"$(in_ctr "$PTUN" show ptun0 persistent-keepalive)"
check "naming the current port is no change, and allowed" \
	in_ctr "$PTUN" set ptun0 listen-port 51820
check "container root may set the keepalive" \
	in_ctr "$PTUN" set ptun0 persistent-keepalive 25
check_eq "keepalive set" 25 "$(in_ctr "$PTUN" show ptun0 persistent-keepalive)"
check "container root may set the allowed IPs" \
	in_ctr "$PTUN" set ptun0 allowed-ips 10.10.0.2/32,10.2.0.0/24

check "while down" in_ctr ip link set ptun0 down
check_fails "container root cannot change the port of a down device" \
	in_ctr "$PTUN" set ptun0 listen-port 853
check "up again" in_ctr ip link set ptun0 up
check_nomatch "host does not listen on 853 after up" . \
	"$(in_ns host ss -Hlun 'sport = :853')"

# The privileged side may still move the port
check "initial-namespace root changes the listen port" \
	in_ctr_net "$PTUN" set ptun0 listen-port 854
check "host listens on 854" wait_for 5 udp_listening host 854
check "and no longer on 51820" wait_for 5 eval "! udp_listening host 51820"

# The unprivileged user namespace against devices it does not own
ns_add other
check "ptun1 in ns other" eval "ip -n other link add ptun1 type ptun &&
	ptun_in other set ptun1 listen-port 51821"
check_fails "userns root cannot show ptun1 of ns other" \
	in_ns other unshare --user --map-root-user "$PTUN" show ptun1
check_fails "userns root cannot configure ptun1 of ns other" \
	in_ns other unshare --user --map-root-user "$PTUN" set ptun1 \
	persistent-keepalive 5
check_eq "ptun1 unchanged" 51821 "$(ptun_in other show ptun1 listen-port)"

# A device the container creates has its sockets in the container
check "container root creates ptun2 on port 853 in its own namespace" \
	in_ctr sh -c "ip link add ptun2 type ptun &&
		'$PTUN' set ptun2 listen-port 853 && ip link set ptun2 up &&
		'$PTUN' set ptun2 listen-port 855"
check "ptun2 listens in the container" \
	wait_for 5 in_ctr sh -c "ss -Hlun 'sport = :855' | grep -q ."

kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
ktap_done
