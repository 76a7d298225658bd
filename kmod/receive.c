// SPDX-License-Identifier: GPL-2.0
/*
 * Receive (docs/PROTOCOL.md, sections 2 and 3). Runs as the encap_rcv hook
 * of the device's UDP sockets, in softirq: handshake messages go to
 * handshake.c's queue; a data message that names a session and a counter
 * the replay window may still take joins the device's receive queue.
 *
 * The device's NAPI instance drains that queue in order: it opens each
 * message in place and hands the inner packet to GRO. One consumer keeps
 * the peer's packets in the order they arrived, whichever CPU received
 * them. The NAPI is threaded (device.c): decryption and inner delivery
 * run in the device's kthread, which the scheduler places beside the
 * softirq that receives and queues the datagrams, so that receiving,
 * decrypting and the sender's encryption (inline) form a pipeline over
 * two CPUs instead of one chain on one. When that kthread gets less CPU
 * than the senders the queue fills and drops, counted as rx-queue-full.
 * `echo 0 > /sys/class/net/DEV/threaded` polls in the receiving softirq
 * instead, in turn with the path that queues: one CPU, a short queue.
 *
 * Nothing an unauthenticated packet says changes any state: the replay
 * window, the session slots and the peer's endpoint move only after the
 * AEAD accepted the message.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "allowedips.h"
#include "crypt.h"
#include "device.h"
#include "events.h"
#include "handshake.h"
#include "messages.h"
#include "mss.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "session.h"
#include "socket.h"
#include "stats.h"
#include "timers.h"

/*
 * At most this many data messages wait to be opened: beyond, the sender
 * (or a flood that guesses a receiver index) outruns the CPU, and the
 * excess is dropped (rx-queue-full) rather than queued without bound.
 */
#define PTUN_RX_QUEUE_MAX	4096

/*
 * The device whose receive queue this CPU is draining, if any: there the
 * AEAD's completion hands the packet to GRO. An asynchronous completion
 * (cryptd) runs elsewhere and uses netif_rx().
 */
static DEFINE_PER_CPU(struct ptun_device *, rx_polling);

static void drop(struct ptun_device *ptun, struct sk_buff *skb,
		 enum ptun_stats_attr reason)
{
	ptun_stats_drop(ptun, reason);
	dev_core_stats_rx_dropped_inc(ptun->dev);
	kfree_skb(skb);
}

/*
 * Roaming: an authenticated message moves the peer to where it came from,
 * and our replies to the address it was sent to. The outer headers are
 * still in front of the message.
 */
static void update_endpoint(struct ptun_peer *peer, struct sk_buff *skb)
{
	struct ptun_endpoint src;

	ptun_socket_endpoint_from_skb(&src, skb);
	ptun_peer_roam(peer, &src);
}

/*
 * The length the inner IP header claims, if the plaintext holds that much,
 * and its protocol; 0 if the plaintext is no IP packet.
 */
static unsigned int inner_packet(struct sk_buff *skb, __be16 *proto)
{
	unsigned int len;

	if (!pskb_may_pull(skb, 1))
		return 0;
	switch (skb->data[0] >> 4) {
	case 4: {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return 0;
		iph = (const struct iphdr *)skb->data;
		len = ntohs(iph->tot_len);
		if (iph->ihl < 5 || len < iph->ihl * 4)
			return 0;
		*proto = htons(ETH_P_IP);
		break;
	}
	case 6:
		if (!pskb_may_pull(skb, sizeof(struct ipv6hdr)))
			return 0;
		len = sizeof(struct ipv6hdr) +
		      ntohs(((const struct ipv6hdr *)skb->data)->payload_len);
		*proto = htons(ETH_P_IPV6);
		break;
	default:
		return 0;
	}
	return len <= skb->len ? len : 0;
}

