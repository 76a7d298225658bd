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

#define PTUN_MSS_CLAMP_OFF	0
#define PTUN_MSS_CLAMP_AUTO	1
#define PTUN_MSS_CLAMP_MIN	536

/**
 * enum ptun_link_state - What a device's carrier follows (link-state).
 * @PTUN_LINK_STATE_UP: The carrier is always on; a handshake starts when a
 *   packet is to be sent (the default).
 * @PTUN_LINK_STATE_SESSION: The carrier is on only while the device has a
 *   session; the device starts a handshake by itself whenever it is up,
 *   configured and has none, and rekeys an idle session before it expires.
 */
enum ptun_link_state {
	PTUN_LINK_STATE_UP,
	PTUN_LINK_STATE_SESSION,

	/* private: */
	__PTUN_LINK_STATE_MAX,
	PTUN_LINK_STATE_MAX = (__PTUN_LINK_STATE_MAX - 1)
};

#define PTUN_ENDPOINT_NAME_MAX_LEN	255
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

/**
 * enum ptun_event_type - What an event reports: a message of the event command
 *   (attribute set event), multicast to the "events" group (PTUN_MCGRP_EVENTS)
 *   of the device's namespace. Joining the group needs CAP_NET_ADMIN in the
 *   user namespace that owns that namespace. Only local configuration and
 *   authenticated messages cause events: a datagram that does not authenticate
 *   never does. Each device sends bursts of at most 20 events, then 10 a
 *   second; the others are lost and counted in the stats attribute
 *   events-suppressed.
 * @PTUN_EVENT_UNSPEC: Not an event.
 * @PTUN_EVENT_SESSION_UP: The device went from no usable session to one: a
 *   handshake completed. The initiator reports it when the peer's response
 *   authenticates, the responder when the initiator's first data message (or
 *   keepalive) confirms the session. Carries cipher.
 * @PTUN_EVENT_REKEY: A new session replaced a live one, at the same moments as
 *   session-up. Carries cipher.
 * @PTUN_EVENT_SESSION_DOWN: No usable session is left. Carries reason: the
 *   sessions expired (reject-after-time passed, as when the peer stays
 *   silent), the device went down, or the sessions were reset by a SET (new
 *   keys, peer replaced or removed) or the device's deletion. Only after a
 *   session-up.
 * @PTUN_EVENT_ENDPOINT_CHANGED: An authenticated message from the peer (data,
 *   keepalive or a handshake response) came from another address or port than
 *   the current endpoint, and the endpoint moved there (roaming). Carries the
 *   old endpoint (absent if none was known) and the new one. A SET of the
 *   endpoint reports config-changed instead.
 * @PTUN_EVENT_FAILOVER: The peer's active candidate endpoint changed (a peer
 *   with two or more candidates, docs/PROTOCOL.md section 4.1). Carries
 *   failover-reason, the endpoint before (old-endpoint, absent if none was
 *   known) and the one now in use (endpoint).
 * @PTUN_EVENT_HANDSHAKE_TIMEOUT: Our initiations to the current endpoint got
 *   no answer for REKEY_ATTEMPT_TIME (90 s) and the handshake gave up. Carries
 *   the endpoint.
 * @PTUN_EVENT_CONFIG_CHANGED: A SET was applied (never a rejected one, nor a
 *   SET that only stages allowed IPs). Carries changed: what the SET set.
 */
enum ptun_event_type {
	PTUN_EVENT_UNSPEC,
	PTUN_EVENT_SESSION_UP,
	PTUN_EVENT_REKEY,
	PTUN_EVENT_SESSION_DOWN,
	PTUN_EVENT_ENDPOINT_CHANGED,
	PTUN_EVENT_FAILOVER,
	PTUN_EVENT_HANDSHAKE_TIMEOUT,
	PTUN_EVENT_CONFIG_CHANGED,

	/* private: */
	__PTUN_EVENT_MAX,
	PTUN_EVENT_MAX = (__PTUN_EVENT_MAX - 1)
};

/**
 * enum ptun_down_reason - Why a session-down event happened.
 * @PTUN_DOWN_REASON_UNSPEC: Not a reason.
 * @PTUN_DOWN_REASON_EXPIRED: The last session reached reject-after-time (180 s
 *   without a rekey, as when the peer is silent) and its keys were erased.
 * @PTUN_DOWN_REASON_DEVICE_DOWN: The device was set down.
 * @PTUN_DOWN_REASON_RESET: A SET changed keys, replaced or removed the peer,
 *   or the device is being deleted.
 */
enum ptun_down_reason {
	PTUN_DOWN_REASON_UNSPEC,
	PTUN_DOWN_REASON_EXPIRED,
	PTUN_DOWN_REASON_DEVICE_DOWN,
	PTUN_DOWN_REASON_RESET,

	/* private: */
	__PTUN_DOWN_REASON_MAX,
	PTUN_DOWN_REASON_MAX = (__PTUN_DOWN_REASON_MAX - 1)
};

