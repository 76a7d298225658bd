/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough generic netlink on top of libmnl for one request at a time,
 * keeping the extended ack so that the kernel's reason reaches the user.
 */
#ifndef PTUN_TOOL_NETLINK_H
#define PTUN_TOOL_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* room for a request that names a device or a family and nothing more */
#define NL_SMALL_REQUEST	256

/* a module version string, as PTUN_A_DEVICE_MODULE_VERSION carries it */
#define NL_VERSION_LEN		32

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t family_version;	/* the module's PTUN_GENL_VERSION */
	uint32_t events_group;		/* PTUN_MCGRP_EVENTS's id, 0: none */
	char *rxbuf;
	size_t rxbuf_size;
};

/* How the kernel answered a request. */
struct nl_ack {
	int error;			/* 0, or a negative errno */
	char msg[256];			/* extack message, "" if none */
	bool has_offset;
	uint32_t offset;		/* of the offending attribute */
};

/*
 * Set once the kernel has answered a request with an error: the process
 * then exits with EXIT_REFUSED rather than EXIT_ERROR (cmd.h), as ip(8).
 */
extern bool nl_kernel_refused;

/* Called for every reply message that is not an ack, done or error. */
typedef int (*nl_reply_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Opens a socket and looks up the ptun family. On failure it has told the
 * user why (module not loaded, no netlink) and returns -1.
 */
int nl_open(struct nl *nl);
/* nl_open() without a word when the family is missing (ptun --version) */
int nl_probe(struct nl *nl);
void nl_close(struct nl *nl);

/* Starts a ptun request in buf; the caller adds attributes. */
struct nlmsghdr *nl_request_start(struct nl *nl, void *buf, uint8_t cmd,
				  uint16_t flags);

/*
 * Sends nlh and reads replies until the request is acknowledged, a dump
 * is done, or an error arrives. Returns 0, or -1 with ack->error set.
 */
int nl_transact(struct nl *nl, struct nlmsghdr *nlh, nl_reply_cb cb,
		void *data, struct nl_ack *ack);

#endif /* PTUN_TOOL_NETLINK_H */
