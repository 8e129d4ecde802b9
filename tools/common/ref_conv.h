/* SPDX-License-Identifier: MIT */
/*
 * Plain CPU reference for the chip's int8 convolution, written from
 * TFLite's definition of quantized convolution (not from the chip model),
 * for the in-VM tests and the demo to check the chip against.
 */
#ifndef ENPU_REF_CONV_H
#define ENPU_REF_CONV_H

#include <stdint.h>

struct ref_conv {
	int h, w, c;		/* input */
	int oc, k;		/* output channels, square kernel */
	int stride, pad;
	int oh, ow;		/* output */
	int32_t in_zp, out_zp;
};

/* TFLite's MultiplyByQuantizedMultiplier. */
int32_t ref_requant(int64_t acc, int32_t mult, int32_t shift);

/* NHWC int8 input, OHWI weights, per-channel {mult, shift} pairs. */
void ref_conv_s8(const struct ref_conv *p, const int8_t *x, const int8_t *w, const int32_t *bias,
		 const int32_t *quant, int8_t *y);

#endif
