// SPDX-License-Identifier: MIT
/* Public API: contexts, models, interpreters, the memory planner. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interp.h"
#include "cpu.h"
#include "threadpool.h"
#include "../runtime/emu.h"
#include "../runtime/accel.h"
#include "../runtime/cache.h"

#define ARENA_ALIGN 64
#define MAX_MODEL_BYTES ((size_t)1 << 31)

static _Thread_local char last_error[512];

int enpu_err(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *enpu_last_error(void)
{
	return last_error;
}

void enpu_log(enpu_context *ctx, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!ctx || !ctx->log || level > ctx->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log(ctx->log_user, (enum enpu_log_level)level, msg);
}

const char *enpu_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case -EINVAL: return "invalid argument or malformed model";
	case -ENOMEM: return "out of memory";
	case -ENOTSUP: return "operation not supported";
	case -ENODEV: return "backend not available";
	case -ENOENT: return "no such file";
	case -EIO: return "input/output error";
	case -EFBIG: return "file too large";
	case -ERANGE: return "index out of range";
	case -EBADF: return "invalid handle";
	}
	return "unknown error";
}

const char *enpu_version(void)
{
	return "0.1";
}

int enpu_context_create(const struct enpu_context_options *opts, enpu_context **out)
{
	if (!out)
		return enpu_err(-EINVAL, "context: NULL output pointer");
	*out = NULL;
	if (opts && opts->size < sizeof(size_t))
		return enpu_err(-EINVAL, "context: options size %zu is too small", opts->size);
	enpu_context *c = calloc(1, sizeof(*c));
	if (!c)
		return enpu_err(-ENOMEM, "context: out of memory");
	c->level = ENPU_LOG_WARN;
	if (opts) {
		/* Only read the fields the caller's struct is large enough to have. */
		struct enpu_context_options o = { 0 };
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
		c->log = o.log;
		c->log_user = o.log_user;
		if (opts->size >= offsetof(struct enpu_context_options, log_level) + sizeof(o.log_level))
			c->level = (int)o.log_level;
	}
	*out = c;
	return 0;
}

void enpu_context_destroy(enpu_context *ctx)
{
	free(ctx);
}

/* Model-owned allocations form a singly linked list freed at destroy. */
struct block {
	struct block *next;
	max_align_t data[];
};

void *enpu_model_alloc(enpu_model *m, size_t n)
{
	if (n > MAX_MODEL_BYTES * 2)
		return NULL;
	struct block *b = calloc(1, sizeof(*b) + (n ? n : 1));
	if (!b)
		return NULL;
	b->next = m->owned;
	m->owned = b;
	return b->data;
}

void enpu_model_destroy(enpu_model *m)
{
	if (!m)
		return;
	struct block *b = m->owned;
	while (b) {
		struct block *n = b->next;
		free(b);
		b = n;
	}
	free(m);
}

int enpu_model_load_memory(enpu_context *ctx, const void *data, size_t len, enpu_model **out)
{
	if (!out)
		return enpu_err(-EINVAL, "model: NULL output pointer");
	*out = NULL;
	if (!data)
		return enpu_err(-EINVAL, "model: NULL data");
	if (len > MAX_MODEL_BYTES)
		return enpu_err(-EFBIG, "model: %zu bytes is larger than the 2 GiB limit", len);
	enpu_model *m = calloc(1, sizeof(*m));
	if (!m)
		return enpu_err(-ENOMEM, "model: out of memory");
	m->ctx = ctx;
	int r = enpu_tflite_parse(m, data, len);
	if (r) {
		if (r == -ENOMEM)
			enpu_err(r, "model: out of memory while loading");
		enpu_log(ctx, ENPU_LOG_ERROR, "%s", last_error);
		enpu_model_destroy(m);
		return r;
	}
	/* The compiled-model cache keys on the source bytes, which are not
	 * kept: hash them now (2.5 ms for a 3.6 MB model with SHA-NI, 12 ms
	 * without).  ENPU_CACHE_DIR="" turns the cache off and saves that. */
	const char *cache = getenv("ENPU_CACHE_DIR");

	if (!cache || *cache) {
		enpu_sha256(data, len, m->sha256);
		m->src_bytes = len;
	}
	enpu_log(ctx, ENPU_LOG_INFO, "model: %d tensors, %d operators", m->ntensors, m->nops);
	*out = m;
	return 0;
}

