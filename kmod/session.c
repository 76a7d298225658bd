// SPDX-License-Identifier: GPL-2.0
/*
 * Session lifetime. A session is created by the handshake, published in
 * a slot, retired when a newer one pushes it out or it expires, and freed
 * once no reader can see it (RCU) and no AEAD request holds it (refs).
 * Freeing runs from a work item because releasing a crypto transform may
 * sleep.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/ptun.h>

#include "crypt.h"
#include "device.h"
#include "messages.h"
#include "peer.h"
#include "session.h"

#ifdef PTUN_DEBUG
/*
 * Test hook, in PTUN_DEBUG=1 builds only: REJECT_AFTER_TIME in seconds,
 * short enough for selftests/expiry.sh to watch sessions expire. Each
 * session's erasure is logged with its age (pr_debug, on in these builds).
 */
static unsigned int test_reject_after_time = PTUN_REJECT_AFTER_TIME;
module_param(test_reject_after_time, uint, 0644);
MODULE_PARM_DESC(test_reject_after_time,
		 "seconds after which session keys are refused and erased (testing; default 180)");

unsigned int ptun_session_reject_after_time(void)
{
	return max(READ_ONCE(test_reject_after_time), 1U);
}
#endif

static void free_session(struct work_struct *work)
{
	struct ptun_session *s = container_of(to_rcu_work(work),
					      struct ptun_session, free_work);

	pr_debug("session %08x: keys erased at %llu ms\n",
		 le32_to_cpu(s->local_index),
		 (ktime_get_coarse_boottime_ns() - s->birth_ns) / NSEC_PER_MSEC);
	ptun_crypt_key_destroy(&s->send_key);
	ptun_crypt_key_destroy(&s->recv_key);
	ptun_peer_put(s->peer);
	kfree_sensitive(s);
}

struct ptun_session *ptun_session_create(struct ptun_peer *peer,
					 const struct ptun_session_keys *keys,
					 u16 cipher, __le32 local_index,
					 __le32 remote_index, bool initiator)
{
	struct ptun_session *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return ERR_PTR(-ENOMEM);

	ret = ptun_crypt_key_init(&s->send_key, cipher, keys->send);
	if (ret)
		goto free_s;
	ret = ptun_crypt_key_init(&s->recv_key, cipher, keys->recv);
	if (ret)
		goto destroy_send_key;

	s->peer = ptun_peer_get(peer);
	s->local_index = local_index;
	s->remote_index = remote_index;
	s->initiator = initiator;
	s->birth_ns = ktime_get_coarse_boottime_ns();
	atomic64_set(&s->send_counter, 0);
	ptun_replay_init(&s->replay);
	refcount_set(&s->refs, 1);
	INIT_RCU_WORK(&s->free_work, free_session);
	return s;

destroy_send_key:
	ptun_crypt_key_destroy(&s->send_key);
free_s:
	kfree_sensitive(s);
	return ERR_PTR(ret);
}

void ptun_session_put(struct ptun_session *s)
{
	if (s && refcount_dec_and_test(&s->refs))
		queue_rcu_work(ptun_wq, &s->free_work);
}

/* Unpublished by the caller; drop the slot's reference. */
static void retire(struct ptun_session *s)
{
	if (!s)
		return;
	WRITE_ONCE(s->dead, true);
	ptun_session_put(s);
}

void ptun_session_slots_init(struct ptun_session_slots *slots)
{
	spin_lock_init(&slots->lock);
	RCU_INIT_POINTER(slots->next, NULL);
	RCU_INIT_POINTER(slots->cur, NULL);
	RCU_INIT_POINTER(slots->prev, NULL);
}

static struct ptun_session *slot(struct ptun_session_slots *slots,
				 struct ptun_session __rcu **p)
{
	return rcu_dereference_protected(*p, lockdep_is_held(&slots->lock));
}

