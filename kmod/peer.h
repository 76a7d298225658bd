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
 *   endpoint          endpoint_lock (readers may run in softirq)
 *   keepalive         written under ptun->lock, read with READ_ONCE()
 *   allowed_ips       RCU pointer, replaced under ptun->lock
 */
#ifndef _PTUN_PEER_H
#define _PTUN_PEER_H

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/ptun.h>

struct ptun_allowedips;
struct ptun_device;

/* sa_family is AF_UNSPEC while no endpoint is known. */
struct ptun_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
};

struct ptun_peer {
	struct ptun_device *ptun;
	u8 public_key[PTUN_KEY_LEN];
	u8 preshared_key[PTUN_KEY_LEN];
	bool has_preshared_key;
	u16 keepalive;
	rwlock_t endpoint_lock;
	struct ptun_endpoint endpoint;
	struct ptun_allowedips __rcu *allowed_ips;
	struct rcu_head rcu;
};

struct ptun_peer *ptun_peer_create(const u8 public_key[PTUN_KEY_LEN],
				   gfp_t gfp);
void ptun_peer_destroy(struct ptun_peer *peer);
void ptun_peer_retire(struct ptun_peer *peer);

void ptun_peer_attach(struct ptun_device *ptun, struct ptun_peer *peer);
void ptun_peer_detach(struct ptun_device *ptun);

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

#endif /* _PTUN_PEER_H */
