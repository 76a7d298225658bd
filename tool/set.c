// SPDX-License-Identifier: GPL-2.0
/*
 * ptun set: one PTUN_CMD_SET_DEVICE request carrying everything given on
 * the command line; the *conf commands send theirs through here too. A
 * list of allowed IPs longer than one message holds goes first in chunks
 * the kernel stages, the last chunk with everything else, which applies
 * the whole (Documentation/netlink/specs/ptun.yaml, "Long lists"). While
 * the request is built, every attribute's place in it is noted with the
 * argument (or config file line) it came from, so that when the kernel
 * points at an attribute (extack offset) the user is told which one it
 * means.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/crypto.h>

#include "cmd.h"
#include "conf.h"
#include "config.h"
#include "netlink.h"

/*
 * Allowed IPs per message: 1500 IPv6 entries take 60 000 bytes, within the
 * 64 KiB an attribute can hold.
 */
#define SET_CHUNK	1500

struct arg_span {
	uint32_t start;
	uint32_t end;
	const char *keyword;
	const char *arg;		/* NULL: use cidr */
	const struct ptun_cidr *cidr;
	unsigned int line;		/* in the config file, 0: none */
};

struct arg_map {
	struct arg_span *spans;
	size_t n;
	size_t max;
	const struct nlmsghdr *nlh;
};

static void map_add(struct arg_map *map, const struct nlattr *attr,
		    const char *keyword, const char *arg,
		    const struct ptun_cidr *cidr, unsigned int line)
{
	struct arg_span *span;

	/* sized for every attribute up front: cannot overflow */
	if (map->n >= map->max)
		return;
	span = &map->spans[map->n++];
	span->start = (uint32_t)((const char *)attr - (const char *)map->nlh);
	span->end = span->start + attr->nla_len;
	span->keyword = keyword;
	span->arg = arg;
	span->cidr = cidr;
	span->line = line;
}

/* A setting's name in messages, and its line in a config file. */
static const char *kw(const struct ptun_device *dev, enum ptun_setting set)
{
	/* a key given in the file itself, not in a key file */
	if (dev->args.file && set == SET_PRIVATE_KEY && !dev->args.private_key)
		set = SET_PRIVATE_KEY_TEXT;
	if (dev->args.file && set == SET_PRESHARED_KEY &&
	    !dev->args.preshared_key)
		set = SET_PRESHARED_KEY_TEXT;
	return config_keyword(set, dev->args.file);
}

static unsigned int line_of(const struct ptun_device *dev,
			    enum ptun_setting set)
{
	const struct ptun_set_args *args = &dev->args;

	if (set == SET_PRIVATE_KEY && !args->line[set])
		return args->line[SET_PRIVATE_KEY_TEXT];
	if (set == SET_PRESHARED_KEY && !args->line[set])
		return args->line[SET_PRESHARED_KEY_TEXT];
	return args->line[set];
}

#define MAP(map, a, dev, set, arg) \
	map_add(map, a, kw(dev, set), arg, NULL, line_of(dev, set))

/* The innermost attribute that holds the offset the kernel named. */
static const struct arg_span *map_find(const struct arg_map *map,
				       uint32_t offset)
{
	const struct arg_span *best = NULL;
	size_t i;

	for (i = 0; i < map->n; i++) {
		const struct arg_span *s = &map->spans[i];

		if (offset < s->start || offset >= s->end)
			continue;
		if (!best || s->end - s->start < best->end - best->start)
			best = s;
	}
	return best;
}

static struct nlattr *put(struct nlmsghdr *nlh, uint16_t type, size_t len,
			  const void *data)
{
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(nlh);

	mnl_attr_put(nlh, type, len, data);
	return attr;
}

static struct nlattr *put_u16(struct nlmsghdr *nlh, uint16_t type,
			      uint16_t v)
{
	return put(nlh, type, sizeof(v), &v);
}

/*
 * What one message of a SET carries: the allowed IPs [from, to) and, in
 * the last message only (!more), everything else.
 */
struct chunk {
	size_t from;
	size_t to;
	bool more;
	bool cont;
};

/* Two or more candidates: the endpoint list (one: the endpoint attributes). */
static struct nlattr *build_candidates(struct nlmsghdr *nlh,
				       const struct ptun_peer *peer)
{
	struct nlattr *list, *entry;
	size_t i;

	list = mnl_attr_nest_start(nlh, PTUN_A_PEER_ENDPOINTS);
	for (i = 0; i < peer->n_candidates; i++) {
		const struct ptun_endpoint *ep = &peer->candidates[i];

		entry = mnl_attr_nest_start(nlh, PTUN_A_ENDPOINTS_ENTRY);
		if (ep->family == AF_INET)
			put(nlh, PTUN_A_ENDPOINT_IPV4, sizeof(ep->addr.v4),
			    &ep->addr.v4);
		else
			put(nlh, PTUN_A_ENDPOINT_IPV6, sizeof(ep->addr.v6),
			    &ep->addr.v6);
		put_u16(nlh, PTUN_A_ENDPOINT_PORT, ep->port);
		mnl_attr_nest_end(nlh, entry);
	}
	mnl_attr_nest_end(nlh, list);
	return list;
}

