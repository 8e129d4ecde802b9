// SPDX-License-Identifier: MIT
/*
 * Graph compiler and "emu" backend: for every shared model the CPU backend
 * runs, the compiled streams decode in the firmware's decoder, compilation
 * is deterministic, the chip model runs every stream without a fault or
 * hazard, and the emu backend's outputs are byte-identical to the cpu
 * backend's on random inputs; a capability mask splits a model into
 * chip -> CPU -> chip partitions that still give the same bytes.  SOFTMAX
 * goes to the chip only when the firmware offers it and a row fits.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "compiler.h"
#include "decode.h"

static const char *shared_dir(void)
{
	const char *s = getenv("ENPU_SHARED");

	return s && *s ? s : "../shared";
}

static uint32_t rng;

static uint8_t rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return (uint8_t)(rng >> 16);
}

/* Runs cpu and emu on the same random inputs; returns differing bytes or -1. */
static long compare_backends(enpu_model *m, unsigned seed, struct enpu_device_stats *ds)
{
	struct enpu_prepare_options pc = { .size = sizeof(pc), .backend = "cpu" }, pe = pc;
	enpu_interp *a, *b;
	long diff = 0;

	pe.backend = "emu";
	if (enpu_interp_create(m, &pc, &a))
		return -1;
	if (enpu_interp_create(m, &pe, &b)) {
		diag("emu: %s", enpu_last_error());
		enpu_interp_destroy(a);
		return -1;
	}
	rng = seed;
	for (int i = 0; i < enpu_model_num_inputs(m); i++) {
		void *p, *q;
		size_t n, n2;

		enpu_interp_input_buffer(a, i, &p, &n);
		enpu_interp_input_buffer(b, i, &q, &n2);
		for (size_t k = 0; k < n; k++)
			((uint8_t *)p)[k] = rnd();
		memcpy(q, p, n);
	}
	if (enpu_interp_invoke(a) || enpu_interp_invoke(b)) {
		diag("invoke: %s", enpu_last_error());
		diff = -1;
	}
	for (int i = 0; !diff && i < enpu_model_num_outputs(m); i++) {
		const void *x, *y;
		size_t nx, ny;

		enpu_interp_output(a, i, &x, &nx);
		enpu_interp_output(b, i, &y, &ny);
		for (size_t k = 0; k < nx; k++)
			diff += ((const uint8_t *)x)[k] != ((const uint8_t *)y)[k];
	}
	if (ds) {
		ds->size = sizeof(*ds);
		enpu_interp_device_stats(b, ds);
	}
	enpu_interp_destroy(a);
	enpu_interp_destroy(b);
	return diff;
}

static int streams_decode(const struct cp_prog *p)
{
	for (int s = 0; s < p->nseg; s++) {
		if (!p->seg[s].chip)
			continue;
		uint32_t off;
		int st = enpu_fw_decode(p->seg[s].words, p->seg[s].nwords, NULL, NULL, &off);

		if (st) {
			diag("partition %d: %s at byte %u", s, cp_job_status_name(st), off);
			return 0;
		}
	}
	return 1;
}

static int compile_bytes(const enpu_model *m, uint32_t caps, uint8_t **buf, size_t *len,
			 struct cp_prog **keep)
{
	struct cp_options o = { .caps = caps, .model_hash = 42 };
	struct cp_prog *p;

	if (cp_compile(m, &o, &p))
		return -1;
	int r = cp_serialize(p, buf, len);

	if (keep)
		*keep = p;
	else
		cp_free(p);
	return r;
}