int enpu_model_load_file(enpu_context *ctx, const char *path, enpu_model **out)
{
	if (!out || !path)
		return enpu_err(-EINVAL, "model: NULL argument");
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return enpu_err(-e, "model: cannot open %s: %s", path, strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return enpu_err(-EINVAL, "model: %s is not a regular file", path);
	}
	if ((uint64_t)st.st_size > MAX_MODEL_BYTES) {
		close(fd);
		return enpu_err(-EFBIG, "model: %s is larger than the 2 GiB limit", path);
	}
	size_t len = (size_t)st.st_size, got = 0;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		close(fd);
		return enpu_err(-ENOMEM, "model: out of memory reading %s", path);
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			free(buf);
			close(fd);
			return enpu_err(-EIO, "model: short read on %s", path);
		}
		got += (size_t)n;
	}
	close(fd);
	int r = enpu_model_load_memory(ctx, buf, len, out);
	free(buf);
	return r;
}

int enpu_model_num_inputs(const enpu_model *m)
{
	return m ? m->nin : -EINVAL;
}

int enpu_model_num_outputs(const enpu_model *m)
{
	return m ? m->nout : -EINVAL;
}

static int fill_info(const struct ir_tensor *t, struct enpu_tensor_info *info)
{
	if (!info || info->size < offsetof(struct enpu_tensor_info, nscales) + sizeof(int))
		return enpu_err(-EINVAL, "tensor info: size field too small");
	size_t sz = info->size;
	memset(info, 0, sz < sizeof(*info) ? sz : sizeof(*info));
	info->size = sz;
	info->name = t->name;
	info->type = (enum enpu_type)t->type;
	info->ndim = t->ndim;
	memcpy(info->dims, t->dims, sizeof(info->dims));
	info->bytes = t->bytes;
	if (t->nq) {
		info->scale = t->scale[0];
		info->zero_point = (int32_t)t->zp[0];
	}
	info->nscales = t->nq;
	return 0;
}

int enpu_model_input_info(const enpu_model *m, int i, struct enpu_tensor_info *info)
{
	if (!m || i < 0 || i >= m->nin)
		return enpu_err(-ERANGE, "input %d does not exist", i);
	return fill_info(&m->t[m->inputs[i]], info);
}

int enpu_model_output_info(const enpu_model *m, int i, struct enpu_tensor_info *info)
{
	if (!m || i < 0 || i >= m->nout)
		return enpu_err(-ERANGE, "output %d does not exist", i);
	return fill_info(&m->t[m->outputs[i]], info);
}

void *enpu_interp_alloc(struct enpu_interp *it, size_t n)
{
	if (it->nblocks == it->cblocks) {
		int nc = it->cblocks ? it->cblocks * 2 : 64;
		void **nb = realloc(it->blocks, (size_t)nc * sizeof(void *));
		if (!nb)
			return NULL;
		it->blocks = nb;
		it->cblocks = nc;
	}
	if (n > it->budget - it->used)
		return NULL;
	void *p = calloc(1, n ? n : 1);
	if (p) {
		it->blocks[it->nblocks++] = p;
		it->used += n;
	}
	return p;
}

int enpu_op_requant_mode(const struct enpu_interp *it, int code, int type)
{
	if (it->requant != ENPU_REQUANT_TFLITE_AS_RUN)
		return it->requant;
	/* Which ops TFLite-as-run hands to XNNPACK: see cpu-reference.rst. */
	switch (code) {
	case OP_CONV_2D:
	case OP_DEPTHWISE_CONV_2D:
	case OP_FULLY_CONNECTED:
		return ENPU_REQUANT_FP32;
	case OP_QUANTIZE:
	case OP_ADD:
	case OP_SUB:
		return ENPU_REQUANT_FP32;
	}
	(void)type;
	return ENPU_REQUANT_GEMMLOWP;
}

/*
 * Greedy best-fit by size: place the largest tensors first at the lowest
 * offset that does not overlap any placed tensor whose lifetime overlaps.
 */
