// SPDX-License-Identifier: GPL-2.0
/*
 * A peer's timers (docs/PROTOCOL.md, section 4):
 *
 * retransmit_timer            our initiation got no answer: send another,
 *                             after 1, 2, 4, 8, then every 16 seconds
 *                             (+-1/3 jitter), until REKEY_ATTEMPT_TIME
 * passive_keepalive_timer     we received data and sent nothing back for
 *                             KEEPALIVE_TIMEOUT: send a keepalive, so that
 *                             a silent side still confirms the session
 * dead_session_timer          we sent data and heard nothing for
 *                             KEEPALIVE_TIMEOUT + REKEY_TIMEOUT_MAX (_MIN
 *                             with candidate endpoints to fail over to):
 *                             the session may be dead, start a handshake
 * expiry_timer                sessions older than REJECT_AFTER_TIME are
 *                             retired and their keys erased; also fires
 *                             when a responder's session has waited
 *                             PTUN_UNCONFIRMED_CARRIER_TIME for its
 *                             confirmation. Either may take the carrier
 *                             down, and a handshake then starts at once
 * reconnect_timer             the retransmissions gave up with the device
 *                             up and no session: start a new series after
 *                             16, 32, 64, then every 120 seconds (+-1/3
 *                             jitter), so that the link comes back by
 *                             itself when the peer does
 * persistent_keepalive_timer  nothing sent or received for the configured
 *                             interval: send a keepalive to hold NAT
 *                             mappings open
 * idle_rekey_timer            link state session only: the current session,
 *                             which we initiated, is REKEY_AFTER_TIME old
 *                             (rekey_after_time): start the next handshake
 *                             even if nothing is being sent, so that an
 *                             idle tunnel has a new session long before
 *                             REJECT_AFTER_TIME ends the current one and
 *                             its carrier never drops. The remaining 60 s
 *                             leave room for the retransmissions
 *
 * The passive keepalive, dead session and persistent keepalive timers
 * follow the traffic, but the data path touches them only when they are
 * idle: per packet it stamps when the condition began (or clears the
 * stamp), and an expiring timer re-arms itself for the deadline the
 * stamp gives if that is still ahead. That keeps the timer bases' locks
 * out of the per-packet path.
 *
 * The handlers run in softirq and only send keepalives or queue work.
 * ptun_timers_stop() shuts them down for good, so a late event on a
 * retired peer cannot re-arm them.
 */

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/timer.h>

#include "device.h"
#include "endpoint.h"
#include "events.h"
#include "handshake.h"
#include "messages.h"
#include "peer.h"
#include "send.h"
#include "session.h"
#include "timers.h"

static bool running(struct ptun_peer *peer)
{
	return !READ_ONCE(peer->dead) && netif_running(peer->ptun->dev);
}

static void retransmit_expired(struct timer_list *t)
{
	struct ptun_peer *peer = from_timer(peer, t, retransmit_timer);

	/* initiate() gives up itself once REKEY_ATTEMPT_TIME has passed */
	if (running(peer) && READ_ONCE(peer->hs_pending))
		queue_work(ptun_wq, &peer->initiate_work);
}

/* A stamp of 0 means "not waiting": a jiffies value of 0 becomes 1. */
static unsigned long stamp_now(void)
{
	return jiffies ?: 1;
}

static void stamp_clear(unsigned long *stamp)
{
	if (READ_ONCE(*stamp))
		WRITE_ONCE(*stamp, 0);
}

/*
 * A lazily armed @timer expired: true when what it waits for began at
 * least @delay ago, the condition still holds and the peer still runs;
 * otherwise it is re-armed for the deadline the stamp now gives.
 */
static bool lazy_due(struct ptun_peer *peer, struct timer_list *timer,
		     unsigned long *stamp, unsigned long delay)
{
	unsigned long since = READ_ONCE(*stamp);

	if (!since || !running(peer))
		return false;
	if (time_before(jiffies, since + delay)) {
		mod_timer(timer, since + delay);
		return false;
	}
	WRITE_ONCE(*stamp, 0);
	return true;
}

static void passive_keepalive_expired(struct timer_list *t)
{
	struct ptun_peer *peer = from_timer(peer, t, passive_keepalive_timer);

	if (lazy_due(peer, t, &peer->rx_unanswered,
		     PTUN_KEEPALIVE_TIMEOUT * HZ))
		ptun_send_keepalive(peer);
}

