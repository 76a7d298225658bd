/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ptun: encrypted point-to-point tunnel device, generic netlink API.
 *
 * A ptun device is created and destroyed through rtnetlink like any other
 * link ("ip link add ptun0 type ptun"). Everything specific to ptun is read
 * and written through the generic netlink family PTUN_GENL_NAME. The family
 * is per network namespace and both commands need CAP_NET_ADMIN in the user
 * namespace that owns the device's namespace.
 *
 * A device has at most one peer: ptun is point to point.
 *
 * PTUN_CMD_GET_DEVICE
 * -------------------
 * As a "do" request it must carry exactly one of PTUN_A_DEVICE_IFINDEX or
 * PTUN_A_DEVICE_IFNAME and answers with one message describing that device.
 * As a dump request (NLM_F_DUMP) it may carry neither, and then describes
 * every ptun device of the namespace; with a selector it describes that
 * device only. A reply looks like:
 *
 *    PTUN_A_DEVICE_IFINDEX: NLA_U32
 *    PTUN_A_DEVICE_IFNAME: NLA_NUL_STRING, at most IFNAMSIZ - 1 characters
 *    PTUN_A_DEVICE_PUBLIC_KEY: NLA_EXACT_LEN, PTUN_KEY_LEN bytes; present
 *                              only once a private key was set
 *    PTUN_A_DEVICE_LISTEN_PORT: NLA_U16, host byte order; 0 means "not
 *                               chosen yet" (see SET)
 *    PTUN_A_DEVICE_CIPHER: NLA_U16, an enum ptun_cipher
 *    PTUN_A_DEVICE_MSS_CLAMP: NLA_U16, as set (0: off)
 *    PTUN_A_DEVICE_STATS: NLA_NESTED, see enum ptun_stats_attr
 *    PTUN_A_DEVICE_PEER: NLA_NESTED, present only if a peer is configured
 *        PTUN_A_PEER_PUBLIC_KEY: NLA_EXACT_LEN, PTUN_KEY_LEN bytes
 *        PTUN_A_PEER_FLAGS: NLA_U32, PTUN_PEER_F_HAS_PRESHARED_KEY if a
 *                           preshared key is set
 *        PTUN_A_PEER_ENDPOINT_IPV4 or PTUN_A_PEER_ENDPOINT_IPV6: the peer's
 *            outer address, 4 or 16 bytes, network byte order; absent if
 *            no endpoint is known
 *        PTUN_A_PEER_ENDPOINT_PORT: NLA_U16, host byte order, with either
 *        PTUN_A_PEER_PERSISTENT_KEEPALIVE: NLA_U16, seconds, 0 means off
 *        PTUN_A_PEER_ALLOWED_IPS: NLA_NESTED, a list of
 *            PTUN_A_ALLOWED_IP: NLA_NESTED
 *                PTUN_A_ALLOWED_IP_FAMILY: NLA_U16, AF_INET or AF_INET6
 *                PTUN_A_ALLOWED_IP_ADDR: 4 or 16 bytes, network byte order
 *                PTUN_A_ALLOWED_IP_PREFIX_LEN: NLA_U8
 *
 * The private key and the preshared key are write-only: no reply ever
 * carries them.
 *
 * A "do" request answers -EMSGSIZE (with an extended ack message) when the
 * device's allowed IPs do not fit one message: dump it instead. A dump
 * describes a device whose allowed IPs do not fit one message in several
 * consecutive messages: the first carries everything above with the first
 * allowed IPs, each next one only PTUN_A_DEVICE_IFINDEX,
 * PTUN_A_DEVICE_IFNAME and PTUN_A_DEVICE_PEER holding PTUN_A_PEER_PUBLIC_KEY
 * and PTUN_A_PEER_ALLOWED_IPS with the next allowed IPs, in order. A
 * message naming the same ifindex as the one before it in the dump is such
 * a continuation. If the configuration changed between two messages of a
 * dump, the later one carries NLM_F_DUMP_INTR: the reader should dump
 * again.
 *
 * PTUN_CMD_SET_DEVICE
 * -------------------
 * Carries exactly one of PTUN_A_DEVICE_IFINDEX or PTUN_A_DEVICE_IFNAME and
 * any of the attributes below. An attribute that is absent leaves its value
 * as it is. The request is validated whole before anything is applied: if
 * it is rejected (with an extended ack message saying why), the device is
 * left exactly as it was.
 *
 *    PTUN_A_DEVICE_PRIVATE_KEY: PTUN_KEY_LEN bytes, an X25519 private key;
 *                               all zeros removes the key
 *    PTUN_A_DEVICE_LISTEN_PORT: NLA_U16, host byte order; 0 lets the kernel
 *                               choose a free port. The UDP sockets stay in
 *                               the namespace the device was created in,
 *                               also after it moved to another one, so a
 *                               port other than the current one also needs
 *                               CAP_NET_ADMIN in the user namespace owning
 *                               that creating namespace (else -EPERM, and
 *                               always once that namespace is gone). The
 *                               peer's endpoint is reached from there too,
 *                               with no such check.
 *    PTUN_A_DEVICE_CIPHER: NLA_U16, an enum ptun_cipher the running kernel's
 *                          crypto API can provide; both ends must agree
 *    PTUN_A_DEVICE_MSS_CLAMP: NLA_U16, the MSS option of TCP SYN and
 *                             SYN-ACK segments crossing the device, both
 *                             ways, is lowered to at most: 0 (the
 *                             default) nothing, PTUN_MSS_CLAMP_AUTO what
 *                             fits the device MTU (and the inner route's,
 *                             if lower) after the IP and TCP headers,
 *                             536-65535 that many bytes. Other values are
 *                             refused (-EINVAL).
 *    PTUN_A_DEVICE_FLAGS: NLA_U32, absent means 0. PTUN_DEVICE_F_REMOVE_PEER
 *                         removes the peer (and its keys) before the rest
 *                         is applied; PTUN_DEVICE_F_ALLOWED_IPS_MORE and
 *                         PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE: see "Long
 *                         lists" below
 *    PTUN_A_DEVICE_PEER: NLA_NESTED
 *        PTUN_A_PEER_PUBLIC_KEY: the peer's X25519 public key. Setting a
 *            key different from the current peer's replaces the peer: its
 *            preshared key, endpoint, keepalive and allowed IPs start from
 *            empty. Needed when no peer exists yet (else -ENOENT). The
 *            points of small order of Curve25519 (all zeros among them)
 *            have no shared secret with any private key and are refused
 *            (-EINVAL), and so is the device's own public key.
 *        PTUN_A_PEER_PRESHARED_KEY: PTUN_KEY_LEN bytes; all zeros removes it
 *        PTUN_A_PEER_ENDPOINT_IPV4 or PTUN_A_PEER_ENDPOINT_IPV6, with
 *        PTUN_A_PEER_ENDPOINT_PORT (1-65535): the peer's outer address, a
 *            unicast address of another host. Refused (-EINVAL): IPv4
 *            0.0.0.0, loopback, multicast and 255.255.255.255; IPv6 ::,
 *            ::1, multicast and IPv4-mapped (::ffff:a.b.c.d: give the IPv4
 *            address instead)
 *        PTUN_A_PEER_PERSISTENT_KEEPALIVE: NLA_U16 seconds, 0 turns it off
 *        PTUN_A_PEER_ALLOWED_IPS: the complete new list of inner subnets
 *            (replace semantics; an empty nest clears the list, an absent
 *            one keeps it), at most the module parameter max_allowed_ips
 *            entries (default 1048576, else -E2BIG), each once (else
 *            -EEXIST). Host bits below the prefix length must be zero
 *            (else -EINVAL). The list is matched longest prefix first, in
 *            time bounded by the address length, not by the list's size.
 *
 * Long lists
 * ----------
 * A list too long for one message (an attribute is at most 64 KiB long:
 * about 1600 IPv6 or 2300 IPv4 entries) is sent in several SETs, and still
 * applied all or nothing:
 *
 *  1. The first SET carries PTUN_DEVICE_F_ALLOWED_IPS_MORE and the first
 *     entries. The kernel only stages them: nothing changes on the device.
 *  2. Each middle SET carries PTUN_DEVICE_F_ALLOWED_IPS_MORE and
 *     PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE and the next entries, staged too.
 *  3. The last SET carries PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE without
 *     PTUN_DEVICE_F_ALLOWED_IPS_MORE, the last entries (an absent
 *     PTUN_A_PEER_ALLOWED_IPS counts as none) and any other attribute of
 *     an ordinary SET. It is applied as one SET whose allowed IPs are all
 *     the staged entries followed by its own: the staged list becomes the
 *     peer's (the peer this last message names) at once, or nothing
 *     changes.
 *
 * A SET with PTUN_DEVICE_F_ALLOWED_IPS_MORE carries nothing but the device
 * selector, PTUN_A_DEVICE_FLAGS and PTUN_A_DEVICE_PEER holding only
 * PTUN_A_PEER_ALLOWED_IPS (else -EINVAL). A SET with
 * PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE must carry PTUN_A_DEVICE_PEER, and
 * needs a list staged by the same netlink socket (portid) on this device
 * (else -ENOENT). The staged list is one per device, bounded by
 * max_allowed_ips (else -E2BIG), and is discarded, with nothing applied,
 * by: any SET of this device that does not continue it (another socket's,
 * or one without PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE), any rejected SET of
 * this device, the device going down (a staging SET that raced with it
 * fails with -EAGAIN) or being deleted. A socket that stages and goes away
 * leaves the list staged until one of these happens.
 *
 * Counters
 * --------
 * PTUN_A_DEVICE_STATS holds unsigned 64-bit counters (NLA_U64) since the
 * device was created. PTUN_A_STATS_LAST_HANDSHAKE is the wall-clock time of
 * the last completed handshake in nanoseconds since the epoch, 0 if none.
 * PTUN_A_STATS_DROP_* count packets dropped, by reason.
 */

