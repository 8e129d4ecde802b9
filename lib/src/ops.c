// SPDX-License-Identifier: MIT
/*
 * Operator preparation (shape, type and quantization checks, parameter
 * precomputation) and evaluation.  prepare() must reject anything eval()
 * cannot run safely: eval() trusts every shape it is given.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "qops.h"
#include "quant.h"
#include "threadpool.h"

#define T(i) (&it->m->t[op->in[i]])
#define O(i) (&it->m->t[op->out[i]])
#define P(x) (it->ptr[(x) - it->m->t])
#define FAIL(...) op_fail(op, idx, __VA_ARGS__)

static int op_fail(const struct ir_op *op, int idx, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int op_fail(const struct ir_op *op, int idx, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return enpu_err(-EINVAL, "operator %d (%s): %s", idx, enpu_op_name(op->code), msg);
}

/*
 * Whether XNNPACK's rules apply to the ops TFLite-as-run hands to XNNPACK
 * beyond conv/FC/ADD/QUANTIZE (MUL, CONCATENATION, RESIZE_BILINEAR): true
 * unless the caller asked for TFLite's reference kernels everywhere.
 */
static int xnn_rules(const struct enpu_interp *it)
{
	return it->requant != ENPU_REQUANT_GEMMLOWP;
}

static int is_q8(int type)
{
	return type == ENPU_TYPE_UINT8 || type == ENPU_TYPE_INT8;
}

static void qrange(int type, int32_t *lo, int32_t *hi)
{
	switch (type) {
	case ENPU_TYPE_UINT8: *lo = 0; *hi = 255; break;
	case ENPU_TYPE_INT8: *lo = -128; *hi = 127; break;
	case ENPU_TYPE_INT16: *lo = -32768; *hi = 32767; break;
	default: *lo = INT32_MIN; *hi = INT32_MAX;
	}
}

/*
 * TFLite's CalculateActivationRangeQuantized: -EINVAL for an activation we
 * do not know, -ERANGE when it leaves no output value.  The chip compiler
 * calls it too, so both sides clamp to the same bounds.
 */
int enpu_act_range(int act, const struct ir_tensor *o, int32_t *lo, int32_t *hi)
{
	qrange(o->type, lo, hi);
	float s = o->scale[0];
	int32_t z = (int32_t)o->zp[0];
#define QZ(f) q_sat_add(z, q_f2i(roundf((f) / s)))
	switch (act) {
	case ACT_NONE:
		break;
	case ACT_RELU:
		*lo = QZ(0.0f) > *lo ? QZ(0.0f) : *lo;
		break;
	case ACT_RELU6:
		*lo = QZ(0.0f) > *lo ? QZ(0.0f) : *lo;
		*hi = QZ(6.0f) < *hi ? QZ(6.0f) : *hi;
		break;
	case ACT_RELU_N1_TO_1:
		*lo = QZ(-1.0f) > *lo ? QZ(-1.0f) : *lo;
		*hi = QZ(1.0f) < *hi ? QZ(1.0f) : *hi;
		break;
	default:
		return -EINVAL;
	}
#undef QZ
	return *lo > *hi ? -ERANGE : 0;
}

static int act_range(const struct ir_op *op, int idx, int act, const struct ir_tensor *o,
		     int32_t *lo, int32_t *hi)
{
	int r = enpu_act_range(act, o, lo, hi);
	if (r == -EINVAL)
		return FAIL("fused activation %d is not supported", act);
	if (r)
		return FAIL("fused activation leaves an empty output range");
	return 0;
}

static int need_io(const struct ir_op *op, int idx, int min_in, int max_in, int nout)
{
	if (op->nin < min_in || op->nin > max_in)
		return FAIL("has %d inputs, expected %d..%d", op->nin, min_in, max_in);
	if (nout >= 0 && op->nout != nout)
		return FAIL("has %d outputs, expected %d", op->nout, nout);
	for (int i = 0; i < op->nin; i++) {
		/* Only the bias of CONV/DEPTHWISE/FC is optional among these ops. */
		int optional = i == 2 && (op->code == OP_CONV_2D || op->code == OP_DEPTHWISE_CONV_2D ||
					  op->code == OP_FULLY_CONNECTED);
		if (op->in[i] < 0 && !optional)
			return FAIL("input %d is absent (-1)", i);
	}
	return 0;
}

static int same_shape(const struct ir_tensor *a, const struct ir_tensor *b)
{
	if (a->ndim != b->ndim)
		return 0;
	for (int i = 0; i < a->ndim; i++)
		if (a->dims[i] != b->dims[i])
			return 0;
	return 1;
}

static int check_q(const struct ir_op *op, int idx, const struct ir_tensor *x, const char *role)
{
	if (!is_q8(x->type))
		return FAIL("%s '%.40s' is %s, only uint8/int8 are supported", role, x->name,
			    enpu_type_name(x->type));
	if (x->nq != 1)
		return FAIL("%s '%.40s' needs one scale and zero point, has %d", role, x->name, x->nq);
	return 0;
}

static int check_shape4(const struct ir_op *op, int idx, const struct ir_tensor *o, int n, int h,
			int w, int c)
{
	if (o->ndim != 4 || o->dims[0] != n || o->dims[1] != h || o->dims[2] != w || o->dims[3] != c)
		return FAIL("output '%.40s' should be [%d,%d,%d,%d]", o->name, n, h, w, c);
	return 0;
}

/* TFLite's padding rule: output size, then the (floor) leading pad. */
static int out_size(int pad, int in, int f, int stride, int dil, int *pad_lead)
{
	int eff = (f - 1) * dil + 1;
	int out = pad == PAD_SAME ? (in + stride - 1) / stride : (in - eff + stride) / stride;
	int total = (out - 1) * stride + eff - in;
	*pad_lead = total > 0 ? total / 2 : 0;
	return out;
}

/* ---- CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED ---- */

/*
 * How an operator is cut into chunks for a pool of nt threads (conv_split):
 * it depends only on the shape and the thread count, so it is worked out
 * at the first invoke and kept.
 */
struct conv_split {
	int nt;			/* threads it was made for; 0: not made yet */
	size_t nchunks;
	size_t rows;		/* output pixels per chunk */
	int ccols, cblk;	/* channel blocks per row of chunks, channels per block */
	int nb;			/* pixel ranges in bound[], 0: uniform ranges of rows */
	size_t bound[CONV_MAX_RANGES + 1];	/* range i is [bound[i], bound[i + 1]) */
};

struct conv_state {
	struct enpu_conv_params p;
	int kind;		/* 0 conv, 1 depthwise, 2 fc */
	void *packed;		/* weights in the fast kernel's layout, or NULL */
	struct conv_split split;
};

/*
 * Packs the weights once for the selected ISA's fast path (if it has one
 * for this shape) and records the per-thread scratch it will need.
 */
static int prepack(struct enpu_interp *it, struct conv_state *s, const struct ir_tensor *w)
{
	const struct enpu_kernels *k = it->k;
	int u8 = w->type == ENPU_TYPE_UINT8, dw = s->kind == 1;
	size_t n = k->conv_pack_size ? k->conv_pack_size(&s->p, u8, dw) : 0;
	if (!n)
		return 0;
	if (!(s->packed = enpu_interp_alloc(it, n)))
		return -ENOMEM;
	k->conv_pack(&s->p, u8, dw, w->data, s->packed);
	size_t sc = k->conv_scratch(&s->p, u8, dw);
	if (sc > it->scratch)
		it->scratch = sc;
	return 0;
}

static int prepare_rq(struct enpu_interp *it, struct ir_op *op, int idx, const struct ir_tensor *x,
		      const struct ir_tensor *w, const struct ir_tensor *o, int oc,
		      struct enpu_rq *rq)
{
	int32_t *mult = enpu_interp_alloc(it, oc * sizeof(int32_t));
	int32_t *shift = enpu_interp_alloc(it, oc * sizeof(int32_t));
	float *scale = enpu_interp_alloc(it, oc * sizeof(float));
	if (!mult || !shift || !scale)
		return -ENOMEM;
	for (int c = 0; c < oc; c++) {
		float ws = w->scale[w->nq > 1 ? c : 0];
		double real = (double)x->scale[0] * (double)ws / (double)o->scale[0];
		int sh;
		q_quantize_multiplier(real, &mult[c], &sh);
		shift[c] = sh;
		scale[c] = x->scale[0] * ws / o->scale[0];
		if (!(scale[c] > 0) || !isfinite(scale[c]) || real >= (double)(1 << 30))
			return FAIL("effective output scale %g is out of range", real);
	}
	rq->mode = enpu_op_requant_mode(it, op->code, x->type) == ENPU_REQUANT_FP32 ? RQ_FP32 :
		   RQ_GEMMLOWP;
	rq->mult = mult;
	rq->shift = shift;
	rq->scale = scale;
	rq->out_zp = (int32_t)o->zp[0];
	return act_range(op, idx, op->o.act, o, &rq->act_min, &rq->act_max);
}

