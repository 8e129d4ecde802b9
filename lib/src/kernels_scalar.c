// SPDX-License-Identifier: MIT
/*
 * Portable scalar reference kernels: the oracle every faster kernel and the
 * chip are compared against, so clarity beats speed here.  uint8 and int8
 * share one body through a macro because the arithmetic is identical once
 * values are widened to int32.
 */
#include <math.h>
#include <stddef.h>

#include "kernels.h"
#include "quant.h"

static inline int32_t requant(int32_t acc, const struct enpu_rq *rq, int c)
{
	if (rq->mode == RQ_FP32) {
		/* XNNPACK clamps before rounding, so the clamp sees the exact float. */
		float f = (float)acc * rq->scale[c];
		f = fmaxf(f, (float)(rq->act_min - rq->out_zp));
		f = fminf(f, (float)(rq->act_max - rq->out_zp));
		return (int32_t)lrintf(f) + rq->out_zp;
	}
	int32_t v = q_mul(acc, rq->mult[c], rq->shift[c]) + rq->out_zp;
	return q_clamp(v, rq->act_min, rq->act_max);
}

/*
 * Accumulators wrap like the two's-complement hardware TFLite runs on; only
 * a hostile bias can get there, and wrapping keeps that defined behaviour.
 */
static inline int32_t wrap_add(int32_t a, int32_t b)
{
	return (int32_t)((uint32_t)a + (uint32_t)b);
}

#define DEF_CONV(NAME, T)							\
static void NAME(const struct enpu_conv_params *p, const T *in, const T *w, T *out) \
{									\
	for (int b = 0; b < p->n; b++)					\
	for (int oy = 0; oy < p->oh; oy++)				\
	for (int ox = 0; ox < p->ow; ox++)				\
	for (int oc = 0; oc < p->oc; oc++) {				\
		int32_t acc = p->bias ? p->bias[oc] : 0;		\
		for (int ky = 0; ky < p->fh; ky++) {			\
			int iy = oy * p->sh - p->pad_t + ky * p->dh;	\
			if (iy < 0 || iy >= p->ih)			\
				continue;				\
			for (int kx = 0; kx < p->fw; kx++) {		\
				int ix = ox * p->sw - p->pad_l + kx * p->dw; \
				if (ix < 0 || ix >= p->iw)		\
					continue;			\
				const T *ip = in + (((size_t)b * p->ih + iy) * p->iw + ix) * p->ic; \
				const T *wp = w + (((size_t)oc * p->fh + ky) * p->fw + kx) * p->ic; \
				for (int ic = 0; ic < p->ic; ic++)	\
					acc = wrap_add(acc, ((int32_t)ip[ic] - p->in_zp) * ((int32_t)wp[ic] - p->w_zp)); \
			}						\
		}							\
		out[(((size_t)b * p->oh + oy) * p->ow + ox) * p->oc + oc] = (T)requant(acc, &p->rq, oc); \
	}								\
}

DEF_CONV(enpu_conv_qu8_ref__scalar, uint8_t)
DEF_CONV(enpu_conv_qc8_ref__scalar, int8_t)

/* Depthwise filter layout is [1, fh, fw, ic * depth_mult]. */
#define DEF_DWCONV(NAME, T)							\
static void NAME(const struct enpu_conv_params *p, const T *in, const T *w, T *out) \
{									\
	for (int b = 0; b < p->n; b++)					\
	for (int oy = 0; oy < p->oh; oy++)				\
	for (int ox = 0; ox < p->ow; ox++)				\
	for (int oc = 0; oc < p->oc; oc++) {				\
		int ic = oc / p->depth_mult;				\
		int32_t acc = p->bias ? p->bias[oc] : 0;		\
		for (int ky = 0; ky < p->fh; ky++) {			\
			int iy = oy * p->sh - p->pad_t + ky * p->dh;	\
			if (iy < 0 || iy >= p->ih)			\
				continue;				\
			for (int kx = 0; kx < p->fw; kx++) {		\
				int ix = ox * p->sw - p->pad_l + kx * p->dw; \
				if (ix < 0 || ix >= p->iw)		\
					continue;			\
				int32_t x = in[(((size_t)b * p->ih + iy) * p->iw + ix) * p->ic + ic]; \
				int32_t f = w[((size_t)ky * p->fw + kx) * p->oc + oc]; \
				acc = wrap_add(acc, (x - p->in_zp) * (f - p->w_zp)); \
			}						\
		}							\
		out[(((size_t)b * p->oh + oy) * p->ow + ox) * p->oc + oc] = (T)requant(acc, &p->rq, oc); \
	}								\
}

DEF_DWCONV(enpu_dwconv_qu8_ref__scalar, uint8_t)
DEF_DWCONV(enpu_dwconv_qc8_ref__scalar, int8_t)

/*
 * XNNPACK's add parameters: float ratios of input to output scale, turned
 * into integer multipliers sharing one shift chosen so that the larger one
 * has 20 significant bits.
 */
