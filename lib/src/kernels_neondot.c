// SPDX-License-Identifier: MIT
/*
 * NEON dotprod kernels (ARMv8.2-A DotProd, built with KERNEL_FLAGS_neondot,
 * entered only through cpu.c after getauxval reports HWCAP_ASIMDDP).  Only
 * the GEMM differs from the NEON level: cpu.c lays this table over the
 * NEON one, and depthwise conv_* calls go on to the NEON table.
 *
 * GEMM (every CONV_2D and FULLY_CONNECTED): udot (uint8) and sdot (int8)
 * take both operands in the layer's own signedness, so unlike VNNI nothing
 * is flipped.  The raw dot product over the K = fh*fw*ic taps is
 *     sum x w = sum (x - xz)(w - wz) + wz sum(x) + xz sum(w) - K xz wz
 * so the packed per-channel constant is bias - xz sum(w) + K xz wz and the
 * per-pixel term -wz sum(x) is added before requantizing (zero, and
 * skipped, for int8 per-channel weights).  All of it wraps in int32 like
 * the scalar accumulator, so it equals it to the bit.  Padding taps read
 * the input zero point (contributing exactly 0 to the true sum, so the
 * identity holds through padding); the depth tail is 0 in rows and
 * weights.  Requantization is the NEON level's, i.e. the scalar fp32 rule
 * in the scalar's order.
 */
#if !defined(__ARM_FEATURE_DOTPROD)
/* Builds that compile every source in one command (the fuzz build) lack our per-file flags. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("dotprod"))), apply_to = function)
#define ENPU_POP_TARGET 1
/*
 * clang 14's arm_neon.h only declares the dot-product intrinsics under
 * this macro; the attribute above gives them the target they need.
 */
#define __ARM_FEATURE_DOTPROD 1
#else
#pragma GCC target("arch=armv8.2-a+dotprod")
#endif
#endif

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "kernels.h"
#include "kernels_util.h"

#define MR 4		/* output pixels per tile */
#define NR 16		/* channels per panel (4 int32x4 accumulators) */
#define KG 4		/* depths per dot product */
#define KB 16		/* depths per row load in the main loop */

#define ALWAYS_INLINE static inline __attribute__((always_inline))

struct gemm_hdr {
	int k, kp, n, np;	/* depth, depth rounded to 4, channels, rounded to 16 */
	int32_t wz;		/* weight zero point: the per-pixel term's factor */
	int direct;		/* 1x1, unpadded, 4-aligned rows: read the input in place */
};

static size_t gemm_pack_size(const struct enpu_conv_params *p)
{
	size_t k = (size_t)p->fh * p->fw * p->ic, kp = rup(k, KG), np = rup((size_t)p->oc, NR);
	return 64 + 64 + np * 4 + np * kp + 64;
}

/*
 * Layout: header, int32 per-channel constant [np], then panels of 16
 * channels; a panel holds, for each group of 4 depths, 4 vectors of
 * 4 channels x 4 bytes, so one group is 64 consecutive bytes.
 */
static void gemm_pack(const struct enpu_conv_params *p, int u8, const void *wv, void *packed)
{
	struct gemm_hdr *h = align64(packed);
	int k = p->fh * p->fw * p->ic, kp = (int)rup((size_t)k, KG), n = p->oc;
	int np = (int)rup((size_t)n, NR);
	const uint8_t *w = wv;
	h->k = k;
	h->kp = kp;
	h->n = n;
	h->np = np;
	h->wz = p->w_zp;
	h->direct = p->fh == 1 && p->fw == 1 && p->pad_t == 0 && p->pad_l == 0 && p->ic % KG == 0;
	int32_t *cn = (int32_t *)((char *)h + 64);
	uint8_t *wp = (uint8_t *)(cn + np);
	memset(cn, 0, (size_t)np * 4);
	memset(wp, 0, (size_t)np * kp);
	for (int c = 0; c < n; c++) {
		uint32_t sum = 0;
		uint8_t *pb = wp + (size_t)(c / NR) * NR * kp;
		for (int i = 0; i < k; i++) {
			uint8_t x = w[(size_t)c * k + i];
			sum += u8 ? (uint32_t)x : u32((int8_t)x);
			pb[(size_t)(i / KG) * NR * KG + (c % NR) * KG + i % KG] = x;
		}
		uint32_t b = p->bias ? u32(p->bias[c]) : 0;
		cn[c] = (int32_t)(b - u32(p->in_zp) * sum + u32(k) * u32(p->in_zp) * u32(p->w_zp));
	}
}