static void test_model(enpu_context *ctx, const char *dir, const char *name)
{
	char path[2048];
	enpu_model *m;

	snprintf(path, sizeof(path), "%.1000s/%.1000s", dir, name);
	if (enpu_model_load_file(ctx, path, &m)) {
		diag("%s: not loadable (%s), skipped", name, enpu_last_error());
		return;
	}
	struct enpu_prepare_options pc = { .size = sizeof(pc), .backend = "cpu" };
	enpu_interp *it;

	if (enpu_interp_create(m, &pc, &it)) {
		diag("%s: the cpu backend refuses it (%s), skipped", name, enpu_last_error());
		enpu_model_destroy(m);
		return;
	}
	enpu_interp_destroy(it);

	uint8_t *b1, *b2;
	size_t l1, l2;
	struct cp_prog *p = NULL, *q = NULL;

	ok(!compile_bytes(m, CP_CAPS_ALL, &b1, &l1, &p), "%s: compiles", name);
	ok(!compile_bytes(m, CP_CAPS_ALL, &b2, &l2, NULL) && l1 == l2 && !memcmp(b1, b2, l1),
	   "%s: compiling twice gives the same %zu bytes", name, l1);
	ok(p && streams_decode(p), "%s: every stream decodes in firmware/decode.c", name);
	ok(p && !cp_model_timing(p), "%s: every stream runs on the chip model (no fault, no hazard)",
	   name);
	ok(!cp_deserialize(b1, l1, &q) && q->nseg == p->nseg && q->nconsts == p->nconsts,
	   "%s: the compiled file reads back", name);
	cp_free(p);
	cp_free(q);
	free(b1);
	free(b2);

	for (unsigned seed = 1; seed <= 2; seed++) {
		struct enpu_device_stats ds;
		long d = compare_backends(m, seed, &ds);

		ok(d == 0, "%s: emu output is byte-identical to cpu (seed %u; %d ops on the chip, "
			   "%d on the CPU, %llu cycles)", name, seed, ds.chip_ops, ds.cpu_ops,
		   (unsigned long long)ds.cycles);
	}
	enpu_model_destroy(m);
}

