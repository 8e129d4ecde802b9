// SPDX-License-Identifier: MIT
/*
 * CPU kernel benchmark (make bench; never in make check).
 *
 * 1. A vpdpbusd peak probe: what one core can do at best, so that every
 *    kernel below is reported as a share of the machine, not only in ms.
 * 2. Every distinct convolution shape of MobileNet v1 1.0/224 and MobileNet
 *    v2 1.0/224 (full, depthwise, pointwise and the classifier as a 1x1
 *    convolution), uint8 like the quantized models, single thread, timed on
 *    enpu's AVX2 and best kernel level, XNNPACK's qu8 convolution operator
 *    and oneDNN's int8 convolution (u8 source, s8 weights, u8 destination).
 *    The implementations are timed in turn within each sample round, so the
 *    load of a shared machine falls on all of them alike.
 * 3. A summary: per model, the sum of the layer times weighted by how often
 *    each shape occurs, and the MAC-weighted share of the vpdpbusd peak the
 *    pointwise layers of MobileNet v2 reach.  Lines starting "RESULT" are
 *    for tools/bench/cpu.sh.
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.h>
#include <xnnpack.h>

#include "bench-util.h"
#include "cpu.h"
#include "kernels.h"

/*
 * Each implementation's time for a layer is its best of SAMPLES samples,
 * as the peak is the probe's best sample: load from elsewhere on a shared
 * machine only adds time, and a share of the peak should compare like with
 * like.  The medians are kept too, for the summary line that says how
 * much the choice matters on the machine at hand.
 */
#define SAMPLES 15
#define SAMPLE_S 0.005	/* each sample repeats the layer for about this long */
#define BEST 0		/* index of the best sample once sorted */
#define MEDIAN (SAMPLES / 2)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t n)
{
	/* Slack past the end: XNNPACK's kernels may read a little beyond a tensor. */
	void *p = aligned_alloc(64, (n + 64 + 63) / 64 * 64);
	if (!p) {
		fprintf(stderr, "cpu-bench: out of memory\n");
		exit(1);
	}
	return p;
}

/*
 * 16 independent vpdpbusd chains on zmm0-15, written in assembly: with the
 * accumulators in a C array GCC keeps them in memory and the loop measures
 * store-to-load forwarding instead (an earlier version of this probe
 * reported half the real peak that way).  16 chains leave room over
 * latency x issue rate (about 5 cycles x 2 per cycle on the widest cores).
 * The best of many short samples: a peak is what the core does when
 * nothing else runs on it, and on a shared machine some samples get that.
 */
#define PEAK_SAMPLES 64
#define DPBUSD(r) "vpdpbusd %2, %1, %%zmm" #r "\n\t"
__attribute__((target("avx512f,avx512vnni"), noinline)) static double vnni_peak_gmacs(void)
{
	double best = 0;
	for (int rep = 0; rep < PEAK_SAMPLES; rep++) {
		__m512i x = _mm512_set1_epi32(0x01010101), y = _mm512_set1_epi32(0x02020202);
		long iters = 200000, n = iters;
		double t0 = now();
		__asm__ volatile("1:\n\t"
				 DPBUSD(0) DPBUSD(1) DPBUSD(2) DPBUSD(3) DPBUSD(4) DPBUSD(5)
				 DPBUSD(6) DPBUSD(7) DPBUSD(8) DPBUSD(9) DPBUSD(10) DPBUSD(11)
				 DPBUSD(12) DPBUSD(13) DPBUSD(14) DPBUSD(15)
				 "dec %0\n\t"
				 "jnz 1b\n\t"
				 : "+r"(n)
				 : "v"(x), "v"(y)
				 : "zmm0", "zmm1", "zmm2", "zmm3", "zmm4", "zmm5", "zmm6", "zmm7",
				   "zmm8", "zmm9", "zmm10", "zmm11", "zmm12", "zmm13", "zmm14",
				   "zmm15", "cc");
		double g = (double)iters * 16 * 64 / (now() - t0) / 1e9;
		best = g > best ? g : best;
	}
	return best;
}

/* ---- the layer shapes ---- */

enum { CONV, DW, PW, FC };

struct layer {
	char name[40];
	int kind, hw, ic, oc, f, s;
	int n_v1, n_v2;		/* occurrences in each model */
};

static struct layer layers[96];
static int nlayers;

