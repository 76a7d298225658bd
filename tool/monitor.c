// SPDX-License-Identifier: GPL-2.0
/*
 * ptun monitor [IFACE] [--json] [--reresolve]: joins the ptun family's
 * "events" multicast group and prints one line per event until killed, as
 * "IFACE EVENT [KEY VALUE]..." or, with --json, one JSON object a line.
 * Each line is flushed at once: scripts read it through a pipe.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/ptun.h>

#include "cmd.h"
#include "config.h"
#include "json.h"
#include "netlink.h"
#include "parse.h"

static const char *const event_names[] = {
	[PTUN_EVENT_SESSION_UP] = "session-up",
	[PTUN_EVENT_REKEY] = "rekey",
	[PTUN_EVENT_SESSION_DOWN] = "session-down",
	[PTUN_EVENT_ENDPOINT_CHANGED] = "endpoint-changed",
	[PTUN_EVENT_FAILOVER] = "failover",
	[PTUN_EVENT_HANDSHAKE_TIMEOUT] = "handshake-timeout",
	[PTUN_EVENT_CONFIG_CHANGED] = "config-changed",
};

static const char *const reason_names[] = {
	[PTUN_DOWN_REASON_EXPIRED] = "expired",
	[PTUN_DOWN_REASON_DEVICE_DOWN] = "device-down",
	[PTUN_DOWN_REASON_RESET] = "reset",
};

static const char *const failover_reason_names[] = {
	[PTUN_FAILOVER_REASON_TIMEOUT] = "timeout",
	[PTUN_FAILOVER_REASON_FAILBACK] = "failback",
	[PTUN_FAILOVER_REASON_ROAMED] = "roamed",
};

/* by bit number of enum ptun_config_change */
static const char *const change_names[] = {
	"keys", "peer", "endpoint", "allowed-ips", "listen-port", "cipher",
	"keepalive", "mss-clamp", "link-state",
};

struct monitor {
	bool json;
	bool reresolve;			/* --reresolve */
	uint32_t ifindex;		/* 0: every device */
	uint16_t family;
};

struct event {
	const struct nlattr *tb[PTUN_A_EVENT_MAX + 1];
	char endpoint[INET6_ADDRSTRLEN + 8];
	char old_endpoint[INET6_ADDRSTRLEN + 8];
	char changed[128];
	char name[32];
};

static int event_attr_cb(const struct nlattr *attr, void *data)
{
	struct event *ev = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= PTUN_A_EVENT_MAX)
		ev->tb[type] = attr;
	return MNL_CB_OK;
}

static const char *name_of(const char *const *names, size_t n, uint32_t v)
{
	return v < n ? names[v] : NULL;
}

/* The endpoint in attributes @a4/@a6/@port as HOST:PORT into @buf; "" if none. */
static void endpoint_text(struct event *ev, char *buf, size_t size, int a4,
			  int a6, int port)
{
	struct ptun_endpoint ep = {};

	buf[0] = '\0';
	if (!ev->tb[port] || mnl_attr_validate(ev->tb[port], MNL_TYPE_U16))
		return;
	ep.port = mnl_attr_get_u16(ev->tb[port]);
	if (ev->tb[a4] && mnl_attr_get_payload_len(ev->tb[a4]) == 4) {
		ep.family = AF_INET;
		memcpy(&ep.addr.v4, mnl_attr_get_payload(ev->tb[a4]), 4);
	} else if (ev->tb[a6] && mnl_attr_get_payload_len(ev->tb[a6]) == 16) {
		ep.family = AF_INET6;
		memcpy(&ep.addr.v6, mnl_attr_get_payload(ev->tb[a6]), 16);
	} else {
		return;
	}
	if (format_endpoint(buf, size, &ep))
		buf[0] = '\0';
}

static void changed_text(struct event *ev, uint32_t changed)
{
	size_t i, len = 0;

	ev->changed[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(change_names); i++) {
		if (!(changed & (1U << i)))
			continue;
		len += snprintf(ev->changed + len, sizeof(ev->changed) - len,
				"%s%s", len ? "," : "", change_names[i]);
		if (len >= sizeof(ev->changed))
			break;
	}
}

