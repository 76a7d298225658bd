// SPDX-License-Identifier: GPL-2.0
/*
 * The ptun handshake: Noise IKpsk2 over X25519, ChaCha20-Poly1305 and
 * BLAKE2s, as written down in docs/PROTOCOL.md section 2. Every function
 * here is pure computation over the keys it is given; the caller owns
 * the state, its locking and its lifetime. Intermediate secrets live on
 * the stack only as long as needed and are wiped before return.
 */

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include <crypto/algapi.h>

#include "noise.h"

static const char construction[] =
	"ptun/1 Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s";
static const char identifier[] = "ptun/1 point-to-point tunnel";
static const char label_mac1[] = "ptun/1 mac1";
static const char label_cookie[] = "ptun/1 cookie";

/* C0 and H0 of the specification, computed once at module load. */
static u8 chain0[PTUN_HASH_SIZE] __ro_after_init;
static u8 hash0[PTUN_HASH_SIZE] __ro_after_init;

static void hash2(u8 out[PTUN_HASH_SIZE], const void *a, size_t alen,
		  const void *b, size_t blen)
{
	struct blake2s_state st;

	blake2s_init(&st, PTUN_HASH_SIZE);
	blake2s_update(&st, a, alen);
	blake2s_update(&st, b, blen);
	blake2s_final(&st, out);
}

/* H = HASH(H || data) */
static void mix_hash(u8 hash[PTUN_HASH_SIZE], const void *data, size_t len)
{
	hash2(hash, hash, PTUN_HASH_SIZE, data, len);
}

/*
 * HKDF with keyed BLAKE2s as the PRF. Writes up to three outputs; the
 * first replaces the chain key when the caller passes it as @t1.
 */
static void kdf(u8 *t1, u8 *t2, u8 *t3, const u8 ck[PTUN_HASH_SIZE],
		const void *ikm, size_t ikm_len)
{
	u8 prk[PTUN_HASH_SIZE], t[PTUN_HASH_SIZE + 1];
	u8 *out[] = { t1, t2, t3 };
	struct blake2s_state st;
	size_t len = 0;
	unsigned int i;

	blake2s(prk, ikm, ck, PTUN_HASH_SIZE, ikm_len, PTUN_KEY_SIZE);
	/* T(i) = MAC(prk, T(i - 1) || i), T(0) being empty */
	for (i = 0; i < ARRAY_SIZE(out) && out[i]; i++) {
		t[len] = i + 1;
		blake2s_init_key(&st, PTUN_HASH_SIZE, prk, PTUN_KEY_SIZE);
		blake2s_update(&st, t, len + 1);
		blake2s_final(&st, t);
		memcpy(out[i], t, PTUN_HASH_SIZE);
		len = PTUN_HASH_SIZE;
	}
	memzero_explicit(prk, sizeof(prk));
	memzero_explicit(t, sizeof(t));
}

/* C = KDF1(C, ikm) */
static void mix_chain(u8 chain[PTUN_HASH_SIZE], const void *ikm, size_t len)
{
	kdf(chain, NULL, NULL, chain, ikm, len);
}

/* (C, k) = KDF2(C, DH(priv, pub)); false for a low-order point. */
static bool __must_check mix_dh(u8 chain[PTUN_HASH_SIZE], u8 key[PTUN_KEY_SIZE],
				const u8 priv[PTUN_KEY_SIZE],
				const u8 pub[PTUN_KEY_SIZE])
{
	u8 dh[PTUN_KEY_SIZE];
	bool ok;

	ok = curve25519(dh, priv, pub);
	if (ok) {
		if (key)
			kdf(chain, key, NULL, chain, dh, sizeof(dh));
		else
			mix_chain(chain, dh, sizeof(dh));
	}
	memzero_explicit(dh, sizeof(dh));
	return ok;
}

