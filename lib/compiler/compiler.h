/* SPDX-License-Identifier: MIT */
/*
 * The graph compiler: partitions a loaded model between the ENPU-1 and the
 * CPU, lowers each chip partition to one command stream, and models its
 * cycles on the chip's own datapath (tools/enpu-emu/engine.c).  Also the
 * small job runner that executes a stream on that datapath in-process: the
 * "emu" backend and the compiler's timing model share it.
 *
 * Streams address host memory through a fixed, symbolic device address
 * space, so that a compiled program does not depend on where a process put
 * its buffers (and compiling is deterministic):
 *   tensor t of the model  at CP_VA_TENSOR(t) = (t + 1) << 32, t->bytes long;
 *   the constant blob      at CP_VA_CONST     = 0x40000000 << 32.
 * The emu backend resolves these VAs to the interpreter's buffers; a driver
 * backend would map each buffer object at that VA in the job's address space.
 */
#ifndef ENPU_COMPILER_H
#define ENPU_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "enpu_fw_hal.h"
#include "engine.h"

#define CP_VA_TENSOR(t)		((uint64_t)((t) + 1) << 32)
#define CP_VA_CONST		((uint64_t)0x40000000 << 32)

/* Defaults of the modeled chip (Documentation/hw/timing.rst, enpu-emu). */
#define CP_SRAM_PER_CORE	(4u << 20)
#define CP_CLOCK_KHZ		800000u

/* Compiled-model file: see Documentation/lib/compiler.rst. */
#define CP_FILE_MAGIC		"ENPUCMDL"
#define CP_FILE_VERSION		1u
#define CP_ISA_VERSION		1u	/* ENPU-1 command-stream ISA */
#define CP_COMPILER_VERSION	0x000200u	/* 0.2: SOFTMAX on the chip */

enum { CP_CPU = 0, CP_CHIP = 1 };

/* Every operation and feature (what the firmware of this tree reports);
 * firmware without SOFTMAX reports 0x000700ff. */
#define CP_CAPS_ALL		0x000701ffu

struct cp_options {
	uint32_t caps;		/* ENPU1_CAP_* the target firmware reports */
	uint32_t sram_bytes;	/* one core's SRAM partition; 0: CP_SRAM_PER_CORE */
	int requant;		/* enum enpu_requant_mode the CPU side uses */
	uint64_t model_hash;	/* recorded in the program (SHA-256[0:8], LE) */
};

struct cp_op {
	int place;		/* CP_CHIP or CP_CPU */
	const char *why;	/* static text: the reason for the placement */
	int seg;
	uint64_t macs;		/* of the op (whatever its placement) */
	uint32_t sram;		/* peak SRAM bytes its tiles use */
	uint32_t tiles;
	size_t stream_end;	/* chip: word index just past its last command */
	uint64_t cycles;	/* chip: modeled cycles (cp_model_timing) */
	uint64_t bus_bytes;	/* chip: bytes its DMA moves */
};

struct cp_seg {
	int chip;
	int first, end;		/* operators [first, end) */
	uint32_t *words;	/* chip: the command stream */
	size_t nwords;
	uint64_t cycles, macs, bus_bytes;
};

struct cp_prog {
	uint64_t model_hash;
	uint32_t caps, sram_bytes, requant;
	int nops, nseg;
	struct cp_op *ops;
	struct cp_seg *seg;
	uint8_t *consts;
	size_t nconsts;
};

/* One in-process core: SRAM, timing model and the capabilities checked. */
struct cp_chip {
	struct enpu_engine_core core;
	struct enpu_timing timing;
	uint32_t caps;
	uint32_t clock_khz;
};

/* The capabilities the in-process chip's firmware reports (FW_CAPS). */
ENPU_HIDDEN uint32_t cp_emu_caps(void);

ENPU_HIDDEN int cp_compile(const enpu_model *m, const struct cp_options *o, struct cp_prog **out);
ENPU_HIDDEN void cp_free(struct cp_prog *p);
/* Runs every chip stream on a scratch chip (zero memory) and fills the
 * cycle, MAC and byte counts of ops and segments. */
ENPU_HIDDEN int cp_model_timing(struct cp_prog *p);
/* Serialized form; same program -> same bytes. */
ENPU_HIDDEN int cp_serialize(const struct cp_prog *p, uint8_t **buf, size_t *len);
ENPU_HIDDEN int cp_deserialize(const uint8_t *buf, size_t len, struct cp_prog **out);

ENPU_HIDDEN int cp_chip_init(struct cp_chip *c, uint32_t sram_bytes, uint32_t caps);
ENPU_HIDDEN void cp_chip_fini(struct cp_chip *c);
/* Per-command hook of cp_run_stream: pos is the word index after cmd. */
typedef void (*cp_step_fn)(void *user, size_t pos, const struct enpu_engine_core *core);
/* Runs one job; returns ENPU1_JOB_* and the failing byte offset. */
ENPU_HIDDEN int cp_run_stream(struct cp_chip *c, const struct enpu_engine_mem *mem,
			      const uint32_t *words, size_t nwords, cp_step_fn step, void *user,
			      uint32_t *err_offset);

/* Names for the disassembler and reports. */
ENPU_HIDDEN const char *cp_param_name(unsigned idx);
ENPU_HIDDEN const char *cp_job_status_name(int st);

#endif
