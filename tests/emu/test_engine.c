// SPDX-License-Identifier: MIT
/*
 * The compute core's datapath (tools/enpu-emu/engine.c) against references
 * written the other way round: logical NHWC arrays walked with plain nested
 * loops, accumulators summed exactly in 128 bits, requantization by exact
 * rational rounding instead of gemmlowp's step-by-step tricks, fp32
 * requantization in double.  Tensors land in SRAM through the test's own
 * addressing code, with odd strides and unaligned bases, and every byte
 * outside the OFM must survive each operation untouched.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "enpu_fw_hal.h"
#include "engine.h"

#define SRAM_SIZE (256u * 1024)

static uint8_t sram[SRAM_SIZE], before[SRAM_SIZE], touched[SRAM_SIZE];
static struct enpu_timing timing = {
	.macs_per_cycle = 64, .bus_bytes_per_cycle = 16, .sram_bytes_per_cycle = 32,
	.op_overhead_cycles = 10, .dma_latency_cycles = 100,
};
static struct enpu_engine_core core = { .sram = sram, .sram_size = SRAM_SIZE, .timing = &timing };
static uint32_t P[ENPU1_P_COUNT];

typedef __int128 i128;

/* ------------------------------------------------------------------------ */
/* Deterministic randomness */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Uniform in [lo, hi]. */
static int32_t rr(int32_t lo, int32_t hi)
{
	return (int32_t)((int64_t)lo + rnd() % (uint64_t)((int64_t)hi - lo + 1));
}

