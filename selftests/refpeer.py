#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A second implementation of docs/PROTOCOL.md, for the selftests.

Written from the specification alone (not from kmod/), in Python with the
standard library and python3-cryptography (Debian bookworm's version 38),
so that where the module and the document disagree, a test notices.

  refpeer.py respond --key FILE --peer PUB [OPTIONS]
      Listens on UDP (--listen [ADDR:]PORT, default 51820), answers up to
      --count initiations (default 1), then decrypts the data messages of
      the sessions it made, prints a summary of each inner packet, and
      answers inner IPv4 ICMP echo requests with echo replies. Every line
      it prints starts with "[PORT] ", the port it concerns.
        --also PORT:CIPHER[:PSK-FILE[:RESPONSE-CIPHER]]  one more port,
                             with a configuration of its own (repeatable;
                             one process loads Python and OpenSSL once)
        --response-cipher N  announce cipher byte N in the response,
                             whatever the initiation asked for (the
                             response is otherwise valid)
        --no-echo            do not answer echo requests
        --timeout S          exit after S seconds (default 60)
  refpeer.py initiate --key FILE --peer PUB --endpoint HOST:PORT [OPTIONS]
      Sends an initiation, consumes the response, then sends --pings inner
      ICMP echo requests (--ping SRC DST) and waits for their replies.
        --listen [ADDR:]PORT  the local port (default: any)
        --bad-data flip|replay|both  after the pings, a data message with a
                             flipped ciphertext byte (a counter never used)
                             and/or a replay of the first data message
        --window-edge        after the pings, echo requests under counter
                             N + 8192 (N the next), then N and N + 1, 8192
                             and 8191 below the highest; prints
                             "window-edge below=B reply=yes|no" for each
        --mismatch-first N   first an initiation with cipher byte N, then
                             --drop-wait seconds for anything to come back;
                             prints "mismatch-first cipher=N answered=yes|no"
        --rekey              after that, a second handshake: prints
                             "rekey ping-under=new|old reply=yes|no
                             reply-under=new|old|none ..." for an echo
                             request under each session
        --replay-initiation  then the first answered initiation again
        --stale-initiation   then one whose timestamp equals the greatest
                             the peer accepted
        --flipped-initiation then a fresh one with a bit of its sealed
                             static key flipped and mac1 made right;
                             each prints "WHAT answered=yes|no" (a
                             response or cookie reply within --drop-wait)
        --reply-wait S       how long to wait for each reply (default 5)
        --drop-wait S        how long to wait for the answer to what should
                             get none (default 2)
        --timeout S          exit after S seconds (default 20)
      Exit status 0 if the handshake completed and every ping came back.
  refpeer.py cookie-cross --key FILE --peer PUB --endpoint HOST:PORT
                          [--listen [ADDR:]PORT] [--timeout S]
      For a peer under load (it demands mac2 of every message): waits for
      its initiation, answers nothing yet; gets a cookie from it (an
      initiation of ours without mac2, the cookie reply), has it answer a
      second initiation of ours that carries mac2 (so it sends a
      response), and only then sends the cookie reply to its initiation.
      Prints "cookie-cross listening" once bound, then
      "cookie-cross response=yes|no mac2=yes|no": whether the
      response came, and whether one of the peer's initiations of the
      next 5 s carried the mac2 our cookie makes (it took the late cookie
      reply).
  refpeer.py decode --key FILE --peer PUB HEX...
      Opens captured initiations as their responder (private key FILE)
      expecting the initiator PUB, and prints for each one line of
      KEY=VALUE: mac1, static (ok or the key found), cipher, sender,
      sec, nsec, and nsec-granule (nsec % 2^24 == 0: yes/no).
      Exit status 1 if any did not open.

Common options: --key FILE (base64 private key, as "ptun genkey" writes),
--peer PUB (the peer's public key: base64, or a file holding it),
--psk FILE (base64 preshared key), --cipher aes-256-gcm|chacha20-poly1305
(default aes-256-gcm; 1 and 2 work too).

Readings of docs/PROTOCOL.md this file chose where the text left a choice
(what kmod/ does instead is noted where it differs):
  - KDF: HKDF's structure with keyed BLAKE2s (not HMAC) as the PRF, the
    counter i one byte; msg[a..b] is bytes a to b - 1.
  - Timestamp: Unix seconds; as initiator, nanoseconds rounded down to a
    multiple of 2^24 (--precise-stamp: not).
  - Initiator: a response whose (authenticated) cipher byte differs from
    the initiation's is refused, after authentication.
  - Responder: the greatest timestamp is recorded before the cipher byte
    is looked at (kmod/ records it only once the cipher matched).
  - Replay window: a counter more than 8192 below the highest is refused,
    one exactly 8192 below accepted, as written (kmod/ refuses it).
  - Padding is not checked to be zero; the plaintext is cut to its IP
    header's length.

Output: one line per event, words and KEY=VALUE pairs, flushed at once
(respond puts "[PORT] " in front of each):
  initiation from|to A:P sender=X cipher=N sec=S nsec=NS
  response to|from A:P sender=X receiver=Y cipher=N
  data from A:P receiver=X counter=N len=L: SUMMARY
  keepalive from A:P receiver=X counter=N
  sent counter=N: SUMMARY
  drop type=T from A:P reason=WHY
"""

import argparse
import base64
import hashlib
import ipaddress
import os
import select
import socket
import struct
import sys
import time

# Loaded lazily: the TCG guests take a second to load OpenSSL, and the
# usage text should not need it.
X25519PrivateKey = X25519PublicKey = ChaCha20Poly1305 = AESGCM = None
InvalidTag = None
Encoding = PublicFormat = None


def load_crypto():
    # pylint: disable=global-statement,import-outside-toplevel
    global X25519PrivateKey, X25519PublicKey, ChaCha20Poly1305, AESGCM
    global InvalidTag, Encoding, PublicFormat
    from cryptography.hazmat.primitives.asymmetric.x25519 import (
        X25519PrivateKey, X25519PublicKey)
    from cryptography.hazmat.primitives.ciphers.aead import (
        ChaCha20Poly1305, AESGCM)
    from cryptography.hazmat.primitives.serialization import (
        Encoding, PublicFormat)
    from cryptography.exceptions import InvalidTag


# --- 1. Building blocks ---------------------------------------------------

CONSTRUCTION = b'ptun/1 Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s'
IDENTIFIER = b'ptun/1 point-to-point tunnel'
LABEL_MAC1 = b'ptun/1 mac1'
LABEL_COOKIE = b'ptun/1 cookie'

CIPHER_AES256GCM = 1
CIPHER_CHACHA20POLY1305 = 2
CIPHER_NAMES = {'aes-256-gcm': CIPHER_AES256GCM,
                'chacha20-poly1305': CIPHER_CHACHA20POLY1305}

MSG_INITIATION, MSG_RESPONSE, MSG_COOKIE, MSG_DATA = 1, 2, 3, 4
INITIATION_SIZE, RESPONSE_SIZE, COOKIE_SIZE, DATA_MIN = 148, 92, 64, 32

REPLAY_WINDOW = 8192
REJECT_AFTER_MESSAGES = 2**64 - 2**13 - 1
STAMP_GRANULE = 1 << 24


class Refused(Exception):
    """A message the protocol says to drop; the text is the reason."""


def HASH(*parts):
    return hashlib.blake2s(b''.join(parts)).digest()


def MAC(k, x):
    return hashlib.blake2s(x, key=k).digest()


def MAC16(k, x):
    # digest length 16 in the parameter block, not MAC()[:16]
    return hashlib.blake2s(x, digest_size=16, key=k).digest()


def KDF(n, ck, ikm):
    """KDFn: T1..Tn of HKDF with keyed BLAKE2s as the PRF."""
    prk = MAC(ck, ikm)
    out, t = [], b''
    for i in range(1, n + 1):
        t = MAC(prk, t + bytes([i]))
        out.append(t)
    return out


def KDF1(ck, ikm):
    return KDF(1, ck, ikm)[0]


def nonce(n):
    return b'\0\0\0\0' + struct.pack('<Q', n)


def SEAL(k, n, p, ad):
    return ChaCha20Poly1305(k).encrypt(nonce(n), p, ad)


def OPEN(k, n, c, ad, what):
    try:
        return ChaCha20Poly1305(k).decrypt(nonce(n), c, ad)
    except InvalidTag:
        raise Refused(f'{what}-seal') from None


def data_aead(cipher, key):
    if cipher == CIPHER_AES256GCM:
        return AESGCM(key)
    if cipher == CIPHER_CHACHA20POLY1305:
        return ChaCha20Poly1305(key)
    raise Refused(f'unknown-cipher-{cipher}')


def DH(priv, pub):
    try:
        out = priv.exchange(X25519PublicKey.from_public_bytes(pub))
    except ValueError:
        # OpenSSL refuses an all-zero result itself
        raise Refused('dh-zero') from None
    if out == bytes(32):
        raise Refused('dh-zero')
    return out


def pub_bytes(priv):
    return priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def keypair():
    priv = X25519PrivateKey.generate()
    return priv, pub_bytes(priv)


C0 = HASH(CONSTRUCTION)
H0 = HASH(C0, IDENTIFIER)


def mac1_key(pub):
    return HASH(LABEL_MAC1, pub)


def header(mtype, byte1=0):
    return bytes([mtype, byte1, 0, 0])


# --- 2.1 Handshake initiation --------------------------------------------

class Handshake:
    """The C, H and ephemeral state of one handshake, either side."""
    # pylint: disable=too-few-public-methods,too-many-instance-attributes

    def __init__(self):
        self.c = self.h = None
        self.e_priv = self.e_pub = None		# our ephemeral
        self.ei_pub = None			# the initiator's ephemeral
        self.si_pub = None			# the initiator's static
        self.sender = None			# the initiation's sender index
        self.cipher = None			# the initiation's cipher byte
        self.stamp = None


def stamp_now(precise=False):
    ns = time.time_ns()
    sec, nsec = divmod(ns, 10**9)
    if not precise:
        nsec -= nsec % STAMP_GRANULE
    return struct.pack('>QI', sec, nsec)


def initiation_create(s_priv, sr_pub, cipher, sender, stamp):
    hs = Handshake()
    msg = bytearray(INITIATION_SIZE)
    msg[0:4] = header(MSG_INITIATION, cipher)
    msg[4:8] = struct.pack('<I', sender)
    c = C0
    h = HASH(H0, sr_pub)
    h = HASH(h, msg[0:4])
    hs.e_priv, hs.e_pub = keypair()
    msg[8:40] = hs.e_pub
    c = KDF1(c, hs.e_pub)
    h = HASH(h, hs.e_pub)
    c, k = KDF(2, c, DH(hs.e_priv, sr_pub))
    static = SEAL(k, 0, pub_bytes(s_priv), h)
    msg[40:88] = static
    h = HASH(h, static)
    c, k = KDF(2, c, DH(s_priv, sr_pub))
    sealed = SEAL(k, 0, stamp, h)
    msg[88:116] = sealed
    h = HASH(h, sealed)
    msg[116:132] = MAC16(mac1_key(sr_pub), bytes(msg[0:116]))
    # mac2: we never hold a cookie, so 16 zero bytes
    hs.c, hs.h, hs.sender, hs.cipher, hs.stamp = c, h, sender, cipher, stamp
    return bytes(msg), hs


def initiation_consume(sr_priv, msg):
    """R's side: the handshake state, or Refused. Checks mac1 and the
    seals; the caller checks the static key, timestamp and cipher."""
    if len(msg) != INITIATION_SIZE or msg[0] != MSG_INITIATION or \
            msg[2:4] != b'\0\0':
        raise Refused('malformed')
    sr_pub = pub_bytes(sr_priv)
    if MAC16(mac1_key(sr_pub), msg[0:116]) != msg[116:132]:
        raise Refused('mac1')
    hs = Handshake()
    hs.cipher = msg[1]
    hs.sender = struct.unpack('<I', msg[4:8])[0]
    hs.ei_pub = msg[8:40]
    c = C0
    h = HASH(H0, sr_pub)
    h = HASH(h, msg[0:4])
    c = KDF1(c, hs.ei_pub)
    h = HASH(h, hs.ei_pub)
    c, k = KDF(2, c, DH(sr_priv, hs.ei_pub))
    hs.si_pub = OPEN(k, 0, msg[40:88], h, 'static')
    h = HASH(h, msg[40:88])
    c, k = KDF(2, c, DH(sr_priv, hs.si_pub))
    hs.stamp = OPEN(k, 0, msg[88:116], h, 'timestamp')
    h = HASH(h, msg[88:116])
    hs.c, hs.h = c, h
    return hs


# --- 2.2 Handshake response ----------------------------------------------

def response_create(hs, psk, cipher_byte, sender):
    """R's response to the initiation hs; returns (msg, T1, T2)."""
    msg = bytearray(RESPONSE_SIZE)
    msg[0:4] = header(MSG_RESPONSE, cipher_byte)
    msg[4:8] = struct.pack('<I', sender)
    msg[8:12] = struct.pack('<I', hs.sender)
    h = HASH(hs.h, msg[0:4])
    er_priv, er_pub = keypair()
    msg[12:44] = er_pub
    c = KDF1(hs.c, er_pub)
    h = HASH(h, er_pub)
    c = KDF1(c, DH(er_priv, hs.ei_pub))
    c = KDF1(c, DH(er_priv, hs.si_pub))
    c, t, k = KDF(3, c, psk)
    h = HASH(h, t)
    empty = SEAL(k, 0, b'', h)
    msg[44:60] = empty
    h = HASH(h, empty)
    msg[60:76] = MAC16(mac1_key(hs.si_pub), bytes(msg[0:60]))
    t1, t2 = KDF(2, c, b'')
    return bytes(msg), t1, t2


def response_consume(hs, s_priv, psk, msg):
    """I's side; returns (responder's sender index, cipher byte, T1, T2)."""
    if len(msg) != RESPONSE_SIZE or msg[0] != MSG_RESPONSE or \
            msg[2:4] != b'\0\0':
        raise Refused('malformed')
    if MAC16(mac1_key(pub_bytes(s_priv)), msg[0:60]) != msg[60:76]:
        raise Refused('mac1')
    if struct.unpack('<I', msg[8:12])[0] != hs.sender:
        raise Refused('receiver-index')
    er_pub = msg[12:44]
    h = HASH(hs.h, msg[0:4])
    c = KDF1(hs.c, er_pub)
    h = HASH(h, er_pub)
    c = KDF1(c, DH(hs.e_priv, er_pub))
    c = KDF1(c, DH(s_priv, er_pub))
    c, t, k = KDF(3, c, psk)
    h = HASH(h, t)
    OPEN(k, 0, msg[44:60], h, 'empty')
    # Only now, authenticated, does the cipher byte count (2.2, 6)
    if msg[1] != hs.cipher:
        raise Refused(f'cipher-mismatch-{msg[1]}')
    t1, t2 = KDF(2, c, b'')
    return struct.unpack('<I', msg[4:8])[0], msg[1], t1, t2


# --- 2.4 Data and 3. Sessions --------------------------------------------

class Session:
    """Keys, indices, send counter and replay window of one session."""

    def __init__(self, cipher, send_key, recv_key, local, remote):
        # pylint: disable=too-many-arguments
        self.send_aead = data_aead(cipher, send_key)
        self.recv_aead = data_aead(cipher, recv_key)
        self.local, self.remote = local, remote
        self.send_counter = 0
        self.highest = -1
        self.seen = set()
        self.sent = []		# every data message sent, for --bad-data

    def seal(self, packet, counter=None):
        if counter is None:
            counter = self.send_counter
            self.send_counter += 1
        plain = packet + b'\0' * (-len(packet) % 16)
        hdr = header(MSG_DATA) + struct.pack('<IQ', self.remote, counter)
        msg = hdr + self.send_aead.encrypt(nonce(counter), plain, hdr)
        self.sent.append(msg)
        return msg

    def open(self, msg):
        counter = struct.unpack('<Q', msg[8:16])[0]
        if counter >= REJECT_AFTER_MESSAGES or counter in self.seen or \
                counter + REPLAY_WINDOW < self.highest:
            raise Refused('replay')
        try:
            plain = self.recv_aead.decrypt(nonce(counter), msg[16:],
                                           msg[0:16])
        except InvalidTag:
            raise Refused('auth') from None
        self.seen.add(counter)
        self.highest = max(self.highest, counter)
        self.seen = {n for n in self.seen
                     if n + REPLAY_WINDOW >= self.highest}
        return counter, trim(plain)


def trim(plain):
    """The inner packet: the plaintext cut to its IP header's length."""
    if not plain:
        return plain
    if plain[0] >> 4 == 4 and len(plain) >= 20:
        return plain[:struct.unpack('!H', plain[2:4])[0]]
    if plain[0] >> 4 == 6 and len(plain) >= 40:
        return plain[:40 + struct.unpack('!H', plain[4:6])[0]]
    return plain


# --- Inner packets ---------------------------------------------------------

def checksum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack(f'!{len(b) // 2}H', b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ident=0):
    hdr = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload),
                                ident, 0, 64, proto, 0,
                                ipaddress.IPv4Address(src).packed,
                                ipaddress.IPv4Address(dst).packed))
    hdr[10:12] = struct.pack('!H', checksum(bytes(hdr)))
    return bytes(hdr) + payload


