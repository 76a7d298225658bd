// SPDX-License-Identifier: GPL-2.0
/*
 * One AEAD request per data message, in place over the skb's own buffers.
 *
 * The request, its nonce and the scatterlist share one allocation sized
 * for the transform and the skb, freed when the request is done. AES-NI
 * GCM is asynchronous when the FPU is not usable in the current context
 * (it then defers to cryptd), so every request may complete later, on a
 * workqueue.
 *
 * Requests are not allowed to backlog: a driver whose queue is full
 * (cryptd holds 1000 per CPU by default) refuses them with -ENOSPC and
 * the packet is dropped. A backlog would queue without limit whatever a
 * sender, or anyone who can guess a receiver index, throws at us faster
 * than the CPU can open it.
 */

#include <crypto/aead.h>
#include <linux/bottom_half.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "compat.h"
#include "crypt.h"
#include "messages.h"

#define PTUN_NONCE_SIZE	12

struct crypt_req {
	struct sk_buff *skb;
	ptun_crypt_done_t done;
	/* 4 zero bytes, then the counter exactly as the header carries it */
	u8 nonce[PTUN_NONCE_SIZE];
	/* followed by the aead_request with its context, then the scatterlist */
};

static void finish(struct crypt_req *cr, int err)
{
	ptun_crypt_done_t done = cr->done;
	struct sk_buff *skb = cr->skb;

	/*
	 * The request context may hold per-message key material (GCM's
	 * encrypted J0, the Poly1305 one-time key): do not leave it behind.
	 */
	kfree_sensitive(cr);
	done(skb, err);
}

static void crypt_done(void *data, int err)
{
	local_bh_disable();
	finish(data, err);
	local_bh_enable();
}

/* The callback's signature before 6.3, see compat.h */
static void crypt_done_request(struct crypto_async_request *req, int err)
{
	crypt_done(req->data, err);
}

void ptun_crypt(struct sk_buff *skb, struct crypto_aead *tfm, bool encrypt,
		int nfrags, ptun_crypt_done_t done)
{
	const struct ptun_msg_data *msg = (const void *)skb->data;
	size_t req_off, sg_off, size;
	unsigned int cryptlen;
	struct aead_request *req;
	struct scatterlist *sg;
	struct crypt_req *cr;
	int ret;

	req_off = ALIGN(sizeof(*cr), __alignof__(struct aead_request));
	sg_off = ALIGN(req_off + sizeof(*req) + crypto_aead_reqsize(tfm),
		       __alignof__(struct scatterlist));
	size = sg_off + nfrags * sizeof(*sg);
	cr = kmalloc(size, GFP_ATOMIC);
	if (!cr) {
		done(skb, -ENOMEM);
		return;
	}
	req = (void *)cr + req_off;
	sg = (void *)cr + sg_off;
	cr->skb = skb;
	cr->done = done;
	memset(cr->nonce, 0, PTUN_NONCE_SIZE - sizeof(msg->counter));
	memcpy(cr->nonce + PTUN_NONCE_SIZE - sizeof(msg->counter),
	       &msg->counter, sizeof(msg->counter));

	sg_init_table(sg, nfrags);
	ret = skb_to_sgvec(skb, sg, 0, skb->len);
	if (unlikely(ret < 0)) {
		finish(cr, ret);
		return;
	}

	/* The ciphertext is followed by the tag; the plaintext is not. */
	cryptlen = skb->len - sizeof(*msg) - (encrypt ? PTUN_TAG_SIZE : 0);
	aead_request_set_tfm(req, tfm);
	aead_request_set_callback(req, 0,
				  ptun_crypto_done_pick(crypt_done,
							crypt_done_request),
				  cr);
	aead_request_set_ad(req, sizeof(*msg));
	aead_request_set_crypt(req, sg, sg, cryptlen, cr->nonce);

	ret = encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	if (ret == -EINPROGRESS)
		return;
	finish(cr, ret);
}
