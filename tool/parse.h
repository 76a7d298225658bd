/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Text to value and back, for everything the command line accepts or the
 * tool prints. Pure functions: no I/O, no name resolution, no globals.
 * Parsers return 0 on success, or -1 with *why pointing at a static
 * sentence saying what is wrong with the text.
 */
#ifndef PTUN_TOOL_PARSE_H
#define PTUN_TOOL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/ptun.h>

struct ptun_cidr {
	uint16_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefix_len;		/* as written: 0-255, unchecked */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

struct ptun_endpoint {
	uint16_t family;		/* AF_UNSPEC: a host name to resolve */
	uint16_t port;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* "[v6]:port" plus "/128", with room to spare */
#define PTUN_ADDR_STRLEN	64

int parse_key(uint8_t key[PTUN_KEY_LEN], const char *s, size_t len,
	      const char **why);
int parse_uint(const char *s, unsigned long max, unsigned long *out);
int parse_listen_port(const char *s, uint16_t *port, const char **why);
int parse_keepalive(const char *s, uint16_t *secs, const char **why);
int parse_cipher(const char *s, uint16_t *cipher);
/* "off", "auto" or a segment size (536-65535): PTUN_A_DEVICE_MSS_CLAMP */
int parse_mss_clamp(const char *s, uint16_t *clamp, const char **why);
/* the text parse_mss_clamp() reads back; buf holds at least 8 bytes */
const char *format_mss_clamp(char *buf, size_t size, uint16_t clamp);
const char *cipher_name(uint16_t cipher);
/* "up" or "session": PTUN_A_DEVICE_LINK_STATE */
int parse_link_state(const char *s, uint8_t *state, const char **why);
/* its name, or NULL for a value this ptun does not know */
const char *link_state_name(uint8_t state);
int parse_cidr(const char *s, size_t len, struct ptun_cidr *cidr,
	       const char **why);
int parse_endpoint(const char *s, struct ptun_endpoint *ep,
		   char *host, size_t host_size, const char **why);

int format_cidr(char *buf, size_t size, const struct ptun_cidr *cidr);
int format_endpoint(char *buf, size_t size, const struct ptun_endpoint *ep);
/* same family, address and port */
bool endpoint_equal(const struct ptun_endpoint *a,
		    const struct ptun_endpoint *b);

#endif /* PTUN_TOOL_PARSE_H */