static int plan(struct enpu_interp *it)
{
	enpu_model *m = it->m;
	int n = 0;
	int *order = malloc(((size_t)m->ntensors + 1) * sizeof(int));
	if (!order)
		return -ENOMEM;
	for (int i = 0; i < m->ntensors; i++) {
		struct ir_tensor *t = &m->t[i];
		t->in_arena = false;
		if (t->data || t->is_variable || (t->first_use < 0 && !t->is_input && !t->is_output))
			continue;
		/* Inputs stay intact so that invoking again reuses them, as in TFLite. */
		if (t->is_input)
			t->first_use = 0, t->last_use = m->nops;
		if (t->is_output || t->last_use < 0)
			t->last_use = m->nops;
		t->in_arena = true;
		order[n++] = i;
	}
	/* Insertion sort: n is a few hundred at most in practice. */
	for (int i = 1; i < n; i++) {
		int v = order[i], j = i;
		while (j > 0 && m->t[order[j - 1]].bytes < m->t[v].bytes) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = v;
	}
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		struct ir_tensor *t = &m->t[order[i]];
		size_t off = 0;
		for (int again = 1; again;) {
			again = 0;
			for (int j = 0; j < i; j++) {
				struct ir_tensor *u = &m->t[order[j]];
				if (u->last_use < t->first_use || t->last_use < u->first_use)
					continue;
				if (off < u->arena_off + u->bytes && u->arena_off < off + t->bytes) {
					off = (u->arena_off + u->bytes + ARENA_ALIGN - 1) &
					      ~(size_t)(ARENA_ALIGN - 1);
					again = 1;
				}
			}
		}
		t->arena_off = off;
		if (off + t->bytes > total)
			total = off + t->bytes;
	}
	free(order);
	size_t lb = 0;
	for (int s = 0; s <= m->nops; s++) {
		size_t live = 0;
		for (int i = 0; i < m->ntensors; i++) {
			struct ir_tensor *t = &m->t[i];
			if (t->in_arena && t->first_use <= s && s <= t->last_use)
				live += t->bytes;
		}
		lb = live > lb ? live : lb;
	}
	it->arena_bytes = total;
	it->lower_bound = lb;
	if (total > it->budget)
		return enpu_err(-ENOMEM, "interp: the arena needs %zu bytes, over the %zu-byte limit",
				total, it->budget);
	it->used = total;
	if (it->arena_alloc)
		it->arena = it->arena_alloc(it, total);
	else
		it->arena = aligned_alloc(ARENA_ALIGN,
					  (total + ARENA_ALIGN) & ~(size_t)(ARENA_ALIGN - 1));
	if (!it->arena)
		return -ENOMEM;
	memset(it->arena, 0, total);
	for (int i = 0; i < m->ntensors; i++) {
		struct ir_tensor *t = &m->t[i];
		if (t->in_arena)
			it->ptr[i] = it->arena + t->arena_off;
		else if (t->data)
			it->ptr[i] = (void *)t->data;
		else {
			it->ptr[i] = enpu_interp_alloc(it, t->bytes + 8);
			if (!it->ptr[i])
				return -ENOMEM;
		}
	}
	return 0;
}

int enpu_interp_reset_state(enpu_interp *it)
{
	if (!it)
		return enpu_err(-EINVAL, "interp: NULL handle");
	enpu_model *m = it->m;
	for (int i = 0; i < m->ntensors; i++) {
		struct ir_tensor *t = &m->t[i];
		if (!t->is_variable || t->data)
			continue;
		/* TFLite resets int8 state to its zero point and the rest to 0. */
		int v = t->type == ENPU_TYPE_INT8 && t->nq ? (int)t->zp[0] : 0;
		memset(it->ptr[i], v, t->bytes);
	}
	return 0;
}

void enpu_interp_destroy(enpu_interp *it)
{
	if (!it)
		return;
	for (int i = 0; i < it->nblocks; i++)
		free(it->blocks[i]);
	free(it->blocks);
	if (!it->arena_alloc)
		free(it->arena);
	free(it->ptr);
	free(it->opstate);
	enpu_pool_destroy(it->pool);
	enpu_emu_detach(it);
	enpu_accel_detach(it);
	free(it);
}

