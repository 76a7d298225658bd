#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Outer packets for the ptun selftests, without scapy.

  wire.py udp FILE.pcap
      One line per UDP datagram of the capture (Ethernet, raw IP or Linux
      cooked link types; IPv4 or IPv6 without extension headers):
          SRC SPORT DST DPORT PAYLOAD-HEX
  wire.py ip FILE.pcap
      One line per packet: "4", "6" or "other", then the IP protocol number
      (for the capture of a tunnel device: what it carried)
  wire.py send [--from ADDR] HOST PORT HEX [HEX...]
      Sends each HEX as one UDP datagram to HOST PORT from an ephemeral
      port (bound to ADDR if given), and prints that port.
  wire.py edit HEX OFFSET HEXBYTES
      HEX with the bytes at OFFSET replaced by HEXBYTES (for forgeries)
  wire.py flip HEX OFFSET
      HEX with every bit of the byte at OFFSET inverted
"""

import ipaddress
import socket
import struct
import sys

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = (12, 101)
LINKTYPE_LINUX_SLL = 113


def records(path):
    """Yields (link type, frame) for each record of a pcap file."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        endian = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        endian = '>'
    else:
        raise SystemExit(f'{path}: not a pcap file')
    linktype = struct.unpack(endian + 'I', data[20:24])[0] & 0xffff
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
        yield linktype, data[off + 16:off + 16 + caplen]
        off += 16 + caplen


def ip_packet(linktype, frame):
    """The IP packet inside a frame, or None."""
    if linktype == LINKTYPE_ETHERNET:
        off, ethertype = 14, frame[12:14]
        # 802.1Q tags do not occur on our veths, but skip one anyway.
        if ethertype == b'\x81\x00':
            off, ethertype = 18, frame[16:18]
        if ethertype not in (b'\x08\x00', b'\x86\xdd'):
            return None
        return frame[off:]
    if linktype == LINKTYPE_LINUX_SLL:
        return frame[16:]
    if linktype in LINKTYPE_RAW:
        return frame
    return None


def transport(pkt):
    """(version, proto, src, dst, payload) of an IP packet, or None."""
    if not pkt:
        return None
    version = pkt[0] >> 4
    if version == 4 and len(pkt) >= 20:
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack('!H', pkt[2:4])[0]
        return (4, pkt[9], ipaddress.ip_address(pkt[12:16]),
                ipaddress.ip_address(pkt[16:20]), pkt[ihl:total])
    if version == 6 and len(pkt) >= 40:
        plen = struct.unpack('!H', pkt[4:6])[0]
        return (6, pkt[6], ipaddress.ip_address(pkt[8:24]),
                ipaddress.ip_address(pkt[24:40]), pkt[40:40 + plen])
    return None


def cmd_udp(path):
    for linktype, frame in records(path):
        t = transport(ip_packet(linktype, frame))
        if not t or t[1] != 17 or len(t[4]) < 8:
            continue
        sport, dport, length = struct.unpack('!HHH', t[4][:6])
        payload = t[4][8:length]
        print(t[2], sport, t[3], dport, payload.hex() or '-')


def cmd_ip(path):
    for linktype, frame in records(path):
        t = transport(ip_packet(linktype, frame))
        print(f'{t[0]} {t[1]}' if t else 'other')


def cmd_send(args):
    src = None
    if args[0] == '--from':
        src, args = args[1], args[2:]
    host, port, payloads = args[0], int(args[1]), args[2:]
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((src or '', 0))
        for p in payloads:
            s.sendto(bytes.fromhex(p), (host, port))
        print(s.getsockname()[1])


def cmd_edit(hexstr, offset, new):
    b = bytearray.fromhex(hexstr)
    n = bytes.fromhex(new)
    b[offset:offset + len(n)] = n
    print(b.hex())


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == 'udp':
        cmd_udp(args[0])
    elif cmd == 'ip':
        cmd_ip(args[0])
    elif cmd == 'send':
        cmd_send(args)
    elif cmd == 'edit':
        cmd_edit(args[0], int(args[1]), args[2])
    elif cmd == 'flip':
        b = bytearray.fromhex(args[0])
        b[int(args[1])] ^= 0xff
        print(b.hex())
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
