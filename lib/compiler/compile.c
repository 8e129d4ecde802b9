// SPDX-License-Identifier: MIT
/*
 * Graph compiler: placement, partitioning and lowering to ENPU-1 command
 * streams.  Documentation/lib/compiler.rst describes the design; the rules
 * that matter for correctness are:
 *  - an op goes to the chip only when the chip computes the same bytes as
 *    the CPU backend with the same requantization mode (the arithmetic of
 *    both sides is derived here from the same formulas as lib/src/ops.c, and
 *    ADD is proved exhaustively on the chip model itself);
 *  - every stream separates producer and consumer of SRAM bytes on
 *    different queues with a SYNC (the engine's hazard checker enforces it);
 *  - nothing depends on addresses or allocation order, so the same model
 *    and options always give the same program.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "kernels.h"
#include "quant.h"

#define ALIGN 64u
#define AL(x) (((uint64_t)(x) + ALIGN - 1) & ~(uint64_t)(ALIGN - 1))

/* ------------------------------------------------------------------------ */
/* Stream builder: parameter writes are staged and only the registers whose
 * value changes are emitted, merged into one SETP per run of indices. */

struct sb {
	uint32_t *w;
	size_t n, cap;
	int oom;
	uint32_t cur[ENPU1_P_COUNT];	/* registers as the chip will hold them */
	uint32_t want[ENPU1_P_COUNT];
};

static void sb_word(struct sb *b, uint32_t v)
{
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 1024;
		uint32_t *nw = realloc(b->w, nc * sizeof(*nw));

		if (!nw) {
			b->oom = 1;
			return;
		}
		b->w = nw;
		b->cap = nc;
	}
	b->w[b->n++] = v;
}

static void sb_set(struct sb *b, unsigned idx, uint32_t v)
{
	b->want[idx] = v;
}

static void sb_cmd(struct sb *b, uint32_t op)
{
	for (unsigned i = 0; i < ENPU1_P_COUNT;) {
		if (b->want[i] == b->cur[i]) {
			i++;
			continue;
		}
		unsigned j = i;

		while (j < ENPU1_P_COUNT && b->want[j] != b->cur[j] && j - i < 255)
			j++;
		sb_word(b, ENPU1_CMD(ENPU1_OP_SETP, j - i, i));
		for (unsigned k = i; k < j; k++) {
			sb_word(b, b->want[k]);
			b->cur[k] = b->want[k];
		}
		i = j;
	}
	sb_word(b, ENPU1_CMD(op, 0, 0));
}

/* One DMA transfer of rows x row_bytes; dense rows collapse into one row. */
static void sb_dma(struct sb *b, int load, uint64_t va, uint64_t sram, uint64_t row_bytes,
		   uint64_t rows, uint64_t va_stride, uint64_t sram_stride)
{
	if (rows > 1 && va_stride == row_bytes && sram_stride == row_bytes &&
	    row_bytes * rows <= UINT32_MAX) {
		row_bytes *= rows;
		rows = 1;
	}
	if (rows <= 1)
		va_stride = sram_stride = 0;
	sb_set(b, ENPU1_P_DMA_VA_LO, (uint32_t)va);
	sb_set(b, ENPU1_P_DMA_VA_HI, (uint32_t)(va >> 32));
	sb_set(b, ENPU1_P_DMA_SRAM, (uint32_t)sram);
	sb_set(b, ENPU1_P_DMA_ROW_BYTES, (uint32_t)row_bytes);
	sb_set(b, ENPU1_P_DMA_ROWS, (uint32_t)rows);
	sb_set(b, ENPU1_P_DMA_PLANES, 1);
	sb_set(b, ENPU1_P_DMA_VA_ROW_STRIDE, (uint32_t)va_stride);
	sb_set(b, ENPU1_P_DMA_VA_PLANE_STRIDE, 0);
	sb_set(b, ENPU1_P_DMA_SRAM_ROW_STRIDE, (uint32_t)sram_stride);
	sb_set(b, ENPU1_P_DMA_SRAM_PLANE_STRIDE, 0);
	sb_cmd(b, load ? ENPU1_OP_DMA_LOAD : ENPU1_OP_DMA_STORE);
}

/* ------------------------------------------------------------------------ */
/* Constants: one blob, every piece 64-byte aligned. */

struct blob {
	uint8_t *d;
	size_t n, cap;
	int oom;
};

