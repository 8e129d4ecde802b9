// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "ref_conv.h"

/* Written as the definition reads: two roundings, each to nearest with
 * ties away from zero, computed exactly in 64 bits. */
int32_t ref_requant(int64_t acc, int32_t mult, int32_t shift)
{
	int64_t x = acc * ((int64_t)1 << (shift > 0 ? shift : 0));
	int64_t prod, q, r;

	if (x > INT32_MAX)
		x = INT32_MAX;
	if (x < INT32_MIN)
		x = INT32_MIN;
	prod = x * mult;
	q = prod / ((int64_t)1 << 31);
	r = prod % ((int64_t)1 << 31);
	if (2 * llabs(r) >= ((int64_t)1 << 31))
		q += prod < 0 ? -1 : 1;
	if (shift < 0) {
		int64_t d = (int64_t)1 << -shift, qq = q / d, rr = q % d;

		if (2 * llabs(rr) >= d)
			qq += q < 0 ? -1 : 1;
		q = qq;
	}
	return (int32_t)q;
}

void ref_conv_s8(const struct ref_conv *p, const int8_t *x, const int8_t *w, const int32_t *bias,
		 const int32_t *quant, int8_t *y)
{
	for (int oy = 0; oy < p->oh; oy++)
		for (int ox = 0; ox < p->ow; ox++)
			for (int o = 0; o < p->oc; o++) {
				int64_t acc = bias ? bias[o] : 0;
				int32_t v;

				for (int ky = 0; ky < p->k; ky++)
					for (int kx = 0; kx < p->k; kx++) {
						int iy = oy * p->stride - p->pad + ky;
						int ix = ox * p->stride - p->pad + kx;

						if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w)
							continue;
						for (int i = 0; i < p->c; i++)
							acc += (int64_t)(x[(iy * p->w + ix) * p->c + i] -
									 p->in_zp) *
							       w[((o * p->k + ky) * p->k + kx) * p->c + i];
					}
				v = ref_requant(acc, quant[2 * o], quant[2 * o + 1]) + p->out_zp;
				y[(oy * p->ow + ox) * p->oc + o] = v < -128 ? -128 : v > 127 ? 127 : v;
			}
}
