// SPDX-License-Identifier: MIT
/*
 * TFLite flatbuffer reader.  Written against the published schema
 * (schema.fbs) without flatc: every read goes through a bounds-checked
 * accessor, so a hostile file can at worst produce an error.  We never
 * recurse and only descend Model -> SubGraph -> Tensor/Operator -> leaf
 * tables, so nesting depth is bounded by the schema itself (5 levels).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_TENSORS (1 << 20)
#define MAX_OPS (1 << 20)
#define MAX_TENSOR_BYTES ((size_t)1 << 31)

struct fb {
	const uint8_t *b;
	size_t n;
};

/* A decoded table position: its start and its vtable. */
struct tab {
	size_t pos;
	size_t vt;
	unsigned vtlen;
	unsigned tlen;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static int in_range(const struct fb *f, size_t pos, size_t len)
{
	return pos <= f->n && len <= f->n - pos;
}

/* Follows a uoffset stored at pos. */
static int deref(const struct fb *f, size_t pos, size_t *out, const char *what)
{
	if (!in_range(f, pos, 4))
		return enpu_err(-EINVAL, "%s: offset at byte %zu is past the end of the file", what, pos);
	uint32_t o = rd32(f->b + pos);
	if (o == 0 || !in_range(f, pos + o, 4))
		return enpu_err(-EINVAL, "%s: offset %u at byte %zu points outside the file (%zu bytes)",
				what, o, pos, f->n);
	*out = pos + o;
	return 0;
}

static int get_table(const struct fb *f, size_t pos, struct tab *t, const char *what)
{
	if (!in_range(f, pos, 4))
		return enpu_err(-EINVAL, "%s: table at byte %zu is outside the file", what, pos);
	int32_t so = (int32_t)rd32(f->b + pos);
	int64_t vt = (int64_t)pos - so;
	if (vt < 0 || !in_range(f, (size_t)vt, 4))
		return enpu_err(-EINVAL, "%s: vtable of the table at byte %zu is outside the file",
				what, pos);
	t->pos = pos;
	t->vt = (size_t)vt;
	t->vtlen = rd16(f->b + t->vt);
	t->tlen = rd16(f->b + t->vt + 2);
	if (t->vtlen < 4 || (t->vtlen & 1) || !in_range(f, t->vt, t->vtlen))
		return enpu_err(-EINVAL, "%s: vtable at byte %zu is malformed (length %u)", what,
				t->vt, t->vtlen);
	if (t->tlen < 4 || !in_range(f, pos, t->tlen))
		return enpu_err(-EINVAL, "%s: table at byte %zu (length %u) runs past the end of the file",
				what, pos, t->tlen);
	return 0;
}

/* Position of field i, or 0 when absent.  Checks the field fits the table. */
static int field(const struct fb *f, const struct tab *t, int i, size_t size, size_t *pos,
		 const char *what, const char *fname)
{
	unsigned vo = 4 + 2 * (unsigned)i;
	*pos = 0;
	if (vo + 2 > t->vtlen)
		return 0;
	unsigned off = rd16(f->b + t->vt + vo);
	if (!off)
		return 0;
	if (off + size > t->tlen)
		return enpu_err(-EINVAL, "%s: field '%s' lies outside its table", what, fname);
	*pos = t->pos + off;
	return 0;
}

static int f_int(const struct fb *f, const struct tab *t, int i, int64_t def, int size,
		 int is_signed, int64_t *out, const char *what, const char *fname)
{
	size_t p;
	*out = def;
	int r = field(f, t, i, (size_t)size, &p, what, fname);
	if (r)
		return r;
	if (!p) {
		*out = def;
		return 0;
	}
	const uint8_t *q = f->b + p;
	switch (size) {
	case 1:
		*out = is_signed ? (int64_t)(int8_t)q[0] : (int64_t)q[0];
		break;
	case 2:
		*out = is_signed ? (int64_t)(int16_t)rd16(q) : (int64_t)rd16(q);
		break;
	case 4:
		*out = is_signed ? (int64_t)(int32_t)rd32(q) : (int64_t)rd32(q);
		break;
	default: {
		uint64_t v;
		memcpy(&v, q, 8);
		*out = (int64_t)v;
	}
	}
	return 0;
}

static int f_float(const struct fb *f, const struct tab *t, int i, float def, float *out,
		   const char *what, const char *fname)
{
	size_t p;
	int r = field(f, t, i, 4, &p, what, fname);
	if (r)
		return r;
	if (!p)
		*out = def;
	else
		memcpy(out, f->b + p, 4);
	return 0;
}

/* A vector field: start of its elements and count, all bounds-checked. */
static int f_vec(const struct fb *f, const struct tab *t, int i, size_t esize, size_t *start,
		 size_t *count, const char *what, const char *fname)
{
	size_t p, v;
	int r = field(f, t, i, 4, &p, what, fname);
	*start = 0;
	*count = 0;
	if (r || !p)
		return r;
	char w[200];
	snprintf(w, sizeof(w), "%s: vector '%s'", what, fname);
	r = deref(f, p, &v, w);
	if (r)
		return r;
	uint32_t n = rd32(f->b + v);
	if (n > (f->n - v - 4) / esize)
		return enpu_err(-EINVAL, "%s: vector '%s' claims %u elements, more than the file holds",
				what, fname, n);
	*start = v + 4;
	*count = n;
	return 0;
}

static int f_table(const struct fb *f, const struct tab *t, int i, struct tab *out, int *present,
		   const char *what, const char *fname)
{
	size_t p, v = 0;
	char w[200];
	*present = 0;
	int r = field(f, t, i, 4, &p, what, fname);
	if (r || !p)
		return r;
	snprintf(w, sizeof(w), "%s: '%s'", what, fname);
	r = deref(f, p, &v, w);
	if (!r)
		r = get_table(f, v, out, w);
	if (!r)
		*present = 1;
	return r;
}

/* Element i of a vector of tables. */
static int vec_table(const struct fb *f, size_t start, size_t i, struct tab *out, const char *what)
{
	size_t v = 0;
	int r = deref(f, start + 4 * i, &v, what);
	return r ? r : get_table(f, v, out, what);
}

static int f_string(enpu_model *m, const struct fb *f, const struct tab *t, int i, char **out,
		    const char *what, const char *fname)
{
	size_t s, n;
	int r = f_vec(f, t, i, 1, &s, &n, what, fname);
	if (r)
		return r;
	if (n > 4096)
		return enpu_err(-EINVAL, "%s: string '%s' is %zu bytes long (limit 4096)", what, fname, n);
	char *c = enpu_model_alloc(m, n + 1);
	if (!c)
		return -ENOMEM;
	if (n)
		memcpy(c, f->b + s, n);
	/* Names end up in error messages and JSON: keep them printable. */
	for (size_t k = 0; k < n; k++)
		if ((unsigned char)c[k] < 0x20 || c[k] == 0x7f || c[k] == '"' || c[k] == '\\')
			c[k] = '?';
	*out = c;
	return 0;
}

size_t enpu_type_size(int type)
{
	switch (type) {
	case ENPU_TYPE_FLOAT32:
	case ENPU_TYPE_INT32:
		return 4;
	case ENPU_TYPE_UINT8:
	case ENPU_TYPE_INT8:
	case ENPU_TYPE_BOOL:
		return 1;
	case ENPU_TYPE_INT16:
	case ENPU_TYPE_FLOAT16:
		return 2;
	case ENPU_TYPE_INT64:
		return 8;
	}
	return 0;
}

const char *enpu_type_name(int type)
{
	switch (type) {
	case ENPU_TYPE_FLOAT32: return "float32";
	case ENPU_TYPE_FLOAT16: return "float16";
	case ENPU_TYPE_INT32: return "int32";
	case ENPU_TYPE_UINT8: return "uint8";
	case ENPU_TYPE_INT64: return "int64";
	case ENPU_TYPE_BOOL: return "bool";
	case ENPU_TYPE_INT16: return "int16";
	case ENPU_TYPE_INT8: return "int8";
	}
	return "unknown";
}

static const struct {
	int code;
	const char *name;
	int opt_type;		/* BuiltinOptions union tag expected, 0 = none */
	bool opt_required;
} op_table[] = {
	{ OP_ADD, "ADD", 11, false },
	{ OP_AVERAGE_POOL_2D, "AVERAGE_POOL_2D", 5, true },
	{ OP_CONCATENATION, "CONCATENATION", 10, true },
	{ OP_CONV_2D, "CONV_2D", 1, true },
	{ OP_DEPTHWISE_CONV_2D, "DEPTHWISE_CONV_2D", 2, true },
	{ OP_DEQUANTIZE, "DEQUANTIZE", 38, false },
	{ OP_FULLY_CONNECTED, "FULLY_CONNECTED", 8, false },
	{ OP_LOGISTIC, "LOGISTIC", 0, false },
	{ OP_MAX_POOL_2D, "MAX_POOL_2D", 5, true },
	{ OP_MUL, "MUL", 21, false },
	{ OP_RELU, "RELU", 0, false },
	{ OP_RELU6, "RELU6", 0, false },
	{ OP_RESHAPE, "RESHAPE", 17, false },
	{ OP_RESIZE_BILINEAR, "RESIZE_BILINEAR", 15, false },
	{ OP_SOFTMAX, "SOFTMAX", 9, true },
	{ OP_TANH, "TANH", 0, false },
	{ OP_PAD, "PAD", 22, false },
	{ OP_TRANSPOSE, "TRANSPOSE", 26, false },
	{ OP_MEAN, "MEAN", 27, false },
	{ OP_SUB, "SUB", 28, false },
	{ OP_SQUEEZE, "SQUEEZE", 30, false },
	{ OP_UNIDIRECTIONAL_SEQUENCE_LSTM, "UNIDIRECTIONAL_SEQUENCE_LSTM", 71, true },
	{ OP_STRIDED_SLICE, "STRIDED_SLICE", 32, false },
	{ OP_SPLIT, "SPLIT", 35, true },
	{ OP_ARG_MAX, "ARG_MAX", 40, false },
	{ OP_RESIZE_NEAREST_NEIGHBOR, "RESIZE_NEAREST_NEIGHBOR", 74, false },
	{ OP_QUANTIZE, "QUANTIZE", 89, false },
	{ OP_HARD_SWISH, "HARD_SWISH", 91, false },
};

static int op_index(int code)
{
	for (size_t i = 0; i < sizeof(op_table) / sizeof(op_table[0]); i++)
		if (op_table[i].code == code)
			return (int)i;
	return -1;
}

const char *enpu_op_name(int code)
{
	int i = op_index(code);
	return i < 0 ? "UNKNOWN" : op_table[i].name;
}

struct opcode {
	int code;
	int version;
	char *custom;
};

static int parse_quant(enpu_model *m, const struct fb *f, const struct tab *q, struct ir_tensor *t,
		       const char *what)
{
	size_t ss, sn, zs, zn;
	int64_t v;
	int r;

	r = f_vec(f, q, 2, 4, &ss, &sn, what, "quantization.scale");
	if (!r)
		r = f_vec(f, q, 3, 8, &zs, &zn, what, "quantization.zero_point");
	if (!r)
		r = f_int(f, q, 4, 0, 1, 0, &v, what, "quantization.details_type");
	if (r)
		return r;
	if (v != 0)
		return enpu_err(-EINVAL, "%s: custom quantization details (type %lld) are not supported",
				what, (long long)v);
	if (sn == 0 && zn == 0)
		return 0;
	if (sn != zn)
		return enpu_err(-EINVAL, "%s: %zu scales but %zu zero points", what, sn, zn);
	r = f_int(f, q, 6, 0, 4, 1, &v, what, "quantization.quantized_dimension");
	if (r)
		return r;
	if (sn > 1) {
		if (v < 0 || v >= t->ndim)
			return enpu_err(-EINVAL, "%s: quantized_dimension %lld outside the tensor's %d dims",
					what, (long long)v, t->ndim);
		if ((int64_t)sn != t->dims[v])
			return enpu_err(-EINVAL, "%s: %zu per-channel scales for dimension %lld of size %d",
					what, sn, (long long)v, t->dims[v]);
	}
	t->qdim = (int)v;
	t->nq = (int)sn;
	t->scale = enpu_model_alloc(m, sn * sizeof(float));
	t->zp = enpu_model_alloc(m, sn * sizeof(int64_t));
	if (!t->scale || !t->zp)
		return -ENOMEM;
	memcpy(t->scale, f->b + ss, sn * 4);
	memcpy(t->zp, f->b + zs, sn * 8);
	for (size_t i = 0; i < sn; i++) {
		float s = t->scale[i];
		int64_t z = t->zp[i];
		if (!isfinite(s) || s < 0 || (s == 0 && t->type != ENPU_TYPE_INT32))
			return enpu_err(-EINVAL, "%s: scale[%zu] = %g is not a positive finite number",
					what, i, (double)s);
		int64_t lo = INT32_MIN, hi = INT32_MAX;
		if (t->type == ENPU_TYPE_UINT8)
			lo = 0, hi = 255;
		else if (t->type == ENPU_TYPE_INT8)
			lo = -128, hi = 127;
		else if (t->type == ENPU_TYPE_INT16)
			lo = -32768, hi = 32767;
		if (z < lo || z > hi)
			return enpu_err(-EINVAL, "%s: zero_point[%zu] = %lld is outside the %s range",
					what, i, (long long)z, enpu_type_name(t->type));
	}
	return 0;
}

static int parse_tensor(enpu_model *m, const struct fb *f, const struct tab *tt, int idx,
			const size_t *bufpos, const size_t *buflen, size_t nbuf, struct ir_tensor *t)
{
	char what[96];
	size_t s, n;
	int64_t v;
	int r, present;
	struct tab q;

	snprintf(what, sizeof(what), "tensor %d", idx);
	r = f_string(m, f, tt, 3, &t->name, what, "name");
	if (r)
		return r;
	if (!t->name)
		t->name = "";
	snprintf(what, sizeof(what), "tensor %d '%.40s'", idx, t->name);
	r = f_vec(f, tt, 0, 4, &s, &n, what, "shape");
	if (r)
		return r;
	if (n > ENPU_MAX_DIMS)
		return enpu_err(-EINVAL, "%s: %zu dimensions (limit %d)", what, n, ENPU_MAX_DIMS);
	t->ndim = (int)n;
	r = f_int(f, tt, 1, 0, 1, 1, &v, what, "type");
	if (r)
		return r;
	t->type = (int)v;
	size_t es = enpu_type_size(t->type);
	if (!es)
		return enpu_err(-EINVAL, "%s: unsupported element type %lld", what, (long long)v);
	size_t count = 1;
	for (size_t i = 0; i < n; i++) {
		int32_t d = (int32_t)rd32(f->b + s + 4 * i);
		if (d < 0)
			return enpu_err(-EINVAL, "%s: dimension %zu is negative (%d)", what, i, d);
		t->dims[i] = d;
		if (d && count > MAX_TENSOR_BYTES / es / (size_t)d)
			return enpu_err(-EINVAL, "%s: shape is too large (more than %zu bytes)", what,
					MAX_TENSOR_BYTES);
		count *= (size_t)d;
	}
	t->count = count;
	t->bytes = count * es;
	r = f_int(f, tt, 2, 0, 4, 0, &v, what, "buffer");
	if (r)
		return r;
	if ((uint64_t)v >= nbuf)
		return enpu_err(-EINVAL, "%s: buffer index %lld out of range (model has %zu buffers)",
				what, (long long)v, nbuf);
	if (buflen[v]) {
		if (buflen[v] != t->bytes)
			return enpu_err(-EINVAL, "%s: buffer %lld holds %zu bytes, the tensor needs %zu",
					what, (long long)v, buflen[v], t->bytes);
		void *c = enpu_model_alloc(m, t->bytes);
		if (!c)
			return -ENOMEM;
		memcpy(c, f->b + bufpos[v], t->bytes);
		t->data = c;
	}
	r = f_int(f, tt, 5, 0, 1, 0, &v, what, "is_variable");
	if (r)
		return r;
	t->is_variable = v != 0;
	size_t sp;
	r = field(f, tt, 6, 4, &sp, what, "sparsity");
	if (r)
		return r;
	if (sp)
		return enpu_err(-EINVAL, "%s: sparse tensors are not supported", what);
	r = f_table(f, tt, 4, &q, &present, what, "quantization");
	if (!r && present)
		r = parse_quant(m, f, &q, t, what);
	if (r)
		return r;
	return 0;
}

static int get_bool(const struct fb *f, const struct tab *o, int i, bool *out, const char *w,
		    const char *n)
{
	int64_t v;
	int r = f_int(f, o, i, 0, 1, 0, &v, w, n);
	*out = v != 0;
	return r;
}

static int get_int(const struct fb *f, const struct tab *o, int i, int def, int size, int *out,
		   const char *w, const char *n)
{
	int64_t v;
	int r = f_int(f, o, i, def, size, 1, &v, w, n);
	if (!r && (v < INT32_MIN || v > INT32_MAX))
		return enpu_err(-EINVAL, "%s: option '%s' out of range", w, n);
	*out = (int)v;
	return r;
}

static int parse_options(const struct fb *f, const struct tab *o, struct ir_op *op, const char *w)
{
	struct ir_opts *p = &op->o;
	int r = 0;

	p->dil_w = p->dil_h = 1;
	p->stride_w = p->stride_h = 1;
	p->beta = 1.0f;
	switch (op->code) {
	case OP_CONV_2D:
		r = get_int(f, o, 0, 0, 1, &p->padding, w, "padding");
		r = r ? r : get_int(f, o, 1, 0, 4, &p->stride_w, w, "stride_w");
		r = r ? r : get_int(f, o, 2, 0, 4, &p->stride_h, w, "stride_h");
		r = r ? r : get_int(f, o, 3, 0, 1, &p->act, w, "fused_activation_function");
		r = r ? r : get_int(f, o, 4, 1, 4, &p->dil_w, w, "dilation_w_factor");
		r = r ? r : get_int(f, o, 5, 1, 4, &p->dil_h, w, "dilation_h_factor");
		break;
	case OP_DEPTHWISE_CONV_2D:
		r = get_int(f, o, 0, 0, 1, &p->padding, w, "padding");
		r = r ? r : get_int(f, o, 1, 0, 4, &p->stride_w, w, "stride_w");
		r = r ? r : get_int(f, o, 2, 0, 4, &p->stride_h, w, "stride_h");
		r = r ? r : get_int(f, o, 3, 0, 4, &p->depth_mult, w, "depth_multiplier");
		r = r ? r : get_int(f, o, 4, 0, 1, &p->act, w, "fused_activation_function");
		r = r ? r : get_int(f, o, 5, 1, 4, &p->dil_w, w, "dilation_w_factor");
		r = r ? r : get_int(f, o, 6, 1, 4, &p->dil_h, w, "dilation_h_factor");
		break;
	case OP_AVERAGE_POOL_2D:
	case OP_MAX_POOL_2D:
		r = get_int(f, o, 0, 0, 1, &p->padding, w, "padding");
		r = r ? r : get_int(f, o, 1, 0, 4, &p->stride_w, w, "stride_w");
		r = r ? r : get_int(f, o, 2, 0, 4, &p->stride_h, w, "stride_h");
		r = r ? r : get_int(f, o, 3, 0, 4, &p->filter_w, w, "filter_width");
		r = r ? r : get_int(f, o, 4, 0, 4, &p->filter_h, w, "filter_height");
		r = r ? r : get_int(f, o, 5, 0, 1, &p->act, w, "fused_activation_function");
		break;
	case OP_FULLY_CONNECTED:
		r = get_int(f, o, 0, 0, 1, &p->act, w, "fused_activation_function");
		r = r ? r : get_int(f, o, 1, 0, 1, &p->fc_weights_format, w, "weights_format");
		r = r ? r : get_bool(f, o, 2, &p->keep_num_dims, w, "keep_num_dims");
		break;
	case OP_SOFTMAX:
		r = f_float(f, o, 0, 0.0f, &p->beta, w, "beta");
		break;
	case OP_CONCATENATION:
		r = get_int(f, o, 0, 0, 4, &p->axis, w, "axis");
		r = r ? r : get_int(f, o, 1, 0, 1, &p->act, w, "fused_activation_function");
		break;
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
		r = get_int(f, o, 0, 0, 1, &p->act, w, "fused_activation_function");
		break;
	case OP_RESIZE_BILINEAR:
		r = get_bool(f, o, 2, &p->align_corners, w, "align_corners");
		r = r ? r : get_bool(f, o, 3, &p->half_pixel, w, "half_pixel_centers");
		break;
	case OP_RESIZE_NEAREST_NEIGHBOR:
		r = get_bool(f, o, 0, &p->align_corners, w, "align_corners");
		r = r ? r : get_bool(f, o, 1, &p->half_pixel, w, "half_pixel_centers");
		break;
	case OP_MEAN:
		r = get_bool(f, o, 0, &p->keep_dims, w, "keep_dims");
		break;
	case OP_SQUEEZE: {
		size_t s, n;
		r = f_vec(f, o, 0, 4, &s, &n, w, "squeeze_dims");
		if (r)
			break;
		if (n > ENPU_MAX_DIMS)
			return enpu_err(-EINVAL, "%s: %zu squeeze_dims (limit %d)", w, n, ENPU_MAX_DIMS);
		p->nsqueeze = (int)n;
		for (size_t i = 0; i < n; i++)
			p->squeeze_dims[i] = (int32_t)rd32(f->b + s + 4 * i);
		break;
	}
	case OP_STRIDED_SLICE:
		r = get_int(f, o, 0, 0, 4, &p->begin_mask, w, "begin_mask");
		r = r ? r : get_int(f, o, 1, 0, 4, &p->end_mask, w, "end_mask");
		r = r ? r : get_int(f, o, 2, 0, 4, &p->ellipsis_mask, w, "ellipsis_mask");
		r = r ? r : get_int(f, o, 3, 0, 4, &p->new_axis_mask, w, "new_axis_mask");
		r = r ? r : get_int(f, o, 4, 0, 4, &p->shrink_axis_mask, w, "shrink_axis_mask");
		break;
	case OP_SPLIT:
		r = get_int(f, o, 0, 0, 4, &p->num_splits, w, "num_splits");
		break;
	case OP_ARG_MAX:
		r = get_int(f, o, 0, ENPU_TYPE_INT64, 1, &p->output_type, w, "output_type");
		break;
	case OP_UNIDIRECTIONAL_SEQUENCE_LSTM:
		r = get_int(f, o, 0, 0, 1, &p->act, w, "fused_activation_function");
		r = r ? r : f_float(f, o, 1, 0.0f, &p->cell_clip, w, "cell_clip");
		r = r ? r : f_float(f, o, 2, 0.0f, &p->proj_clip, w, "proj_clip");
		r = r ? r : get_bool(f, o, 3, &p->time_major, w, "time_major");
		break;
	}
	return r;
}

static int parse_indices(enpu_model *m, const struct fb *f, const struct tab *ot, int fi,
			 int **out, int *n, int allow_absent, const char *w, const char *fname)
{
	size_t s, c;
	int r = f_vec(f, ot, fi, 4, &s, &c, w, fname);
	if (r)
		return r;
	if (c > 64)
		return enpu_err(-EINVAL, "%s: %zu %s (limit 64)", w, c, fname);
	*n = (int)c;
	*out = enpu_model_alloc(m, (c + 1) * sizeof(int));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < c; i++) {
		int32_t v = (int32_t)rd32(f->b + s + 4 * i);
		if (v < -1 || v >= m->ntensors || (v == -1 && !allow_absent))
			return enpu_err(-EINVAL, "%s: %s[%zu] = %d is not a tensor index (0..%d)", w,
					fname, i, v, m->ntensors - 1);
		(*out)[i] = v;
	}
	return 0;
}