static int check_weights(struct ir_op *op, int idx, const struct ir_tensor *x,
			 const struct ir_tensor *w, const struct ir_tensor *b, int oc, int qdim)
{
	if (!w->data)
		return FAIL("weights '%.40s' are not constant", w->name);
	if (w->type != x->type)
		return FAIL("weights are %s but the input is %s", enpu_type_name(w->type),
			    enpu_type_name(x->type));
	if (w->nq != 1 && !(w->type == ENPU_TYPE_INT8 && w->nq == oc && w->qdim == qdim))
		return FAIL("weights have %d scales on dimension %d; need 1 or %d on dimension %d",
			    w->nq, w->qdim, oc, qdim);
	if (w->type == ENPU_TYPE_INT8)
		for (int c = 0; c < w->nq; c++)
			if (w->zp[c] != 0)
				return FAIL("int8 weights need zero point 0, channel %d has %lld", c,
					    (long long)w->zp[c]);
	if (b) {
		if (b->type != ENPU_TYPE_INT32 || !b->data)
			return FAIL("bias '%.40s' must be a constant int32 tensor", b->name);
		if (b->count != (size_t)oc)
			return FAIL("bias has %zu elements, expected %d", b->count, oc);
	}
	return 0;
}

/* The int32 accumulator must not overflow: 8-bit products are < 2^16. */
static int check_depth(const struct ir_op *op, int idx, int64_t k)
{
	if (k > 32768)
		return FAIL("%lld products per output could overflow the 32-bit accumulator",
			    (long long)k);
	return 0;
}

static int prepare_conv(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 2, 3, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *w = T(1), *o = O(0);
	const struct ir_tensor *b = op->nin > 2 && op->in[2] >= 0 ? T(2) : NULL;
	struct conv_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	struct enpu_conv_params *p = &s->p;
	const struct ir_opts *q = &op->o;
	int dw = op->code == OP_DEPTHWISE_CONV_2D;

	if ((r = check_q(op, idx, x, "input")) || (r = check_q(op, idx, o, "output")))
		return r;
	if (o->type != x->type)
		return FAIL("output type differs from input type");
	if (x->ndim != 4 || w->ndim != 4)
		return FAIL("input and weights must be 4-D (got %d-D and %d-D)", x->ndim, w->ndim);
	if (q->stride_w < 1 || q->stride_h < 1 || q->dil_w < 1 || q->dil_h < 1 ||
	    q->stride_w > 1024 || q->stride_h > 1024 || q->dil_w > 1024 || q->dil_h > 1024)
		return FAIL("strides (%d,%d) and dilations (%d,%d) must be 1..1024", q->stride_h,
			    q->stride_w, q->dil_h, q->dil_w);
	if (q->padding != PAD_SAME && q->padding != PAD_VALID)
		return FAIL("unknown padding %d", q->padding);
	p->n = x->dims[0];
	p->ih = x->dims[1];
	p->iw = x->dims[2];
	p->ic = x->dims[3];
	p->fh = w->dims[1];
	p->fw = w->dims[2];
	if (dw) {
		if (w->dims[0] != 1)
			return FAIL("depthwise weights must be [1,h,w,c], first dimension is %d",
				    w->dims[0]);
		p->oc = w->dims[3];
		p->depth_mult = q->depth_mult;
		if (p->ic == 0 || p->oc % p->ic)
			return FAIL("%d output channels is not a multiple of %d input channels",
				    p->oc, p->ic);
		/* TFLite derives the multiplier from the shapes when the option disagrees. */
		p->depth_mult = p->oc / p->ic;
	} else {
		p->oc = w->dims[0];
		if (w->dims[3] != p->ic)
			return FAIL("weights have %d input channels, the input has %d", w->dims[3],
				    p->ic);
	}
	if ((r = check_weights(op, idx, x, w, b, p->oc, dw ? 3 : 0)))
		return r;
	if (p->fh < 1 || p->fw < 1)
		return FAIL("empty filter %dx%d", p->fh, p->fw);
	if ((r = check_depth(op, idx, (int64_t)p->fh * p->fw * (dw ? 1 : p->ic))))
		return r;
	p->sh = q->stride_h;
	p->sw = q->stride_w;
	p->dh = q->dil_h;
	p->dw = q->dil_w;
	p->oh = out_size(q->padding, p->ih, p->fh, p->sh, p->dh, &p->pad_t);
	p->ow = out_size(q->padding, p->iw, p->fw, p->sw, p->dw, &p->pad_l);
	if (p->oh < 0 || p->ow < 0)
		return FAIL("filter larger than the input");
	if ((r = check_shape4(op, idx, o, p->n, p->oh, p->ow, p->oc)))
		return r;
	p->in_zp = (int32_t)x->zp[0];
	p->w_zp = w->type == ENPU_TYPE_UINT8 ? (int32_t)w->zp[0] : 0;
	p->bias = b ? b->data : NULL;
	s->kind = dw;
	if ((r = prepare_rq(it, op, idx, x, w, o, p->oc, &p->rq)) || (r = prepack(it, s, w)))
		return r;
	it->opstate[idx] = s;
	return 0;
}

static int prepare_fc(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 2, 3, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *w = T(1), *o = O(0);
	const struct ir_tensor *b = op->nin > 2 && op->in[2] >= 0 ? T(2) : NULL;
	struct conv_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	struct enpu_conv_params *p = &s->p;

	if ((r = check_q(op, idx, x, "input")) || (r = check_q(op, idx, o, "output")))
		return r;
	if (o->type != x->type)
		return FAIL("output type differs from input type");
	if (w->ndim != 2)
		return FAIL("weights must be 2-D, got %d-D", w->ndim);
	if (op->o.fc_weights_format != 0)
		return FAIL("shuffled weights format %d is not supported", op->o.fc_weights_format);
	int depth = w->dims[1];
	p->oc = w->dims[0];
	if (depth == 0 || x->count % (size_t)depth)
		return FAIL("input of %zu elements is not a multiple of the weights' depth %d",
			    x->count, depth);
	if ((r = check_weights(op, idx, x, w, b, p->oc, 0)) || (r = check_depth(op, idx, depth)))
		return r;
	p->n = (int)(x->count / (size_t)depth);
	if (o->count != (size_t)p->n * (size_t)p->oc || o->ndim < 1 || o->dims[o->ndim - 1] != p->oc)
		return FAIL("output '%.40s' should hold %d rows of %d", o->name, p->n, p->oc);
	p->ih = p->iw = p->oh = p->ow = 1;
	p->fh = p->fw = p->sh = p->sw = p->dh = p->dw = 1;
	p->ic = depth;
	p->in_zp = (int32_t)x->zp[0];
	p->w_zp = w->type == ENPU_TYPE_UINT8 ? (int32_t)w->zp[0] : 0;
	p->bias = b ? b->data : NULL;
	s->kind = 2;
	if ((r = prepare_rq(it, op, idx, x, w, o, p->oc, &p->rq)) || (r = prepack(it, s, w)))
		return r;
	it->opstate[idx] = s;
	return 0;
}

struct conv_job {
	const struct enpu_kernels *k;
	const struct conv_state *s;
	const void *in;
	void *out;
	int u8;
};

/*
 * Chunks form a grid: pixel ranges (multiples of 4 rows, the widest GEMM
 * tile height, smaller toward the middle of the map: enpu_conv_ranges) times
 * 64-channel-aligned channel ranges, about four chunks per thread so a
 * thread the scheduler delays costs one chunk, not half the operator.
 * Maps with few pixels (7x7, FULLY_CONNECTED) split their channels too
 * instead of leaving one thread a chunk more.  Every output
 * byte is computed by exactly one chunk with the same arithmetic, so the
 * results do not depend on the thread count or on which thread ran what.
 */
static void conv_chunk_fn(void *ctx, size_t chunk, void *scratch)
{
	const struct conv_job *j = ctx;
	const struct enpu_conv_params *p = &j->s->p;
	const struct conv_split *sp = &j->s->split;
	size_t M = (size_t)p->n * p->oh * p->ow;
	size_t row = chunk / (size_t)sp->ccols, m0, m1;
	if (sp->nb) {
		m0 = sp->bound[row];
		m1 = sp->bound[row + 1];
	} else {
		m0 = row * sp->rows;
		m1 = M - m0 < sp->rows ? M : m0 + sp->rows;
	}
	int n0 = (int)(chunk % (size_t)sp->ccols) * sp->cblk;
	int n1 = p->oc - n0 < sp->cblk ? p->oc : n0 + sp->cblk;
	j->k->conv_run(p, j->u8, j->s->kind == 1, j->s->packed, j->in, j->out, m0, m1, n0, n1,
		       scratch);
}

/*
 * Pixel ranges that shrink toward the middle of the map, written to bound[]
 * (range i is [bound[i], bound[i + 1])); returns how many.  The pool's
 * caller claims chunks from the front and its workers from the back, so
 * they meet in the middle: there a thread that finds nothing left waits
 * for the other's last range, and a small one keeps that wait short.
 * Each half is cut into ranges of r pixels while more than 2r remain, then
 * into halves of what is left (multiples of 4, the tile height), down to
 * r / 8: smaller ranges would cost more in claiming than they save in
 * waiting.  The back half mirrors the front; a map of up to 32 ranges of r
 * gets at most about 10 ranges more.
 */
