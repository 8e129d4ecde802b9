// SPDX-License-Identifier: MIT
/*
 * The integer LSTM's building blocks against an independent reference.
 * The library works on int16 raw values with masks, shifts and gemmlowp's
 * nudge-and-truncate; the reference below restates each fixed-point step on
 * doubles with the rounding written out (floor(x + 0.5), clamps instead of
 * threshold masks, fmod for the int16 wrap), so a shared mistake would have
 * to be made twice in two forms.  Sigmoid and tanh are checked on all 65536
 * inputs, and against the true functions within gemmlowp's int16 accuracy.
 * Byte equality with TFLite itself is tests/lib/models.sh's job; the state
 * test here checks the persist-until-reset contract on the shared model.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enpu/enpu.h"
#include "lstm.h"
#include "ref_quant.h"
#include "tap.h"
#define TEST_RNG_SEED 0x2545f4914f6cdd1dull
#include "rng.h"


/* ---- reference fixed point, on doubles holding raw int16 values ---- */

static double r_wrap(double v)
{
	double m = fmod(v + 32768.0, 65536.0);
	return (m < 0 ? m + 65536.0 : m) - 32768.0;
}

static double r_clamp(double v)
{
	return v > 32767.0 ? 32767.0 : v < -32768.0 ? -32768.0 : v;
}

/* Rounding doubling high multiply: real product rounded half up, (-1)(-1) saturated. */
static double r_mul(double a, double b)
{
	if (a == -32768.0 && b == -32768.0)
		return 32767.0;
	return floor(a * b / 32768.0 + 0.5);
}

/* Division by 2^e rounded half away from zero. */
static double r_div2(double x, int e)
{
	double q = x / ldexp(1.0, e);
	return x >= 0 ? floor(q + 0.5) : -floor(-q + 0.5);
}

static double r_const(double q31)
{
	return r_div2(q31, 16);
}

static double r_exp_quarter(double a)
{
	double c0 = r_const(1895147668.0), c3 = r_const(715827883.0);
	double x = r_wrap(a + 4096.0);
	double x2 = r_mul(x, x), x3 = r_mul(x2, x), x4 = r_mul(x2, x2);
	double inner = r_wrap(r_mul(r_wrap(r_div2(x4, 2) + x3), c3) + x2);
	return r_clamp(c0 + r_mul(c0, r_wrap(x + r_div2(inner, 1))));
}

static double r_exp_neg(double a, int ib)
{
	static const double mult[7] = { 1672461947, 1302514674, 790015084, 290630308, 39332535,
					720401, 242 };
	double quarter = ldexp(1.0, 13 - ib);
	/* a mod quarter, as the non-negative remainder, minus one quarter. */
	double m = fmod(a, quarter);
	if (m < 0)
		m += quarter;
	double amq = r_wrap(m - quarter);
	double r = r_exp_quarter(r_clamp(amq * ldexp(1.0, ib)));
	double rem = fmod(r_wrap(amq - a) + 65536.0, 65536.0);
	for (int k = -2; k <= 4 && k < ib; k++) {
		double bit = ldexp(1.0, 15 - ib + k);
		if (fmod(floor(rem / bit), 2.0) == 1.0)
			r = r_mul(r, r_const(mult[k + 2]));
	}
	if (ib > 5 && a < -ldexp(1.0, 20 - ib))
		r = 0;
	return a == 0 ? 32767.0 : r;
}

static double r_newton(double a, int one_minus)
{
	double s = a + 32767.0;
	double hd = s >= 0 ? floor((s + 1) / 2) : -floor((-s + 1) / 2);
	double x = r_wrap(r_const(1515870810.0) + r_mul(hd, r_const(-1010580540.0)));
	for (int i = 0; i < 3; i++)
		x = r_wrap(x + r_clamp(4 * r_mul(x, r_wrap(8192.0 - r_mul(hd, x)))));
	return one_minus ? r_clamp(4 * r_wrap(x - 8192.0)) : r_clamp(2 * x);
}

static int r_sigmoid(int v)
{
	if (v == 0)
		return 16384;
	double mag = v > 0 ? v : r_wrap(-(double)v);
	double p = r_newton(r_exp_neg(r_wrap(-mag), 3), 0);
	return (int)(v > 0 ? p : r_wrap(32767.0 - p));
}

