/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ptun handshake computations (docs/PROTOCOL.md, section 2): pure
 * functions over explicit keys, with no knowledge of devices or timers.
 */

#ifndef _PTUN_NOISE_H
#define _PTUN_NOISE_H

#include "messages.h"

/*
 * Everything derived from the static configuration, computed once when a
 * key changes rather than on each handshake. Immutable once published; the
 * owner frees it with kfree_sensitive().
 */
struct ptun_noise_keys {
	u8 local_priv[PTUN_KEY_SIZE];
	u8 local_pub[PTUN_KEY_SIZE];
	u8 remote_pub[PTUN_KEY_SIZE];
	u8 psk[PTUN_KEY_SIZE];
	/* DH(local_priv, remote_pub) */
	u8 static_dh[PTUN_KEY_SIZE];
	/* HASH(H0 || responder's static key), as initiator and as responder */
	u8 hash_initiate[PTUN_HASH_SIZE];
	u8 hash_respond[PTUN_HASH_SIZE];
	/* mac1 keys: for messages we send, for messages we receive */
	u8 mac1_send[PTUN_KEY_SIZE];
	u8 mac1_recv[PTUN_KEY_SIZE];
	/* cookie reply keys: for replies we send, for replies we receive */
	u8 cookie_send[PTUN_KEY_SIZE];
	u8 cookie_recv[PTUN_KEY_SIZE];
	u8 cipher;
};

/* One handshake in progress, on either side. */
struct ptun_noise_hs {
	u8 chain[PTUN_HASH_SIZE];
	u8 hash[PTUN_HASH_SIZE];
	u8 ephemeral_priv[PTUN_KEY_SIZE];
	u8 ephemeral_pub[PTUN_KEY_SIZE];
	u8 remote_ephemeral[PTUN_KEY_SIZE];
	__le32 local_index;
	__le32 remote_index;
};

struct ptun_session_keys {
	u8 send[PTUN_KEY_SIZE];
	u8 recv[PTUN_KEY_SIZE];
};

void ptun_noise_init(void);
int ptun_noise_keys_init(struct ptun_noise_keys *keys,
			 const u8 local_priv[PTUN_KEY_SIZE],
			 const u8 remote_pub[PTUN_KEY_SIZE],
			 const u8 psk[PTUN_KEY_SIZE], u8 cipher);

int ptun_noise_initiation_create(struct ptun_noise_hs *hs,
				 const struct ptun_noise_keys *keys,
				 struct ptun_msg_initiation *msg);
int ptun_noise_initiation_consume(struct ptun_noise_hs *hs,
				  const struct ptun_noise_keys *keys,
				  const struct ptun_msg_initiation *msg,
				  u8 timestamp[PTUN_TIMESTAMP_SIZE]);
int ptun_noise_response_create(struct ptun_noise_hs *hs,
			       const struct ptun_noise_keys *keys,
			       struct ptun_msg_response *msg,
			       struct ptun_session_keys *out);
int ptun_noise_response_consume(struct ptun_noise_hs *hs,
				const struct ptun_noise_keys *keys,
				const struct ptun_msg_response *msg,
				struct ptun_session_keys *out);

void ptun_noise_mac1(u8 mac[PTUN_MAC_SIZE], const u8 key[PTUN_KEY_SIZE],
		     const void *msg, size_t len);
void ptun_noise_timestamp(u8 out[PTUN_TIMESTAMP_SIZE]);

#ifdef PTUN_DEBUG
bool ptun_noise_selftest(void);
#endif

#endif /* _PTUN_NOISE_H */
