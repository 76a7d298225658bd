// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake around noise.c: initiating, answering, completing, and
 * turning the result into a session (docs/PROTOCOL.md, sections 2-5).
 *
 * Incoming handshake messages wait on a bounded per-device queue and are
 * processed by one work item per device, never in softirq: a flood costs
 * at most the queue's memory, and mac1, the per-source rate limit and,
 * under load, cookies come before any Diffie-Hellman work. Our own
 * initiations leave from a per-peer work item, so the data path and the
 * timers only ever queue work.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "device.h"
#include "handshake.h"
#include "peer.h"
#include "send.h"
#include "session.h"
#include "socket.h"
#include "stats.h"
#include "timers.h"

static unsigned int rekey_after_time = PTUN_REKEY_AFTER_TIME;
module_param(rekey_after_time, uint, 0644);
MODULE_PARM_DESC(rekey_after_time,
		 "seconds after which the initiator rekeys a session (testing; default 120)");

static unsigned int handshake_load_mark = PTUN_HS_QUEUE_MAX / 8;
module_param(handshake_load_mark, uint, 0644);
MODULE_PARM_DESC(handshake_load_mark,
		 "queued handshake messages from which a valid mac2 (a cookie) is demanded; 0: always (default 512)");

static void drop(struct ptun_device *ptun, enum ptun_stats_attr reason,
		 const char *why)
{
	ptun_stats_drop(ptun, reason);
	net_dbg_ratelimited("%s: handshake message dropped: %s\n",
			    ptun->dev->name, why);
}

/* A random index that none of the peer's sessions or handshake uses. */
static __le32 new_index(struct ptun_peer *peer)
{
	__le32 index;

	lockdep_assert_held(&peer->hs_lock);
	do {
		index = (__force __le32)get_random_u32();
	} while (!index || index == peer->hs.local_index ||
		 ptun_session_index_used(&peer->sessions, index));
	return index;
}

static u64 now_ns(void)
{
	return ktime_get_coarse_boottime_ns();
}

static void initiate(struct work_struct *work)
{
	struct ptun_peer *peer = container_of(work, struct ptun_peer,
					      initiate_work);
	struct ptun_device *ptun = peer->ptun;
	struct ptun_msg_initiation msg;
	struct ptun_noise_keys *keys;
	struct ptun_endpoint ep;
	int ret;

	ptun_peer_get_endpoint(peer, &ep);
	keys = ptun_peer_keys_copy(peer);
	if (!keys || ep.addr.sa_family == AF_UNSPEC) {
		/* Nobody to talk to: the peer may still initiate to us. */
		ptun_send_purge_staged(peer);
		goto out;
	}

	mutex_lock(&peer->hs_lock);
	if (READ_ONCE(peer->dead))
		goto out_unlock;
	if (!peer->hs_pending) {
		peer->hs_attempts_start = jiffies;
		peer->hs_retries = 0;
	} else if (time_after(jiffies, peer->hs_attempts_start +
			      PTUN_REKEY_ATTEMPT_TIME * HZ)) {
		WRITE_ONCE(peer->hs_pending, false);
		memzero_explicit(&peer->hs, sizeof(peer->hs));
		mutex_unlock(&peer->hs_lock);
		net_dbg_ratelimited("%s: handshake gave up after %d seconds\n",
				    ptun->dev->name, PTUN_REKEY_ATTEMPT_TIME);
		ptun_send_purge_staged(peer);
		goto out;
	} else {
		peer->hs_retries++;
	}
	peer->hs.local_index = new_index(peer);
	ret = ptun_noise_initiation_create(&peer->hs, keys, &msg);
	if (ret)
		goto out_unlock;
	ptun_cookie_add_macs(&ptun->cookie, keys->mac1_send, &msg, sizeof(msg));
	WRITE_ONCE(peer->hs_pending, true);
	atomic64_set(&peer->hs_last_sent_ns, now_ns());
	mutex_unlock(&peer->hs_lock);

	ptun_socket_send_buffer_to_peer(peer, &msg, sizeof(msg));
	ptun_timers_handshake_initiated(peer);
	ptun_timers_any_sent(peer);
	goto out;

out_unlock:
	mutex_unlock(&peer->hs_lock);
out:
	kfree_sensitive(keys);
}