static size_t blob_reserve(struct blob *b, size_t len)
{
	size_t off = AL(b->n);

	if (off + len > b->cap) {
		size_t nc = b->cap ? b->cap : 65536;

		while (nc < off + len)
			nc *= 2;
		uint8_t *nd = realloc(b->d, nc);

		if (!nd) {
			b->oom = 1;
			return 0;
		}
		memset(nd + b->cap, 0, nc - b->cap);
		b->d = nd;
		b->cap = nc;
	}
	b->n = off + len;
	return off;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* ------------------------------------------------------------------------ */
/* Op description, derived from the model as lib/src/ops.c derives the CPU's. */

enum { LK_NONE = 0, LK_COPY = 0x100 };

struct lop {
	int kind;			/* ENPU1_OP_* or LK_COPY */
	int dtype;
	int ih, iw, ic, oh, ow, oc, fh, fw, sh, sw, dh, dw, pt, pl, dm, rows;
	int32_t in_zp, in2_zp, w_zp, out_zp, amin, amax;
	int tin, tin2, tout;
	const uint8_t *w;
	const int32_t *bias;
	int per_channel, fp32;
	uint32_t *mult;			/* oc entries (per channel) or 1 */
	int32_t *shift;
	uint32_t ew_ls, m1, m2, om;
	int32_t s1, s2, os;
	float *table;			/* SOFTMAX: the CPU's 256 exponentials */
	uint32_t sm_scale;		/* SOFTMAX: output scale, binary32 bits */
	size_t count;
	/* tiling */
	int tc, th, ngroups;
	uint64_t grp_bytes, ifm_bytes, ofm_bytes;
	uint64_t macs;
};

struct cctx {
	const enpu_model *m;
	const struct cp_options *o;
	uint32_t S;
	struct blob consts;
	struct cp_chip *scratch;	/* for proving ADD, created on demand */
};

static int out_size(int pad, int in, int f, int stride, int dil, int *pad_lead)
{
	int eff = (f - 1) * dil + 1;
	int out = pad == PAD_SAME ? (in + stride - 1) / stride : (in - eff + stride) / stride;
	int total = (out - 1) * stride + eff - in;

	*pad_lead = total > 0 ? total / 2 : 0;
	return out;
}

static int is_q8(const struct ir_tensor *t)
{
	return (t->type == ENPU_TYPE_UINT8 || t->type == ENPU_TYPE_INT8) && t->nq == 1;
}

static int op_requant(const struct cctx *c, int code)
{
	if (c->o->requant != ENPU_REQUANT_TFLITE_AS_RUN)
		return c->o->requant;
	/* Mirrors enpu_op_requant_mode(): XNNPACK takes conv, FC and ADD. */
	switch (code) {
	case OP_CONV_2D:
	case OP_DEPTHWISE_CONV_2D:
	case OP_FULLY_CONNECTED:
	case OP_ADD:
		return ENPU_REQUANT_FP32;
	}
	return ENPU_REQUANT_GEMMLOWP;
}

#define TT(i) (&c->m->t[op->in[i]])
#define OT(i) (&c->m->t[op->out[i]])

static const char *describe_mac(struct cctx *c, const struct ir_op *op, struct lop *l)
{
	const struct ir_tensor *x = TT(0), *w = TT(1), *o = OT(0);
	const struct ir_tensor *b = op->nin > 2 && op->in[2] >= 0 ? TT(2) : NULL;
	uint32_t caps = c->o->caps;
	int dw = op->code == OP_DEPTHWISE_CONV_2D, fc = op->code == OP_FULLY_CONNECTED;

	l->kind = fc ? ENPU1_OP_FULLY_CONNECTED : dw ? ENPU1_OP_DEPTHWISE : ENPU1_OP_CONV;
	if (!(caps & ENPU1_CAP_OP(l->kind)))
		return fc ? "the firmware does not offer FULLY_CONNECTED" :
		       dw ? "the firmware does not offer DEPTHWISE" : "the firmware does not offer CONV";
	if (!is_q8(x) || !is_q8(o) || !w->data || w->type != x->type)
		return "not an 8-bit quantized op";
	if (b && (b->type != ENPU_TYPE_INT32 || !b->data))
		return "bias is not a constant int32 tensor";
	l->tin = op->in[0];
	l->tout = op->out[0];
	l->w = w->data;
	l->bias = b ? b->data : NULL;
	l->dtype = x->type == ENPU_TYPE_UINT8 ? ENPU1_DTYPE_UINT8 : ENPU1_DTYPE_INT8;
	l->in_zp = (int32_t)x->zp[0];
	l->out_zp = (int32_t)o->zp[0];
	l->w_zp = w->type == ENPU_TYPE_UINT8 ? (int32_t)w->zp[0] : 0;
	if (enpu_act_range(op->o.act, o, &l->amin, &l->amax))
		return "fused activation the chip cannot clamp";
	if (fc) {
		if (w->ndim != 2 || op->o.fc_weights_format)
			return "unsupported FC weight layout";
		l->ic = w->dims[1];
		l->oc = w->dims[0];
		if (!l->ic || x->count % (size_t)l->ic)
			return "FC input is not a whole number of rows";
		l->rows = (int)(x->count / (size_t)l->ic);
		l->ih = l->oh = l->rows;
		l->iw = l->ow = l->fh = l->fw = l->sh = l->sw = l->dh = l->dw = 1;
	} else {
		if (x->ndim != 4 || w->ndim != 4 || o->ndim != 4)
			return "not a 4-D NHWC convolution";
		if (x->dims[0] != 1)
			return "batch above 1";
		l->ih = x->dims[1];
		l->iw = x->dims[2];
		l->ic = x->dims[3];
		l->fh = w->dims[1];
		l->fw = w->dims[2];
		l->oc = dw ? w->dims[3] : w->dims[0];
		if (dw && (!l->ic || l->oc % l->ic))
			return "depthwise channel multiplier is not whole";
		l->dm = dw ? l->oc / l->ic : 1;
		l->sh = op->o.stride_h;
		l->sw = op->o.stride_w;
		l->dh = op->o.dil_h;
		l->dw = op->o.dil_w;
		if ((l->dh > 1 || l->dw > 1) && !(caps & ENPU1_CAP_DILATION))
			return "dilated, and the firmware does not offer dilation";
		l->oh = out_size(op->o.padding, l->ih, l->fh, l->sh, l->dh, &l->pt);
		l->ow = out_size(op->o.padding, l->iw, l->fw, l->sw, l->dw, &l->pl);
		if (l->oh != o->dims[1] || l->ow != o->dims[2] || l->oc != o->dims[3])
			return "output shape differs from the padding rule";
	}
	if (b && b->count != (size_t)l->oc)
		return "bias length differs from the output channels";
	l->per_channel = w->nq > 1;
	if (l->per_channel && !(caps & ENPU1_CAP_PER_CHANNEL))
		return "per-channel weights, and the firmware does not offer per-channel requantization";
	l->fp32 = op_requant(c, op->code) == ENPU_REQUANT_FP32;
	if (l->fp32 && !(caps & ENPU1_CAP_REQUANT_FP32))
		return "CPU rounds in fp32 (XNNPACK), and the firmware does not offer REQUANT_FP32";
	int n = l->per_channel ? l->oc : 1;

	l->mult = calloc((size_t)n, sizeof(*l->mult));
	l->shift = calloc((size_t)n, sizeof(*l->shift));
	if (!l->mult || !l->shift)
		return "out of memory";
	for (int ch = 0; ch < n; ch++) {
		float ws = w->scale[w->nq > 1 ? ch : 0];
		if (l->fp32) {
			/* The same float expression as the CPU backend's scale. */
			float s = x->scale[0] * ws / o->scale[0];

			memcpy(&l->mult[ch], &s, 4);
		} else {
			double real = (double)x->scale[0] * (double)ws / (double)o->scale[0];
			int32_t mm;
			int sh;

			q_quantize_multiplier(real, &mm, &sh);
			l->mult[ch] = (uint32_t)mm;
			l->shift[ch] = sh;
		}
	}
	uint64_t taps = (uint64_t)l->fh * l->fw;

	l->macs = (uint64_t)l->oh * l->ow * l->oc * taps * (dw ? 1 : (uint64_t)l->ic);
	return NULL;
}

static const char *describe_pool(struct cctx *c, const struct ir_op *op, struct lop *l)
{
	const struct ir_tensor *x = TT(0), *o = OT(0);

	l->kind = op->code == OP_MAX_POOL_2D ? ENPU1_OP_MAX_POOL : ENPU1_OP_AVG_POOL;
	if (!(c->o->caps & ENPU1_CAP_OP(l->kind)))
		return l->kind == ENPU1_OP_MAX_POOL ? "the firmware does not offer MAX_POOL" :
						     "the firmware does not offer AVG_POOL";
	if (!is_q8(x) || !is_q8(o) || x->type != o->type || x->ndim != 4 || o->ndim != 4)
		return "not an 8-bit 4-D pool";
	if (x->dims[0] != 1)
		return "batch above 1";
	l->tin = op->in[0];
	l->tout = op->out[0];
	l->dtype = x->type == ENPU_TYPE_UINT8 ? ENPU1_DTYPE_UINT8 : ENPU1_DTYPE_INT8;
	l->ih = x->dims[1];
	l->iw = x->dims[2];
	l->ic = l->oc = x->dims[3];
	l->fh = op->o.filter_h;
	l->fw = op->o.filter_w;
	l->sh = op->o.stride_h;
	l->sw = op->o.stride_w;
	l->dh = l->dw = l->dm = 1;
	if (l->fh < 1 || l->fw < 1 || l->sh < 1 || l->sw < 1)
		return "empty window";
	l->oh = out_size(op->o.padding, l->ih, l->fh, l->sh, 1, &l->pt);
	l->ow = out_size(op->o.padding, l->iw, l->fw, l->sw, 1, &l->pl);
	if (l->oh != o->dims[1] || l->ow != o->dims[2] || l->oh < 1 || l->ow < 1)
		return "output shape differs from the padding rule";
	/* The chip refuses empty windows; the CPU would write 0 there. */
	for (int y = 0; y < l->oh; y++)
		if ((int64_t)y * l->sh - l->pt + l->fh <= 0 || (int64_t)y * l->sh - l->pt >= l->ih)
			return "a pooling window lies entirely in the padding";
	for (int xx = 0; xx < l->ow; xx++)
		if ((int64_t)xx * l->sw - l->pl + l->fw <= 0 || (int64_t)xx * l->sw - l->pl >= l->iw)
			return "a pooling window lies entirely in the padding";
	if (enpu_act_range(op->o.act, o, &l->amin, &l->amax))
		return "fused activation the chip cannot clamp";
	l->grp_bytes = 0;
	return NULL;
}

static void chip_params_common(struct sb *b, const struct lop *l);

/*
 * The chip's ADD is TFLite's reference ADD.  XNNPACK's form maps onto it
 * exactly: with EW_LEFT_SHIFT 22 and IN*_MULT = m << 10 (shift 0) each input
 * becomes 2 * m * (x - z) without rounding, OUT_MULT 2^30 halves the exact
 * sum, and OUT_SHIFT -shift divides by 2^shift rounding half away from zero
 * -- where XNNPACK rounds half up.  Whether that tie ever happens depends on
 * the multipliers, so the mapping is proved (or refuted) on the chip model
 * itself against the CPU kernel over all 65536 input pairs.
 */
static const char *describe_add(struct cctx *c, const struct ir_op *op, struct lop *l)
{
	const struct ir_tensor *a = TT(0), *b = TT(1), *o = OT(0);
	struct enpu_add_params p = { 0 };

	l->kind = ENPU1_OP_ADD;
	if (!(c->o->caps & ENPU1_CAP_OP(ENPU1_OP_ADD)))
		return "the firmware does not offer ADD";
	if (!is_q8(a) || !is_q8(b) || !is_q8(o) || a->type != o->type || b->type != o->type)
		return "not an 8-bit quantized ADD";
	if (a->count != o->count || b->count != o->count || a->ndim != o->ndim ||
	    b->ndim != o->ndim || memcmp(a->dims, o->dims, sizeof(a->dims[0]) * (size_t)o->ndim) ||
	    memcmp(b->dims, o->dims, sizeof(b->dims[0]) * (size_t)o->ndim))
		return "ADD with broadcasting";
	l->tin = op->in[0];
	l->tin2 = op->in[1];
	l->tout = op->out[0];
	l->dtype = a->type == ENPU_TYPE_UINT8 ? ENPU1_DTYPE_UINT8 : ENPU1_DTYPE_INT8;
	l->count = o->count;
	l->oc = o->ndim ? o->dims[o->ndim - 1] : 1;
	if (l->oc < 1 || o->count % (size_t)l->oc)
		return "empty ADD";
	l->in_zp = p.in1_zp = (int32_t)a->zp[0];
	l->in2_zp = p.in2_zp = (int32_t)b->zp[0];
	l->out_zp = p.out_zp = (int32_t)o->zp[0];
	if (enpu_act_range(op->o.act, o, &l->amin, &l->amax))
		return "fused activation the chip cannot clamp";
	p.act_min = l->amin;
	p.act_max = l->amax;
	/* TFLite's reference parameters (used as they are in gemmlowp mode). */
	p.left_shift = 20;
	double twice_max = 2.0 * (double)(a->scale[0] > b->scale[0] ? a->scale[0] : b->scale[0]);
	double r1 = (double)a->scale[0] / twice_max, r2 = (double)b->scale[0] / twice_max;
	double ro = twice_max / ((double)(1 << p.left_shift) * (double)o->scale[0]);

	q_quantize_multiplier(r1, &p.in1_mult, &p.in1_shift);
	q_quantize_multiplier(r2, &p.in2_mult, &p.in2_shift);
	q_quantize_multiplier(ro, &p.out_mult, &p.out_shift);
	if (p.out_shift > 0)
		return "output scale too small next to the input scales";
	if (op_requant(c, OP_ADD) == ENPU_REQUANT_FP32) {
		if (enpu_xnn_add_params(&p, a->scale[0] / o->scale[0], b->scale[0] / o->scale[0]))
			return "scale ratios outside XNNPACK's range";
		if (p.xa_mult >= (1 << 21) || p.xb_mult >= (1 << 21) || p.xa_mult < 0 ||
		    p.xb_mult < 0)
			return "ADD multipliers too wide for the chip's exact mapping";
		l->ew_ls = 22;
		l->m1 = (uint32_t)p.xa_mult << 10;
		l->m2 = (uint32_t)p.xb_mult << 10;
		l->s1 = l->s2 = 0;
		l->om = 1u << 30;
		l->os = -p.xshift;
	} else {
		l->ew_ls = 20;
		l->m1 = (uint32_t)p.in1_mult;
		l->s1 = p.in1_shift;
		l->m2 = (uint32_t)p.in2_mult;
		l->s2 = p.in2_shift;
		l->om = (uint32_t)p.out_mult;
		l->os = p.out_shift;
	}

	/* The proof: every (a, b) pair through the CPU kernel and the chip. */
	if (!c->scratch) {
		c->scratch = calloc(1, sizeof(*c->scratch));
		if (!c->scratch || cp_chip_init(c->scratch, 4 * 65536 + 256, CP_CAPS_ALL)) {
			free(c->scratch);
			c->scratch = NULL;
			return "out of memory";
		}
	}
	uint8_t *va = malloc(3 * 65536);

	if (!va)
		return "out of memory";
	uint8_t *vb = va + 65536, *vo = vb + 65536, *sram = c->scratch->core.sram;

	for (int i = 0; i < 65536; i++) {
		va[i] = (uint8_t)(i >> 8);
		vb[i] = (uint8_t)i;
	}
	p.count = 65536;
	if (l->dtype == ENPU1_DTYPE_UINT8)
		enpu_kernels_scalar.add_qu8(&p, va, vb, vo);
	else
		enpu_kernels_scalar.add_qs8(&p, (int8_t *)va, (int8_t *)vb, (int8_t *)vo);
	memcpy(sram, va, 2 * 65536);

	struct sb s = { 0 };
	struct lop t = *l;

	t.ih = 256;
	t.iw = 1;
	t.ic = t.oc = 256;
	chip_params_common(&s, &t);
	sb_set(&s, ENPU1_P_IFM_SRAM, 0);
	sb_set(&s, ENPU1_P_IFM2_SRAM, 65536);
	sb_set(&s, ENPU1_P_IFM2_ROW_STRIDE, 256);
	sb_set(&s, ENPU1_P_IFM2_PIXEL_STRIDE, 256);
	sb_set(&s, ENPU1_P_OFM_SRAM, 2 * 65536);
	free(s.w);
	enpu_engine_job_begin(&c->scratch->core);
	int st = enpu_engine_run(&c->scratch->core, NULL, ENPU1_OP_ADD, s.want, NULL);
	int same = st == ENPU1_JOB_OK && !memcmp(sram + 2 * 65536, vo, 65536);

	free(va);
	if (!same)
		return "the chip's ADD rounding differs from the CPU's for some input pair";
	return NULL;
}

/*
 * The chip's SOFTMAX is lib/src/ops.c's eval_softmax operation for
 * operation (Documentation/hw/isa.rst), so it gives the CPU's bytes when it
 * gets the CPU's inputs: the exp table, computed here by prepare_softmax's
 * own expression, and the output scale and zero point.  The checks are
 * prepare_softmax's, so the chip never takes a SOFTMAX the CPU refuses.
 */
static const char *describe_softmax(struct cctx *c, const struct ir_op *op, struct lop *l)
{
	const struct ir_tensor *x = TT(0), *o = OT(0);

	l->kind = ENPU1_OP_SOFTMAX;
	if (!(c->o->caps & ENPU1_CAP_OP(ENPU1_OP_SOFTMAX)))
		return "the firmware does not offer SOFTMAX";
	if (!is_q8(x) || !is_q8(o) || x->type != o->type)
		return "not an 8-bit quantized SOFTMAX";
	if (x->ndim < 1 || x->ndim != o->ndim || x->count != o->count ||
	    memcmp(x->dims, o->dims, sizeof(x->dims[0]) * (size_t)x->ndim))
		return "output shape differs from the input's";
	int32_t want = o->type == ENPU_TYPE_UINT8 ? 0 : -128;

	if (o->scale[0] != 1.0f / 256 || o->zp[0] != want)
		return "output quantization is not scale 1/256 at the type's minimum";
	if (!isfinite(op->o.beta))
		return "beta is not finite";
	l->oc = x->dims[x->ndim - 1];
	if (l->oc < 1 || !x->count)
		return "empty SOFTMAX";
	l->tin = op->in[0];
	l->tout = op->out[0];
	l->dtype = x->type == ENPU_TYPE_UINT8 ? ENPU1_DTYPE_UINT8 : ENPU1_DTYPE_INT8;
	l->count = x->count;
	l->out_zp = want;
	l->amin = o->type == ENPU_TYPE_UINT8 ? 0 : -128;
	l->amax = o->type == ENPU_TYPE_UINT8 ? 255 : 127;
	memcpy(&l->sm_scale, &o->scale[0], 4);
	l->table = malloc(256 * sizeof(*l->table));
	if (!l->table)
		return "out of memory";
	float sc = -x->scale[0] * op->o.beta;

	for (int v = 0; v <= 255; v++)
		l->table[255 - v] = expf(sc * (float)v);
	return NULL;
}

static const char *describe(struct cctx *c, const struct ir_op *op, struct lop *l)
{
	memset(l, 0, sizeof(*l));
	switch (op->code) {
	case OP_CONV_2D:
	case OP_DEPTHWISE_CONV_2D:
	case OP_FULLY_CONNECTED:
		if (op->nin < 2 || op->in[0] < 0 || op->in[1] < 0 || op->nout != 1)
			return "malformed operands";
		return describe_mac(c, op, l);
	case OP_MAX_POOL_2D:
	case OP_AVERAGE_POOL_2D:
		if (op->nin < 1 || op->in[0] < 0 || op->nout != 1)
			return "malformed operands";
		return describe_pool(c, op, l);
	case OP_ADD:
		if (op->nin != 2 || op->in[0] < 0 || op->in[1] < 0 || op->nout != 1)
			return "malformed operands";
		return describe_add(c, op, l);
	case OP_RESHAPE:
	case OP_SQUEEZE: {
		if (op->nin < 1 || op->in[0] < 0 || op->nout != 1)
			return "malformed operands";
		const struct ir_tensor *x = TT(0), *o = OT(0);

		if (x->bytes != o->bytes || !x->bytes || x->data)
			return "not a plain copy";
		l->kind = LK_COPY;
		l->tin = op->in[0];
		l->tout = op->out[0];
		l->count = x->bytes;
		return NULL;
	}
	case OP_SOFTMAX:
		if (op->nin != 1 || op->in[0] < 0 || op->nout != 1)
			return "malformed operands";
		return describe_softmax(c, op, l);
	case OP_SUB:
		return "no chip operation: the chip's ADD has no subtraction";
	case OP_MEAN:
		return "no chip operation matching TFLite's MEAN rounding";
	case OP_CONCATENATION:
	case OP_SPLIT:
		return "not lowered yet (would be DMA copies)";
	case OP_RESIZE_BILINEAR:
		return "no chip operation: float interpolation";
	case OP_ARG_MAX:
		return "no chip operation: int64 index output";
	case OP_QUANTIZE:
	case OP_LOGISTIC:
	case OP_TANH:
	case OP_HARD_SWISH:
	case OP_RELU:
	case OP_RELU6:
		return "not lowered yet (would be a LUT tabulating the CPU kernel)";
	case OP_UNIDIRECTIONAL_SEQUENCE_LSTM:
		return "no chip operation: int16 recurrent state";
	}
	return "no chip operation for this operator";
}

/* ------------------------------------------------------------------------ */
/* Tiling */

static uint64_t mac_wbytes(const struct lop *l, int tc)
{
	switch (l->kind) {
	case ENPU1_OP_CONV:
		return (uint64_t)tc * l->fh * l->fw * l->ic;
	case ENPU1_OP_DEPTHWISE:
		return (uint64_t)l->fh * l->fw * tc;
	case ENPU1_OP_FULLY_CONNECTED:
		return (uint64_t)tc * l->ic;
	}
	return 0;
}

static uint64_t grp_bytes(const struct lop *l, int tc)
{
	if (l->kind != ENPU1_OP_CONV && l->kind != ENPU1_OP_DEPTHWISE &&
	    l->kind != ENPU1_OP_FULLY_CONNECTED)
		return 0;
	return AL(mac_wbytes(l, tc)) + AL(4ull * tc) + (l->per_channel ? AL(8ull * tc) : 0);
}

static int in_rows(const struct lop *l, int th)
{
	if (l->kind == ENPU1_OP_FULLY_CONNECTED)
		return th;
	int64_t r = (int64_t)(th - 1) * l->sh + (int64_t)(l->fh - 1) * l->dh + 1;

	return r > l->ih ? l->ih : (int)r;
}

static int in_chans(const struct lop *l, int tc)
{
	return l->kind == ENPU1_OP_DEPTHWISE ? tc / l->dm :
	       l->kind == ENPU1_OP_MAX_POOL || l->kind == ENPU1_OP_AVG_POOL ? tc : l->ic;
}

static uint64_t tile_bytes(const struct lop *l, int tc, int th)
{
	uint64_t ifm = (uint64_t)in_rows(l, th) * l->iw * in_chans(l, tc);
	uint64_t ofm = (uint64_t)th * l->ow * tc;

	return 2 * AL(ifm) + 2 * AL(ofm);
}

/* Chooses the channel group size and the rows per tile; NULL when it fits. */
static const char *fit_window(const struct cctx *c, struct lop *l)
{
	int pools = l->kind == ENPU1_OP_MAX_POOL || l->kind == ENPU1_OP_AVG_POOL;
	int prev = 0;

	for (int parts = 1; parts <= l->oc; parts++) {
		int tc = (l->oc + parts - 1) / parts;

		if (l->kind == ENPU1_OP_DEPTHWISE)
			tc = (tc + l->dm - 1) / l->dm * l->dm;
		if (tc == prev)
			continue;
		prev = tc;
		if (pools && tc != l->oc)
			break;	/* pools keep every channel in a tile */
		uint64_t g = 2 * grp_bytes(l, tc);

		if (g >= c->S)
			continue;
		int th = 0;

		for (int t = l->oh; t >= 1; t--) {
			if (g + tile_bytes(l, tc, t) <= c->S) {
				th = t;
				break;
			}
		}
		if (!th)
			continue;
		l->tc = tc;
		l->ngroups = (l->oc + tc - 1) / tc;
		/* At least four tiles when the rows allow, so that loads and
		 * stores hide behind compute after the first tile. */
		int want = (4 + l->ngroups - 1) / l->ngroups;
		int cap = (l->oh + want - 1) / want;

		l->th = th < cap ? th : cap;
		l->grp_bytes = grp_bytes(l, tc);
		l->ifm_bytes = AL((uint64_t)in_rows(l, l->th) * l->iw * in_chans(l, tc));
		l->ofm_bytes = AL((uint64_t)l->th * l->ow * tc);
		return NULL;
	}
	return "one output row does not fit in SRAM";
}

/* ------------------------------------------------------------------------ */
/* Lowering */

static void chip_params_common(struct sb *b, const struct lop *l)
{
	/* Every register a compute op reads is set, so that no value left by
	 * an earlier op (dilation, flags, strides) leaks into this one. */
	sb_set(b, ENPU1_P_IFM_H, (uint32_t)l->ih);
	sb_set(b, ENPU1_P_IFM_W, (uint32_t)l->iw);
	sb_set(b, ENPU1_P_IFM_C, (uint32_t)l->ic);
	sb_set(b, ENPU1_P_IFM_ROW_STRIDE, 0);
	sb_set(b, ENPU1_P_IFM_PIXEL_STRIDE, 0);
	sb_set(b, ENPU1_P_IFM_ZP, (uint32_t)l->in_zp);
	sb_set(b, ENPU1_P_DTYPE, (uint32_t)l->dtype);
	sb_set(b, ENPU1_P_IFM2_ZP, (uint32_t)l->in2_zp);
	sb_set(b, ENPU1_P_IFM2_CHAN_STRIDE, 1);
	sb_set(b, ENPU1_P_OFM_H, (uint32_t)l->ih);
	sb_set(b, ENPU1_P_OFM_W, (uint32_t)l->iw);
	sb_set(b, ENPU1_P_OFM_C, (uint32_t)l->oc);
	sb_set(b, ENPU1_P_OFM_ROW_STRIDE, 0);
	sb_set(b, ENPU1_P_OFM_PIXEL_STRIDE, 0);
	sb_set(b, ENPU1_P_OFM_ZP, (uint32_t)l->out_zp);
	sb_set(b, ENPU1_P_ACT_MIN, (uint32_t)l->amin);
	sb_set(b, ENPU1_P_ACT_MAX, (uint32_t)l->amax);
	sb_set(b, ENPU1_P_KERNEL_H, (uint32_t)l->fh);
	sb_set(b, ENPU1_P_KERNEL_W, (uint32_t)l->fw);
	sb_set(b, ENPU1_P_STRIDE_H, (uint32_t)l->sh);
	sb_set(b, ENPU1_P_STRIDE_W, (uint32_t)l->sw);
	sb_set(b, ENPU1_P_DILATION_H, l->dh > 1 ? (uint32_t)l->dh : 0);
	sb_set(b, ENPU1_P_DILATION_W, l->dw > 1 ? (uint32_t)l->dw : 0);
	sb_set(b, ENPU1_P_PAD_TOP, (uint32_t)l->pt);
	sb_set(b, ENPU1_P_PAD_LEFT, (uint32_t)l->pl);
	sb_set(b, ENPU1_P_DEPTH_MULT, (uint32_t)(l->dm ? l->dm : 1));
	sb_set(b, ENPU1_P_WEIGHT_ZP, (uint32_t)l->w_zp);
	sb_set(b, ENPU1_P_FLAGS, 0);
	sb_set(b, ENPU1_P_EW_LEFT_SHIFT, l->ew_ls);
	sb_set(b, ENPU1_P_IN1_MULT, l->m1);
	sb_set(b, ENPU1_P_IN1_SHIFT, (uint32_t)l->s1);
	sb_set(b, ENPU1_P_IN2_MULT, l->m2);
	sb_set(b, ENPU1_P_IN2_SHIFT, (uint32_t)l->s2);
	sb_set(b, ENPU1_P_OUT_MULT, l->om);
	sb_set(b, ENPU1_P_OUT_SHIFT, (uint32_t)l->os);
}

/* Packs channel group [c0, c0 + tc) of weights, bias and quant pairs. */
static size_t pack_group(struct cctx *c, const struct lop *l, int c0, int tc)
{
	uint64_t wb = mac_wbytes(l, tc);
	size_t off = blob_reserve(&c->consts, grp_bytes(l, tc));

	if (c->consts.oom)
		return 0;
	uint8_t *d = c->consts.d + off;

	if (l->kind == ENPU1_OP_DEPTHWISE) {
		for (int k = 0; k < l->fh * l->fw; k++)
			memcpy(d + (size_t)k * tc, l->w + (size_t)k * l->oc + c0, (size_t)tc);
	} else {
		memcpy(d, l->w + (uint64_t)c0 * (wb / tc), wb);
	}
	uint8_t *bp = d + AL(wb);

	for (int i = 0; i < tc; i++)
		put32(bp + 4 * i, l->bias ? (uint32_t)l->bias[c0 + i] : 0);
	if (l->per_channel) {
		uint8_t *q = bp + AL(4ull * tc);

		for (int i = 0; i < tc; i++) {
			put32(q + 8 * i, l->mult[c0 + i]);
			put32(q + 8 * i + 4, (uint32_t)l->shift[c0 + i]);
		}
	}
	return off;
}

struct tile {
	int g, c0, tc, oy0, th;
};

/* CONV, DEPTHWISE, FC and pools: double-buffered tiles.  Slot s of the
 * IFM and OFM holds tile i with s = i % 2; weight slot g % 2 holds group g.
 *   load(0); SYNC
 *   for i: compute(i); store(i - 1); load(i + 1); SYNC
 *   store(last); SYNC
 * Compute i only reads slots loaded before the last SYNC, the DMA after it
 * only touches the other slots, so the queues overlap without hazards. */
static void lower_window(struct cctx *c, struct sb *b, struct lop *l, uint32_t *sram_peak,
			 uint32_t *ntiles)
{
	int mac = l->grp_bytes != 0;
	uint64_t wslot[2], ifm[2], ofm[2];
	uint64_t at = 0;

	for (int i = 0; i < 2; i++) {
		wslot[i] = at;
		at += mac ? l->grp_bytes : 0;
	}
	for (int i = 0; i < 2; i++) {
		ifm[i] = at;
		at += l->ifm_bytes;
	}
	for (int i = 0; i < 2; i++) {
		ofm[i] = at;
		at += l->ofm_bytes;
	}
	*sram_peak = (uint32_t)at;

	int nrt = (l->oh + l->th - 1) / l->th, n = l->ngroups * nrt;
	struct tile *t = calloc((size_t)n, sizeof(*t));
	size_t *goff = calloc((size_t)l->ngroups, sizeof(*goff));

	if (!t || !goff) {
		b->oom = 1;
		free(t);
		free(goff);
		return;
	}
	*ntiles = (uint32_t)n;
	for (int g = 0, k = 0; g < l->ngroups; g++) {
		int c0 = g * l->tc, tc = l->oc - c0 < l->tc ? l->oc - c0 : l->tc;

		if (mac)
			goff[g] = pack_group(c, l, c0, tc);
		for (int r = 0; r < nrt; r++, k++) {
			t[k].g = g;
			t[k].c0 = c0;
			t[k].tc = tc;
			t[k].oy0 = r * l->th;
			t[k].th = l->oh - t[k].oy0 < l->th ? l->oh - t[k].oy0 : l->th;
		}
	}
	uint64_t vin = CP_VA_TENSOR(l->tin), vout = CP_VA_TENSOR(l->tout);
	int fc = l->kind == ENPU1_OP_FULLY_CONNECTED;

#define IY0(k) (fc ? t[k].oy0 : (t[k].oy0 * l->sh - l->pt < 0 ? 0 : t[k].oy0 * l->sh - l->pt))
#define IROWS(k) (fc ? t[k].th : \
	((t[k].oy0 + t[k].th - 1) * l->sh - l->pt + (l->fh - 1) * l->dh + 1 > l->ih ? l->ih : \
	 (t[k].oy0 + t[k].th - 1) * l->sh - l->pt + (l->fh - 1) * l->dh + 1) - IY0(k))

	for (int step = -1; step <= n; step++) {
		/* compute(step) */
		if (step >= 0 && step < n) {
			int k = step, s = k % 2, icg = in_chans(l, t[k].tc);

			chip_params_common(b, l);
			sb_set(b, ENPU1_P_IFM_SRAM, (uint32_t)ifm[s]);
			sb_set(b, ENPU1_P_IFM_H, (uint32_t)IROWS(k));
			sb_set(b, ENPU1_P_IFM_C, (uint32_t)icg);
			sb_set(b, ENPU1_P_OFM_SRAM, (uint32_t)ofm[s]);
			sb_set(b, ENPU1_P_OFM_H, (uint32_t)t[k].th);
			sb_set(b, ENPU1_P_OFM_W, (uint32_t)l->ow);
			sb_set(b, ENPU1_P_OFM_C, (uint32_t)t[k].tc);
			if (!fc) {
				int64_t top = (int64_t)t[k].oy0 * l->sh - l->pt;

				sb_set(b, ENPU1_P_PAD_TOP, top < 0 ? (uint32_t)-top : 0);
			}
			if (mac) {
				uint64_t ws = wslot[t[k].g % 2];
				uint64_t bias = ws + AL(mac_wbytes(l, t[k].tc));
				uint32_t flags = ENPU1_F_BIAS | (l->fp32 ? ENPU1_F_REQUANT_FP32 : 0);

				sb_set(b, ENPU1_P_WEIGHT_SRAM, (uint32_t)ws);
				sb_set(b, ENPU1_P_BIAS_SRAM, (uint32_t)bias);
				if (l->per_channel) {
					flags |= ENPU1_F_PER_CHANNEL;
					sb_set(b, ENPU1_P_QUANT_SRAM,
					       (uint32_t)(bias + AL(4ull * t[k].tc)));
				} else {
					sb_set(b, ENPU1_P_OUT_MULT, l->mult[0]);
					sb_set(b, ENPU1_P_OUT_SHIFT, (uint32_t)l->shift[0]);
				}
				sb_set(b, ENPU1_P_FLAGS, flags);
			}
			sb_cmd(b, (uint32_t)l->kind);
		}
		/* store(step - 1) */
		if (step >= 1) {
			int k = step - 1;

			sb_dma(b, 0, vout + ((uint64_t)t[k].oy0 * l->ow) * l->oc + t[k].c0,
			       ofm[k % 2], (uint64_t)t[k].tc, (uint64_t)t[k].th * l->ow,
			       (uint64_t)l->oc, (uint64_t)t[k].tc);
		}
		/* load(step + 1) */
		if (step + 1 < n) {
			int k = step + 1, icg = in_chans(l, t[k].tc);
			uint64_t c0in = l->kind == ENPU1_OP_DEPTHWISE || !mac ? (uint64_t)t[k].c0 / (l->dm ? l->dm : 1) : 0;

			if (mac && (k == 0 || t[k].g != t[k - 1].g))
				sb_dma(b, 1, CP_VA_CONST + goff[t[k].g], wslot[t[k].g % 2],
				       grp_bytes(l, t[k].tc), 1, 0, 0);
			sb_dma(b, 1, vin + (uint64_t)IY0(k) * l->iw * l->ic + c0in, ifm[k % 2],
			       (uint64_t)icg, (uint64_t)IROWS(k) * l->iw, (uint64_t)l->ic,
			       (uint64_t)icg);
		}
		sb_cmd(b, ENPU1_OP_SYNC);
	}
#undef IY0
#undef IROWS
	free(t);
	free(goff);
}

