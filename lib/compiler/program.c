// SPDX-License-Identifier: MIT
/*
 * Running compiled streams on the in-process chip (the datapath of
 * tools/enpu-emu/engine.c, decoded by firmware/decode.c), the timing
 * model built on it, and the compiled-model file format.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "decode.h"
#include "fw.h"

uint32_t cp_emu_caps(void)
{
	/* What the firmware built from this tree writes to FW_CAPS. */
	return ENPU_FW_CAPS;
}

int cp_chip_init(struct cp_chip *c, uint32_t sram_bytes, uint32_t caps)
{
	memset(c, 0, sizeof(*c));
	/* Timing defaults of enpu-emu (Documentation/hw/timing.rst). */
	c->timing = (struct enpu_timing){ .macs_per_cycle = 1024, .bus_bytes_per_cycle = 16,
					  .sram_bytes_per_cycle = 128, .op_overhead_cycles = 16,
					  .dma_latency_cycles = 200 };
	c->clock_khz = CP_CLOCK_KHZ;
	c->caps = caps;
	c->core.sram = calloc(1, sram_bytes);
	if (!c->core.sram)
		return -ENOMEM;
	c->core.sram_size = sram_bytes;
	c->core.timing = &c->timing;
	return 0;
}

void cp_chip_fini(struct cp_chip *c)
{
	free(c->core.sram);
	c->core.sram = NULL;
}

/* The firmware's capability check (firmware/job.c supported()). */
static int supported(uint32_t caps, uint32_t op, const uint32_t *params)
{
	uint32_t flags = params[ENPU1_P_FLAGS];

	if (op < ENPU1_OP_CONV)
		return 1;
	if (!(caps & ENPU1_CAP_OP(op)))
		return 0;
	if (op > ENPU1_OP_FULLY_CONNECTED && op != ENPU1_OP_MUL)
		return 1;
	if (op != ENPU1_OP_MUL && (flags & ENPU1_F_PER_CHANNEL) && !(caps & ENPU1_CAP_PER_CHANNEL))
		return 0;
	if ((flags & ENPU1_F_REQUANT_FP32) && !(caps & ENPU1_CAP_REQUANT_FP32))
		return 0;
	if (op != ENPU1_OP_MUL &&
	    (params[ENPU1_P_DILATION_H] > 1 || params[ENPU1_P_DILATION_W] > 1) &&
	    !(caps & ENPU1_CAP_DILATION))
		return 0;
	return 1;
}

struct run {
	struct cp_chip *c;
	const struct enpu_engine_mem *mem;
	uint32_t params[ENPU1_P_COUNT];
	cp_step_fn step;
	void *user;
};

static int on_cmd(void *ctx, const struct enpu_fw_cmd *cmd)
{
	struct run *r = ctx;
	struct enpu_fw_fault fault = { 0 };
	int st = ENPU1_JOB_OK;

	switch (cmd->op) {
	case ENPU1_OP_NOP:
		break;
	case ENPU1_OP_SETP:
		memcpy(&r->params[cmd->imm], cmd->args, cmd->nargs * sizeof(uint32_t));
		break;
	case ENPU1_OP_END:
	case ENPU1_OP_SYNC:
		enpu_engine_sync(&r->c->core);
		break;
	case ENPU1_OP_FENCE: {
		uint8_t v[4] = { (uint8_t)cmd->args[2], (uint8_t)(cmd->args[2] >> 8),
				 (uint8_t)(cmd->args[2] >> 16), (uint8_t)(cmd->args[2] >> 24) };

		enpu_engine_sync(&r->c->core);
		if (!r->mem || !r->mem->va_write)
			st = ENPU1_JOB_BUS_ERROR;
		else
			st = r->mem->va_write(r->mem->ctx,
					      (uint64_t)cmd->args[1] << 32 | cmd->args[0], v, 4,
					      &fault);
		break;
	}
	default:
		if (!supported(r->c->caps, cmd->op, r->params))
			st = ENPU1_JOB_UNSUPPORTED;
		else
			st = enpu_engine_run(&r->c->core, r->mem, cmd->op, r->params, &fault);
		break;
	}
	if (!st && r->step)
		r->step(r->user, cmd->offset / 4 + 1 + cmd->nargs, &r->c->core);
	return st;
}

