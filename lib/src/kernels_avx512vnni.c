// SPDX-License-Identifier: MIT
/*
 * AVX-512 VNNI kernels (built with KERNEL_FLAGS_avx512vnni, entered only
 * through cpu.c after the probe).
 *
 * GEMM (every CONV_2D, pointwise or not, and FULLY_CONNECTED): vpdpbusd
 * multiplies unsigned bytes by signed bytes, so both 8-bit flavours are
 * mapped onto u8 x s8 and the difference is folded into constants:
 *  - int8 (qc8):  a = x + 128 (x ^ 0x80), b = w:
 *      sum (x - xz) w = raw - (128 + xz) colsum(w)         (per channel)
 *  - uint8 (qu8): a = x, b = w - 128 (w ^ 0x80):
 *      sum (x - xz)(w - wz) = raw + (128 - wz) sum(x)       (per pixel)
 *                              - xz colsum(w) + K xz wz      (per channel)
 * All of it in wrapping int32, so the accumulator is the scalar kernel's to
 * the bit, and the fp32 requantization below does the scalar's float
 * operations in the scalar's order.  Padding taps read the input zero
 * point, which contributes exactly 0 to the true sum, so the identities
 * hold unchanged through padding.
 *
 * Depthwise: 16 channels per zmm in int32 (weights prewidened, the input
 * zero point folded into the bias), taps reached through pointers so
 * padding is a pointer to a row of zero points (XNNPACK's indirection).
 */
#if defined(__clang__) && !defined(__AVX512VNNI__)
/* The fuzz build compiles every source in one clang command without our per-file flags. */
#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)
#define ENPU_POP_TARGET 1
#endif

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"

#define MR 4		/* output pixels per tile */
#define NB 16		/* channels per zmm */
#define PANEL 64	/* channels per weight panel (4 zmm) */
#define MAX_TAPS 64	/* depthwise windows larger than this go scalar */

#define ALWAYS_INLINE static inline __attribute__((always_inline))

