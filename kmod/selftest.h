/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Self-tests of ptun's pure logic, built only with "make PTUN_DEBUG=1"
 * and run when the module loads.
 */
#ifndef _PTUN_SELFTEST_H
#define _PTUN_SELFTEST_H

#include <linux/types.h>

#ifdef PTUN_DEBUG
bool ptun_selftest_run(void);
#else
static inline bool ptun_selftest_run(void)
{
	return true;
}
#endif

#endif /* _PTUN_SELFTEST_H */
