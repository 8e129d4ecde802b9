// SPDX-License-Identifier: MIT
/*
 * Every SIMD kernel level this CPU has, against the scalar kernels, byte for
 * byte: pointwise GEMM over every tile remainder (rows 1..13 cover the 4-
 * and 6-row tiles, channels around 8/16/64 cover vector and panel edges,
 * depths around 2/4/64 cover the k padding) and over blocks of many rows
 * (the shallow 16-32 deep kernel, row sums in groups), general convolutions with
 * strides 1/2, dilation and SAME/VALID padding, depthwise 3x3 and other
 * windows, uint8 (with weight zero points) and int8, per-tensor and
 * per-channel scales, clamping activations and wrapping biases.  Each case
 * also runs split into pixel and channel ranges the way the thread pool
 * splits it, which must not change a byte.  MAX/AVERAGE_POOL_2D and ADD/SUB
 * (both rules, broadcast) are compared too, over every 16-lane remainder.
 *
 * The same source is cross-built for aarch64 and run under qemu-aarch64 by
 * tests/lib/neon.sh, so it links with only the kernels and cpu.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "kernels.h"
#include "quant.h"
#include "tap.h"
#define TEST_RNG_SEED 0x243f6a8885a308d3ull
#include "rng.h"


static int out_dim(int same, int in, int f, int s, int d, int *pad)
{
	int eff = (f - 1) * d + 1;
	int out = same ? (in + s - 1) / s : (in - eff) / s + 1;
	int total = (out - 1) * s + eff - in;
	*pad = total > 0 ? total / 2 : 0;
	return out;
}

struct shape {
	int dw, n, ih, iw, ic, oc, fh, fw, sh, sw, dh, dwl, same;
};

static int total_cases, bad_cases;

/* Runs one shape through every level; returns the number of mismatching levels. */
static int run_case(const struct shape *s, int u8, const char *what)
{
	struct enpu_conv_params p = { 0 };
	p.n = s->n;
	p.ih = s->ih;
	p.iw = s->iw;
	p.ic = s->ic;
	p.depth_mult = 1;
	p.oc = s->dw ? s->ic : s->oc;
	p.fh = s->fh;
	p.fw = s->fw;
	p.sh = s->sh;
	p.sw = s->sw;
	p.dh = s->dh;
	p.dw = s->dwl;
	p.oh = out_dim(s->same, p.ih, p.fh, p.sh, p.dh, &p.pad_t);
	p.ow = out_dim(s->same, p.iw, p.fw, p.sw, p.dw, &p.pad_l);
	if (p.oh <= 0 || p.ow <= 0)
		return 0;
	size_t in_n = (size_t)p.n * p.ih * p.iw * p.ic;
	size_t w_n = s->dw ? (size_t)p.fh * p.fw * p.oc : (size_t)p.oc * p.fh * p.fw * p.ic;
	size_t M = (size_t)p.n * p.oh * p.ow, out_n = M * p.oc;
	uint8_t *in = malloc(in_n + 1), *w = malloc(w_n + 1);
	uint8_t *want = malloc(out_n + 1), *got = malloc(out_n + 1);
	int32_t *bias = malloc(sizeof(int32_t) * (size_t)p.oc);
	float *scale = malloc(sizeof(float) * (size_t)p.oc);
	for (size_t i = 0; i < in_n; i++)
		in[i] = (uint8_t)rnd();
	for (size_t i = 0; i < w_n; i++)
		w[i] = (uint8_t)rnd();
	p.in_zp = u8 ? rint_in(0, 255) : rint_in(-128, 127);
	p.w_zp = u8 ? rint_in(0, 255) : 0;
	int wrap = rnd() % 8 == 0;	/* biases near the int32 edge: the sum must wrap alike */
	for (int i = 0; i < p.oc; i++)
		bias[i] = wrap ? (int32_t)(rnd() << 16 | rnd()) : rint_in(-40000, 40000);
	p.bias = rnd() % 5 ? bias : NULL;
	int per_channel = rnd() & 1, big = rnd() % 4 == 0, pot = rnd() % 4 == 0;
	float s0 = big ? rfloat(0.05f, 2.0f) : rfloat(0.00005f, 0.003f);
	for (int i = 0; i < p.oc; i++)
		scale[i] = per_channel ? (big ? rfloat(0.05f, 2.0f) : rfloat(0.00005f, 0.003f)) : s0;
	/* Power-of-two scales make exact .5 products common, so rounding ties get tested. */
	for (int i = 0; pot && i < p.oc; i++)
		scale[i] = ldexpf(1.0f, -rint_in(1, 6));
	p.rq.mode = RQ_FP32;
	p.rq.scale = scale;
	int32_t qlo = u8 ? 0 : -128, qhi = u8 ? 255 : 127;
	p.rq.out_zp = rint_in(qlo, qhi);
	p.rq.act_min = rnd() % 3 == 0 ? rint_in(qlo, p.rq.out_zp) : qlo;
	p.rq.act_max = rnd() % 3 == 0 ? rint_in(p.rq.out_zp, qhi) : qhi;

	const struct enpu_kernels *sk = &enpu_kernels_scalar;
	if (s->dw)
		u8 ? sk->dwconv_qu8(&p, in, w, want) :
		     sk->dwconv_qc8(&p, (int8_t *)in, (int8_t *)w, (int8_t *)want);
	else
		u8 ? sk->conv_qu8(&p, in, w, want) :
		     sk->conv_qc8(&p, (int8_t *)in, (int8_t *)w, (int8_t *)want);

	/* Drawn once, so every machine runs the same cases whatever levels it has. */
	size_t cut = (size_t)rint_in(0, (int)M);
	int fails = 0;
	for (int isa = ENPU_ISA_SCALAR + 1; isa < ENPU_ISA_COUNT; isa++) {
		const struct enpu_kernels *k = enpu_kernels_for((enum enpu_isa)isa);
		if (!k)
			continue;
		size_t psz = k->conv_pack_size(&p, u8, s->dw);
		if (!psz) {
			fails++;
			diag("%s: %s has no fast path", what, k->isa);
			continue;
		}
		void *packed = malloc(psz);
		void *scr = aligned_alloc(64, (k->conv_scratch(&p, u8, s->dw) + 63) / 64 * 64);
		k->conv_pack(&p, u8, s->dw, w, packed);
		for (int split = 0; split < 3; split++) {
			memset(got, 0xa5, out_n);
			if (split == 0) {
				k->conv_run(&p, u8, s->dw, packed, in, got, 0, M, 0, p.oc, scr);
			} else if (split == 1) {
				k->conv_run(&p, u8, s->dw, packed, in, got, 0, cut, 0, p.oc, scr);
				k->conv_run(&p, u8, s->dw, packed, in, got, cut, M, 0, p.oc, scr);
			} else {
				for (int c = 0; c < p.oc; c += 64)
					k->conv_run(&p, u8, s->dw, packed, in, got, 0, M, c,
						    p.oc - c < 64 ? p.oc : c + 64, scr);
			}
			if (memcmp(got, want, out_n)) {
				size_t i = 0;
				while (got[i] == want[i])
					i++;
				diag("%s %s %s split %d: byte %zu of %zu is %d, scalar %d", what,
				     u8 ? "u8" : "s8", k->isa, split, i, out_n, got[i], want[i]);
				fails++;
				break;
			}
		}
		free(packed);
		free(scr);
	}
	free(in);
	free(w);
	free(want);
	free(got);
	free(bias);
	free(scale);
	total_cases++;
	bad_cases += fails != 0;
	return fails;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/*
 * Activation bounds as act_range() in ops.c guarantees them: ordered and
 * inside the type.  Either the full type or a random (possibly one-value)
 * clamp.
 */
static void act_bounds(int u8, int32_t *lo, int32_t *hi)
{
	int32_t qlo = u8 ? 0 : -128, qhi = u8 ? 255 : 127;
	*lo = qlo;
	*hi = qhi;
	if (rnd() % 2) {
		*lo = rint_in(qlo, qhi);
		*hi = rint_in(*lo, qhi);
	}
}

/* Pooling through every level against scalar; returns nonzero on a mismatch. */
static int run_pool(int u8, int is_max, struct enpu_pool_params *p, const char *what)
{
	size_t in_n = (size_t)p->n * p->ih * p->iw * p->c;
	size_t out_n = (size_t)p->n * p->oh * p->ow * p->c;
	uint8_t *in = malloc(in_n + 1), *want = malloc(out_n + 1), *got = malloc(out_n + 1);
	fill(in, in_n);
	act_bounds(u8, &p->act_min, &p->act_max);
	const struct enpu_kernels *sk = &enpu_kernels_scalar;
#define POOL(K, IN, OUT)							\
	(is_max ? (u8 ? (K)->maxpool_qu8(p, IN, OUT) :			\
			(K)->maxpool_qs8(p, (const int8_t *)(IN), (int8_t *)(OUT))) :	\
		  (u8 ? (K)->avgpool_qu8(p, IN, OUT) :			\
			(K)->avgpool_qs8(p, (const int8_t *)(IN), (int8_t *)(OUT))))
	POOL(sk, in, want);
	int fails = 0;
	for (int isa = ENPU_ISA_SCALAR + 1; isa < ENPU_ISA_COUNT; isa++) {
		const struct enpu_kernels *k = enpu_kernels_for((enum enpu_isa)isa);
		if (!k)
			continue;
		memset(got, 0xa5, out_n);
		POOL(k, in, got);
		if (memcmp(got, want, out_n)) {
			size_t i = 0;
			while (got[i] == want[i])
				i++;
			diag("%s %s %s: %dx%dx%dx%d f%dx%d s%dx%d pad %d,%d act %d..%d: byte %zu is %d, scalar %d",
			     what, u8 ? "u8" : "s8", k->isa, p->n, p->ih, p->iw, p->c, p->fh, p->fw,
			     p->sh, p->sw, p->pad_t, p->pad_l, p->act_min, p->act_max, i, got[i],
			     want[i]);
			fails++;
		}
	}
#undef POOL
	free(in);
	free(want);
	free(got);
	total_cases++;
	bad_cases += fails != 0;
	return fails;
}

static int pool_case(int u8, int is_max, int c, int big)
{
	struct enpu_pool_params p = { 0 };
	p.n = rint_in(1, 2);
	p.ih = rint_in(1, big ? 40 : 12);
	p.iw = rint_in(1, big ? 40 : 12);
	p.c = c;
	p.fh = big ? p.ih : rint_in(1, 4);
	p.fw = big ? p.iw : rint_in(1, 4);
	p.sh = rint_in(1, 3);
	p.sw = rint_in(1, 3);
	if (rnd() % 4 == 0) {
		/* Padding as wide as the window, so some windows lie wholly outside the input. */
		p.pad_t = rint_in(0, p.fh);
		p.pad_l = rint_in(0, p.fw);
		p.oh = (p.ih + 2 * p.pad_t - p.fh) / p.sh + 1;
		p.ow = (p.iw + 2 * p.pad_l - p.fw) / p.sw + 1;
	} else {
		int same = (int)(rnd() & 1);
		p.oh = out_dim(same, p.ih, p.fh, p.sh, 1, &p.pad_t);
		p.ow = out_dim(same, p.iw, p.fw, p.sw, 1, &p.pad_l);
	}
	if (p.oh <= 0 || p.ow <= 0)
		return 0;
	return run_pool(u8, is_max, &p, is_max ? "maxpool" : "avgpool");
}

/*
 * ADD/SUB parameters as ops.c derives them from tensor scales (TFLite's
 * fixed-point rule, then XNNPACK's when the ratios allow, through the same
 * enpu_xnn_add_params the interpreter and the chip compiler use).
 */
static int add_params(struct enpu_add_params *p, float sa, float sb, float so, int xnn)
{
	p->left_shift = 20;
	double twice_max = 2.0 * (double)(sa > sb ? sa : sb);
	q_quantize_multiplier((double)sa / twice_max, &p->in1_mult, &p->in1_shift);
	q_quantize_multiplier((double)sb / twice_max, &p->in2_mult, &p->in2_shift);
	q_quantize_multiplier(twice_max / ((double)(1 << p->left_shift) * (double)so), &p->out_mult,
			      &p->out_shift);
	if (p->out_shift > 0)
		return -1;
	/* Outside XNNPACK's ratio range the fixed-point rule above stays. */
	if (xnn)
		(void)enpu_xnn_add_params(p, sa / so, sb / so);
	return 0;
}

static int add_case(int u8, size_t count)
{
	struct enpu_add_params p = { 0 };
	int32_t qlo = u8 ? 0 : -128, qhi = u8 ? 255 : 127;
	p.count = count;
	p.sub = (int)(rnd() % 3 == 0);
	p.in1_zp = rint_in(qlo, qhi);
	p.in2_zp = rint_in(qlo, qhi);
	p.out_zp = rint_in(qlo, qhi);
	act_bounds(u8, &p.act_min, &p.act_max);
	/* Scale ratios spanning XNNPACK's range and beyond it (the fixed-point rule then). */
	float so = rfloat(0.01f, 0.2f);
	float sa = so * (rnd() % 6 == 0 ? rfloat(0.0001f, 0.002f) : rfloat(0.05f, 8.0f));
	float sb = so * (rnd() % 6 == 0 ? rfloat(100.0f, 400.0f) : rfloat(0.05f, 8.0f));
	if (add_params(&p, sa, sb, so, (int)(rnd() % 3 != 0)))
		return 0;
	if (!p.xnn && rnd() % 3 == 0) {
		/*
		 * Scales derived from tensors divide by about 2^20 at the end,
		 * which hides the rounding of the input stage; small shifts
		 * make every rounding step show in the output.
		 */
		p.left_shift = rint_in(0, 2);
		p.in1_mult = (int32_t)(0x40000000u + (rnd() << 14 | (rnd() & 0x3fff)) % 0x40000000u);
		p.in2_mult = (int32_t)(0x40000000u + (rnd() << 14 | (rnd() & 0x3fff)) % 0x40000000u);
		p.out_mult = (int32_t)(0x40000000u + (rnd() << 14 | (rnd() & 0x3fff)) % 0x40000000u);
		p.in1_shift = rint_in(-4, 0);
		p.in2_shift = rint_in(-4, 0);
		p.out_shift = rint_in(-3, 1);
	}
	/* Broadcast: either side may read through an index table. */
	size_t na = count, nb = count;
	uint32_t *i1 = NULL, *i2 = NULL;
	if (rnd() % 4 == 0) {
		na = (size_t)rint_in(1, 9);
		i1 = malloc(count * sizeof(*i1));
		for (size_t i = 0; i < count; i++)
			i1[i] = (uint32_t)(i % na);
	}
	if (rnd() % 4 == 0) {
		nb = (size_t)rint_in(1, 9);
		i2 = malloc(count * sizeof(*i2));
		for (size_t i = 0; i < count; i++)
			i2[i] = (uint32_t)(rnd() % nb);
	}
	p.idx1 = i1;
	p.idx2 = i2;
	uint8_t *a = malloc(na), *b = malloc(nb), *want = malloc(count), *got = malloc(count);
	fill(a, na);
	fill(b, nb);
	const struct enpu_kernels *sk = &enpu_kernels_scalar;
#define ADD(K, OUT)								\
	(u8 ? (K)->add_qu8(&p, a, b, OUT) :					\
	      (K)->add_qs8(&p, (const int8_t *)a, (const int8_t *)b, (int8_t *)(OUT)))
	ADD(sk, want);
	int fails = 0;
	for (int isa = ENPU_ISA_SCALAR + 1; isa < ENPU_ISA_COUNT; isa++) {
		const struct enpu_kernels *k = enpu_kernels_for((enum enpu_isa)isa);
		if (!k)
			continue;
		memset(got, 0xa5, count);
		ADD(k, got);
		if (memcmp(got, want, count)) {
			size_t i = 0;
			while (got[i] == want[i])
				i++;
			diag("%s %s %s count %zu xnn %d act %d..%d: byte %zu is %d, scalar %d",
			     p.sub ? "sub" : "add", u8 ? "u8" : "s8", k->isa, count, p.xnn,
			     p.act_min, p.act_max, i, got[i], want[i]);
			fails++;
		}
	}
#undef ADD
	free(a);
	free(b);
	free(want);
	free(got);
	free(i1);
	free(i2);
	total_cases++;
	bad_cases += fails != 0;
	return fails;
}

int main(void)
{
	for (int isa = 0; isa < ENPU_ISA_COUNT; isa++)
		diag("level %s: %s", enpu_isa_name((enum enpu_isa)isa),
		     enpu_cpu_has((enum enpu_isa)isa) ? "present" : "absent");
	ok(enpu_cpu_has(ENPU_ISA_SCALAR), "scalar is always available");

	/* Forcing: each present level is selectable, absent or unknown ones are refused. */
	for (int isa = 0; isa < ENPU_ISA_COUNT; isa++) {
		setenv("ENPU_ISA", enpu_isa_name((enum enpu_isa)isa), 1);
		const struct enpu_kernels *k = enpu_kernels_select();
		if (enpu_cpu_has((enum enpu_isa)isa))
			ok(k && !strcmp(k->isa, enpu_isa_name((enum enpu_isa)isa)),
			   "ENPU_ISA=%s selects it", enpu_isa_name((enum enpu_isa)isa));
		else
			ok(!k, "ENPU_ISA=%s is refused on this CPU", enpu_isa_name((enum enpu_isa)isa));
	}
	setenv("ENPU_ISA", "sse9", 1);
	ok(!enpu_kernels_select(), "ENPU_ISA=sse9 is refused");
	unsetenv("ENPU_ISA");
	const struct enpu_kernels *def = enpu_kernels_select();
	int best = ENPU_ISA_SCALAR;
	for (int isa = 0; isa < ENPU_ISA_COUNT; isa++)
		if (enpu_cpu_has((enum enpu_isa)isa))
			best = isa;
	ok(def && !strcmp(def->isa, enpu_isa_name((enum enpu_isa)best)),
	   "default selection is the best level present (%s)", def ? def->isa : "none");

	int before = bad_cases;
	/* Pointwise GEMM: every row remainder x channel edges x depth edges. */
	static const int chans[] = { 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 80, 88, 96, 129, 144 };
	static const int depths[] = { 1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 24, 32, 63, 64, 65, 130 };
	for (int u8 = 0; u8 < 2; u8++)
		for (size_t ci = 0; ci < sizeof(chans) / sizeof(chans[0]); ci++)
			for (size_t di = 0; di < sizeof(depths) / sizeof(depths[0]); di++) {
				struct shape s = { 0, 1, 1, rint_in(1, 13), depths[di], chans[ci],
						   1, 1, 1, 1, 1, 1, 0 };
				run_case(&s, u8, "pointwise");
			}
	ok(bad_cases == before, "pointwise GEMM: all tile remainders bit-exact");

	/*
	 * Many rows: blocks of up to 48 rows, the row sums taken 8 rows at a
	 * time (rows sharing vectors at depths 16/24/32, a masked tail at 100),
	 * the shallow kernel's one- and two-row units,
	 * a block's partial last tile, and (split 1) ranges starting mid-block.
	 */
	before = bad_cases;
	static const int many_rows[] = { 47, 49, 97, 150 };
	static const int deep[] = { 8, 16, 20, 24, 32, 64, 100 };
	static const int wide[] = { 16, 24, 49, 60, 64, 96, 144, 200 };
	for (int u8 = 0; u8 < 2; u8++)
		for (size_t di = 0; di < sizeof(deep) / sizeof(deep[0]); di++)
			for (size_t ci = 0; ci < sizeof(wide) / sizeof(wide[0]); ci++) {
				int m = many_rows[(di + ci + (size_t)u8) % 4];
				struct shape s = { 0, 1, 1, m, deep[di], wide[ci], 1, 1, 1, 1, 1, 1, 0 };
				run_case(&s, u8, "pointwise, many rows");
			}
	/* im2col rows deep enough that a block holds fewer than 48. */
	for (int u8 = 0; u8 < 2; u8++) {
		struct shape s = { 0, 1, 9, 9, 64, 70, 3, 3, 1, 1, 1, 1, 1 };
		run_case(&s, u8, "conv 3x3, deep rows");
	}
	ok(bad_cases == before, "pointwise GEMM over many rows (blocks, shallow kernel) bit-exact");

	before = bad_cases;
	for (int i = 0; i < 300; i++) {
		struct shape s = { 0, rint_in(1, 2), rint_in(1, 9), rint_in(1, 9), rint_in(1, 20),
				   rint_in(1, 70), rint_in(1, 3), rint_in(1, 3), rint_in(1, 2),
				   rint_in(1, 2), rint_in(1, 2), rint_in(1, 2), (int)(rnd() & 1) };
		if (i % 3 == 0)
			s.dh = s.dwl = 1;
		run_case(&s, (int)(rnd() & 1), "conv");
	}
	/* The first MobileNet layer's shape family: 3 input channels, 3x3 stride 2 SAME. */
	for (int u8 = 0; u8 < 2; u8++) {
		struct shape s = { 0, 1, 17, 15, 3, 32, 3, 3, 2, 2, 1, 1, 1 };
		run_case(&s, u8, "conv 3x3/2 c3");
	}
	/* 1x1 stride 2 with aligned depths: the kernels that read rows in place. */
	for (int u8 = 0; u8 < 2; u8++)
		for (int ic = 4; ic <= 32; ic *= 2) {
			struct shape s = { 0, 2, 9, 7, ic, rint_in(1, 40), 1, 1, 2, 2, 1, 1, 0 };
			run_case(&s, u8, "conv 1x1/2");
		}
	ok(bad_cases == before, "general convolution (strides, dilation, padding) bit-exact");

	before = bad_cases;
	/* Every channel remainder of the 8- and 16-lane kernels at least once, then random ones. */
	for (int i = 0; i < 300; i++) {
		int f = i % 2 ? 3 : rint_in(1, 5);
		struct shape s = { 1, rint_in(1, 2), rint_in(1, 12), rint_in(1, 12),
				   i < 34 ? i + 1 : rint_in(1, 100), 0, f,
				   i % 2 ? 3 : rint_in(1, 5), rint_in(1, 2), rint_in(1, 2),
				   i % 4 == 1 ? 2 : 1, i % 4 == 1 ? 2 : 1, (int)(rnd() & 1) };
		run_case(&s, (int)(rnd() & 1), "dwconv");
	}
	ok(bad_cases == before, "depthwise (3x3 and others, strides, padding) bit-exact");

	/* Pooling: channel counts 1..35 cover every 16-lane remainder twice, then wider ones. */
	static const int pchans[] = { 48, 63, 64, 65, 100 };
	for (int is_max = 1; is_max >= 0; is_max--) {
		before = bad_cases;
		for (int u8 = 0; u8 < 2; u8++) {
			for (int c = 1; c <= 35; c++)
				pool_case(u8, is_max, c, 0);
			for (size_t i = 0; i < sizeof(pchans) / sizeof(pchans[0]); i++)
				pool_case(u8, is_max, pchans[i], 0);
			/* Global pooling: windows of up to 1600 taps. */
			for (int i = 0; i < 5; i++)
				pool_case(u8, is_max, rint_in(1, 40), 1);
		}
		ok(bad_cases == before, "%s: every channel remainder, padding, clamps bit-exact",
		   is_max ? "MAX_POOL_2D" : "AVERAGE_POOL_2D");
	}

	before = bad_cases;
	static const int counts[] = { 63, 64, 65, 100, 255, 256, 257, 1000 };
	for (int rep = 0; rep < 3; rep++)
		for (int u8 = 0; u8 < 2; u8++) {
			for (int n = 1; n <= 40; n++)
				add_case(u8, (size_t)n);
			for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
				add_case(u8, (size_t)counts[i]);
		}
	ok(bad_cases == before, "ADD/SUB (fixed-point and XNNPACK rules, broadcast) bit-exact");
	diag("%d cases, %d with mismatches", total_cases, bad_cases);
	return tap_done();
}
