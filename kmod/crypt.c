// SPDX-License-Identifier: GPL-2.0
/*
 * The AEAD of one data message, in place over the skb's own buffers.
 *
 * ChaCha20-Poly1305 runs through lib/crypto: one synchronous pass, no
 * request, no allocation. The scatterlist comes from a per-CPU array,
 * free again before @done runs (a nested transmit, ptun over ptun, reuses
 * it from inside @done).
 *
 * AES-256-GCM runs through the crypto API. AES-NI GCM is asynchronous
 * when the FPU is not usable in the current context (it then defers to
 * cryptd), so a request may complete later, on a workqueue. The request,
 * its nonce and the scatterlist share one buffer; each CPU keeps one
 * spare, so that the common synchronous case allocates nothing. A request
 * that went asynchronous takes its buffer along and frees it.
 *
 * Requests are not allowed to backlog: a driver whose queue is full
 * (cryptd holds 1000 per CPU by default) refuses them with -ENOSPC and
 * the packet is dropped. A backlog would queue without limit whatever a
 * sender, or anyone who can guess a receiver index, throws at us faster
 * than the CPU can open it.
 */

#include <crypto/aead.h>
#include <crypto/chacha20poly1305.h>
#include <linux/bottom_half.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ptun.h>

#include "compat.h"
#include "crypt.h"
#include "messages.h"

#define PTUN_NONCE_SIZE	12

/*
 * Scatterlist entries kept per CPU for the ChaCha20-Poly1305 path: the
 * data path linearises what it encrypts or decrypts (skb_cow_data()), so
 * one or two are the rule; a message that needs more allocates its own.
 */
#define PTUN_SG_PER_CPU	(MAX_SKB_FRAGS + 2)

static DEFINE_PER_CPU(struct scatterlist [PTUN_SG_PER_CPU], chacha_sg);

struct crypt_req {
	struct sk_buff *skb;
	ptun_crypt_done_t done;
	/* of the whole buffer, and of the request context in it */
	size_t size;
	unsigned int reqsize;
	/* 4 zero bytes, then the counter exactly as the header carries it */
	u8 nonce[PTUN_NONCE_SIZE];
	/* followed by the aead_request with its context, then the scatterlist */
};

static DEFINE_PER_CPU(struct crypt_req *, spare_req);

bool ptun_crypt_cipher_available(u16 cipher)
{
	switch (cipher) {
	case PTUN_CIPHER_AES_256_GCM:
		return crypto_has_alg("gcm(aes)", CRYPTO_ALG_TYPE_AEAD,
				      CRYPTO_ALG_TYPE_MASK);
	case PTUN_CIPHER_CHACHA20_POLY1305:
		return true;
	default:
		return false;
	}
}

/* May sleep: allocates a crypto transform. */
int ptun_crypt_key_init(struct ptun_crypt_key *key, u16 cipher,
			const u8 raw[PTUN_KEY_SIZE])
{
	struct crypto_aead *tfm;
	int ret;

	key->cipher = cipher;
	switch (cipher) {
	case PTUN_CIPHER_AES_256_GCM:
		tfm = crypto_alloc_aead("gcm(aes)", 0, 0);
		if (IS_ERR(tfm))
			return PTR_ERR(tfm);
		ret = crypto_aead_setauthsize(tfm, PTUN_TAG_SIZE);
		if (!ret)
			ret = crypto_aead_setkey(tfm, raw, PTUN_KEY_SIZE);
		if (ret) {
			crypto_free_aead(tfm);
			return ret;
		}
		key->tfm = tfm;
		return 0;
	case PTUN_CIPHER_CHACHA20_POLY1305:
		memcpy(key->raw, raw, PTUN_KEY_SIZE);
		return 0;
	default:
		return -EINVAL;
	}
}

/* May sleep. Only for a key ptun_crypt_key_init() set up. */
void ptun_crypt_key_destroy(struct ptun_crypt_key *key)
{
	if (key->cipher == PTUN_CIPHER_AES_256_GCM)
		/* crypto_free_aead() wipes the key schedule with the transform. */
		crypto_free_aead(key->tfm);
	else
		memzero_explicit(key->raw, PTUN_KEY_SIZE);
}

/* At module exit, once no request can be in flight. */
void ptun_crypt_uninit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		kfree_sensitive(per_cpu(spare_req, cpu));
		per_cpu(spare_req, cpu) = NULL;
	}
}

static void crypt_lib(struct sk_buff *skb, const u8 *key, bool encrypt,
		      int nfrags, ptun_crypt_done_t done)
{
	const struct ptun_msg_data *msg = (const void *)skb->data;
	u64 nonce = le64_to_cpu(msg->counter);
	struct scatterlist *sg, *own = NULL;
	unsigned int len;
	int ret;
	bool ok;

	if (likely(nfrags <= PTUN_SG_PER_CPU)) {
		sg = *this_cpu_ptr(&chacha_sg);
	} else {
		own = kmalloc_array(nfrags, sizeof(*sg), GFP_ATOMIC);
		if (!own) {
			done(skb, -ENOMEM);
			return;
		}
		sg = own;
	}
	/* The header is the additional data, in front of the ciphertext. */
	len = skb->len - sizeof(*msg);
	sg_init_table(sg, nfrags);
	ret = skb_to_sgvec(skb, sg, sizeof(*msg), len);
	if (unlikely(ret < 0))
		goto out;
	if (encrypt)
		ok = chacha20poly1305_encrypt_sg_inplace(sg, len - PTUN_TAG_SIZE,
							 skb->data, sizeof(*msg),
							 nonce, key);
	else
		ok = chacha20poly1305_decrypt_sg_inplace(sg, len, skb->data,
							 sizeof(*msg), nonce,
							 key);
	ret = ok ? 0 : -EBADMSG;
out:
	kfree(own);
	done(skb, ret);
}

