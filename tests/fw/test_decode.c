// SPDX-License-Identifier: MIT
/*
 * The command-stream decoder (firmware/decode.c) on well-formed and
 * malformed streams, through all three of its interfaces.
 */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "decode.h"

#define CMD(op, n, imm) ENPU1_CMD(op, n, imm)

struct seen {
	int n;
	uint32_t ops[64], offs[64], nargs[64];
	int stop_at, stop_with;
};

static int record(void *ctx, const struct enpu_fw_cmd *c)
{
	struct seen *s = ctx;

	if (s->n < 64) {
		s->ops[s->n] = c->op;
		s->offs[s->n] = c->offset;
		s->nargs[s->n] = c->nargs;
	}
	s->n++;
	return s->n == s->stop_at ? s->stop_with : 0;
}

static int status_of(const uint32_t *w, size_t n, uint32_t *off)
{
	*off = 0xdeadbeef;
	return enpu_fw_decode(w, n, NULL, NULL, off);
}

static void test_good(void)
{
	const uint32_t w[] = {
		CMD(ENPU1_OP_SETP, 3, ENPU1_P_IFM_SRAM), 1, 2, 3,	/* 0 */
		CMD(ENPU1_OP_NOP, 2, 0x1234), 0xffffffff, 0x00000005,	/* 16: args look like headers */
		CMD(ENPU1_OP_DMA_LOAD, 0, 0),				/* 28 */
		CMD(ENPU1_OP_SYNC, 0, 0),				/* 32 */
		CMD(ENPU1_OP_CONV, 0, 0),				/* 36 */
		CMD(ENPU1_OP_SETP, 2, ENPU1_P_COUNT - 2), 7, 8,		/* 40: last two params */
		CMD(ENPU1_OP_FENCE, 3, 0), 0x1000, 0, 42,		/* 52 */
		CMD(ENPU1_OP_END, 0, 0),				/* 68 */
		0xffffffff, CMD(ENPU1_OP_SETP, 200, 0),			/* junk after END */
	};
	static const uint32_t want_ops[] = { ENPU1_OP_SETP, ENPU1_OP_NOP, ENPU1_OP_DMA_LOAD,
					     ENPU1_OP_SYNC, ENPU1_OP_CONV, ENPU1_OP_SETP,
					     ENPU1_OP_FENCE, ENPU1_OP_END };
	static const uint32_t want_offs[] = { 0, 16, 28, 32, 36, 40, 52, 68 };
	struct seen s = { 0 };
	uint32_t off;
	int good = 1;

	is_int(enpu_fw_decode(w, sizeof(w) / 4, record, &s, &off), ENPU1_JOB_OK,
	       "a well-formed stream decodes OK (junk after END is never read)");
	is_int(s.n, 8, "the callback sees every command up to and including END");
	for (int i = 0; i < 8 && i < s.n; i++)
		good &= s.ops[i] == want_ops[i] && s.offs[i] == want_offs[i];
	ok(good, "commands come in order with their byte offsets");
	ok(s.nargs[0] == 3 && s.nargs[1] == 2 && s.nargs[6] == 3 && s.nargs[7] == 0,
	   "argument counts are reported");

	struct enpu_fw_decoder d;
	struct enpu_fw_cmd c;
	int n = 0, r;

	enpu_fw_decoder_init(&d, w, sizeof(w) / 4);
	while ((r = enpu_fw_decode_next(&d, &c)) > 0) {
		if (n == 0)
			good = c.args == &w[1] && c.args[2] == 3 && c.imm == ENPU1_P_IFM_SRAM;
		n++;
	}
	ok(r == 0 && n == 8 && good, "the iterator yields the same commands, args pointing into the buffer");
	is_int(enpu_fw_decode_next(&d, &c), 0, "the iterator keeps returning 0 after END");

	s = (struct seen){ .stop_at = 3, .stop_with = 77 };
	r = enpu_fw_decode(w, sizeof(w) / 4, record, &s, &off);
	ok(r == 77 && off == 28 && s.n == 3, "a nonzero callback return stops the walk at that command");

	const uint32_t only_end[] = { CMD(ENPU1_OP_END, 0, 0) };

	is_int(status_of(only_end, 1, &off), ENPU1_JOB_OK, "END alone is a valid stream");

	const uint32_t sm[] = { CMD(ENPU1_OP_SETP, 2, ENPU1_P_SOFTMAX_TABLE_SRAM), 64, 0x3b800000,
				CMD(ENPU1_OP_SOFTMAX, 0, 0), CMD(ENPU1_OP_END, 0, 0) };

	s = (struct seen){ 0 };
	ok(enpu_fw_decode(sm, 5, record, &s, &off) == ENPU1_JOB_OK && s.n == 3 &&
	   s.ops[1] == ENPU1_OP_SOFTMAX && s.offs[1] == 12,
	   "SOFTMAX decodes as an operation without arguments");

	uint32_t big[300];

	big[0] = CMD(ENPU1_OP_NOP, 255, 0xffff);
	for (int i = 1; i <= 255; i++)
		big[i] = 0x00ff0099;	/* invalid headers, skipped as NOP args */
	big[256] = CMD(ENPU1_OP_SETP, ENPU1_P_COUNT, 0);
	big[257] = CMD(ENPU1_OP_END, 0, 0);
	is_int(status_of(big, 258, &off), ENPU1_JOB_DECODE_ERROR,
	       "SETP of all 96 params needs 96 words (truncated here)");
	ok(off == 256 * 4, "...reported at the SETP, after a 255-word NOP was skipped");
}