static uint32_t u32_attr(const struct nlattr *attr)
{
	return attr && !mnl_attr_validate(attr, MNL_TYPE_U32) ?
	       mnl_attr_get_u32(attr) : 0;
}

/* Prints KEY VALUE, or "KEY": VALUE in JSON; VALUE NULL prints nothing. */
static void pair(struct json *j, const char *key, const char *value)
{
	if (!value)
		return;
	if (j) {
		json_key(j, key);
		json_string(j, value);
	} else {
		printf(" %s %s", key, value);
	}
}

static void print_event(const struct monitor *m, struct event *ev,
			const char *ifname, uint32_t ifindex)
{
	uint32_t type = u32_attr(ev->tb[PTUN_A_EVENT_TYPE]);
	const char *name, *cipher = NULL;
	struct json json, *j = NULL;

	name = name_of(event_names, ARRAY_SIZE(event_names), type);
	if (!name) {
		/* an event of a newer module: say so rather than hide it */
		snprintf(ev->name, sizeof(ev->name), "event-%u", type);
		name = ev->name;
	}
	if (ev->tb[PTUN_A_EVENT_CIPHER] &&
	    !mnl_attr_validate(ev->tb[PTUN_A_EVENT_CIPHER], MNL_TYPE_U16))
		cipher = cipher_name(mnl_attr_get_u16(ev->tb[PTUN_A_EVENT_CIPHER]));
	endpoint_text(ev, ev->endpoint, sizeof(ev->endpoint),
		      PTUN_A_EVENT_ENDPOINT_IPV4, PTUN_A_EVENT_ENDPOINT_IPV6,
		      PTUN_A_EVENT_ENDPOINT_PORT);
	endpoint_text(ev, ev->old_endpoint, sizeof(ev->old_endpoint),
		      PTUN_A_EVENT_OLD_ENDPOINT_IPV4,
		      PTUN_A_EVENT_OLD_ENDPOINT_IPV6,
		      PTUN_A_EVENT_OLD_ENDPOINT_PORT);

	if (m->json) {
		j = &json;
		json_init_line(j, stdout);
		json_object_begin(j);
		json_key(j, "ifname");
		json_string(j, ifname);
		json_key(j, "ifindex");
		json_u64(j, ifindex);
		json_key(j, "event");
		json_string(j, name);
	} else {
		printf("%s %s", ifname, name);
	}
	pair(j, "cipher", cipher);
	if (ev->tb[PTUN_A_EVENT_REASON]) {
		uint32_t r = u32_attr(ev->tb[PTUN_A_EVENT_REASON]);

		pair(j, "reason", name_of(reason_names,
					  ARRAY_SIZE(reason_names), r) ?:
				  "unknown");
	}
	switch (type) {
	case PTUN_EVENT_ENDPOINT_CHANGED:
		pair(j, "old", ev->old_endpoint[0] ? ev->old_endpoint : "none");
		pair(j, "new", ev->endpoint);
		break;
	case PTUN_EVENT_HANDSHAKE_TIMEOUT:
		pair(j, "endpoint", ev->endpoint[0] ? ev->endpoint : "none");
		break;
	case PTUN_EVENT_FAILOVER:
		pair(j, "from", ev->old_endpoint[0] ? ev->old_endpoint : "none");
		pair(j, "to", ev->endpoint[0] ? ev->endpoint : "none");
		pair(j, "reason",
		     name_of(failover_reason_names,
			     ARRAY_SIZE(failover_reason_names),
			     u32_attr(ev->tb[PTUN_A_EVENT_FAILOVER_REASON])) ?:
		     "unknown");
		break;
	case PTUN_EVENT_CONFIG_CHANGED:
		changed_text(ev, u32_attr(ev->tb[PTUN_A_EVENT_CHANGED]));
		if (j) {
			/* a list, not the comma-joined text */
			size_t i;
			uint32_t changed = u32_attr(ev->tb[PTUN_A_EVENT_CHANGED]);

			json_key(j, "changed");
			json_array_begin(j);
			for (i = 0; i < ARRAY_SIZE(change_names); i++)
				if (changed & (1U << i))
					json_string(j, change_names[i]);
			json_array_end(j);
		} else {
			pair(j, "changed", ev->changed[0] ? ev->changed : "none");
		}
		break;
	}
	if (j) {
		json_object_end(j);
		json_finish(j);
	} else {
		putchar('\n');
	}
	fflush(stdout);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct monitor *m = data;
	const struct genlmsghdr *genl;
	struct event ev = {};
	const char *ifname;
	uint32_t ifindex;

	if (nlh->nlmsg_type != m->family)
		return MNL_CB_OK;
	genl = mnl_nlmsg_get_payload(nlh);
	if (genl->cmd != PTUN_CMD_EVENT)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof(*genl), event_attr_cb, &ev) < 0)
		return MNL_CB_OK;
	ifindex = u32_attr(ev.tb[PTUN_A_EVENT_IFINDEX]);
	if (m->ifindex && ifindex != m->ifindex)
		return MNL_CB_OK;
	if (!ev.tb[PTUN_A_EVENT_IFNAME] ||
	    mnl_attr_validate(ev.tb[PTUN_A_EVENT_IFNAME], MNL_TYPE_NUL_STRING))
		return MNL_CB_OK;
	ifname = mnl_attr_get_str(ev.tb[PTUN_A_EVENT_IFNAME]);
	print_event(m, &ev, ifname, ifindex);
	/*
	 * The peer's name may lead somewhere else now (dynamic DNS, a new
	 * ISP address). A new address reaches the kernel as a SET, and so
	 * comes back as a config-changed event; failures are told on stderr
	 * and the monitor goes on.
	 */
	if (m->reresolve &&
	    u32_attr(ev.tb[PTUN_A_EVENT_TYPE]) == PTUN_EVENT_HANDSHAKE_TIMEOUT)
		device_reresolve(ifname, "monitor --reresolve", NULL);
	return MNL_CB_OK;
}

