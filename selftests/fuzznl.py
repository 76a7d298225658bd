#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generic netlink fuzzer for the ptun family, with a model of the devices.

  fuzznl.py fuzz --seed S --count N [options]
  fuzznl.py regress --dev IFNAME [--busy-port P]

Every message is predicted before it is sent: the model emulates the
strict attribute validation of generic netlink with the family's policy,
then the rules of the API (Documentation/netlink/specs/ptun.yaml, and the
limits it states), against the expected state of every device. The
kernel's answer must match: accepted when the model accepts, an error from the predicted set
of errnos when it rejects. The model is compared with a GET of the
devices regularly (always after a sample of rejected requests: a
rejected request changes nothing) and written out at the end (--model,
JSON keyed by ifname, as "ptun show --json" shows a device without its
counters and with the allowed IPs sorted).

Every ptun device of the namespace is fuzzed and modelled. Options:
  --locked IFNAME     a ptun device whose listen port this sender may not
                      change (it was created in another namespace, where
                      its sockets stay)
  --busy-port P       a UDP port in use in this namespace (a socket of a
                      device that moved away)
  --deny              the sender lacks CAP_NET_ADMIN over the namespace:
                      every request must be refused (EPERM); no model is
                      read or written
  --dev IFNAME        with --deny: a device to name (repeatable)
  --seconds T         stop sending after T seconds (a slow guest)
  --model FILE        write the final model (JSON, keyed by ifname)