static void add(int model, int kind, int hw, int ic, int oc, int f, int s)
{
	struct layer *l = NULL;
	for (int i = 0; i < nlayers && !l; i++)
		if (layers[i].kind == kind && layers[i].hw == hw && layers[i].ic == ic &&
		    layers[i].oc == oc && layers[i].f == f && layers[i].s == s)
			l = &layers[i];
	if (!l) {
		l = &layers[nlayers++];
		*l = (struct layer){ .kind = kind, .hw = hw, .ic = ic, .oc = oc, .f = f, .s = s };
		switch (kind) {
		case CONV:
			snprintf(l->name, sizeof(l->name), "conv %dx%d/%d %d %d->%d", f, f, s, hw, ic, oc);
			break;
		case DW:
			if (s > 1)
				snprintf(l->name, sizeof(l->name), "dw %dx%d/%d %dx%d", f, f, s, hw, ic);
			else
				snprintf(l->name, sizeof(l->name), "dw %dx%d %dx%d", f, f, hw, ic);
			break;
		case PW:
			snprintf(l->name, sizeof(l->name), "pw %d %d->%d", hw, ic, oc);
			break;
		default:
			snprintf(l->name, sizeof(l->name), "fc %d->%d", ic, oc);
		}
	}
	if (model == 1)
		l->n_v1++;
	else
		l->n_v2++;
}

/* The published architectures (Howard et al. 2017, Sandler et al. 2018), width 1.0, 224x224. */
static void build_layers(void)
{
	static const int v1[][2] = { { 1, 64 }, { 2, 128 }, { 1, 128 }, { 2, 256 }, { 1, 256 },
				     { 2, 512 }, { 1, 512 }, { 1, 512 }, { 1, 512 }, { 1, 512 },
				     { 1, 512 }, { 2, 1024 }, { 1, 1024 } };
	int hw = 112, c = 32;
	add(1, CONV, 224, 3, 32, 3, 2);
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		add(1, DW, hw, c, c, 3, v1[i][0]);
		hw /= v1[i][0];
		add(1, PW, hw, c, v1[i][1], 1, 1);
		c = v1[i][1];
	}
	add(1, FC, 1, 1024, 1001, 1, 1);

	/* expansion t, channels c, repeats n, first stride s */
	static const int v2[][4] = { { 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 },
				     { 6, 64, 4, 2 }, { 6, 96, 3, 1 }, { 6, 160, 3, 2 },
				     { 6, 320, 1, 1 } };
	hw = 112, c = 32;
	add(2, CONV, 224, 3, 32, 3, 2);
	for (size_t b = 0; b < sizeof(v2) / sizeof(v2[0]); b++) {
		for (int r = 0; r < v2[b][2]; r++) {
			int s = r ? 1 : v2[b][3], e = c * v2[b][0];
			if (v2[b][0] != 1)
				add(2, PW, hw, c, e, 1, 1);
			add(2, DW, hw, e, e, 3, s);
			hw /= s;
			add(2, PW, hw, e, v2[b][1], 1, 1);
			c = v2[b][1];
		}
	}
	add(2, PW, 7, 320, 1280, 1, 1);
	add(2, FC, 1, 1280, 1001, 1, 1);
}

/* TensorFlow SAME padding; every layer of both networks uses it. */
static void same_pad(int in, int f, int s, int *out, int *before, int *after)
{
	*out = (in + s - 1) / s;
	int tot = (*out - 1) * s + f - in;
	tot = tot > 0 ? tot : 0;
	*before = tot / 2;
	*after = tot - *before;
}

static double layer_macs(const struct layer *l)
{
	int oh = (l->hw + l->s - 1) / l->s;
	return (double)oh * oh * l->oc * l->f * l->f * (l->kind == DW ? 1 : l->ic);
}

/* ---- one benchmark case per implementation ---- */

enum { I_AVX2, I_BEST, I_XNN, I_DNNL, NIMPL };

/*
 * Quantization shared by every implementation; the output scale is set per
 * layer (struct data) so that outputs spread over the uint8 range and the
 * cross-check compares real values, not saturated ones.  The clamp stands
 * for a fused activation.
 */
#define IN_ZP 128
#define W_ZP 120
#define OUT_ZP 128
#define OUT_MIN 8
#define OUT_MAX 247
#define IN_S 0.02f
#define W_S 0.035f

struct data {
	uint8_t *in, *w, *out[NIMPL], *ref;
	int32_t *bias;
	size_t in_n, w_n, out_n;
	float out_s;
};

