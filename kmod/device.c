// SPDX-License-Identifier: GPL-2.0
/*
 * The ptun net_device and its rtnetlink link kind.
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>

#include "device.h"
#include "peer.h"
#include "stats.h"

/* Every ptun device of every namespace, under RTNL. */
static LIST_HEAD(ptun_device_list);

static struct rtnl_link_ops ptun_link_ops;

static int ptun_dev_init(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);

	ptun->stats = ptun_stats_alloc();
	if (!ptun->stats)
		return -ENOMEM;
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats) {
		ptun_stats_free(ptun->stats);
		ptun->stats = NULL;
		return -ENOMEM;
	}
	return 0;
}

static void ptun_dev_uninit(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);

	ASSERT_RTNL();
	list_del_init(&ptun->list);
}

/*
 * There is no session to encrypt with until the handshake exists, so every
 * packet is dropped; the reason tells "nothing configured" from "not
 * connected yet".
 */
static netdev_tx_t ptun_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);
	enum ptun_stats_attr reason;

	rcu_read_lock_bh();
	if (rcu_dereference_bh(ptun->peer))
		reason = PTUN_A_STATS_DROP_NO_SESSION;
	else
		reason = PTUN_A_STATS_DROP_TX_ERROR;
	rcu_read_unlock_bh();

	ptun_stats_drop(ptun, reason);
	dev_core_stats_tx_dropped_inc(dev);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops ptun_netdev_ops = {
	.ndo_init		= ptun_dev_init,
	.ndo_uninit		= ptun_dev_uninit,
	.ndo_start_xmit		= ptun_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

/*
 * Runs once the last reference to the device is gone (and when
 * registration fails after ndo_init), so nothing can look at the peer or
 * the counters any more.
 */
static void ptun_destruct(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);

	ptun_peer_destroy(rcu_dereference_protected(ptun->peer, 1));
	RCU_INIT_POINTER(ptun->peer, NULL);
	memzero_explicit(ptun->private_key, sizeof(ptun->private_key));
	free_percpu(dev->tstats);
	dev->tstats = NULL;
	ptun_stats_free(ptun->stats);
	ptun->stats = NULL;
	mutex_destroy(&ptun->lock);
}

static void ptun_setup(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);

	dev->netdev_ops = &ptun_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = PTUN_DEFAULT_MTU;
	dev->min_mtu = PTUN_MIN_MTU;
	dev->max_mtu = PTUN_MAX_MTU;
	dev->needs_free_netdev = true;
	dev->priv_destructor = ptun_destruct;

	ptun->dev = dev;
	mutex_init(&ptun->lock);
	INIT_LIST_HEAD(&ptun->list);
	ptun->cipher = PTUN_DEFAULT_CIPHER;
}

static int ptun_newlink(struct net *src_net, struct net_device *dev,
			struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	struct ptun_device *ptun = netdev_priv(dev);
	int ret;

	ptun->creating_net = src_net;
	ret = register_netdevice(dev);
	if (ret)
		return ret;
	list_add(&ptun->list, &ptun_device_list);
	return 0;
}

static struct rtnl_link_ops ptun_link_ops __read_mostly = {
	.kind		= "ptun",
	.priv_size	= sizeof(struct ptun_device),
	.setup		= ptun_setup,
	.newlink	= ptun_newlink,
};

/* The crypto API name of an enum ptun_cipher's AEAD, NULL if unknown. */
const char *ptun_device_cipher_alg(u16 cipher)
{
	switch (cipher) {
	case PTUN_CIPHER_AES_256_GCM:
		return "gcm(aes)";
	case PTUN_CIPHER_CHACHA20_POLY1305:
		return "rfc7539(chacha20,poly1305)";
	default:
		return NULL;
	}
}

/* NULL if @dev is not a ptun device. */
struct ptun_device *ptun_device_from_netdev(struct net_device *dev)
{
	if (dev->rtnl_link_ops != &ptun_link_ops)
		return NULL;
	return netdev_priv(dev);
}

/*
 * A device may outlive the namespace it was created in (after moving to
 * another one); forget that namespace before it is freed.
 */
static void __net_exit ptun_net_pre_exit(struct net *net)
{
	struct ptun_device *ptun;

	rtnl_lock();
	list_for_each_entry(ptun, &ptun_device_list, list) {
		if (ptun->creating_net != net)
			continue;
		mutex_lock(&ptun->lock);
		ptun->creating_net = NULL;
		mutex_unlock(&ptun->lock);
	}
	rtnl_unlock();
}

static struct pernet_operations ptun_net_ops = {
	.pre_exit = ptun_net_pre_exit,
};

int ptun_device_init(void)
{
	int ret;

	ret = register_pernet_device(&ptun_net_ops);
	if (ret)
		return ret;
	ret = rtnl_link_register(&ptun_link_ops);
	if (ret)
		goto err_unregister_pernet;
	return 0;

err_unregister_pernet:
	unregister_pernet_device(&ptun_net_ops);
	return ret;
}

void ptun_device_uninit(void)
{
	rtnl_link_unregister(&ptun_link_ops);
	unregister_pernet_device(&ptun_net_ops);
}