static struct crypt_req *req_get(size_t size)
{
	struct crypt_req *cr = this_cpu_xchg(spare_req, NULL);

	if (likely(cr && cr->size >= size))
		return cr;
	kfree_sensitive(cr);
	cr = kmalloc(size, GFP_ATOMIC);
	if (cr)
		cr->size = size;
	return cr;
}

/*
 * The request context may hold per-message key material (GCM's encrypted
 * J0, hash state): wiped before the buffer waits for the next message.
 */
static void req_put(struct crypt_req *cr, struct aead_request *req)
{
	memzero_explicit(req, sizeof(*req) + cr->reqsize);
	kfree_sensitive(this_cpu_xchg(spare_req, cr));
}

static void finish(struct crypt_req *cr, struct aead_request *req, int err)
{
	ptun_crypt_done_t done = cr->done;
	struct sk_buff *skb = cr->skb;

	req_put(cr, req);
	done(skb, err);
}

static struct aead_request *req_of(struct crypt_req *cr)
{
	return (void *)cr + ALIGN(sizeof(*cr), __alignof__(struct aead_request));
}

/*
 * A request that went asynchronous completes here, on the AEAD driver's
 * context (cryptd's work item for AES-NI). @done may drop the last
 * reference to the device, and rmmod waits for the devices, not for us:
 * module exit's rcu_barrier() waits for RCU callbacks and its
 * destroy_workqueue() for ptun_wq, neither for the driver's work item, and
 * free_module()'s synchronize_rcu() covers only what runs with BH off.
 * So crypt_api() takes a module reference for every request that returns
 * -EINPROGRESS, and it is dropped here as the very last thing: while it
 * is held, delete_module() refuses to start, and what runs after the
 * put is this function's return, as for any module's callback.
 */
static void crypt_done(void *data, int err)
{
	local_bh_disable();
	finish(data, req_of(data), err);
	local_bh_enable();
	module_put(THIS_MODULE);
}

/* The callback's signature before 6.3, see compat.h */
static void crypt_done_request(struct crypto_async_request *req, int err)
{
	crypt_done(req->data, err);
}

static void crypt_api(struct sk_buff *skb, struct crypto_aead *tfm,
		      bool encrypt, int nfrags, ptun_crypt_done_t done)
{
	const struct ptun_msg_data *msg = (const void *)skb->data;
	size_t sg_off, size;
	unsigned int cryptlen;
	struct aead_request *req;
	struct scatterlist *sg;
	struct crypt_req *cr;
	int ret;

	sg_off = ALIGN(ALIGN(sizeof(*cr), __alignof__(struct aead_request)) +
		       sizeof(*req) + crypto_aead_reqsize(tfm),
		       __alignof__(struct scatterlist));
	size = sg_off + nfrags * sizeof(*sg);
	cr = req_get(size);
	if (!cr) {
		done(skb, -ENOMEM);
		return;
	}
	req = req_of(cr);
	sg = (void *)cr + sg_off;
	cr->skb = skb;
	cr->done = done;
	cr->reqsize = crypto_aead_reqsize(tfm);
	memset(cr->nonce, 0, PTUN_NONCE_SIZE - sizeof(msg->counter));
	memcpy(cr->nonce + PTUN_NONCE_SIZE - sizeof(msg->counter),
	       &msg->counter, sizeof(msg->counter));

	aead_request_set_tfm(req, tfm);
	sg_init_table(sg, nfrags);
	ret = skb_to_sgvec(skb, sg, 0, skb->len);
	if (unlikely(ret < 0)) {
		finish(cr, req, ret);
		return;
	}

	/* The ciphertext is followed by the tag; the plaintext is not. */
	cryptlen = skb->len - sizeof(*msg) - (encrypt ? PTUN_TAG_SIZE : 0);
	aead_request_set_callback(req, 0,
				  ptun_crypto_done_pick(crypt_done,
							crypt_done_request),
				  cr);
	aead_request_set_ad(req, sizeof(*msg));
	aead_request_set_crypt(req, sg, sg, cryptlen, cr->nonce);

	ret = encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	if (ret == -EINPROGRESS) {
		/*
		 * Dropped at the end of crypt_done(). Taken after the
		 * request was handed over, yet before its completion runs:
		 * cryptd, the only asynchronous gcm(aes) ptun meets (AES-NI
		 * when the FPU is busy), completes from a work item it
		 * queued on this CPU, which cannot run before this softirq
		 * section ends. Taken before submitting instead, every
		 * message would pay an atomic on a shared counter, and
		 * rmmod under AES traffic would fail while any is in flight.
		 */
		__module_get(THIS_MODULE);
		return;
	}
	finish(cr, req, ret);
}

void ptun_crypt(struct sk_buff *skb, const struct ptun_crypt_key *key,
		bool encrypt, int nfrags, ptun_crypt_done_t done)
{
	/* The per-CPU buffers are ours only while BH stays off. */
	lockdep_assert_in_softirq();

	if (key->cipher == PTUN_CIPHER_CHACHA20_POLY1305)
		crypt_lib(skb, key->raw, encrypt, nfrags, done);
	else
		crypt_api(skb, key->tfm, encrypt, nfrags, done);
}