void ptun_handshake_start(struct ptun_peer *peer)
{
	u64 last;

	/* Retransmission is the retransmit timer's business. */
	if (READ_ONCE(peer->hs_pending))
		return;
	last = atomic64_read(&peer->hs_last_sent_ns);
	if (last && now_ns() - last < PTUN_REKEY_TIMEOUT_MIN * NSEC_PER_SEC)
		return;
	/* see ptun_peer_retire(): no work is queued once it saw the peer dead */
	rcu_read_lock_bh();
	if (!READ_ONCE(peer->dead))
		queue_work(ptun_wq, &peer->initiate_work);
	rcu_read_unlock_bh();
}

void ptun_handshake_maybe_rekey(struct ptun_peer *peer,
				const struct ptun_session *s, bool sending)
{
	u64 age = sending ? max(rekey_after_time, 1U) :
		  PTUN_REJECT_AFTER_TIME - PTUN_KEEPALIVE_TIMEOUT -
		  PTUN_REKEY_TIMEOUT_MAX;

	/* Only the initiator rekeys, so that both ends never race to. */
	if (!s->initiator)
		return;
	if (ptun_session_is_old(s, age) ||
	    (sending && atomic64_read(&s->send_counter) >=
			PTUN_REKEY_AFTER_MESSAGES))
		ptun_handshake_start(peer);
}

void ptun_handshake_reset(struct ptun_peer *peer)
{
	mutex_lock(&peer->hs_lock);
	WRITE_ONCE(peer->hs_pending, false);
	memzero_explicit(&peer->hs, sizeof(peer->hs));
	/*
	 * The greatest timestamp stays: forgetting it would let an old
	 * initiation be replayed.
	 */
	ptun_session_clear(&peer->sessions);
	mutex_unlock(&peer->hs_lock);
}

/* Turns a finished handshake into a session in the peer's slots. */
static bool install(struct ptun_peer *peer, const struct ptun_noise_keys *keys,
		    const struct ptun_session_keys *sk,
		    const struct ptun_noise_hs *hs, bool initiator)
{
	struct ptun_session *s;

	lockdep_assert_held(&peer->hs_lock);
	s = ptun_session_create(peer, sk, keys->cipher, hs->local_index,
				hs->remote_index, initiator);
	if (IS_ERR(s)) {
		net_warn_ratelimited("%s: cannot create a session: %ld\n",
				     peer->ptun->dev->name, PTR_ERR(s));
		return false;
	}
	ptun_session_install(&peer->sessions, s);
	return true;
}

static void consume_initiation(struct ptun_device *ptun,
			       struct ptun_peer *peer,
			       const struct ptun_noise_keys *keys,
			       const struct ptun_msg_initiation *msg,
			       const struct ptun_endpoint *src)
{
	struct ptun_session_keys sk = {};
	struct ptun_msg_response resp;
	struct ptun_noise_hs hs = {};
	u8 stamp[PTUN_TIMESTAMP_SIZE];
	u64 now = now_ns();

	if (ptun_noise_initiation_consume(&hs, keys, msg, stamp)) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE,
		     "initiation does not authenticate");
		goto out;
	}

	mutex_lock(&peer->hs_lock);
	if (READ_ONCE(peer->dead))
		goto out_unlock;
	if (memcmp(stamp, peer->hs_last_timestamp, sizeof(stamp)) <= 0) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "replayed initiation");
		goto out_unlock;
	}
	if (peer->hs_last_initiation_ns &&
	    now - peer->hs_last_initiation_ns <
	    PTUN_INITIATION_MIN_GAP_MS * NSEC_PER_MSEC) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "initiation flood");
		goto out_unlock;
	}
	/* Authenticated, so the cipher byte is the peer's real choice. */
	if (msg->header.cipher != keys->cipher) {
		ptun_stats_drop(ptun, PTUN_A_STATS_DROP_CIPHER_MISMATCH);
		net_info_ratelimited("%s: peer's handshake asks for cipher %u, this end uses %u\n",
				     ptun->dev->name, msg->header.cipher,
				     keys->cipher);
		goto out_unlock;
	}
	memcpy(peer->hs_last_timestamp, stamp, sizeof(stamp));
	peer->hs_last_initiation_ns = now;

	hs.local_index = new_index(peer);
	if (ptun_noise_response_create(&hs, keys, &resp, &sk))
		goto out_unlock;
	if (!install(peer, keys, &sk, &hs, false))
		goto out_unlock;
	mutex_unlock(&peer->hs_lock);

	ptun_cookie_add_macs(&ptun->cookie, keys->mac1_send, &resp,
			     sizeof(resp));
	ptun_peer_set_endpoint(peer, src);
	ptun_socket_send_buffer(ptun, src, &resp, sizeof(resp));
	ptun_stats_handshake(ptun);
	ptun_timers_any_received(peer);
	ptun_timers_session_derived(peer);
	ptun_timers_any_sent(peer);
	goto out;

