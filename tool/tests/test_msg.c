// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink message tests without a kernel: builds SET requests from command
 * lines and checks their attribute tree against uapi/linux/ptun.h, maps
 * extack offsets back to arguments, and parses a hand-made GET reply.
 * set.c and show.c are included so their static functions can be reached.
 *
 * "test_msg sample human|json|json-all|FIELD" prints the hand-made device
 * the way "ptun show" would, for tests/cli.sh to check with jq.
 */

#include <stdarg.h>

#include "../set.c"
#include "../show.c"

#include "request.h"
#include "tap.h"

#define PRIV_B64 "qH3FdRcI0hBHFk/wQgAboJzGJRPSLj6LemfIBKkn3Eo="
#define PEER_B64 "Fxvq4CfZ2PlOOx8g8Sfq28j/KQ6Kj4Rrky7z/ve30no="

static char key_file[64];

static int config(struct ptun_device *dev, int argc,
		  const char *const *argv)
{
	memset(dev, 0, sizeof(*dev));
	last_err[0] = '\0';
	if (config_set_ifname(dev, "ptun0"))
		return -1;
	return config_from_argv(dev, argc, (char **)argv);
}

static uint32_t offset_of(const struct built *b, const struct nlattr *a)
{
	return (uint32_t)((const char *)a - (const char *)b->nlh);
}

static int is_nested(const struct nlattr *a)
{
	return a && (a->nla_type & NLA_F_NESTED);
}

