// SPDX-License-Identifier: GPL-2.0
/*
 * The "ptun" generic netlink family; Documentation/netlink/specs/ptun.yaml
 * is the contract (uapi/linux/ptun.h is generated from it).
 *
 * SET is all or nothing: the request is parsed, checked and every object
 * it needs (peer, allowed-IPs set, derived public key) is built before the
 * device lock is taken; under the lock only checks against the current
 * state can still fail, and they run before the first change.
 *
 * Lock order: genl_mutex (the family is not parallel_ops), RTNL, then
 * ptun->lock. GET takes RTNL so that a device's name, index and namespace
 * cannot change while it is described.
 */

#include <crypto/curve25519.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/if.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/string.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "allowedips.h"
#include "crypt.h"
#include "device.h"
#include "endpoint.h"
#include "events.h"
#include "handshake.h"
#include "netlink.h"
#include "peer.h"
#include "socket.h"
#include "stats.h"
#include "timers.h"

static const struct nla_policy
ptun_allowed_ip_policy[PTUN_A_ALLOWED_IP_MAX + 1] = {
	/* family and address length are checked by hand for clearer errors */
	[PTUN_A_ALLOWED_IP_FAMILY]	= { .type = NLA_U16 },
	[PTUN_A_ALLOWED_IP_ADDR]	= { .type = NLA_BINARY,
					    .len = sizeof(struct in6_addr) },
	[PTUN_A_ALLOWED_IP_PREFIX_LEN]	= { .type = NLA_U8 },
};

static const struct nla_policy
ptun_endpoint_policy[PTUN_A_ENDPOINT_MAX + 1] = {
	[PTUN_A_ENDPOINT_IPV4]		= NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[PTUN_A_ENDPOINT_IPV6]		= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[PTUN_A_ENDPOINT_PORT]		= NLA_POLICY_MIN(NLA_U16, 1),
	[PTUN_A_ENDPOINT_STATE]		= { .type = NLA_REJECT,
					    .reject_message = "endpoint state is read-only" },
};

static const struct nla_policy ptun_peer_policy[PTUN_A_PEER_MAX + 1] = {
	[PTUN_A_PEER_PUBLIC_KEY]	= NLA_POLICY_EXACT_LEN(PTUN_KEY_LEN),
	[PTUN_A_PEER_PRESHARED_KEY]	= NLA_POLICY_EXACT_LEN(PTUN_KEY_LEN),
	[PTUN_A_PEER_FLAGS]		= { .type = NLA_REJECT,
					    .reject_message = "peer flags are read-only" },
	[PTUN_A_PEER_ENDPOINT_IPV4]	= NLA_POLICY_EXACT_LEN(sizeof(__be32)),
	[PTUN_A_PEER_ENDPOINT_IPV6]	= NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[PTUN_A_PEER_ENDPOINT_PORT]	= NLA_POLICY_MIN(NLA_U16, 1),
	[PTUN_A_PEER_PERSISTENT_KEEPALIVE] = { .type = NLA_U16 },
	[PTUN_A_PEER_ALLOWED_IPS]	= NLA_POLICY_NESTED_ARRAY(ptun_allowed_ip_policy),
	[PTUN_A_PEER_ENDPOINT_NAME]	= { .type = NLA_NUL_STRING,
					    .len = PTUN_ENDPOINT_NAME_MAX_LEN },
	[PTUN_A_PEER_ENDPOINTS]		= NLA_POLICY_NESTED_ARRAY(ptun_endpoint_policy),
	[PTUN_A_PEER_FAILOVER_TIMEOUT]	= { .type = NLA_U16 },
	[PTUN_A_PEER_FAILBACK_INTERVAL]	= { .type = NLA_U16 },
};

static const struct nla_policy ptun_device_policy[PTUN_A_DEVICE_MAX + 1] = {
	[PTUN_A_DEVICE_IFINDEX]		= { .type = NLA_U32 },
	[PTUN_A_DEVICE_IFNAME]		= { .type = NLA_NUL_STRING,
					    .len = IFNAMSIZ - 1 },
	[PTUN_A_DEVICE_PRIVATE_KEY]	= NLA_POLICY_EXACT_LEN(PTUN_KEY_LEN),
	[PTUN_A_DEVICE_PUBLIC_KEY]	= { .type = NLA_REJECT,
					    .reject_message = "public key is read-only" },
	[PTUN_A_DEVICE_LISTEN_PORT]	= { .type = NLA_U16 },
	[PTUN_A_DEVICE_CIPHER]		= NLA_POLICY_RANGE(NLA_U16,
							   PTUN_CIPHER_AES_256_GCM,
							   PTUN_CIPHER_MAX),
	[PTUN_A_DEVICE_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
							  PTUN_DEVICE_F_MASK),
	[PTUN_A_DEVICE_PEER]		= NLA_POLICY_NESTED(ptun_peer_policy),
	[PTUN_A_DEVICE_STATS]		= { .type = NLA_REJECT,
					    .reject_message = "counters are read-only" },
	[PTUN_A_DEVICE_MSS_CLAMP]	= { .type = NLA_U16 },
	[PTUN_A_DEVICE_MODULE_VERSION]	= { .type = NLA_REJECT,
					    .reject_message = "module version is read-only" },
	[PTUN_A_DEVICE_LINK_STATE]	= NLA_POLICY_MAX(NLA_U8,
							 PTUN_LINK_STATE_MAX),
};

/*
 * Finds the device a request names, with a reference held. Returns an
 * ERR_PTR with extack set when the request names none, an unknown device
 * or a device of another kind.
 */
static struct net_device *lookup_device(struct net *net, struct nlattr **attrs,
					struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[PTUN_A_DEVICE_IFINDEX];
	struct nlattr *ifname = attrs[PTUN_A_DEVICE_IFNAME];
	struct net_device *dev;

	if (ifindex && ifname) {
		NL_SET_ERR_MSG_ATTR(extack, ifname,
				    "give either ifindex or ifname, not both");
		return ERR_PTR(-EINVAL);
	}
	if (ifindex) {
		dev = dev_get_by_index(net, nla_get_u32(ifindex));
	} else if (ifname) {
		dev = dev_get_by_name(net, nla_data(ifname));
	} else {
		NL_SET_ERR_MSG(extack, "device ifindex or ifname required");
		NL_SET_ERR_ATTR_MISS(extack, NULL, PTUN_A_DEVICE_IFINDEX);
		return ERR_PTR(-EINVAL);
	}
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (!ptun_device_from_netdev(dev)) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: ifname,
				    "not a ptun device");
		dev_put(dev);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return dev;
}

