/* SPDX-License-Identifier: MIT */
/*
 * ENPU-1 command-stream decoder.  Shared by the firmware's job runner and by
 * host tools (the compiler's tests run every stream they emit through it),
 * so it depends on nothing but the ISA header and <stdint.h>/<stddef.h>.
 *
 * Rules (hw/enpu1_isa.h has the encoding):
 *   - every command's argument words lie inside the stream;
 *   - NOP takes any argument count and immediate;
 *   - SETP: imm + nwords <= ENPU1_P_COUNT;
 *   - FENCE: exactly 3 argument words, immediate 0;
 *   - END, SYNC, DMA and compute operations: no argument words, immediate 0;
 *   - any other opcode is invalid;
 *   - the stream must reach an END; words after it are never looked at.
 * A command that breaks a rule is ENPU1_JOB_DECODE_ERROR at its offset; a
 * stream that ends without END is ENPU1_JOB_FENCE ("ran past its end") at
 * the offset just past the last word.
 */
#ifndef ENPU_FW_DECODE_H
#define ENPU_FW_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* One decoded command.  args points into the caller's word buffer. */
struct enpu_fw_cmd {
	uint32_t offset;	/* byte offset of the header word */
	uint32_t op;
	uint32_t nargs;
	uint32_t imm;
	const uint32_t *args;
};

/*
 * Checks one command given its header word and the number of words that
 * follow the header in the stream.  Returns ENPU1_JOB_OK or
 * ENPU1_JOB_DECODE_ERROR.  This is the single place the rules live; the
 * job runner calls it on each command as it fetches the stream.
 */
int enpu_fw_check_cmd(uint32_t hdr, size_t words_after);

/* Iterates a stream held in memory.  Words are in host byte order. */
struct enpu_fw_decoder {
	const uint32_t *words;
	size_t nwords;
	size_t pos;		/* next word to decode */
	int status;		/* ENPU1_JOB_OK until an error */
	uint32_t err_offset;	/* byte offset of the error */
	int ended;		/* END has been returned */
};

void enpu_fw_decoder_init(struct enpu_fw_decoder *d, const uint32_t *words, size_t nwords);

/*
 * Returns 1 and fills *cmd for each command up to and including END, then 0.
 * Returns -1 on an error, with d->status and d->err_offset set; every later
 * call returns -1 again.
 */
int enpu_fw_decode_next(struct enpu_fw_decoder *d, struct enpu_fw_cmd *cmd);

/*
 * Walks a whole stream, calling fn (if not NULL) for every command up to
 * and including END.  A nonzero return from fn stops the walk and is
 * returned.  Otherwise returns ENPU1_JOB_OK or the first error's status;
 * *err_offset (if not NULL) gets the byte offset of the failing command.
 */
typedef int (*enpu_fw_cmd_fn)(void *ctx, const struct enpu_fw_cmd *cmd);
int enpu_fw_decode(const uint32_t *words, size_t nwords, enpu_fw_cmd_fn fn, void *ctx,
		   uint32_t *err_offset);

/* Lower-case mnemonic ("conv", "setp", ...), or NULL for an invalid opcode. */
const char *enpu_fw_op_name(uint32_t opcode);

#endif /* ENPU_FW_DECODE_H */