int enpu_conv_ranges(size_t M, size_t r, size_t *bound)
{
	size_t half = M / 2, left = half, front[CONV_MAX_RANGES / 2];
	size_t min_sz = (r / 8 + 3) / 4 * 4;
	int nf = 0;
	min_sz = min_sz < 4 ? 4 : min_sz;
	while (left && nf < CONV_MAX_RANGES / 2) {
		size_t sz = left > 2 * r ? r : (left / 2 + 3) / 4 * 4;
		sz = sz < min_sz ? min_sz : sz;
		sz = sz > left ? left : sz;
		front[nf++] = sz;
		left -= sz;
	}
	front[nf - 1] += left;	/* only if the table ran out: never for <= 32 rows */
	int nb = 0;
	bound[0] = 0;
	for (int i = 0; i < nf; i++, nb++)
		bound[nb + 1] = bound[nb] + front[i];
	/* The back half (M - half: half or one more) mirrors the front. */
	for (int i = nf - 1; i >= 0; i--, nb++)
		bound[nb + 1] = i ? bound[nb] + front[i] : M;
	return nb;
}

static void conv_split(const struct enpu_conv_params *p, int nt, struct conv_split *sp)
{
	size_t M = (size_t)p->n * p->oh * p->ow, want = (size_t)nt * 4;
	int nblk = (p->oc + 63) / 64;
	sp->nt = nt;
	sp->ccols = 1;
	sp->cblk = p->oc;
	sp->nb = 0;
	if (nt <= 1) {
		sp->rows = M;
		sp->nchunks = 1;
		return;
	}
	size_t r = (M + want - 1) / want;
	r = r < 4 ? 4 : (r + 3) / 4 * 4;
	size_t nrows = (M + r - 1) / r;
	if (nrows < want && nblk > 1) {
		int cols = (int)((want + nrows - 1) / nrows);
		cols = cols > nblk ? nblk : cols;
		sp->cblk = (nblk + cols - 1) / cols * 64;
		sp->ccols = (p->oc + sp->cblk - 1) / sp->cblk;
	}
	sp->rows = r;
	if (nrows >= 4 && nrows <= CONV_MAX_RANGES / 2)
		sp->nb = enpu_conv_ranges(M, r, sp->bound);
	sp->nchunks = (sp->nb ? (size_t)sp->nb : nrows) * (size_t)sp->ccols;
}

static void eval_conv(struct enpu_interp *it, struct ir_op *op)
{
	struct conv_state *s = it->opstate[op - it->m->ops];
	const struct ir_tensor *x = T(0), *w = T(1), *o = O(0);
	int u8 = x->type == ENPU_TYPE_UINT8;
	if (s->packed && it->pool) {
		int nt = enpu_pool_threads(it->pool);
		if (s->split.nt != nt)
			conv_split(&s->p, nt, &s->split);
		struct conv_job j = { it->k, s, P(x), P(o), u8 };
		enpu_pool_run(it->pool, conv_chunk_fn, &j, s->split.nchunks);
		return;
	}
	if (s->kind == 1) {
		if (u8)
			it->k->dwconv_qu8(&s->p, P(x), w->data, P(o));
		else
			it->k->dwconv_qc8(&s->p, P(x), w->data, P(o));
	} else {
		if (u8)
			it->k->conv_qu8(&s->p, P(x), w->data, P(o));
		else
			it->k->conv_qc8(&s->p, P(x), w->data, P(o));
	}
}

/* ---- ADD / SUB / MUL ---- */

struct bin_state {
	struct enpu_add_params p;
	int32_t mul_mult;
	int mul_shift;
	float mul_scale;	/* non-zero: XNNPACK's fp32 MUL */
};

/* Index maps for numpy-style broadcasting, right-aligned. */
static int broadcast(struct enpu_interp *it, struct ir_op *op, int idx, const struct ir_tensor *a,
		     const struct ir_tensor *b, const struct ir_tensor *o, const uint32_t **ia,
		     const uint32_t **ib)
{
	int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
	int32_t da[ENPU_MAX_DIMS], db[ENPU_MAX_DIMS], dout[ENPU_MAX_DIMS];
	*ia = *ib = NULL;
	if (same_shape(a, b)) {
		if (!same_shape(a, o))
			return FAIL("output shape differs from the inputs'");
		return 0;
	}
	for (int i = 0; i < nd; i++) {
		int ka = i - (nd - a->ndim), kb = i - (nd - b->ndim);
		da[i] = ka >= 0 ? a->dims[ka] : 1;
		db[i] = kb >= 0 ? b->dims[kb] : 1;
		if (da[i] != db[i] && da[i] != 1 && db[i] != 1)
			return FAIL("shapes cannot be broadcast (dimension %d: %d vs %d)", i, da[i],
				    db[i]);
		dout[i] = da[i] == 1 ? db[i] : da[i];
	}
	if (o->ndim != nd)
		return FAIL("output has %d dimensions, broadcasting gives %d", o->ndim, nd);
	for (int i = 0; i < nd; i++)
		if (o->dims[i] != dout[i])
			return FAIL("output dimension %d is %d, broadcasting gives %d", i, o->dims[i],
				    dout[i]);
	if (o->count > UINT32_MAX)
		return FAIL("broadcast output too large");
	uint32_t *ma = enpu_interp_alloc(it, (o->count + 1) * sizeof(uint32_t));
	uint32_t *mb = enpu_interp_alloc(it, (o->count + 1) * sizeof(uint32_t));
	if (!ma || !mb)
		return -ENOMEM;
	for (size_t i = 0; i < o->count; i++) {
		size_t rem = i, oa = 0, ob = 0, sa = 1, sb = 1;
		for (int d = nd - 1; d >= 0; d--) {
			size_t c = rem % (size_t)dout[d];
			rem /= (size_t)dout[d];
			oa += (da[d] == 1 ? 0 : c) * sa;
			ob += (db[d] == 1 ? 0 : c) * sb;
			sa *= (size_t)da[d];
			sb *= (size_t)db[d];
		}
		ma[i] = (uint32_t)oa;
		mb[i] = (uint32_t)ob;
	}
	*ia = ma;
	*ib = mb;
	return 0;
}

static int prepare_binary(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 2, 2, 1);
	if (r)
		return r;
	const struct ir_tensor *a = T(0), *b = T(1), *o = O(0);
	if ((r = check_q(op, idx, a, "input 0")) || (r = check_q(op, idx, b, "input 1")) ||
	    (r = check_q(op, idx, o, "output")))
		return r;
	if (a->type != o->type || b->type != o->type)
		return FAIL("inputs and output must share one type");
	struct bin_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	struct enpu_add_params *p = &s->p;
	if ((r = broadcast(it, op, idx, a, b, o, &p->idx1, &p->idx2)))
		return r;
	p->count = o->count;
	p->in1_zp = (int32_t)a->zp[0];
	p->in2_zp = (int32_t)b->zp[0];
	p->out_zp = (int32_t)o->zp[0];
	if ((r = act_range(op, idx, op->o.act, o, &p->act_min, &p->act_max)))
		return r;
	if (op->code == OP_MUL) {
		double real = (double)a->scale[0] * (double)b->scale[0] / (double)o->scale[0];
		q_quantize_multiplier(real, &s->mul_mult, &s->mul_shift);
		/*
		 * TFLite-as-run hands MUL to XNNPACK when (s_a*s_b)/s_o is in
		 * [2^-16, 256); outside, its reference (the Q31 path) runs.
		 */
		if (xnn_rules(it))
			s->mul_scale = q_mul_xnn_scale(a->scale[0], b->scale[0], o->scale[0]);
	} else {
		/* TFLite's ADD: both inputs to a common scale at 2^20 headroom. */
		p->left_shift = 20;
		p->sub = op->code == OP_SUB;
		double twice_max = 2.0 * (double)(a->scale[0] > b->scale[0] ? a->scale[0] : b->scale[0]);
		double r1 = (double)a->scale[0] / twice_max, r2 = (double)b->scale[0] / twice_max;
		double ro = twice_max / ((double)(1 << p->left_shift) * (double)o->scale[0]);
		q_quantize_multiplier(r1, &p->in1_mult, &p->in1_shift);
		q_quantize_multiplier(r2, &p->in2_mult, &p->in2_shift);
		q_quantize_multiplier(ro, &p->out_mult, &p->out_shift);
		if (p->out_shift > 0)
			return FAIL("output scale is too small next to the input scales");
		/*
		 * XNNPACK takes input/output scale ratios in [2^-10, 256) only;
		 * outside them TFLite falls back to its reference ADD/SUB, the
		 * fixed-point form above (p->xnn stays 0).
		 */
		if (enpu_op_requant_mode(it, op->code, a->type) == ENPU_REQUANT_FP32)
			(void)enpu_xnn_add_params(p, a->scale[0] / o->scale[0], b->scale[0] / o->scale[0]);
	}
	it->opstate[idx] = s;
	return 0;
}

/* Elements per ADD chunk: large enough that claiming one is noise. */
#define ADD_CHUNK 8192

struct add_job {
	const struct enpu_kernels *k;
	const struct enpu_add_params *p;
	const void *a, *b;
	void *out;
	int u8;
	size_t chunk;
};

