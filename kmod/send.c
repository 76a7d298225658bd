// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit (docs/PROTOCOL.md, sections 2.4 and 3): an inner packet is
 * checked against the allowed IPs, segmented if it is a GSO packet, padded
 * and given the data header and the next counter of the current session,
 * in the sender's context. The framed datagrams join the device's transmit
 * queue, which its transmit NAPI (threaded, like the receive one:
 * device.c) drains in order: it seals each in place and sends it to the
 * UDP socket.
 *
 * The device advertises scatter-gather, checksum offload and software GSO
 * so that the stack hands over large TCP packets whole; segmenting and
 * checksumming here, late, costs one pass instead of one trip through the
 * stack per segment.
 */

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/icmp.h>
#include <net/ip_tunnels.h>
#include <net/sch_generic.h>

#include "allowedips.h"
#include "compat.h"
#include "crypt.h"
#include "device.h"
#include "handshake.h"
#include "messages.h"
#include "mss.h"
#include "peer.h"
#include "send.h"
#include "session.h"
#include "socket.h"
#include "stats.h"
#include "timers.h"

/*
 * Framed datagrams waiting for the transmit NAPI. With no qdisc (the
 * default, as for other tunnels) the senders cannot be held back, and
 * past PTUN_TX_QUEUE_MAX the newest are dropped (tx-queue-full) rather than
 * queued into latency. With a qdisc, the device's queue is stopped at
 * PTUN_TX_QUEUE_STOP and woken at PTUN_TX_QUEUE_WAKE, so that packets wait
 * in the qdisc, which decides what waits and what is dropped; the margin
 * up to the maximum takes the segments of a GSO packet already in hand.
 */
#define PTUN_TX_QUEUE_MAX	1024
#define PTUN_TX_QUEUE_STOP	256
#define PTUN_TX_QUEUE_WAKE	(PTUN_TX_QUEUE_STOP / 2)

/*
 * How deeply the transmit whose datagram the transmit NAPI of this CPU is
 * sending was nested in ptun devices when it was queued (see
 * ptun_send_nest_level()). Written and read with BH disabled.
 */
static DEFINE_PER_CPU(u8, tx_nest);

static void drop(struct ptun_device *ptun, struct sk_buff *skb,
		 enum ptun_stats_attr reason)
{
	ptun_stats_drop(ptun, reason);
	dev_core_stats_tx_dropped_inc(ptun->dev);
	kfree_skb(skb);
}

static void drop_list(struct ptun_device *ptun, struct sk_buff *segs,
		      enum ptun_stats_attr reason)
{
	struct sk_buff *skb, *next;

	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		drop(ptun, skb, reason);
	}
}

unsigned int ptun_send_nest_level(void)
{
	return dev_recursion_level() + this_cpu_read(tx_nest);
}

static void send_sealed(struct ptun_peer *peer, struct sk_buff *skb)
{
	struct ptun_session *s = ptun_skb_cb(skb)->s;
	unsigned int len = ptun_skb_cb(skb)->inner_len;
	struct net_device *dev = peer->ptun->dev;
	int ret;

	__this_cpu_write(tx_nest, ptun_skb_cb(skb)->nest);
	ret = ptun_socket_send_skb_to_peer(peer, skb, ptun_skb_cb(skb)->ds);
	__this_cpu_write(tx_nest, 0);
	if (ret) {
		dev_core_stats_tx_dropped_inc(dev);
		goto out;
	}
	if (len) {
		dev_sw_netstats_tx_add(dev, 1, len);
		ptun_timers_data_sent(peer);
	}
	ptun_timers_any_sent(peer);
	ptun_handshake_maybe_rekey(peer, s, true);
out:
	ptun_session_put(s);
	/* last: the device may go away once its last packet is done */
	dev_put(dev);
}

