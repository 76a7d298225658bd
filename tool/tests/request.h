/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the request-building unit tests share: pr_err() recorded instead
 * of printed, the last error shown when a check fails, and SET requests
 * built into a buffer and searched. Included after the .c files tested.
 */
#ifndef PTUN_TOOL_TESTS_REQUEST_H
#define PTUN_TOOL_TESTS_REQUEST_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

static char last_err[1024];
static int n_err;

void pr_err(const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(last_err, sizeof(last_err), PROG_NAME ": ");
	va_start(ap, fmt);
	vsnprintf(last_err + n, sizeof(last_err) - (size_t)n, fmt, ap);
	va_end(ap);
	n_err++;
}

static void tap_on_failure(void)
{
	if (last_err[0])
		printf("# last error: %s\n", last_err);
}

struct built {
	char buf[4096];
	struct nlmsghdr *nlh;
	struct arg_span spans[64];
	struct arg_map map;
};

/* one message carrying every allowed IP of dev */
static void build(struct built *b, const struct ptun_device *dev)
{
	struct chunk ck = { .to = dev->peer.n_allowed_ips };
	struct nl nl = { .family = 0x42 };

	memset(b, 0, sizeof(*b));
	b->nlh = nl_request_start(&nl, b->buf, PTUN_CMD_SET_DEVICE, NLM_F_ACK);
	b->map.spans = b->spans;
	b->map.max = 64;
	b->map.nlh = b->nlh;
	build_request(b->nlh, dev, &b->map, &ck);
}

/* The first attribute of type in parent, or at the top level if NULL */
static const struct nlattr *find(const struct nlattr *parent,
				 const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *attr;

	if (!parent) {
		mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
			if (mnl_attr_get_type(attr) == type)
				return attr;
		return NULL;
	}
	mnl_attr_for_each_nested(attr, parent)
		if (mnl_attr_get_type(attr) == type)
			return attr;
	return NULL;
}

#endif /* PTUN_TOOL_TESTS_REQUEST_H */