int enpu_xnn_add_params(struct enpu_add_params *p, float ra, float rb)
{
	float mx = ra > rb ? ra : rb;
	/* XNNPACK's own limits on input-to-output scale ratios. */
	if (!(ra >= 0x1p-10f && rb >= 0x1p-10f && mx < 256.0f))
		return -1;
	int e;
	frexpf(mx, &e);
	int shift = 20 - (e - 1);
	if (shift > 31)
		shift = 31;
	if (shift < 1)
		shift = 1;
	p->xnn = 1;
	p->xshift = shift;
	p->xa_mult = (int32_t)lrintf(ldexpf(ra, shift));
	p->xb_mult = (int32_t)lrintf(ldexpf(rb, shift));
	if (p->sub)
		p->xb_mult = -p->xb_mult;
	p->xbias = (int32_t)((1LL << (shift - 1)) - (int64_t)p->xa_mult * p->in1_zp -
			     (int64_t)p->xb_mult * p->in2_zp);
	return 0;
}

#define DEF_ADD(NAME, T)							\
static void NAME(const struct enpu_add_params *p, const T *a, const T *b, T *out) \
{									\
	for (size_t i = 0; i < p->count; i++) {				\
		if (p->xnn) {						\
			int64_t acc = (int64_t)p->xbias +		\
				(int64_t)a[p->idx1 ? p->idx1[i] : i] * p->xa_mult + \
				(int64_t)b[p->idx2 ? p->idx2[i] : i] * p->xb_mult; \
			int32_t v = (int32_t)(acc >> p->xshift) + p->out_zp; \
			out[i] = (T)q_clamp(v, p->act_min, p->act_max);	\
			continue;					\
		}							\
		int32_t x = (int32_t)a[p->idx1 ? p->idx1[i] : i] - p->in1_zp; \
		int32_t y = (int32_t)b[p->idx2 ? p->idx2[i] : i] - p->in2_zp; \
		int32_t sx = q_mul(x * (1 << p->left_shift), p->in1_mult, p->in1_shift); \
		int32_t sy = q_mul(y * (1 << p->left_shift), p->in2_mult, p->in2_shift); \
		int32_t s = p->sub ? sx - sy : sx + sy;			\
		int32_t v = q_mul(s, p->out_mult, p->out_shift) + p->out_zp; \
		out[i] = (T)q_clamp(v, p->act_min, p->act_max);		\
	}								\
}

DEF_ADD(enpu_add_qu8_ref__scalar, uint8_t)
DEF_ADD(enpu_add_qs8_ref__scalar, int8_t)

/*
 * Average pooling divides by the number of window elements inside the
 * input (padding excluded) and rounds half away from zero.
 */
#define DEF_POOL(NAME, T, IS_MAX)						\
static void NAME(const struct enpu_pool_params *p, const T *in, T *out)	\
{									\
	for (int b = 0; b < p->n; b++)					\
	for (int oy = 0; oy < p->oh; oy++)				\
	for (int ox = 0; ox < p->ow; ox++)				\
	for (int c = 0; c < p->c; c++) {				\
		int y0 = oy * p->sh - p->pad_t, x0 = ox * p->sw - p->pad_l; \
		int32_t acc = IS_MAX ? INT32_MIN : 0, cnt = 0;		\
		for (int ky = 0; ky < p->fh; ky++) {			\
			int iy = y0 + ky;				\
			if (iy < 0 || iy >= p->ih)			\
				continue;				\
			for (int kx = 0; kx < p->fw; kx++) {		\
				int ix = x0 + kx;			\
				if (ix < 0 || ix >= p->iw)		\
					continue;			\
				int32_t v = in[(((size_t)b * p->ih + iy) * p->iw + ix) * p->c + c]; \
				if (IS_MAX)				\
					acc = v > acc ? v : acc;	\
				else					\
					acc += v;			\
				cnt++;					\
			}						\
		}							\
		if (!IS_MAX && cnt)					\
			acc = acc >= 0 ? (acc + cnt / 2) / cnt : (acc - cnt / 2) / cnt; \
		if (!cnt)						\
			acc = 0;					\
		out[(((size_t)b * p->oh + oy) * p->ow + ox) * p->c + c] = (T)q_clamp(acc, p->act_min, p->act_max); \
	}								\
}

DEF_POOL(enpu_avgpool_qu8_ref__scalar, uint8_t, 0)
DEF_POOL(enpu_avgpool_qs8_ref__scalar, int8_t, 0)
DEF_POOL(enpu_maxpool_qu8_ref__scalar, uint8_t, 1)
DEF_POOL(enpu_maxpool_qs8_ref__scalar, int8_t, 1)

const struct enpu_kernels enpu_kernels_scalar = {
	.isa = "scalar",
	.conv_qu8 = enpu_conv_qu8_ref__scalar,
	.conv_qc8 = enpu_conv_qc8_ref__scalar,
	.dwconv_qu8 = enpu_dwconv_qu8_ref__scalar,
	.dwconv_qc8 = enpu_dwconv_qc8_ref__scalar,
	.add_qu8 = enpu_add_qu8_ref__scalar,
	.add_qs8 = enpu_add_qs8_ref__scalar,
	.avgpool_qu8 = enpu_avgpool_qu8_ref__scalar,
	.avgpool_qs8 = enpu_avgpool_qs8_ref__scalar,
	.maxpool_qu8 = enpu_maxpool_qu8_ref__scalar,
	.maxpool_qs8 = enpu_maxpool_qs8_ref__scalar,
};
