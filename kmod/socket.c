// SPDX-License-Identifier: GPL-2.0
/*
 * The device's UDP sockets. They live in the namespace the device was
 * created in, so that moving the device into a container keeps its
 * underlay outside; one per family, both on the same port, IPv6 with
 * V6ONLY so that IPv4 never arrives mapped on it.
 *
 * Readers (transmit, any context) find the sockets under RCU; ptun->lock
 * serialises opening and closing.
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/lockdep.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/dst_cache.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>

#include "device.h"
#include "peer.h"
#include "receive.h"
#include "send.h"
#include "socket.h"
#include "stats.h"

/* Attempts at finding a port free in both families when any port will do. */
#define PTUN_PORT_ATTEMPTS	8

static struct socket *sock_locked(struct ptun_device *ptun,
				  struct socket __rcu **p)
{
	return rcu_dereference_protected(*p, lockdep_is_held(&ptun->lock));
}

static int open_one(struct ptun_device *ptun, struct net *net, int family,
		    u16 port, struct socket **out)
{
	struct udp_tunnel_sock_cfg tunnel = {
		.sk_user_data = ptun,
		.encap_type = 1,
		.encap_rcv = ptun_receive_encap,
	};
	struct udp_port_cfg cfg = {
		.family = family,
		.local_udp_port = htons(port),
		.use_udp_checksums = true,
		.use_udp6_tx_checksums = true,
		.use_udp6_rx_checksums = true,
		.ipv6_v6only = true,
	};
	int ret;

	/* INADDR_ANY and in6addr_any are all zeros, as cfg already is. */
	ret = udp_sock_create(net, &cfg, out);
	if (ret)
		return ret;
	setup_udp_tunnel_sock(net, *out, &tunnel);
	return 0;
}

static u16 bound_port(struct socket *sock)
{
	return ntohs(inet_sk(sock->sk)->inet_sport);
}

static bool no_ipv6(int err)
{
	/* IPv6 disabled at boot, or not built */
	return err == -EAFNOSUPPORT || err == -EPFNOSUPPORT;
}

/*
 * A pair of sockets on @port; with port 0, on a port the kernel picks for
 * IPv4 that is also free for IPv6. @sock6 is NULL if the namespace has no
 * IPv6.
 */
static int open_pair(struct ptun_device *ptun, struct net *net, u16 port,
		     struct socket **sock4, struct socket **sock6)
{
	unsigned int attempt;
	int ret;

	for (attempt = 0; attempt < PTUN_PORT_ATTEMPTS; attempt++) {
		ret = open_one(ptun, net, AF_INET, port, sock4);
		if (ret)
			return ret;
		ret = open_one(ptun, net, AF_INET6, bound_port(*sock4), sock6);
		if (!ret)
			return 0;
		if (no_ipv6(ret)) {
			*sock6 = NULL;
			return 0;
		}
		udp_tunnel_sock_release(*sock4);
		*sock4 = NULL;
		if (ret != -EADDRINUSE || port)
			return ret;
	}
	return -EADDRINUSE;
}

static void release(struct socket *sock4, struct socket *sock6)
{
	/* Let transmitters and receivers that still see them finish. */
	synchronize_net();
	if (sock4)
		udp_tunnel_sock_release(sock4);
	if (sock6)
		udp_tunnel_sock_release(sock6);
}

int ptun_socket_open(struct ptun_device *ptun, u16 port)
{
	struct socket *new4, *new6, *old4, *old6;
	struct net *net = ptun->creating_net;
	int ret;

	lockdep_assert_held(&ptun->lock);
	/* The namespace the underlay lived in is gone. */
	if (!net)
		return -ENETDOWN;
	ret = open_pair(ptun, net, port, &new4, &new6);
	if (ret)
		return ret;

	old4 = sock_locked(ptun, &ptun->sock4);
	old6 = sock_locked(ptun, &ptun->sock6);
	rcu_assign_pointer(ptun->sock4, new4);
	rcu_assign_pointer(ptun->sock6, new6);
	ptun->listen_port = bound_port(new4);
	if (old4 || old6)
		release(old4, old6);
	return 0;
}

void ptun_socket_close(struct ptun_device *ptun)
{
	struct socket *old4, *old6;

	lockdep_assert_held(&ptun->lock);
	old4 = sock_locked(ptun, &ptun->sock4);
	old6 = sock_locked(ptun, &ptun->sock6);
	if (!old4 && !old6)
		return;
	RCU_INIT_POINTER(ptun->sock4, NULL);
	RCU_INIT_POINTER(ptun->sock6, NULL);
	release(old4, old6);
}

static int send4(struct ptun_device *ptun, struct sock *sk,
		 const struct sockaddr_in *dst, const struct in_addr *src,
		 struct dst_cache *cache, struct sk_buff *skb, u8 ds)
{
	struct flowi4 fl4 = {
		.saddr = src->s_addr,
		.daddr = dst->sin_addr.s_addr,
		.fl4_dport = dst->sin_port,
		.fl4_sport = inet_sk(sk)->inet_sport,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt = NULL;

