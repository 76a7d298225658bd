// SPDX-License-Identifier: GPL-2.0
/*
 * Config file tests without a kernel: the parser (every key, every kind of
 * mistake and its FILE:LINE message), the requests setconf, addconf and
 * syncconf build from a file and a device as the kernel would describe it
 * (checked in the built netlink message, as test_msg does for set), and
 * showconf's output read back. set.c and setconf.c are included for
 * their static functions.
 */

#include <stdarg.h>
#include <linux/genetlink.h>

#include "../set.c"
#include "../setconf.c"

#include "key.h"
#include "request.h"
#include "tap.h"

#define PRIV_B64 "qH3FdRcI0hBHFk/wQgAboJzGJRPSLj6LemfIBKkn3Eo="
/* not PRIV_B64's public key: the device's own key is printed too */
#define PEER_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define PEER2_B64 "HIgo9xNzJMWLKLZ9Cs5wzEXH+S3lQ0R3lTOlFzQVV0M="
#define PSK_B64 "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="

static char key_file[64];

/* Parses text as the config file "t.conf" into dev (ptun0). */
static int parse(struct ptun_device *dev, const char *text)
{
	FILE *f;
	int ret;

	memset(dev, 0, sizeof(*dev));
	last_err[0] = '\0';
	n_err = 0;
	config_set_ifname(dev, "ptun0");
	f = fmemopen((void *)text, strlen(text), "r");
	if (!f)
		return -2;
	ret = conf_parse(dev, "t.conf", f, false);
	fclose(f);
	return ret;
}

static int b64(uint8_t key[PTUN_KEY_LEN], const char *s)
{
	const char *why;

	return parse_key(key, s, strlen(s), &why);
}

static void test_every_key(void)
{
	char text[1024];
	struct ptun_device dev;
	uint8_t key[PTUN_KEY_LEN];
	char ep[PTUN_ADDR_STRLEN];
	const struct ptun_peer *p = &dev.peer;

	snprintf(text, sizeof(text),
		 "# a comment line\n"
		 "[Interface]\n"
		 "PrivateKey = %s\n"
		 "ListenPort = 51820\n"
		 "Cipher = chacha20-poly1305\n"
		 "\n"
		 "[Peer]\n"
		 "PublicKey = %s\n"
		 "PresharedKey = %s\n"
		 "Endpoint = [2001:db8::1]:51821 , 192.0.2.3:4\n"
		 "FailoverTimeout = 3\n"
		 "FailbackInterval = 10\n"
		 "AllowedIPs = 10.0.0.0/24, fd00::/64\n"
		 "AllowedIPs = 192.168.1.7\n"
		 "PersistentKeepalive = 25\n", PRIV_B64, PEER_B64, PSK_B64);
	check(!parse(&dev, text), "conf: every key parses");
	b64(key, PRIV_B64);
	check((dev.has & DEV_HAS_PRIVATE_KEY) &&
	      !memcmp(dev.private_key, key, PTUN_KEY_LEN),
	      "conf: PrivateKey");
	check((dev.has & DEV_HAS_LISTEN_PORT) && dev.listen_port == 51820,
	      "conf: ListenPort");
	check((dev.has & DEV_HAS_CIPHER) &&
	      dev.cipher == PTUN_CIPHER_CHACHA20_POLY1305, "conf: Cipher");
	check(dev.has & DEV_HAS_PEER, "conf: [Peer] gives a peer");
	b64(key, PEER_B64);
	check((p->has & PEER_HAS_PUBLIC_KEY) &&
	      !memcmp(p->public_key, key, PTUN_KEY_LEN), "conf: PublicKey");
	b64(key, PSK_B64);
	check((p->has & PEER_HAS_PRESHARED_KEY) &&
	      !memcmp(p->preshared_key, key, PTUN_KEY_LEN),
	      "conf: PresharedKey");
	check((p->has & PEER_HAS_ENDPOINT) &&
	      !format_endpoint(ep, sizeof(ep), &p->endpoint) &&
	      !strcmp(ep, "[2001:db8::1]:51821"), "conf: Endpoint");
	check(p->n_candidates == 2 &&
	      !format_endpoint(ep, sizeof(ep), &p->candidates[1]) &&
	      !strcmp(ep, "192.0.2.3:4"), "conf: Endpoint list");
	check((p->has & PEER_HAS_FAILOVER_TIMEOUT) && p->failover_timeout == 3 &&
	      (p->has & PEER_HAS_FAILBACK_INTERVAL) && p->failback_interval == 10,
	      "conf: FailoverTimeout and FailbackInterval");
	check((p->has & PEER_HAS_ALLOWED_IPS) && p->n_allowed_ips == 3 &&
	      p->allowed_ips[2].family == AF_INET &&
	      p->allowed_ips[2].prefix_len == 32,
	      "conf: AllowedIPs on two lines append");
	check(dev.args.ip_lines && dev.args.ip_lines[0] == 13 &&
	      dev.args.ip_lines[1] == 13 && dev.args.ip_lines[2] == 14,
	      "conf: each allowed IP knows its line");
	check((p->has & PEER_HAS_KEEPALIVE) && p->keepalive == 25,
	      "conf: PersistentKeepalive");
	check(dev.args.line[SET_LISTEN_PORT] == 4 &&
	      dev.args.line[SET_PEER] == 8 && !strcmp(dev.args.file, "t.conf"),
	      "conf: lines of the settings");
	check(!dev.args.private_key && !dev.args.preshared_key,
	      "conf: key text is not kept for messages");
	config_free(&dev);

	snprintf(text, sizeof(text),
		 "[Interface]\r\n"
		 "  privatekeyfile\t=  %s  \r\n"
		 "LISTENPORT=0#no blanks, a comment\r\n"
		 "[ peer ]\r\n"
		 "publickey = %s # trailing comment\r\n"
		 "presharedkeyfile = /dev/null\r\n"
		 "allowedips =\r\n"
		 "Persistentkeepalive = off\r\n", key_file, PEER_B64);
	check(!parse(&dev, text),
	      "conf: CRLF, case, blanks and comments are tolerated");
	b64(key, PRIV_B64);
	check(!memcmp(dev.private_key, key, PTUN_KEY_LEN) &&
	      !strcmp(dev.args.private_key, key_file),
	      "conf: PrivateKeyFile is read");
	check(dev.listen_port == 0 && (dev.has & DEV_HAS_LISTEN_PORT),
	      "conf: ListenPort 0");
	check((p->has & PEER_HAS_PRESHARED_KEY) &&
	      key_is_zero(p->preshared_key),
	      "conf: PresharedKeyFile /dev/null is the zero key");
	check((p->has & PEER_HAS_ALLOWED_IPS) && !p->n_allowed_ips,
	      "conf: empty AllowedIPs is an empty list");
	check((p->has & PEER_HAS_KEEPALIVE) && !p->keepalive,
	      "conf: PersistentKeepalive off");
	config_free(&dev);

	check(!parse(&dev, "") && !dev.has, "conf: an empty file is nothing");
	config_free(&dev);
	check(!parse(&dev, "[Interface]\n") && !dev.has,
	      "conf: an empty [Interface] is nothing");
	config_free(&dev);
	check(!parse(&dev, "[Interface]\nListenPort = 7") &&
	      dev.listen_port == 7, "conf: no newline at the end");
	config_free(&dev);
}

