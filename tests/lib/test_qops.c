// SPDX-License-Identifier: MIT
/*
 * lib/src/qops.h (MUL, HARD_SWISH and RESIZE_BILINEAR as TFLite-as-run
 * computes them) against independent references: byte strings TFLite
 * itself (tflite-ref, tfjs-tflite 0.0.1-alpha.10) produced for fixed
 * parameters, and formulations written differently from the library's
 * (one exact integer expression with floor division for the two-step
 * bilinear interpolation, a clamp after rounding instead of before).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qops.h"
#include "tap.h"
#define TEST_RNG_SEED 0x2545f4914f6cdd1dull
#include "rng.h"

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int hexbyte(const char *s)
{
	int v = 0;
	for (int i = 0; i < 2; i++) {
		char c = s[i];
		v = v * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return v;
}

/* TFLite's output byte i of a hex string, as a value of the type. */
static int32_t gold(const char *hex, size_t i, int u8)
{
	int v = hexbyte(hex + 2 * i);
	return u8 ? v : (int32_t)(int8_t)(uint8_t)v;
}

/* ---- MUL ---- */

static void test_mul(void)
{
	/* XNNPACK's accepted range of (s_a*s_b)/s_o. */
	ok(q_mul_xnn_scale(1.0f, 0x1p-16f, 1.0f) == 0x1p-16f, "MUL scale 2^-16 goes to XNNPACK");
	ok(q_mul_xnn_scale(1.0f, 0x1.fffffep-17f, 1.0f) == 0.0f, "MUL scale just below 2^-16 falls back");
	ok(q_mul_xnn_scale(16.0f, 15.999999f, 1.0f) != 0.0f, "MUL scale just below 256 goes to XNNPACK");
	ok(q_mul_xnn_scale(16.0f, 16.0f, 1.0f) == 0.0f, "MUL scale 256 falls back");
	/* The near-tie that Q31 rounds the other way: 9.4931 -> 9 (TFLite), not 10. */
	float sc = q_mul_xnn_scale(0.0123f, 0.0456f, 0.0789f);
	int32_t acc = (int32_t)lrint(9.4931 / (double)sc);
	double exact = (double)acc * (double)sc;
	ok(q_mul_xnn(acc, 1, sc, 0, -128, 127) == (int32_t)nearbyint((double)(float)((float)acc * sc)),
	   "MUL rounds the float product (%g)", exact);

	int fails = 0;
	for (int n = 0; n < 200000; n++) {
		int u8 = n & 1;
		int32_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;
		int32_t za = lo + (int32_t)(rnd() % 256), zb = lo + (int32_t)(rnd() % 256);
		int32_t zo = lo + (int32_t)(rnd() % 256);
		int32_t a = lo + (int32_t)(rnd() % 256) - za, b = lo + (int32_t)(rnd() % 256) - zb;
		float s = ldexpf(1.0f + (float)(rnd() % 8388608) / 8388608.0f, -16 + (int)(rnd() % 24));
		int32_t amin = lo + (int32_t)(rnd() % 40), amax = hi - (int32_t)(rnd() % 40);
		/* Reference: float product, round half to even in double, then clamp as integers. */
		float prod = (float)(a * b) * s;
		double r = nearbyint((double)prod) + zo;
		int32_t want = r < amin ? amin : r > amax ? amax : (int32_t)r;
		int32_t got = q_mul_xnn(a, b, s, zo, amin, amax);
		if (got != want) {
			if (!fails)
				diag("q_mul_xnn(%d, %d, %a, %d) = %d, reference %d", a, b, (double)s, zo, got, want);
			fails++;
		}
	}
	ok(fails == 0, "MUL fp32 rule on 200000 random values");
}

/* ---- HARD_SWISH ---- */

static const struct {
	int u8;
	float si;
	int32_t zi;
	float so;
	int32_t zo;
	const char *tflite;	/* TFLite's outputs for input codes 0..255 (as bytes) */
} hs_gold[] = {
#include "test_qops_hswish.inc"
};

static void test_hswish(void)
{
	for (size_t k = 0; k < sizeof(hs_gold) / sizeof(hs_gold[0]); k++) {
		struct q_hswish p;
		int u8 = hs_gold[k].u8, bad = 0;
		int32_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;
		ok(q_hswish_init(&p, hs_gold[k].si, hs_gold[k].zi, hs_gold[k].so, hs_gold[k].zo) == 0,
		   "HARD_SWISH %s %g/%d -> %g/%d prepared", u8 ? "uint8" : "int8", (double)hs_gold[k].si,
		   hs_gold[k].zi, (double)hs_gold[k].so, hs_gold[k].zo);
		for (int i = 0; i < 256; i++) {
			int32_t q = u8 ? i : (int32_t)(int8_t)(uint8_t)i;
			int32_t got = q_clamp(q_hswish(&p, q), lo, hi), want = gold(hs_gold[k].tflite, (size_t)i, u8);
			if (got != want) {
				if (!bad)
					diag("code %d: %d, TFLite %d", q, got, want);
				bad++;
			}
		}
		ok(bad == 0, "HARD_SWISH matches TFLite on all 256 codes (set %zu)", k);
	}
	struct q_hswish p;
	ok(q_hswish_init(&p, 100.0f, 0, 0.5f, 0) != 0, "HARD_SWISH refuses an output exponent > 0, as TFLite does");
}

