// SPDX-License-Identifier: MIT
/*
 * UNIDIRECTIONAL_SEQUENCE_LSTM, fully integer (TFLite's "8x8->16" form that
 * post-training quantization produces): int8 input, weights and hidden
 * state, int16 gates (Q3.12 before the activation, Q0.15 after) and an int16
 * cell state whose scale is a power of two.  The arithmetic follows TFLite's
 * reference integer LSTM step by step -- it is what TFLite runs, XNNPACK has
 * no quantized LSTM -- including its saturations, its int16 wrap-arounds and
 * its zero-point conventions, because the aim is byte equality.
 *
 * Supported: the plain LSTM (no CIFG, no peephole, no projection, no layer
 * normalization), batch- or time-major.  The other variants are refused by
 * name rather than run untested.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "interp.h"
#include "lstm.h"
#include "quant.h"

/* ---- int16 fixed point, as gemmlowp's FixedPoint<int16_t, N> computes it ---- */

/* gemmlowp's int16 add/sub/negate are computed in int and truncated: wrap. */
static int32_t w16(int32_t v)
{
	return (int32_t)(int16_t)(uint16_t)(uint32_t)v;
}

static int32_t sat16(int32_t v)
{
	return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v;
}

/* Q0.15 x Q0.15 -> Q0.15 with round-half-away, saturating only (-1)*(-1). */
static int32_t fx_mul(int32_t a, int32_t b)
{
	if (a == INT16_MIN && b == INT16_MIN)
		return INT16_MAX;
	int32_t ab = a * b;
	int32_t nudge = ab >= 0 ? (1 << 14) : 1 - (1 << 14);
	return (ab + nudge) / (1 << 15);
}

/* Multiplication by 2^e, e > 0, saturating. */
static int32_t fx_shl_sat(int32_t x, int e)
{
	int32_t thr = (1 << (15 - e)) - 1;
	if (x > thr)
		return INT16_MAX;
	if (x < -thr)
		return INT16_MIN;
	return x * (1 << e);
}

/* gemmlowp states its constants as Q31 raw values and rounds them to 16 bits. */
static int32_t fx_const(int32_t q31)
{
	return q_rdivpot(q31, 16);
}

/* exp(a) for a in [-1/4, 0), a in Q0.15: Taylor series around -1/8. */
static int32_t exp_quarter(int32_t a)
{
	const int32_t c_exp_m1_8 = fx_const(1895147668), c_1_3 = fx_const(715827883);
	int32_t x = w16(a + (1 << 12));
	int32_t x2 = fx_mul(x, x), x3 = fx_mul(x2, x), x4 = fx_mul(x2, x2);
	int32_t x4_4 = q_rdivpot(x4, 2);
	int32_t poly = q_rdivpot(w16(fx_mul(w16(x4_4 + x3), c_1_3) + x2), 1);
	return sat16(c_exp_m1_8 + fx_mul(c_exp_m1_8, w16(x + poly)));
}

/* exp(a) for a <= 0 with ibits integer bits; Q0.15 result. */
static int32_t exp_neg(int32_t a, int ibits)
{
	static const int32_t mults[7] = { 1672461947, 1302514674, 790015084, 290630308,
					  39332535, 720401, 242 };
	int frac = 15 - ibits;
	int32_t quarter = 1 << (frac - 2);
	int32_t a_mod = w16((a & (quarter - 1)) - quarter);
	/* Rescale to Q0.15: a left shift by ibits, saturating. */
	int32_t r = exp_quarter(ibits ? fx_shl_sat(a_mod, ibits) : a_mod);
	uint32_t rem = (uint32_t)w16(a_mod - a) & 0xffffu;
	/* Multiply in exp(-2^k) for each bit k = -2..4 of the remaining magnitude. */
	for (int k = -2; k <= 4; k++)
		if (ibits > k && (rem & (1u << (frac + k))))
			r = fx_mul(r, fx_const(mults[k + 2]));
	if (ibits > 5 && a < -(1 << (20 - ibits)))
		r = 0;
	return a == 0 ? INT16_MAX : r;
}