static void test_bad_files(void)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		{ "ListenPort = 1\n",
		  "ptun: t.conf:1: ListenPort outside a section: it belongs in [Interface]" },
		{ "# c\n\nFoo = 1\n", "ptun: t.conf:3: unknown key 'Foo'" },
		{ "[Interface]\nFoo = 1\n",
		  "ptun: t.conf:2: unknown key 'Foo' in [Interface]" },
		{ "[Interface]\nPublicKey = " PEER_B64 "\n",
		  "ptun: t.conf:2: PublicKey belongs in [Peer], not in [Interface]" },
		{ "[Interface]\n[Peer]\nListenPort = 1\n",
		  "ptun: t.conf:3: ListenPort belongs in [Interface], not in [Peer]" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\n[Peer]\nPublicKey = " PEER2_B64 "\n",
		  "ptun: t.conf:3: a second [Peer] section (the first is on line 1): a ptun device has exactly one peer" },
		{ "[Interface]\n[interface]\n",
		  "ptun: t.conf:2: a second [Interface] section (the first is on line 1)" },
		{ "[Interfaces]\n",
		  "ptun: t.conf:1: unknown section '[Interfaces]' (expected [Interface] or [Peer])" },
		{ "[Peer\n",
		  "ptun: t.conf:1: missing ']' at the end of the section name" },
		{ "[Interface]\nListenPort 1\n",
		  "ptun: t.conf:2: expected 'Key = Value' or a [Section]" },
		{ "[Interface]\n = 1\n",
		  "ptun: t.conf:2: missing key name before '='" },
		{ "[Interface]\nListenPort =\n",
		  "ptun: t.conf:2: missing value for ListenPort" },
		{ "[Interface]\nListenPort = 65536\n",
		  "ptun: t.conf:2: invalid value '65536' for ListenPort: not a port number from 0 to 65535" },
		{ "[Interface]\r\nListenPort = 1\r\nlistenport = 2\r\n",
		  "ptun: t.conf:3: ListenPort given more than once (first on line 2)" },
		{ "[Interface]\nCipher = rot13\n",
		  "ptun: t.conf:2: unknown cipher 'rot13' (expected aes-256-gcm or chacha20-poly1305)" },
		{ "[Interface]\nPrivateKey = c2hvcnQ=\n",
		  "ptun: t.conf:2: invalid key for PrivateKey: not the base64 encoding of 32 bytes" },
		{ "[Interface]\nPrivateKeyFile = /nonexistent/key\n",
		  "ptun: t.conf:2: cannot open '/nonexistent/key' for PrivateKeyFile: No such file or directory" },
		{ "[Interface]\nPrivateKey = " PRIV_B64 "\nPrivateKeyFile = /dev/null\n",
		  "ptun: t.conf:3: PrivateKeyFile and PrivateKey both given (PrivateKey on line 2): give one" },
		{ "[Interface]\nMssClamp = 535\n",
		  "ptun: t.conf:2: invalid value '535' for MssClamp: not a segment size from 536 to 65535 bytes, 'auto' or 'off'" },
		{ "[Interface]\nMssClamp = 65536\n",
		  "ptun: t.conf:2: invalid value '65536' for MssClamp: not a segment size from 536 to 65535 bytes, 'auto' or 'off'" },
		{ "[Interface]\nMssClamp = yes\n",
		  "ptun: t.conf:2: invalid value 'yes' for MssClamp: not a segment size from 536 to 65535 bytes, 'auto' or 'off'" },
		{ "[Peer]\nPersistentKeepalive = 25\n",
		  "ptun: t.conf:1: [Peer] without PublicKey" },
		{ "[Peer]\nPublicKey = abc\n",
		  "ptun: t.conf:2: invalid key 'abc' for PublicKey: not the base64 encoding of 32 bytes" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nPresharedKey = " PSK_B64 "x\n",
		  "ptun: t.conf:3: invalid key for PresharedKey: not the base64 encoding of 32 bytes" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nPresharedKeyFile = /dev/null\nPresharedKey = " PSK_B64 "\n",
		  "ptun: t.conf:4: PresharedKey and PresharedKeyFile both given (PresharedKeyFile on line 3): give one" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nEndpoint = 192.0.2.1\n",
		  "ptun: t.conf:3: invalid value '192.0.2.1' for Endpoint: missing ':PORT' after the address" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nEndpoint = 192.0.2.1:1, 192.0.2.1:1\n",
		  "ptun: t.conf:3: invalid value '192.0.2.1:1, 192.0.2.1:1' for Endpoint: candidate '192.0.2.1:1' given twice" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nFailoverTimeout = soon\n",
		  "ptun: t.conf:3: invalid value 'soon' for FailoverTimeout: not a number of seconds from 1 to 65535, or 0 or 'default'" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nEndpoint = 192.0.2.1:1,192.0.2.2:0\n",
		  "ptun: t.conf:3: invalid value '192.0.2.2:0' for Endpoint: port is not a number from 1 to 65535" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nAllowedIPs = 10.0.0.0/8\nAllowedIPs = 10.0.0.300\n",
		  "ptun: t.conf:4: invalid address '10.0.0.300' for AllowedIPs: not an IPv4 or IPv6 address" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nAllowedIPs = 10.0.0.0/8,\n",
		  "ptun: t.conf:3: invalid value '10.0.0.0/8,' for AllowedIPs: empty entry" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nPersistentKeepalive = sometimes\n",
		  "ptun: t.conf:3: invalid value 'sometimes' for PersistentKeepalive: not a number of seconds from 0 to 65535, or 'off'" },
		{ "[Peer]\nPublicKey = " PEER_B64 "\nPublicKey = " PEER_B64 "\n",
		  "ptun: t.conf:3: PublicKey given more than once (first on line 2)" },
	};
	struct ptun_device dev;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int ret = parse(&dev, cases[i].text);

		check(ret == -1 && n_err == 1 && !strcmp(last_err, cases[i].err),
		      "conf: bad file %zu: %s", i, cases[i].err + 6);
		config_free(&dev);
	}

	/* a NUL byte, which fmemopen with strlen() cannot carry */
	{
		static const char text[] = "[Interface]\nListenPort = 1\0x\n";
		FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

		memset(&dev, 0, sizeof(dev));
		check(f && conf_parse(&dev, "t.conf", f, false) &&
		      !strcmp(last_err, "ptun: t.conf:2: a NUL byte in the line: not a text file"),
		      "conf: a NUL byte is refused");
		if (f)
			fclose(f);
		config_free(&dev);
	}
	{
		static const char text[] = "[Interface]\nPrivateKeyFile = -\n";
		FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

		memset(&dev, 0, sizeof(dev));
		check(f && conf_parse(&dev, "-", f, true) &&
		      !strcmp(last_err, "ptun: <stdin>:2: cannot read '-' for PrivateKeyFile: standard input is already used for the configuration"),
		      "conf: a key file cannot be stdin when the file is");
		if (f)
			fclose(f);
		config_free(&dev);
	}
	check(conf_load(&dev, "/nonexistent/t.conf") &&
	      !strcmp(last_err, "ptun: cannot open '/nonexistent/t.conf': No such file or directory"),
	      "conf: a missing file");
	config_free(&dev);
	check(!strcmp(conf_name("-"), "<stdin>") && !strcmp(conf_name("x"), "x"),
	      "conf: stdin is named <stdin>");
}

