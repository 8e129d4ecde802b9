// SPDX-License-Identifier: MIT
/*
 * xnn-model: a uint8 TFLite model (MobileNet v2 quant, and any model made of
 * the same ops) rebuilt from XNNPACK's qu8 operators with the model's own
 * weights, zero points and scales, to time enpu against XNNPACK on a whole
 * network (make bench, tools/bench/cpu.sh; never in make check).
 *
 * libenpu only reads and checks the model; its graph (lib/src/internal.h) is
 * walked op by op and every op becomes one XNNPACK operator, created once
 * and set up once on fixed buffers; an invoke is xnn_run_operator on each in
 * order.  The activations live in one arena planned like enpu plans its own
 * (largest first, lowest offset free for the tensor's lifetime).
 *
 * TFLite runs CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and ADD through
 * XNNPACK, and enpu reproduces TFLite byte for byte, so on those the outputs
 * here must equal enpu-run's; AVERAGE_POOL_2D, MEAN and SOFTMAX TFLite runs
 * with its own kernels, so they may differ by a rounding step there
 * (--expect reports how much).
 *
 * usage: xnn-model MODEL --input IMG|RAW.bin [--save-input RAW.bin]
 *                  [--expect OUT.bin] [--bench N] [--threads N] [--list]
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthreadpool.h>
#include <xnnpack.h>

#include "bench-util.h"
#include "image.h"
#include "internal.h"

#define ALIGN 64

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "xnn-model: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *d = malloc(len > 0 ? (size_t)len : 1);
	if (!d || len < 0 || fread(d, 1, (size_t)len, f) != (size_t)len)
		die("%s: read failed", path);
	fclose(f);
	*n = (size_t)len;
	return d;
}

/* ---- graph ---- */

enum { N_XNN, N_GAVG, N_COPY };

struct node {
	int kind, code;
	xnn_operator_t op;
	int in0, in1, out;	/* tensor indices */
	size_t rows;		/* FULLY_CONNECTED, SOFTMAX: batch; pooling: pixels */
};

struct graph {
	enpu_model *m;
	struct node *n;
	int nn;
	uint8_t *arena;
	uint8_t **ptr;		/* per tensor */
};

static const struct ir_tensor *T(const struct graph *g, int i)
{
	if (i < 0 || i >= g->m->ntensors)
		die("bad tensor index %d", i);
	return &g->m->t[i];
}

static float sc(const struct ir_tensor *t)
{
	if (t->nq != 1)
		die("tensor '%s': %d scales; the graph builder takes per-tensor uint8 only", t->name,
		    t->nq);
	return t->scale[0];
}

static uint8_t zp(const struct ir_tensor *t)
{
	sc(t);
	if (t->zp[0] < 0 || t->zp[0] > 255)
		die("tensor '%s': zero point %lld", t->name, (long long)t->zp[0]);
	return (uint8_t)t->zp[0];
}

/* TFLite's fused-activation range for a uint8 output (CalculateActivationRangeQuantized). */
static void act_range(int act, const struct ir_tensor *o, uint8_t *lo, uint8_t *hi)
{
	float s = sc(o);
	long z = zp(o), a = 0, b = 255;
	switch (act) {
	case ACT_NONE:
		break;
	case ACT_RELU:
		a = z;
		break;
	case ACT_RELU6:
		a = z;
		b = z + lroundf(6.0f / s);
		break;
	case ACT_RELU_N1_TO_1:
		a = z + lroundf(-1.0f / s);
		b = z + lroundf(1.0f / s);
		break;
	default:
		die("fused activation %d not supported", act);
	}
	*lo = (uint8_t)(a < 0 ? 0 : a > 255 ? 255 : a);
	*hi = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
}

/* TFLite's explicit padding for SAME / VALID (ComputePaddingHeightWidth). */
static void padding(int pad, int in, int k, int stride, int dil, int out, uint32_t *before,
		    uint32_t *after)
{
	int eff = (k - 1) * dil + 1;
	int expect = pad == PAD_SAME ? (in + stride - 1) / stride : (in - eff + stride) / stride;
	if (expect != out)
		die("padding: output %d, TFLite's rule gives %d", out, expect);
	int tot = pad == PAD_SAME ? (out - 1) * stride + eff - in : 0;
	tot = tot > 0 ? tot : 0;
	*before = (uint32_t)(tot / 2);
	*after = (uint32_t)(tot - tot / 2);
}

