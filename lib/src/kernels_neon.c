// SPDX-License-Identifier: MIT
/*
 * NEON kernels for the ARMv8-A baseline (built with KERNEL_FLAGS_neon,
 * entered only through cpu.c after getauxval reports HWCAP_ASIMD).
 *
 * GEMM (every CONV_2D, pointwise or not, and FULLY_CONNECTED): without a
 * byte dot product the exact route is int16.  Rows stay bytes (read in
 * place for unpadded 1x1 layers whose depth is a multiple of 8, gathered
 * one tile at a time otherwise, padding = the input zero point) and are
 * widened as x - xz by vsubl, which lands in [-255, 255] for both
 * flavours; the packed weights are w - wz in int16.
 * smlal by lane then forms every product exactly in int32, so there are no
 * correction terms, padding taps contribute exact zeros and the wrapping
 * int32 sum is the scalar kernel's.
 *
 * Depthwise: 16 channels per step in int16 x int16 -> int32 (smlal), taps
 * reached through pointers (padding = a row of zero points), the input
 * zero point folded into the bias.
 *
 * Requantization repeats the scalar fp32 rule in the scalar's order:
 * scvtf, fmul by the channel scale, fmax/fmin with act_min - zp /
 * act_max - zp, fcvtns (nearest-even, like lrintf in the default rounding
 * mode), + zp, then truncating narrows (the scalar's (T) conversion).
 *
 * MAX/AVERAGE_POOL_2D and ADD/SUB are vectorized over channels/elements;
 * each falls back to the scalar kernel for parameters where the vector
 * form could differ (documented at each fallback).
 */
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "kernels_util.h"

#define MR 4		/* output pixels per GEMM tile */
#define NR 16		/* channels per GEMM panel (4 int32x4 accumulators) */
#define KB 8		/* depths per row load (one int16x8) */
#define MAX_TAPS DW_MAX_TAPS	/* depthwise windows larger than this go scalar */

#define ALWAYS_INLINE static inline __attribute__((always_inline))

struct gemm_hdr {
	int k, kp, n, np;	/* depth, depth rounded to KB, channels, rounded to NR */
	int direct;		/* 1x1, unpadded, KB-aligned rows: read the input in place */
};

struct dw_hdr {
	int taps, c, cp;
};

static int32_t ld8(int u8, const void *p, size_t i)
{
	return u8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}

/*
 * The widening subtract and the zero-point padding bytes assume the zero
 * points are values of the 8-bit type; anything else stays scalar.
 */
static int zp_ok(int u8, int32_t zp)
{
	return u8 ? zp >= 0 && zp <= 255 : zp >= -128 && zp <= 127;
}

/* Copies through a buffer for the last partial vector so no load runs past the data. */
ALWAYS_INLINE uint8x16_t load_part(const uint8_t *src, int cnt)
{
	if (cnt >= 16)
		return vld1q_u8(src);
	uint8_t t[16] = { 0 };
	memcpy(t, src, (size_t)cnt);
	return vld1q_u8(t);
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
 * Sums the scalar code forms in int32 may wrap; vaddq_s32/vsubq_s32 are a
 * signed vector '+'/'-' to GCC, whose overflow is undefined, so go unsigned.
 */
ALWAYS_INLINE int32x4_t add_wrap(int32x4_t a, int32x4_t b)
{
	return vreinterpretq_s32_u32(vaddq_u32(vreinterpretq_u32_s32(a), vreinterpretq_u32_s32(b)));
}

ALWAYS_INLINE int32x4_t sub_wrap(int32x4_t a, int32x4_t b)
{
	return vreinterpretq_s32_u32(vsubq_u32(vreinterpretq_u32_s32(a), vreinterpretq_u32_s32(b)));
}

/* Truncating narrows of 16 int32 lanes: the scalar's conversion to the 8-bit type. */
ALWAYS_INLINE uint8x16_t narrow16(const int32x4_t v[4])
{
	int16x8_t h0 = vcombine_s16(vmovn_s32(v[0]), vmovn_s32(v[1]));
	int16x8_t h1 = vcombine_s16(vmovn_s32(v[2]), vmovn_s32(v[3]));
	return vreinterpretq_u8_s8(vcombine_s8(vmovn_s16(h0), vmovn_s16(h1)));
}

/* The scalar fp32 requantization on 16 lanes. */
ALWAYS_INLINE uint8x16_t requant16(const int32x4_t acc[4], const float *scale, float32x4_t lo,
				   float32x4_t hi, int32x4_t zp)
{
	int32x4_t v[4];
	for (int i = 0; i < 4; i++) {
		float32x4_t f = vmulq_f32(vcvtq_f32_s32(acc[i]), vld1q_f32(scale + 4 * i));
		f = vminq_f32(vmaxq_f32(f, lo), hi);
		v[i] = vaddq_s32(vcvtnq_s32_f32(f), zp);
	}
	return narrow16(v);
}

/* Bytes to int16 in the layer's signedness. */
ALWAYS_INLINE int16x8_t widen_lo(int u8, uint8x16_t x)
{
	return u8 ? vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(x))) :
		    vmovl_s8(vget_low_s8(vreinterpretq_s8_u8(x)));
}

