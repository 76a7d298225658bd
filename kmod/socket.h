/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device's UDP sockets, one per address family, in the namespace the
 * device was created in (ptun->creating_net).
 */

#ifndef _PTUN_SOCKET_H
#define _PTUN_SOCKET_H

#include <linux/types.h>

struct ptun_device;
struct ptun_endpoint;
struct ptun_peer;
struct sk_buff;

/*
 * Opens sockets on @port (0: any free port) and publishes them, closing
 * the previous ones. Process context, under ptun->lock. On failure the old
 * sockets stay as they were.
 */
int ptun_socket_open(struct ptun_device *ptun, u16 port);
void ptun_socket_close(struct ptun_device *ptun);

/*
 * Sends @len bytes to @dst from the device's port, uncached: replies to
 * whoever sent a handshake message. Any context.
 */
int ptun_socket_send_buffer(struct ptun_device *ptun,
			    const struct ptun_endpoint *dst,
			    const void *buf, size_t len);
/*
 * Sends a complete ptun message to the peer's current endpoint, through
 * the peer's route cache, with @ds as the outer DS field (TOS, traffic
 * class: ECN). Consumes @skb. Any context.
 */
int ptun_socket_send_skb_to_peer(struct ptun_peer *peer, struct sk_buff *skb,
				 u8 ds);
int ptun_socket_send_buffer_to_peer(struct ptun_peer *peer, const void *buf,
				    size_t len);

/* The outer source address and port of a received UDP packet. */
void ptun_socket_endpoint_from_skb(struct ptun_endpoint *ep,
				   const struct sk_buff *skb);

#endif /* _PTUN_SOCKET_H */