static void need4(const struct ir_tensor *t)
{
	if (t->ndim != 4 || t->type != ENPU_TYPE_UINT8)
		die("tensor '%s': expected 4-D uint8", t->name);
}

static void check(enum xnn_status st, const char *what, int opi)
{
	if (st != xnn_status_success)
		die("op %d: %s failed (xnn status %d)", opi, what, (int)st);
}

static void build(struct graph *g, int opi)
{
	const struct ir_op *op = &g->m->ops[opi];
	struct node *n = &g->n[g->nn++];
	*n = (struct node){ .kind = N_XNN, .code = op->code, .in0 = op->in[0], .in1 = -1,
			    .out = op->out[0] };
	const struct ir_tensor *in = T(g, op->in[0]), *out = T(g, op->out[0]);
	uint8_t lo, hi;
	switch (op->code) {
	case OP_CONV_2D:
	case OP_DEPTHWISE_CONV_2D: {
		const struct ir_tensor *w = T(g, op->in[1]);
		const struct ir_tensor *b = op->nin > 2 && op->in[2] >= 0 ? T(g, op->in[2]) : NULL;
		need4(in);
		need4(out);
		if (!w->data || w->type != ENPU_TYPE_UINT8 || w->ndim != 4 ||
		    (b && (!b->data || b->type != ENPU_TYPE_INT32)))
			die("op %d: constant uint8 weights and int32 bias expected", opi);
		int dw = op->code == OP_DEPTHWISE_CONV_2D;
		int ic = in->dims[3], oc = out->dims[3], kh = w->dims[1], kw = w->dims[2];
		uint32_t pt, pb, pl, pr;
		padding(op->o.padding, in->dims[1], kh, op->o.stride_h, op->o.dil_h, out->dims[1],
			&pt, &pb);
		padding(op->o.padding, in->dims[2], kw, op->o.stride_w, op->o.dil_w, out->dims[2],
			&pl, &pr);
		act_range(op->o.act, out, &lo, &hi);
		/*
		 * TFLite's filters are OHWI, and [1][kh][kw][ic * mult] for
		 * depthwise: the layouts XNNPACK takes as they are (the
		 * depthwise one with its DEPTHWISE flag), so no repacking here.
		 */
		if (dw && oc % ic)
			die("op %d: depthwise %d -> %d channels", opi, ic, oc);
		check(xnn_create_convolution2d_nhwc_qu8(
			      pt, pr, pb, pl, (uint32_t)kh, (uint32_t)kw, (uint32_t)op->o.stride_h,
			      (uint32_t)op->o.stride_w, (uint32_t)op->o.dil_h, (uint32_t)op->o.dil_w,
			      dw ? (uint32_t)ic : 1, dw ? 1 : (size_t)ic, dw ? (size_t)(oc / ic) : (size_t)oc,
			      (size_t)ic, (size_t)oc, zp(in), sc(in), zp(w), sc(w), w->data,
			      b ? b->data : NULL, zp(out), sc(out), lo, hi,
			      dw ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0, &n->op),
		      "create convolution", opi);
		break;
	}
	case OP_FULLY_CONNECTED: {
		const struct ir_tensor *w = T(g, op->in[1]);
		const struct ir_tensor *b = op->nin > 2 && op->in[2] >= 0 ? T(g, op->in[2]) : NULL;
		if (!w->data || w->type != ENPU_TYPE_UINT8 || w->ndim != 2 ||
		    (b && (!b->data || b->type != ENPU_TYPE_INT32)))
			die("op %d: constant uint8 [out][in] weights and int32 bias expected", opi);
		act_range(op->o.act, out, &lo, &hi);
		size_t ic = (size_t)w->dims[1], oc = (size_t)w->dims[0];
		if (in->count % ic)
			die("op %d: %zu inputs for %zu-wide rows", opi, in->count, ic);
		n->rows = in->count / ic;
		check(xnn_create_fully_connected_nc_qu8(ic, oc, ic, oc, zp(in), sc(in), zp(w), sc(w),
							w->data, b ? b->data : NULL, zp(out),
							sc(out), lo, hi, 0, &n->op),
		      "create fully connected", opi);
		break;
	}
	case OP_ADD: {
		const struct ir_tensor *in1 = T(g, op->in[1]);
		n->in1 = op->in[1];
		act_range(op->o.act, out, &lo, &hi);
		check(xnn_create_add_nd_qu8(zp(in), sc(in), zp(in1), sc(in1), zp(out), sc(out), lo,
					    hi, 0, &n->op),
		      "create add", opi);
		break;
	}
	case OP_AVERAGE_POOL_2D: {
		need4(in);
		need4(out);
		act_range(op->o.act, out, &lo, &hi);
		int c = in->dims[3];
		n->rows = (size_t)in->dims[1] * in->dims[2];
		if (op->o.filter_h == in->dims[1] && op->o.filter_w == in->dims[2] &&
		    out->dims[1] == 1 && out->dims[2] == 1) {
			n->kind = N_GAVG;
			check(xnn_create_global_average_pooling_nwc_qu8((size_t)c, (size_t)c, (size_t)c,
									zp(in), sc(in), zp(out), sc(out),
									lo, hi, 0, &n->op),
			      "create global average pooling", opi);
			break;
		}
		uint32_t pt, pb, pl, pr;
		padding(op->o.padding, in->dims[1], op->o.filter_h, op->o.stride_h, 1, out->dims[1],
			&pt, &pb);
		padding(op->o.padding, in->dims[2], op->o.filter_w, op->o.stride_w, 1, out->dims[2],
			&pl, &pr);
		check(xnn_create_average_pooling2d_nhwc_qu8(
			      pt, pr, pb, pl, (uint32_t)op->o.filter_h, (uint32_t)op->o.filter_w,
			      (uint32_t)op->o.stride_h, (uint32_t)op->o.stride_w, (size_t)c, (size_t)c,
			      (size_t)c, zp(in), sc(in), zp(out), sc(out), lo, hi, 0, &n->op),
		      "create average pooling", opi);
		break;
	}
	case OP_MEAN: {
		const struct ir_tensor *ax = T(g, op->in[1]);
		const int32_t *a = ax->data;
		need4(in);
		if (!a || ax->count != 2 || a[0] + a[1] != 3 || a[0] * a[1] != 2)
			die("op %d: MEAN over other axes than 1,2", opi);
		int c = in->dims[3];
		n->kind = N_GAVG;
		n->rows = (size_t)in->dims[1] * in->dims[2];
		check(xnn_create_global_average_pooling_nwc_qu8((size_t)c, (size_t)c, (size_t)c, zp(in),
								sc(in), zp(out), sc(out), 0, 255, 0,
								&n->op),
		      "create global average pooling", opi);
		break;
	}
	case OP_SOFTMAX: {
		size_t c = (size_t)in->dims[in->ndim - 1];
		n->rows = in->count / c;
		/* exp(beta * s * (q - max)): beta only ever multiplies the input scale */
		check(xnn_create_softmax_nc_qu8(c, c, c, sc(in) * op->o.beta, zp(out), sc(out), 0,
						&n->op),
		      "create softmax", opi);
		break;
	}
	case OP_RESHAPE:
	case OP_SQUEEZE:
		/* The bytes do not change; enpu copies them too. */
		n->kind = N_COPY;
		break;
	default:
		die("op %d: %s is not supported by the XNNPACK graph builder", opi,
		    enpu_op_name(op->code));
	}
}

