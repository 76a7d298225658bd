#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-scale: boots one rig guest on KERNEL that measures what a
# large configuration costs (scaleguest.sh, scale.py): throughput with
# 100,000 allowed IPs against one, and memory and creation time of 1,000
# idle ptun devices against 1,000 WireGuard devices. Then prints the table
# and writes the JSON file under bench/results/ (OUT_DIR, scalesum.py).
#
#   selftests/bench/scale.sh KERNEL ROUNDS SECONDS PREFIXES DEVICES TRIALS [OUT_DIR]
#
# The module for KERNEL must be built (make module-for) and tool/ptun too.

set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kernel=${1:?kernel}
rounds=${2:?rounds}
secs=${3:?seconds}
prefixes=${4:?prefixes}
devices=${5:?devices}
trials=${6:?trials}
out=${7:-$top/bench/results}
start=$SECONDS

mkdir -p "$top/build/bench" || exit 1
printf 'BENCH_SCALE_ROUNDS=%s BENCH_SECONDS=%s BENCH_SCALE_PREFIXES=%s BENCH_SCALE_DEVICES=%s BENCH_SCALE_TRIALS=%s exec bash %s\n' \
	"$rounds" "$secs" "$prefixes" "$devices" "$trials" \
	"$top/selftests/bench/scaleguest.sh" > "$top/build/bench/scale-run.sh"
rm -f "$top/build/bench/scale-rundir"
# What else the host is doing: other guests and compiles slow this one
load0=$(cut -d' ' -f1-3 /proc/loadavg)
guests0=$(pgrep -c qemu-system)
"$top/selftests/vm/run" --kernel "$kernel" --timeout 1800 --test-timeout 1700 \
	--rundir-file "$top/build/bench/scale-rundir" \
	--script "$top/build/bench/scale-run.sh"
vm_rc=$?
rundir=$(cat "$top/build/bench/scale-rundir" 2>/dev/null)
if [ -z "$rundir" ] || [ ! -s "$rundir/scale-throughput.json" ] ||
   [ ! -s "$rundir/scale-devices.json" ]; then
	echo "bench-scale: the guest left no results (${rundir:-no run directory})" >&2
	exit 1
fi
/usr/bin/python3 "$top/selftests/bench/scalesum.py" --out-dir "$out" \
	--kernel "$("$top/scripts/kver" "$kernel" 2>/dev/null || echo "$kernel")" \
	--host-load "$load0 / $(cut -d' ' -f1-3 /proc/loadavg)" \
	--other-guests "$((guests0 > 0 ? guests0 : 0))" \
	"$rundir/scale-throughput.json" "$rundir/scale-devices.json"
sum_rc=$?
echo "bench-scale: $((SECONDS - start)) s in all"
[ "$vm_rc" -eq 0 ] && [ "$sum_rc" -eq 0 ]