/* Drops a framed datagram, which holds a session and a device reference. */
static void drop_framed(struct sk_buff *skb, enum ptun_stats_attr reason)
{
	struct ptun_session *s = ptun_skb_cb(skb)->s;
	struct ptun_device *ptun = s->peer->ptun;

	drop(ptun, skb, reason);
	ptun_session_put(s);
	dev_put(ptun->dev);
}

static void sealed(struct sk_buff *skb, int err)
{
	struct ptun_peer *peer = ptun_skb_cb(skb)->s->peer;

	if (unlikely(err)) {
		net_dbg_ratelimited("%s: encryption failed: %d\n",
				    peer->ptun->dev->name, err);
		drop_framed(skb, PTUN_A_STATS_DROP_TX_ERROR);
		return;
	}
	send_sealed(peer, skb);
}

/*
 * The transmit queue's consumer. Every datagram is sealed and leaves from
 * here, one poll at a time, so in the order it was queued and from one
 * CPU per poll: sent from the CPUs that framed them, a flow's datagrams
 * would go through as many per-CPU backlogs and transmit queues below us,
 * and the peer would see them reordered.
 *
 * Sealing here rather than in the sender's context costs the parallel
 * sealing of several senders, but a kthread that seals and sends a batch
 * per wake-up does the same work for less CPU than senders that each wake
 * it for a datagram or two: for small datagrams the wake-ups cost as much
 * as the AEAD (docs/DATAPATH.md). An AEAD that goes asynchronous (AES-NI
 * when the FPU is not usable, which a kthread does not meet) sends its
 * datagram from its completion, out of this order.
 */
