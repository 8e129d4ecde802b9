/* SPDX-License-Identifier: MIT */
/*
 * CPU kernel table.  Each ISA provides one translation unit
 * (kernels_<isa>.c, built with that ISA's flags) exporting a filled
 * struct enpu_kernels; the interpreter picks one table at prepare time, so
 * adding AVX2/VNNI/NEON later means one new file and one dispatch line.
 * Names follow XNNPACK's op_dtype_tile__isa convention.
 */
#ifndef ENPU_KERNELS_H
#define ENPU_KERNELS_H

#include <stdint.h>

#include "internal.h"

enum { RQ_GEMMLOWP = 0, RQ_FP32 = 1 };

/*
 * Per-output-channel requantization of an int32 accumulator.  Contract for
 * every kernel: act_min <= act_max, both inside the output type's range,
 * and out_zp inside it too (ops.c's act_range refuses anything else), so
 * SIMD kernels may clamp after saturating packs.
 */
struct enpu_rq {
	int mode;
	const int32_t *mult;	/* gemmlowp: Q31 multipliers, one per channel */
	const int32_t *shift;
	const float *scale;	/* fp32: float scales, one per channel */
	int32_t out_zp, act_min, act_max;
};

struct enpu_conv_params {
	int n, ih, iw, ic, oh, ow, oc;
	int fh, fw, sh, sw, dh, dw, pad_t, pad_l;
	int depth_mult;		/* depthwise only */
	int32_t in_zp, w_zp;	/* w_zp is 0 for int8 per-channel weights */
	const int32_t *bias;	/* may be NULL */
	struct enpu_rq rq;
};

struct enpu_pool_params {
	int n, ih, iw, c, oh, ow, fh, fw, sh, sw, pad_t, pad_l;
	int32_t act_min, act_max;
};

/* ADD/SUB in TFLite's fixed-point form (inputs pre-shifted by left_shift). */
struct enpu_add_params {
	size_t count;
	int32_t in1_zp, in2_zp, out_zp;
	int32_t in1_mult, in2_mult, out_mult;
	int in1_shift, in2_shift, out_shift, left_shift;
	int32_t act_min, act_max;
	int sub;
	/*
	 * XNNPACK's form (int8 ADD as TFLite runs it): one integer
	 * multiply-add per input, bias carries the zero points and the
	 * rounding, then one arithmetic shift (ties round up).
	 */
	int xnn;
	int32_t xa_mult, xb_mult, xbias;
	int xshift;
	/* Broadcast: element i of the output reads in1[idx1[i]], in2[idx2[i]] when non-NULL. */
	const uint32_t *idx1, *idx2;
};

/* XNNPACK's ADD/SUB parameters for input-to-output scale ratios ra, rb
 * (sets p->xnn and the x* fields); -1 outside XNNPACK's range.  The CPU
 * kernels and the chip compiler both use it, so their bits agree. */
ENPU_HIDDEN int enpu_xnn_add_params(struct enpu_add_params *p, float ra, float rb);

/* A fused activation's quantized output bounds (ops.c; the compiler uses it too). */
ENPU_HIDDEN int enpu_act_range(int act, const struct ir_tensor *o, int32_t *lo, int32_t *hi);

struct enpu_kernels {
	const char *isa;
	void (*conv_qu8)(const struct enpu_conv_params *p, const uint8_t *in, const uint8_t *w,
			 uint8_t *out);
	void (*conv_qc8)(const struct enpu_conv_params *p, const int8_t *in, const int8_t *w,
			 int8_t *out);
	void (*dwconv_qu8)(const struct enpu_conv_params *p, const uint8_t *in, const uint8_t *w,
			   uint8_t *out);
	void (*dwconv_qc8)(const struct enpu_conv_params *p, const int8_t *in, const int8_t *w,
			   int8_t *out);
	void (*add_qu8)(const struct enpu_add_params *p, const uint8_t *a, const uint8_t *b,
			uint8_t *out);
	void (*add_qs8)(const struct enpu_add_params *p, const int8_t *a, const int8_t *b,
			int8_t *out);
	void (*avgpool_qu8)(const struct enpu_pool_params *p, const uint8_t *in, uint8_t *out);
	void (*avgpool_qs8)(const struct enpu_pool_params *p, const int8_t *in, int8_t *out);
	void (*maxpool_qu8)(const struct enpu_pool_params *p, const uint8_t *in, uint8_t *out);
	void (*maxpool_qs8)(const struct enpu_pool_params *p, const int8_t *in, int8_t *out);

	/*
	 * Prepacked fast path for CONV_2D / DEPTHWISE_CONV_2D (dw = 1) /
	 * FULLY_CONNECTED (a 1x1 conv), fp32 requantization only; NULL or a
	 * zero conv_pack_size means "use conv_*8 / dwconv_*8 above".  The
	 * weights are packed once at prepare time into pack_size bytes; run
	 * computes output pixels [m0,m1) (m = (b*oh + oy)*ow + ox) and
	 * channels [n0,n1), so threads can split either; n0 must be a
	 * multiple of 64.  scratch is conv_scratch bytes owned by the caller
	 * thread, 64-byte aligned.  Outputs are bit-identical to conv_*8.
	 */
	size_t (*conv_pack_size)(const struct enpu_conv_params *p, int u8, int dw);
	void (*conv_pack)(const struct enpu_conv_params *p, int u8, int dw, const void *w,
			  void *packed);
	size_t (*conv_scratch)(const struct enpu_conv_params *p, int u8, int dw);
	void (*conv_run)(const struct enpu_conv_params *p, int u8, int dw, const void *packed,
			 const void *in, void *out, size_t m0, size_t m1, int n0, int n1,
			 void *scratch);
};

ENPU_HIDDEN extern const struct enpu_kernels enpu_kernels_scalar;
/* Partial tables (NULL entries fall back to scalar); reach them through cpu.h. */
ENPU_HIDDEN extern const struct enpu_kernels enpu_kernels_avx2;
ENPU_HIDDEN extern const struct enpu_kernels enpu_kernels_avx512vnni;
ENPU_HIDDEN const struct enpu_kernels *enpu_kernels_select(void);

#endif
