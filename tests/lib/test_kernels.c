// SPDX-License-Identifier: MIT
/*
 * Scalar kernels against an independent reference on generated cases.
 * The reference is written differently on purpose: padding is
 * materialized instead of skipped, roundings are expressed with floor
 * division / C's round() instead of the kernels' shift-and-mask tricks, and
 * multipliers are derived by a loop instead of frexp.  A shared bug would
 * have to be made twice in two different forms.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "quant.h"
#include "ref_quant.h"
#include "tap.h"
#define TEST_RNG_SEED 0x9e3779b97f4a7c15ull
#include "rng.h"


static int32_t ref_requant(int32_t acc, int mode, int32_t mult, int shift, float scale,
			   int32_t zp, int32_t lo, int32_t hi)
{
	if (mode == RQ_FP32) {
		float f = (float)acc * scale;
		if (f < (float)(lo - zp))
			f = (float)(lo - zp);
		if (f > (float)(hi - zp))
			f = (float)(hi - zp);
		return (int32_t)nearbyintf(f) + zp;
	}
	int32_t v = ref_gemmlowp(acc, mult, shift) + zp;
	return v < lo ? lo : v > hi ? hi : v;
}

struct qcase {
	int u8, mode, dw;
	struct enpu_conv_params p;
	int32_t *mult, *shift;
	float *scale;
	int32_t *bias;
	void *in, *w, *out;
	size_t in_n, w_n, out_n;
};

static void make_rq(struct qcase *c)
{
	int oc = c->p.oc;
	c->mult = calloc(oc, sizeof(int32_t));
	c->shift = calloc(oc, sizeof(int32_t));
	c->scale = calloc(oc, sizeof(float));
	int saturate = rnd() % 5 == 0;
	for (int i = 0; i < oc; i++) {
		float s = saturate ? rfloat(0.05f, 4.0f) : rfloat(0.00005f, 0.002f);
		int sh;
		ref_multiplier(s, &c->mult[i], &sh);
		c->shift[i] = sh;
		c->scale[i] = s;
	}
	struct enpu_rq *rq = &c->p.rq;
	rq->mode = c->mode;
	rq->mult = c->mult;
	rq->shift = c->shift;
	rq->scale = c->scale;
	int32_t qlo = c->u8 ? 0 : -128, qhi = c->u8 ? 255 : 127;
	rq->out_zp = rint_in(qlo, qhi);
	rq->act_min = rnd() % 3 == 0 ? rint_in(qlo, rq->out_zp) : qlo;
	rq->act_max = rnd() % 3 == 0 ? rint_in(rq->out_zp, qhi) : qhi;
}

static int out_dim(int same, int in, int f, int s, int d, int *pad)
{
	int eff = (f - 1) * d + 1;
	int out = same ? (in + s - 1) / s : (in - eff) / s + 1;
	int total = (out - 1) * s + eff - in;
	*pad = total > 0 ? total / 2 : 0;
	return out;
}

static int gen_conv(struct qcase *c, int dw, int fc)
{
	struct enpu_conv_params *p = &c->p;
	memset(c, 0, sizeof(*c));
	c->u8 = rnd() & 1;
	c->mode = rnd() & 1 ? RQ_FP32 : RQ_GEMMLOWP;
	c->dw = dw;
	p->n = rint_in(1, 2);
	p->ih = fc ? 1 : rint_in(1, 9);
	p->iw = fc ? 1 : rint_in(1, 9);
	p->ic = fc ? rint_in(1, 40) : rint_in(1, 7);
	p->depth_mult = dw ? rint_in(1, 3) : 1;
	p->oc = dw ? p->ic * p->depth_mult : rint_in(1, 6);
	p->fh = fc ? 1 : rint_in(1, 4);
	p->fw = fc ? 1 : rint_in(1, 4);
	p->sh = fc ? 1 : rint_in(1, 3);
	p->sw = fc ? 1 : rint_in(1, 3);
	p->dh = fc ? 1 : rint_in(1, 2);
	p->dw = fc ? 1 : rint_in(1, 2);
	int same = rnd() & 1;
	p->oh = out_dim(same, p->ih, p->fh, p->sh, p->dh, &p->pad_t);
	p->ow = out_dim(same, p->iw, p->fw, p->sw, p->dw, &p->pad_l);
	if (p->oh <= 0 || p->ow <= 0)
		return 0;
	c->in_n = (size_t)p->n * p->ih * p->iw * p->ic;
	c->w_n = dw ? (size_t)p->fh * p->fw * p->oc : (size_t)p->oc * p->fh * p->fw * p->ic;
	c->out_n = (size_t)p->n * p->oh * p->ow * p->oc;
	c->in = malloc(c->in_n);
	c->w = malloc(c->w_n);
	c->out = malloc(c->out_n);
	for (size_t i = 0; i < c->in_n; i++)
		((uint8_t *)c->in)[i] = (uint8_t)rnd();
	for (size_t i = 0; i < c->w_n; i++)
		((uint8_t *)c->w)[i] = (uint8_t)rnd();
	p->in_zp = c->u8 ? rint_in(0, 255) : rint_in(-128, 127);
	p->w_zp = c->u8 ? rint_in(0, 255) : 0;
	if (rnd() % 4) {
		c->bias = malloc(p->oc * sizeof(int32_t));
		for (int i = 0; i < p->oc; i++)
			c->bias[i] = rint_in(-40000, 40000);
	}
	p->bias = c->bias;
	make_rq(c);
	return 1;
}

static int32_t ld(const void *p, int u8, size_t i)
{
	return u8 ? ((const uint8_t *)p)[i] : ((const int8_t *)p)[i];
}

/* Conv/depthwise by materializing the zero-point-padded input. */
static size_t ref_conv_check(const struct qcase *c)
{
	const struct enpu_conv_params *p = &c->p;
	int ph = (p->oh - 1) * p->sh + (p->fh - 1) * p->dh + 1;
	int pw = (p->ow - 1) * p->sw + (p->fw - 1) * p->dw + 1;
	ph = ph > p->ih + p->pad_t ? ph : p->ih + p->pad_t;
	pw = pw > p->iw + p->pad_l ? pw : p->iw + p->pad_l;
	int32_t *pad = malloc(sizeof(int32_t) * p->n * ph * pw * p->ic);
	for (int b = 0; b < p->n; b++)
		for (int y = 0; y < ph; y++)
			for (int x = 0; x < pw; x++)
				for (int k = 0; k < p->ic; k++) {
					int iy = y - p->pad_t, ix = x - p->pad_l;
					int inside = iy >= 0 && iy < p->ih && ix >= 0 && ix < p->iw;
					pad[((b * ph + y) * pw + x) * p->ic + k] =
						inside ? ld(c->in, c->u8, (((size_t)b * p->ih + iy) * p->iw + ix) * p->ic + k) - p->in_zp : 0;
				}
	size_t bad = 0;
	for (int b = 0; b < p->n; b++)
		for (int oy = 0; oy < p->oh; oy++)
			for (int ox = 0; ox < p->ow; ox++)
				for (int o = 0; o < p->oc; o++) {
					int64_t acc = c->bias ? c->bias[o] : 0;
					for (int ky = 0; ky < p->fh; ky++)
						for (int kx = 0; kx < p->fw; kx++) {
							int y = oy * p->sh + ky * p->dh, x = ox * p->sw + kx * p->dw;
							if (c->dw) {
								int k = o / p->depth_mult;
								acc += (int64_t)pad[((b * ph + y) * pw + x) * p->ic + k] *
								       (ld(c->w, c->u8, ((size_t)ky * p->fw + kx) * p->oc + o) - p->w_zp);
							} else {
								for (int k = 0; k < p->ic; k++)
									acc += (int64_t)pad[((b * ph + y) * pw + x) * p->ic + k] *
									       (ld(c->w, c->u8, (((size_t)o * p->fh + ky) * p->fw + kx) * p->ic + k) - p->w_zp);
							}
						}
					int32_t want = ref_requant((int32_t)acc, c->mode, c->mult[o], c->shift[o],
								   c->scale[o], p->rq.out_zp, p->rq.act_min,
								   p->rq.act_max);
					size_t oi = (((size_t)b * p->oh + oy) * p->ow + ox) * p->oc + o;
					if (ld(c->out, c->u8, oi) != want) {
						if (!bad)
							diag("first mismatch at %zu: got %d want %d (acc %lld)", oi,
							     ld(c->out, c->u8, oi), want, (long long)acc);
						bad++;
					}
				}
	free(pad);
	return bad;
}

