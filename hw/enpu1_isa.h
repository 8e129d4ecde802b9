/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ENPU-1 command-stream ISA.  A job is a stream of 32-bit little-endian
 * words in the job's device address space.  Each command is one header word
 * followed by ENPU1_CMD_NWORDS(header) argument words:
 *
 *   bits  7..0   opcode (ENPU1_OP_*)
 *   bits 15..8   number of argument words that follow (0..255)
 *   bits 31..16  immediate (ENPU1_OP_SETP: first parameter index)
 *
 * Parameter-setting commands (SETP) load the core's parameter registers;
 * operations read them.  Parameters keep their values across operations
 * within a job and start at zero for every job.  Documentation/hw/isa.rst
 * gives each operation's exact arithmetic.
 */
#ifndef ENPU1_ISA_H
#define ENPU1_ISA_H

#define ENPU1_CMD(op, nwords, imm) \
	((__u32)(op) | ((__u32)(nwords) << 8) | ((__u32)(imm) << 16))
#define ENPU1_CMD_OP(w)			((w) & 0xff)
#define ENPU1_CMD_NWORDS(w)		(((w) >> 8) & 0xff)
#define ENPU1_CMD_IMM(w)		((w) >> 16)

/* Control */
#define ENPU1_OP_NOP			0x00	/* skips its argument words */
#define ENPU1_OP_SETP			0x01	/* params[imm + i] = arg[i] */
#define ENPU1_OP_END			0x02	/* job complete */
#define ENPU1_OP_SYNC			0x03	/* wait for DMA and compute to drain */
#define ENPU1_OP_FENCE			0x04	/* SYNC, then write arg[2] to VA arg[0..1] */
/* DMA engine */
#define ENPU1_OP_DMA_LOAD		0x10	/* host memory -> SRAM */
#define ENPU1_OP_DMA_STORE		0x11	/* SRAM -> host memory */
/* Compute */
#define ENPU1_OP_CONV			0x20
#define ENPU1_OP_DEPTHWISE		0x21
#define ENPU1_OP_FULLY_CONNECTED	0x22
#define ENPU1_OP_MAX_POOL		0x23
#define ENPU1_OP_AVG_POOL		0x24
#define ENPU1_OP_ADD			0x25
#define ENPU1_OP_MUL			0x26
#define ENPU1_OP_LUT			0x27
#define ENPU1_OP_SOFTMAX		0x28
#define ENPU1_OP_MAX			0x29	/* one past the last opcode */

/* Capability bits in ENPU1_REG_FW_CAPS: bit n = opcode 0x20 + n offered. */
#define ENPU1_CAP_OP(op)		(1u << ((op) - ENPU1_OP_CONV))
#define ENPU1_CAP_PER_CHANNEL		(1u << 16)
#define ENPU1_CAP_REQUANT_FP32		(1u << 17)
#define ENPU1_CAP_DILATION		(1u << 18)

/*
 * Parameter registers.  Addresses named *_SRAM are byte offsets into the
 * core's SRAM partition (ENPU1_REG_SRAM_SIZE / ENPU1_REG_NUM_CORES bytes);
 * strides are in bytes.  Signed values are two's complement.
 */
enum enpu1_param {
	/* DMA: planes x rows x row_bytes, each level with its own strides */
	ENPU1_P_DMA_VA_LO = 0,
	ENPU1_P_DMA_VA_HI,
	ENPU1_P_DMA_SRAM,
	ENPU1_P_DMA_ROW_BYTES,
	ENPU1_P_DMA_ROWS,		/* 0 counts as 1 */
	ENPU1_P_DMA_PLANES,		/* 0 counts as 1 */
	ENPU1_P_DMA_VA_ROW_STRIDE,
	ENPU1_P_DMA_VA_PLANE_STRIDE,
	ENPU1_P_DMA_SRAM_ROW_STRIDE,
	ENPU1_P_DMA_SRAM_PLANE_STRIDE,