"""

import argparse
import base64
import errno
import fcntl
import json
import os
import random
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nlraw  # noqa: E402

from cryptography.hazmat.primitives.asymmetric.x25519 import (  # noqa: E402
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives import serialization  # noqa: E402

NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3
NESTED = 0x8000
MAX_ALLOWED = 1 << 20     # module parameter max_allowed_ips, default
F_REMOVE_PEER, F_MORE, F_CONTINUE = 1, 2, 4   # PTUN_DEVICE_F_*
HOST_NAME = re.compile(rb"[A-Za-z0-9._-]*")   # endpoint-name's bytes
AF_INET, AF_INET6 = socket.AF_INET, socket.AF_INET6
CIPHERS = {1: "aes-256-gcm", 2: "chacha20-poly1305"}
LINK_STATES = {0: "up", 1: "session"}    # enum ptun_link_state


def mss_text(v):
    """uapi: PTUN_A_DEVICE_MSS_CLAMP, as ptun show --json says it"""
    return {0: "off", 1: "auto"}.get(v, str(v))


def mss_valid(v):
    return v in (0, 1) or v >= 536

# attribute types
D_IFINDEX, D_IFNAME, D_PRIV, D_PUB, D_PORT, D_CIPHER, D_FLAGS, D_PEER, \
    D_STATS, D_MSS, D_MODVER, D_LINK = range(1, 13)
P_PUB, P_PSK, P_FLAGS, P_EP4, P_EP6, P_EPPORT, P_KA, P_ALLOWED, P_NAME, \
    P_EPS, P_FOT, P_FBI = range(1, 13)
A_FAMILY, A_ADDR, A_PREFIX = 1, 2, 3
E_IP4, E_IP6, E_PORT, E_STATE = 1, 2, 3, 4
ENDPOINTS_MAX = 8
FAILOVER_TIMEOUT_DEFAULT, FAILBACK_INTERVAL_DEFAULT = 5, 60

# The family's policy, as uapi/linux/ptun.h describes each attribute.
AIP_POL = (3, {A_FAMILY: ("u16",), A_ADDR: ("binary", 16),
               A_PREFIX: ("u8",)})
EP_POL = (4, {E_IP4: ("exact", 4), E_IP6: ("exact", 16),
              E_PORT: ("u16", 1, 65535), E_STATE: ("reject",)})
PEER_POL = (12, {P_PUB: ("exact", 32), P_PSK: ("exact", 32),
                 P_FLAGS: ("reject",), P_EP4: ("exact", 4),
                 P_EP6: ("exact", 16), P_EPPORT: ("u16", 1, 65535),
                 P_KA: ("u16",), P_ALLOWED: ("array", AIP_POL),
                 P_NAME: ("nulstr", 255), P_EPS: ("array", EP_POL),
                 P_FOT: ("u16",), P_FBI: ("u16",)})
DEV_POL = (12, {D_IFINDEX: ("u32",), D_IFNAME: ("nulstr", 15),
               D_PRIV: ("exact", 32), D_PUB: ("reject",),
               D_PORT: ("u16",), D_CIPHER: ("u16", 1, 2),
               D_FLAGS: ("mask32", 7), D_PEER: ("nested", PEER_POL),
               D_STATS: ("reject",), D_MSS: ("u16",),
               D_MODVER: ("reject",), D_LINK: ("u8", 0, 1)})
FIXED = {"u8": 1, "u16": 2, "u32": 4, "mask32": 4}
POLICY_ERR = {errno.EINVAL, errno.ERANGE}

P = 2 ** 255 - 19
LOW_ORDER = [(v % 2 ** 256).to_bytes(32, "little") for v in (
    1, 325606250916557431795983626356110631294008115727848805560023387167927233504,
    39382357235489614581723060781553021112529911719440698176882885853963445705823,
    P - 1, P, P + 1)]
_probe = X25519PrivateKey.generate()


def pub_of(priv):
    pub = X25519PrivateKey.from_private_bytes(priv).public_key()
    return pub.public_bytes(serialization.Encoding.Raw,
                            serialization.PublicFormat.Raw)


def unicast4(a):
    """uapi: 0.0.0.0, loopback, multicast and 255.255.255.255 refused"""
    return any(a) and a[0] != 127 and a[0] >> 4 != 0xe and a != b"\xff" * 4


def unicast6(a):
    """uapi: ::, ::1, multicast and IPv4-mapped refused"""
    return (any(a) and a != bytes(15) + b"\1" and a[0] != 0xff and
            a[:12] != bytes(10) + b"\xff\xff")


def low_order(pub):
    """No Diffie-Hellman secret with this key (any clamped scalar)."""
    try:
        _probe.exchange(X25519PublicKey.from_public_bytes(pub))
        return False
    except ValueError:
        return True


class Bad(Exception):
    """The request fails with one of these errnos."""

    def __init__(self, errs, why):
        super().__init__(why)
        self.errs = set(errs)
        self.why = why


# ---- encoding ----

def enc(tree):
    out = b""
    for kind, payload in tree:
        if isinstance(payload, list):
            payload = enc(payload)
        out += nlraw.attr(kind, payload)
    return out


def u16(v):
    return struct.pack("=H", v & 0xffff)


def u32(v):
    return struct.pack("=I", v & 0xffffffff)


# ---- strict validation, as lib/nlattr.c does it for a strict family ----

def walk(buf):
    """(type field, payload) of each attribute, and the bytes left over."""
    off, rem, out = 0, len(buf), []
    while rem >= 4:
        length, kind = struct.unpack_from("=HH", buf, off)
        if length < 4 or length > rem:
            break
        out.append((kind, buf[off + 4:off + length]))
        step = (length + 3) & ~3
        off += step
        rem -= step
    return out, rem


def vparse(buf, pol, depth=0):
    """Validates buf against pol; returns {type: payload}, last one wins."""
    maxtype, spec = pol
    attrs, rem = walk(buf)
    tb = {}
    for kind, data in attrs:
        t = kind & 0x3fff
        if t == 0 or t > maxtype:
            raise Bad(POLICY_ERR, f"unknown attribute {t}")
        vattr(kind, data, spec[t], depth)
        tb[t] = data
    if rem > 0:
        raise Bad(POLICY_ERR, "bytes left over")
    return tb


def vattr(kind, data, sp, depth):
    n = len(data)
    typ = sp[0]
    if typ in FIXED and n != FIXED[typ]:
        raise Bad(POLICY_ERR, "fixed length")
    nested = typ in ("nested", "array")
    if nested != bool(kind & NESTED):
        raise Bad(POLICY_ERR, "NLA_F_NESTED")
    if typ == "reject":
        raise Bad(POLICY_ERR, "read-only")
    if typ == "nulstr":
        if n == 0 or b"\0" not in data[:min(n, sp[1] + 1)]:
            raise Bad(POLICY_ERR, "string")
        if n - (1 if data[-1] == 0 else 0) > sp[1]:
            raise Bad(POLICY_ERR, "string length")
    elif typ == "binary":
        if n > sp[1]:
            raise Bad(POLICY_ERR, "binary length")
    elif typ == "exact":
        if n != sp[1]:
            raise Bad(POLICY_ERR, "exact length")
    elif typ in ("u8", "u16") and len(sp) == 3:
        v = struct.unpack("=B" if typ == "u8" else "=H", data)[0]
        if not sp[1] <= v <= sp[2]:
            raise Bad(POLICY_ERR, "range")
    elif typ == "mask32":
        if struct.unpack("=I", data)[0] & ~sp[1]:
            raise Bad(POLICY_ERR, "mask")
    elif nested and n:
        if n < 4:
            raise Bad(POLICY_ERR, "nest too short")
        if typ == "nested":
            vparse(data, sp[1], depth + 1)
        else:
            # an array: its entries' types are free, empty ones skipped,
            # bytes left over after the last entry ignored
            for _, entry in walk(data)[0]:
                if not entry:
                    continue
                if len(entry) < 4:
                    raise Bad({errno.ERANGE}, "array element too short")
                vparse(entry, sp[1], depth + 2)


# ---- the model ----

def fresh_peer(pub):
    return {"pub": pub, "psk": False, "ep": None, "ka": 0, "allowed": [],
            "name": None, "cands": [], "fot": 0, "fbi": 0}


def endpoint_entries(data):
    """The candidates of an endpoints list: (family, addr, port) or None
    for an entry that is not one, each as the kernel reads it."""
    out = []
    for _, entry in walk(data)[0]:
        e = dict((k & 0x3fff, v) for k, v in walk(entry)[0])
        v4, v6, port = e.get(E_IP4), e.get(E_IP6), e.get(E_PORT)
        if (v4 is None) == (v6 is None) or port is None:
            out.append(None)
            continue
        out.append((AF_INET if v4 is not None else AF_INET6, v4 or v6,
                    struct.unpack("=H", port)[0]))
    return out


def clone(dev):
    d = dict(dev)
    if d["peer"]:
        d["peer"] = dict(d["peer"])
        d["peer"]["allowed"] = list(d["peer"]["allowed"])
    return d


def cidr_text(family, addr, plen):
    return f"{socket.inet_ntop(family, addr)}/{plen}"


def ep_text(ep):
    family, addr, port = ep
    text = socket.inet_ntop(family, addr)
    return f"[{text}]:{port}" if family == AF_INET6 else f"{text}:{port}"


def to_json(dev):
    """A device as ptun show --json shows it, without the counters."""
    b64 = (lambda k: base64.b64encode(k).decode() if k else None)
    out = {"ifname": dev["ifname"], "ifindex": dev["ifindex"],
           "public_key": b64(dev["pub"]), "listen_port": dev["port"],
           "cipher": CIPHERS.get(dev["cipher"], "unknown"),
           "mss_clamp": mss_text(dev["mss"]),
           "link_state": LINK_STATES.get(dev["link"], "unknown"),
           "peer": None}
    p = dev["peer"]
    if p:
        out["peer"] = {
            "public_key": b64(p["pub"]), "preshared_key": p["psk"],
            "endpoint": ep_text(p["ep"]) if p["ep"] else None,
            # no traffic: the first candidate is the active one
            "endpoints": [{"endpoint": ep_text(c),
                           "state": "standby" if i else "active"}
                          for i, c in enumerate(p["cands"])],
            "failover_timeout": p["fot"] or FAILOVER_TIMEOUT_DEFAULT,
            "failback_interval": p["fbi"] or FAILBACK_INTERVAL_DEFAULT,
            "persistent_keepalive": p["ka"],
            "allowed_ips": sorted(cidr_text(*a) for a in p["allowed"])}
        if p["name"]:
            out["peer"]["endpoint_name"] = p["name"]
    return out


def parse_reply(msg, prev=None):
    """A GET reply (nlmsghdr included) as the model holds a device. A dump
    message continuing prev's allowed IPs (same ifindex, no listen port)
    adds them to prev and returns None."""
    tb = dict((k, v) for k, v in nlraw.attrs(msg[20:]))
    idx = struct.unpack("=I", tb[D_IFINDEX])[0]
    if prev and prev["ifindex"] == idx and D_PORT not in tb:
        pt = dict(nlraw.attrs(tb[D_PEER]))
        for _, entry in nlraw.attrs(pt.get(P_ALLOWED, b"")):
            e = dict(nlraw.attrs(entry))
            prev["peer"]["allowed"].append(
                (struct.unpack("=H", e[A_FAMILY])[0], e[A_ADDR],
                 e[A_PREFIX][0]))
        return None
    dev = {"ifindex": idx,
           "ifname": tb[D_IFNAME].rstrip(b"\0").decode(),
           "pub": tb.get(D_PUB), "port": struct.unpack("=H", tb[D_PORT])[0],
           "cipher": struct.unpack("=H", tb[D_CIPHER])[0],
           "mss": struct.unpack("=H", tb[D_MSS])[0],
           "link": tb[D_LINK][0], "peer": None}
    if D_PEER in tb:
        pt = dict(nlraw.attrs(tb[D_PEER]))
        peer = fresh_peer(pt[P_PUB])
        peer["psk"] = bool(struct.unpack("=I", pt[P_FLAGS])[0] & 1)
        peer["ka"] = struct.unpack("=H", pt[P_KA])[0]
        port = pt.get(P_EPPORT)
        if P_EP4 in pt:
            peer["ep"] = (AF_INET, pt[P_EP4], struct.unpack("=H", port)[0])
        elif P_EP6 in pt:
            peer["ep"] = (AF_INET6, pt[P_EP6], struct.unpack("=H", port)[0])
        for _, entry in nlraw.attrs(pt.get(P_ALLOWED, b"")):
            e = dict(nlraw.attrs(entry))
            peer["allowed"].append((struct.unpack("=H", e[A_FAMILY])[0],
                                    e[A_ADDR], e[A_PREFIX][0]))
        if P_NAME in pt:
            peer["name"] = pt[P_NAME].rstrip(b"\0").decode()
        peer["cands"] = endpoint_entries(pt.get(P_EPS, b""))
        peer["fot"] = struct.unpack("=H", pt[P_FOT])[0] if P_FOT in pt else 0
        peer["fbi"] = struct.unpack("=H", pt[P_FBI])[0] if P_FBI in pt else 0
        dev["peer"] = peer
    return dev


def parse_replies(replies):
    """The devices a GET's replies describe, continuations merged."""
    devs = []
    for msg in replies:
        dev = parse_reply(msg, devs[-1] if devs else None)
        if dev:
            devs.append(dev)
    return devs