static void free_case(struct qcase *c)
{
	free(c->in);
	free(c->w);
	free(c->out);
	free(c->bias);
	free(c->mult);
	free(c->shift);
	free(c->scale);
}

static void test_conv_family(const char *what, int dw, int fc, int ncases)
{
	const struct enpu_kernels *k = &enpu_kernels_scalar;
	int done = 0, fails = 0, sat = 0;
	size_t outputs = 0;
	while (done < ncases) {
		struct qcase c;
		if (!gen_conv(&c, dw, fc))
			continue;
		if (dw)
			c.u8 ? k->dwconv_qu8(&c.p, c.in, c.w, c.out) : k->dwconv_qc8(&c.p, c.in, c.w, c.out);
		else
			c.u8 ? k->conv_qu8(&c.p, c.in, c.w, c.out) : k->conv_qc8(&c.p, c.in, c.w, c.out);
		size_t bad = ref_conv_check(&c);
		for (size_t i = 0; i < c.out_n; i++) {
			int32_t v = ld(c.out, c.u8, i);
			sat += v == c.p.rq.act_min || v == c.p.rq.act_max;
		}
		outputs += c.out_n;
		if (bad) {
			fails++;
			diag("%s case %d: %s %s n%d %dx%dx%d -> %d f%dx%d s%d,%d d%d,%d pad %d,%d: %zu wrong",
			     what, done, c.u8 ? "u8" : "i8", c.mode == RQ_FP32 ? "fp32" : "gemmlowp", c.p.n,
			     c.p.ih, c.p.iw, c.p.ic, c.p.oc, c.p.fh, c.p.fw, c.p.sh, c.p.sw, c.p.dh,
			     c.p.dw, c.p.pad_t, c.p.pad_l, bad);
		}
		free_case(&c);
		done++;
	}
	ok(fails == 0, "%s: %d generated cases (%zu outputs, %d saturated) match the reference",
	   what, ncases, outputs, sat);
	ok(sat > 0, "%s: the cases exercise saturation", what);
}