def icmp_echo(kind, ident, seq, data):
    """kind 8 request, 0 reply"""
    msg = bytearray(struct.pack('!BBHHH', kind, 0, 0, ident, seq) + data)
    msg[2:4] = struct.pack('!H', checksum(bytes(msg)))
    return bytes(msg)


def echo_request(src, dst, ident, seq):
    return ipv4(src, dst, 1, icmp_echo(8, ident, seq, b'refpeer ' * 7),
                ident=seq)


def echo_reply_to(pkt):
    """The IPv4 echo reply to pkt, or None if it is no echo request."""
    if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 1:
        return None
    ihl = (pkt[0] & 15) * 4
    icmp = pkt[ihl:]
    if icmp[0] != 8:
        return None
    ident, seq = struct.unpack('!HH', icmp[4:8])
    return ipv4(ipaddress.IPv4Address(pkt[16:20]),
                ipaddress.IPv4Address(pkt[12:16]), 1,
                icmp_echo(0, ident, seq, icmp[8:]))


def summary(pkt):
    if not pkt:
        return 'empty'
    v = pkt[0] >> 4
    if v == 4 and len(pkt) >= 20:
        ihl = (pkt[0] & 15) * 4
        src, dst = (ipaddress.IPv4Address(pkt[12:16]),
                    ipaddress.IPv4Address(pkt[16:20]))
        proto, l4 = pkt[9], pkt[ihl:]
        what = f'proto {proto}'
        if proto == 1 and len(l4) >= 8:
            t = {0: 'echo-reply', 8: 'echo-request'}.get(l4[0], f'type {l4[0]}')
            ident, seq = struct.unpack('!HH', l4[4:8])
            what = f'icmp {t} id={ident} seq={seq}'
        return f'ipv4 {src} > {dst} len={len(pkt)} {what}'
    if v == 6 and len(pkt) >= 40:
        src, dst = (ipaddress.IPv6Address(pkt[8:24]),
                    ipaddress.IPv6Address(pkt[24:40]))
        nxt, l4 = pkt[6], pkt[40:]
        what = f'next {nxt}'
        if nxt == 58 and l4:
            what = f'icmp6 type {l4[0]}'
        return f'ipv6 {src} > {dst} len={len(pkt)} {what}'
    return f'unknown len={len(pkt)}'


