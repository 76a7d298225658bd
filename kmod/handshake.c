// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake around noise.c: initiating, answering, completing, and
 * turning the result into a session (docs/PROTOCOL.md, sections 2-5).
 *
 * Incoming handshake messages wait on a bounded per-device queue and are
 * processed by one work item per device, never in softirq: a flood costs
 * at most the queue's memory, and mac1 and, under load, a cookie and the
 * per-source rate limit come before any Diffie-Hellman work. Under load,
 * messages without a cookie are answered on arrival instead of queued.
 * Our own initiations leave from a per-peer work item, so the data path
 * and the timers only ever queue work.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "device.h"
#include "endpoint.h"
#include "events.h"
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

#ifdef PTUN_DEBUG
/*
 * Test hooks, in PTUN_DEBUG=1 builds only: a delay in our initiation work
 * just before it takes hs_lock widens the window in which ndo_stop or a
 * SET can run between the work being queued and the initiation being
 * built, so that selftests/downup.sh and keyrace.sh hit it every round.
 */
static unsigned int test_delay_initiate_ms;
module_param(test_delay_initiate_ms, uint, 0644);
MODULE_PARM_DESC(test_delay_initiate_ms,
		 "milliseconds our initiation work sleeps before it takes the handshake lock (testing)");

static void test_delay_initiate(void)
{
	unsigned int ms = READ_ONCE(test_delay_initiate_ms);

	if (ms)
		msleep(ms);
}

/*
 * REKEY_ATTEMPT_TIME in seconds, short enough for selftests/events.sh to
 * see a handshake give up (handshake-timeout) within a test's time.
 */
static unsigned int test_rekey_attempt_time = PTUN_REKEY_ATTEMPT_TIME;
module_param(test_rekey_attempt_time, uint, 0644);
MODULE_PARM_DESC(test_rekey_attempt_time,
		 "seconds after which our initiations give up (testing; default 90)");

static unsigned int rekey_attempt_time(void)
{
	return max(READ_ONCE(test_rekey_attempt_time), 1U);
}
#else
static inline void test_delay_initiate(void)
{
}

static inline unsigned int rekey_attempt_time(void)
{
	return PTUN_REKEY_ATTEMPT_TIME;
}
#endif

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

/*
 * Two initiations of ours must not carry the same timestamp, whose grain
 * is PTUN_TIMESTAMP_NSEC_GRAIN: twice that on the coarse clock is safe.
 * Only an initiation right after a handshake reset comes this close.
 */
#define INITIATION_SPACING_NS	(2ULL * PTUN_TIMESTAMP_NSEC_GRAIN)

static void space_initiation(struct ptun_peer *peer)
{
	u64 since = now_ns() - atomic64_read(&peer->hs_last_sent_ns);

	if (since < INITIATION_SPACING_NS)
		msleep(DIV_ROUND_UP_ULL(INITIATION_SPACING_NS - since,
					NSEC_PER_MSEC));
}