static void test_add(int xnn, int ncases)
{
	const struct enpu_kernels *k = &enpu_kernels_scalar;
	int fails = 0;
	for (int n = 0; n < ncases; n++) {
		struct enpu_add_params p = { 0 };
		int u8 = rnd() & 1;
		int32_t qlo = u8 ? 0 : -128, qhi = u8 ? 255 : 127;
		float sa = rfloat(0.01f, 0.3f), sb = rfloat(0.01f, 0.3f), so = rfloat(0.01f, 0.5f);
		p.count = (size_t)rint_in(1, 300);
		p.in1_zp = rint_in(qlo, qhi);
		p.in2_zp = rint_in(qlo, qhi);
		p.out_zp = rint_in(qlo, qhi);
		p.act_min = qlo;
		p.act_max = rnd() & 1 ? qhi : rint_in(p.out_zp, qhi);
		p.sub = rnd() & 1;
		int32_t m1, m2, mo;
		int s1, s2, sO;
		double twice = 2.0 * (sa > sb ? sa : sb);
		ref_multiplier(sa / twice, &m1, &s1);
		ref_multiplier(sb / twice, &m2, &s2);
		ref_multiplier(twice / ((double)(1 << 20) * so), &mo, &sO);
		p.left_shift = 20;
		p.in1_mult = m1, p.in1_shift = s1;
		p.in2_mult = m2, p.in2_shift = s2;
		p.out_mult = mo, p.out_shift = sO;
		float ra = sa / so, rb = sb / so, mx = ra > rb ? ra : rb;
		int e = 0;
		while (ldexpf(1.0f, e + 1) <= mx)
			e++;
		while (ldexpf(1.0f, e) > mx)
			e--;
		int shift = 20 - e;
		int32_t am = (int32_t)nearbyintf(ra * ldexpf(1.0f, shift));
		int32_t bm = (int32_t)nearbyintf(rb * ldexpf(1.0f, shift)) * (p.sub ? -1 : 1);
		if (xnn) {
			p.xnn = 1;
			p.xshift = shift;
			p.xa_mult = am;
			p.xb_mult = bm;
			p.xbias = (int32_t)((1LL << (shift - 1)) - (int64_t)am * p.in1_zp - (int64_t)bm * p.in2_zp);
		}
		uint8_t a[300], b[300], o[300];
		for (size_t i = 0; i < p.count; i++)
			a[i] = (uint8_t)rnd(), b[i] = (uint8_t)rnd();
		if (u8)
			k->add_qu8(&p, a, b, o);
		else
			k->add_qs8(&p, (int8_t *)a, (int8_t *)b, (int8_t *)o);
		for (size_t i = 0; i < p.count; i++) {
			int32_t x = ld(a, u8, i), y = ld(b, u8, i), want;
			if (xnn) {
				/* (x - zx) * ra + (y - zy) * rb rounded half up at 2^-shift. */
				int64_t num = (int64_t)(x - p.in1_zp) * am + (int64_t)(y - p.in2_zp) * bm;
				want = (int32_t)floordiv(num + (1LL << (shift - 1)), 1LL << shift) + p.out_zp;
			} else {
				int32_t sx = ref_gemmlowp((x - p.in1_zp) * (1 << 20), m1, s1);
				int32_t sy = ref_gemmlowp((y - p.in2_zp) * (1 << 20), m2, s2);
				want = ref_gemmlowp(p.sub ? sx - sy : sx + sy, mo, sO) + p.out_zp;
			}
			want = want < p.act_min ? p.act_min : want > p.act_max ? p.act_max : want;
			if (ld(o, u8, i) != want) {
				if (!fails)
					diag("add case %d elem %zu: got %d want %d", n, i, ld(o, u8, i), want);
				fails++;
			}
		}
	}
	ok(fails == 0, "%s add/sub: %d generated cases match the reference",
	   xnn ? "XNNPACK-form" : "TFLite-reference-form", ncases);
}

