// SPDX-License-Identifier: GPL-2.0
/*
 * ethtool: link state, and the handshake, drop and events-suppressed
 * counters (the same as PTUN_A_DEVICE_STATS) for `ethtool -S`, where monitoring agents that know
 * nothing of ptun's netlink family read them. `ethtool -i` needs nothing
 * of ours: the core names the driver after the link kind.
 */

#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include <linux/string.h>

#include "device.h"
#include "events.h"
#include "stats.h"

/* By counter, as ptun_stats_drop_attr() has them: the names of `ptun show` */
static const char ptun_drop_names[PTUN_STATS_NR_DROPS][ETH_GSTRING_LEN] = {
	"drop_auth",
	"drop_replay",
	"drop_src_not_allowed",
	"drop_dst_not_allowed",
	"drop_no_session",
	"drop_malformed",
	"drop_cipher_mismatch",
	"drop_handshake",
	"drop_tx_error",
	"drop_rx_error",
	"drop_rx_queue_full",
	"drop_tx_queue_full",
};

/* handshakes, the drops, then the events the rate limit held back */
#define PTUN_ETHTOOL_NR_STATS	(1 + PTUN_STATS_NR_DROPS + 1)

static int get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? PTUN_ETHTOOL_NR_STATS : -EOPNOTSUPP;
}

static void get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset != ETH_SS_STATS)
		return;
	strscpy_pad((char *)data, "handshakes", ETH_GSTRING_LEN);
	data += ETH_GSTRING_LEN;
	memcpy(data, ptun_drop_names, sizeof(ptun_drop_names));
	data += sizeof(ptun_drop_names);
	strscpy_pad((char *)data, "events_suppressed", ETH_GSTRING_LEN);
}

static void get_ethtool_stats(struct net_device *dev,
			      struct ethtool_stats *stats, u64 *data)
{
	struct ptun_stats_snapshot snap;

	ptun_stats_read(netdev_priv(dev), &snap);
	data[0] = snap.handshakes;
	memcpy(data + 1, snap.drops, sizeof(snap.drops));
	data[1 + PTUN_STATS_NR_DROPS] = ptun_events_suppressed(netdev_priv(dev));
}

const struct ethtool_ops ptun_ethtool_ops = {
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= get_sset_count,
	.get_strings		= get_strings,
	.get_ethtool_stats	= get_ethtool_stats,
};
