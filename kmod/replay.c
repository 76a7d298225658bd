// SPDX-License-Identifier: GPL-2.0
/*
 * Receive-side anti-replay. A counter is checked cheaply before the
 * packet is decrypted (ptun_replay_plausible) and recorded only after it
 * authenticated (ptun_replay_accept), so that forged packets can neither
 * move the window nor burn counters of genuine ones.
 */

#include <linux/slab.h>

#include "messages.h"
#include "replay.h"

#define RING_BITS	(PTUN_REPLAY_WORDS * BITS_PER_LONG)

void ptun_replay_init(struct ptun_replay *r)
{
	spin_lock_init(&r->lock);
	r->next = 0;
	memset(r->ring, 0, sizeof(r->ring));
}

/* Lockless: a stale view of @next only lets a packet on to the real check. */
bool ptun_replay_plausible(const struct ptun_replay *r, u64 counter)
{
	u64 next = READ_ONCE(r->next);

	if (counter >= PTUN_REJECT_AFTER_MESSAGES)
		return false;
	return counter >= next || next - counter <= PTUN_REPLAY_WINDOW;
}

/* True if @counter was not seen before and is recent enough; records it. */
bool ptun_replay_accept(struct ptun_replay *r, u64 counter)
{
	u64 word = counter / BITS_PER_LONG;
	bool fresh = false;

	if (counter >= PTUN_REJECT_AFTER_MESSAGES)
		return false;

	spin_lock_bh(&r->lock);
	if (counter >= r->next) {
		u64 top = r->next ? (r->next - 1) / BITS_PER_LONG : 0;
		u64 i, n = min_t(u64, word - top, PTUN_REPLAY_WORDS);

		for (i = 1; i <= n; i++)
			r->ring[(top + i) % PTUN_REPLAY_WORDS] = 0;
		WRITE_ONCE(r->next, counter + 1);
	} else if (r->next - counter > PTUN_REPLAY_WINDOW) {
		goto out;
	}
	fresh = !__test_and_set_bit(counter % RING_BITS, r->ring);
out:
	spin_unlock_bh(&r->lock);
	return fresh;
}

#ifdef PTUN_DEBUG
bool ptun_replay_selftest(void)
{
	static const struct {
		u64 counter;
		bool fresh;
	} steps[] = {
		{ 0, true }, { 0, false }, { 1, true }, { 1, false },
		{ 9, true }, { 8, true }, { 7, true }, { 7, false },
		{ PTUN_REPLAY_WINDOW + 9, true },
		{ 9, false },	/* fell out of the window */
		{ 10, true },	/* exactly at its lower edge */
		{ 9 + 2 * PTUN_REPLAY_WINDOW, true },
		{ 10 + PTUN_REPLAY_WINDOW, true },
		{ 9 + PTUN_REPLAY_WINDOW, false },
		{ 1ULL << 40, true }, { (1ULL << 40) - 1, true },
		{ (1ULL << 40) + 1 - PTUN_REPLAY_WINDOW, true },
		{ (1ULL << 40) - PTUN_REPLAY_WINDOW, false },
		{ PTUN_REJECT_AFTER_MESSAGES - 1, true },
		{ PTUN_REJECT_AFTER_MESSAGES, false },
		{ U64_MAX, false },
	};
	struct ptun_replay *r;
	bool ok = true;
	unsigned int i;
	u64 c;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return false;
	ptun_replay_init(r);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		if (ptun_replay_accept(r, steps[i].counter) != steps[i].fresh) {
			pr_err("ptun: replay selftest step %u failed\n", i);
			ok = false;
		}
	}

	/* Every counter of a reordered burst is accepted exactly once. */
	ptun_replay_init(r);
	for (c = 0; c < 3 * PTUN_REPLAY_WINDOW; c += 2)
		ok &= ptun_replay_accept(r, c + 1) && ptun_replay_accept(r, c);
	for (c = 2 * PTUN_REPLAY_WINDOW; c < 3 * PTUN_REPLAY_WINDOW; c++)
		ok &= !ptun_replay_accept(r, c);
	kfree(r);
	return ok;
}
#endif
