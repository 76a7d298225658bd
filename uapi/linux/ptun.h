/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/ptun.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_PTUN_H
#define _UAPI_LINUX_PTUN_H

#define PTUN_GENL_NAME		"ptun"
#define PTUN_GENL_VERSION	1

#define PTUN_KEY_LEN	32

/**
 * enum ptun_cipher - The data cipher of a device; both ends must agree.
 * @PTUN_CIPHER_UNSPEC: Not a cipher.
 * @PTUN_CIPHER_AES_256_GCM: AES-256-GCM, the default.
 * @PTUN_CIPHER_CHACHA20_POLY1305: ChaCha20-Poly1305.
 */
enum ptun_cipher {
	PTUN_CIPHER_UNSPEC,
	PTUN_CIPHER_AES_256_GCM,
	PTUN_CIPHER_CHACHA20_POLY1305,

	/* private: */
	__PTUN_CIPHER_MAX,
	PTUN_CIPHER_MAX = (__PTUN_CIPHER_MAX - 1)
};

#define PTUN_MSS_CLAMP_OFF		0
#define PTUN_MSS_CLAMP_AUTO		1
#define PTUN_MSS_CLAMP_MIN		536
#define PTUN_ENDPOINTS_MAX		8
#define PTUN_FAILOVER_TIMEOUT_DEFAULT	5
#define PTUN_FAILBACK_INTERVAL_DEFAULT	60

/**
 * enum ptun_endpoint_state - What a candidate endpoint is to the peer
 *   (read-only).
 * @PTUN_ENDPOINT_STATE_STANDBY: Not in use; tried when the one in use fails.
 * @PTUN_ENDPOINT_STATE_ACTIVE: The peer's current endpoint, where data and
 *   handshakes go.
 * @PTUN_ENDPOINT_STATE_FAILED: Handshake initiations to it went unanswered for
 *   the failover-timeout; it stays failed until it answers again (a failback
 *   probe or the failover wrapping round to it) or a SET names the list anew.
 */
enum ptun_endpoint_state {
	PTUN_ENDPOINT_STATE_STANDBY,
	PTUN_ENDPOINT_STATE_ACTIVE,
	PTUN_ENDPOINT_STATE_FAILED,
};

/**
 * enum ptun_device_flag - Flags of a SET (the device flags attribute).
 * @PTUN_DEVICE_F_REMOVE_PEER: Removes the peer (and its keys) before the rest
 *   is applied.
 * @PTUN_DEVICE_F_ALLOWED_IPS_MORE: More allowed IPs follow in the next SET
 *   (see "Long lists").
 * @PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE: This SET continues the allowed IPs
 *   staged by the previous ones.
 */
enum ptun_device_flag {
	PTUN_DEVICE_F_REMOVE_PEER = 1,
	PTUN_DEVICE_F_ALLOWED_IPS_MORE = 2,
	PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE = 4,

	/* private: */
	PTUN_DEVICE_F_MASK = 7,
};

/**
 * enum ptun_peer_flag - Flags describing a peer (the peer flags attribute,
 *   read-only).
 * @PTUN_PEER_F_HAS_PRESHARED_KEY: A preshared key is set.
 */
enum ptun_peer_flag {
	PTUN_PEER_F_HAS_PRESHARED_KEY = 1,
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
	PTUN_A_PEER_ENDPOINTS,
	PTUN_A_PEER_FAILOVER_TIMEOUT,
	PTUN_A_PEER_FAILBACK_INTERVAL,

	__PTUN_A_PEER_MAX
};
#define PTUN_A_PEER_MAX (__PTUN_A_PEER_MAX - 1)

enum ptun_allowed_ips_attr {
	PTUN_A_ALLOWED_IP = 1,

	__PTUN_A_ALLOWED_IPS_MAX
};
#define PTUN_A_ALLOWED_IPS_MAX (__PTUN_A_ALLOWED_IPS_MAX - 1)

enum ptun_allowed_ip_attr {
	PTUN_A_ALLOWED_IP_UNSPEC,
	PTUN_A_ALLOWED_IP_FAMILY,
	PTUN_A_ALLOWED_IP_ADDR,
	PTUN_A_ALLOWED_IP_PREFIX_LEN,

	__PTUN_A_ALLOWED_IP_MAX
};
#define PTUN_A_ALLOWED_IP_MAX (__PTUN_A_ALLOWED_IP_MAX - 1)

enum ptun_endpoints_attr {
	PTUN_A_ENDPOINTS_ENTRY = 1,

	__PTUN_A_ENDPOINTS_MAX
};
#define PTUN_A_ENDPOINTS_MAX (__PTUN_A_ENDPOINTS_MAX - 1)

enum ptun_endpoint_attr {
	PTUN_A_ENDPOINT_UNSPEC,
	PTUN_A_ENDPOINT_IPV4,
	PTUN_A_ENDPOINT_IPV6,
	PTUN_A_ENDPOINT_PORT,
	PTUN_A_ENDPOINT_STATE,

	__PTUN_A_ENDPOINT_MAX
};
#define PTUN_A_ENDPOINT_MAX (__PTUN_A_ENDPOINT_MAX - 1)

enum ptun_stats_attr {
	PTUN_A_STATS_UNSPEC,
	PTUN_A_STATS_PAD,
	PTUN_A_STATS_RX_PACKETS,
	PTUN_A_STATS_RX_BYTES,
	PTUN_A_STATS_TX_PACKETS,
	PTUN_A_STATS_TX_BYTES,
	PTUN_A_STATS_HANDSHAKES,
	PTUN_A_STATS_LAST_HANDSHAKE,
	PTUN_A_STATS_DROP_AUTH,
	PTUN_A_STATS_DROP_REPLAY,
	PTUN_A_STATS_DROP_SRC_NOT_ALLOWED,
	PTUN_A_STATS_DROP_DST_NOT_ALLOWED,
	PTUN_A_STATS_DROP_NO_SESSION,
	PTUN_A_STATS_DROP_MALFORMED,
	PTUN_A_STATS_DROP_CIPHER_MISMATCH,
	PTUN_A_STATS_DROP_HANDSHAKE,
	PTUN_A_STATS_DROP_TX_ERROR,
	PTUN_A_STATS_DROP_RX_ERROR,

	__PTUN_A_STATS_MAX
};
#define PTUN_A_STATS_MAX (__PTUN_A_STATS_MAX - 1)

enum ptun_cmd {
	PTUN_CMD_UNSPEC,
	PTUN_CMD_GET_DEVICE,
	PTUN_CMD_SET_DEVICE,

	__PTUN_CMD_MAX
};
#define PTUN_CMD_MAX (__PTUN_CMD_MAX - 1)

#endif /* _UAPI_LINUX_PTUN_H */
