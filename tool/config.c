// SPDX-License-Identifier: GPL-2.0
/*
 * Turns the arguments of "ptun set" into a struct ptun_device. Every file is
 * read and every name resolved here, so that a mistake anywhere on the
 * command line is found before the kernel hears of any of it.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
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

int config_add_allowed_ip(struct ptun_peer *peer,
			  const struct ptun_cidr *cidr)
{
	struct ptun_cidr *ips;

	ips = realloc(peer->allowed_ips,
		      (peer->n_allowed_ips + 1) * sizeof(*ips));
	if (!ips)
		return -ENOMEM;
	ips[peer->n_allowed_ips++] = *cidr;
	peer->allowed_ips = ips;
	return 0;
}

void config_free(struct ptun_device *dev)
{
	free(dev->peer.allowed_ips);
	OPENSSL_cleanse(dev, sizeof(*dev));
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
			 const char *keyword, bool *stdin_used)
{
	char buf[KEY_FILE_MAX];
	const char *why;
	ssize_t len;
	int fd, ret;

	if (!strcmp(path, "/dev/null")) {
		memset(key, 0, PTUN_KEY_LEN);
		return 0;
	}
	if (!strcmp(path, "-")) {
		if (*stdin_used) {
			pr_err("cannot read '-' for %s: standard input is already used for another key",
			       keyword);
			return -1;
		}
		*stdin_used = true;
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			pr_err("cannot open '%s' for %s: %s", path, keyword,
			       strerror(errno));
			return -1;
		}
	}
	len = read_all(fd, buf, sizeof(buf));
	if (len < 0)
		pr_err("cannot read '%s' for %s: %s", path, keyword,
		       strerror(errno));
	if (fd != STDIN_FILENO)
		close(fd);
	if (len < 0)
		return -1;

	if ((size_t)len == sizeof(buf)) {
		why = "file too large for a key";
		ret = -1;
	} else {
		ret = parse_key(key, buf, (size_t)len, &why);
	}
	if (ret)
		pr_err("invalid key in '%s' for %s: %s", path, keyword, why);
	OPENSSL_cleanse(buf, sizeof(buf));
	return ret;
}

static int resolve_endpoint(struct ptun_endpoint *ep, const char *host,
			    const char *arg)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	};
	struct addrinfo *res;
	int ret;

	do {
		ret = getaddrinfo(host, NULL, &hints, &res);
	} while (ret == EAI_AGAIN);
	if (ret) {
		pr_err("cannot resolve '%s' for endpoint: %s", arg,
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
		pr_err("cannot resolve '%s' for endpoint: no IPv4 or IPv6 address",
		       arg);
	}
	freeaddrinfo(res);
	return ret;
}

static int parse_allowed_ips(struct ptun_peer *peer, const char *arg)
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
				pr_err("invalid value '%s' for allowed-ips: %s",
				       arg, why);
			else
				pr_err("invalid address '%.*s' for allowed-ips: %s",
				       (int)len, s, why);
			return -1;
		}
		if (config_add_allowed_ip(peer, &cidr)) {
			pr_err("out of memory");
			return -1;
		}
		if (!comma)
			return 0;
		s = comma + 1;
	}
}

enum set_keyword {
	KW_PRIVATE_KEY,
	KW_LISTEN_PORT,
	KW_CIPHER,
	KW_PEER,
	KW_REMOVE_PEER,
	KW_PRESHARED_KEY,
	KW_ENDPOINT,
	KW_ALLOWED_IPS,
	KW_KEEPALIVE,
	KW_COUNT
};

static const struct {
	const char *name;
	bool has_value;
} set_keywords[KW_COUNT] = {
	[KW_PRIVATE_KEY] = { "private-key", true },
	[KW_LISTEN_PORT] = { "listen-port", true },
	[KW_CIPHER] = { "cipher", true },
	[KW_PEER] = { "peer", true },
	[KW_REMOVE_PEER] = { "remove-peer", false },
	[KW_PRESHARED_KEY] = { "preshared-key", true },
	[KW_ENDPOINT] = { "endpoint", true },
	[KW_ALLOWED_IPS] = { "allowed-ips", true },
	[KW_KEEPALIVE] = { "persistent-keepalive", true },
};

static int apply_keyword(struct ptun_device *dev, enum set_keyword kw,
			 const char *arg, bool *stdin_used)
{
	struct ptun_peer *peer = &dev->peer;
	char host[NI_MAXHOST];
	const char *why;

	switch (kw) {
	case KW_PRIVATE_KEY:
		dev->args.private_key = arg;
		dev->has |= DEV_HAS_PRIVATE_KEY;
		return read_key_file(dev->private_key, arg, "private-key",
				     stdin_used);
	case KW_LISTEN_PORT:
		dev->args.listen_port = arg;
		dev->has |= DEV_HAS_LISTEN_PORT;
		if (parse_listen_port(arg, &dev->listen_port, &why))
			goto bad_value;
		return 0;
	case KW_CIPHER:
		dev->args.cipher = arg;
		dev->has |= DEV_HAS_CIPHER;
		if (parse_cipher(arg, &dev->cipher)) {
			pr_err("unknown cipher '%s' (expected aes-256-gcm or chacha20-poly1305)",
			       arg);
			return -1;
		}
		return 0;
	case KW_REMOVE_PEER:
		dev->has |= DEV_HAS_FLAGS;
		dev->flags |= PTUN_DEVICE_F_REMOVE_PEER;
		return 0;
	case KW_PEER:
		dev->args.peer = arg;
		peer->has |= PEER_HAS_PUBLIC_KEY;
		if (parse_key(peer->public_key, arg, strlen(arg), &why)) {
			pr_err("invalid key '%s' for peer: %s", arg, why);
			return -1;
		}
		return 0;
	case KW_PRESHARED_KEY:
		dev->args.preshared_key = arg;
		peer->has |= PEER_HAS_PRESHARED_KEY;
		return read_key_file(peer->preshared_key, arg, "preshared-key",
				     stdin_used);
	case KW_ENDPOINT:
		dev->args.endpoint = arg;
		peer->has |= PEER_HAS_ENDPOINT;
		if (parse_endpoint(arg, &peer->endpoint, host, sizeof(host),
				   &why)) {
			pr_err("invalid value '%s' for endpoint: %s", arg,
			       why);
			return -1;
		}
		if (peer->endpoint.family == AF_UNSPEC)
			return resolve_endpoint(&peer->endpoint, host, arg);
		return 0;
	case KW_ALLOWED_IPS:
		dev->args.allowed_ips = arg;
		peer->has |= PEER_HAS_ALLOWED_IPS;
		return parse_allowed_ips(peer, arg);
	case KW_KEEPALIVE:
		dev->args.keepalive = arg;
		peer->has |= PEER_HAS_KEEPALIVE;
		if (parse_keepalive(arg, &peer->keepalive, &why))
			goto bad_value;
		return 0;
	case KW_COUNT:
		break;
	}
	return -1;

bad_value:
	pr_err("invalid value '%s' for %s: %s", arg, set_keywords[kw].name,
	       why);
	return -1;
}

static int find_keyword(const char *word)
{
	int kw;

	for (kw = 0; kw < KW_COUNT; kw++)
		if (!strcmp(word, set_keywords[kw].name))
			return kw;
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
	bool seen[KW_COUNT] = { false };
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
			       set_keywords[kw].name);
			return -1;
		}
		seen[kw] = true;
		if (!set_keywords[kw].has_value)
			continue;
		if (++i >= argc) {
			pr_err("missing value for %s", set_keywords[kw].name);
			return -1;
		}
		if ((kw == KW_PRIVATE_KEY || kw == KW_PRESHARED_KEY) &&
		    !strcmp(argv[i], "-") && stdin_users++) {
			pr_err("cannot read '-' for %s: standard input is already used for another key",
			       set_keywords[kw].name);
			return -1;
		}
	}
	return 0;
}

/* argv holds the words after "set IFACE". */
int config_from_argv(struct ptun_device *dev, int argc, char **argv)
{
	bool stdin_used = false;
	const char *arg;
	int i, kw;

	if (check_shape(argc, argv))
		return -1;
	for (i = 0; i < argc; i++) {
		kw = find_keyword(argv[i]);
		arg = set_keywords[kw].has_value ? argv[++i] : NULL;
		if (apply_keyword(dev, kw, arg, &stdin_used))
			return -1;
	}
	if (dev->peer.has)
		dev->has |= DEV_HAS_PEER;
	return 0;
}
