// SPDX-License-Identifier: GPL-2.0
/*
 * Load-time checks of the allowed-IPs set: what it accepts, what it
 * refuses and which addresses it matches; and the runner of every group of
 * in-module checks. Built with PTUN_DEBUG=1 only.
 *
 * The kernel log is what selftests/selftest-kmod.sh asserts on, so its
 * lines have a fixed form:
 *
 *	ptun: selftest: running N groups
 *	ptun: selftest: GROUP: pass		(or "GROUP: FAIL")
 *	ptun: selftest: FAIL: WHAT		(a single failed check)
 *	ptun: selftest: all N groups passed	(or "FAIL: K of N groups failed")
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/errno.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inetdevice.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>

#include "allowedips.h"
#include "noise.h"
#include "replay.h"
#include "session.h"
#include "selftest.h"

static __be32 v4(u8 a, u8 b, u8 c, u8 d)
{
	return htonl((u32)a << 24 | (u32)b << 16 | (u32)c << 8 | d);
}

static struct in6_addr v6(u16 h0, u16 h1, u16 h7)
{
	struct in6_addr a = {};

	a.s6_addr16[0] = htons(h0);
	a.s6_addr16[1] = htons(h1);
	a.s6_addr16[7] = htons(h7);
	return a;
}

static bool check(bool ok, const char *what, unsigned int *failed)
{
	if (!ok) {
		pr_err("FAIL: %s\n", what);
		(*failed)++;
	}
	return ok;
}

static void test_add(struct ptun_allowedips *set, unsigned int *failed)
{
	struct in6_addr a6;
	__be32 a4;

	a4 = v4(10, 1, 0, 0);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 16), "add 10.1/16",
	      failed);
	check(ptun_allowedips_add(set, AF_INET, &a4, 16) == -EEXIST,
	      "duplicate refused", failed);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 24),
	      "same address, other prefix accepted", failed);
	a4 = v4(10, 1, 0, 1);
	check(ptun_allowedips_add(set, AF_INET, &a4, 24) == -EINVAL,
	      "host bits refused", failed);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 32), "add /32", failed);
	check(ptun_allowedips_add(set, AF_INET, &a4, 33) == -ERANGE,
	      "IPv4 /33 refused", failed);
	check(ptun_allowedips_add(set, AF_UNIX, &a4, 8) == -EAFNOSUPPORT,
	      "unknown family refused", failed);

	a6 = v6(0xfd00, 0x0001, 0);
	check(!ptun_allowedips_add(set, AF_INET6, &a6, 32), "add fd00:1::/32",
	      failed);
	check(ptun_allowedips_add(set, AF_INET6, &a6, 129) == -ERANGE,
	      "IPv6 /129 refused", failed);
	a6 = v6(0xfd00, 0x0001, 1);
	check(ptun_allowedips_add(set, AF_INET6, &a6, 64) == -EINVAL,
	      "IPv6 host bits refused", failed);
	check(!ptun_allowedips_add(set, AF_INET6, &a6, 128), "add IPv6 /128",
	      failed);
}

static void test_lookup(const struct ptun_allowedips *set,
			unsigned int *failed)
{
	struct in6_addr a6;

	check(ptun_allowedips_lookup_v4(set, v4(10, 1, 200, 7)),
	      "10.1.200.7 inside 10.1/16", failed);
	check(!ptun_allowedips_lookup_v4(set, v4(10, 2, 0, 1)),
	      "10.2.0.1 outside", failed);
	check(!ptun_allowedips_lookup_v4(set, v4(11, 1, 0, 0)),
	      "11.1.0.0 outside", failed);
	a6 = v6(0xfd00, 0x0001, 0x1234);
	check(ptun_allowedips_lookup_v6(set, &a6), "fd00:1::1234 inside",
	      failed);
	a6 = v6(0xfd00, 0x0002, 0x1234);
	check(!ptun_allowedips_lookup_v6(set, &a6), "fd00:2::1234 outside",
	      failed);
	check(!ptun_allowedips_lookup_v4(NULL, v4(10, 1, 0, 1)),
	      "empty set matches nothing", failed);
}

static void test_default_route(unsigned int *failed)
{
	struct ptun_allowedips *set = ptun_allowedips_alloc(2);
	struct in6_addr any6 = {}, a6 = v6(0x2001, 0xdb8, 1);
	__be32 any4 = 0;

	if (!check(set, "alloc", failed))
		return;
	check(!ptun_allowedips_add(set, AF_INET, &any4, 0), "add 0/0", failed);
	check(ptun_allowedips_lookup_v4(set, v4(192, 0, 2, 1)),
	      "0/0 matches any IPv4", failed);
	check(!ptun_allowedips_lookup_v6(set, &a6),
	      "0/0 does not match IPv6", failed);
	check(!ptun_allowedips_add(set, AF_INET6, &any6, 0), "add ::/0",
	      failed);
	check(ptun_allowedips_lookup_v6(set, &a6), "::/0 matches any IPv6",
	      failed);
	check(ptun_allowedips_add(set, AF_INET, &any4, 8) == -ENOSPC,
	      "full set refuses more", failed);
	ptun_allowedips_free(set);
}

/* Overlapping prefixes: the longest that covers an address wins. */
static void test_longest(unsigned int *failed)
{
	struct ptun_allowedips *set = ptun_allowedips_alloc(16);
	struct in6_addr a6;
	__be32 a4;

	if (!check(set, "alloc", failed))
		return;
	/* added out of order, so that nodes go above and between others */
	a4 = v4(10, 1, 2, 3);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 32), "add 10.1.2.3/32",
	      failed);
	a4 = v4(10, 0, 0, 0);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 8), "add 10/8", failed);
	a4 = v4(10, 1, 0, 0);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 16), "add 10.1/16",
	      failed);
	a4 = v4(10, 1, 2, 128);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 25),
	      "add 10.1.2.128/25", failed);
	a4 = v4(10, 1, 3, 0);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 24), "add 10.1.3/24",
	      failed);
	/* 10.1.2/23 is a fork made by the two before: now an entry too */
	a4 = v4(10, 1, 2, 0);
	check(!ptun_allowedips_add(set, AF_INET, &a4, 23), "add 10.1.2/23",
	      failed);
	check(ptun_allowedips_add(set, AF_INET, &a4, 23) == -EEXIST,
	      "fork made an entry is a duplicate then", failed);
	check(ptun_allowedips_count(set) == 6, "six entries", failed);
	check(ptun_allowedips_match_v4(set, v4(10, 1, 2, 3)) == 32,
	      "/32 wins over the shorter ones", failed);
	check(ptun_allowedips_match_v4(set, v4(10, 1, 2, 4)) == 23,
	      "10.1.2.4 in /23", failed);
	check(ptun_allowedips_match_v4(set, v4(10, 1, 2, 200)) == 25,
	      "10.1.2.200 in /25", failed);
	check(ptun_allowedips_match_v4(set, v4(10, 1, 3, 9)) == 24,
	      "10.1.3.9 in /24", failed);
	check(ptun_allowedips_match_v4(set, v4(10, 1, 9, 9)) == 16,
	      "10.1.9.9 in /16", failed);
	check(ptun_allowedips_match_v4(set, v4(10, 200, 0, 1)) == 8,
	      "10.200.0.1 in /8", failed);
	check(ptun_allowedips_match_v4(set, v4(11, 1, 2, 3)) < 0,
	      "11.1.2.3 nowhere", failed);
	check(ptun_allowedips_match_v4(set, v4(10, 1, 2, 2)) == 23,
	      "neighbour of a /32 falls back", failed);

	a6 = v6(0xfd00, 1, 0x42);
	check(!ptun_allowedips_add(set, AF_INET6, &a6, 128), "add /128",
	      failed);
	a6 = v6(0xfd00, 0, 0);
	check(!ptun_allowedips_add(set, AF_INET6, &a6, 16), "add fd00::/16",
	      failed);
	a6 = v6(0xfd00, 1, 0x42);
	check(ptun_allowedips_match_v6(set, &a6) == 128, "/128 wins", failed);
	a6 = v6(0xfd00, 1, 0x43);
	check(ptun_allowedips_match_v6(set, &a6) == 16,
	      "neighbour of a /128 in /16", failed);
	a6 = v6(0xfd01, 1, 0x42);
	check(ptun_allowedips_match_v6(set, &a6) < 0, "fd01:: nowhere",
	      failed);
	check(ptun_allowedips_match_v4(set, v4(253, 0, 0, 0)) < 0,
	      "IPv6 entries never match IPv4", failed);
	ptun_allowedips_free(set);
}