static void test_pool(int ncases)
{
	const struct enpu_kernels *k = &enpu_kernels_scalar;
	int fails = 0;
	for (int n = 0; n < ncases; n++) {
		struct enpu_pool_params p = { 0 };
		int u8 = rnd() & 1, is_max = rnd() & 1;
		p.n = rint_in(1, 2);
		p.ih = rint_in(1, 9);
		p.iw = rint_in(1, 9);
		p.c = rint_in(1, 5);
		p.fh = rint_in(1, 4);
		p.fw = rint_in(1, 4);
		p.sh = rint_in(1, 3);
		p.sw = rint_in(1, 3);
		int same = rnd() & 1;
		p.oh = out_dim(same, p.ih, p.fh, p.sh, 1, &p.pad_t);
		p.ow = out_dim(same, p.iw, p.fw, p.sw, 1, &p.pad_l);
		if (p.oh <= 0 || p.ow <= 0) {
			n--;
			continue;
		}
		p.act_min = u8 ? rint_in(0, 50) : rint_in(-128, -80);
		p.act_max = u8 ? rint_in(200, 255) : rint_in(80, 127);
		size_t in_n = (size_t)p.n * p.ih * p.iw * p.c, out_n = (size_t)p.n * p.oh * p.ow * p.c;
		uint8_t *in = malloc(in_n), *out = malloc(out_n);
		for (size_t i = 0; i < in_n; i++)
			in[i] = (uint8_t)rnd();
		if (is_max)
			u8 ? k->maxpool_qu8(&p, in, out) : k->maxpool_qs8(&p, (int8_t *)in, (int8_t *)out);
		else
			u8 ? k->avgpool_qu8(&p, in, out) : k->avgpool_qs8(&p, (int8_t *)in, (int8_t *)out);
		for (int b = 0; b < p.n; b++)
			for (int oy = 0; oy < p.oh; oy++)
				for (int ox = 0; ox < p.ow; ox++)
					for (int ch = 0; ch < p.c; ch++) {
						int64_t sum = 0, cnt = 0, mx = -1000;
						for (int y = oy * p.sh - p.pad_t; y < oy * p.sh - p.pad_t + p.fh; y++)
							for (int x = ox * p.sw - p.pad_l; x < ox * p.sw - p.pad_l + p.fw; x++) {
								if (y < 0 || x < 0 || y >= p.ih || x >= p.iw)
									continue;
								int32_t v = ld(in, u8, (((size_t)b * p.ih + y) * p.iw + x) * p.c + ch);
								sum += v;
								cnt++;
								mx = v > mx ? v : mx;
							}
						int32_t want = is_max ? (int32_t)mx : (int32_t)round((double)sum / (double)cnt);
						want = want < p.act_min ? p.act_min : want > p.act_max ? p.act_max : want;
						size_t oi = (((size_t)b * p.oh + oy) * p.ow + ox) * p.c + ch;
						if (ld(out, u8, oi) != want) {
							if (!fails)
								diag("pool case %d: got %d want %d", n, ld(out, u8, oi), want);
							fails++;
						}
					}
		free(in);
		free(out);
	}
	ok(fails == 0, "average and max pooling: %d generated cases match the reference", ncases);
}

