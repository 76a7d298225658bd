// SPDX-License-Identifier: GPL-2.0
/*
 * ptun show: reads devices with PTUN_CMD_GET_DEVICE into struct
 * ptun_device and prints them for people, for jq (--json), or one field
 * for shell scripts. Nothing here can print a private or preshared key:
 * the kernel never sends them and the model has no way to carry them out.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/genetlink.h>

#include "cmd.h"
#include "config.h"
#include "json.h"
#include "key.h"
#include "netlink.h"

struct device_list {
	struct ptun_device *devs;
	size_t n;
	/* the configuration changed during the dump: take it again */
	bool interrupted;
};

/* ---- reply parsing ---- */

static int parse_allowed_ip(const struct nlattr *nest, struct ptun_peer *peer)
{
	struct ptun_cidr cidr = { 0 };
	const struct nlattr *attr;
	const void *addr = NULL;
	uint16_t addr_len = 0;
	bool has_prefix = false;

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case PTUN_A_ALLOWED_IP_FAMILY:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			cidr.family = mnl_attr_get_u16(attr);
			break;
		case PTUN_A_ALLOWED_IP_ADDR:
			addr = mnl_attr_get_payload(attr);
			addr_len = mnl_attr_get_payload_len(attr);
			break;
		case PTUN_A_ALLOWED_IP_PREFIX_LEN:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			cidr.prefix_len = mnl_attr_get_u8(attr);
			has_prefix = true;
			break;
		}
	}
	if (!addr || !has_prefix)
		return -EBADMSG;
	if (cidr.family == AF_INET && addr_len == sizeof(cidr.addr.v4))
		memcpy(&cidr.addr.v4, addr, addr_len);
	else if (cidr.family == AF_INET6 && addr_len == sizeof(cidr.addr.v6))
		memcpy(&cidr.addr.v6, addr, addr_len);
	else
		return -EBADMSG;
	return config_add_allowed_ip(peer, &cidr);
}

static int parse_candidate(const struct nlattr *nest, struct ptun_peer *peer)
{
	struct ptun_endpoint *ep = &peer->candidates[peer->n_candidates];
	uint8_t state = PTUN_ENDPOINT_STATE_STANDBY;
	const struct nlattr *attr;
	bool has_port = false;

	if (peer->n_candidates == PTUN_ENDPOINTS_MAX)
		return -EBADMSG;
	memset(ep, 0, sizeof(*ep));
	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case PTUN_A_ENDPOINT_IPV4:
			if (mnl_attr_get_payload_len(attr) != 4)
				return -EBADMSG;
			ep->family = AF_INET;
			memcpy(&ep->addr.v4, mnl_attr_get_payload(attr), 4);
			break;
		case PTUN_A_ENDPOINT_IPV6:
			if (mnl_attr_get_payload_len(attr) != 16)
				return -EBADMSG;
			ep->family = AF_INET6;
			memcpy(&ep->addr.v6, mnl_attr_get_payload(attr), 16);
			break;
		case PTUN_A_ENDPOINT_PORT:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			ep->port = mnl_attr_get_u16(attr);
			has_port = true;
			break;
		case PTUN_A_ENDPOINT_STATE:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			state = mnl_attr_get_u8(attr);
			break;
		}
	}
	if (ep->family == AF_UNSPEC || !has_port)
		return -EBADMSG;
	peer->candidate_states[peer->n_candidates++] = state;
	return 0;
}

