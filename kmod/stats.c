// SPDX-License-Identifier: GPL-2.0
/*
 * Drop and handshake counters. They are bumped from softirq, from process
 * context and (for drops found while transmitting) with BH disabled, so
 * writers save interrupts: on 32-bit the sequence counter must not be
 * re-entered on the same CPU.
 */

#include <linux/bug.h>
#include <linux/build_bug.h>
#include <linux/percpu.h>
#include <linux/ktime.h>

#include "device.h"
#include "stats.h"

/* stats.h's map from reasons to counters skips this one attribute only */
static_assert(PTUN_A_STATS_EVENTS_SUPPRESSED - PTUN_A_STATS_DROP_RX_ERROR == 1);
static_assert(PTUN_A_STATS_DROP_RX_QUEUE_FULL -
	      PTUN_A_STATS_EVENTS_SUPPRESSED == 1);
static_assert(PTUN_STATS_DROP_LAST == PTUN_A_STATS_MAX);

struct ptun_pcpu_stats __percpu *ptun_stats_alloc(void)
{
	struct ptun_pcpu_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct ptun_pcpu_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void ptun_stats_free(struct ptun_pcpu_stats __percpu *stats)
{
	free_percpu(stats);
}

/* @reason is one of the PTUN_A_STATS_DROP_* attributes. */
void ptun_stats_drop(struct ptun_device *ptun, enum ptun_stats_attr reason)
{
	struct ptun_pcpu_stats *stats;
	unsigned long flags;

	if (WARN_ON_ONCE(!ptun_stats_is_drop(reason)))
		return;
	stats = get_cpu_ptr(ptun->stats);
	flags = u64_stats_update_begin_irqsave(&stats->syncp);
	u64_stats_inc(&stats->drops[ptun_stats_drop_index(reason)]);
	u64_stats_update_end_irqrestore(&stats->syncp, flags);
	put_cpu_ptr(ptun->stats);
}

/* Counts a completed handshake and remembers when it happened. */
void ptun_stats_handshake(struct ptun_device *ptun)
{
	struct ptun_pcpu_stats *stats;
	unsigned long flags;

	stats = get_cpu_ptr(ptun->stats);
	flags = u64_stats_update_begin_irqsave(&stats->syncp);
	u64_stats_inc(&stats->handshakes);
	u64_stats_update_end_irqrestore(&stats->syncp, flags);
	put_cpu_ptr(ptun->stats);
	atomic64_set(&ptun->last_handshake_ns, ktime_get_real_ns());
}

void ptun_stats_read(struct ptun_device *ptun,
		     struct ptun_stats_snapshot *snap)
{
	int cpu, i;

	memset(snap, 0, sizeof(*snap));
	for_each_possible_cpu(cpu) {
		const struct ptun_pcpu_stats *stats;
		u64 drops[PTUN_STATS_NR_DROPS];
		unsigned int start;
		u64 handshakes;

		stats = per_cpu_ptr(ptun->stats, cpu);
		do {
			start = u64_stats_fetch_begin(&stats->syncp);
			for (i = 0; i < PTUN_STATS_NR_DROPS; i++)
				drops[i] = u64_stats_read(&stats->drops[i]);
			handshakes = u64_stats_read(&stats->handshakes);
		} while (u64_stats_fetch_retry(&stats->syncp, start));

		for (i = 0; i < PTUN_STATS_NR_DROPS; i++)
			snap->drops[i] += drops[i];
		snap->handshakes += handshakes;
	}
	snap->last_handshake_ns = atomic64_read(&ptun->last_handshake_ns);
}