/* ---- RESIZE_BILINEAR ---- */

static const struct {
	int u8, h, w, oh, ow, align, half;
	const char *tflite;	/* outputs for input byte i = (i*89 + 17) & 255, 2 channels */
} rs_gold[] = {
#include "test_qops_resize.inc"
};

/* Exact integer form of the two-step interpolation (same value, one floor division). */
static int32_t ref_ibilinear(int32_t tl, int32_t tr, int32_t bl, int32_t br, int32_t ah, int32_t av)
{
	int64_t top = (int64_t)tl * (2048 - ah) + (int64_t)tr * ah;
	int64_t bot = (int64_t)bl * (2048 - ah) + (int64_t)br * ah;
	return (int32_t)floordiv(top * (2048 - av) + bot * av + (1 << 21), 1 << 22);
}

static void test_resize(void)
{
	for (size_t k = 0; k < sizeof(rs_gold) / sizeof(rs_gold[0]); k++) {
		const int u8 = rs_gold[k].u8, H = rs_gold[k].h, W = rs_gold[k].w, C = 2;
		const int OH = rs_gold[k].oh, OW = rs_gold[k].ow, ac = rs_gold[k].align;
		const int legacy = !ac && !rs_gold[k].half;
		int32_t in[256];
		for (int i = 0; i < H * W * C; i++) {
			uint8_t byte = (uint8_t)((i * 89 + 17) & 255);
			in[i] = u8 ? byte : (int8_t)byte;
		}
		int bad = 0;
		for (int y = 0; y < OH; y++)
			for (int x = 0; x < OW; x++) {
				int y0, y1, x0, x1;
				int32_t av, ah;
				q_resize_coord(y, q_resize_scale(H, OH, ac), H, ac, legacy, &y0, &y1, &av);
				q_resize_coord(x, q_resize_scale(W, OW, ac), W, ac, legacy, &x0, &x1, &ah);
				for (int c = 0; c < C; c++) {
					int32_t got = q_ibilinear(in[(y0 * W + x0) * C + c], in[(y0 * W + x1) * C + c],
								  in[(y1 * W + x0) * C + c], in[(y1 * W + x1) * C + c],
								  ah, av);
					int32_t want = gold(rs_gold[k].tflite, (size_t)((y * OW + x) * C + c), u8);
					if (got != want) {
						if (!bad)
							diag("(%d,%d,%d): %d, TFLite %d", y, x, c, got, want);
						bad++;
					}
				}
			}
		ok(bad == 0, "RESIZE_BILINEAR %s %dx%d->%dx%d %s matches TFLite", u8 ? "uint8" : "int8", H, W,
		   OH, OW, ac ? "align_corners" : legacy ? "legacy" : "half_pixel_centers");
	}
	int fails = 0;
	for (int n = 0; n < 200000; n++) {
		int32_t v[4], off = n & 1 ? 0 : -128;
		for (int i = 0; i < 4; i++)
			v[i] = off + (int32_t)(rnd() % 256);
		int32_t ah = (int32_t)(rnd() % 2049), av = (int32_t)(rnd() % 2049);
		if (q_ibilinear(v[0], v[1], v[2], v[3], ah, av) != ref_ibilinear(v[0], v[1], v[2], v[3], ah, av))
			fails++;
	}
	ok(fails == 0, "Q11 interpolation equals its exact integer form on 200000 values");
	/* Coordinates: half-pixel clamps to the edges, weights are lrintf(alpha * 2048). */
	int i0, i1;
	int32_t w;
	q_resize_coord(0, q_resize_scale(4, 8, 0), 4, 0, 0, &i0, &i1, &w);
	ok(i0 == 0 && i1 == 1 && w == 0, "half-pixel output 0 of 4->8 clamps to input 0 (%d %d %d)", i0, i1, w);
	q_resize_coord(7, q_resize_scale(4, 8, 0), 4, 0, 0, &i0, &i1, &w);
	ok(i0 == 3 && i1 == 3 && w == 0, "half-pixel output 7 of 4->8 clamps to input 3 (%d %d %d)", i0, i1, w);
	q_resize_coord(1, q_resize_scale(3, 4, 1), 3, 1, 0, &i0, &i1, &w);
	ok(i0 == 0 && i1 == 1 && w == 1365, "align_corners output 1 of 3->4: 2/3 -> weight 1365 (%d)", w);
	q_resize_coord(3, q_resize_scale(4, 5, 0), 4, 0, 1, &i0, &i1, &w);
	ok(i0 == 2 && i1 == 3 && w == 819, "legacy output 3 of 4->5: 2.4 -> rows 2,3 weight 819 (%d)", w);
}

int main(void)
{
	test_mul();
	test_hswish();
	test_resize();
	return tap_done();
}