static int parse_peer(const struct nlattr *nest, struct ptun_peer *peer)
{
	const struct nlattr *attr, *ip;
	int ret;

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case PTUN_A_PEER_PUBLIC_KEY:
			if (mnl_attr_get_payload_len(attr) != PTUN_KEY_LEN)
				return -EBADMSG;
			memcpy(peer->public_key, mnl_attr_get_payload(attr),
			       PTUN_KEY_LEN);
			peer->has |= PEER_HAS_PUBLIC_KEY;
			break;
		case PTUN_A_PEER_FLAGS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			peer->flags = mnl_attr_get_u32(attr);
			peer->has |= PEER_HAS_FLAGS;
			break;
		case PTUN_A_PEER_ENDPOINT_IPV4:
			if (mnl_attr_get_payload_len(attr) != 4)
				return -EBADMSG;
			peer->endpoint.family = AF_INET;
			memcpy(&peer->endpoint.addr.v4,
			       mnl_attr_get_payload(attr), 4);
			peer->has |= PEER_HAS_ENDPOINT;
			break;
		case PTUN_A_PEER_ENDPOINT_IPV6:
			if (mnl_attr_get_payload_len(attr) != 16)
				return -EBADMSG;
			peer->endpoint.family = AF_INET6;
			memcpy(&peer->endpoint.addr.v6,
			       mnl_attr_get_payload(attr), 16);
			peer->has |= PEER_HAS_ENDPOINT;
			break;
		case PTUN_A_PEER_ENDPOINT_PORT:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			peer->endpoint.port = mnl_attr_get_u16(attr);
			break;
		case PTUN_A_PEER_ENDPOINT_NAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
			    mnl_attr_get_payload_len(attr) >
			    sizeof(peer->endpoint_name))
				return -EBADMSG;
			strcpy(peer->endpoint_name, mnl_attr_get_str(attr));
			break;
		case PTUN_A_PEER_PERSISTENT_KEEPALIVE:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			peer->keepalive = mnl_attr_get_u16(attr);
			peer->has |= PEER_HAS_KEEPALIVE;
			break;
		case PTUN_A_PEER_FAILOVER_TIMEOUT:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			peer->failover_timeout = mnl_attr_get_u16(attr);
			peer->has |= PEER_HAS_FAILOVER_TIMEOUT;
			break;
		case PTUN_A_PEER_FAILBACK_INTERVAL:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			peer->failback_interval = mnl_attr_get_u16(attr);
			peer->has |= PEER_HAS_FAILBACK_INTERVAL;
			break;
		case PTUN_A_PEER_ENDPOINTS:
			mnl_attr_for_each_nested(ip, attr) {
				if (mnl_attr_get_type(ip) !=
				    PTUN_A_ENDPOINTS_ENTRY)
					continue;
				ret = parse_candidate(ip, peer);
				if (ret)
					return ret;
			}
			break;
		case PTUN_A_PEER_ALLOWED_IPS:
			peer->has |= PEER_HAS_ALLOWED_IPS;
			mnl_attr_for_each_nested(ip, attr) {
				if (mnl_attr_get_type(ip) != PTUN_A_ALLOWED_IP)
					continue;
				ret = parse_allowed_ip(ip, peer);
				if (ret)
					return ret;
			}
			break;
		}
	}
	return 0;
}

static int parse_stats(const struct nlattr *nest, struct ptun_device *dev)
{
	const struct nlattr *attr;
	uint16_t type;

	mnl_attr_for_each_nested(attr, nest) {
		type = mnl_attr_get_type(attr);
		if (type == PTUN_A_STATS_PAD || type > PTUN_A_STATS_MAX)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		dev->stats[type] = mnl_attr_get_u64(attr);
	}
	dev->has |= DEV_HAS_STATS;
	return 0;
}

static int parse_device(const struct nlmsghdr *nlh, struct ptun_device *dev)
{
	const struct nlattr *attr;
	int ret;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case PTUN_A_DEVICE_IFINDEX:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -EBADMSG;
			dev->ifindex = mnl_attr_get_u32(attr);
			dev->has |= DEV_HAS_IFINDEX;
			break;
		case PTUN_A_DEVICE_IFNAME:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
			    strlen(mnl_attr_get_str(attr)) >= IFNAMSIZ)
				return -EBADMSG;
			strcpy(dev->ifname, mnl_attr_get_str(attr));
			break;
		case PTUN_A_DEVICE_PUBLIC_KEY:
			if (mnl_attr_get_payload_len(attr) != PTUN_KEY_LEN)
				return -EBADMSG;
			memcpy(dev->public_key, mnl_attr_get_payload(attr),
			       PTUN_KEY_LEN);
			dev->has |= DEV_HAS_PUBLIC_KEY;
			break;
		case PTUN_A_DEVICE_LISTEN_PORT:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			dev->listen_port = mnl_attr_get_u16(attr);
			dev->has |= DEV_HAS_LISTEN_PORT;
			break;
		case PTUN_A_DEVICE_CIPHER:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			dev->cipher = mnl_attr_get_u16(attr);
			dev->has |= DEV_HAS_CIPHER;
			break;
		case PTUN_A_DEVICE_MSS_CLAMP:
			if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			dev->mss_clamp = mnl_attr_get_u16(attr);
			dev->has |= DEV_HAS_MSS_CLAMP;
			break;
		case PTUN_A_DEVICE_LINK_STATE:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			dev->link_state = mnl_attr_get_u8(attr);
			dev->has |= DEV_HAS_LINK_STATE;
			break;
		case PTUN_A_DEVICE_STATS:
			ret = parse_stats(attr, dev);
			if (ret)
				return ret;
			break;
		case PTUN_A_DEVICE_PEER:
			dev->has |= DEV_HAS_PEER;
			ret = parse_peer(attr, &dev->peer);
			if (ret)
				return ret;
			break;
		}
	}
	return 0;
}

