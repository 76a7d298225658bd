/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inner subnets a peer may use. A set is built once, never changed
 * after it is published, and replaced as a whole under RCU: the data path
 * only ever looks addresses up in it.
 */
#ifndef _PTUN_ALLOWEDIPS_H
#define _PTUN_ALLOWEDIPS_H

#include <linux/in6.h>
#include <linux/types.h>
#include <linux/workqueue.h>

/* the max_allowed_ips module parameter: the bound of one peer's set */
extern unsigned int ptun_max_allowed_ips;

/*
 * A node of a family's path-compressed binary trie. @key holds the first
 * @cidr bits of the prefix (an IPv4 key in its first word), the rest is
 * zero. A node is an allowed IP when @entry is set, else only the fork of
 * its two children. Nodes never change once the set is published.
 */
struct ptun_allowedip {
	struct ptun_allowedip *child[2];
	struct in6_addr key;
	u8 cidr;
	u8 family;
	bool entry;
};

struct ptun_allowedips {
	struct ptun_allowedip *root4;
	struct ptun_allowedip *root6;
	/* the entries in the order they were added: what GET reports */
	struct ptun_allowedip **entries;
	unsigned int count;
	unsigned int entries_cap;
	unsigned int max;
	/* nodes come from chunks, so freeing 10^5 entries is cheap */
	struct ptun_allowedip **chunks;
	unsigned int nr_chunks;
	unsigned int chunks_cap;
	unsigned int chunk_used;
	struct rcu_work free_work;
};

struct ptun_allowedips *ptun_allowedips_alloc(unsigned int max);
void ptun_allowedips_free(struct ptun_allowedips *set);
void ptun_allowedips_free_rcu(struct ptun_allowedips *set);

unsigned int ptun_allowedips_addr_len(u16 family);
int ptun_allowedips_add(struct ptun_allowedips *set, u16 family,
			const void *addr, u8 cidr);

/* NULL is the empty set */
static inline unsigned int
ptun_allowedips_count(const struct ptun_allowedips *set)
{
	return set ? set->count : 0;
}

/* the prefix length of the longest match, -1 if none */
int ptun_allowedips_match_v4(const struct ptun_allowedips *set, __be32 addr);
int ptun_allowedips_match_v6(const struct ptun_allowedips *set,
			     const struct in6_addr *addr);

static inline bool
ptun_allowedips_lookup_v4(const struct ptun_allowedips *set, __be32 addr)
{
	return ptun_allowedips_match_v4(set, addr) >= 0;
}

static inline bool
ptun_allowedips_lookup_v6(const struct ptun_allowedips *set,
			  const struct in6_addr *addr)
{
	return ptun_allowedips_match_v6(set, addr) >= 0;
}

#endif /* _PTUN_ALLOWEDIPS_H */
