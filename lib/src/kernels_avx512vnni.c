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
 * Tiles: 12x16c4, 6x32c4, 5x48c4 and 4x64c4 (rows x channels, 4 depths
 * per vpdpbusd), the height picked by the panel width so narrow layers
 * still have ~16 independent chains.  Rows go in blocks of up to 48: the
 * uint8 row sums of a block are computed together, then each panel runs
 * over the whole block (whole tiles in a loop, or the shallow kernel for
 * 16-32 deep panels of 64 channels).
 *
 * Depthwise: 32 channels per step as int16, taps paired through vpdpwssd
 * (see its section), taps reached through pointers so padding is a pointer
 * to a row of zero points (XNNPACK's indirection).
 *
 * ADD and pooling: 16 lanes of int32, in the scalar kernels' exact order.
 */
#if defined(__clang__) && !defined(__AVX512VNNI__)
/* The fuzz build compiles every source in one clang command without our per-file flags. */
#pragma clang attribute push(__attribute__((target("avx2,fma,avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)
#define ENPU_POP_TARGET 1
#endif

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "kernels_util.h"

#define MR_MAX 12	/* output pixels per tile, at most */
#define NB 16		/* channels per zmm */
#define PANEL 64	/* channels per weight panel (4 zmm) */
#define MAX_TAPS DW_MAX_TAPS	/* depthwise windows larger than this go scalar */

#define ALWAYS_INLINE static inline __attribute__((always_inline))

struct gemm_hdr {
	int k, kp, n, np;	/* depth, depth rounded to 4, channels, rounded to 16 */
	int32_t row_mult;	/* uint8: 128 - wz, int8: 0 */
	int direct;		/* input rows can be read in place */
	int wide_scale;		/* some |scale| >= 0.5: acc * scale may leave int32 */
	int pair24;		/* the last panel is 24 channels: paired-row tile */
};

/* ---------------------------------------------------------------- GEMM */

static size_t gemm_pack_size(const struct enpu_conv_params *p)
{
	size_t k = (size_t)p->fh * p->fw * p->ic, kp = rup(k, 4), np = rup((size_t)p->oc, NB);
	return 64 + rup(sizeof(struct gemm_hdr), 64) + np * 8 + np * kp + 64;
}

/*
 * Layout: header, int32 per-channel constant [np], fp32 scale [np] (0
 * past n), then panels of up to 64
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
	/*
	 * |acc| <= 2^31, so below 0.5 the product stays inside int32 and
	 * cvtps2dq never meets its out-of-range value; the saturating packs
	 * and the byte clamps then do the whole clamp.
	 */
	h->wide_scale = 0;
	for (int c = 0; c < p->oc; c++)
		if (!(fabsf(p->rq.scale[c]) < 0.5f))
			h->wide_scale = 1;
	h->direct = u8 && p->fh == 1 && p->fw == 1 && p->pad_t == 0 && p->pad_l == 0 &&
		    p->ic % 4 == 0;
	int32_t *cn = (int32_t *)((char *)h + rup(sizeof(*h), 64));
	float *sc = (float *)(cn + np);
	int8_t *wp = (int8_t *)(sc + np);
	const uint8_t *w = wv;
	memset(cn, 0, (size_t)np * 4);
	memset(sc, 0, (size_t)np * 4);
	memcpy(sc, p->rq.scale, (size_t)n * 4);
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
	/*
	 * A last panel of 24 channels (16k + 8 in general: 24 here) fills its
	 * second vector only half.  Its unused lanes 8-15 get a copy of lanes
	 * 0-7 (weights, constants, scales): the paired-row tile then computes
	 * channels 16-23 of two rows in one vector.  The plain tile may still
	 * run this panel; it never stores those lanes.
	 */
	h->pair24 = n % PANEL == 24;
	if (h->pair24) {
		int last = n - 8;	/* channel 16 of the last panel */
		int8_t *pb = wp + (size_t)(n / PANEL) * PANEL * kp;
		for (int g = 0; g < kp / 4; g++)
			memcpy(pb + ((size_t)g * 2 + 1) * 64 + 32, pb + ((size_t)g * 2 + 1) * 64, 32);
		memcpy(cn + last + 8, cn + last, 8 * 4);
		memcpy(sc + last + 8, sc + last, 8 * 4);
	}
}

/* Sum of n bytes (vpsadbw against zero), for the uint8 per-pixel term. */
static uint32_t byte_sum_long(const uint8_t *a, int n)
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
 * Sum of n bytes (vpsadbw against zero), for the uint8 per-pixel term.
 * Pointwise layers with 16 or 32 input channels need it once per output
 * pixel for a handful of vpdpbusd, so the short rows take a 128- or 256-bit
 * path with a two- or three-step reduction instead of the zmm one.
 */
ALWAYS_INLINE uint32_t byte_sum(const uint8_t *a, int n)
{
	if (n <= 16) {
		__m128i v = n == 16 ? _mm_loadu_si128((const __m128i *)a) :
				      _mm_maskz_loadu_epi8((__mmask16)((1u << n) - 1), a);
		__m128i s = _mm_sad_epu8(v, _mm_setzero_si128());
		return (uint32_t)_mm_cvtsi128_si32(_mm_add_epi64(s, _mm_unpackhi_epi64(s, s)));
	}
	if (n <= 32) {
		__m256i v = n == 32 ? _mm256_loadu_si256((const __m256i *)a) :
				      _mm256_maskz_loadu_epi8((__mmask32)((1ull << n) - 1), a);
		__m256i s = _mm256_sad_epu8(v, _mm256_setzero_si256());
		__m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
		return (uint32_t)_mm_cvtsi128_si32(_mm_add_epi64(t, _mm_unpackhi_epi64(t, t)));
	}
	return byte_sum_long(a, n);
}

/*
 * The uint8 per-pixel terms mult * sum(row) of count contiguous rows of k
 * bytes, 8 rows at a time: vpsadbw sums 8-byte pieces into qwords, and the
 * pieces of 8 rows are regrouped and added in registers (at depths 16, 24
 * and 32 several rows share a vector), instead of one reduction and one
 * trip through a general register per row.  In layers of 24-32 output
 * channels that per-row reduction cost 10-20% of the layer.
 */
static void row_terms(const uint8_t *x, int k, int count, int32_t mult, int32_t *dst)
{
	const __m512i z = _mm512_setzero_si512();
	int r = 0;
	if (mult == 0) {
		memset(dst, 0, (size_t)count * 4);
		return;
	}
	if (k == 16 || k == 24 || k == 32) {
		int pc = k / 8;		/* qwords per row */
		/* Qword j of the group's sums holds piece j of row j / pc. */
		const __m512i i0 = _mm512_set_epi64(7 * pc, 6 * pc, 5 * pc, 4 * pc,
						    3 * pc, 2 * pc, pc, 0);
		const __m512i one = _mm512_set1_epi64(1), vm = _mm512_set1_epi32(mult);
		for (; r + 8 <= count; r += 8) {
			const uint8_t *g = x + (size_t)r * k;
			__m512i q0 = _mm512_sad_epu8(_mm512_loadu_si512(g), z);
			__m512i q1 = _mm512_sad_epu8(_mm512_loadu_si512(g + 64), z);
			__m512i q2 = pc > 2 ? _mm512_sad_epu8(_mm512_loadu_si512(g + 128), z) : z;
			__m512i q3 = pc > 3 ? _mm512_sad_epu8(_mm512_loadu_si512(g + 192), z) : z;
			__m512i sum = z, idx = i0;
			for (int j = 0; j < pc; j++, idx = _mm512_add_epi64(idx, one)) {
				/* Index bit 4 picks the second pair of vectors. */
				__m512i lo = _mm512_permutex2var_epi64(q0, idx, q1);
				__m512i hi = _mm512_permutex2var_epi64(q2, idx, q3);
				__mmask8 upper = _mm512_cmpge_epu64_mask(idx, _mm512_set1_epi64(16));
				sum = _mm512_add_epi64(sum, _mm512_mask_mov_epi64(lo, upper, hi));
			}
			__m256i s32 = _mm512_cvtepi64_epi32(sum);
			_mm256_storeu_si256((__m256i *)(dst + r),
					    _mm256_mullo_epi32(s32, _mm512_castsi512_si256(vm)));
		}
	}
	if (k > 32) {
		/*
		 * One vector of 8 qword partial sums per row, then the 8 vectors
		 * are added together pairwise in a tree whose last step leaves row
		 * i's total in qword i.
		 */
		__mmask64 tail = k % 64 ? (1ull << (k % 64)) - 1 : 0;
		const __m512i vm = _mm512_set1_epi32(mult);
		for (; r + 8 <= count; r += 8) {
			__m512i s[8];
			for (int i = 0; i < 8; i++) {
				const uint8_t *row = x + (size_t)(r + i) * k;
				__m512i acc = z;
				int j = 0;
				for (; j + 64 <= k; j += 64)
					acc = _mm512_add_epi64(acc, _mm512_sad_epu8(
							_mm512_loadu_si512(row + j), z));
				if (tail)
					acc = _mm512_add_epi64(acc, _mm512_sad_epu8(
							_mm512_maskz_loadu_epi8(tail, row + j), z));
				s[i] = acc;
			}
			/* Per 128-bit lane: (row 2i, row 2i + 1). */
			__m512i a0 = _mm512_add_epi64(_mm512_unpacklo_epi64(s[0], s[1]),
						      _mm512_unpackhi_epi64(s[0], s[1]));
			__m512i a1 = _mm512_add_epi64(_mm512_unpacklo_epi64(s[2], s[3]),
						      _mm512_unpackhi_epi64(s[2], s[3]));
			__m512i a2 = _mm512_add_epi64(_mm512_unpacklo_epi64(s[4], s[5]),
						      _mm512_unpackhi_epi64(s[4], s[5]));
			__m512i a3 = _mm512_add_epi64(_mm512_unpacklo_epi64(s[6], s[7]),
						      _mm512_unpackhi_epi64(s[6], s[7]));
			/* Lanes: a0's 0+1, a0's 2+3, a1's 0+1, a1's 2+3 (and a2/a3). */
			__m512i b0 = _mm512_add_epi64(_mm512_shuffle_i64x2(a0, a1, 0x88),
						      _mm512_shuffle_i64x2(a0, a1, 0xdd));
			__m512i b1 = _mm512_add_epi64(_mm512_shuffle_i64x2(a2, a3, 0x88),
						      _mm512_shuffle_i64x2(a2, a3, 0xdd));
			__m512i sum = _mm512_add_epi64(_mm512_shuffle_i64x2(b0, b1, 0x88),
						       _mm512_shuffle_i64x2(b0, b1, 0xdd));
			_mm256_storeu_si256((__m256i *)(dst + r),
					    _mm256_mullo_epi32(_mm512_cvtepi64_epi32(sum),
							       _mm512_castsi512_si256(vm)));
		}
	}
	for (; r < count; r++)
		dst[r] = (int32_t)(u32(mult) * byte_sum(x + (size_t)r * k, k));
}