/* The ifindex a reply names, 0 if none. */
static uint32_t reply_ifindex(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == PTUN_A_DEVICE_IFINDEX &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			return mnl_attr_get_u32(attr);
	return 0;
}

/*
 * A device whose allowed IPs do not fit one message comes in several in a
 * row, the next ones naming the same ifindex with more allowed IPs: they
 * add to the device already parsed.
 */
static int device_cb(const struct nlmsghdr *nlh, void *data)
{
	struct device_list *list = data;
	struct ptun_device *devs;
	uint32_t ifindex;
	int ret;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		list->interrupted = true;
	ifindex = reply_ifindex(nlh);
	if (list->n && ifindex && list->devs[list->n - 1].ifindex == ifindex)
		return parse_device(nlh, &list->devs[list->n - 1]);
	devs = realloc(list->devs, (list->n + 1) * sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	list->devs = devs;
	memset(&devs[list->n], 0, sizeof(*devs));
	ret = parse_device(nlh, &devs[list->n]);
	list->n++;
	return ret;
}

static void free_devices(struct device_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		config_free(&list->devs[i]);
	free(list->devs);
}

/* dumps retried when the configuration changed under them */
#define DUMP_TRIES	3

static void free_devices(struct device_list *list);

/* ifname NULL: every ptun device of the namespace; cmd names the command */
static int fetch_for(const char *ifname, struct device_list *list,
		     const char *cmd)
{
	char buf[NL_SMALL_REQUEST];
	unsigned int tries = 0;
	struct nlmsghdr *nlh;
	bool dump = !ifname;
	struct nl_ack ack;
	struct nl nl;
	int ret;

	if (nl_open(&nl))
		return -1;
again:
	nlh = nl_request_start(&nl, buf, PTUN_CMD_GET_DEVICE,
			       dump ? NLM_F_DUMP : NLM_F_ACK);
	if (ifname)
		mnl_attr_put_strz(nlh, PTUN_A_DEVICE_IFNAME, ifname);
	ret = nl_transact(&nl, nlh, device_cb, list, &ack);
	/*
	 * A device too big for one reply is dumped (several messages); a
	 * dump the configuration changed under is taken again, a few times.
	 */
	if ((ret && ack.error == -EMSGSIZE && !dump) ||
	    (!ret && list->interrupted && tries++ < DUMP_TRIES)) {
		free_devices(list);
		memset(list, 0, sizeof(*list));
		nl_kernel_refused = false;
		dump = true;
		goto again;
	}
	if (ret) {
		if (ack.error == -EBADMSG && !ack.msg[0])
			pr_err("%s %s: malformed reply from the kernel", cmd,
			       ifname ? ifname : "all");
		else
			pr_err("%s %s: %s", cmd, ifname ? ifname : "all",
			       ack.msg[0] ? ack.msg : strerror(-ack.error));
		ret = -1;
	} else if (list->interrupted) {
		pr_err("%s %s: the configuration kept changing while it was read",
		       cmd, ifname ? ifname : "all");
		ret = -1;
	} else if (ifname && list->n != 1) {
		pr_err("%s %s: expected one device in the reply, got %zu",
		       cmd, ifname, list->n);
		ret = -1;
	}
	nl_close(&nl);
	return ret;
}

static int fetch(const char *ifname, struct device_list *list)
{
	return fetch_for(ifname, list, "show");
}

int device_get(const char *ifname, struct ptun_device *dev, const char *cmd)
{
	struct device_list list = { 0 };
	int ret;

	ret = fetch_for(ifname, &list, cmd);
	if (!ret) {
		/* the list's one device moves to the caller */
		*dev = list.devs[0];
		list.n = 0;
	}
	free_devices(&list);
	return ret;
}

/* ---- value formatting shared by every output ---- */

static const struct drop_name {
	int attr;		/* PTUN_A_STATS_DROP_* */
	const char *field;	/* after "drop-" in one-field output */
	const char *json;	/* key in .stats.drops */
} drop_names[] = {
	{ PTUN_A_STATS_DROP_AUTH, "auth", "auth" },
	{ PTUN_A_STATS_DROP_REPLAY, "replay", "replay" },
	{ PTUN_A_STATS_DROP_SRC_NOT_ALLOWED, "src-not-allowed", "src_not_allowed" },
	{ PTUN_A_STATS_DROP_DST_NOT_ALLOWED, "dst-not-allowed", "dst_not_allowed" },
	{ PTUN_A_STATS_DROP_NO_SESSION, "no-session", "no_session" },
	{ PTUN_A_STATS_DROP_MALFORMED, "malformed", "malformed" },
	{ PTUN_A_STATS_DROP_CIPHER_MISMATCH, "cipher-mismatch", "cipher_mismatch" },
	{ PTUN_A_STATS_DROP_HANDSHAKE, "handshake", "handshake" },
	{ PTUN_A_STATS_DROP_TX_ERROR, "tx-error", "tx_error" },
	{ PTUN_A_STATS_DROP_RX_ERROR, "rx-error", "rx_error" },
	{ PTUN_A_STATS_DROP_RX_QUEUE_FULL, "rx-queue-full", "rx_queue_full" },
	{ PTUN_A_STATS_DROP_TX_QUEUE_FULL, "tx-queue-full", "tx_queue_full" },
};

/* every stats attribute but these is a drop reason */
_Static_assert(ARRAY_SIZE(drop_names) ==
	       PTUN_A_STATS_MAX - PTUN_A_STATS_DROP_AUTH,
	       "one name per drop reason");

static uint64_t handshake_secs(const struct ptun_device *dev)
{
	return dev->stats[PTUN_A_STATS_LAST_HANDSHAKE] / 1000000000ULL;
}

static void format_cipher(char *buf, size_t size, const struct ptun_device *dev)
{
	const char *name = cipher_name(dev->cipher);

	if (!(dev->has & DEV_HAS_CIPHER))
		snprintf(buf, size, "(none)");
	else if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "unknown (%u)", dev->cipher);
}

