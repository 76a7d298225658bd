// SPDX-License-Identifier: GPL-2.0
/*
 * ptun: encrypted point-to-point tunnel device.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/rtnetlink.h>
#include <linux/ptun.h>

#include "addrconf.h"
#include "crypt.h"
#include "device.h"
#include "netlink.h"
#include "noise.h"
#include "selftest.h"

struct workqueue_struct *ptun_wq;

static int __init ptun_init(void)
{
	int ret;

	ptun_noise_init();
	ptun_wq = alloc_workqueue("ptun", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!ptun_wq)
		return -ENOMEM;
	/* after ptun_wq: the session tests free sessions through it */
	if (!ptun_selftest_run()) {
		ret = -ENOTRECOVERABLE;
		goto err_destroy_wq;
	}
	/* before the link kind: no device may register without it */
	ret = ptun_addrconf_init();
	if (ret)
		goto err_destroy_wq;
	ret = ptun_device_init();
	if (ret)
		goto err_addrconf_uninit;
	ret = ptun_genl_init();
	if (ret)
		goto err_device_uninit;

	pr_info("version " PTUN_VERSION " loaded\n");
	return 0;

err_device_uninit:
	ptun_device_uninit();
err_addrconf_uninit:
	ptun_addrconf_uninit();
err_destroy_wq:
	destroy_workqueue(ptun_wq);
	return ret;
}

static void __exit ptun_exit(void)
{
	ptun_genl_uninit();
	ptun_device_uninit();
	ptun_addrconf_uninit();
	/*
	 * Sessions are released from RCU work on ptun_wq, and release their
	 * peer with call_rcu(): wait for the callbacks that queue work, the
	 * work, then the callbacks it queued.
	 */
	rcu_barrier();
	destroy_workqueue(ptun_wq);
	rcu_barrier();
	ptun_crypt_uninit();
}

module_init(ptun_init);
module_exit(ptun_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Encrypted point-to-point tunnel");
MODULE_VERSION(PTUN_VERSION);
MODULE_ALIAS_RTNL_LINK("ptun");
MODULE_ALIAS_GENL_FAMILY(PTUN_GENL_NAME);