static void make_data(const struct layer *l, struct data *d)
{
	int oh = (l->hw + l->s - 1) / l->s;
	d->in_n = (size_t)l->hw * l->hw * l->ic;
	d->w_n = l->kind == DW ? (size_t)l->f * l->f * l->oc : (size_t)l->oc * l->f * l->f * l->ic;
	d->out_n = (size_t)oh * oh * l->oc;
	d->in = xmalloc(d->in_n);
	d->w = xmalloc(d->w_n);
	for (int i = 0; i < NIMPL; i++)
		d->out[i] = xmalloc(d->out_n);
	d->ref = xmalloc(d->out_n);
	d->bias = xmalloc(4 * (size_t)l->oc);
	for (size_t i = 0; i < d->in_n; i++)
		d->in[i] = (uint8_t)(i * 2654435761u >> 24);
	for (size_t i = 0; i < d->w_n; i++)
		d->w[i] = (uint8_t)(i * 40503u >> 7);
	for (int i = 0; i < l->oc; i++)
		d->bias[i] = i * 37 - 500;
	/* |x - 128| and |w - 120| average about 64: the sum has a spread of ~64^2 sqrt(k) */
	int k = l->f * l->f * (l->kind == DW ? 1 : l->ic);
	d->out_s = IN_S * W_S * 4096.0f * sqrtf((float)k) / 40.0f;
}

static void free_data(struct data *d)
{
	free(d->in); free(d->w); free(d->bias); free(d->ref);
	for (int i = 0; i < NIMPL; i++)
		free(d->out[i]);
}

struct enpu_case {
	const struct enpu_kernels *k;
	struct enpu_conv_params p;
	float *scale;
	void *packed, *scratch;
	const struct data *d;
	uint8_t *out;
	int dw;
};

static int enpu_setup(struct enpu_case *c, const struct enpu_kernels *k, const struct layer *l,
		      const struct data *d, int w_zp, uint8_t *out)
{
	struct enpu_conv_params *p = &c->p;
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->d = d;
	c->out = out;
	c->dw = l->kind == DW;
	p->n = 1;
	p->ih = p->iw = l->hw;
	p->ic = l->ic;
	p->oc = l->oc;
	p->fh = p->fw = l->f;
	p->sh = p->sw = l->s;
	p->dh = p->dw = 1;
	p->depth_mult = 1;
	int after;
	same_pad(l->hw, l->f, l->s, &p->oh, &p->pad_t, &after);
	p->ow = p->oh;
	p->pad_l = p->pad_t;
	p->in_zp = IN_ZP;
	p->w_zp = w_zp;
	c->scale = xmalloc(4 * (size_t)l->oc);
	for (int i = 0; i < l->oc; i++)
		c->scale[i] = IN_S * W_S / d->out_s;
	p->bias = d->bias;
	p->rq.mode = RQ_FP32;
	p->rq.scale = c->scale;
	p->rq.out_zp = OUT_ZP;
	p->rq.act_min = OUT_MIN;
	p->rq.act_max = OUT_MAX;
	size_t psz = k->conv_pack_size ? k->conv_pack_size(p, 1, c->dw) : 0;
	if (psz) {
		c->packed = xmalloc(psz);
		c->scratch = xmalloc(k->conv_scratch(p, 1, c->dw));
		k->conv_pack(p, 1, c->dw, d->w, c->packed);
	}
	return 0;
}

static void enpu_run(void *arg)
{
	struct enpu_case *c = arg;
	const struct enpu_conv_params *p = &c->p;
	if (c->packed)
		c->k->conv_run(p, 1, c->dw, c->packed, c->d->in, c->out, 0,
			       (size_t)p->oh * p->ow, 0, p->oc, c->scratch);
	else if (c->dw)
		c->k->dwconv_qu8(p, c->d->in, c->d->w, c->out);
	else
		c->k->conv_qu8(p, c->d->in, c->d->w, c->out);
}

static void enpu_free(struct enpu_case *c)
{
	free(c->scale); free(c->packed); free(c->scratch);
}

struct xnn_case {
	xnn_operator_t op;
};

static int xnn_setup(struct xnn_case *c, const struct layer *l, const struct data *d)
{
	int oh, pt, pb;
	same_pad(l->hw, l->f, l->s, &oh, &pt, &pb);
	int dw = l->kind == DW;
	c->op = NULL;
	if (xnn_create_convolution2d_nhwc_qu8(pt, pb, pb, pt, l->f, l->f, l->s, l->s, 1, 1,
					      dw ? l->ic : 1, dw ? 1 : l->ic, dw ? 1 : l->oc,
					      l->ic, l->oc, IN_ZP, IN_S, W_ZP, W_S, d->w, d->bias,
					      OUT_ZP, d->out_s, OUT_MIN, OUT_MAX,
					      dw ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0, &c->op) !=
		    xnn_status_success ||
	    xnn_setup_convolution2d_nhwc_qu8(c->op, 1, l->hw, l->hw, d->in, d->out[I_XNN],
					     NULL) !=
		    xnn_status_success)
		return -1;
	return 0;
}