static void build_peer(struct nlmsghdr *nlh, const struct ptun_device *dev,
		       struct arg_map *map, const struct chunk *ck)
{
	const struct ptun_peer *peer = &dev->peer;
	const struct ptun_endpoint *ep = &peer->endpoint;
	struct nlattr *nest, *ips, *ip, *a;
	size_t i;

	nest = mnl_attr_nest_start(nlh, PTUN_A_DEVICE_PEER);
	if (ck->more)
		goto allowed_ips;
	if (peer->has & PEER_HAS_PUBLIC_KEY) {
		a = put(nlh, PTUN_A_PEER_PUBLIC_KEY, PTUN_KEY_LEN,
			peer->public_key);
		MAP(map, a, dev, SET_PEER, dev->args.peer);
	}
	if (peer->has & PEER_HAS_PRESHARED_KEY) {
		a = put(nlh, PTUN_A_PEER_PRESHARED_KEY, PTUN_KEY_LEN,
			peer->preshared_key);
		MAP(map, a, dev, SET_PRESHARED_KEY, dev->args.preshared_key);
	}
	if ((peer->has & PEER_HAS_ENDPOINT) && peer->n_candidates > 1) {
		a = build_candidates(nlh, peer);
		MAP(map, a, dev, SET_ENDPOINT, dev->args.endpoint);
	} else if (peer->has & PEER_HAS_ENDPOINT) {
		if (ep->family == AF_INET)
			a = put(nlh, PTUN_A_PEER_ENDPOINT_IPV4,
				sizeof(ep->addr.v4), &ep->addr.v4);
		else
			a = put(nlh, PTUN_A_PEER_ENDPOINT_IPV6,
				sizeof(ep->addr.v6), &ep->addr.v6);
		MAP(map, a, dev, SET_ENDPOINT, dev->args.endpoint);
		a = put_u16(nlh, PTUN_A_PEER_ENDPOINT_PORT, ep->port);
		MAP(map, a, dev, SET_ENDPOINT, dev->args.endpoint);
		/* none for an address: the kernel forgets an earlier name */
		if (peer->endpoint_name[0]) {
			a = put(nlh, PTUN_A_PEER_ENDPOINT_NAME,
				strlen(peer->endpoint_name) + 1,
				peer->endpoint_name);
			MAP(map, a, dev, SET_ENDPOINT, dev->args.endpoint);
		}
	}
	if (peer->has & PEER_HAS_KEEPALIVE) {
		a = put_u16(nlh, PTUN_A_PEER_PERSISTENT_KEEPALIVE,
			    peer->keepalive);
		MAP(map, a, dev, SET_KEEPALIVE, dev->args.keepalive);
	}
	if (peer->has & PEER_HAS_FAILOVER_TIMEOUT) {
		a = put_u16(nlh, PTUN_A_PEER_FAILOVER_TIMEOUT,
			    peer->failover_timeout);
		MAP(map, a, dev, SET_FAILOVER_TIMEOUT,
		    dev->args.failover_timeout);
	}
	if (peer->has & PEER_HAS_FAILBACK_INTERVAL) {
		a = put_u16(nlh, PTUN_A_PEER_FAILBACK_INTERVAL,
			    peer->failback_interval);
		MAP(map, a, dev, SET_FAILBACK_INTERVAL,
		    dev->args.failback_interval);
	}
allowed_ips:
	if (peer->has & PEER_HAS_ALLOWED_IPS) {
		ips = mnl_attr_nest_start(nlh, PTUN_A_PEER_ALLOWED_IPS);
		for (i = ck->from; i < ck->to; i++) {
			const struct ptun_cidr *c = &peer->allowed_ips[i];

			ip = mnl_attr_nest_start(nlh, PTUN_A_ALLOWED_IP);
			put_u16(nlh, PTUN_A_ALLOWED_IP_FAMILY, c->family);
			if (c->family == AF_INET)
				put(nlh, PTUN_A_ALLOWED_IP_ADDR,
				    sizeof(c->addr.v4), &c->addr.v4);
			else
				put(nlh, PTUN_A_ALLOWED_IP_ADDR,
				    sizeof(c->addr.v6), &c->addr.v6);
			mnl_attr_put_u8(nlh, PTUN_A_ALLOWED_IP_PREFIX_LEN,
					c->prefix_len);
			mnl_attr_nest_end(nlh, ip);
			map_add(map, ip, kw(dev, SET_ALLOWED_IPS), NULL, c,
				dev->args.ip_lines ? dev->args.ip_lines[i] :
				line_of(dev, SET_ALLOWED_IPS));
		}
		mnl_attr_nest_end(nlh, ips);
		MAP(map, ips, dev, SET_ALLOWED_IPS, dev->args.allowed_ips);
	}
	mnl_attr_nest_end(nlh, nest);
	map_add(map, nest, kw(dev, SET_PEER), dev->args.peer, NULL, 0);
}

