// SPDX-License-Identifier: GPL-2.0
/*
 * ptun: encrypted point-to-point tunnel device.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/ptun.h>

#include "device.h"
#include "netlink.h"
#include "selftest.h"

#define PTUN_VERSION "0.1.0"

static int __init ptun_init(void)
{
	int ret;

	if (!ptun_selftest_allowedips())
		return -ENOTRECOVERABLE;

	ret = ptun_device_init();
	if (ret)
		return ret;
	ret = ptun_genl_init();
	if (ret)
		goto err_device_uninit;

	pr_info("version " PTUN_VERSION " loaded\n");
	return 0;

err_device_uninit:
	ptun_device_uninit();
	return ret;
}

static void __exit ptun_exit(void)
{
	ptun_genl_uninit();
	ptun_device_uninit();
	/* peers retired with call_rcu() run code of this module */
	rcu_barrier();
}

module_init(ptun_init);
module_exit(ptun_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Encrypted point-to-point tunnel");
MODULE_VERSION(PTUN_VERSION);
MODULE_ALIAS_RTNL_LINK("ptun");
MODULE_ALIAS_GENL_FAMILY(PTUN_GENL_NAME);
