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

/* Depthwise windows with more taps than this go to the scalar kernels. */
#define DW_MAX_TAPS 64

/*
 * The tap pointers of a depthwise window, output pixel after output pixel,
 * for kernels that reach their taps through pointers: a tap in the padding
 * points at zrow, a row of input zero points.  Pixel coordinates advance by
 * increments (three divides per pixel cost as much as a thin layer's
 * arithmetic), and a window wholly inside the input is its base pointer
 * plus offsets computed once.
 */
struct dw_walk {
	const struct enpu_conv_params *p;
	const uint8_t *in, *zrow;
	int c, span_y, span_x;
	int b, oy, ox;
	ptrdiff_t off[DW_MAX_TAPS];
};

/* Ready to produce pixel m0's taps first; c is the channel count (the row stride). */
static inline __attribute__((always_inline)) void
dw_walk_init(struct dw_walk *w, const struct enpu_conv_params *p, const uint8_t *in,
	     const uint8_t *zrow, int c, size_t m0)
{
	size_t hw = (size_t)p->oh * p->ow;
	w->p = p;
	w->in = in;
	w->zrow = zrow;
	w->c = c;
	w->span_y = (p->fh - 1) * p->dh;
	w->span_x = (p->fw - 1) * p->dw;
	for (int t = 0; t < p->fh * p->fw; t++)
		w->off[t] = ((ptrdiff_t)(t / p->fw) * p->dh * p->iw +
			     (ptrdiff_t)(t % p->fw) * p->dw) * c;
	w->b = (int)(m0 / hw);
	w->oy = (int)(m0 % hw / p->ow);
	w->ox = (int)(m0 % p->ow) - 1;
}

/*
 * The next pixel's fh * fw tap pointers into tp.  The walk's fields are
 * read into locals first: tp's stores could alias the pointer fields and
 * would make the compiler reload them on every tap.
 */
static inline __attribute__((always_inline)) void
dw_walk_next(struct dw_walk *w, const uint8_t **tp)
{
	const struct enpu_conv_params *p = w->p;
	const uint8_t *in = w->in, *zrow = w->zrow;
	int b = w->b, oy = w->oy, ox = w->ox + 1, c = w->c, taps = p->fh * p->fw;
	if (ox == p->ow) {
		ox = 0;
		if (++oy == p->oh) {
			oy = 0;
			b++;
		}
	}
	w->b = b;
	w->oy = oy;
	w->ox = ox;
	int iy0 = oy * p->sh - p->pad_t, ix0 = ox * p->sw - p->pad_l;
	if (__builtin_expect(iy0 >= 0 && iy0 + w->span_y < p->ih && ix0 >= 0 &&
			     ix0 + w->span_x < p->iw, 1)) {
		const uint8_t *base = in + (((size_t)b * p->ih + iy0) * p->iw + ix0) * c;
		const ptrdiff_t *off = w->off;
		for (int t = 0; t < taps; t++)
			tp[t] = base + off[t];
		return;
	}
	int t = 0;
	for (int ky = 0; ky < p->fh; ky++) {
		int iy = iy0 + ky * p->dh;
		for (int kx = 0; kx < p->fw; kx++, t++) {
			int ix = ix0 + kx * p->dw;
			tp[t] = iy < 0 || iy >= p->ih || ix < 0 || ix >= p->iw ? zrow :
				in + (((size_t)b * p->ih + iy) * p->iw + ix) * c;
		}
	}
}

#endif
