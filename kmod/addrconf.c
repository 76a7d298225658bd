// SPDX-License-Identifier: GPL-2.0
/*
 * A ptun device needs no IPv6 link-local address: it has no link layer
 * and one peer, reached by the addresses the user gives it. With one,
 * the kernel would also send router solicitations from it as soon as it
 * comes up, which the device drops as "dst-not-allowed" (ff02::2 is in no
 * sane allowed-ips list) and counts, on every fresh device.
 *
 * So a new ptun device starts with addr_gen_mode "none". The inet6 device
 * is created by addrconf's own NETDEV_REGISTER notifier; this one runs
 * after it and only changes the mode it just set from the namespace's
 * default. Anything later wins: "ip link set DEV addrgenmode MODE" (the
 * kernel does not apply IFLA_AF_SPEC to a link being created, so
 * "ip link add ... addrgenmode" changes no device of any kind), or the
 * sysctl net.ipv6.conf.DEV.addr_gen_mode. A device moved to another
 * namespace registers there anew, and starts with "none" again.
 */

#include <linux/netdevice.h>
#include <linux/notifier.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>

#include "addrconf.h"
#include "device.h"

#if IS_ENABLED(CONFIG_IPV6)
static int ptun_addrconf_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct inet6_dev *idev;

	if (event != NETDEV_REGISTER || !ptun_device_from_netdev(dev))
		return NOTIFY_DONE;
	ASSERT_RTNL();
	/* none if IPv6 is off in the namespace or the MTU is below 1280 */
	idev = __in6_dev_get(dev);
	if (idev)
		WRITE_ONCE(idev->cnf.addr_gen_mode, IN6_ADDR_GEN_MODE_NONE);
	return NOTIFY_DONE;
}

static struct notifier_block ptun_addrconf_notifier = {
	.notifier_call	= ptun_addrconf_event,
	/* after addrconf's, which creates the inet6 device */
	.priority	= ADDRCONF_NOTIFY_PRIORITY - 1,
};

int ptun_addrconf_init(void)
{
	return register_netdevice_notifier(&ptun_addrconf_notifier);
}

void ptun_addrconf_uninit(void)
{
	unregister_netdevice_notifier(&ptun_addrconf_notifier);
}
#else
int ptun_addrconf_init(void)
{
	return 0;
}

void ptun_addrconf_uninit(void)
{
}
#endif
