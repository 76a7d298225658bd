// SPDX-License-Identifier: GPL-2.0
/*
 * Events for listeners on the "events" multicast group of the ptun family.
 *
 * They are built in whatever context noticed the event (softirq for a
 * confirming data message, a timer for expiry, a work item for the
 * handshake, process context for a SET), so with GFP_ATOMIC, and not at
 * all while nobody listens. A per-device token bucket bounds how many a
 * device sends, so that a peer that rekeys or roams in a loop, or a script
 * that SETs in one, cannot fill the listeners' socket buffers: what the
 * bucket holds back is counted, not queued.
 */

#include <linux/bitops.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "device.h"
#include "events.h"
#include "netlink.h"
#include "peer.h"
#include "session.h"

/* A burst of 20 events, then 10 a second. */
#define PTUN_EVENTS_BURST	20
#define PTUN_EVENTS_COST_NS	(NSEC_PER_SEC / 10)

/* bit of ptun_peer::events_state: a session-up was reported */
#define PTUN_EVENTS_SESSION_UP	0

/* the only group: its index in the family's groups is 0 */
#define PTUN_EVENTS_GROUP	0

const struct genl_multicast_group ptun_events_mcgrps[1] = {
	/* CAP_NET_ADMIN in the user namespace owning the device's namespace */
	[PTUN_EVENTS_GROUP] = { .name = PTUN_MCGRP_EVENTS,
				.flags = GENL_MCAST_CAP_NET_ADMIN },
};

void ptun_events_limit_init(struct ptun_events_limit *limit)
{
	spin_lock_init(&limit->lock);
	limit->credit_ns = PTUN_EVENTS_BURST * PTUN_EVENTS_COST_NS;
	limit->last_ns = ktime_get_coarse_boottime_ns();
	atomic64_set(&limit->suppressed, 0);
}

u64 ptun_events_suppressed(struct ptun_device *ptun)
{
	return atomic64_read(&ptun->events_limit.suppressed);
}

static bool limit_allows(struct ptun_events_limit *limit)
{
	u64 now = ktime_get_coarse_boottime_ns();
	unsigned long flags;
	bool ok = false;

	spin_lock_irqsave(&limit->lock, flags);
	limit->credit_ns = min_t(u64, limit->credit_ns + (now - limit->last_ns),
				 PTUN_EVENTS_BURST * PTUN_EVENTS_COST_NS);
	limit->last_ns = now;
	if (limit->credit_ns >= PTUN_EVENTS_COST_NS) {
		limit->credit_ns -= PTUN_EVENTS_COST_NS;
		ok = true;
	}
	spin_unlock_irqrestore(&limit->lock, flags);
	if (!ok)
		atomic64_inc(&limit->suppressed);
	return ok;
}

/*
 * Starts an event message of @type for @ptun, or returns NULL when nobody
 * listens, the rate limit holds it back or there is no memory.
 */
static struct sk_buff *event_start(struct ptun_device *ptun, u32 type,
				   void **hdr)
{
	struct net_device *dev = ptun->dev;
	struct sk_buff *skb;

	if (!genl_has_listeners(&ptun_genl_family, dev_net(dev),
				PTUN_EVENTS_GROUP))
		return NULL;
	if (!limit_allows(&ptun->events_limit))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &ptun_genl_family, 0, PTUN_CMD_EVENT);
	if (!*hdr)
		goto err_free;
	if (nla_put_u32(skb, PTUN_A_EVENT_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, PTUN_A_EVENT_IFNAME, dev->name) ||
	    nla_put_u32(skb, PTUN_A_EVENT_TYPE, type))
		goto err_free;
	return skb;

err_free:
	nlmsg_free(skb);
	return NULL;
}

static void event_send(struct ptun_device *ptun, struct sk_buff *skb,
		       void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&ptun_genl_family, dev_net(ptun->dev), skb, 0,
				PTUN_EVENTS_GROUP, GFP_ATOMIC);
}