static int usage_error(void)
{
	pr_err("usage: %s monitor [IFACE] [--json] [--reresolve]", PROG_NAME);
	return EXIT_ERROR;
}

int cmd_monitor(int argc, char **argv)
{
	struct monitor m = {};
	const char *ifname = NULL;
	struct ptun_device dev;
	struct nl nl;
	int i, group, ret = EXIT_ERROR;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			m.json = true;
		} else if (!strcmp(argv[i], "--reresolve")) {
			m.reresolve = true;
		} else if (argv[i][0] == '-' || ifname) {
			pr_err("monitor: unexpected argument '%s'", argv[i]);
			return usage_error();
		} else {
			ifname = argv[i];
			if (!*ifname || strlen(ifname) >= IFNAMSIZ) {
				pr_err("monitor: '%s' is not an interface name (1-%d characters)",
				       ifname, IFNAMSIZ - 1);
				return EXIT_ERROR;
			}
		}
	}
	/* the device must exist, and be a ptun device, as for show */
	if (ifname) {
		if (device_get(ifname, &dev, "monitor"))
			return EXIT_ERROR;
		m.ifindex = dev.ifindex;
	}
	if (nl_open(&nl))
		return EXIT_ERROR;
	m.family = nl.family;
	if (!nl.events_group) {
		pr_err("monitor: the loaded ptun module has no '%s' multicast group (too old)",
		       PTUN_MCGRP_EVENTS);
		goto out;
	}
	group = (int)nl.events_group;
	if (mnl_socket_setsockopt(nl.sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		if (errno == EPERM || errno == EACCES) {
			pr_err("monitor: joining the events group: %s (needs CAP_NET_ADMIN)",
			       strerror(errno));
			ret = EXIT_REFUSED;
		} else {
			pr_err("monitor: joining the events group: %s",
			       strerror(errno));
		}
		goto out;
	}
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl.sock, nl.rxbuf,
						  nl.rxbuf_size);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* we were too slow: say so, and go on */
				pr_err("monitor: events lost (receive buffer full)");
				continue;
			}
			pr_err("monitor: receiving: %s", strerror(errno));
			goto out;
		}
		if (mnl_cb_run(nl.rxbuf, len, 0, 0, event_cb, &m) < 0 &&
		    errno != ENOENT) {
			pr_err("monitor: reading an event: %s", strerror(errno));
			goto out;
		}
	}
out:
	nl_close(&nl);
	return ret;
}