/* Seal @len bytes under @key with nonce 0 and AD = H, then mix it into H. */
static void seal_hash(u8 *dst, const u8 *src, size_t len,
		      const u8 key[PTUN_KEY_SIZE], u8 hash[PTUN_HASH_SIZE])
{
	chacha20poly1305_encrypt(dst, src, len, hash, PTUN_HASH_SIZE, 0, key);
	mix_hash(hash, dst, len + PTUN_TAG_SIZE);
}

static bool __must_check open_hash(u8 *dst, const u8 *src, size_t len,
				   const u8 key[PTUN_KEY_SIZE],
				   u8 hash[PTUN_HASH_SIZE])
{
	if (!chacha20poly1305_decrypt(dst, src, len + PTUN_TAG_SIZE, hash,
				      PTUN_HASH_SIZE, 0, key))
		return false;
	mix_hash(hash, src, len + PTUN_TAG_SIZE);
	return true;
}

void __init ptun_noise_init(void)
{
	blake2s(chain0, construction, NULL, PTUN_HASH_SIZE,
		sizeof(construction) - 1, 0);
	hash2(hash0, chain0, PTUN_HASH_SIZE, identifier, sizeof(identifier) - 1);
}

int ptun_noise_keys_init(struct ptun_noise_keys *keys,
			 const u8 local_priv[PTUN_KEY_SIZE],
			 const u8 remote_pub[PTUN_KEY_SIZE],
			 const u8 psk[PTUN_KEY_SIZE], u8 cipher)
{
	memcpy(keys->local_priv, local_priv, PTUN_KEY_SIZE);
	memcpy(keys->remote_pub, remote_pub, PTUN_KEY_SIZE);
	memcpy(keys->psk, psk, PTUN_KEY_SIZE);
	keys->cipher = cipher;
	if (!curve25519_generate_public(keys->local_pub, local_priv) ||
	    !curve25519(keys->static_dh, local_priv, remote_pub)) {
		memzero_explicit(keys, sizeof(*keys));
		return -EINVAL;
	}

	hash2(keys->hash_initiate, hash0, PTUN_HASH_SIZE, remote_pub,
	      PTUN_KEY_SIZE);
	hash2(keys->hash_respond, hash0, PTUN_HASH_SIZE, keys->local_pub,
	      PTUN_KEY_SIZE);
	hash2(keys->mac1_send, label_mac1, sizeof(label_mac1) - 1, remote_pub,
	      PTUN_KEY_SIZE);
	hash2(keys->mac1_recv, label_mac1, sizeof(label_mac1) - 1,
	      keys->local_pub, PTUN_KEY_SIZE);
	hash2(keys->cookie_send, label_cookie, sizeof(label_cookie) - 1,
	      keys->local_pub, PTUN_KEY_SIZE);
	hash2(keys->cookie_recv, label_cookie, sizeof(label_cookie) - 1,
	      remote_pub, PTUN_KEY_SIZE);
	return 0;
}

void ptun_noise_mac1(u8 mac[PTUN_MAC_SIZE], const u8 key[PTUN_KEY_SIZE],
		     const void *msg, size_t len)
{
	blake2s(mac, msg, key, PTUN_MAC_SIZE, len, PTUN_KEY_SIZE);
}

/*
 * Big-endian seconds and nanoseconds, so that a later time compares
 * greater with memcmp().
 */
void ptun_noise_timestamp(u8 out[PTUN_TIMESTAMP_SIZE])
{
	struct timespec64 now;
	__be64 sec;
	__be32 nsec;

	ktime_get_real_ts64(&now);
	sec = cpu_to_be64(now.tv_sec);
	/*
	 * The responder needs only an increasing value; the full clock
	 * would tell an observer of the plaintext more than that. Coarser
	 * than 2^24 ns would break PTUN_INITIATION_MIN_GAP_MS.
	 */
	nsec = cpu_to_be32(round_down(now.tv_nsec, PTUN_TIMESTAMP_NSEC_GRAIN));
	memcpy(out, &sec, sizeof(sec));
	memcpy(out + sizeof(sec), &nsec, sizeof(nsec));
}