/* ---- requests ---- */

/* Attribute types of the request, "ifname" not counted: "3 5 6 7 8". */
static void top_types(const struct built *b, char *out, size_t size)
{
	const struct nlattr *attr;
	size_t n = 0;

	out[0] = '\0';
	mnl_attr_for_each(attr, b->nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) == PTUN_A_DEVICE_IFNAME)
			continue;
		n += (size_t)snprintf(out + n, size - n, "%s%u", n ? " " : "",
				      mnl_attr_get_type(attr));
	}
}

static void peer_types(const struct built *b, char *out, size_t size)
{
	const struct nlattr *peer = find(NULL, b->nlh, PTUN_A_DEVICE_PEER);
	const struct nlattr *attr;
	size_t n = 0;

	out[0] = '\0';
	if (!peer)
		return;
	mnl_attr_for_each_nested(attr, peer)
		n += (size_t)snprintf(out + n, size - n, "%s%u", n ? " " : "",
				      mnl_attr_get_type(attr));
}

/* The allowed IPs of the request's peer as text: "10.0.0.0/24 fd00::/64" */
static void request_ips(const struct built *b, char *out, size_t size)
{
	const struct nlattr *peer = find(NULL, b->nlh, PTUN_A_DEVICE_PEER);
	const struct nlattr *ips, *ip;
	size_t n = 0;

	strcpy(out, "-");
	ips = peer ? find(peer, NULL, PTUN_A_PEER_ALLOWED_IPS) : NULL;
	if (!ips)
		return;
	out[0] = '\0';
	mnl_attr_for_each_nested(ip, ips) {
		const struct nlattr *fam = find(ip, NULL, PTUN_A_ALLOWED_IP_FAMILY);
		const struct nlattr *addr = find(ip, NULL, PTUN_A_ALLOWED_IP_ADDR);
		const struct nlattr *plen = find(ip, NULL, PTUN_A_ALLOWED_IP_PREFIX_LEN);
		struct ptun_cidr c = { 0 };
		char s[PTUN_ADDR_STRLEN];

		if (!fam || !addr || !plen)
			return;
		c.family = mnl_attr_get_u16(fam);
		c.prefix_len = mnl_attr_get_u8(plen);
		memcpy(&c.addr, mnl_attr_get_payload(addr),
		       mnl_attr_get_payload_len(addr));
		format_cidr(s, sizeof(s), &c);
		n += (size_t)snprintf(out + n, size - n, "%s%s", n ? " " : "", s);
	}
}

