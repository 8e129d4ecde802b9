/* SPDX-License-Identifier: MIT */
/*
 * Integer requantization arithmetic.  Two rules exist in TFLite-as-run:
 *  - "gemmlowp": a Q31 multiplier derived in double precision, a
 *    saturating rounding doubling high multiply, then a rounding right
 *    shift (ties away from zero) -- TFLite's reference kernels;
 *  - "fp32": the scale as a float, product rounded to nearest-even after
 *    clamping in float -- XNNPACK, which TFLite hands conv/FC to.
 */
#ifndef ENPU_QUANT_H
#define ENPU_QUANT_H

#include <math.h>
#include <stdint.h>

static inline int32_t q_srdhm(int32_t a, int32_t b)
{
	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	int64_t ab = (int64_t)a * b;
	int64_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
	/* C division truncates toward zero, which is what the rounding needs. */
	return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

static inline int32_t q_rdivpot(int32_t x, int e)
{
	if (e <= 0)
		return x;
	int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
	int32_t rem = x & mask;
	int32_t thr = (mask >> 1) + (x < 0 ? 1 : 0);
	return (x >> e) + (rem > thr ? 1 : 0);
}

/* x * mult * 2^shift, TFLite's MultiplyByQuantizedMultiplier. */
static inline int32_t q_mul(int32_t x, int32_t mult, int shift)
{
	int left = shift > 0 ? shift : 0;
	int right = shift > 0 ? 0 : -shift;
	int64_t xs = (int64_t)x * ((int64_t)1 << left);
	/* The reference multiplies in int32 and would wrap; saturate instead (never hit by sane models). */
	if (xs > INT32_MAX)
		xs = INT32_MAX;
	if (xs < INT32_MIN)
		xs = INT32_MIN;
	return q_rdivpot(q_srdhm((int32_t)xs, mult), right);
}

/* TFLite's QuantizeMultiplier: real = mult * 2^(shift - 31). */
static inline void q_quantize_multiplier(double real, int32_t *mult, int *shift)
{
	if (real == 0.0 || !isfinite(real)) {
		*mult = 0;
		*shift = 0;
		return;
	}
	int e;
	double q = frexp(real, &e);
	int64_t qf = (int64_t)round(q * (double)(1LL << 31));
	if (qf == (1LL << 31)) {
		qf /= 2;
		e++;
	}
	if (e < -31) {
		e = 0;
		qf = 0;
	}
	if (e > 30) {
		e = 30;
		qf = (1LL << 31) - 1;
	}
	*mult = (int32_t)qf;
	*shift = e;
}

static inline int32_t q_clamp(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* float -> int32 without undefined behaviour on NaN or out-of-range values. */
static inline int32_t q_f2i(float f)
{
	if (!(f == f))
		return 0;
	if (f >= 2147483520.0f)
		return INT32_MAX;
	if (f <= -2147483648.0f)
		return INT32_MIN;
	return (int32_t)f;
}

static inline int32_t q_sat_add(int32_t a, int32_t b)
{
	int64_t s = (int64_t)a + b;
	return s > INT32_MAX ? INT32_MAX : s < INT32_MIN ? INT32_MIN : (int32_t)s;
}

/* TfLiteRound / std::round: half away from zero. */
static inline float q_roundf(float x)
{
	return roundf(x);
}

#endif
