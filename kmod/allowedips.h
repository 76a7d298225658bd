/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The inner subnets a peer may use. A set is built once, never changed
 * after it is published, and replaced as a whole under RCU: the data path
 * only ever looks addresses up in it.
 */
#ifndef _PTUN_ALLOWEDIPS_H
#define _PTUN_ALLOWEDIPS_H

#include <linux/in6.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

/*
 * A site-to-site tunnel routes a handful of subnets; the bound keeps a
 * device's GET reply within one netlink message and the linear lookup
 * cheap.
 */
#define PTUN_MAX_ALLOWED_IPS	64

struct ptun_allowedip {
	union {
		__be32 v4;
		struct in6_addr v6;
	} addr;
	u16 family;
	u8 cidr;
};

struct ptun_allowedips {
	struct rcu_head rcu;
	unsigned int count;
	unsigned int max;
	struct ptun_allowedip ips[];
};

struct ptun_allowedips *ptun_allowedips_alloc(unsigned int max, gfp_t gfp);
void ptun_allowedips_free(struct ptun_allowedips *set);
void ptun_allowedips_free_rcu(struct ptun_allowedips *set);

unsigned int ptun_allowedips_addr_len(u16 family);
int ptun_allowedips_add(struct ptun_allowedips *set, u16 family,
			const void *addr, u8 cidr);

bool ptun_allowedips_lookup_v4(const struct ptun_allowedips *set,
			       __be32 addr);
bool ptun_allowedips_lookup_v6(const struct ptun_allowedips *set,
			       const struct in6_addr *addr);

#endif /* _PTUN_ALLOWEDIPS_H */