static int tx_poll(struct napi_struct *napi, int budget)
{
	struct ptun_device *ptun = container_of(napi, struct ptun_device,
						tx_napi);
	struct netdev_queue *txq;
	struct sk_buff *skb;
	int done = 0;

	while (done < budget && (skb = skb_dequeue(&ptun->tx_queue))) {
		ptun_crypt(skb, &ptun_skb_cb(skb)->s->send_key, true,
			   ptun_skb_cb(skb)->nfrags, sealed);
		done++;
	}
	/* pairs with the barrier in maybe_stop_queue() */
	smp_mb();
	txq = netdev_get_tx_queue(ptun->dev, 0);
	if (unlikely(netif_tx_queue_stopped(txq)) &&
	    skb_queue_len_lockless(&ptun->tx_queue) < PTUN_TX_QUEUE_WAKE)
		netif_tx_wake_queue(txq);
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/*
 * Stops the device's queue when the transmit queue is full enough and a
 * qdisc can hold what comes next: noqueue, the default, has no enqueue,
 * and __dev_queue_xmit() would drop a packet for a stopped queue, with a
 * complaint in the log.
 */
static void maybe_stop_queue(struct ptun_device *ptun)
{
	struct net_device *dev = ptun->dev;
	struct netdev_queue *txq;

	if (likely(skb_queue_len_lockless(&ptun->tx_queue) <
		   PTUN_TX_QUEUE_STOP))
		return;
	txq = netdev_get_tx_queue(dev, 0);
	if (!rcu_dereference_bh(txq->qdisc)->enqueue ||
	    netif_tx_queue_stopped(txq))
		return;
	netif_tx_stop_queue(txq);
	/*
	 * The transmit NAPI may have emptied the queue and found the device's
	 * queue not yet stopped; then nothing else would wake it.
	 */
	smp_mb__after_atomic();
	if (skb_queue_len_lockless(&ptun->tx_queue) < PTUN_TX_QUEUE_WAKE)
		netif_tx_wake_queue(txq);
}

static void queue_framed(struct sk_buff *skb)
{
	struct ptun_device *ptun = ptun_skb_cb(skb)->s->peer->ptun;
	struct sk_buff_head *q = &ptun->tx_queue;

	spin_lock(&q->lock);
	/* a device going down sends nothing more; ptun_send_stop() purges */
	if (unlikely(!READ_ONCE(ptun->up))) {
		spin_unlock(&q->lock);
		drop_framed(skb, PTUN_A_STATS_DROP_TX_ERROR);
		return;
	}
	if (unlikely(skb_queue_len(q) >= PTUN_TX_QUEUE_MAX)) {
		spin_unlock(&q->lock);
		drop_framed(skb, PTUN_A_STATS_DROP_TX_QUEUE_FULL);
		return;
	}
	__skb_queue_tail(q, skb);
	spin_unlock(&q->lock);
	napi_schedule(&ptun->tx_napi);
	maybe_stop_queue(ptun);
}

/*
 * Frames one packet (an empty one is a keepalive) for @s and queues it to
 * be sealed and sent. Consumes @skb; the caller keeps its own reference
 * on @s. BH disabled.
 */
static void frame_and_queue(struct ptun_session *s, struct sk_buff *skb)
{
	struct ptun_peer *peer = s->peer;
	struct ptun_device *ptun = peer->ptun;
	struct net_device *dev = ptun->dev;
	unsigned int len, padded, mtu;
	struct ptun_msg_data *msg;
	struct sk_buff *trailer;
	unsigned int limit;
	u64 counter;
	int nfrags;
	u8 ds;

	/*
	 * The stack sizes segments to the MTU, but a packet socket's
	 * virtio_net_hdr may ask for any gso_size: a longer segment would
	 * make an outer datagram past the path's MTU, or past what IP's
	 * 16-bit length can say.
	 */
	len = skb->len;
	mtu = READ_ONCE(dev->mtu);
	if (unlikely(len > mtu))
		goto err_tx;

	/* The checksum must exist before the packet turns into ciphertext. */
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto err_tx;

	/* ECN capability and congestion marks show on the outside too. */
	ds = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);

	/*
	 * Pad to 16 bytes to blur lengths, but never past the MTU, nor past
	 * a lower MTU of the route the packet took: the path beyond may
	 * carry no more than that.
	 */
	limit = ptun_skb_cb(skb)->route_mtu;
	if (!limit || limit > mtu)
		limit = mtu;
	padded = min(ALIGN(len, PTUN_PADDING), max(len, limit));

	if (skb_cow_head(skb, PTUN_TX_HEADROOM))
		goto err_tx;
	nfrags = skb_cow_data(skb, padded - len + PTUN_TAG_SIZE, &trailer);
	if (nfrags < 0)
		goto err_tx;
	memset(pskb_put(skb, trailer, padded - len + PTUN_TAG_SIZE), 0,
	       padded - len);

	if (!ptun_session_next_counter(s, &counter)) {
		drop(ptun, skb, PTUN_A_STATS_DROP_NO_SESSION);
		ptun_handshake_start(peer);
		return;
	}
	msg = skb_push(skb, sizeof(*msg));
	msg->header.type = PTUN_MSG_DATA;
	msg->header.cipher = 0;
	memset(msg->header.reserved, 0, sizeof(msg->header.reserved));
	msg->receiver_index = s->remote_index;
	msg->counter = cpu_to_le64(counter);

	refcount_inc(&s->refs);
	ptun_skb_cb(skb)->s = s;
	ptun_skb_cb(skb)->inner_len = len;
	ptun_skb_cb(skb)->ds = ds;
	ptun_skb_cb(skb)->nest = ptun_send_nest_level();
	ptun_skb_cb(skb)->nfrags = nfrags;
	/* Keeps ptun alive until the datagram left, or was dropped. */
	dev_hold(dev);
	queue_framed(skb);
	return;

err_tx:
	drop(ptun, skb, PTUN_A_STATS_DROP_TX_ERROR);
}

/* The allowed IPs must cover the inner destination (under RCU-bh). */
static enum ptun_stats_attr check_destination(struct ptun_peer *peer,
					      struct sk_buff *skb)
{
	const struct ptun_allowedips *set;
	bool ok;

