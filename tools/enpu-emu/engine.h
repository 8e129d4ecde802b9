/* SPDX-License-Identifier: MIT */
/*
 * The compute cores' datapath: DMA engine and compute engine of one core,
 * with its timing model.  Functional behaviour is bit-exact with TFLite's
 * integer semantics; timing is modeled, never measured.
 */
#ifndef ENPU_EMU_ENGINE_H
#define ENPU_EMU_ENGINE_H

#include <stddef.h>
#include <stdint.h>

struct enpu_fw_fault;

/* How a core reaches host memory: through the MMU of the job's AS slot.
 * Both return an ENPU1_JOB_* status and fill *fault on failure. */
struct enpu_engine_mem {
	void *ctx;
	int (*va_read)(void *ctx, uint64_t va, void *dst, size_t len,
		       struct enpu_fw_fault *fault);
	int (*va_write)(void *ctx, uint64_t va, const void *src, size_t len,
			struct enpu_fw_fault *fault);
};

struct enpu_timing {
	uint32_t macs_per_cycle;	/* per core */
	uint32_t bus_bytes_per_cycle;	/* DMA to host memory */
	uint32_t sram_bytes_per_cycle;	/* per core */
	uint32_t op_overhead_cycles;	/* fixed cost of issuing any operation */
	uint32_t dma_latency_cycles;	/* fixed cost of one DMA transfer */
};

/* SRAM byte ranges [lo, hi) one queue has written since the last SYNC. */
#define ENPU_ENGINE_PENDING_MAX		64
struct enpu_engine_pending {
	uint32_t count;
	uint32_t lo[ENPU_ENGINE_PENDING_MAX];
	uint32_t hi[ENPU_ENGINE_PENDING_MAX];
};

struct enpu_engine_core {
	uint8_t *sram;			/* this core's SRAM partition */
	uint32_t sram_size;
	const struct enpu_timing *timing;
	/* Modeled timelines, in cycles since the job began: DMA and compute
	 * proceed in parallel until a SYNC joins them. */
	uint64_t dma_time;
	uint64_t compute_time;
	uint64_t macs;			/* MACs executed in this job */
	uint64_t bus_bytes;		/* bytes moved over the bus in this job */
	/* Engine-private hazard tracking, [0] DMA queue, [1] compute queue;
	 * enpu_engine_job_begin() and enpu_engine_sync() clear it. */
	struct enpu_engine_pending pending[2];
};

void enpu_engine_job_begin(struct enpu_engine_core *core);

/* Executes one ENPU1_OP_DMA_* or compute opcode with the parameter
 * registers params[ENPU1_P_COUNT].  Returns ENPU1_JOB_OK or the error
 * status (ENPU1_JOB_SRAM_RANGE, _DECODE_ERROR for invalid parameters,
 * _MMU_FAULT/_BUS_ERROR from mem). */
int enpu_engine_run(struct enpu_engine_core *core, const struct enpu_engine_mem *mem,
		    uint32_t opcode, const uint32_t *params, struct enpu_fw_fault *fault);

/* Joins the DMA and compute timelines. */
void enpu_engine_sync(struct enpu_engine_core *core);

/* Modeled cycles of the job so far (the later of the two timelines). */
uint64_t enpu_engine_cycles(const struct enpu_engine_core *core);

#endif /* ENPU_EMU_ENGINE_H */