static void new_ephemeral(struct ptun_noise_hs *hs)
{
	do {
		curve25519_generate_secret(hs->ephemeral_priv);
	} while (!curve25519_generate_public(hs->ephemeral_pub,
					     hs->ephemeral_priv));
}

int ptun_noise_initiation_create(struct ptun_noise_hs *hs,
				 const struct ptun_noise_keys *keys,
				 struct ptun_msg_initiation *msg)
{
	u8 key[PTUN_KEY_SIZE], stamp[PTUN_TIMESTAMP_SIZE];
	int ret = -EINVAL;

	memset(&msg->header, 0, sizeof(msg->header));
	msg->header.type = PTUN_MSG_INITIATION;
	msg->header.cipher = keys->cipher;
	msg->sender_index = hs->local_index;

	memcpy(hs->chain, chain0, PTUN_HASH_SIZE);
	memcpy(hs->hash, keys->hash_initiate, PTUN_HASH_SIZE);
	mix_hash(hs->hash, &msg->header, sizeof(msg->header));

	new_ephemeral(hs);
	memcpy(msg->ephemeral, hs->ephemeral_pub, PTUN_KEY_SIZE);
	mix_chain(hs->chain, msg->ephemeral, PTUN_KEY_SIZE);
	mix_hash(hs->hash, msg->ephemeral, PTUN_KEY_SIZE);

	if (!mix_dh(hs->chain, key, hs->ephemeral_priv, keys->remote_pub))
		goto out;
	seal_hash(msg->sealed_static, keys->local_pub, PTUN_KEY_SIZE, key,
		  hs->hash);

	kdf(hs->chain, key, NULL, hs->chain, keys->static_dh, PTUN_KEY_SIZE);
	ptun_noise_timestamp(stamp);
	seal_hash(msg->sealed_timestamp, stamp, PTUN_TIMESTAMP_SIZE, key,
		  hs->hash);
	ret = 0;
out:
	memzero_explicit(key, sizeof(key));
	return ret;
}

int ptun_noise_initiation_consume(struct ptun_noise_hs *hs,
				  const struct ptun_noise_keys *keys,
				  const struct ptun_msg_initiation *msg,
				  u8 timestamp[PTUN_TIMESTAMP_SIZE])
{
	u8 key[PTUN_KEY_SIZE], peer[PTUN_KEY_SIZE];
	int ret = -EBADMSG;

	memcpy(hs->chain, chain0, PTUN_HASH_SIZE);
	memcpy(hs->hash, keys->hash_respond, PTUN_HASH_SIZE);
	mix_hash(hs->hash, &msg->header, sizeof(msg->header));

	memcpy(hs->remote_ephemeral, msg->ephemeral, PTUN_KEY_SIZE);
	mix_chain(hs->chain, msg->ephemeral, PTUN_KEY_SIZE);
	mix_hash(hs->hash, msg->ephemeral, PTUN_KEY_SIZE);

	if (!mix_dh(hs->chain, key, keys->local_priv, msg->ephemeral))
		goto out;
	if (!open_hash(peer, msg->sealed_static, PTUN_KEY_SIZE, key, hs->hash))
		goto out;
	/* Only the configured peer may initiate: ptun is point to point. */
	if (crypto_memneq(peer, keys->remote_pub, PTUN_KEY_SIZE)) {
		ret = -ENOKEY;
		goto out;
	}

	kdf(hs->chain, key, NULL, hs->chain, keys->static_dh, PTUN_KEY_SIZE);
	if (!open_hash(timestamp, msg->sealed_timestamp, PTUN_TIMESTAMP_SIZE,
		       key, hs->hash))
		goto out;
	hs->remote_index = msg->sender_index;
	ret = 0;
out:
	memzero_explicit(key, sizeof(key));
	memzero_explicit(peer, sizeof(peer));
	return ret;
}

