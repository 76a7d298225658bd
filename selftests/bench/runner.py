#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The measuring half of make bench, in the guest, after throughput.sh.

  runner.py --rounds N --seconds S --ptun PATH --out FILE

Runs every workload over every comparator in each of N rounds and writes
one JSON document to FILE: what the guest is (kernel, vCPUs, AEAD
drivers) and one record per run with its figures and counter deltas.
summary.py turns it into ratios, a table and a chart. One long-lived
process, because under TCG starting a process costs up to a second: only
iperf3, ping and ptun are started per run, every counter is read from
/proc by this process (a namespace's through /proc/PID/net of a process
that lives in it).

Workloads, always from sa to sb:
  tcp1   one TCP stream (iperf3 -O 1 -t S): Mbit/s received; beside it a
         ping through the same tunnel, 10 a second, whose median RTT is
         the latency under load
  tcp4   four TCP streams (-P 4): Mbit/s received
  udp64  UDP, 64-byte payloads, as fast as iperf3 sends (-b 0): datagrams
         per second the receiving iperf3 got. No -O: UDP has no slow start,
         and iperf3 3.12 miscounts UDP losses with -O.

Order: in each round the workloads come in a rotated order, and for each
workload the comparators run in the order
  esp-udp ptun-aes wireguard ptun-chacha      (odd rounds)
  ptun-chacha wireguard ptun-aes esp-udp      (even rounds)
with veth and esp-tunnel placed around that core at positions that
rotate with the round. Each ratio the goals name (ptun-aes/wireguard,
ptun-chacha/wireguard, ptun-aes/esp-udp) thus compares neighbouring runs,
seconds apart, and two consecutive rounds form an ABBA pair, so that a
steady drift of the host's speed favours neither side.

A run counts only if the sender's device carried at least the bytes that
iperf3 delivered: a misrouted tunnel must not pass for a fast one.
Exits 1 if a comparator never completed a run or traffic bypassed its
device.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

COMPARATORS = {
    # name: (device in sa, address of sb through it, what it is)
    "veth": ("wan0", "192.0.2.2", "plain veth, no tunnel: the ceiling"),
    "ptun-aes": ("ptun0", "10.10.0.2", "ptun, AES-256-GCM"),
    "ptun-chacha": ("ptun1", "10.11.0.2", "ptun, ChaCha20-Poly1305"),
    "wireguard": ("wg0", "10.20.0.2", "WireGuard, ChaCha20-Poly1305"),
    "esp-tunnel": ("esp0", "10.30.0.2",
                   "IPsec ESP, tunnel mode, bare ESP (IP proto 50), "
                   "rfc4106(gcm(aes)), xfrm interface"),
    "esp-udp": ("espu0", "10.31.0.2",
                "IPsec ESP-in-UDP (UDP_ENCAP_ESPINUDP, port 4500), tunnel "
                "mode, rfc4106(gcm(aes)), xfrm interface"),
}
CORE = ["esp-udp", "ptun-aes", "wireguard", "ptun-chacha"]
OTHERS = ["veth", "esp-tunnel"]
WORKLOADS = ["tcp1", "tcp4", "udp64"]
UDP_LEN = 64
AEADS = ["gcm(aes)", "rfc4106(gcm(aes))", "rfc7539(chacha20,poly1305)",
         "chacha20", "poly1305"]


def schedule(rnd):
    """The comparators of round rnd (1-based), in the order they run"""
    core = CORE if rnd % 2 else CORE[::-1]
    others = OTHERS[rnd % len(OTHERS):] + OTHERS[:rnd % len(OTHERS)]
    pos = rnd % (len(others) + 1)
    order = others[:pos] + core + others[pos:]
    return order


def workloads(rnd):
    k = (rnd - 1) % len(WORKLOADS)
    return WORKLOADS[k:] + WORKLOADS[:k]


# ---- counters, from /proc ----

def read_pairs(path):
    """/proc/net/netstat or snmp: {"TcpExt": {"TCPOFOQueue": n, ...}, ...}"""
    out = {}
    with open(path, encoding="ascii") as f:
        lines = f.read().splitlines()
    for head, vals in zip(lines[0::2], lines[1::2]):
        name, keys = head.split(":", 1)
        _, values = vals.split(":", 1)
        fields = out.setdefault(name, {})
        for k, v in zip(keys.split(), values.split()):
            try:
                fields[k] = int(v)
            except ValueError:
                pass
    return out


def read_dev(pid):
    """/proc/PID/net/dev: {dev: (rx_bytes, rx_packets, tx_bytes, tx_packets)}"""
    out = {}
    with open(f"/proc/{pid}/net/dev", encoding="ascii") as f:
        for line in f.readlines()[2:]:
            name, rest = line.split(":", 1)
            v = rest.split()
            out[name.strip()] = (int(v[0]), int(v[1]), int(v[8]), int(v[9]))
    return out