/**
 * enum ptun_failover_reason - Why a failover event happened.
 * @PTUN_FAILOVER_REASON_UNSPEC: Not a reason.
 * @PTUN_FAILOVER_REASON_TIMEOUT: Initiations to the active candidate went
 *   unanswered for the failover-timeout: the next candidate is tried.
 * @PTUN_FAILOVER_REASON_FAILBACK: An authenticated message came from the first
 *   candidate while another was active (a failback probe was answered).
 * @PTUN_FAILOVER_REASON_ROAMED: An authenticated message came from another
 *   candidate, or from an address that is no candidate (then none is active).
 */
enum ptun_failover_reason {
	PTUN_FAILOVER_REASON_UNSPEC,
	PTUN_FAILOVER_REASON_TIMEOUT,
	PTUN_FAILOVER_REASON_FAILBACK,
	PTUN_FAILOVER_REASON_ROAMED,

	/* private: */
	__PTUN_FAILOVER_REASON_MAX,
	PTUN_FAILOVER_REASON_MAX = (__PTUN_FAILOVER_REASON_MAX - 1)
};

/**
 * enum ptun_config_change - What a SET set, in a config-changed event: the
 *   attributes the request carried, whether or not a value differs from
 *   before.
 * @PTUN_CONFIG_CHANGED_KEYS: The private key or the preshared key.
 * @PTUN_CONFIG_CHANGED_PEER: The peer was added, replaced (new public key) or
 *   removed.
 * @PTUN_CONFIG_CHANGED_ENDPOINT: The peer's endpoint.
 * @PTUN_CONFIG_CHANGED_ALLOWED_IPS: The peer's allowed IPs.
 * @PTUN_CONFIG_CHANGED_LISTEN_PORT: The listen port.
 * @PTUN_CONFIG_CHANGED_CIPHER: The data cipher.
 * @PTUN_CONFIG_CHANGED_KEEPALIVE: The persistent keepalive interval.
 * @PTUN_CONFIG_CHANGED_MSS_CLAMP: The MSS clamp.
 * @PTUN_CONFIG_CHANGED_LINK_STATE: The link state.
 */
enum ptun_config_change {
	PTUN_CONFIG_CHANGED_KEYS = 1,
	PTUN_CONFIG_CHANGED_PEER = 2,
	PTUN_CONFIG_CHANGED_ENDPOINT = 4,
	PTUN_CONFIG_CHANGED_ALLOWED_IPS = 8,
	PTUN_CONFIG_CHANGED_LISTEN_PORT = 16,
	PTUN_CONFIG_CHANGED_CIPHER = 32,
	PTUN_CONFIG_CHANGED_KEEPALIVE = 64,
	PTUN_CONFIG_CHANGED_MSS_CLAMP = 128,
	PTUN_CONFIG_CHANGED_LINK_STATE = 256,

	/* private: */
	PTUN_CONFIG_CHANGED_MASK = 511,
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
	PTUN_A_DEVICE_MODULE_VERSION,
	PTUN_A_DEVICE_LINK_STATE,

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
	PTUN_A_PEER_ENDPOINT_NAME,
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
	PTUN_A_STATS_EVENTS_SUPPRESSED,
	PTUN_A_STATS_DROP_RX_QUEUE_FULL,
	PTUN_A_STATS_DROP_TX_QUEUE_FULL,

	__PTUN_A_STATS_MAX
};
#define PTUN_A_STATS_MAX (__PTUN_A_STATS_MAX - 1)

enum ptun_event_attr {
	PTUN_A_EVENT_UNSPEC,
	PTUN_A_EVENT_IFINDEX,
	PTUN_A_EVENT_IFNAME,
	PTUN_A_EVENT_TYPE,
	PTUN_A_EVENT_CIPHER,
	PTUN_A_EVENT_REASON,
	PTUN_A_EVENT_CHANGED,
	PTUN_A_EVENT_ENDPOINT_IPV4,
	PTUN_A_EVENT_ENDPOINT_IPV6,
	PTUN_A_EVENT_ENDPOINT_PORT,
	PTUN_A_EVENT_OLD_ENDPOINT_IPV4,
	PTUN_A_EVENT_OLD_ENDPOINT_IPV6,
	PTUN_A_EVENT_OLD_ENDPOINT_PORT,
	PTUN_A_EVENT_FAILOVER_REASON,

	__PTUN_A_EVENT_MAX
};
#define PTUN_A_EVENT_MAX (__PTUN_A_EVENT_MAX - 1)

enum ptun_cmd {
	PTUN_CMD_UNSPEC,
	PTUN_CMD_GET_DEVICE,
	PTUN_CMD_SET_DEVICE,
	PTUN_CMD_EVENT,

	__PTUN_CMD_MAX
};
#define PTUN_CMD_MAX (__PTUN_CMD_MAX - 1)

#define PTUN_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_PTUN_H */
