// SPDX-License-Identifier: MIT
/*
 * Command-stream decoder: see decode.h for the rules.  No HAL, no libc
 * beyond <stddef.h>/<stdint.h>: host tools link this file as it is.
 */
#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "decode.h"

/* Streams are addressed by 32-bit byte offsets. */
#define MAX_WORDS ((size_t)0x3fffffff)

int enpu_fw_check_cmd(uint32_t hdr, size_t words_after)
{
	uint32_t op = ENPU1_CMD_OP(hdr), n = ENPU1_CMD_NWORDS(hdr), imm = ENPU1_CMD_IMM(hdr);

	if (n > words_after)
		return ENPU1_JOB_DECODE_ERROR;
	switch (op) {
	case ENPU1_OP_NOP:
		return ENPU1_JOB_OK;
	case ENPU1_OP_SETP:
		return imm + n <= ENPU1_P_COUNT ? ENPU1_JOB_OK : ENPU1_JOB_DECODE_ERROR;
	case ENPU1_OP_FENCE:
		return n == 3 && !imm ? ENPU1_JOB_OK : ENPU1_JOB_DECODE_ERROR;
	case ENPU1_OP_END:
	case ENPU1_OP_SYNC:
	case ENPU1_OP_DMA_LOAD:
	case ENPU1_OP_DMA_STORE:
	case ENPU1_OP_CONV:
	case ENPU1_OP_DEPTHWISE:
	case ENPU1_OP_FULLY_CONNECTED:
	case ENPU1_OP_MAX_POOL:
	case ENPU1_OP_AVG_POOL:
	case ENPU1_OP_ADD:
	case ENPU1_OP_MUL:
	case ENPU1_OP_LUT:
	case ENPU1_OP_SOFTMAX:
		return !n && !imm ? ENPU1_JOB_OK : ENPU1_JOB_DECODE_ERROR;
	default:
		return ENPU1_JOB_DECODE_ERROR;
	}
}

void enpu_fw_decoder_init(struct enpu_fw_decoder *d, const uint32_t *words, size_t nwords)
{
	d->words = words;
	d->nwords = nwords;
	d->pos = 0;
	d->status = ENPU1_JOB_OK;
	d->err_offset = 0;
	d->ended = 0;
	if (nwords > MAX_WORDS)
		d->status = ENPU1_JOB_DECODE_ERROR;
}

int enpu_fw_decode_next(struct enpu_fw_decoder *d, struct enpu_fw_cmd *cmd)
{
	if (d->status != ENPU1_JOB_OK)
		return -1;
	if (d->ended)
		return 0;
	if (d->pos >= d->nwords) {
		d->status = ENPU1_JOB_FENCE;
		d->err_offset = (uint32_t)(d->nwords * 4);
		return -1;
	}

	uint32_t hdr = d->words[d->pos];
	int st = enpu_fw_check_cmd(hdr, d->nwords - d->pos - 1);

	if (st != ENPU1_JOB_OK) {
		d->status = st;
		d->err_offset = (uint32_t)(d->pos * 4);
		return -1;
	}
	cmd->offset = (uint32_t)(d->pos * 4);
	cmd->op = ENPU1_CMD_OP(hdr);
	cmd->nargs = ENPU1_CMD_NWORDS(hdr);
	cmd->imm = ENPU1_CMD_IMM(hdr);
	cmd->args = d->words + d->pos + 1;
	d->pos += 1 + cmd->nargs;
	if (cmd->op == ENPU1_OP_END)
		d->ended = 1;
	return 1;
}

int enpu_fw_decode(const uint32_t *words, size_t nwords, enpu_fw_cmd_fn fn, void *ctx,
		   uint32_t *err_offset)
{
	struct enpu_fw_decoder d;
	struct enpu_fw_cmd cmd;
	int r;

	enpu_fw_decoder_init(&d, words, nwords);
	while ((r = enpu_fw_decode_next(&d, &cmd)) > 0) {
		int ret = fn ? fn(ctx, &cmd) : 0;

		if (ret) {
			if (err_offset)
				*err_offset = cmd.offset;
			return ret;
		}
	}
	if (err_offset)
		*err_offset = d.err_offset;
	return d.status;
}

const char *enpu_fw_op_name(uint32_t opcode)
{
	switch (opcode) {
	case ENPU1_OP_NOP:
		return "nop";
	case ENPU1_OP_SETP:
		return "setp";
	case ENPU1_OP_END:
		return "end";
	case ENPU1_OP_SYNC:
		return "sync";
	case ENPU1_OP_FENCE:
		return "fence";
	case ENPU1_OP_DMA_LOAD:
		return "dma_load";
	case ENPU1_OP_DMA_STORE:
		return "dma_store";
	case ENPU1_OP_CONV:
		return "conv";
	case ENPU1_OP_DEPTHWISE:
		return "depthwise";
	case ENPU1_OP_FULLY_CONNECTED:
		return "fully_connected";
	case ENPU1_OP_MAX_POOL:
		return "max_pool";
	case ENPU1_OP_AVG_POOL:
		return "avg_pool";
	case ENPU1_OP_ADD:
		return "add";
	case ENPU1_OP_MUL:
		return "mul";
	case ENPU1_OP_LUT:
		return "lut";
	case ENPU1_OP_SOFTMAX:
		return "softmax";
	default:
		return NULL;
	}
}
