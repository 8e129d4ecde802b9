/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP producer for enpu's C tests: tests/run-suite counts the
 * "ok"/"not ok" lines.  Failing checks print what was expected.
 */
#ifndef ENPU_TAP_H
#define ENPU_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
#define is_int(got, want, ...) ({					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	int r_ = tap_ok(g_ == w_, __VA_ARGS__);				\
	if (!r_)							\
		printf("#   got %lld, want %lld\n", g_, w_);		\
	r_; })
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"))

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* ENPU_TAP_H */