static void test_full_request(void)
{
	const char *argv[] = {
		"private-key", key_file, "listen-port", "51820",
		"cipher", "chacha20-poly1305", "peer", PEER_B64,
		"preshared-key", "/dev/null",
		"endpoint", "[2001:db8::1]:51820",
		"allowed-ips", "10.0.0.0/24, fd00::1/64",
		"persistent-keepalive", "25", "remove-peer",
	};
	const struct nlattr *a, *peer, *ips, *ip, *second = NULL;
	const struct genlmsghdr *genl;
	const struct arg_span *span;
	struct ptun_device dev;
	uint8_t key[PTUN_KEY_LEN];
	const char *why;
	struct built b;
	int n = 0;

	check(!config(&dev, 17, argv), "set: full command line parses");
	build(&b, &dev);
	genl = mnl_nlmsg_get_payload(b.nlh);
	check(b.nlh->nlmsg_type == 0x42 && genl->cmd == PTUN_CMD_SET_DEVICE &&
	      genl->version == PTUN_GENL_VERSION &&
	      (b.nlh->nlmsg_flags & (NLM_F_REQUEST | NLM_F_ACK)) ==
	      (NLM_F_REQUEST | NLM_F_ACK), "set: genl header");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_IFNAME);
	check(a && !strcmp(mnl_attr_get_str(a), "ptun0") &&
	      mnl_attr_get_payload_len(a) == 6, "set: ifname, NUL included");
	check(!find(NULL, b.nlh, PTUN_A_DEVICE_IFINDEX),
	      "set: ifindex not sent with ifname");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_PRIVATE_KEY);
	parse_key(key, PRIV_B64, strlen(PRIV_B64), &why);
	check(a && mnl_attr_get_payload_len(a) == PTUN_KEY_LEN &&
	      !memcmp(mnl_attr_get_payload(a), key, PTUN_KEY_LEN),
	      "set: private key from the file");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_LISTEN_PORT);
	check(a && mnl_attr_get_payload_len(a) == 2 &&
	      mnl_attr_get_u16(a) == 51820, "set: listen port u16 host order");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_CIPHER);
	check(a && mnl_attr_get_payload_len(a) == 2 &&
	      mnl_attr_get_u16(a) == PTUN_CIPHER_CHACHA20_POLY1305,
	      "set: cipher u16");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_FLAGS);
	check(a && mnl_attr_get_payload_len(a) == 4 &&
	      mnl_attr_get_u32(a) == PTUN_DEVICE_F_REMOVE_PEER,
	      "set: remove-peer flag");
	peer = find(NULL, b.nlh, PTUN_A_DEVICE_PEER);
	check(is_nested(peer), "set: peer nest with NLA_F_NESTED");
	if (!peer)
		return;
	a = find(peer, NULL, PTUN_A_PEER_PUBLIC_KEY);
	parse_key(key, PEER_B64, strlen(PEER_B64), &why);
	check(a && mnl_attr_get_payload_len(a) == PTUN_KEY_LEN &&
	      !memcmp(mnl_attr_get_payload(a), key, PTUN_KEY_LEN),
	      "set: peer public key");
	a = find(peer, NULL, PTUN_A_PEER_PRESHARED_KEY);
	check(a && mnl_attr_get_payload_len(a) == PTUN_KEY_LEN &&
	      key_is_zero(mnl_attr_get_payload(a)),
	      "set: preshared-key /dev/null sends zeros");
	check(!find(peer, NULL, PTUN_A_PEER_ENDPOINT_IPV4),
	      "set: no v4 endpoint with a v6 one");
	a = find(peer, NULL, PTUN_A_PEER_ENDPOINT_IPV6);
	check(a && mnl_attr_get_payload_len(a) == 16 &&
	      ((const uint8_t *)mnl_attr_get_payload(a))[0] == 0x20 &&
	      ((const uint8_t *)mnl_attr_get_payload(a))[15] == 1,
	      "set: v6 endpoint, network order");
	a = find(peer, NULL, PTUN_A_PEER_ENDPOINT_PORT);
	check(a && mnl_attr_get_u16(a) == 51820, "set: endpoint port");
	a = find(peer, NULL, PTUN_A_PEER_PERSISTENT_KEEPALIVE);
	check(a && mnl_attr_get_payload_len(a) == 2 &&
	      mnl_attr_get_u16(a) == 25, "set: keepalive u16");
	ips = find(peer, NULL, PTUN_A_PEER_ALLOWED_IPS);
	check(is_nested(ips), "set: allowed-ips nest with NLA_F_NESTED");
	if (!ips)
		return;
	mnl_attr_for_each_nested(ip, ips) {
		const struct nlattr *fam, *addr, *plen;

		n++;
		fam = find(ip, NULL, PTUN_A_ALLOWED_IP_FAMILY);
		addr = find(ip, NULL, PTUN_A_ALLOWED_IP_ADDR);
		plen = find(ip, NULL, PTUN_A_ALLOWED_IP_PREFIX_LEN);
		check(mnl_attr_get_type(ip) == PTUN_A_ALLOWED_IP &&
		      is_nested(ip), "set: allowed ip %d is a nested PTUN_A_ALLOWED_IP", n);
		if (n == 1)
			check(fam && mnl_attr_get_u16(fam) == AF_INET &&
			      addr && mnl_attr_get_payload_len(addr) == 4 &&
			      !memcmp(mnl_attr_get_payload(addr),
				      "\x0a\0\0\0", 4) &&
			      plen && mnl_attr_get_payload_len(plen) == 1 &&
			      mnl_attr_get_u8(plen) == 24,
			      "set: allowed ip 10.0.0.0/24");
		if (n == 2) {
			check(fam && mnl_attr_get_u16(fam) == AF_INET6 &&
			      addr && mnl_attr_get_payload_len(addr) == 16 &&
			      plen && mnl_attr_get_u8(plen) == 64,
			      "set: allowed ip fd00::1/64 sent as written");
			second = addr;
		}
	}
	check(n == 2, "set: two allowed ips");

	/* extack offsets name the argument */
	span = second ? map_find(&b.map, offset_of(&b, second)) : NULL;
	check(span && span->cidr && !strcmp(span->keyword, "allowed-ips") &&
	      span->cidr->family == AF_INET6,
	      "extack: offset inside an allowed ip maps to that entry");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_LISTEN_PORT);
	span = map_find(&b.map, offset_of(&b, a));
	check(span && !strcmp(span->keyword, "listen-port") &&
	      !strcmp(span->arg, "51820"), "extack: listen-port");
	span = map_find(&b.map, offset_of(&b, peer));
	check(span && !strcmp(span->keyword, "peer"), "extack: peer nest");
	span = map_find(&b.map, offset_of(&b, ips));
	check(span && !strcmp(span->keyword, "allowed-ips") && span->arg,
	      "extack: allowed-ips nest");
	a = find(peer, NULL, PTUN_A_PEER_ENDPOINT_PORT);
	span = map_find(&b.map, offset_of(&b, a) + 4);
	check(span && !strcmp(span->keyword, "endpoint"),
	      "extack: endpoint port payload");
	check(!map_find(&b.map, 4) && !map_find(&b.map, 100000),
	      "extack: header and out of range map to nothing");

	{
		struct nl_ack ack = { .error = -EINVAL, .has_offset = true };

		strcpy(ack.msg, "host bits set");
		ack.offset = offset_of(&b, second);
		report(&dev, "set", &ack, &b.map);
		check(!strcmp(last_err,
			      "ptun: set ptun0: host bits set (allowed-ips 'fd00::1/64')"),
		      "extack: message names the allowed ip");
		ack.has_offset = false;
		ack.msg[0] = '\0';
		ack.error = -EPERM;
		report(&dev, "set", &ack, &b.map);
		check(!strcmp(last_err,
			      "ptun: set ptun0: Operation not permitted"),
		      "extack: errno text without a message");
	}
	config_free(&dev);
}

