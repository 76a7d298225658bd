#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Whatever segments a GSO packet yields, none longer than the device MTU
# is sealed and sent: a packet socket with a virtio_net_hdr can ask for
# any gso_size, and a segment of almost 64 KiB would make an outer
# datagram longer than IP can say. Such segments are dropped and counted
# as drop-tx-error.
#
#   sa: AF_PACKET (SOCK_RAW) + PACKET_VNET_HDR on ptun0, TCP GSO packets to 10.10.0.2
#       nft counts the outer datagrams leaving wan0, and those longer
#       than wan0's MTU (which legitimate ones never are)

source "$(dirname "$0")/lib.sh"

cat > "$TMP/gso.py" <<'EOT'
import socket, struct, sys

dev, src, dst = sys.argv[1:4]
size, gso_size = int(sys.argv[4]), int(sys.argv[5])
ETH_P_IP, SOL_PACKET, PACKET_VNET_HDR = 0x0800, 263, 15


def csum(data):
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
saddr, daddr = socket.inet_aton(src), socket.inet_aton(dst)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40 + size, 1, 0x4000, 64, 6, 0,
                 saddr, daddr)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
# With NEEDS_CSUM the TCP checksum field holds the pseudo-header sum.
pseudo = ~csum(saddr + daddr + struct.pack("!HH", 6, 20 + size)) & 0xffff
tcp = struct.pack("!HHIIBBHHH", 40000, 9, 1, 0, 5 << 4, 0x18, 65535, pseudo, 0)
# flags NEEDS_CSUM, gso_type TCPV4, hdr_len, gso_size, csum_start, csum_offset
vnet = struct.pack("=BBHHHH", 1, 1, 40, gso_size, 20, 16)
s.sendto(vnet + ip + tcp + b"x" * size, (dev, ETH_P_IP))
EOT

# nft_count NS TABLE COUNTER: packets counted by a named counter
nft_count()
{
	in_ns "$1" nft list counter inet "$2" "$3" |
		awk '$1 == "packets" { print $2 }'
}

# gso SIZE GSO_SIZE: one TCP packet of SIZE payload bytes from sa to sb
gso()
{
	in_ns sa "$PYTHON" "$TMP/gso.py" ptun0 10.10.0.1 10.10.0.2 "$1" "$2"
}

sites_setup_check "two sites" 4
mtu=$(ip -n sa -o link show ptun0 | sed -n "s/.* mtu \([0-9]*\).*/\1/p")
diag "ptun0 MTU $mtu"
# The longest legitimate outer datagram: the MTU, the data header and tag,
# UDP and IPv4
outer_max=$((mtu + 32 + 8 + 20))
check "nft counters on sa's wan0" in_ns sa nft -f - <<EOT
table inet ptun_len {
	counter oversized {}
	chain out {
		type filter hook postrouting priority 0;
		oifname "wan0" udp sport $PTUN_PORT meta length > $outer_max counter name oversized
	}
}
EOT
check "tunnel works" ping_ok sa 10.10.0.2

# Legitimate: segments of MTU size at most
rx0=$(ctr sb rx-packets)
err0=$(ctr sa drop-tx-error)
check "a GSO packet with an honest gso_size is sent" gso 3000 1000
check "its 3 segments arrive" wait_for 10 ctr_ge sb rx-packets $((rx0 + 3))
check_eq "no tx-error" "$err0" "$(ctr sa drop-tx-error)"

# Forged: gso_size past the MTU, one segment too long and one short
rx0=$(ctr sb rx-packets)
check "a GSO packet with gso_size beyond the MTU is accepted by the socket" \
	gso 3000 $((mtu + 500))
check_rise "the segment longer than the MTU counts as tx-error" sa \
	drop-tx-error "$err0" 1
check "the short segment still arrives" \
	wait_for 10 ctr_ge sb rx-packets $((rx0 + 1))

# Forged: one packet of 65535 bytes, whose outer datagram would be longer
# than an IPv4 length can say
err0=$(ctr sa drop-tx-error)
check "a 64 KiB packet with gso_size 64 KiB is accepted by the socket" \
	gso 65495 65495
check_rise "it counts as tx-error" sa drop-tx-error "$err0" 1
check_eq "no outer datagram longer than the MTU allows left wan0" 0 \
	"$(nft_count sa ptun_len oversized)"
check "the tunnel still works" ping_ok sa 10.10.0.2

ktap_done