static void shape(const struct ir_tensor *t, size_t *d)
{
	for (int i = 0; i < t->ndim; i++)
		d[i] = (size_t)t->dims[i];
}

/* Binds every operator to its buffers; again whenever the thread pool changes. */
static void setup(struct graph *g, pthreadpool_t pool)
{
	for (int i = 0; i < g->nn; i++) {
		struct node *n = &g->n[i];
		const struct ir_tensor *in = T(g, n->in0);
		const uint8_t *x = g->ptr[n->in0];
		uint8_t *y = g->ptr[n->out];
		enum xnn_status st = xnn_status_success;
		size_t s1[ENPU_MAX_DIMS], s2[ENPU_MAX_DIMS];
		if (n->kind == N_COPY)
			continue;
		switch (n->code) {
		case OP_CONV_2D:
		case OP_DEPTHWISE_CONV_2D:
			st = xnn_setup_convolution2d_nhwc_qu8(n->op, (size_t)in->dims[0],
							      (size_t)in->dims[1], (size_t)in->dims[2],
							      x, y, pool);
			break;
		case OP_FULLY_CONNECTED:
			st = xnn_setup_fully_connected_nc_qu8(n->op, n->rows, x, y, pool);
			break;
		case OP_ADD:
			shape(in, s1);
			shape(T(g, n->in1), s2);
			st = xnn_setup_add_nd_qu8(n->op, (size_t)in->ndim, s1,
						  (size_t)T(g, n->in1)->ndim, s2, x, g->ptr[n->in1], y,
						  pool);
			break;
		case OP_AVERAGE_POOL_2D:
		case OP_MEAN:
			if (n->kind == N_GAVG)
				st = xnn_setup_global_average_pooling_nwc_qu8(
					n->op, (size_t)in->dims[0], n->rows, x, y, pool);
			else
				st = xnn_setup_average_pooling2d_nhwc_qu8(
					n->op, (size_t)in->dims[0], (size_t)in->dims[1],
					(size_t)in->dims[2], x, y, pool);
			break;
		case OP_SOFTMAX:
			st = xnn_setup_softmax_nc_qu8(n->op, n->rows, x, y, pool);
			break;
		}
		if (st != xnn_status_success)
			die("node %d (%s): setup failed (xnn status %d)", i, enpu_op_name(n->code),
			    (int)st);
	}
}

