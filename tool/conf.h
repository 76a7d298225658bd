/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Config files, in the INI format of wg(8)'s: conf.c reads one into the
 * model of config.h, setconf.c turns it into the request that setconf,
 * addconf or syncconf sends, showconf.c writes the device back out.
 */
#ifndef PTUN_TOOL_CONF_H
#define PTUN_TOOL_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

enum conf_mode {
	CONF_SET,		/* the file is the whole configuration */
	CONF_ADD,		/* the file adds to the configuration */
	CONF_SYNC,		/* as CONF_SET, sending only what differs */
};

/* A config file's name in messages: "<stdin>" for "-". */
const char *conf_name(const char *path);

/*
 * Reads a config file into dev (whose ifname is set), which then has what
 * the file gives and nothing else; the file's [Peer] section is
 * DEV_HAS_PEER. f is the open file; from_stdin says it is standard input,
 * which key files then cannot be. Returns 0, or -1 after one message
 * "FILE:LINE: what is wrong".
 */
int conf_parse(struct ptun_device *dev, const char *path, FILE *f,
	       bool from_stdin);
/* conf_parse() of the file at path, "-" being standard input */
int conf_load(struct ptun_device *dev, const char *path);

/*
 * The SET request that brings a device from cur (as the kernel described
 * it; ignored for CONF_SET) to what the file, want, says under mode.
 * Returns 0 and fills req (to config_free()), or -1 after a message.
 */
int conf_request(enum conf_mode mode, const struct ptun_device *want,
		 const struct ptun_device *cur, struct ptun_device *req);
/* Whether req would change nothing: no attribute beyond the name. */
bool conf_request_empty(const struct ptun_device *req);

/* Writes dev as a config file (no secrets: the kernel never gives them). */
void conf_print(FILE *f, const struct ptun_device *dev);

#endif /* PTUN_TOOL_CONF_H */