	set = rcu_dereference_bh(peer->allowed_ips);
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (!pskb_network_may_pull(skb, sizeof(struct iphdr)))
			return PTUN_A_STATS_DROP_MALFORMED;
		ok = set && ptun_allowedips_lookup_v4(set, ip_hdr(skb)->daddr);
		break;
	case htons(ETH_P_IPV6):
		if (!pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))
			return PTUN_A_STATS_DROP_MALFORMED;
		ok = set && ptun_allowedips_lookup_v6(set,
						      &ipv6_hdr(skb)->daddr);
		break;
	default:
		return PTUN_A_STATS_DROP_TX_ERROR;
	}
	return ok ? 0 : PTUN_A_STATS_DROP_DST_NOT_ALLOWED;
}

/*
 * Queues packets until a session exists, at most PTUN_STAGED_MAX: when
 * full, the oldest go, as they are the likeliest to be stale.
 */
static void stage(struct ptun_peer *peer, struct sk_buff *segs)
{
	struct sk_buff_head *q = &peer->staged;
	struct sk_buff *skb, *next;
	struct sk_buff *old = NULL;

	spin_lock_bh(&q->lock);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		__skb_queue_tail(q, skb);
		if (skb_queue_len(q) > PTUN_STAGED_MAX) {
			struct sk_buff *oldest = __skb_dequeue(q);

			oldest->next = old;
			old = oldest;
		}
	}
	spin_unlock_bh(&q->lock);
	drop_list(peer->ptun, old, PTUN_A_STATS_DROP_NO_SESSION);
}

void ptun_send_staged(struct ptun_peer *peer)
{
	enum ptun_stats_attr reason;
	struct sk_buff_head batch;
	struct ptun_session *s;
	struct sk_buff *skb;

	if (skb_queue_empty_lockless(&peer->staged))
		return;
	s = ptun_session_tx_get(&peer->sessions);
	if (!s)
		return;

	__skb_queue_head_init(&batch);
	spin_lock_bh(&peer->staged.lock);
	skb_queue_splice_init(&peer->staged, &batch);
	spin_unlock_bh(&peer->staged.lock);

	rcu_read_lock_bh();
	while ((skb = __skb_dequeue(&batch))) {
		/* A SET may have narrowed the allowed IPs while it waited. */
		reason = check_destination(peer, skb);
		if (unlikely(reason)) {
			drop(peer->ptun, skb, reason);
			continue;
		}
		frame_and_queue(s, skb);
	}
	rcu_read_unlock_bh();
	ptun_session_put(s);
}

void ptun_send_purge_staged(struct ptun_peer *peer)
{
	struct sk_buff_head batch;
	struct sk_buff *skb;

	__skb_queue_head_init(&batch);
	spin_lock_bh(&peer->staged.lock);
	skb_queue_splice_init(&peer->staged, &batch);
	spin_unlock_bh(&peer->staged.lock);

	while ((skb = __skb_dequeue(&batch)))
		drop(peer->ptun, skb, PTUN_A_STATS_DROP_NO_SESSION);
}

void ptun_send_keepalive(struct ptun_peer *peer)
{
	struct ptun_session *s;
	struct sk_buff *skb;

	s = ptun_session_tx_get(&peer->sessions);
	if (!s) {
		ptun_handshake_start(peer);
		return;
	}
	skb = alloc_skb(PTUN_TX_HEADROOM + PTUN_TAG_SIZE, GFP_ATOMIC);
	if (skb) {
		skb_reserve(skb, PTUN_TX_HEADROOM);
		local_bh_disable();
		frame_and_queue(s, skb);
		local_bh_enable();
	} else {
		ptun_stats_drop(peer->ptun, PTUN_A_STATS_DROP_TX_ERROR);
	}
	ptun_session_put(s);
}