static int fill_stats(struct sk_buff *skb, struct ptun_device *ptun)
{
	struct rtnl_link_stats64 link = {};
	struct ptun_stats_snapshot snap;
	struct nlattr *nest;
	int i;

	dev_fetch_sw_netstats(&link, ptun->dev->tstats);
	ptun_stats_read(ptun, &snap);

	nest = nla_nest_start(skb, PTUN_A_DEVICE_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, PTUN_A_STATS_RX_PACKETS, link.rx_packets,
			      PTUN_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PTUN_A_STATS_RX_BYTES, link.rx_bytes,
			      PTUN_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PTUN_A_STATS_TX_PACKETS, link.tx_packets,
			      PTUN_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PTUN_A_STATS_TX_BYTES, link.tx_bytes,
			      PTUN_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PTUN_A_STATS_HANDSHAKES, snap.handshakes,
			      PTUN_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PTUN_A_STATS_LAST_HANDSHAKE,
			      snap.last_handshake_ns, PTUN_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, PTUN_A_STATS_EVENTS_SUPPRESSED,
			      ptun_events_suppressed(ptun), PTUN_A_STATS_PAD))
		goto err_cancel;
	for (i = 0; i < PTUN_STATS_NR_DROPS; i++)
		if (nla_put_u64_64bit(skb, ptun_stats_drop_attr(i),
				      snap.drops[i], PTUN_A_STATS_PAD))
			goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * Writes the allowed IPs from index *@pos on, and sets *@pos past the last
 * one written. With @partial, as many as fit; without, all or -EMSGSIZE.
 */
static int fill_allowed_ips(struct sk_buff *skb,
			    const struct ptun_allowedips *set,
			    unsigned int *pos, bool partial)
{
	unsigned int i, count = ptun_allowedips_count(set);
	struct nlattr *list, *entry;

	list = nla_nest_start(skb, PTUN_A_PEER_ALLOWED_IPS);
	if (!list)
		return -EMSGSIZE;
	for (i = *pos; i < count; i++) {
		const struct ptun_allowedip *ip = set->entries[i];

		entry = nla_nest_start(skb, PTUN_A_ALLOWED_IP);
		if (!entry)
			break;
		if (nla_put_u16(skb, PTUN_A_ALLOWED_IP_FAMILY, ip->family) ||
		    nla_put(skb, PTUN_A_ALLOWED_IP_ADDR,
			    ptun_allowedips_addr_len(ip->family), &ip->key) ||
		    nla_put_u8(skb, PTUN_A_ALLOWED_IP_PREFIX_LEN, ip->cidr)) {
			nla_nest_cancel(skb, entry);
			break;
		}
		nla_nest_end(skb, entry);
	}
	if (i < count && !partial) {
		nla_nest_cancel(skb, list);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, list);
	*pos = i;
	return 0;
}

static int fill_endpoint(struct sk_buff *skb, struct ptun_peer *peer)
{
	struct ptun_endpoint ep;

	ptun_peer_get_endpoint(peer, &ep);
	switch (ep.addr.sa_family) {
	case AF_INET:
		if (nla_put_in_addr(skb, PTUN_A_PEER_ENDPOINT_IPV4,
				    ep.addr4.sin_addr.s_addr) ||
		    nla_put_u16(skb, PTUN_A_PEER_ENDPOINT_PORT,
				ntohs(ep.addr4.sin_port)))
			return -EMSGSIZE;
		break;
	case AF_INET6:
		if (nla_put_in6_addr(skb, PTUN_A_PEER_ENDPOINT_IPV6,
				     &ep.addr6.sin6_addr) ||
		    nla_put_u16(skb, PTUN_A_PEER_ENDPOINT_PORT,
				ntohs(ep.addr6.sin6_port)))
			return -EMSGSIZE;
		break;
	}
	return 0;
}

