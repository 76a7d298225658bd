// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake rate limiting per bucket of sources. The budget is kept in
 * nanoseconds: a message costs NSEC_PER_SEC / rate, credit grows with
 * elapsed time and is capped at the cost of a burst.
 */

#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/string.h>

#include "ratelimiter.h"

#define COST_NS		(NSEC_PER_SEC / PTUN_RATELIMIT_RATE)
#define BURST_NS	(COST_NS * PTUN_RATELIMIT_BURST)

void ptun_ratelimiter_init(struct ptun_ratelimiter *rl)
{
	spin_lock_init(&rl->lock);
	get_random_bytes(&rl->key, sizeof(rl->key));
	memset(rl->slots, 0, sizeof(rl->slots));
}

/* An IPv4 address, or the /64 of an IPv6 one, as a bucket identity. */
static u64 source_id(const struct ptun_endpoint *src)
{
	u64 prefix;

	if (src->addr.sa_family == AF_INET)
		return (u64)AF_INET << 32 |
		       (__force u32)src->addr4.sin_addr.s_addr;
	memcpy(&prefix, src->addr6.sin6_addr.s6_addr, sizeof(prefix));
	return prefix;
}

bool ptun_ratelimiter_allow(struct ptun_ratelimiter *rl,
			    const struct ptun_endpoint *src)
{
	u64 id = source_id(src), now = ktime_get_coarse_boottime_ns();
	struct ptun_ratelimit_slot *slot;
	bool allow;

	slot = &rl->slots[siphash_1u64(id, &rl->key) % PTUN_RATELIMIT_SLOTS];

	spin_lock(&rl->lock);
	if (!slot->last_ns) {
		slot->tokens = BURST_NS;
	} else {
		slot->tokens = min_t(u64, BURST_NS,
				     slot->tokens + (now - slot->last_ns));
	}
	slot->last_ns = now;
	allow = slot->tokens >= COST_NS;
	if (allow)
		slot->tokens -= COST_NS;
	spin_unlock(&rl->lock);
	return allow;
}
