#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Sequence-numbered UDP, to count what a path loses and reorders.

  sequdp.py send ADDR PORT SECONDS [RATE] [SIZE]
  sequdp.py recv ADDR PORT IDLE-SECONDS

send: datagrams of SIZE bytes (default 64) carrying a 64-bit sequence
number, RATE a second (0, the default: as fast as it can) for SECONDS,
then a few end markers that carry the number sent. recv: counts until an
end marker, or until nothing came for IDLE-SECONDS, and prints one JSON
line: sent, received, lost (never arrived), reordered (arrived after a
higher number), duplicates. Its socket buffer is made large (64 MiB,
SO_RCVBUFFORCE: root) so that a slow receiver loses nothing on its own;
whatever it still drops shows in the namespace's Udp RcvbufErrors.
"""

import json
import socket
import struct
import sys
import time

END = 0xFFFFFFFFFFFFFFFF
SO_RCVBUFFORCE = 33


def send(addr, port, secs, rate=0, size=64):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    pad = b"\0" * (size - 16)
    seq = 0
    start = time.monotonic()
    end = start + secs
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if rate:
            due = int((now - start) * rate)
            if seq >= due:
                time.sleep(min(0.002, (seq - due + 1) / rate))
                continue
        # 50 at a time: the clock is read once per batch
        for _ in range(50):
            try:
                s.send(struct.pack("!QQ", seq, 0) + pad)
            except OSError:
                # ENOBUFS and the like: the datagram was never sent
                continue
            seq += 1
    for _ in range(5):
        time.sleep(0.2)
        try:
            s.send(struct.pack("!QQ", END, seq) + pad)
        except OSError:
            # the receiver has gone after the first marker
            break
    print(json.dumps({"sent": seq, "seconds": secs}))


def recv(addr, port, idle):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    s.bind((addr, port))
    s.settimeout(idle)
    seen = bytearray()
    received = reordered = dup = 0
    top = -1
    sent = None
    while True:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        seq, extra = struct.unpack_from("!QQ", data)
        if seq == END:
            sent = extra
            break
        if seq >= len(seen):
            seen.extend(b"\0" * (seq + 1 - len(seen) + 65536))
        if seen[seq]:
            dup += 1
            continue
        seen[seq] = 1
        received += 1
        if seq < top:
            reordered += 1
        else:
            top = seq
    if sent is None:
        sent = top + 1
    print(json.dumps({"sent": sent, "received": received,
                      "lost": sent - received, "reordered": reordered,
                      "duplicates": dup}))


def main(argv):
    if len(argv) < 5 or argv[1] not in ("send", "recv"):
        sys.stderr.write(__doc__)
        return 2
    if argv[1] == "send":
        send(argv[2], int(argv[3]), float(argv[4]),
             int(argv[5]) if len(argv) > 5 else 0,
             int(argv[6]) if len(argv) > 6 else 64)
    else:
        recv(argv[2], int(argv[3]), float(argv[4]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