static bool source_allowed(struct ptun_peer *peer, struct sk_buff *skb)
{
	const struct ptun_allowedips *set;

	set = rcu_dereference_bh(peer->allowed_ips);
	if (!set)
		return false;
	if (skb->protocol == htons(ETH_P_IP))
		return ptun_allowedips_lookup_v4(set, ip_hdr(skb)->saddr);
	return ptun_allowedips_lookup_v6(set, &ipv6_hdr(skb)->saddr);
}

/*
 * After the AEAD: 0 if the packet was consumed, else why to drop it.
 * Under RCU-bh.
 */
static enum ptun_stats_attr deliver(struct ptun_session *s,
				    struct sk_buff *skb, int err)
{
	const struct ptun_msg_data *msg = (const void *)skb->data;
	struct ptun_peer *peer = s->peer;
	struct ptun_device *ptun = peer->ptun;
	struct net_device *dev = ptun->dev;
	struct net *underlay;
	unsigned int len;
	__be16 proto;
	u16 clamp;

	if (unlikely(err)) {
		if (err == -EBADMSG)
			return PTUN_A_STATS_DROP_AUTH;
		net_dbg_ratelimited("%s: decryption failed: %d\n", dev->name,
				    err);
		return PTUN_A_STATS_DROP_RX_ERROR;
	}
	if (!ptun_replay_accept(&s->replay, le64_to_cpu(msg->counter)))
		return PTUN_A_STATS_DROP_REPLAY;

	/* The initiator holds the keys: its first message confirms them. */
	if (ptun_session_confirm(&peer->sessions, s)) {
		ptun_events_session(peer, s->send_key.cipher);
		ptun_send_staged(peer);
	}
	update_endpoint(peer, skb);
	ptun_timers_any_received(peer);

	__skb_pull(skb, sizeof(*msg));
	if (pskb_trim(skb, skb->len - PTUN_TAG_SIZE))
		return PTUN_A_STATS_DROP_MALFORMED;
	if (!skb->len) {
		/* a keepalive */
		consume_skb(skb);
		ptun_handshake_maybe_rekey(peer, s, false);
		return 0;
	}

	len = inner_packet(skb, &proto);
	if (!len || pskb_trim(skb, len))
		return PTUN_A_STATS_DROP_MALFORMED;
	skb->protocol = proto;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_mac_len(skb);
	if (!source_allowed(peer, skb))
		return PTUN_A_STATS_DROP_SRC_NOT_ALLOWED;
	/*
	 * Congestion marks from the path join the inner packet (RFC 6040);
	 * the one combination it would drop, CE on a packet that is not
	 * ECN-capable, still goes up unmarked, as it went in.
	 */
	INET_ECN_decapsulate(skb, ptun_skb_cb(skb)->ds,
			     skb->protocol == htons(ETH_P_IP) ?
			     ipv4_get_dsfield(ip_hdr(skb)) :
			     ipv6_get_dsfield(ipv6_hdr(skb)));

	underlay = READ_ONCE(ptun->creating_net);
	skb_scrub_packet(skb, !underlay || !net_eq(underlay, dev_net(dev)));
	/*
	 * The inner packet is a new flow: the outer datagram's hash would
	 * give every inner flow the same one (RPS, fq), and its mark is the
	 * underlay's business, not for steering inner routing, even in the
	 * same namespace (which skb_scrub_packet() leaves it to).
	 */
	skb_clear_hash(skb);
	skb->mark = 0;
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	/*
	 * The sender computed every inner checksum before sealing (send.c)
	 * and the AEAD proved that not a bit changed since: checking them
	 * again would only cost a pass over the data.
	 */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = SKB_MAX_CSUM_LEVEL;
	/*
	 * After the line above: the outer datagram's checksum state, which
	 * may still be CHECKSUM_PARTIAL from a local sender, would have the
	 * clamp leave the TCP checksum as it was.
	 */
	clamp = READ_ONCE(ptun->mss_clamp);
	if (clamp)
		ptun_mss_clamp(skb, clamp, READ_ONCE(dev->mtu));

