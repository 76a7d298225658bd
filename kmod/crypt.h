/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The AEAD step of the data path, shared by send.c and receive.c: one
 * data message sealed or opened in place in its skb, synchronously or by
 * an asynchronous crypto driver.
 */

#ifndef _PTUN_CRYPT_H
#define _PTUN_CRYPT_H

#include <linux/skbuff.h>
#include <linux/types.h>

#include "messages.h"

struct crypto_aead;
struct ptun_session;

/*
 * One direction's key of a session. AES-256-GCM goes through the crypto
 * API, which picks the fastest driver (AES-NI) but may be asynchronous;
 * ChaCha20-Poly1305 through lib/crypto, one synchronous pass over the
 * data with no request to build, the same code the handshake uses.
 */
struct ptun_crypt_key {
	u16 cipher;			/* enum ptun_cipher */
	union {
		struct crypto_aead *tfm;	/* PTUN_CIPHER_AES_256_GCM */
		u8 raw[PTUN_KEY_SIZE];		/* PTUN_CIPHER_CHACHA20_POLY1305 */
	};
};

bool ptun_crypt_cipher_available(u16 cipher);
int ptun_crypt_key_init(struct ptun_crypt_key *key, u16 cipher,
			const u8 raw[PTUN_KEY_SIZE]);
void ptun_crypt_key_destroy(struct ptun_crypt_key *key);
void ptun_crypt_uninit(void);

/*
 * What the data path remembers about a packet while the AEAD works on
 * it. skb->cb is ours from ndo_start_xmit and from encap_rcv on, until the
 * packet is handed to the UDP tunnel or up the stack.
 */
struct ptun_skb_cb {
	/* referenced; the session also holds the peer */
	struct ptun_session *s;
	/* transmit: length of the inner packet, 0 for a keepalive */
	unsigned int inner_len;
	/* transmit: MTU of the route the inner packet took, 0 for none */
	unsigned int route_mtu;
	/* what skb_cow_data() returned */
	int nfrags;
	/* the outer header's DS field: to be sent, or as received */
	u8 ds;
	/* transmit: ptun_send_nest_level() where it was queued */
	u8 nest;
};

static inline struct ptun_skb_cb *ptun_skb_cb(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct ptun_skb_cb) > sizeof_field(struct sk_buff, cb));
	return (struct ptun_skb_cb *)skb->cb;
}

typedef void (*ptun_crypt_done_t)(struct sk_buff *skb, int err);

/*
 * Seals (@encrypt) or opens the data message at skb->data in place with
 * @key: the 16-byte header is the additional data and its counter the
 * nonce. When sealing, the skb must already end with room for the tag.
 * @nfrags is what skb_cow_data() returned. Called with BH disabled. @done
 * runs exactly once, with BH disabled, maybe on another CPU after
 * ptun_crypt() returned; err is 0 or why the AEAD failed (-EBADMSG: the
 * message does not authenticate; -ENOMEM, -ENOSPC: no memory, or the
 * crypto driver's queue is full).
 */
void ptun_crypt(struct sk_buff *skb, const struct ptun_crypt_key *key,
		bool encrypt, int nfrags, ptun_crypt_done_t done);

#endif /* _PTUN_CRYPT_H */
