// SPDX-License-Identifier: GPL-2.0
/*
 * Turns the arguments of "ptun set", and the settings of a config file
 * (conf.c), into a struct ptun_device. Every file is read and every name
 * resolved here, so that a mistake anywhere on the command line or in the
 * file is found before the kernel hears of any of it.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "cmd.h"
#include "config.h"

/* Generous: a key file holds 44 characters and maybe a newline. */
#define KEY_FILE_MAX	1024

int config_set_ifname(struct ptun_device *dev, const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= sizeof(dev->ifname)) {
		pr_err("invalid interface name '%s': must be 1 to %zu characters",
		       name, sizeof(dev->ifname) - 1);
		return -1;
	}
	memcpy(dev->ifname, name, len + 1);
	return 0;
}

/*
 * Room for element n of an array only ever grown by this, n elements of
 * size long: the capacity doubles at each power of two, so that lists of
 * 10^5 allowed IPs are not copied once per entry. NULL when out of memory
 * (the array is left as it was).
 */
void *config_grow(void *array, size_t n, size_t size)
{
	size_t cap = 8;

	if (n < cap) {
		if (array)
			return array;
	} else if (n & (n - 1)) {
		return array;
	} else {
		cap = 2 * n;
	}
	return realloc(array, cap * size);
}

int config_add_allowed_ip(struct ptun_peer *peer,
			  const struct ptun_cidr *cidr)
{
	struct ptun_cidr *ips;

	ips = config_grow(peer->allowed_ips, peer->n_allowed_ips,
			  sizeof(*ips));
	if (!ips)
		return -ENOMEM;
	ips[peer->n_allowed_ips++] = *cidr;
	peer->allowed_ips = ips;
	return 0;
}

void config_free(struct ptun_device *dev)
{
	free(dev->peer.allowed_ips);
	free(dev->args.ip_lines);
	while (dev->args.n_owned)
		free(dev->args.owned[--dev->args.n_owned]);
	free(dev->args.owned);
	OPENSSL_cleanse(dev, sizeof(*dev));
}

