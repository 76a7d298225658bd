/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transmit: inner packets from the device to encrypted UDP datagrams.
 */

#ifndef _PTUN_SEND_H
#define _PTUN_SEND_H

#include <linux/netdevice.h>

struct ptun_device;
struct ptun_peer;

/* The transmit queue and its NAPI, as receive.h's are for receiving. */
void ptun_send_init(struct ptun_device *ptun);
void ptun_send_start(struct ptun_device *ptun);
void ptun_send_stop(struct ptun_device *ptun);
void ptun_send_uninit(struct ptun_device *ptun);

netdev_tx_t ptun_send_xmit(struct sk_buff *skb, struct net_device *dev);

/*
 * How deeply the current transmit is nested in ptun devices and the
 * stack's: dev_recursion_level(), plus, in the transmit NAPI, the level
 * at which the datagram it is sending was sealed. A datagram queued by a
 * transmit that another ptun's NAPI made keeps counting the loop it may
 * be going round (socket.c).
 */
unsigned int ptun_send_nest_level(void);

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