	ptun_timers_data_received(peer);
	ptun_handshake_maybe_rekey(peer, s, false);
	len = skb->len;
	if (likely(this_cpu_read(rx_polling) == ptun)) {
		napi_gro_receive(&ptun->rx_napi, skb);
	} else if (netif_rx(skb) != NET_RX_SUCCESS) {
		/*
		 * The backlog was full: the core freed the packet and counted
		 * it in rx_dropped, its reason is ours to count.
		 */
		ptun_stats_drop(ptun, PTUN_A_STATS_DROP_RX_QUEUE_FULL);
		return 0;
	}
	dev_sw_netstats_rx_add(dev, len);
	return 0;
}

static void decrypted(struct sk_buff *skb, int err)
{
	struct ptun_session *s = ptun_skb_cb(skb)->s;
	struct ptun_device *ptun = s->peer->ptun;
	struct net_device *dev = ptun->dev;
	enum ptun_stats_attr reason;

	rcu_read_lock_bh();
	reason = deliver(s, skb, err);
	if (reason)
		drop(ptun, skb, reason);
	rcu_read_unlock_bh();
	ptun_session_put(s);
	/* last: the device may go away once its last packet is done */
	dev_put(dev);
}

static void receive_data(struct ptun_device *ptun, struct sk_buff *skb)
{
	const struct ptun_msg_data *msg = (const void *)skb->data;
	enum ptun_stats_attr reason;
	struct ptun_session *s;
	struct ptun_peer *peer;
	struct sk_buff *trailer;
	int nfrags;

	peer = rcu_dereference_bh(ptun->peer);
	if (!peer) {
		reason = PTUN_A_STATS_DROP_NO_SESSION;
		goto err_drop;
	}
	s = ptun_session_rx_get(&peer->sessions, msg->receiver_index);
	if (!s) {
		reason = PTUN_A_STATS_DROP_NO_SESSION;
		goto err_drop;
	}
	if (!ptun_replay_plausible(&s->replay, le64_to_cpu(msg->counter))) {
		reason = PTUN_A_STATS_DROP_REPLAY;
		goto err_put;
	}

	if (ip_hdr(skb)->version == 4)
		ptun_skb_cb(skb)->ds = ipv4_get_dsfield(ip_hdr(skb));
	else
		ptun_skb_cb(skb)->ds = ipv6_get_dsfield(ipv6_hdr(skb));
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0) {
		reason = PTUN_A_STATS_DROP_RX_ERROR;
		goto err_put;
	}
	ptun_skb_cb(skb)->s = s;
	ptun_skb_cb(skb)->nfrags = nfrags;
	spin_lock(&ptun->rx_queue.lock);
	if (unlikely(skb_queue_len(&ptun->rx_queue) >= PTUN_RX_QUEUE_MAX)) {
		spin_unlock(&ptun->rx_queue.lock);
		reason = PTUN_A_STATS_DROP_RX_QUEUE_FULL;
		goto err_put;
	}
	/* Keeps ptun alive until decrypted() ran, maybe after an async AEAD. */
	dev_hold(ptun->dev);
	__skb_queue_tail(&ptun->rx_queue, skb);
	spin_unlock(&ptun->rx_queue.lock);
	napi_schedule(&ptun->rx_napi);
	return;

err_put:
	ptun_session_put(s);
err_drop:
	drop(ptun, skb, reason);
}

/* Type, reserved bytes and size, as section 2 of docs/PROTOCOL.md has them. */
static bool well_formed(const struct ptun_msg_header *h, unsigned int len)
{
	switch (h->type) {
	case PTUN_MSG_INITIATION:
		return len == sizeof(struct ptun_msg_initiation) &&
		       !h->reserved[0] && !h->reserved[1];
	case PTUN_MSG_RESPONSE:
		return len == sizeof(struct ptun_msg_response) &&
		       !h->reserved[0] && !h->reserved[1];
	case PTUN_MSG_COOKIE:
		return len == sizeof(struct ptun_msg_cookie) && !h->cipher &&
		       !h->reserved[0] && !h->reserved[1];
	case PTUN_MSG_DATA:
		return len >= PTUN_DATA_OVERHEAD && !h->cipher &&
		       !h->reserved[0] && !h->reserved[1];
	}
	return false;
}