/*
 * The device a GET would describe after the file text was applied with
 * setconf: public key instead of private, a cipher always, the preshared
 * key as a flag.
 */
static void device_as_kernel(struct ptun_device *cur, const char *text)
{
	struct ptun_device d;

	if (parse(&d, text)) {
		printf("# device_as_kernel: %s\n", last_err);
		return;
	}
	memset(cur, 0, sizeof(*cur));
	strcpy(cur->ifname, "ptun0");
	cur->has = DEV_HAS_IFINDEX | DEV_HAS_LISTEN_PORT | DEV_HAS_CIPHER |
		   DEV_HAS_MSS_CLAMP | DEV_HAS_LINK_STATE | DEV_HAS_STATS;
	cur->mss_clamp = d.mss_clamp;
	cur->link_state = d.link_state;
	if ((d.has & DEV_HAS_PRIVATE_KEY) && !key_is_zero(d.private_key)) {
		key_public_from_private(cur->public_key, d.private_key);
		cur->has |= DEV_HAS_PUBLIC_KEY;
	}
	cur->listen_port = d.listen_port;
	cur->cipher = d.has & DEV_HAS_CIPHER ? d.cipher :
		      PTUN_CIPHER_AES_256_GCM;
	if (d.has & DEV_HAS_PEER) {
		cur->has |= DEV_HAS_PEER;
		cur->peer = d.peer;
		cur->peer.has &= ~PEER_HAS_PRESHARED_KEY;
		cur->peer.has |= PEER_HAS_FLAGS | PEER_HAS_KEEPALIVE |
				 PEER_HAS_ALLOWED_IPS;
		memset(cur->peer.preshared_key, 0, PTUN_KEY_LEN);
		if ((d.peer.has & PEER_HAS_PRESHARED_KEY) &&
		    !key_is_zero(d.peer.preshared_key))
			cur->peer.flags = PTUN_PEER_F_HAS_PRESHARED_KEY;
		d.peer.allowed_ips = NULL;
	}
	config_free(&d);
}

#define BASE_CONF \
	"[Interface]\nPrivateKey = " PRIV_B64 "\nListenPort = 51820\n" \
	"Cipher = chacha20-poly1305\nMssClamp = auto\nLinkState = session\n\n" \
	"[Peer]\nPublicKey = " PEER_B64 "\n" \
	"PresharedKey = " PSK_B64 "\nEndpoint = 192.0.2.1:51821\n" \
	"AllowedIPs = 10.0.0.0/24, fd00::/64\nPersistentKeepalive = 25\n"