static void xnn_run(void *arg)
{
	struct xnn_case *c = arg;
	xnn_run_operator(c->op, NULL);
}

struct dnnl_case {
	dnnl_primitive_t prim;
	dnnl_memory_t src, wei, bias, dst, zp_src, zp_dst;
	int nargs;
	dnnl_exec_arg_t args[8];
	const char *impl;
	int zp;			/* how the zero points were given: 2 fixed, 1 at run time, 0 not at all */
};

static dnnl_engine_t eng;
static dnnl_stream_t strm;

#define DNNL_OK(x) ((x) == dnnl_success)

/*
 * Zero points: oneDNN takes them on the source and destination (not on the
 * weights, which are signed with zero point 0); given as constants if this
 * build accepts that, else at run time, else left out (then the layer
 * computes less than the others and is marked).  The clamp is a clip
 * post-op in the scaled domain, before the destination zero point.
 */
static dnnl_primitive_desc_t dnnl_pd(const struct layer *l, float out_s, int zp_mode)
{
	int oh, pt, pb, dw = l->kind == DW;
	same_pad(l->hw, l->f, l->s, &oh, &pt, &pb);
	dnnl_memory_desc_t src_md, wei_md, bias_md, dst_md;
	dnnl_dims_t sd = { 1, l->ic, l->hw, l->hw }, dd = { 1, l->oc, oh, oh }, bd = { l->oc };
	dnnl_dims_t wd = { l->oc, l->ic, l->f, l->f }, wdg = { l->ic, 1, 1, l->f, l->f };
	dnnl_dims_t st = { l->s, l->s }, pl = { pt, pt }, pr = { pb, pb };
	dnnl_memory_desc_init_by_tag(&src_md, 4, sd, dnnl_u8, dnnl_nhwc);
	dnnl_memory_desc_init_by_tag(&dst_md, 4, dd, dnnl_u8, dnnl_nhwc);
	dnnl_memory_desc_init_by_tag(&bias_md, 1, bd, dnnl_s32, dnnl_x);
	if (dw)
		dnnl_memory_desc_init_by_tag(&wei_md, 5, wdg, dnnl_s8, dnnl_format_tag_any);
	else
		dnnl_memory_desc_init_by_tag(&wei_md, 4, wd, dnnl_s8, dnnl_format_tag_any);
	dnnl_convolution_desc_t cd;
	if (!DNNL_OK(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference,
							dnnl_convolution_direct, &src_md, &wei_md,
							&bias_md, &dst_md, st, pl, pr)))
		return NULL;
	dnnl_primitive_attr_t attr;
	dnnl_primitive_attr_create(&attr);
	float scale = IN_S * W_S / out_s;
	dnnl_primitive_attr_set_output_scales(attr, 1, 0, &scale);
	dnnl_post_ops_t po;
	dnnl_post_ops_create(&po);
	dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_clip, OUT_MIN - OUT_ZP, OUT_MAX - OUT_ZP);
	dnnl_primitive_attr_set_post_ops(attr, po);
	dnnl_post_ops_destroy(po);
	int32_t zs = zp_mode == 2 ? IN_ZP : DNNL_RUNTIME_S32_VAL;
	int32_t zd = zp_mode == 2 ? OUT_ZP : DNNL_RUNTIME_S32_VAL;
	if (zp_mode) {
		dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_SRC, 1, 0, &zs);
		dnnl_primitive_attr_set_zero_points(attr, DNNL_ARG_DST, 1, 0, &zd);
	}
	dnnl_primitive_desc_t pd = NULL;
	if (!DNNL_OK(dnnl_primitive_desc_create(&pd, &cd, attr, eng, NULL)))
		pd = NULL;
	dnnl_primitive_attr_destroy(attr);
	return pd;
}