int ptun_receive_encap(struct sock *sk, struct sk_buff *skb)
{
	struct ptun_device *ptun = rcu_dereference_sk_user_data(sk);
	unsigned int off;

	/* The socket is being closed. */
	if (unlikely(!ptun)) {
		kfree_skb(skb);
		return 0;
	}

	off = skb_transport_offset(skb) + sizeof(struct udphdr);
	if (!pskb_may_pull(skb, off + sizeof(struct ptun_msg_header)))
		goto err_malformed;
	__skb_pull(skb, off);
	if (!well_formed((const void *)skb->data, skb->len))
		goto err_malformed;

	if (skb->data[0] != PTUN_MSG_DATA) {
		ptun_handshake_rx(ptun, skb);
		return 0;
	}
	if (!pskb_may_pull(skb, sizeof(struct ptun_msg_data)))
		goto err_malformed;
	receive_data(ptun, skb);
	return 0;

err_malformed:
	drop(ptun, skb, PTUN_A_STATS_DROP_MALFORMED);
	return 0;
}

static void open_queued(struct ptun_device *ptun, struct sk_buff *skb)
{
	const struct ptun_msg_data *msg = (const void *)skb->data;
	struct ptun_session *s = ptun_skb_cb(skb)->s;

	/*
	 * Asked again now that every message queued before this one was
	 * opened: a copy of one of them is refused here as the replay it is,
	 * without an AEAD pass, and whatever sits in the queue is judged as
	 * if it had been opened on arrival.
	 */
	if (unlikely(!ptun_replay_plausible(&s->replay,
					    le64_to_cpu(msg->counter)))) {
		drop(ptun, skb, PTUN_A_STATS_DROP_REPLAY);
		ptun_session_put(s);
		dev_put(ptun->dev);
		return;
	}
	ptun_crypt(skb, &s->recv_key, false, ptun_skb_cb(skb)->nfrags,
		   decrypted);
}

static int rx_poll(struct napi_struct *napi, int budget)
{
	struct ptun_device *ptun = container_of(napi, struct ptun_device,
						rx_napi);
	struct ptun_device *outer;
	struct sk_buff *skb;
	int done = 0;

	/* A poll may nest in another device's (ptun over ptun, via GRO). */
	outer = this_cpu_xchg(rx_polling, ptun);
	while (done < budget && (skb = skb_dequeue(&ptun->rx_queue))) {
		open_queued(ptun, skb);
		done++;
	}
	this_cpu_write(rx_polling, outer);
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

void ptun_receive_init(struct ptun_device *ptun)
{
	skb_queue_head_init(&ptun->rx_queue);
	netif_napi_add(ptun->dev, &ptun->rx_napi, rx_poll);
}

void ptun_receive_start(struct ptun_device *ptun)
{
	napi_enable(&ptun->rx_napi);
}

void ptun_receive_stop(struct ptun_device *ptun)
{
	/* encap_rcv that still saw the closed sockets may yet queue */
	synchronize_net();
	napi_disable(&ptun->rx_napi);
	ptun_device_purge_queue(ptun, &ptun->rx_queue, drop,
				PTUN_A_STATS_DROP_RX_ERROR);
}

void ptun_receive_uninit(struct ptun_device *ptun)
{
	netif_napi_del(&ptun->rx_napi);
	ptun_device_purge_queue(ptun, &ptun->rx_queue, drop,
				PTUN_A_STATS_DROP_RX_ERROR);
}