static void build_request(struct nlmsghdr *nlh, const struct ptun_device *dev,
			  struct arg_map *map, const struct chunk *ck)
{
	uint32_t flags = dev->has & DEV_HAS_FLAGS ? dev->flags : 0;
	struct nlattr *a;

	mnl_attr_put_strz(nlh, PTUN_A_DEVICE_IFNAME, dev->ifname);
	if (ck->more || ck->cont) {
		flags = ck->more ? PTUN_DEVICE_F_ALLOWED_IPS_MORE : flags;
		if (ck->cont)
			flags |= PTUN_DEVICE_F_ALLOWED_IPS_CONTINUE;
		a = put(nlh, PTUN_A_DEVICE_FLAGS, sizeof(flags), &flags);
		MAP(map, a, dev, SET_ALLOWED_IPS, dev->args.allowed_ips);
	}
	if (ck->more) {
		build_peer(nlh, dev, map, ck);
		return;
	}
	if (dev->has & DEV_HAS_PRIVATE_KEY) {
		a = put(nlh, PTUN_A_DEVICE_PRIVATE_KEY, PTUN_KEY_LEN,
			dev->private_key);
		MAP(map, a, dev, SET_PRIVATE_KEY, dev->args.private_key);
	}
	if (dev->has & DEV_HAS_LISTEN_PORT) {
		a = put_u16(nlh, PTUN_A_DEVICE_LISTEN_PORT, dev->listen_port);
		MAP(map, a, dev, SET_LISTEN_PORT, dev->args.listen_port);
	}
	if (dev->has & DEV_HAS_CIPHER) {
		a = put_u16(nlh, PTUN_A_DEVICE_CIPHER, dev->cipher);
		MAP(map, a, dev, SET_CIPHER, dev->args.cipher);
	}
	if (dev->has & DEV_HAS_MSS_CLAMP) {
		a = put_u16(nlh, PTUN_A_DEVICE_MSS_CLAMP, dev->mss_clamp);
		MAP(map, a, dev, SET_MSS_CLAMP, dev->args.mss_clamp);
	}
	if (dev->has & DEV_HAS_LINK_STATE) {
		a = put(nlh, PTUN_A_DEVICE_LINK_STATE, sizeof(dev->link_state),
			&dev->link_state);
		MAP(map, a, dev, SET_LINK_STATE, dev->args.link_state);
	}
	if (dev->has & DEV_HAS_FLAGS && !ck->cont) {
		a = put(nlh, PTUN_A_DEVICE_FLAGS, sizeof(dev->flags),
			&dev->flags);
		MAP(map, a, dev, SET_REMOVE_PEER, NULL);
	}
	if (dev->has & DEV_HAS_PEER)
		build_peer(nlh, dev, map, ck);
}

static void report(const struct ptun_device *dev, const char *cmd,
		   const struct nl_ack *ack, const struct arg_map *map)
{
	const char *what = ack->msg[0] ? ack->msg : strerror(-ack->error);
	const struct arg_span *span = NULL;
	char cidr[PTUN_ADDR_STRLEN];
	char where[PATH_MAX + 32] = "";
	const char *arg;

	if (ack->has_offset)
		span = map_find(map, ack->offset);
	if (!span) {
		pr_err("%s %s: %s", cmd, dev->ifname, what);
		return;
	}
	if (dev->args.file && span->line)
		snprintf(where, sizeof(where), "%s:%u: ",
			 conf_name(dev->args.file), span->line);
	arg = span->arg;
	if (span->cidr && !format_cidr(cidr, sizeof(cidr), span->cidr))
		arg = cidr;
	if (arg)
		pr_err("%s%s %s: %s (%s '%s')", where, cmd, dev->ifname, what,
		       span->keyword, arg);
	else if (!strcmp(span->keyword, kw(dev, SET_PEER)))
		pr_err("%s%s %s: %s (peer settings)", where, cmd, dev->ifname,
		       what);
	else
		pr_err("%s%s %s: %s (%s)", where, cmd, dev->ifname, what,
		       span->keyword);
}

