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

#include "allowedips.h"
#include "compat.h"
#include "crypt.h"
#include "device.h"
#include "events.h"
#include "handshake.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "session.h"
#include "socket.h"
#include "stats.h"
#include "timers.h"

/*
 * Scatter-gather, checksum offload and software GSO: the stack hands over
 * whole TCP super-packets and leaves checksums to us; send.c segments and
 * checksums them just before encrypting.
 */
#define PTUN_FEATURES	(NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_SG | \
			 NETIF_F_GSO_SOFTWARE | NETIF_F_HIGHDMA)

/* Every ptun device of every namespace, under RTNL. */
static LIST_HEAD(ptun_device_list);

static struct rtnl_link_ops ptun_link_ops;

static int ptun_dev_init(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);
	int ret;

	ptun->stats = ptun_stats_alloc();
	if (!ptun->stats)
		return -ENOMEM;
	ret = -ENOMEM;
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		goto err_free_stats;
	ret = ptun_handshake_device_init(ptun);
	if (ret)
		goto err_free_tstats;
	ptun_receive_init(ptun);
	ptun_send_init(ptun);
	ptun_events_limit_init(&ptun->events_limit);
	return 0;

err_free_tstats:
	free_percpu(dev->tstats);
	dev->tstats = NULL;
err_free_stats:
	ptun_stats_free(ptun->stats);
	ptun->stats = NULL;
	return ret;
}

/*
 * A multi-message SET of the allowed IPs does not survive the device going
 * down or away: what it staged is freed, and a SET holding it meanwhile
 * sees the epoch change and frees it too.
 */
void ptun_device_discard_staged(struct ptun_device *ptun)
{
	lockdep_assert_held(&ptun->lock);
	ptun_allowedips_free(ptun->aips_staged);
	ptun->aips_staged = NULL;
	ptun->aips_epoch++;
}

/*
 * Empties @q, a queue of data messages each holding a session and a device
 * reference (the rx_queue or the tx_queue), once nothing feeds it any more:
 * @drop counts each in its direction's drop counters and frees it.
 */
void ptun_device_purge_queue(struct ptun_device *ptun, struct sk_buff_head *q,
			     void (*drop)(struct ptun_device *ptun,
					  struct sk_buff *skb,
					  enum ptun_stats_attr reason),
			     enum ptun_stats_attr reason)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(q))) {
		ptun_session_put(ptun_skb_cb(skb)->s);
		drop(ptun, skb, reason);
		dev_put(ptun->dev);
	}
}

static void ptun_dev_uninit(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);

	ASSERT_RTNL();
	list_del_init(&ptun->list);
	/* ndo_stop closed them if the device was ever up: be sure */
	mutex_lock(&ptun->lock);
	ptun_socket_close(ptun);
	ptun_device_discard_staged(ptun);
	mutex_unlock(&ptun->lock);
	ptun_send_uninit(ptun);
	ptun_receive_uninit(ptun);
	ptun_handshake_device_uninit(ptun);
}

static int ptun_open(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);
	struct ptun_peer *peer;
	int ret;

	mutex_lock(&ptun->lock);
	/* before the sockets: a datagram they take at once is polled */
	ptun_receive_start(ptun);
	ptun_send_start(ptun);
	ret = ptun_socket_open(ptun, ptun->listen_port);
	if (ret) {
		netdev_err(dev, "cannot open UDP port %u: %d\n",
			   ptun->listen_port, ret);
		ptun_send_stop(ptun);
		ptun_receive_stop(ptun);
		goto out_unlock;
	}
	WRITE_ONCE(ptun->up, true);
	peer = rcu_dereference_protected(ptun->peer,
					 lockdep_is_held(&ptun->lock));
	if (peer) {
		ptun_timers_persistent_keepalive(peer);
		/* the carrier is off until a handshake completes: start one */
		ptun_handshake_connect(peer);
	}
out_unlock:
	mutex_unlock(&ptun->lock);
	return ret;
}

static int ptun_stop(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);
	struct ptun_peer *peer;

	mutex_lock(&ptun->lock);
	/* initiate() sends nothing once it sees this */
	WRITE_ONCE(ptun->up, false);
	ptun_socket_close(ptun);
	ptun_receive_stop(ptun);
	ptun_send_stop(ptun);
	/*
	 * A message that waited in the queue would otherwise still install
	 * a session on the device that is going down.
	 */
	ptun_handshake_flush(ptun);
	ptun_device_discard_staged(ptun);
	peer = rcu_dereference_protected(ptun->peer,
					 lockdep_is_held(&ptun->lock));
	if (peer) {
		/*
		 * A device that comes back up starts with a new handshake:
		 * no initiation of ours may stay pending, nor a timer or
		 * work item that would mark one pending after the reset.
		 */
		cancel_work_sync(&peer->initiate_work);
		timer_delete_sync(&peer->retransmit_timer);
		ptun_events_session_down(peer, PTUN_DOWN_REASON_DEVICE_DOWN);
		timer_delete_sync(&peer->reconnect_timer);
		ptun_handshake_reset(peer);
		ptun_send_purge_staged(peer);
	}
	mutex_unlock(&ptun->lock);
	return 0;
}

