/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receive: UDP datagrams on the device's sockets, decrypted data handed up
 * the stack, handshake messages passed on to handshake.c.
 */

#ifndef _PTUN_RECEIVE_H
#define _PTUN_RECEIVE_H

struct sock;
struct sk_buff;

/* The encap_rcv hook of the device's sockets (softirq). */
int ptun_receive_encap(struct sock *sk, struct sk_buff *skb);

#endif /* _PTUN_RECEIVE_H */
