/* SPDX-License-Identifier: MIT */
/* libenpu internals: the graph IR shared by the reader, planner and kernels. */
#ifndef ENPU_INTERNAL_H
#define ENPU_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENPU_BUILDING_LIB 1
#include "enpu/enpu.h"

#define ENPU_HIDDEN __attribute__((visibility("hidden")))

/* TFLite builtin operator codes we know by name (schema numbering). */
enum {
	OP_ADD = 0, OP_AVERAGE_POOL_2D = 1, OP_CONCATENATION = 2, OP_CONV_2D = 3,
	OP_DEPTHWISE_CONV_2D = 4, OP_DEQUANTIZE = 6, OP_FULLY_CONNECTED = 9,
	OP_LOGISTIC = 14, OP_MAX_POOL_2D = 17, OP_MUL = 18, OP_RELU = 19,
	OP_RELU6 = 21, OP_RESHAPE = 22, OP_RESIZE_BILINEAR = 23, OP_SOFTMAX = 25,
	OP_TANH = 28, OP_CUSTOM = 32, OP_PAD = 34, OP_TRANSPOSE = 39, OP_MEAN = 40,
	OP_SUB = 41, OP_SQUEEZE = 43, OP_UNIDIRECTIONAL_SEQUENCE_LSTM = 44,
	OP_STRIDED_SLICE = 45, OP_SPLIT = 49, OP_ARG_MAX = 56,
	OP_RESIZE_NEAREST_NEIGHBOR = 97, OP_QUANTIZE = 114, OP_HARD_SWISH = 117,
};

enum { ACT_NONE = 0, ACT_RELU = 1, ACT_RELU_N1_TO_1 = 2, ACT_RELU6 = 3, ACT_TANH = 4 };
enum { PAD_SAME = 0, PAD_VALID = 1 };

struct ir_tensor {
	char *name;
	int type;
	int ndim;
	int32_t dims[ENPU_MAX_DIMS];
	size_t count;		/* elements */
	size_t bytes;
	int nq;			/* number of scales (0: not quantized) */
	float *scale;
	int64_t *zp;
	int qdim;
	const void *data;	/* constant contents (aligned copy) or NULL */
	bool is_variable;
	bool is_input, is_output;
	int producer;		/* op index or -1 */
	int first_use, last_use;	/* op indices, for the planner */
	size_t arena_off;
	bool in_arena;
};

/* Options decoded from the flatbuffer; only the fields each op reads. */
struct ir_opts {
	int padding, stride_w, stride_h, dil_w, dil_h, filter_w, filter_h;
	int depth_mult, act;
	int axis, num_splits;
	bool keep_dims, keep_num_dims, align_corners, half_pixel;
	float beta, cell_clip, proj_clip;
	bool time_major;
	int begin_mask, end_mask, ellipsis_mask, new_axis_mask, shrink_axis_mask;
	int fc_weights_format;
	int32_t squeeze_dims[ENPU_MAX_DIMS];
	int nsqueeze;
	int output_type;
};

struct ir_op {
	int code;
	int version;
	int nin, nout, ninter;
	int *in, *out, *inter;	/* tensor indices, -1 = absent */
	struct ir_opts o;
};

struct enpu_context {
	enpu_log_fn log;
	void *log_user;
	int level;
};

struct enpu_model {
	enpu_context *ctx;
	int ntensors, nops, nin, nout;
	struct ir_tensor *t;
	struct ir_op *ops;
	int *inputs, *outputs;
	void *owned;		/* one allocation block list for constants etc. */
	/* The source bytes' identity, computed at load: the compiled-model
	 * cache (lib/runtime/cache.c) keys on it.  src_bytes 0: not hashed. */
	uint8_t sha256[32];
	uint64_t src_bytes;
};

ENPU_HIDDEN int enpu_err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ENPU_HIDDEN void enpu_log(enpu_context *ctx, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
ENPU_HIDDEN void *enpu_model_alloc(enpu_model *m, size_t n);
ENPU_HIDDEN int enpu_tflite_parse(enpu_model *m, const uint8_t *buf, size_t len);
ENPU_HIDDEN const char *enpu_op_name(int code);
ENPU_HIDDEN size_t enpu_type_size(int type);
ENPU_HIDDEN const char *enpu_type_name(int type);

#endif