/*
 * Bytes between gathered rows: short rows are padded to a multiple of 8
 * so that row_terms() can sum them in groups (the padding is 0).
 */
static int gather_stride(int kp)
{
	return kp <= 32 ? (int)rup((size_t)kp, 8) : kp;
}

/*
 * One im2col row (output pixel m) into dst: taps outside the input read the
 * zero point; int8 is flipped to the unsigned domain; the bytes from the
 * depth k up to stride are 0 (the padded depth's weights are 0 too).
 */
static void gather_row(const struct enpu_conv_params *p, int u8, const uint8_t *in, int b,
		       int oy, int ox, uint8_t *dst, int stride)
{
	/* With dilation 1 a window row is fw*ic contiguous input bytes. */
	int span = p->fw * p->ic;
	int ix0 = ox * p->sw - p->pad_l, iy0 = oy * p->sh - p->pad_t;
	int row_inside = p->dw == 1 && ix0 >= 0 && ix0 + p->fw <= p->iw && span <= 64;
	__mmask64 span_mask = span >= 64 ? ~0ull : (1ull << span) - 1;

	/*
	 * A whole window inside the input and at most 64 bytes (the first
	 * layer's 3x3x3): assembled in a register by masked loads that each
	 * land at their row's offset, then written with one full store.  The
	 * tile loads 4-byte pieces of it right away, and a load that overlaps
	 * masked or narrower stores cannot be forwarded from them: it waits
	 * for them to retire.  Bytes from k on stay 0 for uint8's row sum;
	 * the store's overrun belongs to the next rows (written after) or the
	 * scratch slack.
	 */
	if (row_inside && p->fh * span <= 64 && p->dh == 1 && iy0 >= 0 && iy0 + p->fh <= p->ih) {
		__m512i row = _mm512_setzero_si512();
		const uint8_t *src = in + (((size_t)b * p->ih + iy0) * p->iw + ix0) * p->ic;
		for (int ky = 0; ky < p->fh; ky++, src += (size_t)p->iw * p->ic) {
			/* Lane j reads base + j; only lanes [ky*span, (ky+1)*span) load. */
			const void *base = (const void *)((uintptr_t)src - (uintptr_t)(ky * span));
			row = _mm512_mask_loadu_epi8(row, span_mask << (ky * span), base);
		}
		/* int8 has no row sum, and the padded depth meets zero weights. */
		if (!u8)
			row = _mm512_xor_si512(row, _mm512_set1_epi8((char)0x80));
		_mm512_storeu_si512(dst, row);
		return;
	}
	int k = im2col_window(p, in, b, oy, ox, dst);
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
	memset(dst + k, 0, (size_t)(stride - k));
}

/*
 * mr x (nv*16) tile.  mr and nv are compile-time constants at every call
 * site.  The accumulators are named variables, not an array: gcc scalarizes
 * arrays before it unrolls loops, so an acc[r][v] array stays in memory and
 * costs a store after every vpdpbusd.  Rows and vectors beyond mr/nv are
 * dead code and vanish.
 */
#define ACC_DECL(r)							\
	rv##r = (r) < mr ? _mm512_set1_epi32(rowterm[r]) : c0,		\
	acc##r##_0 = _mm512_add_epi32(c0, rv##r),			\
	acc##r##_1 = nv > 1 ? _mm512_add_epi32(c1, rv##r) : c0,		\
	acc##r##_2 = nv > 2 ? _mm512_add_epi32(c2, rv##r) : c0,		\
	acc##r##_3 = nv > 3 ? _mm512_add_epi32(c3, rv##r) : c0
#define ROW_STEP(r) do {							\
	if ((r) < mr) {								\
		int32_t x;							\
		memcpy(&x, a[r] + g, 4);					\
		__m512i av = _mm512_set1_epi32(x);				\
		DPBUSD(acc##r##_0, av, w0);		\
		if (nv > 1)							\
			DPBUSD(acc##r##_1, av, w1);	\
		if (nv > 2)							\
			DPBUSD(acc##r##_2, av, w2);	\
		if (nv > 3)							\
			DPBUSD(acc##r##_3, av, w3);	\
	}									\
} while (0)

/*
 * vpdpbusd through asm: with the intrinsic, gcc 12 computes into a copy of
 * the accumulator and spills it to the stack on every k step (it keeps
 * the tied operand's old value alive); the "+v" constraint states the
 * in-place update exactly.  Same instruction, same bits.
 */
#define DPBUSD(acc, a, b) __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b))

/*
 * The epilogue (activation bounds are ordered and inside the 8-bit range,
 * kernels.h's contract): zero point, saturating packs and both clamps on 64
 * bytes at once; the upper clamp is also done in float only for layers
 * with a scale >= 0.5, where acc * scale could reach cvtps2dq's
 * out-of-range value.  round(max(f, lo)) == max(round(f), lo) for an
 * integer lo, so this is the scalar rule's value; the packs interleave
 * 128-bit lanes, which one dword permute undoes.
 */
struct pack_epi {
	__m512 hi;
	__m512i zp16, bmin, bmax, perm;
	int clamp_hi;		/* the float upper clamp is needed against overflow */
	int pair24;		/* 24-channel panels take the paired-row tile */
};

static __mmask16 lane_mask(int left)
{
	return left >= NB ? 0xffff : (__mmask16)((1u << (left > 0 ? left : 0)) - 1);
}

/*
 * The scales are read masked to the channels in use although the packed
 * copy is padded to 16: on Zen 4 the plain tiles measured 1-5% slower with
 * an unmasked load here (same code otherwise; the reason was not found).
 * The paired tile needs every lane and reads whole vectors.
 */
ALWAYS_INLINE __m512i quant_hi(__m512i acc, const float *scale, __mmask16 mk,
			       const struct pack_epi *e)
{
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), _mm512_maskz_loadu_ps(mk, scale));
	if (e->clamp_hi)
		f = _mm512_min_ps(f, e->hi);
	return _mm512_cvtps_epi32(f);
}

/* Four vectors of 16 quantized channels to 64 bytes, q0's first. */
ALWAYS_INLINE __m512i pack4(int u8, int nv, __m512i q0, __m512i q1, __m512i q2, __m512i q3,
			    const struct pack_epi *e)
{
	__m512i w01 = _mm512_adds_epi16(_mm512_packs_epi32(q0, q1), e->zp16);
	/* Up to 32 channels: the upper half is never stored, skip computing it. */
	__m512i w23 = nv > 2 ? _mm512_adds_epi16(_mm512_packs_epi32(q2, q3), e->zp16) : w01;
	__m512i b;
	if (u8) {
		b = _mm512_packus_epi16(w01, w23);
		b = _mm512_min_epu8(_mm512_max_epu8(b, e->bmin), e->bmax);
	} else {
		b = _mm512_packs_epi16(w01, w23);
		b = _mm512_min_epi8(_mm512_max_epi8(b, e->bmin), e->bmax);
	}
	return _mm512_permutexvar_epi32(e->perm, b);
}

ALWAYS_INLINE void pack_store(int u8, int nv, __m512i q0, __m512i q1, __m512i q2, __m512i q3,
			      const struct pack_epi *e, __mmask64 mk, uint8_t *dst)
{
	_mm512_mask_storeu_epi8(dst, mk, pack4(u8, nv, q0, q1, q2, q3, e));
}

/*
 * Narrow panels pack several rows at once: the pack, clamp and permute
 * sequence costs the same for one 16-channel vector as for four, and in
 * layers of 16-32 output channels it is a third of the tile's work.  Four
 * rows of a 16-channel panel (or two of a 32-channel one) share one
 * sequence; whole-row panels store them with one 64-byte store, others
 * row by row.
 */
ALWAYS_INLINE void store_rows(__m512i b, int rows, int width, int ncount,
			      uint8_t *const *out, int col)
{
	if (ncount == width && out[rows - 1] == out[0] + (rows - 1) * width) {
		_mm512_storeu_si512(out[0] + col, b);
	} else if (width == 16) {
		__mmask16 m = (__mmask16)((1u << ncount) - 1);
		_mm_mask_storeu_epi8(out[0] + col, m, _mm512_castsi512_si128(b));
		_mm_mask_storeu_epi8(out[1] + col, m, _mm512_extracti32x4_epi32(b, 1));
		_mm_mask_storeu_epi8(out[2] + col, m, _mm512_extracti32x4_epi32(b, 2));
		_mm_mask_storeu_epi8(out[3] + col, m, _mm512_extracti32x4_epi32(b, 3));
	} else {
		__mmask32 m = (__mmask32)((1ull << ncount) - 1);
		_mm256_mask_storeu_epi8(out[0] + col, m, _mm512_castsi512_si256(b));
		_mm256_mask_storeu_epi8(out[1] + col, m, _mm512_extracti64x4_epi64(b, 1));
	}
}

#define VEC_Q(r, v) quant_hi(acc##r##_##v, scale + (v) * NB, lane_mask(ncount - (v) * NB), e)
#define ROW_PACK(r) do {							\
	if ((r) < mr) {								\
		__m512i q0 = VEC_Q(r, 0), q1 = q0, q2 = q0, q3 = q0;		\
		if (nv > 1)							\
			q1 = VEC_Q(r, 1);					\
		if (nv > 2)							\
			q2 = VEC_Q(r, 2);					\
		if (nv > 3)							\
			q3 = VEC_Q(r, 3);					\
		pack_store(u8, nv, q0, q1, q2, q3, e, bytes, out[r] + col);	\
	}									\
} while (0)