def read_xfrm(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/net/xfrm_stat", encoding="ascii") as f:
            for line in f:
                k, v = line.split()
                out[k] = int(v)
    except OSError:
        pass
    return out


def read_cpus():
    """/proc/stat per CPU: [(busy, softirq, system, user), ...] jiffies"""
    out = []
    with open("/proc/stat", encoding="ascii") as f:
        for line in f:
            if not re.match(r"cpu\d", line):
                continue
            v = [int(x) for x in line.split()[1:]]
            # user nice system idle iowait irq softirq steal
            busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
            out.append((busy, v[6], v[2], v[0] + v[1]))
    return out


def read_softirqs():
    out = {}
    with open("/proc/softirqs", encoding="ascii") as f:
        for line in f:
            name, _, rest = line.partition(":")
            if name.strip() in ("NET_RX", "NET_TX"):
                out[name.strip()] = [int(x) for x in rest.split()]
    return out


def read_softnet():
    """/proc/net/softnet_stat: per CPU (processed, dropped, time_squeeze)"""
    out = []
    with open("/proc/net/softnet_stat", encoding="ascii") as f:
        for line in f:
            v = [int(x, 16) for x in line.split()]
            out.append((v[0], v[1], v[2]))
    return out


def wait_netns(proc):
    """Waits until proc (started by ip netns exec) has entered its namespace"""
    own = os.readlink("/proc/self/ns/net")
    end = time.time() + 20
    while time.time() < end:
        try:
            if os.readlink(f"/proc/{proc.pid}/ns/net") != own:
                return proc
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"bench: pid {proc.pid} never entered its namespace")