out_unlock:
	mutex_unlock(&peer->hs_lock);
out:
	memzero_explicit(&hs, sizeof(hs));
	memzero_explicit(&sk, sizeof(sk));
}

static void consume_response(struct ptun_device *ptun, struct ptun_peer *peer,
			     const struct ptun_noise_keys *keys,
			     const struct ptun_msg_response *msg,
			     const struct ptun_endpoint *src)
{
	struct ptun_session_keys sk = {};
	bool idle, ok;

	mutex_lock(&peer->hs_lock);
	if (READ_ONCE(peer->dead))
		goto out_unlock;
	if (!peer->hs_pending || msg->receiver_index != peer->hs.local_index) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE,
		     "response to no initiation of ours");
		goto out_unlock;
	}
	if (ptun_noise_response_consume(&peer->hs, keys, msg, &sk)) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE,
		     "response does not authenticate");
		goto out_unlock;
	}
	WRITE_ONCE(peer->hs_pending, false);
	ok = install(peer, keys, &sk, &peer->hs, true);
	memzero_explicit(&peer->hs, sizeof(peer->hs));
	if (!ok)
		goto out_unlock;
	mutex_unlock(&peer->hs_lock);

	ptun_peer_set_endpoint(peer, src);
	ptun_stats_handshake(ptun);
	ptun_timers_any_received(peer);
	ptun_timers_handshake_complete(peer);
	ptun_timers_session_derived(peer);
	/*
	 * The responder sends nothing until our first data message confirms
	 * the session: if nothing is waiting to go, a keepalive does it.
	 */
	idle = skb_queue_empty_lockless(&peer->staged);
	local_bh_disable();
	if (idle)
		ptun_send_keepalive(peer);
	else
		ptun_send_staged(peer);
	local_bh_enable();
	goto out;

out_unlock:
	mutex_unlock(&peer->hs_lock);
out:
	memzero_explicit(&sk, sizeof(sk));
}

static void consume_cookie(struct ptun_device *ptun, struct ptun_peer *peer,
			   const struct ptun_noise_keys *keys,
			   const struct ptun_msg_cookie *msg)
{
	__le32 index = msg->receiver_index;
	bool ours;

	/*
	 * It answers our pending initiation, or a response of ours, whose
	 * sender index is the new session's: when both ends are under load,
	 * the responder needs the initiator's cookie too.
	 */
	mutex_lock(&peer->hs_lock);
	ours = (peer->hs_pending && index == peer->hs.local_index) ||
	       ptun_session_index_used(&peer->sessions, index);
	mutex_unlock(&peer->hs_lock);

	if (!ours || !ptun_cookie_reply_consume(&ptun->cookie,
						keys->cookie_recv, msg))
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "unexpected cookie reply");
	/*
	 * The initiator's retransmit timer sends the initiation again, with
	 * mac2, and a new response then carries mac2 too.
	 */
}

static size_t message_size(u8 type)
{
	switch (type) {
	case PTUN_MSG_INITIATION:
		return sizeof(struct ptun_msg_initiation);
	case PTUN_MSG_RESPONSE:
		return sizeof(struct ptun_msg_response);
	case PTUN_MSG_COOKIE:
		return sizeof(struct ptun_msg_cookie);
	}
	return 0;
}

/*
 * mac1, then under load mac2 or a cookie reply, then the per-source rate
 * limit: true if the message deserves Diffie-Hellman work.
 */