/*
 * The initiator's new session is confirmed by the response it just
 * consumed, so it goes straight to use; the responder's waits in "next"
 * until the initiator's first data message proves it holds the keys.
 *
 * When both ends initiate at once, each answers the other's initiation
 * (its responder session waits in "next") and then completes its own.
 * The peer sends with the initiator session whose responder half is our
 * "next", so that one must stay receivable: it moves to "prev" in place
 * of the current session, which neither end sends with any more.
 */
void ptun_session_install(struct ptun_session_slots *slots,
			  struct ptun_session *s)
{
	struct ptun_session *old_next, *old_cur = NULL, *old_prev = NULL;

	spin_lock_bh(&slots->lock);
	old_next = slot(slots, &slots->next);
	if (s->initiator) {
		old_prev = slot(slots, &slots->prev);
		old_cur = slot(slots, &slots->cur);
		if (old_next) {
			rcu_assign_pointer(slots->prev, old_next);
			RCU_INIT_POINTER(slots->next, NULL);
			old_next = NULL;
		} else {
			rcu_assign_pointer(slots->prev, old_cur);
			old_cur = NULL;
		}
		rcu_assign_pointer(slots->cur, s);
	} else {
		rcu_assign_pointer(slots->next, s);
	}
	spin_unlock_bh(&slots->lock);
	retire(old_next);
	retire(old_cur);
	retire(old_prev);
}

/* True if @s was waiting in "next" and is now the current session. */
bool ptun_session_confirm(struct ptun_session_slots *slots,
			  struct ptun_session *s)
{
	struct ptun_session *old_prev;

	/*
	 * Every data packet asks, and the answer is almost always no: ask
	 * without the lock first. Only the slots' writers set next to @s, and
	 * a packet of @s can only arrive once they did.
	 */
	if (rcu_access_pointer(slots->next) != s)
		return false;
	spin_lock_bh(&slots->lock);
	if (slot(slots, &slots->next) != s) {
		spin_unlock_bh(&slots->lock);
		return false;
	}
	old_prev = slot(slots, &slots->prev);
	rcu_assign_pointer(slots->prev, slot(slots, &slots->cur));
	rcu_assign_pointer(slots->cur, s);
	RCU_INIT_POINTER(slots->next, NULL);
	spin_unlock_bh(&slots->lock);
	retire(old_prev);
	return true;
}

void ptun_session_clear(struct ptun_session_slots *slots)
{
	struct ptun_session *next, *cur, *prev;

	spin_lock_bh(&slots->lock);
	next = slot(slots, &slots->next);
	cur = slot(slots, &slots->cur);
	prev = slot(slots, &slots->prev);
	RCU_INIT_POINTER(slots->next, NULL);
	RCU_INIT_POINTER(slots->cur, NULL);
	RCU_INIT_POINTER(slots->prev, NULL);
	spin_unlock_bh(&slots->lock);
	retire(next);
	retire(cur);
	retire(prev);
}

/*
 * Retires every session past REJECT_AFTER_TIME (the test parameter in
 * debug builds), erasing its keys, and
 * returns when the oldest remaining one reaches it (coarse boottime ns),
 * 0 if none remains.
 */
u64 ptun_session_expire(struct ptun_session_slots *slots)
{
	struct ptun_session __rcu **p[] = {
		&slots->next, &slots->cur, &slots->prev
	};
	struct ptun_session *old[ARRAY_SIZE(p)] = {};
	unsigned int i, reject = ptun_session_reject_after_time();
	u64 first_birth = U64_MAX;

	spin_lock_bh(&slots->lock);
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		struct ptun_session *s;

		s = slot(slots, p[i]);
		if (!s)
			continue;
		if (ptun_session_is_old(s, reject)) {
			RCU_INIT_POINTER(*p[i], NULL);
			old[i] = s;
		} else {
			first_birth = min(first_birth, s->birth_ns);
		}
	}
	spin_unlock_bh(&slots->lock);
	for (i = 0; i < ARRAY_SIZE(old); i++)
		retire(old[i]);
	if (first_birth == U64_MAX)
		return 0;
	return first_birth + reject * NSEC_PER_SEC;
}

