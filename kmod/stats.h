/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ptun per-device counters that rtnetlink statistics have no slot for:
 * drops by reason and handshakes. Packet and byte counts live in
 * dev->tstats like on any other software device.
 */
#ifndef _PTUN_STATS_H
#define _PTUN_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/ptun.h>

struct ptun_device;
struct sk_buff;

/*
 * The drop reasons are the PTUN_A_STATS_DROP_* attributes, from FIRST to
 * LAST but for EVENTS_SUPPRESSED: reasons added later come after it, as
 * uapi numbers never move. Their counters are kept in attribute order.
 */
#define PTUN_STATS_DROP_FIRST	PTUN_A_STATS_DROP_AUTH
#define PTUN_STATS_DROP_LAST	PTUN_A_STATS_DROP_TX_QUEUE_FULL
#define PTUN_STATS_NR_DROPS	(PTUN_STATS_DROP_LAST - PTUN_STATS_DROP_FIRST)

static inline bool ptun_stats_is_drop(enum ptun_stats_attr attr)
{
	return attr >= PTUN_STATS_DROP_FIRST && attr <= PTUN_STATS_DROP_LAST &&
	       attr != PTUN_A_STATS_EVENTS_SUPPRESSED;
}

/* The counter of drop reason @attr, which ptun_stats_is_drop() accepts */
static inline unsigned int ptun_stats_drop_index(enum ptun_stats_attr attr)
{
	return attr - PTUN_STATS_DROP_FIRST -
	       (attr > PTUN_A_STATS_EVENTS_SUPPRESSED);
}

/* The drop reason counted by counter @i */
static inline enum ptun_stats_attr ptun_stats_drop_attr(unsigned int i)
{
	enum ptun_stats_attr attr = PTUN_STATS_DROP_FIRST + i;

	return attr < PTUN_A_STATS_EVENTS_SUPPRESSED ? attr : attr + 1;
}

struct ptun_pcpu_stats {
	u64_stats_t drops[PTUN_STATS_NR_DROPS];
	u64_stats_t handshakes;
	struct u64_stats_sync syncp;
};

/* A consistent sum over all CPUs, for netlink replies. */
struct ptun_stats_snapshot {
	u64 drops[PTUN_STATS_NR_DROPS];
	u64 handshakes;
	u64 last_handshake_ns;
};

struct ptun_pcpu_stats __percpu *ptun_stats_alloc(void);
void ptun_stats_free(struct ptun_pcpu_stats __percpu *stats);

void ptun_stats_drop(struct ptun_device *ptun, enum ptun_stats_attr reason);
void ptun_stats_handshake(struct ptun_device *ptun);
void ptun_stats_read(struct ptun_device *ptun,
		     struct ptun_stats_snapshot *snap);

#endif /* _PTUN_STATS_H */