static int dnnl_setup(struct dnnl_case *c, const struct layer *l, const struct data *d)
{
	memset(c, 0, sizeof(*c));
	dnnl_primitive_desc_t pd = NULL;
	for (c->zp = 2; c->zp >= 0 && !pd; c->zp--)
		pd = dnnl_pd(l, d->out_s, c->zp);
	c->zp++;
	if (!pd)
		return -1;
	dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &c->impl);
	const dnnl_memory_desc_t *src_md = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
	const dnnl_memory_desc_t *wei_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	const dnnl_memory_desc_t *bias_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 1);
	const dnnl_memory_desc_t *dst_md = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
	dnnl_memory_create(&c->src, src_md, eng, d->in);
	dnnl_memory_create(&c->bias, bias_md, eng, d->bias);
	dnnl_memory_create(&c->dst, dst_md, eng, d->out[I_DNNL]);
	dnnl_memory_create(&c->wei, wei_md, eng, DNNL_MEMORY_ALLOCATE);

	/* The same weight bytes seen as signed, reordered into the layout the primitive chose. */
	int dw = l->kind == DW;
	dnnl_memory_desc_t user_md;
	dnnl_dims_t wd = { l->oc, l->ic, l->f, l->f }, wdg = { l->ic, 1, 1, l->f, l->f };
	int8_t *w = xmalloc(d->w_n);
	if (dw) {
		/* TFLite/XNNPACK depthwise weights are [kh][kw][c]; goihw wants [c][kh][kw]. */
		for (int ch = 0; ch < l->oc; ch++)
			for (int t = 0; t < l->f * l->f; t++)
				w[ch * l->f * l->f + t] = (int8_t)(d->w[t * l->oc + ch] ^ 0x80);
		dnnl_memory_desc_init_by_tag(&user_md, 5, wdg, dnnl_s8, dnnl_goihw);
	} else {
		/* [oc][kh][kw][ic] is ohwi (acdb over o,i,h,w). */
		for (size_t i = 0; i < d->w_n; i++)
			w[i] = (int8_t)(d->w[i] ^ 0x80);
		dnnl_memory_desc_init_by_tag(&user_md, 4, wd, dnnl_s8, dnnl_acdb);
	}
	dnnl_memory_t user;
	dnnl_memory_create(&user, &user_md, eng, w);
	dnnl_primitive_desc_t rpd;
	dnnl_primitive_t rp;
	if (!DNNL_OK(dnnl_reorder_primitive_desc_create(&rpd, &user_md, eng, wei_md, eng, NULL)) ||
	    !DNNL_OK(dnnl_primitive_create(&rp, rpd))) {
		dnnl_primitive_desc_destroy(pd);
		return -1;
	}
	dnnl_exec_arg_t ra[2] = { { DNNL_ARG_FROM, user }, { DNNL_ARG_TO, c->wei } };
	dnnl_primitive_execute(rp, strm, 2, ra);
	dnnl_stream_wait(strm);
	dnnl_primitive_destroy(rp);
	dnnl_primitive_desc_destroy(rpd);
	dnnl_memory_destroy(user);
	free(w);

	c->args[c->nargs++] = (dnnl_exec_arg_t){ DNNL_ARG_SRC, c->src };
	c->args[c->nargs++] = (dnnl_exec_arg_t){ DNNL_ARG_WEIGHTS, c->wei };
	c->args[c->nargs++] = (dnnl_exec_arg_t){ DNNL_ARG_BIAS, c->bias };
	c->args[c->nargs++] = (dnnl_exec_arg_t){ DNNL_ARG_DST, c->dst };
	if (c->zp == 1) {
		static int32_t zs = IN_ZP, zd = OUT_ZP;
		dnnl_memory_desc_t zmd;
		dnnl_dims_t one = { 1 };
		dnnl_memory_desc_init_by_tag(&zmd, 1, one, dnnl_s32, dnnl_x);
		dnnl_memory_create(&c->zp_src, &zmd, eng, &zs);
		dnnl_memory_create(&c->zp_dst, &zmd, eng, &zd);
		c->args[c->nargs++] = (dnnl_exec_arg_t){ DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_SRC,
							  c->zp_src };
		c->args[c->nargs++] = (dnnl_exec_arg_t){ DNNL_ARG_ATTR_ZERO_POINTS | DNNL_ARG_DST,
							  c->zp_dst };
	}
	int r = DNNL_OK(dnnl_primitive_create(&c->prim, pd)) &&
			DNNL_OK(dnnl_primitive_execute(c->prim, strm, c->nargs, c->args)) &&
			DNNL_OK(dnnl_stream_wait(strm)) ? 0 : -1;
	/* impl points into pd; keep a copy before pd goes. */
	static char impls[96][64];
	static int nimpl;
	if (c->impl && nimpl < 96) {
		snprintf(impls[nimpl], sizeof(impls[0]), "%s", c->impl);
		c->impl = impls[nimpl++];
	}
	dnnl_primitive_desc_destroy(pd);
	return r;
}

static void dnnl_run(void *arg)
{
	struct dnnl_case *c = arg;
	dnnl_primitive_execute(c->prim, strm, c->nargs, c->args);
	dnnl_stream_wait(strm);
}

