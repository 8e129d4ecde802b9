// SPDX-License-Identifier: MIT
/*
 * The compute core's datapath: one DMA queue and one compute queue.
 * Operations execute functionally at once and in program order; what the
 * two queues would do in parallel on silicon shows up only in the timing
 * model and in hazard detection, which rejects streams that would race on
 * real hardware even though they happen to work here.
 *
 * Documentation/hw/isa.rst states the arithmetic; this file is its
 * executable form, bit-exact with TFLite's integer kernels (gemmlowp
 * fixed-point requantization) and XNNPACK's fp32 requantization.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "enpu_fw_hal.h"
#include "engine.h"

/* SOFTMAX is defined as a sequence of binary32 operations; wider
 * intermediates (x87) would give other bits. */
#if FLT_EVAL_METHOD != 0
#error "the SOFTMAX datapath needs binary32 arithmetic (FLT_EVAL_METHOD 0)"
#endif

enum { Q_DMA = 0, Q_COMPUTE = 1 };

/* A feature map operand; rd points at its element (0, 0, 0). */
struct fmap {
	uint32_t base, h, w, c;
	uint64_t rs, ps, cs;
	int32_t zp;
	const uint8_t *rd;
};

struct range {
	uint64_t lo, hi;
};

/* One decoded operation. */
struct op {
	uint32_t code;
	bool sgn;
	int32_t qmin, qmax;
	uint32_t flags;
	struct fmap ifm, ifm2, ofm;
	uint32_t kh, kw, sh, sw, dh, dw, dm;
	int64_t pt, pl;
	int32_t wzp;
	bool narrow;			/* int16 operands suffice */
	struct range rd[4];		/* IFM, IFM2/LUT/weights, bias, quant */
	int nrd;
	struct range wr;		/* the OFM */
	uint64_t work;			/* MACs or vector elements */
	uint64_t sram_bytes;
	bool is_mac;
	/* SOFTMAX: chain_rows rows each summing chain_len values in order */
	uint64_t chain_rows;
	uint32_t chain_len;
};

static inline bool mul_ovf(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_mul_overflow(a, b, r);
}

static inline bool add_ovf(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_add_overflow(a, b, r);
}