/* Broadcast index tables hold absolute input positions: slice them, not the inputs. */
static void add_chunk_fn(void *ctx, size_t chunk, void *scratch)
{
	const struct add_job *j = ctx;
	struct enpu_add_params p = *j->p;
	size_t off = chunk * j->chunk;
	(void)scratch;
	p.count = p.count - off < j->chunk ? p.count - off : j->chunk;
	const uint8_t *a = j->a, *b = j->b;
	if (p.idx1)
		p.idx1 += off;
	else
		a += off;
	if (p.idx2)
		p.idx2 += off;
	else
		b += off;
	if (j->u8)
		j->k->add_qu8(&p, a, b, (uint8_t *)j->out + off);
	else
		j->k->add_qs8(&p, (const int8_t *)a, (const int8_t *)b, (int8_t *)j->out + off);
}

static void eval_binary(struct enpu_interp *it, struct ir_op *op)
{
	struct bin_state *s = it->opstate[op - it->m->ops];
	const struct enpu_add_params *p = &s->p;
	const struct ir_tensor *a = T(0), *b = T(1), *o = O(0);
	int u8 = a->type == ENPU_TYPE_UINT8;
	if (op->code != OP_MUL) {
		struct add_job j = { it->k, p, P(a), P(b), P(o), u8, ADD_CHUNK };
		size_t n = enpu_pool_threads(it->pool) > 1 ? (p->count + ADD_CHUNK - 1) / ADD_CHUNK : 1;
		if (n <= 1) {
			j.chunk = p->count;
			add_chunk_fn(&j, 0, NULL);
		} else {
			enpu_pool_run(it->pool, add_chunk_fn, &j, n);
		}
		return;
	}
	for (size_t i = 0; i < p->count; i++) {
		size_t i1 = p->idx1 ? p->idx1[i] : i, i2 = p->idx2 ? p->idx2[i] : i;
		int32_t x = u8 ? ((uint8_t *)P(a))[i1] : ((int8_t *)P(a))[i1];
		int32_t y = u8 ? ((uint8_t *)P(b))[i2] : ((int8_t *)P(b))[i2];
		int32_t v;
		if (s->mul_scale != 0.0f) {
			v = q_mul_xnn(x - p->in1_zp, y - p->in2_zp, s->mul_scale, p->out_zp,
				      p->act_min, p->act_max);
		} else {
			v = q_mul((x - p->in1_zp) * (y - p->in2_zp), s->mul_mult, s->mul_shift) +
			    p->out_zp;
			v = q_clamp(v, p->act_min, p->act_max);
		}
		if (u8)
			((uint8_t *)P(o))[i] = (uint8_t)v;
		else
			((int8_t *)P(o))[i] = (int8_t)v;
	}
}

/* ---- pooling ---- */

