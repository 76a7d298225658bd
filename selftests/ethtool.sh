#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What tools that know nothing of ptun see: the device type in uevents
# (udev, networkd), the driver and link state through ethtool, and the
# handshake, drop and events-suppressed counters through `ethtool -S`,
# equal to ptun show's.
#
#   +------ ns sa ------+                 +------ ns sb ------+
#   | ptun0 10.10.0.1   |=== tunnel ======| ptun0 10.10.0.2   |
#   | wan0  192.0.2.1   |----- veth ------| wan0  192.0.2.2   |
#   +-------------------+                 +-------------------+

source "$(dirname "$0")/lib.sh"

# ethtool_stats NS: `ethtool -S ptun0` as "name value" lines, sorted
ethtool_stats()
{
	in_ns "$1" ethtool -S ptun0 | awk 'NR > 1 { sub(":", "", $1); print $1, $2 }' | sort
}

# ptun_stats NS: the same counters from ptun show --json, same format
ptun_stats()
{
	ptun_in "$1" show ptun0 --json | jq -r '.stats |
		"handshakes \(.handshakes)",
		"events_suppressed \(.events_suppressed)",
		(.drops | to_entries[] | "drop_\(.key) \(.value)")' | sort
}

sites_setup_check "two sites" 4

check_match "uevent names the device type" '^DEVTYPE=ptun$' \
	"$(in_ns sa cat /sys/class/net/ptun0/uevent)"
check_match "ethtool -i: the driver is ptun" '^driver: ptun$' \
	"$(in_ns sa ethtool -i ptun0)"
check_match "ethtool: link detected while up" 'Link detected: yes' \
	"$(in_ns sa ethtool ptun0)"

check "traffic through the tunnel" ping_ok sa 10.10.0.2
# A packet to a destination outside the allowed IPs: one drop on sa.
check "a route outside the allowed IPs" in_ns sa ip route add 10.99.0.0/24 dev ptun0
in_ns sa ping -q -c 2 -i 0.2 -W 1 10.99.0.1 >/dev/null 2>&1
e=$(ethtool_stats sa)
check_eq "ethtool -S lists the handshake and every drop counter, as ptun show" \
	"$(ptun_stats sa)" "$e"
check_match "ethtool -S: a handshake counted" '^handshakes [1-9]' "$e"
check_match "ethtool -S: the 2 packets to 10.99.0.1 under dst-not-allowed" \
	'^drop_dst_not_allowed 2$' "$e"
check_eq "sb's ethtool -S equals its ptun show" "$(ptun_stats sb)" "$(ethtool_stats sb)"

check "device down" in_ns sa ip link set ptun0 down
check_match "ethtool: no link while down" 'Link detected: no' \
	"$(in_ns sa ethtool ptun0)"

ktap_done