/* Newton-Raphson 1/(1+a) or (1-a)/(1+a) for a in Q0.15 [0,1), iterating in Q2.13. */
static int32_t nr_recip(int32_t a, int one_minus)
{
	int32_t sum = a + INT16_MAX;
	int32_t half_den = (sum + (sum >= 0 ? 1 : -1)) / 2;
	const int32_t c48_17 = fx_const(1515870810), cm32_17 = fx_const(-1010580540);
	const int32_t one_q2 = 1 << 13;
	int32_t x = w16(c48_17 + fx_mul(half_den, cm32_17));
	for (int i = 0; i < 3; i++) {
		int32_t e = w16(one_q2 - fx_mul(half_den, x));
		x = w16(x + fx_shl_sat(fx_mul(x, e), 2));
	}
	if (one_minus)
		return fx_shl_sat(w16(x - one_q2), 2);
	/* x/2 read as Q1.14, rescaled to Q0.15. */
	return fx_shl_sat(x, 1);
}

int16_t enpu_fx_sigmoid(int16_t in)
{
	int32_t a = in;
	if (a == 0)
		return 1 << 14;
	/* |a|, wrapping for -32768 exactly as gemmlowp does (it still means -8 there). */
	int32_t mag = a > 0 ? a : w16(-a);
	int32_t pos = nr_recip(exp_neg(w16(-mag), 3), 0);
	return (int16_t)(a > 0 ? pos : w16(INT16_MAX - pos));
}

int16_t enpu_fx_tanh(int16_t in, int ibits)
{
	int32_t a = in;
	if (a == 0)
		return 0;
	int32_t n = a < 0 ? a : w16(-a);
	/* exp(2n): the same raw value read with one more integer bit. */
	int32_t t = nr_recip(exp_neg(n, ibits + 1), 1);
	return (int16_t)(a < 0 ? w16(-t) : t);
}

int16_t enpu_lstm_mul_shift(int16_t a, int16_t b, int shift)
{
	return (int16_t)w16(q_rdivpot((int32_t)a * b, shift));
}

int8_t enpu_lstm_mul_rq(int16_t a, int16_t b, int32_t mult, int shift, int32_t zp)
{
	int32_t v = q_mul((int32_t)a * b, mult, shift);
	/* TFLite subtracts the zero point it is handed here (see the caller). */
	v = q_sat_add(v, -zp);
	return (int8_t)q_clamp(v, -128, 127);
}

void enpu_lstm_matvec_acc(const int8_t *x, const int32_t *bias, const int8_t *w, int rows,
			  int cols, int32_t mult, int shift, int32_t zp, int16_t *out)
{
	for (int r = 0; r < rows; r++) {
		const int8_t *row = w + (size_t)r * (size_t)cols;
		/* int64 so a hostile bias cannot overflow; sane models stay in int32. */
		int64_t acc = bias[r];
		for (int c = 0; c < cols; c++)
			acc += (int32_t)row[c] * x[c];
		int32_t a32 = acc > INT32_MAX ? INT32_MAX : acc < INT32_MIN ? INT32_MIN : (int32_t)acc;
		int64_t v = (int64_t)q_mul(a32, mult, shift) + zp + out[r];
		out[r] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
	}
}

/* ---- the operator ---- */

enum {
	IN_INPUT = 0,
	IN_I2I = 1, IN_I2F, IN_I2C, IN_I2O,
	IN_R2I = 5, IN_R2F, IN_R2C, IN_R2O,
	IN_C2I = 9, IN_C2F, IN_C2O,
	IN_BI = 12, IN_BF, IN_BC, IN_BO,
	IN_PROJ_W = 16, IN_PROJ_B = 17,
	IN_OUT_STATE = 18, IN_CELL_STATE = 19,
	IN_LN_I = 20, IN_LN_F, IN_LN_C, IN_LN_O,
};

enum { G_I, G_F, G_C, G_O, NGATES };

struct lstm_gate {
	const int8_t *wi, *wr;		/* input and recurrent weights */
	int32_t *bi, *br;		/* biases with the zero points folded in */
	int32_t mi, mr;			/* effective multipliers */
	int si, sr;
};

struct lstm_state {
	struct lstm_gate g[NGATES];
	int n_batch, n_time, n_input, n_cell, n_output;
	bool time_major;
	int cell_scale;			/* log2 of the cell state's scale */
	int16_t cell_clip;		/* 0: no clipping */
	int32_t hidden_mult, hidden_zp;
	int hidden_shift;
	int16_t *gate[NGATES], *tmp;
	int8_t *hidden;
};