static int fill_candidates(struct sk_buff *skb, struct ptun_peer *peer)
{
	struct ptun_endpoint list[PTUN_ENDPOINTS_MAX];
	u8 states[PTUN_ENDPOINTS_MAX];
	struct nlattr *nest, *entry;
	unsigned int i, count;

	count = ptun_endpoint_get_candidates(peer, list, states);
	if (nla_put_u16(skb, PTUN_A_PEER_FAILOVER_TIMEOUT,
			ptun_endpoint_failover_timeout(peer)) ||
	    nla_put_u16(skb, PTUN_A_PEER_FAILBACK_INTERVAL,
			ptun_endpoint_failback_interval(peer)))
		return -EMSGSIZE;
	if (!count)
		return 0;
	nest = nla_nest_start(skb, PTUN_A_PEER_ENDPOINTS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < count; i++) {
		const struct ptun_endpoint *ep = &list[i];
		bool v4 = ep->addr.sa_family == AF_INET;

		entry = nla_nest_start(skb, PTUN_A_ENDPOINTS_ENTRY);
		if (!entry)
			goto err_cancel;
		if ((v4 ? nla_put_in_addr(skb, PTUN_A_ENDPOINT_IPV4,
					  ep->addr4.sin_addr.s_addr) :
			  nla_put_in6_addr(skb, PTUN_A_ENDPOINT_IPV6,
					   &ep->addr6.sin6_addr)) ||
		    nla_put_u16(skb, PTUN_A_ENDPOINT_PORT,
				ntohs(v4 ? ep->addr4.sin_port :
					   ep->addr6.sin6_port)) ||
		    nla_put_u8(skb, PTUN_A_ENDPOINT_STATE, states[i]))
			goto err_cancel;
		nla_nest_end(skb, entry);
	}
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * The peer, with its allowed IPs from *@pos on (see fill_allowed_ips());
 * a continuation (*@pos > 0) carries the public key and allowed IPs only.
 */
static int fill_peer(struct sk_buff *skb, struct ptun_device *ptun,
		     unsigned int *pos, bool partial)
{
	struct ptun_peer *peer;
	struct nlattr *nest;
	u32 flags = 0;

	lockdep_assert_held(&ptun->lock);
	peer = rcu_dereference_protected(ptun->peer,
					 lockdep_is_held(&ptun->lock));
	if (!peer) {
		*pos = 0;
		return 0;
	}
	if (peer->has_preshared_key)
		flags |= PTUN_PEER_F_HAS_PRESHARED_KEY;

	nest = nla_nest_start(skb, PTUN_A_DEVICE_PEER);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put(skb, PTUN_A_PEER_PUBLIC_KEY, PTUN_KEY_LEN,
		    peer->public_key))
		goto err_cancel;
	if (!*pos &&
	    (nla_put_u32(skb, PTUN_A_PEER_FLAGS, flags) ||
	     fill_endpoint(skb, peer) ||
	     nla_put_u16(skb, PTUN_A_PEER_PERSISTENT_KEEPALIVE,
			 peer->keepalive) ||
	     fill_candidates(skb, peer)))
		goto err_cancel;
	if (!*pos && peer->endpoint_name[0] &&
	    nla_put_string(skb, PTUN_A_PEER_ENDPOINT_NAME,
			   peer->endpoint_name))
		goto err_cancel;
	if (fill_allowed_ips(skb, ptun_peer_allowedips_locked(peer), pos,
			     partial))
		goto err_cancel;
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* Dump cursor in cb->args[]. */
enum {
	DUMP_ARG_SENT,		/* ptun devices of the namespace already sent */
	DUMP_ARG_IFINDEX,	/* the only device to describe, 0 for all */
	DUMP_ARG_STARTED,	/* the request's selector was resolved */
	DUMP_ARG_AIP_POS,	/* next allowed IP of a device begun, else 0 */
	DUMP_ARG_CONFIG_GEN,	/* ptun->config_gen when that device began */
};

/*
 * A "do" reply (@cb NULL) describes the device whole or fails. A dump
 * message describes it from allowed IP cb->args[DUMP_ARG_AIP_POS] on, as
 * many as fit, and leaves there where the next message is to go on (0
 * when the device is done).
 */
static int fill_device(struct sk_buff *skb, struct ptun_device *ptun,
		       u32 portid, u32 seq, int flags,
		       struct netlink_callback *cb)
{
	struct net_device *dev = ptun->dev;
	unsigned int start = 0, pos;
	void *hdr;
	int ret;

	ASSERT_RTNL();
	hdr = genlmsg_put(skb, portid, seq, &ptun_genl_family, flags,
			  PTUN_CMD_GET_DEVICE);
	if (!hdr)
		return -EMSGSIZE;
	if (cb) {
		genl_dump_check_consistent(cb, hdr);
		start = cb->args[DUMP_ARG_AIP_POS];
	}
	pos = start;

	mutex_lock(&ptun->lock);
	if (start && cb->args[DUMP_ARG_CONFIG_GEN] != ptun->config_gen) {
		struct nlmsghdr *nlh = hdr - GENL_HDRLEN - NLMSG_HDRLEN;

		/* the list being continued is not the one begun */
		nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	}
	ret = -EMSGSIZE;
	if (nla_put_u32(skb, PTUN_A_DEVICE_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, PTUN_A_DEVICE_IFNAME, dev->name))
		goto err_unlock;
	if (!start) {
		if (nla_put_u16(skb, PTUN_A_DEVICE_LISTEN_PORT,
				ptun->listen_port) ||
		    nla_put_u16(skb, PTUN_A_DEVICE_CIPHER, ptun->cipher) ||
		    nla_put_u16(skb, PTUN_A_DEVICE_MSS_CLAMP, ptun->mss_clamp) ||
		    nla_put_u8(skb, PTUN_A_DEVICE_LINK_STATE, ptun->link_state) ||
		    nla_put_string(skb, PTUN_A_DEVICE_MODULE_VERSION,
				   PTUN_VERSION))
			goto err_unlock;
		if (ptun->has_private_key &&
		    nla_put(skb, PTUN_A_DEVICE_PUBLIC_KEY, PTUN_KEY_LEN,
			    ptun->public_key))
			goto err_unlock;
		ret = fill_stats(skb, ptun);
		if (ret)
			goto err_unlock;
	}
	ret = fill_peer(skb, ptun, &pos, cb);
	if (ret)
		goto err_unlock;
	if (cb) {
		struct ptun_peer *peer;
		unsigned int count;

		peer = rcu_dereference_protected(ptun->peer,
						 lockdep_is_held(&ptun->lock));
		count = peer ?
			ptun_allowedips_count(ptun_peer_allowedips_locked(peer)) :
			0;
		/* no allowed IP fit: the next message has more room */
		ret = -EMSGSIZE;
		if (pos == start && pos < count)
			goto err_unlock;
		if (!start)
			cb->args[DUMP_ARG_CONFIG_GEN] = ptun->config_gen;
		cb->args[DUMP_ARG_AIP_POS] = pos < count ? pos : 0;
	}
	mutex_unlock(&ptun->lock);

	genlmsg_end(skb, hdr);
	return 0;

err_unlock:
	mutex_unlock(&ptun->lock);
	genlmsg_cancel(skb, hdr);
	return ret;
}

static int ptun_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct net_device *dev;
	struct sk_buff *msg;
	int ret;

	dev = lookup_device(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out_put_dev;
	}
	rtnl_lock();
	ret = fill_device(msg, netdev_priv(dev), info->snd_portid,
			  info->snd_seq, 0, NULL);
	rtnl_unlock();
	if (ret) {
		NL_SET_ERR_MSG(info->extack,
			       "the device does not fit one message (long allowed IPs list): dump it");
		nlmsg_free(msg);
		goto out_put_dev;
	}
	ret = genlmsg_reply(msg, info);

out_put_dev:
	dev_put(dev);
	return ret;
}

/*
 * genl_dumpit_info() changed shape between the kernels ptun supports;
 * parsing the (already validated) request again needs no version checks.
 */
static int dump_resolve_selector(struct net *net, struct netlink_callback *cb)
{
	struct nlattr *attrs[PTUN_A_DEVICE_MAX + 1];
	struct net_device *dev;
	int ret;

	ret = nlmsg_parse(cb->nlh, GENL_HDRLEN, attrs, PTUN_A_DEVICE_MAX,
			  ptun_device_policy, cb->extack);
	if (ret)
		return ret;
	if (!attrs[PTUN_A_DEVICE_IFINDEX] && !attrs[PTUN_A_DEVICE_IFNAME])
		return 0;
	dev = lookup_device(net, attrs, cb->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	cb->args[DUMP_ARG_IFINDEX] = dev->ifindex;
	dev_put(dev);
	return 0;
}

static int ptun_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct ptun_device *ptun;
	struct net_device *dev;
	long sent = 0;
	int ret = 0;

	if (!cb->args[DUMP_ARG_STARTED]) {
		ret = dump_resolve_selector(net, cb);
		if (ret)
			return ret;
		cb->args[DUMP_ARG_STARTED] = 1;
	}

	rtnl_lock();
	cb->seq = net->dev_base_seq;
	for_each_netdev(net, dev) {
		ptun = ptun_device_from_netdev(dev);
		if (!ptun)
			continue;
		if (cb->args[DUMP_ARG_IFINDEX] &&
		    dev->ifindex != cb->args[DUMP_ARG_IFINDEX])
			continue;
		if (sent < cb->args[DUMP_ARG_SENT]) {
			sent++;
			continue;
		}
		ret = fill_device(skb, ptun, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (ret)
			break;
		/* the rest of its allowed IPs go on in the next message */
		if (cb->args[DUMP_ARG_AIP_POS])
			break;
		sent++;
	}
	rtnl_unlock();
	cb->args[DUMP_ARG_SENT] = sent;

	/* a device that does not fit even an empty message is an error */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

/* Everything a SET needs, prepared before the device is touched. */
struct set_request {
	const struct sk_buff *skb;	/* the request, for its sender's rights */
	struct nlattr **attrs;
	struct nlattr *peer[PTUN_A_PEER_MAX + 1];
	u32 flags;
	bool set_private_key;
	u8 private_key[PTUN_KEY_LEN];	/* clamped; all zeros: remove */
	u8 public_key[PTUN_KEY_LEN];
	/* a fresh peer, used if the request names a new public key */
	struct ptun_peer *new_peer;
	/* the new candidate endpoints, when set_endpoint */
	bool set_endpoint;
	unsigned int endpoint_count;
	struct ptun_endpoint endpoints[PTUN_ENDPOINTS_MAX];
	/* the new allowed IPs (NULL: empty) when set_allowed_ips */
	bool set_allowed_ips;
	struct ptun_allowedips *allowed_ips;
	/* the sender, which a multi-message SET is tied to */
	u32 portid;
	u64 net_cookie;
	/* ptun->aips_epoch when the staged allowed IPs were taken */
	unsigned int epoch;
	/* the handshake keys the target peer will have (NULL: none) */
	struct ptun_peer_keys *keys;
	/* the sockets were moved to the new listen port already */
	bool port_bound;
};

static int prepare_private_key(struct set_request *req,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *attr = req->attrs[PTUN_A_DEVICE_PRIVATE_KEY];

	if (!attr)
		return 0;
	req->set_private_key = true;
	memcpy(req->private_key, nla_data(attr), PTUN_KEY_LEN);
	if (!memchr_inv(req->private_key, 0, PTUN_KEY_LEN))
		return 0;
	curve25519_clamp_secret(req->private_key);
	if (!curve25519_generate_public(req->public_key, req->private_key)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "private key does not yield a usable public key");
		return -EINVAL;
	}
	return 0;
}

static int check_mss_clamp(struct set_request *req,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *attr = req->attrs[PTUN_A_DEVICE_MSS_CLAMP];
	u16 v;

	if (!attr)
		return 0;
	v = nla_get_u16(attr);
	if (v == PTUN_MSS_CLAMP_OFF || v == PTUN_MSS_CLAMP_AUTO ||
	    v >= PTUN_MSS_CLAMP_MIN)
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "MSS clamp must be 0 (off), 1 (auto) or 536-65535 bytes");
	return -EINVAL;
}