/* A set is changed by building its replacement: what it leaves out is gone. */
static void test_replace(unsigned int *failed)
{
	struct ptun_allowedips *old = ptun_allowedips_alloc(4);
	struct ptun_allowedips *new = ptun_allowedips_alloc(4);
	__be32 a, b;

	if (!check(old && new, "alloc", failed))
		goto out;
	a = v4(192, 0, 2, 0);
	b = v4(198, 51, 100, 0);
	check(!ptun_allowedips_add(old, AF_INET, &a, 24) &&
	      !ptun_allowedips_add(old, AF_INET, &b, 24) &&
	      !ptun_allowedips_add(new, AF_INET, &b, 24), "add", failed);
	check(ptun_allowedips_lookup_v4(old, v4(192, 0, 2, 1)) &&
	      !ptun_allowedips_lookup_v4(new, v4(192, 0, 2, 1)),
	      "a prefix left out of the replacement is removed", failed);
	check(ptun_allowedips_lookup_v4(new, v4(198, 51, 100, 1)),
	      "a prefix kept stays", failed);
out:
	ptun_allowedips_free(old);
	ptun_allowedips_free(new);
}

#define RANDOM_PREFIXES	256
#define RANDOM_LOOKUPS	2048

/*
 * Random prefixes, of few lengths and on few leading bits so that they
 * overlap a lot, against a linear scan for the longest match.
 */
