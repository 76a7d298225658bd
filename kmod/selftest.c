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
#include <linux/kernel.h>
#include <linux/printk.h>
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
	struct ptun_allowedips *set = ptun_allowedips_alloc(2, GFP_KERNEL);
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

static bool selftest_allowedips(void)
{
	struct ptun_allowedips *set;
	unsigned int failed = 0;

	check(!ptun_allowedips_alloc(PTUN_MAX_ALLOWED_IPS + 1, GFP_KERNEL),
	      "oversized set refused", &failed);
	set = ptun_allowedips_alloc(8, GFP_KERNEL);
	if (!set) {
		pr_err("FAIL: alloc\n");
		return false;
	}
	test_add(set, &failed);
	test_lookup(set, &failed);
	ptun_allowedips_free(set);
	test_default_route(&failed);

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
