// SPDX-License-Identifier: MIT
/*
 * AVX2 kernels (built with KERNEL_FLAGS_avx2, entered only through cpu.c).
 *
 * AVX2 has no byte dot product that cannot saturate (vpmaddubsw
 * saturates to int16), so the GEMM works in int16: rows hold x - xz and
 * packed weights w - wz, both within [-255, 255], and vpmaddwd sums pairs
 * of their products exactly into int32.  No correction terms are needed
 * and padding taps (x = xz) are exact zeros.  The accumulator therefore
 * equals the scalar kernel's (wrapping int32), and the fp32
 * requantization repeats the scalar's float operations in order.
 */
#if defined(__clang__) && !defined(__AVX2__)
/* The fuzz build compiles every source in one clang command without our per-file flags. */
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define ENPU_POP_TARGET 1
#endif

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "kernels_util.h"
#include "quant.h"

#define MR 6		/* output pixels per tile */
#define NB 8		/* channels per ymm */
#define PANEL 16	/* channels per weight panel (2 ymm) */
#define MAX_TAPS DW_MAX_TAPS

#define ALWAYS_INLINE static inline __attribute__((always_inline))

struct gemm_hdr {
	int k, kp, n, np;	/* depth, depth rounded to 2, channels, rounded to 16 */
};

struct dw_hdr {
	int taps, c, cp;
};

static int32_t ld8(int u8, const void *p, size_t i)
{
	return u8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}

/* ---------------------------------------------------------------- GEMM */

static size_t gemm_pack_size(const struct enpu_conv_params *p)
{
	size_t k = (size_t)p->fh * p->fw * p->ic, kp = rup(k, 2), np = rup((size_t)p->oc, PANEL);
	return 64 + 64 + np * 4 + np * kp * 2 + 64;
}

/*
 * Layout: header, int32 bias [np], then panels of 16 channels; for each
 * depth pair, 2 vectors of 8 channels x 2 int16.
 */
static void gemm_pack(const struct enpu_conv_params *p, int u8, const void *w, void *packed)
{
	struct gemm_hdr *h = align64(packed);
	int k = p->fh * p->fw * p->ic, kp = (int)rup((size_t)k, 2), n = p->oc;
	int np = (int)rup((size_t)n, PANEL);
	h->k = k;
	h->kp = kp;
	h->n = n;
	h->np = np;
	int32_t *cn = (int32_t *)((char *)h + 64);
	int16_t *wp = (int16_t *)(cn + np);
	memset(cn, 0, (size_t)np * 4);
	memset(wp, 0, (size_t)np * kp * 2);
	for (int c = 0; c < n; c++) {
		cn[c] = p->bias ? p->bias[c] : 0;
		int16_t *pb = wp + (size_t)(c / PANEL) * PANEL * kp;
		int v = (c % PANEL) / NB, lane = c % NB;
		for (int i = 0; i < k; i++)
			pb[((size_t)(i / 2) * 2 + v) * 16 + lane * 2 + i % 2] =
				(int16_t)(ld8(u8, w, (size_t)c * k + i) - p->w_zp);
	}
}

/* n input bytes as int16 x - xz. */
ALWAYS_INLINE void widen_row(int u8, const uint8_t *s, int16_t *d, int n, __m256i zp, int xz)
{
	int i = 0;
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m256i x16 = u8 ? _mm256_cvtepu8_epi16(x) : _mm256_cvtepi8_epi16(x);
		_mm256_storeu_si256((__m256i *)(d + i), _mm256_sub_epi16(x16, zp));
	}
	for (; i < n; i++)
		d[i] = (int16_t)(ld8(u8, s, (size_t)i) - xz);
}

/* One im2col row of x - xz as int16; padding taps and depth padding are 0. */
static void gather_row(const struct enpu_conv_params *p, int u8, const uint8_t *in, size_t m,
		       int16_t *dst, int kp)
{
	const __m256i zp = _mm256_set1_epi16((int16_t)p->in_zp);
	int16_t *d = dst;
	/* 1x1, stride 1, no padding: row m is input pixel m (no divides). */
	int flat = p->fh == 1 && p->fw == 1 && p->sh == 1 && p->sw == 1 && p->pad_t == 0 &&
		   p->pad_l == 0;
	if (flat) {
		widen_row(u8, in + m * p->ic, d, p->ic, zp, p->in_zp);
		if (p->ic < kp)
			dst[p->ic] = 0;
		return;
	}
	size_t hw = (size_t)p->oh * p->ow;
	int b = (int)(m / hw), oy = (int)(m % hw / p->ow), ox = (int)(m % p->ow);
	for (int ky = 0; ky < p->fh; ky++) {
		int iy = oy * p->sh - p->pad_t + ky * p->dh;
		for (int kx = 0; kx < p->fw; kx++, d += p->ic) {
			int ix = ox * p->sw - p->pad_l + kx * p->dw;
			if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw) {
				memset(d, 0, (size_t)p->ic * 2);
				continue;
			}
			widen_row(u8, in + (((size_t)b * p->ih + iy) * p->iw + ix) * p->ic, d, p->ic,
				  zp, p->in_zp);
		}
	}
	int k = (int)(d - dst);
	if (k < kp)
		dst[k] = 0;
}