/*
 * Rows of C elements per tile for the row-wise ops: halved until `bufs`
 * buffers of a tile fit in SRAM beside `fixed` bytes, and at most a
 * quarter of the rows (four tiles or more).  Sets th, oh and ifm_bytes.
 */
static void fit_row_tiles(const struct cctx *c, struct lop *l, uint64_t rows, uint64_t fixed,
			  int bufs)
{
	uint64_t th = rows;

	while (th > 1 && fixed + bufs * AL(th * (uint64_t)l->oc) > c->S)
		th = (th + 1) / 2;
	uint64_t cap = (rows + 3) / 4;

	l->th = (int)(th < cap ? th : cap);
	l->oh = (int)rows;
	l->ifm_bytes = AL((uint64_t)l->th * l->oc);
}

/* ADD: rows of C elements, both inputs and the output double-buffered. */
static const char *fit_add(const struct cctx *c, struct lop *l)
{
	uint64_t rows = l->count / (size_t)l->oc;
	uint64_t per = 6 * AL((uint64_t)l->oc);

	if (per > c->S)
		return "one row of channels does not fit in SRAM";
	fit_row_tiles(c, l, rows, 0, 6);
	return NULL;
}

static void lower_add(struct sb *b, struct lop *l, uint32_t *sram_peak, uint32_t *ntiles)
{
	uint64_t A[2], B[2], O[2], sz = l->ifm_bytes;

	for (int i = 0; i < 2; i++) {
		A[i] = i * sz;
		B[i] = (2 + i) * sz;
		O[i] = (4 + i) * sz;
	}
	*sram_peak = (uint32_t)(6 * sz);
	int n = (l->oh + l->th - 1) / l->th;

	*ntiles = (uint32_t)n;
	uint64_t va = CP_VA_TENSOR(l->tin), vb = CP_VA_TENSOR(l->tin2), vo = CP_VA_TENSOR(l->tout);

	for (int step = -1; step <= n; step++) {
		if (step >= 0 && step < n) {
			int s = step % 2, r0 = step * l->th;
			int rows = l->oh - r0 < l->th ? l->oh - r0 : l->th;
			struct lop t = *l;

			t.ih = rows;
			t.iw = 1;
			t.ic = l->oc;
			chip_params_common(b, &t);
			sb_set(b, ENPU1_P_IFM_SRAM, (uint32_t)A[s]);
			sb_set(b, ENPU1_P_IFM2_SRAM, (uint32_t)B[s]);
			sb_set(b, ENPU1_P_IFM2_ROW_STRIDE, (uint32_t)l->oc);
			sb_set(b, ENPU1_P_IFM2_PIXEL_STRIDE, (uint32_t)l->oc);
			sb_set(b, ENPU1_P_OFM_SRAM, (uint32_t)O[s]);
			sb_cmd(b, ENPU1_OP_ADD);
		}
		if (step >= 1) {
			int k = step - 1, r0 = k * l->th;
			int rows = l->oh - r0 < l->th ? l->oh - r0 : l->th;

			sb_dma(b, 0, vo + (uint64_t)r0 * l->oc, O[k % 2],
			       (uint64_t)rows * l->oc, 1, 0, 0);
		}
		if (step + 1 < n) {
			int k = step + 1, r0 = k * l->th;
			int rows = l->oh - r0 < l->th ? l->oh - r0 : l->th;
			uint64_t bytes = (uint64_t)rows * l->oc;

			sb_dma(b, 1, va + (uint64_t)r0 * l->oc, A[k % 2], bytes, 1, 0, 0);
			sb_dma(b, 1, vb + (uint64_t)r0 * l->oc, B[k % 2], bytes, 1, 0, 0);
		}
		sb_cmd(b, ENPU1_OP_SYNC);
	}
}