def same(a, b):
    return to_json(a) == to_json(b)


def host_bits(family, addr, plen):
    v = int.from_bytes(addr, "big")
    bits = 8 * len(addr)
    return v & ((1 << (bits - plen)) - 1) != 0


class Model:
    def __init__(self, devs, locked, busy_ports, deny):
        self.devs = devs            # ifindex -> device
        self.locked = locked        # ifindexes whose port is not ours
        self.busy = busy_ports
        self.deny = deny
        # ifindex -> allowed IPs a SET with F_MORE staged (this socket's)
        self.staged = {}
        self.names = {}             # every device of the namespace
        for idx, name in socket.if_nameindex():
            self.names[name] = idx

    def lookup(self, tb):
        if D_IFINDEX in tb and D_IFNAME in tb:
            raise Bad({errno.EINVAL}, "both selectors")
        if D_IFINDEX in tb:
            idx = struct.unpack("=I", tb[D_IFINDEX])[0]
            if idx not in self.names.values():
                raise Bad({errno.ENODEV}, "no such ifindex")
        elif D_IFNAME in tb:
            name = tb[D_IFNAME].split(b"\0")[0].decode("latin-1")
            if name not in self.names:
                raise Bad({errno.ENODEV}, "no such ifname")
            idx = self.names[name]
        else:
            raise Bad({errno.EINVAL}, "no selector")
        if idx not in self.devs:
            raise Bad({errno.EOPNOTSUPP}, "not a ptun device")
        return idx

    def predict(self, msg):
        """(effect, detail): effect is None (no change), or a dict of new
        device states; raises Bad for a rejection."""
        length, _, flags, _, _ = struct.unpack_from("=IHHII", msg)
        if not flags & NLM_F_REQUEST:
            return None, "not a request: acknowledged, not processed"
        if length < 20:
            raise Bad({errno.EINVAL}, "short genl header")
        cmd, _, reserved = struct.unpack_from("=BBH", msg, 16)
        dump = flags & NLM_F_DUMP == NLM_F_DUMP
        if cmd >= 1:
            rest = flags & ~NLM_F_DUMP if dump else flags
            if reserved or rest & ~(NLM_F_REQUEST | NLM_F_ACK | 0x8):
                raise Bad({errno.EINVAL}, "genl header check")
        if cmd not in (1, 2):
            raise Bad({errno.EOPNOTSUPP}, "no such command")
        if cmd == 2 and dump:
            # 6.1 checks the permission of the command before looking
            # for its dump handler; split ops (6.2+) look up both at once
            raise Bad({errno.EOPNOTSUPP} |
                      ({errno.EPERM} if self.deny else set()),
                      "SET has no dump")
        if self.deny:
            raise Bad({errno.EPERM}, "no CAP_NET_ADMIN")
        tb = vparse(msg[20:], DEV_POL)
        if cmd == 1:
            if dump and D_IFINDEX not in tb and D_IFNAME not in tb:
                return None, "dump all"
            idx = self.lookup(tb)
            peer = self.devs[idx]["peer"]
            n = len(peer["allowed"]) if peer else 0
            # a "do" reply is one skb of NLMSG_GOODSIZE, rounded up to
            # its slab: 80 entries always fit, 300 never
            if not dump and n >= 300:
                raise Bad({errno.EMSGSIZE}, f"get {idx}: {n} allowed IPs")
            if not dump and n > 80:
                raise Bad({0, errno.EMSGSIZE}, f"get {idx}: {n} allowed IPs")
            return None, f"get {idx}"
        idx = self.lookup(tb)
        # every SET of the device takes the staged list off it
        staged = self.staged.pop(idx, None)
        return {idx: self.set(self.devs[idx], tb, idx, staged)}, \
            f"set {idx}"

    def set(self, old, tb, idx, staged):
        errs, why = set(), []

        def bad(e, w):
            errs.add(e)
            why.append(w)

        dev = clone(old)
        flags = struct.unpack("=I", tb[D_FLAGS])[0] if D_FLAGS in tb else 0
        prior = []
        if flags & F_CONTINUE:
            if staged is None:
                bad(errno.ENOENT, "nothing staged to continue")
            else:
                prior = staged
            if D_PEER not in tb:
                bad(errno.EINVAL, "continued allowed IPs without a peer")
        if flags & F_MORE:
            return self.stage(old, tb, idx, flags, prior, errs, why, bad)
        priv = tb.get(D_PRIV)
        newpub = None
        if priv is not None and any(priv):
            newpub = pub_of(priv)
        pt = {}
        if D_PEER in tb:
            pt = vparse(tb[D_PEER], PEER_POL)
            key = pt.get(P_PUB)
            if key is not None and not any(key):
                bad(errno.EINVAL, "peer key all zeros")
            v4, v6, port = pt.get(P_EP4), pt.get(P_EP6), pt.get(P_EPPORT)
            if v4 is not None and v6 is not None:
                bad(errno.EINVAL, "endpoint both families")
            elif (v4 or v6) is None and port is not None:
                bad(errno.EINVAL, "port without address")
            elif (v4 or v6) is not None and port is None:
                bad(errno.EINVAL, "address without port")
            elif v4 is not None and len(v4) == 4 and not unicast4(v4):
                bad(errno.EINVAL, "endpoint not another host's unicast")
            elif v6 is not None and len(v6) == 16 and not unicast6(v6):
                bad(errno.EINVAL, "endpoint not another host's unicast")
            name = pt.get(P_NAME)
            if name is not None and v4 is None and v6 is None:
                bad(errno.EINVAL, "endpoint name without an address")
            elif name is not None and name[:1] == b"\0":
                bad(errno.EINVAL, "endpoint name empty")
            elif name is not None and not HOST_NAME.fullmatch(
                    name.split(b"\0")[0]):
                bad(errno.EINVAL, "endpoint name not a host name")
            if P_EPS in pt:
                self.check_candidates(pt[P_EPS], v4 is not None or
                                      v6 is not None, bad)
            if P_ALLOWED in pt:
                self.check_allowed(pt[P_ALLOWED], bad, prior)
        if D_MSS in tb and not mss_valid(struct.unpack("=H", tb[D_MSS])[0]):
            bad(errno.EINVAL, "MSS clamp out of range")
        # against the device
        if D_PORT in tb:
            port = struct.unpack("=H", tb[D_PORT])[0]
            if not (port and port == old["port"]):
                if idx in self.locked:
                    bad(errno.EPERM, "listen port of another namespace")
                elif dev["up"] and port and port in self.busy_ports(idx):
                    bad(errno.EADDRINUSE, "port in use")
        peer = None if flags & 1 else dev["peer"]
        target = peer
        key = pt.get(P_PUB)
        if key is not None and (not peer or peer["pub"] != key):
            target = fresh_peer(key)
        if D_PEER in tb and not target:
            bad(errno.ENOENT, "no peer and no peer key")
        own = dev["pub"]
        if priv is not None:
            own = newpub
        check = target if D_PEER in tb else peer
        if check:
            if own and own == check["pub"]:
                bad(errno.EINVAL, "peer key is our own")
            elif low_order(check["pub"]):
                bad(errno.EINVAL, "low-order peer key")
        if errs:
            raise Bad(errs, "; ".join(why))
        # apply
        dev["peer"] = peer
        if priv is not None:
            dev["pub"] = newpub
        if D_PORT in tb:
            port = struct.unpack("=H", tb[D_PORT])[0]
            if not (port and port == old["port"]):
                dev["port"] = None if (dev["up"] and not port) else port
        if D_CIPHER in tb:
            dev["cipher"] = struct.unpack("=H", tb[D_CIPHER])[0]
        if D_MSS in tb:
            dev["mss"] = struct.unpack("=H", tb[D_MSS])[0]
        if D_LINK in tb:
            dev["link"] = tb[D_LINK][0]
        if target:
            target = dict(target)
            target["allowed"] = list(target["allowed"])
            if P_PSK in pt:
                target["psk"] = any(pt[P_PSK])
            if (pt.get(P_EP4) or pt.get(P_EP6)) is not None:
                fam = AF_INET if P_EP4 in pt else AF_INET6
                target["ep"] = (fam, pt.get(P_EP4) or pt.get(P_EP6),
                                struct.unpack("=H", pt[P_EPPORT])[0])
                target["cands"] = [target["ep"]]
                # an address without a name drops the name
                name = pt.get(P_NAME)
                target["name"] = (name.split(b"\0")[0].decode("latin-1")
                                  if name else None)
            if P_EPS in pt:
                target["cands"] = endpoint_entries(pt[P_EPS])
                target["ep"] = target["cands"][0]
                target["name"] = None
            if P_FOT in pt:
                target["fot"] = struct.unpack("=H", pt[P_FOT])[0]
            if P_FBI in pt:
                target["fbi"] = struct.unpack("=H", pt[P_FBI])[0]
            if P_KA in pt:
                target["ka"] = struct.unpack("=H", pt[P_KA])[0]
            if P_ALLOWED in pt:
                target["allowed"] = prior + self.allowed_list(pt[P_ALLOWED])
            elif flags & F_CONTINUE:
                target["allowed"] = list(prior)
            dev["peer"] = target
        return dev

    def stage(self, old, tb, idx, flags, prior, errs, why, bad):
        """A SET with F_MORE: allowed IPs only, staged, the device as it
        was."""
        if flags & F_REMOVE_PEER:
            bad(errno.EINVAL, "remove-peer with more to follow")
        if any(k in tb for k in (D_PRIV, D_PUB, D_PORT, D_CIPHER,
                                 D_STATS, D_MSS)):
            bad(errno.EINVAL, "more to follow: allowed IPs only")
        pt = vparse(tb[D_PEER], PEER_POL) if D_PEER in tb else {}
        if P_ALLOWED not in pt:
            bad(errno.EINVAL, "more to follow without allowed IPs")
        if any(k != P_ALLOWED for k in pt):
            bad(errno.EINVAL, "more to follow: allowed IPs only")
        elif P_ALLOWED in pt:
            self.check_allowed(pt[P_ALLOWED], bad, prior)
        if errs:
            raise Bad(errs, "; ".join(why))
        self.staged[idx] = prior + self.allowed_list(pt[P_ALLOWED])
        return clone(old)

    def busy_ports(self, idx):
        ports = set(self.busy)
        for i, d in self.devs.items():
            if (i != idx and i not in self.locked and d["up"] and
                    d["port"]):
                ports.add(d["port"])
        return ports

    def check_allowed(self, data, bad, prior=()):
        entries = walk(data)[0]
        if any(k & 0x3fff != 1 for k, _ in entries):
            bad(errno.EINVAL, "allowed IPs list holds other attributes")
            return
        if len(prior) + len(entries) > MAX_ALLOWED:
            bad(errno.E2BIG, "too many allowed IPs")
            return
        seen = set(prior)
        for kind, entry in entries:
            if not kind & NESTED:
                bad(errno.EINVAL, "allowed IP entry without NLA_F_NESTED")
                return
            try:
                e = vparse(entry, AIP_POL)
            except Bad as b:
                for err in b.errs:
                    bad(err, b.why)
                return
            if A_FAMILY not in e or A_ADDR not in e or A_PREFIX not in e:
                bad(errno.EINVAL, "allowed IP incomplete")
                return
            fam = struct.unpack("=H", e[A_FAMILY])[0]
            if fam not in (AF_INET, AF_INET6):
                bad(errno.EAFNOSUPPORT, "allowed IP family")
                return
            addr, plen = e[A_ADDR], e[A_PREFIX][0]
            if len(addr) != (4 if fam == AF_INET else 16):
                bad(errno.EINVAL, "allowed IP address length")
                return
            if plen > 8 * len(addr) or host_bits(fam, addr, plen):
                bad(errno.EINVAL, "prefix too long or host bits set")
                return
            if (fam, addr, plen) in seen:
                bad(errno.EEXIST, "duplicate allowed IP")
                return
            seen.add((fam, addr, plen))

    def check_candidates(self, data, with_endpoint, bad):
        """The kernel's checks of an endpoints list (netlink.c)."""
        if with_endpoint:
            bad(errno.EINVAL, "an endpoints list and the endpoint attributes")
        cands = endpoint_entries(data)
        if not cands:
            bad(errno.EINVAL, "an empty endpoints list")
        if len(cands) > ENDPOINTS_MAX:
            bad(errno.E2BIG, "more than 8 candidates")
        seen = []
        for c in cands[:ENDPOINTS_MAX + 1]:
            if c is None:
                bad(errno.EINVAL, "a candidate without one address or port")
            elif c[0] == AF_INET and not unicast4(c[1]):
                bad(errno.EINVAL, "a candidate not another host's unicast")
            elif c[0] == AF_INET6 and not unicast6(c[1]):
                bad(errno.EINVAL, "a candidate not another host's unicast")
            elif c in seen:
                bad(errno.EEXIST, "a candidate given twice")
            else:
                seen.append(c)

    def allowed_list(self, data):
        out = []
        for _, entry in walk(data)[0]:
            e = dict((k & 0x3fff, v) for k, v in walk(entry)[0])
            out.append((struct.unpack("=H", e[A_FAMILY])[0], e[A_ADDR],
                        e[A_PREFIX][0]))
        return out