/* The scalar requantization on 8 lanes; returns the 8 result bytes. */
ALWAYS_INLINE __m128i requant8(__m256i acc, const float *scale, __m256 lo, __m256 hi, __m256i zp,
			       int u8)
{
	__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(scale));
	f = _mm256_min_ps(_mm256_max_ps(f, lo), hi);
	__m256i v = _mm256_add_epi32(_mm256_cvtps_epi32(f), zp);
	/* Already inside the 8-bit range, so the saturating packs are exact. */
	__m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	return u8 ? _mm_packus_epi16(w, w) : _mm_packs_epi16(w, w);
}

ALWAYS_INLINE void store_n(uint8_t *dst, __m128i v, int cnt)
{
	if (cnt >= 8) {
		_mm_storel_epi64((__m128i *)dst, v);
	} else if (cnt > 0) {
		uint8_t t[16];
		_mm_storeu_si128((__m128i *)t, v);
		memcpy(dst, t, (size_t)cnt);
	}
}

/*
 * mr x 16 tile.  The accumulators are named variables, not an array: gcc
 * keeps an acc[r][v] array in memory, so every vpmaddwd's sum made a trip
 * through the stack (a load and a store per k step and row, and the
 * store-to-load latency on each chain).  Rows beyond mr are dead code.
 */
