#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-scale, the host's half: the table and the JSON file.

  scalesum.py --out-dir DIR --kernel KVER --host-load TEXT \\
              --other-guests N THROUGHPUT.json DEVICES.json

Reads what scale.py measured in the guest, prints a table and writes both
documents, with the goals' verdicts, to DIR/<date>-scale-<kernel>.json.
"""

import argparse
import json
import os
import time


def rounded(obj):
    if isinstance(obj, float):
        return round(obj, 4)
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rounded(v) for v in obj]
    return obj


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--host-load", default="")
    ap.add_argument("--other-guests", type=int, default=0)
    ap.add_argument("throughput")
    ap.add_argument("devices")
    a = ap.parse_args()
    with open(a.throughput, encoding="ascii") as f:
        tput = json.load(f)
    with open(a.devices, encoding="ascii") as f:
        devs = json.load(f)

    ts = tput["summary"]
    ds = devs["summary"]
    count = tput["allowed_ips_at_end"]["sa"]
    ndev = devs["trials"][0]["count"] if devs["trials"] else 0
    goals = {}
    print()
    print(f"ptun bench-scale: Linux {a.kernel}; host load average "
          f"(1/5/15 min, before / after) {a.host_load}; "
          f"{a.other_guests} other guest(s) running at the start")
    print()
    print(f"TCP, one stream, Mbit/s: peer with 1 allowed IP (small) or "
          f"{count} (big), both ends")
    print(f"  {'':<24}{'median':>9}{'min':>9}{'max':>9}{'runs':>6}")
    for k in ("small", "big"):
        if k in ts:
            s = ts[k]
            print(f"  {k:<24}{s['median']:9.1f}{s['min']:9.1f}"
                  f"{s['max']:9.1f}{s['n']:6d}")
    if "ratio" in ts:
        r = ts["ratio"]
        print(f"  {'big/small (per pair)':<24}{r['median']:9.3f}"
              f"{r['min']:9.3f}{r['max']:9.3f}{r['n']:6d}")
        # Under TCG single runs swing far more than 5 %: say whether this
        # run's pairs are tight enough to tell
        goals["throughput within 5 %"] = {
            "ratio_median": r["median"], "met": r["median"] >= 0.95,
            "resolved": r["max"] - r["min"] <= 0.10,
            "note": f"pair ratios {r['min']:.2f}-{r['max']:.2f}"}
    print()
    print(f"CLI time to give the kernel {count} allowed IPs, s (both ends)")
    for k, v in tput["set_seconds"].items():
        if v:
            print(f"  {k:<24}" + " ".join(f"{x:.2f}" for x in v))
    print()
    print(f"{ndev} idle devices in a fresh namespace, each with a private "
          f"key and one peer, up (median of trials; min-max)")
    keys = ["used (MemFree drop)", "MemAvailable drop", "Slab", "Percpu",
            "VmallocUsed", "KernelStack"]
    print(f"  {'':<28}" + "".join(f"{k:>22}" for k in ("ptun", "wg")))

    def cell(kind, k, digits):
        if kind not in ds:
            return f"{'-':>22}"
        s = ds[kind][k]
        txt = f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-" \
              f"{s['max']:.{digits}f})"
        return f"{txt:>22}"
    for k in keys:
        print(f"  {k + ', KiB/device':<28}" +
              "".join(cell(kind, k, 1) for kind in ("ptun", "wg")))
    for k in ("create_s", "configure_s", "up_s", "total_s", "delete_s"):
        print(f"  {k.replace('_s', ', s'):<28}" +
              "".join(cell(kind, k, 1) for kind in ("ptun", "wg")))
    if "ptun" in ds and "wg" in ds:
        p = ds["ptun"]["used (MemFree drop)"]["median"]
        w = ds["wg"]["used (MemFree drop)"]["median"]
        goals["memory per device <= WireGuard"] = {
            "ptun_kib": p, "wireguard_kib": w, "met": p <= w}
    print()
    for g, v in goals.items():
        txt = "met" if v["met"] else "NOT met"
        if not v.get("resolved", True):
            txt += f" by the median, but {v['note']}: this run cannot " \
                "resolve 5 %"
        print(f"goal: {g}: {txt}")

    meta = {"benchmark": "ptun bench-scale", "kernel": a.kernel,
            "host_load": a.host_load, "other_guests": a.other_guests,
            "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    stamp = time.strftime("%Y-%m-%dT%H%MZ", time.gmtime())
    os.makedirs(a.out_dir, exist_ok=True)
    path = os.path.join(a.out_dir, f"{stamp}-scale-{a.kernel}.json")
    with open(path, "w", encoding="ascii") as f:
        json.dump(rounded({"meta": meta, "goals": goals, "throughput": tput,
                           "devices": devs}), f, indent=1)
        f.write("\n")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