# ---- netlink I/O ----

class Sock:
    def __init__(self):
        self.nl = nlraw.Genl()
        self.nl.sock.settimeout(30)
        self.fam = self.nl.family("ptun")
        self.seq = 1000
        self.portid = self.nl.sock.getsockname()[0]

    def header(self, length, flags):
        self.seq += 1
        return struct.pack("=IHHII", length, self.fam, flags, self.seq,
                           self.portid)

    def send(self, msg):
        """Returns (errno, replies). A hang is a failure (timeout)."""
        self.nl.sock.send(msg)
        seq = struct.unpack_from("=I", msg, 8)[0]
        replies = []
        while True:
            data = self.nl.sock.recv(1 << 17)
            off = 0
            while off + 16 <= len(data):
                length, kind, _, rseq, _ = struct.unpack_from("=IHHII",
                                                              data, off)
                m = data[off:off + length]
                off += (max(length, 16) + 3) & ~3
                if rseq != seq:
                    continue
                if kind == NLMSG_ERROR:
                    return -struct.unpack_from("=i", m, 16)[0], replies
                if kind == NLMSG_DONE:
                    err = struct.unpack_from("=i", m, 16)[0] \
                        if len(m) >= 20 else 0
                    return -err, replies
                replies.append(m)

    def request(self, cmd, payload, flags=NLM_F_REQUEST | NLM_F_ACK):
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        return self.send(self.header(16 + len(body), flags) + body)

    def get(self, idx, ptun_only=False):
        sel = enc([(D_IFINDEX, u32(idx))])
        err, replies = self.request(1, sel)
        if err == errno.EMSGSIZE:
            # too many allowed IPs for one message: dump it
            err, replies = self.request(1, sel, NLM_F_REQUEST | NLM_F_DUMP)
        if ptun_only and err == errno.EOPNOTSUPP:
            return None
        devs = parse_replies(replies)
        if err or len(devs) != 1:
            raise SystemExit(f"GET {idx}: errno {err}")
        return devs[0]