static void dead_session_expired(struct timer_list *t)
{
	struct ptun_peer *peer = from_timer(peer, t, dead_session_timer);

	if (lazy_due(peer, t, &peer->tx_unanswered,
		     ptun_endpoint_dead_session_timeout(peer) * HZ))
		ptun_handshake_start(peer);
}

/* The expiry timer fires when the oldest session reaches @deadline_ns. */
static void arm_expiry(struct ptun_peer *peer, u64 deadline_ns)
{
	u64 now = ktime_get_coarse_boottime_ns();
	unsigned long delay = 0;

	if (deadline_ns > now)
		delay = nsecs_to_jiffies(deadline_ns - now);
	/* + 1: the coarse clock must have passed the deadline by then */
	timer_reduce(&peer->expiry_timer, jiffies + delay + 1);
}

static void expiry_expired(struct timer_list *t)
{
	struct ptun_peer *peer = from_timer(peer, t, expiry_timer);
	u64 next;

	next = ptun_session_expire(&peer->sessions);
	ptun_events_session_expired(peer);
	if (next)
		arm_expiry(peer, next);
	/* with the carrier down no packet asks for a new session: we do */
	if (!ptun_peer_update_carrier(peer) && running(peer))
		ptun_handshake_connect(peer);
}

static void reconnect_expired(struct timer_list *t)
{
	struct ptun_peer *peer = from_timer(peer, t, reconnect_timer);

	if (running(peer))
		ptun_handshake_connect(peer);
}

static void idle_rekey_expired(struct timer_list *t)
{
	struct ptun_peer *peer = from_timer(peer, t, idle_rekey_timer);

	if (running(peer))
		ptun_handshake_rekey_idle(peer);
}

static void persistent_keepalive_expired(struct timer_list *t)
{
	struct ptun_peer *peer = from_timer(peer, t,
					    persistent_keepalive_timer);
	unsigned long interval = READ_ONCE(peer->keepalive) * HZ;
	unsigned long next = READ_ONCE(peer->last_traffic) + interval;

	if (!interval || !running(peer))
		return;
	if (time_before(jiffies, next))
		mod_timer(t, next);
	else
		ptun_send_keepalive(peer);
}

void ptun_timers_init(struct ptun_peer *peer)
{
	timer_setup(&peer->retransmit_timer, retransmit_expired, 0);
	timer_setup(&peer->passive_keepalive_timer,
		    passive_keepalive_expired, 0);
	timer_setup(&peer->dead_session_timer, dead_session_expired, 0);
	timer_setup(&peer->expiry_timer, expiry_expired, 0);
	timer_setup(&peer->persistent_keepalive_timer,
		    persistent_keepalive_expired, 0);
	timer_setup(&peer->reconnect_timer, reconnect_expired, 0);
	timer_setup(&peer->idle_rekey_timer, idle_rekey_expired, 0);
}

void ptun_timers_stop(struct ptun_peer *peer)
{
	timer_shutdown_sync(&peer->retransmit_timer);
	timer_shutdown_sync(&peer->passive_keepalive_timer);
	timer_shutdown_sync(&peer->dead_session_timer);
	timer_shutdown_sync(&peer->expiry_timer);
	timer_shutdown_sync(&peer->persistent_keepalive_timer);
	timer_shutdown_sync(&peer->reconnect_timer);
	timer_shutdown_sync(&peer->idle_rekey_timer);
}

/* Anything was sent or received: the persistent keepalive waits on. */
static void traffic(struct ptun_peer *peer)
{
	unsigned int interval = READ_ONCE(peer->keepalive);
	unsigned long now = jiffies;

	/* one write a jiffy, so that the line is not dirtied per packet */
	if (READ_ONCE(peer->last_traffic) != now)
		WRITE_ONCE(peer->last_traffic, now);
	if (interval && !timer_pending(&peer->persistent_keepalive_timer))
		mod_timer(&peer->persistent_keepalive_timer,
			  now + interval * HZ);
}

