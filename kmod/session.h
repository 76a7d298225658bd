/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sessions: the symmetric keys one handshake produced, with their send
 * counter and replay window (docs/PROTOCOL.md, section 3).
 *
 * A peer holds up to three in struct ptun_session_slots. The data path
 * reads the slots under RCU and takes a reference on a session for as long
 * as an asynchronous AEAD request may still use it; the handshake replaces
 * them under the slots' lock.
 */

#ifndef _PTUN_SESSION_H
#define _PTUN_SESSION_H

#include <linux/atomic.h>
#include <linux/cache.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "crypt.h"
#include "messages.h"
#include "noise.h"
#include "replay.h"

struct ptun_peer;

struct ptun_session {
	struct ptun_crypt_key send_key;
	struct ptun_crypt_key recv_key;
	struct ptun_peer *peer;
	/* what the peer writes as receiver index, and what we write */
	__le32 local_index;
	__le32 remote_index;
	/*
	 * The sending CPU writes the counter for every packet, the
	 * receiving one the replay window: lines of their own keep them
	 * from bouncing between the two.
	 */
	atomic64_t send_counter ____cacheline_aligned_in_smp;
	struct ptun_replay replay ____cacheline_aligned_in_smp;
	/* ktime_get_coarse_boottime_ns() when the keys were derived */
	u64 birth_ns;
	bool initiator;
	/* set once the session is retired; the data path then ignores it */
	bool dead;
	refcount_t refs;
	struct rcu_work free_work;
};

struct ptun_session_slots {
	spinlock_t lock;	/* writers of the pointers below */
	/* responder side: derived, not yet confirmed by the initiator */
	struct ptun_session __rcu *next;
	/* used to send; also to receive */
	struct ptun_session __rcu *cur;
	/* the one before, still accepted on receive after a rekey */
	struct ptun_session __rcu *prev;
};

struct ptun_session *ptun_session_create(struct ptun_peer *peer,
					 const struct ptun_session_keys *keys,
					 u16 cipher, __le32 local_index,
					 __le32 remote_index, bool initiator);
void ptun_session_put(struct ptun_session *s);

void ptun_session_slots_init(struct ptun_session_slots *slots);
void ptun_session_install(struct ptun_session_slots *slots,
			  struct ptun_session *s);
bool ptun_session_confirm(struct ptun_session_slots *slots,
			  struct ptun_session *s);
void ptun_session_clear(struct ptun_session_slots *slots);
u64 ptun_session_expire(struct ptun_session_slots *slots);
bool ptun_session_index_used(struct ptun_session_slots *slots, __le32 index);

struct ptun_session *ptun_session_tx_get(struct ptun_session_slots *slots);
bool ptun_session_tx_initiated(struct ptun_session_slots *slots,
			       u64 *birth_ns);
struct ptun_session *ptun_session_rx_get(struct ptun_session_slots *slots,
					 __le32 index);
bool ptun_session_next_counter(struct ptun_session *s, u64 *counter);
bool ptun_session_is_old(const struct ptun_session *s, u64 seconds);

/*
 * How long a responder's session, not yet confirmed by the initiator's
 * first data message, holds the carrier up (seconds): the initiator sends
 * that message at once, so a session still unconfirmed after this long
 * answered an initiation whose sender never completed.
 */
#define PTUN_UNCONFIRMED_CARRIER_TIME	PTUN_REKEY_TIMEOUT_MAX

struct ptun_device;
bool ptun_session_update_carrier(struct ptun_session_slots *slots,
				 struct ptun_device *ptun);

#ifdef PTUN_DEBUG
bool ptun_session_selftest(void);
unsigned int ptun_session_reject_after_time(void);
#else
/* seconds after which a session's keys are refused and erased */
static inline unsigned int ptun_session_reject_after_time(void)
{
	return PTUN_REJECT_AFTER_TIME;
}
#endif

#endif /* _PTUN_SESSION_H */