static void fill_random(void *buf, size_t n)
{
	uint8_t *b = buf;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

/* ------------------------------------------------------------------------ */
/* Reference arithmetic */

static i128 floor_div(i128 a, i128 b)
{
	i128 q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

static i128 clamp_i32(i128 v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : v;
}

/*
 * MultiplyByQuantizedMultiplier as exact arithmetic: the doubling high
 * multiply is floor(v*m/2^31 + 1/2), the rounding shift rounds |t|/2^e half
 * up and restores the sign.
 */
static int32_t ref_mbqm(int32_t x, int32_t m, int32_t s)
{
	i128 v = x;

	if (s > 0)
		v = clamp_i32(s > 64 ? (x > 0 ? (i128)1 << 70 : x < 0 ? -((i128)1 << 70) : 0)
				     : v * ((i128)1 << s));
	i128 t = clamp_i32(floor_div(v * m + ((i128)1 << 30), (i128)1 << 31));

	if (s < 0) {
		int e = (int64_t)s < -100 ? 100 : -s;
		i128 mag = t < 0 ? -t : t;

		mag = (mag + ((i128)1 << (e - 1))) >> e;
		t = t < 0 ? -mag : mag;
	}
	return (int32_t)t;
}

static int64_t ref_rne(float f)
{
	double d = f, fl = floor(d), fr = d - fl;

	if (fr > 0.5 || (fr == 0.5 && fmod(fl, 2.0) != 0))
		fl += 1;
	return (int64_t)fl;
}

struct rqp {
	int fp32, sgn;
	int32_t zp, amin, amax;
};

static int32_t qmin_of(int sgn)
{
	return sgn ? -128 : 0;
}

static int32_t qmax_of(int sgn)
{
	return sgn ? 127 : 255;
}

static int32_t ref_clamp(const struct rqp *q, int64_t v)
{
	v = v < qmin_of(q->sgn) ? qmin_of(q->sgn) : v > qmax_of(q->sgn) ? qmax_of(q->sgn) : v;
	v = v < q->amin ? q->amin : v;
	v = v > q->amax ? q->amax : v;
	return (int32_t)v;
}

static int32_t ref_requant(const struct rqp *q, int32_t acc, uint32_t mult, int32_t shift)
{
	int64_t v;

	if (q->fp32) {
		float scale, lo = (float)((int64_t)qmin_of(q->sgn) - q->zp);
		float hi = (float)((int64_t)qmax_of(q->sgn) - q->zp);

		memcpy(&scale, &mult, sizeof(scale));
		/* A product of two floats is exact in double. */
		float f = (float)((double)(float)acc * (double)scale);

		if (isnan(f) || f < lo)
			f = lo;
		if (f > hi)
			f = hi;
		v = ref_rne(f) + q->zp;
	} else {
		v = (int64_t)ref_mbqm(acc, (int32_t)mult, shift) + q->zp;
	}
	return ref_clamp(q, v);
}

static int32_t wrap32(i128 v)
{
	return (int32_t)(uint32_t)(v & 0xffffffff);
}

static float u2f(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static uint32_t f2u(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof(u));
	return u;
}

/* ------------------------------------------------------------------------ */
/* Placing tensors in SRAM */

struct tmap {
	uint32_t base, h, w, c;
	uint32_t ps, rs;	/* as programmed: 0 means the default */
};

static uint64_t tm_ps(const struct tmap *m)
{
	return m->ps ? m->ps : m->c;
}

static uint64_t tm_rs(const struct tmap *m)
{
	return m->rs ? m->rs : m->w * tm_ps(m);
}

static uint32_t tm_addr(const struct tmap *m, uint32_t y, uint32_t x, uint32_t c)
{
	return (uint32_t)(m->base + y * tm_rs(m) + x * tm_ps(m) + c);
}

static uint32_t tm_span(const struct tmap *m)
{
	return tm_addr(m, m->h - 1, m->w - 1, m->c - 1) + 1 - m->base;
}

static uint32_t next_free;

/* Hands out SRAM with a small random gap, so bases are rarely aligned. */
static uint32_t take(uint32_t size)
{
	uint32_t at = next_free + (uint32_t)rr(0, 7);

	next_free = at + size;
	if (next_free > SRAM_SIZE) {
		printf("Bail out! test SRAM exhausted\n");
		exit(1);
	}
	return at;
}

static struct tmap new_map(uint32_t h, uint32_t w, uint32_t c, int pad_px, int pad_row)
{
	struct tmap m = { .h = h, .w = w, .c = c };

	if (pad_px)
		m.ps = c + (uint32_t)pad_px;
	if (pad_row)
		m.rs = (uint32_t)(w * tm_ps(&m) + (uint32_t)pad_row);
	m.base = take(tm_span(&m));
	return m;
}

static void tm_put(const struct tmap *m, const int32_t *v)
{
	for (uint32_t y = 0; y < m->h; y++)
		for (uint32_t x = 0; x < m->w; x++)
			for (uint32_t c = 0; c < m->c; c++)
				sram[tm_addr(m, y, x, c)] = (uint8_t)v[((size_t)y * m->w + x) * m->c + c];
}

static int32_t byte_val(uint8_t b, int sgn)
{
	return sgn ? (int8_t)b : b;
}

static void set_map_params(const struct tmap *m, uint32_t base_reg, uint32_t h_reg)
{
	P[base_reg] = m->base;
	P[h_reg] = m->h;
	P[h_reg + 1] = m->w;
	P[h_reg + 2] = m->c;
	P[h_reg + 3] = m->rs;
	P[h_reg + 4] = m->ps;
}

/* Compares the OFM against want[] and checks that no other byte moved. */
static int check_ofm(const struct tmap *m, int sgn, const int32_t *want, const char *what)
{
	int bad = 0;

	memset(touched, 0, sizeof(touched));
	for (uint32_t y = 0; y < m->h; y++) {
		for (uint32_t x = 0; x < m->w; x++) {
			for (uint32_t c = 0; c < m->c; c++) {
				uint32_t a = tm_addr(m, y, x, c);
				int32_t got = byte_val(sram[a], sgn);
				int32_t exp = want[((size_t)y * m->w + x) * m->c + c];

				touched[a] = 1;
				if (got != exp && bad++ < 3)
					diag("%s: out[%u][%u][%u] = %d, want %d", what, y, x, c, got, exp);
			}
		}
	}
	for (uint32_t i = 0; i < SRAM_SIZE; i++) {
		if (!touched[i] && sram[i] != before[i] && bad++ < 3)
			diag("%s: byte %u outside the OFM changed", what, i);
	}
	return bad == 0;
}

static void begin_case(void)
{
	memset(P, 0, sizeof(P));
	fill_random(sram, SRAM_SIZE);
	next_free = 0;
	enpu_engine_job_begin(&core);
}

static int run_op(uint32_t op)
{
	memcpy(before, sram, SRAM_SIZE);
	return enpu_engine_run(&core, NULL, op, P, NULL);
}

/* ------------------------------------------------------------------------ */
/* CONV, DEPTHWISE, FULLY_CONNECTED */

#define MAXT 8192

struct mac_case {
	uint32_t op;
	int sgn, bias, perch, fp32;
	uint32_t ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, dm;
	int32_t izp, wzp, ozp, amin, amax;
	int in_px, in_row, out_px, out_row;
	int32_t in[MAXT], w[MAXT], b[256], acc[MAXT], want[MAXT];
	uint32_t mult[256];
	int32_t shift[256];
};

static struct mac_case mc;

/* Accumulators the slow, obvious way. */
static void ref_mac_acc(struct mac_case *c)
{
	uint32_t dh = c->dh ? c->dh : 1, dw = c->dw ? c->dw : 1;

	for (uint32_t oy = 0; oy < c->oh; oy++) {
		for (uint32_t ox = 0; ox < c->ow; ox++) {
			for (uint32_t o = 0; o < c->oc; o++) {
				i128 s = c->bias ? c->b[o] : 0;

				if (c->op == ENPU1_OP_FULLY_CONNECTED) {
					for (uint32_t i = 0; i < c->ic; i++)
						s += (i128)((int64_t)c->in[oy * c->ic + i] - c->izp) *
						     ((int64_t)c->w[o * c->ic + i] - c->wzp);
					c->acc[oy * c->oc + o] = wrap32(s);
					continue;
				}
				for (uint32_t ky = 0; ky < c->kh; ky++) {
					for (uint32_t kx = 0; kx < c->kw; kx++) {
						int64_t iy = (int64_t)oy * c->sh - c->pt + (int64_t)ky * dh;
						int64_t ix = (int64_t)ox * c->sw - c->pl + (int64_t)kx * dw;

						if (iy < 0 || ix < 0 || iy >= c->ih || ix >= c->iw)
							continue;
						for (uint32_t i = 0; i < c->ic; i++) {
							int64_t wv;

							if (c->op == ENPU1_OP_CONV) {
								wv = c->w[((o * c->kh + ky) * c->kw + kx) * c->ic + i];
							} else {
								if (i != o / c->dm)
									continue;
								wv = c->w[(ky * c->kw + kx) * c->oc + o];
							}
							int64_t iv = c->in[(iy * c->iw + ix) * c->ic + i];

							s += (i128)(iv - c->izp) * (wv - c->wzp);
						}
					}
				}
				c->acc[(oy * c->ow + ox) * c->oc + o] = wrap32(s);
			}
		}
	}
}

/* Multipliers that map the accumulators actually produced onto roughly
 * the output range, so outputs spread instead of all saturating. */
static void pick_scales(struct mac_case *c)
{
	uint32_t npix = c->oh * c->ow;

	for (uint32_t o = 0; o < c->oc; o++) {
		double mx = 1;

		for (uint32_t i = 0; i < npix; i++) {
			double a = fabs((double)c->acc[i * c->oc + o]);

			mx = a > mx ? a : mx;
		}
		if (!c->perch && o)
			break;
		double scale = (double)rr(40, 300) / mx;

		if (c->fp32) {
			c->mult[o] = f2u((float)scale);
			c->shift[o] = rr(-40, 40);	/* ignored */
		} else {
			int sh = 0;

			while (scale < 0.5) {
				scale *= 2;
				sh--;
			}
			while (scale >= 1) {
				scale /= 2;
				sh++;
			}
			int64_t m = llround(scale * 2147483648.0);

			c->mult[o] = (uint32_t)(m > INT32_MAX ? INT32_MAX : m);
			c->shift[o] = sh;
		}
	}
	if (!c->perch) {
		for (uint32_t o = 1; o < c->oc; o++) {
			c->mult[o] = c->mult[0];
			c->shift[o] = c->shift[0];
		}
	}
}

static void ref_mac(struct mac_case *c)
{
	struct rqp q = { .fp32 = c->fp32, .sgn = c->sgn, .zp = c->ozp,
			 .amin = c->amin, .amax = c->amax };
	uint32_t npix = c->op == ENPU1_OP_FULLY_CONNECTED ? c->ih : c->oh * c->ow;

	for (uint32_t i = 0; i < npix; i++)
		for (uint32_t o = 0; o < c->oc; o++)
			c->want[i * c->oc + o] = ref_requant(&q, c->acc[i * c->oc + o],
							     c->mult[o], c->shift[o]);
}

static void random_values(int32_t *v, size_t n, int sgn)
{
	for (size_t i = 0; i < n; i++)
		v[i] = sgn ? rr(-128, 127) : rr(0, 255);
}

static uint32_t le_put32(uint32_t at, uint32_t v)
{
	sram[at] = (uint8_t)v;
	sram[at + 1] = (uint8_t)(v >> 8);
	sram[at + 2] = (uint8_t)(v >> 16);
	sram[at + 3] = (uint8_t)(v >> 24);
	return at + 4;
}

/* Lays the case out in SRAM, runs it, compares. */
static int run_mac_case(struct mac_case *c, const char *what, int scales_given)
{
	uint32_t nw;
	struct tmap in, out;
	int fc = c->op == ENPU1_OP_FULLY_CONNECTED;

	begin_case();
	if (fc) {
		c->iw = c->ow = 1;
		c->oh = c->ih;
	}
	if (c->op == ENPU1_OP_CONV)
		nw = c->oc * c->kh * c->kw * c->ic;
	else if (c->op == ENPU1_OP_DEPTHWISE)
		nw = c->kh * c->kw * c->oc;
	else
		nw = c->oc * c->ic;
	random_values(c->in, (size_t)c->ih * c->iw * c->ic, c->sgn);
	random_values(c->w, nw, c->sgn);
	for (uint32_t o = 0; o < c->oc; o++)
		c->b[o] = rr(-40000, 40000);
	ref_mac_acc(c);
	if (!scales_given)
		pick_scales(c);
	ref_mac(c);

	in = new_map(c->ih, c->iw, c->ic, c->in_px, c->in_row);
	out = new_map(c->oh, c->ow, c->oc, c->out_px, c->out_row);
	tm_put(&in, c->in);
	set_map_params(&in, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
	set_map_params(&out, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
	if (fc) {
		/* FC ignores W: leave junk there to prove it. */
		P[ENPU1_P_IFM_W] = 77;
		P[ENPU1_P_OFM_W] = 0;
	}
	P[ENPU1_P_WEIGHT_SRAM] = take(nw);
	for (uint32_t i = 0; i < nw; i++)
		sram[P[ENPU1_P_WEIGHT_SRAM] + i] = (uint8_t)c->w[i];
	if (c->bias) {
		uint32_t at = P[ENPU1_P_BIAS_SRAM] = take(4 * c->oc);

		for (uint32_t o = 0; o < c->oc; o++)
			at = le_put32(at, (uint32_t)c->b[o]);
	}
	if (c->perch) {
		uint32_t at = P[ENPU1_P_QUANT_SRAM] = take(8 * c->oc);

		for (uint32_t o = 0; o < c->oc; o++) {
			at = le_put32(at, c->mult[o]);
			at = le_put32(at, (uint32_t)c->shift[o]);
		}
	} else {
		P[ENPU1_P_OUT_MULT] = c->mult[0];
		P[ENPU1_P_OUT_SHIFT] = (uint32_t)c->shift[0];
	}
	P[ENPU1_P_IFM_ZP] = (uint32_t)c->izp;
	P[ENPU1_P_WEIGHT_ZP] = (uint32_t)c->wzp;
	P[ENPU1_P_OFM_ZP] = (uint32_t)c->ozp;
	P[ENPU1_P_ACT_MIN] = (uint32_t)c->amin;
	P[ENPU1_P_ACT_MAX] = (uint32_t)c->amax;
	P[ENPU1_P_DTYPE] = c->sgn ? ENPU1_DTYPE_INT8 : ENPU1_DTYPE_UINT8;
	P[ENPU1_P_FLAGS] = (c->bias ? ENPU1_F_BIAS : 0) | (c->perch ? ENPU1_F_PER_CHANNEL : 0) |
			   (c->fp32 ? ENPU1_F_REQUANT_FP32 : 0);
	P[ENPU1_P_KERNEL_H] = c->kh;
	P[ENPU1_P_KERNEL_W] = c->kw;
	P[ENPU1_P_STRIDE_H] = c->sh;
	P[ENPU1_P_STRIDE_W] = c->sw;
	P[ENPU1_P_DILATION_H] = c->dh;
	P[ENPU1_P_DILATION_W] = c->dw;
	P[ENPU1_P_PAD_TOP] = c->pt;
	P[ENPU1_P_PAD_LEFT] = c->pl;
	P[ENPU1_P_DEPTH_MULT] = c->dm;

	int st = run_op(c->op);

	if (st != ENPU1_JOB_OK) {
		diag("%s: status %d", what, st);
		return 0;
	}
	return check_ofm(&out, c->sgn, c->want, what);
}

enum { Z_NORMAL, Z_EXTREME, Z_WIDE };

/* A random geometry; outputs cover the natural output size plus, at
 * times, rows and columns whose windows fall entirely in the padding. */
static void gen_mac(uint32_t op, int sgn, int zmode)
{
	struct mac_case *c = &mc;

	memset(c, 0, sizeof(*c));
	c->op = op;
	c->sgn = sgn;
	c->bias = rr(0, 3) != 0;
	c->ih = (uint32_t)rr(1, 9);
	c->iw = (uint32_t)rr(1, 9);
	c->ic = (uint32_t)rr(1, 12);
	c->kh = (uint32_t)rr(1, 4);
	c->kw = (uint32_t)rr(1, 4);
	c->sh = (uint32_t)rr(1, 3);
	c->sw = (uint32_t)rr(1, 3);
	c->dh = (uint32_t)rr(0, 2);
	c->dw = (uint32_t)rr(0, 2);
	c->pt = (uint32_t)rr(0, 2);
	c->pl = (uint32_t)rr(0, 2);
	c->dm = 1;
	if (op == ENPU1_OP_DEPTHWISE) {
		c->dm = (uint32_t)rr(1, 3);
		c->oc = c->ic * c->dm;
	} else {
		c->oc = (uint32_t)rr(1, 12);
	}
	if (op == ENPU1_OP_FULLY_CONNECTED) {
		c->ic = (uint32_t)rr(1, 64);
		c->ih = (uint32_t)rr(1, 6);
	}
	uint32_t eh = (c->dh ? c->dh : 1) * (c->kh - 1) + 1;
	uint32_t ew = (c->dw ? c->dw : 1) * (c->kw - 1) + 1;
	int64_t oh = ((int64_t)c->ih + 2 * c->pt - eh) / c->sh + 1;
	int64_t ow = ((int64_t)c->iw + 2 * c->pl - ew) / c->sw + 1;

	c->oh = (uint32_t)(oh < 1 ? 1 : oh) + (uint32_t)(rr(0, 4) == 0);
	c->ow = (uint32_t)(ow < 1 ? 1 : ow) + (uint32_t)(rr(0, 4) == 0);
	c->in_px = rr(0, 2) ? 0 : rr(1, 3);
	c->in_row = rr(0, 2) ? 0 : rr(1, 5);
	c->out_px = rr(0, 2) ? 0 : rr(1, 3);
	c->out_row = rr(0, 2) ? 0 : rr(1, 5);
	switch (zmode) {
	case Z_NORMAL:
		c->izp = sgn ? rr(-128, 127) : rr(0, 255);
		c->wzp = sgn ? rr(-10, 10) : rr(0, 255);
		break;
	case Z_WIDE:
		/* Outside int16 reach but far from wrapping. */
		c->izp = rr(0, 1) ? rr(33000, 90000) : rr(-90000, -33000);
		c->wzp = rr(-300, 300);
		break;
	default:
		c->izp = rr(0, 1) ? INT32_MAX - rr(0, 1000) : INT32_MIN + rr(0, 1000);
		c->wzp = rr(0, 1) ? INT32_MAX - rr(0, 1000) : INT32_MIN + rr(0, 1000);
		break;
	}
	c->ozp = sgn ? rr(-20, 20) : rr(100, 150);
	c->amin = INT32_MIN;
	c->amax = INT32_MAX;
	if (rr(0, 3) == 0) {
		c->amin = sgn ? rr(-128, -20) : rr(0, 60);
		c->amax = sgn ? rr(20, 127) : rr(180, 255);
	}
}

static void test_mac_random(uint32_t op, const char *name)
{
	static const struct {
		int sgn, perch, fp32, zmode;
		const char *what;
	} kinds[] = {
		{ 0, 0, 0, Z_NORMAL, "uint8 per-tensor" },
		{ 1, 0, 0, Z_NORMAL, "int8 per-tensor" },
		{ 1, 1, 0, Z_NORMAL, "int8 per-channel" },
		{ 0, 1, 0, Z_NORMAL, "uint8 per-channel" },
		{ 0, 0, 1, Z_NORMAL, "uint8 fp32 per-tensor" },
		{ 1, 1, 1, Z_NORMAL, "int8 fp32 per-channel" },
		{ 0, 0, 0, Z_WIDE, "uint8 zero points beyond int16" },
		{ 1, 1, 0, Z_EXTREME, "int8 extreme zero points (accumulator wraps)" },
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		int good = 1, n = 40;
		char what[64];

		for (int i = 0; i < n && good; i++) {
			gen_mac(op, kinds[k].sgn, kinds[k].zmode);
			mc.perch = kinds[k].perch;
			mc.fp32 = kinds[k].fp32;
			snprintf(what, sizeof(what), "%s case %d", name, i);
			good = run_mac_case(&mc, what, 0);
			if (!good)
				diag("%ux%ux%u k%ux%u s%u,%u d%u,%u p%u,%u -> %ux%ux%u dm %u zp %d/%d",
				     mc.ih, mc.iw, mc.ic, mc.kh, mc.kw, mc.sh, mc.sw, mc.dh, mc.dw,
				     mc.pt, mc.pl, mc.oh, mc.ow, mc.oc, mc.dm, mc.izp, mc.wzp);
		}
		ok(good, "%s: %d random %s cases match the reference", name, n, kinds[k].what);
	}
}

/* A hand-computed CONV, so the reference itself is anchored. */
static void test_conv_known(void)
{
	struct mac_case *c = &mc;

	memset(c, 0, sizeof(*c));
	c->op = ENPU1_OP_CONV;
	c->ih = 2; c->iw = 2; c->ic = 1; c->oh = 1; c->ow = 1; c->oc = 1;
	c->kh = 2; c->kw = 2; c->sh = 1; c->sw = 1; c->dm = 1;
	c->amin = INT32_MIN; c->amax = INT32_MAX;
	/* in = {1,2,3,4}, izp 1 -> {0,1,2,3}; w = {1,1,1,1}, wzp 0: acc 6 + bias 4 = 10.
	 * mult 2^30 (0.5), shift 0: 5; ozp 3 -> 8. */
	begin_case();
	struct tmap in = new_map(2, 2, 1, 0, 0), out = new_map(1, 1, 1, 0, 0);
	int32_t iv[4] = { 1, 2, 3, 4 };

	tm_put(&in, iv);
	set_map_params(&in, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
	set_map_params(&out, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
	P[ENPU1_P_WEIGHT_SRAM] = take(4);
	memset(sram + P[ENPU1_P_WEIGHT_SRAM], 1, 4);
	P[ENPU1_P_BIAS_SRAM] = take(4);
	le_put32(P[ENPU1_P_BIAS_SRAM], 4);
	P[ENPU1_P_IFM_ZP] = 1;
	P[ENPU1_P_OFM_ZP] = 3;
	P[ENPU1_P_FLAGS] = ENPU1_F_BIAS;
	P[ENPU1_P_OUT_MULT] = 1u << 30;
	P[ENPU1_P_KERNEL_H] = P[ENPU1_P_KERNEL_W] = 2;
	P[ENPU1_P_STRIDE_H] = P[ENPU1_P_STRIDE_W] = 1;
	P[ENPU1_P_ACT_MAX] = 255;
	is_int(run_op(ENPU1_OP_CONV), ENPU1_JOB_OK, "hand-computed conv runs");
	is_int(sram[out.base], 8, "hand-computed conv: (0+1+2+3+4)*0.5+3 = 8");
	/* ACT registers start at zero: a stream that forgets them gets 0s. */
	P[ENPU1_P_ACT_MAX] = 0;
	run_op(ENPU1_OP_CONV);
	is_int(sram[out.base], 0, "ACT_MIN = ACT_MAX = 0 clamps everything to 0");
}

/* ------------------------------------------------------------------------ */
/* Requantization sweeps through a 1x1 FC: acc = bias, one output */

static int requant_one(int fp32, int sgn, int32_t acc, uint32_t mult, int32_t shift,
		       int32_t ozp, int32_t *got, int32_t *want)
{
	struct rqp q = { .fp32 = fp32, .sgn = sgn, .zp = ozp, .amin = INT32_MIN, .amax = INT32_MAX };

	memset(P, 0, sizeof(P));
	P[ENPU1_P_IFM_SRAM] = 0;
	P[ENPU1_P_IFM_H] = 1;
	P[ENPU1_P_IFM_C] = 1;
	sram[0] = 7;
	P[ENPU1_P_IFM_ZP] = 7;		/* (in - zp) = 0: acc is the bias */
	P[ENPU1_P_WEIGHT_SRAM] = 1;
	sram[1] = 99;
	P[ENPU1_P_BIAS_SRAM] = 2;
	le_put32(2, (uint32_t)acc);
	P[ENPU1_P_OFM_SRAM] = 6;
	P[ENPU1_P_OFM_H] = 1;
	P[ENPU1_P_OFM_C] = 1;
	P[ENPU1_P_OFM_ZP] = (uint32_t)ozp;
	P[ENPU1_P_ACT_MIN] = (uint32_t)INT32_MIN;
	P[ENPU1_P_ACT_MAX] = INT32_MAX;
	P[ENPU1_P_DTYPE] = sgn;
	P[ENPU1_P_FLAGS] = ENPU1_F_BIAS | (fp32 ? ENPU1_F_REQUANT_FP32 : 0);
	P[ENPU1_P_OUT_MULT] = mult;
	P[ENPU1_P_OUT_SHIFT] = (uint32_t)shift;
	if (enpu_engine_run(&core, NULL, ENPU1_OP_FULLY_CONNECTED, P, NULL) != ENPU1_JOB_OK)
		return 0;
	*got = byte_val(sram[6], sgn);
	*want = ref_requant(&q, acc, mult, shift);
	return *got == *want;
}

/* Picks the zero point that brings the interesting value to mid-range. */
static int32_t centering_zp(int fp32, int32_t acc, uint32_t mult, int32_t shift)
{
	int64_t r;

	if (fp32)
		r = llround(fmax(fmin((double)acc * u2f(mult), 4e9), -4e9));
	else
		r = ref_mbqm(acc, (int32_t)mult, shift);
	return (int32_t)clamp_i32(100 - r + rr(-2, 2));
}

static void test_requant(void)
{
	static const struct {
		int32_t acc, mult, shift, want;
		const char *what;
	} known[] = {
		{ 3, 1 << 30, 0, 2, "1.5 rounds up in the doubling high multiply" },
		{ -3, 1 << 30, 0, -1, "-1.5 rounds up (towards +inf) in the doubling high multiply" },
		{ -1, 1 << 30, 0, 0, "-0.5 rounds to 0 in the doubling high multiply" },
		{ 5, 1 << 30, -1, 2, "5*0.5=3 (rounded), then 3/2 rounds away from zero to 2" },
		{ -6, 1 << 30, -1, -2, "-6*0.5=-3, then -3/2 rounds away from zero to -2" },
		{ -5, INT32_MAX, -1, -3, "-5*(1-2^-31)=-5 (rounded), /2 -> -2.5 -> -3" },
		{ 100, 1 << 30, 2, 200, "left shift 2 then 0.5: 200" },
		{ 1 << 29, 1 << 30, 3, INT32_MAX / 2 + 1, "left shift saturates before the multiply" },
		{ INT32_MIN, INT32_MIN, 0, INT32_MAX, "INT32_MIN * INT32_MIN saturates to INT32_MAX" },
		{ INT32_MIN, INT32_MIN, -31, 1, "saturated product shifted right by 31 -> 1" },
		{ INT32_MIN, 1 << 30, -32, 0, "-2^30 / 2^32 = -0.25 -> 0" },
		{ 7, 1 << 30, 40, INT32_MAX / 2 + 1, "shift 40: saturates, then halves" },
		{ -7, 1 << 30, 40, INT32_MIN / 2, "shift 40 on a negative accumulator" },
		{ INT32_MAX, INT32_MAX, -200, 0, "huge right shift gives 0" },
		{ 1000, -(1 << 30), 0, -500, "negative multiplier" },
	};
	int good = 1;

	begin_case();
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		int32_t r = ref_mbqm(known[i].acc, known[i].mult, known[i].shift);

		/* The reference must agree with hand arithmetic before it
		 * judges the engine. */
		if (!is_int(r, known[i].want, "reference: %s", known[i].what))
			good = 0;
		int32_t ozp = (int32_t)clamp_i32(100 - (int64_t)r), got, want;

		if (!requant_one(0, 0, known[i].acc, (uint32_t)known[i].mult, known[i].shift, ozp,
				 &got, &want) ||
		    got != want) {
			diag("engine: %s: got %d want %d", known[i].what, got, want);
			good = 0;
		}
	}
	ok(good, "engine matches every hand-computed requantization");

	int bad = 0, n = 4000;

	for (int i = 0; i < n; i++) {
		int32_t acc, mult, shift, got = 0, want = 0;

		switch (i % 4) {
		case 0:		/* typical */
			acc = rr(-(1 << 20), 1 << 20);
			mult = rr(1 << 30, INT32_MAX);
			shift = rr(-20, 0);
			break;
		case 1:		/* ties: x*m an odd multiple of 2^30 */
			acc = rr(-1000, 1000) * 2 + 1;
			mult = 1 << 30;
			shift = rr(-3, 0);
			break;
		case 2:		/* anything at all */
			acc = (int32_t)rnd();
			mult = (int32_t)rnd();
			shift = rr(-45, 45);
			break;
		default:	/* extremes */
			acc = rr(0, 1) ? INT32_MIN + rr(0, 3) : INT32_MAX - rr(0, 3);
			mult = rr(0, 1) ? INT32_MIN + rr(0, 3) : INT32_MAX - rr(0, 3);
			shift = rr(-33, 33);
			break;
		}
		if (!requant_one(0, i & 1, acc, (uint32_t)mult, shift,
				 centering_zp(0, acc, (uint32_t)mult, shift), &got, &want) &&
		    bad++ < 3)
			diag("acc %d mult %d shift %d: got %d want %d", acc, mult, shift, got, want);
	}
	ok(!bad, "gemmlowp requantization: %d random accumulator/multiplier/shift triples", n);

	bad = 0;
	for (int i = 0; i < n; i++) {
		int32_t acc, got = 0, want = 0;
		float scale;

		switch (i % 4) {
		case 0:
			acc = rr(-(1 << 20), 1 << 20);
			scale = (float)ldexp((double)rr(1, 1 << 24), -rr(24, 40));
			break;
		case 1:		/* exact halves: round to even */
			acc = rr(-1000, 1000) * 2 + 1;
			scale = 0.5f;
			break;
		case 2:
			acc = (int32_t)rnd();
			scale = (float)ldexp((double)rr(-(1 << 24), 1 << 24), -rr(0, 60));
			break;
		default:	/* saturating scales, infinities */
			acc = (int32_t)rnd();
			scale = rr(0, 3) ? (float)ldexp(1.0, rr(0, 100)) : INFINITY;
			break;
		}
		uint32_t bits = f2u(scale);

		if (!requant_one(1, i & 1, acc, bits, rr(-40, 40), centering_zp(1, acc, bits, 0),
				 &got, &want) &&
		    bad++ < 3)
			diag("acc %d scale %g: got %d want %d", acc, (double)scale, got, want);
	}
	ok(!bad, "fp32 requantization: %d random accumulator/scale pairs", n);

	int32_t got, want;

	requant_one(1, 0, 5, f2u(0.5f), 0, 100, &got, &want);
	is_int(got, 102, "fp32: 5 * 0.5 = 2.5 rounds to even 2");
	requant_one(1, 0, 7, f2u(0.5f), 0, 100, &got, &want);
	is_int(got, 104, "fp32: 7 * 0.5 = 3.5 rounds to even 4");
	requant_one(1, 1, -3, f2u(0.5f), 0, 0, &got, &want);
	is_int(got, -2, "fp32: -1.5 rounds to even -2");
	requant_one(1, 1, 1000, f2u(NAN), 0, 0, &got, &want);
	is_int(got, -128, "fp32: a NaN scale clamps to the low bound");
	requant_one(0, 0, 1000, 1u << 30, 0, INT32_MAX, &got, &want);
	is_int(got, 255, "an extreme OFM_ZP saturates to the dtype range");
	requant_one(0, 1, -1000, 1u << 30, 0, INT32_MIN, &got, &want);
	is_int(got, -128, "an extreme negative OFM_ZP saturates to the dtype range");

	/* The ISA clamps to the dtype first and to ACT last, so an ACT range
	 * beyond the dtype wins and the byte keeps its low 8 bits. */
	begin_case();
	requant_one(0, 0, 1000, 1u << 30, 0, 0, &got, &want);
	P[ENPU1_P_ACT_MIN] = 300;
	P[ENPU1_P_ACT_MAX] = 400;
	enpu_engine_run(&core, NULL, ENPU1_OP_FULLY_CONNECTED, P, NULL);
	is_int(sram[6], 300 & 0xff, "ACT clamp applies after the dtype clamp");
}

/* ADD's intermediate sums saturate instead of wrapping. */
static void test_add_saturation(void)
{
	begin_case();
	memset(P, 0, sizeof(P));
	P[ENPU1_P_IFM_H] = P[ENPU1_P_IFM_W] = P[ENPU1_P_IFM_C] = 1;
	P[ENPU1_P_OFM_H] = P[ENPU1_P_OFM_W] = P[ENPU1_P_OFM_C] = 1;
	P[ENPU1_P_OFM_SRAM] = 2;
	P[ENPU1_P_IFM2_SRAM] = 1;
	sram[0] = 200;
	sram[1] = 250;
	P[ENPU1_P_EW_LEFT_SHIFT] = 20;
	/* Both scaled inputs saturate to INT32_MAX; their sum must stay
	 * INT32_MAX, which 2^-24 maps to 128 (a wrapped sum would give 0). */
	P[ENPU1_P_IN1_MULT] = P[ENPU1_P_IN2_MULT] = INT32_MAX;
	P[ENPU1_P_IN1_SHIFT] = P[ENPU1_P_IN2_SHIFT] = 20;
	P[ENPU1_P_OUT_MULT] = 1u << 30;
	P[ENPU1_P_OUT_SHIFT] = (uint32_t)-23;
	P[ENPU1_P_ACT_MAX] = 255;
	run_op(ENPU1_OP_ADD);
	is_int(sram[2], 128, "ADD: saturated scaled inputs add with saturation");
	/* EW_LEFT_SHIFT beyond 31 saturates too. */
	P[ENPU1_P_EW_LEFT_SHIFT] = 40;
	P[ENPU1_P_IN1_SHIFT] = P[ENPU1_P_IN2_SHIFT] = 0;
	run_op(ENPU1_OP_ADD);
	is_int(sram[2], 128, "ADD: an input left shift of 40 saturates");
}

/* ------------------------------------------------------------------------ */
/* Pooling */

static void test_pool(uint32_t op, const char *name)
{
	int bad = 0, n = 120;

	for (int i = 0; i < n; i++) {
		int sgn = i & 1;
		uint32_t ih = (uint32_t)rr(1, 9), iw = (uint32_t)rr(1, 9), c = (uint32_t)rr(1, 10);
		uint32_t kh = (uint32_t)rr(1, 4), kw = (uint32_t)rr(1, 4), sh = (uint32_t)rr(1, 3);
		uint32_t sw = (uint32_t)rr(1, 3);
		uint32_t pt = (uint32_t)rr(0, (int32_t)kh - 1), pl = (uint32_t)rr(0, (int32_t)kw - 1);
		uint32_t oh = (ih + 2 * pt - kh) / sh + 1, ow = (iw + 2 * pl - kw) / sw + 1;
		int32_t amin = INT32_MIN, amax = INT32_MAX;
		static int32_t in[4096], want[4096];

		if (ih + 2 * pt < kh || iw + 2 * pl < kw)
			continue;
		/* The last window must still reach the map. */
		while (oh > 1 && (int64_t)(oh - 1) * sh - pt >= ih)
			oh--;
		while (ow > 1 && (int64_t)(ow - 1) * sw - pl >= iw)
			ow--;
		if (rr(0, 2) == 0) {
			amin = sgn ? rr(-100, 0) : rr(0, 100);
			amax = sgn ? rr(0, 100) : rr(150, 255);
		}
		begin_case();
		random_values(in, (size_t)ih * iw * c, sgn);
		struct tmap im = new_map(ih, iw, c, rr(0, 1) ? rr(1, 3) : 0, rr(0, 1) ? rr(1, 4) : 0);
		struct tmap om = new_map(oh, ow, c, rr(0, 1) ? rr(1, 3) : 0, rr(0, 1) ? rr(1, 4) : 0);

		tm_put(&im, in);
		for (uint32_t oy = 0; oy < oh; oy++) {
			for (uint32_t ox = 0; ox < ow; ox++) {
				for (uint32_t ch = 0; ch < c; ch++) {
					int64_t best = INT64_MIN, sum = 0, cnt = 0;

					for (uint32_t ky = 0; ky < kh; ky++) {
						for (uint32_t kx = 0; kx < kw; kx++) {
							int64_t y = (int64_t)(oy * sh + ky) - pt;
							int64_t x = (int64_t)(ox * sw + kx) - pl;

							if (y < 0 || x < 0 || y >= ih || x >= iw)
								continue;
							int32_t v = in[(y * iw + x) * c + ch];

							best = v > best ? v : best;
							sum += v;
							cnt++;
						}
					}
					int64_t r = op == ENPU1_OP_MAX_POOL
							    ? best
							    : (int64_t)lround((double)sum / (double)cnt);

					r = r < amin ? amin : r > amax ? amax : r;
					want[(oy * ow + ox) * c + ch] = (int32_t)r;
				}
			}
		}
		set_map_params(&im, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
		set_map_params(&om, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
		P[ENPU1_P_KERNEL_H] = kh;
		P[ENPU1_P_KERNEL_W] = kw;
		P[ENPU1_P_STRIDE_H] = sh;
		P[ENPU1_P_STRIDE_W] = sw;
		P[ENPU1_P_PAD_TOP] = pt;
		P[ENPU1_P_PAD_LEFT] = pl;
		P[ENPU1_P_DTYPE] = (uint32_t)sgn;
		P[ENPU1_P_ACT_MIN] = (uint32_t)amin;
		P[ENPU1_P_ACT_MAX] = (uint32_t)amax;
		/* Zero points and requantization do not apply to pooling. */
		P[ENPU1_P_IFM_ZP] = 77;
		P[ENPU1_P_OFM_ZP] = 55;
		P[ENPU1_P_OUT_MULT] = 12345;
		int st = run_op(op);

		if (st != ENPU1_JOB_OK) {
			if (bad++ < 3)
				diag("%s case %d: status %d", name, i, st);
			continue;
		}
		if (!check_ofm(&om, sgn, want, name))
			bad++;
	}
	ok(!bad, "%s: random cases (both dtypes, padding, strides, ACT clamps) match", name);
}

static void test_avg_rounding(void)
{
	/* 1x2 windows over {-3, -2} -> -2.5 -> -3 and {2, 3} -> 2.5 -> 3. */
	begin_case();
	struct tmap im = new_map(1, 4, 1, 0, 0), om = new_map(1, 2, 1, 0, 0);
	int32_t in[4] = { -3, -2, 2, 3 };

	tm_put(&im, in);
	set_map_params(&im, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
	set_map_params(&om, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
	P[ENPU1_P_KERNEL_H] = 1;
	P[ENPU1_P_KERNEL_W] = 2;
	P[ENPU1_P_STRIDE_H] = 1;
	P[ENPU1_P_STRIDE_W] = 2;
	P[ENPU1_P_DTYPE] = ENPU1_DTYPE_INT8;
	P[ENPU1_P_ACT_MIN] = (uint32_t)-128;
	P[ENPU1_P_ACT_MAX] = 127;
	run_op(ENPU1_OP_AVG_POOL);
	ok((int8_t)sram[om.base] == -3 && (int8_t)sram[om.base + 1] == 3,
	   "avg pool rounds halves away from zero (-2.5 -> -3, 2.5 -> 3)");
}

/* ------------------------------------------------------------------------ */
/* ADD, MUL, LUT */

static void test_eltwise(uint32_t op, int bcast, const char *what)
{
	int bad = 0, n = 60;

	for (int i = 0; i < n; i++) {
		int sgn = i & 1;
		uint32_t h = (uint32_t)rr(1, 6), w = (uint32_t)rr(1, 6), c = (uint32_t)rr(1, 9);
		static int32_t x1[2048], x2[2048], want[2048];
		int32_t z1 = sgn ? rr(-128, 127) : rr(0, 255), z2 = sgn ? rr(-128, 127) : rr(0, 255);
		int32_t oz = sgn ? rr(-10, 10) : rr(118, 138);
		int32_t amin = INT32_MIN, amax = INT32_MAX;
		/* IFM2 strides by broadcast kind: 0 full, 1 per-channel vector,
		 * 2 per-pixel scalar, 3 scalar, 4 row only. */
		uint32_t h2 = h, w2 = w, c2 = c;

		if (bcast == 1)
			h2 = w2 = 1;
		else if (bcast == 2)
			c2 = 1;
		else if (bcast == 3)
			h2 = w2 = c2 = 1;
		else if (bcast == 4)
			h2 = 1;
		if (i % 5 == 4) {
			amin = sgn ? rr(-100, -10) : rr(10, 60);
			amax = sgn ? rr(10, 100) : rr(160, 240);
		}
		if (i % 7 == 6)
			oz = sgn ? INT32_MAX : INT32_MIN;	/* everything saturates */
		begin_case();
		random_values(x1, (size_t)h * w * c, sgn);
		random_values(x2, (size_t)h2 * w2 * c2, sgn);
		struct tmap a = new_map(h, w, c, rr(0, 1) ? rr(1, 3) : 0, 0);
		struct tmap o = new_map(h, w, c, 0, rr(0, 1) ? rr(1, 4) : 0);
		/* IFM2 with an explicit, padded layout of its own. */
		uint32_t cs2 = c2 > 1 ? (uint32_t)rr(1, 2) : 0;
		uint32_t ps2 = w2 > 1 ? (c2 > 1 ? c2 * cs2 : 1) + (uint32_t)rr(0, 2) : 0;
		uint32_t rs2 = h2 > 1 ? (w2 > 1 ? w2 * ps2 : (c2 > 1 ? c2 * cs2 : 1)) + (uint32_t)rr(0, 3) : 0;
		uint32_t span2 = (h2 - 1) * rs2 + (w2 - 1) * ps2 + (c2 - 1) * cs2 + 1;
		uint32_t b2 = take(span2);

		for (uint32_t y = 0; y < h2; y++)
			for (uint32_t x = 0; x < w2; x++)
				for (uint32_t ch = 0; ch < c2; ch++)
					sram[b2 + y * rs2 + x * ps2 + ch * cs2] =
						(uint8_t)x2[(y * w2 + x) * c2 + ch];
		tm_put(&a, x1);

		int32_t ls = rr(0, 3) ? 20 : rr(0, 24);
		int32_t m1 = rr(1 << 30, INT32_MAX), s1 = rr(-3, 0);
		int32_t m2 = rr(1 << 30, INT32_MAX), s2 = rr(-3, 0);
		int32_t om = rr(1 << 30, INT32_MAX), os;
		int fp32 = op == ENPU1_OP_MUL && (i % 3 == 2);
		uint32_t omu;

		if (op == ENPU1_OP_ADD)
			os = -ls + rr(-2, 1);
		else
			os = rr(-9, -6);
		omu = fp32 ? f2u((float)ldexp((double)om, os - 31)) : (uint32_t)om;

		struct rqp q = { .fp32 = fp32, .sgn = sgn, .zp = oz, .amin = amin, .amax = amax };

		for (uint32_t y = 0; y < h; y++) {
			for (uint32_t x = 0; x < w; x++) {
				for (uint32_t ch = 0; ch < c; ch++) {
					int64_t v1 = x1[(y * w + x) * c + ch] - (int64_t)z1;
					int64_t v2 = x2[((y % h2) * w2 + x % w2) * c2 + ch % c2] - (int64_t)z2;
					int32_t r;

					if (op == ENPU1_OP_ADD) {
						i128 p2 = (i128)1 << ls;
						int32_t a1 = ref_mbqm((int32_t)clamp_i32(v1 * p2), m1, s1);
						int32_t a2 = ref_mbqm((int32_t)clamp_i32(v2 * p2), m2, s2);

						r = ref_clamp(&q, (int64_t)ref_mbqm((int32_t)clamp_i32((i128)a1 + a2),
										  om, os) + oz);
					} else {
						r = ref_requant(&q, wrap32((i128)v1 * v2), omu, os);
					}
					want[(y * w + x) * c + ch] = r;
				}
			}
		}
		set_map_params(&a, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
		set_map_params(&o, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
		P[ENPU1_P_IFM2_SRAM] = b2;
		P[ENPU1_P_IFM2_ROW_STRIDE] = rs2;
		P[ENPU1_P_IFM2_PIXEL_STRIDE] = ps2;
		P[ENPU1_P_IFM2_CHAN_STRIDE] = cs2;
		P[ENPU1_P_IFM_ZP] = (uint32_t)z1;
		P[ENPU1_P_IFM2_ZP] = (uint32_t)z2;
		P[ENPU1_P_OFM_ZP] = (uint32_t)oz;
		P[ENPU1_P_ACT_MIN] = (uint32_t)amin;
		P[ENPU1_P_ACT_MAX] = (uint32_t)amax;
		P[ENPU1_P_DTYPE] = (uint32_t)sgn;
		P[ENPU1_P_FLAGS] = fp32 ? ENPU1_F_REQUANT_FP32 : 0;
		P[ENPU1_P_EW_LEFT_SHIFT] = (uint32_t)ls;
		P[ENPU1_P_IN1_MULT] = (uint32_t)m1;
		P[ENPU1_P_IN1_SHIFT] = (uint32_t)s1;
		P[ENPU1_P_IN2_MULT] = (uint32_t)m2;
		P[ENPU1_P_IN2_SHIFT] = (uint32_t)s2;
		P[ENPU1_P_OUT_MULT] = omu;
		P[ENPU1_P_OUT_SHIFT] = (uint32_t)os;
		int st = run_op(op);

		if (st != ENPU1_JOB_OK) {
			if (bad++ < 3)
				diag("%s case %d: status %d", what, i, st);
			continue;
		}
		if (!check_ofm(&o, sgn, want, what))
			bad++;
	}
	ok(!bad, "%s: %d random cases match the reference", what, n);
}

static void test_lut(void)
{
	for (int sgn = 0; sgn < 2; sgn++) {
		int bad = 0;

		for (int i = 0; i < 20; i++) {
			uint32_t h = (uint32_t)rr(1, 7), w = (uint32_t)rr(1, 7), c = (uint32_t)rr(1, 9);
			static int32_t in[4096], want[4096];
			uint8_t lut[256];

			begin_case();
			random_values(in, (size_t)h * w * c, sgn);
			fill_random(lut, sizeof(lut));
			struct tmap a = new_map(h, w, c, rr(0, 1) ? rr(1, 2) : 0, rr(0, 1) ? rr(1, 3) : 0);
			struct tmap o = new_map(h, w, c, rr(0, 1) ? rr(1, 2) : 0, 0);
			uint32_t lb = take(256);

			memcpy(sram + lb, lut, 256);
			tm_put(&a, in);
			for (size_t k = 0; k < (size_t)h * w * c; k++)
				want[k] = byte_val(lut[(uint8_t)in[k]], sgn);
			set_map_params(&a, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
			set_map_params(&o, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
			P[ENPU1_P_LUT_SRAM] = lb;
			P[ENPU1_P_DTYPE] = (uint32_t)sgn;
			/* No clamp for LUT: ACT at zero must not matter. */
			if (run_op(ENPU1_OP_LUT) != ENPU1_JOB_OK || !check_ofm(&o, sgn, want, "lut"))
				bad++;
		}
		ok(!bad, "LUT %s: table lookup by input byte, no clamp", sgn ? "int8" : "uint8");
	}
}

/* Outputs over inputs: every input is read before the OFM is written. */
static void test_in_place(void)
{
	static int32_t x[512], want[512];
	uint8_t lut[256];

	begin_case();
	struct tmap m = new_map(4, 5, 6, 0, 0);

	random_values(x, 120, 0);
	tm_put(&m, x);
	fill_random(lut, sizeof(lut));
	P[ENPU1_P_LUT_SRAM] = take(256);
	memcpy(sram + P[ENPU1_P_LUT_SRAM], lut, 256);
	for (int i = 0; i < 120; i++)
		want[i] = lut[x[i]];
	set_map_params(&m, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
	set_map_params(&m, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
	ok(run_op(ENPU1_OP_LUT) == ENPU1_JOB_OK && check_ofm(&m, 0, want, "in-place lut"),
	   "LUT in place (OFM = IFM)");

	/* ADD of pixel x+1 and pixel x, written over pixel x+1: IFM2 reads
	 * bytes the operation has already overwritten when it gets there,
	 * and must still see the old values. */
	begin_case();
	m = new_map(1, 8, 2, 0, 0);
	random_values(x, 16, 0);
	tm_put(&m, x);
	P[ENPU1_P_IFM_SRAM] = P[ENPU1_P_OFM_SRAM] = m.base + 2;
	P[ENPU1_P_IFM_H] = P[ENPU1_P_OFM_H] = 1;
	P[ENPU1_P_IFM_W] = P[ENPU1_P_OFM_W] = 7;
	P[ENPU1_P_IFM_C] = P[ENPU1_P_OFM_C] = 2;
	P[ENPU1_P_IFM2_SRAM] = m.base;
	P[ENPU1_P_IFM2_PIXEL_STRIDE] = 2;
	P[ENPU1_P_IFM2_CHAN_STRIDE] = 1;
	P[ENPU1_P_IN1_MULT] = P[ENPU1_P_IN2_MULT] = 1u << 30;	/* 0.5 each */
	P[ENPU1_P_OUT_MULT] = INT32_MAX;
	P[ENPU1_P_ACT_MAX] = 255;
	struct rqp q = { .sgn = 0, .amin = 0, .amax = 255 };

	for (int i = 0; i < 14; i++) {
		int32_t a = ref_mbqm(x[i + 2], 1 << 30, 0), b = ref_mbqm(x[i], 1 << 30, 0);

		want[i] = ref_clamp(&q, ref_mbqm(a + b, INT32_MAX, 0));
	}
	struct tmap o = { .base = m.base + 2, .h = 1, .w = 7, .c = 2 };

	ok(run_op(ENPU1_OP_ADD) == ENPU1_JOB_OK && check_ofm(&o, 0, want, "in-place add"),
	   "ADD over its own inputs sees the inputs' old values");
}

/* ------------------------------------------------------------------------ */
/* SOFTMAX */

/*
 * The spec's binary32 operations, each computed in double and rounded once
 * to float.  Double carries more than 2 * 24 + 2 bits, so this is the
 * correctly rounded binary32 result of +, * and / (double rounding cannot
 * err), obtained without the host's float arithmetic that the engine uses.
 */
static float ref_fadd(float a, float b)
{
	return (float)((double)a + (double)b);
}

static float ref_fmul(float a, float b)
{
	return (float)((double)a * (double)b);
}

static float ref_fdiv(float a, float b)
{
	return (float)((double)a / (double)b);
}

/* Truncation toward zero, saturated to int32, NaN 0, in exact doubles. */
static int64_t ref_trunc_sat(double d)
{
	if (isnan(d))
		return 0;
	d = d < 0 ? ceil(d) : floor(d);
	return d > INT32_MAX ? INT32_MAX : d < INT32_MIN ? INT32_MIN : (int64_t)d;
}

/* Nearest integer, halves away from zero, without roundf. */
static double ref_round_away(float f)
{
	double a = fabs((double)f), r = floor(a);

	if (a - r >= 0.5)
		r += 1;
	return f < 0 ? -r : r;
}

struct sm_case {
	int sgn;
	uint32_t h, w, c;
	float tab[256];
	uint32_t scale_bits;
	int32_t zp, amin, amax;
	int32_t in[4096], want[4096];
};

static struct sm_case smc;

/* Row by row, the operations of isa.rst SOFTMAX in its order. */
static void ref_softmax(struct sm_case *k)
{
	struct rqp q = { .sgn = k->sgn, .amin = k->amin, .amax = k->amax };
	float scale = u2f(k->scale_bits);

	for (uint32_t p = 0; p < k->h * k->w; p++) {
		const int32_t *x = k->in + (size_t)p * k->c;
		int32_t m = x[0];
		float sum = 0.0f;

		for (uint32_t j = 1; j < k->c; j++)
			m = x[j] > m ? x[j] : m;
		for (uint32_t j = 0; j < k->c; j++)
			sum = ref_fadd(sum, k->tab[255 - (m - x[j])]);
		float inv = ref_fdiv(1.0f, ref_fmul(sum, scale));

		for (uint32_t j = 0; j < k->c; j++) {
			float pr = ref_fmul(k->tab[255 - (m - x[j])], inv);
			int64_t v = k->sgn ? ref_trunc_sat(ref_round_away(pr))
					   : ref_trunc_sat(ref_fadd(pr, 0.5f));

			k->want[(size_t)p * k->c + j] = ref_clamp(&q, v + k->zp);
		}
	}
}

/* Places table, IFM and OFM (odd strides, unaligned maps), runs, compares. */
static int run_softmax_case(struct sm_case *k, const char *what)
{
	begin_case();
	struct tmap a = new_map(k->h, k->w, k->c, rr(0, 2) ? 0 : rr(1, 3), rr(0, 2) ? 0 : rr(1, 5));
	struct tmap o = new_map(k->h, k->w, k->c, rr(0, 2) ? 0 : rr(1, 3), rr(0, 2) ? 0 : rr(1, 5));
	uint32_t tb = (take(1024 + 3) + 3) & ~3u;

	for (int i = 0; i < 256; i++)
		le_put32(tb + 4 * (uint32_t)i, f2u(k->tab[i]));
	tm_put(&a, k->in);
	set_map_params(&a, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
	set_map_params(&o, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
	P[ENPU1_P_DTYPE] = (uint32_t)k->sgn;
	P[ENPU1_P_IFM_ZP] = (uint32_t)rr(-300, 300);	/* not used: must not matter */
	P[ENPU1_P_OFM_ZP] = (uint32_t)k->zp;
	P[ENPU1_P_ACT_MIN] = (uint32_t)k->amin;
	P[ENPU1_P_ACT_MAX] = (uint32_t)k->amax;
	P[ENPU1_P_SOFTMAX_TABLE_SRAM] = tb;
	P[ENPU1_P_SOFTMAX_OUT_SCALE] = k->scale_bits;
	ref_softmax(k);
	int st = run_op(ENPU1_OP_SOFTMAX);

	if (st != ENPU1_JOB_OK) {
		diag("%s: status %d", what, st);
		return 0;
	}
	return check_ofm(&o, k->sgn, k->want, what);
}

static uint32_t pick_cols(void)
{
	static const uint32_t cols[] = { 1, 2, 3, 5, 7, 10, 16, 17, 31, 33, 64, 100, 255, 257, 1001 };

	return cols[rnd() % (sizeof(cols) / sizeof(cols[0]))];
}

static void shape_for(struct sm_case *k, uint32_t c)
{
	uint32_t maxpix = 4096 / c;

	k->c = c;
	k->h = (uint32_t)rr(1, maxpix < 6 ? (int32_t)maxpix : 6);
	k->w = (uint32_t)rr(1, (int32_t)(maxpix / k->h < 6 ? maxpix / k->h : 6));
}

static void test_softmax(void)
{
	/* As TFLite models use it: exp table of -input_scale * beta * d, output
	 * scale 1/256 at the type's minimum, no fused clamp. */
	for (int sgn = 0; sgn < 2; sgn++) {
		int bad = 0, n = 60;

		for (int i = 0; i < n; i++) {
			struct sm_case *k = &smc;
			float sc = -(float)rr(1, 2000) / 16384.0f * (float)rr(1, 4) / 2.0f;

			k->sgn = sgn;
			shape_for(k, pick_cols());
			for (int d = 0; d <= 255; d++)
				k->tab[255 - d] = expf(sc * (float)d);
			k->scale_bits = f2u(1.0f / 256);
			k->zp = sgn ? -128 : 0;
			k->amin = qmin_of(sgn);
			k->amax = qmax_of(sgn);
			/* Rows of near-equal values, and rows spread over the range. */
			int32_t lo = sgn ? -128 : 0, span = rr(0, 1) ? rr(0, 8) : 255;
			int32_t base = rr(lo, lo + 255 - span);

			for (size_t j = 0; j < (size_t)k->h * k->w * k->c; j++)
				k->in[j] = base + rr(0, span);
			bad += !run_softmax_case(k, sgn ? "softmax int8" : "softmax uint8");
		}
		ok(!bad, "SOFTMAX %s, TFLite-style tables: %d cases (cols 1..1001, rows up to 36) "
		   "match the reference", sgn ? "int8" : "uint8", n);
	}

	/* Anything a stream can give: tables of random bits (NaN, infinities,
	 * negatives, subnormals), any output scale, zero point and clamp. */
	for (int sgn = 0; sgn < 2; sgn++) {
		int bad = 0, n = 60;

		for (int i = 0; i < n; i++) {
			struct sm_case *k = &smc;

			k->sgn = sgn;
			shape_for(k, pick_cols());
			for (int d = 0; d < 256; d++) {
				uint32_t b = rnd();

				if (i % 3 == 0)	/* finite, both signs, wide exponents */
					b = (b & 0x80000000u) | ((uint32_t)rr(90, 160) << 23) | (b & 0x7fffff);
				k->tab[d] = u2f(b);
			}
			k->scale_bits = i % 2 ? rnd() : f2u((float)rr(-1000, 1000) / 997.0f);
			k->zp = i % 4 ? rr(-300, 300) : (int32_t)rnd();
			k->amin = rr(qmin_of(sgn), qmax_of(sgn));
			k->amax = rr(k->amin, qmax_of(sgn));
			random_values(k->in, (size_t)k->h * k->w * k->c, sgn);
			bad += !run_softmax_case(k, "softmax, arbitrary operands");
		}
		ok(!bad, "SOFTMAX %s, arbitrary table bits, scales, zero points and clamps: %d cases",
		   sgn ? "int8" : "uint8", n);
	}

	/* Probabilities near 2^20 and a zero point of -2^20: the output bytes
	 * show the low bits of each probability, so an intermediate off by
	 * one ulp (another summation order, another formula for inv) shows. */
	for (int sgn = 0; sgn < 2; sgn++) {
		int bad = 0, n = 40;
		size_t seen = 0, all = 0;

		for (int i = 0; i < n; i++) {
			struct sm_case *k = &smc;
			size_t cnt;

			k->sgn = sgn;
			shape_for(k, pick_cols());
			cnt = (size_t)k->h * k->w * k->c;
			/* Entries in [1, 1 + 2^-12): inv and every p stay within
			 * 2^20 +- 256 whatever the row. */
			for (int d = 0; d < 256; d++)
				k->tab[d] = 1.0f + (float)rr(0, 4095) * 0x1p-24f;
			k->scale_bits = f2u(1.0f / ((float)k->c * 1048576.0f));
			k->zp = -1048576 + rr(-16, 16) + (sgn ? 0 : 128);
			k->amin = qmin_of(sgn);
			k->amax = qmax_of(sgn);
			random_values(k->in, cnt, sgn);
			bad += !run_softmax_case(k, "softmax, low bits visible");
			for (size_t j = 0; j < cnt; j++)
				seen += k->want[j] != k->amin && k->want[j] != k->amax;
			all += cnt;
		}
		ok(!bad && seen * 2 > all, "SOFTMAX %s, probabilities near 2^20 seen to the unit: %d "
		   "cases, %zu of %zu outputs unclamped", sgn ? "int8" : "uint8", n, seen, all);
	}

	/* Summation order, pinned: 1 + 2^24 - 2^24 is 0 in binary32 left to
	 * right (so inv is +inf), 1 the other way round. */
	{
		struct sm_case *k = &smc;

		memset(k->tab, 0, sizeof(k->tab));
		k->tab[255] = 1.0f;
		k->tab[254] = 0x1p24f;
		k->tab[253] = -0x1p24f;
		k->sgn = 0;
		k->h = k->w = 1;
		k->c = 3;
		k->in[0] = 10;
		k->in[1] = 9;
		k->in[2] = 8;
		k->scale_bits = f2u(1.0f);
		k->zp = 7;
		k->amin = 0;
		k->amax = 255;
		ok(run_softmax_case(k, "softmax order") && k->want[0] == 255 && k->want[1] == 255 &&
		   k->want[2] == 0, "SOFTMAX sums in element order: 1 + 2^24 - 2^24 = 0, inv = +inf");
	}

	/* Rounding, pinned by hand: table 0.625 (the row maximum) and 0.375
	 * (one below) sum to 1; with output scale +-1/4 the probabilities
	 * are exactly +-2.5 and +-1.5.  uint8 truncates p + 0.5, int8 rounds
	 * halves away from zero. */
	static const struct {
		int sgn;
		float scale;
		int32_t zp, want0, want1;
	} ties[] = {
		{ 0, 0.25f, 100, 103, 102 },	/* 3.0, 2.0 */
		{ 0, -0.25f, 100, 98, 99 },	/* trunc(-2.0), trunc(-1.0) */
		{ 1, 0.25f, 0, 3, 2 },
		{ 1, -0.25f, 0, -3, -2 },	/* away from zero */
		{ 1, -0.25f, 10, 7, 8 },
	};
	int good = 1;

	for (size_t i = 0; i < sizeof(ties) / sizeof(ties[0]); i++) {
		struct sm_case *k = &smc;

		memset(k->tab, 0, sizeof(k->tab));
		k->tab[255] = 0.625f;
		k->tab[254] = 0.375f;
		k->sgn = ties[i].sgn;
		k->h = k->w = 1;
		k->c = 2;
		k->in[0] = 10;
		k->in[1] = 9;
		k->scale_bits = f2u(ties[i].scale);
		k->zp = ties[i].zp;
		k->amin = qmin_of(k->sgn);
		k->amax = qmax_of(k->sgn);
		good &= run_softmax_case(k, "softmax ties") && k->want[0] == ties[i].want0 &&
			k->want[1] == ties[i].want1;
	}
	/* p = 0.5 - 2^-25 (and 0.5 + 2^-24; their sum rounds to 1, so the
	 * scale 1 gives inv 1): p + 0.5 rounds up to 1.0 in binary32, so
	 * uint8 gives 1 where roundf gives 0. */
	for (int sgn = 0; sgn < 2; sgn++) {
		struct sm_case *k = &smc;

		memset(k->tab, 0, sizeof(k->tab));
		k->tab[255] = 0x1.fffffep-2f;
		k->tab[254] = 0x1.000002p-1f;
		k->sgn = sgn;
		k->h = k->w = 1;
		k->c = 2;
		k->in[0] = 10;
		k->in[1] = 9;
		k->scale_bits = f2u(1.0f);
		k->zp = 0;
		k->amin = qmin_of(sgn);
		k->amax = qmax_of(sgn);
		good &= run_softmax_case(k, "softmax 0.49999997") && k->want[0] == (sgn ? 0 : 1) &&
			k->want[1] == 1;
	}
	ok(good, "SOFTMAX rounding: uint8 truncates p + 0.5 in binary32, int8 rounds halves away "
	   "from zero");

	/* In place: OFM over the IFM and over the table; the rows, the
	 * table and later rows are all read as they were before. */
	{
		struct sm_case *k = &smc;

		begin_case();
		k->sgn = 0;
		k->h = 3;
		k->w = 1;
		k->c = 400;
		for (int d = 0; d <= 255; d++)
			k->tab[255 - d] = expf(-0.05f * (float)d);
		k->scale_bits = f2u(1.0f / 256);
		k->zp = 0;
		k->amin = 0;
		k->amax = 255;
		random_values(k->in, 1200, 0);
		uint32_t base = 1000;
		struct tmap m = { .base = base, .h = 3, .w = 1, .c = 400 };

		/* The table is the last 1024 bytes of the map, IFM and OFM. */
		tm_put(&m, k->in);
		for (int i = 0; i < 256; i++)
			le_put32(base + 176 + 4 * (uint32_t)i, f2u(k->tab[i]));
		set_map_params(&m, ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H);
		set_map_params(&m, ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H);
		P[ENPU1_P_ACT_MAX] = 255;
		P[ENPU1_P_SOFTMAX_TABLE_SRAM] = base + 176;
		P[ENPU1_P_SOFTMAX_OUT_SCALE] = k->scale_bits;
		/* What the IFM holds now, table bytes included. */
		for (uint32_t j = 0; j < 1200; j++)
			k->in[j] = sram[base + j];
		ref_softmax(k);
		ok(run_op(ENPU1_OP_SOFTMAX) == ENPU1_JOB_OK && check_ofm(&m, 0, k->want, "in-place softmax"),
		   "SOFTMAX in place over its IFM and its table reads both as they were");
	}
}

/* ------------------------------------------------------------------------ */
/* Errors */

/* A small valid CONV: 4x4x4 -> 4x4x4, 3x3, pad 1, in the low 4 KiB. */
static void setup_small_conv(void)
{
	memset(P, 0, sizeof(P));
	P[ENPU1_P_IFM_SRAM] = 0;
	P[ENPU1_P_IFM_H] = P[ENPU1_P_IFM_W] = P[ENPU1_P_IFM_C] = 4;
	P[ENPU1_P_OFM_SRAM] = 1024;
	P[ENPU1_P_OFM_H] = P[ENPU1_P_OFM_W] = P[ENPU1_P_OFM_C] = 4;
	P[ENPU1_P_KERNEL_H] = P[ENPU1_P_KERNEL_W] = 3;
	P[ENPU1_P_STRIDE_H] = P[ENPU1_P_STRIDE_W] = 1;
	P[ENPU1_P_PAD_TOP] = P[ENPU1_P_PAD_LEFT] = 1;
	P[ENPU1_P_DEPTH_MULT] = 1;
	P[ENPU1_P_WEIGHT_SRAM] = 2048;
	P[ENPU1_P_BIAS_SRAM] = 3072;
	P[ENPU1_P_QUANT_SRAM] = 3200;
	P[ENPU1_P_OUT_MULT] = 1u << 30;
	P[ENPU1_P_OUT_SHIFT] = (uint32_t)-6;
	P[ENPU1_P_ACT_MAX] = 255;
	P[ENPU1_P_LUT_SRAM] = 3500;
	P[ENPU1_P_IFM2_SRAM] = 512;
	P[ENPU1_P_IFM2_ROW_STRIDE] = 16;
	P[ENPU1_P_IFM2_PIXEL_STRIDE] = 4;
	P[ENPU1_P_IFM2_CHAN_STRIDE] = 1;
	P[ENPU1_P_SOFTMAX_TABLE_SRAM] = 4000;
	P[ENPU1_P_SOFTMAX_OUT_SCALE] = 0x3b800000;	/* 1/256 */
}

static int expect_status(uint32_t op, int want, const char *what)
{
	enpu_engine_job_begin(&core);
	memcpy(before, sram, SRAM_SIZE);
	int st = enpu_engine_run(&core, NULL, op, P, NULL);
	int same = want == ENPU1_JOB_OK || !memcmp(before, sram, SRAM_SIZE);

	if (st != want || !same)
		diag("%s: status %d (want %d)%s", what, st, want, same ? "" : ", SRAM changed");
	return st == want && same;
}

static void test_errors(void)
{
	fill_random(sram, SRAM_SIZE);
	setup_small_conv();
	ok(expect_status(ENPU1_OP_CONV, ENPU1_JOB_OK, "baseline"), "error baseline: the small conv is valid");

	static const struct {
		uint32_t op, reg, val, flags;
		int want;
		const char *what;
	} cases[] = {
		{ ENPU1_OP_CONV, ENPU1_P_IFM_SRAM, SRAM_SIZE - 63, 0, ENPU1_JOB_SRAM_RANGE, "IFM one byte past the end" },
		{ ENPU1_OP_CONV, ENPU1_P_IFM_SRAM, 0xffffffff, 0, ENPU1_JOB_SRAM_RANGE, "IFM base at 4 GiB - 1" },
		{ ENPU1_OP_CONV, ENPU1_P_OFM_SRAM, SRAM_SIZE - 10, 0, ENPU1_JOB_SRAM_RANGE, "OFM past the end" },
		{ ENPU1_OP_CONV, ENPU1_P_OFM_ROW_STRIDE, 0x7fffffff, 0, ENPU1_JOB_SRAM_RANGE, "OFM row stride past the end" },
		{ ENPU1_OP_CONV, ENPU1_P_WEIGHT_SRAM, SRAM_SIZE - 100, 0, ENPU1_JOB_SRAM_RANGE, "weights past the end" },
		{ ENPU1_OP_CONV, ENPU1_P_BIAS_SRAM, SRAM_SIZE - 15, ENPU1_F_BIAS, ENPU1_JOB_SRAM_RANGE, "bias past the end" },
		{ ENPU1_OP_CONV, ENPU1_P_BIAS_SRAM, SRAM_SIZE - 15, 0, ENPU1_JOB_OK, "bias address ignored without FLAGS BIAS" },
		{ ENPU1_OP_CONV, ENPU1_P_QUANT_SRAM, SRAM_SIZE - 31, ENPU1_F_PER_CHANNEL, ENPU1_JOB_SRAM_RANGE, "quant table past the end" },
		{ ENPU1_OP_LUT, ENPU1_P_LUT_SRAM, SRAM_SIZE - 255, 0, ENPU1_JOB_SRAM_RANGE, "LUT past the end" },
		{ ENPU1_OP_ADD, ENPU1_P_IFM2_SRAM, SRAM_SIZE - 60, 0, ENPU1_JOB_SRAM_RANGE, "IFM2 past the end" },
		{ ENPU1_OP_CONV, ENPU1_P_IFM_H, 0, 0, ENPU1_JOB_DECODE_ERROR, "IFM_H 0" },
		{ ENPU1_OP_CONV, ENPU1_P_OFM_C, 0, 0, ENPU1_JOB_DECODE_ERROR, "OFM_C 0" },
		{ ENPU1_OP_CONV, ENPU1_P_KERNEL_W, 0, 0, ENPU1_JOB_DECODE_ERROR, "kernel width 0" },
		{ ENPU1_OP_CONV, ENPU1_P_STRIDE_H, 0, 0, ENPU1_JOB_DECODE_ERROR, "stride 0" },
		{ ENPU1_OP_CONV, ENPU1_P_DTYPE, 2, 0, ENPU1_JOB_DECODE_ERROR, "unknown DTYPE" },
		{ ENPU1_OP_CONV, ENPU1_P_FLAGS, 8, 0, ENPU1_JOB_DECODE_ERROR, "FLAGS bit outside ENPU1_F_ALL" },
		{ ENPU1_OP_CONV, ENPU1_P_IFM_PIXEL_STRIDE, 3, 0, ENPU1_JOB_DECODE_ERROR, "pixel stride smaller than C" },
		{ ENPU1_OP_CONV, ENPU1_P_OFM_ROW_STRIDE, 15, 0, ENPU1_JOB_DECODE_ERROR, "overlapping OFM rows" },
		{ ENPU1_OP_CONV, ENPU1_P_DILATION_H, 0x40000000, 0, ENPU1_JOB_DECODE_ERROR, "window span overflowing" },
		{ ENPU1_OP_CONV, ENPU1_P_KERNEL_H, 0x80000000, 0, ENPU1_JOB_SRAM_RANGE, "2^31-row kernel (weights cannot fit)" },
		{ ENPU1_OP_DEPTHWISE, ENPU1_P_DEPTH_MULT, 0, 0, ENPU1_JOB_DECODE_ERROR, "DEPTH_MULT 0" },
		{ ENPU1_OP_DEPTHWISE, ENPU1_P_DEPTH_MULT, 2, 0, ENPU1_JOB_DECODE_ERROR, "IFM_C * DEPTH_MULT != OFM_C" },
		{ ENPU1_OP_FULLY_CONNECTED, ENPU1_P_OFM_H, 3, 0, ENPU1_JOB_DECODE_ERROR, "FC with OFM_H != IFM_H" },
		{ ENPU1_OP_MAX_POOL, ENPU1_P_OFM_C, 3, 0, ENPU1_JOB_DECODE_ERROR, "pooling with OFM_C != IFM_C" },
		{ ENPU1_OP_AVG_POOL, ENPU1_P_PAD_TOP, 3, 0, ENPU1_JOB_DECODE_ERROR, "pooling window entirely in padding" },
		{ ENPU1_OP_ADD, ENPU1_P_IFM_W, 3, 0, ENPU1_JOB_DECODE_ERROR, "ADD with IFM shape != OFM shape" },
		{ ENPU1_OP_MUL, ENPU1_P_DTYPE, 7, 0, ENPU1_JOB_DECODE_ERROR, "MUL with unknown DTYPE" },
		{ ENPU1_OP_LUT, ENPU1_P_OFM_H, 2, 0, ENPU1_JOB_DECODE_ERROR, "LUT with IFM shape != OFM shape" },
		{ ENPU1_OP_MAX_POOL, ENPU1_P_OFM_H, 100000, 0, ENPU1_JOB_SRAM_RANGE, "pooling OFM far too tall" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_SOFTMAX_OUT_SCALE, 0x7fc00000, 0, ENPU1_JOB_OK, "SOFTMAX with a NaN output scale (defined)" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_SOFTMAX_TABLE_SRAM, SRAM_SIZE - 1024, 0, ENPU1_JOB_OK, "SOFTMAX table in the last 1024 bytes" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_SOFTMAX_TABLE_SRAM, SRAM_SIZE - 1020, 0, ENPU1_JOB_SRAM_RANGE, "SOFTMAX table past the end" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_SOFTMAX_TABLE_SRAM, 0xfffffffc, 0, ENPU1_JOB_SRAM_RANGE, "SOFTMAX table at 4 GiB - 4" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_SOFTMAX_TABLE_SRAM, 4002, 0, ENPU1_JOB_DECODE_ERROR, "SOFTMAX table not 4-byte aligned" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_SOFTMAX_TABLE_SRAM, 0xffffffff, 0, ENPU1_JOB_DECODE_ERROR, "SOFTMAX table misaligned and out of range" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_OFM_C, 3, 0, ENPU1_JOB_DECODE_ERROR, "SOFTMAX with OFM_C != IFM_C" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_OFM_W, 2, 0, ENPU1_JOB_DECODE_ERROR, "SOFTMAX with OFM_W != IFM_W" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_IFM_C, 0, 0, ENPU1_JOB_DECODE_ERROR, "SOFTMAX with IFM_C 0" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_DTYPE, 2, 0, ENPU1_JOB_DECODE_ERROR, "SOFTMAX with unknown DTYPE" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_FLAGS, 0x10, 0, ENPU1_JOB_DECODE_ERROR, "SOFTMAX with a FLAGS bit outside ENPU1_F_ALL" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_IFM_PIXEL_STRIDE, 2, 0, ENPU1_JOB_DECODE_ERROR, "SOFTMAX with overlapping IFM pixels" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_OFM_ROW_STRIDE, 0x7fffffff, 0, ENPU1_JOB_SRAM_RANGE, "SOFTMAX OFM row stride past the end" },
		{ ENPU1_OP_SOFTMAX, ENPU1_P_IFM_SRAM, SRAM_SIZE - 63, 0, ENPU1_JOB_SRAM_RANGE, "SOFTMAX IFM one byte past the end" },
	};
	int good = 1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup_small_conv();
		P[cases[i].reg] = cases[i].val;
		P[ENPU1_P_FLAGS] |= cases[i].flags;
		if (cases[i].reg == ENPU1_P_FLAGS)
			P[ENPU1_P_FLAGS] = cases[i].val;
		if (!ok(expect_status(cases[i].op, cases[i].want, cases[i].what), "%s -> %s",
			cases[i].what,
			cases[i].want == ENPU1_JOB_OK ? "OK" :
			cases[i].want == ENPU1_JOB_SRAM_RANGE ? "SRAM_RANGE" : "DECODE_ERROR"))
			good = 0;
	}

	/* Malformed SOFTMAX parameters of every kind: a status, never a crash
	 * (this test runs under ASan and UBSan), and a refused operation
	 * changes nothing. */
	static const uint32_t regs[] = {
		ENPU1_P_IFM_SRAM, ENPU1_P_IFM_H, ENPU1_P_IFM_W, ENPU1_P_IFM_C,
		ENPU1_P_IFM_ROW_STRIDE, ENPU1_P_IFM_PIXEL_STRIDE, ENPU1_P_DTYPE, ENPU1_P_FLAGS,
		ENPU1_P_OFM_SRAM, ENPU1_P_OFM_H, ENPU1_P_OFM_W, ENPU1_P_OFM_C,
		ENPU1_P_OFM_ROW_STRIDE, ENPU1_P_OFM_PIXEL_STRIDE, ENPU1_P_OFM_ZP,
		ENPU1_P_ACT_MIN, ENPU1_P_ACT_MAX, ENPU1_P_SOFTMAX_TABLE_SRAM,
		ENPU1_P_SOFTMAX_OUT_SCALE,
	};
	int counts[3] = { 0 };

	good = 1;
	for (int i = 0; i < 3000; i++) {
		setup_small_conv();
		for (int k = 0, nk = rr(1, 3); k < nk; k++) {
			uint32_t v, r = regs[rnd() % (sizeof(regs) / sizeof(regs[0]))];

			switch (rnd() % 6) {
			case 0: v = 0; break;
			case 1: v = (uint32_t)rr(1, 8); break;
			case 2: v = (uint32_t)rr(0, 70000); break;
			case 3: v = SRAM_SIZE - (uint32_t)rr(0, 2048); break;
			case 4: v = 0xffffffffu - (uint32_t)rr(0, 3); break;
			default: v = rnd(); break;
			}
			P[r] = v;
		}
		memcpy(before, sram, SRAM_SIZE);
		enpu_engine_job_begin(&core);
		int st = enpu_engine_run(&core, NULL, ENPU1_OP_SOFTMAX, P, NULL);

		if (st == ENPU1_JOB_OK)
			counts[0]++;
		else if (st == ENPU1_JOB_DECODE_ERROR)
			counts[1]++;
		else if (st == ENPU1_JOB_SRAM_RANGE)
			counts[2]++;
		else
			good = 0;
		if (st != ENPU1_JOB_OK && memcmp(before, sram, SRAM_SIZE))
			good = 0;
	}
	ok(good && counts[0] > 100 && counts[1] > 100 && counts[2] > 100,
	   "3000 SOFTMAXes with random bad fields: OK %d, DECODE_ERROR %d, SRAM_RANGE %d, no "
	   "crash, no write when refused", counts[0], counts[1], counts[2]);

	static const uint32_t bad_ops[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x12, 0x1f,
					    ENPU1_OP_MAX, 0xff, 0x120 };

	good = 1;
	setup_small_conv();
	for (size_t i = 0; i < sizeof(bad_ops) / sizeof(bad_ops[0]); i++)
		good &= expect_status(bad_ops[i], ENPU1_JOB_DECODE_ERROR, "bad opcode");
	ok(good, "control and unknown opcodes are DECODE_ERRORs in the engine");
}

/* ------------------------------------------------------------------------ */
/* DMA and the memory interface */

#define HOST_SIZE (64u * 1024)
#define HOST_VA 0x7f0000000000ull

static uint8_t host[HOST_SIZE];
static uint64_t fault_lo, fault_hi;	/* VA range that faults */
static int fault_status;
static int mem_calls;

static int fake_access(uint64_t va, size_t len, int write, struct enpu_fw_fault *fault)
{
	mem_calls++;
	if (va < fault_hi && fault_lo < va + len) {
		fault->addr = va > fault_lo ? va : fault_lo;
		fault->access = write ? ENPU1_ACCESS_WRITE : ENPU1_ACCESS_READ;
		return fault_status;
	}
	if (va < HOST_VA || va + len > HOST_VA + HOST_SIZE) {
		fault->addr = va;
		fault->access = write ? ENPU1_ACCESS_WRITE : ENPU1_ACCESS_READ;
		return ENPU1_JOB_MMU_FAULT;
	}
	return ENPU1_JOB_OK;
}

static int fake_read(void *ctx, uint64_t va, void *dst, size_t len, struct enpu_fw_fault *fault)
{
	int st = fake_access(va, len, 0, fault);

	(void)ctx;
	if (st == ENPU1_JOB_OK)
		memcpy(dst, host + (va - HOST_VA), len);
	return st;
}

static int fake_write(void *ctx, uint64_t va, const void *src, size_t len,
		      struct enpu_fw_fault *fault)
{
	int st = fake_access(va, len, 1, fault);

	(void)ctx;
	if (st == ENPU1_JOB_OK)
		memcpy(host + (va - HOST_VA), src, len);
	return st;
}

static const struct enpu_engine_mem mem = { .ctx = NULL, .va_read = fake_read, .va_write = fake_write };

static void set_dma(uint32_t sram_at, uint64_t va, uint32_t row_bytes, uint32_t rows,
		    uint32_t planes, uint32_t va_rs, uint32_t va_ps, uint32_t s_rs, uint32_t s_ps)
{
	memset(P, 0, sizeof(P));
	P[ENPU1_P_DMA_VA_LO] = (uint32_t)va;
	P[ENPU1_P_DMA_VA_HI] = (uint32_t)(va >> 32);
	P[ENPU1_P_DMA_SRAM] = sram_at;
	P[ENPU1_P_DMA_ROW_BYTES] = row_bytes;
	P[ENPU1_P_DMA_ROWS] = rows;
	P[ENPU1_P_DMA_PLANES] = planes;
	P[ENPU1_P_DMA_VA_ROW_STRIDE] = va_rs;
	P[ENPU1_P_DMA_VA_PLANE_STRIDE] = va_ps;
	P[ENPU1_P_DMA_SRAM_ROW_STRIDE] = s_rs;
	P[ENPU1_P_DMA_SRAM_PLANE_STRIDE] = s_ps;
}

static void test_dma(void)
{
	struct enpu_fw_fault f = { 0, 0 };
	int good = 1;

	fault_lo = fault_hi = 0;
	fill_random(host, HOST_SIZE);
	fill_random(sram, SRAM_SIZE);
	memcpy(before, sram, SRAM_SIZE);
	enpu_engine_job_begin(&core);
	/* 2 planes x 3 rows x 5 bytes, host strides 100/1000, SRAM 7/40 */
	set_dma(300, HOST_VA + 10, 5, 3, 2, 100, 1000, 7, 40);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_LOAD, P, &f), ENPU1_JOB_OK,
	       "strided DMA_LOAD runs");
	memset(touched, 0, sizeof(touched));
	for (int p = 0; p < 2; p++)
		for (int r = 0; r < 3; r++)
			for (int b = 0; b < 5; b++) {
				uint32_t s = 300 + p * 40 + r * 7 + b;

				touched[s] = 1;
				good &= sram[s] == host[10 + p * 1000 + r * 100 + b];
			}
	for (uint32_t i = 0; i < SRAM_SIZE; i++)
		good &= touched[i] || sram[i] == before[i];
	ok(good, "DMA_LOAD copies planes x rows x row bytes with all four strides, nothing else");

	/* Store it back elsewhere with other strides. */
	uint8_t host_before[HOST_SIZE];

	enpu_engine_sync(&core);
	memcpy(host_before, host, HOST_SIZE);
	set_dma(300, HOST_VA + 20000, 5, 3, 2, 9, 50, 7, 40);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_STORE, P, &f), ENPU1_JOB_OK,
	       "strided DMA_STORE runs");
	good = 1;
	for (uint32_t i = 0; i < HOST_SIZE; i++) {
		int in = 0;

		for (int p = 0; p < 2; p++)
			for (int r = 0; r < 3; r++)
				if (i >= 20000u + p * 50 + r * 9 && i < 20000u + p * 50 + r * 9 + 5) {
					uint32_t b = i - (20000u + p * 50 + r * 9);

					in = 1;
					good &= host[i] == sram[300 + p * 40 + r * 7 + b];
				}
		if (!in)
			good &= host[i] == host_before[i];
	}
	ok(good, "DMA_STORE writes exactly the strided destination");

	/* ROWS and PLANES 0 count as 1. */
	enpu_engine_job_begin(&core);
	mem_calls = 0;
	set_dma(5000, HOST_VA, 64, 0, 0, 0, 0, 0, 0);
	ok(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_LOAD, P, &f) == ENPU1_JOB_OK && mem_calls == 1 &&
	   !memcmp(sram + 5000, host, 64), "DMA ROWS/PLANES 0 count as 1");

	set_dma(5000, HOST_VA, 0, 1, 1, 0, 0, 0, 0);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_LOAD, P, &f), ENPU1_JOB_DECODE_ERROR,
	       "DMA ROW_BYTES 0 is a DECODE_ERROR");
	mem_calls = 0;
	set_dma(SRAM_SIZE - 100, HOST_VA, 10, 2, 2, 10, 20, 50, 41);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_LOAD, P, &f), ENPU1_JOB_SRAM_RANGE,
	       "DMA whose last plane ends past the SRAM is SRAM_RANGE");
	set_dma(0, HOST_VA, 16, 0xffffffff, 1, 0, 0, 0x10000, 0);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_STORE, P, &f), ENPU1_JOB_SRAM_RANGE,
	       "DMA with 2^32-1 rows strided past the SRAM is SRAM_RANGE");
	set_dma(0, HOST_VA, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0, 0, 0);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_LOAD, P, &f), ENPU1_JOB_DECODE_ERROR,
	       "DMA whose byte count overflows 64 bits is a DECODE_ERROR");
	is_int(mem_calls, 0, "range checks happen before any host access");

	/* Faults: the second row (VA +4100) reaches the faulting page. */
	enpu_engine_job_begin(&core);
	fault_lo = HOST_VA + 4096;
	fault_hi = HOST_VA + 8192;
	fault_status = ENPU1_JOB_MMU_FAULT;
	f.addr = 0;
	f.access = 0;
	set_dma(0, HOST_VA + 4000, 64, 2, 2, 100, 3000, 64, 128);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_LOAD, P, &f), ENPU1_JOB_MMU_FAULT,
	       "DMA_LOAD: MMU fault from the memory interface is returned");
	ok(f.addr == HOST_VA + 4100 && f.access == ENPU1_ACCESS_READ,
	   "DMA_LOAD fault reports the faulting VA and a read access");
	fault_status = ENPU1_JOB_BUS_ERROR;
	set_dma(0, HOST_VA + 6000, 8, 1, 1, 0, 0, 0, 0);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_STORE, P, &f), ENPU1_JOB_BUS_ERROR,
	       "DMA_STORE: bus error from the memory interface is returned");
	ok(f.addr == HOST_VA + 6000 && f.access == ENPU1_ACCESS_WRITE,
	   "DMA_STORE fault reports the VA and a write access");
	set_dma(0, 0x100000000ull * 3 + 0x1234, 8, 1, 1, 0, 0, 0, 0);
	fault_lo = fault_hi = 0;
	ok(enpu_engine_run(&core, &mem, ENPU1_OP_DMA_LOAD, P, &f) == ENPU1_JOB_MMU_FAULT &&
	   f.addr == 0x300001234ull, "DMA VA combines DMA_VA_HI and DMA_VA_LO");
}