void ptun_timers_data_sent(struct ptun_peer *peer)
{
	if (!READ_ONCE(peer->tx_unanswered))
		WRITE_ONCE(peer->tx_unanswered, stamp_now());
	if (!timer_pending(&peer->dead_session_timer))
		mod_timer(&peer->dead_session_timer, jiffies +
			  ptun_endpoint_dead_session_timeout(peer) * HZ);
}

void ptun_timers_any_sent(struct ptun_peer *peer)
{
	stamp_clear(&peer->rx_unanswered);
	traffic(peer);
}

void ptun_timers_data_received(struct ptun_peer *peer)
{
	if (!READ_ONCE(peer->rx_unanswered))
		WRITE_ONCE(peer->rx_unanswered, stamp_now());
	if (!timer_pending(&peer->passive_keepalive_timer))
		mod_timer(&peer->passive_keepalive_timer,
			  jiffies + PTUN_KEEPALIVE_TIMEOUT * HZ);
}

void ptun_timers_any_received(struct ptun_peer *peer)
{
	stamp_clear(&peer->tx_unanswered);
	traffic(peer);
}

void ptun_timers_handshake_initiated(struct ptun_peer *peer)
{
	unsigned int retries = min(READ_ONCE(peer->hs_retries), 4U);
	unsigned long base = (PTUN_REKEY_TIMEOUT_MIN << retries) * HZ;
	unsigned long delay;

	base = min_t(unsigned long, base, PTUN_REKEY_TIMEOUT_MAX * HZ);
	delay = base * 2 / 3 + get_random_u32_below(base * 2 / 3 + 1);
	mod_timer(&peer->retransmit_timer,
		  jiffies + ptun_endpoint_retransmit_delay(peer, delay));
}

void ptun_timers_handshake_complete(struct ptun_peer *peer)
{
	timer_delete(&peer->retransmit_timer);
}

/* Backoff from 16 s, doubling, up to PTUN_RECONNECT_MAX. */
void ptun_timers_handshake_gave_up(struct ptun_peer *peer,
				   unsigned int giveups)
{
	unsigned long base = (unsigned long)PTUN_REKEY_TIMEOUT_MAX <<
			     min(giveups, 3U);

	base = min_t(unsigned long, base, PTUN_RECONNECT_MAX) * HZ;
	mod_timer(&peer->reconnect_timer, jiffies + base * 2 / 3 +
		  get_random_u32_below(base * 2 / 3 + 1));
}

/* A responder's session was installed: it must be confirmed in time. */
void ptun_timers_unconfirmed(struct ptun_peer *peer)
{
	arm_expiry(peer, ktime_get_coarse_boottime_ns() +
			 (u64)PTUN_UNCONFIRMED_CARRIER_TIME * NSEC_PER_SEC);
}

/*
 * A new session never postpones the erasure of older ones: the timer
 * stays at the earliest deadline, and re-arms for the next one.
 */
void ptun_timers_session_derived(struct ptun_peer *peer)
{
	arm_expiry(peer, ktime_get_coarse_boottime_ns() +
			 (u64)ptun_session_reject_after_time() * NSEC_PER_SEC);
}

/*
 * Armed from the current session's birth, not from now: the link state
 * may become session when the session is already old.
 */
void ptun_timers_idle_rekey(struct ptun_peer *peer)
{
	u64 now = ktime_get_coarse_boottime_ns(), birth, due;
	unsigned long delay = 0;

	/* only the initiator rekeys, so that both ends never race to */
	if (!ptun_device_follows_session(peer->ptun) ||
	    !ptun_session_tx_initiated(&peer->sessions, &birth))
		return;
	due = birth + (u64)ptun_handshake_rekey_after_time() * NSEC_PER_SEC;
	if (due > now)
		delay = nsecs_to_jiffies(due - now);
	mod_timer(&peer->idle_rekey_timer, jiffies + delay);
}

/*
 * Configuration changed or the device came up: start right away, and
 * count the new interval from now rather than from a pending deadline
 * the old interval set.
 */
void ptun_timers_persistent_keepalive(struct ptun_peer *peer)
{
	unsigned int interval = READ_ONCE(peer->keepalive);

	if (!running(peer) || !interval)
		return;
	mod_timer(&peer->persistent_keepalive_timer, jiffies + interval * HZ);
	ptun_send_keepalive(peer);
}