int device_set(const struct ptun_device *dev, const char *cmd)
{
	size_t n_ips = dev->peer.n_allowed_ips, per_msg = SET_CHUNK;
	struct chunk ck = { 0 };
	struct arg_map map = { 0 };
	struct nlmsghdr *nlh;
	struct nl_ack ack;
	size_t buf_size;
	struct nl nl;
	int ret = 1;
	char *buf;

	if (!(dev->peer.has & PEER_HAS_ALLOWED_IPS))
		n_ips = 0;
	/* 64 bytes hold any one allowed IP, 1024 everything else */
	buf_size = 1024 + 64 * (n_ips < per_msg ? n_ips : per_msg);
	buf = calloc(1, buf_size);
	map.max = 24 + (n_ips < per_msg ? n_ips : per_msg);
	map.spans = calloc(map.max, sizeof(*map.spans));
	if (!buf || !map.spans) {
		pr_err("out of memory");
		goto free_buf;
	}

	if (nl_open(&nl))
		goto free_buf;
	for (;;) {
		ck.from = ck.to;
		ck.to = n_ips - ck.from > per_msg ? ck.from + per_msg : n_ips;
		ck.more = ck.to < n_ips;
		memset(buf, 0, buf_size);
		map.n = 0;
		nlh = nl_request_start(&nl, buf, PTUN_CMD_SET_DEVICE,
				       NLM_F_ACK);
		map.nlh = nlh;
		build_request(nlh, dev, &map, &ck);
		if (nl_transact(&nl, nlh, NULL, NULL, &ack)) {
			report(dev, cmd, &ack, &map);
			break;
		}
		if (!ck.more) {
			ret = 0;
			break;
		}
		ck.cont = true;
	}
	if (!ret && ack.msg[0])
		fprintf(stderr, "%s: %s %s: warning: %s\n", PROG_NAME, cmd,
			dev->ifname, ack.msg);
	nl_close(&nl);
free_buf:
	if (buf)
		OPENSSL_cleanse(buf, buf_size);
	free(buf);
	free(map.spans);
	return ret;
}

/*
 * The port is the current endpoint's: the name was given with a port the
 * kernel kept, unless authenticated roaming moved the endpoint since, and
 * then the peer was last heard from that port. Between the GET and the
 * SET another writer may replace the peer: the SET names no public key,
 * so that it updates whichever peer is there rather than replacing it.
 */
int device_reresolve(const char *ifname, const char *cmd, bool *changed)
{
	struct config_source src = { .where = "", .keyword = "reresolve" };
	struct ptun_device cur = { 0 }, req = { 0 };
	struct ptun_endpoint ep;
	int ret = EXIT_ERROR;

	if (changed)
		*changed = false;
	if (config_set_ifname(&cur, ifname) ||
	    device_get(ifname, &cur, cmd))
		goto free_cur;
	if (!(cur.has & DEV_HAS_PEER)) {
		pr_err("%s %s: no peer configured", cmd, ifname);
		goto free_cur;
	}
	if (!cur.peer.endpoint_name[0]) {
		pr_err("%s %s: the peer endpoint was not given as a host name: nothing to resolve",
		       cmd, ifname);
		goto free_cur;
	}
	ep = cur.peer.endpoint;
	if (config_resolve(&ep, cur.peer.endpoint_name,
			   cur.peer.endpoint_name, &src))
		goto free_cur;
	if ((cur.peer.has & PEER_HAS_ENDPOINT) &&
	    endpoint_equal(&ep, &cur.peer.endpoint)) {
		ret = 0;
		goto free_cur;
	}

	config_set_ifname(&req, ifname);
	req.has = DEV_HAS_PEER;
	req.peer.has = PEER_HAS_ENDPOINT;
	req.peer.endpoint = ep;
	memcpy(req.peer.endpoint_name, cur.peer.endpoint_name,
	       sizeof(req.peer.endpoint_name));
	req.args.endpoint = req.peer.endpoint_name;
	ret = device_set(&req, cmd);
	if (!ret && changed)
		*changed = true;
	config_free(&req);
free_cur:
	config_free(&cur);
	return ret && nl_kernel_refused ? EXIT_REFUSED : ret;
}

int cmd_set(int argc, char **argv)
{
	struct ptun_device dev = { 0 };
	int ret = 1;

	if (argc < 2) {
		pr_err("usage: %s set IFACE [SETTING VALUE]... (see '%s help')",
		       PROG_NAME, PROG_NAME);
		return 1;
	}
	/* config_from_argv() refuses it anywhere else */
	if (argc == 3 && !strcmp(argv[2], "reresolve"))
		return device_reresolve(argv[1], "set", NULL);
	if (!config_set_ifname(&dev, argv[1]) &&
	    !config_from_argv(&dev, argc - 2, argv + 2))
		ret = device_set(&dev, "set");
	config_free(&dev);
	return ret;
}