static bool screen(struct ptun_device *ptun,
		   const struct ptun_noise_keys *keys,
		   const u8 *msg, size_t len, const struct ptun_endpoint *src)
{
	bool under_load = skb_queue_len(&ptun->hs_queue) >=
			  READ_ONCE(handshake_load_mark);
	const struct ptun_msg_macs *macs = (const void *)(msg + len -
							   sizeof(*macs));
	struct ptun_msg_cookie reply;
	__le32 sender;

	switch (ptun_cookie_validate(&ptun->cookie, keys->mac1_recv, msg, len,
				     src, under_load)) {
	case PTUN_COOKIE_BAD_MAC1:
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "bad mac1");
		return false;
	case PTUN_COOKIE_NEED_COOKIE:
		if (!ptun_ratelimiter_allow(&ptun->ratelimiter, src)) {
			drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "rate limited");
			return false;
		}
		/* both handshake messages carry the sender index at 4 */
		memcpy(&sender, msg + 4, sizeof(sender));
		ptun_cookie_reply_create(&ptun->cookie, keys->cookie_send,
					 &reply, sender, macs->mac1, src);
		ptun_socket_send_buffer(ptun, src, &reply, sizeof(reply));
		/* answered, not processed: the sender retries with mac2 */
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "under load, cookie sent");
		return false;
	case PTUN_COOKIE_OK:
		break;
	}
	if (!ptun_ratelimiter_allow(&ptun->ratelimiter, src)) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "rate limited");
		return false;
	}
	return true;
}

static void process(struct ptun_device *ptun, struct sk_buff *skb)
{
	struct ptun_noise_keys *keys = NULL;
	struct ptun_peer *peer = NULL;
	struct ptun_endpoint src;
	size_t len;
	u8 type;

	if (skb_linearize(skb) || !skb->len) {
		drop(ptun, PTUN_A_STATS_DROP_MALFORMED, "cannot linearize");
		return;
	}
	type = skb->data[0];
	len = skb->len;
	if (len != message_size(type)) {
		drop(ptun, PTUN_A_STATS_DROP_MALFORMED, "bad size");
		return;
	}
	ptun_socket_endpoint_from_skb(&src, skb);

	rcu_read_lock();
	peer = rcu_dereference(ptun->peer);
	if (peer && !kref_get_unless_zero(&peer->refs))
		peer = NULL;
	rcu_read_unlock();
	if (peer)
		keys = ptun_peer_keys_copy(peer);
	if (!keys) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "no keys configured");
		goto out;
	}

	if (type != PTUN_MSG_COOKIE &&
	    !screen(ptun, keys, skb->data, len, &src))
		goto out;

	switch (type) {
	case PTUN_MSG_INITIATION:
		consume_initiation(ptun, peer, keys, (void *)skb->data, &src);
		break;
	case PTUN_MSG_RESPONSE:
		consume_response(ptun, peer, keys, (void *)skb->data, &src);
		break;
	case PTUN_MSG_COOKIE:
		consume_cookie(ptun, peer, keys, (void *)skb->data);
		break;
	}
out:
	kfree_sensitive(keys);
	ptun_peer_put(peer);
}

static void hs_worker(struct work_struct *work)
{
	struct ptun_device *ptun = container_of(work, struct ptun_device,
						hs_work);
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&ptun->hs_queue))) {
		process(ptun, skb);
		consume_skb(skb);
		cond_resched();
	}
}

void ptun_handshake_rx(struct ptun_device *ptun, struct sk_buff *skb)
{
	if (skb_queue_len(&ptun->hs_queue) >= PTUN_HS_QUEUE_MAX) {
		ptun_stats_drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE);
		kfree_skb(skb);
		return;
	}
	skb_queue_tail(&ptun->hs_queue, skb);
	queue_work(ptun_wq, &ptun->hs_work);
}

void ptun_handshake_peer_init(struct ptun_peer *peer)
{
	mutex_init(&peer->hs_lock);
	INIT_WORK(&peer->initiate_work, initiate);
}

int ptun_handshake_device_init(struct ptun_device *ptun)
{
	skb_queue_head_init(&ptun->hs_queue);
	INIT_WORK(&ptun->hs_work, hs_worker);
	ptun_ratelimiter_init(&ptun->ratelimiter);
	ptun_cookie_init(&ptun->cookie);
	return 0;
}

void ptun_handshake_flush(struct ptun_device *ptun)
{
	cancel_work_sync(&ptun->hs_work);
	skb_queue_purge(&ptun->hs_queue);
}

/* Once no socket can queue any more: after the sockets are closed. */
void ptun_handshake_device_uninit(struct ptun_device *ptun)
{
	ptun_handshake_flush(ptun);
	ptun_cookie_wipe(&ptun->cookie);
}
