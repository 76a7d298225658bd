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
  wire.py send [--from ADDR] [--repeat N --rate PPS] HOST PORT HEX [HEX...]
      Sends each HEX as one UDP datagram to HOST PORT from an ephemeral
      port (bound to ADDR if given), and prints that port. --repeat
      sends the list N times, PPS datagrams a second.
  wire.py edit HEX OFFSET HEXBYTES
      HEX with the bytes at OFFSET replaced by HEXBYTES (for forgeries)
  wire.py flip HEX OFFSET
      HEX with every bit of the byte at OFFSET inverted
  wire.py mac1 PUBKEY HEX [HEX...]
      For each handshake message HEX (type 1 or 2, its macs included), one
      line: the mac1 it must carry to be accepted by the holder of PUBKEY
      (base64), MAC16(HASH(LABEL_MAC1 || PUBKEY), everything before mac1),
      MAC16 as the module computes it: keyed BLAKE2s with a 16-byte digest
  wire.py flood [OPTIONS] HOST PORT PUBKEY COUNT
      Sends COUNT handshake initiations to HOST PORT whose mac1 is right
      for PUBKEY (the receiver's public key, base64) and whose other
      fields are random, so that they pass the mac1 screen and fail only
      after the Diffie-Hellman work; each has a sender index of its own
      (1, 2, ...). Then reads whatever comes back until nothing did for
      --quiet seconds. Options:
        --from ADDR     the first source address (default: any)
        --sources N     round robin over N sources, ADDR, ADDR + 1, ...,
                        each a socket of its own (default 1)
        --heavy ADDR:N  then N more initiations from ADDR, back to back
        --heavy-port P  from port P of ADDR (default: any), so that a
                        cookie it got holds for another run
        --mac2 COOKIE:N the first N of them carry a mac2 made with
                        COOKIE (hex), MAC16(COOKIE, everything before
                        mac2)
        --bad-mac1      a random mac1 instead
        --seconds S     stop sending after S seconds, even before COUNT
        --rate PPS      at most PPS initiations a second (default: as
                        fast as the socket takes them)
        --quiet S       default 2
      Prints one "KEY VALUE" line each:
        sent N            initiations sent
        elapsed S         seconds from the first one sent to the last
                          reply received
        replies N         datagrams received, of any kind
        cookies N         cookie replies: 64 bytes of type 3 whose
                          receiver index is the sender index of an
                          initiation sent from the socket they reached
        cookie-stray N    replies that are no such cookie reply
        cookie-sources N  sources that got a cookie reply
        cookie-max N      the most cookie replies one source got
        heavy-sent N      initiations sent from the --heavy source
        heavy-cookies N   cookie replies it got
        heavy-cookie HEX  the cookie in the first of them, or "-"
        heavy-mac2-sent N initiations of it that carried mac2
        heavy-mac2-cookies N  cookie replies that answered one of those
        cookie-opened N   cookie replies opened to check them: the first
                          of up to 8 sources, and a second one of one of
                          them; the cookie is sealed with XChaCha20-
                          Poly1305 under HASH(LABEL_COOKIE || PUBKEY),
                          with the answered message's mac1 as AD
        cookie-bad N      how many of those did not open
        cookie-same N     1 if that source's two replies held the same
                          cookie, 0 if not, "-" if no source got two
        cookie-distinct N 1 if the sources' first cookies all differ
  wire.py hold HOST PORT PUBKEY BURST AFTER [AFTER...]
      Sends BURST initiations as "flood" does, back to back from one
      socket, then from another socket one more initiation AFTER seconds
      after the last of the burst (for each AFTER), without mac2, and
      waits 0.5 s for a cookie reply to it. Prints "burst-cookies N", the
      cookie replies to the burst, then per AFTER "probe AFTER 1" if the
      probe got a cookie reply, "probe AFTER 0" if not.
"""

import binascii
import errno
import ipaddress
import os
import select
import socket
import struct
import sys
import time

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


def pace(start, n, rate):
    """Sleeps until the n-th of a series sent at rate a second is due."""
    if rate:
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def cmd_send(args):
    src, repeat, rate = None, 1, 0.0
    while args and args[0] in ('--from', '--repeat', '--rate'):
        if args[0] == '--from':
            src = args[1]
        elif args[0] == '--repeat':
            repeat = int(args[1])
        else:
            rate = float(args[1])
        args = args[2:]
    host, port, payloads = args[0], int(args[1]), args[2:]
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.bind((src or '', 0))
        start, n = time.monotonic(), 0
        for _ in range(repeat):
            for p in payloads:
                pace(start, n, rate)
                s.sendto(bytes.fromhex(p), (host, port))
                n += 1
        print(s.getsockname()[1])


def cmd_edit(hexstr, offset, new):
    b = bytearray.fromhex(hexstr)
    n = bytes.fromhex(new)
    b[offset:offset + len(n)] = n
    print(b.hex())


LABEL_MAC1 = b'ptun/1 mac1'
LABEL_COOKIE = b'ptun/1 cookie'
INITIATION_SIZE = 148
COOKIE_SIZE = 64


def blake2s(data, digest_size=32, key=b''):
    # Here rather than at the top: loading OpenSSL costs the commands
    # that do not need it a second in a TCG guest.
    import hashlib  # pylint: disable=import-outside-toplevel
    return hashlib.blake2s(data, digest_size=digest_size, key=key).digest()


def blake2s_hash(*parts):
    """HASH(a || b || ...): unkeyed BLAKE2s-256."""
    return blake2s(b''.join(parts))


def mac16(key, data):
    """MAC16 as kmod/cookie.c and noise.c compute it: keyed BLAKE2s with a
    16-byte digest (not the first half of a 32-byte one)."""
    return blake2s(data, 16, key)


def pubkey(b64):
    key = binascii.a2b_base64(b64)
    if len(key) != 32:
        raise SystemExit(f'not a 32-byte key: {b64}')
    return key


def mac1_of(pub, msg):
    return mac16(blake2s_hash(LABEL_MAC1, pub), msg[:len(msg) - 32])


# ChaCha20-Poly1305 (RFC 8439) and XChaCha20, just enough to open a cookie
# reply; slow, but it only ever opens a few.

def _rotl(v, n):
    return ((v << n) & 0xffffffff) | (v >> (32 - n))


def _chacha_rounds(state):
    x = list(state)
    for _ in range(10):
        for a, b, c, d in ((0, 4, 8, 12), (1, 5, 9, 13), (2, 6, 10, 14),
                           (3, 7, 11, 15), (0, 5, 10, 15), (1, 6, 11, 12),
                           (2, 7, 8, 13), (3, 4, 9, 14)):
            x[a] = (x[a] + x[b]) & 0xffffffff
            x[d] = _rotl(x[d] ^ x[a], 16)
            x[c] = (x[c] + x[d]) & 0xffffffff
            x[b] = _rotl(x[b] ^ x[c], 12)
            x[a] = (x[a] + x[b]) & 0xffffffff
            x[d] = _rotl(x[d] ^ x[a], 8)
            x[c] = (x[c] + x[d]) & 0xffffffff
            x[b] = _rotl(x[b] ^ x[c], 7)
    return x


_SIGMA = struct.unpack('<4I', b'expand 32-byte k')


def _chacha_block(key, counter, nonce12):
    state = (list(_SIGMA) + list(struct.unpack('<8I', key)) + [counter] +
             list(struct.unpack('<3I', nonce12)))
    x = _chacha_rounds(state)
    return struct.pack('<16I', *((a + b) & 0xffffffff
                                 for a, b in zip(x, state)))


def _hchacha20(key, nonce16):
    state = (list(_SIGMA) + list(struct.unpack('<8I', key)) +
             list(struct.unpack('<4I', nonce16)))
    x = _chacha_rounds(state)
    return struct.pack('<8I', *(x[0:4] + x[12:16]))


def _poly1305(key, data):
    r = int.from_bytes(key[:16], 'little') & \
        0x0ffffffc0ffffffc0ffffffc0fffffff
    s = int.from_bytes(key[16:], 'little')
    p = (1 << 130) - 5
    acc = 0
    for i in range(0, len(data), 16):
        block = data[i:i + 16] + b'\x01'
        acc = (acc + int.from_bytes(block, 'little')) * r % p
    return ((acc + s) & ((1 << 128) - 1)).to_bytes(16, 'little')


def _pad16(b):
    return b'\0' * (-len(b) % 16)


def xchacha20poly1305_open(key, nonce24, sealed, ad):
    """The plaintext of sealed (ciphertext and tag), or None."""
    subkey = _hchacha20(key, nonce24[:16])
    nonce12 = b'\0' * 4 + nonce24[16:]
    ct, tag = sealed[:-16], sealed[-16:]
    otk = _chacha_block(subkey, 0, nonce12)[:32]
    mac = _poly1305(otk, ad + _pad16(ad) + ct + _pad16(ct) +
                    struct.pack('<QQ', len(ad), len(ct)))
    if mac != tag:
        return None
    stream = b''.join(_chacha_block(subkey, 1 + i, nonce12)
                      for i in range((len(ct) + 63) // 64))
    return bytes(a ^ b for a, b in zip(ct, stream))


class Source:
    """One flooding address: its socket and the messages it sent."""

    def __init__(self, family, addr, dst, port=0):
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((addr or '', port))
        self.sock.setblocking(False)
        self.dst = dst
        self.mac1 = {}		# sender index -> mac1 of that message
        self.cookies = []	# replies that answer one of our messages
        self.sent = 0


def flood_message(mac1_key, index, good_mac1, cookie):
    msg = bytearray(os.urandom(INITIATION_SIZE))
    msg[0:4] = b'\x01\x01\x00\x00'
    msg[4:8] = struct.pack('<I', index)
    if good_mac1:
        msg[116:132] = mac16(mac1_key, bytes(msg[:116]))
    msg[132:148] = mac16(cookie, bytes(msg[:132])) if cookie else bytes(16)
    return bytes(msg)


def flood_options(args):
    opts = {'first': None, 'sources': 1, 'heavy': None, 'heavy_port': 0,
            'mac2': None, 'good_mac1': True, 'quiet': 2.0, 'seconds': None,
            'rate': 0.0}
    while args and args[0].startswith('--'):
        opt = args.pop(0)
        if opt == '--from':
            opts['first'] = args.pop(0)
        elif opt == '--sources':
            opts['sources'] = int(args.pop(0))
        elif opt == '--heavy':
            addr, n = args.pop(0).rsplit(':', 1)
            opts['heavy'] = (addr, int(n))
        elif opt == '--heavy-port':
            opts['heavy_port'] = int(args.pop(0))
        elif opt == '--mac2':
            cookie, n = args.pop(0).split(':')
            opts['mac2'] = (bytes.fromhex(cookie), int(n))
        elif opt == '--bad-mac1':
            opts['good_mac1'] = False
        elif opt == '--quiet':
            opts['quiet'] = float(args.pop(0))
        elif opt == '--seconds':
            opts['seconds'] = float(args.pop(0))
        elif opt == '--rate':
            opts['rate'] = float(args.pop(0))
        else:
            raise SystemExit(__doc__)
    if len(args) != 4:
        raise SystemExit(__doc__)
    return opts, args


def cmd_flood(args):
    # pylint: disable=too-many-locals,too-many-branches,too-many-statements
    opts, args = flood_options(args)
    dst = (args[0], int(args[1]))
    pub, count = pubkey(args[2]), int(args[3])
    family = socket.AF_INET6 if ':' in dst[0] else socket.AF_INET
    mac1_key = blake2s_hash(LABEL_MAC1, pub)

    first = opts['first']
    sources = [Source(family, first and
                      str(ipaddress.ip_address(first) + i), dst)
               for i in range(opts['sources'])]
    order = [sources[i % len(sources)] for i in range(count)]
    heavy = None
    if opts['heavy']:
        # After all the others, not among them: sources share the rate
        # limiter's slots, and a slot that changes hands starts over.
        heavy = Source(family, opts['heavy'][0], dst, opts['heavy_port'])
        sources.append(heavy)
        order += [heavy] * opts['heavy'][1]
    by_fd = {s.sock.fileno(): s for s in sources}
    poll = select.poll()
    for s in sources:
        poll.register(s.sock, select.POLLIN)
    stray = replies = 0
    with_mac2 = set()

    def drain(timeout_ms):
        """Reads what came back; True if anything did."""
        nonlocal stray, replies
        got = False
        for fd, _ in poll.poll(timeout_ms):
            s = by_fd[fd]
            while True:
                try:
                    data = s.sock.recv(65536)
                except BlockingIOError:
                    break
                got = True
                replies += 1
                index = struct.unpack('<I', data[4:8])[0] \
                    if len(data) >= 8 else None
                if (len(data) == COOKIE_SIZE and
                        data[:4] == b'\x03\0\0\0' and index in s.mac1):
                    s.cookies.append(data)
                else:
                    stray += 1
        return got

    start = last = time.monotonic()
    sent = 0
    for s in order:
        if opts['seconds'] and time.monotonic() - start > opts['seconds']:
            break
        pace(start, sent, opts['rate'])
        sent += 1
        cookie = None
        if s is heavy and opts['mac2'] and s.sent < opts['mac2'][1]:
            cookie = opts['mac2'][0]
            with_mac2.add(sent)
        msg = flood_message(mac1_key, sent, opts['good_mac1'], cookie)
        s.mac1[sent] = msg[116:132]
        while True:
            try:
                s.sock.sendto(msg, s.dst)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.ENOBUFS):
                    raise
                drain(10)
        s.sent += 1
        if sent % 32 == 0 and drain(0):
            last = time.monotonic()
    while True:
        if drain(int(opts['quiet'] * 1000)):
            last = time.monotonic()
        elif time.monotonic() - last >= opts['quiet']:
            break

    cookie_key = blake2s_hash(LABEL_COOKIE, pub)

    def index_of(reply):
        return struct.unpack('<I', reply[4:8])[0]

    def open_cookie(s, reply):
        return xchacha20poly1305_open(cookie_key, reply[8:32], reply[32:64],
                                      s.mac1[index_of(reply)])

    got = [s for s in sources if s.cookies]
    firsts = [open_cookie(s, s.cookies[0]) for s in got[:8]]
    opened = list(firsts)
    same = '-'
    two = [s for s in got if len(s.cookies) >= 2]
    if two:
        earlier, again = (open_cookie(two[0], r) for r in two[0].cookies[:2])
        opened.append(again)
        same = int(again is not None and again == earlier)
    firsts = [c for c in firsts if c is not None]
    print('sent', sent)
    print('elapsed', f'{last - start:.2f}')
    print('replies', replies)
    print('cookies', sum(len(s.cookies) for s in sources))
    print('cookie-stray', stray)
    print('cookie-sources', len(got))
    print('cookie-max', max(len(s.cookies) for s in sources))
    if heavy:
        print('heavy-sent', heavy.sent)
        print('heavy-cookies', len(heavy.cookies))
        cookie = heavy.cookies and open_cookie(heavy, heavy.cookies[0])
        print('heavy-cookie', cookie.hex() if cookie else '-')
        print('heavy-mac2-sent', len(with_mac2))
        print('heavy-mac2-cookies',
              sum(index_of(r) in with_mac2 for r in heavy.cookies))
    print('cookie-opened', len(opened))
    print('cookie-bad', sum(c is None for c in opened))
    print('cookie-same', same)
    print('cookie-distinct', int(len(set(firsts)) == len(firsts)))


def cookie_reply_to(data, index):
    """Whether data is a cookie reply naming sender index index."""
    return (len(data) == COOKIE_SIZE and data[:4] == b'\x03\0\0\0' and
            struct.unpack('<I', data[4:8])[0] == index)


def cmd_hold(args):
    dst = (args[0], int(args[1]))
    pub, burst = pubkey(args[2]), int(args[3])
    afters = [float(a) for a in args[4:]]
    family = socket.AF_INET6 if ':' in dst[0] else socket.AF_INET
    mac1_key = blake2s_hash(LABEL_MAC1, pub)
    loader = Source(family, None, dst)
    probe = Source(family, None, dst)
    for i in range(1, burst + 1):
        loader.sock.sendto(flood_message(mac1_key, i, True, None), dst)
    end = time.monotonic()
    got = []
    for n, after in enumerate(afters):
        index = 0x10000 + n
        delay = end + after - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        probe.sock.sendto(flood_message(mac1_key, index, True, None), dst)
        deadline = time.monotonic() + 0.5
        hit = 0
        while not hit and time.monotonic() < deadline:
            ready = select.select([probe.sock], [], [],
                                  max(deadline - time.monotonic(), 0))[0]
            if not ready:
                break
            hit = int(cookie_reply_to(probe.sock.recv(65536), index))
        got.append((after, hit))
    cookies = 0
    while True:
        try:
            data = loader.sock.recv(65536)
        except BlockingIOError:
            break
        cookies += any(cookie_reply_to(data, i) for i in range(1, burst + 1))
    print('burst-cookies', cookies)
    for after, hit in got:
        print('probe', after, hit)


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
    elif cmd == 'mac1':
        for msg in args[1:]:
            print(mac1_of(pubkey(args[0]), bytes.fromhex(msg)).hex())
    elif cmd == 'flood':
        cmd_flood(args)
    elif cmd == 'hold':
        cmd_hold(args)
    elif cmd == 'flip':
        b = bytearray.fromhex(args[0])
        b[int(args[1])] ^= 0xff
        print(b.hex())
    else:
        raise SystemExit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
