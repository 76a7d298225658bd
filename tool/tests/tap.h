/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TAP reporting the tool's unit tests share: one "ok N ..." or
 * "not ok N ..." line per check. A test program defines tap_on_failure()
 * to add diagnostics after a failed check.
 */
#ifndef PTUN_TESTS_TAP_H
#define PTUN_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int test_n;
static int test_failed;

static void tap_on_failure(void);

static void check(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", cond ? "ok" : "not ok", ++test_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond) {
		test_failed++;
		tap_on_failure();
	}
}

#endif /* PTUN_TESTS_TAP_H */
