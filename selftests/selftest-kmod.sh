#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-module self-tests (kmod/selftest.c, PTUN_DEBUG=1 builds only): the
# normal ptun is unloaded, the debug build from build/<kernel>-debug/ is
# loaded, which runs every group of in-module checks at load time, and the
# kernel log must show each group passing and no failure. Then the debug
# module goes and the normal one loads again for the tests that follow.
#
# "make check" builds the debug module (make module-debug-for KVER=...);
# PTUN_DEBUG_KO overrides its path.

source "$(dirname "$0")/lib.sh"

ko=${PTUN_DEBUG_KO:-$TOP_DIR/build/$(uname -r)-debug/kmod/ptun.ko}
# One result per group that kmod/selftest.c runs, by the name it logs
groups=("allowed IPs" "handshake" "replay window" "session slots")

# log_since MARKER: the kernel log after the last line holding MARKER
log_since()
{
	dmesg -t | awk -v m="$1" 'index($0, m) { out = ""; next } { out = out $0 "\n" }
		END { printf "%s", out }'
}

if [ ! -f "$ko" ]; then
	fail "the PTUN_DEBUG=1 module exists" \
		"$ko is missing: make module-debug-for KVER=$(uname -r)"
	ktap_done
fi
check "the PTUN_DEBUG=1 module holds the self-tests" \
	grep -qa 'selftest: running' "$ko"

# The normal module brings the modules ptun needs (insmod does not).
modprobe ptun 2>/dev/null
check "the normal module unloads" rmmod ptun

marker="ptun-selftest-kmod: insmod $$ $RANDOM"
echo "$marker" > /dev/kmsg
check "the debug module loads (its self-tests passed)" insmod "$ko"
log=$(log_since "$marker")
printf '%s\n' "$log" | grep -E '^ptun: ' | sed 's/^/# dmesg: /'
check_match "the self-tests ran, ${#groups[@]} groups" \
	"^ptun: selftest: running ${#groups[@]} groups\$" "$log"
for g in "${groups[@]}"; do
	check_match "in-module self-test: $g" "^ptun: selftest: $g: pass\$" "$log"
done
check_nomatch "no in-module check failed" '^ptun: selftest: .*FAIL' "$log"
check_match "all groups passed" "^ptun: selftest: all ${#groups[@]} groups passed\$" \
	"$log"

ns_add d
check "the debug module makes a device" in_ns d ip link add ptun0 type ptun
check "and deletes it" in_ns d ip link del ptun0
check "the debug module unloads" rmmod ptun

marker="ptun-selftest-kmod: modprobe $$ $RANDOM"
echo "$marker" > /dev/kmsg
check "the normal module loads again" modprobe ptun
check_nomatch "and it is not the debug build" '^ptun: selftest:' "$(log_since "$marker")"

ktap_done