ALWAYS_INLINE int16x8_t widen_hi(int u8, uint8x16_t x)
{
	return u8 ? vreinterpretq_s16_u16(vmovl_high_u8(x)) :
		    vmovl_high_s8(vreinterpretq_s8_u8(x));
}

/* ---------------------------------------------------------------- GEMM */

static size_t gemm_pack_size(const struct enpu_conv_params *p)
{
	size_t k = (size_t)p->fh * p->fw * p->ic, kp = rup(k, KB), np = rup((size_t)p->oc, NR);
	return 64 + 64 + np * 4 + np * kp * 2 + 64;
}

/*
 * Layout: header, int32 bias [np], then panels of 16 channels, each
 * [kp][16] int16 (w - wz): one depth step of the microkernel reads 32
 * consecutive bytes.
 */
static void gemm_pack(const struct enpu_conv_params *p, int u8, const void *w, void *packed)
{
	struct gemm_hdr *h = align64(packed);
	int k = p->fh * p->fw * p->ic, kp = (int)rup((size_t)k, KB), n = p->oc;
	int np = (int)rup((size_t)n, NR);
	h->k = k;
	h->kp = kp;
	h->n = n;
	h->np = np;
	h->direct = p->fh == 1 && p->fw == 1 && p->pad_t == 0 && p->pad_l == 0 && p->ic % KB == 0;
	int32_t *cn = (int32_t *)((char *)h + 64);
	int16_t *wp = (int16_t *)(cn + np);
	memset(cn, 0, (size_t)np * 4);
	memset(wp, 0, (size_t)np * kp * 2);
	for (int c = 0; c < n; c++) {
		cn[c] = p->bias ? p->bias[c] : 0;
		int16_t *pb = wp + (size_t)(c / NR) * NR * kp;
		for (int i = 0; i < k; i++)
			pb[(size_t)i * NR + c % NR] = (int16_t)(ld8(u8, w, (size_t)c * k + i) - p->w_zp);
	}
}

/* One im2col row of bytes; padding taps and the depth tail hold the zero point. */
static void gather_row(const struct enpu_conv_params *p, const uint8_t *in, size_t m,
		       uint8_t *dst, int kp)
{
	size_t hw = (size_t)p->oh * p->ow;
	int k = im2col_window(p, in, (int)(m / hw), (int)(m % hw / p->ow), (int)(m % p->ow), dst);
	memset(dst + k, (uint8_t)p->in_zp, (size_t)(kp - k));
}

/* 8 row bytes as x - xz in int16: exact for both flavours. */
ALWAYS_INLINE int16x8_t widen_sub(int u8, const uint8_t *src, uint8_t xz)
{
	uint8x8_t x = vld1_u8(src);
	if (u8)
		return vreinterpretq_s16_u16(vsubl_u8(x, vdup_n_u8(xz)));
	return vsubl_s8(vreinterpret_s8_u8(x), vdup_n_s8((int8_t)xz));
}

/*
 * mr x 16 tile.  mr and u8 are constants at every call site, so the 16
 * accumulators stay in registers (32 vector registers: 16 acc + 4 rows +
 * 2 weights).
 */