/* ------------------------------------------------------------------------ */
/* Hazards */

/* CONV reading IFM at 0..63, weights at 2048, OFM at 1024..1087. */
static int conv_now(void)
{
	setup_small_conv();
	return enpu_engine_run(&core, &mem, ENPU1_OP_CONV, P, NULL);
}

static int dma_now(uint32_t op, uint32_t at, uint32_t len)
{
	set_dma(at, HOST_VA, len, 1, 1, 0, 0, 0, 0);
	return enpu_engine_run(&core, &mem, op, P, NULL);
}

static void test_hazards(void)
{
	fault_lo = fault_hi = 0;
	fill_random(sram, SRAM_SIZE);

	enpu_engine_job_begin(&core);
	is_int(dma_now(ENPU1_OP_DMA_LOAD, 10, 4), ENPU1_JOB_OK, "hazard setup: DMA_LOAD into the IFM");
	is_int(conv_now(), ENPU1_JOB_HAZARD, "CONV reading a DMA_LOAD destination without SYNC: HAZARD");
	enpu_engine_sync(&core);
	is_int(conv_now(), ENPU1_JOB_OK, "the same CONV after SYNC runs");

	enpu_engine_job_begin(&core);
	dma_now(ENPU1_OP_DMA_LOAD, 2048 + 100, 1);
	is_int(conv_now(), ENPU1_JOB_HAZARD, "CONV reading weights still being loaded: HAZARD");

	enpu_engine_job_begin(&core);
	dma_now(ENPU1_OP_DMA_LOAD, 1080, 100);
	is_int(conv_now(), ENPU1_JOB_HAZARD, "CONV writing over a pending DMA_LOAD destination: HAZARD");

	enpu_engine_job_begin(&core);
	is_int(conv_now(), ENPU1_JOB_OK, "a job begins fully synced");
	is_int(dma_now(ENPU1_OP_DMA_STORE, 1024 + 63, 1), ENPU1_JOB_HAZARD,
	       "DMA_STORE of a CONV output without SYNC: HAZARD");
	is_int(dma_now(ENPU1_OP_DMA_LOAD, 1000, 30), ENPU1_JOB_HAZARD,
	       "DMA_LOAD over a pending CONV output: HAZARD");
	is_int(dma_now(ENPU1_OP_DMA_STORE, 1024 + 64, 100), ENPU1_JOB_OK,
	       "DMA_STORE of the bytes just past the CONV output: no hazard");
	is_int(dma_now(ENPU1_OP_DMA_STORE, 0, 64), ENPU1_JOB_OK,
	       "DMA_STORE of the CONV's input (only read by compute): no hazard");
	enpu_engine_sync(&core);
	is_int(dma_now(ENPU1_OP_DMA_STORE, 1024, 64), ENPU1_JOB_OK, "DMA_STORE of the output after SYNC");

	/* Same-queue dependencies are ordered by the queue itself. */
	enpu_engine_job_begin(&core);
	dma_now(ENPU1_OP_DMA_LOAD, 8000, 64);
	is_int(dma_now(ENPU1_OP_DMA_STORE, 8000, 64), ENPU1_JOB_OK,
	       "DMA_STORE of a DMA_LOAD destination (same queue): no hazard");
	conv_now();
	setup_small_conv();
	P[ENPU1_P_IFM_SRAM] = 1024;	/* reads the previous OFM */
	P[ENPU1_P_OFM_SRAM] = 1200;
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_CONV, P, NULL), ENPU1_JOB_OK,
	       "CONV reading the previous CONV's output (same queue): no hazard");

	/* SOFTMAX: IFM 0..63, table 4000..5023, OFM 1024..1087. */
	enpu_engine_job_begin(&core);
	dma_now(ENPU1_OP_DMA_LOAD, 5020, 8);
	setup_small_conv();
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_SOFTMAX, P, NULL), ENPU1_JOB_HAZARD,
	       "SOFTMAX reading its table's last word while it is loaded: HAZARD");
	enpu_engine_sync(&core);
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_SOFTMAX, P, NULL), ENPU1_JOB_OK,
	       "the same SOFTMAX after SYNC runs");
	is_int(dma_now(ENPU1_OP_DMA_STORE, 1087, 1), ENPU1_JOB_HAZARD,
	       "DMA_STORE of a SOFTMAX output's last byte without SYNC: HAZARD");
	is_int(dma_now(ENPU1_OP_DMA_LOAD, 5024, 64), ENPU1_JOB_OK,
	       "DMA_LOAD just past the SOFTMAX table (not written by compute): no hazard");
	enpu_engine_job_begin(&core);
	dma_now(ENPU1_OP_DMA_LOAD, 60, 8);
	setup_small_conv();
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_SOFTMAX, P, NULL), ENPU1_JOB_HAZARD,
	       "SOFTMAX reading an IFM still being loaded: HAZARD");

	/* More pending ranges than tracked: an implicit SYNC, never a false
	 * hazard, and the timelines join. */
	enpu_engine_job_begin(&core);
	int good = 1;

	for (uint32_t i = 0; i < 200; i++)
		good &= dma_now(ENPU1_OP_DMA_LOAD, 20000 + i * 100, 10) == ENPU1_JOB_OK;
	ok(good, "200 disjoint DMA_LOADs without SYNC run");
	ok(core.pending[0].count <= ENPU_ENGINE_PENDING_MAX, "pending ranges stay within the table");
	setup_small_conv();
	P[ENPU1_P_IFM_SRAM] = 20000 + 199 * 100;	/* the latest load: still tracked */
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_CONV, P, NULL), ENPU1_JOB_HAZARD,
	       "a load after the implicit SYNC is still tracked");

	enpu_engine_job_begin(&core);
	for (uint32_t i = 0; i < 65; i++)
		dma_now(ENPU1_OP_DMA_LOAD, 20000 + i * 100, 10);
	ok(core.compute_time == core.dma_time && core.dma_time > 0,
	   "overflowing the table joins the timelines like SYNC");

	/* Adjacent loads merge into one range. */
	enpu_engine_job_begin(&core);
	for (uint32_t i = 0; i < 100; i++)
		dma_now(ENPU1_OP_DMA_LOAD, 30000 + i * 16, 16);
	is_int(core.pending[0].count, 1, "100 back-to-back loads are tracked as one range");
	ok(core.compute_time == 0, "...and never forced a SYNC");
}

