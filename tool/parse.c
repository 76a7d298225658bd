// SPDX-License-Identifier: GPL-2.0
/*
 * Syntax only: values the kernel judges (prefix lengths beyond the address
 * size, host bits, a cipher the crypto API lacks) pass through untouched so
 * that the kernel's extack message is what the user sees.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "key.h"
#include "parse.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

int parse_key(uint8_t key[PTUN_KEY_LEN], const char *s, size_t len,
	      const char **why)
{
	unsigned char decoded[PTUN_KEY_LEN + 3];
	char canon[KEY_B64_LEN + 1];
	int ret = -1;

	while (len && is_space(s[len - 1]))
		len--;
	if (!len) {
		*why = "empty";
		return -1;
	}
	/* 32 bytes always take 43 base64 digits and exactly one '=' */
	if (len != KEY_B64_LEN || s[len - 1] != '=' || s[len - 2] == '=') {
		*why = "not the base64 encoding of 32 bytes";
		return -1;
	}
	if (EVP_DecodeBlock(decoded, (const unsigned char *)s, (int)len) !=
	    PTUN_KEY_LEN + 1) {
		*why = "not valid base64";
		goto out;
	}
	/*
	 * EVP_DecodeBlock tolerates stray padding and nonzero spare bits:
	 * insist on the one canonical spelling of the key.
	 */
	EVP_EncodeBlock((unsigned char *)canon, decoded, PTUN_KEY_LEN);
	if (memcmp(canon, s, len)) {
		*why = "not valid base64";
		goto out;
	}
	memcpy(key, decoded, PTUN_KEY_LEN);
	ret = 0;
out:
	OPENSSL_cleanse(decoded, sizeof(decoded));
	OPENSSL_cleanse(canon, sizeof(canon));
	return ret;
}

/* Plain decimal only: no sign, no blanks, no hex, no octal surprises. */
int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return 0;
}