# --- The programs ----------------------------------------------------------

say_prefix = ''


def say(*words):
    print(say_prefix + ' '.join(str(w) for w in words), flush=True)


def read_key(path):
    with open(path, 'rb') as f:
        key = base64.b64decode(f.read().strip(), validate=True)
    if len(key) != 32:
        raise SystemExit(f'{path}: not a 32-byte key')
    return key


def peer_key(arg):
    if os.path.exists(arg):
        return read_key(arg)
    key = base64.b64decode(arg, validate=True)
    if len(key) != 32:
        raise SystemExit(f'{arg}: not a 32-byte key')
    return key


def cipher_arg(s):
    if s in CIPHER_NAMES:
        return CIPHER_NAMES[s]
    return int(s, 0)


def addr_port(s, default_port=None):
    """[ADDR:]PORT or HOST:PORT, [V6]:PORT -> (family, addr, port)"""
    if s.startswith('['):
        host, _, port = s[1:].partition(']:')
    elif ':' in s:
        host, port = s.rsplit(':', 1)
    elif default_port is None:
        host, port = '', s
    else:
        host, port = s, default_port
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    return family, host, int(port)


def fmt(sa):
    return f'[{sa[0]}]:{sa[1]}' if ':' in sa[0] else f'{sa[0]}:{sa[1]}'


