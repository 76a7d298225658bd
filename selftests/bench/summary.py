#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The table and the JSON line of selftests/bench/throughput.sh.

  summary.py SAMPLES KERNEL ROUNDS SECONDS HZ COMPARATOR...

SAMPLES has one line per iperf3 run: "round comparator dir
bits_per_second bytes busy_jiffies retransmits", jiffies of HZ per
second. The first COMPARATOR is the ceiling (plain veth); the
ratios to it and to "wireguard" are the medians of the ratios within one
round and direction, which cancels most of the drift of a busy host.
CPU cost is the guest's busy CPU time (all vCPUs: sender, receiver and
both tunnel ends) per GB that iperf3 delivered; retransmits are the TCP
sender's, summed over the runs. Exits 1 if a comparator
has no sample at all.
"""

import json
import statistics
import sys


def median(values):
    return statistics.median(values) if values else None


def fmt(value, width, digits):
    if value is None:
        return "-".rjust(width)
    return f"{value:{width}.{digits}f}"


def rounded(obj):
    """obj with its floats rounded to 3 decimals, for the JSON line"""
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return round(obj, 3)
    return obj


def ratios(samples, comp, ref):
    """Median of comp/ref over the (round, dir) pairs where both ran"""
    got = []
    for key, mbps in samples.get(comp, {}).items():
        base = samples.get(ref, {}).get(key)
        if base:
            got.append(mbps / base)
    return median(got)


def main(argv):
    if len(argv) < 7:
        sys.stderr.write(__doc__)
        return 2
    path, kernel, rounds, secs, hz, comps = argv[1], argv[2], \
        int(argv[3]), int(argv[4]), int(argv[5]), argv[6:]
    ceiling, wg = comps[0], "wireguard"
    samples, cost, retrans, dirs = {}, {}, {}, []
    with open(path, encoding="ascii") as f:
        for line in f:
            rnd, comp, direction, bps, nbytes, jiffies, retr = line.split()
            retrans[comp] = retrans.get(comp, 0) + int(retr)
            samples.setdefault(comp, {})[(int(rnd), direction)] = \
                float(bps) / 1e6
            if int(nbytes) > 0:
                cost.setdefault(comp, []).append(
                    int(jiffies) / hz / (int(nbytes) / 1e9))
            if direction not in dirs:
                dirs.append(direction)
    dirs.sort()

    result = {}
    for comp in comps:
        runs = samples.get(comp, {})
        per_dir = {d: median([v for (_, dd), v in runs.items() if dd == d])
                   for d in dirs}
        result[comp] = {
            "mbps": median(list(runs.values())),
            "mbps_by_dir": per_dir,
            "runs": len(runs),
            "ratio_veth": ratios(samples, comp, ceiling),
            "ratio_wireguard": ratios(samples, comp, wg),
            "cpu_s_per_gb": median(cost.get(comp, [])),
            "retransmits": retrans.get(comp, 0),
        }

    heads = [f"{d[0]}->{d[1]}" for d in dirs]
    print()
    print(f"{'comparator':<12}" + "".join(f"{h:>9}" for h in heads) +
          f"{'median':>9}{'x veth':>8}{'x wg':>7}{'CPU-s/GB':>10}{'runs':>6}"
          f"{'retr':>7}")
    for comp in comps:
        r = result[comp]
        print(f"{comp:<12}" +
              "".join(fmt(r["mbps_by_dir"][d], 9, 1) for d in dirs) +
              fmt(r["mbps"], 9, 1) + fmt(r["ratio_veth"], 8, 2) +
              fmt(r["ratio_wireguard"], 7, 2) +
              fmt(r["cpu_s_per_gb"], 10, 1) + f"{r['runs']:>6}" +
              f"{r['retransmits']:>7}")
    print("Mbit/s of TCP payload, medians over the rounds. x veth, x wg: the"
          " median ratio\nwithin a round and direction. CPU-s/GB: guest CPU"
          " time (all vCPUs) per GB\ndelivered. retr: TCP retransmits in all"
          " runs.")
    print(json.dumps({
        "benchmark": "throughput", "kernel": kernel, "rounds": rounds,
        "seconds": secs, "unit": "Mbit/s", "results": rounded(result),
    }, separators=(",", ":")))
    missing = [c for c in comps if not samples.get(c)]
    if missing:
        sys.stdout.flush()
        sys.stderr.write(f"summary: no result for {' '.join(missing)}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