#define QUAD_PACK(r0, r1, r2, r3) do {					\
	if ((r3) < mr) {							\
		store_rows(pack4(u8, 4, VEC_Q(r0, 0), VEC_Q(r1, 0), VEC_Q(r2, 0),	\
				 VEC_Q(r3, 0), e), 4, 16, ncount, out + (r0), col);	\
	} else {								\
		ROW_PACK(r0);							\
		ROW_PACK(r1);							\
		ROW_PACK(r2);							\
	}									\
} while (0)
#define DUO_PACK(r0, r1) do {							\
	if ((r1) < mr) {							\
		store_rows(pack4(u8, 4, VEC_Q(r0, 0), VEC_Q(r0, 1), VEC_Q(r1, 0),	\
				 VEC_Q(r1, 1), e), 2, 32, ncount, out + (r0), col);	\
	} else {								\
		ROW_PACK(r0);							\
	}									\
} while (0)

ALWAYS_INLINE void gemm_tile(int mr, int nv, int kp, const uint8_t *const *a,
			     const int8_t *w, const int32_t *cn, const int32_t *rowterm,
			     const float *scale, const struct pack_epi *e,
			     uint8_t *const *out, int col, int ncount, int u8)
{
	/*
	 * The sums start from the per-channel constant plus the row's term
	 * (wrapping int32 adds, so the order does not change a bit).  Added
	 * here, the row term is off the epilogue's dependency chain: 4-10%
	 * on layers of 16-64 input channels, whose epilogue is most of the
	 * tile.
	 */
	__m512i c0 = _mm512_loadu_si512(cn), c1 = c0, c2 = c0, c3 = c0;
	if (nv > 1)
		c1 = _mm512_loadu_si512(cn + NB);
	if (nv > 2)
		c2 = _mm512_loadu_si512(cn + 2 * NB);
	if (nv > 3)
		c3 = _mm512_loadu_si512(cn + 3 * NB);
	__m512i ACC_DECL(0);
	__m512i ACC_DECL(1);
	__m512i ACC_DECL(2);
	__m512i ACC_DECL(3);
	__m512i ACC_DECL(4);
	__m512i ACC_DECL(5);
	__m512i ACC_DECL(6);
	__m512i ACC_DECL(7);
	__m512i ACC_DECL(8);
	__m512i ACC_DECL(9);
	__m512i ACC_DECL(10);
	__m512i ACC_DECL(11);
	/* kp >= 4 always (depth >= 1). */
	int g = 0;
	do {
		__m512i w0 = _mm512_loadu_si512(w), w1 = w0, w2 = w0, w3 = w0;
		if (nv > 1)
			w1 = _mm512_loadu_si512(w + 64);
		if (nv > 2)
			w2 = _mm512_loadu_si512(w + 128);
		if (nv > 3)
			w3 = _mm512_loadu_si512(w + 192);
		ROW_STEP(0);
		ROW_STEP(1);
		ROW_STEP(2);
		ROW_STEP(3);
		ROW_STEP(4);
		ROW_STEP(5);
		ROW_STEP(6);
		ROW_STEP(7);
		ROW_STEP(8);
		ROW_STEP(9);
		ROW_STEP(10);
		ROW_STEP(11);
		w += nv * 64;
	} while ((g += 4) < kp);
	__mmask64 bytes = ncount >= 64 ? ~0ull : (1ull << ncount) - 1;
	if (nv == 1) {
		QUAD_PACK(0, 1, 2, 3);
		QUAD_PACK(4, 5, 6, 7);
		QUAD_PACK(8, 9, 10, 11);
	} else if (nv == 2) {
		DUO_PACK(0, 1);
		DUO_PACK(2, 3);
		DUO_PACK(4, 5);
		DUO_PACK(6, 7);
		DUO_PACK(8, 9);
		DUO_PACK(10, 11);
	} else {
		ROW_PACK(0);
		ROW_PACK(1);
		ROW_PACK(2);
		ROW_PACK(3);
		ROW_PACK(4);
		ROW_PACK(5);
		ROW_PACK(6);
		ROW_PACK(7);
		ROW_PACK(8);
		ROW_PACK(9);
		ROW_PACK(10);
		ROW_PACK(11);
	}
}

/*
 * The paired-row tile for a 24-channel panel (pair24): mr rows (at most
 * 6), each with a full vector for channels 0-15, and per two rows one
 * vector for channels 16-23 whose lanes 0-7 belong to the first row and
 * lanes 8-15 to the second (the packed weights, constants and scales
 * repeat channels 16-23 in lanes 8-15).  Its input operand blends the two
 * rows' broadcasts.  The plain 6x32 tile spends a quarter of its vpdpbusd
 * on padding lanes in these layers; this one spends none, for one blend
 * per two rows and k step.  One pack and one dword permute serve both
 * rows; when the panel is the whole row (24 channels) their 48 bytes are
 * contiguous and go out in one store.
 */
#define PAIR_DECL(j)								\
	accp##j = (2 * (j) < mr) ?						\
		_mm512_add_epi32(cp, _mm512_mask_mov_epi32(			\
			_mm512_set1_epi32(rowterm[2 * (j)]), 0xff00,		\
			_mm512_set1_epi32(rowterm[2 * (j) + 1 < mr ? 2 * (j) + 1 : 2 * (j)]))) : cp