def random_index():
    return struct.unpack('<I', os.urandom(4))[0]


def handle_data(sessions, msg, src):
    """Decrypts a data message of one of sessions; (session, packet)."""
    if len(msg) < DATA_MIN or msg[1:4] != b'\0\0\0':
        raise Refused('malformed')
    receiver = struct.unpack('<I', msg[4:8])[0]
    sess = sessions.get(receiver)
    if sess is None:
        raise Refused(f'no-session receiver={receiver:08x}')
    counter, pkt = sess.open(msg)
    if pkt:
        say(f'data from {fmt(src)} receiver={receiver:08x} '
            f'counter={counter} len={len(msg)}: {summary(pkt)}')
    else:
        say(f'keepalive from {fmt(src)} receiver={receiver:08x} '
            f'counter={counter}')
    return sess, pkt


class Listener:
    """One UDP port of the responder, with its own configuration."""
    # pylint: disable=too-few-public-methods,too-many-instance-attributes

    def __init__(self, family, host, port, cipher, psk, response_cipher):
        # pylint: disable=too-many-arguments
        self.sock = socket.socket(family, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.port = port
        self.cipher, self.psk = cipher, psk
        self.response_cipher = response_cipher
        self.sessions = {}
        self.greatest_stamp = None
        self.answered = 0
        say(f'listening on {fmt((host or "*", port))} cipher={cipher}'
            f'{" psk" if psk != bytes(32) else ""}'
            f'{"" if response_cipher is None else " response-cipher=%d" % response_cipher}')


def also_arg(s):
    """PORT:CIPHER[:PSK-FILE[:RESPONSE-CIPHER]] -> tuple"""
    f = s.split(':')
    if not 2 <= len(f) <= 4:
        raise argparse.ArgumentTypeError(f'bad --also {s}')
    return (int(f[0]), cipher_arg(f[1]), f[2] if len(f) > 2 else '',
            int(f[3], 0) if len(f) > 3 and f[3] else None)


def respond_one(a, lst, s_priv, si_expected, msg, src):
    """Handles one datagram that reached listener lst."""
    # pylint: disable=too-many-arguments
    mtype = msg[0] if msg else None
    try:
        if mtype == MSG_INITIATION:
            hs = initiation_consume(s_priv, msg)
            sec, nsec = struct.unpack('>QI', hs.stamp)
            say(f'initiation from {fmt(src)} sender={hs.sender:08x} '
                f'cipher={hs.cipher} sec={sec} nsec={nsec}')
            if hs.si_pub != si_expected:
                raise Refused('unknown-static')
            if lst.greatest_stamp is not None and \
                    hs.stamp <= lst.greatest_stamp:
                raise Refused('stale-timestamp')
            if lst.answered >= a.count:
                raise Refused('count-reached')
            lst.greatest_stamp = hs.stamp
            if hs.cipher != lst.cipher:
                raise Refused('cipher-mismatch')
            cipher_byte = lst.cipher if lst.response_cipher is None \
                else lst.response_cipher
            local = random_index()
            resp, t1, t2 = response_create(hs, lst.psk, cipher_byte, local)
            lst.sessions[local] = Session(lst.cipher, t2, t1, local,
                                          hs.sender)
            lst.sock.sendto(resp, src)
            lst.answered += 1
            say(f'response to {fmt(src)} sender={local:08x} '
                f'receiver={hs.sender:08x} cipher={cipher_byte}')
        elif mtype == MSG_DATA:
            sess, pkt = handle_data(lst.sessions, msg, src)
            reply = echo_reply_to(pkt) if a.echo else None
            if reply:
                lst.sock.sendto(sess.seal(reply), src)
                say(f'sent counter={sess.send_counter - 1}: '
                    f'{summary(reply)}')
        elif mtype == MSG_COOKIE and len(msg) == COOKIE_SIZE:
            say(f'cookie from {fmt(src)}')
        else:
            raise Refused('malformed')
    except Refused as e:
        say(f'drop type={mtype} from {fmt(src)} reason={e}')


def cmd_respond(a):
    global say_prefix  # pylint: disable=global-statement
    s_priv = X25519PrivateKey.from_private_bytes(read_key(a.key))
    si_expected = peer_key(a.peer)
    family, host, port = addr_port(a.listen)
    configs = [(port, a.cipher, a.psk or '', a.response_cipher)] + a.also
    listeners = {}
    for port, cipher, psk, response_cipher in configs:
        say_prefix = f'[{port}] '
        lst = Listener(family, host, port, cipher,
                       read_key(psk) if psk and psk != '-' else bytes(32),
                       response_cipher)
        listeners[lst.sock.fileno()] = lst
    deadline = time.monotonic() + a.timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select(list(listeners), [], [], left)
        for fd in ready:
            lst = listeners[fd]
            say_prefix = f'[{lst.port}] '
            msg, src = lst.sock.recvfrom(65536)
            respond_one(a, lst, s_priv, si_expected, msg, src[:2])
    for lst in listeners.values():
        say_prefix = f'[{lst.port}] '
        say(f'done handshakes={lst.answered}')
    return 0


def cmd_initiate(a):
    # pylint: disable=too-many-locals,too-many-branches,too-many-statements
    s_priv = X25519PrivateKey.from_private_bytes(read_key(a.key))
    sr_pub = peer_key(a.peer)
    psk = read_key(a.psk) if a.psk else bytes(32)
    family, host, port = addr_port(a.endpoint, 51820)
    dst = (host, port)
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if a.listen:
        _, lhost, lport = addr_port(a.listen)
        sock.bind((lhost, lport))
    deadline = time.monotonic() + a.timeout

    def recv(until):
        left = min(until, deadline) - time.monotonic()
        if left <= 0:
            return None, None
        sock.settimeout(left)
        try:
            msg, src = sock.recvfrom(65536)
        except socket.timeout:
            return None, None
        return msg, src[:2]

    if a.mismatch_first is not None:
        # An initiation asking for cipher N, which the responder must
        # refuse without an answer; then the real one.
        local = random_index()
        init, _ = initiation_create(s_priv, sr_pub, a.mismatch_first, local,
                                    stamp_now(a.precise_stamp))
        sock.sendto(init, dst)
        say(f'initiation to {fmt(dst)} sender={local:08x} '
            f'cipher={a.mismatch_first}')
        until = time.monotonic() + a.drop_wait
        answered = False
        while time.monotonic() < until:
            msg, src = recv(until)
            if msg is None:
                break
            say(f'got type={msg[0]} len={len(msg)} from {fmt(src)}')
            # the peer's own initiations are no answer: a device that is
            # up with an endpoint connects by itself
            if msg[0] in (MSG_RESPONSE, MSG_COOKIE):
                answered = True
        say(f'mismatch-first cipher={a.mismatch_first} '
            f'answered={"yes" if answered else "no"}')

    def handshake():
        """(session, the initiation it answered, its timestamp), or
        Nones after three initiations without an acceptable response"""
        sess = None
        for attempt in range(3):
            local = random_index()
            stamp = stamp_now(a.precise_stamp)
            init, hs = initiation_create(s_priv, sr_pub, a.cipher, local,
                                         stamp)
            sock.sendto(init, dst)
            sec, nsec = struct.unpack('>QI', stamp)
            say(f'initiation to {fmt(dst)} sender={local:08x} '
                f'cipher={a.cipher} sec={sec} nsec={nsec}')
            wait_until = min(deadline, time.monotonic() + 5)
            while sess is None and time.monotonic() < wait_until:
                msg, src = recv(wait_until)
                if msg is None:
                    break
                try:
                    if msg[0] != MSG_RESPONSE:
                        raise Refused('unexpected')
                    remote, cbyte, t1, t2 = response_consume(hs, s_priv,
                                                             psk, msg)
                    sess = Session(a.cipher, t1, t2, local, remote)
                    say(f'response from {fmt(src)} sender={remote:08x} '
                        f'receiver={local:08x} cipher={cbyte}')
                except Refused as e:
                    say(f'drop type={msg[0]} from {fmt(src)} reason={e}')
            if sess:
                return sess, init, stamp
            if time.monotonic() >= deadline:
                break
            say(f'no response, attempt {attempt + 1}')
        return None, None, None

    sess, first_init, greatest = handshake()
    if sess is None:
        say('handshake failed')
        return 1

    sessions = {sess.local: sess}
    ident = os.getpid() & 0xffff
    reply_under = {}

    def ping(seq, counter=None, wait=a.reply_wait):
        """An echo request under @counter (default: the next); True if
        its reply came back within @wait seconds."""
        req = echo_request(a.ping[0], a.ping[1], ident, seq)
        msg = sess.seal(req, counter)
        sock.sendto(msg, dst)
        say(f'sent counter={struct.unpack("<Q", msg[8:16])[0]}: '
            f'{summary(req)}')
        until = min(deadline, time.monotonic() + wait)
        while time.monotonic() < until:
            msg, src = recv(until)
            if msg is None:
                break
            try:
                if msg[0] != MSG_DATA:
                    raise Refused('unexpected')
                rsess, pkt = handle_data(sessions, msg, src)
                if pkt and pkt[0] >> 4 == 4 and pkt[9] == 1 and \
                        pkt[20] == 0 and \
                        struct.unpack('!HH', pkt[24:28]) == (ident, seq):
                    reply_under[seq] = rsess
                    return True
            except Refused as e:
                say(f'drop type={msg[0]} from {fmt(src)} reason={e}')
        say(f'no reply to seq={seq}')
        return False

    missing = 0
    for seq in range(1, a.pings + 1 if a.ping else 1):
        missing += not ping(seq)

    if a.window_edge and a.ping:
        # The highest counter jumps by the window's width; then the
        # counters 8192 and 8191 below it, neither of them used before.
        top = sess.send_counter + REPLAY_WINDOW
        for seq, counter, wait in (
                (1001, top, a.reply_wait),
                (1002, top - REPLAY_WINDOW, a.drop_wait),
                (1003, top - REPLAY_WINDOW + 1, a.reply_wait)):
            got = ping(seq, counter, wait)
            say(f'window-edge below={top - counter} '
                f'reply={"yes" if got else "no"}')
        sess.send_counter = top + 1

    if a.bad_data in ('flip', 'both') and a.ping:
        good = sess.seal(echo_request(a.ping[0], a.ping[1], ident, 999))
        bad = bytearray(good)
        bad[20] ^= 0x01
        sock.sendto(bytes(bad), dst)
        say(f'sent flipped counter={struct.unpack("<Q", bad[8:16])[0]}')
    if a.bad_data in ('replay', 'both') and sess.sent:
        sock.sendto(sess.sent[0], dst)
        say(f'sent replay counter={struct.unpack("<Q", sess.sent[0][8:16])[0]}')
    if a.rekey and a.ping:
        # A second handshake on the established session: the responder
        # puts it in next, our first data message confirms it, and its
        # replies come under it; the old one still receives.
        old = sess
        sess, _, stamp = handshake()
        if sess is None:
            say('rekey handshake failed')
            return 1
        greatest = stamp
        sessions[sess.local] = sess
        for seq, under, label in ((2001, sess, 'new'), (2002, old, 'old')):
            was, sess = sess, under
            got = ping(seq)
            sess = was
            rs = reply_under.get(seq)
            say(f'rekey ping-under={label} reply={"yes" if got else "no"} '
                f'reply-under={"new" if rs is was else "old" if rs is old else "none"} '
                f'old={old.local:08x} new={was.local:08x}')

    def refused(what, msg):
        """sends msg, an initiation the peer must refuse; prints whether
        a handshake message came back within --drop-wait"""
        sock.sendto(msg, dst)
        until = time.monotonic() + a.drop_wait
        answered = False
        while time.monotonic() < until:
            got, src = recv(until)
            if got is None:
                break
            if got[0] in (MSG_RESPONSE, MSG_COOKIE):
                answered = True
                say(f'got type={got[0]} len={len(got)} from {fmt(src)}')
        say(f'{what} answered={"yes" if answered else "no"}')

    if a.replay_initiation:
        # The first initiation answered, byte for byte: its timestamp is
        # no longer above the greatest accepted
        refused('replayed-initiation', first_init)
    if a.stale_initiation:
        # A new initiation, valid but for its timestamp: equal to the
        # greatest accepted, which is not strictly greater
        init, _ = initiation_create(s_priv, sr_pub, a.cipher,
                                    random_index(), greatest)
        refused('stale-initiation', init)
    if a.flipped_initiation:
        # A fresh initiation with one bit of the sealed static key
        # flipped, and mac1 made right again: it passes the mac1 screen
        # and fails to open
        init, _ = initiation_create(s_priv, sr_pub, a.cipher,
                                    random_index(),
                                    stamp_now(a.precise_stamp))
        bad = bytearray(init)
        bad[60] ^= 0x08
        bad[116:132] = MAC16(mac1_key(sr_pub), bytes(bad[0:116]))
        refused('flipped-initiation', bytes(bad))
    say(f'done missing={missing}')
    return 1 if missing else 0


def _hchacha20(key, nonce16):
    """HChaCha20: the XChaCha20 subkey (RFC draft-irtf-cfrg-xchacha)."""
    def rotl(v, n):
        return ((v << n) & 0xffffffff) | (v >> (32 - n))

    def qr(x, a, b, c, d):
        x[a] = (x[a] + x[b]) & 0xffffffff
        x[d] = rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & 0xffffffff
        x[b] = rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & 0xffffffff
        x[d] = rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & 0xffffffff
        x[b] = rotl(x[b] ^ x[c], 7)

    x = list(struct.unpack('<4I', b'expand 32-byte k') +
             struct.unpack('<8I', key) + struct.unpack('<4I', nonce16))
    for _ in range(10):
        qr(x, 0, 4, 8, 12)
        qr(x, 1, 5, 9, 13)
        qr(x, 2, 6, 10, 14)
        qr(x, 3, 7, 11, 15)
        qr(x, 0, 5, 10, 15)
        qr(x, 1, 6, 11, 12)
        qr(x, 2, 7, 8, 13)
        qr(x, 3, 4, 9, 14)
    return struct.pack('<8I', *(x[0:4] + x[12:16]))


def xaead(key, nonce24):
    """XChaCha20-Poly1305 as ChaCha20-Poly1305 under the HChaCha20
    subkey, with the nonce's last 8 bytes after 4 zero bytes."""
    return (ChaCha20Poly1305(_hchacha20(key, nonce24[:16])),
            b'\0\0\0\0' + nonce24[16:24])


def cookie_key(pub):
    return HASH(LABEL_COOKIE, pub)


def cmd_cookie_cross(a):
    # pylint: disable=too-many-locals
    s_priv = X25519PrivateKey.from_private_bytes(read_key(a.key))
    s_pub = pub_bytes(s_priv)
    sr_pub = peer_key(a.peer)
    family, host, port = addr_port(a.endpoint, 51820)
    dst = (host, port)
    sock = socket.socket(family, socket.SOCK_DGRAM)
    _, lhost, lport = addr_port(a.listen)
    sock.bind((lhost, lport))
    say('cookie-cross listening')
    deadline = time.monotonic() + a.timeout

    def recv(mtype, index=None):
        """The next message of @mtype (naming @index), or None"""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            sock.settimeout(left)
            try:
                msg = sock.recvfrom(65536)[0]
            except socket.timeout:
                return None
            if msg[0] != mtype:
                continue
            if index is None or struct.unpack('<I', msg[4:8])[0] == index:
                return msg

    theirs = recv(MSG_INITIATION)
    if theirs is None:
        say('cookie-cross no initiation came')
        return 1
    say('got its initiation')
    # an initiation of ours without mac2: it answers with a cookie reply
    first = random_index()
    init, _ = initiation_create(s_priv, sr_pub, a.cipher, first, stamp_now())
    sock.sendto(init, dst)
    reply = recv(MSG_COOKIE, first)
    if reply is None:
        say('cookie-cross no cookie reply to our initiation')
        return 1
    aead, n12 = xaead(cookie_key(sr_pub), reply[8:32])
    cookie = aead.decrypt(n12, reply[32:64], init[116:132])
    # one with mac2: it sends a response
    second = random_index()
    init, _ = initiation_create(s_priv, sr_pub, a.cipher, second,
                                stamp_now(precise=True))
    init = init[:132] + MAC16(cookie, init[:132])
    sock.sendto(init, dst)
    response = recv(MSG_RESPONSE) is not None
    say(f'response={"yes" if response else "no"}')
    # now the cookie reply to its initiation, sealed for its mac1
    ours = os.urandom(16)
    n24 = os.urandom(24)
    aead, n12 = xaead(cookie_key(s_pub), n24)
    sock.sendto(header(MSG_COOKIE) + theirs[4:8] + n24 +
                aead.encrypt(n12, ours, theirs[116:132]), dst)
    # its initiations of the next 5 s (one may have left before it had
    # the cookie reply): one at least must carry mac2
    used = False
    deadline = min(deadline, time.monotonic() + 5)
    while not used:
        again = recv(MSG_INITIATION)
        if again is None:
            break
        used = again[132:148] == MAC16(ours, again[:132])
    say(f'cookie-cross response={"yes" if response else "no"} '
        f'mac2={"yes" if used else "no"}')
    return 0


def cmd_decode(a):
    sr_priv = X25519PrivateKey.from_private_bytes(read_key(a.key))
    si_expected = peer_key(a.peer)
    rc = 0
    for hexmsg in a.messages:
        try:
            hs = initiation_consume(sr_priv, bytes.fromhex(hexmsg))
        except (Refused, ValueError) as e:
            say(f'initiation refused reason={e}')
            rc = 1
            continue
        sec, nsec = struct.unpack('>QI', hs.stamp)
        static = 'ok' if hs.si_pub == si_expected else \
            base64.b64encode(hs.si_pub).decode()
        if static != 'ok':
            rc = 1
        say(f'initiation mac1=ok static={static} cipher={hs.cipher} '
            f'sender={hs.sender:08x} sec={sec} nsec={nsec} '
            f'nsec-granule={"yes" if nsec % STAMP_GRANULE == 0 else "no"}')
    return rc


def main(argv):
    p = argparse.ArgumentParser(
        prog='refpeer.py', description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)

    def common(sp):
        sp.add_argument('--key', required=True)
        sp.add_argument('--peer', required=True)
        sp.add_argument('--psk')
        sp.add_argument('--cipher', type=cipher_arg, default=CIPHER_AES256GCM)

    r = sub.add_parser('respond')
    common(r)
    r.add_argument('--listen', default='51820')
    r.add_argument('--count', type=int, default=1)
    r.add_argument('--response-cipher', type=lambda s: int(s, 0))
    r.add_argument('--also', type=also_arg, action='append', default=[])
    r.add_argument('--no-echo', dest='echo', action='store_false')
    r.add_argument('--timeout', type=float, default=60)

    i = sub.add_parser('initiate')
    common(i)
    i.add_argument('--endpoint', required=True)
    i.add_argument('--listen')
    i.add_argument('--ping', nargs=2, metavar=('SRC', 'DST'))
    i.add_argument('--pings', type=int, default=1)
    i.add_argument('--bad-data', choices=('flip', 'replay', 'both'))
    i.add_argument('--window-edge', action='store_true')
    i.add_argument('--mismatch-first', type=cipher_arg)
    i.add_argument('--rekey', action='store_true')
    i.add_argument('--replay-initiation', action='store_true')
    i.add_argument('--stale-initiation', action='store_true')
    i.add_argument('--flipped-initiation', action='store_true')
    i.add_argument('--reply-wait', type=float, default=5)
    i.add_argument('--drop-wait', type=float, default=2)
    i.add_argument('--precise-stamp', action='store_true',
                   help='do not round nanoseconds down to 2^24')
    i.add_argument('--timeout', type=float, default=20)

    c = sub.add_parser('cookie-cross')
    common(c)
    c.add_argument('--endpoint', required=True)
    c.add_argument('--listen', default='51820')
    c.add_argument('--timeout', type=float, default=10)

    d = sub.add_parser('decode')
    common(d)
    d.add_argument('messages', nargs='+', metavar='HEX')

    a = p.parse_args(argv[1:])
    load_crypto()
    return {'respond': cmd_respond, 'initiate': cmd_initiate,
            'decode': cmd_decode, 'cookie-cross': cmd_cookie_cross}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main(sys.argv))