static void dnnl_free(struct dnnl_case *c)
{
	if (c->prim)
		dnnl_primitive_destroy(c->prim);
	dnnl_memory_t ms[] = { c->src, c->wei, c->bias, c->dst, c->zp_src, c->zp_dst };
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		if (ms[i])
			dnnl_memory_destroy(ms[i]);
}

/* ---- timing ---- */


struct runner {
	void (*run)(void *);
	void *arg;
	int reps;
	double ts[SAMPLES];
};

/*
 * SAMPLES samples per implementation, sorted; round r times every
 * implementation once, so a burst of load elsewhere on the machine lands in
 * one round of all of them rather than in all rounds of one.
 */
static void time_all(struct runner *r, int n)
{
	for (int i = 0; i < n; i++) {
		if (!r[i].run)
			continue;
		r[i].run(r[i].arg);	/* warm caches and lazy initialization */
		double t0 = now();
		r[i].run(r[i].arg);
		double t = now() - t0;
		r[i].reps = t > SAMPLE_S ? 1 : (int)(SAMPLE_S / (t + 1e-9)) + 1;
	}
	for (int s = 0; s < SAMPLES; s++)
		for (int i = 0; i < n; i++) {
			if (!r[i].run)
				continue;
			double t0 = now();
			for (int k = 0; k < r[i].reps; k++)
				r[i].run(r[i].arg);
			r[i].ts[s] = (now() - t0) / r[i].reps;
		}
	for (int i = 0; i < n; i++)
		qsort(r[i].ts, SAMPLES, sizeof(double), bench_cmp_double);
}