#ifndef _UAPI_LINUX_PTUN_H
#define _UAPI_LINUX_PTUN_H

#define PTUN_GENL_NAME		"ptun"
#define PTUN_GENL_VERSION	1

#define PTUN_KEY_LEN		32

enum ptun_cmd {
	PTUN_CMD_UNSPEC,
	PTUN_CMD_GET_DEVICE,
	PTUN_CMD_SET_DEVICE,
	__PTUN_CMD_MAX
};

#define PTUN_CMD_MAX (__PTUN_CMD_MAX - 1)

enum ptun_cipher {
	PTUN_CIPHER_UNSPEC,
	PTUN_CIPHER_AES_256_GCM,	/* default */
	PTUN_CIPHER_CHACHA20_POLY1305,
	__PTUN_CIPHER_MAX
};

#define PTUN_CIPHER_MAX (__PTUN_CIPHER_MAX - 1)

/* PTUN_A_DEVICE_MSS_CLAMP values other than a segment size */
#define PTUN_MSS_CLAMP_OFF	0
#define PTUN_MSS_CLAMP_AUTO	1
#define PTUN_MSS_CLAMP_MIN	536

enum ptun_device_flag {
	PTUN_DEVICE_F_REMOVE_PEER = 1U << 0,
	/* more allowed IPs follow in the next SET: see "Long lists" above */
	PTUN_DEVICE_F_ALLOWED_IPS_MORE = 1U << 1,
	/* this SET continues the allowed IPs staged by the previous ones */
	PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE = 1U << 2,
	__PTUN_DEVICE_F_ALL = PTUN_DEVICE_F_REMOVE_PEER |
			      PTUN_DEVICE_F_ALLOWED_IPS_MORE |
			      PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE
};

