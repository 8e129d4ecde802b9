// SPDX-License-Identifier: MIT
/*
 * enpu-compile: compile a quantized TFLite model for ENPU-1 and report what
 * went where; disassemble compiled models and raw command streams.
 *
 *   enpu-compile MODEL -o FILE [--report] [--caps HEX] [--requant MODE]
 *                [--sram-kib N]
 *   enpu-compile --disasm FILE      (a compiled model, or raw stream words)
 *
 * Uses the library's internal compiler (linked statically); the file format
 * is described in Documentation/lib/compiler.rst.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "decode.h"

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "enpu-compile: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: enpu-compile MODEL -o FILE [--report] [--caps HEX] "
		   "[--requant tflite|gemmlowp|fp32] [--sram-kib N]\n"
		   "       enpu-compile --disasm FILE\n");
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	size_t cap = 1 << 20, n = 0;
	uint8_t *b = malloc(cap);

	while (b) {
		size_t got = fread(b + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		uint8_t *nb = realloc(b, cap);

		if (!nb)
			free(b);
		b = nb;
	}
	if (!b || ferror(f))
		die("cannot read %s", path);
	fclose(f);
	*len = n;
	return b;
}

/* ------------------------------------------------------------------------ */
/* Disassembler */

struct dis {
	uint32_t p[ENPU1_P_COUNT];
};

static void print_va(uint64_t va)
{
	uint64_t hi = va >> 32;

	if (hi == CP_VA_CONST >> 32)
		printf("const+0x%llx", (unsigned long long)(va & 0xffffffffu));
	else if (hi >= 1 && hi < (CP_VA_CONST >> 32))
		printf("tensor%llu+0x%llx", (unsigned long long)(hi - 1),
		       (unsigned long long)(va & 0xffffffffu));
	else
		printf("0x%llx", (unsigned long long)va);
}

static int dis_cmd(void *ctx, const struct enpu_fw_cmd *c)
{
	struct dis *d = ctx;
	const char *name = enpu_fw_op_name(c->op);
	const uint32_t *p = d->p;

	printf("  %06x  %-16s", c->offset, name ? name : "?");
	switch (c->op) {
	case ENPU1_OP_SETP:
		for (uint32_t i = 0; i < c->nargs; i++) {
			const char *pn = cp_param_name(c->imm + i);

			d->p[c->imm + i] = c->args[i];
			printf("%s%s=", i ? ", " : "", pn ? pn : "RESERVED");
			if ((int32_t)c->args[i] < 0 && c->args[i] > 0xffff0000u)
				printf("%d", (int32_t)c->args[i]);
			else if (c->args[i] > 4096)
				printf("0x%x", c->args[i]);
			else
				printf("%u", c->args[i]);
		}
		break;
	case ENPU1_OP_NOP:
		printf("(%u words skipped)", c->nargs);
		break;
	case ENPU1_OP_FENCE:
		printf("va=0x%llx value=0x%x",
		       (unsigned long long)((uint64_t)c->args[1] << 32 | c->args[0]), c->args[2]);
		break;
	case ENPU1_OP_DMA_LOAD:
	case ENPU1_OP_DMA_STORE: {
		uint64_t va = (uint64_t)p[ENPU1_P_DMA_VA_HI] << 32 | p[ENPU1_P_DMA_VA_LO];
		uint32_t rows = p[ENPU1_P_DMA_ROWS] ? p[ENPU1_P_DMA_ROWS] : 1;

		printf("%s ", c->op == ENPU1_OP_DMA_LOAD ? "from" : "to");
		print_va(va);
		printf(" %s sram 0x%x: %u x %u bytes", c->op == ENPU1_OP_DMA_LOAD ? "to" : "from",
		       p[ENPU1_P_DMA_SRAM], rows, p[ENPU1_P_DMA_ROW_BYTES]);
		if (rows > 1)
			printf(" (va stride %u, sram stride %u)", p[ENPU1_P_DMA_VA_ROW_STRIDE],
			       p[ENPU1_P_DMA_SRAM_ROW_STRIDE]);
		break;
	}
	case ENPU1_OP_END:
	case ENPU1_OP_SYNC:
		break;
	default:
		printf("ifm %ux%ux%u @0x%x -> ofm %ux%ux%u @0x%x", p[ENPU1_P_IFM_H], p[ENPU1_P_IFM_W],
		       p[ENPU1_P_IFM_C], p[ENPU1_P_IFM_SRAM], p[ENPU1_P_OFM_H], p[ENPU1_P_OFM_W],
		       p[ENPU1_P_OFM_C], p[ENPU1_P_OFM_SRAM]);
		if (c->op == ENPU1_OP_CONV || c->op == ENPU1_OP_DEPTHWISE ||
		    c->op == ENPU1_OP_MAX_POOL || c->op == ENPU1_OP_AVG_POOL)
			printf(" k%ux%u s%ux%u pad %u,%u", p[ENPU1_P_KERNEL_H], p[ENPU1_P_KERNEL_W],
			       p[ENPU1_P_STRIDE_H], p[ENPU1_P_STRIDE_W], p[ENPU1_P_PAD_TOP],
			       p[ENPU1_P_PAD_LEFT]);
		if (c->op <= ENPU1_OP_FULLY_CONNECTED)
			printf(" w @0x%x flags %s%s%s", p[ENPU1_P_WEIGHT_SRAM],
			       p[ENPU1_P_FLAGS] & ENPU1_F_BIAS ? "B" : "-",
			       p[ENPU1_P_FLAGS] & ENPU1_F_PER_CHANNEL ? "C" : "-",
			       p[ENPU1_P_FLAGS] & ENPU1_F_REQUANT_FP32 ? "F" : "-");
		if (c->op == ENPU1_OP_ADD || c->op == ENPU1_OP_MUL)
			printf(" ifm2 @0x%x", p[ENPU1_P_IFM2_SRAM]);
		if (c->op == ENPU1_OP_SOFTMAX) {
			float sc;

			memcpy(&sc, &p[ENPU1_P_SOFTMAX_OUT_SCALE], sizeof(sc));
			printf(" %s table @0x%x out_scale %g zp %d",
			       p[ENPU1_P_DTYPE] == ENPU1_DTYPE_INT8 ? "int8" : "uint8",
			       p[ENPU1_P_SOFTMAX_TABLE_SRAM], (double)sc, (int32_t)p[ENPU1_P_OFM_ZP]);
		}
		if (c->op != ENPU1_OP_LUT)
			printf(" act [%d,%d]", (int32_t)p[ENPU1_P_ACT_MIN], (int32_t)p[ENPU1_P_ACT_MAX]);
		break;
	}
	printf("\n");
	return 0;
}