static int parse_op(enpu_model *m, const struct fb *f, const struct tab *ot, int idx,
		    const struct opcode *oc, size_t noc)
{
	struct ir_op *op = &m->ops[idx];
	char w[128];
	int64_t v;
	int r;

	snprintf(w, sizeof(w), "operator %d", idx);
	r = f_int(f, ot, 0, 0, 4, 0, &v, w, "opcode_index");
	if (r)
		return r;
	if ((uint64_t)v >= noc)
		return enpu_err(-EINVAL, "%s: opcode_index %lld out of range (model has %zu opcodes)",
				w, (long long)v, noc);
	op->code = oc[v].code;
	op->version = oc[v].version;
	if (op->code == OP_CUSTOM)
		return enpu_err(-ENOTSUP, "%s: custom op '%s' is not supported", w,
				oc[v].custom ? oc[v].custom : "(unnamed)");
	int ti = op_index(op->code);
	if (ti < 0)
		return enpu_err(-ENOTSUP, "%s: builtin op %d is not supported", w, op->code);
	snprintf(w, sizeof(w), "operator %d (%s)", idx, op_table[ti].name);
	r = parse_indices(m, f, ot, 1, &op->in, &op->nin, 1, w, "inputs");
	r = r ? r : parse_indices(m, f, ot, 2, &op->out, &op->nout, 0, w, "outputs");
	r = r ? r : parse_indices(m, f, ot, 8, &op->inter, &op->ninter, 0, w, "intermediates");
	if (r)
		return r;
	r = f_int(f, ot, 3, 0, 1, 0, &v, w, "builtin_options_type");
	if (r)
		return r;
	struct tab o;
	int present = 0;
	if (v) {
		if (v != op_table[ti].opt_type)
			return enpu_err(-EINVAL, "%s: builtin_options has type %lld, expected %d", w,
					(long long)v, op_table[ti].opt_type);
		r = f_table(f, ot, 4, &o, &present, w, "builtin_options");
		if (r)
			return r;
	}
	if (!present) {
		if (op_table[ti].opt_required)
			return enpu_err(-EINVAL, "%s: builtin_options missing", w);
		/* An absent table reads as all defaults. */
		static const uint8_t empty[8] = { 4, 0, 4, 0, 4, 0, 0, 0 };
		struct fb e = { empty, sizeof(empty) };
		get_table(&e, 4, &o, w);
		return parse_options(&e, &o, op, w);
	}
	return parse_options(f, &o, op, w);
}