/* One im2col row: padding taps hold the zero point, the depth tail 0. */
static void gather_row(const struct enpu_conv_params *p, const uint8_t *in, size_t m,
		       uint8_t *dst, int kp)
{
	size_t hw = (size_t)p->oh * p->ow;
	int k = im2col_window(p, in, (int)(m / hw), (int)(m % hw / p->ow), (int)(m % p->ow), dst);
	memset(dst + k, 0, (size_t)(kp - k));
}

/* sum(x) over k row bytes in the layer's signedness (a dot product with ones), wrapping. */
static uint32_t row_sum(int u8, const uint8_t *a, int k)
{
	const uint8x16_t ones = vdupq_n_u8(1);
	int32x4_t s = vdupq_n_s32(0);
	int i = 0;
	for (; i + 16 <= k; i += 16) {
		uint8x16_t x = vld1q_u8(a + i);
		s = u8 ? vreinterpretq_s32_u32(vdotq_u32(vreinterpretq_u32_s32(s), x, ones)) :
			 vdotq_s32(s, vreinterpretq_s8_u8(x), vreinterpretq_s8_u8(ones));
	}
	uint32_t r = vaddvq_u32(vreinterpretq_u32_s32(s));
	for (; i < k; i++)
		r += u8 ? (uint32_t)a[i] : u32((int8_t)a[i]);
	return r;
}

/* acc += w . x[lane] in the layer's signedness; a macro because the lane must be a constant. */
#define DOT_LANE(U8, ACC, W, X, LANE)						\
	((U8) ? vreinterpretq_s32_u32(vdotq_laneq_u32(vreinterpretq_u32_s32(ACC), (W), (X), (LANE))) : \
		vdotq_laneq_s32((ACC), vreinterpretq_s8_u8(W), vreinterpretq_s8_u8(X), (LANE)))
#define DOT(U8, ACC, W, X)							\
	((U8) ? vreinterpretq_s32_u32(vdotq_u32(vreinterpretq_u32_s32(ACC), (W), (X))) : \
		vdotq_s32((ACC), vreinterpretq_s8_u8(W), vreinterpretq_s8_u8(X)))

/*
 * The accumulator wraps like the scalar's; vaddq_s32 is a signed vector
 * '+' to GCC, whose overflow is undefined, so add as unsigned.
 */
ALWAYS_INLINE int32x4_t add_wrap(int32x4_t a, int32x4_t b)
{
	return vreinterpretq_s32_u32(vaddq_u32(vreinterpretq_u32_s32(a), vreinterpretq_u32_s32(b)));
}

/* The scalar fp32 requantization on 16 lanes, truncating narrows as the scalar's (T) cast. */
ALWAYS_INLINE uint8x16_t requant16(const int32x4_t acc[4], const float *scale, float32x4_t lo,
				   float32x4_t hi, int32x4_t zp)
{
	int32x4_t v[4];
	for (int i = 0; i < 4; i++) {
		float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc[i]), vld1q_f32(scale + 4 * i));
		f = vminq_f32(vmaxq_f32(f, lo), hi);
		v[i] = vaddq_s32(vcvtnq_s32_f32(f), zp);
	}
	int16x8_t h0 = vcombine_s16(vmovn_s32(v[0]), vmovn_s32(v[1]));
	int16x8_t h1 = vcombine_s16(vmovn_s32(v[2]), vmovn_s32(v[3]));
	return vreinterpretq_u8_s8(vcombine_s8(vmovn_s16(h0), vmovn_s16(h1)));
}

ALWAYS_INLINE void store_part(uint8_t *dst, uint8x16_t v, int cnt)
{
	if (cnt >= 16) {
		vst1q_u8(dst, v);
	} else if (cnt > 0) {
		uint8_t t[16];
		vst1q_u8(t, v);
		memcpy(dst, t, (size_t)cnt);
	}
}