static const char *format_link_state(char *buf, size_t size, uint8_t state)
{
	const char *name = link_state_name(state);

	if (name)
		snprintf(buf, size, "%s", name);
	else
		snprintf(buf, size, "unknown (%u)", state);
	return buf;
}

static const char *candidate_state(uint8_t state)
{
	switch (state) {
	case PTUN_ENDPOINT_STATE_STANDBY:
		return "standby";
	case PTUN_ENDPOINT_STATE_ACTIVE:
		return "active";
	case PTUN_ENDPOINT_STATE_FAILED:
		return "failed";
	}
	return "unknown";
}

static void print_b64(const uint8_t key[PTUN_KEY_LEN])
{
	char b64[KEY_B64_LEN + 1];

	key_to_base64(b64, key);
	fputs(b64, stdout);
}

/* ---- human output ---- */

static void print_bytes(uint64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t i = 0;

	if (bytes < 1024) {
		printf("%" PRIu64 " B", bytes);
		return;
	}
	v /= 1024;
	while (v >= 1024 && i + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		i++;
	}
	printf("%.2f %s", v, units[i]);
}

static void print_stats(const struct ptun_device *dev)
{
	const uint64_t *st = dev->stats;
	bool any = false;
	uint64_t now;
	size_t i;

	printf("  latest handshake: ");
	if (!st[PTUN_A_STATS_LAST_HANDSHAKE]) {
		printf("never\n");
	} else {
		now = (uint64_t)time(NULL);
		printf("%" PRIu64 " seconds ago\n",
		       now > handshake_secs(dev) ? now - handshake_secs(dev) : 0);
	}
	printf("  transfer: ");
	print_bytes(st[PTUN_A_STATS_RX_BYTES]);
	printf(" received, ");
	print_bytes(st[PTUN_A_STATS_TX_BYTES]);
	printf(" sent\n");

	for (i = 0; i < ARRAY_SIZE(drop_names); i++) {
		uint64_t n = st[drop_names[i].attr];

		if (!n)
			continue;
		printf("%s%s %" PRIu64, any ? ", " : "  drops: ",
		       drop_names[i].field, n);
		any = true;
	}
	if (any)
		putchar('\n');
}

