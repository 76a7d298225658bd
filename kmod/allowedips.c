// SPDX-License-Identifier: GPL-2.0
/*
 * Allowed inner subnets of the peer.
 *
 * Each family has a path-compressed binary trie: a node holds a prefix,
 * and its children the longer prefixes that continue it with a 0 or a 1
 * bit. Nodes with a single child are never made, so a set of n prefixes
 * has at most 2n - 1 nodes, and every step of a lookup goes down to a
 * strictly longer prefix: a lookup visits at most 33 (IPv4) or 129 (IPv6)
 * nodes, whatever the size of the set.
 *
 * The set is built in process context and never changed once published
 * (peer->allowed_ips, under RCU): its nodes need no RCU accessors of their
 * own, and the data path only reads them. Entries are stored with their
 * host bits cleared, which the builder enforces instead of silently
 * masking: a configuration naming 10.0.0.1/24 is more likely a typo than
 * an intent.
 */

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "allowedips.h"
#include "device.h"

/*
 * A peer behind which a whole routing table sits may need 10^5-10^6
 * prefixes; a set costs about 100 bytes of memory per prefix, so the
 * default bounds one peer (and one staged SET, see netlink.c) at about
 * 100 MiB. Only CAP_NET_ADMIN over the device can fill it.
 */
unsigned int ptun_max_allowed_ips = 1U << 20;
module_param_named(max_allowed_ips, ptun_max_allowed_ips, uint, 0644);
MODULE_PARM_DESC(max_allowed_ips,
		 "allowed IPs a peer may have, and a SET may stage (default 1048576)");

/* 512 nodes of 40 bytes: 20 KiB, an order-3 page or vmalloc */
#define NODES_PER_CHUNK		512

struct ptun_allowedips *ptun_allowedips_alloc(unsigned int max)
{
	struct ptun_allowedips *set;

	set = kzalloc(sizeof(*set), GFP_KERNEL);
	if (set)
		set->max = max;
	return set;
}

void ptun_allowedips_free(struct ptun_allowedips *set)
{
	unsigned int i;

	if (!set)
		return;
	for (i = 0; i < set->nr_chunks; i++)
		kvfree(set->chunks[i]);
	kvfree(set->chunks);
	kvfree(set->entries);
	kfree(set);
}

/* vfree() may sleep: a large set is freed from process context */
static void free_work(struct work_struct *work)
{
	ptun_allowedips_free(container_of(to_rcu_work(work),
					  struct ptun_allowedips, free_work));
}