	if (cache)
		rt = dst_cache_get_ip4(cache, &fl4.saddr);
	if (!rt) {
		rt = ip_route_output_flow(sock_net(sk), &fl4, sk);
		/*
		 * The address we were reached at is gone (-ENETUNREACH) or
		 * cannot be a source: another will do.
		 */
		if (IS_ERR(rt) && fl4.saddr) {
			fl4.saddr = 0;
			rt = ip_route_output_flow(sock_net(sk), &fl4, sk);
		}
		if (IS_ERR(rt)) {
			net_dbg_ratelimited("%s: no route to %pI4:%u: %ld\n",
					    ptun->dev->name, &dst->sin_addr,
					    ntohs(dst->sin_port), PTR_ERR(rt));
			return PTR_ERR(rt);
		}
		if (unlikely(rt->dst.dev == ptun->dev)) {
			ip_rt_put(rt);
			net_dbg_ratelimited("%s: the route to %pI4 leads into the tunnel itself\n",
					    ptun->dev->name, &dst->sin_addr);
			return -ELOOP;
		}
		if (cache)
			dst_cache_set_ip4(cache, &rt->dst, fl4.saddr);
	}
	udp_tunnel_xmit_skb(rt, sk, skb, fl4.saddr, fl4.daddr, ds,
			    ip4_dst_hoplimit(&rt->dst), 0, fl4.fl4_sport,
			    fl4.fl4_dport,
			    !net_eq(sock_net(sk), dev_net(ptun->dev)), false);
	return 0;
}

#if IS_ENABLED(CONFIG_IPV6)
static int send6(struct ptun_device *ptun, struct sock *sk,
		 const struct sockaddr_in6 *dst, const struct in6_addr *src,
		 struct dst_cache *cache, struct sk_buff *skb, u8 ds)
{
	struct flowi6 fl6 = {
		.saddr = *src,
		.daddr = dst->sin6_addr,
		.fl6_dport = dst->sin6_port,
		.fl6_sport = inet_sk(sk)->inet_sport,
		.flowi6_proto = IPPROTO_UDP,
		/* link-local endpoints name their interface */
		.flowi6_oif = dst->sin6_scope_id,
	};
	struct dst_entry *route = NULL;

	if (cache)
		route = dst_cache_get_ip6(cache, &fl6.saddr);
	if (!route) {
		/*
		 * IPv6 routing takes any source it is given: drop one that is
		 * no longer ours.
		 */
		if (!ipv6_addr_any(&fl6.saddr) &&
		    !ipv6_chk_addr(sock_net(sk), &fl6.saddr, NULL, 0))
			fl6.saddr = in6addr_any;
		route = ipv6_stub->ipv6_dst_lookup_flow(sock_net(sk), sk, &fl6,
							NULL);
		if (IS_ERR(route)) {
			net_dbg_ratelimited("%s: no route to [%pI6c]:%u: %ld\n",
					    ptun->dev->name, &dst->sin6_addr,
					    ntohs(dst->sin6_port),
					    PTR_ERR(route));
			return PTR_ERR(route);
		}
		if (unlikely(route->dev == ptun->dev)) {
			dst_release(route);
			net_dbg_ratelimited("%s: the route to %pI6c leads into the tunnel itself\n",
					    ptun->dev->name, &dst->sin6_addr);
			return -ELOOP;
		}
		if (cache)
			dst_cache_set_ip6(cache, route, &fl6.saddr);
	}
	/* skb_scrub_packet() is ours to call: this path does not. */
	skb_scrub_packet(skb, !net_eq(sock_net(sk), dev_net(ptun->dev)));
	/*
	 * A datagram longer than the path MTU leaves in fragments, as over
	 * IPv4 (sent without DF): else ip6_fragment() refuses it as too big.
	 */
	skb->ignore_df = 1;
	udp_tunnel6_xmit_skb(route, sk, skb, NULL, &fl6.saddr, &fl6.daddr, ds,
			     ip6_dst_hoplimit(route), 0, fl6.fl6_sport,
			     fl6.fl6_dport, false);
	return 0;
}
#else
static int send6(struct ptun_device *ptun, struct sock *sk,
		 const struct sockaddr_in6 *dst, const struct in6_addr *src,
		 struct dst_cache *cache, struct sk_buff *skb, u8 ds)
{
	return -EAFNOSUPPORT;
}
#endif

/*
 * How deeply transmits may nest (ptun_send_nest_level()) where a datagram
 * is handed to the underlay. Deeper, it is going round a loop through
 * another tunnel, e.g. ptun0's endpoint routed through ptun1 and ptun1's
 * through ptun0 (each transmit nests the next, or, through the transmit
 * NAPI, inherits its level). The stack, where it sees the nesting, would
 * end it uncounted or half counted: 6.12.y frees it in iptunnel_xmit() and
 * ip6tunnel_xmit() past IP_TUNNEL_RECURSION_LIMIT, after ptun counted it
 * as sent, and 6.1, which has no such limit, drops it in __dev_queue_xmit()
 * past XMIT_RECURSION_LIMIT, in tx_dropped but under no reason of ptun's.
 * Where the NAPI hides the nesting from the stack, nothing would end it.
 * Refused here, it counts as tx_error like any other underlay failure.
 */
#define PTUN_XMIT_NEST_LIMIT	5
#ifdef IP_TUNNEL_RECURSION_LIMIT
static_assert(PTUN_XMIT_NEST_LIMIT <= IP_TUNNEL_RECURSION_LIMIT);
#endif

/*
 * The tunnel helpers count packets on skb->dev (and on the device passed
 * for IPv6) when there is one; the data path counts the inner packets on
 * the ptun device itself, so the outer datagram leaves with no device.
 * @cache, if not NULL, holds the route to @dst. Consumes @skb.
 */
static int send_skb(struct ptun_device *ptun, const struct ptun_endpoint *dst,
		    struct dst_cache *cache, struct sk_buff *skb, u8 ds)
{
	struct socket *sock = NULL;
	int ret;