static void test_partial_requests(void)
{
	const char *clear[] = { "allowed-ips", "" };
	const char *nopeer[] = { "persistent-keepalive", "off",
				 "endpoint", "192.0.2.1:7" };
	const char *session[] = { "link-state", "session" };
	const char *up[] = { "link-state", "up" };
	const char *none[] = { NULL };
	const struct nlattr *peer, *ips, *a;
	const struct arg_span *span;
	struct ptun_device dev;
	struct built b;

	check(!config(&dev, 2, clear), "set: allowed-ips \"\" parses");
	build(&b, &dev);
	peer = find(NULL, b.nlh, PTUN_A_DEVICE_PEER);
	ips = peer ? find(peer, NULL, PTUN_A_PEER_ALLOWED_IPS) : NULL;
	check(ips && mnl_attr_get_payload_len(ips) == 0 && is_nested(ips),
	      "set: allowed-ips \"\" sends an empty nest");
	check(peer && !find(peer, NULL, PTUN_A_PEER_PUBLIC_KEY),
	      "set: no public key unless peer is given");
	check(!find(NULL, b.nlh, PTUN_A_DEVICE_LISTEN_PORT) &&
	      !find(NULL, b.nlh, PTUN_A_DEVICE_PRIVATE_KEY) &&
	      !find(NULL, b.nlh, PTUN_A_DEVICE_FLAGS),
	      "set: absent settings are not sent");
	config_free(&dev);

	check(!config(&dev, 4, nopeer), "set: peer settings without peer");
	build(&b, &dev);
	peer = find(NULL, b.nlh, PTUN_A_DEVICE_PEER);
	a = peer ? find(peer, NULL, PTUN_A_PEER_PERSISTENT_KEEPALIVE) : NULL;
	check(a && mnl_attr_get_u16(a) == 0, "set: keepalive off sends 0");
	a = peer ? find(peer, NULL, PTUN_A_PEER_ENDPOINT_IPV4) : NULL;
	check(a && !memcmp(mnl_attr_get_payload(a), "\xc0\x00\x02\x01", 4),
	      "set: v4 endpoint");
	config_free(&dev);

	check(!config(&dev, 0, none), "set: nothing but the interface");
	build(&b, &dev);
	check(!find(NULL, b.nlh, PTUN_A_DEVICE_PEER), "set: no empty peer nest");
	check(!find(NULL, b.nlh, PTUN_A_DEVICE_LINK_STATE),
	      "set: no link state unless given");
	config_free(&dev);

	check(!config(&dev, 2, session), "set: link-state session parses");
	build(&b, &dev);
	a = find(NULL, b.nlh, PTUN_A_DEVICE_LINK_STATE);
	check(a && mnl_attr_get_payload_len(a) == 1 &&
	      mnl_attr_get_u8(a) == PTUN_LINK_STATE_SESSION,
	      "set: link state u8 session");
	span = a ? map_find(&b.map, offset_of(&b, a)) : NULL;
	check(span && !strcmp(span->keyword, "link-state") &&
	      !strcmp(span->arg, "session"), "extack: link-state");
	config_free(&dev);

	check(!config(&dev, 2, up), "set: link-state up parses");
	build(&b, &dev);
	a = find(NULL, b.nlh, PTUN_A_DEVICE_LINK_STATE);
	check(a && mnl_attr_get_u8(a) == PTUN_LINK_STATE_UP,
	      "set: link state u8 up");
	config_free(&dev);
}

