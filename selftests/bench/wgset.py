#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Configures a WireGuard device with one peer, for the benchmark.

  wgset.py IFNAME PRIVATE-KEY-FILE LISTEN-PORT PEER-PUBLIC-KEY-FILE \\
           ENDPOINT-IPV4:PORT CIDR[,CIDR]...

The benchmark compares ptun with the kernel's WireGuard, but the `wg`
tool (wireguard-tools) is not among the packages ptun needs, and
iproute2 cannot set WireGuard keys. This sends the one request `wg set`
would, WG_CMD_SET_DEVICE of the "wireguard" generic netlink family
(<linux/wireguard.h>), built by hand. Keys are base64 X25519 keys as
`ptun genkey` and `ptun pubkey` print them: the same format. Only what
the benchmark needs: one peer, an IPv4 endpoint, IPv4 allowed IPs.
Exits 0 if the kernel accepted the request, 1 with its error otherwise.
"""

import base64
import ipaddress
import os
import socket
import struct
import sys

# The attribute encoding is the selftests' raw netlink client's
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from nlraw import attr, attrs  # noqa: E402

NETLINK_GENERIC = 16
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2
NLA_F_NESTED = 0x8000
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2

# <linux/wireguard.h>
WG_CMD_SET_DEVICE = 1
WGDEVICE_A_IFNAME = 2
WGDEVICE_A_PRIVATE_KEY = 3
WGDEVICE_A_FLAGS = 5
WGDEVICE_A_LISTEN_PORT = 6
WGDEVICE_A_PEERS = 8
WGDEVICE_F_REPLACE_PEERS = 1
WGPEER_A_PUBLIC_KEY = 1
WGPEER_A_FLAGS = 3
WGPEER_A_ENDPOINT = 4
WGPEER_A_ALLOWEDIPS = 9
WGPEER_F_REPLACE_ALLOWEDIPS = 2
WGALLOWEDIP_A_FAMILY = 1
WGALLOWEDIP_A_IPADDR = 2
WGALLOWEDIP_A_CIDR_MASK = 3


def nest(kind, items):
    return attr(kind | NLA_F_NESTED, b"".join(items))


def transact(sock, family, cmd, payload, seq):
    """Sends one request, returns (errno, the reply messages before it)"""
    body = struct.pack("=BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("=IHHII", 16 + len(body), family,
                          NLM_F_REQUEST | NLM_F_ACK, seq, os.getpid()) + body)
    replies = []
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if kind == NLMSG_ERROR:
                return -struct.unpack_from("=i", data, off + 16)[0], replies
            replies.append(data[off:off + length])
            off += (length + 3) & ~3


def read_key(path):
    with open(path, encoding="ascii") as f:
        key = base64.b64decode(f.read().strip(), validate=True)
    if len(key) != 32:
        raise SystemExit(f"wgset: {path}: not a 32-byte key")
    return key


def request(ifname, private_key, port, peer_key, endpoint, cidrs):
    host, _, ep_port = endpoint.rpartition(":")
    # struct sockaddr_in: the family in host order, port and address in
    # network order, 8 bytes of zeros
    sin = struct.pack("=H", socket.AF_INET) + struct.pack(
        "!H", int(ep_port)) + socket.inet_aton(host) + b"\0" * 8
    allowed = []
    for cidr in cidrs.split(","):
        net = ipaddress.IPv4Network(cidr)
        allowed.append(nest(0, [
            attr(WGALLOWEDIP_A_FAMILY, struct.pack("=H", socket.AF_INET)),
            attr(WGALLOWEDIP_A_IPADDR, net.network_address.packed),
            attr(WGALLOWEDIP_A_CIDR_MASK, struct.pack("=B", net.prefixlen)),
        ]))
    peer = nest(0, [
        attr(WGPEER_A_PUBLIC_KEY, peer_key),
        attr(WGPEER_A_FLAGS, struct.pack("=I", WGPEER_F_REPLACE_ALLOWEDIPS)),
        attr(WGPEER_A_ENDPOINT, sin),
        nest(WGPEER_A_ALLOWEDIPS, allowed),
    ])
    return b"".join([
        attr(WGDEVICE_A_IFNAME, ifname.encode() + b"\0"),
        attr(WGDEVICE_A_FLAGS, struct.pack("=I", WGDEVICE_F_REPLACE_PEERS)),
        attr(WGDEVICE_A_PRIVATE_KEY, private_key),
        attr(WGDEVICE_A_LISTEN_PORT, struct.pack("=H", port)),
        nest(WGDEVICE_A_PEERS, [peer]),
    ])


def main(argv):
    if len(argv) != 7:
        sys.stderr.write(__doc__)
        return 2
    payload = request(argv[1], read_key(argv[2]), int(argv[3]),
                      read_key(argv[4]), argv[5], argv[6])
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    err, replies = transact(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                            attr(CTRL_ATTR_FAMILY_NAME, b"wireguard\0"), 1)
    family = None
    for msg in replies:
        for kind, val in attrs(msg[20:]):
            if kind == CTRL_ATTR_FAMILY_ID:
                family = struct.unpack_from("=H", val)[0]
    if err or family is None:
        sys.stderr.write(f"wgset: no wireguard netlink family: "
                         f"{os.strerror(err or 2)}\n")
        return 1
    err, _ = transact(sock, family, WG_CMD_SET_DEVICE, payload, 2)
    if err:
        sys.stderr.write(f"wgset: {argv[1]}: {os.strerror(err)}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