static void invoke(struct graph *g, pthreadpool_t pool)
{
	for (int i = 0; i < g->nn; i++) {
		struct node *n = &g->n[i];
		if (n->kind == N_COPY) {
			memmove(g->ptr[n->out], g->ptr[n->in0], T(g, n->out)->bytes);
		} else if (xnn_run_operator(n->op, pool) != xnn_status_success) {
			die("node %d (%s): run failed", i, enpu_op_name(n->code));
		}
	}
}

/*
 * One arena for the activations, placed greedily largest first at the
 * lowest offset free over the tensor's lifetime (first producer to last
 * reader), as enpu's planner does, so neither side gains from a layout the
 * other lacks.
 */
static void plan(struct graph *g)
{
	enpu_model *m = g->m;
	int nt = m->ntensors;
	int *first = malloc(sizeof(int) * (size_t)nt), *last = malloc(sizeof(int) * (size_t)nt);
	int *order = malloc(sizeof(int) * (size_t)nt);
	size_t *off = calloc((size_t)nt, sizeof(size_t));
	g->ptr = calloc((size_t)nt, sizeof(uint8_t *));
	if (!first || !last || !order || !off || !g->ptr)
		die("out of memory");
	for (int i = 0; i < nt; i++)
		first[i] = last[i] = -1;
	for (int i = 0; i < g->nn; i++) {
		const struct node *n = &g->n[i];
		int use[3] = { n->in0, n->in1, n->out };
		for (int k = 0; k < 3; k++) {
			int t = use[k];
			if (t < 0)
				continue;
			if (first[t] < 0)
				first[t] = i;
			last[t] = i;
		}
	}
	/* The input stays intact for the next invoke, as in enpu and TFLite. */
	for (int i = 0; i < m->nin; i++)
		first[m->inputs[i]] = 0, last[m->inputs[i]] = g->nn;
	for (int i = 0; i < m->nout; i++)
		last[m->outputs[i]] = g->nn;
	int n = 0;
	for (int i = 0; i < nt; i++)
		if (!m->t[i].data && first[i] >= 0)
			order[n++] = i;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && m->t[order[j - 1]].bytes < m->t[order[j]].bytes; j--) {
			int v = order[j];
			order[j] = order[j - 1];
			order[j - 1] = v;
		}
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		int t = order[i];
		size_t o = 0;
		for (int again = 1; again;) {
			again = 0;
			for (int j = 0; j < i; j++) {
				int u = order[j];
				if (last[u] < first[t] || last[t] < first[u])
					continue;
				if (o < off[u] + m->t[u].bytes && off[u] < o + m->t[t].bytes) {
					o = (off[u] + m->t[u].bytes + ALIGN - 1) & ~(size_t)(ALIGN - 1);
					again = 1;
				}
			}
		}
		off[t] = o;
		total = o + m->t[t].bytes > total ? o + m->t[t].bytes : total;
	}
	/* Slack at the end: XNNPACK's kernels may read a few bytes past a tensor. */
	g->arena = aligned_alloc(ALIGN, (total + 4 * ALIGN) & ~(size_t)(ALIGN - 1));
	if (!g->arena)
		die("out of memory");
	memset(g->arena, 0, total);
	for (int i = 0; i < nt; i++)
		g->ptr[i] = m->t[i].data ? (uint8_t *)m->t[i].data : g->arena + off[i];
	free(first);
	free(last);
	free(order);
	free(off);
}