#define PAIR_STEP(j) do {							\
	if (2 * (j) < mr) {							\
		int32_t x0, x1;							\
		memcpy(&x0, a[2 * (j)] + g, 4);					\
		memcpy(&x1, a[2 * (j) + 1 < mr ? 2 * (j) + 1 : 2 * (j)] + g, 4);	\
		__m512i a0 = _mm512_set1_epi32(x0), a1 = _mm512_set1_epi32(x1);	\
		DPBUSD(acc##j##a, a0, w0);					\
		if (2 * (j) + 1 < mr)						\
			DPBUSD(acc##j##b, a1, w0);				\
		DPBUSD(accp##j, _mm512_mask_mov_epi32(a0, 0xff00, a1), wp);	\
	}									\
} while (0)
#define PAIR_STORE(j) do {							\
	if (2 * (j) < mr) {							\
		int two = 2 * (j) + 1 < mr;					\
		__m512i q0 = quant_hi(acc##j##a, scale, 0xffff, e);		\
		__m512i q1 = two ? quant_hi(acc##j##b, scale, 0xffff, e) : q0;	\
		__m512i qp = quant_hi(accp##j, scale + NB, 0xffff, e);		\
		__m512i w01 = _mm512_adds_epi16(_mm512_packs_epi32(q0, q1), e->zp16); \
		__m512i w23 = _mm512_adds_epi16(_mm512_packs_epi32(qp, qp), e->zp16); \
		__m512i b = u8 ? _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(w01, w23), \
								 e->bmin), e->bmax) :	\
				 _mm512_min_epi8(_mm512_max_epi8(_mm512_packs_epi16(w01, w23), \
								 e->bmin), e->bmax);	\
		b = _mm512_permutexvar_epi32(pair_perm, b);			\
		if (two && out[2 * (j) + 1] == out[2 * (j)] + 24) {		\
			_mm512_mask_storeu_epi8(out[2 * (j)] + col, (1ull << 48) - 1, b); \
		} else {							\
			_mm512_mask_storeu_epi8(out[2 * (j)] + col, (1ull << 24) - 1, b); \
			if (two)						\
				_mm512_mask_storeu_epi8(out[2 * (j) + 1] + col - 24, \
							((1ull << 24) - 1) << 24, b); \
		}								\
	}									\
} while (0)

ALWAYS_INLINE void gemm_tile_pair24(int mr, int kp, const uint8_t *const *a, const int8_t *w,
				    const int32_t *cn, const int32_t *rowterm, const float *scale,
				    const struct pack_epi *e, uint8_t *const *out, int col, int u8)
{
	__m512i c0 = _mm512_loadu_si512(cn), cp = _mm512_loadu_si512(cn + NB);
	__m512i acc0a = _mm512_add_epi32(c0, _mm512_set1_epi32(rowterm[0]));
	__m512i acc0b = mr > 1 ? _mm512_add_epi32(c0, _mm512_set1_epi32(rowterm[1])) : c0;
	__m512i acc1a = mr > 2 ? _mm512_add_epi32(c0, _mm512_set1_epi32(rowterm[2])) : c0;
	__m512i acc1b = mr > 3 ? _mm512_add_epi32(c0, _mm512_set1_epi32(rowterm[3])) : c0;
	__m512i acc2a = mr > 4 ? _mm512_add_epi32(c0, _mm512_set1_epi32(rowterm[4])) : c0;
	__m512i acc2b = mr > 5 ? _mm512_add_epi32(c0, _mm512_set1_epi32(rowterm[5])) : c0;
	__m512i PAIR_DECL(0), PAIR_DECL(1), PAIR_DECL(2);
	int g = 0;
	do {
		__m512i w0 = _mm512_loadu_si512(w), wp = _mm512_loadu_si512(w + 64);
		PAIR_STEP(0);
		PAIR_STEP(1);
		PAIR_STEP(2);
		w += 128;
	} while ((g += 4) < kp);
	/*
	 * Packed dword 4L + v holds unit L (4 channels) of q0, q1, qp, qp for
	 * v = 0..3; the rows want q0's units 0-3, qp's 0-1, then q1's 0-3,
	 * qp's 2-3 (lanes 8-15 of qp are the second row's channels 16-23).
	 */
	const __m512i pair_perm = _mm512_set_epi32(0, 0, 0, 0, 14, 10, 13, 9, 5, 1, 6, 2,
						   12, 8, 4, 0);
	PAIR_STORE(0);
	PAIR_STORE(1);
	PAIR_STORE(2);
}

/*
 * Rows per tile for nv 16-channel vectors: about 16 accumulators, the most
 * gcc 12 keeps in registers without spilling inside the k loop (checked in
 * the disassembly: 24 already spill), and enough independent vpdpbusd
 * chains to cover its latency even on 16-channel layers.
 */
#define MR_NV1 12
#define MR_NV2 6
#define MR_NV3 5
#define MR_NV4 4

#define T(MRV, NVV) case MRV: gemm_tile(MRV, NVV, kp, a, w, cn, rt, sc, e, o, col, cnt, u8); break
#define TILES_TO_4(NVV) T(1, NVV); T(2, NVV); T(3, NVV); T(4, NVV)
#define TILES_TO_6(NVV) TILES_TO_4(NVV); T(5, NVV); T(6, NVV)
#define TILES_TO_12(NVV) TILES_TO_6(NVV); T(7, NVV); T(8, NVV); T(9, NVV); T(10, NVV); \
	T(11, NVV); T(12, NVV)

static int tile_rows(int nv)
{
	return nv == 1 ? MR_NV1 : nv == 2 ? MR_NV2 : nv == 3 ? MR_NV3 : MR_NV4;
}

#define P(MRV) case MRV: gemm_tile_pair24(MRV, kp, a, w, cn, rt, sc, e, o, col, u8); break

/* One tile of mr (< the full height) rows. */
static void enpu_q8_gemm_tiles__avx512vnni(int nv, int mr, int kp, const uint8_t *const *a,
					   const int8_t *w,
			  const int32_t *cn, const int32_t *rt, const float *sc,
			  const struct pack_epi *e, uint8_t *const *o, int col, int cnt, int u8)
{
	switch (nv) {
	case 1:
		switch (mr) { TILES_TO_12(1); }
		break;
	case 2:
		if (cnt == 24 && e->pair24) {
			switch (mr) { P(1); P(2); P(3); P(4); P(5); P(6); }
			break;
		}
		switch (mr) { TILES_TO_6(2); }
		break;
	case 3:
		switch (mr) { TILES_TO_4(3); T(5, 3); }
		break;
	default:
		switch (mr) { TILES_TO_4(4); }
		break;
	}
}

/*
 * Whole tiles of one panel over a block of rows, the tile height a
 * compile-time constant: the call, the dispatch and the loop-invariant
 * loads are paid once per block rather than once per tile.  Each returns
 * the rows it did; the block's partial last tile is left to the caller.
 */
#define ROWS_FN(NVV, HT)							\
static __attribute__((noinline)) int						\
gemm_rows_##NVV##_##HT(int rows, int kp, const uint8_t *const *a, const int8_t *w,	\
		       const int32_t *cn, const int32_t *rt, const float *sc,	\
		       const struct pack_epi *e, uint8_t *const *o, int col, int cnt,	\
		       int u8)							\
{										\
	int r = 0;								\
	for (; r + (HT) <= rows; r += (HT))					\
		gemm_tile(HT, NVV, kp, a + r, w, cn, rt + r, sc, e, o + r, col, cnt, u8); \
	return r;								\
}
ROWS_FN(1, 12)
ROWS_FN(1, 4)
ROWS_FN(2, 6)
ROWS_FN(2, 4)
ROWS_FN(3, 5)
ROWS_FN(3, 4)
ROWS_FN(4, 4)

#define PAIR_FN(HT)								\
static __attribute__((noinline)) int						\
gemm_rows_pair_##HT(int rows, int kp, const uint8_t *const *a, const int8_t *w,	\
		    const int32_t *cn, const int32_t *rt, const float *sc,	\
		    const struct pack_epi *e, uint8_t *const *o, int col, int u8) \
{										\
	int r = 0;								\
	for (; r + (HT) <= rows; r += (HT))					\
		gemm_tile_pair24(HT, kp, a + r, w, cn, rt + r, sc, e, o + r, col, u8);	\
	return r;								\
}
PAIR_FN(6)
PAIR_FN(4)

/*
 * Shallow kernel, for panels 16, 24 or 32 deep (MobileNet v2's expansion
 * and first layers).  Their k loop is only 4-8 vpdpbusd per accumulator,
 * so the tiles above end the loop with every accumulator's epilogue
 * waiting on the last multiplies and nothing independent left to issue.
 * Here the panel's weights stay in registers (NVP vectors x KP/4 steps, at
 * most 16 registers) and the rows go through in units of four
 * accumulators (U rows x NVP vectors, one pack sequence each), each
 * unit's multiplies issued before the previous unit's epilogue.  A
 * 64-channel panel 16 deep takes one row per unit; 24 and 32 deep it goes
 * as two halves of 32 channels; 32-channel panels take two rows per unit
 * and 16-channel ones four.  Measured against the tiles: 4-10% on
 * 16-32-channel layers, 10-20% on the 64-channel panels.
 */