struct gemm_hdr {
	int k, kp, n, np;	/* depth, depth rounded to 4, channels, rounded to 16 */
	int32_t row_mult;	/* uint8: 128 - wz, int8: 0 */
	int direct;		/* input rows can be read in place */
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

static uint32_t u32(int32_t x)
{
	return (uint32_t)x;
}

/* ---------------------------------------------------------------- GEMM */

static size_t gemm_pack_size(const struct enpu_conv_params *p)
{
	size_t k = (size_t)p->fh * p->fw * p->ic, kp = rup(k, 4), np = rup((size_t)p->oc, NB);
	return 64 + rup(sizeof(struct gemm_hdr), 64) + np * 4 + np * kp + 64;
}

/*
 * Layout: header, int32 per-channel constant [np], then panels of up to 64
 * channels; a panel holds, for each group of 4 depths g, nv vectors of 16
 * channels x 4 bytes, so one k-step of the microkernel reads nv*64
 * consecutive bytes.
 */
static void gemm_pack(const struct enpu_conv_params *p, int u8, const void *wv, void *packed)
{
	struct gemm_hdr *h = align64(packed);
	int k = p->fh * p->fw * p->ic, kp = (int)rup((size_t)k, 4), n = p->oc;
	int np = (int)rup((size_t)n, NB);
	h->k = k;
	h->kp = kp;
	h->n = n;
	h->np = np;
	h->row_mult = u8 ? 128 - p->w_zp : 0;
	h->direct = u8 && p->fh == 1 && p->fw == 1 && p->pad_t == 0 && p->pad_l == 0 &&
		    p->ic % 4 == 0;
	int32_t *cn = (int32_t *)((char *)h + rup(sizeof(*h), 64));
	int8_t *wp = (int8_t *)(cn + np);
	const uint8_t *w = wv;
	memset(cn, 0, (size_t)np * 4);
	memset(wp, 0, (size_t)np * kp);
	for (int c = 0; c < n; c++) {
		uint32_t sum = 0;
		for (int i = 0; i < k; i++)
			sum += u8 ? (uint32_t)w[(size_t)c * k + i] :
				    u32((int8_t)w[(size_t)c * k + i]);
		uint32_t b = p->bias ? u32(p->bias[c]) : 0;
		if (u8)
			b = b - u32(p->in_zp) * sum + u32(k) * u32(p->in_zp) * u32(p->w_zp);
		else
			b = b - (128u + u32(p->in_zp)) * sum;
		cn[c] = (int32_t)b;
	}
	for (int c = 0; c < n; c++) {
		int panel = c / PANEL, nv = (np - panel * PANEL) / NB;
		nv = nv > 4 ? 4 : nv;
		int v = (c % PANEL) / NB, lane = c % NB;
		int8_t *pb = wp + (size_t)panel * PANEL * kp;
		for (int i = 0; i < k; i++) {
			uint8_t x = w[(size_t)c * k + i];
			pb[((size_t)(i / 4) * nv + v) * 64 + lane * 4 + i % 4] =
				(int8_t)(u8 ? x ^ 0x80 : x);
		}
	}
}

/* Sum of n bytes (vpsadbw against zero), for the uint8 per-pixel term. */
static uint32_t byte_sum(const uint8_t *a, int n)
{
	__m512i s = _mm512_setzero_si512(), z = _mm512_setzero_si512();
	int i = 0;
	for (; i + 64 <= n; i += 64)
		s = _mm512_add_epi64(s, _mm512_sad_epu8(_mm512_loadu_si512(a + i), z));
	if (i < n) {
		__mmask64 m = (1ull << (n - i)) - 1;
		s = _mm512_add_epi64(s, _mm512_sad_epu8(_mm512_maskz_loadu_epi8(m, a + i), z));
	}
	return (uint32_t)_mm512_reduce_add_epi64(s);
}

/*
 * One im2col row (output pixel m) into dst: taps outside the input read the
 * zero point; int8 is flipped to the unsigned domain; depth padding is 0
 * (its weights are 0 too).
 */
static void gather_row(const struct enpu_conv_params *p, int u8, const uint8_t *in, size_t m,
		       uint8_t *dst, int kp)
{
	size_t hw = (size_t)p->oh * p->ow;
	int b = (int)(m / hw), oy = (int)(m % hw / p->ow), ox = (int)(m % p->ow);
	uint8_t zp = (uint8_t)p->in_zp;
	uint8_t *d = dst;
	for (int ky = 0; ky < p->fh; ky++) {
		int iy = oy * p->sh - p->pad_t + ky * p->dh;
		for (int kx = 0; kx < p->fw; kx++, d += p->ic) {
			int ix = ox * p->sw - p->pad_l + kx * p->dw;
			if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw)
				memset(d, zp, (size_t)p->ic);
			else
				memcpy(d, in + (((size_t)b * p->ih + iy) * p->iw + ix) * p->ic,
				       (size_t)p->ic);
		}
	}
	int k = (int)(d - dst);
	if (!u8) {
		const __m512i flip = _mm512_set1_epi8((char)0x80);
		int i = 0;
		for (; i + 64 <= k; i += 64)
			_mm512_storeu_si512(dst + i,
					    _mm512_xor_si512(_mm512_loadu_si512(dst + i), flip));
		if (i < k) {
			__mmask64 mk = (1ull << (k - i)) - 1;
			_mm512_mask_storeu_epi8(dst + i, mk,
						_mm512_xor_si512(_mm512_maskz_loadu_epi8(mk, dst + i), flip));
		}
	}
	memset(dst + k, 0, (size_t)(kp - k));
}

/* The scalar requantization, 16 lanes at a time, storing `cnt` bytes. */
ALWAYS_INLINE void requant_store(__m512i acc, const float *scale, __m512 lo, __m512 hi,
				 __m512i zp, __mmask16 mask, void *dst)
{
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_maskz_loadu_ps(mask, scale));
	f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
	__m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(f), zp);
	/* Clamped into the 8-bit range already, so truncation is exact for both signs. */
	_mm512_mask_cvtepi32_storeu_epi8(dst, mask, v);
}

/*
 * mr x (nv*16) tile.  mr and nv are compile-time constants at every call
 * site, so the accumulator array lives in registers.
 */
ALWAYS_INLINE void gemm_tile(int mr, int nv, int kp, const uint8_t *const *a,
			     const int8_t *w, const int32_t *cn, const int32_t *rowterm,
			     const float *scale, __m512 lo, __m512 hi, __m512i zp,
			     uint8_t *const *out, int ncount)
{
	__m512i acc[MR][4];
	for (int r = 0; r < mr; r++)
		for (int v = 0; v < nv; v++)
			acc[r][v] = _mm512_setzero_si512();
	for (int g = 0; g < kp; g += 4) {
		__m512i wv[4];
		for (int v = 0; v < nv; v++)
			wv[v] = _mm512_loadu_si512(w + (size_t)(g / 4 * nv + v) * 64);
		for (int r = 0; r < mr; r++) {
			int32_t x;
			memcpy(&x, a[r] + g, 4);
			__m512i av = _mm512_set1_epi32(x);
			for (int v = 0; v < nv; v++)
				acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], av, wv[v]);
		}
	}
	for (int r = 0; r < mr; r++) {
		__m512i rt = _mm512_set1_epi32(rowterm[r]);
		for (int v = 0; v < nv; v++) {
			int left = ncount - v * NB;
			__mmask16 mk = left >= NB ? 0xffff : (__mmask16)((1u << (left > 0 ? left : 0)) - 1);
			__m512i t = _mm512_add_epi32(acc[r][v], _mm512_add_epi32(rt,
					_mm512_loadu_si512(cn + v * NB)));
			requant_store(t, scale + v * NB, lo, hi, zp, mk, out[r] + v * NB);
		}
	}
}

