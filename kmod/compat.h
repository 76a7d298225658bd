/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel interfaces that moved between the kernels ptun supports
 * (Debian's 6.1 and 6.12). Each shim names the version that changed it
 * and tests for the interface itself, not for a version number.
 */

#ifndef _PTUN_COMPAT_H
#define _PTUN_COMPAT_H

#include <linux/crypto.h>
#include <linux/netdevice.h>

/*
 * 6.5 moved skb_gso_segment() from linux/netdevice.h to net/gso.h
 * (kmod/Kbuild looks for the header).
 */
#ifdef PTUN_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

/* 6.12 turned the NETIF_F_LLTX feature into the dev->lltx flag. */
static inline void ptun_netdev_set_lltx(struct net_device *dev)
{
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

/*
 * 6.3 changed the completion callback of an asynchronous crypto request
 * to receive the request's data pointer instead of the request itself.
 * Of two callbacks, one for each convention, this picks the one that
 * matches crypto_completion_t.
 */
#define ptun_crypto_done_pick(takes_data, takes_request)		\
	__builtin_choose_expr(						\
		__builtin_types_compatible_p(crypto_completion_t,	\
					     void (*)(void *, int)),	\
		(takes_data), (takes_request))

#endif /* _PTUN_COMPAT_H */