static void print_human(const struct ptun_device *dev)
{
	const struct ptun_peer *peer = &dev->peer;
	char buf[PTUN_ADDR_STRLEN];
	size_t i;

	printf("interface: %s\n", dev->ifname);
	printf("  public key: ");
	if (dev->has & DEV_HAS_PUBLIC_KEY) {
		print_b64(dev->public_key);
		printf("\n  private key: (hidden)\n");
	} else {
		printf("(none)\n");
	}
	printf("  listening port: %u\n", dev->listen_port);
	format_cipher(buf, sizeof(buf), dev);
	printf("  cipher: %s\n", buf);
	if (dev->mss_clamp != PTUN_MSS_CLAMP_OFF)
		printf("  mss clamp: %s\n",
		       format_mss_clamp(buf, sizeof(buf), dev->mss_clamp));
	if (dev->link_state != PTUN_LINK_STATE_UP)
		printf("  link-state: %s\n",
		       format_link_state(buf, sizeof(buf), dev->link_state));

	if (!(dev->has & DEV_HAS_PEER)) {
		print_stats(dev);
		return;
	}

	printf("\npeer: ");
	if (peer->has & PEER_HAS_PUBLIC_KEY)
		print_b64(peer->public_key);
	else
		printf("(none)");
	putchar('\n');
	if (peer->flags & PTUN_PEER_F_HAS_PRESHARED_KEY)
		printf("  preshared key: (hidden)\n");
	if ((peer->has & PEER_HAS_ENDPOINT) &&
	    !format_endpoint(buf, sizeof(buf), &peer->endpoint))
		printf("  endpoint: %s\n", buf);
	if (peer->endpoint_name[0])
		printf("  endpoint name: %s\n", peer->endpoint_name);
	if (peer->n_candidates > 1) {
		printf("  endpoints: ");
		for (i = 0; i < peer->n_candidates; i++) {
			if (format_endpoint(buf, sizeof(buf),
					    &peer->candidates[i]))
				strcpy(buf, "?");
			printf("%s%s (%s)", i ? ", " : "", buf,
			       candidate_state(peer->candidate_states[i]));
		}
		printf("\n  failover: after %u seconds, failback probe every %u seconds\n",
		       peer->failover_timeout, peer->failback_interval);
	}
	printf("  allowed ips: ");
	if (!peer->n_allowed_ips)
		printf("(none)");
	for (i = 0; i < peer->n_allowed_ips; i++) {
		if (format_cidr(buf, sizeof(buf), &peer->allowed_ips[i]))
			strcpy(buf, "?");
		printf("%s%s", i ? ", " : "", buf);
	}
	putchar('\n');
	if (peer->keepalive)
		printf("  persistent keepalive: every %u seconds\n",
		       peer->keepalive);
	print_stats(dev);
}

/* ---- JSON output ---- */

static void json_key_b64(struct json *j, const char *key,
			 const uint8_t k[PTUN_KEY_LEN], bool present)
{
	char b64[KEY_B64_LEN + 1];

	json_key(j, key);
	if (!present) {
		json_null(j);
		return;
	}
	key_to_base64(b64, k);
	json_string(j, b64);
}

static void json_u64_field(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	json_u64(j, v);
}

static void print_json_peer(struct json *j, const struct ptun_peer *peer)
{
	char buf[PTUN_ADDR_STRLEN];
	size_t i;

	json_object_begin(j);
	json_key_b64(j, "public_key", peer->public_key,
		     peer->has & PEER_HAS_PUBLIC_KEY);
	json_key(j, "preshared_key");
	json_bool(j, peer->flags & PTUN_PEER_F_HAS_PRESHARED_KEY);
	json_key(j, "endpoint");
	if ((peer->has & PEER_HAS_ENDPOINT) &&
	    !format_endpoint(buf, sizeof(buf), &peer->endpoint))
		json_string(j, buf);
	else
		json_null(j);
	/* only for a name: the keys of a peer given an address stay as they were */
	if (peer->endpoint_name[0]) {
		json_key(j, "endpoint_name");
		json_string(j, peer->endpoint_name);
	}
	json_key(j, "endpoints");
	json_array_begin(j);
	for (i = 0; i < peer->n_candidates; i++) {
		if (format_endpoint(buf, sizeof(buf), &peer->candidates[i]))
			continue;
		json_object_begin(j);
		json_key(j, "endpoint");
		json_string(j, buf);
		json_key(j, "state");
		json_string(j, candidate_state(peer->candidate_states[i]));
		json_object_end(j);
	}
	json_array_end(j);
	json_u64_field(j, "failover_timeout", peer->failover_timeout);
	json_u64_field(j, "failback_interval", peer->failback_interval);
	json_u64_field(j, "persistent_keepalive", peer->keepalive);
	json_key(j, "allowed_ips");
	json_array_begin(j);
	for (i = 0; i < peer->n_allowed_ips; i++)
		if (!format_cidr(buf, sizeof(buf), &peer->allowed_ips[i]))
			json_string(j, buf);
	json_array_end(j);
	json_object_end(j);
}