bool ptun_session_index_used(struct ptun_session_slots *slots, __le32 index)
{
	struct ptun_session *s;
	bool used = false;

	spin_lock_bh(&slots->lock);
	s = slot(slots, &slots->next);
	used |= s && s->local_index == index;
	s = slot(slots, &slots->cur);
	used |= s && s->local_index == index;
	s = slot(slots, &slots->prev);
	used |= s && s->local_index == index;
	spin_unlock_bh(&slots->lock);
	return used;
}

bool ptun_session_is_old(const struct ptun_session *s, u64 seconds)
{
	return ktime_get_coarse_boottime_ns() - s->birth_ns >=
	       seconds * NSEC_PER_SEC;
}

/*
 * Sets @ptun's carrier: always on in link state up. In link state
 * session, from the slots: on while there is a current session, or a
 * responder's session younger than PTUN_UNCONFIRMED_CARRIER_TIME (raising
 * the carrier before confirmation gives the stack's qdisc time to be
 * attached before the first data message arrives); off otherwise. Expired
 * sessions are gone from the slots once the expiry timer ran, which calls
 * this again. Decided (link state included) and applied under the slots'
 * lock, so that two callers, or a caller and a change of the link state,
 * cannot leave the carrier at the older answer. Returns whether the
 * carrier is on.
 */
bool ptun_session_update_carrier(struct ptun_session_slots *slots,
				 struct ptun_device *ptun)
{
	struct ptun_session *next;
	bool on;

	spin_lock_bh(&slots->lock);
	next = slot(slots, &slots->next);
	on = !ptun_device_follows_session(ptun) ||
	     slot(slots, &slots->cur) ||
	     (next && !ptun_session_is_old(next,
					   PTUN_UNCONFIRMED_CARRIER_TIME));
	if (on)
		netif_carrier_on(ptun->dev);
	else
		netif_carrier_off(ptun->dev);
	spin_unlock_bh(&slots->lock);
	return on;
}

static bool usable(struct ptun_session *s)
{
	return s && !READ_ONCE(s->dead) &&
	       !ptun_session_is_old(s, ptun_session_reject_after_time()) &&
	       refcount_inc_not_zero(&s->refs);
}

/* The session to send with, referenced, or NULL if there is none. */
struct ptun_session *ptun_session_tx_get(struct ptun_session_slots *slots)
{
	struct ptun_session *s;

	rcu_read_lock_bh();
	s = rcu_dereference_bh(slots->cur);
	if (!usable(s)) {
		s = NULL;
	} else if (atomic64_read(&s->send_counter) >=
		   PTUN_REJECT_AFTER_MESSAGES) {
		ptun_session_put(s);
		s = NULL;
	}
	rcu_read_unlock_bh();
	return s;
}

/*
 * Whether the current session is one we initiated, and if so when it was
 * derived (@birth_ns, may be NULL): its initiator is the end that renews
 * an idle session.
 */
bool ptun_session_tx_initiated(struct ptun_session_slots *slots,
			       u64 *birth_ns)
{
	struct ptun_session *s = ptun_session_tx_get(slots);
	bool initiated;

	if (!s)
		return false;
	initiated = s->initiator;
	if (birth_ns)
		*birth_ns = s->birth_ns;
	ptun_session_put(s);
	return initiated;
}

/* The session a data message's receiver index names, referenced. */
struct ptun_session *ptun_session_rx_get(struct ptun_session_slots *slots,
					 __le32 index)
{
	struct ptun_session *found = NULL, *s;

	rcu_read_lock_bh();
	s = rcu_dereference_bh(slots->cur);
	if (s && s->local_index == index)
		found = s;
	s = rcu_dereference_bh(slots->prev);
	if (!found && s && s->local_index == index)
		found = s;
	s = rcu_dereference_bh(slots->next);
	if (!found && s && s->local_index == index)
		found = s;
	if (!usable(found))
		found = NULL;
	rcu_read_unlock_bh();
	return found;
}