int parse_listen_port(const char *s, uint16_t *port, const char **why)
{
	unsigned long v;

	if (parse_uint(s, 65535, &v)) {
		*why = "not a port number from 0 to 65535";
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

int parse_keepalive(const char *s, uint16_t *secs, const char **why)
{
	unsigned long v;

	if (!strcmp(s, "off")) {
		*secs = 0;
		return 0;
	}
	if (parse_uint(s, 65535, &v)) {
		*why = "not a number of seconds from 0 to 65535, or 'off'";
		return -1;
	}
	*secs = (uint16_t)v;
	return 0;
}

/* The index of @s in a table of names (NULL entries never match), or -1 */
static int name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return (int)i;
	return -1;
}

static const char *name_at(const char *const *names, size_t n, size_t i)
{
	return i < n ? names[i] : NULL;
}

/* Index 0 is no cipher: it has no name. */
static const char *const cipher_names[] = {
	[PTUN_CIPHER_AES_256_GCM] = "aes-256-gcm",
	[PTUN_CIPHER_CHACHA20_POLY1305] = "chacha20-poly1305",
};

int parse_cipher(const char *s, uint16_t *cipher)
{
	int i = name_index(cipher_names, ARRAY_SIZE(cipher_names), s);

	if (i < 0)
		return -1;
	*cipher = (uint16_t)i;
	return 0;
}

const char *cipher_name(uint16_t cipher)
{
	return name_at(cipher_names, ARRAY_SIZE(cipher_names), cipher);
}

static const char *const link_state_names[] = {
	[PTUN_LINK_STATE_UP] = "up",
	[PTUN_LINK_STATE_SESSION] = "session",
};

int parse_link_state(const char *s, uint8_t *state, const char **why)
{
	int i = name_index(link_state_names, ARRAY_SIZE(link_state_names), s);

	if (i < 0) {
		*why = "expected 'up' or 'session'";
		return -1;
	}
	*state = (uint8_t)i;
	return 0;
}

const char *link_state_name(uint8_t state)
{
	return name_at(link_state_names, ARRAY_SIZE(link_state_names), state);
}

int parse_mss_clamp(const char *s, uint16_t *clamp, const char **why)
{
	unsigned long v;

	if (!strcmp(s, "off")) {
		*clamp = PTUN_MSS_CLAMP_OFF;
		return 0;
	}
	if (!strcmp(s, "auto")) {
		*clamp = PTUN_MSS_CLAMP_AUTO;
		return 0;
	}
	if (parse_uint(s, 65535, &v) || v < PTUN_MSS_CLAMP_MIN) {
		*why = "not a segment size from 536 to 65535 bytes, 'auto' or 'off'";
		return -1;
	}
	*clamp = (uint16_t)v;
	return 0;
}

const char *format_mss_clamp(char *buf, size_t size, uint16_t clamp)
{
	if (clamp == PTUN_MSS_CLAMP_OFF)
		snprintf(buf, size, "off");
	else if (clamp == PTUN_MSS_CLAMP_AUTO)
		snprintf(buf, size, "auto");
	else
		snprintf(buf, size, "%u", clamp);
	return buf;
}

int parse_cidr(const char *s, size_t len, struct ptun_cidr *cidr,
	       const char **why)
{
	char buf[PTUN_ADDR_STRLEN];
	unsigned long prefix;
	char *slash;

	while (len && is_space(*s)) {
		s++;
		len--;
	}
	while (len && is_space(s[len - 1]))
		len--;
	if (!len) {
		*why = "empty entry";
		return -1;
	}
	if (len >= sizeof(buf)) {
		*why = "too long to be an address";
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';

	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';

	memset(cidr, 0, sizeof(*cidr));
	if (inet_pton(AF_INET, buf, &cidr->addr.v4) == 1) {
		cidr->family = AF_INET;
		prefix = 32;
	} else if (inet_pton(AF_INET6, buf, &cidr->addr.v6) == 1) {
		cidr->family = AF_INET6;
		prefix = 128;
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	if (slash && parse_uint(slash, 255, &prefix)) {
		*why = "prefix length is not a number from 0 to 255";
		return -1;
	}
	cidr->prefix_len = (uint8_t)prefix;
	return 0;
}

/*
 * The kernel keeps the name to show it and refuses other bytes: they
 * would end up raw in terminals and JSON.
 */
static bool host_name(const char *s)
{
	for (; *s; s++)
		if (!isascii((unsigned char)*s) ||
		    (!isalnum((unsigned char)*s) && !strchr("-._", *s)))
			return false;
	return true;
}

int parse_endpoint(const char *s, struct ptun_endpoint *ep,
		   char *host, size_t host_size, const char **why)
{
	const char *port, *h;
	unsigned long v;
	size_t hlen;

	memset(ep, 0, sizeof(*ep));
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close) {
			*why = "missing ']' after the IPv6 address";
			return -1;
		}
		h = s + 1;
		hlen = (size_t)(close - h);
		if (close[1] != ':') {
			*why = "missing ':PORT' after the address";
			return -1;
		}
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon) {
			*why = "missing ':PORT' after the address";
			return -1;
		}
		h = s;
		hlen = (size_t)(colon - s);
		if (memchr(h, ':', hlen)) {
			*why = "an IPv6 address must be in brackets, as [ADDRESS]:PORT";
			return -1;
		}
		port = colon + 1;
	}
	if (!hlen) {
		*why = "missing address before ':PORT'";
		return -1;
	}
	if (hlen >= host_size) {
		*why = "host name too long";
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	if (parse_uint(port, 65535, &v) || !v) {
		*why = "port is not a number from 1 to 65535";
		return -1;
	}
	ep->port = (uint16_t)v;

	if (*s == '[') {
		if (inet_pton(AF_INET6, host, &ep->addr.v6) != 1) {
			*why = "not an IPv6 address between the brackets";
			return -1;
		}
		ep->family = AF_INET6;
	} else if (inet_pton(AF_INET, host, &ep->addr.v4) == 1) {
		ep->family = AF_INET;
	} else if (!host_name(host)) {
		*why = "a host name has only letters, digits, '-', '.' and '_'";
		return -1;
	} else {
		ep->family = AF_UNSPEC;
	}
	return 0;
}

int format_cidr(char *buf, size_t size, const struct ptun_cidr *cidr)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(cidr->family, &cidr->addr, addr, sizeof(addr)))
		return -1;
	if ((size_t)snprintf(buf, size, "%s/%u", addr, cidr->prefix_len) >= size)
		return -1;
	return 0;
}

bool endpoint_equal(const struct ptun_endpoint *a,
		    const struct ptun_endpoint *b)
{
	if (a->family != b->family || a->port != b->port)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
}

int format_endpoint(char *buf, size_t size, const struct ptun_endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (!inet_ntop(ep->family, &ep->addr, addr, sizeof(addr)))
		return -1;
	if (ep->family == AF_INET6)
		n = snprintf(buf, size, "[%s]:%u", addr, ep->port);
	else
		n = snprintf(buf, size, "%s:%u", addr, ep->port);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