static const struct net_device_ops ptun_netdev_ops = {
	.ndo_init		= ptun_dev_init,
	.ndo_uninit		= ptun_dev_uninit,
	.ndo_open		= ptun_open,
	.ndo_stop		= ptun_stop,
	.ndo_start_xmit		= ptun_send_xmit,
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

	ptun_peer_retire(rcu_dereference_protected(ptun->peer, 1));
	RCU_INIT_POINTER(ptun->peer, NULL);
	/* ndo_uninit freed it; a failed registration never staged any */
	ptun_allowedips_free(ptun->aips_staged);
	memzero_explicit(ptun->private_key, sizeof(ptun->private_key));
	free_percpu(dev->tstats);
	dev->tstats = NULL;
	ptun_stats_free(ptun->stats);
	ptun->stats = NULL;
	mutex_destroy(&ptun->lock);
}

/* DEVTYPE=ptun in uevents: what udev rules and networkd's Type= match */
static const struct device_type ptun_device_type = {
	.name = KBUILD_MODNAME,
};

static void ptun_setup(struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);

	SET_NETDEV_DEVTYPE(dev, &ptun_device_type);
	dev->netdev_ops = &ptun_netdev_ops;
	dev->ethtool_ops = &ptun_ethtool_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = PTUN_DEFAULT_MTU;
	dev->min_mtu = PTUN_MIN_MTU;
	dev->max_mtu = PTUN_MAX_MTU;
	dev->needs_free_netdev = true;
	dev->features |= PTUN_FEATURES;
	dev->hw_features |= PTUN_FEATURES;
	dev->hw_enc_features |= PTUN_FEATURES;
	ptun_netdev_set_lltx(dev);
	/* icmp_ndo_send() answers from the packet's route: keep it */
	netif_keep_dst(dev);
	dev->needed_headroom = PTUN_TX_HEADROOM;
	dev->needed_tailroom = PTUN_TX_TAILROOM;
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
	/*
	 * Threaded NAPI by default, for both instances: decryption and
	 * sending then run in kthreads the scheduler places beside the
	 * softirq that receives the datagrams and the senders that seal
	 * them, instead of after them on the same CPU (docs/DATAPATH.md).
	 * After registration, since the threads are named after the device.
	 * Without them the device still works, polling in softirq.
	 */
	if (dev_set_threaded(dev, true))
		netdev_warn(dev, "no NAPI threads, polling in softirq\n");
	list_add(&ptun->list, &ptun_device_list);
	return 0;
}

static struct rtnl_link_ops ptun_link_ops __read_mostly = {
	.kind		= "ptun",
	.priv_size	= sizeof(struct ptun_device),
	.setup		= ptun_setup,
	.newlink	= ptun_newlink,
};

/*
 * A SET changed the link state: it takes effect at once. To session, the
 * carrier is whatever the sessions say (off without a peer) and a device
 * that is up and has none starts a handshake; to up, the carrier comes on
 * and no reconnection is scheduled any more. The peer's carrier updates
 * read the link state under the session slots' lock, so none of them can
 * leave the carrier as the old link state wanted it.
 */
void ptun_device_set_link_state(struct ptun_device *ptun, u8 state)
{
	struct ptun_peer *peer;

	lockdep_assert_held(&ptun->lock);
	if (state == ptun->link_state)
		return;
	WRITE_ONCE(ptun->link_state, state);
	peer = rcu_dereference_protected(ptun->peer,
					 lockdep_is_held(&ptun->lock));
	if (!peer) {
		if (state == PTUN_LINK_STATE_SESSION)
			netif_carrier_off(ptun->dev);
		else
			netif_carrier_on(ptun->dev);
		return;
	}
	ptun_peer_update_carrier(peer);
	if (state == PTUN_LINK_STATE_SESSION) {
		/* a responder's unconfirmed session holds the carrier so long */
		if (rcu_access_pointer(peer->sessions.next))
			ptun_timers_unconfirmed(peer);
		ptun_timers_idle_rekey(peer);
		ptun_handshake_connect(peer);
	} else {
		timer_delete_sync(&peer->reconnect_timer);
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
 * another one); forget that namespace, and close the sockets in it,
 * before it is freed.
 */
static void __net_exit ptun_net_pre_exit(struct net *net)
{
	struct ptun_device *ptun;

	rtnl_lock();
	list_for_each_entry(ptun, &ptun_device_list, list) {
		if (ptun->creating_net != net)
			continue;
		mutex_lock(&ptun->lock);
		/* the sockets live in @net: they cannot outlast it */
		ptun_socket_close(ptun);
		WRITE_ONCE(ptun->creating_net, NULL);
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