int cp_run_stream(struct cp_chip *c, const struct enpu_engine_mem *mem, const uint32_t *words,
		  size_t nwords, cp_step_fn step, void *user, uint32_t *err_offset)
{
	struct run r = { .c = c, .mem = mem, .step = step, .user = user };

	enpu_engine_job_begin(&c->core);
	return enpu_fw_decode(words, nwords, on_cmd, &r, err_offset);
}

/* ------------------------------------------------------------------------ */
/* Timing model: the streams on a chip whose host memory reads as zeros. */

static int zero_read(void *ctx, uint64_t va, void *dst, size_t len, struct enpu_fw_fault *f)
{
	(void)ctx;
	(void)va;
	(void)f;
	memset(dst, 0, len);
	return ENPU1_JOB_OK;
}

static int drop_write(void *ctx, uint64_t va, const void *src, size_t len,
		      struct enpu_fw_fault *f)
{
	(void)ctx;
	(void)va;
	(void)src;
	(void)len;
	(void)f;
	return ENPU1_JOB_OK;
}

struct tctx {
	struct cp_prog *p;
	int op, end;
	uint64_t c0, b0;
};

/* Attributes cycles to ops at their boundaries (each op ends with SYNC). */
static void t_step(void *user, size_t pos, const struct enpu_engine_core *core)
{
	struct tctx *t = user;

	while (t->op < t->end && t->p->ops[t->op].place == CP_CHIP &&
	       t->p->ops[t->op].stream_end == pos) {
		uint64_t cyc = enpu_engine_cycles(core);

		t->p->ops[t->op].cycles = cyc - t->c0;
		t->p->ops[t->op].bus_bytes = core->bus_bytes - t->b0;
		t->c0 = cyc;
		t->b0 = core->bus_bytes;
		t->op++;
		while (t->op < t->end && t->p->ops[t->op].place != CP_CHIP)
			t->op++;
	}
}

int cp_model_timing(struct cp_prog *p)
{
	struct cp_chip c;
	struct enpu_engine_mem mem = { .va_read = zero_read, .va_write = drop_write };
	int r = cp_chip_init(&c, p->sram_bytes, p->caps);

	if (r)
		return r;
	for (int s = 0; s < p->nseg && !r; s++) {
		struct cp_seg *sg = &p->seg[s];
		struct tctx t = { .p = p, .op = sg->first, .end = sg->end };

		if (!sg->chip)
			continue;
		int st = cp_run_stream(&c, &mem, sg->words, sg->nwords, t_step, &t, NULL);

		if (st)
			r = -EIO;
		sg->cycles = enpu_engine_cycles(&c.core);
		sg->macs = c.core.macs;
		sg->bus_bytes = c.core.bus_bytes;
	}
	cp_chip_fini(&c);
	return r;
}

/* ------------------------------------------------------------------------ */
/* File format (little-endian), Documentation/lib/compiler.rst. */

#define HDR_BYTES 64u