struct bad {
	uint32_t w[8];
	size_t n;
	int status;
	uint32_t off;
	const char *what;
};

static void test_bad(void)
{
	static const struct bad cases[] = {
		{ { CMD(ENPU1_OP_SYNC, 0, 0), CMD(0x05, 0, 0), CMD(ENPU1_OP_END, 0, 0) }, 3,
		  ENPU1_JOB_DECODE_ERROR, 4, "unknown opcode 0x05" },
		{ { CMD(0x12, 0, 0), CMD(ENPU1_OP_END, 0, 0) }, 2, ENPU1_JOB_DECODE_ERROR, 0,
		  "unknown opcode 0x12 (between DMA and compute)" },
		{ { CMD(ENPU1_OP_MAX, 0, 0), CMD(ENPU1_OP_END, 0, 0) }, 2, ENPU1_JOB_DECODE_ERROR, 0,
		  "opcode ENPU1_OP_MAX" },
		{ { CMD(0xff, 0, 0) }, 1, ENPU1_JOB_DECODE_ERROR, 0, "opcode 0xff" },
		{ { CMD(ENPU1_OP_NOP, 0, 0), CMD(ENPU1_OP_SETP, 4, 0), 1, 2 }, 4,
		  ENPU1_JOB_DECODE_ERROR, 4, "SETP arguments past the end of the stream" },
		{ { CMD(ENPU1_OP_FENCE, 3, 0), 1, 2 }, 3, ENPU1_JOB_DECODE_ERROR, 0,
		  "FENCE arguments past the end" },
		{ { CMD(ENPU1_OP_NOP, 1, 0) }, 1, ENPU1_JOB_DECODE_ERROR, 0,
		  "NOP argument past the end" },
		{ { CMD(ENPU1_OP_SETP, 3, ENPU1_P_COUNT - 2), 1, 2, 3, CMD(ENPU1_OP_END, 0, 0) }, 5,
		  ENPU1_JOB_DECODE_ERROR, 0, "SETP past the last parameter" },
		{ { CMD(ENPU1_OP_SETP, 0, ENPU1_P_COUNT + 1), CMD(ENPU1_OP_END, 0, 0) }, 2,
		  ENPU1_JOB_DECODE_ERROR, 0, "SETP index beyond the parameters" },
		{ { CMD(ENPU1_OP_SETP, 1, 0xffff), 5, CMD(ENPU1_OP_END, 0, 0) }, 3,
		  ENPU1_JOB_DECODE_ERROR, 0, "SETP index 0xffff" },
		{ { CMD(ENPU1_OP_CONV, 1, 0), 0, CMD(ENPU1_OP_END, 0, 0) }, 3,
		  ENPU1_JOB_DECODE_ERROR, 0, "CONV with an argument word" },
		{ { CMD(ENPU1_OP_DMA_STORE, 0, 1), CMD(ENPU1_OP_END, 0, 0) }, 2,
		  ENPU1_JOB_DECODE_ERROR, 0, "DMA_STORE with an immediate" },
		{ { CMD(ENPU1_OP_SYNC, 2, 0), 0, 0, CMD(ENPU1_OP_END, 0, 0) }, 4,
		  ENPU1_JOB_DECODE_ERROR, 0, "SYNC with arguments" },
		{ { CMD(ENPU1_OP_FENCE, 2, 0), 0, 0, CMD(ENPU1_OP_END, 0, 0) }, 4,
		  ENPU1_JOB_DECODE_ERROR, 0, "FENCE with 2 arguments" },
		{ { CMD(ENPU1_OP_FENCE, 4, 0), 0, 0, 0, 0, CMD(ENPU1_OP_END, 0, 0) }, 6,
		  ENPU1_JOB_DECODE_ERROR, 0, "FENCE with 4 arguments" },
		{ { CMD(ENPU1_OP_END, 1, 0), 0 }, 2, ENPU1_JOB_DECODE_ERROR, 0, "END with an argument" },
		{ { CMD(ENPU1_OP_SYNC, 0, 0), CMD(ENPU1_OP_SOFTMAX, 1, 0), 0, CMD(ENPU1_OP_END, 0, 0) }, 4,
		  ENPU1_JOB_DECODE_ERROR, 4, "SOFTMAX with an argument word" },
		{ { CMD(ENPU1_OP_SOFTMAX, 0, 4), CMD(ENPU1_OP_END, 0, 0) }, 2,
		  ENPU1_JOB_DECODE_ERROR, 0, "SOFTMAX with an immediate" },
		{ { CMD(ENPU1_OP_SOFTMAX, 255, 0), CMD(ENPU1_OP_END, 0, 0) }, 2,
		  ENPU1_JOB_DECODE_ERROR, 0, "SOFTMAX claiming 255 words past the end" },
		{ { CMD(ENPU1_OP_SYNC, 0, 0), CMD(ENPU1_OP_LUT, 0, 0) }, 2, ENPU1_JOB_FENCE, 8,
		  "missing END (status FENCE, offset = stream size)" },
		{ { 0 }, 0, ENPU1_JOB_FENCE, 0, "empty stream" },
		{ { CMD(ENPU1_OP_NOP, 2, 0), CMD(ENPU1_OP_END, 0, 0), 0 }, 3, ENPU1_JOB_FENCE, 12,
		  "END hidden inside NOP arguments does not count" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t off;
		int st = status_of(cases[i].w, cases[i].n, &off);

		ok(st == cases[i].status && off == cases[i].off, "%s -> %s at %u", cases[i].what,
		   cases[i].status == ENPU1_JOB_FENCE ? "FENCE" : "DECODE_ERROR", cases[i].off);
		if (st != cases[i].status || off != cases[i].off)
			diag("got status %d at %u", st, off);
	}

	/* Errors are sticky for the iterator. */
	struct enpu_fw_decoder d;
	struct enpu_fw_cmd c;

	enpu_fw_decoder_init(&d, cases[0].w, cases[0].n);
	int a = enpu_fw_decode_next(&d, &c), b = enpu_fw_decode_next(&d, &c);
	int e = enpu_fw_decode_next(&d, &c);

	ok(a == 1 && b == -1 && e == -1 && d.status == ENPU1_JOB_DECODE_ERROR && d.err_offset == 4,
	   "the iterator stops at the first error and stays stopped");
}

static void test_names(void)
{
	int good = 1, named = 0;

	for (uint32_t op = 0; op < 256; op++) {
		const char *name = enpu_fw_op_name(op);
		/* An opcode the decoder accepts in some form must have a name,
		 * and nothing else may. */
		int valid = enpu_fw_check_cmd(ENPU1_CMD(op, 0, 0), 0) == ENPU1_JOB_OK ||
			    enpu_fw_check_cmd(ENPU1_CMD(op, 3, 0), 3) == ENPU1_JOB_OK;

		good &= !!name == valid;
		named += !!name;
	}
	ok(good && named == 16, "the 16 opcodes the decoder accepts are exactly the named ones");
	ok(!strcmp(enpu_fw_op_name(ENPU1_OP_FULLY_CONNECTED), "fully_connected") &&
	   !strcmp(enpu_fw_op_name(ENPU1_OP_SOFTMAX), "softmax") &&
	   !strcmp(enpu_fw_op_name(ENPU1_OP_DMA_LOAD), "dma_load") &&
	   !strcmp(enpu_fw_op_name(ENPU1_OP_SETP), "setp"), "op names are lower-case mnemonics");
	ok(enpu_fw_op_name(0x100 | ENPU1_OP_CONV) == NULL, "opcodes above 8 bits have no name");
}

/* Random streams: the decoder never reads outside the buffer (ASan), and
 * any error it reports sits on a command boundary it reached. */
static void test_fuzz(void)
{
	static uint32_t w[64];
	uint64_t x = 88172645463325252ull;
	int good = 1, oks = 0, decode = 0, fence = 0;

	for (int iter = 0; iter < 20000; iter++) {
		size_t n = (size_t)(iter % 64);

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Bias towards plausible headers. */
			uint32_t op = (uint32_t)(x >> 8) % 3 ? (uint32_t)(x % 0x2a) : (uint32_t)(x & 0xff);
			uint32_t nw = (uint32_t)(x >> 20) % 4 == 0 ? (uint32_t)(x >> 24) % 5 : 0;

			w[i] = (x >> 40) % 5 ? ENPU1_CMD(op, nw, op == 1 ? (uint32_t)(x >> 30) % 100 : 0)
					     : (uint32_t)x;
		}
		struct seen s = { 0 };
		uint32_t off;
		int st = enpu_fw_decode(w, n, record, &s, &off);

		if (st == ENPU1_JOB_OK) {
			oks++;
			good &= s.n > 0 && s.ops[(s.n - 1) < 63 ? s.n - 1 : 63] == ENPU1_OP_END;
		} else if (st == ENPU1_JOB_DECODE_ERROR) {
			decode++;
			good &= off < n * 4 && (s.n == 0 || off > s.offs[(s.n - 1) < 63 ? s.n - 1 : 63]);
		} else if (st == ENPU1_JOB_FENCE) {
			fence++;
			good &= off == n * 4;
		} else {
			good = 0;
		}
	}
	ok(good, "20000 random streams: errors land on command boundaries inside the stream");
	ok(oks > 100 && decode > 100 && fence > 100,
	   "the fuzzer reached valid, malformed and unterminated streams (%d/%d/%d)", oks, decode, fence);
}

int main(void)
{
	test_good();
	test_bad();
	test_names();
	test_fuzz();
	return tap_done();
}