/* @ep with the attributes @addr4, @addr6 and @port; nothing if unknown */
static int put_endpoint(struct sk_buff *skb, const struct ptun_endpoint *ep,
			int addr4, int addr6, int port)
{
	switch (ep->addr.sa_family) {
	case AF_INET:
		if (nla_put_in_addr(skb, addr4, ep->addr4.sin_addr.s_addr))
			return -EMSGSIZE;
		return nla_put_u16(skb, port, ntohs(ep->addr4.sin_port));
	case AF_INET6:
		if (nla_put_in6_addr(skb, addr6, &ep->addr6.sin6_addr))
			return -EMSGSIZE;
		return nla_put_u16(skb, port, ntohs(ep->addr6.sin6_port));
	}
	return 0;
}

void ptun_events_session(struct ptun_peer *peer, u16 cipher)
{
	struct ptun_device *ptun = peer->ptun;
	struct sk_buff *skb;
	bool was_up;
	void *hdr;

	was_up = test_and_set_bit(PTUN_EVENTS_SESSION_UP, &peer->events_state);
	if (!ptun)
		return;
	skb = event_start(ptun, was_up ? PTUN_EVENT_REKEY :
					 PTUN_EVENT_SESSION_UP, &hdr);
	if (!skb)
		return;
	if (nla_put_u16(skb, PTUN_A_EVENT_CIPHER, cipher)) {
		nlmsg_free(skb);
		return;
	}
	event_send(ptun, skb, hdr);
}

void ptun_events_session_down(struct ptun_peer *peer, u32 reason)
{
	struct ptun_device *ptun = peer->ptun;
	struct sk_buff *skb;
	void *hdr;

	if (!test_and_clear_bit(PTUN_EVENTS_SESSION_UP, &peer->events_state))
		return;
	if (!ptun)
		return;
	skb = event_start(ptun, PTUN_EVENT_SESSION_DOWN, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, PTUN_A_EVENT_REASON, reason)) {
		nlmsg_free(skb);
		return;
	}
	event_send(ptun, skb, hdr);
}

void ptun_events_session_expired(struct ptun_peer *peer)
{
	/* a session waiting for confirmation is not one to send with */
	if (!rcu_access_pointer(peer->sessions.cur))
		ptun_events_session_down(peer, PTUN_DOWN_REASON_EXPIRED);
}

/*
 * An event about endpoints: @new (endpoint-*), and if not NULL @old
 * (old-endpoint-*) and a non-zero @failover_reason.
 */
static void endpoints_event(struct ptun_device *ptun, u32 type,
			    const struct ptun_endpoint *old,
			    const struct ptun_endpoint *new,
			    u32 failover_reason)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_start(ptun, type, &hdr);
	if (!skb)
		return;
	if ((failover_reason &&
	     nla_put_u32(skb, PTUN_A_EVENT_FAILOVER_REASON, failover_reason)) ||
	    put_endpoint(skb, new, PTUN_A_EVENT_ENDPOINT_IPV4,
			 PTUN_A_EVENT_ENDPOINT_IPV6, PTUN_A_EVENT_ENDPOINT_PORT) ||
	    (old && put_endpoint(skb, old, PTUN_A_EVENT_OLD_ENDPOINT_IPV4,
				 PTUN_A_EVENT_OLD_ENDPOINT_IPV6,
				 PTUN_A_EVENT_OLD_ENDPOINT_PORT))) {
		nlmsg_free(skb);
		return;
	}
	event_send(ptun, skb, hdr);
}

void ptun_events_endpoint_changed(struct ptun_device *ptun,
				  const struct ptun_endpoint *old,
				  const struct ptun_endpoint *new)
{
	endpoints_event(ptun, PTUN_EVENT_ENDPOINT_CHANGED, old, new, 0);
}

void ptun_events_failover(struct ptun_device *ptun,
			  const struct ptun_endpoint *old,
			  const struct ptun_endpoint *new, u32 reason)
{
	endpoints_event(ptun, PTUN_EVENT_FAILOVER, old, new, reason);
}

void ptun_events_handshake_timeout(struct ptun_device *ptun,
				   const struct ptun_endpoint *ep)
{
	endpoints_event(ptun, PTUN_EVENT_HANDSHAKE_TIMEOUT, NULL, ep, 0);
}

void ptun_events_config_changed(struct ptun_device *ptun, u32 changed)
{
	struct sk_buff *skb;
	void *hdr;

	skb = event_start(ptun, PTUN_EVENT_CONFIG_CHANGED, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, PTUN_A_EVENT_CHANGED, changed)) {
		nlmsg_free(skb);
		return;
	}
	event_send(ptun, skb, hdr);
}