/*
 * mr x 16 tile: 16 accumulators + 4 weight vectors + 4 row vectors.  mr
 * and u8 are constants at every call site.
 */
ALWAYS_INLINE void gemm_tile(int mr, int u8, int kp, const uint8_t *const *a, const uint8_t *w,
			     const int32_t *cn, const int32_t *rt, const float *sc,
			     float32x4_t lo, float32x4_t hi, int32x4_t zp, uint8_t *const *out,
			     int cnt)
{
	int32x4_t acc[MR][4];
	for (int r = 0; r < mr; r++)
		for (int v = 0; v < 4; v++)
			acc[r][v] = vdupq_n_s32(0);
	int g = 0;
	for (; g + KB <= kp; g += KB) {
		uint8x16_t x[MR];
		for (int r = 0; r < mr; r++)
			x[r] = vld1q_u8(a[r] + g);
		const uint8_t *wg = w + (size_t)g * NR;
#define STEP(j)									\
		do {								\
			uint8x16_t w0 = vld1q_u8(wg + (j) * 64), w1 = vld1q_u8(wg + (j) * 64 + 16); \
			uint8x16_t w2 = vld1q_u8(wg + (j) * 64 + 32), w3 = vld1q_u8(wg + (j) * 64 + 48); \
			for (int r = 0; r < mr; r++) {				\
				acc[r][0] = DOT_LANE(u8, acc[r][0], w0, x[r], j); \
				acc[r][1] = DOT_LANE(u8, acc[r][1], w1, x[r], j); \
				acc[r][2] = DOT_LANE(u8, acc[r][2], w2, x[r], j); \
				acc[r][3] = DOT_LANE(u8, acc[r][3], w3, x[r], j); \
			}						\
		} while (0)
		STEP(0); STEP(1); STEP(2); STEP(3);
#undef STEP
	}
	for (; g < kp; g += KG) {
		const uint8_t *wg = w + (size_t)g * NR;
		uint8x16_t w0 = vld1q_u8(wg), w1 = vld1q_u8(wg + 16);
		uint8x16_t w2 = vld1q_u8(wg + 32), w3 = vld1q_u8(wg + 48);
		for (int r = 0; r < mr; r++) {
			uint32_t q;
			memcpy(&q, a[r] + g, 4);
			uint8x16_t x = vreinterpretq_u8_u32(vdupq_n_u32(q));
			acc[r][0] = DOT(u8, acc[r][0], w0, x);
			acc[r][1] = DOT(u8, acc[r][1], w1, x);
			acc[r][2] = DOT(u8, acc[r][2], w2, x);
			acc[r][3] = DOT(u8, acc[r][3], w3, x);
		}
	}
	for (int r = 0; r < mr; r++) {
		int32x4_t t = vdupq_n_s32(rt[r]);
		for (int v = 0; v < 4; v++)
			acc[r][v] = add_wrap(acc[r][v], add_wrap(t, vld1q_s32(cn + 4 * v)));
		store_part(out[r], requant16(acc[r], sc, lo, hi, zp), cnt);
	}
}