static int prepare_cipher(struct set_request *req,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *attr = req->attrs[PTUN_A_DEVICE_CIPHER];

	if (!attr)
		return 0;
	if (!ptun_crypt_cipher_available(nla_get_u16(attr))) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "cipher not available in this kernel");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * An endpoint is the unicast address of another host: the unspecified
 * address, loopback, multicast, the limited broadcast and IPv4-mapped
 * IPv6 (the IPv6 socket is V6ONLY) cannot reach a peer.
 */
static int check_endpoint(const struct ptun_endpoint *ep,
			  const struct nlattr *attr,
			  struct netlink_ext_ack *extack)
{
	const struct in6_addr *a6 = &ep->addr6.sin6_addr;
	__be32 a4 = ep->addr4.sin_addr.s_addr;

	if (ep->addr.sa_family == AF_INET) {
		if (!a4)
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "endpoint address is unspecified (0.0.0.0)");
		else if (ipv4_is_loopback(a4))
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "endpoint address is loopback");
		else if (ipv4_is_multicast(a4))
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "endpoint address is multicast");
		else if (ipv4_is_lbcast(a4))
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "endpoint address is the broadcast address");
		else
			return 0;
		return -EINVAL;
	}
	if (ipv6_addr_any(a6))
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "endpoint address is unspecified (::)");
	else if (ipv6_addr_loopback(a6))
		NL_SET_ERR_MSG_ATTR(extack, attr, "endpoint address is loopback");
	else if (ipv6_addr_is_multicast(a6))
		NL_SET_ERR_MSG_ATTR(extack, attr, "endpoint address is multicast");
	else if (ipv6_addr_v4mapped(a6))
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "endpoint address is IPv4-mapped: give the IPv4 address");
	else
		return 0;
	return -EINVAL;
}

/* One of @v4 or @v6, and @port, both present: @ep, if it is one. */
static int endpoint_from_attrs(struct ptun_endpoint *ep,
			       const struct nlattr *v4, const struct nlattr *v6,
			       const struct nlattr *port,
			       struct netlink_ext_ack *extack)
{
	memset(ep, 0, sizeof(*ep));
	if (v4) {
		ep->addr4.sin_family = AF_INET;
		ep->addr4.sin_addr.s_addr = nla_get_in_addr(v4);
		ep->addr4.sin_port = htons(nla_get_u16(port));
	} else {
		ep->addr6.sin6_family = AF_INET6;
		ep->addr6.sin6_addr = nla_get_in6_addr(v6);
		ep->addr6.sin6_port = htons(nla_get_u16(port));
	}
	return check_endpoint(ep, v4 ?: v6, extack);
}

/*
 * The name is only kept for user space to resolve again, but it is printed
 * by every tool that shows the device, into terminals and JSON: hold it to
 * the characters of a host name (ASCII only: the kernel's ctype also calls
 * Latin-1 letters alphanumeric).
 */
static bool host_name(const char *name)
{
	const unsigned char *c;

	for (c = name; *c; c++)
		if (!isascii(*c) ||
		    (!isalnum(*c) && *c != '-' && *c != '.' && *c != '_'))
			return false;
	return true;
}

static int prepare_endpoint(struct set_request *req,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *v4 = req->peer[PTUN_A_PEER_ENDPOINT_IPV4];
	struct nlattr *v6 = req->peer[PTUN_A_PEER_ENDPOINT_IPV6];
	struct nlattr *name = req->peer[PTUN_A_PEER_ENDPOINT_NAME];
	struct nlattr *port = req->peer[PTUN_A_PEER_ENDPOINT_PORT];
	struct ptun_endpoint *ep = &req->endpoints[0];
	int ret;

	if (name && !v4 && !v6) {
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "endpoint name without an endpoint address");
		return -EINVAL;
	}
	if (name && !*(const char *)nla_data(name)) {
		NL_SET_ERR_MSG_ATTR(extack, name, "endpoint name is empty");
		return -EINVAL;
	}
	if (name && !host_name(nla_data(name))) {
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "endpoint name is not a host name");
		return -EINVAL;
	}
	if (v4 && v6) {
		NL_SET_ERR_MSG_ATTR(extack, v6,
				    "endpoint is either IPv4 or IPv6, not both");
		return -EINVAL;
	}
	if (!v4 && !v6) {
		if (port) {
			NL_SET_ERR_MSG_ATTR(extack, port,
					    "endpoint port without an address");
			return -EINVAL;
		}
		return 0;
	}
	if (!port) {
		NL_SET_ERR_MSG_ATTR(extack, v4 ?: v6,
				    "endpoint address without a port");
		return -EINVAL;
	}

	ret = endpoint_from_attrs(ep, v4, v6, port, extack);
	if (ret)
		return ret;
	req->set_endpoint = true;
	req->endpoint_count = 1;
	return 0;
}