/* ------------------------------------------------------------------------ */
/* Timing */

static int pool_now(void)
{
	memset(P, 0, sizeof(P));
	P[ENPU1_P_IFM_H] = P[ENPU1_P_IFM_W] = 8;
	P[ENPU1_P_IFM_C] = 16;
	P[ENPU1_P_OFM_SRAM] = 8192;
	P[ENPU1_P_OFM_H] = P[ENPU1_P_OFM_W] = 4;
	P[ENPU1_P_OFM_C] = 16;
	P[ENPU1_P_KERNEL_H] = P[ENPU1_P_KERNEL_W] = 2;
	P[ENPU1_P_STRIDE_H] = P[ENPU1_P_STRIDE_W] = 2;
	return enpu_engine_run(&core, &mem, ENPU1_OP_MAX_POOL, P, NULL);
}

static void test_timing(void)
{
	fault_lo = fault_hi = 0;
	enpu_engine_job_begin(&core);
	is_int(enpu_engine_cycles(&core), 0, "a job starts at cycle 0");

	dma_now(ENPU1_OP_DMA_LOAD, 40000, 1000);
	is_int(core.dma_time, 100 + 63, "DMA: latency + ceil(bytes / bus bytes per cycle)");
	is_int(core.bus_bytes, 1000, "DMA bytes are counted");

	/* 8x8x16 -> 8x8x32, 3x3 pad 1: 294912 MACs -> 4608 cycles; SRAM
	 * 1024 + 4608 + 128 + 2048 bytes -> 244 cycles: compute-bound. */
	memset(P, 0, sizeof(P));
	P[ENPU1_P_IFM_H] = P[ENPU1_P_IFM_W] = 8;
	P[ENPU1_P_IFM_C] = 16;
	P[ENPU1_P_OFM_SRAM] = 2000;
	P[ENPU1_P_OFM_H] = P[ENPU1_P_OFM_W] = 8;
	P[ENPU1_P_OFM_C] = 32;
	P[ENPU1_P_KERNEL_H] = P[ENPU1_P_KERNEL_W] = 3;
	P[ENPU1_P_STRIDE_H] = P[ENPU1_P_STRIDE_W] = 1;
	P[ENPU1_P_PAD_TOP] = P[ENPU1_P_PAD_LEFT] = 1;
	P[ENPU1_P_WEIGHT_SRAM] = 5000;
	P[ENPU1_P_BIAS_SRAM] = 10000;
	P[ENPU1_P_FLAGS] = ENPU1_F_BIAS;
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_CONV, P, NULL), ENPU1_JOB_OK, "timing conv runs");
	is_int(core.compute_time, 10 + 4608, "CONV: overhead + ceil(MACs / MACs per cycle)");
	is_int(core.macs, 294912, "CONV MACs = OH*OW*OC*KH*KW*IC");
	is_int(enpu_engine_cycles(&core), 10 + 4608, "DMA overlapping compute costs the max, not the sum");

	enpu_engine_sync(&core);
	is_int(core.dma_time, 4618, "SYNC moves the DMA timeline up to compute's");
	dma_now(ENPU1_OP_DMA_STORE, 40000, 512);
	is_int(enpu_engine_cycles(&core), 4618 + 100 + 32, "DMA after SYNC starts from the joined time");

	/* LUT over 64x64x1: 4096 elements / 16 per cycle = 256; SRAM
	 * 4096 + 256 + 4096 = 8448 bytes / 32 = 264: bandwidth-bound. */
	enpu_engine_job_begin(&core);
	memset(P, 0, sizeof(P));
	P[ENPU1_P_IFM_H] = P[ENPU1_P_IFM_W] = 64;
	P[ENPU1_P_IFM_C] = 1;
	P[ENPU1_P_OFM_SRAM] = 8192;
	P[ENPU1_P_OFM_H] = P[ENPU1_P_OFM_W] = 64;
	P[ENPU1_P_OFM_C] = 1;
	P[ENPU1_P_LUT_SRAM] = 20000;
	enpu_engine_run(&core, &mem, ENPU1_OP_LUT, P, NULL);
	is_int(core.compute_time, 10 + 264, "LUT: bandwidth-bound cost uses SRAM bytes");
	is_int(core.macs, 0, "LUT adds no MACs");

	/* SOFTMAX, 4 rows of 100: 3 * 400 + 4 = 1204 / 16 = 76 vector
	 * cycles, but each row's in-order sum is 100 dependent additions
	 * (4 rows fit one pass of 16 lanes); SRAM 400 + 1024 + 400 = 1824 /
	 * 32 = 57.  The sum chain bounds it. */
	enpu_engine_job_begin(&core);
	memset(P, 0, sizeof(P));
	P[ENPU1_P_IFM_H] = P[ENPU1_P_OFM_H] = 4;
	P[ENPU1_P_IFM_W] = P[ENPU1_P_OFM_W] = 1;
	P[ENPU1_P_IFM_C] = P[ENPU1_P_OFM_C] = 100;
	P[ENPU1_P_OFM_SRAM] = 8192;
	P[ENPU1_P_SOFTMAX_TABLE_SRAM] = 20000;
	is_int(enpu_engine_run(&core, &mem, ENPU1_OP_SOFTMAX, P, NULL), ENPU1_JOB_OK, "timing softmax runs");
	is_int(core.compute_time, 10 + 100, "SOFTMAX: the in-order sum of a row bounds its cost");
	/* 8 x 8 pixels of 4: 3 * 256 + 64 = 832 / 16 = 52; chains 64 / 16
	 * lanes = 4 passes of 4 = 16; SRAM 256 + 1024 + 256 = 1536 / 32 = 48. */
	enpu_engine_job_begin(&core);
	P[ENPU1_P_IFM_H] = P[ENPU1_P_OFM_H] = 8;
	P[ENPU1_P_IFM_W] = P[ENPU1_P_OFM_W] = 8;
	P[ENPU1_P_IFM_C] = P[ENPU1_P_OFM_C] = 4;
	enpu_engine_run(&core, &mem, ENPU1_OP_SOFTMAX, P, NULL);
	is_int(core.compute_time, 10 + 52, "SOFTMAX: many short rows run at the vector rate");
	is_int(core.macs, 0, "SOFTMAX adds no MACs");

	/* MAX_POOL 8x8x16, 2x2 stride 2: 4*4*16*4 = 1024 / 16 = 64;
	 * SRAM 1024 + 256 = 1280 / 32 = 40. */
	enpu_engine_job_begin(&core);
	pool_now();
	is_int(core.compute_time, 10 + 64, "pooling runs at the vector rate of MACs/4 per cycle");

	/* Two DMA transfers queue on one timeline; a compute op on the other. */
	enpu_engine_job_begin(&core);
	dma_now(ENPU1_OP_DMA_LOAD, 40000, 160);
	dma_now(ENPU1_OP_DMA_LOAD, 41000, 160);
	pool_now();
	ok(core.dma_time == 2 * (100 + 10) && core.compute_time == 74 &&
	   enpu_engine_cycles(&core) == 220, "DMA transfers serialise on their queue, compute runs alongside");

	/* A vector rate never drops to zero. */
	struct enpu_timing slow = { .macs_per_cycle = 2, .bus_bytes_per_cycle = 1,
				    .sram_bytes_per_cycle = 1000000 };

	core.timing = &slow;
	enpu_engine_job_begin(&core);
	pool_now();
	is_int(core.compute_time, 1024, "vector rate is at least 1 per cycle");
	core.timing = &timing;

	/* Failed operations cost nothing and change nothing. */
	enpu_engine_job_begin(&core);
	pool_now();
	enpu_engine_job_begin(&core);
	P[ENPU1_P_DTYPE] = 9;
	enpu_engine_run(&core, &mem, ENPU1_OP_MAX_POOL, P, NULL);
	ok(enpu_engine_cycles(&core) == 0 && core.pending[1].count == 0,
	   "a rejected operation takes no time and leaves no pending write");
}

int main(void)
{
	test_requant();
	test_conv_known();
	test_mac_random(ENPU1_OP_CONV, "conv");
	test_mac_random(ENPU1_OP_DEPTHWISE, "depthwise");
	test_mac_random(ENPU1_OP_FULLY_CONNECTED, "fully connected");
	test_pool(ENPU1_OP_MAX_POOL, "max pool");
	test_pool(ENPU1_OP_AVG_POOL, "avg pool");
	test_avg_rounding();
	test_add_saturation();
	test_eltwise(ENPU1_OP_ADD, 0, "add");
	test_eltwise(ENPU1_OP_ADD, 1, "add, IFM2 one vector broadcast over pixels");
	test_eltwise(ENPU1_OP_ADD, 3, "add, IFM2 scalar");
	test_eltwise(ENPU1_OP_ADD, 4, "add, IFM2 one row broadcast over rows");
	test_eltwise(ENPU1_OP_MUL, 0, "mul (gemmlowp and fp32)");
	test_eltwise(ENPU1_OP_MUL, 2, "mul, IFM2 per-pixel scalar broadcast over channels");
	test_lut();
	test_softmax();
	test_in_place();
	test_errors();
	test_dma();
	test_hazards();
	test_timing();
	return tap_done();
}