static int r_tanh(int v, int ib)
{
	if (v == 0)
		return 0;
	double n = v < 0 ? v : r_wrap(-(double)v);
	double t = r_newton(r_exp_neg(n, ib + 1), 1);
	return (int)(v < 0 ? r_wrap(-t) : t);
}

/* ---- tests ---- */

static void test_activations(void)
{
	int bad = 0, first = 0;
	double worst = 0;
	for (int v = -32768; v <= 32767; v++) {
		int got = enpu_fx_sigmoid((int16_t)v), want = r_sigmoid(v);
		if (got != want && !bad++)
			first = v;
		double e = fabs(got - 32768.0 / (1.0 + exp(-v / 4096.0)));
		worst = e > worst ? e : worst;
	}
	if (bad)
		diag("sigmoid(%d) = %d, reference %d", first, enpu_fx_sigmoid((int16_t)first),
		     r_sigmoid(first));
	ok(!bad, "Q3.12 sigmoid equals the reference on all 65536 inputs (%d differ)", bad);
	ok(worst < 8.0, "Q3.12 sigmoid within 8 LSB of 1/(1+e^-x) (max %.2f)", worst);

	for (int ib = 0; ib <= 6; ib++) {
		bad = 0;
		worst = 0;
		for (int v = -32768; v <= 32767; v++) {
			int got = enpu_fx_tanh((int16_t)v, ib), want = r_tanh(v, ib);
			if (got != want && !bad++)
				first = v;
			double t = 32768.0 * tanh(ldexp(v, ib - 15));
			double e = fabs(got - (t > 32767 ? 32767 : t));
			worst = e > worst ? e : worst;
		}
		if (bad)
			diag("tanh<%d>(%d) = %d, reference %d", ib, first,
			     enpu_fx_tanh((int16_t)first, ib), r_tanh(first, ib));
		ok(!bad, "tanh with %d integer bits equals the reference on all inputs (%d differ)",
		   ib, bad);
		ok(worst < 14.0, "tanh with %d integer bits within 14 LSB of tanh (max %.2f)", ib,
		   worst);
	}
	is_int(enpu_fx_sigmoid(0), 16384, "sigmoid(0) is exactly one half");
	is_int(enpu_fx_tanh(0, 3), 0, "tanh(0) is 0");
	ok(enpu_fx_sigmoid(-32768) >= 0 && enpu_fx_sigmoid(-32768) < 16,
	   "sigmoid(-8) is close to 0 (the wrapped |x| still means -8)");
}

static void test_mul_shift(void)
{
	int bad = 0;
	for (int n = 0; n < 300000; n++) {
		int a = rint_in(-32768, 32767), b = rint_in(-32768, 32767);
		int sh = rint_in(1, 30);
		if (n % 5 == 0) /* exact ties */
			a = 1 << rint_in(0, 14), b = rint_in(-3, 3) | 1, sh = rint_in(1, 15);
		int want = (int)r_wrap(r_div2((double)a * b, sh));
		if (enpu_lstm_mul_shift((int16_t)a, (int16_t)b, sh) != want && !bad++)
			diag("mul_shift(%d, %d, %d) = %d, reference %d", a, b, sh,
			     enpu_lstm_mul_shift((int16_t)a, (int16_t)b, sh), want);
	}
	ok(!bad, "CwiseMul with a rounding shift on 300000 products (%d differ)", bad);
	is_int(enpu_lstm_mul_shift(-3, 1, 1), -2, "-1.5 rounds away from zero to -2");
	is_int(enpu_lstm_mul_shift(3, 1, 1), 2, "1.5 rounds away from zero to 2");
	is_int(enpu_lstm_mul_shift(-32768, -32768, 15), -32768,
	       "the 2^15 result wraps as TFLite's int16 cast does");
}

