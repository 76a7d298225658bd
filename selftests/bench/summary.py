#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The host's half of make bench: ratios, a table, a JSON file and a chart.

  summary.py RAW.json [--out-dir DIR] [--no-chart]

RAW.json is what runner.py wrote in the guest. Prints the table on stdout
and writes DIR/<date>-<kernel>.json (the run's metadata, the summary and
every run's record) and, with python3-matplotlib, DIR/<date>-<kernel>.png
beside it. DIR defaults to bench/results.

Every ratio is taken per round and workload, between runs of the same
guest that ran seconds apart (runner.py), and reported as the median of
those per-round ratios with their interquartile range and min-max.
Absolute figures are printed for orientation only: under QEMU's TCG they
mean nothing outside the run that measured them.
"""

import argparse
import json
import os
import statistics
import sys
import time

WORKLOADS = {
    "tcp1": "TCP, one stream, Mbit/s",
    "tcp4": "TCP, 4 streams, Mbit/s",
    "udp64": "UDP, 64-byte payload, datagrams/s received",
    "rtt": "ping RTT beside the one TCP stream, median ms (lower is better)",
}
# (numerator, denominator, workload, goal, higher_is_better), the goals
# of issue 9
GOALS = [
    ("ptun-aes", "wireguard", "tcp1", 1.25, True),
    ("ptun-chacha", "wireguard", "tcp1", 1.10, True),
    ("ptun-aes", "esp-udp", "tcp1", 1.25, True),
    ("ptun-aes", "esp-tunnel", "tcp1", None, True),
    ("ptun-aes", "wireguard", "tcp4", 1.25, True),
    ("ptun-chacha", "wireguard", "tcp4", None, True),
    ("ptun-aes", "esp-udp", "tcp4", None, True),
    ("ptun-aes", "wireguard", "udp64", 1.2, True),
    ("ptun-chacha", "wireguard", "udp64", None, True),
    ("ptun-aes", "esp-udp", "udp64", None, True),
    ("ptun-aes", "wireguard", "rtt", 1.0, False),
    ("ptun-chacha", "wireguard", "rtt", 1.0, False),
]
SHORT = {"tcp1": "TCP, one stream", "tcp4": "TCP, 4 streams",
         "udp64": "UDP, 64-byte payload, pps", "rtt": "ping RTT under TCP load"}
REORDER = ("TCPSACKReorder", "TCPTSReorder", "TCPRenoReorder")


def median(v):
    return statistics.median(v) if v else None


def spread(v):
    """(q1, q3, min, max) of v"""
    if not v:
        return None
    if len(v) == 1:
        return (v[0], v[0], v[0], v[0])
    q = statistics.quantiles(v, n=4, method="inclusive")
    return (q[0], q[2], min(v), max(v))


def num(v, digits=2, width=0):
    s = "-" if v is None else f"{v:.{digits}f}"
    return s.rjust(width)


def rounded(obj):
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [rounded(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 4)
    return obj


def both(rec, group, key):
    return sum(rec.get(ns, {}).get(group, {}).get(key, 0) for ns in ("sa", "sb"))


def value(rec, workload):
    """The figure a ratio uses: throughput, pps, or the median ping RTT"""
    if not rec["ok"]:
        return None
    if workload == "rtt":
        return median(rec.get("ping_rtt_ms") or [])
    return rec.get("value") or None


def summarize(raw):
    runs = raw["runs"]
    comps = list(raw["meta"]["comparators"])
    table = {}
    for w in WORKLOADS:
        src = "tcp1" if w == "rtt" else w
        table[w] = {}
        for c in comps:
            rs = [r for r in runs if r["workload"] == src and
                  r["comparator"] == c]
            ok = [r for r in rs if r["ok"]]
            vals = [v for v in (value(r, w) for r in ok) if v is not None]
            entry = {"median": median(vals), "spread": spread(vals),
                     "runs": len(ok), "failed": len(rs) - len(ok)}
            if w != "rtt" and ok:
                n = len(ok)
                entry["cpu_busy_s"] = [
                    sum(r["cpu"][i]["busy_s"] for r in ok) / n
                    for i in range(len(ok[0]["cpu"]))]
                entry["cpu_softirq_s"] = [
                    sum(r["cpu"][i]["softirq_s"] for r in ok) / n
                    for i in range(len(ok[0]["cpu"]))]
                entry["softnet_dropped"] = sum(sum(r["softnet_dropped"])
                                               for r in ok)
                entry["retransmits"] = sum(r.get("retransmits", 0) for r in ok)
                entry["reorder"] = sum(both(r, "TcpExt", k)
                                       for r in ok for k in REORDER)
                entry["dsack_recv"] = sum(both(r, "TcpExt", "TCPDSACKRecv")
                                          for r in ok)
                entry["ofo_queue"] = sum(both(r, "TcpExt", "TCPOFOQueue")
                                         for r in ok)
                entry["spurious_rto"] = sum(both(r, "TcpExt",
                                                 "TCPSpuriousRTOs") for r in ok)
                entry["udp_rcvbuf_errors"] = sum(both(r, "Udp", "RcvbufErrors")
                                                 for r in ok)
                if w == "udp64":
                    sent = sum(r.get("packets_sent", 0) for r in ok)
                    got = sum(r.get("packets_received", 0) for r in ok)
                    entry["udp_lost_pct"] = 100 * (1 - got / sent) if sent else None
                    # packets the receiving device passed up, per second
                    # (older raw files lack it)
                    dev = [r["dev_rx_packets"] / r["seconds"] for r in ok
                           if "dev_rx_packets" in r and r.get("seconds")]
                    entry["dev_rx_pps"] = median(dev)
                drops = {}
                for r in ok:
                    for ns, devs in r.get("ptun", {}).items():
                        for dev, st in devs.items():
                            for k, v in st.items():
                                if k.startswith("drop-") and v:
                                    key = f"{ns} {dev} {k}"
                                    drops[key] = drops.get(key, 0) + v
                    for ns in ("sa", "sb"):
                        for k, v in r.get(ns, {}).get("xfrm", {}).items():
                            key = f"{ns} xfrm {k}"
                            drops[key] = drops.get(key, 0) + v
                entry["tunnel_drops"] = drops
            table[w][c] = entry

    ratios = []
    pairs = [(a, b, w, goal, hib) for a, b, w, goal, hib in GOALS]
    for w in WORKLOADS:
        if w != "rtt":
            pairs += [(c, "veth", w, None, True) for c in comps if c != "veth"]
    for a, b, w, goal, hib in pairs:
        src = "tcp1" if w == "rtt" else w
        per = []
        for rnd in sorted({r["round"] for r in runs}):
            got = {r["comparator"]: value(r, w) for r in runs
                   if r["round"] == rnd and r["workload"] == src}
            if got.get(a) and got.get(b):
                per.append(got[a] / got[b])
        m = median(per)
        met = None
        if goal is not None and m is not None:
            met = m >= goal if hib else m <= goal
        ratios.append({"ratio": f"{a} / {b}", "workload": w,
                       "median": m, "spread": spread(per), "per_round": per,
                       "goal": goal, "higher_is_better": hib, "met": met})
    return table, ratios


def print_table(raw, table, ratios):
    meta = raw["meta"]
    print()
    print(f"ptun bench v2: Linux {meta['kernel']}, {meta['vcpus']} vCPUs, "
          f"{meta['rounds']} rounds, {meta['seconds']} s per run, "
          f"measured in {meta.get('runtime_s', '?')} s")
    done = meta.get("rounds_done", meta["rounds"])
    if done < meta["rounds"]:
        print(f"  PARTIAL: the guest stopped after {done} of "
              f"{meta['rounds']} rounds; the figures are those rounds'")
    for n, c in meta["crypto"].items():
        print(f"  crypto {n}: {c['driver']} (async {c['async']})")
    for w, title in WORKLOADS.items():
        print()
        print(title)
        if w == "rtt":
            print(f"  {'comparator':<12}{'median':>9}{'min':>9}{'max':>9}"
                  f"{'runs':>6}")
            for c, e in table[w].items():
                s = e["spread"] or (None,) * 4
                print(f"  {c:<12}{num(e['median'], 2, 9)}{num(s[2], 2, 9)}"
                      f"{num(s[3], 2, 9)}{e['runs']:>6}")
        else:
            digits = 0 if w == "udp64" else 1
            print(f"  {'comparator':<12}{'median':>9}{'min':>9}{'max':>9}"
                  f"{'runs':>5}{'retr':>6}{'reord':>6}{'dsack':>6}{'ofo':>6}"
                  f"{'sndrop':>7}  busy s/run  softirq s/run")
            for c, e in table[w].items():
                s = e["spread"] or (None,) * 4
                busy = "/".join(f"{x:.1f}" for x in e.get("cpu_busy_s", []))
                sirq = "/".join(f"{x:.1f}" for x in e.get("cpu_softirq_s", []))
                print(f"  {c:<12}{num(e['median'], digits, 9)}"
                      f"{num(s[2], digits, 9)}{num(s[3], digits, 9)}"
                      f"{e['runs']:>5}{e.get('retransmits', 0):>6}"
                      f"{e.get('reorder', 0):>6}{e.get('dsack_recv', 0):>6}"
                      f"{e.get('ofo_queue', 0):>6}"
                      f"{e.get('softnet_dropped', 0):>7}  {busy:<11} {sirq}")
            if w == "udp64":
                print("  lost by the receiver (% of sent): " + ", ".join(
                    f"{c} {num(e.get('udp_lost_pct'), 0)}"
                    for c, e in table[w].items()))
                print("  packets/s out of the receiving device (per "
                      "iperf3 second, median): " + ", ".join(
                          f"{c} {num(e.get('dev_rx_pps'), 0)}"
                          for c, e in table[w].items()))
        print(f"  {'ratio':<26}{'median':>8}{'IQR':>13}{'min-max':>13}"
              f"{'goal':>8}  met")
        for r in ratios:
            if r["workload"] != w:
                continue
            s = r["spread"]
            iqr = f"{s[0]:.2f}-{s[1]:.2f}" if s else "-"
            mm = f"{s[2]:.2f}-{s[3]:.2f}" if s else "-"
            goal = "-" if r["goal"] is None else \
                ("<=" if not r["higher_is_better"] else ">=") + f"{r['goal']:.2f}"
            met = {None: "", True: "yes", False: "no"}[r["met"]]
            print(f"  {r['ratio']:<26}{num(r['median'], 2, 8)}{iqr:>13}"
                  f"{mm:>13}{goal:>8}  {met}")
    drops = []
    for w in WORKLOADS:
        for c, e in table[w].items():
            for k, v in sorted(e.get("tunnel_drops", {}).items()):
                drops.append(f"  {w} {c}: {k} {v}")
    print()
    print("Drops counted by the tunnels (ptun reasons, xfrm_stat), all runs:")
    print("\n".join(drops) if drops else "  none")
    print()
    print("retr: TCP retransmits (iperf3); reord: TcpExt TCPSACKReorder+"
          "TCPTSReorder+TCPRenoReorder;\ndsack: TCPDSACKRecv; ofo: "
          "TCPOFOQueue (both namespaces, all runs); sndrop: softnet_stat\n"
          "drops; busy/softirq: CPU seconds per run on each vCPU. Ratios: "
          "median of the per-round\nratios. Absolute figures under emulation"
          " mean nothing: compare ratios of one run.")


def chart(path, raw, table, ratios):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    meta = raw["meta"]
    fig, axes = plt.subplots(2, 4, figsize=(16, 8))
    for i, w in enumerate(WORKLOADS):
        ax = axes[0][i]
        rs = [r for r in ratios if r["workload"] == w and
              not r["ratio"].endswith("/ veth")]
        for x, r in enumerate(rs):
            ax.scatter([x] * len(r["per_round"]), r["per_round"], s=14,
                       color="tab:blue", alpha=0.5)
            if r["median"] is not None:
                ax.hlines(r["median"], x - 0.3, x + 0.3, color="black", lw=2)
            if r["goal"] is not None:
                ax.hlines(r["goal"], x - 0.3, x + 0.3, color="tab:red",
                          lw=1.5, linestyles="dashed")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xticks(range(len(rs)))
        ax.set_xticklabels([r["ratio"].replace(" / ", "\n/ ") for r in rs],
                           fontsize=7)
        ax.set_title(SHORT[w], fontsize=9)
        ax.set_ylabel("ratio (dots: rounds, bar: median, red: goal)",
                      fontsize=7)
        ax = axes[1][i]
        comps = list(table[w])
        med = [table[w][c]["median"] or 0 for c in comps]
        lo = [m - (table[w][c]["spread"] or (0, 0, m, m))[2]
              for c, m in zip(comps, med)]
        hi = [(table[w][c]["spread"] or (0, 0, m, m))[3] - m
              for c, m in zip(comps, med)]
        ax.bar(range(len(comps)), med, yerr=[lo, hi], capsize=3,
               color=["tab:grey" if c == "veth" else "tab:green"
                      if c.startswith("ptun") else "tab:orange"
                      for c in comps])
        ax.set_xticks(range(len(comps)))
        ax.set_xticklabels(comps, rotation=30, fontsize=7)
        ax.set_ylabel({"rtt": "ms", "udp64": "datagrams/s"}.get(w, "Mbit/s")
                      + " (median, min-max)", fontsize=7)
        if w != "rtt":
            ax.set_yscale("log")
    fig.suptitle(f"ptun bench v2, Linux {meta['kernel']}, {meta['vcpus']} "
                 f"vCPUs under QEMU TCG, {meta['rounds']} rounds x "
                 f"{meta['seconds']} s ({meta['started']}): only the ratios "
                 "(top) mean anything", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("--out-dir", default="bench/results")
    ap.add_argument("--no-chart", action="store_true")
    a = ap.parse_args()
    with open(a.raw, encoding="ascii") as f:
        raw = json.load(f)
    table, ratios = summarize(raw)
    print_table(raw, table, ratios)
    meta = raw["meta"]
    stamp = time.strftime("%Y-%m-%dT%H%MZ", time.strptime(
        meta["started"], "%Y-%m-%dT%H:%M:%SZ"))
    base = os.path.join(a.out_dir, f"{stamp}-{meta['kernel']}")
    os.makedirs(a.out_dir, exist_ok=True)
    with open(base + ".json", "w", encoding="ascii") as f:
        json.dump(rounded({"meta": meta, "summary": table, "ratios": ratios,
                           "runs": raw["runs"]}), f, separators=(",", ":"))
        f.write("\n")
    print(f"\nwrote {base}.json")
    if not a.no_chart:
        try:
            chart(base + ".png", raw, table, ratios)
            print(f"wrote {base}.png")
        except ImportError:
            print("no chart: python3-matplotlib is missing (make deps)",
                  file=sys.stderr)
    missing = [c for c, e in table["tcp1"].items() if not e["runs"]]
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
