// SPDX-License-Identifier: GPL-2.0
/*
 * Candidate endpoints: failover to the next one when handshakes to the
 * active one go unanswered, failback to the first one when a probe gets
 * through (docs/PROTOCOL.md, section 4.1).
 *
 * With fewer than two candidates nothing here changes the endpoint: it
 * moves only by configuration and authenticated roaming, as it always did.
 */

#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>
#include <net/ipv6.h>

#include "device.h"
#include "endpoint.h"
#include "events.h"
#include "messages.h"
#include "peer.h"

/*
 * Two endpoints are the same peer address when family, address, port and,
 * for IPv6, the scope agree: fe80::1 on one link is not fe80::1 on another.
 * With @with_source the local address we send from must agree as well.
 */
bool ptun_endpoint_equal(const struct ptun_endpoint *a,
			 const struct ptun_endpoint *b, bool with_source)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	switch (a->addr.sa_family) {
	case AF_INET:
		return a->addr4.sin_port == b->addr4.sin_port &&
		       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr &&
		       (!with_source || a->src4.s_addr == b->src4.s_addr);
	case AF_INET6:
		return a->addr6.sin6_port == b->addr6.sin6_port &&
		       ipv6_addr_equal(&a->addr6.sin6_addr,
				       &b->addr6.sin6_addr) &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id &&
		       (!with_source || ipv6_addr_equal(&a->src6, &b->src6));
	}
	/* neither has an address */
	return true;
}

static int find_locked(const struct ptun_peer *peer,
		       const struct ptun_endpoint *ep)
{
	int i;

	lockdep_assert_held(&peer->endpoint_lock);
	for (i = 0; i < peer->candidate_count; i++)
		if (ptun_endpoint_equal(&peer->candidates[i], ep, false))
			return i;
	return -1;
}

u16 ptun_endpoint_failover_timeout(const struct ptun_peer *peer)
{
	return READ_ONCE(peer->failover_timeout) ?:
	       PTUN_FAILOVER_TIMEOUT_DEFAULT;
}

u16 ptun_endpoint_failback_interval(const struct ptun_peer *peer)
{
	return READ_ONCE(peer->failback_interval) ?:
	       PTUN_FAILBACK_INTERVAL_DEFAULT;
}

static bool running(struct ptun_peer *peer)
{
	return !READ_ONCE(peer->dead) && netif_running(peer->ptun->dev);
}

/*
 * While another candidate than the first is in use, the next initiation
 * every failback interval goes to the first one. A handshake already
 * under way is left alone: its retransmissions decide the failover.
 */
static void failback_expired(struct timer_list *t)
{
	struct ptun_peer *peer = from_timer(peer, t, failback_timer);
	bool away;

	read_lock(&peer->endpoint_lock);
	away = peer->candidate_count >= 2 && peer->candidate_active != 0;
	read_unlock(&peer->endpoint_lock);
	if (!away || READ_ONCE(peer->dead))
		return;
	if (running(peer) && !READ_ONCE(peer->hs_pending)) {
		WRITE_ONCE(peer->probe_first, true);
		queue_work(ptun_wq, &peer->initiate_work);
	}
	mod_timer(&peer->failback_timer,
		  jiffies + ptun_endpoint_failback_interval(peer) * HZ);
}

void ptun_endpoint_init(struct ptun_peer *peer)
{
	peer->candidate_active = -1;
	timer_setup(&peer->failback_timer, failback_expired, 0);
}

void ptun_endpoint_stop(struct ptun_peer *peer)
{
	timer_shutdown_sync(&peer->failback_timer);
}

/*
 * A SET's list (1 to PTUN_ENDPOINTS_MAX entries, checked and without
 * duplicates): the first becomes the endpoint and is active, the others
 * standby. A peer not yet attached is private to its creator.
 */