/* The steps both sides share after the responder's ephemeral key. */
static void derive_session(struct ptun_noise_hs *hs,
			   struct ptun_session_keys *out, bool initiator)
{
	if (initiator)
		kdf(out->send, out->recv, NULL, hs->chain, NULL, 0);
	else
		kdf(out->recv, out->send, NULL, hs->chain, NULL, 0);
	memzero_explicit(hs->chain, sizeof(hs->chain));
	memzero_explicit(hs->hash, sizeof(hs->hash));
	memzero_explicit(hs->ephemeral_priv, sizeof(hs->ephemeral_priv));
}

int ptun_noise_response_create(struct ptun_noise_hs *hs,
			       const struct ptun_noise_keys *keys,
			       struct ptun_msg_response *msg,
			       struct ptun_session_keys *out)
{
	u8 key[PTUN_KEY_SIZE], tau[PTUN_HASH_SIZE];
	int ret = -EINVAL;

	memset(&msg->header, 0, sizeof(msg->header));
	msg->header.type = PTUN_MSG_RESPONSE;
	msg->header.cipher = keys->cipher;
	msg->sender_index = hs->local_index;
	msg->receiver_index = hs->remote_index;
	mix_hash(hs->hash, &msg->header, sizeof(msg->header));

	new_ephemeral(hs);
	memcpy(msg->ephemeral, hs->ephemeral_pub, PTUN_KEY_SIZE);
	mix_chain(hs->chain, msg->ephemeral, PTUN_KEY_SIZE);
	mix_hash(hs->hash, msg->ephemeral, PTUN_KEY_SIZE);

	if (!mix_dh(hs->chain, NULL, hs->ephemeral_priv, hs->remote_ephemeral) ||
	    !mix_dh(hs->chain, NULL, hs->ephemeral_priv, keys->remote_pub))
		goto out;

	kdf(hs->chain, tau, key, hs->chain, keys->psk, PTUN_KEY_SIZE);
	mix_hash(hs->hash, tau, sizeof(tau));
	seal_hash(msg->sealed_empty, NULL, 0, key, hs->hash);
	derive_session(hs, out, false);
	ret = 0;
out:
	memzero_explicit(key, sizeof(key));
	memzero_explicit(tau, sizeof(tau));
	return ret;
}

int ptun_noise_response_consume(struct ptun_noise_hs *hs,
				const struct ptun_noise_keys *keys,
				const struct ptun_msg_response *msg,
				struct ptun_session_keys *out)
{
	u8 key[PTUN_KEY_SIZE], tau[PTUN_HASH_SIZE];
	u8 chain[PTUN_HASH_SIZE], hash[PTUN_HASH_SIZE];
	int ret = -EBADMSG;

	/*
	 * Work on copies: a forged response must not spoil the handshake
	 * state, or anyone could stop us from completing it.
	 */
	memcpy(chain, hs->chain, sizeof(chain));
	memcpy(hash, hs->hash, sizeof(hash));
	mix_hash(hash, &msg->header, sizeof(msg->header));
	mix_chain(chain, msg->ephemeral, PTUN_KEY_SIZE);
	mix_hash(hash, msg->ephemeral, PTUN_KEY_SIZE);

	if (!mix_dh(chain, NULL, hs->ephemeral_priv, msg->ephemeral) ||
	    !mix_dh(chain, NULL, keys->local_priv, msg->ephemeral))
		goto out;

	kdf(chain, tau, key, chain, keys->psk, PTUN_KEY_SIZE);
	mix_hash(hash, tau, sizeof(tau));
	if (!open_hash(NULL, msg->sealed_empty, 0, key, hash))
		goto out;