static void test_mul_rq(void)
{
	int bad = 0;
	for (int n = 0; n < 200000; n++) {
		int a = rint_in(-32768, 32767), b = rint_in(-32768, 32767);
		int zp = rint_in(-128, 127);
		double real = ldexp(1.0, -30) * exp((double)rint_in(0, 900) / 100.0);
		int32_t m;
		int s;
		ref_multiplier(real, &m, &s);
		int64_t v = (int64_t)ref_gemmlowp(a * b, m, s) - zp;
		int want = v < -128 ? -128 : v > 127 ? 127 : (int)v;
		if (enpu_lstm_mul_rq((int16_t)a, (int16_t)b, m, s, zp) != want && !bad++)
			diag("mul_rq(%d, %d, %d, %d, %d) = %d, reference %d", a, b, m, s, zp,
			     enpu_lstm_mul_rq((int16_t)a, (int16_t)b, m, s, zp), want);
	}
	ok(!bad, "hidden-state CwiseMul (requantize, minus zp, clamp) on 200000 products (%d differ)",
	   bad);
}

static void test_matvec(void)
{
	int bad = 0;
	for (int n = 0; n < 400; n++) {
		int rows = rint_in(1, 24), cols = rint_in(1, 64);
		int8_t *w = malloc((size_t)rows * cols), x[64];
		int32_t bias[24];
		int16_t out[24], want[24];
		for (int i = 0; i < rows * cols; i++)
			w[i] = (int8_t)rint_in(-128, 127);
		for (int i = 0; i < cols; i++)
			x[i] = (int8_t)rint_in(-128, 127);
		for (int r = 0; r < rows; r++) {
			bias[r] = rint_in(-200000, 200000);
			out[r] = want[r] = (int16_t)rint_in(-32768, 32767);
		}
		double real = exp(-(double)rint_in(0, 1200) / 100.0);
		int32_t m;
		int s;
		ref_multiplier(real, &m, &s);
		int zp = rint_in(-10, 10);
		for (int r = 0; r < rows; r++) {
			int64_t acc = bias[r];
			for (int c = 0; c < cols; c++)
				acc += (int64_t)w[r * cols + c] * x[c];
			double v = (double)ref_gemmlowp((int32_t)acc, m, s) + zp + want[r];
			want[r] = (int16_t)r_clamp(v);
		}
		enpu_lstm_matvec_acc(x, bias, w, rows, cols, m, s, zp, out);
		if (memcmp(out, want, (size_t)rows * sizeof(int16_t)) && !bad++)
			diag("case %d (%dx%d, scale %g) differs", n, rows, cols, real);
		free(w);
	}
	ok(!bad, "int8 matrix x vector accumulated into saturating int16 on 400 cases (%d differ)",
	   bad);
}

/* Variable tensors persist across invokes, as in TFLite, until reset_state. */
static void test_state(void)
{
	const char *sh = getenv("ENPU_SHARED");
	char path[512];
	snprintf(path, sizeof(path), "%s/models/keras_lstm_mnist_ptq.tflite", sh ? sh : "../shared");
	enpu_model *m = NULL;
	enpu_interp *it = NULL;
	if (!ok(enpu_model_load_file(NULL, path, &m) == 0, "load %s", path))
		return;
	if (!ok(enpu_interp_create(m, NULL, &it) == 0, "prepare the LSTM model")) {
		diag("%s", enpu_last_error());
		enpu_model_destroy(m);
		return;
	}
	uint8_t in[784], first[10], second[10];
	for (int i = 0; i < 784; i++)
		in[i] = (uint8_t)((i * 37) % 256);
	const void *o;
	size_t len;
	enpu_interp_set_input(it, 0, in, sizeof(in));
	enpu_interp_invoke(it);
	enpu_interp_output(it, 0, &o, &len);
	memcpy(first, o, sizeof(first));
	enpu_interp_invoke(it);
	enpu_interp_output(it, 0, &o, &len);
	memcpy(second, o, sizeof(second));
	diag("second invoke without reset %s the first", memcmp(first, second, 10) ? "differs from" :
	     "happens to equal");
	ok(enpu_interp_reset_state(it) == 0, "reset_state");
	enpu_interp_invoke(it);
	enpu_interp_output(it, 0, &o, &len);
	ok(len == 10 && !memcmp(o, first, 10), "after reset_state an invoke repeats the first result");
	enpu_interp_destroy(it);
	enpu_model_destroy(m);
}

int main(void)
{
	test_activations();
	test_mul_shift();
	test_mul_rq();
	test_matvec();
	test_state();
	return tap_done();
}
