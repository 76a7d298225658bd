#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A seeded datagram fuzzer for ptun's receive path, with exact accounting.

  fuzzpkt.py --key FILE --peer PUB --endpoint HOST:PORT --count N
             --seed S --stats-ns NS [--cipher C] [--round N]

Plays the peer whose private key is FILE (so it uses a real site's key)
against the ptun device ptun0 in namespace NS, at HOST:PORT. In rounds:

  1. two handshakes (refpeer.py's initiator), each confirmed by a
     keepalive: ptun0 then holds session B as current and A as previous,
     and every session of the rounds before is retired;
  2. a corpus of datagrams, built from a random.Random(seed): random
     bytes; valid data messages under A and B (inner IPv4 and IPv6
     packets, keepalives, malformed plaintexts, sources outside the
     allowed IPs, counters that jump, come late or sit at the edges of
     the replay window and of REJECT_AFTER_MESSAGES); copies of these
     mutated by bit flips, truncation, extension, duplication and
     changed header fields (type, reserved bytes, receiver index,
     counter); stale handshake initiations with a right mac1, and
     responses and cookie replies, mutated likewise;
  3. for each datagram, the outcome docs/PROTOCOL.md (2, 2.5, 3, 5)
     predicts: a drop counter, or accepted (rx-packets, or a keepalive,
     which no counter shows). A model of each session's replay window
     follows the datagrams in the order they are sent;
  4. the corpus is sent back to back, then the device's counters are
     read until everything that reached its UDP port (the UDP MIB of NS:
     InDatagrams) is accounted for.

Every handshake message of the corpus is refused whatever the load:
mac1 wrong, or right but the message does not authenticate, or its
timestamp is not above the last accepted one; under load it gets a
cookie reply instead; all of these count "handshake". So the prediction
does not depend on timing.

Prints "seed S" first, then one line per round and the totals:
  round K sent N arrived N lost N elapsed S rate PPS
  round K COUNTER expect E got G          (only where E != G)
  total sent N arrived N lost N accounted N
  total COUNTER expect E got G            (every counter)
  result ok|fail
"""

import argparse
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refpeer as rp  # noqa: E402 pylint: disable=wrong-import-position

# The receive-side counters; "rx" is rx-packets, "keepalive" no counter.
RX_DROPS = ('malformed', 'handshake', 'cipher_mismatch', 'no_session',
            'replay', 'auth', 'src_not_allowed', 'rx_error', 'rx_queue_full')
OUTCOMES = RX_DROPS + ('rx', 'keepalive')
HS_SIZE = {1: rp.INITIATION_SIZE, 2: rp.RESPONSE_SIZE, 3: rp.COOKIE_SIZE}

ALLOWED_V4 = ('10.10.0.1', '10.1.0.7', '10.1.0.200')
NOT_ALLOWED_V4 = ('10.10.0.9', '10.2.0.5', '192.0.2.1')
# Silently dropped by the receiver's stack: not local, no forwarding
DST_V4 = '10.2.0.99'
V6_SRC = bytes.fromhex('fd10' + '00' * 13 + '01')
V6_BAD_SRC = bytes.fromhex('fd10' + '00' * 13 + '09')
V6_DST = bytes.fromhex('fd10' + '00' * 13 + '02')


START = time.monotonic()


def say(*words):
    print(' '.join(str(w) for w in words), flush=True)


def progress(what):
    """a line for the log only, with the time since the start"""
    say(f'at {time.monotonic() - START:.1f}s: {what}')


# --- the module's counters, and what reached its port --------------------

def read_counters(ns):
    out = subprocess.run(['ip', 'netns', 'exec', ns, PTUN, 'show', 'ptun0',
                          '--json'], check=True, capture_output=True,
                         text=True).stdout
    j = json.loads(out)
    if isinstance(j, list):
        j = j[0]
    st = j['stats']
    c = {k: st['drops'][k] for k in RX_DROPS}
    c['rx'] = st['rx_packets']
    c['handshakes'] = st['handshakes']
    return c


def read_udp_mib(ns):
    out = subprocess.run(['ip', 'netns', 'exec', ns, 'cat',
                          '/proc/net/snmp'], check=True, capture_output=True,
                         text=True).stdout
    lines = [ln.split() for ln in out.splitlines() if ln.startswith('Udp:')]
    return dict(zip(lines[0][1:], (int(v) for v in lines[1][1:])))


def read_tx_dropped():
    """The tx drops of every device of our namespace (veth: the peer's
    backlog was full)."""
    total = 0
    with open('/proc/net/dev', encoding='ascii') as f:
        for ln in f.readlines()[2:]:
            total += int(ln.split(':', 1)[1].split()[11])
    return total


# --- a model of the receiver --------------------------------------------

class Window:
    """The replay window as docs/PROTOCOL.md section 3 has it."""

    def __init__(self):
        self.next = 0		# highest accepted + 1, 0 if none
        self.seen = set()

    def plausible(self, c):
        if c >= rp.REJECT_AFTER_MESSAGES:
            return False
        return c >= self.next or self.next - c <= rp.REPLAY_WINDOW

    def accept(self, c):
        if c >= rp.REJECT_AFTER_MESSAGES:
            return False
        if c >= self.next:
            self.next = c + 1
        elif self.next - c > rp.REPLAY_WINDOW:
            return False
        if c in self.seen:
            return False
        self.seen.add(c)
        if len(self.seen) > 4 * rp.REPLAY_WINDOW:
            low = self.next - rp.REPLAY_WINDOW
            self.seen = {n for n in self.seen if n >= low}
        return True


class FuzzSession:
    """One session of ours, as the receiver's model sees it."""

    def __init__(self, sess):
        self.sess = sess			# refpeer.Session
        self.index = sess.remote		# the receiver's index
        self.window = Window()
        self.valid = {}				# message -> plaintext
        self.next_counter = 0
        self.late = []				# counters skipped, unused
        self.live = True

    def seal(self, plain, counter):
        hdr = rp.header(rp.MSG_DATA) + struct.pack('<IQ', self.index,
                                                   counter)
        msg = hdr + self.sess.send_aead.encrypt(rp.nonce(counter), plain,
                                                hdr)
        self.valid[msg] = plain
        return msg


def inner_outcome(plain):
    """What section 2.4 and 3 make of an authenticated plaintext."""
    if not plain:
        return 'keepalive'
    v = plain[0] >> 4
    if v == 4:
        if len(plain) < 20:
            return 'malformed'
        ihl = plain[0] & 15
        tot = struct.unpack('!H', plain[2:4])[0]
        if ihl < 5 or tot < 4 * ihl or tot > len(plain):
            return 'malformed'
        src = plain[12:16]
        allowed = src == b'\x0a\x0a\x00\x01' or src[:3] == b'\x0a\x01\x00'
        return 'rx' if allowed else 'src_not_allowed'
    if v == 6:
        if len(plain) < 40:
            return 'malformed'
        if 40 + struct.unpack('!H', plain[4:6])[0] > len(plain):
            return 'malformed'
        return 'rx' if plain[8:24] == V6_SRC else 'src_not_allowed'
    return 'malformed'


class Model:
    """Predicts, in sending order, the counter each datagram lands in."""

    def __init__(self):
        self.sessions = {}		# receiver index -> FuzzSession

    def outcome(self, msg):
        if len(msg) < 4:
            return 'malformed'
        t = msg[0]
        if t not in (1, 2, 3, 4) or msg[2] or msg[3]:
            return 'malformed'
        if t in (3, 4) and msg[1]:
            return 'malformed'
        if t in HS_SIZE:
            # Never fresh and authentic: see the module's docstring
            return 'handshake' if len(msg) == HS_SIZE[t] else 'malformed'
        if len(msg) < rp.DATA_MIN:
            return 'malformed'
        fs = self.sessions.get(struct.unpack('<I', msg[4:8])[0])
        if fs is None or not fs.live:
            return 'no_session'
        counter = struct.unpack('<Q', msg[8:16])[0]
        if not fs.window.plausible(counter):
            return 'replay'
        plain = fs.valid.get(bytes(msg))
        if plain is None:
            return 'auth'
        if not fs.window.accept(counter):
            return 'replay'
        return inner_outcome(plain)


# --- the corpus -----------------------------------------------------------

def ipv4_packet(r, src, dst=DST_V4):
    payload = r.randbytes(r.randrange(0, 80))
    return rp.ipv4(src, dst, 17, payload, ident=r.randrange(65536))


def ipv6_packet(r, src):
    payload = r.randbytes(r.randrange(0, 80))
    return struct.pack('!IHBB', 0x60000000 | r.randrange(1 << 20),
                       len(payload), 59, 64) + src + V6_DST + payload


def pad(r, pkt):
    """Zero padding to 16 as a sender does, or any padding at all."""
    if r.random() < 0.7:
        return pkt + b'\0' * (-len(pkt) % 16)
    return pkt + r.randbytes(r.randrange(0, 48))


def malformed_plain(r):
    good = ipv4_packet(r, ALLOWED_V4[0])
    kind = r.randrange(7)
    if kind == 0:		# not 4 nor 6
        return bytes([r.choice([0, 1, 2, 3, 5, 7, 8, 15]) << 4 |
                      r.randrange(16)]) + r.randbytes(r.randrange(0, 60))
    if kind == 1:		# IPv4 shorter than its header
        return good[:r.randrange(1, 20)]
    if kind == 2:		# IHL below 5
        return bytes([0x40 | r.randrange(5)]) + good[1:]
    if kind == 3:		# total length beyond the plaintext
        p = bytearray(good)
        p[2:4] = struct.pack('!H', r.randrange(len(good) + 1, 65536))
        return bytes(p)
    if kind == 4:		# total length below the header's
        p = bytearray(good)
        p[2:4] = struct.pack('!H', r.randrange(0, 20))
        return bytes(p)
    six = ipv6_packet(r, V6_SRC)
    if kind == 5:		# IPv6 shorter than its header
        return six[:r.randrange(1, 40)]
    p = bytearray(six)	# payload length beyond the plaintext
    p[4:6] = struct.pack('!H', r.randrange(len(six) - 39, 65536))
    return bytes(p)


def valid_plain(r):
    """(plaintext, what it is for the statistics)"""
    x = r.random()
    if x < 0.45:
        return pad(r, ipv4_packet(r, r.choice(ALLOWED_V4))), 'v4'
    if x < 0.65:
        return pad(r, ipv6_packet(r, V6_SRC)), 'v6'
    if x < 0.72:
        return b'', 'keepalive'
    if x < 0.86:
        return pad(r, malformed_plain(r)), 'malformed'
    if r.random() < 0.6:
        return pad(r, ipv4_packet(r, r.choice(NOT_ALLOWED_V4))), 'src'
    return pad(r, ipv6_packet(r, V6_BAD_SRC)), 'src'


def pick_counter(r, fs):
    """A counter for a valid message: mostly the next, sometimes a jump
    (the skipped ones come later, in or out of the window)."""
    x = r.random()
    if x < 0.06 and fs.late:
        return fs.late.pop(r.randrange(len(fs.late)))
    if x < 0.08:
        jump = r.choice([2, 5, 100, rp.REPLAY_WINDOW - 1, rp.REPLAY_WINDOW,
                         rp.REPLAY_WINDOW + 1, 20000])
        skipped = [fs.next_counter, fs.next_counter + jump - 1,
                   fs.next_counter + jump // 2]
        fs.late.extend(c for c in skipped if c < fs.next_counter + jump)
        fs.late = fs.late[-64:]
        fs.next_counter += jump
    c = fs.next_counter
    fs.next_counter += 1
    return c


EDGE_COUNTERS = (rp.REJECT_AFTER_MESSAGES, rp.REJECT_AFTER_MESSAGES - 1,
                 rp.REJECT_AFTER_MESSAGES + 1, 2**64 - 1, 2**63, 0, 1)


def mutate_data(r, msg, fs_all):
    m = bytearray(msg)
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        kind = r.randrange(10)
        if kind <= 2:		# bit flips, mostly in the header
            n = len(m)
            pos = r.randrange(16) if r.random() < 0.5 and n >= 16 \
                else r.randrange(n) if n else 0
            if n:
                m[pos] ^= 1 << r.randrange(8)
        elif kind == 3:		# truncation
            m = m[:r.choice([r.randrange(0, 33), r.randrange(len(m) + 1)])]
        elif kind == 4:		# extension
            m += r.randbytes(r.choice([1, 15, 16, r.randrange(1, 200)]))
        elif kind == 5 and len(m) >= 4:	# type, reserved bytes
            m[r.randrange(4)] = r.choice([0, 1, 2, 3, 5, 0x80, 0xff,
                                          r.randrange(256)])
        elif kind == 6 and len(m) >= 8:	# another receiver index
            fs = r.choice(fs_all)
            m[4:8] = struct.pack('<I', fs.index if r.random() < 0.8
                                 else r.randrange(1 << 32))
        elif kind == 7 and len(m) >= 16:	# a counter near an edge
            fs = r.choice(fs_all)
            top = max(fs.window.next - 1, 0)
            c = r.choice(EDGE_COUNTERS + (
                top, top + 1, max(top - rp.REPLAY_WINDOW, 0),
                max(top - rp.REPLAY_WINDOW + 1, 0), r.randrange(1 << 64)))
            m[8:16] = struct.pack('<Q', c)
        else:			# the same bytes again: a replay
            pass
    return bytes(m)


def stale_initiation(r, s_priv, sr_pub, greatest, cipher):
    """An initiation with a right mac1 whose timestamp is not above the
    greatest the receiver accepted."""
    sec, nsec = struct.unpack('>QI', greatest)
    x = r.random()
    if x < 0.3:
        stamp = greatest
    elif x < 0.6:
        stamp = struct.pack('>QI', sec - r.randrange(1, 100000), nsec)
    elif x < 0.8:
        stamp = struct.pack('>QI', sec, max(nsec - rp.STAMP_GRANULE, 0))
    else:
        stamp = bytes(12)
    msg, _ = rp.initiation_create(s_priv, sr_pub, cipher,
                                  rp.random_index(), stamp)
    return msg


def with_mac1(sr_pub, m):
    """m with the mac1 right for the receiver, for a message of its size"""
    m = bytearray(m)
    if len(m) == rp.INITIATION_SIZE:
        m[116:132] = rp.MAC16(rp.mac1_key(sr_pub), bytes(m[0:116]))
    elif len(m) == rp.RESPONSE_SIZE:
        m[60:76] = rp.MAC16(rp.mac1_key(sr_pub), bytes(m[0:60]))
    return bytes(m)


def mutate_handshake(r, msg, sr_pub, fs_all):
    m = bytearray(msg)
    x = r.randrange(12)
    if x <= 4:			# bit flips anywhere, mac1 made right again
        for _ in range(r.choice([1, 1, 2, 8])):
            m[r.randrange(len(m))] ^= 1 << r.randrange(8)
        if r.random() < 0.7:
            m = with_mac1(sr_pub, m)
    elif x == 5:		# the cipher byte, mac1 right
        m[1] = r.choice([0, 1, 2, 3, 0xff])
        m = with_mac1(sr_pub, m)
    elif x == 6:		# truncation or extension
        m = m[:r.randrange(len(m))] if r.random() < 0.5 else \
            m + r.randbytes(r.randrange(1, 64))
    elif x == 7:		# type or reserved bytes
        m[r.randrange(4)] = r.randrange(256)
    elif x == 8:		# a response: right size, right mac1
        m = bytearray(r.randbytes(rp.RESPONSE_SIZE))
        m[0:4] = bytes([2, r.choice([1, 2]), 0, 0])
        if r.random() < 0.5:
            m[8:12] = struct.pack('<I', r.choice(fs_all).index)
        m = with_mac1(sr_pub, m)
    elif x == 9:		# a cookie reply, for a session of the receiver
        m = bytearray(r.randbytes(rp.COOKIE_SIZE))
        m[0:4] = bytes(4)
        m[0] = 3
        if r.random() < 0.7:
            m[4:8] = struct.pack('<I', r.choice(fs_all).index)
    elif x == 10:		# mac2 set (not under load: ignored)
        m[132:148] = r.randbytes(16)
    # x == 11: the stale initiation as it is
    return bytes(m)


def random_datagram(r, fs_all):
    x = r.random()
    if x < 0.4:
        n = r.choice([r.randrange(0, 8), r.randrange(0, 200),
                      r.randrange(0, 1600)])
        return r.randbytes(n)
    t = r.choice([1, 2, 3, 4, 4, 4])
    if t == 4:
        n = r.choice([32, r.randrange(32, 200), r.randrange(32, 1500)])
    else:
        n = HS_SIZE[t] if r.random() < 0.8 else r.randrange(4, 200)
    m = bytearray(r.randbytes(n))
    m[0:4] = bytes([t, 0 if t >= 3 else r.randrange(256), 0, 0])
    if t in (3, 4) and len(m) >= 8 and r.random() < 0.5:
        fs = r.choice(fs_all)
        m[4:8] = struct.pack('<I', fs.index)
    return bytes(m)


def build_round(r, n, live, fs_all, model, hs_bases, sr_pub):
    """n datagrams and their predicted outcomes"""
    # pylint: disable=too-many-arguments,too-many-locals
    corpus, outcomes = [], {k: 0 for k in OUTCOMES}
    recent = []			# valid messages to mutate
    edge_at = n - n // 50	# the last 2%: A's counter at the very top
    for i in range(n):
        if i == edge_at:
            a = live[0]
            for c in (rp.REJECT_AFTER_MESSAGES - 1, rp.REJECT_AFTER_MESSAGES,
                      2**64 - 1, a.next_counter):
                msg = a.seal(pad(r, ipv4_packet(r, ALLOWED_V4[0])), c)
                corpus.append(msg)
                outcomes[model.outcome(msg)] += 1
            continue
        x = r.random()
        if x < 0.15:
            msg = random_datagram(r, fs_all)
        elif x < 0.45 or not recent:
            fs = r.choice(live)
            plain, _ = valid_plain(r)
            msg = fs.seal(plain, pick_counter(r, fs))
            recent.append(msg)
            if len(recent) > 256:
                del recent[r.randrange(len(recent))]
        elif x < 0.82:
            msg = mutate_data(r, r.choice(recent), fs_all)
        else:
            msg = mutate_handshake(r, r.choice(hs_bases), sr_pub, fs_all)
        corpus.append(msg)
        outcomes[model.outcome(msg)] += 1
    return corpus, outcomes


# --- the handshakes -----------------------------------------------------

def handshake(sock, s_priv, sr_pub, cipher, tries=4):
    """refpeer's initiator: a session confirmed by a keepalive, and the
    timestamp of the accepted initiation"""
    for _ in range(tries):
        local = rp.random_index()
        stamp = rp.stamp_now()
        init, hs = rp.initiation_create(s_priv, sr_pub, cipher, local, stamp)
        sock.send(init)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                msg = sock.recv(65536)
            except socket.timeout:
                break
            if len(msg) != rp.RESPONSE_SIZE or msg[0] != rp.MSG_RESPONSE or \
                    struct.unpack('<I', msg[8:12])[0] != local:
                continue
            remote, _, t1, t2 = rp.response_consume(hs, s_priv, bytes(32),
                                                    msg)
            sess = rp.Session(cipher, t1, t2, local, remote)
            fs = FuzzSession(sess)
            sock.send(fs.seal(b'', 0))
            fs.window.accept(0)
            fs.next_counter = 1
            return fs, stamp
        time.sleep(0.1)
    raise SystemExit('handshake failed')


def send_corpus(sock, corpus, repeat, sender, host, port):
    """corpus, repeat times over, in order: by fuzzsend if given"""
    if sender:
        path = f'/tmp/fuzzpkt.{os.getpid()}'
        with open(path, 'wb') as f:
            for msg in corpus:
                f.write(struct.pack('!H', len(msg)) + msg)
        subprocess.run([sender, host, str(port), path, str(repeat)],
                       check=True, stdout=subprocess.DEVNULL)
        os.unlink(path)
        return
    send = sock.send
    for _ in range(repeat):
        for msg in corpus:
            send(msg)


def drain(sock):
    sock.setblocking(False)
    try:
        while True:
            sock.recv(65536)
    except (BlockingIOError, InterruptedError):
        pass
    sock.setblocking(True)


def settle(ns, before, udp_before, expect_total, keepalives, timeout):
    """Reads the counters until what arrived is accounted for, or nothing
    moved for 5 s, or timeout; returns (counters, arrived, accounted)."""
    end = time.monotonic() + timeout
    last, still = None, time.monotonic()
    while True:
        c = read_counters(ns)
        udp = read_udp_mib(ns)
        arrived = udp['InDatagrams'] - udp_before['InDatagrams']
        accounted = sum(c[k] - before[k] for k in RX_DROPS + ('rx',)) + \
            keepalives
        now = time.monotonic()
        if arrived == expect_total and accounted == arrived:
            return c, udp, arrived, accounted
        if (arrived, accounted) != last:
            last, still = (arrived, accounted), now
        if now - still > 5 or now > end:
            return c, udp, arrived, accounted
        time.sleep(0.3)


def main(argv):
    # pylint: disable=too-many-locals,too-many-statements,global-statement
    global PTUN
    p = argparse.ArgumentParser(prog='fuzzpkt.py', description=__doc__,
                                formatter_class=argparse.
                                RawDescriptionHelpFormatter)
    p.add_argument('--key', required=True)
    p.add_argument('--peer', required=True)
    p.add_argument('--endpoint', required=True)
    p.add_argument('--cipher', type=rp.cipher_arg, default=rp.CIPHER_AES256GCM)
    p.add_argument('--count', type=int, required=True)
    p.add_argument('--round', type=int, default=25000,
                   help='distinct datagrams per round')
    p.add_argument('--repeat', type=int, default=1,
                   help='passes of each round\'s datagrams')
    p.add_argument('--sender', help='fuzzsend, built from fuzzsend.c')
    p.add_argument('--seed', type=int, required=True)
    p.add_argument('--stats-ns', required=True)
    p.add_argument('--ptun', default='ptun')
    p.add_argument('--settle', type=float, default=120)
    a = p.parse_args(argv[1:])
    PTUN = a.ptun
    rp.load_crypto()
    say(f'seed {a.seed}')

    s_priv = rp.X25519PrivateKey.from_private_bytes(rp.read_key(a.key))
    sr_pub = rp.peer_key(a.peer)
    family, host, port = rp.addr_port(a.endpoint)
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.connect((host, port))
    r = random.Random(a.seed)
    model = Model()
    fs_all = []
    total = {k: 0 for k in OUTCOMES}
    got_total = {k: 0 for k in OUTCOMES}
    sent_total = arrived_total = accounted_total = lost_total = 0
    unexplained = 0
    expired = False
    rnd = 0
    while sent_total < a.count:
        rnd += 1
        drain(sock)
        live = []
        t_hs = time.monotonic()
        for _ in range(2):
            fs, stamp = handshake(sock, s_priv, sr_pub, a.cipher)
            time.sleep(0.05)
            live.append(fs)
        # the receiver: current B, previous A, older ones retired
        for old in fs_all:
            old.live = False
        for fs in live:
            model.sessions[fs.index] = fs
        fs_all = (fs_all + live)[-6:]
        progress(f'round {rnd}: handshakes done')
        hs_bases = [stale_initiation(r, s_priv, sr_pub, stamp,
                                     r.choice([a.cipher, a.cipher, 3 - a.cipher,
                                               3]))
                    for _ in range(6)]
        t0 = time.monotonic()
        left = -(-(a.count - sent_total) // a.repeat)
        corpus, expect = build_round(r, min(a.round, left),
                                     live, fs_all, model, hs_bases, sr_pub)
        # Sent again, the corpus finds every window as the first pass
        # left it: no valid message is accepted twice, and those refused
        # stay refused. Each pass after the first has the same outcomes.
        tops = [fs.window.next for fs in live]
        again = {k: 0 for k in OUTCOMES}
        if a.repeat > 1:
            for msg in corpus:
                again[model.outcome(msg)] += 1
        assert tops == [fs.window.next for fs in live]
        for k in OUTCOMES:
            expect[k] += again[k] * (a.repeat - 1)
        t_gen = time.monotonic() - t0
        # Let the keepalives of the handshakes arrive and be counted
        time.sleep(0.2)
        progress(f'round {rnd}: {len(corpus)} datagrams made')
        before = read_counters(a.stats_ns)
        udp_before = read_udp_mib(a.stats_ns)
        txd_before = read_tx_dropped()
        t0 = time.monotonic()
        send_corpus(sock, corpus, a.repeat, a.sender, host, port)
        elapsed = time.monotonic() - t0
        progress(f'round {rnd}: sent')
        # REJECT_AFTER_TIME is 180 s: the model assumes no session expired
        if time.monotonic() - t_hs > 170:
            say(f'round {rnd} too long: its sessions may have expired; '
                'fewer --repeat')
            expired = True
        n = len(corpus) * a.repeat
        after, udp, arrived, accounted = settle(
            a.stats_ns, before, udp_before, n, expect['keepalive'],
            a.settle)
        progress(f'round {rnd}: settled')
        txd = read_tx_dropped() - txd_before
        udp_err = udp['InErrors'] - udp_before['InErrors']
        lost = n - arrived
        if lost != txd + udp_err:
            unexplained += 1
        say(f'round {rnd} unique {len(corpus)} passes {a.repeat} '
            f'sent {n} arrived {arrived} lost {lost} '
            f'(veth {txd}, udp-errors {udp_err}) elapsed {elapsed:.1f} '
            f'rate {n / max(elapsed, 1e-6):.0f} generated-in {t_gen:.1f}')
        got = {k: after[k] - before[k] for k in RX_DROPS + ('rx',)}
        got['keepalive'] = expect['keepalive']
        for k in OUTCOMES:
            total[k] += expect[k]
            got_total[k] += got[k]
            if expect[k] != got[k]:
                say(f'round {rnd} {k} expect {expect[k]} got {got[k]}')
        sent_total += n
        arrived_total += arrived
        accounted_total += accounted
        lost_total += lost
        # out of load (1 s after the queue was last at the mark) before
        # the next round's handshakes
        time.sleep(1.2)

    say(f'total sent {sent_total} arrived {arrived_total} lost {lost_total} '
        f'accounted {accounted_total} rounds {rnd} '
        f'unexplained-loss-rounds {unexplained}')
    ok = arrived_total == accounted_total and unexplained == 0 and \
        not expired
    for k in OUTCOMES:
        say(f'total {k} expect {total[k]} got {got_total[k]}')
        ok &= total[k] == got_total[k]
    say(f'result {"ok" if ok else "fail"}')
    return 0 if ok else 1


PTUN = 'ptun'

if __name__ == '__main__':
    sys.exit(main(sys.argv))