enum ptun_device_attr {
	PTUN_A_DEVICE_UNSPEC,
	PTUN_A_DEVICE_IFINDEX,
	PTUN_A_DEVICE_IFNAME,
	PTUN_A_DEVICE_PRIVATE_KEY,
	PTUN_A_DEVICE_PUBLIC_KEY,
	PTUN_A_DEVICE_LISTEN_PORT,
	PTUN_A_DEVICE_CIPHER,
	PTUN_A_DEVICE_FLAGS,
	PTUN_A_DEVICE_PEER,
	PTUN_A_DEVICE_STATS,
	PTUN_A_DEVICE_MSS_CLAMP,
	__PTUN_A_DEVICE_MAX
};

#define PTUN_A_DEVICE_MAX (__PTUN_A_DEVICE_MAX - 1)

enum ptun_peer_flag {
	PTUN_PEER_F_HAS_PRESHARED_KEY = 1U << 0,
};

enum ptun_peer_attr {
	PTUN_A_PEER_UNSPEC,
	PTUN_A_PEER_PUBLIC_KEY,
	PTUN_A_PEER_PRESHARED_KEY,
	PTUN_A_PEER_FLAGS,
	PTUN_A_PEER_ENDPOINT_IPV4,
	PTUN_A_PEER_ENDPOINT_IPV6,
	PTUN_A_PEER_ENDPOINT_PORT,
	PTUN_A_PEER_PERSISTENT_KEEPALIVE,
	PTUN_A_PEER_ALLOWED_IPS,
	__PTUN_A_PEER_MAX
};

