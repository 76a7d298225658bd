/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ptun network device: a point-to-point layer 3 interface carrying
 * IPv4 and IPv6 to exactly one peer.
 */
#ifndef _PTUN_DEVICE_H
#define _PTUN_DEVICE_H

#include <linux/atomic.h>
#include <linux/ip.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/ptun.h>

#include "cookie.h"
#include "events.h"
#include "ratelimiter.h"
#include "stats.h"

struct ptun_allowedips;
struct ptun_peer;

/*
 * Worst-case bytes a packet grows by on the wire: an IPv6 outer header,
 * UDP, the ptun data header and the AEAD tag. The default MTU keeps an
 * encapsulated full-size packet within a 1500-byte underlay.
 */
#define PTUN_OUTER_IPV6_LEN	40
#define PTUN_OUTER_UDP_LEN	8
#define PTUN_DATA_HEADER_LEN	16
#define PTUN_AEAD_TAG_LEN	16
#define PTUN_OVERHEAD		(PTUN_OUTER_IPV6_LEN + PTUN_OUTER_UDP_LEN + \
				 PTUN_DATA_HEADER_LEN + PTUN_AEAD_TAG_LEN)
#define PTUN_UNDERLAY_MTU	1500
#define PTUN_DEFAULT_MTU	(PTUN_UNDERLAY_MTU - PTUN_OVERHEAD)
/*
 * Room the transmit path wants in front of an inner packet (the outer
 * headers, plus an Ethernet header with a VLAN tag rounded up, so that the
 * underlay does not reallocate either) and behind it (padding to 16 bytes
 * and the tag).
 */
#define PTUN_TX_LL_ROOM		32
#define PTUN_TX_HEADROOM	(PTUN_TX_LL_ROOM + PTUN_OUTER_IPV6_LEN + \
				 PTUN_OUTER_UDP_LEN + PTUN_DATA_HEADER_LEN)
#define PTUN_TX_TAILROOM	(15 + PTUN_AEAD_TAG_LEN)
/*
 * IPv4's minimum. IPv6 needs 1280: below that the kernel takes IPv6 off
 * the device, which is how every other device behaves too.
 */
#define PTUN_MIN_MTU		68
/* An encapsulated packet must still fit the 16-bit IP length fields. */
#define PTUN_MAX_MTU		(IP_MAX_MTU - PTUN_OVERHEAD)

#define PTUN_DEFAULT_CIPHER	PTUN_CIPHER_AES_256_GCM

/*
 * Per-device state, the netdev private area.
 *
 * @lock serialises configuration: every write of the fields below, and
 * netlink readers that want a consistent picture. Lock order:
 * RTNL, then @lock.
 */
struct ptun_device {
	struct net_device *dev;
	struct mutex lock; /* configuration writes, see above */
	/* the peer, or NULL; readers use RCU */
	struct ptun_peer __rcu *peer;
	/*
	 * Namespace the device was created in, where its UDP sockets are
	 * to live even after the device moves. Not refcounted: a dying
	 * namespace resets it to NULL (under RTNL and @lock).
	 */
	struct net *creating_net;
	/* on ptun_device_list, under RTNL */
	struct list_head list;
	u8 private_key[PTUN_KEY_LEN];
	u8 public_key[PTUN_KEY_LEN];
	bool has_private_key;
	/* 0 until a port is chosen */
	u16 listen_port;
	/* an enum ptun_cipher */
	u16 cipher;
	/* PTUN_A_DEVICE_MSS_CLAMP; the data path reads it with READ_ONCE() */
	u16 mss_clamp;
	struct ptun_pcpu_stats __percpu *stats;
	/* wall clock, ns since the epoch, of the last handshake; 0 if none */
	atomic64_t last_handshake_ns;

	/* handshake messages waiting for hs_work, at most PTUN_HS_QUEUE_MAX */
	struct sk_buff_head hs_queue;
	struct work_struct hs_work;
	/* used by hs_work only */
	struct ptun_ratelimiter ratelimiter;
	/* under load until then (coarse boottime ns), see handshake.c */
	atomic64_t hs_load_until_ns;
	struct ptun_cookie cookie;

	/*
	 * The UDP sockets (socket.c), written under @lock; sock6 is NULL
	 * where the namespace has no IPv6. Both are NULL while the device
	 * is down.
	 */
	struct socket __rcu *sock4;
	struct socket __rcu *sock6;
	/*
	 * Between ndo_open and ndo_stop: sockets are wanted. Written under
	 * @lock; initiate() reads it with READ_ONCE().
	 */
	bool up;
	/*
	 * An enum ptun_link_state: whether the carrier follows the sessions
	 * and the module initiates by itself (timers.c). Written under @lock
	 * (ptun_device_set_link_state()); read with READ_ONCE() anywhere.
	 */
	u8 link_state;
	/*
	 * The allowed IPs a multi-message SET has staged so far (netlink.c),
	 * and the socket (namespace cookie, portid) that staged them; under
	 * @lock. ndo_stop and ndo_uninit free them and bump @aips_epoch, so
	 * that a SET that took them before cannot put them back.
	 */
	struct ptun_allowedips *aips_staged;
	u64 aips_staged_net;
	u32 aips_staged_portid;
	unsigned int aips_epoch;
	/* bumped by every applied SET: a dump spanning it is interrupted */
	unsigned int config_gen;
	/*
	 * Data messages waiting to be opened, in arrival order, and the NAPI
	 * instance that opens and delivers them (receive.c).
	 */
	struct sk_buff_head rx_queue;
	struct napi_struct rx_napi;
	/*
	 * Framed data messages waiting to be sealed and sent, in the order
	 * they were framed, and the NAPI instance that seals and sends them
	 * (send.c).
	 */
	struct sk_buff_head tx_queue;
	struct napi_struct tx_napi;
	/* how many events the device may still send (events.c) */
	struct ptun_events_limit events_limit;
};

#define PTUN_HS_QUEUE_MAX	4096

/* Handshakes and the release of sessions run here. */
extern struct workqueue_struct *ptun_wq;

int ptun_device_init(void);
void ptun_device_uninit(void);

/*
 * Link state session: the carrier follows the sessions. Devices in the
 * default link state up keep their carrier on and only initiate when they
 * have something to send.
 */
static inline bool ptun_device_follows_session(const struct ptun_device *ptun)
{
	return READ_ONCE(ptun->link_state) == PTUN_LINK_STATE_SESSION;
}

void ptun_device_set_link_state(struct ptun_device *ptun, u8 state);

/* ethtool.c */
extern const struct ethtool_ops ptun_ethtool_ops;

struct ptun_device *ptun_device_from_netdev(struct net_device *dev);
void ptun_device_discard_staged(struct ptun_device *ptun);
void ptun_device_purge_queue(struct ptun_device *ptun, struct sk_buff_head *q,
			     void (*drop)(struct ptun_device *ptun,
					  struct sk_buff *skb,
					  enum ptun_stats_attr reason),
			     enum ptun_stats_attr reason);

#endif /* _PTUN_DEVICE_H */