static void test_candidates(void)
{
	const char *two[] = { "endpoint", "192.0.2.1:7, [2001:db8::2]:8",
			      "failover-timeout", "3",
			      "failback-interval", "default" };
	const char *dup[] = { "endpoint", "192.0.2.1:7,192.0.2.1:7" };
	const char *nine[] = { "endpoint",
			       "192.0.2.1:1,192.0.2.1:2,192.0.2.1:3,192.0.2.1:4,"
			       "192.0.2.1:5,192.0.2.1:6,192.0.2.1:7,192.0.2.1:8,"
			       "192.0.2.1:9" };
	const struct nlattr *peer, *list, *entry, *a;
	struct ptun_device dev;
	struct built b;
	int n = 0;

	check(!config(&dev, 6, two), "set: two candidates and their timers parse");
	build(&b, &dev);
	peer = find(NULL, b.nlh, PTUN_A_DEVICE_PEER);
	list = peer ? find(peer, NULL, PTUN_A_PEER_ENDPOINTS) : NULL;
	check(list && is_nested(list) &&
	      !find(peer, NULL, PTUN_A_PEER_ENDPOINT_IPV4) &&
	      !find(peer, NULL, PTUN_A_PEER_ENDPOINT_PORT),
	      "set: a list goes as the endpoints nest, not the endpoint");
	mnl_attr_for_each_nested(entry, list) {
		const struct nlattr *v4, *v6, *port;

		v4 = find(entry, NULL, PTUN_A_ENDPOINT_IPV4);
		v6 = find(entry, NULL, PTUN_A_ENDPOINT_IPV6);
		port = find(entry, NULL, PTUN_A_ENDPOINT_PORT);
		if (mnl_attr_get_type(entry) != PTUN_A_ENDPOINTS_ENTRY ||
		    !port)
			break;
		if (n == 0 && v4 && mnl_attr_get_u16(port) == 7 &&
		    !memcmp(mnl_attr_get_payload(v4), "\xc0\x00\x02\x01", 4))
			n++;
		else if (n == 1 && v6 && mnl_attr_get_u16(port) == 8)
			n++;
		else
			break;
	}
	check(n == 2, "set: the candidates in order (got %d)", n);
	a = peer ? find(peer, NULL, PTUN_A_PEER_FAILOVER_TIMEOUT) : NULL;
	check(a && mnl_attr_get_u16(a) == 3, "set: failover-timeout");
	a = peer ? find(peer, NULL, PTUN_A_PEER_FAILBACK_INTERVAL) : NULL;
	check(a && mnl_attr_get_u16(a) == 0, "set: failback-interval default sends 0");
	check(map_find(&b.map, offset_of(&b, list)) &&
	      !strcmp(map_find(&b.map, offset_of(&b, list))->keyword,
		      "endpoint"), "extack: the list names endpoint");
	config_free(&dev);

	check(config(&dev, 2, dup) &&
	      !strcmp(last_err, "ptun: invalid value '192.0.2.1:7,192.0.2.1:7' for endpoint: candidate '192.0.2.1:7' given twice"),
	      "set: a candidate given twice");
	config_free(&dev);
	check(config(&dev, 2, nine) &&
	      strstr(last_err, "for endpoint: more than 8 candidates"),
	      "set: more than 8 candidates");
	config_free(&dev);
}

static void test_bad_command_lines(void)
{
	static const struct {
		int argc;
		const char *argv[4];
		const char *err;
	} cases[] = {
		{ 4, { "listen-port", "1", "listen-port", "2" },
		  "ptun: keyword 'listen-port' given more than once" },
		{ 1, { "bogus" },
		  "ptun: unknown keyword 'bogus' for set (see 'ptun help')" },
		{ 1, { "endpoint" }, "ptun: missing value for endpoint" },
		{ 4, { "private-key", "-", "preshared-key", "-" },
		  "ptun: cannot read '-' for preshared-key: standard input is already used for another key" },
		{ 2, { "peer", "abc" },
		  "ptun: invalid key 'abc' for peer: not the base64 encoding of 32 bytes" },
		{ 2, { "cipher", "foo" },
		  "ptun: unknown cipher 'foo' (expected aes-256-gcm or chacha20-poly1305)" },
		{ 2, { "persistent-keepalive", "never" },
		  "ptun: invalid value 'never' for persistent-keepalive: not a number of seconds from 0 to 65535, or 'off'" },
		{ 2, { "private-key", "/nonexistent/key" },
		  "ptun: cannot open '/nonexistent/key' for private-key: No such file or directory" },
	};
	struct ptun_device dev;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret;

		/* "-" reads stdin: make it empty and harmless */
		if (!freopen("/dev/null", "r", stdin))
			return;
		ret = config(&dev, cases[i].argc, cases[i].argv);
		check(ret && !strcmp(last_err, cases[i].err),
		      "set: rejects '%s %s'", cases[i].argv[0],
		      cases[i].argv[1] ? cases[i].argv[1] : "");
		config_free(&dev);
	}
}