static void w32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void w64(uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t r32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t r64(const uint8_t *p)
{
	return r32(p) | (uint64_t)r32(p + 4) << 32;
}

int cp_serialize(const struct cp_prog *p, uint8_t **buf, size_t *len)
{
	size_t n = HDR_BYTES + 16ull * p->nops + 16ull * p->nseg + p->nconsts;

	for (int s = 0; s < p->nseg; s++)
		n += 4 * p->seg[s].nwords;
	uint8_t *b = calloc(1, n), *q = b;

	if (!b)
		return -ENOMEM;
	memcpy(q, CP_FILE_MAGIC, 8);
	w32(q + 8, CP_FILE_VERSION);
	w32(q + 12, CP_ISA_VERSION);
	w32(q + 16, CP_COMPILER_VERSION);
	w32(q + 20, p->caps);
	w32(q + 24, p->sram_bytes);
	w32(q + 28, p->requant);
	w64(q + 32, p->model_hash);
	w32(q + 40, (uint32_t)p->nops);
	w32(q + 44, (uint32_t)p->nseg);
	w64(q + 48, p->nconsts);
	q += HDR_BYTES;
	for (int i = 0; i < p->nops; i++, q += 16) {
		q[0] = (uint8_t)p->ops[i].place;
		w32(q + 4, (uint32_t)p->ops[i].seg);
		w32(q + 8, (uint32_t)p->ops[i].stream_end);
	}
	for (int s = 0; s < p->nseg; s++, q += 16) {
		w32(q, (uint32_t)p->seg[s].chip);
		w32(q + 4, (uint32_t)p->seg[s].first);
		w32(q + 8, (uint32_t)p->seg[s].end);
		w32(q + 12, (uint32_t)p->seg[s].nwords);
	}
	for (int s = 0; s < p->nseg; s++)
		for (size_t i = 0; i < p->seg[s].nwords; i++, q += 4)
			w32(q, p->seg[s].words[i]);
	if (p->nconsts)
		memcpy(q, p->consts, p->nconsts);
	*buf = b;
	*len = n;
	return 0;
}

int cp_deserialize(const uint8_t *b, size_t len, struct cp_prog **out)
{
	*out = NULL;
	if (len < HDR_BYTES || memcmp(b, CP_FILE_MAGIC, 8))
		return -EINVAL;
	if (r32(b + 8) != CP_FILE_VERSION || r32(b + 12) != CP_ISA_VERSION)
		return -ENOTSUP;
	struct cp_prog *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->caps = r32(b + 20);
	p->sram_bytes = r32(b + 24);
	p->requant = r32(b + 28);
	p->model_hash = r64(b + 32);
	uint32_t nops = r32(b + 40), nseg = r32(b + 44);
	uint64_t nconsts = r64(b + 48);
	size_t off = HDR_BYTES;

	if (nops > (1u << 20) || nseg > nops + 1 ||
	    (len - off) / 16 < (uint64_t)nops + nseg)
		goto bad;
	p->nops = (int)nops;
	p->nseg = (int)nseg;
	p->ops = calloc(nops + 1, sizeof(*p->ops));
	p->seg = calloc(nseg + 1, sizeof(*p->seg));
	if (!p->ops || !p->seg)
		goto bad;
	for (uint32_t i = 0; i < nops; i++, off += 16) {
		p->ops[i].place = b[off];
		p->ops[i].seg = (int)r32(b + off + 4);
		p->ops[i].stream_end = r32(b + off + 8);
	}
	for (uint32_t s = 0; s < nseg; s++, off += 16) {
		p->seg[s].chip = (int)r32(b + off);
		p->seg[s].first = (int)r32(b + off + 4);
		p->seg[s].end = (int)r32(b + off + 8);
		p->seg[s].nwords = r32(b + off + 12);
		if (p->seg[s].first < 0 || p->seg[s].end > (int)nops ||
		    p->seg[s].first > p->seg[s].end)
			goto bad;
	}
	for (uint32_t s = 0; s < nseg; s++) {
		size_t nw = p->seg[s].nwords;

		if ((len - off) / 4 < nw)
			goto bad;
		p->seg[s].words = malloc(nw * 4 + 4);
		if (!p->seg[s].words)
			goto bad;
		for (size_t i = 0; i < nw; i++, off += 4)
			p->seg[s].words[i] = r32(b + off);
	}
	if (len - off != nconsts)
		goto bad;
	p->nconsts = (size_t)nconsts;
	p->consts = malloc(p->nconsts + 1);
	if (!p->consts)
		goto bad;
	memcpy(p->consts, b + off, p->nconsts);
	*out = p;
	return 0;
bad:
	cp_free(p);
	return -EINVAL;
}

/* ------------------------------------------------------------------------ */

const char *cp_param_name(unsigned idx)
{
	static const char *const names[ENPU1_P_COUNT] = {
		[ENPU1_P_DMA_VA_LO] = "DMA_VA_LO", [ENPU1_P_DMA_VA_HI] = "DMA_VA_HI",
		[ENPU1_P_DMA_SRAM] = "DMA_SRAM", [ENPU1_P_DMA_ROW_BYTES] = "DMA_ROW_BYTES",
		[ENPU1_P_DMA_ROWS] = "DMA_ROWS", [ENPU1_P_DMA_PLANES] = "DMA_PLANES",
		[ENPU1_P_DMA_VA_ROW_STRIDE] = "DMA_VA_ROW_STRIDE",
		[ENPU1_P_DMA_VA_PLANE_STRIDE] = "DMA_VA_PLANE_STRIDE",
		[ENPU1_P_DMA_SRAM_ROW_STRIDE] = "DMA_SRAM_ROW_STRIDE",
		[ENPU1_P_DMA_SRAM_PLANE_STRIDE] = "DMA_SRAM_PLANE_STRIDE",
		[ENPU1_P_IFM_SRAM] = "IFM_SRAM", [ENPU1_P_IFM_H] = "IFM_H",
		[ENPU1_P_IFM_W] = "IFM_W", [ENPU1_P_IFM_C] = "IFM_C",
		[ENPU1_P_IFM_ROW_STRIDE] = "IFM_ROW_STRIDE",
		[ENPU1_P_IFM_PIXEL_STRIDE] = "IFM_PIXEL_STRIDE", [ENPU1_P_IFM_ZP] = "IFM_ZP",
		[ENPU1_P_DTYPE] = "DTYPE", [ENPU1_P_IFM2_SRAM] = "IFM2_SRAM",
		[ENPU1_P_IFM2_ROW_STRIDE] = "IFM2_ROW_STRIDE",
		[ENPU1_P_IFM2_PIXEL_STRIDE] = "IFM2_PIXEL_STRIDE",
		[ENPU1_P_IFM2_CHAN_STRIDE] = "IFM2_CHAN_STRIDE", [ENPU1_P_IFM2_ZP] = "IFM2_ZP",
		[ENPU1_P_OFM_SRAM] = "OFM_SRAM", [ENPU1_P_OFM_H] = "OFM_H",
		[ENPU1_P_OFM_W] = "OFM_W", [ENPU1_P_OFM_C] = "OFM_C",
		[ENPU1_P_OFM_ROW_STRIDE] = "OFM_ROW_STRIDE",
		[ENPU1_P_OFM_PIXEL_STRIDE] = "OFM_PIXEL_STRIDE", [ENPU1_P_OFM_ZP] = "OFM_ZP",
		[ENPU1_P_ACT_MIN] = "ACT_MIN", [ENPU1_P_ACT_MAX] = "ACT_MAX",
		[ENPU1_P_KERNEL_H] = "KERNEL_H", [ENPU1_P_KERNEL_W] = "KERNEL_W",
		[ENPU1_P_STRIDE_H] = "STRIDE_H", [ENPU1_P_STRIDE_W] = "STRIDE_W",
		[ENPU1_P_DILATION_H] = "DILATION_H", [ENPU1_P_DILATION_W] = "DILATION_W",
		[ENPU1_P_PAD_TOP] = "PAD_TOP", [ENPU1_P_PAD_LEFT] = "PAD_LEFT",
		[ENPU1_P_DEPTH_MULT] = "DEPTH_MULT", [ENPU1_P_WEIGHT_SRAM] = "WEIGHT_SRAM",
		[ENPU1_P_WEIGHT_ZP] = "WEIGHT_ZP", [ENPU1_P_BIAS_SRAM] = "BIAS_SRAM",
		[ENPU1_P_FLAGS] = "FLAGS", [ENPU1_P_OUT_MULT] = "OUT_MULT",
		[ENPU1_P_OUT_SHIFT] = "OUT_SHIFT", [ENPU1_P_QUANT_SRAM] = "QUANT_SRAM",
		[ENPU1_P_EW_LEFT_SHIFT] = "EW_LEFT_SHIFT", [ENPU1_P_IN1_MULT] = "IN1_MULT",
		[ENPU1_P_IN1_SHIFT] = "IN1_SHIFT", [ENPU1_P_IN2_MULT] = "IN2_MULT",
		[ENPU1_P_IN2_SHIFT] = "IN2_SHIFT", [ENPU1_P_LUT_SRAM] = "LUT_SRAM",
		[ENPU1_P_SOFTMAX_TABLE_SRAM] = "SOFTMAX_TABLE_SRAM",
		[ENPU1_P_SOFTMAX_OUT_SCALE] = "SOFTMAX_OUT_SCALE",
	};
	return idx < ENPU1_P_COUNT ? names[idx] : NULL;
}

const char *cp_job_status_name(int st)
{
	switch (st) {
	case ENPU1_JOB_OK: return "OK";
	case ENPU1_JOB_DECODE_ERROR: return "DECODE_ERROR";
	case ENPU1_JOB_MMU_FAULT: return "MMU_FAULT";
	case ENPU1_JOB_SRAM_RANGE: return "SRAM_RANGE";
	case ENPU1_JOB_BUS_ERROR: return "BUS_ERROR";
	case ENPU1_JOB_BAD_AS: return "BAD_AS";
	case ENPU1_JOB_UNSUPPORTED: return "UNSUPPORTED";
	case ENPU1_JOB_ABORTED: return "ABORTED";
	case ENPU1_JOB_HAZARD: return "HAZARD";
	case ENPU1_JOB_FENCE: return "FENCE";
	}
	return "?";
}
