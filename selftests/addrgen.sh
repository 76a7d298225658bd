#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A new ptun device starts with IPv6 addr_gen_mode "none": no link-local
# address, hence no router solicitations of the kernel's own, so that
# drop-dst-not-allowed stays zero on a fresh device (kmod/addrconf.c). The
# user's choice wins: "ip link set DEV addrgenmode MODE" after creation,
# and a device moved to another namespace starts with "none" again.

source "$(dirname "$0")/lib.sh"

# mode NS DEV: the device's addrgenmode as "ip -d link" prints it
mode()
{
	ip -n "$1" -d link show "$2" | grep -o 'addrgenmode [a-z0-9_]*' |
		cut -d' ' -f2
}

# link_local NS DEV: the device's IPv6 link-local addresses
link_local()
{
	ip -n "$1" -6 addr show dev "$2" scope link | grep -o 'fe80::[^ ]*'
}

has_link_local()
{
	[ -n "$(link_local "$1" "$2")" ]
}

# ctr_ge_dev NS DEV FIELD MIN: counter FIELD of DEV in NS is at least MIN
ctr_ge_dev()
{
	[ "$(ptun_in "$1" show "$2" "$3")" -ge "$4" ]
}

# fresh NS DEV: DEV in NS with a peer and an endpoint, as a user would make
# it, not touched by anything that sets addrgenmode (unlike site_tunnel)
fresh()
{
	ip -n "$1" link add "$2" type ptun &&
		ptun_in "$1" set "$2" private-key "$TMP/a.key" \
			peer "$(cat "$TMP/b.pub")" endpoint 192.0.2.2:51820 \
			allowed-ips 10.10.0.2/32,fd10::2/128
}

keypair a && keypair b
ns_add ag
check "a fresh ptun0 with a peer" fresh ag ptun0
check_eq "its addrgenmode is none" none "$(mode ag ptun0)"
check "ptun0 up, with addresses" eval \
	"ip -n ag addr add 10.10.0.1/32 peer 10.10.0.2/32 dev ptun0 &&
	 ip -n ag -6 addr add fd10::1/128 peer fd10::2/128 dev ptun0 nodad &&
	 ip -n ag link set ptun0 up"
# the kernel sends its first router solicitation within a second or so of
# the link-local address; give it a few
nap 4
check_eq "no link-local address" "" "$(link_local ag ptun0)"
check_eq "drop-dst-not-allowed stays 0" 0 "$(ptun_in ag show ptun0 drop-dst-not-allowed)"

# The user's choice, made after creation, wins
check "ptun1, then addrgenmode random" eval \
	"fresh ag ptun1 && ip -n ag link set ptun1 addrgenmode random"
check_eq "its addrgenmode is random" random "$(mode ag ptun1)"
check "ptun1 up" ip -n ag link set ptun1 up
check "ptun1 gets a link-local address" wait_for 10 has_link_local ag ptun1
check "and sends router solicitations, dropped as dst-not-allowed" \
	wait_for 15 ctr_ge_dev ag ptun1 drop-dst-not-allowed 1
# (eui64 would become random at "up": the kernel's rule for a device
# without a hardware address, ptun's or any other's)
check "ptun0 down, addrgenmode random and up" eval \
	"ip -n ag link set ptun0 down && ip -n ag link set ptun0 addrgenmode random &&
	 ip -n ag link set ptun0 up"
check_eq "ptun0 keeps the user's mode" random "$(mode ag ptun0)"
check "and gets a link-local address" wait_for 10 has_link_local ag ptun0

# Another namespace: registered anew, none again
ns_add ag2
check "ptun1 moves to another namespace" ip -n ag link set ptun1 netns ag2
check_eq "there its addrgenmode is none" none "$(mode ag2 ptun1)"

ktap_done