#define SW_DECL(g)								\
	__m512i w##g##_0 = (g) < KP / 4 ? _mm512_loadu_si512(w + (size_t)(g) * nvs * 64) : zero, \
		w##g##_1 = (g) < KP / 4 && NVP > 1 ?				\
			_mm512_loadu_si512(w + ((size_t)(g) * nvs + 1) * 64) : zero,	\
		w##g##_2 = (g) < KP / 4 && NVP > 2 ?				\
			_mm512_loadu_si512(w + ((size_t)(g) * nvs + 2) * 64) : zero,	\
		w##g##_3 = (g) < KP / 4 && NVP > 3 ?				\
			_mm512_loadu_si512(w + ((size_t)(g) * nvs + 3) * 64) : zero
/* Accumulator j of a unit is row j / NVP, vector j % NVP. */
#define SW_W(g, j) ((j) % NVP == 0 ? w##g##_0 : (j) % NVP == 1 ? w##g##_1 :	\
		    (j) % NVP == 2 ? w##g##_2 : w##g##_3)
#define SW_X(j) ((j) / NVP == 0 ? x0 : (j) / NVP == 1 ? x1 : (j) / NVP == 2 ? x2 : x3)
#define SW_STEP(s0, s1, s2, s3, ap, g) do {					\
	if ((g) < KP / 4) {							\
		int32_t i0, i1 = 0, i2 = 0, i3 = 0;				\
		memcpy(&i0, (ap)[0] + 4 * (g), 4);				\
		if (U > 1)							\
			memcpy(&i1, (ap)[1] + 4 * (g), 4);			\
		if (U > 2)							\
			memcpy(&i2, (ap)[2] + 4 * (g), 4);			\
		if (U > 3)							\
			memcpy(&i3, (ap)[3] + 4 * (g), 4);			\
		__m512i x0 = _mm512_set1_epi32(i0), x1 = _mm512_set1_epi32(i1);	\
		__m512i x2 = _mm512_set1_epi32(i2), x3 = _mm512_set1_epi32(i3);	\
		DPBUSD(s0, SW_X(0), SW_W(g, 0));				\
		DPBUSD(s1, SW_X(1), SW_W(g, 1));				\
		DPBUSD(s2, SW_X(2), SW_W(g, 2));				\
		DPBUSD(s3, SW_X(3), SW_W(g, 3));				\
	}									\
} while (0)
#define SW_INIT(j, r) _mm512_add_epi32(_mm512_loadu_si512(cn + (j) % NVP * NB),	\
				       _mm512_set1_epi32(rt[(r) + (j) / NVP]))
#define SW_MUL(s0, s1, s2, s3, r) do {						\
	const uint8_t *const *ap = a + (r);					\
	s0 = SW_INIT(0, r);							\
	s1 = SW_INIT(1, r);							\
	s2 = SW_INIT(2, r);							\
	s3 = SW_INIT(3, r);							\
	SW_STEP(s0, s1, s2, s3, ap, 0);						\
	SW_STEP(s0, s1, s2, s3, ap, 1);						\
	SW_STEP(s0, s1, s2, s3, ap, 2);						\
	SW_STEP(s0, s1, s2, s3, ap, 3);						\
	SW_STEP(s0, s1, s2, s3, ap, 4);						\
	SW_STEP(s0, s1, s2, s3, ap, 5);						\
	SW_STEP(s0, s1, s2, s3, ap, 6);						\
	SW_STEP(s0, s1, s2, s3, ap, 7);						\
} while (0)
#define SW_Q(s, j) quant_hi(s, sc + (j) % NVP * NB, 0xffff, e)
#define SW_STORE(s0, s1, s2, s3, r) do {					\
	__m512i b = pack4(u8, 4, SW_Q(s0, 0), SW_Q(s1, 1), SW_Q(s2, 2), SW_Q(s3, 3), e);	\
	if (U == 1)								\
		_mm512_mask_storeu_epi8(o[(r)] + col, bytes, b);		\
	else									\
		store_rows(b, U, NVP * NB, ncount, o + (r), col);		\
} while (0)

ALWAYS_INLINE int gemm_rows_shallow(const int KP, const int NVP, const int U, int rows,
				    const uint8_t *const *a, const int8_t *w, int nvs,
				    const int32_t *cn, const int32_t *rt, const float *sc,
				    const struct pack_epi *e, uint8_t *const *o, int col,
				    int ncount, int u8)
{
	const __m512i zero = _mm512_setzero_si512();
	__mmask64 bytes = ncount >= 64 ? ~0ull : (1ull << ncount) - 1;
	int units = rows / U;
	if (units == 0)
		return 0;
	SW_DECL(0); SW_DECL(1); SW_DECL(2); SW_DECL(3);
	SW_DECL(4); SW_DECL(5); SW_DECL(6); SW_DECL(7);
	__m512i c0, c1, c2, c3, n0, n1, n2, n3;
	SW_MUL(c0, c1, c2, c3, 0);
	int r = 0;
	for (int i = 1; i < units; i++, r += U) {
		SW_MUL(n0, n1, n2, n3, r + U);
		SW_STORE(c0, c1, c2, c3, r);
		c0 = n0;
		c1 = n1;
		c2 = n2;
		c3 = n3;
	}
	SW_STORE(c0, c1, c2, c3, r);
	return units * U;
}

#define SHALLOW_FN(KPV, NVPV, UV)						\
static __attribute__((noinline)) int						\
gemm_rows_shallow_##KPV##_##NVPV(int rows, const uint8_t *const *a, const int8_t *w, int nvs,	\
			const int32_t *cn, const int32_t *rt, const float *sc,	\
			const struct pack_epi *e, uint8_t *const *o, int col,	\
			int ncount, int u8)					\
{										\
	return gemm_rows_shallow(KPV, NVPV, UV, rows, a, w, nvs, cn, rt, sc, e, o, col, \
				 ncount, u8);					\
}
SHALLOW_FN(16, 4, 1)
SHALLOW_FN(16, 2, 2)
SHALLOW_FN(16, 1, 4)
SHALLOW_FN(24, 2, 2)
SHALLOW_FN(24, 1, 4)
SHALLOW_FN(32, 2, 2)
SHALLOW_FN(32, 1, 4)
SHALLOW_FN(28, 2, 2)
SHALLOW_FN(28, 1, 4)

#define SH(KPV, NVPV) case (KPV) * 8 + (NVPV):					\
	return gemm_rows_shallow_##KPV##_##NVPV(rows, a, w, nvs, cn, rt, sc, e, o, col, cnt, u8)

/* nvp vectors of a panel of nvs (the weights' stride) through the shallow kernel. */
static int gemm_rows_shallow_any(int kp, int nvp, int nvs, int rows, const uint8_t *const *a,
				 const int8_t *w, const int32_t *cn, const int32_t *rt,
				 const float *sc, const struct pack_epi *e, uint8_t *const *o,
				 int col, int cnt, int u8)
{
	switch (kp * 8 + nvp) {
	SH(16, 4); SH(16, 2); SH(16, 1); SH(24, 2); SH(24, 1); SH(32, 2); SH(32, 1);
	SH(28, 2); SH(28, 1);
	}
	return 0;
}

static int shallow_fits(int nv, int kp)
{
	return (kp == 16 || kp == 24 || kp == 28 || kp == 32) && nv != 3;
}

/*
 * Rows of a panel of nv vectors (cnt channels) through the shallow kernel;
 * returns the rows it did.  A 64-channel panel deeper than 16 goes as two
 * halves of 32 channels (16 weight registers each).
 */
static int gemm_rows_shallow_panel(int nv, int kp, int rows, const uint8_t *const *a,
				   const int8_t *w, const int32_t *cn, const int32_t *rt,
				   const float *sc, const struct pack_epi *e, uint8_t *const *o,
				   int col, int cnt, int u8)
{
	if (nv < 4 || kp == 16)
		return gemm_rows_shallow_any(kp, nv, nv, rows, a, w, cn, rt, sc, e, o, col, cnt,
					     u8);
	int done = gemm_rows_shallow_any(kp, 2, 4, rows, a, w, cn, rt, sc, e, o, col, 32, u8);
	gemm_rows_shallow_any(kp, 2, 4, rows, a, w + 128, cn + 32, rt, sc + 32, e, o, col + 32,
			      cnt - 32, u8);
	return done;
}

#define RF(NVV, HT) case (NVV) * 16 + (HT):					\
	r = gemm_rows_##NVV##_##HT(rows, kp, a, w, cn, rt, sc, e, o, col, cnt, u8); break

/*
 * rows rows (one block) of the panel at w, cnt channels of it, through the
 * shallow kernel or whole tiles of height ht, then the partial tile.
 */
