/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mac1/mac2 of handshake messages and cookie replies (docs/PROTOCOL.md,
 * sections 2.3 and 5). A device has one of these: it both hands out
 * cookies to whoever floods it and keeps the cookie its peer gave it.
 */

#ifndef _PTUN_COOKIE_H
#define _PTUN_COOKIE_H

#include <linux/spinlock.h>

#include "messages.h"
#include "peer.h"

struct ptun_cookie {
	spinlock_t lock;	/* everything below; taken in softirq too */
	/* to compute cookies we hand out; replaced every COOKIE_SECRET_LIFE */
	u8 secret[PTUN_KEY_SIZE];
	unsigned long secret_born;
	/* the cookie our peer last gave us, and when */
	u8 cookie[PTUN_COOKIE_SIZE];
	unsigned long cookie_born;
	bool have_cookie;
	/*
	 * mac1 of our last initiation and of our last response: a cookie
	 * reply must name one of them. Kept apart, so that answering the
	 * peer does not void the cookie reply to our own initiation.
	 */
	u8 last_mac1[2][PTUN_MAC_SIZE];
	bool have_last_mac1[2];
};

enum ptun_cookie_verdict {
	PTUN_COOKIE_BAD_MAC1,
	PTUN_COOKIE_NEED_COOKIE,	/* under load and mac2 missing or wrong */
	PTUN_COOKIE_OK,
};

void ptun_cookie_init(struct ptun_cookie *c);
void ptun_cookie_wipe(struct ptun_cookie *c);

void ptun_cookie_add_macs(struct ptun_cookie *c,
			  const u8 mac1_key[PTUN_KEY_SIZE],
			  void *msg, size_t len);
enum ptun_cookie_verdict
ptun_cookie_validate(struct ptun_cookie *c, const u8 mac1_key[PTUN_KEY_SIZE],
		     const void *msg, size_t len,
		     const struct ptun_endpoint *src, bool under_load);

void ptun_cookie_reply_create(struct ptun_cookie *c,
			      const u8 cookie_key[PTUN_KEY_SIZE],
			      struct ptun_msg_cookie *reply,
			      __le32 receiver_index,
			      const u8 mac1[PTUN_MAC_SIZE],
			      const struct ptun_endpoint *src);
bool ptun_cookie_reply_consume(struct ptun_cookie *c,
			       const u8 cookie_key[PTUN_KEY_SIZE],
			       const struct ptun_msg_cookie *reply);

#endif /* _PTUN_COOKIE_H */
