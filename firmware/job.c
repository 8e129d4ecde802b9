// SPDX-License-Identifier: MIT
/*
 * Running one job: fetch the command stream through the job's address
 * space a window at a time, decode each command with the shared decoder
 * rules, and drive the core's engines.
 */
#include <string.h>

#include "decode.h"
#include "fw.h"

/* One window holds the largest command (header + 255 words). */
#define WIN_WORDS 256

struct stream {
	const struct enpu_hal *hal;
	uint32_t as;
	uint64_t addr;
	uint32_t nwords;
	uint32_t start, len;	/* window: words [start, start + len) */
	uint32_t win[WIN_WORDS];
};

static uint32_t le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/*
 * Makes words [pos, pos + n) resident; n <= WIN_WORDS, pos + n <= nwords.
 * The window reads ahead only to the end of the page holding the last word
 * needed: reading further could fault on a page the job never reaches
 * (END comes first), or pin a fault on a command that is itself readable.
 */
static int stream_need(struct stream *s, uint32_t pos, uint32_t n, struct enpu_fw_fault *fault)
{
	uint64_t need_end = s->addr + (uint64_t)(pos + n) * 4;
	uint64_t page_end = (need_end + ENPU1_PAGE_SIZE - 1) & ~(uint64_t)(ENPU1_PAGE_SIZE - 1);
	uint64_t len = (page_end - s->addr) / 4 - pos;
	int st;

	if (pos >= s->start && pos + n <= s->start + s->len)
		return ENPU1_JOB_OK;
	if (len > s->nwords - pos)
		len = s->nwords - pos;
	if (len > WIN_WORDS)
		len = WIN_WORDS;
	s->len = 0;
	st = s->hal->va_read(s->hal->hw, s->as, s->addr + (uint64_t)pos * 4, s->win,
			     (uint32_t)len * 4, fault);
	if (st != ENPU1_JOB_OK)
		return st;
	/* The stream is little-endian whatever the control core is. */
	for (uint32_t i = 0; i < len; i++)
		s->win[i] = le32((const uint8_t *)&s->win[i]);
	s->start = pos;
	s->len = (uint32_t)len;
	return ENPU1_JOB_OK;
}

/* Whether an operation needs only what the firmware advertises. */
static int supported(uint32_t op, const uint32_t *params)
{
	uint32_t caps = enpu_fw.caps, flags = params[ENPU1_P_FLAGS];

	if (op < ENPU1_OP_CONV)
		return 1;	/* DMA is always there */
	if (!(caps & ENPU1_CAP_OP(op)))
		return 0;
	if (op > ENPU1_OP_FULLY_CONNECTED && op != ENPU1_OP_MUL)
		return 1;	/* no requantization flags apply */
	if (op != ENPU1_OP_MUL && (flags & ENPU1_F_PER_CHANNEL) && !(caps & ENPU1_CAP_PER_CHANNEL))
		return 0;
	if ((flags & ENPU1_F_REQUANT_FP32) && !(caps & ENPU1_CAP_REQUANT_FP32))
		return 0;
	if (op != ENPU1_OP_MUL && (params[ENPU1_P_DILATION_H] > 1 || params[ENPU1_P_DILATION_W] > 1) &&
	    !(caps & ENPU1_CAP_DILATION))
		return 0;
	return 1;
}

int enpu_fw_run_stream(const struct enpu_hal *hal, uint32_t core, uint32_t as,
		       uint64_t cmd_addr, uint32_t cmd_size, struct enpu_fw_result *res)
{
	static const uint32_t zero[ENPU1_P_COUNT];
	uint32_t params[ENPU1_P_COUNT];
	struct enpu_fw_fault fault;
	struct stream s = {
		.hal = hal, .as = as, .addr = cmd_addr, .nwords = cmd_size / 4,
	};
	uint32_t pos = 0;
	void *hw = hal->hw;
	int st = ENPU1_JOB_OK;

	memcpy(params, zero, sizeof(params));
	memset(res, 0, sizeof(*res));
	for (;;) {
		uint32_t progress = hal->reg_read(hw, ENPU1_REG_CORE(core, ENPU1_CORE_PROGRESS));

		hal->reg_write(hw, ENPU1_REG_CORE(core, ENPU1_CORE_PROGRESS), progress + 1);
		hal->kick_watchdog(hw, core);
		if (hal->should_stop(hw))
			return -1;

		fault.addr = 0;
		fault.access = 0;
		res->cmd_offset = pos * 4;
		if (pos >= s.nwords) {
			st = ENPU1_JOB_FENCE;	/* ran past the end without END */
			break;
		}
		if ((st = stream_need(&s, pos, 1, &fault)))
			break;

		uint32_t hdr = s.win[pos - s.start];
		uint32_t op = ENPU1_CMD_OP(hdr), n = ENPU1_CMD_NWORDS(hdr);

		if ((st = enpu_fw_check_cmd(hdr, s.nwords - pos - 1)))
			break;
		if ((st = stream_need(&s, pos, 1 + n, &fault)))
			break;

		const uint32_t *arg = &s.win[pos + 1 - s.start];

		pos += 1 + n;
		switch (op) {
		case ENPU1_OP_NOP:
			continue;
		case ENPU1_OP_SETP:
			memcpy(&params[ENPU1_CMD_IMM(hdr)], arg, n * sizeof(*arg));
			continue;
		case ENPU1_OP_END:
			res->cmd_offset = 0;	/* names a failing command only */
			return 0;
		case ENPU1_OP_SYNC:
			st = hal->engine_sync(hw, core);
			break;
		case ENPU1_OP_FENCE: {
			uint8_t val[4] = { (uint8_t)arg[2], (uint8_t)(arg[2] >> 8),
					   (uint8_t)(arg[2] >> 16), (uint8_t)(arg[2] >> 24) };

			st = hal->engine_sync(hw, core);
			if (!st)
				st = hal->va_write(hw, as, (uint64_t)arg[1] << 32 | arg[0], val, 4, &fault);
			break;
		}
		default:
			if (!supported(op, params))
				st = ENPU1_JOB_UNSUPPORTED;
			else
				st = hal->engine_run(hw, core, op, params, &fault);
			break;
		}
		if (st)
			break;
	}
	/* A chip that is stopping (reset, halt) ends jobs without events. */
	if (hal->should_stop(hw))
		return -1;
	res->status = (uint32_t)st;
	if (st == ENPU1_JOB_MMU_FAULT || st == ENPU1_JOB_BUS_ERROR) {
		res->fault_addr = fault.addr;
		res->access = fault.access;
	}
	return 0;
}
