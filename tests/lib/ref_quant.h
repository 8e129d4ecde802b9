/* SPDX-License-Identifier: MIT */
/*
 * Independent statement of TFLite's fixed-point requantization for the
 * tests: floor division and a normalizing loop instead of the library's
 * shift-and-mask code and frexp.
 */
#ifndef ENPU_TEST_REF_QUANT_H
#define ENPU_TEST_REF_QUANT_H

#include <math.h>
#include <stdint.h>

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* real = mult * 2^(shift-31), mult in [2^30, 2^31). */
static void ref_multiplier(double real, int32_t *mult, int *shift)
{
	int s = 0;
	while (real >= 1.0) {
		real /= 2;
		s++;
	}
	while (real < 0.5) {
		real *= 2;
		s--;
	}
	int64_t m = llround(real * 2147483648.0);
	if (m == 2147483648LL) {
		m /= 2;
		s++;
	}
	*mult = (int32_t)m;
	*shift = s;
}

/* gemmlowp's two roundings: half up on the high multiply, half away on the shift. */
static int32_t ref_gemmlowp(int32_t acc, int32_t mult, int shift)
{
	int64_t x = (int64_t)acc * (shift > 0 ? (1LL << shift) : 1);
	if (x > INT32_MAX)
		x = INT32_MAX;
	if (x < INT32_MIN)
		x = INT32_MIN;
	int64_t hi = (x == INT32_MIN && mult == INT32_MIN) ? INT32_MAX :
		     floordiv(x * mult + (1LL << 30), 1LL << 31);
	int e = shift > 0 ? 0 : -shift;
	if (!e)
		return (int32_t)hi;
	int64_t half = 1LL << (e - 1);
	return (int32_t)(hi >= 0 ? floordiv(hi + half, 1LL << e) : -floordiv(-hi + half, 1LL << e));
}

#endif