static void icmp_unreachable(struct sk_buff *skb)
{
	switch (skb->protocol) {
	case htons(ETH_P_IP):
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
		break;
	case htons(ETH_P_IPV6):
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH,
				0);
		break;
	}
}

netdev_tx_t ptun_send_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ptun_device *ptun = netdev_priv(dev);
	enum ptun_stats_attr reason;
	struct sk_buff *segs, *next;
	struct ptun_session *s;
	struct ptun_peer *peer;
	unsigned int route_mtu;
	u16 clamp;

	/* The packet is rewritten in place: it must be ours alone. */
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		ptun_stats_drop(ptun, PTUN_A_STATS_DROP_TX_ERROR);
		dev_core_stats_tx_dropped_inc(dev);
		return NETDEV_TX_OK;
	}

	rcu_read_lock_bh();
	peer = rcu_dereference_bh(ptun->peer);
	if (unlikely(!peer)) {
		reason = PTUN_A_STATS_DROP_TX_ERROR;
		icmp_unreachable(skb);
		goto err_drop;
	}
	reason = check_destination(peer, skb);
	if (unlikely(reason)) {
		if (reason == PTUN_A_STATS_DROP_DST_NOT_ALLOWED)
			icmp_unreachable(skb);
		goto err_drop;
	}
	/*
	 * The inner route was only needed for the ICMP error above: every
	 * segment would take a reference, and a waiting packet would pin it.
	 * Its MTU is kept for the padding.
	 */
	route_mtu = skb_dst(skb) ? dst_mtu(skb_dst(skb)) : 0;
	skb_dst_drop(skb);
	clamp = READ_ONCE(ptun->mss_clamp);
	if (clamp)
		ptun_mss_clamp(skb, clamp, min_not_zero(route_mtu, dev->mtu));

	if (skb_is_gso(skb)) {
		segs = skb_gso_segment(skb, 0);
		if (IS_ERR_OR_NULL(segs)) {
			reason = PTUN_A_STATS_DROP_TX_ERROR;
			goto err_drop;
		}
		consume_skb(skb);
	} else {
		skb_mark_not_on_list(skb);
		segs = skb;
	}
	skb_list_walk_safe(segs, skb, next)
		ptun_skb_cb(skb)->route_mtu = route_mtu;

	s = ptun_session_tx_get(&peer->sessions);
	if (!s) {
		stage(peer, segs);
		ptun_handshake_start(peer);
		/* a handshake may have completed since the lookup above */
		ptun_send_staged(peer);
		goto out;
	}
	/* Packets that waited for this session go first. */
	ptun_send_staged(peer);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		frame_and_queue(s, skb);
	}
	ptun_session_put(s);
out:
	rcu_read_unlock_bh();
	return NETDEV_TX_OK;

err_drop:
	rcu_read_unlock_bh();
	drop(ptun, skb, reason);
	return NETDEV_TX_OK;
}

void ptun_send_init(struct ptun_device *ptun)
{
	skb_queue_head_init(&ptun->tx_queue);
	netif_napi_add_tx(ptun->dev, &ptun->tx_napi, tx_poll);
}

void ptun_send_start(struct ptun_device *ptun)
{
	napi_enable(&ptun->tx_napi);
	/* it may have been stopped when the device went down */
	netif_start_queue(ptun->dev);
}

/* Once the device is down: nothing queued before is sent any more. */
void ptun_send_stop(struct ptun_device *ptun)
{
	napi_disable(&ptun->tx_napi);
	ptun_device_purge_queue(ptun, &ptun->tx_queue, drop,
				PTUN_A_STATS_DROP_TX_ERROR);
}

/* An AEAD that completed after ptun_send_stop() may have queued. */
void ptun_send_uninit(struct ptun_device *ptun)
{
	netif_napi_del(&ptun->tx_napi);
	ptun_device_purge_queue(ptun, &ptun->tx_queue, drop,
				PTUN_A_STATS_DROP_TX_ERROR);
}