ALWAYS_INLINE void gemm_4x16c4(int u8, const struct enpu_conv_params *p, const void *packed,
			       const void *inv, void *outv, size_t m0, size_t m1, int n0, int n1,
			       void *scratch)
{
	const struct gemm_hdr *h = align64(packed);
	const int32_t *cnall = (const int32_t *)((const char *)h + 64);
	const uint8_t *wall = (const uint8_t *)(cnall + h->np);
	const uint8_t *in = inv;
	uint8_t *out = outv;
	int kp = h->kp, n = h->n;
	const struct enpu_rq *rq = &p->rq;
	float32x4_t lo = vdupq_n_f32((float)(rq->act_min - rq->out_zp));
	float32x4_t hi = vdupq_n_f32((float)(rq->act_max - rq->out_zp));
	int32x4_t zp = vdupq_n_s32(rq->out_zp);
	uint8_t *rows = scratch;
	size_t hw = (size_t)p->oh * p->ow;
	for (size_t m = m0; m < m1; m += MR) {
		int mr = m1 - m < MR ? (int)(m1 - m) : MR;
		const uint8_t *a[MR];
		uint8_t *orow[MR];
		int32_t rt[MR];
		for (int r = 0; r < mr; r++) {
			size_t mm = m + r;
			if (h->direct) {
				size_t b = mm / hw, oy = mm % hw / p->ow, ox = mm % p->ow;
				a[r] = in + ((b * p->ih + oy * p->sh) * p->iw + ox * p->sw) * p->ic;
			} else {
				gather_row(p, in, mm, rows + (size_t)r * kp, kp);
				a[r] = rows + (size_t)r * kp;
			}
			orow[r] = out + mm * n;
			rt[r] = h->wz ? (int32_t)(0u - u32(h->wz) * row_sum(u8, a[r], h->k)) : 0;
		}
		for (int c = n0; c < n1; c += NR) {
			int cnt = n1 - c < NR ? n1 - c : NR;
			const uint8_t *w = wall + (size_t)(c / NR) * NR * kp;
			/* A partial panel reads its scales from a padded copy so no load runs past the array. */
			float scbuf[NR] = { 0 };
			const float *sc = rq->scale + c;
			if (cnt < NR) {
				memcpy(scbuf, sc, (size_t)cnt * sizeof(float));
				sc = scbuf;
			}
			uint8_t *o[MR];
			for (int r = 0; r < mr; r++)
				o[r] = orow[r] + c;
#define T(MRV) gemm_tile(MRV, u8, kp, a, w, cnall + c, rt, sc, lo, hi, zp, o, cnt)
			switch (mr) {
			case 1: T(1); break;
			case 2: T(2); break;
			case 3: T(3); break;
			default: T(4); break;
			}
#undef T
		}
	}
}

static void enpu_qu8_gemm_4x16c4__neondot(const struct enpu_conv_params *p, const void *packed,
					  const void *in, void *out, size_t m0, size_t m1, int n0,
					  int n1, void *scratch)
{
	gemm_4x16c4(1, p, packed, in, out, m0, m1, n0, n1, scratch);
}

static void enpu_qc8_gemm_4x16c4__neondot(const struct enpu_conv_params *p, const void *packed,
					  const void *in, void *out, size_t m0, size_t m1, int n0,
					  int n1, void *scratch)
{
	gemm_4x16c4(0, p, packed, in, out, m0, m1, n0, n1, scratch);
}

/* ------------------------------------------------------------ Entries */

static size_t pack_size(const struct enpu_conv_params *p, int u8, int dw)
{
	if (dw)
		return enpu_kernels_neon.conv_pack_size(p, u8, dw);
	/* Padding bytes must equal the zero point's value for the identity to hold. */
	int zp_ok = u8 ? p->in_zp >= 0 && p->in_zp <= 255 : p->in_zp >= -128 && p->in_zp <= 127;
	if (p->rq.mode != RQ_FP32 || !zp_ok)
		return 0;
	return gemm_pack_size(p);
}

static void pack(const struct enpu_conv_params *p, int u8, int dw, const void *w, void *packed)
{
	if (dw)
		enpu_kernels_neon.conv_pack(p, u8, dw, w, packed);
	else
		gemm_pack(p, u8, w, packed);
}

static size_t scratch(const struct enpu_conv_params *p, int u8, int dw)
{
	if (dw)
		return enpu_kernels_neon.conv_scratch(p, u8, dw);
	return MR * rup((size_t)p->fh * p->fw * p->ic, KG) + 64;
}

static void run(const struct enpu_conv_params *p, int u8, int dw, const void *packed,
		const void *in, void *out, size_t m0, size_t m1, int n0, int n1, void *scr)
{
	if (dw)
		enpu_kernels_neon.conv_run(p, u8, dw, packed, in, out, m0, m1, n0, n1, scr);
	else if (u8)
		enpu_qu8_gemm_4x16c4__neondot(p, packed, in, out, m0, m1, n0, n1, scr);
	else
		enpu_qc8_gemm_4x16c4__neondot(p, packed, in, out, m0, m1, n0, n1, scr);
}

const struct enpu_kernels enpu_kernels_neondot = {
	.isa = "neondot",
	.conv_pack_size = pack_size,
	.conv_pack = pack,
	.conv_scratch = scratch,
	.conv_run = run,
};

#ifdef ENPU_POP_TARGET
#pragma clang attribute pop
#endif
