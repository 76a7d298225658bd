/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "ptun" generic netlink family: configuration of ptun devices.
 */
#ifndef _PTUN_NETLINK_H
#define _PTUN_NETLINK_H

#include <net/genetlink.h>

/* events.c multicasts in its name */
extern struct genl_family ptun_genl_family;

int ptun_genl_init(void);
void ptun_genl_uninit(void);

#endif /* _PTUN_NETLINK_H */
