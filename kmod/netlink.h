/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "ptun" generic netlink family: configuration of ptun devices.
 */
#ifndef _PTUN_NETLINK_H
#define _PTUN_NETLINK_H

int ptun_genl_init(void);
void ptun_genl_uninit(void);

#endif /* _PTUN_NETLINK_H */