/*
 * Takes the next nonce. Counters past the limit are never used: the
 * counter may run on, but it is 64 bits wide and cannot wrap in practice.
 */
bool ptun_session_next_counter(struct ptun_session *s, u64 *counter)
{
	*counter = atomic64_inc_return(&s->send_counter) - 1;
	return *counter < PTUN_REJECT_AFTER_MESSAGES;
}

#ifdef PTUN_DEBUG
/* A session with no transforms and no peer: enough for the slot logic. */
static struct ptun_session *fake_session(u32 index, bool initiator, u64 age)
{
	struct ptun_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->local_index = cpu_to_le32(index);
	s->initiator = initiator;
	s->birth_ns = ktime_get_coarse_boottime_ns() - age * NSEC_PER_SEC;
	refcount_set(&s->refs, 1);
	INIT_RCU_WORK(&s->free_work, free_session);
	return s;
}

/* Whether data naming @index is received (with @s), and sent with @tx. */
static bool slots_are(struct ptun_session_slots *slots,
		      struct ptun_session *rx, struct ptun_session *tx)
{
	struct ptun_session *got_rx, *got_tx;
	bool ok;

	got_rx = ptun_session_rx_get(slots, rx->local_index);
	got_tx = ptun_session_tx_get(slots);
	ok = got_rx == rx && got_tx == tx;
	ptun_session_put(got_rx);
	ptun_session_put(got_tx);
	return ok;
}

bool ptun_session_selftest(void)
{
	struct ptun_session *a, *b, *r, *young;
	struct ptun_session_slots slots;
	bool pass = true;
	__le32 b_index;
	u64 deadline;

	ptun_session_slots_init(&slots);
	a = fake_session(1, true, 0);
	b = fake_session(2, true, 0);
	r = fake_session(3, false, 0);
	if (!a || !b || !r) {
		kfree(a);
		kfree(b);
		kfree(r);
		return false;
	}
	b_index = b->local_index;
	/* our rekey: the old session stays receivable */
	ptun_session_install(&slots, a);
	ptun_session_install(&slots, b);
	pass &= slots_are(&slots, a, b);
	/*
	 * crossing: the peer's initiation answered (r waits in next), then
	 * our own completes; the peer sends with r's other half
	 */
	ptun_session_install(&slots, r);
	a = fake_session(4, true, 0);
	if (!a)
		goto fail;
	ptun_session_install(&slots, a);
	pass &= slots_are(&slots, r, a);
	pass &= !ptun_session_rx_get(&slots, b_index);
	/* a responder session is used once the initiator's data confirms it */
	r = fake_session(5, false, 0);
	if (!r)
		goto fail;
	ptun_session_install(&slots, r);
	pass &= slots_are(&slots, a, a);
	pass &= ptun_session_confirm(&slots, r);
	pass &= slots_are(&slots, a, r);
	ptun_session_clear(&slots);

	/*
	 * expiry: the oldest session sets the deadline, and a younger one
	 * does not postpone it (ages below any uptime: the clock is boottime)
	 */
	a = fake_session(6, true, 2);
	young = fake_session(7, true, 1);
	if (!a || !young) {
		kfree(a);
		kfree(young);
		goto fail;
	}
	ptun_session_install(&slots, a);
	deadline = ptun_session_expire(&slots);
	pass &= deadline == a->birth_ns +
			    ptun_session_reject_after_time() * NSEC_PER_SEC;
	pass &= slots_are(&slots, a, a);
	ptun_session_install(&slots, young);
	deadline = ptun_session_expire(&slots);
	pass &= deadline == a->birth_ns +
			    ptun_session_reject_after_time() * NSEC_PER_SEC;
	ptun_session_clear(&slots);
	pass &= !ptun_session_expire(&slots);
	goto out;

fail:
	ptun_session_clear(&slots);
	pass = false;
out:
	/* the retired sessions are freed by RCU work on ptun_wq: wait */
	rcu_barrier();
	flush_workqueue(ptun_wq);
	return pass;
}
#endif