static void print_json(struct json *j, const struct ptun_device *dev)
{
	const uint64_t *st = dev->stats;
	const char *cipher;
	char buf[8];
	size_t i;

	json_object_begin(j);
	json_key(j, "ifname");
	json_string(j, dev->ifname);
	json_u64_field(j, "ifindex", dev->ifindex);
	json_key_b64(j, "public_key", dev->public_key,
		     dev->has & DEV_HAS_PUBLIC_KEY);
	json_u64_field(j, "listen_port", dev->listen_port);
	json_key(j, "cipher");
	cipher = cipher_name(dev->cipher);
	if (!(dev->has & DEV_HAS_CIPHER))
		json_null(j);
	else
		json_string(j, cipher ? cipher : "unknown");
	json_key(j, "mss_clamp");
	json_string(j, format_mss_clamp(buf, sizeof(buf), dev->mss_clamp));
	json_key(j, "link_state");
	json_string(j, link_state_name(dev->link_state) ?: "unknown");
	json_key(j, "peer");
	if (dev->has & DEV_HAS_PEER)
		print_json_peer(j, &dev->peer);
	else
		json_null(j);

	json_key(j, "stats");
	json_object_begin(j);
	json_u64_field(j, "rx_packets", st[PTUN_A_STATS_RX_PACKETS]);
	json_u64_field(j, "rx_bytes", st[PTUN_A_STATS_RX_BYTES]);
	json_u64_field(j, "tx_packets", st[PTUN_A_STATS_TX_PACKETS]);
	json_u64_field(j, "tx_bytes", st[PTUN_A_STATS_TX_BYTES]);
	json_u64_field(j, "handshakes", st[PTUN_A_STATS_HANDSHAKES]);
	json_u64_field(j, "latest_handshake", handshake_secs(dev));
	json_u64_field(j, "events_suppressed",
		       st[PTUN_A_STATS_EVENTS_SUPPRESSED]);
	json_key(j, "drops");
	json_object_begin(j);
	for (i = 0; i < ARRAY_SIZE(drop_names); i++)
		json_u64_field(j, drop_names[i].json,
			       st[drop_names[i].attr]);
	json_object_end(j);
	json_object_end(j);
	json_object_end(j);
}

/* ---- one field ---- */

enum field_kind {
	F_IFNAME,
	F_IFINDEX,
	F_PUBLIC_KEY,
	F_PRIVATE_KEY,
	F_LISTEN_PORT,
	F_CIPHER,
	F_MSS_CLAMP,
	F_LINK_STATE,
	F_PEER,
	F_PRESHARED_KEY,
	F_ENDPOINT,
	F_ENDPOINT_NAME,
	F_ENDPOINTS,
	F_FAILOVER_TIMEOUT,
	F_FAILBACK_INTERVAL,
	F_ALLOWED_IPS,
	F_KEEPALIVE,
	F_STAT,
};

struct field {
	const char *name;
	enum field_kind kind;
	uint16_t stat;			/* F_STAT: PTUN_A_STATS_* */
};