# ---- generation ----

class Gen:
    def __init__(self, rnd, model):
        self.r = rnd
        self.m = model
        self.privs = [self.rbytes(32) for _ in range(5)]
        self.pubs = [pub_of(k) for k in self.privs]

    def key32(self, dev=None):
        r = self.r.random()
        # Mostly the current peer's key: replacing or removing the peer
        # costs an RCU grace period, slow in the TCG guests.
        if dev and dev["peer"] and r < 0.6:
            return dev["peer"]["pub"]
        r = self.r.random()
        if r < 0.7:
            return self.r.choice(self.pubs)
        if r < 0.8:
            return bytes(32)
        if r < 0.85:
            return self.r.choice(LOW_ORDER)
        return self.rbytes(32)

    def rbytes(self, n):
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def selector(self, dev=None):
        r = self.r.random()
        dev = dev or self.r.choice(list(self.m.devs.values()))
        if r < 0.45:
            return [(D_IFINDEX, u32(dev["ifindex"]))]
        if r < 0.9:
            return [(D_IFNAME, dev["ifname"].encode() + b"\0")]
        if r < 0.93:
            return [(D_IFINDEX, u32(dev["ifindex"])),
                    (D_IFNAME, dev["ifname"].encode() + b"\0")]
        if r < 0.95:
            return []
        if r < 0.97:
            name = self.r.choice(list(self.m.names) + ["ptun0", "nosuch"])
            return [(D_IFNAME, name.encode() + b"\0")]
        return [(D_IFINDEX, u32(self.r.choice(
            list(self.m.names.values()) + [0, 999, 0xffffffff])))]

    def allowed_entry(self):
        r = self.r
        fam = AF_INET if r.random() < 0.6 else AF_INET6
        alen = 4 if fam == AF_INET else 16
        plen = r.randint(0, 8 * alen)
        v = r.getrandbits(8 * alen)
        if r.random() < 0.9:
            v &= ~((1 << (8 * alen - plen)) - 1)
        if r.random() < 0.3:   # a small address space: duplicates happen
            v = (v & 0xff) << (8 * alen - 8)
            plen = r.choice((8, 16, 24, 32)) if fam == AF_INET else 64
        addr = v.to_bytes(alen, "big")
        e = [(A_FAMILY, u16(fam)), (A_ADDR, addr), (A_PREFIX, bytes([plen]))]
        if r.random() < 0.05:
            e[0] = (A_FAMILY, u16(r.choice((0, 1, 3, 17, 0xffff))))
        if r.random() < 0.05:
            e[1] = (A_ADDR, self.rbytes(r.choice((0, 3, 4, 5, 15, 16, 17))))
        if r.random() < 0.03:
            e[2] = (A_PREFIX, bytes([r.choice((33, 129, 200, 255))]))
        if r.random() < 0.05:
            del e[r.randrange(3)]
        r.shuffle(e)
        return (1 | NESTED, e)

    def peer(self, dev):
        r = self.r
        p = []
        if r.random() < 0.5:
            p.append((P_PUB, self.key32(dev)))
        if r.random() < 0.3:
            p.append((P_PSK, bytes(32) if r.random() < 0.3
                      else self.rbytes(32)))
        x = r.random()
        if x < 0.25:
            p += [(P_EP4, self.rbytes(4)),
                  (P_EPPORT, u16(r.randint(1, 65535)))]
        elif x < 0.4:
            p += [(P_EP6, self.rbytes(16)),
                  (P_EPPORT, u16(r.randint(1, 65535)))]
        elif x < 0.45:
            p.append(r.choice([(P_EP4, self.rbytes(4)),
                               (P_EPPORT, u16(r.randint(0, 3)))]))
        if r.random() < 0.1:
            p.append((P_NAME, r.choice((
                b"vpn-2.example.org", b"a" * 255, b"", b"a b",
                b"\xc3\xa9t\xc3\xa9",
                b"x" + self.rbytes(r.randint(1, 20)))) + b"\0"))
        if r.random() < 0.3:
            p.append((P_KA, u16(r.choice((0, 1, 25, 65535,
                                            r.randint(0, 65535))))))
        if r.random() < 0.4:
            x = r.random()
            n = (r.randint(0, 6) if x < 0.85 else
                 r.choice((63, 64, 65, r.randint(65, 300), 1500)))
            p.append((P_ALLOWED | NESTED,
                      [self.allowed_entry() for _ in range(n)]))
        if r.random() < 0.02:
            p.append((P_FLAGS, u32(1)))
        r.shuffle(p)
        return (D_PEER | NESTED, p)

    def set_tree(self):
        r = self.r
        dev = self.r.choice(list(self.m.devs.values()))
        t = self.selector(dev)
        if r.random() < 0.3:
            x = r.random()
            t.append((D_PRIV, r.choice(self.privs) if x < 0.8 else
                      bytes(32) if x < 0.9 else self.rbytes(32)))
        if r.random() < 0.2:
            ports = [0, dev["port"] or 0, r.randint(1024, 65535)]
            ports += list(self.m.busy_ports(-1))
            t.append((D_PORT, u16(r.choice(ports))))
        if r.random() < 0.08:
            # mostly the current one: the first check that a cipher is
            # available can load modules, slow in the guests
            x = r.random()
            t.append((D_CIPHER, u16(dev["cipher"] if x < 0.6 else
                                    r.choice((1, 2)) if x < 0.9 else
                                    r.choice((0, 3, 0xffff)))))
        if r.random() < 0.06:
            t.append((D_FLAGS, u32(r.choice((0, 1, 1, 2, 4, 6, 8)))))
        if r.random() < 0.05:
            t.append((D_MSS, u16(r.choice((0, 1, 2, 535, 536, 1380,
                                           65535)))))
        if r.random() < 0.03:
            t.append((D_LINK, bytes([r.choice((0, 0, 1, 2, 255))])))
        if r.random() < 0.7:
            t.append(self.peer(dev))
        if r.random() < 0.01:
            t.append(r.choice(((D_PUB, self.rbytes(32)), (D_STATS, b""))))
        r.shuffle(t)
        return t

    # structural mutations of an attribute tree
    def nodes(self, tree, out):
        for i, (k, v) in enumerate(tree):
            out.append((tree, i))
            if isinstance(v, list):
                self.nodes(v, out)
        return out

    def mutate(self, tree):
        r = self.r
        for _ in range(r.randint(1, 3)):
            nodes = self.nodes(tree, [])
            if not nodes:
                tree.append((r.randint(0, 12), self.rbytes(r.randint(0, 8))))
                continue
            parent, i = r.choice(nodes)
            k, v = parent[i]
            op = r.randrange(8)
            if op == 0:
                del parent[i]
            elif op == 1:
                parent.insert(i, (k, v))
            elif op == 2:
                parent[i] = (r.randint(0, 12) | (k & NESTED), v)
            elif op == 3:
                parent[i] = (k ^ NESTED, v)
            elif op == 4:
                parent[i] = (k, self.rbytes(r.choice((0, 1, 2, 3, 4, 5, 16,
                                                       31, 32, 33))))
            elif op == 5 and not isinstance(v, list):
                cut = r.randint(-3, 3)
                parent[i] = (k, v[:cut] if cut < 0 else v + self.rbytes(cut))
            elif op == 6:
                parent[i] = (k | NESTED, [(r.randint(0, 10),
                                           self.rbytes(r.randint(0, 6)))])
            else:
                parent.insert(r.randint(0, len(parent)),
                              (r.randint(0, 12), self.rbytes(r.randint(0, 9))))
        return tree

    def message(self, sock):
        """(bytes, kind) of the next message."""
        r = self.r
        x = r.random()
        flags = NLM_F_REQUEST | NLM_F_ACK
        cmd = 2
        if x < 0.12:
            cmd = 1
            tree = self.selector()
            if r.random() < 0.3:
                flags |= NLM_F_DUMP
                if r.random() < 0.5:
                    tree = []
            kind = "get"
        else:
            tree = self.set_tree()
            kind = "set"
        if x > 0.7:
            tree = self.mutate(tree)
            kind += "-mutated"
        payload = enc(tree)
        if x > 0.92:
            payload = bytearray(payload)
            op = r.randrange(4)
            if op == 0 and payload:
                for _ in range(r.randint(1, 4)):
                    payload[r.randrange(len(payload))] = r.getrandbits(8)
            elif op == 1 and len(payload) >= 4:
                pos = r.randrange(0, len(payload) - 1) & ~3
                payload[pos:pos + 2] = u16(r.randint(0, 80))
            elif op == 2:
                payload = payload[:r.randint(0, len(payload))]
            else:
                payload += self.rbytes(r.randint(1, 3))
            payload = bytes(payload)
            kind += "-bytes"
        reserved = 0
        if x > 0.985:
            y = r.random()
            if y < 0.2:
                cmd = r.choice((0, 3, 4, 255))
            elif y < 0.4:
                reserved = r.randint(1, 0xffff)
            elif y < 0.6:
                flags |= r.choice((NLM_F_DUMP, 0x8, 0x10, 0x20))
            elif y < 0.7:
                flags &= ~NLM_F_REQUEST
            else:
                payload = self.rbytes(r.randint(0, 120))
            kind = "garbage"
        body = struct.pack("=BBH", cmd, 1, reserved) + payload
        if x > 0.985 and r.random() < 0.05:
            body = body[:r.randint(0, 3)]
        return sock.header(16 + len(body), flags) + body, kind