static void enpu_q8_gemm_block__avx512vnni(int nv, int ht, int rows, int kp,
					   const uint8_t *const *a, const int8_t *w,
					   const int32_t *cn, const int32_t *rt, const float *sc,
					   const struct pack_epi *e, uint8_t *const *o, int col,
					   int cnt, int u8)
{
	int r = 0;
	if (nv == 2 && cnt == 24 && e->pair24) {
		r = ht == 6 ? gemm_rows_pair_6(rows, kp, a, w, cn, rt, sc, e, o, col, u8) :
			      gemm_rows_pair_4(rows, kp, a, w, cn, rt, sc, e, o, col, u8);
	} else if (shallow_fits(nv, kp)) {
		r = gemm_rows_shallow_panel(nv, kp, rows, a, w, cn, rt, sc, e, o, col, cnt, u8);
	} else {
		switch (nv * 16 + ht) {
		RF(1, 12); RF(1, 4); RF(2, 6); RF(2, 4); RF(3, 5); RF(3, 4); RF(4, 4);
		}
	}
	for (; r < rows; r += ht) {
		int mr = rows - r < ht ? rows - r : ht;
		enpu_q8_gemm_tiles__avx512vnni(nv, mr, kp, a + r, w, cn, rt + r, sc, e,
					       o + r, col, cnt, u8);
	}
}

/*
 * Rows per block: up to 48, fewer when the block's input rows would not
 * stay in L1 while each panel reads them again (deep or im2col rows), and
 * never fewer than one tile of mr_max rows.  A multiple of mr_max, so
 * only a range's last block has a partial tile.
 */
#define ROW_BLOCK 48

static int block_rows(int kp, int mr_max)
{
	int b = 16384 / kp;
	b = b > ROW_BLOCK ? ROW_BLOCK : b;
	return b < mr_max ? mr_max : b / mr_max * mr_max;
}

static void enpu_q8_gemm_minmax_fp32_c4__avx512vnni(const struct enpu_conv_params *p, int u8,
						    const void *packed,
		     const void *inv, void *outv, size_t m0, size_t m1, int n0, int n1,
		     void *scratch)
{
	const struct gemm_hdr *h = align64(packed);
	const int32_t *cnall = (const int32_t *)((const char *)h + rup(sizeof(*h), 64));
	const float *scall = (const float *)(cnall + h->np);
	const int8_t *wall = (const int8_t *)(scall + h->np);
	const uint8_t *in = inv;
	uint8_t *out = outv;
	int kp = h->kp, n = h->n;
	const struct enpu_rq *rq = &p->rq;
	/* The epilogue's constants, built once per call rather than per tile. */
	struct pack_epi e;
	e.hi = _mm512_set1_ps((float)(rq->act_max - rq->out_zp));
	e.clamp_hi = h->wide_scale;
	e.pair24 = h->pair24;
	e.zp16 = _mm512_set1_epi16((int16_t)rq->out_zp);
	e.bmin = _mm512_set1_epi8((char)rq->act_min);
	e.bmax = _mm512_set1_epi8((char)rq->act_max);
	/* Packed dword 4L+v holds vector v's lane-L group; it belongs at 4v+L. */
	e.perm = _mm512_set_epi32(15, 11, 7, 3, 14, 10, 6, 2, 13, 9, 5, 1, 12, 8, 4, 0);
	uint8_t *rows = scratch;
	int direct = h->direct && p->sh == 1 && p->sw == 1;
	int direct_strided = h->direct && !direct;
	/* The tile height is set by the widest panel this range touches. */
	int nv_max = (h->np - n0 / PANEL * PANEL) / NB;
	int mr_max = tile_rows(nv_max > 4 ? 4 : nv_max);
	size_t hw = (size_t)p->oh * p->ow;
	/* Output pixel coordinates of row m, advanced by increments (no divides per row). */
	int cb = (int)(m0 / hw), coy = (int)(m0 % hw / p->ow), cox = (int)(m0 % p->ow);

	int blk = block_rows(kp, mr_max), stride = gather_stride(kp);
	for (size_t m = m0; m < m1; m += (size_t)blk) {
		int bn = m1 - m < (size_t)blk ? (int)(m1 - m) : blk;
		const uint8_t *a[ROW_BLOCK];
		uint8_t *orow[ROW_BLOCK];
		int32_t rt[ROW_BLOCK];
		if (direct) {
			/* The common case (1x1, stride 1): rows in place, nothing to track. */
			for (int r = 0; r < bn; r++) {
				a[r] = in + (m + r) * p->ic;
				orow[r] = out + (m + r) * n;
			}
			row_terms(in + m * p->ic, h->k, bn, h->row_mult, rt);
		}
		for (int r = 0; r < bn && !direct; r++) {
			size_t mm = m + r;
			if (direct_strided) {
				a[r] = in + (((size_t)cb * p->ih + (size_t)coy * p->sh) * p->iw +
					     (size_t)cox * p->sw) * p->ic;
				rt[r] = h->row_mult ? (int32_t)(u32(h->row_mult) *
							       byte_sum(a[r], h->k)) : 0;
			} else {
				a[r] = rows + (size_t)r * stride;
				gather_row(p, u8, in, cb, coy, cox, rows + (size_t)r * stride, stride);
			}
			if (++cox == p->ow) {
				cox = 0;
				if (++coy == p->oh) {
					coy = 0;
					cb++;
				}
			}
			orow[r] = out + mm * n;
		}
		if (!direct && !direct_strided)
			row_terms(rows, stride, bn, h->row_mult, rt);
		for (int c = n0; c < n1; c += PANEL) {
			int panel = c / PANEL;
			int nv = (h->np - panel * PANEL) / NB;
			nv = nv > 4 ? 4 : nv;
			/*
			 * n0 is a multiple of 64 and n1 is n or a multiple of 64, so the
			 * range covers whole panels; lanes past n are masked off.  Only
			 * the last panel can be narrower, and narrower panels allow
			 * taller tiles, so mr_max always fits this panel's tile.
			 */
			int cnt = n1 - c < PANEL ? n1 - c : PANEL;
			const int8_t *w = wall + (size_t)panel * PANEL * kp;
			enpu_q8_gemm_block__avx512vnni(nv, mr_max, bn, kp, a, w, cnall + c, rt,
						       scall + c, &e, orow, c, cnt, u8);
		}
	}
}

/* ----------------------------------------------------------- Depthwise */

/*
 * 32 channels per step as int16, taps in pairs through vpdpwssd (two
 * products and the accumulator in one wrapping int32 add, like the scalar
 * sum).  The pair is formed by vpunpck{l,h}wd of two taps' rows, which works
 * within 128-bit lanes, so the "lo" accumulator holds channels 8L+0..3 of
 * each lane L and "hi" 8L+4..7; the constants, scales and weights are packed
 * in that order, and vpackssdw of lo and hi puts the channels back in order.
 */
#define DW_CB 32	/* channels per block */

struct dw_hdr {
	int taps, pairs, c, cp;
};

static int dw_lane_channel(int half, int j)
{
	return 8 * (j / 4) + 4 * half + j % 4;
}

static size_t dw_pack_size(const struct enpu_conv_params *p)
{
	size_t taps = (size_t)p->fh * p->fw, pairs = (taps + 1) / 2, cp = rup((size_t)p->oc, DW_CB);
	return 64 + 64 + cp * 4 * 2 + cp * pairs * 4 + 64;
}

/*
 * Layout: header, int32 constant [cp] and float scale [cp] in lane order,
 * then per 32-channel block and tap pair 2 x 16 int16 pairs (w_t, w_t+1),
 * w minus its zero point.  The input zero point is folded into the constant
 * (padding taps read a row of zero points, adding exactly that term back).
 * The scales are the run's (p->rq is fixed once the op is prepared).
 */
static void dw_pack(const struct enpu_conv_params *p, int u8, const void *wv, void *packed)
{
	struct dw_hdr *h = align64(packed);
	int taps = p->fh * p->fw, c = p->oc, cp = (int)rup((size_t)c, DW_CB);
	int pairs = (taps + 1) / 2;
	h->taps = taps;
	h->pairs = pairs;
	h->c = c;
	h->cp = cp;
	int32_t *cn = (int32_t *)((char *)h + 64);
	float *sc = (float *)(cn + cp);
	int16_t *w16 = (int16_t *)(sc + cp);
	memset(cn, 0, (size_t)cp * 8 + (size_t)cp * pairs * 4);
	for (int blk = 0; blk < cp / DW_CB; blk++) {
		for (int half = 0; half < 2; half++) {
			for (int j = 0; j < 16; j++) {
				int ch = blk * DW_CB + dw_lane_channel(half, j);
				int slot = blk * DW_CB + half * 16 + j;
				if (ch >= c)
					continue;
				uint32_t sum = 0;
				for (int t = 0; t < pairs * 2; t++) {
					int32_t f = 0;
					if (t < taps)
						f = u8 ? ((const uint8_t *)wv)[(size_t)t * c + ch] - p->w_zp :
							 ((const int8_t *)wv)[(size_t)t * c + ch];
					sum += u32(f);
					w16[(((size_t)blk * pairs + t / 2) * 2 + half) * 32 + j * 2 + t % 2] =
						(int16_t)f;
				}
				cn[slot] = (int32_t)((p->bias ? u32(p->bias[ch]) : 0) -
						     u32(p->in_zp) * sum);
				sc[slot] = p->rq.scale[ch];
			}
		}
	}
}

