/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one model of a device's configuration and state: "set" fills it from
 * the command line before anything is sent, "show" fills it from the
 * kernel's reply before anything is printed.
 */
#ifndef PTUN_TOOL_CONFIG_H
#define PTUN_TOOL_CONFIG_H

#include <net/if.h>
#include <stdint.h>

#include "parse.h"

enum {
	DEV_HAS_IFINDEX		= 1U << 0,
	DEV_HAS_PRIVATE_KEY	= 1U << 1,
	DEV_HAS_PUBLIC_KEY	= 1U << 2,
	DEV_HAS_LISTEN_PORT	= 1U << 3,
	DEV_HAS_CIPHER		= 1U << 4,
	DEV_HAS_FLAGS		= 1U << 5,
	DEV_HAS_PEER		= 1U << 6,
	DEV_HAS_STATS		= 1U << 7,
};

enum {
	PEER_HAS_PUBLIC_KEY	= 1U << 0,
	PEER_HAS_PRESHARED_KEY	= 1U << 1,
	PEER_HAS_FLAGS		= 1U << 2,
	PEER_HAS_ENDPOINT	= 1U << 3,
	PEER_HAS_KEEPALIVE	= 1U << 4,
	PEER_HAS_ALLOWED_IPS	= 1U << 5,
};

/* The command-line text behind each setting, to name it in messages. */
struct ptun_set_args {
	const char *private_key;
	const char *listen_port;
	const char *cipher;
	const char *peer;
	const char *preshared_key;
	const char *endpoint;
	const char *allowed_ips;
	const char *keepalive;
};

struct ptun_peer {
	unsigned int has;		/* PEER_HAS_* */
	uint8_t public_key[PTUN_KEY_LEN];
	uint8_t preshared_key[PTUN_KEY_LEN];
	uint32_t flags;			/* enum ptun_peer_flag */
	struct ptun_endpoint endpoint;
	uint16_t keepalive;
	struct ptun_cidr *allowed_ips;
	size_t n_allowed_ips;
};

struct ptun_device {
	unsigned int has;		/* DEV_HAS_* */
	char ifname[IFNAMSIZ];
	uint32_t ifindex;
	uint8_t private_key[PTUN_KEY_LEN];
	uint8_t public_key[PTUN_KEY_LEN];
	uint16_t listen_port;
	uint16_t cipher;
	uint32_t flags;			/* enum ptun_device_flag */
	struct ptun_peer peer;
	uint64_t stats[PTUN_A_STATS_MAX + 1];	/* by PTUN_A_STATS_* */
	struct ptun_set_args args;
};

int config_set_ifname(struct ptun_device *dev, const char *name);
int config_from_argv(struct ptun_device *dev, int argc, char **argv);
int config_add_allowed_ip(struct ptun_peer *peer,
			  const struct ptun_cidr *cidr);
void config_free(struct ptun_device *dev);

#endif /* PTUN_TOOL_CONFIG_H */
