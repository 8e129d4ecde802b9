// SPDX-License-Identifier: MIT
/*
 * The "emu" backend: the model's chip partitions run as command streams on
 * the ENPU-1 datapath model in-process (no kernel, no device), the rest on
 * the CPU kernels of the interpreter they belong to.  The interpreter is
 * prepared exactly as for "cpu" (same arena, same checks), so the chip's
 * device addresses (compiler.h) resolve straight to the interpreter's
 * buffers: inputs and outputs are never copied.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "cache.h"
#include "emu.h"
#include "accel.h"
#include "fw.h"
#include "interp.h"

struct enpu_emu {
	struct cp_prog *prog;
	struct cp_chip chip;
	uint64_t jobs, cycles, macs, bus_bytes;
	int chip_ops, cpu_ops;
	struct enpu_cache_info cache;
};

/* Resolves a device VA to host bytes; NULL when [va, va + len) is not
 * inside one mapped buffer. */
static uint8_t *resolve(struct enpu_interp *it, uint64_t va, size_t len, int write)
{
	struct enpu_emu *e = it->dev;
	uint64_t hi = va >> 32, lo = va & 0xffffffffu;
	size_t size;
	uint8_t *base;

	if (hi == CP_VA_CONST >> 32) {
		if (write)
			return NULL;
		base = e->prog->consts;
		size = e->prog->nconsts;
	} else if (hi >= 1 && hi <= (uint64_t)it->m->ntensors) {
		const struct ir_tensor *t = &it->m->t[hi - 1];

		/* Constant tensors are model data: the chip only reads them. */
		if (write && t->data)
			return NULL;
		base = it->ptr[hi - 1];
		size = t->bytes;
	} else {
		return NULL;
	}
	if (!base || lo > size || len > size - lo)
		return NULL;
	return base + lo;
}

static int va_read(void *ctx, uint64_t va, void *dst, size_t len, struct enpu_fw_fault *f)
{
	uint8_t *p = resolve(ctx, va, len, 0);

	if (!p) {
		f->addr = va;
		f->access = ENPU1_ACCESS_READ;
		return ENPU1_JOB_MMU_FAULT;
	}
	memcpy(dst, p, len);
	return ENPU1_JOB_OK;
}

static int va_write(void *ctx, uint64_t va, const void *src, size_t len, struct enpu_fw_fault *f)
{
	uint8_t *p = resolve(ctx, va, len, 1);

	if (!p) {
		f->addr = va;
		f->access = ENPU1_ACCESS_WRITE;
		return ENPU1_JOB_MMU_FAULT;
	}
	memcpy(p, src, len);
	return ENPU1_JOB_OK;
}

/* Capabilities of the in-process chip; ENPU_EMU_CAPS (hex) masks them to
 * model an older firmware, for partitioning tests. */
static uint32_t emu_caps(void)
{
	uint32_t caps = cp_emu_caps();
	const char *env = getenv("ENPU_EMU_CAPS");

	if (env && *env) {
		char *end;
		unsigned long v = strtoul(env, &end, 16);

		if (!*end)
			caps &= (uint32_t)v;
	}
	return caps;
}

int enpu_emu_attach(struct enpu_interp *it, const char *cache_dir)
{
	struct enpu_emu *e = calloc(1, sizeof(*e));
	struct cp_options o = { .caps = emu_caps(), .sram_bytes = CP_SRAM_PER_CORE,
				.requant = it->requant };
	/* The in-process chip runs the firmware of this tree. */
	struct enpu_cache_target tg = { .kind = ENPU_CACHE_TARGET_EMU, .chip_id = 1,
					.fw_version = ENPU_FW_VERSION_CODE,
					.fw_caps = cp_emu_caps() };
	int r;

	if (!e)
		return enpu_err(-ENOMEM, "emu: out of memory");
	r = enpu_cache_compile(it, cache_dir, &tg, &o, &e->prog, &e->cache);
	if (!r)
		r = cp_chip_init(&e->chip, e->prog->sram_bytes, o.caps);
	if (r) {
		if (e->prog)
			cp_free(e->prog);
		free(e);
		return enpu_err(r, "emu: compiling the model for the chip failed (%d)", r);
	}
	for (int i = 0; i < e->prog->nops; i++) {
		if (e->prog->ops[i].place == CP_CHIP)
			e->chip_ops++;
		else
			e->cpu_ops++;
	}
	it->dev = e;
	enpu_log(it->m->ctx, ENPU_LOG_INFO, "emu: %d ops on the chip, %d on the CPU, %d partitions",
		 e->chip_ops, e->cpu_ops, e->prog->nseg);
	return 0;
}

void enpu_emu_detach(struct enpu_interp *it)
{
	struct enpu_emu *e = it->dev;

	if (!e)
		return;
	cp_chip_fini(&e->chip);
	cp_free(e->prog);
	free(e);
	it->dev = NULL;
}

int enpu_emu_invoke(struct enpu_interp *it)
{
	struct enpu_emu *e = it->dev;
	struct enpu_engine_mem mem = { .ctx = it, .va_read = va_read, .va_write = va_write };

	for (int s = 0; s < e->prog->nseg; s++) {
		const struct cp_seg *sg = &e->prog->seg[s];

		if (!sg->chip) {
			for (int i = sg->first; i < sg->end; i++) {
				struct ir_op *op = &it->m->ops[i];

				enpu_op_impl(op->code)->eval(it, op);
			}
			continue;
		}
		uint32_t off = 0;
		int st = cp_run_stream(&e->chip, &mem, sg->words, sg->nwords, NULL, NULL, &off);

		e->jobs++;
		e->cycles += enpu_engine_cycles(&e->chip.core);
		e->macs += e->chip.core.macs;
		e->bus_bytes += e->chip.core.bus_bytes;
		if (st)
			return enpu_err(-EIO, "emu: job for operators %d..%d ended with %s at byte %u",
					sg->first, sg->end - 1, cp_job_status_name(st), off);
	}
	return 0;
}

int enpu_interp_device_stats(const enpu_interp *it, struct enpu_device_stats *st)
{
	if (!it || !st || st->size < sizeof(size_t))
		return enpu_err(-EINVAL, "device stats: bad argument");
	if (it->accel)
		return enpu_accel_device_stats(it, st);
	const struct enpu_emu *e = it->dev;
	struct enpu_device_stats s = { .size = st->size };

	if (e) {
		s.jobs = e->jobs;
		s.cycles = e->cycles;
		s.clock_khz = e->chip.clock_khz;
		s.device_ns = e->cycles * 1000000ull / e->chip.clock_khz;
		s.macs = e->macs;
		s.bus_bytes = e->bus_bytes;
		s.chip_ops = e->chip_ops;
		s.cpu_ops = e->cpu_ops;
		s.partitions = e->prog->nseg;
		s.cache = e->cache.result;
		s.compile_ns = e->cache.ns;
	} else {
		s.cpu_ops = it->m->nops;
		s.partitions = it->m->nops ? 1 : 0;
	}
	memcpy(st, &s, st->size < sizeof(s) ? st->size : sizeof(s));
	return 0;
}