/* A GET reply as the module would send it. */
static void fake_reply(char *buf, const char *ifname, uint32_t ifindex,
		       bool full)
{
	struct nlattr *stats, *peer, *ips, *ip;
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	uint8_t key[PTUN_KEY_LEN];
	const char *why;
	uint16_t t;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 0x42;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = PTUN_CMD_GET_DEVICE;
	genl->version = PTUN_GENL_VERSION;
	mnl_attr_put_u32(nlh, PTUN_A_DEVICE_IFINDEX, ifindex);
	mnl_attr_put_strz(nlh, PTUN_A_DEVICE_IFNAME, ifname);
	if (full) {
		parse_key(key, PRIV_B64, strlen(PRIV_B64), &why);
		mnl_attr_put(nlh, PTUN_A_DEVICE_PUBLIC_KEY, PTUN_KEY_LEN, key);
	}
	mnl_attr_put_u16(nlh, PTUN_A_DEVICE_LISTEN_PORT, full ? 51820 : 0);
	mnl_attr_put_u16(nlh, PTUN_A_DEVICE_CIPHER, PTUN_CIPHER_AES_256_GCM);
	mnl_attr_put_u8(nlh, PTUN_A_DEVICE_LINK_STATE,
			full ? PTUN_LINK_STATE_SESSION : PTUN_LINK_STATE_UP);
	stats = mnl_attr_nest_start(nlh, PTUN_A_DEVICE_STATS);
	for (t = PTUN_A_STATS_RX_PACKETS; full && t <= PTUN_A_STATS_MAX; t++) {
		mnl_attr_put(nlh, PTUN_A_STATS_PAD, 0, NULL);
		if (t == PTUN_A_STATS_LAST_HANDSHAKE)
			mnl_attr_put_u64(nlh, t, 1700000000123456789ULL);
		else if (t == PTUN_A_STATS_RX_BYTES)
			mnl_attr_put_u64(nlh, t, 1234567);
		else if (t >= PTUN_A_STATS_DROP_AUTH && t != PTUN_A_STATS_DROP_REPLAY &&
			 t != PTUN_A_STATS_DROP_AUTH)
			mnl_attr_put_u64(nlh, t, 0);
		else
			mnl_attr_put_u64(nlh, t, t * 10);
	}
	mnl_attr_nest_end(nlh, stats);
	if (!full)
		return;
	peer = mnl_attr_nest_start(nlh, PTUN_A_DEVICE_PEER);
	parse_key(key, PEER_B64, strlen(PEER_B64), &why);
	mnl_attr_put(nlh, PTUN_A_PEER_PUBLIC_KEY, PTUN_KEY_LEN, key);
	mnl_attr_put_u32(nlh, PTUN_A_PEER_FLAGS, PTUN_PEER_F_HAS_PRESHARED_KEY);
	mnl_attr_put(nlh, PTUN_A_PEER_ENDPOINT_IPV4, 4, "\xc0\x00\x02\x01");
	mnl_attr_put_u16(nlh, PTUN_A_PEER_ENDPOINT_PORT, 51821);
	mnl_attr_put_u16(nlh, PTUN_A_PEER_PERSISTENT_KEEPALIVE, 25);
	ips = mnl_attr_nest_start(nlh, PTUN_A_PEER_ALLOWED_IPS);
	ip = mnl_attr_nest_start(nlh, PTUN_A_ALLOWED_IP);
	mnl_attr_put_u16(nlh, PTUN_A_ALLOWED_IP_FAMILY, AF_INET);
	mnl_attr_put(nlh, PTUN_A_ALLOWED_IP_ADDR, 4, "\x0a\x00\x00\x00");
	mnl_attr_put_u8(nlh, PTUN_A_ALLOWED_IP_PREFIX_LEN, 24);
	mnl_attr_nest_end(nlh, ip);
	ip = mnl_attr_nest_start(nlh, PTUN_A_ALLOWED_IP);
	mnl_attr_put_u16(nlh, PTUN_A_ALLOWED_IP_FAMILY, AF_INET6);
	mnl_attr_put(nlh, PTUN_A_ALLOWED_IP_ADDR, 16,
		     "\xfd\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
	mnl_attr_put_u8(nlh, PTUN_A_ALLOWED_IP_PREFIX_LEN, 64);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, peer);
}

