/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one model of a device's configuration and state: "set" fills it from
 * the command line and the *conf commands from a config file before
 * anything is sent, "show" fills it from the kernel's reply before anything
 * is printed.
 */
#ifndef PTUN_TOOL_CONFIG_H
#define PTUN_TOOL_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
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
	DEV_HAS_MSS_CLAMP	= 1U << 8,
	DEV_HAS_LINK_STATE	= 1U << 9,
};

enum {
	PEER_HAS_PUBLIC_KEY	= 1U << 0,
	PEER_HAS_PRESHARED_KEY	= 1U << 1,
	PEER_HAS_FLAGS		= 1U << 2,
	PEER_HAS_ENDPOINT	= 1U << 3,
	PEER_HAS_KEEPALIVE	= 1U << 4,
	PEER_HAS_ALLOWED_IPS	= 1U << 5,
	PEER_HAS_FAILOVER_TIMEOUT = 1U << 6,
	PEER_HAS_FAILBACK_INTERVAL = 1U << 7,
};

/*
 * The settings "set" arguments and config files (conf.c) both give. The
 * first ones are keywords of "set"; the ones after SET_ARGV_COUNT exist in
 * config files only.
 */
enum ptun_setting {
	SET_PRIVATE_KEY,		/* a key file */
	SET_LISTEN_PORT,
	SET_CIPHER,
	SET_MSS_CLAMP,
	SET_LINK_STATE,
	SET_PEER,
	SET_REMOVE_PEER,
	SET_PRESHARED_KEY,		/* a key file */
	SET_ENDPOINT,
	SET_ALLOWED_IPS,
	SET_KEEPALIVE,
	SET_FAILOVER_TIMEOUT,
	SET_FAILBACK_INTERVAL,
	SET_ARGV_COUNT,
	SET_PRIVATE_KEY_TEXT = SET_ARGV_COUNT,	/* the key itself */
	SET_PRESHARED_KEY_TEXT,
	SET_COUNT
};

/*
 * The text behind each setting, to name it in messages: a command-line
 * argument, or a value in a config file (never a secret key's text).
 */
struct ptun_set_args {
	const char *private_key;
	const char *listen_port;
	const char *cipher;
	const char *mss_clamp;
	const char *link_state;
	const char *peer;
	const char *preshared_key;
	const char *endpoint;
	const char *allowed_ips;
	const char *keepalive;
	const char *failover_timeout;
	const char *failback_interval;
	/* config files only: where each setting was written */
	const char *file;		/* NULL: the command line */
	unsigned int line[SET_COUNT];	/* 0: not given */
	unsigned int *ip_lines;		/* per allowed IP, as peer's list */
	char **owned;			/* copies of file text, freed with dev */
	size_t n_owned;
};

/*
 * Where a setting comes from while it is applied: for messages, and so
 * that standard input is read once at most.
 */
struct config_source {
	const char *where;		/* message prefix: "" or "FILE:LINE: " */
	const char *keyword;		/* the setting's name in messages */
	unsigned int line;		/* config files: the setting's line */
	bool stdin_used;
	bool stdin_is_config;		/* the config file came from it */
};

struct ptun_peer {
	unsigned int has;		/* PEER_HAS_* */
	uint8_t public_key[PTUN_KEY_LEN];
	uint8_t preshared_key[PTUN_KEY_LEN];
	uint32_t flags;			/* enum ptun_peer_flag */
	struct ptun_endpoint endpoint;	/* the current one */
	/*
	 * The candidates in order of preference (endpoint is the first when
	 * set from text), with their PTUN_ENDPOINT_STATE_* from the kernel.
	 */
	struct ptun_endpoint candidates[PTUN_ENDPOINTS_MAX];
	uint8_t candidate_states[PTUN_ENDPOINTS_MAX];
	size_t n_candidates;
	/* the host endpoint was resolved from, "" for an address or a list */
	char endpoint_name[PTUN_ENDPOINT_NAME_MAX_LEN + 1];
	uint16_t failover_timeout;	/* seconds, 0: the default */
	uint16_t failback_interval;
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
	uint16_t mss_clamp;		/* PTUN_A_DEVICE_MSS_CLAMP */
	uint8_t link_state;		/* enum ptun_link_state */
	uint32_t flags;			/* enum ptun_device_flag */
	struct ptun_peer peer;
	uint64_t stats[PTUN_A_STATS_MAX + 1];	/* by PTUN_A_STATS_* */
	struct ptun_set_args args;
};

int config_set_ifname(struct ptun_device *dev, const char *name);
int config_from_argv(struct ptun_device *dev, int argc, char **argv);
/*
 * Applies one setting from text, reading key files and resolving names;
 * value must outlive dev. Returns 0, or -1 once it has said what is wrong.
 */
int config_apply(struct ptun_device *dev, enum ptun_setting setting,
		 const char *value, struct config_source *src);
/* The name of a setting in messages: "allowed-ips", or "AllowedIPs". */
const char *config_keyword(enum ptun_setting setting, bool file);
/* realloc() for arrays grown one element at a time (config.c) */
void *config_grow(void *array, size_t n, size_t size);
int config_add_allowed_ip(struct ptun_peer *peer,
			  const struct ptun_cidr *cidr);
void config_free(struct ptun_device *dev);

/* Sends dev as one SET request (set.c); returns the exit status. */
int device_set(const struct ptun_device *dev, const char *cmd);
/* Reads one device from the kernel (show.c); returns 0 or -1. */
int device_get(const char *ifname, struct ptun_device *dev, const char *cmd);
/*
 * Resolves host (of arg, for the setting src names) into ep's family and
 * address, retrying a resolver that has no answer yet a bounded number of
 * times (config.c). Returns 0, or -1 once it has said what is wrong.
 */
int config_resolve(struct ptun_endpoint *ep, const char *host,
		   const char *arg, const struct config_source *src);
/*
 * Resolves the peer endpoint's host name of device ifname again and sets
 * the address if it changed, keeping the port, the name and everything
 * else (set.c). *changed (may be NULL) tells whether a SET was sent; an
 * unchanged address sends nothing, so the session is left alone. Returns
 * the exit status: 0, EXIT_ERROR (no peer, no name, or the name does not
 * resolve) or EXIT_REFUSED (the kernel refused the GET, as for no such
 * device, or the SET). Messages go to stderr, prefixed with cmd.
 */
int device_reresolve(const char *ifname, const char *cmd, bool *changed);

#endif /* PTUN_TOOL_CONFIG_H */