void ptun_endpoint_set_candidates(struct ptun_peer *peer,
				  const struct ptun_endpoint *list,
				  unsigned int count)
{
	unsigned int i;

	if (peer->ptun)
		lockdep_assert_held(&peer->ptun->lock);
	write_lock_bh(&peer->endpoint_lock);
	for (i = 0; i < count; i++)
		peer->candidates[i] = list[i];
	WRITE_ONCE(peer->candidate_count, count);
	peer->candidates_failed = 0;
	peer->candidate_active = 0;
	peer->endpoint = list[0];
	dst_cache_reset(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

void ptun_endpoint_set_timers(struct ptun_peer *peer, u16 failover_timeout,
			      u16 failback_interval)
{
	if (peer->ptun)
		lockdep_assert_held(&peer->ptun->lock);
	WRITE_ONCE(peer->failover_timeout, failover_timeout);
	WRITE_ONCE(peer->failback_interval, failback_interval);
}

/* Copies the candidates and their PTUN_ENDPOINT_STATE_*; returns how many. */
unsigned int ptun_endpoint_get_candidates(struct ptun_peer *peer,
					  struct ptun_endpoint *list,
					  u8 *states)
{
	unsigned int i, count;

	read_lock_bh(&peer->endpoint_lock);
	count = peer->candidate_count;
	for (i = 0; i < count; i++) {
		list[i] = peer->candidates[i];
		if (peer->candidate_active == i)
			states[i] = PTUN_ENDPOINT_STATE_ACTIVE;
		else if (peer->candidates_failed & BIT(i))
			states[i] = PTUN_ENDPOINT_STATE_FAILED;
		else
			states[i] = PTUN_ENDPOINT_STATE_STANDBY;
	}
	read_unlock_bh(&peer->endpoint_lock);
	return count;
}

/**
 * ptun_endpoint_switch - move the peer to another endpoint
 * @peer: the peer
 * @to: the new endpoint (an authenticated source); NULL: fail over from
 *	the active candidate, marked failed, to the next one (wrapping
 *	round; the first if none is active)
 * @reason: why; an arrival from the first candidate while another was
 *	active counts as a failback
 *
 * Every change of the peer's endpoint after configuration goes through
 * here, and so every change of the active candidate: the place to tell
 * userspace about them. A failover without two candidates does nothing.
 */
void ptun_endpoint_switch(struct ptun_peer *peer,
			  const struct ptun_endpoint *to,
			  enum ptun_failover_reason reason)
{
	struct ptun_endpoint old, new;
	unsigned int count;
	int from, next;

	write_lock_bh(&peer->endpoint_lock);
	count = peer->candidate_count;
	from = peer->candidate_active;
	old = peer->endpoint;
	if (to) {
		next = find_locked(peer, to);
		peer->endpoint = *to;
	} else {
		if (count < 2) {
			write_unlock_bh(&peer->endpoint_lock);
			return;
		}
		next = from < 0 ? 0 : (from + 1) % count;
		if (from >= 0)
			peer->candidates_failed |= BIT(from);
		/* our own address on that path is not known yet */
		peer->endpoint = peer->candidates[next];
	}
	if (next >= 0)
		peer->candidates_failed &= ~BIT(next);
	peer->candidate_active = next;
	new = peer->endpoint;
	dst_cache_reset(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);

	if (from == next || count < 2)
		return;
	if (reason == PTUN_FAILOVER_REASON_ROAMED && next == 0)
		reason = PTUN_FAILOVER_REASON_FAILBACK;
	if (next != 0 && !timer_pending(&peer->failback_timer))
		mod_timer(&peer->failback_timer,
			  jiffies + ptun_endpoint_failback_interval(peer) * HZ);
	ptun_events_failover(peer->ptun, &old, &new, reason);
}

/**
 * ptun_endpoint_initiating - an initiation is about to be sent
 * @peer: the peer, with hs_lock held
 * @pending: an earlier initiation of the series is still unanswered
 * @probe: where a failback probe goes
 *
 * Fails over once initiations to the active candidate have gone
 * unanswered for the failover timeout, and starts the next candidate's
 * retransmissions from the shortest interval again. Returns true if this
 * initiation is a failback probe, to be sent to @probe rather than to
 * the endpoint; its retransmissions go to the endpoint.
 */
bool ptun_endpoint_initiating(struct ptun_peer *peer, bool pending,
			      struct ptun_endpoint *probe)
{
	unsigned long timeout = ptun_endpoint_failover_timeout(peer) * HZ;
	bool probing = xchg(&peer->probe_first, false);

	lockdep_assert_held(&peer->hs_lock);
	if (!pending) {
		WRITE_ONCE(peer->candidate_since, jiffies);
	} else if (READ_ONCE(peer->candidate_count) >= 2 &&
		   time_after_eq(jiffies, peer->candidate_since + timeout)) {
		ptun_endpoint_switch(peer, NULL, PTUN_FAILOVER_REASON_TIMEOUT);
		WRITE_ONCE(peer->candidate_since, jiffies);
		peer->hs_retries = 0;
	}
	if (!probing || pending)
		return false;
	read_lock_bh(&peer->endpoint_lock);
	probing = peer->candidate_count >= 2 && peer->candidate_active != 0;
	if (probing)
		*probe = peer->candidates[0];
	read_unlock_bh(&peer->endpoint_lock);
	return probing;
}

/*
 * With two or more candidates, a retransmission falls due no later than
 * the failover timeout, so that the failover happens on time.
 */
unsigned long ptun_endpoint_retransmit_delay(struct ptun_peer *peer,
					     unsigned long delay)
{
	unsigned long deadline;
	long left;

	if (READ_ONCE(peer->candidate_count) < 2)
		return delay;
	deadline = READ_ONCE(peer->candidate_since) +
		   ptun_endpoint_failover_timeout(peer) * HZ;
	left = (long)(deadline - jiffies);
	if (left <= 0)
		return 1;
	return min_t(unsigned long, delay, left);
}

/*
 * Data sent and nothing heard back for this long starts a handshake:
 * sooner with candidates to fail over to, so that the failover timeout
 * counts from early on.
 */
unsigned int ptun_endpoint_dead_session_timeout(struct ptun_peer *peer)
{
	if (READ_ONCE(peer->candidate_count) >= 2)
		return PTUN_KEEPALIVE_TIMEOUT + PTUN_REKEY_TIMEOUT_MIN;
	return PTUN_KEEPALIVE_TIMEOUT + PTUN_REKEY_TIMEOUT_MAX;
}