static const char *const in_names[24] = {
	"input", "input_to_input_weights", "input_to_forget_weights", "input_to_cell_weights",
	"input_to_output_weights", "recurrent_to_input_weights", "recurrent_to_forget_weights",
	"recurrent_to_cell_weights", "recurrent_to_output_weights", "cell_to_input_weights",
	"cell_to_forget_weights", "cell_to_output_weights", "input_gate_bias",
	"forget_gate_bias", "cell_gate_bias", "output_gate_bias", "projection_weights",
	"projection_bias", "output_state", "cell_state", "input_layer_norm_coefficients",
	"forget_layer_norm_coefficients", "cell_layer_norm_coefficients",
	"output_layer_norm_coefficients",
};

#define FAIL(...) lstm_fail(-EINVAL, idx, __VA_ARGS__)
#define UNSUP(...) lstm_fail(-ENOTSUP, idx, __VA_ARGS__)

static int lstm_fail(int err, int idx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int lstm_fail(int err, int idx, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return enpu_err(err, "operator %d (UNIDIRECTIONAL_SEQUENCE_LSTM): %s", idx, msg);
}

static const struct ir_tensor *in_t(struct enpu_interp *it, const struct ir_op *op, int i)
{
	return i < op->nin && op->in[i] >= 0 ? &it->m->t[op->in[i]] : NULL;
}

/* One scale and zero point, of the given type. */
static int check_q1(int idx, const struct ir_tensor *t, int i, int type)
{
	if (t->type != type)
		return FAIL("%s '%.40s' is %s, the integer LSTM needs %s", in_names[i], t->name,
			    enpu_type_name(t->type), enpu_type_name(type));
	if (t->nq != 1)
		return FAIL("%s '%.40s' needs one scale and zero point, has %d", in_names[i],
			    t->name, t->nq);
	return 0;
}

static int check_weights(int idx, const struct ir_tensor *t, int i, int rows, int cols)
{
	int r = check_q1(idx, t, i, ENPU_TYPE_INT8);
	if (r)
		return r;
	if (!t->data)
		return FAIL("%s '%.40s' is not constant", in_names[i], t->name);
	if (t->zp[0] != 0)
		return FAIL("%s '%.40s' has zero point %lld, int8 weights need 0", in_names[i],
			    t->name, (long long)t->zp[0]);
	if (t->ndim != 2 || t->dims[0] != rows || t->dims[1] != cols)
		return FAIL("%s '%.40s' should be [%d,%d]", in_names[i], t->name, rows, cols);
	return 0;
}

static int check_bias(int idx, const struct ir_tensor *t, int i, int n)
{
	if (t->type != ENPU_TYPE_INT32 || !t->data)
		return FAIL("%s '%.40s' must be a constant int32 tensor", in_names[i], t->name);
	if (t->ndim != 1 || t->dims[0] != n)
		return FAIL("%s '%.40s' should be [%d]", in_names[i], t->name, n);
	return 0;
}

/* TFLite's CheckedLog2: the scale must be a power of two (to float precision). */
static int checked_log2(float s, int *e)
{
	double l = log2((double)s);
	double ri = round(l);
	if (fabs(l - ri) >= 1e-3)
		return 0;
	*e = (int)ri;
	return 1;
}

/*
 * TFLite folds the input zero point into the bias: bias[r] - zp * sum_c w[r][c].
 * Computed in int64 and refused if it leaves int32 (TFLite would overflow).
 */
static int fold_bias(struct enpu_interp *it, int idx, const struct ir_tensor *w,
		     const struct ir_tensor *b, int32_t zp, int32_t **out)
{
	int rows = w->dims[0], cols = w->dims[1];
	int32_t *o = enpu_interp_alloc(it, (size_t)rows * sizeof(int32_t));
	if (!o)
		return -ENOMEM;
	const int8_t *wd = w->data;
	const int32_t *bd = b ? b->data : NULL;
	for (int r = 0; r < rows; r++) {
		int64_t s = 0;
		for (int c = 0; c < cols; c++)
			s += wd[(size_t)r * (size_t)cols + (size_t)c];
		int64_t v = (bd ? bd[r] : 0) - (int64_t)zp * s;
		if (v < INT32_MIN || v > INT32_MAX)
			return FAIL("bias row %d of '%.40s' with the zero point folded in overflows int32",
				    r, w->name);
		o[r] = (int32_t)v;
	}
	*out = o;
	return 0;
}

/* The effective multiplier of a float scale, computed as TFLite does (float, then double). */
static int eff_mult(int idx, float real, const char *what, int32_t *m, int *s)
{
	if (!isfinite(real) || real <= 0 || real >= (float)(1 << 30))
		return FAIL("effective %s scale %g is out of range", what, (double)real);
	q_quantize_multiplier((double)real, m, s);
	return 0;
}

int enpu_lstm_prepare(struct enpu_interp *it, struct ir_op *op, int idx)
{
	int r;
	if (op->nin != 24 && op->nin != 20)
		return FAIL("has %d inputs, expected 24 (or 20 without layer normalization)",
			    op->nin);
	if (op->nout != 1)
		return FAIL("has %d outputs, expected 1", op->nout);
	static const int required[] = { IN_INPUT, IN_I2F, IN_I2C, IN_I2O, IN_R2F, IN_R2C,
					IN_R2O, IN_BF, IN_BC, IN_BO, IN_OUT_STATE,
					IN_CELL_STATE };
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!in_t(it, op, required[i]))
			return FAIL("required input %d (%s) is absent", required[i],
				    in_names[required[i]]);

	/* Variants: each needs its tensors all present or all absent. */
	bool cifg = !in_t(it, op, IN_I2I);
	if (cifg != !in_t(it, op, IN_R2I) || cifg != !in_t(it, op, IN_BI))
		return FAIL("input_to_input_weights, recurrent_to_input_weights and input_gate_bias must be all present or all absent (CIFG)");
	bool peep = in_t(it, op, IN_C2F) || in_t(it, op, IN_C2O) || in_t(it, op, IN_C2I);
	bool proj = in_t(it, op, IN_PROJ_W) || in_t(it, op, IN_PROJ_B);
	bool ln = false;
	for (int i = IN_LN_I; i <= IN_LN_O; i++)
		ln = ln || in_t(it, op, i);
	if (cifg)
		return UNSUP("CIFG (coupled input and forget gates) is not supported");
	if (peep)
		return UNSUP("peephole connections are not supported");
	if (proj)
		return UNSUP("projection is not supported");
	if (ln)
		return UNSUP("layer normalization is not supported");

	const struct ir_tensor *x = in_t(it, op, IN_INPUT), *o = &it->m->t[op->out[0]];
	const struct ir_tensor *hs = in_t(it, op, IN_OUT_STATE), *cs = in_t(it, op, IN_CELL_STATE);
	if (x->type == ENPU_TYPE_FLOAT32)
		return UNSUP("float and hybrid LSTMs are not supported, only the integer one");
	if ((r = check_q1(idx, x, IN_INPUT, ENPU_TYPE_INT8)))
		return r;
	if (x->ndim != 3)
		return FAIL("input '%.40s' is %d-D, expected 3-D", x->name, x->ndim);
	struct lstm_state *s = enpu_interp_alloc(it, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->time_major = op->o.time_major;
	s->n_time = x->dims[s->time_major ? 0 : 1];
	s->n_batch = x->dims[s->time_major ? 1 : 0];
	s->n_input = x->dims[2];
	const struct ir_tensor *w_o = in_t(it, op, IN_I2O), *r_o = in_t(it, op, IN_R2O);
	if (w_o->ndim != 2 || r_o->ndim != 2)
		return FAIL("input_to_output_weights and recurrent_to_output_weights must be 2-D");
	s->n_cell = w_o->dims[0];
	s->n_output = r_o->dims[1];
	if (s->n_input < 1 || s->n_cell < 1 || s->n_output < 1)
		return FAIL("empty input (%d), cell (%d) or output (%d) size", s->n_input,
			    s->n_cell, s->n_output);
	if (s->n_output != s->n_cell)
		return FAIL("output size %d differs from cell size %d without projection",
			    s->n_output, s->n_cell);
	/* 8-bit products are < 2^14: this keeps the int32 accumulator exact. */
	if (s->n_input > 32768 || s->n_output > 32768)
		return FAIL("input size %d or output size %d could overflow the 32-bit accumulator",
			    s->n_input, s->n_output);
	for (int i = IN_I2I; i <= IN_I2O; i++)
		if ((r = check_weights(idx, in_t(it, op, i), i, s->n_cell, s->n_input)))
			return r;
	for (int i = IN_R2I; i <= IN_R2O; i++)
		if ((r = check_weights(idx, in_t(it, op, i), i, s->n_cell, s->n_output)))
			return r;
	for (int i = IN_BI; i <= IN_BO; i++)
		if ((r = check_bias(idx, in_t(it, op, i), i, s->n_cell)))
			return r;

	/* The states persist across invokes: they must be writable variables. */
	if (!hs->is_variable || hs->data || !cs->is_variable || cs->data)
		return FAIL("output_state and cell_state must be variable tensors without data");
	if (op->in[IN_OUT_STATE] == op->in[IN_CELL_STATE])
		return FAIL("output_state and cell_state are the same tensor");
	if ((r = check_q1(idx, hs, IN_OUT_STATE, ENPU_TYPE_INT8)) ||
	    (r = check_q1(idx, cs, IN_CELL_STATE, ENPU_TYPE_INT16)))
		return r;
	if (hs->count != (size_t)s->n_batch * (size_t)s->n_output)
		return FAIL("output_state has %zu elements, expected %d x %d", hs->count,
			    s->n_batch, s->n_output);
	if (cs->count != (size_t)s->n_batch * (size_t)s->n_cell)
		return FAIL("cell_state has %zu elements, expected %d x %d", cs->count, s->n_batch,
			    s->n_cell);
	if (cs->zp[0] != 0)
		return FAIL("cell_state has zero point %lld, expected 0", (long long)cs->zp[0]);
	if (!checked_log2(cs->scale[0], &s->cell_scale))
		return FAIL("cell_state scale %g is not a power of two", (double)cs->scale[0]);
	/* tanh of the cell state reads it with 15 + cell_scale integer bits, 0..6 exist. */
	if (s->cell_scale < -15 || s->cell_scale > -9)
		return FAIL("cell_state scale 2^%d is outside 2^-15..2^-9", s->cell_scale);

	if (check_q1(idx, o, 0, ENPU_TYPE_INT8))
		return FAIL("output '%.40s' must be int8 with one scale", o->name);
	if (o->ndim != 3 || o->dims[0] != x->dims[0] || o->dims[1] != x->dims[1] ||
	    o->dims[2] != s->n_output)
		return FAIL("output '%.40s' should be [%d,%d,%d]", o->name, x->dims[0], x->dims[1],
			    s->n_output);

	/* Intermediate 4 carries the hidden state's quantization (the others: layer norm only). */
	if (op->ninter < 5)
		return FAIL("has %d intermediate tensors, the integer LSTM needs 5", op->ninter);
	const struct ir_tensor *hid = &it->m->t[op->inter[4]];
	if (hid->nq < 1)
		return FAIL("intermediate 4 '%.40s' (hidden state) is not quantized", hid->name);
	if (hid->zp[0] < -128 || hid->zp[0] > 127)
		return FAIL("hidden state zero point %lld is outside int8", (long long)hid->zp[0]);

	/*
	 * Effective scales, in float as TFLite computes them: the gate
	 * pre-activations are Q3.12 (scale 2^-12) without layer norm.
	 */
	const float gate_scale = 0x1p-12f;
	float xs = x->scale[0], hsc = hs->scale[0];
	int32_t xzp = (int32_t)x->zp[0], hzp = (int32_t)hs->zp[0];
	static const char *const gname[NGATES] = { "input", "forget", "cell", "output" };
	for (int g = 0; g < NGATES; g++) {
		const struct ir_tensor *wi = in_t(it, op, IN_I2I + g), *wr = in_t(it, op, IN_R2I + g);
		struct lstm_gate *G = &s->g[g];
		char what[64];
		G->wi = wi->data;
		G->wr = wr->data;
		snprintf(what, sizeof(what), "input-to-%s", gname[g]);
		if ((r = eff_mult(idx, wi->scale[0] * xs / gate_scale, what, &G->mi, &G->si)))
			return r;
		snprintf(what, sizeof(what), "recurrent-to-%s", gname[g]);
		if ((r = eff_mult(idx, wr->scale[0] * hsc / gate_scale, what, &G->mr, &G->sr)))
			return r;
		/* The gate bias rides with the input product (without layer norm). */
		if ((r = fold_bias(it, idx, wi, in_t(it, op, IN_BI + g), xzp, &G->bi)) ||
		    (r = fold_bias(it, idx, wr, NULL, hzp, &G->br)))
			return r;
	}
	float hidden_real = 0x1p-15f / hid->scale[0] * 0x1p-15f;
	if ((r = eff_mult(idx, hidden_real, "hidden", &s->hidden_mult, &s->hidden_shift)))
		return r;
	s->hidden_zp = (int32_t)hid->zp[0];
	s->cell_clip = 0;
	if (op->o.cell_clip > 0) {
		float q = op->o.cell_clip / cs->scale[0];
		q = q < -32768.0f ? -32768.0f : q > 32767.0f ? 32767.0f : q;
		s->cell_clip = (int16_t)q;
	}

	size_t n = (size_t)s->n_batch * (size_t)s->n_cell;
	for (int g = 0; g < NGATES; g++)
		if (!(s->gate[g] = enpu_interp_alloc(it, n * sizeof(int16_t))))
			return -ENOMEM;
	s->tmp = enpu_interp_alloc(it, n * sizeof(int16_t));
	s->hidden = enpu_interp_alloc(it, n);
	if (!s->tmp || !s->hidden)
		return -ENOMEM;
	it->opstate[idx] = s;
	return 0;
}

/* One time step for nb batch rows whose inputs/states/outputs are contiguous. */
static void lstm_step(const struct lstm_state *s, int nb, const int8_t *x, int8_t *h, int16_t *c,
		      int8_t *out)
{
	int nc = s->n_cell, ni = s->n_input, no = s->n_output;
	size_t n = (size_t)nb * (size_t)nc;
	static const int order[NGATES] = { G_F, G_C, G_I, G_O };

	/* Gate order as TFLite: forget, cell, input; the cell update; then output. */
	for (int k = 0; k < NGATES; k++) {
		int g = order[k];
		const struct lstm_gate *G = &s->g[g];
		int16_t *gt = s->gate[g];
		if (g == G_O) {
			/* forget*cell at Q0.15*scale, input*cell_gate from Q0.15*Q0.15. */
			for (size_t i = 0; i < n; i++) {
				int32_t a = enpu_lstm_mul_shift(s->gate[G_F][i], c[i], 15);
				int32_t b = enpu_lstm_mul_shift(s->gate[G_I][i], s->gate[G_C][i],
								30 + s->cell_scale);
				int32_t v = sat16(a + b);
				if (s->cell_clip > 0)
					v = q_clamp(v, -s->cell_clip, s->cell_clip);
				c[i] = (int16_t)v;
			}
		}
		memset(gt, 0, n * sizeof(int16_t));
		for (int b = 0; b < nb; b++) {
			int16_t *row = gt + (size_t)b * (size_t)nc;
			enpu_lstm_matvec_acc(x + (size_t)b * (size_t)ni, G->bi, G->wi, nc, ni, G->mi,
					     G->si, 0, row);
			enpu_lstm_matvec_acc(h + (size_t)b * (size_t)no, G->br, G->wr, nc, no, G->mr,
					     G->sr, 0, row);
		}
		for (size_t i = 0; i < n; i++)
			gt[i] = g == G_C ? enpu_fx_tanh(gt[i], 3) : enpu_fx_sigmoid(gt[i]);
	}
	for (size_t i = 0; i < n; i++) {
		int16_t t = enpu_fx_tanh(c[i], 15 + s->cell_scale);
		s->hidden[i] = enpu_lstm_mul_rq(s->gate[G_O][i], t, s->hidden_mult,
						s->hidden_shift, s->hidden_zp);
	}
	/* Without projection the hidden vector is the new output state (out may alias it). */
	memmove(h, s->hidden, n);
	memmove(out, h, n);
}

void enpu_lstm_eval(struct enpu_interp *it, struct ir_op *op)
{
	const struct lstm_state *s = it->opstate[op - it->m->ops];
	const int8_t *x = it->ptr[op->in[IN_INPUT]];
	int8_t *h = it->ptr[op->in[IN_OUT_STATE]];
	int16_t *c = it->ptr[op->in[IN_CELL_STATE]];
	int8_t *out = it->ptr[op->out[0]];
	size_t ni = (size_t)s->n_input, no = (size_t)s->n_output, nc = (size_t)s->n_cell;
	size_t nb = (size_t)s->n_batch;

	if (s->time_major) {
		for (int t = 0; t < s->n_time; t++)
			lstm_step(s, s->n_batch, x + (size_t)t * nb * ni, h, c,
				  out + (size_t)t * nb * no);
		return;
	}
	/* Batch-major: each sequence runs on its own, one batch row at a time. */
	for (size_t b = 0; b < nb; b++)
		for (int t = 0; t < s->n_time; t++) {
			size_t off = b * (size_t)s->n_time + (size_t)t;
			lstm_step(s, 1, x + off * ni, h + b * no, c + b * nc, out + off * no);
		}
}