# ---- fixed regression cases ----

def v4e(addr, plen, fam=AF_INET):
    return (1 | NESTED, [(A_FAMILY, u16(fam)), (A_ADDR, bytes(addr)),
                         (A_PREFIX, bytes([plen]))])


def net_list(n, first=0):
    """n distinct valid IPv4 /32 entries, from the first-th on"""
    return [v4e([10, 9, i >> 8, i & 0xff], 32)
            for i in range(first, first + n)]


def regress_cases(name, gen, busy):
    """(description, attribute tree or raw payload, expected errnos or 0)"""
    sel = [(D_IFNAME, name.encode() + b"\0")]
    k0, k1, k2 = gen.privs[0], gen.pubs[1], gen.pubs[2]
    EINVAL, ERANGE = errno.EINVAL, errno.ERANGE

    def peer(*attrs, key=k1):
        return sel + [(D_PEER | NESTED, ([(P_PUB, key)] if key is not None
                                         else []) + list(attrs))]
    return [
        ("a peer nest without its key, no peer yet", peer(
            (P_KA, u16(5)), key=None), {errno.ENOENT}),
        ("a peer", peer(), 0),
        ("exactly 64 allowed IPs", peer(
            (P_ALLOWED | NESTED, net_list(64))), 0),
        ("65 allowed IPs", peer((P_ALLOWED | NESTED, net_list(65))), 0),
        ("1500 allowed IPs", peer((P_ALLOWED | NESTED, net_list(1500))),
         0),
        ("300 invalid allowed IPs", peer((P_ALLOWED | NESTED, [
            v4e([10, 0, 0, 1], 8)] * 300)), {EINVAL}),
        # a long list in three messages (Documentation/netlink/specs/ptun.yaml, "Long lists")
        ("continuing with nothing staged", sel + [
            (D_FLAGS, u32(F_CONTINUE)), peer()[-1]], {errno.ENOENT}),
        ("a first chunk", sel + [
            (D_FLAGS, u32(F_MORE)),
            (D_PEER | NESTED, [(P_ALLOWED | NESTED, net_list(1000))])], 0),
        ("a middle chunk", sel + [(D_FLAGS, u32(F_MORE | F_CONTINUE)),
                                  (D_PEER | NESTED, [(P_ALLOWED | NESTED,
                                                      net_list(1000, 1000))])],
         0),
        ("the last chunk applies the 2500", sel + [
            (D_FLAGS, u32(F_CONTINUE)), (D_PEER | NESTED, [
                (P_PUB, k1), (P_KA, u16(3)),
                (P_ALLOWED | NESTED, net_list(500, 2000))])], 0),
        ("continuing what was applied already", sel + [
            (D_FLAGS, u32(F_CONTINUE)), peer()[-1]], {errno.ENOENT}),
        ("a first chunk again", sel + [
            (D_FLAGS, u32(F_MORE)),
            (D_PEER | NESTED, [(P_ALLOWED | NESTED, net_list(10))])], 0),
        ("a last chunk repeating a staged entry: nothing changes", sel + [
            (D_FLAGS, u32(F_CONTINUE)), (D_PEER | NESTED, [
                (P_ALLOWED | NESTED, net_list(2, 9))])], {errno.EEXIST}),
        ("and the rejection discarded the staged list", sel + [
            (D_FLAGS, u32(F_CONTINUE)), peer()[-1]], {errno.ENOENT}),
        ("a chunk with more to follow carries allowed IPs only", sel + [
            (D_FLAGS, u32(F_MORE)), (D_PEER | NESTED, [
                (P_KA, u16(1)), (P_ALLOWED | NESTED, net_list(1))])],
         {EINVAL}),
        ("a chunk with more to follow and a private key", sel + [
            (D_FLAGS, u32(F_MORE)), (D_PRIV, k0), (D_PEER | NESTED, [
                (P_ALLOWED | NESTED, net_list(1))])], {EINVAL}),
        ("a chunk with more to follow and no allowed IPs", sel + [
            (D_FLAGS, u32(F_MORE))], {EINVAL}),
        ("a first chunk once more", sel + [
            (D_FLAGS, u32(F_MORE)),
            (D_PEER | NESTED, [(P_ALLOWED | NESTED, net_list(10))])], 0),
        ("a SET that does not continue discards it", peer(), 0),
        ("so continuing fails", sel + [
            (D_FLAGS, u32(F_CONTINUE)), peer()[-1]], {errno.ENOENT}),
        ("an empty allowed-IPs nest clears the list", peer(
            (P_ALLOWED | NESTED, [])), 0),
        ("a duplicate allowed IP", peer((P_ALLOWED | NESTED, [
            v4e([10, 0, 0, 0], 8), v4e([10, 0, 0, 0], 8)])), {errno.EEXIST}),
        ("host bits below the prefix", peer((P_ALLOWED | NESTED, [
            v4e([10, 0, 0, 1], 8)])), {EINVAL}),
        ("prefix 33 for IPv4", peer((P_ALLOWED | NESTED, [
            v4e([10, 0, 0, 0], 33)])), {EINVAL}),
        ("prefix 129 for IPv6", peer((P_ALLOWED | NESTED, [
            v4e(bytes(16), 129, AF_INET6)])), {EINVAL}),
        ("IPv6 family with a 4-byte address", peer((P_ALLOWED | NESTED, [
            v4e([10, 0, 0, 0], 8, AF_INET6)])), {EINVAL}),
        ("an address of 17 bytes", peer((P_ALLOWED | NESTED, [
            v4e(bytes(17), 8, AF_INET6)])), {EINVAL, ERANGE}),
        ("family 0", peer((P_ALLOWED | NESTED, [v4e([10, 0, 0, 0], 8, 0)])),
         {errno.EAFNOSUPPORT}),
        ("an allowed IP without a prefix", peer((P_ALLOWED | NESTED, [
            (1 | NESTED, [(A_FAMILY, u16(AF_INET)),
                          (A_ADDR, bytes(4))])])), {EINVAL}),
        ("an empty allowed-IP entry", peer((P_ALLOWED | NESTED, [
            (1 | NESTED, [])])), {EINVAL}),
        ("a 2-byte allowed-IP entry", peer((P_ALLOWED | NESTED, [
            (1 | NESTED, b"ab")])), {ERANGE}),
        ("the list holding another type", peer((P_ALLOWED | NESTED, [
            (2 | NESTED, v4e([10, 0, 0, 0], 8)[1])])), {EINVAL}),
        ("allowed IPs without NLA_F_NESTED", peer((P_ALLOWED, [])), {EINVAL}),
        ("an allowed-IP entry without NLA_F_NESTED", peer((
            P_ALLOWED | NESTED, [(1, v4e([10, 0, 0, 0], 8)[1])])), {EINVAL}),
        ("the peer without NLA_F_NESTED", sel + [(D_PEER, [(P_PUB, k1)])],
         {EINVAL}),
        ("ifname with NLA_F_NESTED", [(D_IFNAME | NESTED,
                                       name.encode() + b"\0")], {EINVAL}),
        ("a family attribute nested", peer((P_ALLOWED | NESTED, [
            (1 | NESTED, [(A_FAMILY | NESTED, [(1, u16(2))]),
                          (A_ADDR, bytes(4)), (A_PREFIX, b"\0")])])),
         {EINVAL}),
        ("the peer nested in the peer", sel + [(D_PEER | NESTED, [
            (P_PUB, k1), (D_PEER | NESTED, [(P_PUB, k1)])])], {EINVAL}),
        ("a zero-length private key", sel + [(D_PRIV, b"")], {EINVAL, ERANGE}),
        ("a zero-length peer key", peer(key=b""), {EINVAL, ERANGE}),
        ("a zero-length preshared key", peer((P_PSK, b"")), {EINVAL, ERANGE}),
        ("a 31-byte private key", sel + [(D_PRIV, bytes(31))],
         {EINVAL, ERANGE}),
        ("a 33-byte peer key", peer(key=k1 + b"\1"), {EINVAL, ERANGE}),
        ("an all-zero peer key", peer(key=bytes(32)), {EINVAL}),
        ("a low-order peer key, no private key", peer(key=LOW_ORDER[1]),
         {EINVAL}),
        ("the peer key replaced", peer(), 0),
        ("a private key", sel + [(D_PRIV, k0)], 0),
        ("a low-order peer key with a private key", peer(
            key=LOW_ORDER[2]), {EINVAL}),
        ("the peer key equal to our own", peer(key=gen.pubs[0]), {EINVAL}),
        ("a private key whose public key is the peer's", sel + [
            (D_PRIV, gen.privs[1])], {EINVAL}),
        ("an all-zero private key removes it", sel + [(D_PRIV, bytes(32))],
         0),
        ("the public key is read-only", sel + [(D_PUB, k2)], {EINVAL}),
        ("the counters are read-only", sel + [(D_STATS | NESTED, [])],
         {EINVAL}),
        ("the peer flags are read-only", peer((P_FLAGS, u32(0))), {EINVAL}),
        ("an unknown device flag", sel + [(D_FLAGS, u32(8))], {EINVAL}),
        ("cipher 0", sel + [(D_CIPHER, u16(0))], {ERANGE}),
        ("cipher 3", sel + [(D_CIPHER, u16(3))], {ERANGE}),
        ("MSS clamp 535", sel + [(D_MSS, u16(535))], {EINVAL}),
        ("MSS clamp 2", sel + [(D_MSS, u16(2))], {EINVAL}),
        ("MSS clamp auto", sel + [(D_MSS, u16(1))], 0),
        ("link state 2", sel + [(D_LINK, bytes([2]))], {ERANGE}),
        ("a 2-byte link state", sel + [(D_LINK, u16(1))], {EINVAL}),
        ("link state session", sel + [(D_LINK, bytes([1]))], 0),
        ("link state up", sel + [(D_LINK, bytes([0]))], 0),
        ("a 4-byte cipher", sel + [(D_CIPHER, u32(1))], {EINVAL}),
        ("endpoint port 0", peer((P_EP4, bytes(4)), (P_EPPORT, u16(0))),
         {ERANGE}),
        ("an endpoint without a port", peer((P_EP4, bytes(4))), {EINVAL}),
        ("an endpoint port alone", peer((P_EPPORT, u16(9))), {EINVAL}),
        ("both endpoint families", peer((P_EP4, bytes(4)), (P_EP6, bytes(16)),
                                        (P_EPPORT, u16(9))), {EINVAL}),
        ("an IPv6 endpoint", peer((P_EP6, b"\x20\x01\x0d\xb8" + bytes(11) +
                                   b"\1"), (P_EPPORT, u16(9))), 0),
        ("a loopback IPv6 endpoint", peer((P_EP6, bytes(15) + b"\1"),
                                          (P_EPPORT, u16(9))), {EINVAL}),
        ("an IPv4-mapped endpoint", peer((P_EP6, bytes(10) + b"\xff\xff" +
                                          b"\xc0\0\2\1"),
                                         (P_EPPORT, u16(9))), {EINVAL}),
        ("an endpoint name", peer((P_EP4, b"\xc0\0\2\1"), (P_EPPORT, u16(9)),
                                  (P_NAME, b"vpn_1.example.\0")), 0),
        ("an endpoint name with a control byte", peer(
            (P_EP4, b"\xc0\0\2\1"), (P_EPPORT, u16(9)),
            (P_NAME, b"a\x15b\0")), {EINVAL}),
        ("a non-ASCII endpoint name", peer(
            (P_EP4, b"\xc0\0\2\1"), (P_EPPORT, u16(9)),
            (P_NAME, "\u00e9t\u00e9".encode() + b"\0")), {EINVAL}),
        ("a repeated keepalive: the last counts", peer(
            (P_KA, u16(7)), (P_KA, u16(9))), 0),
        ("remove-peer with a peer nest but no key", sel + [
            (D_FLAGS, u32(1)), (D_PEER | NESTED, [(P_KA, u16(1))])],
         {errno.ENOENT}),
        ("remove-peer with the same key starts from empty", sel + [
            (D_FLAGS, u32(1)), (D_PEER | NESTED, [(P_PUB, k1)])], 0),
        ("an ifname of 16 characters", [(D_IFNAME, b"p" * 16 + b"\0")],
         {EINVAL, ERANGE}),
        ("an ifname without NUL", [(D_IFNAME, b"ptun")], {EINVAL}),
        ("both ifindex and ifname", sel + [
            (D_IFINDEX, u32(socket.if_nametoindex(name)))], {EINVAL}),
        ("no device named", [(D_CIPHER, u16(1))], {EINVAL}),
        ("not a ptun device", [(D_IFNAME, b"lo\0")], {errno.EOPNOTSUPP}),
        ("attribute type 10", sel + [(10, b"")], {EINVAL}),
        ("attribute type 0", sel + [(0, b"")], {EINVAL}),
        ("3 bytes left over", enc(sel) + b"abc", {EINVAL}),
        ("an attribute longer than the message", enc(sel) + b"\x40\0\5\0",
         {EINVAL}),
    ] + ([("a listen port in use", sel + [(D_PORT, u16(busy))],
           {errno.EADDRINUSE})] if busy else [])


