// SPDX-License-Identifier: GPL-2.0
/*
 * The receive loop is our own rather than mnl_cb_run()'s, because libmnl
 * turns an NLMSG_ERROR into a bare errno and the extended ack message
 * and offset would be lost.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/ptun.h>

#include "cmd.h"
#include "netlink.h"

/* Enough for a dump batch of big messages without truncation. */
#define NL_RXBUF_SIZE	32768

#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED	0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS	0x200
#endif

bool nl_kernel_refused;

static struct nlmsghdr *genl_start(struct nl *nl, void *buf, uint16_t type,
				   uint8_t cmd, uint8_t version,
				   uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *nl_request_start(struct nl *nl, void *buf, uint8_t cmd,
				  uint16_t flags)
{
	return genl_start(nl, buf, nl->family, cmd, PTUN_GENL_VERSION, flags);
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_ack *ack = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			break;
		strncpy(ack->msg, mnl_attr_get_str(attr), sizeof(ack->msg) - 1);
		ack->msg[sizeof(ack->msg) - 1] = '\0';
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			break;
		ack->offset = mnl_attr_get_u32(attr);
		ack->has_offset = true;
		break;
	}
	return MNL_CB_OK;
}

static void parse_extack(const struct nlmsghdr *nlh, size_t offset,
			 struct nl_ack *ack)
{
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (offset >= mnl_nlmsg_get_payload_len(nlh))
		return;
	mnl_attr_parse(nlh, (unsigned int)offset, extack_attr_cb, ack);
}

static int handle_error(const struct nlmsghdr *nlh, struct nl_ack *ack)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*err);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*err)) {
		ack->error = -EBADMSG;
		return -1;
	}
	ack->error = err->error > 0 ? -err->error : err->error;
	if (ack->error)
		nl_kernel_refused = true;
	/* Without NETLINK_CAP_ACK the request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	parse_extack(nlh, offset, ack);
	return ack->error ? -1 : 0;
}

static int handle_done(const struct nlmsghdr *nlh, struct nl_ack *ack)
{
	int error;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(error))
		return 0;
	memcpy(&error, mnl_nlmsg_get_payload(nlh), sizeof(error));
	ack->error = error > 0 ? -error : error;
	if (ack->error)
		nl_kernel_refused = true;
	parse_extack(nlh, sizeof(error), ack);
	return ack->error ? -1 : 0;
}

int nl_transact(struct nl *nl, struct nlmsghdr *nlh, nl_reply_cb cb,
		void *data, struct nl_ack *ack)
{
	uint32_t seq = nlh->nlmsg_seq;
	const struct nlmsghdr *msg;
	ssize_t len;
	int ret, n;

	memset(ack, 0, sizeof(*ack));
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		ack->error = -errno;
		return -1;
	}
	for (;;) {
		len = mnl_socket_recvfrom(nl->sock, nl->rxbuf, nl->rxbuf_size);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			ack->error = -errno;
			return -1;
		}
		n = (int)len;
		for (msg = (const struct nlmsghdr *)nl->rxbuf;
		     mnl_nlmsg_ok(msg, n); msg = mnl_nlmsg_next(msg, &n)) {
			if (msg->nlmsg_seq != seq ||
			    (msg->nlmsg_pid && msg->nlmsg_pid != nl->portid))
				continue;
			switch (msg->nlmsg_type) {
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				continue;
			case NLMSG_ERROR:
				return handle_error(msg, ack);
			case NLMSG_DONE:
				return handle_done(msg, ack);
			}
			if (cb) {
				ret = cb(msg, data);
				if (ret < 0) {
					ack->error = ret;
					return -1;
				}
			}
		}
	}
}

/* One group of CTRL_ATTR_MCAST_GROUPS: remembers the events group's id. */
static int mcast_group_cb(const struct nlattr *grp, void *data)
{
	const char *name = NULL;
	struct nl *nl = data;
	uint32_t id = 0;
	struct nlattr *attr;

	mnl_attr_for_each_nested(attr, grp) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			name = mnl_attr_get_str(attr);
		if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			id = mnl_attr_get_u32(attr);
	}
	if (name && !strcmp(name, PTUN_MCGRP_EVENTS))
		nl->events_group = id;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl *nl = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS)
		mnl_attr_parse_nested(attr, mcast_group_cb, nl);

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
		nl->family = mnl_attr_get_u16(attr);
	if (mnl_attr_get_type(attr) == CTRL_ATTR_VERSION &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		nl->family_version = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return 0;
}

static int resolve_family(struct nl *nl, bool quiet)
{
	char buf[NL_SMALL_REQUEST];
	struct nlmsghdr *nlh;
	struct nl_ack ack;

	nlh = genl_start(nl, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1,
			 NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, PTUN_GENL_NAME);
	nl->family = 0;
	if (nl_transact(nl, nlh, family_cb, nl, &ack)) {
		if (quiet)
			return -1;
		if (ack.error == -ENOENT)
			pr_err("the ptun kernel module is not loaded (generic netlink family '%s' not found)",
			       PTUN_GENL_NAME);
		else
			pr_err("cannot look up generic netlink family '%s': %s",
			       PTUN_GENL_NAME, ack.msg[0] ? ack.msg :
			       strerror(-ack.error));
		return -1;
	}
	if (!nl->family) {
		if (quiet)
			return -1;
		pr_err("cannot look up generic netlink family '%s': no id in the reply",
		       PTUN_GENL_NAME);
		return -1;
	}
	return 0;
}

static int open_family(struct nl *nl, bool quiet)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->rxbuf_size = NL_RXBUF_SIZE;
	nl->rxbuf = malloc(nl->rxbuf_size);
	if (!nl->rxbuf) {
		pr_err("out of memory");
		return -1;
	}
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock) {
		pr_err("cannot open a generic netlink socket: %s",
		       strerror(errno));
		goto free_buf;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		pr_err("cannot bind the netlink socket: %s", strerror(errno));
		goto close_sock;
	}
	/*
	 * Best effort: a kernel without these still works, it only says
	 * less about a rejected request.
	 */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	if (resolve_family(nl, quiet))
		goto close_sock;
	return 0;

close_sock:
	mnl_socket_close(nl->sock);
free_buf:
	free(nl->rxbuf);
	nl->sock = NULL;
	nl->rxbuf = NULL;
	return -1;
}

int nl_open(struct nl *nl)
{
	return open_family(nl, false);
}

int nl_probe(struct nl *nl)
{
	return open_family(nl, true);
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->rxbuf);
	nl->sock = NULL;
	nl->rxbuf = NULL;
}
