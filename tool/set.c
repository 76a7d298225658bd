// SPDX-License-Identifier: GPL-2.0
/*
 * ptun set: one PTUN_CMD_SET_DEVICE request carrying everything given on
 * the command line. While the request is built, every attribute's place in
 * it is noted with the argument it came from, so that when the kernel
 * points at an attribute (extack offset) the user is told which argument
 * it means.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/crypto.h>

#include "cmd.h"
#include "config.h"
#include "netlink.h"

struct arg_span {
	uint32_t start;
	uint32_t end;
	const char *keyword;
	const char *arg;		/* NULL: use cidr */
	const struct ptun_cidr *cidr;
};

struct arg_map {
	struct arg_span *spans;
	size_t n;
	size_t max;
	const struct nlmsghdr *nlh;
};

static void map_add(struct arg_map *map, const struct nlattr *attr,
		    const char *keyword, const char *arg,
		    const struct ptun_cidr *cidr)
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
}

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

static void build_peer(struct nlmsghdr *nlh, const struct ptun_device *dev,
		       struct arg_map *map)
{
	const struct ptun_peer *peer = &dev->peer;
	const struct ptun_endpoint *ep = &peer->endpoint;
	struct nlattr *nest, *ips, *ip, *a;
	size_t i;

	nest = mnl_attr_nest_start(nlh, PTUN_A_DEVICE_PEER);
	if (peer->has & PEER_HAS_PUBLIC_KEY) {
		a = put(nlh, PTUN_A_PEER_PUBLIC_KEY, PTUN_KEY_LEN,
			peer->public_key);
		map_add(map, a, "peer", dev->args.peer, NULL);
	}
	if (peer->has & PEER_HAS_PRESHARED_KEY) {
		a = put(nlh, PTUN_A_PEER_PRESHARED_KEY, PTUN_KEY_LEN,
			peer->preshared_key);
		map_add(map, a, "preshared-key", dev->args.preshared_key, NULL);
	}
	if (peer->has & PEER_HAS_ENDPOINT) {
		if (ep->family == AF_INET)
			a = put(nlh, PTUN_A_PEER_ENDPOINT_IPV4,
				sizeof(ep->addr.v4), &ep->addr.v4);
		else
			a = put(nlh, PTUN_A_PEER_ENDPOINT_IPV6,
				sizeof(ep->addr.v6), &ep->addr.v6);
		map_add(map, a, "endpoint", dev->args.endpoint, NULL);
		a = put_u16(nlh, PTUN_A_PEER_ENDPOINT_PORT, ep->port);
		map_add(map, a, "endpoint", dev->args.endpoint, NULL);
	}
	if (peer->has & PEER_HAS_KEEPALIVE) {
		a = put_u16(nlh, PTUN_A_PEER_PERSISTENT_KEEPALIVE,
			    peer->keepalive);
		map_add(map, a, "persistent-keepalive", dev->args.keepalive,
			NULL);
	}
	if (peer->has & PEER_HAS_ALLOWED_IPS) {
		ips = mnl_attr_nest_start(nlh, PTUN_A_PEER_ALLOWED_IPS);
		for (i = 0; i < peer->n_allowed_ips; i++) {
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
			map_add(map, ip, "allowed-ips", NULL, c);
		}
		mnl_attr_nest_end(nlh, ips);
		map_add(map, ips, "allowed-ips", dev->args.allowed_ips, NULL);
	}
	mnl_attr_nest_end(nlh, nest);
	map_add(map, nest, "peer", dev->args.peer, NULL);
}

static void build_request(struct nlmsghdr *nlh, const struct ptun_device *dev,
			  struct arg_map *map)
{
	struct nlattr *a;

	mnl_attr_put_strz(nlh, PTUN_A_DEVICE_IFNAME, dev->ifname);
	if (dev->has & DEV_HAS_PRIVATE_KEY) {
		a = put(nlh, PTUN_A_DEVICE_PRIVATE_KEY, PTUN_KEY_LEN,
			dev->private_key);
		map_add(map, a, "private-key", dev->args.private_key, NULL);
	}
	if (dev->has & DEV_HAS_LISTEN_PORT) {
		a = put_u16(nlh, PTUN_A_DEVICE_LISTEN_PORT, dev->listen_port);
		map_add(map, a, "listen-port", dev->args.listen_port, NULL);
	}
	if (dev->has & DEV_HAS_CIPHER) {
		a = put_u16(nlh, PTUN_A_DEVICE_CIPHER, dev->cipher);
		map_add(map, a, "cipher", dev->args.cipher, NULL);
	}
	if (dev->has & DEV_HAS_FLAGS) {
		a = put(nlh, PTUN_A_DEVICE_FLAGS, sizeof(dev->flags),
			&dev->flags);
		map_add(map, a, "remove-peer", NULL, NULL);
	}
	if (dev->has & DEV_HAS_PEER)
		build_peer(nlh, dev, map);
}

static void report(const struct ptun_device *dev, const struct nl_ack *ack,
		   const struct arg_map *map)
{
	const char *what = ack->msg[0] ? ack->msg : strerror(-ack->error);
	const struct arg_span *span = NULL;
	char cidr[PTUN_ADDR_STRLEN];
	const char *arg;

	if (ack->has_offset)
		span = map_find(map, ack->offset);
	if (!span) {
		pr_err("set %s: %s", dev->ifname, what);
		return;
	}
	arg = span->arg;
	if (span->cidr && !format_cidr(cidr, sizeof(cidr), span->cidr))
		arg = cidr;
	if (arg)
		pr_err("set %s: %s (%s '%s')", dev->ifname, what,
		       span->keyword, arg);
	else if (!strcmp(span->keyword, "peer"))
		pr_err("set %s: %s (peer settings)", dev->ifname, what);
	else
		pr_err("set %s: %s (%s)", dev->ifname, what, span->keyword);
}

int cmd_set(int argc, char **argv)
{
	struct ptun_device dev = { 0 };
	struct arg_map map = { 0 };
	struct nlmsghdr *nlh;
	struct nl_ack ack;
	size_t buf_size;
	struct nl nl;
	int ret = 1;
	char *buf;

	if (argc < 2) {
		pr_err("usage: %s set IFACE [SETTING VALUE]... (see '%s help')",
		       PROG_NAME, PROG_NAME);
		return 1;
	}
	if (config_set_ifname(&dev, argv[1]) ||
	    config_from_argv(&dev, argc - 2, argv + 2))
		goto free_config;

	/* 64 bytes hold any one allowed IP, 512 everything else */
	buf_size = 512 + 64 * dev.peer.n_allowed_ips;
	buf = calloc(1, buf_size);
	map.max = 16 + dev.peer.n_allowed_ips;
	map.spans = calloc(map.max, sizeof(*map.spans));
	if (!buf || !map.spans) {
		pr_err("out of memory");
		goto free_buf;
	}

	if (nl_open(&nl))
		goto free_buf;
	nlh = nl_request_start(&nl, buf, PTUN_CMD_SET_DEVICE, NLM_F_ACK);
	map.nlh = nlh;
	build_request(nlh, &dev, &map);
	if (nl_transact(&nl, nlh, NULL, NULL, &ack))
		report(&dev, &ack, &map);
	else
		ret = 0;
	if (!ret && ack.msg[0])
		fprintf(stderr, "%s: set %s: warning: %s\n", PROG_NAME,
			dev.ifname, ack.msg);
	nl_close(&nl);
free_buf:
	if (buf)
		OPENSSL_cleanse(buf, buf_size);
	free(buf);
	free(map.spans);
free_config:
	config_free(&dev);
	return ret;
}