/* Parses text, builds the request of mode against cur into b. */
static int request(enum conf_mode mode, const char *text,
		   const struct ptun_device *cur, struct built *b,
		   struct ptun_device *want, struct ptun_device *req)
{
	if (parse(want, text))
		return -1;
	if (conf_request(mode, want, cur, req))
		return -1;
	build(b, req);
	return 0;
}

static void test_setconf(void)
{
	struct ptun_device want, req, cur = { 0 };
	const struct nlattr *a, *peer;
	uint8_t key[PTUN_KEY_LEN];
	char types[128], ips[256];
	struct built b;

	check(!request(CONF_SET, BASE_CONF, &cur, &b, &want, &req),
	      "setconf: request built");
	top_types(&b, types, sizeof(types));
	check(!strcmp(types, "3 5 6 10 12 7 8"),
	      "setconf: private key, port, cipher, MSS clamp, link state, flags, peer (got %s)",
	      types);
	a = find(NULL, b.nlh, PTUN_A_DEVICE_MSS_CLAMP);
	check(a && mnl_attr_get_u16(a) == PTUN_MSS_CLAMP_AUTO,
	      "setconf: MssClamp = auto");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_LINK_STATE);
	check(a && mnl_attr_get_payload_len(a) == 1 &&
	      mnl_attr_get_u8(a) == PTUN_LINK_STATE_SESSION,
	      "setconf: LinkState = session");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_FLAGS);
	check(a && mnl_attr_get_u32(a) == PTUN_DEVICE_F_REMOVE_PEER,
	      "setconf: the peer is made anew (remove-peer)");
	peer_types(&b, types, sizeof(types));
	check(!strcmp(types, "1 2 4 6 7 8"),
	      "setconf: every peer attribute (got %s)", types);
	request_ips(&b, ips, sizeof(ips));
	check(!strcmp(ips, "10.0.0.0/24 fd00::/64"), "setconf: allowed ips (%s)", ips);
	peer = find(NULL, b.nlh, PTUN_A_DEVICE_PEER);
	a = find(peer, NULL, PTUN_A_PEER_PRESHARED_KEY);
	b64(key, PSK_B64);
	check(a && !memcmp(mnl_attr_get_payload(a), key, PTUN_KEY_LEN),
	      "setconf: preshared key from the file");
	config_free(&req);
	config_free(&want);

	/* what the file does not say is reset */
	check(!request(CONF_SET, "[Interface]\n", &cur, &b, &want, &req),
	      "setconf: a file with nothing");
	top_types(&b, types, sizeof(types));
	check(!strcmp(types, "3 5 6 10 12 7"),
	      "setconf: nothing in the file resets everything (got %s)", types);
	a = find(NULL, b.nlh, PTUN_A_DEVICE_LINK_STATE);
	check(a && mnl_attr_get_u8(a) == PTUN_LINK_STATE_UP,
	      "setconf: no LinkState is link state up");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_MSS_CLAMP);
	check(a && mnl_attr_get_u16(a) == PTUN_MSS_CLAMP_OFF,
	      "setconf: no MssClamp turns clamping off");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_PRIVATE_KEY);
	check(a && key_is_zero(mnl_attr_get_payload(a)),
	      "setconf: no PrivateKey removes the key");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_LISTEN_PORT);
	check(a && mnl_attr_get_u16(a) == 0,
	      "setconf: no ListenPort is the kernel's choice (0)");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_CIPHER);
	check(a && mnl_attr_get_u16(a) == PTUN_CIPHER_AES_256_GCM,
	      "setconf: no Cipher is the default cipher");
	check(!find(NULL, b.nlh, PTUN_A_DEVICE_PEER), "setconf: no peer, no nest");
	config_free(&req);
	config_free(&want);

	check(!request(CONF_SET, "[Peer]\nPublicKey = " PEER_B64 "\n", &cur,
		       &b, &want, &req), "setconf: a bare peer");
	peer_types(&b, types, sizeof(types));
	check(!strcmp(types, "1"), "setconf: a bare peer sends its key only (got %s)",
	      types);
	config_free(&req);
	config_free(&want);
}