ALWAYS_INLINE void gemm_tile(int mr, int u8, int kp, const uint8_t *const *a, uint8_t xz,
			     const int16_t *w, const int32_t *cn, const float *sc, float32x4_t lo,
			     float32x4_t hi, int32x4_t zp, uint8_t *const *out, int cnt)
{
	int32x4_t acc[MR][4];
	for (int r = 0; r < mr; r++)
		for (int v = 0; v < 4; v++)
			acc[r][v] = vld1q_s32(cn + 4 * v);
	for (int g = 0; g < kp; g += KB) {
		int16x8_t x[MR];
		for (int r = 0; r < mr; r++)
			x[r] = widen_sub(u8, a[r] + g, xz);
		const int16_t *wg = w + (size_t)g * NR;
#define STEP(j)									\
		do {								\
			int16x8_t w0 = vld1q_s16(wg + (j) * NR);		\
			int16x8_t w1 = vld1q_s16(wg + (j) * NR + 8);		\
			for (int r = 0; r < mr; r++) {				\
				acc[r][0] = vmlal_laneq_s16(acc[r][0], vget_low_s16(w0), x[r], j); \
				acc[r][1] = vmlal_high_laneq_s16(acc[r][1], w0, x[r], j); \
				acc[r][2] = vmlal_laneq_s16(acc[r][2], vget_low_s16(w1), x[r], j); \
				acc[r][3] = vmlal_high_laneq_s16(acc[r][3], w1, x[r], j); \
			}						\
		} while (0)
		STEP(0); STEP(1); STEP(2); STEP(3); STEP(4); STEP(5); STEP(6); STEP(7);
#undef STEP
	}
	for (int r = 0; r < mr; r++)
		store_part(out[r], requant16(acc[r], sc, lo, hi, zp), cnt);
}

