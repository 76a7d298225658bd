/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anti-replay window over the data message counter (docs/PROTOCOL.md,
 * section 3): a ring of bits in the style of RFC 6479, so that advancing
 * the window clears whole words instead of shifting the bitmap.
 */

#ifndef _PTUN_REPLAY_H
#define _PTUN_REPLAY_H

#include <linux/spinlock.h>
#include <linux/types.h>

/* Counters this far below the highest one seen are still accepted. */
#define PTUN_REPLAY_WINDOW	8192
#define PTUN_REPLAY_WORDS	(PTUN_REPLAY_WINDOW / BITS_PER_LONG + 1)

struct ptun_replay {
	spinlock_t lock;	/* serialises receivers on several CPUs */
	/* one above the highest counter accepted so far, 0 if none */
	u64 next;
	unsigned long ring[PTUN_REPLAY_WORDS];
};

void ptun_replay_init(struct ptun_replay *r);
bool ptun_replay_plausible(const struct ptun_replay *r, u64 counter);
bool ptun_replay_accept(struct ptun_replay *r, u64 counter);

#ifdef PTUN_DEBUG
bool ptun_replay_selftest(void);
#endif

#endif /* _PTUN_REPLAY_H */
