/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive: UDP datagrams on the device's sockets, decrypted data handed up
 * the stack, handshake messages passed on to handshake.c.
 */

#ifndef _PTUN_RECEIVE_H
#define _PTUN_RECEIVE_H

struct ptun_device;
struct sock;
struct sk_buff;

/* The encap_rcv hook of the device's sockets (softirq). */
int ptun_receive_encap(struct sock *sk, struct sk_buff *skb);

/* ndo_init, ndo_open, ndo_stop and ndo_uninit's share (RTNL held). */
void ptun_receive_init(struct ptun_device *ptun);
void ptun_receive_start(struct ptun_device *ptun);
void ptun_receive_stop(struct ptun_device *ptun);
void ptun_receive_uninit(struct ptun_device *ptun);

#endif /* _PTUN_RECEIVE_H */
