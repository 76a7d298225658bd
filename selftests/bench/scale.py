#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The measuring half of make bench-scale, in the guest, after scaleguest.sh.

  scale.py throughput --rounds N --seconds S --ptun PATH --small FILE
                      --big FILE --count C --out FILE
  scale.py devices --count C --trials T --peer-pub FILE --out FILE
  scale.py conf KIND C PEER-PUB     (inside a namespace: configures devices
                                     dev0..dev<C-1> of KIND, ptun or wg)

throughput: iperf3 TCP, one stream (-O 1), sa to sb over ptun0 whose peer
has 1 allowed IP ("small") or C allowed IPs ("big"), on both sides. The
configuration is switched between runs by the CLI, which is timed:
syncconf FILE (the big list; the peer and its session stay) and set
allowed-ips (back to one). Runs go A B B A A B ..., so that each pair of
neighbouring runs (1-2, 3-4, ...) holds one of each and two pairs form an
ABBA block. runner.py's Guest does the runs and reads the counters.

devices: C idle devices of one kind in a fresh namespace (created with one
ip -batch, configured over generic netlink by one process, brought up with
one ip -batch; deleted with one request), each with its own private key, one peer (the same public
key, endpoint and allowed IP for all), port chosen by the kernel. Memory
is read from /proc/meminfo and /proc/slabinfo before and after, each time
after dropping the page cache and a settle; the devices are then deleted
and the namespace with them. Trials alternate ptun wg ptun wg ... (the
default of 3 is symmetric around the one WireGuard trial: deleting 1,000
WireGuard devices alone takes about two minutes under TCG), and a
warm-up creates one device of each kind first, so that module loading
and first-use caches count in neither.
"""

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import runner  # noqa: E402
from nlraw import NLA_F_NESTED, Genl, attr  # noqa: E402

MEMINFO = ["MemFree", "MemAvailable", "Slab", "SReclaimable", "SUnreclaim",
           "Percpu", "VmallocUsed", "KernelStack", "PageTables"]


def log(msg):
    print(f"# {msg}")
    sys.stdout.flush()


def sh(args, ns=None, check=True, **kw):
    if ns:
        args = ["ip", "netns", "exec", ns] + args
    r = subprocess.run(args, capture_output=True, text=True, check=False,
                       **kw)
    if check and r.returncode:
        raise SystemExit(f"bench-scale: {' '.join(args)} failed: "
                         f"{r.stderr.strip()[-300:]}")
    return r


def timed(args, ns=None, **kw):
    t = time.monotonic()
    sh(args, ns, **kw)
    return time.monotonic() - t


def spread(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v),
            "n": len(v)}


# ---- throughput with many allowed IPs ----

def reach():
    """sb answers through the tunnel (after a handshake if need be)"""
    for _ in range(10):
        if not sh(["ping", "-c", "1", "-W", "3", "10.10.0.2"], "sa",
                  check=False).returncode:
            return
    raise SystemExit("bench-scale: 10.10.0.2 does not answer through ptun0")


def throughput(a):
    runner.COMPARATORS["small"] = ("ptun0", "10.10.0.2",
                                   "ptun, peer with 1 allowed IP")
    runner.COMPARATORS["big"] = ("ptun0", "10.10.0.2",
                                 f"ptun, peer with {a.count} allowed IPs")
    pubs = {}
    for n, ns in ((1, "sa"), (2, "sb")):
        with open(f"{a.tmp}/site{3 - n}.pub", encoding="ascii") as f:
            pubs[ns] = f.read().strip()
    set_times = {"syncconf": [], "set-one": []}
    current = "small"

    def switch(to):
        for ns in ("sa", "sb"):
            if to == "big":
                set_times["syncconf"].append(timed(
                    [a.ptun, "syncconf", "ptun0", f"{a.tmp}/big-{ns}.conf"],
                    ns, timeout=300))
            else:
                set_times["set-one"].append(timed(
                    [a.ptun, "set", "ptun0", "peer", pubs[ns], "allowed-ips",
                     "10.10.0.%d/32" % (2 if ns == "sa" else 1)], ns,
                    timeout=300))
        # the tunnel carries traffic again before the run starts
        reach()

    # setconf: the whole configuration from the file, a new peer and
    # session; then back to one allowed IP for the first run
    set_times["setconf"] = []
    for ns in ("sa", "sb"):
        set_times["setconf"].append(timed(
            [a.ptun, "setconf", "ptun0", f"{a.tmp}/big-{ns}.conf"], ns,
            timeout=300))
    reach()
    switch("small")

    count = {}
    for ns in ("sa", "sb"):
        r = sh([a.ptun, "show", "ptun0", "--json"], ns, timeout=300)
        count[ns] = len(json.loads(r.stdout)["peer"]["allowed_ips"])
    log(f"allowed IPs at the start: sa {count['sa']}, sb {count['sb']}")

    g = runner.Guest(a.ptun, a.seconds)
    runs = []
    try:
        g.start_server()
        g.ptun_last = g.ptun_stats()
        for i in range(a.rounds):
            comp = "small" if i % 4 in (0, 3) else "big"
            if comp != current:
                switch(comp)
                current = comp
            rec = g.run("tcp1", comp)
            rec["round"] = i + 1
            runs.append(rec)
            log(f"run {i + 1} {comp:<5} {runner.fmt(rec)}")
            if not rec["ok"] and not rec.get("bypassed"):
                g.start_server()
    finally:
        g.close()
    # the big list is still (or again) in place on both sides
    if current != "big":
        switch("big")
    for ns in ("sa", "sb"):
        r = sh([a.ptun, "show", "ptun0", "--json"], ns, timeout=300)
        count[ns] = len(json.loads(r.stdout)["peer"]["allowed_ips"])
    ratios = []
    for i in range(0, len(runs) - 1, 2):
        pair = {r["comparator"]: r for r in runs[i:i + 2]}
        if all(pair.get(c, {}).get("ok") for c in ("small", "big")):
            ratios.append(pair["big"]["value"] / pair["small"]["value"])
    out = {"runs": runs, "set_seconds": set_times,
           "allowed_ips_at_end": count, "pair_ratios_big_over_small": ratios}
    vals = {c: [r["value"] for r in runs if r["ok"] and r["comparator"] == c]
            for c in ("small", "big")}
    out["summary"] = {c: spread(v) for c, v in vals.items() if v}
    if ratios:
        out["summary"]["ratio"] = spread(ratios)
    return out


# ---- many idle devices ----

def meminfo():
    out = {}
    with open("/proc/meminfo", encoding="ascii") as f:
        for line in f:
            k, v = line.split(":")
            out[k] = int(v.split()[0])
    return {k: out.get(k, 0) for k in MEMINFO}


def slabinfo():
    """{cache: bytes in its slabs}"""
    out = {}
    with open("/proc/slabinfo", encoding="ascii") as f:
        for line in f.readlines()[2:]:
            v = line.split()
            # name active_objs num_objs objsize objperslab pagesperslab :
            # tunables ... : slabdata active_slabs num_slabs sharedavail
            out[v[0]] = int(v[14]) * int(v[5]) * 4096
    return out


def settle():
    subprocess.run(["sync"], check=False)
    with open("/proc/sys/vm/drop_caches", "w", encoding="ascii") as f:
        f.write("3\n")
    time.sleep(3)


def snapshot():
    settle()
    return {"meminfo": meminfo(), "slab": slabinfo()}


def batch(ns, lines):
    path = f"/tmp/scale-batch-{os.getpid()}"
    with open(path, "w", encoding="ascii") as f:
        f.write("\n".join(lines) + "\n")
    t = timed(["ip", "-n", ns, "-batch", path], timeout=900)
    os.unlink(path)
    return t


def device_trial(kind, count, peer_pub, tag):
    ns = f"scale{tag}"
    sh(["ip", "netns", "add", ns])
    sh(["ip", "-n", ns, "link", "set", "lo", "up"])
    names = [f"dev{i}" for i in range(count)]
    before = snapshot()
    rec = {"kind": kind, "count": count}
    t0 = time.monotonic()
    rec["create_s"] = batch(ns, [
        f"link add {d} type {'ptun' if kind == 'ptun' else 'wireguard'}"
        for d in names] +
        [f"link set {d} group 7 addrgenmode none" for d in names])
    rec["configure_s"] = timed([sys.executable, __file__, "conf", kind,
                                str(count), peer_pub], ns, timeout=900)
    rec["up_s"] = batch(ns, [f"link set {d} up" for d in names])
    rec["total_s"] = time.monotonic() - t0
    after = snapshot()
    rec["meminfo_kib"] = {k: after["meminfo"][k] - before["meminfo"][k]
                          for k in MEMINFO}
    slab = {k: v - before["slab"].get(k, 0) for k, v in after["slab"].items()}
    rec["slab_bytes"] = {k: v for k, v in sorted(
        slab.items(), key=lambda kv: -abs(kv[1]))[:15] if v}
    rec["per_device_kib"] = {
        "used (MemFree drop)": -rec["meminfo_kib"]["MemFree"] / count,
        "MemAvailable drop": -rec["meminfo_kib"]["MemAvailable"] / count,
        "Slab": rec["meminfo_kib"]["Slab"] / count,
        "Percpu": rec["meminfo_kib"]["Percpu"] / count,
        "VmallocUsed": rec["meminfo_kib"]["VmallocUsed"] / count,
        "KernelStack": rec["meminfo_kib"]["KernelStack"] / count,
    }
    r = sh(["ip", "-n", ns, "-o", "link", "show", "up"])
    rec["up_devices"] = sum(1 for line in r.stdout.splitlines()
                            if ": dev" in line)
    # One request for all, which the kernel unregisters as one batch (a
    # request per device would wait for an RCU grace period each)
    rec["delete_s"] = timed(["ip", "-n", ns, "link", "del", "group", "7"],
                            timeout=900)
    sh(["ip", "netns", "del", ns])
    return rec


def devices(a):
    with open(a.peer_pub, encoding="ascii") as f:
        peer = f.read().strip()
    # warm-up: module loading, first use of the genl families, slab caches
    device_trial("ptun", 1, peer, "w1")
    device_trial("wg", 1, peer, "w2")
    trials = []
    for i in range(a.trials):
        kind = "ptun" if i % 2 == 0 else "wg"
        rec = device_trial(kind, a.count, peer, str(i))
        rec["trial"] = i + 1
        trials.append(rec)
        p = rec["per_device_kib"]
        log(f"trial {i + 1} {kind:<4} {a.count} devices: create "
            f"{rec['create_s']:.1f} s, configure {rec['configure_s']:.1f} s,"
            f" up {rec['up_s']:.1f} s, delete {rec['delete_s']:.1f} s; "
            f"per device {p['used (MemFree drop)']:.1f} KiB used (Slab "
            f"{p['Slab']:.1f}, Percpu {p['Percpu']:.1f}, Vmalloc "
            f"{p['VmallocUsed']:.1f}, KernelStack {p['KernelStack']:.1f});"
            f" {rec['up_devices']} up")
        top = ", ".join(f"{k} {v / a.count:+.0f}"
                        for k, v in list(rec["slab_bytes"].items())[:6])
        log(f"  slab bytes per device: {top}")
    summary = {}
    for kind in ("ptun", "wg"):
        mine = [t for t in trials if t["kind"] == kind]
        if not mine:
            continue
        summary[kind] = {k: spread([t["per_device_kib"][k] for t in mine])
                         for k in mine[0]["per_device_kib"]}
        for k in ("create_s", "configure_s", "up_s", "total_s", "delete_s"):
            summary[kind][k] = spread([t[k] for t in mine])
    return {"trials": trials, "summary": summary}


# ---- configuring many devices from one process ----

WG_CMD_SET_DEVICE = 1


def private_key():
    k = bytearray(os.urandom(32))
    k[0] &= 248
    k[31] = (k[31] & 127) | 64
    return bytes(k)


def conf(kind, count, peer_b64):
    import base64
    peer = base64.b64decode(peer_b64)
    nl = Genl()
    fam = nl.family("ptun" if kind == "ptun" else "wireguard")
    ep_addr = bytes([192, 0, 2, 2])
    for i in range(count):
        name = f"dev{i}".encode() + b"\0"
        aip = [attr(1, struct.pack("=H", 2)), attr(2, bytes([10, 77, 0, 2])),
               attr(3, struct.pack("=B", 32))]
        if kind == "ptun":
            # <linux/ptun.h>: DEVICE ifname 2, private_key 3, peer 8;
            # PEER public_key 1, endpoint_ipv4 4, endpoint_port 6,
            # allowed_ips 8 of ALLOWED_IP 1 {family 1, addr 2, prefix 3}
            p = [attr(1, peer), attr(4, ep_addr),
                 attr(6, struct.pack("=H", 51820)),
                 attr(8 | NLA_F_NESTED, attr(1 | NLA_F_NESTED, b"".join(aip)))]
            payload = attr(2, name) + attr(3, private_key()) + \
                attr(8 | NLA_F_NESTED, b"".join(p))
            cmd = 2
        else:
            # <linux/wireguard.h>: DEVICE ifname 2, private_key 3, peers 8;
            # PEER public_key 1, endpoint 4 (sockaddr_in), allowedips 9
            sin = struct.pack("=H", 2) + struct.pack("!H", 51820) + \
                ep_addr + b"\0" * 8
            p = [attr(1, peer), attr(4, sin),
                 attr(9 | NLA_F_NESTED, attr(NLA_F_NESTED, b"".join(aip)))]
            payload = attr(2, name) + attr(3, private_key()) + \
                attr(8 | NLA_F_NESTED, attr(NLA_F_NESTED, b"".join(p)))
            cmd = WG_CMD_SET_DEVICE
        err, msg, _ = nl.request(fam, cmd, payload)
        if err:
            raise SystemExit(f"bench-scale: {kind} dev{i}: errno {err} {msg}")
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "conf":
        return conf(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["throughput", "devices"])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--ptun", default="ptun")
    ap.add_argument("--tmp")
    ap.add_argument("--peer-pub")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    start = time.time()
    res = throughput(a) if a.what == "throughput" else devices(a)
    res["runtime_s"] = round(time.time() - start)
    with open(a.out, "w", encoding="ascii") as f:
        json.dump(res, f)
    log(f"{a.what}: measured in {res['runtime_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