static int parse_candidate(struct ptun_endpoint *ep, const struct nlattr *entry,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PTUN_A_ENDPOINT_MAX + 1];
	struct nlattr *v4, *v6, *port;
	int ret;

	ret = nla_parse_nested(tb, PTUN_A_ENDPOINT_MAX, entry,
			       ptun_endpoint_policy, extack);
	if (ret)
		return ret;
	v4 = tb[PTUN_A_ENDPOINT_IPV4];
	v6 = tb[PTUN_A_ENDPOINT_IPV6];
	port = tb[PTUN_A_ENDPOINT_PORT];
	if (v4 && v6) {
		NL_SET_ERR_MSG_ATTR(extack, v6,
				    "candidate endpoint is either IPv4 or IPv6, not both");
		return -EINVAL;
	}
	if (!v4 && !v6) {
		NL_SET_ERR_MSG_ATTR(extack, entry,
				    "candidate endpoint without an address");
		return -EINVAL;
	}
	if (!port) {
		NL_SET_ERR_MSG_ATTR(extack, entry,
				    "candidate endpoint without a port");
		return -EINVAL;
	}
	return endpoint_from_attrs(ep, v4, v6, port, extack);
}

/* The candidate list replaces the single endpoint attributes' list of one. */
static int prepare_candidates(struct set_request *req,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *list = req->peer[PTUN_A_PEER_ENDPOINTS];
	const struct nlattr *entry;
	unsigned int i, count = 0;
	int rem, ret;

	if (!list)
		return 0;
	if (req->set_endpoint) {
		NL_SET_ERR_MSG_ATTR(extack, list,
				    "give either the endpoint list or endpoint-ipv4/-ipv6, not both");
		return -EINVAL;
	}
	nla_for_each_nested(entry, list, rem) {
		struct ptun_endpoint *ep = &req->endpoints[count];

		if (nla_type(entry) != PTUN_A_ENDPOINTS_ENTRY) {
			NL_SET_ERR_MSG_ATTR(extack, entry,
					    "endpoint list holds only PTUN_A_ENDPOINTS_ENTRY");
			return -EINVAL;
		}
		if (count == PTUN_ENDPOINTS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, entry,
					    "more than 8 candidate endpoints (PTUN_ENDPOINTS_MAX)");
			return -E2BIG;
		}
		ret = parse_candidate(ep, entry, extack);
		if (ret)
			return ret;
		for (i = 0; i < count; i++) {
			if (!memcmp(&req->endpoints[i], ep, sizeof(*ep))) {
				NL_SET_ERR_MSG_ATTR(extack, entry,
						    "candidate endpoint given twice");
				return -EEXIST;
			}
		}
		count++;
	}
	if (!count) {
		NL_SET_ERR_MSG_ATTR(extack, list,
				    "endpoint list is empty: give at least one candidate");
		return -EINVAL;
	}
	req->set_endpoint = true;
	req->endpoint_count = count;
	return 0;
}

static int add_allowed_ip(struct ptun_allowedips *set,
			  const struct nlattr *entry,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[PTUN_A_ALLOWED_IP_MAX + 1];
	struct nlattr *family, *addr, *prefix;
	unsigned int len;
	int ret;

	ret = nla_parse_nested(tb, PTUN_A_ALLOWED_IP_MAX, entry,
			       ptun_allowed_ip_policy, extack);
	if (ret)
		return ret;
	if (NL_REQ_ATTR_CHECK(extack, entry, tb, PTUN_A_ALLOWED_IP_FAMILY) ||
	    NL_REQ_ATTR_CHECK(extack, entry, tb, PTUN_A_ALLOWED_IP_ADDR) ||
	    NL_REQ_ATTR_CHECK(extack, entry, tb,
			      PTUN_A_ALLOWED_IP_PREFIX_LEN)) {
		NL_SET_ERR_MSG(extack,
			       "allowed IP needs family, address and prefix length");
		return -EINVAL;
	}
	family = tb[PTUN_A_ALLOWED_IP_FAMILY];
	addr = tb[PTUN_A_ALLOWED_IP_ADDR];
	prefix = tb[PTUN_A_ALLOWED_IP_PREFIX_LEN];

	len = ptun_allowedips_addr_len(nla_get_u16(family));
	if (!len) {
		NL_SET_ERR_MSG_ATTR(extack, family,
				    "allowed IP family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (nla_len(addr) != len) {
		NL_SET_ERR_MSG_ATTR(extack, addr,
				    "allowed IP address length does not match its family");
		return -EINVAL;
	}

	ret = ptun_allowedips_add(set, nla_get_u16(family), nla_data(addr),
				  nla_get_u8(prefix));
	switch (ret) {
	case 0:
		break;
	case -ERANGE:
		NL_SET_ERR_MSG_ATTR(extack, prefix,
				    "allowed IP prefix length too long for its family");
		return -EINVAL;
	case -EINVAL:
		NL_SET_ERR_MSG_ATTR(extack, addr,
				    "allowed IP has host bits set below its prefix length");
		return -EINVAL;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(extack, entry, "duplicate allowed IP");
		return -EEXIST;
	default:
		NL_SET_ERR_MSG_ATTR(extack, entry, "cannot add allowed IP");
		return ret;
	}
	return 0;
}

/*
 * The new allowed IPs, built off-line: from scratch, or after the entries
 * staged by earlier messages (req->allowed_ips already) when the request
 * continues them.
 */
static int prepare_allowed_ips(struct set_request *req,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *list = req->peer[PTUN_A_PEER_ALLOWED_IPS];
	unsigned int count = 0, have, max;
	const struct nlattr *entry;
	int rem, ret;

	if (!list) {
		/* the last message of a long list may bring no entry */
		req->set_allowed_ips = req->flags &
				       PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE;
		return 0;
	}
	nla_for_each_nested(entry, list, rem) {
		if (nla_type(entry) != PTUN_A_ALLOWED_IP) {
			NL_SET_ERR_MSG_ATTR(extack, entry,
					    "allowed IPs list holds only PTUN_A_ALLOWED_IP");
			return -EINVAL;
		}
		count++;
	}
	have = ptun_allowedips_count(req->allowed_ips);
	max = req->allowed_ips ? req->allowed_ips->max :
	      READ_ONCE(ptun_max_allowed_ips);
	if (count > max - have) {
		NL_SET_ERR_MSG_ATTR(extack, list,
				    "too many allowed IPs (module parameter max_allowed_ips)");
		return -E2BIG;
	}
	req->set_allowed_ips = true;
	/* a staged list exists even while empty, for the next message */
	if (!count && !(req->flags & PTUN_DEVICE_F_ALLOWED_IPS_MORE))
		return 0;

	if (!req->allowed_ips) {
		req->allowed_ips = ptun_allowedips_alloc(max);
		if (!req->allowed_ips)
			return -ENOMEM;
	}
	nla_for_each_nested(entry, list, rem) {
		ret = add_allowed_ip(req->allowed_ips, entry, extack);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A message of a long list (PTUN_DEVICE_F_ALLOWED_IPS_MORE) is staged, not
 * applied: it may carry allowed IPs only, as everything else of the SET is
 * applied with the last message.
 */
static int check_staging(struct set_request *req,
			 struct netlink_ext_ack *extack)
{
	struct nlattr **attrs = req->attrs;
	struct nlattr *nest = attrs[PTUN_A_DEVICE_PEER];
	int i;

	if (req->flags & PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE && !nest) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[PTUN_A_DEVICE_FLAGS],
				    "continued allowed IPs need the peer nest");
		NL_SET_ERR_ATTR_MISS(extack, NULL, PTUN_A_DEVICE_PEER);
		return -EINVAL;
	}
	if (!(req->flags & PTUN_DEVICE_F_ALLOWED_IPS_MORE))
		return 0;
	if (req->flags & PTUN_DEVICE_F_REMOVE_PEER) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[PTUN_A_DEVICE_FLAGS],
				    "removing the peer goes with the last message of a long allowed IPs list");
		return -EINVAL;
	}
	for (i = PTUN_A_DEVICE_PRIVATE_KEY; i <= PTUN_A_DEVICE_MAX; i++) {
		if (!attrs[i] || i == PTUN_A_DEVICE_FLAGS ||
		    i == PTUN_A_DEVICE_PEER)
			continue;
		NL_SET_ERR_MSG_ATTR(extack, attrs[i],
				    "a SET with more allowed IPs to follow carries only allowed IPs: send this with the last message");
		return -EINVAL;
	}
	if (!nest || !req->peer[PTUN_A_PEER_ALLOWED_IPS]) {
		NL_SET_ERR_MSG_ATTR(extack, nest ?: attrs[PTUN_A_DEVICE_FLAGS],
				    "a SET with more allowed IPs to follow needs allowed IPs");
		if (nest)
			NL_SET_ERR_ATTR_MISS(extack, nest,
					     PTUN_A_PEER_ALLOWED_IPS);
		else
			NL_SET_ERR_ATTR_MISS(extack, NULL, PTUN_A_DEVICE_PEER);
		return -EINVAL;
	}
	for (i = PTUN_A_PEER_PUBLIC_KEY; i <= PTUN_A_PEER_MAX; i++) {
		if (!req->peer[i] || i == PTUN_A_PEER_ALLOWED_IPS)
			continue;
		NL_SET_ERR_MSG_ATTR(extack, req->peer[i],
				    "a SET with more allowed IPs to follow carries only allowed IPs: send this with the last message");
		return -EINVAL;
	}
	return 0;
}