static void test_multiply(void)
{
	int fails = 0;
	for (int n = 0; n < 200000; n++) {
		int32_t acc = (int32_t)(rnd() ^ (rnd() << 16));
		if (n % 4 == 0)
			acc = rint_in(-300, 300);
		double real = exp(rfloat(-20.0f, 3.0f));
		int32_t m1, m2;
		int s1, s2;
		q_quantize_multiplier(real, &m1, &s1);
		ref_multiplier(real, &m2, &s2);
		if (m1 != m2 || s1 != s2) {
			if (!fails)
				diag("multiplier for %.17g: %d/%d vs %d/%d", real, m1, s1, m2, s2);
			fails++;
			continue;
		}
		if (s1 > 0 && (acc > (INT32_MAX >> s1) || acc < (INT32_MIN >> s1)))
			continue;
		if (q_mul(acc, m1, s1) != ref_gemmlowp(acc, m2, s2)) {
			if (!fails)
				diag("q_mul(%d, %d, %d) = %d, reference %d", acc, m1, s1, q_mul(acc, m1, s1),
				     ref_gemmlowp(acc, m2, s2));
			fails++;
		}
	}
	ok(fails == 0, "QuantizeMultiplier and MultiplyByQuantizedMultiplier on 200000 values");
	/* Exact ties of the final shift round away from zero. */
	is_int(q_mul(-3, INT32_MAX, -1), -2, "-3 / 2 rounds to -2 (half away from zero)");
	is_int(q_mul(3, INT32_MAX, -1), 2, "3 / 2 rounds to 2");
	is_int(q_mul(-3, 1 << 30, 0), -1, "the high multiply rounds -1.5 up to -1");
	is_int(q_mul(INT32_MIN, INT32_MIN, 0), INT32_MAX, "the one overflowing product saturates");
}

int main(void)
{
	test_multiply();
	test_conv_family("CONV_2D", 0, 0, 400);
	test_conv_family("DEPTHWISE_CONV_2D", 1, 0, 400);
	test_conv_family("FULLY_CONNECTED", 0, 1, 200);
	test_add(0, 300);
	test_add(1, 300);
	test_pool(400);
	return tap_done();
}
