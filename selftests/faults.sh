#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures in ptun's control paths (selftests/faults.py): each
# slab allocation that creating, configuring, bringing up, reading,
# replacing the peer of and deleting a device makes fails once, and every
# refused request must leave the device as it was. Needs fault injection
# (fail-nth, failslab): the debug kernel of make check-debug has it,
# Debian's kernels do not, so there the test is skipped.
#
#   +----- ns f -----+
#   | ptun9 (no peer |
#   | reachable)     |
#   +----------------+

source "$(dirname "$0")/lib.sh"

if [ ! -e /proc/self/fail-nth ] || [ ! -d /sys/kernel/debug/failslab ]; then
	skip "allocation failures" "this kernel has no fault injection (failslab, fail-nth)"
	ktap_done
fi

# fail-nth picks which allocation fails (failslab's probability stays 0,
# so nothing else fails); failslab must not spare allocations that may
# sleep (most of ptun's), nor print a stack for each.
fs=/sys/kernel/debug/failslab
echo N > "$fs/ignore-gfp-wait" && echo 0 > "$fs/verbose" ||
	fail "failslab set up"

ns_add f
# No IPv6 on the device: router solicitations would be traffic, and
# traffic starts handshakes that change the state compared.
in_ns f sysctl -qw net.ipv6.conf.default.disable_ipv6=1
in_ns f "$PYTHON" "$TESTS_DIR/faults.py" ptun9 > "$TMP/faults.out" 2>&1
rc=$?
# faults.py numbers its results from 1: continue lib.sh's numbering
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok [0-9]* }" ;;
	"not ok "*) fail "${line#not ok [0-9]* }" ;;
	*) diag "${line#\# }" ;;
	esac
done < "$TMP/faults.out"
check_eq "faults.py finished" 0 "$rc"
# failslab stays armed only through fail-nth, which ended with the task
ktap_done
