#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Every slab allocation of ptun's control paths, failed one at a time.

For each operation below, and for N = 1, 2, ...: the N-th slab allocation
the operation makes in this task fails (fault injection's fail-nth, with
failslab told not to spare GFP_KERNEL), until an operation completes
without reaching its N-th allocation. Each attempt must end one of three
ways: refused with an error and the device exactly as it was (a refused
request changes nothing, also when the allocator refused it); succeeded
and the device exactly as a run without a fault leaves it (an allocation
it can do without); or, when the failed allocation was the answer's, one
of those two states. The kernel log check and kmemleak after the run
catch what the state cannot show.

  create  RTM_NEWLINK of a ptun device
  set     PTUN_CMD_SET_DEVICE with keys, peer, endpoint, allowed IPs
  up      RTM_NEWLINK setting IFF_UP (opens the UDP sockets)
  get     PTUN_CMD_GET_DEVICE
  replace PTUN_CMD_SET_DEVICE replacing the peer while up
  delete  RTM_DELLINK

Runs in its own network namespace, with failslab set up (both the
caller's job: "ip netns exec" hides debugfs). Prints KTAP result lines;
"faults.py IFNAME". Needs /proc/thread-self/fail-nth (a kernel with
CONFIG_FAULT_INJECTION).
"""

import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlraw  # noqa: E402 (the selftests' raw generic netlink helper)

NETLINK_ROUTE = 0
RTM_NEWLINK = 16
RTM_DELLINK = 17
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
IFLA_IFNAME = 3
IFLA_LINKINFO = 18
IFLA_INFO_KIND = 1
IFF_UP = 0x1
MAX_N = 2000

n_result = 0


def result(ok, text):
    global n_result
    n_result += 1
    print(f"{'ok' if ok else 'not ok'} {n_result} {text}", flush=True)
    return ok


class Faults:
    """fail-nth of this thread, through one descriptor opened up front:
    opening the file later would itself allocate."""

    def __init__(self):
        self.fd = os.open("/proc/thread-self/fail-nth", os.O_RDWR)

    def arm(self, n):
        os.pwrite(self.fd, str(n).encode(), 0)

    def left(self):
        return int(os.pread(self.fd, 32, 0).strip() or b"0")

    def disarm(self):
        os.pwrite(self.fd, b"0", 0)


class Rtnl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.seq = 1

    def request(self, kind, flags, ifindex, ifflags, change, payload):
        self.seq += 1
        body = struct.pack("=BBHiII", socket.AF_UNSPEC, 0, 0, ifindex,
                           ifflags, change) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), kind,
                          NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0)
        self.sock.send(hdr + body)
        while True:
            data = self.sock.recv(65536)
            length, mtype = struct.unpack_from("=IH", data, 0)
            if mtype == nlraw.NLMSG_ERROR:
                return -struct.unpack_from("=i", data, 16)[0]


def ifindex(name):
    try:
        return socket.if_nametoindex(name)
    except OSError:
        return 0


def link_flags(name):
    with open(f"/sys/class/net/{name}/flags") as f:
        return int(f.read(), 16)


def main(argv):
    ifname = argv[1]
    faults = Faults()
    rtnl = Rtnl()
    genl = nlraw.Genl()
    family = genl.family("ptun")

    key = bytes(range(1, 33))
    peer1 = bytes.fromhex(
        "d5b4a7ad0e6c1bd4e1cd9c73c6bd5f5e06b4e0c2af4d8a5b8bb2a4e2a0c7a95e")
    peer2 = bytes.fromhex(
        "8a0a22c73eb1b2d6e2f6d7d3e8c2b4b5a4a3e6e5e2a1f3d2c9b8a7e6d5c4b3a2")

    def set_payload(peer, port):
        specs = [f"private_key=hex:{key.hex()}", f"listen_port=u16:{port}",
                 f"peer.public_key=hex:{peer.hex()}",
                 f"peer.preshared_key=hex:{bytes(range(32, 64)).hex()}",
                 "peer.endpoint_ipv4=hex:c0000202",
                 "peer.endpoint_port=u16:51820"]
        for i, (fam, addr, plen) in enumerate(((2, "0a0a0002", 32),
                                               (2, "0a020000", 16),
                                               (10, "fd10" + "00" * 13 + "02",
                                                128))):
            specs += [f"allowed.{i}.family=u16:{fam}",
                      f"allowed.{i}.addr=hex:{addr}",
                      f"allowed.{i}.prefix_len=u8:{plen}"]
        return nlraw.build(ifname, specs)

    def get():
        err, _, replies = genl.request(
            family, nlraw.PTUN_CMD_GET_DEVICE,
            nlraw.attr(nlraw.DEVICE["ifname"], ifname.encode() + b"\0"))
        if err:
            return f"errno {err}"
        # The configuration: attributes but the ifindex and the counters
        return [(kind, val.hex()) for r in replies
                for kind, val in nlraw.attrs(r[20:])
                if kind not in (nlraw.DEVICE["ifindex"],
                                nlraw.DEVICE["stats"])]

    def state():
        """What a request may change: whether the device exists, is up,
        and its configuration (ifindex aside: restore() recreates it)"""
        if not ifindex(ifname):
            return ("absent",)
        return ("present", link_flags(ifname) & IFF_UP, get())

    ops = [
        ("create", lambda: rtnl.request(
            RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 0, 0,
            nlraw.attr(IFLA_IFNAME, ifname.encode() + b"\0") +
            nlraw.attr(IFLA_LINKINFO | nlraw.NLA_F_NESTED,
                       nlraw.attr(IFLA_INFO_KIND, b"ptun")))),
        ("set", lambda: genl.request(family, nlraw.PTUN_CMD_SET_DEVICE,
                                     set_payload(peer1, 51820))[0]),
        ("up", lambda: rtnl.request(RTM_NEWLINK, 0, ifindex(ifname),
                                    IFF_UP, IFF_UP, b"")),
        ("get", lambda: 1 if isinstance(get(), str) else 0),
        ("replace", lambda: genl.request(family, nlraw.PTUN_CMD_SET_DEVICE,
                                         set_payload(peer2, 51821))[0]),
        ("delete", lambda: rtnl.request(RTM_DELLINK, 0, ifindex(ifname),
                                        0, 0, b"")),
    ]

    def restore(upto):
        """The state before ops[upto]: a new device, then the operations
        before it, without faults."""
        if ifindex(ifname):
            rtnl.request(RTM_DELLINK, 0, ifindex(ifname), 0, 0, b"")
        for _, op in ops[:upto]:
            err = op()
            if err:
                raise SystemExit(f"faults.py: cannot restore: errno {err}")

    for i, (name, op) in enumerate(ops):
        before = state()
        # What the operation leaves when it succeeds, then back to before
        err = op()
        expected = state()
        restore(i)
        if err or state() != before:
            result(False, f"{name}: runs and can be undone (errno {err})")
            return 1
        failures = survived = lost = 0
        bad = []
        for n in range(1, MAX_N + 1):
            faults.arm(n)
            acked = True
            try:
                err = op()
            except OSError as e:
                # The socket could not queue the answer (ENOBUFS): the
                # request may or may not have been carried out, and the
                # socket may hold the rest of an answer: start afresh.
                acked, err = False, e.errno
            left = faults.left()
            faults.disarm()
            if not acked:
                rtnl, genl = Rtnl(), nlraw.Genl()
            after = state()
            if left:
                # Fewer than n allocations: the run that had no fault
                result(err == 0 and after == expected,
                       f"{name}: without a fault it succeeds "
                       f"({n - 1} allocations, errno {err})")
                break
            if not acked:
                lost += 1
                ok = after in (before, expected)
            elif err:
                # Refused: nothing may have changed
                failures += 1
                ok = after == before
            else:
                # An allocation it can do without (a cache, a retry): it
                # must have done its whole job all the same
                survived += 1
                ok = after == expected
            if not ok:
                bad.append(f"n={n}: errno {err}{'' if acked else ' (no ack)'}, "
                           f"state: {diff(before, expected, after)}")
            if after != before:
                restore(i)
        else:
            bad.append(f"more than {MAX_N} allocations")
        for b in bad[:5]:
            print(f"# {name}: {b}")
        print(f"# {name}: {failures} failed allocations refused it, "
              f"{survived} it survived, {lost} cost the answer")
        result(not bad, f"{name}: every failed allocation refused it and "
               "changed nothing, or it did its whole job")
    return 0


def diff(before, expected, after):
    """Which attributes of "after" differ from before and from expected"""
    def kinds(a, b):
        if len(a) != len(b) or a[0] != b[0] or isinstance(a[-1], str) or \
           isinstance(b[-1], str):
            return "everything"
        da, db = dict(a[-1]), dict(b[-1])
        return sorted(k for k in da.keys() | db.keys() if da.get(k) != db.get(k))
    return (f"vs before {kinds(before, after)}, "
            f"vs expected {kinds(expected, after)}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