#define X_DECL(r) acc##r##_0 = c0, acc##r##_1 = c1
#define X_STEP(r) do {								\
	if ((r) < mr) {								\
		int32_t x;							\
		memcpy(&x, a[r] + g, 4);					\
		__m256i av = _mm256_set1_epi32(x);				\
		acc##r##_0 = _mm256_add_epi32(acc##r##_0, _mm256_madd_epi16(av, w0));	\
		acc##r##_1 = _mm256_add_epi32(acc##r##_1, _mm256_madd_epi16(av, w1));	\
	}									\
} while (0)
#define X_STORE(r) do {								\
	if ((r) < mr) {								\
		store_n(out[r], requant8(acc##r##_0, sc, lo, hi, zp, u8), cnt);	\
		store_n(out[r] + 8, requant8(acc##r##_1, sc + 8, lo, hi, zp, u8), cnt - 8);	\
	}									\
} while (0)

ALWAYS_INLINE void gemm_tile(int mr, int kp, const int16_t *const *a, const int16_t *w,
			     const int32_t *cn, const float *scale, __m256 lo, __m256 hi,
			     __m256i zp, int u8, uint8_t *const *out, int cnt, const float *scbuf)
{
	const __m256i c0 = _mm256_loadu_si256((const __m256i *)cn);
	const __m256i c1 = _mm256_loadu_si256((const __m256i *)(cn + 8));
	__m256i X_DECL(0), X_DECL(1), X_DECL(2), X_DECL(3), X_DECL(4), X_DECL(5);
	for (int g = 0; g < kp; g += 2) {
		__m256i w0 = _mm256_loadu_si256((const __m256i *)(w + (size_t)g * 16));
		__m256i w1 = _mm256_loadu_si256((const __m256i *)(w + (size_t)g * 16 + 16));
		X_STEP(0);
		X_STEP(1);
		X_STEP(2);
		X_STEP(3);
		X_STEP(4);
		X_STEP(5);
	}
	/* A partial panel reads its scales from a padded copy so no load runs past the array. */
	const float *sc = cnt >= PANEL ? scale : scbuf;
	X_STORE(0);
	X_STORE(1);
	X_STORE(2);
	X_STORE(3);
	X_STORE(4);
	X_STORE(5);
}

static void enpu_q8_gemm_minmax_fp32_6x16c2__avx2(const struct enpu_conv_params *p, int u8,
						  const void *packed, const void *inv, void *outv,
						  size_t m0, size_t m1, int n0, int n1, void *scratch)
{
	const struct gemm_hdr *h = align64(packed);
	const int32_t *cnall = (const int32_t *)((const char *)h + 64);
	const int16_t *wall = (const int16_t *)(cnall + h->np);
	const uint8_t *in = inv;
	uint8_t *out = outv;
	int kp = h->kp, n = h->n;
	const struct enpu_rq *rq = &p->rq;
	__m256 lo = _mm256_set1_ps((float)(rq->act_min - rq->out_zp));
	__m256 hi = _mm256_set1_ps((float)(rq->act_max - rq->out_zp));
	__m256i zp = _mm256_set1_epi32(rq->out_zp);
	int16_t *rows = scratch;
	for (size_t m = m0; m < m1; m += MR) {
		int mr = m1 - m < MR ? (int)(m1 - m) : MR;
		const int16_t *a[MR];
		uint8_t *orow[MR];
		for (int r = 0; r < mr; r++) {
			gather_row(p, u8, in, m + r, rows + (size_t)r * kp, kp);
			a[r] = rows + (size_t)r * kp;
			orow[r] = out + (m + r) * n;
		}
		for (int c = n0; c < n1; c += PANEL) {
			int cnt = n1 - c < PANEL ? n1 - c : PANEL;
			const int16_t *w = wall + (size_t)(c / PANEL) * PANEL * kp;
			float scbuf[PANEL] = { 0 };
			if (cnt < PANEL)
				memcpy(scbuf, rq->scale + c, (size_t)cnt * sizeof(float));
			uint8_t *o[MR];
			for (int r = 0; r < mr; r++)
				o[r] = orow[r] + c;
#define T(MRV) gemm_tile(MRV, kp, a, w, cnall + c, rq->scale + c, lo, hi, zp, u8, o, cnt, scbuf)
			switch (mr) {
			case 1: T(1); break;
			case 2: T(2); break;
			case 3: T(3); break;
			case 4: T(4); break;
			case 5: T(5); break;
			default: T(6); break;
			}
#undef T
		}
	}
}

/* ----------------------------------------------------------- Depthwise */

/*
 * 16 channels per step as int16, taps in pairs through vpmaddwd (two
 * products summed into int32, exact: |x| <= 255 and |w - wz| <= 255).  The
 * pair is formed by vpunpck{l,h}wd of two taps' rows, which works within
 * 128-bit lanes, so the "lo" accumulator holds channels 8L+0..3 of each
 * lane L and "hi" 8L+4..7; the constants, scales and weights are packed in
 * that order, and vpackssdw of lo and hi puts the channels back in order.
 * An odd last tap is paired with a zero weight.
 */
#define DB 16	/* depthwise channels per step */

static size_t dw_pack_size(const struct enpu_conv_params *p)
{
	size_t pairs = ((size_t)p->fh * p->fw + 1) / 2, cp = rup((size_t)p->oc, DB);
	return 64 + 64 + cp * 8 + pairs * cp * 4 + 64;
}

/* Lane position (0..15) of channel j of a block, in the lo (half 0) or hi (half 1) vector. */
static int dw_lane_channel(int half, int j)
{
	return (j / 4) * 8 + half * 4 + j % 4;
}

/*
 * Layout: header, int32 constant [cp], float scales [cp] (both in the
 * accumulators' order: per block, lo's 8 channels then hi's), then per
 * block and tap pair a lo and a hi vector of (tap 2p, tap 2p+1) int16 pairs.
 */
static void dw_pack(const struct enpu_conv_params *p, int u8, const void *wv, void *packed)
{
	struct dw_hdr *h = align64(packed);
	int taps = p->fh * p->fw, c = p->oc, cp = (int)rup((size_t)c, DB), pairs = (taps + 1) / 2;
	h->taps = taps;
	h->c = c;
	h->cp = cp;
	int32_t *cn = (int32_t *)((char *)h + 64);
	float *sc = (float *)(cn + cp);
	int16_t *w16 = (int16_t *)(sc + cp);
	memset(cn, 0, (size_t)cp * 8 + (size_t)pairs * cp * 4);
	for (int blk = 0; blk < cp / DB; blk++) {
		for (int half = 0; half < 2; half++) {
			for (int j = 0; j < 8; j++) {
				int ch = blk * DB + dw_lane_channel(half, j);
				int pos = blk * DB + half * 8 + j;
				if (ch >= c)
					continue;
				uint32_t sum = 0;
				for (int t = 0; t < taps; t++) {
					int32_t f = ld8(u8, wv, (size_t)t * c + ch) - p->w_zp;
					int16_t *v = w16 + (((size_t)blk * pairs + t / 2) * 2 + half) * 16;
					v[j * 2 + t % 2] = (int16_t)f;
					sum += (uint32_t)f;
				}
				/* Padding taps point at zero points, so subtracting xz*sum(w) is exact. */
				cn[pos] = (int32_t)((p->bias ? (uint32_t)p->bias[ch] : 0) -
						    (uint32_t)p->in_zp * sum);
				sc[pos] = p->rq.scale[ch];
			}
		}
	}
}

/* 16 input bytes (cnt of them in a partial block) as int16. */
ALWAYS_INLINE __m256i dw_widen16(int u8, const uint8_t *src, int cnt)
{
	__m128i b;
	if (cnt >= DB) {
		b = _mm_loadu_si128((const __m128i *)src);
	} else {
		uint8_t t[16] = { 0 };
		memcpy(t, src, (size_t)cnt);
		b = _mm_loadu_si128((const __m128i *)t);
	}
	return u8 ? _mm256_cvtepu8_epi16(b) : _mm256_cvtepi8_epi16(b);
}

/* The scalar requantization of 8 lanes, to int32 without the zero point. */
ALWAYS_INLINE __m256i dw_quant(__m256i acc, const float *scale, __m256 lo, __m256 hi)
{
	__m256 f = _mm256_mul_ps(_mm256_cvtepi32_ps(acc), _mm256_loadu_ps(scale));
	return _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(f, lo), hi));
}

ALWAYS_INLINE void enpu_q8_dwconv_minmax_fp32_up16__avx2(int u8, const struct enpu_conv_params *p,
							const void *packed, const uint8_t *in,
							uint8_t *out, size_t m0, size_t m1, int n0,
							int n1, const uint8_t *zrow)
{
	const struct dw_hdr *h = align64(packed);
	const int32_t *cn = (const int32_t *)((const char *)h + 64);
	const float *sc = (const float *)(cn + h->cp);
	const int16_t *w16 = (const int16_t *)(sc + h->cp);
	int c = h->c, taps = h->taps, pairs = (taps + 1) / 2;
	const struct enpu_rq *rq = &p->rq;
	__m256 lo = _mm256_set1_ps((float)(rq->act_min - rq->out_zp));
	__m256 hi = _mm256_set1_ps((float)(rq->act_max - rq->out_zp));
	__m128i zp16 = _mm_set1_epi16((int16_t)rq->out_zp);
	const uint8_t *tp[MAX_TAPS + 1];
	struct dw_walk walk;
	dw_walk_init(&walk, p, in, zrow, c, m0);
	/* An odd window's last pair reads the zero-point row against weight 0. */
	tp[taps] = zrow;
	for (size_t m = m0; m < m1; m++) {
		dw_walk_next(&walk, tp);
		uint8_t *o = out + m * c;
		for (int ch = n0; ch < n1; ch += DB) {
			int cnt = n1 - ch;
			const int16_t *w = w16 + (size_t)(ch / DB) * pairs * 32;
			__m256i acc_lo = _mm256_loadu_si256((const __m256i *)(cn + ch));
			__m256i acc_hi = _mm256_loadu_si256((const __m256i *)(cn + ch + 8));
			for (int pp = 0; pp < pairs; pp++, w += 32) {
				__m256i xa = dw_widen16(u8, tp[2 * pp] + ch, cnt);
				__m256i xb = dw_widen16(u8, tp[2 * pp + 1] + ch, cnt);
				acc_lo = _mm256_add_epi32(acc_lo, _mm256_madd_epi16(
						_mm256_unpacklo_epi16(xa, xb),
						_mm256_loadu_si256((const __m256i *)w)));
				acc_hi = _mm256_add_epi32(acc_hi, _mm256_madd_epi16(
						_mm256_unpackhi_epi16(xa, xb),
						_mm256_loadu_si256((const __m256i *)(w + 16))));
			}
			/* Clamped, so inside int16 and the packs are exact. */
			__m256i v = _mm256_packs_epi32(dw_quant(acc_lo, sc + ch, lo, hi),
						       dw_quant(acc_hi, sc + ch + 8, lo, hi));
			__m128i v0 = _mm_adds_epi16(_mm256_castsi256_si128(v), zp16);
			__m128i v1 = _mm_adds_epi16(_mm256_extracti128_si256(v, 1), zp16);
			__m128i bytes = u8 ? _mm_packus_epi16(v0, v1) : _mm_packs_epi16(v0, v1);
			if (cnt >= DB) {
				_mm_storeu_si128((__m128i *)(o + ch), bytes);
			} else {
				uint8_t tb[16];
				_mm_storeu_si128((__m128i *)tb, bytes);
				memcpy(o + ch, tb, (size_t)cnt);
			}
		}
	}
}

/* ------------------------------------------------------------ Entries */

static size_t pack_size(const struct enpu_conv_params *p, int u8, int dw)
{
	(void)u8;
	if (p->rq.mode != RQ_FP32)
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
	return MR * rup((size_t)p->fh * p->fw * p->ic, 2) * 2 + 64;
}

static void run(const struct enpu_conv_params *p, int u8, int dw, const void *packed,
		const void *in, void *out, size_t m0, size_t m1, int n0, int n1, void *scr)
{
	if (dw) {
		memset(scr, (uint8_t)p->in_zp, (size_t)p->oc);
		/* u8 a constant in each call, so each flavour gets its own inlined copy. */
		if (u8)
			enpu_q8_dwconv_minmax_fp32_up16__avx2(1, p, packed, in, out, m0, m1, n0, n1,
							      scr);
		else
			enpu_q8_dwconv_minmax_fp32_up16__avx2(0, p, packed, in, out, m0, m1, n0, n1,
							      scr);
	} else {
		enpu_q8_gemm_minmax_fp32_6x16c2__avx2(p, u8, packed, in, out, m0, m1, n0, n1, scr);
	}
}

/* ------------------------------------------------------------ ADD/SUB */

/*
 * The XNNPACK rule only.  The scalar kernel computes the accumulator in
 * int64; here it is int32 lanes, and the entry check below proves, from the
 * parameters and the 8-bit input range, that every possible accumulator
 * fits int32.  Then the wrapping vpmulld/vpaddd sum equals the true sum
 * (any intermediate wrap cancels modulo 2^32) and vpsrad equals the int64
 * shift.  Anything else -- the fixed-point rule, broadcast index tables,
 * parameters outside that proof -- runs the scalar kernel.
 */
static int add_vec_ok(const struct enpu_add_params *p, int u8)
{
	if (!p->xnn || p->idx1 || p->idx2 || p->xshift < 0 || p->xshift > 31)
		return 0;
	int64_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;
	int64_t a0 = lo * p->xa_mult, a1 = hi * p->xa_mult;
	int64_t b0 = lo * p->xb_mult, b1 = hi * p->xb_mult;
	int64_t mn = p->xbias + (a0 < a1 ? a0 : a1) + (b0 < b1 ? b0 : b1);
	int64_t mx = p->xbias + (a0 > a1 ? a0 : a1) + (b0 > b1 ? b0 : b1);
	if (mn < INT32_MIN || mx > INT32_MAX)
		return 0;
	/* The scalar adds the zero point in int32 too; keep clear of its overflow. */
	return (mn >> p->xshift) + p->out_zp >= INT32_MIN &&
	       (mx >> p->xshift) + p->out_zp <= INT32_MAX;
}

struct add_k {
	__m256i am, bm, bias, zp, lo, hi;
	__m128i sh;
};

ALWAYS_INLINE __m256i ld8x32(int u8, const uint8_t *p)
{
	__m128i b = _mm_loadl_epi64((const __m128i *)p);
	return u8 ? _mm256_cvtepu8_epi32(b) : _mm256_cvtepi8_epi32(b);
}

/* 8 results as int32, clamped but not yet truncated. */
ALWAYS_INLINE __m256i add8(int u8, const struct add_k *k, const uint8_t *a, const uint8_t *b)
{
	__m256i acc = _mm256_add_epi32(_mm256_add_epi32(k->bias,
				_mm256_mullo_epi32(ld8x32(u8, a), k->am)),
				_mm256_mullo_epi32(ld8x32(u8, b), k->bm));
	__m256i v = _mm256_add_epi32(_mm256_sra_epi32(acc, k->sh), k->zp);
	/*
	 * q_clamp tests the lower bound first, so with lo > hi a value below
	 * lo still gets lo; min/max alone would give hi there.
	 */
	return _mm256_blendv_epi8(_mm256_min_epi32(v, k->hi), k->lo, _mm256_cmpgt_epi32(k->lo, v));
}

/*
 * The low byte of each of 32 int32 lanes, in order: the scalar's (T) cast
 * truncates, and bounds outside the 8-bit range make that visible, so
 * saturating packs alone would not do.
 */
ALWAYS_INLINE __m256i trunc32(__m256i v0, __m256i v1, __m256i v2, __m256i v3)
{
	const __m256i m = _mm256_set1_epi32(0xff);
	__m256i w01 = _mm256_packus_epi32(_mm256_and_si256(v0, m), _mm256_and_si256(v1, m));
	__m256i w23 = _mm256_packus_epi32(_mm256_and_si256(v2, m), _mm256_and_si256(v3, m));
	/* The packs interleave 128-bit lanes; dword j of the result came from source dword perm[j]. */
	return _mm256_permutevar8x32_epi32(_mm256_packus_epi16(w01, w23),
					   _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

ALWAYS_INLINE void add32(int u8, const struct add_k *k, const uint8_t *a, const uint8_t *b,
			 uint8_t *out)
{
	__m256i r = trunc32(add8(u8, k, a, b), add8(u8, k, a + 8, b + 8),
			    add8(u8, k, a + 16, b + 16), add8(u8, k, a + 24, b + 24));
	_mm256_storeu_si256((__m256i *)out, r);
}

ALWAYS_INLINE void vadd_t(int u8, const struct enpu_add_params *p, const uint8_t *a,
			  const uint8_t *b, uint8_t *out)
{
	struct add_k k = {
		.am = _mm256_set1_epi32(p->xa_mult),
		.bm = _mm256_set1_epi32(p->xb_mult),
		.bias = _mm256_set1_epi32(p->xbias),
		.zp = _mm256_set1_epi32(p->out_zp),
		.lo = _mm256_set1_epi32(p->act_min),
		.hi = _mm256_set1_epi32(p->act_max),
		.sh = _mm_cvtsi32_si128(p->xshift),
	};
	size_t n = p->count, i = 0;
	for (; i + 32 <= n; i += 32)
		add32(u8, &k, a + i, b + i, out + i);
	if (i < n) {
		/* The tail goes through the same vector code from zero-padded copies. */
		uint8_t ta[32] = { 0 }, tb[32] = { 0 }, to[32];
		memcpy(ta, a + i, n - i);
		memcpy(tb, b + i, n - i);
		add32(u8, &k, ta, tb, to);
		memcpy(out + i, to, n - i);
	}
}

static void enpu_qu8_vadd_minmax__avx2(const struct enpu_add_params *p, const uint8_t *a,
				       const uint8_t *b, uint8_t *out)
{
	if (add_vec_ok(p, 1))
		vadd_t(1, p, a, b, out);
	else
		enpu_kernels_scalar.add_qu8(p, a, b, out);
}

static void enpu_qs8_vadd_minmax__avx2(const struct enpu_add_params *p, const int8_t *a,
				       const int8_t *b, int8_t *out)
{
	if (add_vec_ok(p, 0))
		vadd_t(0, p, (const uint8_t *)a, (const uint8_t *)b, (uint8_t *)out);
	else
		enpu_kernels_scalar.add_qs8(p, a, b, out);
}

/* ------------------------------------------------------------ Pooling */

/*
 * Pooled values (a max, or a rounded mean) always lie in the 8-bit type's
 * range, so q_clamp plus the truncating cast is a fixed map from that range
 * to bytes, which this reproduces in the byte domain.  With lo <= hi
 * overlapping the range it is a clamp to the bounds cut to the range.
 * Otherwise (lo > hi, or bounds wholly outside the range) q_clamp reduces
 * to "v < lo ? lo : hi", truncated: a step, done with a compare and blend.
 */
struct fin8 {
	int step;
	__m256i lo, hi;		/* clamp */
	__m256i thr, l, h;	/* step */
};

static void fin8_init(struct fin8 *f, int u8, int32_t lo, int32_t hi)
{
	int32_t tmin = u8 ? 0 : -128, tmax = u8 ? 255 : 127;
	f->step = !(lo <= hi && lo <= tmax && hi >= tmin);
	if (!f->step) {
		f->lo = _mm256_set1_epi8((char)(lo > tmin ? lo : tmin));
		f->hi = _mm256_set1_epi8((char)(hi < tmax ? hi : tmax));
		return;
	}
	uint8_t lb = (uint8_t)lo, hb = (uint8_t)hi;
	/* A threshold at or past an end of the range makes the step constant. */
	if (lo <= tmin)
		lb = hb;
	if (lo > tmax)
		hb = lb;
	int32_t t = lo <= tmin ? tmin + 1 : lo > tmax ? tmax : lo;
	f->l = _mm256_set1_epi8((char)lb);
	f->h = _mm256_set1_epi8((char)hb);
	/* There is no unsigned byte compare: v < t is max(v, t - 1) == t - 1. */
	f->thr = _mm256_set1_epi8((char)(u8 ? t - 1 : t));
}

ALWAYS_INLINE __m256i fin8(int u8, const struct fin8 *f, __m256i v)
{
	if (!f->step)
		return u8 ? _mm256_min_epu8(_mm256_max_epu8(v, f->lo), f->hi) :
			    _mm256_min_epi8(_mm256_max_epi8(v, f->lo), f->hi);
	__m256i below = u8 ? _mm256_cmpeq_epi8(_mm256_max_epu8(v, f->thr), f->thr) :
			     _mm256_cmpgt_epi8(f->thr, v);
	return _mm256_blendv_epi8(f->h, f->l, below);
}

/*
 * A block is 32 channels: bytes 0-15 at offset o0, 16-31 at o1, n bytes
 * of each valid.  c >= 32 (WIDE): o1 = o0 + 16 and the last block is moved
 * back to end at c, overlapping the one before; 16 <= c < 32 (SPLIT): the
 * halves start at 0 and c - 16, also overlapping.  Channels are
 * independent, so overlapping lanes compute and store the same bytes
 * twice, and nothing is read or written outside the pixel.  c < 16
 * (SMALL): one half, loaded 16 bytes wide while that stays inside the
 * input tensor (the lanes past c belong to other pixels and are never
 * stored), else through a copy; only c bytes are stored, since the output
 * pixels around may belong to another caller's range.
 */
enum { BLK_WIDE, BLK_SPLIT, BLK_SMALL };

ALWAYS_INLINE __m128i ld16(int mode, const uint8_t *p, int n, const uint8_t *end)
{
	if (mode != BLK_SMALL || (size_t)(end - p) >= 16)
		return _mm_loadu_si128((const __m128i *)p);
	uint8_t t[16] = { 0 };
	memcpy(t, p, (size_t)n);
	return _mm_loadu_si128((const __m128i *)t);
}

ALWAYS_INLINE __m256i ld32(int mode, const uint8_t *p, int o0, int o1, int n,
			   const uint8_t *end)
{
	if (mode == BLK_WIDE)
		return _mm256_loadu_si256((const __m256i *)(p + o0));
	__m128i a = ld16(mode, p + o0, n, end);
	return _mm256_inserti128_si256(_mm256_castsi128_si256(a),
				       mode == BLK_SMALL ? a : ld16(mode, p + o1, n, end), 1);
}

ALWAYS_INLINE void st32(int mode, uint8_t *p, int o0, int o1, int n, __m256i v)
{
	if (mode == BLK_WIDE) {
		_mm256_storeu_si256((__m256i *)(p + o0), v);
	} else if (mode == BLK_SPLIT) {
		_mm_storeu_si128((__m128i *)(p + o0), _mm256_castsi256_si128(v));
		_mm_storeu_si128((__m128i *)(p + o1), _mm256_extracti128_si256(v, 1));
	} else {
		/* n bytes as two fixed-size copies that overlap, not a memcpy call. */
		uint8_t t[32];
		_mm256_storeu_si256((__m256i *)t, v);
		p += o0;
		if (n >= 8) {
			memcpy(p, t, 8);
			memcpy(p + n - 8, t + n - 8, 8);
		} else if (n >= 4) {
			memcpy(p, t, 4);
			memcpy(p + n - 4, t + n - 4, 4);
		} else if (n >= 2) {
			memcpy(p, t, 2);
			memcpy(p + n - 2, t + n - 2, 2);
		} else {
			p[0] = t[0];
		}
	}
}

ALWAYS_INLINE __m256i widen16(int u8, __m128i b)
{
	return u8 ? _mm256_cvtepu8_epi16(b) : _mm256_cvtepi8_epi16(b);
}

/*
 * Per-tap sums run in int16 (|sum| <= 128 * 255 < 2^15 for this many
 * taps) and are widened into int32 at most every AVG_FLUSH taps.
 */
#define AVG_FLUSH 128

ALWAYS_INLINE void flush16(__m256i *a0, __m256i *a1, __m256i *s0, __m256i *s1, __m256i *s2,
			   __m256i *s3)
{
	*s0 = _mm256_add_epi32(*s0, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(*a0)));
	*s1 = _mm256_add_epi32(*s1, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(*a0, 1)));
	*s2 = _mm256_add_epi32(*s2, _mm256_cvtepi16_epi32(_mm256_castsi256_si128(*a1)));
	*s3 = _mm256_add_epi32(*s3, _mm256_cvtepi16_epi32(_mm256_extracti128_si256(*a1, 1)));
	*a0 = *a1 = _mm256_setzero_si256();
}

struct avg_div {
	int small;			/* at most AVG_FLUSH taps: avg_q16 */
	__m256i half, cnt, cnt1;	/* int32 lanes */
	__m256 rcp;
	__m256i half16, cnt16, cnt116, m16;	/* int16 lanes */
};

/*
 * The scalar's (|s| + cnt/2) / cnt with the sign of s (C division
 * truncates, so this is rounding half away from zero).  t = |s| + cnt/2
 * and the quotient q <= 256 (a mean of 8-bit values); the float estimate
 * fl(fl(t) * fl(1/cnt)) has relative error below 3.1 * 2^-24, so it is
 * within 256 * 2^-22 < 1 of t/cnt and its truncation is q - 1, q or q + 1.
 * One exact integer step fixes that: the remainder r = t - q0 * cnt (in
 * [-cnt, 2 cnt), so the int32 wrap of vpmulld cancels) must be in
 * [0, cnt).  The entry check keeps t within int32 as the scalar needs.
 */
ALWAYS_INLINE __m256i avg_q(const struct avg_div *d, __m256i s)
{
	__m256i t = _mm256_add_epi32(_mm256_abs_epi32(s), d->half);
	__m256i q = _mm256_cvttps_epi32(_mm256_mul_ps(_mm256_cvtepi32_ps(t), d->rcp));
	__m256i r = _mm256_sub_epi32(t, _mm256_mullo_epi32(q, d->cnt));
	q = _mm256_add_epi32(q, _mm256_cmpgt_epi32(_mm256_setzero_si256(), r));
	q = _mm256_sub_epi32(q, _mm256_cmpgt_epi32(r, d->cnt1));
	/* vpsignd zeroes q for s == 0, where q is 0 anyway. */
	return _mm256_sign_epi32(q, s);
}

/*
 * avg_q for windows of at most AVG_FLUSH taps, on the int16 sums directly:
 * t = |s| + cnt/2 <= 128 * 255 + 64 < 2^15.  With m = floor(2^16 / cnt)
 * (65535 for cnt = 1), t * m / 2^16 undershoots t/cnt by
 * t * (2^16 - m * cnt) / (2^16 * cnt) < t / 2^16 < 1/2, so the high half
 * of the product is q or q - 1; q0 * cnt <= t keeps vpmullw exact, and a
 * remainder of cnt or more means q0 + 1.
 */
ALWAYS_INLINE __m256i avg_q16(const struct avg_div *d, __m256i s)
{
	__m256i t = _mm256_add_epi16(_mm256_abs_epi16(s), d->half16);
	__m256i q = _mm256_mulhi_epu16(t, d->m16);
	__m256i r = _mm256_sub_epi16(t, _mm256_mullo_epi16(q, d->cnt16));
	q = _mm256_sub_epi16(q, _mm256_cmpgt_epi16(r, d->cnt116));
	return _mm256_sign_epi16(q, s);
}

static void avg_div_init(struct avg_div *d, int cnt)
{
	d->small = cnt <= AVG_FLUSH;
	if (d->small) {
		d->half16 = _mm256_set1_epi16((int16_t)(cnt / 2));
		d->cnt16 = _mm256_set1_epi16((int16_t)cnt);
		d->cnt116 = _mm256_set1_epi16((int16_t)(cnt - 1));
		d->m16 = _mm256_set1_epi16((int16_t)(cnt == 1 ? 65535 : 65536 / cnt));
	} else {
		d->half = _mm256_set1_epi32(cnt / 2);
		d->cnt = _mm256_set1_epi32(cnt);
		d->cnt1 = _mm256_set1_epi32(cnt - 1);
		d->rcp = _mm256_set1_ps(1.0f / (float)cnt);
	}
}

/* One block's max over a rows x cols window starting at base. */
ALWAYS_INLINE __m256i max_blk(int u8, int mode, const uint8_t *base, int rows, int cols,
			      size_t rs, int c, int o0, int o1, int n, const uint8_t *end)
{
	/* The first tap twice costs less than a peeled loop. */
	__m256i m = ld32(mode, base, o0, o1, n, end);
	for (int y = 0; y < rows; y++, base += rs) {
		const uint8_t *q = base;
		for (int x = 0; x < cols; x++, q += c) {
			__m256i v = ld32(mode, q, o0, o1, n, end);
			m = u8 ? _mm256_max_epu8(m, v) : _mm256_max_epi8(m, v);
		}
	}
	return m;
}

/* One block's rounded mean over a rows x cols window starting at base. */
ALWAYS_INLINE __m256i avg_blk(int u8, int mode, const uint8_t *base, int rows, int cols,
			      size_t rs, int c, int o0, int o1, int n, const uint8_t *end,
			      const struct avg_div *d)
{
	__m256i a0 = _mm256_setzero_si256(), a1 = a0;
	if (d->small) {
		for (int y = 0; y < rows; y++, base += rs) {
			const uint8_t *q = base;
			for (int x = 0; x < cols; x++, q += c) {
				a0 = _mm256_add_epi16(a0, widen16(u8, ld16(mode, q + o0, n, end)));
				if (mode != BLK_SMALL)
					a1 = _mm256_add_epi16(a1, widen16(u8, ld16(mode, q + o1, n, end)));
			}
		}
		/* Means are inside the 8-bit type, so the saturating packs are exact. */
		__m256i q0 = avg_q16(d, a0), q1 = avg_q16(d, a1);
		__m256i v = u8 ? _mm256_packus_epi16(q0, q1) : _mm256_packs_epi16(q0, q1);
		return _mm256_permute4x64_epi64(v, 0xd8);
	}
	__m256i s0 = a0, s1 = a0, s2 = a0, s3 = a0;
	int k = 0;
	for (int y = 0; y < rows; y++, base += rs) {
		/* Runs of at most AVG_FLUSH taps keep the flush test out of the tap loop. */
		for (int xs = 0; xs < cols; xs += AVG_FLUSH) {
			int xe = cols - xs < AVG_FLUSH ? cols : xs + AVG_FLUSH;
			if (k + (xe - xs) > AVG_FLUSH) {
				flush16(&a0, &a1, &s0, &s1, &s2, &s3);
				k = 0;
			}
			k += xe - xs;
			const uint8_t *q = base + (size_t)xs * c;
			for (int x = xs; x < xe; x++, q += c) {
				a0 = _mm256_add_epi16(a0, widen16(u8, ld16(mode, q + o0, n, end)));
				if (mode != BLK_SMALL)
					a1 = _mm256_add_epi16(a1, widen16(u8, ld16(mode, q + o1, n, end)));
			}
		}
	}
	flush16(&a0, &a1, &s0, &s1, &s2, &s3);
	return trunc32(avg_q(d, s0), avg_q(d, s1), avg_q(d, s2), avg_q(d, s3));
}

ALWAYS_INLINE void pool_t(int u8, int is_max, int mode, const struct enpu_pool_params *p,
			  const uint8_t *in, uint8_t *out)
{
	struct fin8 f;
	fin8_init(&f, u8, p->act_min, p->act_max);
	/* What the scalar stores when no tap of the window is inside the input. */
	uint8_t empty = (uint8_t)q_clamp(0, p->act_min, p->act_max);
	int c = p->c;
	size_t rs = (size_t)p->iw * c;
	int nblk = mode == BLK_WIDE ? (c + 31) / 32 : 1;
	int n = mode == BLK_SMALL ? c : 16;
	const uint8_t *end = in + (size_t)p->n * p->ih * rs;
	for (int b = 0; b < p->n; b++)
	for (int oy = 0; oy < p->oh; oy++)
	for (int ox = 0; ox < p->ow; ox++) {
		uint8_t *o = out + (((size_t)b * p->oh + oy) * p->ow + ox) * c;
		int y0 = oy * p->sh - p->pad_t, x0 = ox * p->sw - p->pad_l;
		int ya = y0 > 0 ? y0 : 0, yb = y0 + p->fh < p->ih ? y0 + p->fh : p->ih;
		int xa = x0 > 0 ? x0 : 0, xb = x0 + p->fw < p->iw ? x0 + p->fw : p->iw;
		if (ya >= yb || xa >= xb) {
			memset(o, empty, (size_t)c);
			continue;
		}
		int rows = yb - ya, cols = xb - xa;
		const uint8_t *base = in + (((size_t)b * p->ih + ya) * p->iw + xa) * c;
		struct avg_div d;
		/* avg_vec_ok bounds the count, so the product cannot overflow. */
		if (!is_max)
			avg_div_init(&d, rows * cols);
		for (int j = 0; j < nblk; j++) {
			int o0 = mode == BLK_WIDE ? (j * 32 + 32 <= c ? j * 32 : c - 32) : 0;
			int o1 = mode == BLK_WIDE ? o0 + 16 : mode == BLK_SPLIT ? c - 16 : 0;
			__m256i r = is_max ?
				max_blk(u8, mode, base, rows, cols, rs, c, o0, o1, n, end) :
				avg_blk(u8, mode, base, rows, cols, rs, c, o0, o1, n, end, &d);
			st32(mode, o, o0, o1, n, fin8(u8, &f, r));
		}
	}
}

ALWAYS_INLINE void pool_any(int u8, int is_max, const struct enpu_pool_params *p,
			    const uint8_t *in, uint8_t *out)
{
	if (p->c >= 32)
		pool_t(u8, is_max, BLK_WIDE, p, in, out);
	else if (p->c >= 16)
		pool_t(u8, is_max, BLK_SPLIT, p, in, out);
	else if (p->c > 0)
		pool_t(u8, is_max, BLK_SMALL, p, in, out);
}

/*
 * The scalar sums a window in int32 and adds cnt/2: beyond 2^23 taps that
 * could overflow there (undefined), so such windows stay with it.
 */
static int avg_vec_ok(const struct enpu_pool_params *p)
{
	int64_t rows = p->fh < p->ih ? p->fh : p->ih, cols = p->fw < p->iw ? p->fw : p->iw;
	return rows * cols * 256 <= INT32_MAX;
}

static void enpu_qu8_maxpool__avx2(const struct enpu_pool_params *p, const uint8_t *in,
				   uint8_t *out)
{
	pool_any(1, 1, p, in, out);
}

static void enpu_qs8_maxpool__avx2(const struct enpu_pool_params *p, const int8_t *in,
				   int8_t *out)
{
	pool_any(0, 1, p, (const uint8_t *)in, (uint8_t *)out);
}

static void enpu_qu8_avgpool__avx2(const struct enpu_pool_params *p, const uint8_t *in,
				   uint8_t *out)
{
	if (avg_vec_ok(p))
		pool_any(1, 0, p, in, out);
	else
		enpu_kernels_scalar.avgpool_qu8(p, in, out);
}

static void enpu_qs8_avgpool__avx2(const struct enpu_pool_params *p, const int8_t *in,
				   int8_t *out)
{
	if (avg_vec_ok(p))
		pool_any(0, 0, p, (const uint8_t *)in, (uint8_t *)out);
	else
		enpu_kernels_scalar.avgpool_qs8(p, in, out);
}

const struct enpu_kernels enpu_kernels_avx2 = {
	.isa = "avx2",
	.add_qu8 = enpu_qu8_vadd_minmax__avx2,
	.add_qs8 = enpu_qs8_vadd_minmax__avx2,
	.avgpool_qu8 = enpu_qu8_avgpool__avx2,
	.avgpool_qs8 = enpu_qs8_avgpool__avx2,
	.maxpool_qu8 = enpu_qu8_maxpool__avx2,
	.maxpool_qs8 = enpu_qs8_maxpool__avx2,
	.conv_pack_size = pack_size,
	.conv_pack = pack,
	.conv_scratch = scratch,
	.conv_run = run,
};

#ifdef ENPU_POP_TARGET
#pragma clang attribute pop
#endif
