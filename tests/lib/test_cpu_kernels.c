// SPDX-License-Identifier: MIT
/*
 * Every SIMD kernel level this CPU has, against the scalar kernels, byte for
 * byte: pointwise GEMM over every tile remainder (rows 1..13 cover the 4-
 * and 6-row tiles, channels around 8/16/64 cover vector and panel edges,
 * depths around 2/4/64 cover the k padding), general convolutions with
 * strides 1/2, dilation and SAME/VALID padding, depthwise 3x3 and other
 * windows, uint8 (with weight zero points) and int8, per-tensor and
 * per-channel scales, clamping activations and wrapping biases.  Each case
 * also runs split into pixel and channel ranges the way the thread pool
 * splits it, which must not change a byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "kernels.h"
#include "tap.h"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int rint_in(int lo, int hi)
{
	return lo + (int)(rnd() % (uint32_t)(hi - lo + 1));
}

static float rfloat(float lo, float hi)
{
	return lo + (hi - lo) * (float)(rnd() % 1000000) / 1e6f;
}

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
	int per_channel = rnd() & 1, big = rnd() % 4 == 0;
	float s0 = big ? rfloat(0.05f, 2.0f) : rfloat(0.00005f, 0.003f);
	for (int i = 0; i < p.oc; i++)
		scale[i] = per_channel ? (big ? rfloat(0.05f, 2.0f) : rfloat(0.00005f, 0.003f)) : s0;
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

	int fails = 0;
	for (int isa = ENPU_ISA_AVX2; isa < ENPU_ISA_COUNT; isa++) {
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
				size_t cut = (size_t)rint_in(0, (int)M);
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
	ok(enpu_kernels_select() != NULL, "default selection works");

	int before = bad_cases;
	/* Pointwise GEMM: every row remainder x channel edges x depth edges. */
	static const int chans[] = { 1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64, 65, 80, 96, 129, 144 };
	static const int depths[] = { 1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 63, 64, 65, 130 };
	for (int u8 = 0; u8 < 2; u8++)
		for (size_t ci = 0; ci < sizeof(chans) / sizeof(chans[0]); ci++)
			for (size_t di = 0; di < sizeof(depths) / sizeof(depths[0]); di++) {
				struct shape s = { 0, 1, 1, rint_in(1, 13), depths[di], chans[ci],
						   1, 1, 1, 1, 1, 1, 0 };
				run_case(&s, u8, "pointwise");
			}
	ok(bad_cases == before, "pointwise GEMM: all tile remainders bit-exact");

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
	ok(bad_cases == before, "general convolution (strides, dilation, padding) bit-exact");

	before = bad_cases;
	for (int i = 0; i < 300; i++) {
		int f = i % 2 ? 3 : rint_in(1, 5);
		struct shape s = { 1, rint_in(1, 2), rint_in(1, 12), rint_in(1, 12), rint_in(1, 100),
				   0, f, i % 2 ? 3 : rint_in(1, 5), rint_in(1, 2), rint_in(1, 2),
				   i % 4 == 1 ? 2 : 1, i % 4 == 1 ? 2 : 1, (int)(rnd() & 1) };
		run_case(&s, (int)(rnd() & 1), "dwconv");
	}
	ok(bad_cases == before, "depthwise (3x3 and others, strides, padding) bit-exact");
	diag("%d cases, %d with mismatches", total_cases, bad_cases);
	return tap_done();
}