/*
 * 32 input bytes widened to int16.  Whole blocks load plainly, which also
 * lets the load fold into vpmovzxbw/vpmovsxbw; only a last block of fewer
 * than 32 channels is masked (a masked load costs more on some cores).
 */
ALWAYS_INLINE __m512i widen32(int u8, int full, __mmask32 mk, const uint8_t *src)
{
	__m256i b = full ? _mm256_loadu_si256((const __m256i *)src) : _mm256_maskz_loadu_epi8(mk, src);
	return u8 ? _mm512_cvtepu8_epi16(b) : _mm512_cvtepi8_epi16(b);
}

ALWAYS_INLINE __m512i dw_requant(__m512i acc, __m512 scale, __m512 lo, __m512 hi, __m512i zp)
{
	__m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(acc), scale);
	f = _mm512_min_ps(_mm512_max_ps(f, lo), hi);
	return _mm512_add_epi32(_mm512_cvtps_epi32(f), zp);
}

/* One pixel's block of 32 channels from ch; full: all 32 are in range. */
ALWAYS_INLINE void dw_block(int u8, int full, __mmask32 mk, int ch, int pairs, int taps,
			    const uint8_t *const *tp, const int16_t *w16, const int32_t *cn,
			    const float *sc, __m512 lo, __m512 hi, __m512i zp, uint8_t *o)
{
	const int16_t *w = w16 + (size_t)ch / DW_CB * pairs * 64;
	/* Two accumulator pairs: vpdpwssd's latency is longer than a pair's work. */
	__m512i alo = _mm512_loadu_si512(cn + ch), ahi = _mm512_loadu_si512(cn + ch + 16);
	__m512i blo = _mm512_setzero_si512(), bhi = _mm512_setzero_si512();
	int pr = 0;
	for (; pr + 2 <= pairs; pr += 2, w += 128) {
		__m512i x0 = widen32(u8, full, mk, tp[2 * pr] + ch);
		__m512i x1 = widen32(u8, full, mk, tp[2 * pr + 1] + ch);
		__m512i x2 = widen32(u8, full, mk, tp[2 * pr + 2] + ch);
		__m512i x3 = widen32(u8, full, mk, tp[2 * pr + 3 < taps ? 2 * pr + 3 : taps] + ch);
		alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(x0, x1),
					  _mm512_loadu_si512(w));
		ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(x0, x1),
					  _mm512_loadu_si512(w + 32));
		blo = _mm512_dpwssd_epi32(blo, _mm512_unpacklo_epi16(x2, x3),
					  _mm512_loadu_si512(w + 64));
		bhi = _mm512_dpwssd_epi32(bhi, _mm512_unpackhi_epi16(x2, x3),
					  _mm512_loadu_si512(w + 96));
	}
	if (pr < pairs) {
		__m512i x0 = widen32(u8, full, mk, tp[2 * pr] + ch);
		__m512i x1 = widen32(u8, full, mk, tp[2 * pr + 1 < taps ? 2 * pr + 1 : taps] + ch);
		alo = _mm512_dpwssd_epi32(alo, _mm512_unpacklo_epi16(x0, x1),
					  _mm512_loadu_si512(w));
		ahi = _mm512_dpwssd_epi32(ahi, _mm512_unpackhi_epi16(x0, x1),
					  _mm512_loadu_si512(w + 32));
	}
	__m512i vlo = dw_requant(_mm512_add_epi32(alo, blo), _mm512_loadu_ps(sc + ch),
				 lo, hi, zp);
	__m512i vhi = dw_requant(_mm512_add_epi32(ahi, bhi), _mm512_loadu_ps(sc + ch + 16),
				 lo, hi, zp);
	/* In the 8-bit range already: the saturating pack and the truncation are exact. */
	__m256i r = _mm512_cvtepi16_epi8(_mm512_packs_epi32(vlo, vhi));
	if (full)
		_mm256_storeu_si256((__m256i *)(o + ch), r);
	else
		_mm256_mask_storeu_epi8(o + ch, mk, r);
}

ALWAYS_INLINE void enpu_q8_dwconv_minmax_fp32_up32__avx512vnni(int u8,
							       const struct enpu_conv_params *p,
							       const void *packed,
			    const uint8_t *in, uint8_t *out, size_t m0, size_t m1, int n0, int n1,
			    const uint8_t *zrow)
{
	const struct dw_hdr *h = align64(packed);
	const int32_t *cn = (const int32_t *)((const char *)h + 64);
	const float *sc = (const float *)(cn + h->cp);
	const int16_t *w16 = (const int16_t *)(sc + h->cp);
	int c = h->c, taps = h->taps, pairs = h->pairs;
	const struct enpu_rq *rq = &p->rq;
	__m512 lo = _mm512_set1_ps((float)(rq->act_min - rq->out_zp));
	__m512 hi = _mm512_set1_ps((float)(rq->act_max - rq->out_zp));
	__m512i zp = _mm512_set1_epi32(rq->out_zp);
	const uint8_t *tp[MAX_TAPS + 1];
	ptrdiff_t off[MAX_TAPS];
	size_t hw = (size_t)p->oh * p->ow;
	int span_y = (p->fh - 1) * p->dh, span_x = (p->fw - 1) * p->dw;

	for (int t = 0; t < taps; t++)
		off[t] = ((ptrdiff_t)(t / p->fw) * p->dh * p->iw + (ptrdiff_t)(t % p->fw) * p->dw) * c;
	/* An odd window's last pair reads the zero-point row against weight 0. */
	tp[taps] = zrow;
	/*
	 * Pixel coordinates advance by increments: three divides per pixel
	 * cost as much as its math.  The same walk as kernels_util.h's
	 * dw_walk, written out here: through the helper this loop measured
	 * 4-11% slower (gcc laid the interior path out of line).
	 */
	int b = (int)(m0 / hw), oy = (int)(m0 % hw / p->ow), ox = (int)(m0 % p->ow) - 1;
	for (size_t m = m0; m < m1; m++) {
		if (++ox == p->ow) {
			ox = 0;
			if (++oy == p->oh) {
				oy = 0;
				b++;
			}
		}
		int iy0 = oy * p->sh - p->pad_t, ix0 = ox * p->sw - p->pad_l;
		if (iy0 >= 0 && iy0 + span_y < p->ih && ix0 >= 0 && ix0 + span_x < p->iw) {
			const uint8_t *base = in + (((size_t)b * p->ih + iy0) * p->iw + ix0) * c;
			for (int t = 0; t < taps; t++)
				tp[t] = base + off[t];
		} else {
			int t = 0;
			for (int ky = 0; ky < p->fh; ky++) {
				int iy = iy0 + ky * p->dh;
				for (int kx = 0; kx < p->fw; kx++, t++) {
					int ix = ix0 + kx * p->dw;
					tp[t] = iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw ? zrow :
						in + (((size_t)b * p->ih + iy) * p->iw + ix) * c;
				}
			}
		}
		uint8_t *o = out + m * c;
		for (int ch = n0; ch < n1; ch += DW_CB) {
			int left = n1 - ch;
			if (left >= DW_CB)
				dw_block(u8, 1, 0xffffffffu, ch, pairs, taps, tp, w16, cn, sc, lo, hi,
					 zp, o);
			else
				dw_block(u8, 0, (__mmask32)((1u << left) - 1), ch, pairs, taps, tp, w16,
					 cn, sc, lo, hi, zp, o);
		}
	}
}

/* ----------------------------------------------------------------- ADD */

/*
 * XNNPACK's ADD form, 16 lanes in int32: xbias + a*xa + b*xb is, by the
 * choice of the shift, a 2^(shift-1) rounding term plus two products below
 * 2^29 in magnitude, so it fits int32 and wrapping int32 arithmetic gives
 * the scalar kernel's int64 value exactly; so does the arithmetic shift.
 * Broadcasts and the TFLite-reference form stay scalar.
 */