#define TILE_CASE(MRV)								\
	switch (nv) {								\
	case 1: gemm_tile(MRV, 1, kp, a, w, cn, rt, sc, lo, hi, zp, o, cnt); break; \
	case 2: gemm_tile(MRV, 2, kp, a, w, cn, rt, sc, lo, hi, zp, o, cnt); break; \
	case 3: gemm_tile(MRV, 3, kp, a, w, cn, rt, sc, lo, hi, zp, o, cnt); break; \
	default: gemm_tile(MRV, 4, kp, a, w, cn, rt, sc, lo, hi, zp, o, cnt); break; \
	}

static void gemm_run(const struct enpu_conv_params *p, int u8, const void *packed,
		     const void *inv, void *outv, size_t m0, size_t m1, int n0, int n1,
		     void *scratch)
{
	const struct gemm_hdr *h = align64(packed);
	const int32_t *cnall = (const int32_t *)((const char *)h + rup(sizeof(*h), 64));
	const int8_t *wall = (const int8_t *)(cnall + h->np);
	const uint8_t *in = inv;
	uint8_t *out = outv;
	int kp = h->kp, n = h->n;
	const struct enpu_rq *rq = &p->rq;
	__m512 lo = _mm512_set1_ps((float)(rq->act_min - rq->out_zp));
	__m512 hi = _mm512_set1_ps((float)(rq->act_max - rq->out_zp));
	__m512i zp = _mm512_set1_epi32(rq->out_zp);
	uint8_t *rows = scratch;
	int direct = h->direct && p->sh == 1 && p->sw == 1;
	int direct_strided = h->direct && !direct;

	for (size_t m = m0; m < m1; m += MR) {
		int mr = m1 - m < MR ? (int)(m1 - m) : MR;
		const uint8_t *a[MR];
		uint8_t *orow[MR];
		int32_t rt[MR];
		for (int r = 0; r < mr; r++) {
			size_t mm = m + r;
			if (direct) {
				a[r] = in + mm * p->ic;
			} else if (direct_strided) {
				size_t hw = (size_t)p->oh * p->ow;
				size_t b = mm / hw, oy = mm % hw / p->ow, ox = mm % p->ow;
				a[r] = in + ((b * p->ih + oy * p->sh) * p->iw + ox * p->sw) * p->ic;
			} else {
				gather_row(p, u8, in, mm, rows + (size_t)r * kp, kp);
				a[r] = rows + (size_t)r * kp;
			}
			orow[r] = out + mm * n;
			rt[r] = h->row_mult ? (int32_t)(u32(h->row_mult) * byte_sum(a[r], h->k)) : 0;
		}
		for (int c = n0; c < n1; c += PANEL) {
			int panel = c / PANEL;
			int nvp = (h->np - panel * PANEL) / NB;
			nvp = nvp > 4 ? 4 : nvp;
			/*
			 * n0 is a multiple of 64 and n1 is n or a multiple of 64, so the
			 * range covers whole panels; lanes past n are masked off.
			 */
			int cnt = n1 - c < PANEL ? n1 - c : PANEL;
			int nv = nvp;
			const int8_t *w = wall + (size_t)panel * PANEL * kp;
			const int32_t *cn = cnall + c;
			const float *sc = rq->scale + c;
			uint8_t *o[MR];
			for (int r = 0; r < mr; r++)
				o[r] = orow[r] + c;
			switch (mr) {
			case 1: TILE_CASE(1) break;
			case 2: TILE_CASE(2) break;
			case 3: TILE_CASE(3) break;
			default: TILE_CASE(4) break;
			}
		}
	}
}

/* ----------------------------------------------------------- Depthwise */

static size_t dw_pack_size(const struct enpu_conv_params *p)
{
	size_t taps = (size_t)p->fh * p->fw, cp = rup((size_t)p->oc, NB);
	return 64 + 64 + cp * 4 * (taps + 1) + 64;
}