/* SOFTMAX: rows of C values; the table, then both maps double-buffered. */
static const char *fit_softmax(const struct cctx *c, struct lop *l)
{
	uint64_t rows = l->count / (size_t)l->oc, tab = AL(1024);

	if (tab + 4 * AL((uint64_t)l->oc) > c->S)
		return "one row of the SOFTMAX does not fit in SRAM";
	if (rows > INT32_MAX)
		return "too many SOFTMAX rows";
	fit_row_tiles(c, l, rows, tab, 4);
	return NULL;
}

/* Schedule as lower_add's; the table goes with the first tile's load and
 * stays for every tile. */
static void lower_softmax(struct cctx *c, struct sb *b, struct lop *l, uint32_t *sram_peak,
			  uint32_t *ntiles)
{
	uint64_t A[2], O[2], sz = l->ifm_bytes, tab = AL(1024);
	size_t toff = blob_reserve(&c->consts, 1024);

	if (c->consts.oom)
		return;
	for (int i = 0; i < 256; i++) {
		uint32_t bits;

		memcpy(&bits, &l->table[i], 4);
		put32(c->consts.d + toff + 4 * i, bits);
	}
	for (int i = 0; i < 2; i++) {
		A[i] = tab + i * sz;
		O[i] = tab + (2 + i) * sz;
	}
	*sram_peak = (uint32_t)(tab + 4 * sz);
	int n = (l->oh + l->th - 1) / l->th;

	*ntiles = (uint32_t)n;
	uint64_t vi = CP_VA_TENSOR(l->tin), vo = CP_VA_TENSOR(l->tout), C = (uint64_t)l->oc;

	for (int step = -1; step <= n; step++) {
		if (step >= 0 && step < n) {
			int s = step % 2, r0 = step * l->th;
			struct lop t = *l;

			t.ih = l->oh - r0 < l->th ? l->oh - r0 : l->th;
			t.iw = 1;
			t.ic = l->oc;
			chip_params_common(b, &t);
			sb_set(b, ENPU1_P_IFM_SRAM, (uint32_t)A[s]);
			sb_set(b, ENPU1_P_OFM_SRAM, (uint32_t)O[s]);
			sb_set(b, ENPU1_P_SOFTMAX_TABLE_SRAM, 0);
			sb_set(b, ENPU1_P_SOFTMAX_OUT_SCALE, l->sm_scale);
			sb_cmd(b, ENPU1_OP_SOFTMAX);
		}
		if (step >= 1) {
			int k = step - 1, r0 = k * l->th;
			int rows = l->oh - r0 < l->th ? l->oh - r0 : l->th;

			sb_dma(b, 0, vo + (uint64_t)r0 * C, O[k % 2], (uint64_t)rows * C, 1, 0, 0);
		}
		if (step + 1 < n) {
			int k = step + 1, r0 = k * l->th;
			int rows = l->oh - r0 < l->th ? l->oh - r0 : l->th;

			if (k == 0)
				sb_dma(b, 1, CP_VA_CONST + toff, 0, 1024, 1, 0, 0);
			sb_dma(b, 1, vi + (uint64_t)r0 * C, A[k % 2], (uint64_t)rows * C, 1, 0, 0);
		}
		sb_cmd(b, ENPU1_OP_SYNC);
	}
}

