/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The handshake state machine around noise.c: who initiates, what an
 * incoming handshake message does, and how its result becomes a session.
 *
 * Handshake messages are never processed in softirq: the receive path
 * queues them (ptun_handshake_rx) and a work item does the Diffie-Hellman
 * work, with rate limiting and cookies in front of it.
 */

#ifndef _PTUN_HANDSHAKE_H
#define _PTUN_HANDSHAKE_H

#include <linux/types.h>

struct ptun_device;
struct ptun_peer;
struct ptun_session;
struct sk_buff;

int ptun_handshake_device_init(struct ptun_device *ptun);
void ptun_handshake_peer_init(struct ptun_peer *peer);
void ptun_handshake_device_uninit(struct ptun_device *ptun);
/*
 * Forgets the handshake messages received but not processed yet. Only
 * once the sockets are closed, so that no more can arrive.
 */
void ptun_handshake_flush(struct ptun_device *ptun);

/* Any context. Takes ownership of @skb (a type 1, 2 or 3 message). */
void ptun_handshake_rx(struct ptun_device *ptun, struct sk_buff *skb);

/*
 * Any context. Starts a handshake as initiator unless one is under way or
 * one completed too recently; the initiation leaves from a work item.
 */
void ptun_handshake_start(struct ptun_peer *peer);

/*
 * Any context. For a device that follows its session
 * (ptun_device_follows_session()), while it is up and has no session (its
 * carrier is off), starts a handshake: with the carrier off the stack
 * drops every packet before the device sees it, so none would start one.
 * Does nothing for other devices, whose packets start the handshakes.
 */
void ptun_handshake_connect(struct ptun_peer *peer);

/*
 * The data path calls this with the session it just sent (@sending) or
 * received with: the initiator of a session rekeys when it is old or has
 * been used for too many messages.
 */
void ptun_handshake_maybe_rekey(struct ptun_peer *peer,
				const struct ptun_session *s, bool sending);

/* Seconds after which the initiator of a session rekeys it. */
unsigned int ptun_handshake_rekey_after_time(void);

/*
 * Any context; the idle rekey timer (timers.c) fired. In link state
 * session, the initiator of the current session starts the next handshake
 * although it sends nothing.
 */
void ptun_handshake_rekey_idle(struct ptun_peer *peer);

/* Forgets sessions and handshake state, e.g. when a key changed. */
void ptun_handshake_reset(struct ptun_peer *peer);

#endif /* _PTUN_HANDSHAKE_H */
