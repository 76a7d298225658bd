/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Candidate endpoints and failover (docs/PROTOCOL.md, section 4.1).
 *
 * A peer has up to PTUN_ENDPOINTS_MAX candidate endpoints in order of
 * preference; peer->endpoint is the one in use, and the candidate equal
 * to it (address and port) is the active one. The candidates, their
 * failed bits and the active index live under peer->endpoint_lock with
 * the endpoint itself; candidate_since under peer->hs_lock.
 */
#ifndef _PTUN_ENDPOINT_H
#define _PTUN_ENDPOINT_H

#include <linux/types.h>
#include <linux/ptun.h>

struct ptun_endpoint;
struct ptun_peer;

bool ptun_endpoint_equal(const struct ptun_endpoint *a,
			 const struct ptun_endpoint *b, bool with_source);
void ptun_endpoint_init(struct ptun_peer *peer);
void ptun_endpoint_stop(struct ptun_peer *peer);

void ptun_endpoint_set_candidates(struct ptun_peer *peer,
				  const struct ptun_endpoint *list,
				  unsigned int count);
void ptun_endpoint_set_timers(struct ptun_peer *peer, u16 failover_timeout,
			      u16 failback_interval);
u16 ptun_endpoint_failover_timeout(const struct ptun_peer *peer);
u16 ptun_endpoint_failback_interval(const struct ptun_peer *peer);
unsigned int ptun_endpoint_get_candidates(struct ptun_peer *peer,
					  struct ptun_endpoint *list,
					  u8 *states);

/* emits a failover event when the active candidate changes */
void ptun_endpoint_switch(struct ptun_peer *peer,
			  const struct ptun_endpoint *to,
			  enum ptun_failover_reason reason);

bool ptun_endpoint_initiating(struct ptun_peer *peer, bool pending,
			      struct ptun_endpoint *probe);
unsigned long ptun_endpoint_retransmit_delay(struct ptun_peer *peer,
					     unsigned long delay);
unsigned int ptun_endpoint_dead_session_timeout(struct ptun_peer *peer);

#endif /* _PTUN_ENDPOINT_H */
