/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-peer timers, see timers.c for the list. The data path reports
 * events; the timers turn them into keepalives, handshakes and expiry.
 * Every function here may be called from any context.
 */

#ifndef _PTUN_TIMERS_H
#define _PTUN_TIMERS_H

struct ptun_peer;

void ptun_timers_init(struct ptun_peer *peer);
void ptun_timers_stop(struct ptun_peer *peer);

/* a data message with a payload was sent */
void ptun_timers_data_sent(struct ptun_peer *peer);
/* any authenticated message (data, keepalive, handshake) was sent */
void ptun_timers_any_sent(struct ptun_peer *peer);
/* a data message with a payload was received and authenticated */
void ptun_timers_data_received(struct ptun_peer *peer);
/* any message from the peer was received and authenticated */
void ptun_timers_any_received(struct ptun_peer *peer);
/* an initiation was sent, or a handshake completed */
void ptun_timers_handshake_initiated(struct ptun_peer *peer);
void ptun_timers_handshake_complete(struct ptun_peer *peer);
/*
 * A series of initiations gave up (the @giveups-th in a row, from 0):
 * the reconnect timer starts another after a backoff up to
 * PTUN_RECONNECT_MAX seconds.
 */
#define PTUN_RECONNECT_MAX	120
void ptun_timers_handshake_gave_up(struct ptun_peer *peer,
				   unsigned int giveups);
/* a responder's session awaits its confirmation, see session.h */
void ptun_timers_unconfirmed(struct ptun_peer *peer);
/* a new session was derived: schedules the erasure of old key material */
void ptun_timers_session_derived(struct ptun_peer *peer);
/*
 * Link state session: our current session, if we initiated it, gets its
 * successor at REKEY_AFTER_TIME even if nothing is sent. Called when we
 * install a session as initiator and when the link state becomes session.
 */
void ptun_timers_idle_rekey(struct ptun_peer *peer);
/* the persistent keepalive interval changed or the device came up */
void ptun_timers_persistent_keepalive(struct ptun_peer *peer);

#endif /* _PTUN_TIMERS_H */
