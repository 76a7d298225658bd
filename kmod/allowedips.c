// SPDX-License-Identifier: GPL-2.0
/*
 * Allowed inner subnets of the peer.
 *
 * The list is short (PTUN_MAX_ALLOWED_IPS) so it is a flat array scanned
 * linearly; a trie would cost more in code than it saves in cycles here.
 * Entries are stored with their host bits cleared, which the builder
 * enforces instead of silently masking: a configuration naming 10.0.0.1/24
 * is more likely a typo than an intent.
 */

#include <linux/errno.h>
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "allowedips.h"

struct ptun_allowedips *ptun_allowedips_alloc(unsigned int max, gfp_t gfp)
{
	struct ptun_allowedips *set;

	if (max > PTUN_MAX_ALLOWED_IPS)
		return NULL;
	set = kzalloc(struct_size(set, ips, max), gfp);
	if (set)
		set->max = max;
	return set;
}

void ptun_allowedips_free(struct ptun_allowedips *set)
{
	kfree(set);
}

void ptun_allowedips_free_rcu(struct ptun_allowedips *set)
{
	if (set)
		kfree_rcu(set, rcu);
}

unsigned int ptun_allowedips_addr_len(u16 family)
{
	switch (family) {
	case AF_INET:
		return sizeof(__be32);
	case AF_INET6:
		return sizeof(struct in6_addr);
	default:
		return 0;
	}
}

static bool same_entry(const struct ptun_allowedip *a,
		       const struct ptun_allowedip *b)
{
	if (a->family != b->family || a->cidr != b->cidr)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4 == b->addr.v4;
	return ipv6_addr_equal(&a->addr.v6, &b->addr.v6);
}

/*
 * Returns 0, or why the entry cannot be added: -EAFNOSUPPORT for a family
 * other than AF_INET/AF_INET6, -ERANGE for a prefix longer than the
 * address, -EINVAL for host bits set below the prefix, -EEXIST for an
 * exact duplicate, -ENOSPC when the set is full. The caller has checked
 * that addr holds ptun_allowedips_addr_len(family) bytes.
 */
int ptun_allowedips_add(struct ptun_allowedips *set, u16 family,
			const void *addr, u8 cidr)
{
	struct ptun_allowedip entry = { .family = family, .cidr = cidr };
	unsigned int i;

	switch (family) {
	case AF_INET:
		if (cidr > 32)
			return -ERANGE;
		memcpy(&entry.addr.v4, addr, sizeof(entry.addr.v4));
		if (entry.addr.v4 & ~inet_make_mask(cidr))
			return -EINVAL;
		break;
	case AF_INET6:
		if (cidr > 128)
			return -ERANGE;
		ipv6_addr_prefix(&entry.addr.v6, addr, cidr);
		if (memcmp(&entry.addr.v6, addr, sizeof(entry.addr.v6)))
			return -EINVAL;
		break;
	default:
		return -EAFNOSUPPORT;
	}

	for (i = 0; i < set->count; i++)
		if (same_entry(&set->ips[i], &entry))
			return -EEXIST;
	if (set->count >= set->max)
		return -ENOSPC;
	set->ips[set->count++] = entry;
	return 0;
}

/* A NULL set is the empty set: nothing is allowed. */
bool ptun_allowedips_lookup_v4(const struct ptun_allowedips *set,
			       __be32 addr)
{
	unsigned int i;

	if (!set)
		return false;
	for (i = 0; i < set->count; i++) {
		const struct ptun_allowedip *e = &set->ips[i];

		if (e->family == AF_INET &&
		    !((addr ^ e->addr.v4) & inet_make_mask(e->cidr)))
			return true;
	}
	return false;
}

bool ptun_allowedips_lookup_v6(const struct ptun_allowedips *set,
			       const struct in6_addr *addr)
{
	unsigned int i;

	if (!set)
		return false;
	for (i = 0; i < set->count; i++) {
		const struct ptun_allowedip *e = &set->ips[i];

		if (e->family == AF_INET6 &&
		    ipv6_prefix_equal(addr, &e->addr.v6, e->cidr))
			return true;
	}
	return false;
}
