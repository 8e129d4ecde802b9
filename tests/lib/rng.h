/* SPDX-License-Identifier: MIT */
/*
 * The tests' random cases: a fixed-seed xorshift, so every machine and
 * every run draws the same cases.  Define TEST_RNG_SEED before including
 * to give a test its own sequence.
 */
#ifndef ENPU_TEST_RNG_H
#define ENPU_TEST_RNG_H

#include <stdint.h>

#ifndef TEST_RNG_SEED
#define TEST_RNG_SEED 0x243f6a8885a308d3ull
#endif

static uint64_t rng = TEST_RNG_SEED;

static inline uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Uniform in [lo, hi]. */
static inline int rint_in(int lo, int hi)
{
	return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

static inline float rfloat(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() % 1000000) / 1e6f;
}

#endif
