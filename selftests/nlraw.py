#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic netlink requests to the ptun family, for the selftests.

The ptun CLI refuses malformed input before it reaches the kernel, so the
kernel's own checks are exercised here with hand-built messages:

  nlraw.py set IFNAME ATTR...     send PTUN_CMD_SET_DEVICE
  nlraw.py get IFNAME             print the raw reply as hex
  nlraw.py burst N IFNAME ATTR... the same SET N times, back to back on
                                  one socket (events.sh's rate limit)

An ATTR is PATH=VALUE where PATH names a device attribute, or
peer.NAME for one in the peer nest, allowed.N.NAME for allowed IP N, or
endpoint.N.NAME for candidate endpoint N (ipv4, ipv6, port, state), and
VALUE is u8:N, u16:N, u32:N, hex:BYTES, str:TEXT or empty.

"set" prints "errno=N msg=TEXT" and exits 0 if the kernel rejected the
request, 1 if it accepted it. "burst" prints how many were accepted.
"""

import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2
NLMSG_DONE = 0x3
NLA_F_NESTED = 0x8000
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NETLINK_EXT_ACK = 11
SOL_NETLINK = 270
NLMSGERR_ATTR_MSG = 1

PTUN_CMD_GET_DEVICE = 1
PTUN_CMD_SET_DEVICE = 2

DEVICE = {
    "ifindex": 1, "ifname": 2, "private_key": 3, "public_key": 4,
    "listen_port": 5, "cipher": 6, "flags": 7, "peer": 8, "stats": 9,
    "mss_clamp": 10, "module_version": 11, "link_state": 12,
}
PEER = {
    "public_key": 1, "preshared_key": 2, "flags": 3, "endpoint_ipv4": 4,
    "endpoint_ipv6": 5, "endpoint_port": 6, "persistent_keepalive": 7,
    "allowed_ips": 8, "endpoint_name": 9, "endpoints": 10,
    "failover_timeout": 11, "failback_interval": 12,
}
ALLOWED_IP = 1
ALLOWED = {"family": 1, "addr": 2, "prefix_len": 3}
ENDPOINTS_ENTRY = 1
ENDPOINT = {"ipv4": 1, "ipv6": 2, "port": 3, "state": 4}


def attr(kind, payload):
    length = 4 + len(payload)
    pad = (4 - length % 4) % 4
    return struct.pack("=HH", length, kind) + payload + b"\0" * pad


def value(text):
    if not text:
        return b""
    kind, _, val = text.partition(":")
    if kind == "u8":
        return struct.pack("=B", int(val, 0))
    if kind == "u16":
        return struct.pack("=H", int(val, 0))
    if kind == "u32":
        return struct.pack("=I", int(val, 0))
    if kind == "hex":
        return bytes.fromhex(val)
    if kind == "str":
        return val.encode() + b"\0"
    raise SystemExit(f"nlraw: bad value '{text}'")


class Genl:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 1

    def request(self, family, cmd, payload, flags=NLM_F_REQUEST | NLM_F_ACK):
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), family, flags, self.seq,
                          os.getpid())
        self.sock.send(hdr + body)
        replies = []
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off < len(data):
                length, kind, _, _, _ = struct.unpack_from("=IHHII", data, off)
                msg = data[off:off + length]
                off += (length + 3) & ~3
                if kind == NLMSG_ERROR:
                    err = struct.unpack_from("=i", msg, 16)[0]
                    return -err, extack_msg(msg), replies
                if kind == NLMSG_DONE:
                    return 0, "", replies
                replies.append(msg)

    def family(self, name):
        err, msg, replies = self.request(
            GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
            attr(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        if err or not replies:
            raise SystemExit(f"nlraw: family {name}: errno {err} {msg}")
        for kind, payload in attrs(replies[0][20:]):
            if kind == CTRL_ATTR_FAMILY_ID:
                return struct.unpack("=H", payload[:2])[0]
        raise SystemExit("nlraw: no family id")


def attrs(data):
    off = 0
    while off + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, off)
        if length < 4:
            break
        yield kind & 0x3fff, data[off + 4:off + length]
        off += (length + 3) & ~3


def extack_msg(msg):
    err = struct.unpack_from("=i", msg, 16)[0]
    flags = struct.unpack_from("=H", msg, 6)[0]
    # The request is echoed unless NLM_F_CAPPED (0x100) is set.
    if flags & 0x100 or err == 0:
        tlv = msg[16 + 4 + 16:]
    else:
        inner_len = struct.unpack_from("=I", msg, 20)[0]
        tlv = msg[20 + ((inner_len + 3) & ~3):]
    for kind, payload in attrs(tlv):
        if kind == NLMSGERR_ATTR_MSG:
            return payload.rstrip(b"\0").decode()
    return ""


def build(ifname, specs):
    dev, peer, allowed, endpoints = [], [], {}, {}
    for spec in specs:
        path, _, val = spec.partition("=")
        parts = path.split(".")
        if parts[0] == "peer":
            peer.append(attr(PEER[parts[1]], value(val)))
        elif parts[0] == "allowed":
            allowed.setdefault(int(parts[1]), []).append(
                attr(ALLOWED[parts[2]], value(val)))
        elif parts[0] == "endpoint":
            endpoints.setdefault(int(parts[1]), []).append(
                attr(ENDPOINT[parts[2]], value(val)))
        else:
            dev.append(attr(DEVICE[parts[0]], value(val)))
    payload = attr(DEVICE["ifname"], ifname.encode() + b"\0") + b"".join(dev)
    if allowed:
        nest = b"".join(attr(ALLOWED_IP | NLA_F_NESTED, b"".join(a))
                        for _, a in sorted(allowed.items()))
        peer.append(attr(PEER["allowed_ips"] | NLA_F_NESTED, nest))
    if endpoints:
        nest = b"".join(attr(ENDPOINTS_ENTRY | NLA_F_NESTED, b"".join(a))
                        for _, a in sorted(endpoints.items()))
        peer.append(attr(PEER["endpoints"] | NLA_F_NESTED, nest))
    if peer:
        payload += attr(DEVICE["peer"] | NLA_F_NESTED, b"".join(peer))
    return payload


def main(argv):
    if len(argv) < 3 or argv[1] not in ("set", "get", "burst"):
        sys.stderr.write(__doc__)
        return 2
    nl = Genl()
    family = nl.family("ptun")
    if argv[1] == "get":
        err, msg, replies = nl.request(
            family, PTUN_CMD_GET_DEVICE,
            attr(DEVICE["ifname"], argv[2].encode() + b"\0"))
        if err:
            print(f"errno={err} msg={msg}")
            return 1
        print("".join(r.hex() for r in replies))
        return 0
    if argv[1] == "burst":
        payload = build(argv[3], argv[4:])
        accepted = 0
        for _ in range(int(argv[2])):
            err, _, _ = nl.request(family, PTUN_CMD_SET_DEVICE, payload)
            accepted += not err
        print(accepted)
        return 0
    err, msg, _ = nl.request(family, PTUN_CMD_SET_DEVICE,
                             build(argv[2], argv[3:]))
    print(f"errno={err} msg={msg}")
    return 0 if err else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
