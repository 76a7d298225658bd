/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptun wire formats and protocol constants; docs/PROTOCOL.md is the
 * specification and every size here is checked against it at build time.
 */

#ifndef _PTUN_MESSAGES_H
#define _PTUN_MESSAGES_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/types.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>
#include <crypto/blake2s.h>

#define PTUN_KEY_SIZE		32
#define PTUN_HASH_SIZE		BLAKE2S_HASH_SIZE
#define PTUN_TAG_SIZE		16
#define PTUN_MAC_SIZE		16
#define PTUN_COOKIE_SIZE	16
#define PTUN_TIMESTAMP_SIZE	12
#define PTUN_COOKIE_NONCE_SIZE	XCHACHA20POLY1305_NONCE_SIZE
#define PTUN_PADDING		16

enum ptun_msg_type {
	PTUN_MSG_INITIATION = 1,
	PTUN_MSG_RESPONSE = 2,
	PTUN_MSG_COOKIE = 3,
	PTUN_MSG_DATA = 4,
};

struct ptun_msg_header {
	u8 type;
	u8 cipher;	/* handshake messages only; zero otherwise */
	u8 reserved[2];
} __packed;

/* Both handshake messages end with these; mac1 covers everything before it. */
struct ptun_msg_macs {
	u8 mac1[PTUN_MAC_SIZE];
	u8 mac2[PTUN_MAC_SIZE];
} __packed;

struct ptun_msg_initiation {
	struct ptun_msg_header header;
	__le32 sender_index;
	u8 ephemeral[PTUN_KEY_SIZE];
	u8 sealed_static[PTUN_KEY_SIZE + PTUN_TAG_SIZE];
	u8 sealed_timestamp[PTUN_TIMESTAMP_SIZE + PTUN_TAG_SIZE];
	struct ptun_msg_macs macs;
} __packed;

struct ptun_msg_response {
	struct ptun_msg_header header;
	__le32 sender_index;
	__le32 receiver_index;
	u8 ephemeral[PTUN_KEY_SIZE];
	u8 sealed_empty[PTUN_TAG_SIZE];
	struct ptun_msg_macs macs;
} __packed;

struct ptun_msg_cookie {
	struct ptun_msg_header header;
	__le32 receiver_index;
	u8 nonce[PTUN_COOKIE_NONCE_SIZE];
	u8 sealed_cookie[PTUN_COOKIE_SIZE + PTUN_TAG_SIZE];
} __packed;

struct ptun_msg_data {
	struct ptun_msg_header header;
	__le32 receiver_index;
	__le64 counter;
	u8 payload[];
} __packed;

static_assert(sizeof(struct ptun_msg_initiation) == 148);
static_assert(sizeof(struct ptun_msg_response) == 92);
static_assert(sizeof(struct ptun_msg_cookie) == 64);
static_assert(sizeof(struct ptun_msg_data) == 16);

/* Bytes a data message adds to the inner packet, before padding. */
#define PTUN_DATA_OVERHEAD	(sizeof(struct ptun_msg_data) + PTUN_TAG_SIZE)

/* Timers and limits, section 4 of docs/PROTOCOL.md. */
#define PTUN_REKEY_AFTER_MESSAGES	BIT_ULL(60)
#define PTUN_REJECT_AFTER_MESSAGES	(U64_MAX - BIT_ULL(13))
#define PTUN_REKEY_AFTER_TIME		120	/* seconds */
#define PTUN_REJECT_AFTER_TIME		180
#define PTUN_REKEY_ATTEMPT_TIME		90
#define PTUN_REKEY_TIMEOUT_MIN		1
#define PTUN_REKEY_TIMEOUT_MAX		16
#define PTUN_KEEPALIVE_TIMEOUT		10
#define PTUN_COOKIE_SECRET_LIFE		120
/*
 * A cookie we were given is used this much less than the issuer's secret
 * lives: the issuer may have rotated its secret since it made the cookie.
 */
#define PTUN_COOKIE_LATENCY		5
#define PTUN_INITIATION_MIN_GAP_MS	20
/* Timestamps are sent in multiples of this many nanoseconds (2^24). */
#define PTUN_TIMESTAMP_NSEC_GRAIN	BIT(24)
/*
 * Handshake load persists this long after the queue last held
 * handshake_load_mark messages, so that it does not flip per message.
 */
#define PTUN_UNDER_LOAD_HOLD_MS		1000

#endif /* _PTUN_MESSAGES_H */
