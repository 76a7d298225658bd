/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transmit: inner packets from the device to encrypted UDP datagrams.
 */

#ifndef _PTUN_SEND_H
#define _PTUN_SEND_H

#include <linux/netdevice.h>

struct ptun_peer;

netdev_tx_t ptun_send_xmit(struct sk_buff *skb, struct net_device *dev);

/*
 * Sends the packets that waited for a session. Called when one becomes
 * usable; if there is still none, they keep waiting. Any context.
 */
void ptun_send_staged(struct ptun_peer *peer);
/* Drops the waiting packets, counting them as no_session. */
void ptun_send_purge_staged(struct ptun_peer *peer);

/* An empty data message on the current session, if there is one. */
void ptun_send_keepalive(struct ptun_peer *peer);

#endif /* _PTUN_SEND_H */