def listening(pid, port):
    """Whether a socket in PID's namespace listens on TCP PORT"""
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{name}", encoding="ascii") as f:
                for line in f.readlines()[1:]:
                    v = line.split()
                    if v[1].endswith(f":{port:04X}") and v[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def sub(a, b):
    """Nonzero deltas between two {k: int} dicts"""
    return {k: v - b.get(k, 0) for k, v in a.items() if v != b.get(k, 0)}


class Guest:
    def __init__(self, ptun, secs):
        self.ptun = ptun
        self.secs = secs
        self.anchor = {}
        for ns in ("sa", "sb"):
            self.anchor[ns] = wait_netns(subprocess.Popen(
                ["ip", "netns", "exec", ns, "sleep", "infinity"]))
        self.server = None
        self.ptun_last = None
        self.hz = os.sysconf("SC_CLK_TCK")

    def close(self):
        for p in list(self.anchor.values()) + [self.server]:
            if p:
                p.kill()
                p.wait()

    def start_server(self):
        if self.server:
            self.server.kill()
            self.server.wait()
        self.server = subprocess.Popen(
            ["ip", "netns", "exec", "sb", "iperf3", "-s"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.time() + 20
        while time.time() < end:
            if listening(self.anchor["sb"].pid, 5201):
                return
            time.sleep(0.2)
        raise SystemExit("bench: iperf3 -s does not listen in sb")

    def snapshot(self):
        s = {"cpus": read_cpus(), "softirqs": read_softirqs(),
             "softnet": read_softnet()}
        for ns, p in self.anchor.items():
            s[ns] = {"netstat": read_pairs(f"/proc/{p.pid}/net/netstat"),
                     "snmp": read_pairs(f"/proc/{p.pid}/net/snmp"),
                     "dev": read_dev(p.pid), "xfrm": read_xfrm(p.pid)}
        return s

    def ptun_stats(self):
        """Each namespace's ptun devices' stats, from ptun show --json"""
        out = {}
        for ns in ("sa", "sb"):
            r = subprocess.run(["ip", "netns", "exec", ns, self.ptun, "show",
                                "--json"], capture_output=True, text=True,
                               timeout=30, check=False)
            out[ns] = {}
            try:
                for dev in json.loads(r.stdout):
                    st = dev["stats"]
                    flat = {"drop-" + k: v for k, v in st["drops"].items()}
                    flat["handshakes"] = st["handshakes"]
                    flat["rx_packets"] = st["rx_packets"]
                    flat["tx_packets"] = st["tx_packets"]
                    out[ns][dev["ifname"]] = flat
            except (ValueError, KeyError, TypeError):
                out[ns]["error"] = r.stderr.strip()[-200:]
        return out

    def deltas(self, a, b):
        """What changed from snapshot a to b"""
        d = {"cpu": [], "softirqs": {}, "softnet_dropped": [],
             "softnet_squeezed": [], "softnet_processed": []}
        for x, y in zip(b["cpus"], a["cpus"]):
            d["cpu"].append({"busy_s": (x[0] - y[0]) / self.hz,
                             "softirq_s": (x[1] - y[1]) / self.hz,
                             "system_s": (x[2] - y[2]) / self.hz,
                             "user_s": (x[3] - y[3]) / self.hz})
        for k, v in b["softirqs"].items():
            d["softirqs"][k] = [x - y for x, y in zip(v, a["softirqs"][k])]
        for x, y in zip(b["softnet"], a["softnet"]):
            d["softnet_processed"].append(x[0] - y[0])
            d["softnet_dropped"].append(x[1] - y[1])
            d["softnet_squeezed"].append(x[2] - y[2])
        for ns in ("sa", "sb"):
            d[ns] = {
                "TcpExt": sub(b[ns]["netstat"].get("TcpExt", {}),
                              a[ns]["netstat"].get("TcpExt", {})),
                "Tcp": sub(b[ns]["snmp"].get("Tcp", {}),
                           a[ns]["snmp"].get("Tcp", {})),
                "Udp": sub(b[ns]["snmp"].get("Udp", {}),
                           a[ns]["snmp"].get("Udp", {})),
                "xfrm": sub(b[ns]["xfrm"], a[ns]["xfrm"]),
            }
        return d

    def iperf(self, workload, dst):
        args = ["ip", "netns", "exec", "sa", "iperf3", "-c", dst, "-J",
                "--connect-timeout", "5000", "-t", str(self.secs)]
        if workload == "tcp4":
            args += ["-O", "1", "-P", "4"]
        elif workload == "udp64":
            args += ["-u", "-l", str(UDP_LEN), "-b", "0"]
        else:
            args += ["-O", "1"]
        return subprocess.Popen(args, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def run(self, workload, comp):
        dev, dst, _ = COMPARATORS[comp]
        rec = {"workload": workload, "comparator": comp, "ok": False}
        before = self.snapshot()
        t0 = time.time()
        client = self.iperf(workload, dst)
        ping = None
        if workload == "tcp1":
            # Past process start-up and the omitted first second, and
            # done before iperf3 is
            time.sleep(1.5)
            ping = subprocess.Popen(
                ["ip", "netns", "exec", "sa", "ping", "-n", "-i", "0.1",
                 "-w", str(max(1, self.secs - 1)), dst],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            out, _ = client.communicate(timeout=self.secs + 40)
        except subprocess.TimeoutExpired:
            client.kill()
            out, _ = client.communicate()
            out = '{"error": "iperf3 did not finish in time"}'
        rtts = []
        if ping:
            try:
                pout, _ = ping.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                ping.send_signal(signal.SIGINT)
                pout, _ = ping.communicate()
            rtts = [float(x) for x in re.findall(r"time=([0-9.]+) ms", pout)]
            rec["ping_rtt_ms"] = rtts
        rec["wall_s"] = round(time.time() - t0, 2)
        after = self.snapshot()
        rec.update(self.deltas(before, after))
        if comp.startswith("ptun"):
            now = self.ptun_stats()
            if self.ptun_last:
                rec["ptun"] = {ns: {d: sub(v, self.ptun_last[ns].get(d, {}))
                                    for d, v in devs.items()}
                               for ns, devs in now.items()}
            self.ptun_last = now
        tx = after["sa"]["dev"][dev][2] - before["sa"]["dev"][dev][2]
        rec["dev_tx_bytes"] = tx
        # What the tunnel delivered in sb, whether or not iperf3 kept up
        rec["dev_rx_packets"] = after["sb"]["dev"][dev][1] - \
            before["sb"]["dev"][dev][1]
        try:
            res = json.loads(out)
        except ValueError:
            res = {"error": out.strip()[-300:]}
        if res.get("error"):
            rec["error"] = res["error"]
            return rec
        end = res.get("end", {})
        recv = end.get("sum_received", {})
        rec["seconds"] = recv.get("seconds", 0)
        rec["bytes"] = recv.get("bytes", 0)
        if workload == "udp64":
            sent = end.get("sum_sent", {})
            rec["packets_sent"] = sent.get("packets", 0)
            rec["packets_received"] = recv.get("bytes", 0) // UDP_LEN
            rec["lost_packets"] = recv.get("lost_packets", 0)
            rec["value"] = rec["packets_received"] / rec["seconds"] \
                if rec["seconds"] else 0
            rec["unit"] = "pps"
        else:
            rec["retransmits"] = end.get("sum_sent", {}).get("retransmits", 0)
            rec["value"] = recv.get("bits_per_second", 0) / 1e6
            rec["unit"] = "Mbit/s"
        if not rec["bytes"]:
            rec["error"] = "nothing received"
            return rec
        if tx < rec["bytes"]:
            rec["error"] = (f"{dev} sent {tx} bytes but iperf3 got "
                            f"{rec['bytes']}: not through the tunnel")
            rec["bypassed"] = True
            return rec
        rec["ok"] = True
        return rec


def crypto_drivers():
    """The highest-priority driver of each AEAD name in /proc/crypto"""
    best = {}
    cur = {}
    with open("/proc/crypto", encoding="ascii") as f:
        for line in f.read().splitlines() + [""]:
            if not line.strip():
                name = cur.get("name")
                if name in AEADS and (name not in best or int(
                        cur.get("priority", 0)) > int(best[name]["priority"])):
                    best[name] = dict(cur)
                cur = {}
                continue
            k, _, v = line.partition(":")
            cur[k.strip()] = v.strip()
    return {n: {"driver": c.get("driver"), "priority": int(c["priority"]),
                "async": c.get("async", "no"), "module": c.get("module")}
            for n, c in sorted(best.items())}


def cpu_model():
    with open("/proc/cpuinfo", encoding="ascii") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def fmt(rec):
    if not rec["ok"]:
        return f"failed: {rec.get('error', '?')}"
    s = f"{rec['value']:9.1f} {rec['unit']}"
    if "retransmits" in rec:
        s += f", {rec['retransmits']} retr"
    if rec.get("ping_rtt_ms"):
        r = sorted(rec["ping_rtt_ms"])
        s += f", ping median {r[len(r) // 2]:.2f} ms ({len(r)})"
    busy = "/".join(f"{c['busy_s']:.1f}" for c in rec["cpu"])
    sirq = "/".join(f"{c['softirq_s']:.1f}" for c in rec["cpu"])
    s += f", CPU-s busy {busy} (softirq {sirq})"
    drops = sum(rec["softnet_dropped"])
    if drops:
        s += f", softnet drops {drops}"
    return s


def save(path, meta, runs):
    """Writes the results so far, replacing the file at once."""
    with open(path + ".tmp", "w", encoding="ascii") as f:
        json.dump({"meta": meta, "runs": runs}, f)
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--ptun", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    start = time.time()
    meta = {
        "benchmark": "ptun bench v2", "kernel": os.uname().release,
        "vcpus": os.cpu_count(), "cpu": cpu_model(), "rounds": a.rounds,
        "seconds": a.seconds, "udp_payload": UDP_LEN, "mtu": 1420,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "comparators": {c: v[2] for c, v in COMPARATORS.items()},
        "crypto": crypto_drivers(),
        "modules": sorted(m for m in ("aesni_intel", "ghash_clmulni_intel",
                                      "chacha_x86_64", "poly1305_x86_64",
                                      "libchacha20poly1305")
                          if os.path.isdir(f"/sys/module/{m}")),
    }
    print(f"# ptun bench v2 on Linux {meta['kernel']}, {meta['vcpus']} vCPUs,"
          f" {meta['cpu']}")
    print(f"# {a.rounds} rounds x {len(WORKLOADS)} workloads x "
          f"{len(COMPARATORS)} comparators, {a.seconds} s per run")
    for n, c in meta["crypto"].items():
        print(f"# crypto: {n} -> {c['driver']} (priority {c['priority']}, "
              f"async {c['async']})")
    print("# crypto: WireGuard calls lib/crypto's chacha20poly1305 directly "
          "(not in /proc/crypto); x86 code loaded: "
          + (", ".join(meta["modules"]) or "none"))
    sys.stdout.flush()

    g = Guest(a.ptun, a.seconds)
    runs = []
    try:
        g.start_server()
        g.ptun_last = g.ptun_stats()
        for rnd in range(1, a.rounds + 1):
            for w in workloads(rnd):
                for seq, comp in enumerate(schedule(rnd)):
                    rec = g.run(w, comp)
                    rec["round"] = rnd
                    rec["seq"] = seq
                    rec["t"] = round(time.time() - start, 1)
                    runs.append(rec)
                    print(f"# round {rnd} {w:<5} {comp:<11} {fmt(rec)}")
                    sys.stdout.flush()
                    if not rec["ok"] and not rec.get("bypassed"):
                        # A server left in the middle of a test would
                        # refuse the next
                        g.start_server()
            # Complete rounds survive a guest that dies later (QEMU's
            # multi-threaded TCG now and then does, NOTES-vm.md).
            meta["rounds_done"] = rnd
            meta["runtime_s"] = round(time.time() - start)
            save(a.out, meta, runs)
    finally:
        g.close()
    meta["runtime_s"] = round(time.time() - start)
    print(f"# measured in {meta['runtime_s']} s")
    save(a.out, meta, runs)
    bad = [c for c in COMPARATORS
           if not any(r["ok"] and r["comparator"] == c for r in runs)]
    if bad:
        print(f"bench: no successful run of {' '.join(bad)}", file=sys.stderr)
    if any(r.get("bypassed") for r in runs):
        print("bench: some traffic did not go through its tunnel",
              file=sys.stderr)
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
