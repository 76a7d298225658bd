// SPDX-License-Identifier: GPL-2.0
/*
 * The peer: its keys, endpoint, keepalive and allowed IPs, and how a peer
 * is published on and retired from its device.
 */

#include <linux/err.h>
#include <linux/lockdep.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/dst_cache.h>
#include <net/ipv6.h>

#include "allowedips.h"
#include "device.h"
#include "endpoint.h"
#include "events.h"
#include "handshake.h"
#include "peer.h"
#include "send.h"
#include "timers.h"

struct ptun_peer *ptun_peer_create(const u8 public_key[PTUN_KEY_LEN],
				   gfp_t gfp)
{
	struct ptun_peer *peer;

	peer = kzalloc(sizeof(*peer), gfp);
	if (!peer)
		return NULL;
	kref_init(&peer->refs);
	memcpy(peer->public_key, public_key, PTUN_KEY_LEN);
	if (dst_cache_init(&peer->endpoint_cache, gfp)) {
		kfree(peer);
		return NULL;
	}
	rwlock_init(&peer->endpoint_lock);
	peer->endpoint.addr.sa_family = AF_UNSPEC;
	ptun_session_slots_init(&peer->sessions);
	skb_queue_head_init(&peer->staged);
	ptun_handshake_peer_init(peer);
	ptun_timers_init(peer);
	ptun_endpoint_init(peer);
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
	ptun_peer_keys_free(rcu_dereference_protected(peer->keys, 1));
	dst_cache_destroy(&peer->endpoint_cache);
	mutex_destroy(&peer->hs_lock);
	kfree_sensitive(peer);
}

static void destroy_rcu(struct rcu_head *rcu)
{
	ptun_peer_destroy(container_of(rcu, struct ptun_peer, rcu));
}

static void release(struct kref *refs)
{
	call_rcu(&container_of(refs, struct ptun_peer, refs)->rcu, destroy_rcu);
}

struct ptun_peer *ptun_peer_get(struct ptun_peer *peer)
{
	kref_get(&peer->refs);
	return peer;
}

void ptun_peer_put(struct ptun_peer *peer)
{
	if (peer)
		kref_put(&peer->refs, release);
}

/*
 * Takes an unpublished peer out of service: once no RCU reader can see it,
 * nothing re-arms its timers or work, its sessions and waiting packets go,
 * and the device's reference is dropped. Process context.
 */
void ptun_peer_retire(struct ptun_peer *peer)
{
	if (!peer)
		return;
	WRITE_ONCE(peer->dead, true);
	synchronize_net();
	ptun_timers_stop(peer);
	ptun_endpoint_stop(peer);
	cancel_work_sync(&peer->initiate_work);
	ptun_handshake_reset(peer);
	ptun_send_purge_staged(peer);
	ptun_peer_put(peer);
}

struct ptun_peer_keys *ptun_peer_keys_new(const u8 private_key[PTUN_KEY_LEN],
					  const u8 public_key[PTUN_KEY_LEN],
					  const u8 psk[PTUN_KEY_LEN],
					  u16 cipher)
{
	struct ptun_peer_keys *keys;
	int ret;

	keys = kzalloc(sizeof(*keys), GFP_KERNEL);
	if (!keys)
		return ERR_PTR(-ENOMEM);
	ret = ptun_noise_keys_init(&keys->noise, private_key, public_key, psk,
				   cipher);
	if (ret) {
		kfree_sensitive(keys);
		return ERR_PTR(ret);
	}
	return keys;
}

static void keys_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct ptun_peer_keys, rcu));
}

void ptun_peer_keys_free(struct ptun_peer_keys *keys)
{
	kfree_sensitive(keys);
}

/*
 * Publishes @keys (NULL: the device has no private key). Sessions made
 * with other keys end here: a changed key must not keep an old session
 * alive.
 */
void ptun_peer_set_keys(struct ptun_peer *peer, struct ptun_peer_keys *keys)
{
	struct ptun_peer_keys *old;

	old = rcu_dereference_protected(peer->keys, !peer->ptun ||
					lockdep_is_held(&peer->ptun->lock));
	if (old && keys && !memcmp(&old->noise, &keys->noise,
				   sizeof(keys->noise))) {
		ptun_peer_keys_free(keys);
		return;
	}
	rcu_assign_pointer(peer->keys, keys);
	if (old)
		call_rcu(&old->rcu, keys_free_rcu);
	if (peer->ptun) {
		ptun_handshake_reset(peer);
		ptun_handshake_connect(peer);
	}
}

