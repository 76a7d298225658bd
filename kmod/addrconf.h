/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPv6 address generation on ptun devices: off unless the user asks.
 */
#ifndef _PTUN_ADDRCONF_H
#define _PTUN_ADDRCONF_H

int ptun_addrconf_init(void);
void ptun_addrconf_uninit(void);

#endif /* _PTUN_ADDRCONF_H */