static void initiate(struct work_struct *work)
{
	struct ptun_peer *peer = container_of(work, struct ptun_peer,
					      initiate_work);
	struct ptun_device *ptun = peer->ptun;
	struct ptun_noise_keys *keys = NULL;
	struct ptun_endpoint ep, probe;
	struct ptun_msg_initiation msg;
	bool probing;
	int ret;

	test_delay_initiate();
	/* only this work sends initiations, and never two at once */
	space_initiation(peer);
	mutex_lock(&peer->hs_lock);
	/*
	 * ptun_stop() resets the handshake after this work is done, but the
	 * data path or a late AEAD completion may queue it again: a device
	 * that is down must not be left with an initiation "pending".
	 */
	if (READ_ONCE(peer->dead) || !READ_ONCE(ptun->up))
		goto out_unlock;
	/*
	 * The keys are read under hs_lock: ptun_peer_set_keys() publishes
	 * new keys before it resets the handshake under this lock, so an
	 * initiation is never left pending with superseded keys.
	 */
	keys = ptun_peer_keys_copy(peer);
	ptun_peer_get_endpoint(peer, &ep);
	if (!keys || ep.addr.sa_family == AF_UNSPEC) {
		mutex_unlock(&peer->hs_lock);
		/* Nobody to talk to: the peer may still initiate to us. */
		ptun_send_purge_staged(peer);
		goto out;
	}
	if (!peer->hs_pending) {
		peer->hs_attempts_start = jiffies;
		peer->hs_retries = 0;
	} else if (time_after(jiffies, peer->hs_attempts_start +
			      rekey_attempt_time() * HZ)) {
		WRITE_ONCE(peer->hs_pending, false);
		memzero_explicit(&peer->hs, sizeof(peer->hs));
		if (ptun_device_follows_session(ptun))
			ptun_timers_handshake_gave_up(peer,
						      peer->hs_giveups++);
		mutex_unlock(&peer->hs_lock);
		net_dbg_ratelimited("%s: handshake gave up after %u seconds\n",
				    ptun->dev->name, rekey_attempt_time());
		ptun_events_handshake_timeout(ptun, &ep);
		ptun_send_purge_staged(peer);
		goto out;
	} else {
		peer->hs_retries++;
	}
	probing = ptun_endpoint_initiating(peer, peer->hs_pending, &probe);
	WRITE_ONCE(peer->hs.local_index, new_index(peer));
	ret = ptun_noise_initiation_create(&peer->hs, keys, &msg);
	if (ret)
		goto out_unlock;
	ptun_cookie_add_macs(&ptun->cookie, keys->mac1_send, &msg, sizeof(msg));
	peer->hs_cipher = keys->cipher;
	WRITE_ONCE(peer->hs_pending, true);
	atomic64_set(&peer->hs_last_sent_ns, now_ns());
	WRITE_ONCE(peer->hs_reset, false);
	mutex_unlock(&peer->hs_lock);

	if (probing)
		ptun_socket_send_buffer(ptun, &probe, &msg, sizeof(msg));
	else
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

	/*
	 * Retransmission is the retransmit timer's business while it runs.
	 * A pending initiation without one (its timer fired while the
	 * device was down) is taken up again here.
	 */
	if (READ_ONCE(peer->hs_pending) &&
	    timer_pending(&peer->retransmit_timer))
		return;
	/*
	 * At most one initiation per REKEY_TIMEOUT, but a reset (device
	 * down, new keys) ended the last one's handshake: nothing else
	 * would start the next before a packet or keepalive asks for it.
	 */
	last = atomic64_read(&peer->hs_last_sent_ns);
	if (last && !READ_ONCE(peer->hs_reset) &&
	    now_ns() - last < PTUN_REKEY_TIMEOUT_MIN * NSEC_PER_SEC)
		return;
	/* see ptun_peer_retire(): no work is queued once it saw the peer dead */
	rcu_read_lock_bh();
	if (!READ_ONCE(peer->dead))
		queue_work(ptun_wq, &peer->initiate_work);
	rcu_read_unlock_bh();
}

void ptun_handshake_connect(struct ptun_peer *peer)
{
	struct ptun_device *ptun = peer->ptun;

	if (ptun_device_follows_session(ptun) && READ_ONCE(ptun->up) &&
	    !netif_carrier_ok(ptun->dev))
		ptun_handshake_start(peer);
}

unsigned int ptun_handshake_rekey_after_time(void)
{
	return max(READ_ONCE(rekey_after_time), 1U);
}