/*
 * Every SET of the device takes the staged allowed IPs off it: a request
 * that continues them (from the socket that staged them) owns them from
 * now on, any other request throws them away. Returns -ENOENT if the
 * request continues a list that is not there.
 */
static int take_staged(struct ptun_device *ptun, struct set_request *req,
		       struct netlink_ext_ack *extack)
{
	struct ptun_allowedips *staged;
	bool ours;

	mutex_lock(&ptun->lock);
	staged = ptun->aips_staged;
	ptun->aips_staged = NULL;
	ours = staged && ptun->aips_staged_portid == req->portid &&
	       ptun->aips_staged_net == req->net_cookie;
	req->epoch = ptun->aips_epoch;
	mutex_unlock(&ptun->lock);

	if (!(req->flags & PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE)) {
		ptun_allowedips_free(staged);
		return 0;
	}
	if (!ours) {
		ptun_allowedips_free(staged);
		NL_SET_ERR_MSG_ATTR(extack, req->attrs[PTUN_A_DEVICE_FLAGS],
				    "no allowed IPs staged by this socket on this device to continue");
		return -ENOENT;
	}
	/* the entries of this message go after the staged ones */
	req->allowed_ips = staged;
	return 0;
}

/* Keeps a message's allowed IPs for the next one; the device is untouched. */
static int put_staged(struct ptun_device *ptun, struct set_request *req,
		      struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&ptun->lock);
	if (req->epoch != ptun->aips_epoch) {
		NL_SET_ERR_MSG(extack,
			       "the device went down: the staged allowed IPs are gone, send them again");
		return -EAGAIN;
	}
	ptun->aips_staged = req->allowed_ips;
	ptun->aips_staged_portid = req->portid;
	ptun->aips_staged_net = req->net_cookie;
	req->allowed_ips = NULL;
	return 0;
}

/*
 * A point of small order (all zeros among them) has no shared secret with
 * any private key: X25519 of it and a clamped scalar, a multiple of the
 * cofactor 8, is zero. Known without the device's private key, which may
 * come later or never.
 */
static bool low_order_point(const u8 key[PTUN_KEY_LEN])
{
	static const u8 scalar[CURVE25519_KEY_SIZE] = { 8 };
	u8 out[CURVE25519_KEY_SIZE];
	bool low;

	low = !curve25519(out, scalar, key);
	memzero_explicit(out, sizeof(out));
	return low;
}

static int prepare_peer(struct set_request *req,
			struct netlink_ext_ack *extack)
{
	struct nlattr *nest = req->attrs[PTUN_A_DEVICE_PEER];
	struct nlattr *key;
	int ret;

	if (!nest)
		return check_staging(req, extack);
	ret = nla_parse_nested(req->peer, PTUN_A_PEER_MAX, nest,
			       ptun_peer_policy, extack);
	if (ret)
		return ret;
	ret = check_staging(req, extack);
	if (ret)
		return ret;

	key = req->peer[PTUN_A_PEER_PUBLIC_KEY];
	if (key) {
		if (!memchr_inv(nla_data(key), 0, PTUN_KEY_LEN)) {
			NL_SET_ERR_MSG_ATTR(extack, key,
					    "peer public key is all zeros");
			return -EINVAL;
		}
		if (low_order_point(nla_data(key))) {
			NL_SET_ERR_MSG_ATTR(extack, key,
					    "peer public key is a low-order point: no shared secret with any private key");
			return -EINVAL;
		}
		req->new_peer = ptun_peer_create(nla_data(key), GFP_KERNEL);
		if (!req->new_peer)
			return -ENOMEM;
	}
	ret = prepare_endpoint(req, extack);
	if (ret)
		return ret;
	ret = prepare_candidates(req, extack);
	if (ret)
		return ret;
	return prepare_allowed_ips(req, extack);
}

/*
 * The handshake keys the peer will have once the request is applied: a
 * Diffie-Hellman computation, done here so that a peer key no handshake
 * can use (a low-order point) is refused before anything changes.
 */
static int prepare_keys(struct ptun_device *ptun, struct set_request *req,
			struct ptun_peer *peer, const u8 *own_key,
			struct netlink_ext_ack *extack)
{
	struct nlattr *psk = req->peer[PTUN_A_PEER_PRESHARED_KEY];
	struct nlattr *cipher = req->attrs[PTUN_A_DEVICE_CIPHER];
	static const u8 none[PTUN_KEY_LEN];
	const u8 *priv;

	lockdep_assert_held(&ptun->lock);
	if (!peer || !own_key)
		return 0;
	priv = req->set_private_key ? req->private_key : ptun->private_key;
	req->keys = ptun_peer_keys_new(priv, peer->public_key,
				       psk ? nla_data(psk) :
				       peer->has_preshared_key ?
				       peer->preshared_key : none,
				       cipher ? nla_get_u16(cipher) :
				       ptun->cipher);
	if (IS_ERR(req->keys)) {
		int ret = PTR_ERR(req->keys);

		req->keys = NULL;
		NL_SET_ERR_MSG_ATTR(extack, req->peer[PTUN_A_PEER_PUBLIC_KEY],
				    "no shared secret with this peer public key (low-order point)");
		return ret;
	}
	return 0;
}

