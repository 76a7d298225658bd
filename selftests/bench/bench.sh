#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: boots one rig guest on BENCH_KERNEL that sets up every
# comparator and measures them (throughput.sh, runner.py), then turns what
# it measured into the table, the JSON file and the chart (summary.py) on
# the host, under bench/results/ (BENCH_OUT). Prints the total runtime.
#
#   selftests/bench/bench.sh KERNEL ROUNDS SECONDS [OUT_DIR]
#
# The module for KERNEL must be built (make module-for) and tool/ptun too.

set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kernel=${1:?kernel}
rounds=${2:?rounds}
secs=${3:?seconds}
out=${4:-$top/bench/results}
start=$SECONDS

mkdir -p "$top/build/bench" || exit 1
# The guest does not inherit this environment: a one-line script carries
# the settings to throughput.sh.
printf 'BENCH_ROUNDS=%s BENCH_SECONDS=%s exec bash %s\n' "$rounds" "$secs" \
	"$top/selftests/bench/throughput.sh" > "$top/build/bench/run.sh"
rm -f "$top/build/bench/rundir"
# 18 runs a round of SECONDS + about 4 s of start-up and counters each
# (more when the host is busy), boot and setup: twice that as the limit
timeout=$((2 * rounds * 18 * (secs + 5) + 600))
"$top/selftests/vm/run" --kernel "$kernel" --timeout "$timeout" \
	--rundir-file "$top/build/bench/rundir" --script "$top/build/bench/run.sh"
vm_rc=$?
rundir=$(cat "$top/build/bench/rundir" 2>/dev/null)
raw=$rundir/bench-raw.json
if [ -z "$rundir" ] || [ ! -s "$raw" ]; then
	echo "bench: the guest left no results (${raw:-no run directory})" >&2
	exit 1
fi
cp "$raw" "$top/build/bench/raw.json"
# Debian's python3 (matplotlib is a Debian package), not whatever else
# comes first on PATH
/usr/bin/python3 "$top/selftests/bench/summary.py" "$raw" --out-dir "$out"
sum_rc=$?
echo "bench: $((SECONDS - start)) s in all ($rounds rounds, $secs s per run)"
[ "$vm_rc" -eq 0 ] && [ "$sum_rc" -eq 0 ]