static void test_syncconf(void)
{
	struct ptun_device want, req, cur;
	const struct nlattr *a;
	char types[128], ips[256], text[2048];
	struct built b;

	device_as_kernel(&cur, BASE_CONF);
	check(!request(CONF_SYNC, BASE_CONF, &cur, &b, &want, &req),
	      "syncconf: request built");
	top_types(&b, types, sizeof(types));
	peer_types(&b, ips, sizeof(ips));
	check(!strcmp(types, "8") && !strcmp(ips, "2"),
	      "syncconf: unchanged file sends the preshared key only, whose value the kernel hides (got %s / %s)",
	      types, ips);
	config_free(&req);
	config_free(&want);

	/* without a preshared key: nothing at all */
	config_free(&cur);
	snprintf(text, sizeof(text), "%s", BASE_CONF);
	*strstr(text, "PresharedKey") = '#';
	device_as_kernel(&cur, text);
	check(!request(CONF_SYNC, text, &cur, &b, &want, &req) &&
	      conf_request_empty(&req),
	      "syncconf: unchanged file without secrets the kernel hides: empty request");
	config_free(&req);
	config_free(&want);

	/* changed AllowedIPs: only those */
	snprintf(text, sizeof(text), "%s", BASE_CONF);
	*strstr(text, "PresharedKey") = '#';
	strcpy(strstr(text, "AllowedIPs"),
	       "AllowedIPs = fd00::/64, 10.9.0.0/16\nPersistentKeepalive = 25\n");
	check(!request(CONF_SYNC, text, &cur, &b, &want, &req),
	      "syncconf: changed allowed ips");
	top_types(&b, types, sizeof(types));
	peer_types(&b, ips, sizeof(ips));
	check(!strcmp(types, "8") && !strcmp(ips, "8"),
	      "syncconf: changed AllowedIPs sends only them, no public key (got %s / %s)",
	      types, ips);
	request_ips(&b, ips, sizeof(ips));
	check(!strcmp(ips, "fd00::/64 10.9.0.0/16"),
	      "syncconf: the whole new list (%s)", ips);
	config_free(&req);
	config_free(&want);

	/* same subnets in another order: nothing */
	snprintf(text, sizeof(text), "%s", BASE_CONF);
	*strstr(text, "PresharedKey") = '#';
	strcpy(strstr(text, "AllowedIPs"),
	       "AllowedIPs = fd00::/64\nAllowedIPs = 10.0.0.0/24\n"
	       "PersistentKeepalive = 25\n");
	check(!request(CONF_SYNC, text, &cur, &b, &want, &req) &&
	      conf_request_empty(&req),
	      "syncconf: allowed ips in another order are the same");
	config_free(&req);
	config_free(&want);

	/* every other change */
	check(!request(CONF_SYNC,
		       "[Interface]\nPrivateKey = " PEER2_B64 "\nListenPort = 1\n"
		       "[Peer]\nPublicKey = " PEER_B64 "\nEndpoint = 192.0.2.9:1\n"
		       "AllowedIPs = 10.0.0.0/24, fd00::/64\n", &cur, &b, &want, &req),
	      "syncconf: several changes");
	top_types(&b, types, sizeof(types));
	peer_types(&b, ips, sizeof(ips));
	check(!strcmp(types, "3 5 6 10 12 8") && !strcmp(ips, "4 6 7"),
	      "syncconf: key, port, default cipher, clamp off, link state up, endpoint, keepalive off (got %s / %s)",
	      types, ips);
	a = find(find(NULL, b.nlh, PTUN_A_DEVICE_PEER), NULL,
		 PTUN_A_PEER_PERSISTENT_KEEPALIVE);
	check(a && mnl_attr_get_u16(a) == 0, "syncconf: no keepalive in the file turns it off");
	config_free(&req);
	config_free(&want);

	/* no ListenPort: the port the kernel has stays */
	check(!request(CONF_SYNC,
		       "[Interface]\nPrivateKey = " PRIV_B64 "\nCipher = chacha20-poly1305\n"
		       "MssClamp = auto\nLinkState = session\n"
		       "[Peer]\nPublicKey = " PEER_B64 "\nEndpoint = 192.0.2.1:51821\n"
		       "AllowedIPs = 10.0.0.0/24, fd00::/64\nPersistentKeepalive = 25\n",
		       &cur, &b, &want, &req) && conf_request_empty(&req),
	      "syncconf: no ListenPort keeps the current port");
	config_free(&req);
	config_free(&want);

	/* another peer: the new one whole, no remove flag needed */
	check(!request(CONF_SYNC,
		       "[Interface]\nPrivateKey = " PRIV_B64 "\nListenPort = 51820\n"
		       "Cipher = chacha20-poly1305\nMssClamp = auto\n"
		       "LinkState = session\n"
		       "[Peer]\nPublicKey = " PEER2_B64 "\n"
		       "AllowedIPs = 10.0.0.0/24\n", &cur, &b, &want, &req),
	      "syncconf: another peer");
	top_types(&b, types, sizeof(types));
	peer_types(&b, ips, sizeof(ips));
	check(!strcmp(types, "8") && !strcmp(ips, "1 8"),
	      "syncconf: another peer sends its key and settings (got %s / %s)",
	      types, ips);
	config_free(&req);
	config_free(&want);

	/* no peer in the file, nor a private key: both go */
	check(!request(CONF_SYNC, "[Interface]\nListenPort = 51820\nCipher = chacha20-poly1305\n",
		       &cur, &b, &want, &req), "syncconf: no peer");
	top_types(&b, types, sizeof(types));
	a = find(NULL, b.nlh, PTUN_A_DEVICE_PRIVATE_KEY);
	check(!strcmp(types, "3 10 12 7") && a &&
	      key_is_zero(mnl_attr_get_payload(a)),
	      "syncconf: no peer, key, MssClamp or LinkState in the file remove them (got %s)",
	      types);
	config_free(&req);
	config_free(&want);
	config_free(&cur);

	/* the kernel says there is a preshared key, the file has none */
	device_as_kernel(&cur, BASE_CONF);
	snprintf(text, sizeof(text), "%s", BASE_CONF);
	*strstr(text, "PresharedKey") = '#';
	check(!request(CONF_SYNC, text, &cur, &b, &want, &req),
	      "syncconf: preshared key gone from the file");
	a = find(find(NULL, b.nlh, PTUN_A_DEVICE_PEER), NULL,
		 PTUN_A_PEER_PRESHARED_KEY);
	peer_types(&b, ips, sizeof(ips));
	check(a && key_is_zero(mnl_attr_get_payload(a)) && !strcmp(ips, "2"),
	      "syncconf: removes the preshared key, nothing else (got %s)", ips);
	config_free(&req);
	config_free(&want);
	config_free(&cur);
}