#define PTUN_A_PEER_MAX (__PTUN_A_PEER_MAX - 1)

/* The only attribute type inside PTUN_A_PEER_ALLOWED_IPS. */
#define PTUN_A_ALLOWED_IP 1

enum ptun_allowed_ip_attr {
	PTUN_A_ALLOWED_IP_UNSPEC,
	PTUN_A_ALLOWED_IP_FAMILY,
	PTUN_A_ALLOWED_IP_ADDR,
	PTUN_A_ALLOWED_IP_PREFIX_LEN,
	__PTUN_A_ALLOWED_IP_MAX
};

#define PTUN_A_ALLOWED_IP_MAX (__PTUN_A_ALLOWED_IP_MAX - 1)

enum ptun_stats_attr {
	PTUN_A_STATS_UNSPEC,
	PTUN_A_STATS_PAD,
	PTUN_A_STATS_RX_PACKETS,
	PTUN_A_STATS_RX_BYTES,
	PTUN_A_STATS_TX_PACKETS,
	PTUN_A_STATS_TX_BYTES,
	PTUN_A_STATS_HANDSHAKES,
	PTUN_A_STATS_LAST_HANDSHAKE,
	/* data message failed authentication (bad tag, wrong key) */
	PTUN_A_STATS_DROP_AUTH,
	/* counter already seen or left behind the replay window */
	PTUN_A_STATS_DROP_REPLAY,
	/* decrypted inner source address outside the allowed IPs */
	PTUN_A_STATS_DROP_SRC_NOT_ALLOWED,
	/* transmitted inner destination outside the allowed IPs */
	PTUN_A_STATS_DROP_DST_NOT_ALLOWED,
	/* no usable session for the packet (not established, expired) */
	PTUN_A_STATS_DROP_NO_SESSION,
	/* truncated, unknown type, bad lengths, not IP inside */
	PTUN_A_STATS_DROP_MALFORMED,
	/*
	 * authenticated initiation or response that names another data
	 * cipher than this end's (a peer configured with another cipher)
	 */
	PTUN_A_STATS_DROP_CIPHER_MISMATCH,
	/*
	 * handshake message refused: wrong mac1, failed authentication,
	 * replayed or too soon after the last, no keys configured, handshake
	 * queue full, answered with a cookie reply under load, rate limited,
	 * or a cookie reply that answers nothing of ours (docs/PROTOCOL.md,
	 * sections 2.5 and 5)
	 */
	PTUN_A_STATS_DROP_HANDSHAKE,
	/* transmit with no peer or no endpoint, or the underlay refused it */
	PTUN_A_STATS_DROP_TX_ERROR,
	/* received, but no memory or crypto queue room to process it */
	PTUN_A_STATS_DROP_RX_ERROR,
	__PTUN_A_STATS_MAX
};

#define PTUN_A_STATS_MAX (__PTUN_A_STATS_MAX - 1)

#endif /* _UAPI_LINUX_PTUN_H */
