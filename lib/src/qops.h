/* SPDX-License-Identifier: MIT */
/*
 * Element arithmetic of the quantized ops whose exact rounding TFLite-as-run
 * takes from XNNPACK (MUL, RESIZE_BILINEAR) or from its own 16-bit
 * fixed-point reference (HARD_SWISH).  Static inline so the unit tests can
 * call it directly; see Documentation/lib/cpu-reference.rst.
 *
 * Float expressions are split into one operation per statement so that no
 * compiler contracts them into fused multiply-adds (XNNPACK's scalar and
 * WebAssembly builds round every step).
 */
#ifndef ENPU_QOPS_H
#define ENPU_QOPS_H

#include <math.h>
#include <stdint.h>

#include "quant.h"

/* ---- MUL: XNNPACK's qu8/qs8 vmul fp32 ---- */

/*
 * XNNPACK's scale: (s_a * s_b) / s_o in float, accepted in [2^-16, 2^8);
 * returns 0 outside it (TFLite then runs its reference MUL).
 */
static inline float q_mul_xnn_scale(float sa, float sb, float so)
{
	float prod = sa * sb;
	float r = prod / so;
	return r >= 0x1p-16f && r < 256.0f ? r : 0.0f;
}

/* (float)((a-za)*(b-zb)) * scale, clamped in float, rounded to nearest even, + zo. */
static inline int32_t q_mul_xnn(int32_t a, int32_t b, float scale, int32_t zo, int32_t lo,
				int32_t hi)
{
	float f = (float)(a * b);
	f = f * scale;
	f = fmaxf(f, (float)(lo - zo));
	f = fminf(f, (float)(hi - zo));
	return (int32_t)lrintf(f) + zo;
}

/* ---- HARD_SWISH: TFLite's reference_ops::HardSwish (int16 fixed point) ---- */

struct q_hswish {
	int32_t in_zp, out_zp;
	int16_t out_mult, relu_mult;	/* Q15 */
	int out_exp, relu_exp;
};

/* gemmlowp::SaturatingRoundingDoublingHighMul on int16. */
static inline int16_t q_srdhm16(int16_t a, int16_t b)
{
	if (a == INT16_MIN && b == INT16_MIN)
		return INT16_MAX;
	int32_t ab = (int32_t)a * b;
	int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
	return (int16_t)((ab + nudge) / (1 << 15));
}

/* TFLite's SaturatingDoublingHighMul: no rounding, truncates toward zero. */
static inline int16_t q_sdhm16(int16_t a, int16_t b)
{
	if (a == INT16_MIN && b == INT16_MIN)
		return INT16_MAX;
	return (int16_t)(((int32_t)a * b) / (1 << 15));
}

/* gemmlowp::ShiftLeft on int16: saturating. */
static inline int16_t q_shl16(int16_t a, int s)
{
	int32_t v = (int32_t)a * (1 << s);
	return (int16_t)(v < INT16_MIN ? INT16_MIN : v > INT16_MAX ? INT16_MAX : v);
}

/* TFLite's DownScaleInt32ToInt16Multiplier. */
static inline int16_t q_down16(int32_t m)
{
	if (m >= INT32_MAX - (1 << 15))
		return INT16_MAX;
	return (int16_t)((m + (1 << 15)) >> 16);
}

/* HardSwishPrepare; returns -1 where TFLite refuses (output exponent > 0). */
static inline int q_hswish_init(struct q_hswish *p, float s_in, int32_t z_in, float s_out,
				int32_t z_out)
{
	float hires = (1.0f / 128.0f) * s_in;
	float out_m = hires / s_out;
	float relu_m = hires / (3.0f / 32768.0f);
	int32_t m;
	p->in_zp = z_in;
	p->out_zp = z_out;
	q_quantize_multiplier((double)out_m, &m, &p->out_exp);
	p->out_mult = q_down16(m);
	q_quantize_multiplier((double)relu_m, &m, &p->relu_exp);
	p->relu_mult = q_down16(m);
	return p->out_exp <= 0 ? 0 : -1;
}

/* One value: q - in_zp -> output code, before the clamp to the type's range. */
static inline int32_t q_hswish(const struct q_hswish *p, int32_t q)
{
	int16_t in = (int16_t)(q - p->in_zp);
	int16_t hires = (int16_t)(in * (1 << 7));
	int16_t pre = q_srdhm16(hires, p->out_mult);
	int16_t r = hires;
	if (p->relu_exp > 0)
		r = q_shl16(r, p->relu_exp - 1);
	r = q_srdhm16(r, p->relu_mult);
	if (p->relu_exp > 0)
		r = q_shl16(r, 1);
	if (p->relu_exp < 0)
		r = (int16_t)q_rdivpot(r, -p->relu_exp);
	r = (int16_t)((r + (1 << 15)) >> 1);
	int16_t o = q_sdhm16(r, pre);
	o = (int16_t)q_rdivpot(o, -p->out_exp);
	o = (int16_t)(o + p->out_zp);
	return o;
}

/* ---- RESIZE_BILINEAR: XNNPACK's Q11 indirection and ibilinear ---- */

/* Input step per output pixel, as xnn_indirection_init_resize_bilinear2d_hwc_q11. */
static inline float q_resize_scale(int in, int out, int align_corners)
{
	int adj = align_corners && out != 1;
	return (float)(in - adj) / (float)(out - adj);
}

/*
 * Output coordinate o -> the two input rows/columns and the Q11 weight of
 * the second.  legacy: neither align_corners nor half_pixel_centers.
 */
static inline void q_resize_coord(int o, float scale, int n, int align_corners, int legacy,
				  int *i0, int *i1, int32_t *w)
{
	float v = (float)o * scale;
	if (!(legacy || align_corners)) {
		float half = 0.5f * scale;
		float off = half - 0.5f;
		v = v + off;
		v = fminf(fmaxf(v, 0.0f), (float)(n - 1));
	}
	int top = (int)v;
	if (top > n - 1)	/* cannot happen for valid sizes; keeps indexing safe */
		top = n - 1;
	if (top < 0)
		top = 0;
	float alpha = v - (float)top;
	*i0 = top;
	*i1 = top + 1 < n - 1 ? top + 1 : n - 1;
	*w = (int32_t)lrintf(alpha * 2048.0f);
}

/* XNNPACK's u8/s8 ibilinear: horizontal then vertical, (acc + 2^21) >> 22. */
static inline int32_t q_ibilinear(int32_t tl, int32_t tr, int32_t bl, int32_t br, int32_t ah,
				  int32_t av)
{
	int32_t t = (int32_t)((uint32_t)tl << 11) + (tr - tl) * ah;
	int32_t b = (int32_t)((uint32_t)bl << 11) + (br - bl) * ah;
	int32_t acc = (int32_t)((uint32_t)t << 11) + (b - t) * av;
	return (acc + (1 << 21)) >> 22;
}

#endif