/* A private copy of the keys for sleeping users; free with kfree_sensitive. */
struct ptun_noise_keys *ptun_peer_keys_copy(struct ptun_peer *peer)
{
	struct ptun_noise_keys *copy;
	struct ptun_peer_keys *keys;

	copy = kmalloc(sizeof(*copy), GFP_KERNEL);
	if (!copy)
		return NULL;
	rcu_read_lock();
	keys = rcu_dereference(peer->keys);
	if (keys)
		memcpy(copy, &keys->noise, sizeof(*copy));
	rcu_read_unlock();
	if (!keys) {
		kfree(copy);
		return NULL;
	}
	return copy;
}

/*
 * The device's carrier follows its peer's sessions (session.c). A retired
 * peer no longer speaks for the device: whoever retires it sets the
 * carrier afterwards, once nothing of the old peer can run any more.
 * Returns whether the carrier is on.
 */
bool ptun_peer_update_carrier(struct ptun_peer *peer)
{
	if (READ_ONCE(peer->dead) || !peer->ptun)
		return false;
	return ptun_session_update_carrier(&peer->sessions, peer->ptun);
}

/*
 * Publishes @peer on @ptun, retiring the peer it replaces; the carrier is
 * then the new peer's, who has no session yet, and who is called at once
 * if the device is up.
 */
void ptun_peer_attach(struct ptun_device *ptun, struct ptun_peer *peer)
{
	struct ptun_peer *old;

	lockdep_assert_held(&ptun->lock);
	old = rcu_dereference_protected(ptun->peer,
					lockdep_is_held(&ptun->lock));
	peer->ptun = ptun;
	rcu_assign_pointer(ptun->peer, peer);
	ptun_peer_retire(old);
	ptun_peer_update_carrier(peer);
	ptun_handshake_connect(peer);
}

void ptun_peer_detach(struct ptun_device *ptun)
{
	struct ptun_peer *old;

	lockdep_assert_held(&ptun->lock);
	old = rcu_dereference_protected(ptun->peer,
					lockdep_is_held(&ptun->lock));
	RCU_INIT_POINTER(ptun->peer, NULL);
	ptun_peer_retire(old);
	/* no peer, no link; after the retirement, which ends every writer */
	if (ptun_device_follows_session(ptun))
		netif_carrier_off(ptun->dev);
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

/* An authenticated message came from @ep (roaming, handshakes). */
void ptun_peer_set_endpoint(struct ptun_peer *peer,
			    const struct ptun_endpoint *ep)
{
	ptun_endpoint_switch(peer, ep, PTUN_FAILOVER_REASON_ROAMED);
}

/* Same peer address and port, and with @local, same local address too. */
/*
 * An authenticated message from the peer came from @src: the endpoint
 * moves there. Listeners hear of it when the peer's address or port
 * changed, not when only our own address did.
 */
void ptun_peer_roam(struct ptun_peer *peer, const struct ptun_endpoint *src)
{
	struct ptun_endpoint old;

	ptun_peer_get_endpoint(peer, &old);
	if (ptun_endpoint_equal(&old, src, true))
		return;
	ptun_peer_set_endpoint(peer, src);
	if (!ptun_endpoint_equal(&old, src, false))
		ptun_events_endpoint_changed(peer->ptun, &old, src);
}

void ptun_peer_get_endpoint(struct ptun_peer *peer, struct ptun_endpoint *ep)
{
	read_lock_bh(&peer->endpoint_lock);
	*ep = peer->endpoint;
	read_unlock_bh(&peer->endpoint_lock);
}

/* NULL removes the name. */
void ptun_peer_set_endpoint_name(struct ptun_peer *peer, const char *name)
{
	if (peer->ptun)
		lockdep_assert_held(&peer->ptun->lock);
	strscpy(peer->endpoint_name, name ?: "", sizeof(peer->endpoint_name));
}