	/* Input feature map: H x W x C bytes, NHWC, channel stride 1 */
	ENPU1_P_IFM_SRAM = 16,
	ENPU1_P_IFM_H,
	ENPU1_P_IFM_W,
	ENPU1_P_IFM_C,
	ENPU1_P_IFM_ROW_STRIDE,		/* bytes between rows; 0: W * pixel stride */
	ENPU1_P_IFM_PIXEL_STRIDE,	/* bytes between pixels; 0: C */
	ENPU1_P_IFM_ZP,
	ENPU1_P_DTYPE,			/* ENPU1_DTYPE_*: IFM, IFM2, OFM and weights */

	/* Second input of ADD/MUL; pixel or row stride 0 broadcasts */
	ENPU1_P_IFM2_SRAM = 24,
	ENPU1_P_IFM2_ROW_STRIDE,
	ENPU1_P_IFM2_PIXEL_STRIDE,
	ENPU1_P_IFM2_CHAN_STRIDE,	/* 0 broadcasts one value over C */
	ENPU1_P_IFM2_ZP,

	/* Output feature map */
	ENPU1_P_OFM_SRAM = 32,
	ENPU1_P_OFM_H,
	ENPU1_P_OFM_W,
	ENPU1_P_OFM_C,
	ENPU1_P_OFM_ROW_STRIDE,
	ENPU1_P_OFM_PIXEL_STRIDE,
	ENPU1_P_OFM_ZP,
	ENPU1_P_ACT_MIN,		/* clamp after requantization */
	ENPU1_P_ACT_MAX,

	/* Window: CONV, DEPTHWISE, pooling */
	ENPU1_P_KERNEL_H = 48,
	ENPU1_P_KERNEL_W,
	ENPU1_P_STRIDE_H,
	ENPU1_P_STRIDE_W,
	ENPU1_P_DILATION_H,		/* 0 counts as 1 */
	ENPU1_P_DILATION_W,
	ENPU1_P_PAD_TOP,		/* rows of virtual padding above row 0 */
	ENPU1_P_PAD_LEFT,
	ENPU1_P_DEPTH_MULT,		/* DEPTHWISE: OFM_C = IFM_C * mult */

	/* Weights, bias, requantization */
	ENPU1_P_WEIGHT_SRAM = 64,	/* CONV/FC: [OFM_C][KH][KW][IFM_C]; DW: [KH][KW][OFM_C] */
	ENPU1_P_WEIGHT_ZP,
	ENPU1_P_BIAS_SRAM,		/* int32 per output channel */
	ENPU1_P_FLAGS,			/* ENPU1_F_* */
	ENPU1_P_OUT_MULT,		/* per-tensor: Q31 multiplier or fp32 bits */
	ENPU1_P_OUT_SHIFT,		/* per-tensor: signed shift, left if > 0 */
	ENPU1_P_QUANT_SRAM,		/* per-channel: {mult, shift} int32 pairs */

	/* ADD / MUL input scaling (TFLite's quantized ADD) */
	ENPU1_P_EW_LEFT_SHIFT = 80,
	ENPU1_P_IN1_MULT,
	ENPU1_P_IN1_SHIFT,
	ENPU1_P_IN2_MULT,
	ENPU1_P_IN2_SHIFT,

	/* LUT: 256-byte table indexed by the input byte */
	ENPU1_P_LUT_SRAM = 88,
	/* SOFTMAX: 256 binary32 exponentials, indexed by 255 - (row max - x) */
	ENPU1_P_SOFTMAX_TABLE_SRAM,	/* 1024 bytes, a multiple of 4 */
	ENPU1_P_SOFTMAX_OUT_SCALE,	/* binary32 bits of the output scale */

	ENPU1_P_COUNT = 96
};

#define ENPU1_DTYPE_UINT8		0
#define ENPU1_DTYPE_INT8		1

#define ENPU1_F_BIAS			(1u << 0)	/* add BIAS_SRAM */
#define ENPU1_F_PER_CHANNEL		(1u << 1)	/* QUANT_SRAM, not OUT_MULT/SHIFT */
#define ENPU1_F_REQUANT_FP32		(1u << 2)	/* multipliers are fp32 scales */
#define ENPU1_F_ALL			0x7u

#endif /* ENPU1_ISA_H */
