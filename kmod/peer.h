/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one peer of a ptun device.
 *
 * A peer lives from the SET that names its public key until a SET removes
 * it or names another key; it is then unpublished and freed after an RCU
 * grace period with its secrets wiped. The data path finds it with
 * rcu_dereference(ptun->peer).
 *
 * What protects what:
 *   public_key        never changes during the peer's life
 *   preshared_key,
 *   has_preshared_key written and read under ptun->lock
 *   endpoint,
 *   endpoint_cache    endpoint_lock (readers may run in softirq); the
 *                     cached route is the route to endpoint
 *   endpoint_name     written and read under ptun->lock: only netlink
 *                     uses it, never the data path, and roaming, which
 *                     changes endpoint, leaves it alone
 *   candidates,
 *   candidate_*       endpoint_lock (see endpoint.h); candidate_count and
 *                     failover_timeout, failback_interval also READ_ONCE()
 *   candidate_since   hs_lock
 *   keepalive         written under ptun->lock, read with READ_ONCE()
 *   allowed_ips       RCU pointer, replaced under ptun->lock
 *   keys              RCU pointer, replaced under ptun->lock
 *   sessions          see session.h
 *   hs, hs_*          hs_lock (a mutex: the handshake sleeps)
 *   dead              set once under ptun->lock; timers and work items
 *                     check it under RCU before they re-arm
 *
 * The peer is reference counted: the device's pointer holds one reference,
 * every session another, so that a session finishing an asynchronous
 * AEAD request never sees a freed peer.
 */
#ifndef _PTUN_PEER_H
#define _PTUN_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/ptun.h>
#include <net/dst_cache.h>

#include "noise.h"
#include "session.h"

struct ptun_allowedips;
struct ptun_device;

/*
 * sa_family is AF_UNSPEC while no endpoint is known. src is our own
 * address the peer last reached us at, of the same family, zero if none:
 * a gateway with several addresses answers from the one it was called at,
 * or a NAT or firewall in front of the peer would not recognise the reply.
 */
struct ptun_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
	union {
		struct in_addr src4;
		struct in6_addr src6;
	};
};

/* The handshake's view of the configuration, replaced as a whole. */
struct ptun_peer_keys {
	struct rcu_head rcu;
	struct ptun_noise_keys noise;
};

struct ptun_peer {
	struct ptun_device *ptun;
	struct kref refs;
	bool dead;
	/* events.c's record of the sessions it reported, atomic bitops */
	unsigned long events_state;
	u8 public_key[PTUN_KEY_LEN];
	u8 preshared_key[PTUN_KEY_LEN];
	bool has_preshared_key;
	u16 keepalive;
	rwlock_t endpoint_lock;
	struct ptun_endpoint endpoint;
	struct dst_cache endpoint_cache;
	/*
	 * The host name user space resolved endpoint from, for it to resolve
	 * again; "" if the endpoint was given as an address. Opaque here.
	 */
	char endpoint_name[PTUN_ENDPOINT_NAME_MAX_LEN + 1];
	/* the candidate endpoints, in order of preference */
	struct ptun_endpoint candidates[PTUN_ENDPOINTS_MAX];
	u8 candidate_count;
	/* the candidate equal to endpoint, -1 if none */
	s8 candidate_active;
	/* bit i: handshakes to candidates[i] timed out */
	u8 candidates_failed;
	/* seconds, 0: the default */
	u16 failover_timeout;
	u16 failback_interval;
	/* when initiations to the active candidate began (jiffies) */
	unsigned long candidate_since;
	/* the next initiation is a failback probe */
	bool probe_first;
	struct timer_list failback_timer;
	struct ptun_allowedips __rcu *allowed_ips;
	struct ptun_peer_keys __rcu *keys;
	struct ptun_session_slots sessions;
	/* packets waiting for a session, at most PTUN_STAGED_MAX */
	struct sk_buff_head staged;

	struct mutex hs_lock;	/* the handshake state below */
	struct ptun_noise_hs hs;
	/* an initiation of ours awaits its response */
	bool hs_pending;
	/* the data cipher that initiation announced */
	u8 hs_cipher;
	/* when the current series of initiation attempts began (jiffies) */
	unsigned long hs_attempts_start;
	unsigned int hs_retries;
	/* series of attempts given up since the last session (backoff) */
	unsigned int hs_giveups;
	/* the greatest timestamp accepted from the peer, and when (ns) */
	u8 hs_last_timestamp[PTUN_TIMESTAMP_SIZE];
	u64 hs_last_initiation_ns;
	/* when we last sent an initiation (coarse boottime ns) */
	atomic64_t hs_last_sent_ns;
	/* reset since: the next start need not wait for REKEY_TIMEOUT */
	bool hs_reset;
	struct work_struct initiate_work;

	/*
	 * Stamps (jiffies) the lazily armed timers check when they expire
	 * (timers.c): data received and nothing sent since, data sent and
	 * nothing received since (0: no such wait), and the last message
	 * either way.
	 */
	unsigned long rx_unanswered;
	unsigned long tx_unanswered;
	unsigned long last_traffic;
	struct timer_list retransmit_timer;
	struct timer_list passive_keepalive_timer;
	struct timer_list dead_session_timer;
	struct timer_list expiry_timer;
	struct timer_list persistent_keepalive_timer;
	struct timer_list reconnect_timer;
	struct timer_list idle_rekey_timer;

	struct rcu_head rcu;
};

#define PTUN_STAGED_MAX		128

struct ptun_peer *ptun_peer_create(const u8 public_key[PTUN_KEY_LEN],
				   gfp_t gfp);
void ptun_peer_destroy(struct ptun_peer *peer);
void ptun_peer_retire(struct ptun_peer *peer);
struct ptun_peer *ptun_peer_get(struct ptun_peer *peer);
void ptun_peer_put(struct ptun_peer *peer);

struct ptun_peer_keys *ptun_peer_keys_new(const u8 private_key[PTUN_KEY_LEN],
					  const u8 public_key[PTUN_KEY_LEN],
					  const u8 psk[PTUN_KEY_LEN],
					  u16 cipher);
void ptun_peer_keys_free(struct ptun_peer_keys *keys);
void ptun_peer_set_keys(struct ptun_peer *peer, struct ptun_peer_keys *keys);
struct ptun_noise_keys *ptun_peer_keys_copy(struct ptun_peer *peer);

void ptun_peer_attach(struct ptun_device *ptun, struct ptun_peer *peer);
void ptun_peer_detach(struct ptun_device *ptun);
bool ptun_peer_update_carrier(struct ptun_peer *peer);

void ptun_peer_set_preshared_key(struct ptun_peer *peer,
				 const u8 key[PTUN_KEY_LEN]);
void ptun_peer_set_keepalive(struct ptun_peer *peer, u16 seconds);
void ptun_peer_set_allowedips(struct ptun_peer *peer,
			      struct ptun_allowedips *set);
struct ptun_allowedips *
ptun_peer_allowedips_locked(const struct ptun_peer *peer);

void ptun_peer_set_endpoint(struct ptun_peer *peer,
			    const struct ptun_endpoint *ep);
void ptun_peer_get_endpoint(struct ptun_peer *peer, struct ptun_endpoint *ep);
void ptun_peer_set_endpoint_name(struct ptun_peer *peer, const char *name);
void ptun_peer_roam(struct ptun_peer *peer, const struct ptun_endpoint *src);

#endif /* _PTUN_PEER_H */