int enpu_tflite_parse(enpu_model *m, const uint8_t *buf, size_t len)
{
	struct fb f = { buf, len };
	struct tab root, sg, t;
	size_t s, n, root_pos;
	int64_t v = 0;
	int r;

	if (len < 8)
		return enpu_err(-EINVAL, "model: file is %zu bytes, too short for a flatbuffer", len);
	if (memcmp(buf + 4, "TFL3", 4))
		return enpu_err(-EINVAL, "model: not a TFLite file (no 'TFL3' identifier at byte 4)");
	r = deref(&f, 0, &root_pos, "model: root table");
	r = r ? r : get_table(&f, root_pos, &root, "model");
	r = r ? r : f_int(&f, &root, 0, 0, 4, 0, &v, "model", "version");
	if (r)
		return r;
	if (v != 3)
		return enpu_err(-EINVAL, "model: schema version %lld, expected 3", (long long)v);

	/* Opcodes. */
	size_t ocs, noc;
	r = f_vec(&f, &root, 1, 4, &ocs, &noc, "model", "operator_codes");
	if (r)
		return r;
	if (noc > 4096)
		return enpu_err(-EINVAL, "model: %zu operator codes (limit 4096)", noc);
	struct opcode *oc = enpu_model_alloc(m, (noc + 1) * sizeof(*oc));
	if (!oc)
		return -ENOMEM;
	for (size_t i = 0; i < noc; i++) {
		char w[64];
		int64_t dep, bc, ver;
		snprintf(w, sizeof(w), "operator_codes[%zu]", i);
		r = vec_table(&f, ocs, i, &t, w);
		r = r ? r : f_int(&f, &t, 0, 0, 1, 1, &dep, w, "deprecated_builtin_code");
		r = r ? r : f_int(&f, &t, 3, 0, 4, 1, &bc, w, "builtin_code");
		r = r ? r : f_int(&f, &t, 2, 1, 4, 1, &ver, w, "version");
		r = r ? r : f_string(m, &f, &t, 1, &oc[i].custom, w, "custom_code");
		if (r)
			return r;
		if (dep < 0 || bc < 0)
			return enpu_err(-EINVAL, "%s: negative builtin code", w);
		/* Files from before builtin_code existed only set the byte. */
		oc[i].code = (int)(bc > dep ? bc : dep);
		oc[i].version = (int)ver;
	}

	/* Buffers: record where each one's bytes are. */
	size_t bs, nb;
	r = f_vec(&f, &root, 4, 4, &bs, &nb, "model", "buffers");
	if (r)
		return r;
	/* Buffer 0 is the conventional empty buffer, even when the vector is absent. */
	size_t nb_file = nb;
	if (nb == 0)
		nb = 1;
	size_t *bufpos = enpu_model_alloc(m, nb * sizeof(size_t));
	size_t *buflen = enpu_model_alloc(m, nb * sizeof(size_t));
	if (!bufpos || !buflen)
		return -ENOMEM;
	for (size_t i = 0; i < nb_file; i++) {
		char w[64];
		int64_t off, sz;
		snprintf(w, sizeof(w), "buffers[%zu]", i);
		r = vec_table(&f, bs, i, &t, w);
		r = r ? r : f_vec(&f, &t, 0, 1, &bufpos[i], &buflen[i], w, "data");
		r = r ? r : f_int(&f, &t, 1, 0, 8, 0, &off, w, "offset");
		r = r ? r : f_int(&f, &t, 2, 0, 8, 0, &sz, w, "size");
		if (r)
			return r;
		if (off > 1 && !buflen[i]) {
			/* Models over 2 GiB keep buffers after the flatbuffer. */
			if ((uint64_t)off > len || (uint64_t)sz > len - (uint64_t)off)
				return enpu_err(-EINVAL, "%s: offset %lld + size %lld is outside the file",
						w, (long long)off, (long long)sz);
			bufpos[i] = (size_t)off;
			buflen[i] = (size_t)sz;
		}
	}

	/* Exactly one subgraph: more are only used by control-flow ops. */
	size_t sgs, nsg;
	r = f_vec(&f, &root, 2, 4, &sgs, &nsg, "model", "subgraphs");
	if (r)
		return r;
	if (nsg != 1)
		return enpu_err(-EINVAL, "model: %zu subgraphs, exactly 1 is supported", nsg);
	r = vec_table(&f, sgs, 0, &sg, "subgraph 0");
	if (r)
		return r;

	size_t ts, nt;
	r = f_vec(&f, &sg, 0, 4, &ts, &nt, "subgraph 0", "tensors");
	if (r)
		return r;
	if (nt == 0 || nt > MAX_TENSORS)
		return enpu_err(-EINVAL, "subgraph 0: %zu tensors (must be 1..%d)", nt, MAX_TENSORS);
	m->ntensors = (int)nt;
	m->t = enpu_model_alloc(m, nt * sizeof(*m->t));
	if (!m->t)
		return -ENOMEM;
	for (size_t i = 0; i < nt; i++) {
		char w[64];
		snprintf(w, sizeof(w), "tensor %zu", i);
		r = vec_table(&f, ts, i, &t, w);
		r = r ? r : parse_tensor(m, &f, &t, (int)i, bufpos, buflen, nb, &m->t[i]);
		if (r)
			return r;
		m->t[i].producer = -1;
		m->t[i].first_use = m->t[i].last_use = -1;
	}

	r = parse_indices(m, &f, &sg, 1, &m->inputs, &m->nin, 0, "subgraph 0", "inputs");
	r = r ? r : parse_indices(m, &f, &sg, 2, &m->outputs, &m->nout, 0, "subgraph 0", "outputs");
	if (r)
		return r;
	if (m->nin == 0 || m->nout == 0)
		return enpu_err(-EINVAL, "subgraph 0: %d inputs and %d outputs (need at least one each)",
				m->nin, m->nout);
	for (int i = 0; i < m->nin; i++) {
		struct ir_tensor *x = &m->t[m->inputs[i]];
		if (x->data)
			return enpu_err(-EINVAL, "subgraph 0: input %d (tensor %d) is a constant", i,
					m->inputs[i]);
		x->is_input = true;
	}
	for (int i = 0; i < m->nout; i++)
		m->t[m->outputs[i]].is_output = true;

	r = f_vec(&f, &sg, 3, 4, &s, &n, "subgraph 0", "operators");
	if (r)
		return r;
	if (n > MAX_OPS)
		return enpu_err(-EINVAL, "subgraph 0: %zu operators (limit %d)", n, MAX_OPS);
	m->nops = (int)n;
	m->ops = enpu_model_alloc(m, (n + 1) * sizeof(*m->ops));
	if (!m->ops)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char w[64];
		snprintf(w, sizeof(w), "operator %zu", i);
		r = vec_table(&f, s, i, &t, w);
		r = r ? r : parse_op(m, &f, &t, (int)i, oc, noc);
		if (r)
			return r;
	}

	/* Data flow: operators must come in an order that can run. */
	for (int i = 0; i < m->nops; i++) {
		struct ir_op *op = &m->ops[i];
		for (int k = 0; k < op->nin; k++) {
			int ti = op->in[k];
			if (ti < 0)
				continue;
			struct ir_tensor *x = &m->t[ti];
			if (!x->data && !x->is_input && !x->is_variable && x->producer < 0)
				return enpu_err(-EINVAL,
						"operator %d (%s): input %d reads tensor %d '%.40s' that nothing has written",
						i, enpu_op_name(op->code), k, ti, x->name);
			if (x->first_use < 0)
				x->first_use = i;
			x->last_use = i;
		}
		for (int k = 0; k < op->nout; k++) {
			struct ir_tensor *x = &m->t[op->out[k]];
			if (x->data || x->is_input || x->producer >= 0)
				return enpu_err(-EINVAL,
						"operator %d (%s): output %d writes tensor %d '%.40s', which is %s",
						i, enpu_op_name(op->code), k, op->out[k], x->name,
						x->data ? "a constant" : x->is_input ? "a model input" :
						"already written by another operator");
			x->producer = i;
			if (x->first_use < 0)
				x->first_use = i;
			x->last_use = i;
		}
		for (int k = 0; k < op->ninter; k++) {
			struct ir_tensor *x = &m->t[op->inter[k]];
			if (x->first_use < 0)
				x->first_use = i;
			if (x->last_use < i)
				x->last_use = i;
		}
	}
	for (int i = 0; i < m->nout; i++) {
		struct ir_tensor *x = &m->t[m->outputs[i]];
		if (!x->data && !x->is_input && x->producer < 0)
			return enpu_err(-EINVAL, "subgraph 0: output %d (tensor %d '%.40s') is never written",
					i, m->outputs[i], x->name);
	}
	return 0;
}