static void test_addconf(void)
{
	struct ptun_device want, req, cur;
	char types[128], ips[256], text[2048];
	struct built b;

	snprintf(text, sizeof(text), "%s", BASE_CONF);
	*strstr(text, "PresharedKey") = '#';
	device_as_kernel(&cur, text);
	check(!request(CONF_ADD,
		       "[Peer]\nPublicKey = " PEER_B64 "\nAllowedIPs = 10.0.0.0/24, 10.7.0.0/16\n",
		       &cur, &b, &want, &req), "addconf: more allowed ips");
	top_types(&b, types, sizeof(types));
	peer_types(&b, ips, sizeof(ips));
	check(!strcmp(types, "8") && !strcmp(ips, "8"),
	      "addconf: only allowed ips, no public key (got %s / %s)", types, ips);
	request_ips(&b, ips, sizeof(ips));
	check(!strcmp(ips, "10.0.0.0/24 fd00::/64 10.7.0.0/16"),
	      "addconf: the device's list and the new ones (%s)", ips);
	check(req.args.ip_lines && req.args.ip_lines[0] == 0 &&
	      req.args.ip_lines[2] == 3,
	      "addconf: the added allowed ip knows its line");
	config_free(&req);
	config_free(&want);

	check(!request(CONF_ADD,
		       "[Interface]\nListenPort = 4000\n[Peer]\nPublicKey = " PEER_B64 "\nAllowedIPs = fd00::/64\n",
		       &cur, &b, &want, &req), "addconf: nothing new to add");
	top_types(&b, types, sizeof(types));
	check(!strcmp(types, "5"),
	      "addconf: only the port; allowed ips already there (got %s)", types);
	config_free(&req);
	config_free(&want);

	check(request(CONF_ADD, "# the other peer\n[Peer]\nPublicKey = " PEER2_B64 "\n",
		      &cur, &b, &want, &req) &&
	      !strcmp(last_err,
		      "ptun: t.conf:3: addconf ptun0: the device has another peer, and a ptun device has exactly one (setconf or syncconf replace it)"),
	      "addconf: another peer is refused");
	config_free(&want);
	config_free(&cur);

	device_as_kernel(&cur, "[Interface]\nPrivateKey = " PRIV_B64 "\n");
	check(!request(CONF_ADD,
		       "[Peer]\nPublicKey = " PEER2_B64 "\nAllowedIPs = 10.0.0.0/8\n",
		       &cur, &b, &want, &req), "addconf: a peer to a device without");
	top_types(&b, types, sizeof(types));
	peer_types(&b, ips, sizeof(ips));
	check(!strcmp(types, "8") && !strcmp(ips, "1 8"),
	      "addconf: new peer with its key (got %s / %s)", types, ips);
	config_free(&req);
	config_free(&want);
	config_free(&cur);
}

static void test_extack(void)
{
	struct ptun_device want, req, cur = { 0 };
	const struct nlattr *peer, *ips, *ip, *a;
	struct nl_ack ack = { .error = -EINVAL, .has_offset = true };
	struct built b;

	check(!request(CONF_SET,
		       "[Interface]\nListenPort = 7\n[Peer]\nPublicKey = " PEER_B64 "\n"
		       "AllowedIPs = 10.0.0.0/8\nAllowedIPs = 10.0.0.1/24\n",
		       &cur, &b, &want, &req), "extack: request built");
	peer = find(NULL, b.nlh, PTUN_A_DEVICE_PEER);
	ips = peer ? find(peer, NULL, PTUN_A_PEER_ALLOWED_IPS) : NULL;
	ip = NULL;
	if (ips)
		mnl_attr_for_each_nested(a, ips)
			ip = a;
	strcpy(ack.msg, "host bits set");
	ack.offset = ip ? (uint32_t)((const char *)ip - (const char *)b.nlh) : 0;
	report(&req, "setconf", &ack, &b.map);
	check(!strcmp(last_err, "ptun: t.conf:6: setconf ptun0: host bits set (AllowedIPs '10.0.0.1/24')"),
	      "extack: names the file line of the allowed ip");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_LISTEN_PORT);
	ack.offset = (uint32_t)((const char *)a - (const char *)b.nlh);
	strcpy(ack.msg, "listen port in use");
	report(&req, "setconf", &ack, &b.map);
	check(!strcmp(last_err, "ptun: t.conf:2: setconf ptun0: listen port in use (ListenPort '7')"),
	      "extack: names the file line of ListenPort");
	a = find(NULL, b.nlh, PTUN_A_DEVICE_PRIVATE_KEY);
	ack.offset = (uint32_t)((const char *)a - (const char *)b.nlh);
	strcpy(ack.msg, "bad");
	report(&req, "setconf", &ack, &b.map);
	check(!strcmp(last_err, "ptun: setconf ptun0: bad (PrivateKey)"),
	      "extack: a setting the file did not give has no line");
	config_free(&req);
	config_free(&want);
}

