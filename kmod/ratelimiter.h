/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Token buckets for the Diffie-Hellman work of handshake messages under
 * load (docs/PROTOCOL.md, section 5): sources (an IPv4 address, an IPv6
 * /64) are hashed into PTUN_RATELIMIT_SLOTS buckets of PTUN_RATELIMIT_RATE
 * messages a second with bursts of PTUN_RATELIMIT_BURST. Only messages
 * with a valid mac2 are charged, so every source that spends a budget has
 * proved that it receives at its address.
 */

#ifndef _PTUN_RATELIMITER_H
#define _PTUN_RATELIMITER_H

#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "peer.h"

#define PTUN_RATELIMIT_RATE	20
#define PTUN_RATELIMIT_BURST	5
#define PTUN_RATELIMIT_SLOTS	1024

struct ptun_ratelimit_slot {
	u64 tokens;	/* in nanoseconds of credit */
	u64 last_ns;	/* 0: never used */
};

/*
 * A fixed table indexed by a keyed hash of the source. Sources that
 * collide share their bucket's budget, and the random key makes it
 * unpredictable which do. A bucket never starts afresh for a newcomer:
 * two sources taking turns would each find a full burst, and an attacker
 * with many addresses could send without any limit.
 */
struct ptun_ratelimiter {
	spinlock_t lock;	/* the slots; taken in process context only */
	siphash_key_t key;
	struct ptun_ratelimit_slot slots[PTUN_RATELIMIT_SLOTS];
};

void ptun_ratelimiter_init(struct ptun_ratelimiter *rl);
bool ptun_ratelimiter_allow(struct ptun_ratelimiter *rl,
			    const struct ptun_endpoint *src);

#endif /* _PTUN_RATELIMITER_H */