int main(void)
{
	/* oneDNN parallelizes through OpenMP; every number here is one thread. */
	omp_set_num_threads(1);
	if (xnn_initialize(NULL) != xnn_status_success) {
		fprintf(stderr, "cpu-bench: xnn_initialize failed\n");
		return 1;
	}
	if (!DNNL_OK(dnnl_engine_create(&eng, dnnl_cpu, 0)) ||
	    !DNNL_OK(dnnl_stream_create(&strm, eng, dnnl_stream_default_flags))) {
		fprintf(stderr, "cpu-bench: oneDNN engine/stream creation failed\n");
		return 1;
	}
	const struct enpu_kernels *kb = NULL, *k2 = enpu_kernels_for(ENPU_ISA_AVX2);
	const char *best = "scalar";
	for (int isa = ENPU_ISA_COUNT - 1; isa >= 0 && !kb; isa--)
		if ((kb = enpu_kernels_for((enum enpu_isa)isa)))
			best = enpu_isa_name((enum enpu_isa)isa);

	double peak = enpu_cpu_has(ENPU_ISA_AVX512VNNI) ? vnni_peak_gmacs() : 0;
	printf("vpdpbusd peak (1 core, 16 zmm chains, best of %d samples of 3.2M instructions): "
	       "%.1f GMAC/s\n", PEAK_SAMPLES, peak);
	printf("RESULT peak_gmacs %.2f\n\n", peak);
	if (peak <= 0)
		peak = 1e30;	/* no VNNI: shares print as 0 */

	build_layers();
	printf("Per layer, 1 thread, uint8, best of %d; MMAC, then ms / GMAC/s / %% of peak;\n"
	       "enpu best = %s; v1/v2 = times the shape occurs in each network; diff = largest\n"
	       "output difference enpu best/avx2 vs XNNPACK, oneDNN vs enpu scalar (wz 128).\n\n",
	       SAMPLES, best);
	printf("%-22s %5s %6s | %7s %6s %4s | %7s %6s %4s | %7s %6s %4s | %7s %6s %4s | %5s %s\n",
	       "layer", "v1/v2", "MMAC", "avx2 ms", "GMAC/s", "%pk", "enpu ms", "GMAC/s", "%pk",
	       "xnn ms", "GMAC/s", "%pk", "dnnl ms", "GMAC/s", "%pk", "e/xnn", "diff");

	/* per model: total weighted time per implementation, MACs; pointwise of v2 apart */
	double tot[3][NIMPL] = { { 0 } }, macs[3] = { 0 }, tot_med[NIMPL] = { 0 };
	int dnnl_nozp = 0, maxdiff[3] = { 0 };
	const char *dnnl_impl[4] = { NULL };
	for (int li = 0; li < nlayers; li++) {
		const struct layer *l = &layers[li];
		struct data d;
		make_data(l, &d);
		struct enpu_case e2, eb;
		struct xnn_case xc;
		struct dnnl_case dc;
		struct runner r[NIMPL] = { { 0 } };
		if (k2) {
			enpu_setup(&e2, k2, l, &d, W_ZP, d.out[I_AVX2]);
			r[I_AVX2] = (struct runner){ enpu_run, &e2, 0, { 0 } };
		}
		enpu_setup(&eb, kb, l, &d, W_ZP, d.out[I_BEST]);
		r[I_BEST] = (struct runner){ enpu_run, &eb, 0, { 0 } };
		if (!xnn_setup(&xc, l, &d))
			r[I_XNN] = (struct runner){ xnn_run, &xc, 0, { 0 } };
		else
			fprintf(stderr, "cpu-bench: XNNPACK refused %s\n", l->name);
		if (!dnnl_setup(&dc, l, &d)) {
			r[I_DNNL] = (struct runner){ dnnl_run, &dc, 0, { 0 } };
			dnnl_nozp |= !dc.zp;
			if (!dnnl_impl[l->kind])
				dnnl_impl[l->kind] = dc.impl;
		} else {
			fprintf(stderr, "cpu-bench: oneDNN refused %s\n", l->name);
		}
		time_all(r, NIMPL);

		double mac = layer_macs(l);
		char occ[12];
		snprintf(occ, sizeof(occ), "%d/%d", l->n_v1, l->n_v2);
		printf("%-22s %5s %6.1f |", l->name, occ, mac / 1e6);
		for (int i = 0; i < NIMPL; i++) {
			double ms = r[i].run ? r[i].ts[BEST] * 1e3 : 0;
			double mms = r[i].run ? r[i].ts[MEDIAN] * 1e3 : 0;
			double g = ms > 0 ? mac / ms / 1e6 : 0;
			if (r[i].run)
				printf(" %7.3f %6.1f %4.0f |", ms, g, 100 * g / peak);
			else
				printf(" %7s %6s %4s |", "-", "-", "-");
			tot[0][i] += l->n_v1 * ms;
			tot[1][i] += l->n_v2 * ms;
			if (l->kind == PW) {
				tot[2][i] += l->n_v2 * ms;
				tot_med[i] += l->n_v2 * mms;
			}
		}
		macs[0] += l->n_v1 * mac;
		macs[1] += l->n_v2 * mac;
		if (l->kind == PW)
			macs[2] += l->n_v2 * mac;
		double xms = r[I_XNN].run ? r[I_XNN].ts[BEST] : 0;
		printf(" %5.2f", xms > 0 ? r[I_BEST].ts[BEST] / xms : 0);

		/*
		 * Cross-check the bytes each one computed: enpu against XNNPACK
		 * (same arithmetic, so equal), oneDNN against enpu's scalar
		 * kernel given the weight zero point oneDNN implies (128: its
		 * weights are w ^ 0x80); it may round differently by 1.
		 */
		struct enpu_case ref;
		enpu_setup(&ref, enpu_kernels_for(ENPU_ISA_SCALAR), l, &d, 128, d.ref);
		enpu_run(&ref);
		enpu_free(&ref);
		int md[3] = { -1, -1, -1 };
		const uint8_t *a[3] = { d.out[I_BEST], d.out[I_AVX2], d.out[I_DNNL] };
		const uint8_t *b[3] = { d.out[I_XNN], d.out[I_XNN], d.ref };
		int have[3] = { r[I_BEST].run && r[I_XNN].run, r[I_AVX2].run && r[I_XNN].run,
				r[I_DNNL].run != NULL };
		for (int c = 0; c < 3; c++) {
			if (!have[c])
				continue;
			md[c] = 0;
			for (size_t i = 0; i < d.out_n; i++) {
				int v = abs(a[c][i] - b[c][i]);
				md[c] = v > md[c] ? v : md[c];
			}
			maxdiff[c] = md[c] > maxdiff[c] ? md[c] : maxdiff[c];
		}
		printf(" %d/%d/%d%s\n", md[0], md[1], md[2],
		       r[I_DNNL].run && !dc.zp ? " (dnnl: no zero points)" : "");

		if (k2)
			enpu_free(&e2);
		enpu_free(&eb);
		if (xc.op)
			xnn_delete_operator(xc.op);
		dnnl_free(&dc);
		free_data(&d);
	}

	static const char *const kinds[] = { "conv", "dw", "pw", "fc" };
	printf("\noneDNN implementations:");
	for (int k = 0; k < 4; k++)
		printf(" %s=%s", kinds[k], dnnl_impl[k] ? dnnl_impl[k] : "?");
	printf("%s\n", dnnl_nozp ? "\n(some oneDNN layers ran without zero points: see the rows)" : "");

	static const char *const what[3] = {
		"MobileNet v1, all conv layers",
		"MobileNet v2, all conv layers",
		"MobileNet v2, pointwise only",
	};
	printf("\nSums over each network's layers (time x occurrences), ms / GMAC/s / %% of peak:\n\n");
	printf("%-31s %5s | %7s %6s %4s | %7s %6s %4s | %7s %6s %4s | %7s %6s %4s | %5s\n", "",
	       "GMAC", "avx2 ms", "GMAC/s", "%pk", "enpu ms", "GMAC/s", "%pk", "xnn ms", "GMAC/s",
	       "%pk", "dnnl ms", "GMAC/s", "%pk", "e/xnn");
	for (int m = 0; m < 3; m++) {
		printf("%-31s %5.3f |", what[m], macs[m] / 1e9);
		for (int i = 0; i < NIMPL; i++) {
			double g = tot[m][i] > 0 ? macs[m] / tot[m][i] / 1e6 : 0;
			printf(" %7.3f %6.1f %4.0f |", tot[m][i], g, 100 * g / peak);
		}
		printf(" %5.2f\n", tot[m][I_XNN] > 0 ? tot[m][I_BEST] / tot[m][I_XNN] : 0);
	}
	double pw_share = macs[2] / (tot[2][I_BEST] * 1e6) / peak;
	printf("\nLargest output difference over all layers: enpu %s vs XNNPACK %d, enpu avx2 vs "
	       "XNNPACK %d, oneDNN vs enpu scalar %d\n", best, maxdiff[0], maxdiff[1], maxdiff[2]);

	/*
	 * Is memory what holds the shallow pointwise layers back?  The same
	 * channel counts on maps from 112x112 (their bytes spill out of L2)
	 * down to 7x7 (everything in L1): a memory-bound layer speeds up as
	 * its map shrinks, a compute-bound one keeps its GMAC/s.
	 */
	static const int shallow[][2] = { { 32, 16 }, { 16, 96 }, { 96, 24 }, { 24, 144 },
					  { 144, 24 }, { 32, 192 } };
	static const int maps[] = { 112, 56, 28, 7 };
	printf("\nShallow pointwise layers by map size (enpu %s, 1 thread, best of %d;\n"
	       "GMAC/s and %% of peak; input + output bytes at the largest map in brackets):\n\n",
	       best, SAMPLES);
	printf("%-12s", "channels");
	for (size_t mi = 0; mi < sizeof(maps) / sizeof(maps[0]); mi++)
		printf(" | %3dx%-3d %4s", maps[mi], maps[mi], "%pk");
	printf("\n");
	for (size_t si = 0; si < sizeof(shallow) / sizeof(shallow[0]); si++) {
		char name[24];
		snprintf(name, sizeof(name), "%d->%d", shallow[si][0], shallow[si][1]);
		printf("%-12s", name);
		for (size_t mi = 0; mi < sizeof(maps) / sizeof(maps[0]); mi++) {
			struct layer l = { .kind = PW, .hw = maps[mi], .ic = shallow[si][0],
					   .oc = shallow[si][1], .f = 1, .s = 1 };
			struct data d;
			make_data(&l, &d);
			struct enpu_case eb;
			enpu_setup(&eb, kb, &l, &d, W_ZP, d.out[I_BEST]);
			struct runner r = { enpu_run, &eb, 0, { 0 } };
			time_all(&r, 1);
			double g = layer_macs(&l) / (r.ts[BEST] * 1e9);
			printf(" | %7.1f %4.0f", g, 100 * g / peak);
			enpu_free(&eb);
			free_data(&d);
		}
		printf("  [%d KiB]\n", 112 * 112 * (shallow[si][0] + shallow[si][1]) / 1024);
	}

	double pw_share_med = macs[2] / (tot_med[I_BEST] * 1e6) / peak;
	printf("\nMobileNet v2 pointwise share of peak from each layer's median sample instead "
	       "of its best: enpu %.1f%%, oneDNN %.1f%%\n", 100 * pw_share_med,
	       100 * macs[2] / (tot_med[I_DNNL] * 1e6) / peak);
	printf("\nRESULT pw_share %.4f\n", pw_share);
	printf("RESULT pw_share_median %.4f\n", pw_share_med);
	printf("RESULT v2_conv_ratio %.4f\n", tot[1][I_BEST] / tot[1][I_XNN]);
	printf("RESULT v1_conv_ratio %.4f\n", tot[0][I_BEST] / tot[0][I_XNN]);
	dnnl_stream_destroy(strm);
	dnnl_engine_destroy(eng);
	xnn_deinitialize();
	return 0;
}