int enpu_interp_create(enpu_model *m, const struct enpu_prepare_options *opts, enpu_interp **out)
{
	if (!out || !m)
		return enpu_err(-EINVAL, "interp: NULL argument");
	*out = NULL;
	struct enpu_prepare_options o = { .size = sizeof(o) };
	if (opts) {
		if (opts->size < sizeof(size_t) || opts->size > 4096)
			return enpu_err(-EINVAL, "interp: options size %zu is not valid", opts->size);
		memcpy(&o, opts, opts->size < sizeof(o) ? opts->size : sizeof(o));
	}
	const char *be = o.backend ? o.backend : "cpu";
	/* "auto" takes the chip when an enpu device opens, else the CPU.
	 * "emu" (the in-process chip model) is only ever explicit. */
	if (!strcmp(be, "auto"))
		be = enpu_accel_probe() ? "accel" : "cpu";
	int emu = !strcmp(be, "emu"), accel = !strcmp(be, "accel");
	if (strcmp(be, "cpu") && !emu && !accel)
		return enpu_err(-EINVAL, "unknown backend '%s' (cpu, emu, accel, auto)", be);
	if (o.threads < 0 || o.threads > 1024)
		return enpu_err(-EINVAL, "threads = %d is not valid", o.threads);
	if ((unsigned)o.requant > ENPU_REQUANT_FP32)
		return enpu_err(-EINVAL, "unknown requantization mode %d", (int)o.requant);
	enpu_interp *it = calloc(1, sizeof(*it));
	if (!it)
		return enpu_err(-ENOMEM, "interp: out of memory");
	it->m = m;
	it->k = enpu_kernels_select();
	if (!it->k) {
		free(it);
		return enpu_err(-ENOTSUP, "ENPU_ISA=%.20s is not a kernel level this CPU can run",
				getenv("ENPU_ISA"));
	}
	it->requant = (int)o.requant;
	it->budget = o.max_memory ? o.max_memory : SIZE_MAX;
	it->ptr = calloc((size_t)m->ntensors + 1, sizeof(void *));
	it->opstate = calloc((size_t)m->nops + 1, sizeof(void *));
	int r = it->ptr && it->opstate ? 0 : -ENOMEM;
	/* The driver backend is opened first: the arena lives in its BO. */
	if (!r && accel)
		r = enpu_accel_open(it);
	if (!r)
		r = plan(it);
	if (r == -ENOMEM && !strstr(last_error, "limit"))
		enpu_err(r, "interp: out of memory planning %zu arena bytes", it->arena_bytes);
	for (int i = 0; !r && i < m->nops; i++) {
		const struct op_impl *impl = enpu_op_impl(m->ops[i].code);
		if (!impl) {
			r = enpu_err(-ENOTSUP, "operator %d (%s): no CPU kernel", i,
				     enpu_op_name(m->ops[i].code));
			break;
		}
		r = impl->prepare(it, &m->ops[i], i);
		if (r == -ENOMEM)
			enpu_err(r, "operator %d (%s): out of memory (%zu bytes in use, limit %zu)", i,
				 enpu_op_name(m->ops[i].code), it->used, it->budget);
	}
	if (!r)
		r = enpu_interp_reset_state(it);
	if (!r) {
		/* threads = 0: every online CPU. */
		int nt = o.threads ? o.threads : enpu_cpu_count();
		if (!(it->pool = enpu_pool_create(nt, it->scratch, &r)))
			enpu_err(r, "interp: cannot start %d threads", nt);
	}
	if (!r && emu)
		r = enpu_emu_attach(it, o.cache_dir);
	if (!r && accel)
		r = enpu_accel_attach(it, o.cache_dir);
	if (r) {
		enpu_log(m->ctx, ENPU_LOG_ERROR, "%s", last_error);
		enpu_interp_destroy(it);
		return r;
	}
	enpu_log(m->ctx, ENPU_LOG_INFO, "plan: arena %zu bytes, lower bound %zu, kernels %s",
		 it->arena_bytes, it->lower_bound, it->k->isa);
	*out = it;
	return 0;
}

int enpu_interp_plan_stats(const enpu_interp *it, struct enpu_plan_stats *st)
{
	if (!it || !st || st->size < sizeof(size_t))
		return enpu_err(-EINVAL, "plan stats: bad argument");
	size_t sz = st->size;
	struct enpu_plan_stats s = { .size = sz, .arena_bytes = it->arena_bytes,
				     .lower_bound = it->lower_bound, .nops = it->m->nops,
				     .ntensors = it->m->ntensors };
	memcpy(st, &s, sz < sizeof(s) ? sz : sizeof(s));
	return 0;
}

int enpu_interp_set_input(enpu_interp *it, int i, const void *data, size_t len)
{
	if (!it || i < 0 || i >= it->m->nin)
		return enpu_err(-ERANGE, "input %d does not exist", i);
	const struct ir_tensor *t = &it->m->t[it->m->inputs[i]];
	if (len != t->bytes)
		return enpu_err(-EINVAL, "input %d '%.40s': %zu bytes given, the tensor holds %zu", i,
				t->name, len, t->bytes);
	if (len)
		memcpy(it->ptr[it->m->inputs[i]], data, len);
	return 0;
}

int enpu_interp_input_buffer(enpu_interp *it, int i, void **data, size_t *len)
{
	if (!it || i < 0 || i >= it->m->nin || !data || !len)
		return enpu_err(-ERANGE, "input %d does not exist", i);
	*data = it->ptr[it->m->inputs[i]];
	*len = it->m->t[it->m->inputs[i]].bytes;
	return 0;
}

int enpu_interp_invoke(enpu_interp *it)
{
	if (!it)
		return enpu_err(-EINVAL, "interp: NULL handle");
	if (it->accel)
		return enpu_accel_invoke(it);
	if (it->dev)
		return enpu_emu_invoke(it);
	for (int i = 0; i < it->m->nops; i++) {
		struct ir_op *op = &it->m->ops[i];
		enpu_op_impl(op->code)->eval(it, op);
	}
	return 0;
}

int enpu_interp_output(enpu_interp *it, int i, const void **data, size_t *len)
{
	if (!it || i < 0 || i >= it->m->nout || !data || !len)
		return enpu_err(-ERANGE, "output %d does not exist", i);
	*data = it->ptr[it->m->outputs[i]];
	*len = it->m->t[it->m->outputs[i]].bytes;
	return 0;
}