/* pr_err() with the setting's origin ("FILE:LINE: ") in front */
static void src_err(const struct config_source *src, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void src_err(const struct config_source *src, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("%s%s", src->where, msg);
}

static ssize_t read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size) {
		n = read(fd, buf + len, size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/*
 * "/dev/null" stands for the all-zero key, which the kernel takes as
 * "remove the key", the way an empty file removes a key in wg(8).
 */
static int read_key_file(uint8_t key[PTUN_KEY_LEN], const char *path,
			 struct config_source *src)
{
	const char *keyword = src->keyword;
	char buf[KEY_FILE_MAX];
	const char *why;
	ssize_t len;
	int fd, ret;

	if (!strcmp(path, "/dev/null")) {
		memset(key, 0, PTUN_KEY_LEN);
		return 0;
	}
	if (!strcmp(path, "-")) {
		if (src->stdin_used) {
			src_err(src, "cannot read '-' for %s: standard input is already used %s",
				keyword, src->stdin_is_config ? "for the configuration" :
				"for another key");
			return -1;
		}
		src->stdin_used = true;
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			src_err(src, "cannot open '%s' for %s: %s", path,
				keyword, strerror(errno));
			return -1;
		}
	}
	len = read_all(fd, buf, sizeof(buf));
	if (len < 0)
		src_err(src, "cannot read '%s' for %s: %s", path, keyword,
			strerror(errno));
	if (fd != STDIN_FILENO)
		close(fd);
	if (len < 0) {
		ret = -1;
		goto out;
	}

	if ((size_t)len == sizeof(buf)) {
		why = "file too large for a key";
		ret = -1;
	} else {
		ret = parse_key(key, buf, (size_t)len, &why);
	}
	if (ret)
		src_err(src, "invalid key in '%s' for %s: %s", path, keyword,
			why);
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

/*
 * How often a name whose lookup failed for now (EAI_AGAIN: no answer from
 * the resolver yet, as at boot before the network is up) is looked up
 * again: PTUN_ENDPOINT_RESOLUTION_RETRIES, default 5, "infinite" for no
 * limit. The waits double from 0.25 s up to 8 s, so the default gives up
 * after about 8 seconds.
 */
#define RESOLVE_RETRIES_DEFAULT	5
#define RESOLVE_WAIT_FIRST_MS	250
#define RESOLVE_WAIT_MAX_MS	8000

static long resolve_retries(void)
{
	const char *env = getenv("PTUN_ENDPOINT_RESOLUTION_RETRIES");
	unsigned long v;

	if (!env)
		return RESOLVE_RETRIES_DEFAULT;
	if (!strcmp(env, "infinite"))
		return -1;
	if (parse_uint(env, 1000000, &v)) {
		pr_err("ignoring PTUN_ENDPOINT_RESOLUTION_RETRIES='%s': not a number or 'infinite'",
		       env);
		return RESOLVE_RETRIES_DEFAULT;
	}
	return (long)v;
}

int config_resolve(struct ptun_endpoint *ep, const char *host,
		   const char *arg, const struct config_source *src)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	};
	unsigned int wait_ms = RESOLVE_WAIT_FIRST_MS;
	long retries = resolve_retries();
	struct addrinfo *res;
	int ret;

	for (;;) {
		ret = getaddrinfo(host, NULL, &hints, &res);
		if (ret != EAI_AGAIN || !retries)
			break;
		if (retries > 0)
			retries--;
		usleep(wait_ms * 1000);
		if (wait_ms < RESOLVE_WAIT_MAX_MS)
			wait_ms *= 2;
	}
	if (ret) {
		src_err(src, "cannot resolve '%s' for %s: %s", arg,
			src->keyword,
			ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
		return -1;
	}
	/* getaddrinfo() orders its answers by preference: take the first */
	ret = -1;
	if (res->ai_family == AF_INET) {
		ep->family = AF_INET;
		ep->addr.v4 = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
		ret = 0;
	} else if (res->ai_family == AF_INET6) {
		ep->family = AF_INET6;
		ep->addr.v6 = ((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
		ret = 0;
	} else {
		src_err(src, "cannot resolve '%s' for %s: no IPv4 or IPv6 address",
			arg, src->keyword);
	}
	freeaddrinfo(res);
	return ret;
}

/*
 * One candidate; @name gets the host name it was resolved from, "" for
 * an address.
 */
static int parse_one_endpoint(struct ptun_endpoint *ep, const char *one,
			      const char *arg, char *name, size_t name_size,
			      const struct config_source *src)
{
	char host[NI_MAXHOST];
	const char *why;

	name[0] = '\0';
	if (parse_endpoint(one, ep, host, sizeof(host), &why)) {
		src_err(src, "invalid value '%s' for %s: %s", one,
			src->keyword, why);
		return -1;
	}
	if (ep->family != AF_UNSPEC)
		return 0;
	if (strlen(host) >= name_size) {
		src_err(src, "invalid value '%s' for %s: host name longer than %zu bytes",
			arg, src->keyword, name_size - 1);
		return -1;
	}
	strcpy(name, host);
	return config_resolve(ep, host, arg, src);
}

/*
 * One endpoint, or a comma list of candidates in order of preference
 * (at most PTUN_ENDPOINTS_MAX, each once): the first one is the endpoint.
 * The kernel keeps the host name of a single endpoint, so that it can be
 * resolved again (set IFACE reresolve); the names in a list are resolved
 * once, here.
 */
static int parse_endpoints(struct ptun_peer *peer, const char *arg,
			   const struct config_source *src)
{
	char one[NI_MAXHOST + 16], name[sizeof(peer->endpoint_name)];
	const char *s = arg, *comma;
	struct ptun_endpoint *ep;
	size_t i, len;

	peer->n_candidates = 0;
	for (;;) {
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len >= sizeof(one)) {
			src_err(src, "invalid value '%.*s' for %s: host name too long",
				(int)len, s, src->keyword);
			return -1;
		}
		memcpy(one, s, len);
		one[len] = '\0';
		if (peer->n_candidates == PTUN_ENDPOINTS_MAX) {
			src_err(src, "invalid value '%s' for %s: more than %d candidates",
				arg, src->keyword, PTUN_ENDPOINTS_MAX);
			return -1;
		}
		ep = &peer->candidates[peer->n_candidates];
		if (parse_one_endpoint(ep, one, strchr(arg, ',') ? one : arg,
				       name, sizeof(name), src))
			return -1;
		for (i = 0; i < peer->n_candidates; i++) {
			if (endpoint_equal(&peer->candidates[i], ep)) {
				src_err(src, "invalid value '%s' for %s: candidate '%s' given twice",
					arg, src->keyword, one);
				return -1;
			}
		}
		peer->n_candidates++;
		if (!comma)
			break;
		s = comma + 1;
	}
	peer->endpoint = peer->candidates[0];
	strcpy(peer->endpoint_name, peer->n_candidates == 1 ? name : "");
	return 0;
}

static int parse_seconds(const char *s, uint16_t *secs, const char **why)
{
	unsigned long v;

	if (!strcmp(s, "default")) {
		*secs = 0;
		return 0;
	}
	if (parse_uint(s, 65535, &v)) {
		*why = "not a number of seconds from 1 to 65535, or 0 or 'default'";
		return -1;
	}
	*secs = (uint16_t)v;
	return 0;
}

static int add_allowed_ip(struct ptun_device *dev,
			  const struct ptun_cidr *cidr, unsigned int line)
{
	struct ptun_peer *peer = &dev->peer;
	unsigned int *lines;

	if (dev->args.file) {
		lines = config_grow(dev->args.ip_lines, peer->n_allowed_ips,
				    sizeof(*lines));
		if (!lines)
			return -ENOMEM;
		lines[peer->n_allowed_ips] = line;
		dev->args.ip_lines = lines;
	}
	return config_add_allowed_ip(peer, cidr);
}

static int parse_allowed_ips(struct ptun_device *dev, const char *arg,
			     const struct config_source *src)
{
	const char *s = arg, *comma, *why;
	struct ptun_cidr cidr;
	size_t len;

	/* An empty list is meaningful: it clears the allowed IPs. */
	if (!*arg)
		return 0;
	for (;;) {
		comma = strchr(s, ',');
		len = comma ? (size_t)(comma - s) : strlen(s);
		if (parse_cidr(s, len, &cidr, &why)) {
			if (strspn(s, " \t") >= len)
				src_err(src, "invalid value '%s' for %s: %s",
					arg, src->keyword, why);
			else
				src_err(src, "invalid address '%.*s' for %s: %s",
					(int)len, s, src->keyword, why);
			return -1;
		}
		if (add_allowed_ip(dev, &cidr, src->line)) {
			pr_err("out of memory");
			return -1;
		}
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

static const struct {
	const char *arg;		/* "set" keyword */
	const char *file;		/* config file key */
	bool has_value;
} set_keywords[SET_COUNT] = {
	[SET_PRIVATE_KEY] = { "private-key", "PrivateKeyFile", true },
	[SET_LISTEN_PORT] = { "listen-port", "ListenPort", true },
	[SET_CIPHER] = { "cipher", "Cipher", true },
	[SET_PEER] = { "peer", "PublicKey", true },
	[SET_REMOVE_PEER] = { "remove-peer", "[Peer]", false },
	[SET_PRESHARED_KEY] = { "preshared-key", "PresharedKeyFile", true },
	[SET_ENDPOINT] = { "endpoint", "Endpoint", true },
	[SET_ALLOWED_IPS] = { "allowed-ips", "AllowedIPs", true },
	[SET_KEEPALIVE] = { "persistent-keepalive", "PersistentKeepalive", true },
	[SET_FAILOVER_TIMEOUT] = { "failover-timeout", "FailoverTimeout", true },
	[SET_FAILBACK_INTERVAL] = { "failback-interval", "FailbackInterval", true },
	[SET_PRIVATE_KEY_TEXT] = { "private-key", "PrivateKey", true },
	[SET_PRESHARED_KEY_TEXT] = { "preshared-key", "PresharedKey", true },
	[SET_MSS_CLAMP] = { "mss-clamp", "MssClamp", true },
	[SET_LINK_STATE] = { "link-state", "LinkState", true },
};

const char *config_keyword(enum ptun_setting setting, bool file)
{
	if ((unsigned int)setting >= SET_COUNT)
		return "?";
	return file ? set_keywords[setting].file : set_keywords[setting].arg;
}

/* Key text never reaches a message: not even part of a private key. */
static int parse_key_text(uint8_t key[PTUN_KEY_LEN], const char *arg,
			  const struct config_source *src)
{
	const char *why;

	if (parse_key(key, arg, strlen(arg), &why)) {
		src_err(src, "invalid key for %s: %s", src->keyword, why);
		return -1;
	}
	return 0;
}

int config_apply(struct ptun_device *dev, enum ptun_setting setting,
		 const char *arg, struct config_source *src)
{
	struct ptun_peer *peer = &dev->peer;
	const char *why;

	if ((unsigned int)setting < SET_COUNT)
		dev->args.line[setting] = src->line;
	switch (setting) {
	case SET_PRIVATE_KEY:
		dev->args.private_key = arg;
		dev->has |= DEV_HAS_PRIVATE_KEY;
		return read_key_file(dev->private_key, arg, src);
	case SET_PRIVATE_KEY_TEXT:
		dev->args.private_key = NULL;
		dev->has |= DEV_HAS_PRIVATE_KEY;
		return parse_key_text(dev->private_key, arg, src);
	case SET_LISTEN_PORT:
		dev->args.listen_port = arg;
		dev->has |= DEV_HAS_LISTEN_PORT;
		if (parse_listen_port(arg, &dev->listen_port, &why))
			goto bad_value;
		return 0;
	case SET_CIPHER:
		dev->args.cipher = arg;
		dev->has |= DEV_HAS_CIPHER;
		if (parse_cipher(arg, &dev->cipher)) {
			src_err(src, "unknown cipher '%s' (expected aes-256-gcm or chacha20-poly1305)",
				arg);
			return -1;
		}
		return 0;
	case SET_REMOVE_PEER:
		dev->has |= DEV_HAS_FLAGS;
		dev->flags |= PTUN_DEVICE_F_REMOVE_PEER;
		return 0;
	case SET_PEER:
		dev->args.peer = arg;
		peer->has |= PEER_HAS_PUBLIC_KEY;
		if (parse_key(peer->public_key, arg, strlen(arg), &why)) {
			src_err(src, "invalid key '%s' for %s: %s", arg,
				src->keyword, why);
			return -1;
		}
		return 0;
	case SET_PRESHARED_KEY:
		dev->args.preshared_key = arg;
		peer->has |= PEER_HAS_PRESHARED_KEY;
		return read_key_file(peer->preshared_key, arg, src);
	case SET_PRESHARED_KEY_TEXT:
		dev->args.preshared_key = NULL;
		peer->has |= PEER_HAS_PRESHARED_KEY;
		return parse_key_text(peer->preshared_key, arg, src);
	case SET_ENDPOINT:
		dev->args.endpoint = arg;
		peer->has |= PEER_HAS_ENDPOINT;
		return parse_endpoints(peer, arg, src);
	case SET_ALLOWED_IPS:
		dev->args.allowed_ips = arg;
		peer->has |= PEER_HAS_ALLOWED_IPS;
		return parse_allowed_ips(dev, arg, src);
	case SET_KEEPALIVE:
		dev->args.keepalive = arg;
		peer->has |= PEER_HAS_KEEPALIVE;
		if (parse_keepalive(arg, &peer->keepalive, &why))
			goto bad_value;
		return 0;
	case SET_FAILOVER_TIMEOUT:
		dev->args.failover_timeout = arg;
		peer->has |= PEER_HAS_FAILOVER_TIMEOUT;
		if (parse_seconds(arg, &peer->failover_timeout, &why))
			goto bad_value;
		return 0;
	case SET_FAILBACK_INTERVAL:
		dev->args.failback_interval = arg;
		peer->has |= PEER_HAS_FAILBACK_INTERVAL;
		if (parse_seconds(arg, &peer->failback_interval, &why))
			goto bad_value;
		return 0;
	case SET_MSS_CLAMP:
		dev->args.mss_clamp = arg;
		dev->has |= DEV_HAS_MSS_CLAMP;
		if (parse_mss_clamp(arg, &dev->mss_clamp, &why))
			goto bad_value;
		return 0;
	case SET_LINK_STATE:
		dev->args.link_state = arg;
		dev->has |= DEV_HAS_LINK_STATE;
		if (parse_link_state(arg, &dev->link_state, &why))
			goto bad_value;
		return 0;
	case SET_COUNT:
		break;
	}
	return -1;

bad_value:
	src_err(src, "invalid value '%s' for %s: %s", arg, src->keyword, why);
	return -1;
}

static int find_keyword(const char *word)
{
	int kw;

	for (kw = 0; kw < SET_ARGV_COUNT; kw++)
		if (!strcmp(word, set_keywords[kw].arg))
			return kw;
	if (!strcmp(word, "reresolve")) {
		pr_err("reresolve cannot be combined with other settings");
		return -1;
	}
	pr_err("unknown keyword '%s' for set (see '%s help')", word,
	       PROG_NAME);
	return -1;
}

/*
 * The shape of the command line is checked in full before any value is
 * looked at, so that a typo late on the line is not hidden behind, say,
 * a key read from standard input.
 */
static int check_shape(int argc, char **argv)
{
	bool seen[SET_ARGV_COUNT] = { false };
	int i, kw, stdin_users = 0;

	for (i = 0; i < argc; i++) {
		kw = find_keyword(argv[i]);
		if (kw < 0)
			return -1;
		/*
		 * A repeated keyword is most likely a mistake in a script:
		 * refuse it rather than guess which one was meant.
		 */
		if (seen[kw]) {
			pr_err("keyword '%s' given more than once",
			       set_keywords[kw].arg);
			return -1;
		}
		seen[kw] = true;
		if (!set_keywords[kw].has_value)
			continue;
		if (++i >= argc) {
			pr_err("missing value for %s", set_keywords[kw].arg);
			return -1;
		}
		if ((kw == SET_PRIVATE_KEY || kw == SET_PRESHARED_KEY) &&
		    !strcmp(argv[i], "-") && stdin_users++) {
			pr_err("cannot read '-' for %s: standard input is already used for another key",
			       set_keywords[kw].arg);
			return -1;
		}
	}
	return 0;
}

/* argv holds the words after "set IFACE". */
int config_from_argv(struct ptun_device *dev, int argc, char **argv)
{
	struct config_source src = { .where = "" };
	const char *arg;
	int i, kw;

	if (check_shape(argc, argv))
		return -1;
	for (i = 0; i < argc; i++) {
		kw = find_keyword(argv[i]);
		arg = set_keywords[kw].has_value ? argv[++i] : NULL;
		src.keyword = set_keywords[kw].arg;
		if (config_apply(dev, (enum ptun_setting)kw, arg, &src))
			return -1;
	}
	if (dev->peer.has)
		dev->has |= DEV_HAS_PEER;
	return 0;
}