def regress(args):
    sock = Sock()
    devs = read_devices(sock)
    model = Model(devs, set(), set(args.busy_port), False)
    gen = Gen(random.Random(0), model)
    busy = args.busy_port[0] if args.busy_port and is_up(args.dev) else 0
    failed = 0
    cases = regress_cases(args.dev, gen, busy) + [
        ("genl reserved field set", ("reserved", enc(
            [(D_IFNAME, args.dev.encode() + b"\0")])), {errno.EINVAL}),
        ("SET as a dump", ("dump", b""), {errno.EOPNOTSUPP})]
    for desc, tree, want in cases:
        flags, reserved = NLM_F_REQUEST | NLM_F_ACK, 0
        if isinstance(tree, tuple):
            how, payload = tree
            if how == "reserved":
                reserved = 1
            else:
                flags |= NLM_F_DUMP
        else:
            payload = tree if isinstance(tree, bytes) else enc(tree)
        body = struct.pack("=BBH", 2, 1, reserved) + payload
        msg = sock.header(16 + len(body), flags) + body
        try:
            effect, detail = model.predict(msg)
            predicted = 0
        except Bad as b:
            effect, detail, predicted = None, b.why, b.errs
        err, _ = sock.send(msg)
        ok = (err == 0) if want == 0 else (err in want)
        agrees = (predicted == 0) == (want == 0)
        if effect and not err:
            model.devs.update(effect)
        try:
            verify(sock, model, desc)
        except Failed as e:
            ok = False
            print(f"# {e}")
        print(f"{'ok' if ok and agrees else 'not ok'} - {desc}: errno {err}"
              f"{'' if agrees else f' (the model says {detail})'}")
        failed += not (ok and agrees)
    if args.model:
        with open(args.model, "w") as f:
            json.dump({d["ifname"]: to_json(d)
                       for d in model.devs.values()}, f)
    return 1 if failed else 0


