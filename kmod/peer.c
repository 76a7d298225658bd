// SPDX-License-Identifier: GPL-2.0
/*
 * The peer: its keys, endpoint, keepalive and allowed IPs, and how a peer
 * is published on and retired from its device.
 */

#include <linux/lockdep.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "allowedips.h"
#include "device.h"
#include "peer.h"

struct ptun_peer *ptun_peer_create(const u8 public_key[PTUN_KEY_LEN],
				   gfp_t gfp)
{
	struct ptun_peer *peer;

	peer = kzalloc(sizeof(*peer), gfp);
	if (!peer)
		return NULL;
	memcpy(peer->public_key, public_key, PTUN_KEY_LEN);
	rwlock_init(&peer->endpoint_lock);
	peer->endpoint.addr.sa_family = AF_UNSPEC;
	return peer;
}

/*
 * Frees a peer nobody can see any more (never published, or after a grace
 * period), and what it owns, wiping the secrets.
 */
void ptun_peer_destroy(struct ptun_peer *peer)
{
	if (!peer)
		return;
	ptun_allowedips_free(rcu_dereference_protected(peer->allowed_ips, 1));
	kfree_sensitive(peer);
}

static void destroy_rcu(struct rcu_head *rcu)
{
	ptun_peer_destroy(container_of(rcu, struct ptun_peer, rcu));
}

/* Frees an unpublished peer once RCU readers are done with it. */
void ptun_peer_retire(struct ptun_peer *peer)
{
	if (peer)
		call_rcu(&peer->rcu, destroy_rcu);
}

/* Publishes @peer on @ptun, retiring the peer it replaces. */
void ptun_peer_attach(struct ptun_device *ptun, struct ptun_peer *peer)
{
	struct ptun_peer *old;

	lockdep_assert_held(&ptun->lock);
	old = rcu_dereference_protected(ptun->peer,
					lockdep_is_held(&ptun->lock));
	peer->ptun = ptun;
	rcu_assign_pointer(ptun->peer, peer);
	ptun_peer_retire(old);
}

void ptun_peer_detach(struct ptun_device *ptun)
{
	struct ptun_peer *old;

	lockdep_assert_held(&ptun->lock);
	old = rcu_dereference_protected(ptun->peer,
					lockdep_is_held(&ptun->lock));
	RCU_INIT_POINTER(ptun->peer, NULL);
	ptun_peer_retire(old);
}

/* A NULL or all-zero @key removes the preshared key. */
void ptun_peer_set_preshared_key(struct ptun_peer *peer,
				 const u8 key[PTUN_KEY_LEN])
{
	if (peer->ptun)
		lockdep_assert_held(&peer->ptun->lock);
	if (key && memchr_inv(key, 0, PTUN_KEY_LEN)) {
		memcpy(peer->preshared_key, key, PTUN_KEY_LEN);
		peer->has_preshared_key = true;
	} else {
		memzero_explicit(peer->preshared_key, PTUN_KEY_LEN);
		peer->has_preshared_key = false;
	}
}

void ptun_peer_set_keepalive(struct ptun_peer *peer, u16 seconds)
{
	if (peer->ptun)
		lockdep_assert_held(&peer->ptun->lock);
	WRITE_ONCE(peer->keepalive, seconds);
}

/*
 * The config writer's view of the allowed IPs. A peer not yet attached
 * is private to its creator.
 */
struct ptun_allowedips *
ptun_peer_allowedips_locked(const struct ptun_peer *peer)
{
	return rcu_dereference_protected(peer->allowed_ips,
					 !peer->ptun ||
					 lockdep_is_held(&peer->ptun->lock));
}

/* Takes ownership of @set (NULL: empty) and retires the previous set. */
void ptun_peer_set_allowedips(struct ptun_peer *peer,
			      struct ptun_allowedips *set)
{
	struct ptun_allowedips *old = ptun_peer_allowedips_locked(peer);

	rcu_assign_pointer(peer->allowed_ips, set);
	ptun_allowedips_free_rcu(old);
}

void ptun_peer_set_endpoint(struct ptun_peer *peer,
			    const struct ptun_endpoint *ep)
{
	write_lock_bh(&peer->endpoint_lock);
	peer->endpoint = *ep;
	write_unlock_bh(&peer->endpoint_lock);
}

void ptun_peer_get_endpoint(struct ptun_peer *peer, struct ptun_endpoint *ep)
{
	read_lock_bh(&peer->endpoint_lock);
	*ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
}
