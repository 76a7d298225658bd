// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake message authentication codes and cookies.
 *
 * mac1 proves the sender knows our public key, which screens out random
 * traffic before any Diffie-Hellman work. Under load, mac2 must also be
 * right, and it can only be computed with a cookie that we send, without
 * keeping any state, to the source address of the message; an attacker
 * spoofing source addresses never sees it.
 */

#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/string.h>

#include <crypto/algapi.h>

#include "cookie.h"
#include "noise.h"

void ptun_cookie_init(struct ptun_cookie *c)
{
	memset(c, 0, sizeof(*c));
	spin_lock_init(&c->lock);
	get_random_bytes(c->secret, sizeof(c->secret));
	c->secret_born = jiffies;
}

void ptun_cookie_wipe(struct ptun_cookie *c)
{
	spin_lock_bh(&c->lock);
	memzero_explicit(c->secret, sizeof(c->secret));
	memzero_explicit(c->cookie, sizeof(c->cookie));
	c->have_cookie = false;
	memset(c->have_last_mac1, 0, sizeof(c->have_last_mac1));
	spin_unlock_bh(&c->lock);
}

static bool expired(unsigned long born, unsigned int seconds)
{
	return time_after(jiffies, born + seconds * HZ);
}

/* The cookie for @src under the current secret. */
static void make_cookie(struct ptun_cookie *c, u8 out[PTUN_COOKIE_SIZE],
			const struct ptun_endpoint *src)
{
	struct blake2s_state st;

	lockdep_assert_held(&c->lock);

	if (expired(c->secret_born, PTUN_COOKIE_SECRET_LIFE)) {
		get_random_bytes(c->secret, sizeof(c->secret));
		c->secret_born = jiffies;
	}

	blake2s_init_key(&st, PTUN_COOKIE_SIZE, c->secret, PTUN_KEY_SIZE);
	if (src->addr.sa_family == AF_INET)
		blake2s_update(&st, (const u8 *)&src->addr4.sin_addr,
			       sizeof(src->addr4.sin_addr));
	else
		blake2s_update(&st, (const u8 *)&src->addr6.sin6_addr,
			       sizeof(src->addr6.sin6_addr));
	/* sin_port and sin6_port sit at the same offset */
	blake2s_update(&st, (const u8 *)&src->addr4.sin_port,
		       sizeof(src->addr4.sin_port));
	blake2s_final(&st, out);
}

/* Which of last_mac1[] a handshake message of ours goes to. */
static unsigned int mac1_slot(const void *msg)
{
	return *(const u8 *)msg == PTUN_MSG_RESPONSE;
}

void ptun_cookie_add_macs(struct ptun_cookie *c,
			  const u8 mac1_key[PTUN_KEY_SIZE],
			  void *msg, size_t len)
{
	struct ptun_msg_macs *macs = msg + len - sizeof(*macs);
	size_t mac1_len = len - sizeof(*macs);
	size_t mac2_len = mac1_len + PTUN_MAC_SIZE;
	unsigned int i = mac1_slot(msg);

	ptun_noise_mac1(macs->mac1, mac1_key, msg, mac1_len);

	spin_lock_bh(&c->lock);
	memcpy(c->last_mac1[i], macs->mac1, PTUN_MAC_SIZE);
	c->have_last_mac1[i] = true;
	if (c->have_cookie &&
	    !expired(c->cookie_born,
		     PTUN_COOKIE_SECRET_LIFE - PTUN_COOKIE_LATENCY))
		blake2s(macs->mac2, msg, c->cookie, PTUN_MAC_SIZE, mac2_len,
			PTUN_COOKIE_SIZE);
	else
		memset(macs->mac2, 0, PTUN_MAC_SIZE);
	spin_unlock_bh(&c->lock);
}

enum ptun_cookie_verdict
ptun_cookie_validate(struct ptun_cookie *c, const u8 mac1_key[PTUN_KEY_SIZE],
		     const void *msg, size_t len,
		     const struct ptun_endpoint *src, bool under_load)
{
	const struct ptun_msg_macs *macs = msg + len - sizeof(*macs);
	size_t mac1_len = len - sizeof(*macs);
	u8 mac[PTUN_MAC_SIZE], cookie[PTUN_COOKIE_SIZE];
	bool good;

	ptun_noise_mac1(mac, mac1_key, msg, mac1_len);
	if (crypto_memneq(mac, macs->mac1, PTUN_MAC_SIZE))
		return PTUN_COOKIE_BAD_MAC1;
	if (!under_load)
		return PTUN_COOKIE_OK;

	spin_lock_bh(&c->lock);
	make_cookie(c, cookie, src);
	spin_unlock_bh(&c->lock);
	blake2s(mac, msg, cookie, PTUN_MAC_SIZE, mac1_len + PTUN_MAC_SIZE,
		PTUN_COOKIE_SIZE);
	good = !crypto_memneq(mac, macs->mac2, PTUN_MAC_SIZE);
	memzero_explicit(cookie, sizeof(cookie));
	return good ? PTUN_COOKIE_OK : PTUN_COOKIE_NEED_COOKIE;
}

void ptun_cookie_reply_create(struct ptun_cookie *c,
			      const u8 cookie_key[PTUN_KEY_SIZE],
			      struct ptun_msg_cookie *reply,
			      __le32 receiver_index,
			      const u8 mac1[PTUN_MAC_SIZE],
			      const struct ptun_endpoint *src)
{
	u8 cookie[PTUN_COOKIE_SIZE];

	memset(&reply->header, 0, sizeof(reply->header));
	reply->header.type = PTUN_MSG_COOKIE;
	reply->receiver_index = receiver_index;
	get_random_bytes(reply->nonce, sizeof(reply->nonce));

	spin_lock_bh(&c->lock);
	make_cookie(c, cookie, src);
	spin_unlock_bh(&c->lock);

	xchacha20poly1305_encrypt(reply->sealed_cookie, cookie, sizeof(cookie),
				  mac1, PTUN_MAC_SIZE, reply->nonce, cookie_key);
	memzero_explicit(cookie, sizeof(cookie));
}

bool ptun_cookie_reply_consume(struct ptun_cookie *c,
			       const u8 cookie_key[PTUN_KEY_SIZE],
			       const struct ptun_msg_cookie *reply)
{
	u8 cookie[PTUN_COOKIE_SIZE], mac1[2][PTUN_MAC_SIZE];
	bool have[2], ok = false;
	unsigned int i;

	spin_lock_bh(&c->lock);
	memcpy(have, c->have_last_mac1, sizeof(have));
	memcpy(mac1, c->last_mac1, sizeof(mac1));
	spin_unlock_bh(&c->lock);

	for (i = 0; i < ARRAY_SIZE(have); i++) {
		if (have[i] &&
		    xchacha20poly1305_decrypt(cookie, reply->sealed_cookie,
					      sizeof(reply->sealed_cookie),
					      mac1[i], PTUN_MAC_SIZE,
					      reply->nonce, cookie_key)) {
			ok = true;
			break;
		}
	}
	if (ok) {
		spin_lock_bh(&c->lock);
		memcpy(c->cookie, cookie, sizeof(cookie));
		c->cookie_born = jiffies;
		c->have_cookie = true;
		/* one reply per message we sent, unless we sent another */
		if (!crypto_memneq(c->last_mac1[i], mac1[i], PTUN_MAC_SIZE))
			c->have_last_mac1[i] = false;
		spin_unlock_bh(&c->lock);
	}
	memzero_explicit(cookie, sizeof(cookie));
	return ok;
}