void ptun_handshake_maybe_rekey(struct ptun_peer *peer,
				const struct ptun_session *s, bool sending)
{
	u64 age = sending ? ptun_handshake_rekey_after_time() :
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

/*
 * No age check: the timer was armed for the current session's
 * REKEY_AFTER_TIME, and the coarse clock may not quite have reached it.
 * A session installed meanwhile re-armed the timer; one installed by the
 * handshake started here re-arms it too.
 */
void ptun_handshake_rekey_idle(struct ptun_peer *peer)
{
	if (ptun_device_follows_session(peer->ptun) &&
	    ptun_session_tx_initiated(&peer->sessions, NULL))
		ptun_handshake_start(peer);
}

void ptun_handshake_reset(struct ptun_peer *peer)
{
	mutex_lock(&peer->hs_lock);
	WRITE_ONCE(peer->hs_pending, false);
	WRITE_ONCE(peer->hs_reset, true);
	memzero_explicit(&peer->hs, sizeof(peer->hs));
	peer->hs_giveups = 0;
	/*
	 * The greatest timestamp stays: forgetting it would let an old
	 * initiation be replayed.
	 */
	ptun_session_clear(&peer->sessions);
	ptun_peer_update_carrier(peer);
	mutex_unlock(&peer->hs_lock);
	ptun_events_session_down(peer, PTUN_DOWN_REASON_RESET);
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
	peer->hs_giveups = 0;
	ptun_peer_update_carrier(peer);
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
	/*
	 * The endpoint stays: an initiation may be a replay (the greatest
	 * timestamp dies with the peer object). It moves once the
	 * initiator's first data message proves the session.
	 */
	ptun_socket_send_buffer(ptun, src, &resp, sizeof(resp));
	ptun_stats_handshake(ptun);
	ptun_timers_any_received(peer);
	ptun_timers_session_derived(peer);
	if (ptun_device_follows_session(ptun))
		ptun_timers_unconfirmed(peer);
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
	struct ptun_noise_hs hs;
	bool idle, ok;

	mutex_lock(&peer->hs_lock);
	if (READ_ONCE(peer->dead))
		goto out_unlock;
	if (!peer->hs_pending || msg->receiver_index != peer->hs.local_index) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE,
		     "response to no initiation of ours");
		goto out_unlock;
	}
	/*
	 * On a copy: a response refused after it authenticated must leave
	 * the pending initiation intact, for the peer's next response.
	 */
	hs = peer->hs;
	if (ptun_noise_response_consume(&hs, keys, msg, &sk)) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE,
		     "response does not authenticate");
		goto out_unlock;
	}
	/*
	 * Authenticated, so the cipher byte is what the peer will use. A
	 * responder must answer in the cipher the initiation announced;
	 * the initiation stays pending, and is retransmitted.
	 */
	if (msg->header.cipher != peer->hs_cipher ||
	    msg->header.cipher != keys->cipher) {
		ptun_stats_drop(ptun, PTUN_A_STATS_DROP_CIPHER_MISMATCH);
		net_info_ratelimited("%s: peer's handshake response uses cipher %u, this end asked for %u\n",
				     ptun->dev->name, msg->header.cipher,
				     peer->hs_cipher);
		goto out_unlock;
	}
	WRITE_ONCE(peer->hs_pending, false);
	ok = install(peer, keys, &sk, &hs, true);
	memzero_explicit(&peer->hs, sizeof(peer->hs));
	if (!ok)
		goto out_unlock;
	mutex_unlock(&peer->hs_lock);

	ptun_events_session(peer, keys->cipher);
	ptun_peer_roam(peer, src);
	ptun_stats_handshake(ptun);
	ptun_timers_any_received(peer);
	ptun_timers_handshake_complete(peer);
	ptun_timers_session_derived(peer);
	ptun_timers_idle_rekey(peer);
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
	memzero_explicit(&hs, sizeof(hs));
	memzero_explicit(&sk, sizeof(sk));
}

/*
 * Whether a cookie reply naming @index answers a message of ours: our
 * pending initiation, or a response of ours, whose sender index is the
 * new session's (when both ends are under load, the responder needs the
 * initiator's cookie too). Under hs_lock, or locklessly as a filter that
 * the worker repeats under it.
 */
static bool cookie_for_us(struct ptun_peer *peer, __le32 index)
{
	return (READ_ONCE(peer->hs_pending) &&
		index == READ_ONCE(peer->hs.local_index)) ||
	       ptun_session_index_used(&peer->sessions, index);
}