static int prepare_pool(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 1, 1, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	const struct ir_opts *q = &op->o;
	if ((r = check_q(op, idx, x, "input")) || (r = check_q(op, idx, o, "output")))
		return r;
	if (x->type != o->type || x->scale[0] != o->scale[0] || x->zp[0] != o->zp[0])
		return FAIL("input and output must share type, scale and zero point");
	if (x->ndim != 4)
		return FAIL("input must be 4-D");
	if (q->stride_w < 1 || q->stride_h < 1 || q->filter_w < 1 || q->filter_h < 1 ||
	    q->filter_w > 4096 || q->filter_h > 4096 || q->stride_w > 4096 || q->stride_h > 4096)
		return FAIL("filter %dx%d and strides %dx%d must be 1..4096", q->filter_h,
			    q->filter_w, q->stride_h, q->stride_w);
	if (q->padding != PAD_SAME && q->padding != PAD_VALID)
		return FAIL("unknown padding %d", q->padding);
	struct enpu_pool_params *p = enpu_interp_alloc(it, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->n = x->dims[0];
	p->ih = x->dims[1];
	p->iw = x->dims[2];
	p->c = x->dims[3];
	p->fh = q->filter_h;
	p->fw = q->filter_w;
	p->sh = q->stride_h;
	p->sw = q->stride_w;
	p->oh = out_size(q->padding, p->ih, p->fh, p->sh, 1, &p->pad_t);
	p->ow = out_size(q->padding, p->iw, p->fw, p->sw, 1, &p->pad_l);
	if (p->oh < 0 || p->ow < 0)
		return FAIL("filter larger than the input");
	if ((r = check_shape4(op, idx, o, p->n, p->oh, p->ow, p->c)))
		return r;
	if ((r = act_range(op, idx, q->act, o, &p->act_min, &p->act_max)))
		return r;
	it->opstate[idx] = p;
	return 0;
}

static void eval_pool(struct enpu_interp *it, struct ir_op *op)
{
	const struct enpu_pool_params *p = it->opstate[op - it->m->ops];
	const struct ir_tensor *x = T(0), *o = O(0);
	int u8 = x->type == ENPU_TYPE_UINT8;
	if (op->code == OP_AVERAGE_POOL_2D) {
		if (u8)
			it->k->avgpool_qu8(p, P(x), P(o));
		else
			it->k->avgpool_qs8(p, P(x), P(o));
	} else {
		if (u8)
			it->k->maxpool_qu8(p, P(x), P(o));
		else
			it->k->maxpool_qs8(p, P(x), P(o));
	}
}

/* ---- RESHAPE / SQUEEZE: a byte copy once sizes agree ---- */

static int prepare_reshape(struct enpu_interp *it, struct ir_op *op, int idx)
{
	(void)it;
	int r = need_io(op, idx, 1, 2, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	if (x->type != o->type || x->bytes != o->bytes)
		return FAIL("output '%.40s' (%s, %zu bytes) does not match the input (%s, %zu bytes)",
			    o->name, enpu_type_name(o->type), o->bytes, enpu_type_name(x->type),
			    x->bytes);
	if (x->nq && o->nq && (x->scale[0] != o->scale[0] || x->zp[0] != o->zp[0]))
		return FAIL("input and output quantization differ");
	return 0;
}

static void eval_copy(struct enpu_interp *it, struct ir_op *op)
{
	if (P(O(0)) != P(T(0)))
		memmove(P(O(0)), P(T(0)), O(0)->bytes);
}

/* ---- SOFTMAX: TFLite's float lookup table for 8-bit inputs ---- */

struct softmax_state {
	float table[256];
	float out_scale;
	int32_t out_zp;
	int rows, cols;
};

static int prepare_softmax(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 1, 1, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	if ((r = check_q(op, idx, x, "input")) || (r = check_q(op, idx, o, "output")))
		return r;
	if (x->type != o->type || !same_shape(x, o) || x->ndim < 1)
		return FAIL("output must have the input's type and shape");
	int32_t want = o->type == ENPU_TYPE_UINT8 ? 0 : -128;
	if (o->scale[0] != 1.0f / 256 || o->zp[0] != want)
		return FAIL("output quantization must be scale 1/256, zero point %d", want);
	if (!isfinite(op->o.beta))
		return FAIL("beta is not finite");
	struct softmax_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	float sc = -x->scale[0] * op->o.beta;
	for (int v = 0; v <= 255; v++)
		s->table[255 - v] = expf(sc * (float)v);
	s->out_scale = o->scale[0];
	s->out_zp = (int32_t)o->zp[0];
	s->cols = x->dims[x->ndim - 1];
	s->rows = s->cols ? (int)(x->count / (size_t)s->cols) : 0;
	it->opstate[idx] = s;
	return 0;
}

static void eval_softmax(struct enpu_interp *it, struct ir_op *op)
{
	const struct softmax_state *s = it->opstate[op - it->m->ops];
	int u8 = T(0)->type == ENPU_TYPE_UINT8;
	const uint8_t *xu = P(T(0));
	const int8_t *xs = P(T(0));
	uint8_t *ou = P(O(0));
	int8_t *os = P(O(0));
	for (int r = 0; r < s->rows; r++) {
		size_t base = (size_t)r * s->cols;
		int32_t mx = -1000;
		for (int j = 0; j < s->cols; j++) {
			int32_t v = u8 ? xu[base + j] : xs[base + j];
			mx = v > mx ? v : mx;
		}
		const float *tab = &s->table[255 - mx];
		float sum = 0.0f;
		for (int j = 0; j < s->cols; j++)
			sum += tab[u8 ? xu[base + j] : xs[base + j]];
		float inv = 1.0f / (sum * s->out_scale);
		for (int j = 0; j < s->cols; j++) {
			float pr = tab[u8 ? xu[base + j] : xs[base + j]] * inv;
			if (u8) {
				/* TFLite truncates p + 0.5 for uint8 output off aarch64. */
				int32_t q = q_sat_add(q_f2i(pr + 0.5f), s->out_zp);
				ou[base + j] = (uint8_t)q_clamp(q, 0, 255);
			} else {
				int32_t q = q_sat_add(q_f2i(roundf(pr)), s->out_zp);
				os[base + j] = (int8_t)q_clamp(q, -128, 127);
			}
		}
	}
}

/* ---- QUANTIZE / DEQUANTIZE ---- */

struct requant_state {
	int32_t mult;
	int shift;
	int xnn;		/* XNNPACK's Q8 convert: (bias + x * q8mult) >> 8 */
	int32_t q8mult, q8bias;
	int32_t in_zp, out_zp, lo, hi;
	float scale;
};

static int prepare_quantize(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 1, 1, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	if (!same_shape(x, o))
		return FAIL("output shape differs from the input's");
	struct requant_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (op->code == OP_DEQUANTIZE) {
		if ((r = check_q(op, idx, x, "input")))
			return r;
		if (o->type != ENPU_TYPE_FLOAT32)
			return FAIL("output must be float32");
		s->in_zp = (int32_t)x->zp[0];
		s->scale = x->scale[0];
	} else {
		if ((r = check_q(op, idx, o, "output")))
			return r;
		if (x->type == ENPU_TYPE_FLOAT32) {
			s->scale = o->scale[0];
		} else {
			if ((r = check_q(op, idx, x, "input")))
				return r;
			double real = (double)x->scale[0] / (double)o->scale[0];
			q_quantize_multiplier(real, &s->mult, &s->shift);
			s->in_zp = (int32_t)x->zp[0];
			float fs = x->scale[0] / o->scale[0];
			if (!(fs >= 1.0f / 256 && fs <= 256.0f))
				return FAIL("input/output scale ratio %g is out of range", (double)fs);
			/* The XNNPACK delegate only takes same-type requantization. */
			if (x->type == o->type &&
			    enpu_op_requant_mode(it, op->code, x->type) == ENPU_REQUANT_FP32) {
				s->xnn = 1;
				s->q8mult = (int32_t)lrintf(256.0f * fs);
				s->q8bias = ((int32_t)o->zp[0] << 8) - s->q8mult * s->in_zp + 0x80;
			}
		}
		s->out_zp = (int32_t)o->zp[0];
		qrange(o->type, &s->lo, &s->hi);
	}
	it->opstate[idx] = s;
	return 0;
}

static int32_t load_q(const void *p, int type, size_t i)
{
	return type == ENPU_TYPE_UINT8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}

static void store_q(void *p, int type, size_t i, int32_t v)
{
	if (type == ENPU_TYPE_UINT8)
		((uint8_t *)p)[i] = (uint8_t)v;
	else
		((int8_t *)p)[i] = (int8_t)v;
}

static void eval_quantize(struct enpu_interp *it, struct ir_op *op)
{
	const struct requant_state *s = it->opstate[op - it->m->ops];
	const struct ir_tensor *x = T(0), *o = O(0);
	for (size_t i = 0; i < x->count; i++) {
		if (op->code == OP_DEQUANTIZE) {
			((float *)P(o))[i] = (float)(load_q(P(x), x->type, i) - s->in_zp) * s->scale;
		} else if (x->type == ENPU_TYPE_FLOAT32) {
			float f = roundf(((const float *)P(x))[i] / s->scale);
			f = fminf(fmaxf(f + (float)s->out_zp, (float)s->lo), (float)s->hi);
			store_q(P(o), o->type, i, (int32_t)f);
		} else if (s->xnn) {
			int32_t v = (s->q8bias + load_q(P(x), x->type, i) * s->q8mult) >> 8;
			store_q(P(o), o->type, i, q_clamp(v, s->lo, s->hi));
		} else {
			int32_t v = q_mul(load_q(P(x), x->type, i) - s->in_zp, s->mult, s->shift) +
				    s->out_zp;
			store_q(P(o), o->type, i, q_clamp(v, s->lo, s->hi));
		}
	}
}

/* ---- helpers for constant int32 operands ---- */

static int const_ints(const struct ir_op *op, int idx, const struct ir_tensor *t, int32_t *out,
		      int max, int *n, const char *role)
{
	if (!t->data || t->type != ENPU_TYPE_INT32)
		return FAIL("%s must be a constant int32 tensor", role);
	if (t->count > (size_t)max)
		return FAIL("%s has %zu elements (limit %d)", role, t->count, max);
	memcpy(out, t->data, t->count * 4);
	*n = (int)t->count;
	return 0;
}

/* ---- MEAN ---- */

struct mean_state {
	int nd;
	int32_t dims[ENPU_MAX_DIMS];
	bool reduce[ENPU_MAX_DIMS];
	size_t nred;
	int32_t mult;
	int shift;
	int32_t in_zp, out_zp, lo, hi;
	float in_scale, out_scale;
	int integer_path;
	int64_t *sum;
};

static int prepare_mean(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 2, 2, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	if ((r = check_q(op, idx, x, "input")) || (r = check_q(op, idx, o, "output")))
		return r;
	if (x->type != o->type)
		return FAIL("output type differs from input type");
	int32_t ax[16];
	int nax;
	if ((r = const_ints(op, idx, T(1), ax, 16, &nax, "axis")))
		return r;
	struct mean_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->nd = x->ndim;
	memcpy(s->dims, x->dims, sizeof(s->dims));
	for (int i = 0; i < nax; i++) {
		int a = ax[i] < 0 ? ax[i] + x->ndim : ax[i];
		if (a < 0 || a >= x->ndim)
			return FAIL("axis %d is outside the input's %d dimensions", ax[i], x->ndim);
		s->reduce[a] = true;
	}
	int32_t od[ENPU_MAX_DIMS];
	int ond = 0;
	s->nred = 1;
	for (int i = 0; i < x->ndim; i++) {
		if (s->reduce[i])
			s->nred *= (size_t)x->dims[i];
		if (!s->reduce[i])
			od[ond++] = x->dims[i];
		else if (op->o.keep_dims)
			od[ond++] = 1;
	}
	if (o->ndim != ond || memcmp(o->dims, od, (size_t)ond * 4))
		return FAIL("output '%.40s' has the wrong shape", o->name);
	if (s->nred == 0)
		return FAIL("reduces over an empty dimension");
	s->in_zp = (int32_t)x->zp[0];
	s->out_zp = (int32_t)o->zp[0];
	s->in_scale = x->scale[0];
	s->out_scale = o->scale[0];
	qrange(o->type, &s->lo, &s->hi);
	/* TFLite's integer path covers the global spatial mean of NHWC. */
	s->integer_path = op->o.keep_dims && x->ndim == 4 && nax == 2 && s->reduce[1] &&
			  s->reduce[2];
	double real = (double)x->scale[0] / (double)o->scale[0];
	q_quantize_multiplier(real, &s->mult, &s->shift);
	s->sum = enpu_interp_alloc(it, (o->count + 1) * sizeof(int64_t));
	if (!s->sum)
		return -ENOMEM;
	it->opstate[idx] = s;
	return 0;
}

static void eval_mean(struct enpu_interp *it, struct ir_op *op)
{
	const struct mean_state *s = it->opstate[op - it->m->ops];
	const struct ir_tensor *x = T(0), *o = O(0);
	size_t oc = o->count;
	int64_t *sum = s->sum;
	memset(sum, 0, oc * sizeof(int64_t));
	for (size_t i = 0; i < x->count; i++) {
		size_t rem = i, oi = 0;
		for (int d = s->nd - 1, mul = 1; d >= 0; d--) {
			size_t c = rem % (size_t)s->dims[d];
			rem /= (size_t)s->dims[d];
			if (!s->reduce[d]) {
				oi += c * (size_t)mul;
				mul *= s->dims[d];
			}
		}
		sum[oi] += load_q(P(x), x->type, i);
	}
	int32_t n = (int32_t)s->nred;
	for (size_t i = 0; i < oc; i++) {
		int32_t v;
		if (s->integer_path) {
			int32_t acc = (int32_t)(sum[i] - (int64_t)s->in_zp * n);
			acc = q_mul(acc, s->mult, s->shift);
			acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
			v = q_clamp(acc + s->out_zp, s->lo, s->hi);
		} else {
			float scale = s->in_scale / s->out_scale;
			float bias = -(float)s->in_zp * scale;
			float mean = (float)sum[i] / (float)n;
			float f = roundf(mean * scale + bias) + (float)s->out_zp;
			f = fminf(fmaxf(f, (float)s->lo), (float)s->hi);
			v = q_f2i(f);
		}
		store_q(P(o), o->type, i, v);
	}
}

/* ---- CONCATENATION / SPLIT ---- */

static int norm_axis(int axis, int nd)
{
	return axis < 0 ? axis + nd : axis;
}

static int prepare_concat(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 1, 64, 1);
	if (r)
		return r;
	const struct ir_tensor *o = O(0);
	if ((r = check_q(op, idx, o, "output")))
		return r;
	int axis = norm_axis(op->o.axis, o->ndim);
	if (axis < 0 || axis >= o->ndim)
		return FAIL("axis %d outside the output's %d dimensions", op->o.axis, o->ndim);
	if (op->o.act != ACT_NONE)
		return FAIL("fused activation is not supported on CONCATENATION");
	int64_t total = 0;
	for (int i = 0; i < op->nin; i++) {
		const struct ir_tensor *x = T(i);
		if ((r = check_q(op, idx, x, "input")))
			return r;
		if (x->type != o->type || x->ndim != o->ndim)
			return FAIL("input %d differs from the output in type or rank", i);
		for (int d = 0; d < o->ndim; d++)
			if (d != axis && x->dims[d] != o->dims[d])
				return FAIL("input %d dimension %d is %d, the output's is %d", i, d,
					    x->dims[d], o->dims[d]);
		total += x->dims[axis];
	}
	if (total != o->dims[axis])
		return FAIL("inputs add up to %lld along axis %d, the output has %d",
			    (long long)total, axis, o->dims[axis]);
	/*
	 * TFLite-as-run hands uint8 CONCATENATION of 2 to 4 inputs to
	 * XNNPACK, which copies the bytes and ignores the inputs' scales and
	 * zero points; with 1 or 5+ inputs TFLite's reference requantizes.
	 * (int8 inputs quantized unlike the output are refused by TFLite.)
	 */
	int *copy = enpu_interp_alloc(it, sizeof(int));
	if (!copy)
		return -ENOMEM;
	*copy = xnn_rules(it) && o->type == ENPU_TYPE_UINT8 &&
		op->nin >= 2 && op->nin <= 4;
	it->opstate[idx] = copy;
	return 0;
}

static void eval_concat(struct enpu_interp *it, struct ir_op *op)
{
	const struct ir_tensor *o = O(0);
	int axis = norm_axis(op->o.axis, o->ndim);
	size_t outer = 1, inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= (size_t)o->dims[d];
	for (int d = axis + 1; d < o->ndim; d++)
		inner *= (size_t)o->dims[d];
	size_t opos = 0, orow = (size_t)o->dims[axis] * inner;
	int32_t lo, hi;
	qrange(o->type, &lo, &hi);
	int copy = *(const int *)it->opstate[op - it->m->ops];
	for (int i = 0; i < op->nin; i++) {
		const struct ir_tensor *x = T(i);
		size_t row = (size_t)x->dims[axis] * inner;
		int same = copy || (x->scale[0] == o->scale[0] && x->zp[0] == o->zp[0]);
		float scale = x->scale[0] / o->scale[0];
		float bias = -(float)x->zp[0] * scale;
		for (size_t k = 0; k < outer; k++) {
			const uint8_t *src = (const uint8_t *)P(x) + k * row;
			uint8_t *dst = (uint8_t *)P(o) + k * orow + opos;
			if (same) {
				memcpy(dst, src, row);
				continue;
			}
			for (size_t j = 0; j < row; j++) {
				int32_t v = q_sat_add(q_f2i(roundf((float)load_q(src, x->type, j) * scale + bias)),
						      (int32_t)o->zp[0]);
				store_q(dst, o->type, j, q_clamp(v, lo, hi));
			}
		}
		opos += row;
	}
}

static int prepare_split(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 2, 2, -1);
	if (r)
		return r;
	const struct ir_tensor *x = T(1);
	int32_t ax;
	int n;
	if ((r = const_ints(op, idx, T(0), &ax, 1, &n, "axis")))
		return r;
	if (n != 1)
		return FAIL("axis must be a scalar");
	int axis = norm_axis(ax, x->ndim);
	if (axis < 0 || axis >= x->ndim)
		return FAIL("axis %d outside the input's %d dimensions", ax, x->ndim);
	if (op->nout < 1 || op->nout != op->o.num_splits)
		return FAIL("num_splits is %d but there are %d outputs", op->o.num_splits, op->nout);
	if (x->dims[axis] % op->nout)
		return FAIL("dimension %d (%d) does not split evenly %d ways", axis, x->dims[axis],
			    op->nout);
	for (int i = 0; i < op->nout; i++) {
		const struct ir_tensor *o = O(i);
		if (o->type != x->type || o->ndim != x->ndim)
			return FAIL("output %d differs from the input in type or rank", i);
		for (int d = 0; d < x->ndim; d++) {
			int want = d == axis ? x->dims[d] / op->nout : x->dims[d];
			if (o->dims[d] != want)
				return FAIL("output %d dimension %d is %d, expected %d", i, d,
					    o->dims[d], want);
		}
		if (x->nq && o->nq && (x->scale[0] != o->scale[0] || x->zp[0] != o->zp[0]))
			return FAIL("output %d quantization differs from the input's", i);
	}
	int *st = enpu_interp_alloc(it, sizeof(int));
	if (!st)
		return -ENOMEM;
	*st = axis;
	it->opstate[idx] = st;
	return 0;
}