static inline uint64_t div_ceil(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

static inline int32_t sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static inline int32_t rd_le32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

/* ------------------------------------------------------------------------ */
/* Requantization */

/* gemmlowp's SaturatingRoundingDoublingHighMul: x*m/2^31 with ties
 * rounded towards +infinity; INT32_MIN*INT32_MIN saturates. */
static inline int32_t srdhm(int32_t a, int32_t b)
{
	if (a == INT32_MIN && b == INT32_MIN)
		return INT32_MAX;
	int64_t ab = (int64_t)a * b;
	int64_t nudge = ab >= 0 ? (1 << 30) : 1 - (1 << 30);

	return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* gemmlowp's RoundingDivideByPOT (ties away from zero), extended past 31:
 * computed in 64 bits, any exponent above 40 gives the same 0 as 40. */
static inline int32_t rdbpot(int32_t x, int64_t e)
{
	if (e <= 0)
		return x;
	if (e > 40)
		e = 40;
	int64_t v = x;
	int64_t mask = ((int64_t)1 << e) - 1;
	int64_t rem = v & mask;
	int64_t thr = (mask >> 1) + (v < 0);

	return (int32_t)((v >> e) + (rem > thr));
}

/* TFLite's MultiplyByQuantizedMultiplier; the left shift saturates. */
static inline int32_t mbqm(int32_t x, int32_t mult, int32_t shift)
{
	if (shift > 0) {
		if (shift >= 32)
			x = x > 0 ? INT32_MAX : x < 0 ? INT32_MIN : 0;
		else
			x = sat32((int64_t)x * ((int64_t)1 << shift));
	}
	x = srdhm(x, mult);
	return shift < 0 ? rdbpot(x, -(int64_t)shift) : x;
}

/* Everything that maps an accumulator to a stored output value. */
struct rq {
	bool fp32;
	int32_t zp, qmin, qmax, amin, amax;
	float flo, fhi;
};

static void rq_init(struct rq *r, const struct op *o, const uint32_t *p)
{
	r->fp32 = o->flags & ENPU1_F_REQUANT_FP32;
	r->zp = (int32_t)p[ENPU1_P_OFM_ZP];
	r->qmin = o->qmin;
	r->qmax = o->qmax;
	r->amin = (int32_t)p[ENPU1_P_ACT_MIN];
	r->amax = (int32_t)p[ENPU1_P_ACT_MAX];
	r->flo = (float)((int64_t)o->qmin - r->zp);
	r->fhi = (float)((int64_t)o->qmax - r->zp);
}

/* Dtype range first, then the activation range, as the ISA states. */
static inline int32_t clamp_out(const struct rq *r, int64_t v)
{
	if (v < r->qmin)
		v = r->qmin;
	if (v > r->qmax)
		v = r->qmax;
	if (v < r->amin)
		v = r->amin;
	if (v > r->amax)
		v = r->amax;
	return (int32_t)v;
}

static inline int32_t rq_fixed(const struct rq *r, int32_t acc, int32_t mult, int32_t shift)
{
	return clamp_out(r, (int64_t)mbqm(acc, mult, shift) + r->zp);
}

static inline float bits_to_float(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* XNNPACK "fp32": scale in float, clamp in float (fmaxf/fminf also turn a
 * NaN from a NaN or infinite scale into a bound), round to nearest even. */
static inline int32_t rq_float(const struct rq *r, int32_t acc, float scale)
{
	float f = (float)acc * scale;

	f = fminf(fmaxf(f, r->flo), r->fhi);
	return clamp_out(r, (int64_t)nearbyintf(f) + r->zp);
}

static inline int32_t rq_apply(const struct rq *r, int32_t acc, uint32_t mult, int32_t shift)
{
	return r->fp32 ? rq_float(r, acc, bits_to_float(mult))
		       : rq_fixed(r, acc, (int32_t)mult, shift);
}

/* ------------------------------------------------------------------------ */
/* Decoding and validation */

/* Window taps kk in [0, k) whose position start + kk*d lies in [0, n):
 * returns [*k0, *k1), empty as k0 == k1. */
static void win_range(int64_t start, uint32_t k, uint32_t d, uint32_t n,
		      uint32_t *k0, uint32_t *k1)
{
	int64_t lo = 0, hi;

	if (start < 0)
		lo = (-start + d - 1) / d;
	if (start > (int64_t)n - 1) {
		*k0 = *k1 = 0;
		return;
	}
	hi = ((int64_t)n - 1 - start) / d + 1;
	if (hi > k)
		hi = k;
	if (lo >= hi) {
		*k0 = *k1 = 0;
		return;
	}
	*k0 = (uint32_t)lo;
	*k1 = (uint32_t)hi;
}

/* End (exclusive) of the bytes a map touches; UINT64_MAX on overflow. */
static uint64_t fm_end(const struct fmap *f)
{
	uint64_t e = f->base, t;

	if (mul_ovf(f->h - 1, f->rs, &t) || add_ovf(e, t, &e) ||
	    mul_ovf(f->w - 1, f->ps, &t) || add_ovf(e, t, &e) ||
	    mul_ovf(f->c - 1, f->cs, &t) || add_ovf(e, t, &e) || add_ovf(e, 1, &e))
		return UINT64_MAX;
	return e;
}

/*
 * IFM/OFM: channel stride 1, pixel stride 0 meaning C and row stride 0
 * meaning W * pixel stride.  Pixels and rows must not overlap: an output
 * written twice would depend on order, and it keeps every dense copy the
 * engine makes no larger than the SRAM.
 */
static bool fm_init(struct fmap *f, const uint32_t *p, uint32_t base_reg, uint32_t h,
		    uint32_t w, uint32_t c, uint32_t rs_reg, uint32_t ps_reg, uint32_t zp_reg)
{
	f->base = p[base_reg];
	f->h = h;
	f->w = w;
	f->c = c;
	f->cs = 1;
	f->ps = p[ps_reg] ? p[ps_reg] : c;
	f->rs = p[rs_reg] ? p[rs_reg] : (uint64_t)w * f->ps;
	f->zp = zp_reg ? (int32_t)p[zp_reg] : 0;
	if (!h || !w || !c)
		return false;
	if (w > 1 && f->ps < c)
		return false;
	if (h > 1 && f->rs < (uint64_t)(w - 1) * f->ps + c)
		return false;
	return true;
}

static void add_read(struct op *o, uint64_t lo, uint64_t len)
{
	o->rd[o->nrd].lo = lo;
	o->rd[o->nrd].hi = len > UINT64_MAX - lo ? UINT64_MAX : lo + len;
	o->nrd++;
}

static void add_read_fm(struct op *o, const struct fmap *f)
{
	o->rd[o->nrd].lo = f->base;
	o->rd[o->nrd].hi = fm_end(f);
	o->nrd++;
}

/* Output positions must stay far from int64 overflow; no real network comes
 * near 2^31. */
static bool window_ok(uint32_t out, uint32_t stride, uint32_t k, uint32_t d)
{
	uint64_t a = (uint64_t)(out - 1) * stride, b = (uint64_t)(k - 1) * d;

	return a < (1ull << 31) && b < (1ull << 31);
}

/* A zero point keeps operands in int16 when value - zp fits for every
 * value of the dtype. */
static bool zp_narrow(const struct op *o, int32_t zp)
{
	return (int64_t)o->qmax - zp <= INT16_MAX && (int64_t)o->qmin - zp >= INT16_MIN;
}

static int decode_window(struct op *o, const uint32_t *p)
{
	o->kh = p[ENPU1_P_KERNEL_H];
	o->kw = p[ENPU1_P_KERNEL_W];
	o->sh = p[ENPU1_P_STRIDE_H];
	o->sw = p[ENPU1_P_STRIDE_W];
	o->dh = p[ENPU1_P_DILATION_H] ? p[ENPU1_P_DILATION_H] : 1;
	o->dw = p[ENPU1_P_DILATION_W] ? p[ENPU1_P_DILATION_W] : 1;
	o->pt = p[ENPU1_P_PAD_TOP];
	o->pl = p[ENPU1_P_PAD_LEFT];
	if (!o->kh || !o->kw || !o->sh || !o->sw)
		return ENPU1_JOB_DECODE_ERROR;
	if (!window_ok(o->ofm.h, o->sh, o->kh, o->dh) ||
	    !window_ok(o->ofm.w, o->sw, o->kw, o->dw))
		return ENPU1_JOB_DECODE_ERROR;
	return ENPU1_JOB_OK;
}

/*
 * Pooling over an empty window has no defined value: such a geometry is a
 * DECODE_ERROR rather than an invented result.  Runs after the range
 * checks, which bound the loops by the SRAM size.
 */
static bool pool_windows_ok(const struct op *o)
{
	uint32_t k0, k1;

	for (uint32_t y = 0; y < o->ofm.h; y++) {
		win_range((int64_t)y * o->sh - o->pt, o->kh, o->dh, o->ifm.h, &k0, &k1);
		if (k0 == k1)
			return false;
	}
	for (uint32_t x = 0; x < o->ofm.w; x++) {
		win_range((int64_t)x * o->sw - o->pl, o->kw, o->dw, o->ifm.w, &k0, &k1);
		if (k0 == k1)
			return false;
	}
	return true;
}

/* Weights, bias and quantization table of CONV, DEPTHWISE and FC. */
static int decode_mac(struct op *o, const uint32_t *p, uint64_t nweights, uint64_t macs)
{
	uint32_t oc = o->ofm.c;

	o->wzp = (int32_t)p[ENPU1_P_WEIGHT_ZP];
	o->narrow = zp_narrow(o, o->ifm.zp) && zp_narrow(o, o->wzp);
	o->work = macs;
	o->is_mac = true;
	add_read(o, p[ENPU1_P_WEIGHT_SRAM], nweights);
	o->sram_bytes = nweights;
	if (o->flags & ENPU1_F_BIAS) {
		add_read(o, p[ENPU1_P_BIAS_SRAM], 4ull * oc);
		o->sram_bytes += 4ull * oc;
	}
	if (o->flags & ENPU1_F_PER_CHANNEL) {
		add_read(o, p[ENPU1_P_QUANT_SRAM], 8ull * oc);
		o->sram_bytes += 8ull * oc;
	}
	return ENPU1_JOB_OK;
}

static int decode_compute(struct op *o, const uint32_t *p)
{
	uint64_t t, macs, nw;
	int st;

	switch (p[ENPU1_P_DTYPE]) {
	case ENPU1_DTYPE_UINT8:
		o->sgn = false;
		o->qmin = 0;
		o->qmax = 255;
		break;
	case ENPU1_DTYPE_INT8:
		o->sgn = true;
		o->qmin = -128;
		o->qmax = 127;
		break;
	default:
		return ENPU1_JOB_DECODE_ERROR;
	}
	o->flags = p[ENPU1_P_FLAGS];
	if (o->flags & ~ENPU1_F_ALL)
		return ENPU1_JOB_DECODE_ERROR;

	bool fc = o->code == ENPU1_OP_FULLY_CONNECTED;

	/* FC rows are one pixel wide whatever W says. */
	if (!fm_init(&o->ifm, p, ENPU1_P_IFM_SRAM, p[ENPU1_P_IFM_H], fc ? 1 : p[ENPU1_P_IFM_W],
		     p[ENPU1_P_IFM_C], ENPU1_P_IFM_ROW_STRIDE, ENPU1_P_IFM_PIXEL_STRIDE,
		     ENPU1_P_IFM_ZP))
		return ENPU1_JOB_DECODE_ERROR;
	if (!fm_init(&o->ofm, p, ENPU1_P_OFM_SRAM, p[ENPU1_P_OFM_H], fc ? 1 : p[ENPU1_P_OFM_W],
		     p[ENPU1_P_OFM_C], ENPU1_P_OFM_ROW_STRIDE, ENPU1_P_OFM_PIXEL_STRIDE,
		     ENPU1_P_OFM_ZP))
		return ENPU1_JOB_DECODE_ERROR;

	struct fmap *in = &o->ifm, *out = &o->ofm;
	uint64_t in_elems, out_elems, tap;

	if (mul_ovf((uint64_t)out->h * out->w, out->c, &out_elems) ||
	    mul_ovf((uint64_t)in->h * in->w, in->c, &in_elems))
		return ENPU1_JOB_DECODE_ERROR;

	add_read_fm(o, in);
	switch (o->code) {
	case ENPU1_OP_CONV:
		if ((st = decode_window(o, p)))
			return st;
		tap = (uint64_t)o->kh * o->kw;
		if (mul_ovf(tap, in->c, &t) || mul_ovf(t, out->c, &nw) || mul_ovf(t, out_elems, &macs))
			return ENPU1_JOB_DECODE_ERROR;
		decode_mac(o, p, nw, macs);
		break;
	case ENPU1_OP_DEPTHWISE:
		o->dm = p[ENPU1_P_DEPTH_MULT];
		if (!o->dm || (uint64_t)in->c * o->dm != out->c)
			return ENPU1_JOB_DECODE_ERROR;
		if ((st = decode_window(o, p)))
			return st;
		tap = (uint64_t)o->kh * o->kw;
		if (mul_ovf(tap, out->c, &nw) || mul_ovf(tap, out_elems, &macs))
			return ENPU1_JOB_DECODE_ERROR;
		decode_mac(o, p, nw, macs);
		break;
	case ENPU1_OP_FULLY_CONNECTED:
		if (out->h != in->h)
			return ENPU1_JOB_DECODE_ERROR;
		if (mul_ovf(in->c, out->c, &nw) || mul_ovf(nw, in->h, &macs))
			return ENPU1_JOB_DECODE_ERROR;
		decode_mac(o, p, nw, macs);
		break;
	case ENPU1_OP_MAX_POOL:
	case ENPU1_OP_AVG_POOL:
		if (out->c != in->c)
			return ENPU1_JOB_DECODE_ERROR;
		if ((st = decode_window(o, p)))
			return st;
		if (mul_ovf((uint64_t)o->kh * o->kw, out_elems, &o->work))
			return ENPU1_JOB_DECODE_ERROR;
		break;
	case ENPU1_OP_ADD:
	case ENPU1_OP_MUL:
		if (in->h != out->h || in->w != out->w || in->c != out->c)
			return ENPU1_JOB_DECODE_ERROR;
		/* IFM2 strides are literal: zero broadcasts. */
		o->ifm2 = (struct fmap){
			.base = p[ENPU1_P_IFM2_SRAM], .h = out->h, .w = out->w, .c = out->c,
			.rs = p[ENPU1_P_IFM2_ROW_STRIDE], .ps = p[ENPU1_P_IFM2_PIXEL_STRIDE],
			.cs = p[ENPU1_P_IFM2_CHAN_STRIDE], .zp = (int32_t)p[ENPU1_P_IFM2_ZP],
		};
		add_read_fm(o, &o->ifm2);
		o->work = out_elems;
		o->sram_bytes = out_elems;
		break;
	case ENPU1_OP_LUT:
		if (in->h != out->h || in->w != out->w || in->c != out->c)
			return ENPU1_JOB_DECODE_ERROR;
		add_read(o, p[ENPU1_P_LUT_SRAM], 256);
		o->work = out_elems;
		o->sram_bytes = 256;
		break;
	case ENPU1_OP_SOFTMAX:
		if (in->h != out->h || in->w != out->w || in->c != out->c)
			return ENPU1_JOB_DECODE_ERROR;
		/* The table is read as whole binary32 words. */
		if (p[ENPU1_P_SOFTMAX_TABLE_SRAM] % 4)
			return ENPU1_JOB_DECODE_ERROR;
		add_read(o, p[ENPU1_P_SOFTMAX_TABLE_SRAM], 1024);
		o->chain_rows = (uint64_t)out->h * out->w;
		o->chain_len = out->c;
		/* Three passes over each row (max, sum, scale), one reciprocal. */
		if (mul_ovf(out_elems, 3, &t) || add_ovf(t, o->chain_rows, &o->work))
			return ENPU1_JOB_DECODE_ERROR;
		o->sram_bytes = 1024;
		break;
	}
	if (add_ovf(o->sram_bytes, in_elems, &o->sram_bytes) ||
	    add_ovf(o->sram_bytes, out_elems, &o->sram_bytes))
		return ENPU1_JOB_DECODE_ERROR;
	o->wr.lo = out->base;
	o->wr.hi = fm_end(out);
	return ENPU1_JOB_OK;
}

/* ------------------------------------------------------------------------ */
/* Hazards: SRAM ranges each queue wrote since the last SYNC */

static bool pending_hit(const struct enpu_engine_pending *pd, uint64_t lo, uint64_t hi)
{
	for (uint32_t i = 0; i < pd->count; i++)
		if (lo < pd->hi[i] && pd->lo[i] < hi)
			return true;
	return false;
}

static void pending_add(struct enpu_engine_core *core, int q, uint32_t lo, uint32_t hi)
{
	struct enpu_engine_pending *pd = &core->pending[q];
	uint32_t i = 0;

	/* Folding touching ranges together keeps the table short for the
	 * usual tile-after-tile streams. */
	while (i < pd->count) {
		if (lo <= pd->hi[i] && pd->lo[i] <= hi) {
			if (pd->lo[i] < lo)
				lo = pd->lo[i];
			if (pd->hi[i] > hi)
				hi = pd->hi[i];
			pd->count--;
			pd->lo[i] = pd->lo[pd->count];
			pd->hi[i] = pd->hi[pd->count];
			continue;
		}
		i++;
	}
	if (pd->count == ENPU_ENGINE_PENDING_MAX) {
		/* Out of tracking slots: the queue stalls until both drain,
		 * which is a SYNC; this operation's writes are then done. */
		enpu_engine_sync(core);
		return;
	}
	pd->lo[pd->count] = lo;
	pd->hi[pd->count] = hi;
	pd->count++;
}

/* ------------------------------------------------------------------------ */
/* Execution */

static inline int32_t val8(bool sgn, uint8_t b)
{
	return sgn ? (int8_t)b : b;
}

static inline void store8(uint8_t *d, int32_t v)
{
	*d = (uint8_t)v;
}

#define KCAT2(a, b) a##_##b
#define KCAT(a, b) KCAT2(a, b)
#define KFN(name) KCAT(name, KSUF)

#define KT int16_t
#define KSUF s16
#include "engine_kernels.h"
#undef KT
#undef KSUF

#define KT uint32_t
#define KSUF u32
#include "engine_kernels.h"
#undef KT
#undef KSUF

/* CONV, DEPTHWISE and FC: accumulate in the chosen operand width, then
 * requantize [pixel][oc] accumulators into the OFM. */
static int run_mac(struct enpu_engine_core *core, const struct op *o, const uint32_t *p)
{
	const uint8_t *sram = core->sram;
	const uint32_t oc = o->ofm.c;
	const uint64_t npix = (uint64_t)o->ofm.h * o->ofm.w;
	const size_t esz = o->narrow ? sizeof(int16_t) : sizeof(uint32_t);
	size_t nin = (size_t)o->ifm.h * o->ifm.w * o->ifm.c, nw;
	void *in = NULL, *wt = NULL, *patch = NULL;
	uint32_t *acc = NULL, *bias = NULL, *mult = NULL;
	int32_t *shift = NULL;
	int st = ENPU1_JOB_ABORTED;	/* host out of memory */

	switch (o->code) {
	case ENPU1_OP_CONV:
		nw = (size_t)oc * o->kh * o->kw * o->ifm.c;
		break;
	case ENPU1_OP_DEPTHWISE:
		nw = (size_t)o->kh * o->kw * oc;
		break;
	default:
		nw = (size_t)oc * o->ifm.c;
		break;
	}
	in = malloc(nin * esz);
	wt = malloc(nw * esz);
	acc = malloc(npix * oc * sizeof(*acc));
	bias = calloc(oc, sizeof(*bias));
	mult = malloc(oc * sizeof(*mult));
	shift = malloc(oc * sizeof(*shift));
	if (o->code == ENPU1_OP_CONV)
		patch = malloc((nw / oc) * esz);
	if (!in || !wt || !acc || !bias || !mult || !shift ||
	    (o->code == ENPU1_OP_CONV && !patch))
		goto out;

	/* Every input is read before the OFM is written, so an OFM that
	 * overlaps an input sees the old values. */
	const uint8_t *wsrc = sram + p[ENPU1_P_WEIGHT_SRAM];

	for (uint32_t c = 0; c < oc; c++) {
		if (o->flags & ENPU1_F_BIAS)
			bias[c] = (uint32_t)rd_le32(sram + p[ENPU1_P_BIAS_SRAM] + 4ull * c);
		if (o->flags & ENPU1_F_PER_CHANNEL) {
			const uint8_t *q = sram + p[ENPU1_P_QUANT_SRAM] + 8ull * c;

			mult[c] = (uint32_t)rd_le32(q);
			shift[c] = rd_le32(q + 4);
		} else {
			mult[c] = p[ENPU1_P_OUT_MULT];
			shift[c] = (int32_t)p[ENPU1_P_OUT_SHIFT];
		}
	}
	if (o->narrow) {
		load_fm_s16(&o->ifm, o->sgn, in);
		load_w_s16(wsrc, nw, o->sgn, o->wzp, wt);
		if (o->code == ENPU1_OP_CONV)
			conv_s16(o, in, wt, patch, acc);
		else if (o->code == ENPU1_OP_DEPTHWISE)
			dwconv_s16(o, in, wt, acc);
		else
			fc_s16(o, in, wt, acc);
	} else {
		load_fm_u32(&o->ifm, o->sgn, in);
		load_w_u32(wsrc, nw, o->sgn, o->wzp, wt);
		if (o->code == ENPU1_OP_CONV)
			conv_u32(o, in, wt, patch, acc);
		else if (o->code == ENPU1_OP_DEPTHWISE)
			dwconv_u32(o, in, wt, acc);
		else
			fc_u32(o, in, wt, acc);
	}

	struct rq r;

	rq_init(&r, o, p);
	for (uint32_t y = 0; y < o->ofm.h; y++) {
		for (uint32_t x = 0; x < o->ofm.w; x++) {
			const uint32_t *a = acc + ((size_t)y * o->ofm.w + x) * oc;
			uint8_t *d = core->sram + o->ofm.base + y * o->ofm.rs + x * o->ofm.ps;

			for (uint32_t c = 0; c < oc; c++)
				store8(d + c, rq_apply(&r, (int32_t)(a[c] + bias[c]), mult[c],
						       shift[c]));
		}
	}
	st = ENPU1_JOB_OK;
out:
	free(in);
	free(wt);
	free(patch);
	free(acc);
	free(bias);
	free(mult);
	free(shift);
	return st;
}

static int run_pool(struct enpu_engine_core *core, const struct op *o, const uint32_t *p)
{
	const struct fmap *in = &o->ifm;
	const uint32_t c = o->ofm.c;
	const int32_t amin = (int32_t)p[ENPU1_P_ACT_MIN], amax = (int32_t)p[ENPU1_P_ACT_MAX];
	const bool avg = o->code == ENPU1_OP_AVG_POOL;
	int64_t *acc = malloc(c * sizeof(*acc));

	if (!acc)
		return ENPU1_JOB_ABORTED;
	for (uint32_t oy = 0; oy < o->ofm.h; oy++) {
		int64_t y0 = (int64_t)oy * o->sh - o->pt;
		uint32_t kh0, kh1;

		win_range(y0, o->kh, o->dh, in->h, &kh0, &kh1);
		for (uint32_t ox = 0; ox < o->ofm.w; ox++) {
			int64_t x0 = (int64_t)ox * o->sw - o->pl;
			uint32_t kw0, kw1;

			win_range(x0, o->kw, o->dw, in->w, &kw0, &kw1);
			for (uint32_t i = 0; i < c; i++)
				acc[i] = avg ? 0 : INT64_MIN;
			for (uint32_t kh = kh0; kh < kh1; kh++) {
				uint64_t iy = (uint64_t)(y0 + (int64_t)kh * o->dh);

				for (uint32_t kw = kw0; kw < kw1; kw++) {
					uint64_t ix = (uint64_t)(x0 + (int64_t)kw * o->dw);
					const uint8_t *s = in->rd + iy * in->rs + ix * in->ps;

					if (avg) {
						for (uint32_t i = 0; i < c; i++)
							acc[i] += val8(o->sgn, s[i]);
					} else {
						for (uint32_t i = 0; i < c; i++) {
							int64_t v = val8(o->sgn, s[i]);

							if (v > acc[i])
								acc[i] = v;
						}
					}
				}
			}
			int64_t n = (int64_t)(kh1 - kh0) * (kw1 - kw0);
			uint8_t *d = core->sram + o->ofm.base + oy * o->ofm.rs + ox * o->ofm.ps;

			for (uint32_t i = 0; i < c; i++) {
				int64_t v = acc[i];

				if (avg)
					v = v >= 0 ? (v + n / 2) / n : (v - n / 2) / n;
				if (v < amin)
					v = amin;
				if (v > amax)
					v = amax;
				store8(d + i, (int32_t)v);
			}
		}
	}
	free(acc);
	return ENPU1_JOB_OK;
}

static int32_t sat_shl(int64_t v, uint32_t s)
{
	if (!v)
		return 0;
	if (s >= 32)
		return v > 0 ? INT32_MAX : INT32_MIN;
	return sat32(v * ((int64_t)1 << s));
}

static void run_eltwise(struct enpu_engine_core *core, const struct op *o, const uint32_t *p)
{
	const struct fmap *a = &o->ifm, *b = &o->ifm2, *out = &o->ofm;
	const int64_t zp1 = a->zp, zp2 = b->zp;
	struct rq r;

	rq_init(&r, o, p);
	const uint32_t ls = p[ENPU1_P_EW_LEFT_SHIFT];
	const int32_t m1 = (int32_t)p[ENPU1_P_IN1_MULT], s1 = (int32_t)p[ENPU1_P_IN1_SHIFT];
	const int32_t m2 = (int32_t)p[ENPU1_P_IN2_MULT], s2 = (int32_t)p[ENPU1_P_IN2_SHIFT];
	const uint32_t om = p[ENPU1_P_OUT_MULT];
	const int32_t os = (int32_t)p[ENPU1_P_OUT_SHIFT];
	const bool add = o->code == ENPU1_OP_ADD;

	for (uint32_t y = 0; y < out->h; y++) {
		for (uint32_t x = 0; x < out->w; x++) {
			const uint8_t *pa = a->rd + y * a->rs + x * a->ps;
			const uint8_t *pb = b->rd + y * b->rs + x * b->ps;
			uint8_t *d = core->sram + out->base + y * out->rs + x * out->ps;

			for (uint32_t c = 0; c < out->c; c++) {
				int64_t xa = val8(o->sgn, pa[c]) - zp1;
				int64_t xb = val8(o->sgn, pb[c * b->cs]) - zp2;
				int32_t v;

				if (add) {
					int32_t sa = mbqm(sat_shl(xa, ls), m1, s1);
					int32_t sb = mbqm(sat_shl(xb, ls), m2, s2);

					v = rq_fixed(&r, sat32((int64_t)sa + sb), (int32_t)om, os);
				} else {
					/* The int32 accumulator wraps, as in CONV. */
					int32_t acc = (int32_t)(uint32_t)(uint64_t)(xa * xb);

					v = rq_apply(&r, acc, om, os);
				}
				store8(d + c, v);
			}
		}
	}
}

/* binary32 to int32, truncating toward zero, saturating, NaN to 0. */
static inline int64_t f2i_sat(float f)
{
	if (f != f)
		return 0;
	if (f >= 2147483648.0f)
		return INT32_MAX;
	if (f <= -2147483648.0f)
		return INT32_MIN;
	return (int32_t)f;
}

/*
 * SOFTMAX: every float operation of isa.rst, one binary32 operation each
 * and in the same order (the sum runs over the row in element order), so
 * the bytes are the spec's on any IEEE-754 host.  Products and sums sit
 * in separate statements because C lets a compiler contract a * b + c
 * into one FMA only within an expression.
 */
static void run_softmax(struct enpu_engine_core *core, const struct op *o, const uint32_t *p)
{
	const struct fmap *a = &o->ifm, *out = &o->ofm;
	const float scale = bits_to_float(p[ENPU1_P_SOFTMAX_OUT_SCALE]);
	const uint8_t *tp = core->sram + p[ENPU1_P_SOFTMAX_TABLE_SRAM];
	float tab[256];
	struct rq r;

	rq_init(&r, o, p);
	/* Copied first: the OFM may overlap the table. */
	for (int i = 0; i < 256; i++)
		tab[i] = bits_to_float((uint32_t)rd_le32(tp + 4 * i));
	for (uint32_t y = 0; y < out->h; y++) {
		for (uint32_t x = 0; x < out->w; x++) {
			const uint8_t *s = a->rd + y * a->rs + x * a->ps;
			uint8_t *d = core->sram + out->base + y * out->rs + x * out->ps;
			int32_t mx = val8(o->sgn, s[0]);

			for (uint32_t c = 1; c < out->c; c++) {
				int32_t v = val8(o->sgn, s[c]);

				mx = v > mx ? v : mx;
			}
			/* Entry 255 - (mx - v), in [0, 255]: the maximum reads 255. */
			const int32_t base = 255 - mx;
			float sum = 0.0f;

			for (uint32_t c = 0; c < out->c; c++)
				sum += tab[base + val8(o->sgn, s[c])];
			float den = sum * scale;
			float inv = 1.0f / den;

			for (uint32_t c = 0; c < out->c; c++) {
				float pr = tab[base + val8(o->sgn, s[c])] * inv;
				int64_t q;

				if (o->sgn) {
					q = f2i_sat(roundf(pr));
				} else {
					float h = pr + 0.5f;

					q = f2i_sat(h);
				}
				store8(d + c, clamp_out(&r, q + r.zp));
			}
		}
	}
}

static void run_lut(struct enpu_engine_core *core, const struct op *o, const uint32_t *p)
{
	const struct fmap *a = &o->ifm, *out = &o->ofm;
	uint8_t lut[256];

	memcpy(lut, core->sram + p[ENPU1_P_LUT_SRAM], sizeof(lut));
	for (uint32_t y = 0; y < out->h; y++) {
		for (uint32_t x = 0; x < out->w; x++) {
			const uint8_t *s = a->rd + y * a->rs + x * a->ps;
			uint8_t *d = core->sram + out->base + y * out->rs + x * out->ps;

			for (uint32_t c = 0; c < out->c; c++)
				d[c] = lut[s[c]];
		}
	}
}

/* Inputs of the element-wise operations and pooling are read while the
 * OFM is written; one that overlaps the OFM is read from a snapshot so the
 * operation sees its inputs as they were before it started. */
static int snapshot(struct enpu_engine_core *core, const struct op *o, struct fmap *f,
		    uint8_t **buf)
{
	uint64_t end = fm_end(f);

	f->rd = core->sram + f->base;
	*buf = NULL;
	if (!(f->base < o->wr.hi && o->wr.lo < end))
		return 0;
	*buf = malloc(end - f->base);
	if (!*buf)
		return -1;
	memcpy(*buf, core->sram + f->base, end - f->base);
	f->rd = *buf;
	return 0;
}

static int run_dma(struct enpu_engine_core *core, const struct enpu_engine_mem *mem,
		   uint32_t code, const uint32_t *p, struct enpu_fw_fault *fault)
{
	const uint64_t va0 = (uint64_t)p[ENPU1_P_DMA_VA_HI] << 32 | p[ENPU1_P_DMA_VA_LO];
	const uint32_t rows = p[ENPU1_P_DMA_ROWS] ? p[ENPU1_P_DMA_ROWS] : 1;
	const uint32_t planes = p[ENPU1_P_DMA_PLANES] ? p[ENPU1_P_DMA_PLANES] : 1;
	const uint32_t len = p[ENPU1_P_DMA_ROW_BYTES];
	const uint64_t srs = p[ENPU1_P_DMA_SRAM_ROW_STRIDE], sps = p[ENPU1_P_DMA_SRAM_PLANE_STRIDE];
	const uint64_t vrs = p[ENPU1_P_DMA_VA_ROW_STRIDE], vps = p[ENPU1_P_DMA_VA_PLANE_STRIDE];
	const uint64_t base = p[ENPU1_P_DMA_SRAM];
	uint64_t bytes, end = base, t;

	if (!len || mul_ovf((uint64_t)rows * planes, len, &bytes))
		return ENPU1_JOB_DECODE_ERROR;
	if (mul_ovf(planes - 1, sps, &t) || add_ovf(end, t, &end) ||
	    mul_ovf(rows - 1, srs, &t) || add_ovf(end, t, &end) ||
	    add_ovf(end, len, &end) || end > core->sram_size)
		return ENPU1_JOB_SRAM_RANGE;
	/* A load writes, a store reads, SRAM the compute queue may still be
	 * writing. */
	if (pending_hit(&core->pending[Q_COMPUTE], base, end))
		return ENPU1_JOB_HAZARD;
	if (!mem || (code == ENPU1_OP_DMA_LOAD ? !mem->va_read : !mem->va_write))
		return ENPU1_JOB_BUS_ERROR;

	for (uint32_t pl = 0; pl < planes; pl++) {
		for (uint32_t r = 0; r < rows; r++) {
			uint64_t va = va0 + pl * vps + r * vrs;
			uint8_t *s = core->sram + base + pl * sps + r * srs;
			int st = code == ENPU1_OP_DMA_LOAD
					 ? mem->va_read(mem->ctx, va, s, len, fault)
					 : mem->va_write(mem->ctx, va, s, len, fault);

			if (st != ENPU1_JOB_OK)
				return st;
		}
	}

	const struct enpu_timing *tm = core->timing;
	uint32_t bpc = tm && tm->bus_bytes_per_cycle ? tm->bus_bytes_per_cycle : 1;

	core->dma_time += (tm ? tm->dma_latency_cycles : 0) + div_ceil(bytes, bpc);
	core->bus_bytes += bytes;
	if (code == ENPU1_OP_DMA_LOAD)
		pending_add(core, Q_DMA, (uint32_t)base, (uint32_t)end);
	return ENPU1_JOB_OK;
}

void enpu_engine_job_begin(struct enpu_engine_core *core)
{
	core->dma_time = 0;
	core->compute_time = 0;
	core->macs = 0;
	core->bus_bytes = 0;
	core->pending[Q_DMA].count = 0;
	core->pending[Q_COMPUTE].count = 0;
}

void enpu_engine_sync(struct enpu_engine_core *core)
{
	uint64_t t = core->dma_time > core->compute_time ? core->dma_time : core->compute_time;

	core->dma_time = t;
	core->compute_time = t;
	core->pending[Q_DMA].count = 0;
	core->pending[Q_COMPUTE].count = 0;
}

uint64_t enpu_engine_cycles(const struct enpu_engine_core *core)
{
	return core->dma_time > core->compute_time ? core->dma_time : core->compute_time;
}

int enpu_engine_run(struct enpu_engine_core *core, const struct enpu_engine_mem *mem,
		    uint32_t opcode, const uint32_t *params, struct enpu_fw_fault *fault)
{
	struct enpu_fw_fault dummy;
	struct op o;
	int st;

	if (!fault)
		fault = &dummy;
	if (opcode == ENPU1_OP_DMA_LOAD || opcode == ENPU1_OP_DMA_STORE)
		return run_dma(core, mem, opcode, params, fault);
	if (opcode < ENPU1_OP_CONV || opcode >= ENPU1_OP_MAX)
		return ENPU1_JOB_DECODE_ERROR;

	memset(&o, 0, sizeof(o));
	o.code = opcode;
	if ((st = decode_compute(&o, params)))
		return st;
	for (int i = 0; i < o.nrd; i++)
		if (o.rd[i].hi > core->sram_size)
			return ENPU1_JOB_SRAM_RANGE;
	if (o.wr.hi > core->sram_size)
		return ENPU1_JOB_SRAM_RANGE;
	if ((opcode == ENPU1_OP_MAX_POOL || opcode == ENPU1_OP_AVG_POOL) && !pool_windows_ok(&o))
		return ENPU1_JOB_DECODE_ERROR;
	for (int i = 0; i < o.nrd; i++)
		if (pending_hit(&core->pending[Q_DMA], o.rd[i].lo, o.rd[i].hi))
			return ENPU1_JOB_HAZARD;
	if (pending_hit(&core->pending[Q_DMA], o.wr.lo, o.wr.hi))
		return ENPU1_JOB_HAZARD;

	uint8_t *snap1 = NULL, *snap2 = NULL;

	switch (opcode) {
	case ENPU1_OP_CONV:
	case ENPU1_OP_DEPTHWISE:
	case ENPU1_OP_FULLY_CONNECTED:
		o.ifm.rd = core->sram + o.ifm.base;
		st = run_mac(core, &o, params);
		break;
	default:
		st = ENPU1_JOB_ABORTED;
		if (snapshot(core, &o, &o.ifm, &snap1))
			break;
		if ((opcode == ENPU1_OP_ADD || opcode == ENPU1_OP_MUL) &&
		    snapshot(core, &o, &o.ifm2, &snap2))
			break;
		st = ENPU1_JOB_OK;
		if (opcode == ENPU1_OP_MAX_POOL || opcode == ENPU1_OP_AVG_POOL)
			st = run_pool(core, &o, params);
		else if (opcode == ENPU1_OP_LUT)
			run_lut(core, &o, params);
		else if (opcode == ENPU1_OP_SOFTMAX)
			run_softmax(core, &o, params);
		else
			run_eltwise(core, &o, params);
		break;
	}
	free(snap1);
	free(snap2);
	if (st)
		return st;

	const struct enpu_timing *t = core->timing;
	uint64_t mpc = t && t->macs_per_cycle ? t->macs_per_cycle : 1;
	uint64_t sbpc = t && t->sram_bytes_per_cycle ? t->sram_bytes_per_cycle : 1;
	uint64_t rate = o.is_mac ? mpc : (mpc / 4 ? mpc / 4 : 1);
	uint64_t c1 = div_ceil(o.work, rate), c2 = div_ceil(o.sram_bytes, sbpc);
	/* An in-order sum is a chain of dependent additions, one per cycle;
	 * only separate rows run side by side, one per vector lane.  Bounded
	 * by the SRAM size: the rows' elements are distinct bytes. */
	uint64_t c3 = div_ceil(o.chain_rows, rate) * o.chain_len;

	if (c2 > c1)
		c1 = c2;
	if (c3 > c1)
		c1 = c3;
	core->compute_time += (t ? t->op_overhead_cycles : 0) + c1;
	if (o.is_mac)
		core->macs += o.work;
	pending_add(core, Q_COMPUTE, (uint32_t)o.wr.lo, (uint32_t)o.wr.hi);
	return ENPU1_JOB_OK;
}