/* Inserts line into text after the first marker. */
static void insert_after(char *text, size_t size, const char *marker,
			 const char *line)
{
	char *at = strstr(text, marker);
	size_t n = strlen(line);

	if (!at || strlen(text) + n >= size)
		return;
	at += strlen(marker);
	memmove(at + n, at, strlen(at) + 1);
	memcpy(at, line, n);
}

/* showconf's output, with the key lines added, gives the same device. */
static void test_showconf(void)
{
	struct ptun_device cur, back, want, req;
	char *out = NULL, text[4096];
	size_t len = 0;
	FILE *f;
	struct built b;

	device_as_kernel(&cur, BASE_CONF);
	f = open_memstream(&out, &len);
	if (!f)
		return;
	conf_print(f, &cur);
	fclose(f);
	check(strstr(out, "[Interface]\n# PublicKey = ") &&
	      strstr(out, "# PrivateKey is set but not shown") &&
	      strstr(out, "# PresharedKey is set but not shown") &&
	      strstr(out, "PublicKey = " PEER_B64 "\n") &&
	      strstr(out, "AllowedIPs = 10.0.0.0/24, fd00::/64\n") &&
	      strstr(out, "ListenPort = 51820\n") &&
	      strstr(out, "Cipher = chacha20-poly1305\n") &&
	      strstr(out, "MssClamp = auto\n") &&
	      strstr(out, "LinkState = session\n") &&
	      strstr(out, "Endpoint = 192.0.2.1:51821\n") &&
	      strstr(out, "PersistentKeepalive = 25\n"),
	      "showconf: every setting and the comments");
	check(!strstr(out, PRIV_B64) && !strstr(out, PSK_B64),
	      "showconf: no secret key");

	/* the key lines a user adds, under their sections */
	snprintf(text, sizeof(text), "%s", out);
	insert_after(text, sizeof(text), "[Peer]\n",
		     "PresharedKey = " PSK_B64 "\n");
	insert_after(text, sizeof(text), "[Interface]\n",
		     "PrivateKey = " PRIV_B64 "\n");
	device_as_kernel(&back, text);
	check(back.has == cur.has && back.listen_port == cur.listen_port &&
	      back.cipher == cur.cipher && back.mss_clamp == cur.mss_clamp &&
	      back.link_state == cur.link_state &&
	      !memcmp(back.public_key, cur.public_key, PTUN_KEY_LEN) &&
	      back.peer.has == cur.peer.has &&
	      back.peer.flags == cur.peer.flags &&
	      back.peer.keepalive == cur.peer.keepalive &&
	      endpoint_equal(&back.peer.endpoint, &cur.peer.endpoint) &&
	      back.peer.n_allowed_ips == cur.peer.n_allowed_ips &&
	      same_allowed_ips(&back.peer, &cur.peer),
	      "showconf: its output and the keys read back as the same device");
	check(!request(CONF_SYNC, text, &cur, &b, &want, &req) &&
	      !find(find(NULL, b.nlh, PTUN_A_DEVICE_PEER), NULL,
		    PTUN_A_PEER_PUBLIC_KEY) &&
	      !find(NULL, b.nlh, PTUN_A_DEVICE_PRIVATE_KEY),
	      "showconf: syncconf of it changes nothing that matters");
	config_free(&req);
	config_free(&want);
	config_free(&back);
	config_free(&cur);
	free(out);
	out = NULL;

	device_as_kernel(&cur, "");
	f = open_memstream(&out, &len);
	if (!f)
		return;
	conf_print(f, &cur);
	fclose(f);
	check(!strcmp(out, "[Interface]\n# no PrivateKey set\nListenPort = 0\nCipher = aes-256-gcm\n"),
	      "showconf: a bare device");
	free(out);
	config_free(&cur);
}

int main(void)
{
	int fd;

	strcpy(key_file, "/tmp/ptun-test-key.XXXXXX");
	fd = mkstemp(key_file);
	if (fd < 0 || write(fd, PRIV_B64 "\n", 45) != 45)
		return 2;
	close(fd);

	test_every_key();
	test_bad_files();
	test_setconf();
	test_syncconf();
	test_addconf();
	test_extack();
	test_showconf();
	unlink(key_file);
	printf("# %d tests, %d failed\n", test_n, test_failed);
	return test_failed ? 1 : 0;
}