static void eval_split(struct enpu_interp *it, struct ir_op *op)
{
	const struct ir_tensor *x = T(1);
	int axis = *(const int *)it->opstate[op - it->m->ops];
	size_t outer = 1, inner = enpu_type_size(x->type);
	for (int d = 0; d < axis; d++)
		outer *= (size_t)x->dims[d];
	for (int d = axis + 1; d < x->ndim; d++)
		inner *= (size_t)x->dims[d];
	size_t row = (size_t)x->dims[axis] * inner, part = row / (size_t)op->nout;
	for (int i = 0; i < op->nout; i++)
		for (size_t k = 0; k < outer; k++)
			memcpy((uint8_t *)P(O(i)) + k * part, (const uint8_t *)P(x) + k * row + i * part,
			       part);
}

/* ---- RESIZE_BILINEAR / RESIZE_NEAREST_NEIGHBOR ---- */

static int prepare_resize(struct enpu_interp *it, struct ir_op *op, int idx)
{
	(void)it;
	int r = need_io(op, idx, 2, 2, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	if ((r = check_q(op, idx, x, "input")))
		return r;
	int32_t sz[2];
	int n;
	if ((r = const_ints(op, idx, T(1), sz, 2, &n, "size")))
		return r;
	if (n != 2 || sz[0] < 1 || sz[1] < 1)
		return FAIL("size must be two positive integers");
	if (x->ndim != 4 || x->dims[1] < 1 || x->dims[2] < 1)
		return FAIL("input must be 4-D with a non-empty image");
	if (!o->nq || o->type != x->type || o->scale[0] != x->scale[0] || o->zp[0] != x->zp[0])
		return FAIL("output must share the input's type and quantization");
	if (op->o.align_corners && op->o.half_pixel)
		return FAIL("align_corners and half_pixel_centers cannot both be set");
	return check_shape4(op, idx, o, x->dims[0], sz[0], sz[1], x->dims[3]);
}

static float resize_scale(int in, int out, bool align)
{
	return align && out > 1 ? (float)(in - 1) / (float)(out - 1) : (float)in / (float)out;
}

static void eval_resize(struct enpu_interp *it, struct ir_op *op)
{
	const struct ir_tensor *x = T(0), *o = O(0);
	int N = x->dims[0], IH = x->dims[1], IW = x->dims[2], C = x->dims[3];
	int OH = o->dims[1], OW = o->dims[2];
	bool ac = op->o.align_corners, hp = op->o.half_pixel;
	float hs = resize_scale(IH, OH, ac), ws = resize_scale(IW, OW, ac);
	const void *in = P(x);
	void *out = P(o);
	for (int b = 0; b < N; b++)
	for (int y = 0; y < OH; y++)
	for (int xo = 0; xo < OW; xo++) {
		size_t obase = (((size_t)b * OH + y) * OW + xo) * C;
		if (op->code == OP_RESIZE_NEAREST_NEIGHBOR) {
			float off = hp ? 0.5f : 0.0f;
			int iy = (int)(ac ? roundf(((float)y + off) * hs) : floorf(((float)y + off) * hs));
			int ix = (int)(ac ? roundf(((float)xo + off) * ws) : floorf(((float)xo + off) * ws));
			iy = iy < IH - 1 ? iy : IH - 1;
			ix = ix < IW - 1 ? ix : IW - 1;
			iy = iy > 0 ? iy : 0;
			ix = ix > 0 ? ix : 0;
			size_t ib = (((size_t)b * IH + iy) * IW + ix) * C;
			for (int c = 0; c < C; c++)
				store_q(out, o->type, obase + c, load_q(in, x->type, ib + c));
			continue;
		}
		if (xnn_rules(it)) {
			/* XNNPACK's Q11 kernel, as TFLite-as-run does for 8-bit types. */
			int y0, y1, x0, x1;
			int32_t av, ah;
			bool legacy = !ac && !hp;
			q_resize_coord(y, q_resize_scale(IH, OH, ac), IH, ac, legacy, &y0, &y1, &av);
			q_resize_coord(xo, q_resize_scale(IW, OW, ac), IW, ac, legacy, &x0, &x1, &ah);
			size_t i00 = (((size_t)b * IH + y0) * IW + x0) * C;
			size_t i01 = (((size_t)b * IH + y0) * IW + x1) * C;
			size_t i10 = (((size_t)b * IH + y1) * IW + x0) * C;
			size_t i11 = (((size_t)b * IH + y1) * IW + x1) * C;
			for (int c = 0; c < C; c++)
				store_q(out, o->type, obase + c,
					q_ibilinear(load_q(in, x->type, i00 + c), load_q(in, x->type, i01 + c),
						    load_q(in, x->type, i10 + c), load_q(in, x->type, i11 + c),
						    ah, av));
			continue;
		}
		float fy = hp ? ((float)y + 0.5f) * hs - 0.5f : (float)y * hs;
		float fx = hp ? ((float)xo + 0.5f) * ws - 0.5f : (float)xo * ws;
		int y0 = (int)floorf(fy), x0 = (int)floorf(fx);
		y0 = y0 > 0 ? y0 : 0;
		x0 = x0 > 0 ? x0 : 0;
		int y1 = y0 + 1 < IH ? y0 + 1 : IH - 1, x1 = x0 + 1 < IW ? x0 + 1 : IW - 1;
		float dy = fy - (float)y0, dx = fx - (float)x0;
		if (hp) {
			fy = fy > 0 ? fy : 0;
			fx = fx > 0 ? fx : 0;
			dy = fy - (float)y0;
			dx = fx - (float)x0;
		}
		size_t i00 = (((size_t)b * IH + y0) * IW + x0) * C, i01 = (((size_t)b * IH + y0) * IW + x1) * C;
		size_t i10 = (((size_t)b * IH + y1) * IW + x0) * C, i11 = (((size_t)b * IH + y1) * IW + x1) * C;
		for (int c = 0; c < C; c++) {
			float v = (float)load_q(in, x->type, i00 + c) * (1 - dy) * (1 - dx) +
				  (float)load_q(in, x->type, i01 + c) * (1 - dy) * dx +
				  (float)load_q(in, x->type, i10 + c) * dy * (1 - dx) +
				  (float)load_q(in, x->type, i11 + c) * dy * dx;
			int32_t lo, hi;
			qrange(o->type, &lo, &hi);
			store_q(out, o->type, obase + c, q_clamp(q_f2i(roundf(v)), lo, hi));
		}
	}
}

/* ---- ARG_MAX ---- */

static int prepare_argmax(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 2, 2, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	if (!is_q8(x->type))
		return FAIL("input must be uint8 or int8");
	int32_t ax;
	int n;
	if ((r = const_ints(op, idx, T(1), &ax, 1, &n, "axis")))
		return r;
	if (n != 1)
		return FAIL("axis must be a scalar");
	int axis = norm_axis(ax, x->ndim);
	if (axis < 0 || axis >= x->ndim || x->dims[axis] < 1)
		return FAIL("axis %d is not a non-empty dimension of the input", ax);
	if (o->type != ENPU_TYPE_INT32 && o->type != ENPU_TYPE_INT64)
		return FAIL("output must be int32 or int64");
	if (o->ndim != x->ndim - 1)
		return FAIL("output must have one dimension fewer than the input");
	for (int d = 0, k = 0; d < x->ndim; d++)
		if (d != axis && o->dims[k++] != x->dims[d])
			return FAIL("output dimension %d does not match the input", k - 1);
	int *st = enpu_interp_alloc(it, sizeof(int));
	if (!st)
		return -ENOMEM;
	*st = axis;
	it->opstate[idx] = st;
	return 0;
}

static void eval_argmax(struct enpu_interp *it, struct ir_op *op)
{
	const struct ir_tensor *x = T(0), *o = O(0);
	int axis = *(const int *)it->opstate[op - it->m->ops];
	size_t outer = 1, inner = 1, n = (size_t)x->dims[axis];
	for (int d = 0; d < axis; d++)
		outer *= (size_t)x->dims[d];
	for (int d = axis + 1; d < x->ndim; d++)
		inner *= (size_t)x->dims[d];
	for (size_t a = 0; a < outer; a++)
		for (size_t b = 0; b < inner; b++) {
			size_t best = 0;
			int32_t bv = load_q(P(x), x->type, a * n * inner + b);
			for (size_t k = 1; k < n; k++) {
				int32_t v = load_q(P(x), x->type, (a * n + k) * inner + b);
				if (v > bv) {
					bv = v;
					best = k;
				}
			}
			if (o->type == ENPU_TYPE_INT64)
				((int64_t *)P(o))[a * inner + b] = (int64_t)best;
			else
				((int32_t *)P(o))[a * inner + b] = (int32_t)best;
		}
}

/* ---- RELU / RELU6 (requantizing, as TFLite does) ---- */

static int prepare_relu(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 1, 1, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	if ((r = check_q(op, idx, x, "input")) || (r = check_q(op, idx, o, "output")))
		return r;
	if (x->type != o->type || !same_shape(x, o))
		return FAIL("output must have the input's type and shape");
	struct requant_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	q_quantize_multiplier((double)x->scale[0] / (double)o->scale[0], &s->mult, &s->shift);
	s->in_zp = (int32_t)x->zp[0];
	s->out_zp = (int32_t)o->zp[0];
	if ((r = act_range(op, idx, op->code == OP_RELU ? ACT_RELU : ACT_RELU6, o, &s->lo, &s->hi)))
		return r;
	it->opstate[idx] = s;
	return 0;
}

static void eval_relu(struct enpu_interp *it, struct ir_op *op)
{
	const struct requant_state *s = it->opstate[op - it->m->ops];
	const struct ir_tensor *x = T(0), *o = O(0);
	for (size_t i = 0; i < x->count; i++) {
		int32_t v = q_mul(load_q(P(x), x->type, i) - s->in_zp, s->mult, s->shift) + s->out_zp;
		store_q(P(o), o->type, i, q_clamp(v, s->lo, s->hi));
	}
}

/* ---- PAD ---- */

static int prepare_pad(struct enpu_interp *it, struct ir_op *op, int idx)
{
	(void)it;
	int r = need_io(op, idx, 2, 2, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0), *pt = T(1);
	int32_t pads[2 * ENPU_MAX_DIMS];
	int n;
	if ((r = const_ints(op, idx, pt, pads, 2 * ENPU_MAX_DIMS, &n, "paddings")))
		return r;
	if (n != 2 * x->ndim)
		return FAIL("paddings has %d values for a %d-D input", n, x->ndim);
	if (o->type != x->type || o->ndim != x->ndim)
		return FAIL("output must have the input's type and rank");
	for (int d = 0; d < x->ndim; d++) {
		if (pads[2 * d] < 0 || pads[2 * d + 1] < 0)
			return FAIL("negative padding on dimension %d", d);
		if ((int64_t)x->dims[d] + pads[2 * d] + pads[2 * d + 1] != o->dims[d])
			return FAIL("output dimension %d should be %lld", d,
				    (long long)x->dims[d] + pads[2 * d] + pads[2 * d + 1]);
	}
	if (is_q8(x->type) && (!x->nq || !o->nq || x->zp[0] != o->zp[0] || x->scale[0] != o->scale[0]))
		return FAIL("input and output quantization must match");
	return 0;
}

static void eval_pad(struct enpu_interp *it, struct ir_op *op)
{
	const struct ir_tensor *x = T(0), *o = O(0);
	const int32_t *pads = T(1)->data;
	size_t es = enpu_type_size(x->type);
	int32_t fill = x->nq ? (int32_t)x->zp[0] : 0;
	for (size_t i = 0; i < o->count; i++) {
		size_t rem = i, src = 0, mul = 1;
		int inside = 1;
		for (int d = o->ndim - 1; d >= 0; d--) {
			int64_t c = (int64_t)(rem % (size_t)o->dims[d]) - pads[2 * d];
			rem /= (size_t)o->dims[d];
			if (c < 0 || c >= x->dims[d])
				inside = 0;
			else
				src += (size_t)c * mul;
			mul *= (size_t)x->dims[d];
		}
		if (inside)
			memcpy((uint8_t *)P(o) + i * es, (const uint8_t *)P(x) + src * es, es);
		else if (es == 1)
			((uint8_t *)P(o))[i] = (uint8_t)fill;
		else
			memset((uint8_t *)P(o) + i * es, 0, es);
	}
}

/* ---- TRANSPOSE ---- */

static int prepare_transpose(struct enpu_interp *it, struct ir_op *op, int idx)
{
	(void)it;
	int r = need_io(op, idx, 2, 2, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	int32_t perm[ENPU_MAX_DIMS];
	int n;
	if ((r = const_ints(op, idx, T(1), perm, ENPU_MAX_DIMS, &n, "perm")))
		return r;
	if (n != x->ndim || o->ndim != n || o->type != x->type)
		return FAIL("perm, input and output ranks must agree");
	int seen = 0;
	for (int d = 0; d < n; d++) {
		if (perm[d] < 0 || perm[d] >= n || (seen & (1 << perm[d])))
			return FAIL("perm is not a permutation");
		seen |= 1 << perm[d];
		if (o->dims[d] != x->dims[perm[d]])
			return FAIL("output dimension %d should be %d", d, x->dims[perm[d]]);
	}
	return 0;
}

static void eval_transpose(struct enpu_interp *it, struct ir_op *op)
{
	const struct ir_tensor *x = T(0), *o = O(0);
	const int32_t *perm = T(1)->data;
	size_t es = enpu_type_size(x->type), stride[ENPU_MAX_DIMS];
	size_t s = 1;
	for (int d = x->ndim - 1; d >= 0; d--) {
		stride[d] = s;
		s *= (size_t)x->dims[d];
	}
	for (size_t i = 0; i < o->count; i++) {
		size_t rem = i, src = 0;
		for (int d = o->ndim - 1; d >= 0; d--) {
			src += (rem % (size_t)o->dims[d]) * stride[perm[d]];
			rem /= (size_t)o->dims[d];
		}
		memcpy((uint8_t *)P(o) + i * es, (const uint8_t *)P(x) + src * es, es);
	}
}

/* ---- LOGISTIC / TANH / HARD_SWISH: 8-bit lookup tables built in float ---- */

struct lut_state {
	uint8_t lut[256];
};

/* TFLite's 16-bit fixed-point HardSwish (XNNPACK does not take 8-bit HARD_SWISH). */
static int hswish_lut(struct ir_op *op, int idx, const struct ir_tensor *x,
		      const struct ir_tensor *o, struct lut_state *s)
{
	struct q_hswish p;
	if (q_hswish_init(&p, x->scale[0], (int32_t)x->zp[0], o->scale[0], (int32_t)o->zp[0]))
		return FAIL("input/output scale ratio %g is too large for HARD_SWISH",
			    (double)(x->scale[0] / o->scale[0]));
	int32_t lo, hi;
	qrange(x->type, &lo, &hi);
	for (int32_t v = lo; v <= hi; v++)
		s->lut[(uint8_t)v] = (uint8_t)q_clamp(q_hswish(&p, v), lo, hi);
	return 0;
}

static int prepare_lut(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 1, 1, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	if ((r = check_q(op, idx, x, "input")) || (r = check_q(op, idx, o, "output")))
		return r;
	if (x->type != o->type || !same_shape(x, o))
		return FAIL("output must have the input's type and shape");
	struct lut_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	it->opstate[idx] = s;
	if (op->code == OP_HARD_SWISH)
		return hswish_lut(op, idx, x, o, s);
	int32_t lo, hi;
	qrange(x->type, &lo, &hi);
	for (int32_t v = lo; v <= hi; v++) {
		float f = x->scale[0] * (float)(v - (int32_t)x->zp[0]), y;
		if (op->code == OP_LOGISTIC)
			y = 1.0f / (1.0f + expf(-f));
		else
			y = tanhf(f);
		float q = roundf(y / o->scale[0]) + (float)o->zp[0];
		q = fminf(fmaxf(q, (float)lo), (float)hi);
		s->lut[(uint8_t)v] = (uint8_t)(int32_t)q;
	}
	return 0;
}

static void eval_lut(struct enpu_interp *it, struct ir_op *op)
{
	const struct lut_state *s = it->opstate[op - it->m->ops];
	const uint8_t *x = P(T(0));
	uint8_t *o = P(O(0));
	for (size_t i = 0; i < T(0)->count; i++)
		o[i] = s->lut[x[i]];
}

/* ---- STRIDED_SLICE (no ellipsis / new axis) ---- */

struct slice_state {
	int nd;
	int32_t begin[ENPU_MAX_DIMS], stride[ENPU_MAX_DIMS], len[ENPU_MAX_DIMS];
};

static int prepare_slice(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r = need_io(op, idx, 4, 4, 1);
	if (r)
		return r;
	const struct ir_tensor *x = T(0), *o = O(0);
	int32_t b[ENPU_MAX_DIMS], e[ENPU_MAX_DIMS], st[ENPU_MAX_DIMS];
	int nb, ne, ns;
	if ((r = const_ints(op, idx, T(1), b, ENPU_MAX_DIMS, &nb, "begin")) ||
	    (r = const_ints(op, idx, T(2), e, ENPU_MAX_DIMS, &ne, "end")) ||
	    (r = const_ints(op, idx, T(3), st, ENPU_MAX_DIMS, &ns, "strides")))
		return r;
	if (nb != x->ndim || ne != nb || ns != nb)
		return FAIL("begin/end/strides must each have one value per input dimension");
	if (op->o.ellipsis_mask || op->o.new_axis_mask)
		return FAIL("ellipsis and new-axis masks are not supported");
	if (o->type != x->type)
		return FAIL("output type differs from input type");
	struct slice_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->nd = x->ndim;
	int32_t od[ENPU_MAX_DIMS];
	int ond = 0;
	for (int d = 0; d < x->ndim; d++) {
		int64_t dim = x->dims[d], S = st[d], B = b[d], E = e[d];
		if (S == 0)
			return FAIL("stride %d is zero", d);
		int shrink = op->o.shrink_axis_mask >> d & 1;
		if (B < 0)
			B += dim;
		if (E < 0)
			E += dim;
		if (op->o.begin_mask >> d & 1)
			B = S > 0 ? 0 : dim - 1;
		if (op->o.end_mask >> d & 1)
			E = S > 0 ? dim : -1;
		if (shrink)
			E = B + 1, S = 1;
		B = S > 0 ? (B < 0 ? 0 : B > dim ? dim : B) : (B < -1 ? -1 : B > dim - 1 ? dim - 1 : B);
		E = S > 0 ? (E < 0 ? 0 : E > dim ? dim : E) : (E < -1 ? -1 : E > dim - 1 ? dim - 1 : E);
		int64_t n = S > 0 ? (E - B + S - 1) / S : (B - E - S - 1) / -S;
		if (n < 0)
			n = 0;
		if (shrink && (n != 1 || B < 0 || B >= dim))
			return FAIL("shrunk dimension %d is out of range", d);
		s->begin[d] = (int32_t)B;
		s->stride[d] = (int32_t)S;
		s->len[d] = (int32_t)n;
		if (!shrink)
			od[ond++] = (int32_t)n;
	}
	if (o->ndim != ond || memcmp(o->dims, od, (size_t)ond * 4))
		return FAIL("output '%.40s' has the wrong shape", o->name);
	it->opstate[idx] = s;
	return 0;
}

static void eval_slice(struct enpu_interp *it, struct ir_op *op)
{
	const struct slice_state *s = it->opstate[op - it->m->ops];
	const struct ir_tensor *x = T(0), *o = O(0);
	size_t es = enpu_type_size(x->type), stride[ENPU_MAX_DIMS], sz = 1;
	for (int d = s->nd - 1; d >= 0; d--) {
		stride[d] = sz;
		sz *= (size_t)x->dims[d];
	}
	for (size_t i = 0; i < o->count; i++) {
		size_t rem = i, src = 0;
		for (int d = s->nd - 1; d >= 0; d--) {
			int64_t c = (int64_t)(rem % (size_t)s->len[d]);
			rem /= (size_t)s->len[d];
			src += (size_t)(s->begin[d] + c * s->stride[d]) * stride[d];
		}
		memcpy((uint8_t *)P(o) + i * es, (const uint8_t *)P(x) + src * es, es);
	}
}

ENPU_HIDDEN int enpu_lstm_prepare(struct enpu_interp *it, struct ir_op *op, int idx);
ENPU_HIDDEN void enpu_lstm_eval(struct enpu_interp *it, struct ir_op *op);

static const struct {
	int code;
	struct op_impl impl;
} impls[] = {
	{ OP_CONV_2D, { prepare_conv, eval_conv } },
	{ OP_DEPTHWISE_CONV_2D, { prepare_conv, eval_conv } },
	{ OP_FULLY_CONNECTED, { prepare_fc, eval_conv } },
	{ OP_ADD, { prepare_binary, eval_binary } },
	{ OP_SUB, { prepare_binary, eval_binary } },
	{ OP_MUL, { prepare_binary, eval_binary } },
	{ OP_AVERAGE_POOL_2D, { prepare_pool, eval_pool } },
	{ OP_MAX_POOL_2D, { prepare_pool, eval_pool } },
	{ OP_RESHAPE, { prepare_reshape, eval_copy } },
	{ OP_SQUEEZE, { prepare_reshape, eval_copy } },
	{ OP_SOFTMAX, { prepare_softmax, eval_softmax } },
	{ OP_QUANTIZE, { prepare_quantize, eval_quantize } },
	{ OP_DEQUANTIZE, { prepare_quantize, eval_quantize } },
	{ OP_MEAN, { prepare_mean, eval_mean } },
	{ OP_CONCATENATION, { prepare_concat, eval_concat } },
	{ OP_SPLIT, { prepare_split, eval_split } },
	{ OP_RESIZE_BILINEAR, { prepare_resize, eval_resize } },
	{ OP_RESIZE_NEAREST_NEIGHBOR, { prepare_resize, eval_resize } },
	{ OP_ARG_MAX, { prepare_argmax, eval_argmax } },
	{ OP_RELU, { prepare_relu, eval_relu } },
	{ OP_RELU6, { prepare_relu, eval_relu } },
	{ OP_PAD, { prepare_pad, eval_pad } },
	{ OP_TRANSPOSE, { prepare_transpose, eval_transpose } },
	{ OP_LOGISTIC, { prepare_lut, eval_lut } },
	{ OP_TANH, { prepare_lut, eval_lut } },
	{ OP_HARD_SWISH, { prepare_lut, eval_lut } },
	{ OP_STRIDED_SLICE, { prepare_slice, eval_slice } },
	{ OP_UNIDIRECTIONAL_SEQUENCE_LSTM, { enpu_lstm_prepare, enpu_lstm_eval } },
};

const struct op_impl *enpu_op_impl(int code)
{
	for (size_t i = 0; i < sizeof(impls) / sizeof(impls[0]); i++)
		if (impls[i].code == code)
			return &impls[i].impl;
	return NULL;
}
