/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events: messages of PTUN_CMD_EVENT multicast to the "events" group when
 * something a gateway operator acts on happens (see the event-type enum
 * of Documentation/netlink/specs/ptun.yaml for when each one fires).
 * Every function may be called from any context, also with BH disabled
 * or from a timer; none sleeps.
 */
#ifndef _PTUN_EVENTS_H
#define _PTUN_EVENTS_H

#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <net/genetlink.h>

struct ptun_device;
struct ptun_endpoint;
struct ptun_peer;

/* The per-device rate limit, a token bucket. */
struct ptun_events_limit {
	spinlock_t lock;	/* the two fields below */
	/* credit in ns, at most PTUN_EVENTS_BURST events' worth */
	u64 credit_ns;
	u64 last_ns;
	/* events the bucket held back (PTUN_A_STATS_EVENTS_SUPPRESSED) */
	atomic64_t suppressed;
};

/* The generic netlink multicast group, as the family registers it. */
extern const struct genl_multicast_group ptun_events_mcgrps[1];

void ptun_events_limit_init(struct ptun_events_limit *limit);
u64 ptun_events_suppressed(struct ptun_device *ptun);

/* A handshake completed: session-up, or rekey if a session was live. */
void ptun_events_session(struct ptun_peer *peer, u16 cipher);
/* No usable session left (an enum ptun_down_reason), if one was up. */
void ptun_events_session_down(struct ptun_peer *peer, u32 reason);
/* The expiry timer ran: session-down if it left nothing to send with. */
void ptun_events_session_expired(struct ptun_peer *peer);
void ptun_events_endpoint_changed(struct ptun_device *ptun,
				  const struct ptun_endpoint *old,
				  const struct ptun_endpoint *new);
/* the active candidate changed; @reason: enum ptun_failover_reason */
void ptun_events_failover(struct ptun_device *ptun,
			  const struct ptun_endpoint *old,
			  const struct ptun_endpoint *new, u32 reason);
void ptun_events_handshake_timeout(struct ptun_device *ptun,
				   const struct ptun_endpoint *ep);
/* @changed: PTUN_CONFIG_CHANGED_* bits */
void ptun_events_config_changed(struct ptun_device *ptun, u32 changed);

#endif /* _PTUN_EVENTS_H */