/* A copy is DMA only: load and store share the DMA queue, which runs in
 * order, so one buffer and no SYNC between chunks suffice. */
static void lower_copy(const struct cctx *c, struct sb *b, struct lop *l, uint32_t *sram_peak,
		       uint32_t *ntiles)
{
	uint64_t chunk = c->S, done = 0;

	*ntiles = 0;
	*sram_peak = (uint32_t)(l->count < chunk ? l->count : chunk);
	while (done < l->count) {
		uint64_t len = l->count - done < chunk ? l->count - done : chunk;

		sb_dma(b, 1, CP_VA_TENSOR(l->tin) + done, 0, len, 1, 0, 0);
		sb_dma(b, 0, CP_VA_TENSOR(l->tout) + done, 0, len, 1, 0, 0);
		done += len;
		(*ntiles)++;
	}
	sb_cmd(b, ENPU1_OP_SYNC);
}

/* ------------------------------------------------------------------------ */

static int is_copy_op(const struct ir_op *op)
{
	return op->code == OP_RESHAPE || op->code == OP_SQUEEZE;
}

void cp_free(struct cp_prog *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nseg; i++)
		free(p->seg[i].words);
	free(p->seg);
	free(p->ops);
	free(p->consts);
	free(p);
}

int cp_compile(const enpu_model *m, const struct cp_options *o, struct cp_prog **out)
{
	struct cctx c = { .m = m, .o = o, .S = o->sram_bytes ? o->sram_bytes : CP_SRAM_PER_CORE };
	struct cp_prog *p = calloc(1, sizeof(*p));
	struct lop *l = calloc((size_t)m->nops + 1, sizeof(*l));
	int r = 0;

	*out = NULL;
	if (!p || !l) {
		free(p);
		free(l);
		return -ENOMEM;
	}
	p->model_hash = o->model_hash;
	p->caps = o->caps;
	p->sram_bytes = c.S;
	p->requant = (uint32_t)o->requant;
	p->nops = m->nops;
	p->ops = calloc((size_t)m->nops + 1, sizeof(*p->ops));
	p->seg = calloc((size_t)m->nops + 1, sizeof(*p->seg));
	if (!p->ops || !p->seg) {
		r = -ENOMEM;
		goto out;
	}

	/* Placement: what the chip can do exactly, and what fits. */
	for (int i = 0; i < m->nops; i++) {
		const struct ir_op *op = &m->ops[i];
		struct cp_op *po = &p->ops[i];
		const char *why = describe(&c, op, &l[i]);

		po->macs = l[i].macs;
		if (!why) {
			if (l[i].kind == ENPU1_OP_ADD)
				why = fit_add(&c, &l[i]);
			else if (l[i].kind == ENPU1_OP_SOFTMAX)
				why = fit_softmax(&c, &l[i]);
			else if (l[i].kind != LK_COPY)
				why = fit_window(&c, &l[i]);
		}
		if (why) {
			po->place = CP_CPU;
			po->why = why;
			continue;
		}
		po->place = CP_CHIP;
		switch (l[i].kind) {
		case ENPU1_OP_CONV:
		case ENPU1_OP_DEPTHWISE:
		case ENPU1_OP_FULLY_CONNECTED:
			po->why = l[i].fp32 ? "bit-exact: XNNPACK fp32 requantization (REQUANT_FP32)"
					    : "bit-exact: gemmlowp fixed-point requantization";
			break;
		case ENPU1_OP_MAX_POOL:
			po->why = "bit-exact: max over the window inside the input";
			break;
		case ENPU1_OP_AVG_POOL:
			po->why = "bit-exact: sum / count, ties away from zero, as TFLite";
			break;
		case ENPU1_OP_ADD:
			po->why = "bit-exact: proved on all 65536 input pairs";
			break;
		case ENPU1_OP_SOFTMAX:
			po->why = "bit-exact: the CPU's exp table, fp32 sum in order, its rounding";
			break;
		default:
			po->why = "DMA copy (same bytes, new shape)";
			break;
		}
	}
	/* A copy alone between CPU ops would only add two transitions. */
	for (int i = 0; i < m->nops; i++) {
		if (p->ops[i].place != CP_CHIP || !is_copy_op(&m->ops[i]))
			continue;
		int prev = i > 0 && p->ops[i - 1].place == CP_CHIP;
		int next = i + 1 < m->nops && p->ops[i + 1].place == CP_CHIP;

		if (!prev && !next) {
			p->ops[i].place = CP_CPU;
			p->ops[i].why = "a copy between CPU ops: cheaper on the CPU";
		}
	}

	/* Segments: maximal runs in execution order, one stream per chip run. */
	struct sb b = { 0 };

	for (int i = 0; i < m->nops; i++) {
		int chip = p->ops[i].place == CP_CHIP;

		if (!p->nseg || p->seg[p->nseg - 1].chip != chip) {
			if (p->nseg && p->seg[p->nseg - 1].chip) {
				sb_cmd(&b, ENPU1_OP_END);
				p->seg[p->nseg - 1].words = b.w;
				p->seg[p->nseg - 1].nwords = b.n;
				if (b.oom)
					r = -ENOMEM;
			}
			memset(&b, 0, sizeof(b));
			p->seg[p->nseg].chip = chip;
			p->seg[p->nseg].first = i;
			p->nseg++;
		}
		struct cp_seg *s = &p->seg[p->nseg - 1];

		s->end = i + 1;
		p->ops[i].seg = p->nseg - 1;
		if (!chip)
			continue;
		if (l[i].kind == LK_COPY)
			lower_copy(&c, &b, &l[i], &p->ops[i].sram, &p->ops[i].tiles);
		else if (l[i].kind == ENPU1_OP_ADD)
			lower_add(&b, &l[i], &p->ops[i].sram, &p->ops[i].tiles);
		else if (l[i].kind == ENPU1_OP_SOFTMAX)
			lower_softmax(&c, &b, &l[i], &p->ops[i].sram, &p->ops[i].tiles);
		else
			lower_window(&c, &b, &l[i], &p->ops[i].sram, &p->ops[i].tiles);
		p->ops[i].stream_end = b.n;
	}
	if (p->nseg && p->seg[p->nseg - 1].chip) {
		sb_cmd(&b, ENPU1_OP_END);
		p->seg[p->nseg - 1].words = b.w;
		p->seg[p->nseg - 1].nwords = b.n;
		if (b.oom)
			r = -ENOMEM;
	}
	if (c.consts.oom)
		r = -ENOMEM;
	p->consts = c.consts.d;
	p->nconsts = c.consts.n;
	c.consts.d = NULL;
out:
	for (int i = 0; i < m->nops; i++) {
		free(l[i].mult);
		free(l[i].shift);
		free(l[i].table);
	}
	free(l);
	free(c.consts.d);
	if (c.scratch) {
		cp_chip_fini(c.scratch);
		free(c.scratch);
	}
	if (r) {
		cp_free(p);
		return r;
	}
	*out = p;
	return 0;
}
