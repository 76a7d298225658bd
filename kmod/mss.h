/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _PTUN_MSS_H
#define _PTUN_MSS_H

#include <linux/skbuff.h>
#include <linux/types.h>

void ptun_mss_clamp(struct sk_buff *skb, u16 setting, unsigned int mtu);

#endif /* _PTUN_MSS_H */