/* Layout: header, int32 constant [cp], then int32 weights (w - wz) [taps][cp]. */
static void dw_pack(const struct enpu_conv_params *p, int u8, const void *wv, void *packed)
{
	struct dw_hdr *h = align64(packed);
	int taps = p->fh * p->fw, c = p->oc, cp = (int)rup((size_t)c, NB);
	h->taps = taps;
	h->c = c;
	h->cp = cp;
	int32_t *cn = (int32_t *)((char *)h + 64);
	int32_t *w32 = cn + cp;
	memset(cn, 0, (size_t)cp * 4 * (taps + 1));
	for (int ch = 0; ch < c; ch++) {
		uint32_t sum = 0;
		for (int t = 0; t < taps; t++) {
			int32_t f = u8 ? ((const uint8_t *)wv)[(size_t)t * c + ch] - p->w_zp :
					 ((const int8_t *)wv)[(size_t)t * c + ch];
			w32[(size_t)t * cp + ch] = f;
			sum += u32(f);
		}
		cn[ch] = (int32_t)((p->bias ? u32(p->bias[ch]) : 0) - u32(p->in_zp) * sum);
	}
}

ALWAYS_INLINE __m512i widen16(int u8, __mmask16 mk, const void *src)
{
	__m128i b = _mm_maskz_loadu_epi8(mk, src);
	return u8 ? _mm512_cvtepu8_epi32(b) : _mm512_cvtepi8_epi32(b);
}

ALWAYS_INLINE void dw_run_t(int u8, const struct enpu_conv_params *p, const void *packed,
			    const uint8_t *in, uint8_t *out, size_t m0, size_t m1, int n0, int n1,
			    uint8_t *zrow)
{
	const struct dw_hdr *h = align64(packed);
	const int32_t *cn = (const int32_t *)((const char *)h + 64);
	const int32_t *w32 = cn + h->cp;
	int c = h->c, taps = h->taps;
	const struct enpu_rq *rq = &p->rq;
	__m512 lo = _mm512_set1_ps((float)(rq->act_min - rq->out_zp));
	__m512 hi = _mm512_set1_ps((float)(rq->act_max - rq->out_zp));
	__m512i zp = _mm512_set1_epi32(rq->out_zp);
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
			int left = n1 - ch;
			__mmask16 mk = left >= NB ? 0xffff : (__mmask16)((1u << left) - 1);
			__m512i acc0 = _mm512_loadu_si512(cn + ch), acc1 = _mm512_setzero_si512();
			int tt = 0;
			/* Two chains hide the multiply latency. */
			for (; tt + 2 <= taps; tt += 2) {
				acc0 = _mm512_add_epi32(acc0, _mm512_mullo_epi32(widen16(u8, mk, tp[tt] + ch),
						_mm512_loadu_si512(w32 + (size_t)tt * h->cp + ch)));
				acc1 = _mm512_add_epi32(acc1, _mm512_mullo_epi32(widen16(u8, mk, tp[tt + 1] + ch),
						_mm512_loadu_si512(w32 + (size_t)(tt + 1) * h->cp + ch)));
			}
			if (tt < taps)
				acc0 = _mm512_add_epi32(acc0, _mm512_mullo_epi32(widen16(u8, mk, tp[tt] + ch),
						_mm512_loadu_si512(w32 + (size_t)tt * h->cp + ch)));
			requant_store(_mm512_add_epi32(acc0, acc1), rq->scale + ch, lo, hi, zp, mk, o + ch);
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
	return MR * rup((size_t)p->fh * p->fw * p->ic, 4) + 64;
}

static void run(const struct enpu_conv_params *p, int u8, int dw, const void *packed,
		const void *in, void *out, size_t m0, size_t m1, int n0, int n1, void *scr)
{
	if (dw) {
		/* The padding row: every channel at the input zero point. */
		memset(scr, (uint8_t)p->in_zp, (size_t)p->oc);
		if (u8)
			dw_run_t(1, p, packed, in, out, m0, m1, n0, n1, scr);
		else
			dw_run_t(0, p, packed, in, out, m0, m1, n0, n1, scr);
	} else {
		gemm_run(p, u8, packed, in, out, m0, m1, n0, n1, scr);
	}
}

const struct enpu_kernels enpu_kernels_avx512vnni = {
	.isa = "avx512vnni",
	.conv_pack_size = pack_size,
	.conv_pack = pack,
	.conv_scratch = scratch,
	.conv_run = run,
};

#ifdef ENPU_POP_TARGET
#pragma clang attribute pop
#endif
