#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench-profile's arithmetic, in the guest (profile.sh).

  cpuprof.py snap OUT NETDEV_FILE DEV
      writes to OUT every thread's CPU time, run-queue wait and time
      slices (/proc/PID/task/TID/schedstat, nanoseconds from the scheduler's
      clock, not sampled ticks), the CPUs' time split (/proc/stat) and the
      received packets of DEV as NETDEV_FILE (a /proc/PID/net/dev of a
      process in the receiving namespace) counts them

  cpuprof.py threads BEFORE AFTER CLIENT_JSON [PID=LABEL...]
      prints per received packet how long each busy thread ran and waited
      to run, and how often it was scheduled; threads are grouped by what
      they are (kworkers, ksoftirqd, the two ptun NAPI kthreads), and
      PID=LABEL names a process (the iperf3 server). The iperf3 client's
      share comes from its own report (CLIENT_JSON, iperf3 -J: getrusage
      over the whole run), since /proc has been seen to lose sight of a
      process that ip netns exec started while it still ran

  cpuprof.py graph TRACE FUNCTION
      reads a function_graph trace (funcgraph-tail on) and prints each
      traced function's calls, mean duration and time per packet, counting
      a packet per call of FUNCTION (udp_sendmsg: a datagram the client
      sent)

Why not perf: in a guest under TCG, the emulated timer that drives perf's
cpu-clock events fires on QEMU's main loop thread, which gets a host core
mostly when a vCPU halts, so nearly every sample lands in the idle loop.
"""

import collections
import glob
import json
import os
import re
import sys
import time


def snap(out, netdev_file, dev):
    d = {"time_ns": time.monotonic_ns(), "threads": {}, "cpus": {},
         "self": str(os.getpid())}
    for f in glob.glob("/proc/[0-9]*/task/[0-9]*/schedstat"):
        parts = f.split("/")
        try:
            run, wait, slices = (int(x) for x in open(f).read().split())
            comm = open(f.rsplit("/", 1)[0] + "/comm").read().strip()
        except (OSError, ValueError):
            continue
        d["threads"][parts[4]] = [parts[2], comm, run, wait, slices]
    for line in open("/proc/stat"):
        if line.startswith("cpu") and not line.startswith("cpu "):
            f = line.split()
            d["cpus"][f[0]] = [int(x) for x in f[1:8]]
    for line in open(netdev_file):
        name, _, rest = line.partition(":")
        if name.strip() == dev:
            d["rx_packets"] = int(rest.split()[1])
    json.dump(d, open(out, "w"))


def group(pid, comm, labels):
    if pid in labels:
        return labels[pid]
    if comm.startswith("kworker/"):
        return "kworkers"
    if comm.startswith("ksoftirqd/"):
        return "ksoftirqd"
    m = re.match(r"napi/(.*)-(\d+)$", comm)
    if m:
        # a transmit-only NAPI has no ID
        return "%s %s NAPI" % (m.group(1), "tx" if m.group(2) == "0" else "rx")
    return comm


def client_ns(client_json):
    """The client's CPU time per datagram it sent, from its own report."""
    try:
        end = json.load(open(client_json))["end"]
        secs = end["sum"]["seconds"]
        pkts = end["sum"]["packets"]
        cpu = end["cpu_utilization_percent"]["host_total"]
    except (OSError, ValueError, KeyError):
        return None
    return cpu / 100 * secs * 1e9 / max(pkts, 1)


def threads(before, after, client_json, labels):
    a, b = json.load(open(before)), json.load(open(after))
    secs = (b["time_ns"] - a["time_ns"]) / 1e9
    pkts = b["rx_packets"] - a["rx_packets"]
    if pkts <= 0:
        print("# no packet received in the window")
        return
    print("# %.2f s, %d packets received, %.0f per second"
          % (secs, pkts, pkts / secs))
    sums = collections.defaultdict(lambda: [0, 0, 0])
    for tid, (pid, comm, run, wait, slices) in b["threads"].items():
        if pid in (a["self"], b["self"]):
            continue
        old = a["threads"].get(tid, [pid, comm, 0, 0, 0])
        g = sums[group(pid, comm, labels)]
        g[0] += run - old[2]
        g[1] += wait - old[3]
        g[2] += slices - old[4]
    total = 0
    print("# %-26s %9s %7s %11s %9s" % ("thread", "ns/packet", "of a CPU",
                                       "waited ns/p", "packets/slice"))

    for name, (run, wait, slices) in sorted(sums.items(),
                                            key=lambda kv: -kv[1][0]):
        if run < 0.005 * secs * 1e9:
            continue
        total += run
        print("# %-26s %9.0f %7.0f%% %11.0f %9.1f"
              % (name, run / pkts, 100 * run / (secs * 1e9), wait / pkts,
                 pkts / max(slices, 1)))
    print("# %-26s %9.0f" % ("all of the above", total / pkts))
    ns = client_ns(client_json)
    if ns is not None:
        print("# %-26s %9.0f  (per datagram sent)"
              % ("iperf3 client's getrusage", ns))
    for cpu in sorted(b["cpus"]):
        d = [y - x for x, y in zip(a["cpus"][cpu], b["cpus"][cpu])]
        t = sum(d) or 1
        print("# %s: user %d%%, system %d%%, softirq %d%%, idle %d%%"
              % (cpu, 100 * d[0] // t, 100 * d[2] // t, 100 * d[6] // t,
                 100 * d[3] // t))


def graph(trace, per):
    # "  0) + 13.438 us   |  } /* ip_local_out */" or "... |  veth_xmit();"
    line_re = re.compile(r"([\d.]+) us\s+\|\s+(?:\} /\* (\S+)(?: \[\w+\])? \*/"
                         r"|(\S+?)(?: \[\w+\])?\(\);)")
    total = collections.defaultdict(float)
    calls = collections.Counter()
    for line in open(trace):
        m = line_re.search(line)
        if m:
            f = m.group(2) or m.group(3)
            total[f] += float(m.group(1))
            calls[f] += 1
    packets = max(calls[per], 1)
    print("# %d packets (calls of %s) while tracing" % (calls[per], per))
    print("# %-38s %8s %9s %11s" % ("function", "calls/p", "mean us",
                                    "us/packet"))
    for f in sorted(total, key=lambda f: -total[f]):
        print("# %-38s %8.2f %9.2f %11.2f" % (f, calls[f] / packets,
                                             total[f] / calls[f],
                                             total[f] / packets))


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "snap" and len(sys.argv) == 5:
        snap(*sys.argv[2:])
    elif cmd == "threads" and len(sys.argv) >= 5:
        labels = dict(x.split("=", 1) for x in sys.argv[5:])
        threads(sys.argv[2], sys.argv[3], sys.argv[4], labels)
    elif cmd == "graph" and len(sys.argv) == 4:
        graph(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
