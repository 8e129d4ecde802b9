/* SPDX-License-Identifier: MIT */
/*
 * Integer building blocks of TFLite's fully quantized ("8x8->16") LSTM:
 * int8 activations and weights, int16 gates and cell state.  Exposed to the
 * unit tests, which check them against an independent reference.
 */
#ifndef ENPU_LSTM_H
#define ENPU_LSTM_H

#include <stdint.h>

#include "internal.h"

/* logistic() of an int16 fixed-point value with 3 integer bits (Q3.12), Q0.15 result. */
ENPU_HIDDEN int16_t enpu_fx_sigmoid(int16_t x);
/* tanh() of an int16 fixed-point value with ibits (0..6) integer bits, Q0.15 result. */
ENPU_HIDDEN int16_t enpu_fx_tanh(int16_t x, int ibits);
/* a*b rounded-shifted right by shift (ties away from zero), wrapped to int16 as TFLite casts. */
ENPU_HIDDEN int16_t enpu_lstm_mul_shift(int16_t a, int16_t b, int shift);
/* a*b requantized by mult*2^shift, then "minus zp" as TFLite writes it, clamped to int8. */
ENPU_HIDDEN int8_t enpu_lstm_mul_rq(int16_t a, int16_t b, int32_t mult, int shift, int32_t zp);
/*
 * out[r] = sat16(out[r] + zp + rq(bias[r] + sum_c w[r][c] * x[c])) for
 * rows rows of cols columns: TFLite's MatrixBatchVectorMultiplyAccumulate
 * with int16 output, for one batch vector.
 */
ENPU_HIDDEN void enpu_lstm_matvec_acc(const int8_t *x, const int32_t *bias, const int8_t *w,
				      int rows, int cols, int32_t mult, int shift, int32_t zp,
				      int16_t *out);

#endif
