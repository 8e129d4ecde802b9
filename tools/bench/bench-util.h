/* SPDX-License-Identifier: MIT */
/* Timing helpers shared by the benchmark tools (make bench). */
#ifndef ENPU_BENCH_UTIL_H
#define ENPU_BENCH_UTIL_H

#include <time.h>

static inline double bench_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* qsort comparator for doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#endif