static int disasm_words(const uint32_t *w, size_t n)
{
	struct dis d = { 0 };
	uint32_t off = 0;
	int st = enpu_fw_decode(w, n, dis_cmd, &d, &off);

	if (st)
		printf("  %06x  decode stops: %s\n", off, cp_job_status_name(st));
	return st;
}

static int disasm_file(const char *path)
{
	size_t len;
	uint8_t *b = slurp(path, &len);
	struct cp_prog *p;
	int bad = 0;

	if (len >= 8 && !memcmp(b, CP_FILE_MAGIC, 8)) {
		int r = cp_deserialize(b, len, &p);

		if (r)
			die("%s: not a valid compiled model (%d)", path, r);
		printf("compiled model: format %u, ISA %u, caps 0x%08x, SRAM %u bytes/core, "
		       "requant %u, model sha256[0:8] %016llx, %d ops, %d partitions, %zu const bytes\n",
		       CP_FILE_VERSION, CP_ISA_VERSION, p->caps, p->sram_bytes, p->requant,
		       (unsigned long long)p->model_hash, p->nops, p->nseg, p->nconsts);
		for (int s = 0; s < p->nseg; s++) {
			struct cp_seg *sg = &p->seg[s];

			printf("partition %d: ops %d..%d on the %s", s, sg->first, sg->end - 1,
			       sg->chip ? "chip" : "CPU");
			if (!sg->chip) {
				printf("\n");
				continue;
			}
			printf(", %zu words\n", sg->nwords);
			bad |= disasm_words(sg->words, sg->nwords) != 0;
		}
		cp_free(p);
	} else {
		size_t n = len / 4;
		uint32_t *w = malloc(n * 4 + 4);

		if (!w)
			die("out of memory");
		for (size_t i = 0; i < n; i++)
			w[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
			       (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
		printf("raw stream: %zu words\n", n);
		bad = disasm_words(w, n) != 0;
		free(w);
	}
	free(b);
	return bad;
}

/* ------------------------------------------------------------------------ */

static void report(const enpu_model *m, const struct cp_prog *p)
{
	const double mpc = 1024.0, bpc = 16.0;	/* the chip model's defaults */
	uint64_t cyc = 0, macs = 0, bus = 0, words = 0;
	int chip = 0;

	printf("%4s %-20s %-5s %8s %6s %12s %10s %10s %6s  %s\n", "op", "type", "place", "SRAM_KiB",
	       "tiles", "MACs", "cycles", "roofline", "ratio", "why");
	for (int i = 0; i < p->nops; i++) {
		const struct cp_op *o = &p->ops[i];
		double roof = o->macs / mpc > o->bus_bytes / bpc ? o->macs / mpc : o->bus_bytes / bpc;

		if (o->place == CP_CHIP) {
			chip++;
			printf("%4d %-20.20s %-5s %8.1f %6u %12llu %10llu %10.0f %6.3f  %s\n", i,
			       enpu_op_name(m->ops[i].code), "chip", o->sram / 1024.0, o->tiles,
			       (unsigned long long)o->macs, (unsigned long long)o->cycles, roof,
			       o->cycles ? roof / (double)o->cycles : 0.0, o->why);
		} else {
			printf("%4d %-20.20s %-5s %8s %6s %12llu %10s %10s %6s  %s\n", i,
			       enpu_op_name(m->ops[i].code), "CPU", "-", "-",
			       (unsigned long long)o->macs, "-", "-", "-", o->why);
		}
	}
	for (int s = 0; s < p->nseg; s++) {
		cyc += p->seg[s].cycles;
		macs += p->seg[s].macs;
		bus += p->seg[s].bus_bytes;
		words += p->seg[s].nwords;
	}
	double roof = macs / mpc > bus / bpc ? macs / mpc : bus / bpc;

	printf("\nplacement: %d of %d ops on the chip, %d on the CPU, %d partitions "
	       "(%d chip<->CPU transitions)\n", chip, p->nops, p->nops - chip, p->nseg,
	       p->nseg ? p->nseg - 1 : 0);
	printf("program: %llu stream words, %zu constant bytes, SRAM %u bytes per core\n",
	       (unsigned long long)words, p->nconsts, p->sram_bytes);
	printf("chip work: %llu MACs, %llu bus bytes\n", (unsigned long long)macs,
	       (unsigned long long)bus);
	printf("modeled device cycles: %llu (%.3f ms at %u MHz)\n", (unsigned long long)cyc,
	       cyc / (CP_CLOCK_KHZ / 1000.0) / 1000.0, CP_CLOCK_KHZ / 1000);
	printf("roofline bound: %.0f cycles (MACs at %g/cycle: %.0f, bytes at %g/cycle: %.0f)\n",
	       roof, mpc, macs / mpc, bpc, bus / bpc);
	printf("roofline/cycles ratio: %.3f\n", cyc ? roof / (double)cyc : 0.0);
}

int main(int argc, char **argv)
{
	const char *model = NULL, *outp = NULL, *dis = NULL;
	int rep = 0, requant = ENPU_REQUANT_TFLITE_AS_RUN;
	uint32_t caps = cp_emu_caps(), sram = CP_SRAM_PER_CORE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--report")) {
			rep = 1;
		} else if (i + 1 < argc && !strcmp(a, "-o")) {
			outp = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--disasm")) {
			dis = argv[++i];
		} else if (i + 1 < argc && !strcmp(a, "--caps")) {
			char *e;

			caps = (uint32_t)strtoul(argv[++i], &e, 16);
			if (*e)
				die("--caps wants a hex mask");
		} else if (i + 1 < argc && !strcmp(a, "--sram-kib")) {
			char *e;
			unsigned long v = strtoul(argv[++i], &e, 10);

			if (*e || v < 64 || v > 1024 * 1024)
				die("--sram-kib wants 64..1048576");
			sram = (uint32_t)v * 1024;
		} else if (i + 1 < argc && !strcmp(a, "--requant")) {
			const char *v = argv[++i];

			if (!strcmp(v, "tflite"))
				requant = ENPU_REQUANT_TFLITE_AS_RUN;
			else if (!strcmp(v, "gemmlowp"))
				requant = ENPU_REQUANT_GEMMLOWP;
			else if (!strcmp(v, "fp32"))
				requant = ENPU_REQUANT_FP32;
			else
				die("unknown requantization mode '%s'", v);
		} else if (a[0] == '-' || model) {
			usage(stderr);
			return 2;
		} else {
			model = a;
		}
	}
	if (dis)
		return disasm_file(dis);
	if (!model || (!outp && !rep)) {
		usage(stderr);
		return 2;
	}

	size_t len;
	uint8_t *buf = slurp(model, &len);
	enpu_context *ctx;
	enpu_model *m;

	if (enpu_context_create(NULL, &ctx) || enpu_model_load_memory(ctx, buf, len, &m))
		die("%s: %s", model, enpu_last_error());

	/* The runtime's cache records the SHA-256's first 8 bytes (little endian): so do we. */
	uint64_t model_hash = 0;
	for (int i = 7; i >= 0; i--)
		model_hash = model_hash << 8 | m->sha256[i];
	struct cp_options o = { .caps = caps, .sram_bytes = sram, .requant = requant,
				.model_hash = model_hash };
	struct cp_prog *p;
	int r = cp_compile(m, &o, &p);

	if (r)
		die("%s: compilation failed: %s", model, enpu_strerror(r));
	if ((r = cp_model_timing(p)))
		die("%s: a compiled stream failed on the chip model", model);
	if (rep) {
		printf("model %s (sha256[0:8] %016llx), firmware caps 0x%08x\n", model,
		       (unsigned long long)p->model_hash, caps);
		report(m, p);
	}
	if (outp) {
		uint8_t *ob;
		size_t on;
		FILE *f;

		if (cp_serialize(p, &ob, &on))
			die("out of memory");
		f = fopen(outp, "wb");
		if (!f || fwrite(ob, 1, on, f) != on || fclose(f))
			die("cannot write %s: %s", outp, strerror(errno));
		free(ob);
	}
	cp_free(p);
	enpu_model_destroy(m);
	enpu_context_destroy(ctx);
	free(buf);
	return 0;
}
