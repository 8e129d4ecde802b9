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

#define MR 6		/* output pixels per tile */
#define NB 8		/* channels per ymm */
#define PANEL 16	/* channels per weight panel (2 ymm) */
#define MAX_TAPS 64

#define ALWAYS_INLINE static inline __attribute__((always_inline))

struct gemm_hdr {
	int k, kp, n, np;	/* depth, depth rounded to 2, channels, rounded to 16 */
};

struct dw_hdr {
	int taps, c, cp;
};

static size_t rup(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

static void *align64(const void *p)
{
	return (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

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

/* One im2col row of x - xz as int16; padding taps and depth padding are 0. */
static void gather_row(const struct enpu_conv_params *p, int u8, const uint8_t *in, size_t m,
		       int16_t *dst, int kp)
{
	size_t hw = (size_t)p->oh * p->ow;
	int b = (int)(m / hw), oy = (int)(m % hw / p->ow), ox = (int)(m % p->ow);
	const __m256i zp = _mm256_set1_epi16((int16_t)p->in_zp);
	int16_t *d = dst;
	for (int ky = 0; ky < p->fh; ky++) {
		int iy = oy * p->sh - p->pad_t + ky * p->dh;
		for (int kx = 0; kx < p->fw; kx++, d += p->ic) {
			int ix = ox * p->sw - p->pad_l + kx * p->dw;
			if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw) {
				memset(d, 0, (size_t)p->ic * 2);
				continue;
			}
			const uint8_t *s = in + (((size_t)b * p->ih + iy) * p->iw + ix) * p->ic;
			int i = 0;
			for (; i + 16 <= p->ic; i += 16) {
				__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
				__m256i x16 = u8 ? _mm256_cvtepu8_epi16(x) : _mm256_cvtepi8_epi16(x);
				_mm256_storeu_si256((__m256i *)(d + i), _mm256_sub_epi16(x16, zp));
			}
			for (; i < p->ic; i++)
				d[i] = (int16_t)(ld8(u8, s, (size_t)i) - p->in_zp);
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

ALWAYS_INLINE void gemm_tile(int mr, int kp, const int16_t *const *a, const int16_t *w,
			     const int32_t *cn, const float *scale, __m256 lo, __m256 hi,
			     __m256i zp, int u8, uint8_t *const *out, int cnt, const float *scbuf)
{
	__m256i acc[MR][2];
	for (int r = 0; r < mr; r++) {
		acc[r][0] = _mm256_loadu_si256((const __m256i *)cn);
		acc[r][1] = _mm256_loadu_si256((const __m256i *)(cn + 8));
	}
	for (int g = 0; g < kp; g += 2) {
		__m256i w0 = _mm256_loadu_si256((const __m256i *)(w + (size_t)g * 16));
		__m256i w1 = _mm256_loadu_si256((const __m256i *)(w + (size_t)g * 16 + 16));
		for (int r = 0; r < mr; r++) {
			int32_t x;
			memcpy(&x, a[r] + g, 4);
			__m256i av = _mm256_set1_epi32(x);
			acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(av, w0));
			acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(av, w1));
		}
	}
	/* A partial panel reads its scales from a padded copy so no load runs past the array. */
	const float *sc = cnt >= PANEL ? scale : scbuf;
	for (int r = 0; r < mr; r++) {
		store_n(out[r], requant8(acc[r][0], sc, lo, hi, zp, u8), cnt);
		store_n(out[r] + 8, requant8(acc[r][1], sc + 8, lo, hi, zp, u8), cnt - 8);
	}
}

static void gemm_run(const struct enpu_conv_params *p, int u8, const void *packed,
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

static size_t dw_pack_size(const struct enpu_conv_params *p)
{
	size_t taps = (size_t)p->fh * p->fw, cp = rup((size_t)p->oc, NB);
	return 64 + 64 + cp * 4 * (taps + 2) + 64;
}

/* Layout: header, int32 constant [cp], float scales [cp], int32 (w - wz) [taps][cp]. */
static void dw_pack(const struct enpu_conv_params *p, int u8, const void *wv, void *packed)
{
	struct dw_hdr *h = align64(packed);
	int taps = p->fh * p->fw, c = p->oc, cp = (int)rup((size_t)c, NB);
	h->taps = taps;
	h->c = c;
	h->cp = cp;
	int32_t *cn = (int32_t *)((char *)h + 64);
	float *sc = (float *)(cn + cp);
	int32_t *w32 = (int32_t *)(sc + cp);
	memset(cn, 0, (size_t)cp * 4 * (taps + 2));
	for (int ch = 0; ch < c; ch++) {
		uint32_t sum = 0;
		for (int t = 0; t < taps; t++) {
			int32_t f = ld8(u8, wv, (size_t)t * c + ch) - p->w_zp;
			w32[(size_t)t * cp + ch] = f;
			sum += (uint32_t)f;
		}
		/* Padding taps point at zero points, so subtracting xz*sum(w) is exact. */
		cn[ch] = (int32_t)((p->bias ? (uint32_t)p->bias[ch] : 0) - (uint32_t)p->in_zp * sum);
		sc[ch] = p->rq.scale[ch];
	}
}

ALWAYS_INLINE __m256i widen8(int u8, const uint8_t *src, int cnt)
{
	__m128i b;
	if (cnt >= 8) {
		b = _mm_loadl_epi64((const __m128i *)src);
	} else {
		uint8_t t[16] = { 0 };
		memcpy(t, src, (size_t)cnt);
		b = _mm_loadl_epi64((const __m128i *)t);
	}
	return u8 ? _mm256_cvtepu8_epi32(b) : _mm256_cvtepi8_epi32(b);
}

ALWAYS_INLINE void dw_run_t(int u8, const struct enpu_conv_params *p, const void *packed,
			    const uint8_t *in, uint8_t *out, size_t m0, size_t m1, int n0, int n1,
			    const uint8_t *zrow)
{
	const struct dw_hdr *h = align64(packed);
	const int32_t *cn = (const int32_t *)((const char *)h + 64);
	const float *sc = (const float *)(cn + h->cp);
	const int32_t *w32 = (const int32_t *)(sc + h->cp);
	int c = h->c, taps = h->taps;
	const struct enpu_rq *rq = &p->rq;
	__m256 lo = _mm256_set1_ps((float)(rq->act_min - rq->out_zp));
	__m256 hi = _mm256_set1_ps((float)(rq->act_max - rq->out_zp));
	__m256i zp = _mm256_set1_epi32(rq->out_zp);
	const uint8_t *tp[MAX_TAPS];
	size_t hw = (size_t)p->oh * p->ow;
	for (size_t m = m0; m < m1; m++) {
		int b = (int)(m / hw), oy = (int)(m % hw / p->ow), ox = (int)(m % p->ow);
		int t = 0;
		for (int ky = 0; ky < p->fh; ky++) {
			int iy = oy * p->sh - p->pad_t + ky * p->dh;
			for (int kx = 0; kx < p->fw; kx++, t++) {
				int ix = ox * p->sw - p->pad_l + kx * p->dw;
				tp[t] = iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw ? zrow :
					in + (((size_t)b * p->ih + iy) * p->iw + ix) * c;
			}
		}
		uint8_t *o = out + m * c;
		for (int ch = n0; ch < n1; ch += NB) {
			int cnt = n1 - ch;
			__m256i acc0 = _mm256_loadu_si256((const __m256i *)(cn + ch));
			__m256i acc1 = _mm256_setzero_si256();
			int tt = 0;
			for (; tt + 2 <= taps; tt += 2) {
				acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(widen8(u8, tp[tt] + ch, cnt),
					_mm256_loadu_si256((const __m256i *)(w32 + (size_t)tt * h->cp + ch))));
				acc1 = _mm256_add_epi32(acc1, _mm256_mullo_epi32(widen8(u8, tp[tt + 1] + ch, cnt),
					_mm256_loadu_si256((const __m256i *)(w32 + (size_t)(tt + 1) * h->cp + ch))));
			}
			if (tt < taps)
				acc0 = _mm256_add_epi32(acc0, _mm256_mullo_epi32(widen8(u8, tp[tt] + ch, cnt),
					_mm256_loadu_si256((const __m256i *)(w32 + (size_t)tt * h->cp + ch))));
			store_n(o + ch, requant8(_mm256_add_epi32(acc0, acc1), sc + ch, lo, hi, zp, u8), cnt);
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
		if (u8)
			dw_run_t(1, p, packed, in, out, m0, m1, n0, n1, scr);
		else
			dw_run_t(0, p, packed, in, out, m0, m1, n0, n1, scr);
	} else {
		gemm_run(p, u8, packed, in, out, m0, m1, n0, n1, scr);
	}
}

const struct enpu_kernels enpu_kernels_avx2 = {
	.isa = "avx2",
	.conv_pack_size = pack_size,
	.conv_pack = pack,
	.conv_scratch = scratch,
	.conv_run = run,
};

#ifdef ENPU_POP_TARGET
#pragma clang attribute pop
#endif