ALWAYS_INLINE void add_run_t(int u8, const struct enpu_add_params *p, const void *av,
			     const void *bv, void *ov)
{
	const uint8_t *a = av, *b = bv;
	uint8_t *o = ov;
	__m512i xa = _mm512_set1_epi32(p->xa_mult), xb = _mm512_set1_epi32(p->xb_mult);
	__m512i bias = _mm512_set1_epi32(p->xbias), zp = _mm512_set1_epi32(p->out_zp);
	__m512i lo = _mm512_set1_epi32(p->act_min), hi = _mm512_set1_epi32(p->act_max);
	__m128i sh = _mm_cvtsi32_si128(p->xshift);
	/*
	 * Whole groups of 16 load and store plainly; only the tail is masked
	 * (masked loads and vpmovdb straight to memory cost more on some cores).
	 */
	for (size_t i = 0; i < p->count; i += 16) {
		size_t left = p->count - i;
		int full = left >= 16;
		__mmask16 mk = full ? 0xffff : (__mmask16)((1u << left) - 1);
		__m128i ra = full ? _mm_loadu_si128((const __m128i *)(a + i)) : _mm_maskz_loadu_epi8(mk, a + i);
		__m128i rb = full ? _mm_loadu_si128((const __m128i *)(b + i)) : _mm_maskz_loadu_epi8(mk, b + i);
		__m512i x = u8 ? _mm512_cvtepu8_epi32(ra) : _mm512_cvtepi8_epi32(ra);
		__m512i y = u8 ? _mm512_cvtepu8_epi32(rb) : _mm512_cvtepi8_epi32(rb);
		__m512i acc = _mm512_add_epi32(bias, _mm512_add_epi32(_mm512_mullo_epi32(x, xa),
								      _mm512_mullo_epi32(y, xb)));
		__m512i v = _mm512_add_epi32(_mm512_sra_epi32(acc, sh), zp);
		/* q_clamp's order (lo wins when the bounds cross), then the same truncation. */
		v = _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(v, lo), _mm512_min_epi32(v, hi), lo);
		if (full)
			_mm_storeu_si128((__m128i *)(o + i), _mm512_cvtepi32_epi8(v));
		else
			_mm512_mask_cvtepi32_storeu_epi8(o + i, mk, v);
	}
}

static void enpu_qu8_vadd_minmax__avx512(const struct enpu_add_params *p, const uint8_t *a,
					 const uint8_t *b,
		    uint8_t *out)
{
	if (!p->xnn || p->idx1 || p->idx2 || p->xshift > 31)
		enpu_kernels_scalar.add_qu8(p, a, b, out);
	else
		add_run_t(1, p, a, b, out);
}

static void enpu_qs8_vadd_minmax__avx512(const struct enpu_add_params *p, const int8_t *a,
					 const int8_t *b,
		    int8_t *out)
{
	if (!p->xnn || p->idx1 || p->idx2 || p->xshift > 31)
		enpu_kernels_scalar.add_qs8(p, a, b, out);
	else
		add_run_t(0, p, a, b, out);
}

/* ------------------------------------------------------------- Pooling */

/* q_clamp's order (lo wins when the bounds cross), as the scalar kernels clamp. */
ALWAYS_INLINE __m512i clamp_like_scalar(__m512i v, __m512i lo, __m512i hi)
{
	return _mm512_mask_blend_epi32(_mm512_cmplt_epi32_mask(v, lo), _mm512_min_epi32(v, hi), lo);
}

/*
 * (n ± cnt/2) / cnt truncated, as the scalar average: in double the
 * quotient of two int32 values truncates exactly (a non-integer quotient is
 * at least 1/|n| >= 2^-31 from the next integer, far above double's
 * rounding), so no integer divide is needed.
 */
ALWAYS_INLINE __m512i avg_round(__m512i acc, int cnt)
{
	__m512i half = _mm512_set1_epi32(cnt / 2);
	__mmask16 neg = _mm512_cmplt_epi32_mask(acc, _mm512_setzero_si512());
	__m512i n = _mm512_mask_sub_epi32(_mm512_add_epi32(acc, half), neg, acc, half);
	__m512d d = _mm512_set1_pd((double)cnt);
	__m256i q0 = _mm512_cvttpd_epi32(_mm512_div_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(n)), d));
	__m256i q1 = _mm512_cvttpd_epi32(_mm512_div_pd(
		_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(n, 1)), d));
	return _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
}

ALWAYS_INLINE void pool_run_t(int u8, int is_max, const struct enpu_pool_params *p,
			      const uint8_t *in, uint8_t *out)
{
	__m512i lo = _mm512_set1_epi32(p->act_min), hi = _mm512_set1_epi32(p->act_max);
	int c = p->c;
	for (int b = 0; b < p->n; b++)
	for (int oy = 0; oy < p->oh; oy++)
	for (int ox = 0; ox < p->ow; ox++) {
		int y0 = oy * p->sh - p->pad_t, x0 = ox * p->sw - p->pad_l;
		int ya = y0 < 0 ? 0 : y0, yb = y0 + p->fh > p->ih ? p->ih : y0 + p->fh;
		int xa = x0 < 0 ? 0 : x0, xb = x0 + p->fw > p->iw ? p->iw : x0 + p->fw;
		int cnt = yb > ya && xb > xa ? (yb - ya) * (xb - xa) : 0;
		uint8_t *o = out + (((size_t)b * p->oh + oy) * p->ow + ox) * c;
		for (int ch = 0; ch < c; ch += 16) {
			int left = c - ch;
			__mmask16 mk = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
			__m512i acc = is_max ? _mm512_set1_epi32(INT32_MIN) : _mm512_setzero_si512();
			for (int iy = ya; iy < yb; iy++) {
				const uint8_t *row = in + (((size_t)b * p->ih + iy) * p->iw) * c + ch;
				for (int ix = xa; ix < xb; ix++) {
					__m128i r = _mm_maskz_loadu_epi8(mk, row + (size_t)ix * c);
					__m512i v = u8 ? _mm512_cvtepu8_epi32(r) : _mm512_cvtepi8_epi32(r);
					acc = is_max ? _mm512_max_epi32(acc, v) : _mm512_add_epi32(acc, v);
				}
			}
			if (!cnt)
				acc = _mm512_setzero_si512();
			else if (!is_max)
				acc = avg_round(acc, cnt);
			_mm512_mask_cvtepi32_storeu_epi8(o + ch, mk, clamp_like_scalar(acc, lo, hi));
		}
	}
}

static void enpu_qu8_avgpool__avx512(const struct enpu_pool_params *p, const uint8_t *in,
				     uint8_t *out)
{
	pool_run_t(1, 0, p, in, out);
}

static void enpu_qs8_avgpool__avx512(const struct enpu_pool_params *p, const int8_t *in,
				     int8_t *out)
{
	pool_run_t(0, 0, p, (const uint8_t *)in, (uint8_t *)out);
}

static void enpu_qu8_maxpool__avx512(const struct enpu_pool_params *p, const uint8_t *in,
				     uint8_t *out)
{
	pool_run_t(1, 1, p, in, out);
}

static void enpu_qs8_maxpool__avx512(const struct enpu_pool_params *p, const int8_t *in,
				     int8_t *out)
{
	pool_run_t(0, 1, p, (const uint8_t *)in, (uint8_t *)out);
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
		return rup((size_t)p->oc, 64) + 64;	/* the zero-point row */
	/* block_rows() for any tile height, at most. */
	int kp = (int)rup((size_t)p->fh * p->fw * p->ic, 4), b = 16384 / kp;
	b = b > ROW_BLOCK ? ROW_BLOCK : b < MR_MAX ? MR_MAX : b;
	return (size_t)b * gather_stride(kp) + 64;
}

static void run(const struct enpu_conv_params *p, int u8, int dw, const void *packed,
		const void *in, void *out, size_t m0, size_t m1, int n0, int n1, void *scr)
{
	if (dw) {
		/* The padding row: every channel at the input zero point. */
		memset(scr, (uint8_t)p->in_zp, (size_t)p->oc);
		if (u8)
			enpu_q8_dwconv_minmax_fp32_up32__avx512vnni(1, p, packed, in, out, m0, m1, n0, n1, scr);
		else
			enpu_q8_dwconv_minmax_fp32_up32__avx512vnni(0, p, packed, in, out, m0, m1, n0, n1, scr);
	} else {
		enpu_q8_gemm_minmax_fp32_c4__avx512vnni(p, u8, packed, in, out, m0, m1, n0, n1, scr);
	}
}

const struct enpu_kernels enpu_kernels_avx512vnni = {
	.isa = "avx512vnni",
	.add_qu8 = enpu_qu8_vadd_minmax__avx512,
	.add_qs8 = enpu_qs8_vadd_minmax__avx512,
	.avgpool_qu8 = enpu_qu8_avgpool__avx512,
	.avgpool_qs8 = enpu_qs8_avgpool__avx512,
	.maxpool_qu8 = enpu_qu8_maxpool__avx512,
	.maxpool_qs8 = enpu_qs8_maxpool__avx512,
	.conv_pack_size = pack_size,
	.conv_pack = pack,
	.conv_scratch = scratch,
	.conv_run = run,
};

#ifdef ENPU_POP_TARGET
#pragma clang attribute pop
#endif