static void test_random(unsigned int *failed)
{
	static const u8 lens[] = { 0, 4, 8, 9, 16, 20, 24, 31, 32 };
	struct ptun_allowedips *set = ptun_allowedips_alloc(RANDOM_PREFIXES);
	__be32 *keys = kcalloc(RANDOM_PREFIXES, sizeof(*keys), GFP_KERNEL);
	u8 *cidrs = kcalloc(RANDOM_PREFIXES, 1, GFP_KERNEL);
	unsigned int i, j, n = 0, bad = 0;

	if (!check(set && keys && cidrs, "alloc", failed))
		goto out;
	for (i = 0; i < RANDOM_PREFIXES; i++) {
		u8 cidr = lens[get_random_u32() % ARRAY_SIZE(lens)];
		__be32 key = htonl(get_random_u32() & 0xf0f000ff) &
			     inet_make_mask(cidr);

		if (ptun_allowedips_add(set, AF_INET, &key, cidr))
			continue;	/* a duplicate */
		keys[n] = key;
		cidrs[n++] = cidr;
	}
	check(ptun_allowedips_count(set) == n, "count", failed);
	for (i = 0; i < RANDOM_LOOKUPS; i++) {
		__be32 addr = htonl(get_random_u32() & 0xf0f000ff);
		int best = -1;

		for (j = 0; j < n; j++)
			if (!((addr ^ keys[j]) & inet_make_mask(cidrs[j])) &&
			    cidrs[j] > best)
				best = cidrs[j];
		if (ptun_allowedips_match_v4(set, addr) != best)
			bad++;
	}
	check(!bad, "trie agrees with a linear scan", failed);
out:
	kfree(cidrs);
	kfree(keys);
	ptun_allowedips_free(set);
}

static bool selftest_allowedips(void)
{
	struct ptun_allowedips *set;
	unsigned int failed = 0;

	set = ptun_allowedips_alloc(8);
	if (!set) {
		pr_err("FAIL: alloc\n");
		return false;
	}
	test_add(set, &failed);
	test_lookup(set, &failed);
	ptun_allowedips_free(set);
	test_default_route(&failed);
	test_longest(&failed);
	test_replace(&failed);
	test_random(&failed);

	if (failed)
		pr_err("allowed IPs: %u checks failed\n", failed);
	return !failed;
}

static const struct {
	const char *name;
	bool (*run)(void);
} groups[] = {
	{ "allowed IPs", selftest_allowedips },
	{ "handshake", ptun_noise_selftest },
	{ "replay window", ptun_replay_selftest },
	{ "session slots", ptun_session_selftest },
};

bool ptun_selftest_run(void)
{
	unsigned int i, failed = 0;

	pr_info("running %zu groups\n", ARRAY_SIZE(groups));
	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		if (groups[i].run()) {
			pr_info("%s: pass\n", groups[i].name);
		} else {
			pr_err("%s: FAIL\n", groups[i].name);
			failed++;
		}
	}
	if (failed)
		pr_err("FAIL: %u of %zu groups failed\n", failed,
		       ARRAY_SIZE(groups));
	else
		pr_info("all %zu groups passed\n", ARRAY_SIZE(groups));
	return !failed;
}
