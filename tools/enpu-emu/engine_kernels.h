/* SPDX-License-Identifier: MIT */
/*
 * Accumulation kernels of the MAC array, instantiated by engine.c once per
 * element type (no include guard on purpose).  KT is the type holding an
 * operand with its zero point already subtracted: int16_t when every value
 * fits (the common case, cheap to multiply), uint32_t otherwise (extreme
 * zero points).  Both accumulate in uint32_t, so the result is the exact
 * sum modulo 2^32 either way: the instantiations agree bit for bit and the
 * int32 accumulator wraps like a hardware one, without signed overflow.
 *
 * Expects KT, KFN(name), struct op, struct fmap and win_range().
 */

/* Dense [h][w][c] copy of a feature map, zero point subtracted. */
static void KFN(load_fm)(const struct fmap *f, bool sgn, KT *dst)
{
	const uint32_t zp = (uint32_t)f->zp;
	size_t i = 0;

	for (uint32_t y = 0; y < f->h; y++) {
		for (uint32_t x = 0; x < f->w; x++) {
			const uint8_t *s = f->rd + y * f->rs + x * f->ps;

			if (sgn) {
				for (uint32_t c = 0; c < f->c; c++)
					dst[i++] = (KT)((uint32_t)(int32_t)(int8_t)s[c] - zp);
			} else {
				for (uint32_t c = 0; c < f->c; c++)
					dst[i++] = (KT)((uint32_t)s[c] - zp);
			}
		}
	}
}

static void KFN(load_w)(const uint8_t *s, size_t n, bool sgn, int32_t zp, KT *dst)
{
	const uint32_t z = (uint32_t)zp;

	if (sgn) {
		for (size_t i = 0; i < n; i++)
			dst[i] = (KT)((uint32_t)(int32_t)(int8_t)s[i] - z);
	} else {
		for (size_t i = 0; i < n; i++)
			dst[i] = (KT)((uint32_t)s[i] - z);
	}
}

static uint32_t KFN(dot)(const KT *restrict a, const KT *restrict b, size_t n)
{
	uint32_t part[8] = { 0 }, s = 0;
	size_t i = 0;

	/* Fixed-width blocks: -O2's cheap vectoriser turns the inner loop
	 * into SIMD, where a plain reduction loop would stay scalar. */
	for (; i + 8 <= n; i += 8)
		for (size_t j = 0; j < 8; j++)
			part[j] += (uint32_t)(a[i + j] * b[i + j]);
	for (; i < n; i++)
		s += (uint32_t)(a[i] * b[i]);
	for (size_t j = 0; j < 8; j++)
		s += part[j];
	return s;
}

/* a[i] += x[i] * w[i], blocked like dot() for the same reason. */
static void KFN(mac_vec)(uint32_t *restrict a, const KT *restrict x, const KT *restrict w,
			 size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		for (size_t j = 0; j < 8; j++)
			a[i + j] += (uint32_t)(x[i + j] * w[i + j]);
	for (; i < n; i++)
		a[i] += (uint32_t)(x[i] * w[i]);
}

/*
 * CONV: gather each output's receptive field into one [KH][KW][IFM_C]
 * patch (padding as zero, which contributes nothing once the zero point is
 * gone), so every output channel is a single dot product against its
 * OHWI weight row.
 */
static void KFN(conv)(const struct op *o, const KT *in, const KT *wt, KT *patch,
		      uint32_t *acc)
{
	const uint32_t ic = o->ifm.c, oc = o->ofm.c;
	const size_t krow = (size_t)o->kw * ic, k = (size_t)o->kh * krow;
	const bool pointwise = o->kh == 1 && o->kw == 1;

	for (uint32_t oy = 0; oy < o->ofm.h; oy++) {
		int64_t y0 = (int64_t)oy * o->sh - o->pt;
		uint32_t kh0, kh1;

		win_range(y0, o->kh, o->dh, o->ifm.h, &kh0, &kh1);
		for (uint32_t ox = 0; ox < o->ofm.w; ox++) {
			int64_t x0 = (int64_t)ox * o->sw - o->pl;
			uint32_t kw0, kw1;
			const KT *p = patch;

			win_range(x0, o->kw, o->dw, o->ifm.w, &kw0, &kw1);
			if (pointwise && kh1 == 1 && kw1 == 1) {
				p = in + ((size_t)y0 * o->ifm.w + (size_t)x0) * ic;
			} else {
				memset(patch, 0, k * sizeof(KT));
				for (uint32_t kh = kh0; kh < kh1; kh++) {
					size_t iy = (size_t)(y0 + (int64_t)kh * o->dh);

					for (uint32_t kw = kw0; kw < kw1; kw++) {
						size_t ix = (size_t)(x0 + (int64_t)kw * o->dw);

						memcpy(patch + kh * krow + (size_t)kw * ic,
						       in + (iy * o->ifm.w + ix) * ic,
						       ic * sizeof(KT));
					}
				}
			}
			uint32_t *a = acc + ((size_t)oy * o->ofm.w + ox) * oc;

			for (uint32_t c = 0; c < oc; c++)
				a[c] = KFN(dot)(p, wt + c * k, k);
		}
	}
}

/* DEPTHWISE: channels stay contiguous, so the inner loop runs over them. */
static void KFN(dwconv)(const struct op *o, const KT *in, const KT *wt, uint32_t *acc)
{
	const uint32_t ic = o->ifm.c, oc = o->ofm.c, dm = o->dm;

	for (uint32_t oy = 0; oy < o->ofm.h; oy++) {
		int64_t y0 = (int64_t)oy * o->sh - o->pt;
		uint32_t kh0, kh1;

		win_range(y0, o->kh, o->dh, o->ifm.h, &kh0, &kh1);
		for (uint32_t ox = 0; ox < o->ofm.w; ox++) {
			int64_t x0 = (int64_t)ox * o->sw - o->pl;
			uint32_t kw0, kw1;
			uint32_t *a = acc + ((size_t)oy * o->ofm.w + ox) * oc;

			win_range(x0, o->kw, o->dw, o->ifm.w, &kw0, &kw1);
			memset(a, 0, oc * sizeof(*a));
			for (uint32_t kh = kh0; kh < kh1; kh++) {
				size_t iy = (size_t)(y0 + (int64_t)kh * o->dh);

				for (uint32_t kw = kw0; kw < kw1; kw++) {
					size_t ix = (size_t)(x0 + (int64_t)kw * o->dw);
					const KT *ip = in + (iy * o->ifm.w + ix) * ic;
					const KT *wp = wt + ((size_t)kh * o->kw + kw) * oc;

					if (dm == 1) {
						KFN(mac_vec)(a, ip, wp, oc);
					} else {
						for (uint32_t c = 0; c < ic; c++) {
							KT v = ip[c];

							for (uint32_t m = 0; m < dm; m++)
								a[c * dm + m] += (uint32_t)(v * wp[c * dm + m]);
						}
					}
				}
			}
		}
	}
}

static void KFN(fc)(const struct op *o, const KT *in, const KT *wt, uint32_t *acc)
{
	const uint32_t ic = o->ifm.c, oc = o->ofm.c;

	for (uint32_t r = 0; r < o->ifm.h; r++) {
		const KT *ip = in + (size_t)r * ic;

		for (uint32_t c = 0; c < oc; c++)
			acc[(size_t)r * oc + c] = KFN(dot)(ip, wt + (size_t)c * ic, ic);
	}
}