static void test_reply_parsing(void)
{
	struct device_list list = { 0 };
	char buf[4096];
	struct ptun_device *dev;
	char ep[PTUN_ADDR_STRLEN];

	fake_reply(buf, "ptun0", 7, true);
	check(!device_cb((struct nlmsghdr *)buf, &list) && list.n == 1,
	      "show: full reply parses");
	dev = &list.devs[0];
	check(dev->ifindex == 7 && !strcmp(dev->ifname, "ptun0") &&
	      dev->listen_port == 51820 &&
	      dev->cipher == PTUN_CIPHER_AES_256_GCM &&
	      dev->link_state == PTUN_LINK_STATE_SESSION &&
	      (dev->has & DEV_HAS_LINK_STATE) &&
	      (dev->has & DEV_HAS_PUBLIC_KEY), "show: device attributes");
	check(dev->stats[PTUN_A_STATS_RX_BYTES] == 1234567 &&
	      dev->stats[PTUN_A_STATS_DROP_REPLAY] ==
	      PTUN_A_STATS_DROP_REPLAY * 10 &&
	      handshake_secs(dev) == 1700000000, "show: stats");
	check((dev->has & DEV_HAS_PEER) && dev->peer.keepalive == 25 &&
	      (dev->peer.flags & PTUN_PEER_F_HAS_PRESHARED_KEY) &&
	      dev->peer.n_allowed_ips == 2 &&
	      dev->peer.allowed_ips[1].family == AF_INET6 &&
	      dev->peer.allowed_ips[1].prefix_len == 64, "show: peer");
	check(!format_endpoint(ep, sizeof(ep), &dev->peer.endpoint) &&
	      !strcmp(ep, "192.0.2.1:51821"), "show: endpoint");

	fake_reply(buf, "ptun1", 8, false);
	check(!device_cb((struct nlmsghdr *)buf, &list) && list.n == 2 &&
	      !(list.devs[1].has & (DEV_HAS_PEER | DEV_HAS_PUBLIC_KEY)),
	      "show: bare device parses");

	/* a key of the wrong size is the kernel's bug: say so */
	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

		mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
		mnl_attr_put(nlh, PTUN_A_DEVICE_PUBLIC_KEY, 31, buf + 100);
		check(device_cb(nlh, &list) == -EBADMSG,
		      "show: malformed reply rejected");
	}
	free_devices(&list);
}

static int sample(const char *what)
{
	struct device_list list = { 0 };
	char buf[4096];
	const struct field *f;
	struct json j;
	size_t i;

	fake_reply(buf, "ptun0", 7, true);
	device_cb((struct nlmsghdr *)buf, &list);
	fake_reply(buf, "ptun\"1", 8, false);
	device_cb((struct nlmsghdr *)buf, &list);
	if (!strcmp(what, "human")) {
		print_human(&list.devs[0]);
		putchar('\n');
		print_human(&list.devs[1]);
	} else if (!strcmp(what, "json") || !strcmp(what, "json-all")) {
		json_init(&j, stdout);
		if (!strcmp(what, "json")) {
			print_json(&j, &list.devs[0]);
		} else {
			json_array_begin(&j);
			for (i = 0; i < list.n; i++)
				print_json(&j, &list.devs[i]);
			json_array_end(&j);
		}
		json_finish(&j);
	} else {
		f = find_field(what);
		if (!f)
			return 1;
		print_field(&list.devs[what[0] == '1' ? 1 : 0], f);
		print_field(&list.devs[1], f);
	}
	free_devices(&list);
	return 0;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc == 3 && !strcmp(argv[1], "sample"))
		return sample(argv[2]);

	strcpy(key_file, "/tmp/ptun-test-key.XXXXXX");
	fd = mkstemp(key_file);
	if (fd < 0 || write(fd, PRIV_B64 "\n", 45) != 45)
		return 2;
	close(fd);

	test_full_request();
	test_partial_requests();
	test_candidates();
	test_bad_command_lines();
	test_reply_parsing();
	unlink(key_file);
	printf("# %d tests, %d failed\n", test_n, test_failed);
	return test_failed ? 1 : 0;
}