/*
 * The UDP sockets live in the namespace the device was created in, also
 * after the device moved into another one (a container's): choosing their
 * port takes CAP_NET_ADMIN over that namespace, not only over the device's
 * current one, which is all GENL_UNS_ADMIN_PERM checked. Otherwise root of
 * a container could move them to any free port it may bind (the bind
 * checks CAP_NET_BIND_SERVICE of the caller over that namespace), a host
 * service's maybe. Naming the port the device has already changes nothing
 * and needs no more.
 */
static int check_listen_port(struct ptun_device *ptun,
			     struct set_request *req,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *attr = req->attrs[PTUN_A_DEVICE_LISTEN_PORT];
	struct net *underlay = ptun->creating_net;
	u16 port;

	/* the lock keeps @underlay alive: see ptun_net_pre_exit() */
	lockdep_assert_held(&ptun->lock);
	if (!attr)
		return 0;
	port = nla_get_u16(attr);
	if (port && port == ptun->listen_port)
		return 0;
	if (!underlay) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the namespace the device was created in is gone: its listen port cannot change");
		return -EPERM;
	}
	/* the sender's socket and the sender itself, as for every genl op */
	if (!netlink_ns_capable(req->skb, underlay->user_ns, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "changing the listen port needs CAP_NET_ADMIN over the namespace the device was created in");
		return -EPERM;
	}
	return 0;
}

/*
 * The checks that depend on the device's current state. Returns the peer
 * the request's peer attributes apply to (NULL if it has none) through
 * @target.
 */
static int check_against_device(struct ptun_device *ptun,
				struct set_request *req,
				struct ptun_peer **target,
				struct netlink_ext_ack *extack)
{
	struct nlattr *nest = req->attrs[PTUN_A_DEVICE_PEER];
	struct nlattr *key = req->peer[PTUN_A_PEER_PUBLIC_KEY];
	const u8 *own_key = NULL;
	struct ptun_peer *peer;
	int ret;

	lockdep_assert_held(&ptun->lock);
	ret = check_listen_port(ptun, req, extack);
	if (ret)
		return ret;
	peer = rcu_dereference_protected(ptun->peer,
					 lockdep_is_held(&ptun->lock));
	if (req->flags & PTUN_DEVICE_F_REMOVE_PEER)
		peer = NULL;

	*target = peer;
	if (key && (!peer || memcmp(peer->public_key, nla_data(key),
				    PTUN_KEY_LEN)))
		*target = req->new_peer;
	if (nest && !*target) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "no peer configured: the peer public key is required");
		return -ENOENT;
	}

	if (req->set_private_key) {
		if (memchr_inv(req->private_key, 0, PTUN_KEY_LEN))
			own_key = req->public_key;
	} else if (ptun->has_private_key) {
		own_key = ptun->public_key;
	}
	peer = nest ? *target : peer;
	if (own_key && peer &&
	    !memcmp(own_key, peer->public_key, PTUN_KEY_LEN)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    key ?: req->attrs[PTUN_A_DEVICE_PRIVATE_KEY],
				    "peer public key equals the device's own public key");
		return -EINVAL;
	}
	return prepare_keys(ptun, req, peer, own_key, extack);
}

/* Cannot fail: everything was checked and allocated beforehand. */
static void apply_peer(struct ptun_device *ptun, struct set_request *req,
		       struct ptun_peer *peer)
{
	struct nlattr *psk = req->peer[PTUN_A_PEER_PRESHARED_KEY];
	struct nlattr *keepalive = req->peer[PTUN_A_PEER_PERSISTENT_KEEPALIVE];
	struct nlattr *failback = req->peer[PTUN_A_PEER_FAILBACK_INTERVAL];
	struct nlattr *failover = req->peer[PTUN_A_PEER_FAILOVER_TIMEOUT];
	struct nlattr *name = req->peer[PTUN_A_PEER_ENDPOINT_NAME];

	lockdep_assert_held(&ptun->lock);
	if (psk)
		ptun_peer_set_preshared_key(peer, nla_data(psk));
	if (req->set_endpoint) {
		ptun_endpoint_set_candidates(peer, req->endpoints,
					     req->endpoint_count);
		/*
		 * A literal address has no name: drop what an earlier SET
		 * left. A name comes only with a single endpoint.
		 */
		ptun_peer_set_endpoint_name(peer, name ? nla_data(name) : NULL);
		/* a peer we could not reach before may be reachable now */
		if (peer->ptun)
			ptun_handshake_connect(peer);
	}
	if (failover || failback)
		ptun_endpoint_set_timers(peer,
					 failover ? nla_get_u16(failover) :
					 peer->failover_timeout,
					 failback ? nla_get_u16(failback) :
					 peer->failback_interval);
	if (keepalive)
		ptun_peer_set_keepalive(peer, nla_get_u16(keepalive));
	if (req->set_allowed_ips) {
		ptun_peer_set_allowedips(peer, req->allowed_ips);
		req->allowed_ips = NULL;
	}
	/*
	 * Before a new peer is published: the first packet sent to it starts
	 * a handshake, and a peer without keys would throw away the packets
	 * waiting for one instead.
	 */
	ptun_peer_set_keys(peer, req->keys);
	req->keys = NULL;
	if (peer == req->new_peer) {
		ptun_peer_attach(ptun, peer);
		req->new_peer = NULL;
	}
}

/*
 * A running device moves to a new listen port by opening the new sockets
 * before closing the old ones: the last step of a SET that can fail, so
 * that a port in use leaves the device as it was.
 */
static int rebind(struct ptun_device *ptun, struct set_request *req,
		  struct netlink_ext_ack *extack)
{
	struct nlattr *attr = req->attrs[PTUN_A_DEVICE_LISTEN_PORT];
	u16 port;
	int ret;

	lockdep_assert_held(&ptun->lock);
	if (!attr || !ptun->up || !ptun->creating_net)
		return 0;
	port = nla_get_u16(attr);
	if (port && port == ptun->listen_port)
		return 0;
	ret = ptun_socket_open(ptun, port);
	if (ret == -EADDRINUSE) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "listen port in use");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "cannot open the UDP sockets on this port");
		return ret;
	}
	req->port_bound = true;
	return 0;
}