# ---- running ----

def read_devices(sock):
    """Every ptun device of the namespace, as GET describes it."""
    devs = {}
    for idx, name in socket.if_nameindex():
        dev = sock.get(idx, ptun_only=True)
        if dev:
            dev["up"] = is_up(name)
            devs[idx] = dev
    return devs


def is_up(name):
    with socket.socket() as s:
        req = fcntl.ioctl(s, 0x8913,  # SIOCGIFFLAGS
                          struct.pack("16sH", name.encode(), 0))
    return bool(struct.unpack_from("16sH", req)[1] & 1)


class Failed(Exception):
    pass


def verify(sock, model, why):
    for idx, dev in model.devs.items():
        got = sock.get(idx)
        if dev["port"] is None and got["port"]:
            dev["port"] = got["port"]   # chosen by the kernel (port 0, up)
        if not same(got, dev):
            raise Failed(f"{why}: device {dev['ifname']} differs from the "
                         f"model\n  model:  {json.dumps(to_json(dev))}\n"
                         f"  kernel: {json.dumps(to_json(got))}")


def fuzz(args):
    rnd = random.Random(args.seed)
    sock = Sock()
    if args.deny:
        names = args.dev
        # the sender may read nothing: model fresh devices, unused
        devs = {socket.if_nametoindex(n): {
            "ifindex": socket.if_nametoindex(n), "ifname": n, "pub": None,
            "port": 0, "cipher": 1, "mss": 0, "link": 0, "peer": None,
            "up": False}
            for n in names}
    else:
        devs = read_devices(sock)
    model = Model(devs, {socket.if_nametoindex(n) for n in args.locked},
                  set(args.busy_port), args.deny)
    gen = Gen(rnd, model)
    stats = {}
    t0 = time.monotonic()
    i = 0
    try:
        for i in range(args.count):
            if args.seconds and time.monotonic() - t0 > args.seconds:
                print(f"# time limit of {args.seconds} s reached")
                break
            msg, kind = gen.message(sock)
            try:
                effect, detail = model.predict(msg)
                want = None
            except Bad as b:
                effect, detail, want = None, b.why, b.errs
            t1 = time.monotonic()
            err, replies = sock.send(msg)
            key = f"{kind} {'accepted' if not err else 'rejected'}"
            n, spent = stats.get(key, (0, 0.0))
            stats[key] = (n + 1, spent + time.monotonic() - t1)
            if want is None and err:
                raise Failed(f"message {i} ({kind}): model accepts "
                             f"({detail}), kernel says errno {err} "
                             f"({os.strerror(err)})\n  {msg.hex()}")
            if want is not None and err not in want:
                raise Failed(f"message {i} ({kind}): model rejects "
                             f"({detail}: {sorted(want)}), kernel says "
                             f"errno {err}\n  {msg.hex()}")
            if effect:
                model.devs.update(effect)
            for got in parse_replies(replies):
                dev = model.devs.get(got["ifindex"])
                if dev and dev["port"] is not None and not same(got, dev):
                    raise Failed(f"message {i} ({kind}): GET reply differs "
                                 f"from the model\n  model:  "
                                 f"{json.dumps(to_json(dev))}\n  kernel: "
                                 f"{json.dumps(to_json(got))}")
            if args.deny:
                continue
            unknown = any(d["port"] is None for d in model.devs.values())
            if unknown or rnd.random() < (0.1 if err else 0.05):
                verify(sock, model, f"after message {i} ({kind}, errno "
                       f"{err})")
        if not args.deny:
            verify(sock, model, "at the end")
    except (Failed, OSError) as e:
        print(f"# seed {args.seed}: FAILED: {e}")
        return 1
    dt = time.monotonic() - t0
    sent = sum(n for n, _ in stats.values())
    print(f"# seed {args.seed}: {sent} messages in {dt:.1f} s "
          f"({sent / max(dt, 1e-6):.0f}/s, CPU {time.process_time():.1f} s)")
    for key in sorted(stats):
        n, spent = stats[key]
        print(f"#   {key}: {n} ({1000 * spent / n:.1f} ms each)")
    if args.model:
        with open(args.model, "w") as f:
            json.dump({d["ifname"]: to_json(d)
                       for d in model.devs.values()}, f)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fuzz")
    f.add_argument("--seed", type=int, required=True)
    f.add_argument("--count", type=int, required=True)
    f.add_argument("--dev", action="append", default=[])
    f.add_argument("--locked", action="append", default=[])
    f.add_argument("--busy-port", type=int, action="append", default=[])
    f.add_argument("--deny", action="store_true")
    f.add_argument("--seconds", type=float, default=0)
    f.add_argument("--model")
    g = sub.add_parser("regress")
    g.add_argument("--dev", required=True)
    g.add_argument("--busy-port", type=int, action="append", default=[])
    g.add_argument("--model")
    args = ap.parse_args()
    if args.cmd == "fuzz":
        return fuzz(args)
    return regress(args)


if __name__ == "__main__":
    sys.exit(main())