static const struct field fields[] = {
	{ "ifname", F_IFNAME, 0 },
	{ "ifindex", F_IFINDEX, 0 },
	{ "public-key", F_PUBLIC_KEY, 0 },
	{ "private-key", F_PRIVATE_KEY, 0 },
	{ "listen-port", F_LISTEN_PORT, 0 },
	{ "cipher", F_CIPHER, 0 },
	{ "mss-clamp", F_MSS_CLAMP, 0 },
	{ "link-state", F_LINK_STATE, 0 },
	{ "peer", F_PEER, 0 },
	{ "preshared-key", F_PRESHARED_KEY, 0 },
	{ "endpoint", F_ENDPOINT, 0 },
	{ "endpoint-name", F_ENDPOINT_NAME, 0 },
	{ "endpoints", F_ENDPOINTS, 0 },
	{ "failover-timeout", F_FAILOVER_TIMEOUT, 0 },
	{ "failback-interval", F_FAILBACK_INTERVAL, 0 },
	{ "allowed-ips", F_ALLOWED_IPS, 0 },
	{ "persistent-keepalive", F_KEEPALIVE, 0 },
	{ "latest-handshake", F_STAT, PTUN_A_STATS_LAST_HANDSHAKE },
	{ "rx-bytes", F_STAT, PTUN_A_STATS_RX_BYTES },
	{ "tx-bytes", F_STAT, PTUN_A_STATS_TX_BYTES },
	{ "rx-packets", F_STAT, PTUN_A_STATS_RX_PACKETS },
	{ "tx-packets", F_STAT, PTUN_A_STATS_TX_PACKETS },
	{ "handshakes", F_STAT, PTUN_A_STATS_HANDSHAKES },
	{ "drop-auth", F_STAT, PTUN_A_STATS_DROP_AUTH },
	{ "drop-replay", F_STAT, PTUN_A_STATS_DROP_REPLAY },
	{ "drop-src-not-allowed", F_STAT, PTUN_A_STATS_DROP_SRC_NOT_ALLOWED },
	{ "drop-dst-not-allowed", F_STAT, PTUN_A_STATS_DROP_DST_NOT_ALLOWED },
	{ "drop-no-session", F_STAT, PTUN_A_STATS_DROP_NO_SESSION },
	{ "drop-malformed", F_STAT, PTUN_A_STATS_DROP_MALFORMED },
	{ "drop-cipher-mismatch", F_STAT, PTUN_A_STATS_DROP_CIPHER_MISMATCH },
	{ "drop-handshake", F_STAT, PTUN_A_STATS_DROP_HANDSHAKE },
	{ "drop-tx-error", F_STAT, PTUN_A_STATS_DROP_TX_ERROR },
	{ "drop-rx-error", F_STAT, PTUN_A_STATS_DROP_RX_ERROR },
	{ "drop-rx-queue-full", F_STAT, PTUN_A_STATS_DROP_RX_QUEUE_FULL },
	{ "drop-tx-queue-full", F_STAT, PTUN_A_STATS_DROP_TX_QUEUE_FULL },
	{ "events-suppressed", F_STAT, PTUN_A_STATS_EVENTS_SUPPRESSED },
};

static const struct field *find_field(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(name, fields[i].name))
			return &fields[i];
	return NULL;
}

