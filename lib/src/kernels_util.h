/* SPDX-License-Identifier: MIT */
/*
 * Small helpers every SIMD kernel unit uses for packing and scratch
 * layout.  Static inline: each ISA unit keeps its own copy, compiled with
 * its own flags, so nothing here can leak an instruction into a unit
 * whose CPU lacks it.
 */
#ifndef ENPU_KERNELS_UTIL_H
#define ENPU_KERNELS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"

static inline size_t rup(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

static inline void *align64(const void *p)
{
	return (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

/* Wrapping int32 arithmetic is done in uint32_t: signed overflow is undefined. */
static inline uint32_t u32(int32_t x)
{
	return (uint32_t)x;
}

/*
 * The input bytes under output pixel (b, oy, ox)'s window, tap after tap,
 * into dst (one im2col row); taps in the padding read the input zero
 * point.  Returns the bytes written, fh * fw * ic.
 */
static inline int im2col_window(const struct enpu_conv_params *p, const uint8_t *in, int b,
				int oy, int ox, uint8_t *dst)
{
	uint8_t *d = dst;
	for (int ky = 0; ky < p->fh; ky++) {
		int iy = oy * p->sh - p->pad_t + ky * p->dh;
		for (int kx = 0; kx < p->fw; kx++, d += p->ic) {
			int ix = ox * p->sw - p->pad_l + kx * p->dw;
			if (iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw)
				memset(d, (uint8_t)p->in_zp, (size_t)p->ic);
			else
				memcpy(d, in + (((size_t)b * p->ih + iy) * p->iw + ix) * p->ic,
				       (size_t)p->ic);
		}
	}
	return (int)(d - dst);
}

#endif