static void consume_cookie(struct ptun_device *ptun, struct ptun_peer *peer,
			   const struct ptun_noise_keys *keys,
			   const struct ptun_msg_cookie *msg)
{
	bool ours;

	mutex_lock(&peer->hs_lock);
	ours = cookie_for_us(peer, msg->receiver_index);
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
 * Whether the handshake queue is under load: it holds at least
 * handshake_load_mark messages, or did within PTUN_UNDER_LOAD_HOLD_MS.
 * Any context.
 */
static bool under_load(struct ptun_device *ptun)
{
	u64 now = now_ns();

	if (skb_queue_len(&ptun->hs_queue) >= READ_ONCE(handshake_load_mark)) {
		atomic64_set(&ptun->hs_load_until_ns,
			     now + PTUN_UNDER_LOAD_HOLD_MS * NSEC_PER_MSEC);
		return true;
	}
	return now < atomic64_read(&ptun->hs_load_until_ns);
}

/*
 * mac1, and under load mac2 or else a cookie reply: true if the message
 * may go on. Any context.
 */
static bool screen_macs(struct ptun_device *ptun,
			const struct ptun_noise_keys *keys, const u8 *msg,
			size_t len, const struct ptun_endpoint *src, bool loaded)
{
	const struct ptun_msg_macs *macs = (const void *)(msg + len -
							   sizeof(*macs));
	struct ptun_msg_cookie reply;
	__le32 sender;

	switch (ptun_cookie_validate(&ptun->cookie, keys->mac1_recv, msg, len,
				     src, loaded)) {
	case PTUN_COOKIE_BAD_MAC1:
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "bad mac1");
		return false;
	case PTUN_COOKIE_NEED_COOKIE:
		/*
		 * Not rate limited: a reply is smaller than the message
		 * that asked for it, and limiting replies per source
		 * would let a spoofer starve the genuine peer of cookies.
		 */
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
	return true;
}

/*
 * The macs, then for a valid mac2 the per-source rate limit: true if the
 * message deserves Diffie-Hellman work. Only a source that proved it
 * receives at its address (mac2) is ever charged to the rate limit:
 * charging a claimed source would let anyone who knows our public key,
 * or replays a captured message, spend the genuine peer's budget.
 */
static bool screen(struct ptun_device *ptun,
		   const struct ptun_noise_keys *keys,
		   const u8 *msg, size_t len, const struct ptun_endpoint *src)
{
	bool loaded = under_load(ptun);

	if (!screen_macs(ptun, keys, msg, len, src, loaded))
		return false;
	if (loaded && !ptun_ratelimiter_allow(&ptun->ratelimiter, src)) {
		drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE, "rate limited");
		return false;
	}
	return true;
}

/*
 * What can be refused cheaply is refused where it arrives, in softirq,
 * and never takes a place in the queue: else a flood of it keeps the
 * queue full, and the genuine peer's messages wait behind it or find no
 * room. That is a cookie reply that answers no message of ours (a flood
 * of initiations spoofing our address brings them), and under load a
 * message without a valid mac2, which is answered with a cookie reply
 * here. This costs what a data message's decryption costs. The worker
 * checks again what is queued. True if @skb is to be queued.
 */
static bool admit(struct ptun_device *ptun, struct sk_buff *skb)
{
	struct ptun_peer_keys *keys;
	struct ptun_endpoint src;
	struct ptun_peer *peer;
	bool pass = true;

	if (!pskb_may_pull(skb, skb->len))
		return true;

	rcu_read_lock_bh();
	peer = rcu_dereference_bh(ptun->peer);
	if (!peer)
		goto out_unlock;
	if (skb->data[0] == PTUN_MSG_COOKIE) {
		const struct ptun_msg_cookie *msg = (const void *)skb->data;

		pass = cookie_for_us(peer, msg->receiver_index);
		if (!pass)
			drop(ptun, PTUN_A_STATS_DROP_HANDSHAKE,
			     "unexpected cookie reply");
		goto out_unlock;
	}
	keys = rcu_dereference_bh(peer->keys);
	if (keys && under_load(ptun)) {
		ptun_socket_endpoint_from_skb(&src, skb);
		pass = screen_macs(ptun, &keys->noise, skb->data, skb->len,
				   &src, true);
	}
out_unlock:
	rcu_read_unlock_bh();
	return pass;
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
	if (!admit(ptun, skb)) {
		consume_skb(skb);
		return;
	}
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
	atomic64_set(&ptun->hs_load_until_ns, 0);
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