/* Image pixels as enpu-run feeds a uint8 image input: 0..255, rounded to nearest. */
static void load_input(const char *path, const struct ir_tensor *t, uint8_t *dst)
{
	size_t n;
	uint8_t *d = read_file(path, &n);
	size_t len = strlen(path);
	if (len > 4 && !strcmp(path + len - 4, ".bin")) {
		if (n != t->bytes)
			die("%s: %zu bytes, the input needs %zu", path, n, t->bytes);
		memcpy(dst, d, n);
		free(d);
		return;
	}
	if (t->ndim != 4 || t->dims[0] != 1 || t->dims[3] != 3)
		die("%s: the model input is not a [1,H,W,3] image", path);
	struct image img;
	char err[256];
	if (image_decode(d, n, &img, err, sizeof(err)))
		die("%s: %s", path, err);
	free(d);
	int h = t->dims[1], w = t->dims[2];
	float *px = malloc((size_t)h * w * 3 * sizeof(float));
	if (!px)
		die("out of memory");
	image_resize(&img, w, h, px);
	image_free(&img);
	for (size_t i = 0; i < (size_t)h * w * 3; i++) {
		long q = lrintf(px[i]);
		dst[i] = (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
	}
	free(px);
}

static void write_file(const char *path, const void *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(d, 1, n, f) != n || fclose(f))
		die("cannot write %s: %s", path, strerror(errno));
}

static size_t argmax(const uint8_t *d, size_t n)
{
	size_t b = 0;
	for (size_t i = 1; i < n; i++)
		b = d[i] > d[b] ? i : b;
	return b;
}

static double bench(struct graph *g, pthreadpool_t pool, int runs)
{
	double *lat = malloc(sizeof(double) * (size_t)runs);
	if (!lat)
		die("out of memory");
	setup(g, pool);
	invoke(g, pool);	/* first-touch of the arena and weights */
	for (int r = 0; r < runs; r++) {
		double t0 = bench_now_ms();
		invoke(g, pool);
		lat[r] = bench_now_ms() - t0;
	}
	qsort(lat, (size_t)runs, sizeof(double), bench_cmp_double);
	/* the same percentile enpu-run --bench prints */
	double p50 = lat[(runs - 1) / 2];
	free(lat);
	return p50;
}