static int rd(void *ctx, uint64_t va, void *dst, size_t len, struct enpu_fw_fault *f)
{
	(void)ctx;
	(void)va;
	(void)f;
	memset(dst, 0, len);
	return ENPU1_JOB_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *shared = shared_dir();
	char dir[1024];
	enpu_context *ctx;

	snprintf(dir, sizeof(dir), "%.900s/models", shared);
	enpu_context_create(NULL, &ctx);

	/* Every model, in a fixed order. */
	DIR *d = opendir(dir);
	char *names[256];
	int n = 0;

	ok(d != NULL, "shared models at %s", dir);
	for (struct dirent *e; d && (e = readdir(d)) && n < 256;) {
		size_t l = strlen(e->d_name);

		if (l > 7 && !strcmp(e->d_name + l - 7, ".tflite"))
			names[n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), by_name);
	for (int i = 0; i < n; i++) {
		test_model(ctx, dir, names[i]);
		free(names[i]);
	}

	/* mobilenet_v2: every op on the chip, SOFTMAX included, one job. */
	char path[4096];
	enpu_model *m;

	snprintf(path, sizeof(path), "%s/mobilenet_v2_1.0_224_quant.tflite", dir);
	if (ok(!enpu_model_load_file(ctx, path, &m), "mobilenet_v2 loads")) {
		struct cp_options o = { .caps = CP_CAPS_ALL };
		struct cp_prog *p;
		int bad = 0, sm = -1;

		for (int i = 0; i < m->nops; i++)
			if (m->ops[i].code == OP_SOFTMAX)
				sm = i;
		if (!cp_compile(m, &o, &p)) {
			for (int i = 0; i < p->nops; i++)
				bad += p->ops[i].place != CP_CHIP;
			ok(!bad && p->nops == 66 && p->nseg == 1 && sm == 65,
			   "mobilenet_v2: all %d ops on the chip (SOFTMAX too), 1 partition", p->nops);
			int tr = cp_model_timing(p);

			ok(!tr && p->ops[sm].cycles > 0 && p->ops[sm].bus_bytes == 1001 + 1024 + 1001,
			   "mobilenet_v2: SOFTMAX has modeled cycles (%llu) and moves its rows and table",
			   (unsigned long long)p->ops[sm].cycles);
			cp_free(p);
		} else {
			ok(0, "mobilenet_v2 compiles");
		}

		/* A firmware without the SOFTMAX bit (caps 0x000700ff). */
		o.caps = CP_CAPS_ALL & ~ENPU1_CAP_OP(ENPU1_OP_SOFTMAX);
		if (!cp_compile(m, &o, &p)) {
			bad = 0;
			for (int i = 0; i < p->nops; i++)
				bad += (p->ops[i].place == CP_CHIP) == (i == sm);
			ok(o.caps == 0x000700ff && !bad && p->nseg == 2 &&
			   !strcmp(p->ops[sm].why, "the firmware does not offer SOFTMAX"),
			   "old firmware (caps %08x): SOFTMAX stays on the CPU, saying why; 2 partitions",
			   o.caps);
			cp_free(p);
		} else {
			ok(0, "mobilenet_v2 compiles for an old firmware");
		}
		setenv("ENPU_EMU_CAPS", "700ff", 1);
		struct enpu_device_stats ds;
		long diff = compare_backends(m, 11, &ds);

		unsetenv("ENPU_EMU_CAPS");
		ok(diff == 0 && ds.cpu_ops == 1 && ds.partitions == 2,
		   "old firmware: emu (SOFTMAX on the CPU) is byte-identical to cpu");

		/* A row that cannot fit: 1001 classes twice in, twice out, and
		 * the table, in 4 KiB. */
		o.caps = CP_CAPS_ALL;
		o.sram_bytes = 4096;
		if (!cp_compile(m, &o, &p)) {
			ok(p->ops[sm].place == CP_CPU &&
			   !strcmp(p->ops[sm].why, "one row of the SOFTMAX does not fit in SRAM"),
			   "SOFTMAX rows too wide for SRAM stay on the CPU, saying why");
			cp_free(p);
		} else {
			ok(0, "mobilenet_v2 compiles for 4 KiB of SRAM");
		}
		enpu_model_destroy(m);
	}

	/* Without DEPTHWISE, mobilenet_v1 alternates chip and CPU partitions. */
	snprintf(path, sizeof(path), "%s/mobilenet_v1_0.25_128_quant.tflite", dir);
	if (ok(!enpu_model_load_file(ctx, path, &m), "mobilenet_v1 loads")) {
		uint32_t caps = CP_CAPS_ALL & ~ENPU1_CAP_OP(ENPU1_OP_DEPTHWISE);
		struct cp_options o = { .caps = caps };
		struct cp_prog *p;
		int pattern = 0;

		if (!cp_compile(m, &o, &p)) {
			for (int s = 0; s + 2 < p->nseg; s++)
				if (p->seg[s].chip && !p->seg[s + 1].chip && p->seg[s + 2].chip &&
				    m->ops[p->seg[s + 1].first].code == OP_DEPTHWISE_CONV_2D)
					pattern = 1;
			ok(pattern && streams_decode(p) && !cp_model_timing(p),
			   "masked DEPTHWISE: chip -> CPU (depthwise) -> chip, %d partitions", p->nseg);
			cp_free(p);
		}
		char caps_s[16];

		snprintf(caps_s, sizeof(caps_s), "%x", caps);
		setenv("ENPU_EMU_CAPS", caps_s, 1);
		struct enpu_device_stats ds;
		long diff = compare_backends(m, 7, &ds);

		unsetenv("ENPU_EMU_CAPS");
		ok(diff == 0 && ds.partitions > 3,
		   "masked DEPTHWISE: emu (%d partitions) is byte-identical to cpu", ds.partitions);
		enpu_model_destroy(m);
	}

	/* The hazard checker is live: compute reading a DMA_LOAD's bytes
	 * without a SYNC in between ends the job with HAZARD. */
	{
		struct cp_chip c;
		uint32_t w[] = {
			ENPU1_CMD(ENPU1_OP_SETP, 4, ENPU1_P_DMA_VA_LO), 0, 0, 0, 64,
			ENPU1_CMD(ENPU1_OP_DMA_LOAD, 0, 0),
			ENPU1_CMD(ENPU1_OP_SETP, 4, ENPU1_P_IFM_SRAM), 0, 1, 1, 64,
			ENPU1_CMD(ENPU1_OP_SETP, 4, ENPU1_P_OFM_SRAM), 128, 1, 1, 64,
			ENPU1_CMD(ENPU1_OP_SETP, 1, ENPU1_P_LUT_SRAM), 256,
			ENPU1_CMD(ENPU1_OP_LUT, 0, 0),
			ENPU1_CMD(ENPU1_OP_END, 0, 0),
		};
		cp_chip_init(&c, 4096, CP_CAPS_ALL);
		struct enpu_engine_mem mem = { .va_read = rd };
		int st = cp_run_stream(&c, &mem, w, sizeof(w) / 4, NULL, NULL, NULL);

		is_int(st, ENPU1_JOB_HAZARD, "a stream missing a SYNC ends with HAZARD");
		cp_chip_fini(&c);
	}
	enpu_context_destroy(ctx);
	return tap_done();
}