ALWAYS_INLINE void gemm_4x16(int u8, const struct enpu_conv_params *p, const void *packed,
			     const void *inv, void *outv, size_t m0, size_t m1, int n0, int n1,
			     void *scratch)
{
	const struct gemm_hdr *h = align64(packed);
	const int32_t *cnall = (const int32_t *)((const char *)h + 64);
	const int16_t *wall = (const int16_t *)(cnall + h->np);
	const uint8_t *in = inv;
	uint8_t *out = outv;
	int kp = h->kp, n = h->n;
	const struct enpu_rq *rq = &p->rq;
	float32x4_t lo = vdupq_n_f32((float)(rq->act_min - rq->out_zp));
	float32x4_t hi = vdupq_n_f32((float)(rq->act_max - rq->out_zp));
	int32x4_t zp = vdupq_n_s32(rq->out_zp);
	uint8_t xz = (uint8_t)p->in_zp;
	uint8_t *rows = scratch;
	size_t hw = (size_t)p->oh * p->ow;
	for (size_t m = m0; m < m1; m += MR) {
		int mr = m1 - m < MR ? (int)(m1 - m) : MR;
		const uint8_t *a[MR];
		uint8_t *orow[MR];
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
		}
		for (int c = n0; c < n1; c += NR) {
			int cnt = n1 - c < NR ? n1 - c : NR;
			const int16_t *w = wall + (size_t)(c / NR) * NR * kp;
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
#define T(MRV) gemm_tile(MRV, u8, kp, a, xz, w, cnall + c, sc, lo, hi, zp, o, cnt)
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

static void enpu_qu8_gemm_4x16__neon(const struct enpu_conv_params *p, const void *packed,
				     const void *in, void *out, size_t m0, size_t m1, int n0,
				     int n1, void *scratch)
{
	gemm_4x16(1, p, packed, in, out, m0, m1, n0, n1, scratch);
}

static void enpu_qc8_gemm_4x16__neon(const struct enpu_conv_params *p, const void *packed,
				     const void *in, void *out, size_t m0, size_t m1, int n0,
				     int n1, void *scratch)
{
	gemm_4x16(0, p, packed, in, out, m0, m1, n0, n1, scratch);
}

/* ----------------------------------------------------------- Depthwise */

static size_t dw_pack_size(const struct enpu_conv_params *p)
{
	size_t taps = (size_t)p->fh * p->fw, cp = rup((size_t)p->oc, 16);
	return 64 + 64 + cp * 4 + cp * taps * 2 + 64;
}

/* Layout: header, int32 constant [cp], then int16 (w - wz) [taps][cp]. */
static void dw_pack(const struct enpu_conv_params *p, int u8, const void *wv, void *packed)
{
	struct dw_hdr *h = align64(packed);
	int taps = p->fh * p->fw, c = p->oc, cp = (int)rup((size_t)c, 16);
	h->taps = taps;
	h->c = c;
	h->cp = cp;
	int32_t *cn = (int32_t *)((char *)h + 64);
	int16_t *w16 = (int16_t *)(cn + cp);
	memset(cn, 0, (size_t)cp * 4);
	memset(w16, 0, (size_t)cp * taps * 2);
	for (int ch = 0; ch < c; ch++) {
		uint32_t sum = 0;
		for (int t = 0; t < taps; t++) {
			int32_t f = ld8(u8, wv, (size_t)t * c + ch) - p->w_zp;
			w16[(size_t)t * cp + ch] = (int16_t)f;
			sum += (uint32_t)f;
		}
		/* Padding taps point at zero points, so subtracting xz*sum(w) is exact. */
		cn[ch] = (int32_t)((p->bias ? (uint32_t)p->bias[ch] : 0) - (uint32_t)p->in_zp * sum);
	}
}

ALWAYS_INLINE void dwconv_up16(int u8, const struct enpu_conv_params *p, const void *packed,
			       const uint8_t *in, uint8_t *out, size_t m0, size_t m1, int n0,
			       int n1, const uint8_t *zrow)
{
	const struct dw_hdr *h = align64(packed);
	const int32_t *cn = (const int32_t *)((const char *)h + 64);
	const int16_t *w16 = (const int16_t *)(cn + h->cp);
	int c = h->c, cp = h->cp, taps = h->taps;
	const struct enpu_rq *rq = &p->rq;
	float32x4_t lo = vdupq_n_f32((float)(rq->act_min - rq->out_zp));
	float32x4_t hi = vdupq_n_f32((float)(rq->act_max - rq->out_zp));
	int32x4_t zp = vdupq_n_s32(rq->out_zp);
	const uint8_t *tp[MAX_TAPS];
	struct dw_walk walk;
	dw_walk_init(&walk, p, in, zrow, c, m0);
	for (size_t m = m0; m < m1; m++) {
		dw_walk_next(&walk, tp);
		uint8_t *o = out + m * c;
		for (int ch = n0; ch < n1; ch += 16) {
			int cnt = n1 - ch < 16 ? n1 - ch : 16;
			/* Channels up to c are inside the pixel, so only the last vector of a row is partial. */
			int avail = c - ch;
			int32x4_t acc[4];
			for (int v = 0; v < 4; v++)
				acc[v] = vld1q_s32(cn + ch + 4 * v);
			for (int t = 0; t < taps; t++) {
				uint8x16_t x = load_part(tp[t] + ch, avail);
				int16x8_t xl = widen_lo(u8, x), xh = widen_hi(u8, x);
				int16x8_t w0 = vld1q_s16(w16 + (size_t)t * cp + ch);
				int16x8_t w1 = vld1q_s16(w16 + (size_t)t * cp + ch + 8);
				acc[0] = vmlal_s16(acc[0], vget_low_s16(xl), vget_low_s16(w0));
				acc[1] = vmlal_high_s16(acc[1], xl, w0);
				acc[2] = vmlal_s16(acc[2], vget_low_s16(xh), vget_low_s16(w1));
				acc[3] = vmlal_high_s16(acc[3], xh, w1);
			}
			float scbuf[16] = { 0 };
			const float *sc = rq->scale + ch;
			if (cnt < 16) {
				memcpy(scbuf, sc, (size_t)cnt * sizeof(float));
				sc = scbuf;
			}
			store_part(o + ch, requant16(acc, sc, lo, hi, zp), cnt);
		}
	}
}

static void enpu_qu8_dwconv_up16__neon(const struct enpu_conv_params *p, const void *packed,
				       const uint8_t *in, uint8_t *out, size_t m0, size_t m1,
				       int n0, int n1, const uint8_t *zrow)
{
	dwconv_up16(1, p, packed, in, out, m0, m1, n0, n1, zrow);
}

static void enpu_qc8_dwconv_up16__neon(const struct enpu_conv_params *p, const void *packed,
				       const uint8_t *in, uint8_t *out, size_t m0, size_t m1,
				       int n0, int n1, const uint8_t *zrow)
{
	dwconv_up16(0, p, packed, in, out, m0, m1, n0, n1, zrow);
}

/* ------------------------------------------------------------- Pooling */

static int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Window rows/columns inside the input for one output pixel. */
static void window(const struct enpu_pool_params *p, int oy, int ox, int *y0, int *y1, int *x0,
		   int *x1)
{
	int ys = oy * p->sh - p->pad_t, xs = ox * p->sw - p->pad_l;
	*y0 = ys < 0 ? 0 : ys;
	*y1 = ys + p->fh < p->ih ? ys + p->fh : p->ih;
	*x0 = xs < 0 ? 0 : xs;
	*x1 = xs + p->fw < p->iw ? xs + p->fw : p->iw;
}

/*
 * Max is exact in the 8-bit domain.  Clamping there with the activation
 * bounds saturated to the type equals the scalar's int32 clamp whenever
 * the bounds are ordered and overlap the type; otherwise (never produced
 * by the interpreter) the scalar kernel runs.
 */
ALWAYS_INLINE void maxpool_t(int u8, const struct enpu_pool_params *p, const uint8_t *in,
			     uint8_t *out)
{
	int32_t tmin = u8 ? 0 : -128, tmax = u8 ? 255 : 127;
	int32_t lo = p->act_min < tmin ? tmin : p->act_min;
	int32_t hi = p->act_max > tmax ? tmax : p->act_max;
	uint8x16_t vlo = u8 ? vdupq_n_u8((uint8_t)lo) : vreinterpretq_u8_s8(vdupq_n_s8((int8_t)lo));
	uint8x16_t vhi = u8 ? vdupq_n_u8((uint8_t)hi) : vreinterpretq_u8_s8(vdupq_n_s8((int8_t)hi));
	/* A window entirely in the padding yields clamp(0), as in the scalar kernel. */
	uint8_t empty = (uint8_t)clamp32(0, lo, hi);
	int c = p->c;
	for (int b = 0; b < p->n; b++) {
		const uint8_t *img = in + (size_t)b * p->ih * p->iw * c;
		for (int oy = 0; oy < p->oh; oy++)
		for (int ox = 0; ox < p->ow; ox++) {
			uint8_t *o = out + (((size_t)b * p->oh + oy) * p->ow + ox) * c;
			int y0, y1, x0, x1;
			window(p, oy, ox, &y0, &y1, &x0, &x1);
			if (y0 >= y1 || x0 >= x1) {
				memset(o, empty, (size_t)c);
				continue;
			}
			for (int ch = 0; ch < c; ch += 16) {
				int cnt = c - ch < 16 ? c - ch : 16;
				uint8x16_t v = load_part(img + ((size_t)y0 * p->iw + x0) * c + ch, cnt);
				for (int iy = y0; iy < y1; iy++)
					for (int ix = x0; ix < x1; ix++) {
						uint8x16_t x = load_part(img + ((size_t)iy * p->iw + ix) * c + ch, cnt);
						v = u8 ? vmaxq_u8(v, x) :
							 vreinterpretq_u8_s8(vmaxq_s8(vreinterpretq_s8_u8(v),
										      vreinterpretq_s8_u8(x)));
					}
				if (u8)
					v = vminq_u8(vmaxq_u8(v, vlo), vhi);
				else
					v = vreinterpretq_u8_s8(vminq_s8(vmaxq_s8(vreinterpretq_s8_u8(v),
										  vreinterpretq_s8_u8(vlo)),
									 vreinterpretq_s8_u8(vhi)));
				store_part(o + ch, v, cnt);
			}
		}
	}
}

static void enpu_qu8_maxpool__neon(const struct enpu_pool_params *p, const uint8_t *in,
				   uint8_t *out)
{
	if (p->act_min > p->act_max || p->act_min > 255 || p->act_max < 0) {
		enpu_kernels_scalar.maxpool_qu8(p, in, out);
		return;
	}
	maxpool_t(1, p, in, out);
}

static void enpu_qs8_maxpool__neon(const struct enpu_pool_params *p, const int8_t *in,
				   int8_t *out)
{
	if (p->act_min > p->act_max || p->act_min > 127 || p->act_max < -128) {
		enpu_kernels_scalar.maxpool_qs8(p, in, out);
		return;
	}
	maxpool_t(0, p, (const uint8_t *)in, (uint8_t *)out);
}

/*
 * Sums in int32, then the scalar's rounding division (half away from zero,
 * C truncation) done as (sum +- cnt/2) / cnt in fp32 and truncated.  That
 * is exact while |sum +- cnt/2| < 2^24: the true quotient q is then at
 * least 1/cnt away from the next integer, more than half an ulp of q, so
 * rounding the float division can never cross an integer.  Windows of up
 * to 65536 taps keep |sum| <= 255 * 65536 inside that bound; larger ones
 * (and unordered activation bounds) run the scalar kernel.
 */
ALWAYS_INLINE void avgpool_t(int u8, const struct enpu_pool_params *p, const uint8_t *in,
			     uint8_t *out)
{
	int32x4_t vlo = vdupq_n_s32(p->act_min), vhi = vdupq_n_s32(p->act_max);
	uint8_t empty = (uint8_t)clamp32(0, p->act_min, p->act_max);
	int c = p->c;
	for (int b = 0; b < p->n; b++) {
		const uint8_t *img = in + (size_t)b * p->ih * p->iw * c;
		for (int oy = 0; oy < p->oh; oy++)
		for (int ox = 0; ox < p->ow; ox++) {
			uint8_t *o = out + (((size_t)b * p->oh + oy) * p->ow + ox) * c;
			int y0, y1, x0, x1;
			window(p, oy, ox, &y0, &y1, &x0, &x1);
			if (y0 >= y1 || x0 >= x1) {
				memset(o, empty, (size_t)c);
				continue;
			}
			int32_t n = (y1 - y0) * (x1 - x0);
			int32x4_t half = vdupq_n_s32(n / 2), nhalf = vdupq_n_s32(-(n / 2));
			float32x4_t fn = vdupq_n_f32((float)n);
			for (int ch = 0; ch < c; ch += 16) {
				int cnt = c - ch < 16 ? c - ch : 16;
				int32x4_t s[4] = { vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0),
						   vdupq_n_s32(0) };
				for (int iy = y0; iy < y1; iy++)
					for (int ix = x0; ix < x1; ix++) {
						uint8x16_t x = load_part(img + ((size_t)iy * p->iw + ix) * c + ch, cnt);
						int16x8_t xl = widen_lo(u8, x), xh = widen_hi(u8, x);
						s[0] = vaddw_s16(s[0], vget_low_s16(xl));
						s[1] = vaddw_high_s16(s[1], xl);
						s[2] = vaddw_s16(s[2], vget_low_s16(xh));
						s[3] = vaddw_high_s16(s[3], xh);
					}
				for (int i = 0; i < 4; i++) {
					int32x4_t t = vaddq_s32(s[i], vbslq_s32(vcltzq_s32(s[i]), nhalf, half));
					int32x4_t q = vcvtq_s32_f32(vdivq_f32(vcvtq_f32_s32(t), fn));
					s[i] = vminq_s32(vmaxq_s32(q, vlo), vhi);
				}
				store_part(o + ch, narrow16(s), cnt);
			}
		}
	}
}

static int avgpool_ok(const struct enpu_pool_params *p)
{
	return p->act_min <= p->act_max && (int64_t)p->fh * p->fw <= 65536;
}

static void enpu_qu8_avgpool__neon(const struct enpu_pool_params *p, const uint8_t *in,
				   uint8_t *out)
{
	if (!avgpool_ok(p)) {
		enpu_kernels_scalar.avgpool_qu8(p, in, out);
		return;
	}
	avgpool_t(1, p, in, out);
}

static void enpu_qs8_avgpool__neon(const struct enpu_pool_params *p, const int8_t *in,
				   int8_t *out)
{
	if (!avgpool_ok(p)) {
		enpu_kernels_scalar.avgpool_qs8(p, in, out);
		return;
	}
	avgpool_t(0, p, (const uint8_t *)in, (uint8_t *)out);
}

/* ------------------------------------------------------------- ADD/SUB */

/*
 * TFLite's MultiplyByQuantizedMultiplier on 4 lanes.  sqrdmulh is exactly
 * gemmlowp's SaturatingRoundingDoublingHighMul (ties toward +inf, the one
 * overflow saturated); srshl rounds ties up, so negative lanes are nudged
 * down by one first to get RoundingDivideByPOT's ties away from zero.
 */
ALWAYS_INLINE int32x4_t qmul4(int32x4_t x, int32_t mult, int shift)
{
	int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
	x = vqshlq_s32(x, vdupq_n_s32(left));
	x = vqrdmulhq_n_s32(x, mult);
	int32x4_t sh = vdupq_n_s32(-right);
	int32x4_t fix = vshrq_n_s32(vandq_s32(x, sh), 31);
	return vrshlq_s32(vqaddq_s32(x, fix), sh);
}

/* XNNPACK's form in int64, as the scalar kernel computes it, then the int32 truncation. */
ALWAYS_INLINE int32x4_t xnn4(int32x4_t a, int32x4_t b, const struct enpu_add_params *p,
			     int64x2_t bias, int64x2_t nsh)
{
	int64x2_t l = vmlal_n_s32(vmlal_n_s32(bias, vget_low_s32(a), p->xa_mult),
				  vget_low_s32(b), p->xb_mult);
	int64x2_t h = vmlal_high_n_s32(vmlal_high_n_s32(bias, a, p->xa_mult), b, p->xb_mult);
	return vcombine_s32(vmovn_s64(vshlq_s64(l, nsh)), vmovn_s64(vshlq_s64(h, nsh)));
}

ALWAYS_INLINE void widen32(int u8, uint8x16_t x, int32x4_t v[4])
{
	int16x8_t l = widen_lo(u8, x), h = widen_hi(u8, x);
	v[0] = vmovl_s16(vget_low_s16(l));
	v[1] = vmovl_high_s16(l);
	v[2] = vmovl_s16(vget_low_s16(h));
	v[3] = vmovl_high_s16(h);
}

ALWAYS_INLINE uint8x16_t gather16(const uint8_t *src, const uint32_t *idx, size_t i, int cnt)
{
	if (!idx)
		return load_part(src + i, cnt);
	uint8_t t[16] = { 0 };
	for (int j = 0; j < cnt; j++)
		t[j] = src[idx[i + j]];
	return vld1q_u8(t);
}

ALWAYS_INLINE void vadd_t(int u8, const struct enpu_add_params *p, const uint8_t *a,
			  const uint8_t *b, uint8_t *out)
{
	int32x4_t vlo = vdupq_n_s32(p->act_min), vhi = vdupq_n_s32(p->act_max);
	int32x4_t ozp = vdupq_n_s32(p->out_zp);
	int32x4_t z1 = vdupq_n_s32(p->in1_zp), z2 = vdupq_n_s32(p->in2_zp);
	int32x4_t ls = vdupq_n_s32(p->left_shift);
	int64x2_t bias = vdupq_n_s64(p->xbias), nsh = vdupq_n_s64(-(int64_t)p->xshift);
	for (size_t i = 0; i < p->count; i += 16) {
		int cnt = p->count - i < 16 ? (int)(p->count - i) : 16;
		int32x4_t x[4], y[4], v[4];
		widen32(u8, gather16(a, p->idx1, i, cnt), x);
		widen32(u8, gather16(b, p->idx2, i, cnt), y);
		for (int j = 0; j < 4; j++) {
			int32x4_t r;
			if (p->xnn) {
				r = xnn4(x[j], y[j], p, bias, nsh);
			} else {
				int32x4_t sx = qmul4(vshlq_s32(sub_wrap(x[j], z1), ls), p->in1_mult,
						     p->in1_shift);
				int32x4_t sy = qmul4(vshlq_s32(sub_wrap(y[j], z2), ls), p->in2_mult,
						     p->in2_shift);
				r = qmul4(p->sub ? sub_wrap(sx, sy) : add_wrap(sx, sy), p->out_mult,
					  p->out_shift);
			}
			v[j] = vminq_s32(vmaxq_s32(add_wrap(r, ozp), vlo), vhi);
		}
		store_part(out + i, narrow16(v), cnt);
	}
}

static int sh_ok(int s)
{
	return s >= -31 && s <= 31;
}

/*
 * Shift counts the scalar arithmetic only defines in this range, and the
 * ordered clamp min(max()) needs: anything else runs the scalar kernel.
 */
static int vadd_ok(const struct enpu_add_params *p)
{
	if (p->act_min > p->act_max)
		return 0;
	if (p->xnn)
		return p->xshift >= 0 && p->xshift <= 62;
	return p->left_shift >= 0 && p->left_shift <= 30 && sh_ok(p->in1_shift) &&
	       sh_ok(p->in2_shift) && sh_ok(p->out_shift);
}

static void enpu_qu8_vadd__neon(const struct enpu_add_params *p, const uint8_t *a,
				const uint8_t *b, uint8_t *out)
{
	if (!vadd_ok(p)) {
		enpu_kernels_scalar.add_qu8(p, a, b, out);
		return;
	}
	vadd_t(1, p, a, b, out);
}

static void enpu_qs8_vadd__neon(const struct enpu_add_params *p, const int8_t *a,
				const int8_t *b, int8_t *out)
{
	if (!vadd_ok(p)) {
		enpu_kernels_scalar.add_qs8(p, a, b, out);
		return;
	}
	vadd_t(0, p, (const uint8_t *)a, (const uint8_t *)b, (uint8_t *)out);
}

/* ------------------------------------------------------------ Entries */

static size_t pack_size(const struct enpu_conv_params *p, int u8, int dw)
{
	if (p->rq.mode != RQ_FP32 || !zp_ok(u8, p->in_zp) || !zp_ok(u8, p->w_zp))
		return 0;
	if (dw)
		return p->depth_mult == 1 && p->fh * p->fw <= MAX_TAPS ? dw_pack_size(p) : 0;
	return gemm_pack_size(p);
}

static void pack(const struct enpu_conv_params *p, int u8, int dw, const void *w, void *packed)
{
	if (dw)
		dw_pack(p, u8, w, packed);
	else
		gemm_pack(p, u8, w, packed);
}

static size_t scratch(const struct enpu_conv_params *p, int u8, int dw)
{
	(void)u8;
	if (dw)
		return rup((size_t)p->oc, 64) + 64;
	return MR * rup((size_t)p->fh * p->fw * p->ic, KB) + 64;
}

static void run(const struct enpu_conv_params *p, int u8, int dw, const void *packed,
		const void *in, void *out, size_t m0, size_t m1, int n0, int n1, void *scr)
{
	if (dw) {
		/* The padding row: every channel at the input zero point. */
		memset(scr, (uint8_t)p->in_zp, (size_t)p->oc);
		if (u8)
			enpu_qu8_dwconv_up16__neon(p, packed, in, out, m0, m1, n0, n1, scr);
		else
			enpu_qc8_dwconv_up16__neon(p, packed, in, out, m0, m1, n0, n1, scr);
	} else if (u8) {
		enpu_qu8_gemm_4x16__neon(p, packed, in, out, m0, m1, n0, n1, scr);
	} else {
		enpu_qc8_gemm_4x16__neon(p, packed, in, out, m0, m1, n0, n1, scr);
	}
}

const struct enpu_kernels enpu_kernels_neon = {
	.isa = "neon",
	.add_qu8 = enpu_qu8_vadd__neon,
	.add_qs8 = enpu_qs8_vadd__neon,
	.avgpool_qu8 = enpu_qu8_avgpool__neon,
	.avgpool_qs8 = enpu_qs8_avgpool__neon,
	.maxpool_qu8 = enpu_qu8_maxpool__neon,
	.maxpool_qs8 = enpu_qs8_maxpool__neon,
	.conv_pack_size = pack_size,
	.conv_pack = pack,
	.conv_scratch = scratch,
	.conv_run = run,
};