static void usage(void)
{
	fprintf(stderr, "usage: xnn-model MODEL --input IMG|RAW.bin [--save-input RAW.bin]\n"
			"                 [--expect OUT.bin] [--bench N] [--threads N] [--list]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *model = NULL, *input = NULL, *save = NULL, *expect = NULL;
	int runs = 0, threads = 1, list = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--list")) {
			list = 1;
		} else if (a[0] == '-' && a[1] == '-') {
			if (i + 1 >= argc)
				usage();
			const char *v = argv[++i];
			if (!strcmp(a, "--input"))
				input = v;
			else if (!strcmp(a, "--save-input"))
				save = v;
			else if (!strcmp(a, "--expect"))
				expect = v;
			else if (!strcmp(a, "--bench"))
				runs = atoi(v);
			else if (!strcmp(a, "--threads"))
				threads = atoi(v);
			else
				usage();
		} else if (!model) {
			model = a;
		} else {
			usage();
		}
	}
	if (!model || !input || runs < 0 || threads < 1 || threads > 256)
		usage();

	enpu_context *ctx;
	struct enpu_context_options co = { .size = sizeof(co) };
	if (enpu_context_create(&co, &ctx))
		die("enpu_context_create failed");
	enpu_model *m = NULL;
	if (enpu_model_load_file(ctx, model, &m))
		die("%s: %s", model, enpu_last_error());
	if (m->nin != 1 || m->nout != 1)
		die("%s: one input and one output expected", model);
	if (xnn_initialize(NULL) != xnn_status_success)
		die("xnn_initialize failed");

	struct graph g = { .m = m };
	g.n = calloc((size_t)m->nops, sizeof(struct node));
	if (!g.n)
		die("out of memory");
	for (int i = 0; i < m->nops; i++)
		build(&g, i);
	plan(&g);
	if (list) {
		for (int i = 0; i < g.nn; i++) {
			const struct ir_tensor *in = T(&g, g.n[i].in0), *out = T(&g, g.n[i].out);
			printf("%3d %-18s %-22s [%d,%d,%d,%d] -> [%d,%d,%d,%d]\n", i,
			       enpu_op_name(g.n[i].code),
			       g.n[i].kind == N_COPY ? "memcpy" :
			       g.n[i].kind == N_GAVG ? "global average pooling" : "XNNPACK operator",
			       in->dims[0], in->ndim > 1 ? in->dims[1] : 0,
			       in->ndim > 2 ? in->dims[2] : 0, in->ndim > 3 ? in->dims[3] : 0,
			       out->dims[0], out->ndim > 1 ? out->dims[1] : 0,
			       out->ndim > 2 ? out->dims[2] : 0, out->ndim > 3 ? out->dims[3] : 0);
		}
	}

	const struct ir_tensor *ti = T(&g, m->inputs[0]), *to = T(&g, m->outputs[0]);
	if (ti->type != ENPU_TYPE_UINT8 || to->type != ENPU_TYPE_UINT8)
		die("%s: uint8 input and output expected", model);
	load_input(input, ti, g.ptr[m->inputs[0]]);
	if (save)
		write_file(save, g.ptr[m->inputs[0]], ti->bytes);
	printf("%s: %d ops as %d XNNPACK qu8 operators and copies\n", model, m->nops, g.nn);

	setup(&g, NULL);
	invoke(&g, NULL);
	uint8_t *out1 = malloc(to->bytes);
	if (!out1)
		die("out of memory");
	memcpy(out1, g.ptr[m->outputs[0]], to->bytes);
	size_t top = argmax(out1, to->bytes);
	printf("XNNPACK output: top-1 class %zu (%d/255)\n", top, out1[top]);
	int maxd = 0;
	if (expect) {
		size_t n;
		uint8_t *ref = read_file(expect, &n);
		if (n != to->bytes)
			die("%s: %zu bytes, the output has %zu", expect, n, to->bytes);
		size_t ndiff = 0;
		for (size_t i = 0; i < n; i++) {
			int d = abs(out1[i] - ref[i]);
			ndiff += d != 0;
			maxd = d > maxd ? d : maxd;
		}
		size_t rtop = argmax(ref, n);
		printf("vs %s: %zu of %zu bytes differ, max |diff| %d; top-1 %zu vs %zu (%s)\n",
		       expect, ndiff, n, maxd, top, rtop, top == rtop ? "same" : "DIFFERENT");
		printf("RESULT xnn_maxdiff %d\nRESULT xnn_ndiff %zu\nRESULT xnn_top1_same %d\n", maxd,
		       ndiff, top == rtop);
		free(ref);
	}

	for (int t = 1; runs && t <= threads; t++) {
		pthreadpool_t pool = t > 1 ? pthreadpool_create((size_t)t) : NULL;
		if (t > 1 && !pool)
			die("pthreadpool_create(%d) failed", t);
		double p50 = bench(&g, pool, runs);
		if (memcmp(g.ptr[m->outputs[0]], out1, to->bytes))
			die("%d threads: output differs from 1 thread", t);
		printf("XNNPACK %d thread(s): p50 %.3f ms over %d runs\n", t, p50, runs);
		printf("RESULT xnn_ms_t%d %.3f\n", t, p50);
		if (pool)
			pthreadpool_destroy(pool);
	}

	for (int i = 0; i < g.nn; i++)
		if (g.n[i].op)
			xnn_delete_operator(g.n[i].op);
	xnn_deinitialize();
	free(out1);
	free(g.n);
	free(g.ptr);
	free(g.arena);
	enpu_model_destroy(m);
	enpu_context_destroy(ctx);
	return 0;
}