void ptun_allowedips_free_rcu(struct ptun_allowedips *set)
{
	if (!set)
		return;
	INIT_RCU_WORK(&set->free_work, free_work);
	queue_rcu_work(ptun_wq, &set->free_work);
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

/* Grows an array of pointers to @want entries at least, doubling. */
static int grow(void *arrayp, unsigned int *cap, unsigned int want)
{
	void ***array = arrayp;
	unsigned int n = max(*cap * 2, 64U);
	void **new;

	if (want <= *cap)
		return 0;
	new = kvmalloc_array(n, sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	if (*cap)
		memcpy(new, *array, *cap * sizeof(*new));
	kvfree(*array);
	*array = new;
	*cap = n;
	return 0;
}

/* Makes room for @n more nodes, so that an insertion cannot fail halfway. */
static int reserve_nodes(struct ptun_allowedips *set, unsigned int n)
{
	struct ptun_allowedip *chunk;
	int ret;

	if (set->nr_chunks && set->chunk_used + n <= NODES_PER_CHUNK)
		return 0;
	ret = grow(&set->chunks, &set->chunks_cap, set->nr_chunks + 1);
	if (ret)
		return ret;
	chunk = kvmalloc_array(NODES_PER_CHUNK, sizeof(*chunk), GFP_KERNEL);
	if (!chunk)
		return -ENOMEM;
	set->chunks[set->nr_chunks++] = chunk;
	set->chunk_used = 0;
	return 0;
}

static struct ptun_allowedip *new_node(struct ptun_allowedips *set,
				       const struct in6_addr *key, u8 cidr,
				       u8 family, bool entry)
{
	struct ptun_allowedip *node;

	node = &set->chunks[set->nr_chunks - 1][set->chunk_used++];
	node->child[0] = NULL;
	node->child[1] = NULL;
	ipv6_addr_prefix(&node->key, key, cidr);
	node->cidr = cidr;
	node->family = family;
	node->entry = entry;
	return node;
}

/* Bit @i of @a, counted from the most significant bit of the address. */
static unsigned int bit_at(const struct in6_addr *a, unsigned int i)
{
	return (be32_to_cpu(a->s6_addr32[i / 32]) >> (31 - i % 32)) & 1;
}

/* How many leading bits @a and @b share, at most @limit. */
static unsigned int common_bits(const struct in6_addr *a,
				const struct in6_addr *b, unsigned int limit)
{
	unsigned int w;

	for (w = 0; w < 4 && w * 32 < limit; w++) {
		u32 x = be32_to_cpu(a->s6_addr32[w] ^ b->s6_addr32[w]);

		if (x)
			return min(w * 32 + 31 - __fls(x), limit);
	}
	return limit;
}

/*
 * Inserts @key/@cidr under @slot and returns its node, or NULL for a
 * duplicate. Two nodes are reserved beforehand: the new entry and maybe
 * the fork above it.
 */
static struct ptun_allowedip *insert(struct ptun_allowedips *set,
				     struct ptun_allowedip **slot,
				     const struct in6_addr *key, u8 cidr,
				     u8 family)
{
	struct ptun_allowedip *node, *leaf, *fork;
	unsigned int common;

	while ((node = *slot)) {
		common = common_bits(&node->key, key, min(node->cidr, cidr));
		if (common == node->cidr) {
			if (cidr == node->cidr) {
				if (node->entry)
					return NULL;
				/* a fork until now */
				node->entry = true;
				return node;
			}
			/* node is a shorter prefix of key: go down */
			slot = &node->child[bit_at(key, node->cidr)];
			continue;
		}
		leaf = new_node(set, key, cidr, family, true);
		if (common == cidr) {
			/* key is a shorter prefix of node: above it */
			leaf->child[bit_at(&node->key, cidr)] = node;
			*slot = leaf;
			return leaf;
		}
		/* they part after @common bits: a fork holds both */
		fork = new_node(set, key, common, family, false);
		fork->child[bit_at(key, common)] = leaf;
		fork->child[bit_at(&node->key, common)] = node;
		*slot = fork;
		return leaf;
	}
	*slot = new_node(set, key, cidr, family, true);
	return *slot;
}

/*
 * Returns 0, or why the entry cannot be added: -EAFNOSUPPORT for a family
 * other than AF_INET/AF_INET6, -ERANGE for a prefix longer than the
 * address, -EINVAL for host bits set below the prefix, -EEXIST for an
 * exact duplicate, -ENOSPC when the set holds its maximum already,
 * -ENOMEM. The caller has checked that addr holds
 * ptun_allowedips_addr_len(family) bytes. The set must not be published.
 */
int ptun_allowedips_add(struct ptun_allowedips *set, u16 family,
			const void *addr, u8 cidr)
{
	struct ptun_allowedip **root, *node;
	struct in6_addr key = {};
	int ret;

	switch (family) {
	case AF_INET:
		if (cidr > 32)
			return -ERANGE;
		memcpy(&key.s6_addr32[0], addr, sizeof(__be32));
		if (key.s6_addr32[0] & ~inet_make_mask(cidr))
			return -EINVAL;
		root = &set->root4;
		break;
	case AF_INET6:
		if (cidr > 128)
			return -ERANGE;
		ipv6_addr_prefix(&key, addr, cidr);
		if (memcmp(&key, addr, sizeof(key)))
			return -EINVAL;
		root = &set->root6;
		break;
	default:
		return -EAFNOSUPPORT;
	}

	if (set->count >= set->max)
		return -ENOSPC;
	ret = grow(&set->entries, &set->entries_cap, set->count + 1);
	if (ret)
		return ret;
	ret = reserve_nodes(set, 2);
	if (ret)
		return ret;
	node = insert(set, root, &key, cidr, family);
	if (!node)
		return -EEXIST;
	set->entries[set->count++] = node;
	return 0;
}

static int match(const struct ptun_allowedip *node, const struct in6_addr *a,
		 unsigned int bits)
{
	int best = -1;

	while (node && ipv6_prefix_equal(&node->key, a, node->cidr)) {
		if (node->entry)
			best = node->cidr;
		if (node->cidr == bits)
			break;
		node = node->child[bit_at(a, node->cidr)];
	}
	return best;
}

/* Under RCU-bh or the config lock; a NULL set is the empty set. */
int ptun_allowedips_match_v4(const struct ptun_allowedips *set, __be32 addr)
{
	struct in6_addr a = { .s6_addr32 = { addr } };

	return set ? match(set->root4, &a, 32) : -1;
}

int ptun_allowedips_match_v6(const struct ptun_allowedips *set,
			     const struct in6_addr *addr)
{
	return set ? match(set->root6, addr, 128) : -1;
}