	memcpy(hs->chain, chain, sizeof(chain));
	memcpy(hs->hash, hash, sizeof(hash));
	hs->remote_index = msg->sender_index;
	derive_session(hs, out, true);
	ret = 0;
out:
	memzero_explicit(key, sizeof(key));
	memzero_explicit(tau, sizeof(tau));
	memzero_explicit(chain, sizeof(chain));
	memzero_explicit(hash, sizeof(hash));
	return ret;
}

#ifdef PTUN_DEBUG
/*
 * Two sides run a full handshake against each other, with and without a
 * preshared key, and must agree on crossed session keys; a wrong
 * preshared key or a tampered cipher byte must fail.
 */
bool ptun_noise_selftest(void)
{
	u8 a_priv[PTUN_KEY_SIZE], b_priv[PTUN_KEY_SIZE], a_pub[PTUN_KEY_SIZE];
	u8 b_pub[PTUN_KEY_SIZE], psk[PTUN_KEY_SIZE], other[PTUN_KEY_SIZE];
	struct ptun_session_keys ka, kb;
	struct ptun_noise_keys *a, *b;
	struct ptun_msg_initiation init;
	struct ptun_msg_response resp;
	struct ptun_noise_hs ha, hb;
	u8 stamp[PTUN_TIMESTAMP_SIZE];
	bool ok = false;

	a = kzalloc(sizeof(*a), GFP_KERNEL);
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!a || !b)
		goto out;

	curve25519_generate_secret(a_priv);
	curve25519_generate_secret(b_priv);
	if (!curve25519_generate_public(a_pub, a_priv) ||
	    !curve25519_generate_public(b_pub, b_priv))
		goto out;
	get_random_bytes(psk, sizeof(psk));
	get_random_bytes(other, sizeof(other));

	if (ptun_noise_keys_init(a, a_priv, b_pub, psk, 1) ||
	    ptun_noise_keys_init(b, b_priv, a_pub, psk, 1))
		goto out;

	ha.local_index = cpu_to_le32(7);
	hb.local_index = cpu_to_le32(9);
	if (ptun_noise_initiation_create(&ha, a, &init) ||
	    ptun_noise_initiation_consume(&hb, b, &init, stamp) ||
	    ptun_noise_response_create(&hb, b, &resp, &kb) ||
	    ptun_noise_response_consume(&ha, a, &resp, &ka))
		goto out;
	if (memcmp(ka.send, kb.recv, PTUN_KEY_SIZE) ||
	    memcmp(ka.recv, kb.send, PTUN_KEY_SIZE) ||
	    !memcmp(ka.send, ka.recv, PTUN_KEY_SIZE) ||
	    le32_to_cpu(ha.remote_index) != 9 ||
	    le32_to_cpu(hb.remote_index) != 7)
		goto out;

	/* A changed cipher byte breaks the first seal. */
	if (ptun_noise_initiation_create(&ha, a, &init))
		goto out;
	init.header.cipher = 2;
	if (!ptun_noise_initiation_consume(&hb, b, &init, stamp))
		goto out;

	/* A different preshared key breaks the response. */
	if (ptun_noise_keys_init(b, b_priv, a_pub, other, 1) ||
	    ptun_noise_initiation_create(&ha, a, &init) ||
	    ptun_noise_initiation_consume(&hb, b, &init, stamp) ||
	    ptun_noise_response_create(&hb, b, &resp, &kb) ||
	    !ptun_noise_response_consume(&ha, a, &resp, &ka))
		goto out;
	ok = true;
out:
	kfree_sensitive(a);
	kfree_sensitive(b);
	memzero_explicit(a_priv, sizeof(a_priv));
	memzero_explicit(b_priv, sizeof(b_priv));
	memzero_explicit(psk, sizeof(psk));
	memzero_explicit(&ka, sizeof(ka));
	memzero_explicit(&kb, sizeof(kb));
	memzero_explicit(&ha, sizeof(ha));
	memzero_explicit(&hb, sizeof(hb));
	return ok;
}
#endif