	skb->dev = NULL;
	skb->ip_summed = CHECKSUM_NONE;
	skb->encapsulation = 0;
	skb_dst_drop(skb);

	if (unlikely(ptun_send_nest_level() > PTUN_XMIT_NEST_LIMIT)) {
		net_dbg_ratelimited("%s: transmits nested too deep: a routing loop through another tunnel?\n",
				    ptun->dev->name);
		ret = -ELOOP;
		goto out;
	}

	rcu_read_lock_bh();
	switch (dst->addr.sa_family) {
	case AF_INET:
		sock = rcu_dereference_bh(ptun->sock4);
		ret = sock ? send4(ptun, sock->sk, &dst->addr4, &dst->src4,
				   cache, skb, ds) : -ENETDOWN;
		break;
	case AF_INET6:
		sock = rcu_dereference_bh(ptun->sock6);
		ret = sock ? send6(ptun, sock->sk, &dst->addr6, &dst->src6,
				   cache, skb, ds) : -ENETDOWN;
		break;
	default:
		/* no endpoint known */
		ret = -EDESTADDRREQ;
		break;
	}
	rcu_read_unlock_bh();

out:
	if (ret) {
		ptun_stats_drop(ptun, PTUN_A_STATS_DROP_TX_ERROR);
		kfree_skb(skb);
	}
	return ret;
}

int ptun_socket_send_skb_to_peer(struct ptun_peer *peer, struct sk_buff *skb,
				 u8 ds)
{
	int ret;

	/*
	 * The endpoint cannot change, and with it the cached route, while
	 * the route is looked up and used.
	 */
	read_lock_bh(&peer->endpoint_lock);
	ret = send_skb(peer->ptun, &peer->endpoint, &peer->endpoint_cache,
		       skb, ds);
	read_unlock_bh(&peer->endpoint_lock);
	return ret;
}

static struct sk_buff *buffer_skb(struct ptun_device *ptun, const void *buf,
				  size_t len)
{
	struct sk_buff *skb;

	skb = alloc_skb(PTUN_TX_HEADROOM + len, GFP_ATOMIC);
	if (!skb) {
		ptun_stats_drop(ptun, PTUN_A_STATS_DROP_TX_ERROR);
		return NULL;
	}
	skb_reserve(skb, PTUN_TX_HEADROOM);
	skb_put_data(skb, buf, len);
	return skb;
}

int ptun_socket_send_buffer_to_peer(struct ptun_peer *peer, const void *buf,
				    size_t len)
{
	struct sk_buff *skb = buffer_skb(peer->ptun, buf, len);

	return skb ? ptun_socket_send_skb_to_peer(peer, skb, 0) : -ENOMEM;
}

int ptun_socket_send_buffer(struct ptun_device *ptun,
			    const struct ptun_endpoint *dst,
			    const void *buf, size_t len)
{
	struct sk_buff *skb = buffer_skb(ptun, buf, len);

	return skb ? send_skb(ptun, dst, NULL, skb, 0) : -ENOMEM;
}

void ptun_socket_endpoint_from_skb(struct ptun_endpoint *ep,
				   const struct sk_buff *skb)
{
	const struct udphdr *uh = udp_hdr(skb);

	memset(ep, 0, sizeof(*ep));
	if (ip_hdr(skb)->version == 4) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		ep->addr4.sin_port = uh->source;
		ep->src4.s_addr = ip_hdr(skb)->daddr;
	} else if (ip_hdr(skb)->version == 6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_addr = ip6h->saddr;
		ep->addr6.sin6_port = uh->source;
		ep->src6 = ip6h->daddr;
		/* not IP6CB()'s iif: skb->cb may be ours by now */
		ep->addr6.sin6_scope_id = ipv6_iface_scope_id(&ip6h->saddr,
							      skb->skb_iif);
	} else {
		ep->addr.sa_family = AF_UNSPEC;
	}
}