/* Absent values print as "(none)", the way the human output says it. */
static void print_field(const struct ptun_device *dev, const struct field *f)
{
	const struct ptun_peer *peer = &dev->peer;
	bool has_peer = dev->has & DEV_HAS_PEER;
	char buf[PTUN_ADDR_STRLEN];
	size_t i;

	switch (f->kind) {
	case F_IFNAME:
		printf("%s\n", dev->ifname);
		break;
	case F_IFINDEX:
		printf("%u\n", dev->ifindex);
		break;
	case F_PUBLIC_KEY:
		if (dev->has & DEV_HAS_PUBLIC_KEY)
			print_b64(dev->public_key);
		else
			printf("(none)");
		putchar('\n');
		break;
	case F_PRIVATE_KEY:
		/* refused before the kernel was asked */
		break;
	case F_LISTEN_PORT:
		printf("%u\n", dev->listen_port);
		break;
	case F_CIPHER:
		format_cipher(buf, sizeof(buf), dev);
		printf("%s\n", buf);
		break;
	case F_MSS_CLAMP:
		printf("%s\n", format_mss_clamp(buf, sizeof(buf),
						dev->mss_clamp));
		break;
	case F_LINK_STATE:
		printf("%s\n", format_link_state(buf, sizeof(buf),
						 dev->link_state));
		break;
	case F_PEER:
		if (has_peer && (peer->has & PEER_HAS_PUBLIC_KEY))
			print_b64(peer->public_key);
		else
			printf("(none)");
		putchar('\n');
		break;
	case F_PRESHARED_KEY:
		printf("%s\n", has_peer &&
		       (peer->flags & PTUN_PEER_F_HAS_PRESHARED_KEY) ?
		       "(hidden)" : "(none)");
		break;
	case F_ENDPOINT:
		if (!has_peer || !(peer->has & PEER_HAS_ENDPOINT) ||
		    format_endpoint(buf, sizeof(buf), &peer->endpoint))
			strcpy(buf, "(none)");
		printf("%s\n", buf);
		break;
	case F_ENDPOINT_NAME:
		printf("%s\n", has_peer && peer->endpoint_name[0] ?
		       peer->endpoint_name : "(none)");
		break;
	case F_ENDPOINTS:
		/* one line per candidate: HOST:PORT STATE */
		if (!has_peer || !peer->n_candidates)
			printf("(none)\n");
		for (i = 0; has_peer && i < peer->n_candidates; i++) {
			if (format_endpoint(buf, sizeof(buf),
					    &peer->candidates[i]))
				strcpy(buf, "?");
			printf("%s %s\n", buf,
			       candidate_state(peer->candidate_states[i]));
		}
		break;
	case F_FAILOVER_TIMEOUT:
		printf("%u\n", has_peer ? peer->failover_timeout : 0);
		break;
	case F_FAILBACK_INTERVAL:
		printf("%u\n", has_peer ? peer->failback_interval : 0);
		break;
	case F_ALLOWED_IPS:
		if (!has_peer || !peer->n_allowed_ips)
			printf("(none)");
		for (i = 0; has_peer && i < peer->n_allowed_ips; i++) {
			if (format_cidr(buf, sizeof(buf),
					&peer->allowed_ips[i]))
				strcpy(buf, "?");
			printf("%s%s", i ? " " : "", buf);
		}
		putchar('\n');
		break;
	case F_KEEPALIVE:
		printf("%u\n", has_peer ? peer->keepalive : 0);
		break;
	case F_STAT:
		if (f->stat == PTUN_A_STATS_LAST_HANDSHAKE)
			printf("%" PRIu64 "\n", handshake_secs(dev));
		else
			printf("%" PRIu64 "\n", dev->stats[f->stat]);
		break;
	}
}

/* ---- command ---- */

static int flush_stdout(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		pr_err("show: cannot write output: %s", strerror(errno));
		return 1;
	}
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct device_list list = { 0 };
	const struct field *field = NULL;
	const char *ifname = NULL;
	const char *pos[2];
	bool json = false;
	struct json j;
	int npos = 0;
	int i, ret;
	size_t d;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if (npos == 2) {
			pr_err("show: unexpected argument '%s' (usage: %s show [IFACE|all] [--json] | %s show IFACE FIELD)",
			       argv[i], PROG_NAME, PROG_NAME);
			return 1;
		}
		pos[npos++] = argv[i];
	}
	if (npos >= 1 && strcmp(pos[0], "all")) {
		ifname = pos[0];
		if (!*ifname || strlen(ifname) >= IFNAMSIZ) {
			pr_err("invalid interface name '%s': must be 1 to %d characters",
			       ifname, IFNAMSIZ - 1);
			return 1;
		}
	}
	if (npos == 2) {
		if (!ifname) {
			pr_err("show all: a field needs one interface, as in '%s show IFACE %s'",
			       PROG_NAME, pos[1]);
			return 1;
		}
		if (json) {
			pr_err("show %s %s: --json prints whole devices, not one field",
			       ifname, pos[1]);
			return 1;
		}
		field = find_field(pos[1]);
		if (!field) {
			pr_err("show %s: unknown field '%s'", ifname, pos[1]);
			return 1;
		}
		if (field->kind == F_PRIVATE_KEY) {
			pr_err("show %s: private-key is write-only", ifname);
			return 1;
		}
	}

	if (fetch(ifname, &list)) {
		free_devices(&list);
		return 1;
	}

	if (field) {
		print_field(&list.devs[0], field);
	} else if (json) {
		json_init(&j, stdout);
		if (!ifname)
			json_array_begin(&j);
		for (d = 0; d < list.n; d++)
			print_json(&j, &list.devs[d]);
		if (!ifname)
			json_array_end(&j);
		json_finish(&j);
	} else {
		for (d = 0; d < list.n; d++) {
			if (d)
				putchar('\n');
			print_human(&list.devs[d]);
		}
	}
	free_devices(&list);
	ret = flush_stdout();
	return ret;
}