static void apply_device(struct ptun_device *ptun, struct set_request *req)
{
	struct nlattr **attrs = req->attrs;

	lockdep_assert_held(&ptun->lock);
	if (req->set_private_key) {
		ptun->has_private_key = !!memchr_inv(req->private_key, 0,
						     PTUN_KEY_LEN);
		memcpy(ptun->private_key, req->private_key, PTUN_KEY_LEN);
		if (ptun->has_private_key)
			memcpy(ptun->public_key, req->public_key, PTUN_KEY_LEN);
		else
			memset(ptun->public_key, 0, PTUN_KEY_LEN);
	}
	if (attrs[PTUN_A_DEVICE_LISTEN_PORT] && !req->port_bound)
		ptun->listen_port = nla_get_u16(attrs[PTUN_A_DEVICE_LISTEN_PORT]);
	if (attrs[PTUN_A_DEVICE_CIPHER])
		ptun->cipher = nla_get_u16(attrs[PTUN_A_DEVICE_CIPHER]);
	if (attrs[PTUN_A_DEVICE_MSS_CLAMP])
		WRITE_ONCE(ptun->mss_clamp,
			   nla_get_u16(attrs[PTUN_A_DEVICE_MSS_CLAMP]));
}

/*
 * The request holds the private and preshared keys in clear and goes back
 * to the slab with a plain kfree: wipe them in the message itself,
 * whatever became of the request. The peer nest is walked raw, as the
 * request may have been refused before it was parsed.
 */
static void wipe_secrets(struct nlattr **attrs)
{
	struct nlattr *key = attrs[PTUN_A_DEVICE_PRIVATE_KEY];
	struct nlattr *nest = attrs[PTUN_A_DEVICE_PEER];
	struct nlattr *pos;
	int rem;

	if (key)
		memzero_explicit(nla_data(key), nla_len(key));
	if (!nest)
		return;
	nla_for_each_nested(pos, nest, rem)
		if (nla_type(pos) == PTUN_A_PEER_PRESHARED_KEY)
			memzero_explicit(nla_data(pos), nla_len(pos));
}

/* What an applied SET set, for its config-changed event. */
static u32 set_changes(const struct set_request *req)
{
	struct nlattr * const *attrs = req->attrs;
	u32 changed = 0;

	if (attrs[PTUN_A_DEVICE_PRIVATE_KEY] ||
	    req->peer[PTUN_A_PEER_PRESHARED_KEY])
		changed |= PTUN_CONFIG_CHANGED_KEYS;
	if ((req->flags & PTUN_DEVICE_F_REMOVE_PEER) ||
	    req->peer[PTUN_A_PEER_PUBLIC_KEY])
		changed |= PTUN_CONFIG_CHANGED_PEER;
	if (req->set_endpoint)
		changed |= PTUN_CONFIG_CHANGED_ENDPOINT;
	if (req->set_allowed_ips)
		changed |= PTUN_CONFIG_CHANGED_ALLOWED_IPS;
	if (attrs[PTUN_A_DEVICE_LISTEN_PORT])
		changed |= PTUN_CONFIG_CHANGED_LISTEN_PORT;
	if (attrs[PTUN_A_DEVICE_CIPHER])
		changed |= PTUN_CONFIG_CHANGED_CIPHER;
	if (req->peer[PTUN_A_PEER_PERSISTENT_KEEPALIVE])
		changed |= PTUN_CONFIG_CHANGED_KEEPALIVE;
	if (attrs[PTUN_A_DEVICE_MSS_CLAMP])
		changed |= PTUN_CONFIG_CHANGED_MSS_CLAMP;
	if (attrs[PTUN_A_DEVICE_LINK_STATE])
		changed |= PTUN_CONFIG_CHANGED_LINK_STATE;
	return changed;
}

static int ptun_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *link_state = info->attrs[PTUN_A_DEVICE_LINK_STATE];
	struct set_request req = { .skb = skb, .attrs = info->attrs };
	struct netlink_ext_ack *extack = info->extack;
	struct ptun_device *ptun;
	struct ptun_peer *target;
	struct net_device *dev;
	u32 changed;
	int ret;

	dev = lookup_device(genl_info_net(info), info->attrs, extack);
	if (IS_ERR(dev)) {
		wipe_secrets(info->attrs);
		return PTR_ERR(dev);
	}
	ptun = netdev_priv(dev);

	if (info->attrs[PTUN_A_DEVICE_FLAGS])
		req.flags = nla_get_u32(info->attrs[PTUN_A_DEVICE_FLAGS]);
	req.portid = info->snd_portid;
	req.net_cookie = genl_info_net(info)->net_cookie;
	ret = take_staged(ptun, &req, extack);
	if (ret)
		goto out;
	ret = prepare_private_key(&req, extack);
	if (ret)
		goto out;
	ret = prepare_cipher(&req, extack);
	if (ret)
		goto out;
	ret = check_mss_clamp(&req, extack);
	if (ret)
		goto out;
	ret = prepare_peer(&req, extack);
	if (ret)
		goto out;

	mutex_lock(&ptun->lock);
	if (req.flags & PTUN_DEVICE_F_ALLOWED_IPS_MORE) {
		ret = put_staged(ptun, &req, extack);
		goto out_unlock;
	}
	ret = check_against_device(ptun, &req, &target, extack);
	if (ret)
		goto out_unlock;
	ret = rebind(ptun, &req, extack);
	if (ret)
		goto out_unlock;
	/* before apply_peer() takes the allowed IPs out of the request */
	changed = set_changes(&req);
	if (req.flags & PTUN_DEVICE_F_REMOVE_PEER)
		ptun_peer_detach(ptun);
	apply_device(ptun, &req);
	if (target) {
		apply_peer(ptun, &req, target);
		if (req.peer[PTUN_A_PEER_PERSISTENT_KEEPALIVE])
			ptun_timers_persistent_keepalive(target);
	}
	/* last: a handshake it starts uses the peer as this SET leaves it */
	if (link_state)
		ptun_device_set_link_state(ptun, nla_get_u8(link_state));
	ptun->config_gen++;
	/* committed: nothing below can undo it */
	ptun_events_config_changed(ptun, changed);
out_unlock:
	mutex_unlock(&ptun->lock);
out:
	ptun_peer_destroy(req.new_peer);
	ptun_allowedips_free(req.allowed_ips);
	ptun_peer_keys_free(req.keys);
	memzero_explicit(req.private_key, sizeof(req.private_key));
	wipe_secrets(info->attrs);
	dev_put(dev);
	return ret;
}

static const struct genl_small_ops ptun_genl_ops[] = {
	{
		.cmd	= PTUN_CMD_GET_DEVICE,
		.doit	= ptun_nl_get_doit,
		.dumpit	= ptun_nl_get_dumpit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= PTUN_CMD_SET_DEVICE,
		.doit	= ptun_nl_set_doit,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family ptun_genl_family __ro_after_init = {
	.name		= PTUN_GENL_NAME,
	.version	= PTUN_GENL_VERSION,
	.maxattr	= PTUN_A_DEVICE_MAX,
	.policy		= ptun_device_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.small_ops	= ptun_genl_ops,
	.n_small_ops	= ARRAY_SIZE(ptun_genl_ops),
	.mcgrps		= ptun_events_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ptun_events_mcgrps),
	/* every command is new: validate all of them strictly */
	.resv_start_op	= PTUN_CMD_GET_DEVICE,
};

int __init ptun_genl_init(void)
{
	return genl_register_family(&ptun_genl_family);
}

void ptun_genl_uninit(void)
{
	genl_unregister_family(&ptun_genl_family);
}
