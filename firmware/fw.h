/* SPDX-License-Identifier: MIT */
/*
 * Control-core firmware internals, shared by its source files and by the
 * host tests that drive the job loop against a fake HAL.  Nothing here is
 * exported from the shared object (built with -fvisibility=hidden).
 */
#ifndef ENPU_FW_H
#define ENPU_FW_H

#include <stddef.h>
#include <stdint.h>

#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "enpu_fw_hal.h"

#ifndef ENPU_FW_VERSION_CODE
#define ENPU_FW_VERSION_CODE	ENPU1_FW_VERSION(1, 1, 0)
#endif
#define ENPU_FW_BUILD		"enpu1-fw 1.1.0"

/* Every compute operation, plus the optional features the engine offers. */
#define ENPU_FW_CAPS								\
	(ENPU1_CAP_OP(ENPU1_OP_CONV) | ENPU1_CAP_OP(ENPU1_OP_DEPTHWISE) |	\
	 ENPU1_CAP_OP(ENPU1_OP_FULLY_CONNECTED) | ENPU1_CAP_OP(ENPU1_OP_MAX_POOL) | \
	 ENPU1_CAP_OP(ENPU1_OP_AVG_POOL) | ENPU1_CAP_OP(ENPU1_OP_ADD) |	\
	 ENPU1_CAP_OP(ENPU1_OP_MUL) | ENPU1_CAP_OP(ENPU1_OP_LUT) |		\
	 ENPU1_CAP_OP(ENPU1_OP_SOFTMAX) |					\
	 ENPU1_CAP_PER_CHANNEL | ENPU1_CAP_REQUANT_FP32 | ENPU1_CAP_DILATION)

#define ENPU_FW_CMD_MAX		(16u << 20)	/* largest command stream */
#define ENPU_FW_EV_WAIT_NS	100000000ull	/* how long a full event ring may stall us */
#define ENPU_FW_EV_WAIT_POLLS	1000		/* ...even if device time stands still */
#define ENPU_FW_IDLE_US		1000

struct enpu_fw_ring {
	uint64_t base;
	uint32_t entries;	/* 0: disabled */
};

struct enpu_fw_state {
	uint32_t num_cores, num_prio, num_as, ring_max;
	uint32_t caps;
	struct enpu_fw_ring evq;
	struct enpu_fw_ring sq[ENPU1_MAX_CORES][ENPU1_MAX_PRIO];
	/* Under hal->lock: */
	uint32_t ev_tail;	/* mirrors EVQ_TAIL, which only we write */
	uint32_t ev_seq;	/* events written since boot */
};

extern struct enpu_fw_state enpu_fw;

/* The shared object's one export: what the boot ROM looks up. */
extern __attribute__((visibility("default"))) const struct enpu_fw_entry enpu_fw_entry;

/* What a job ended with, for its JOB_DONE event. */
struct enpu_fw_result {
	uint32_t status;
	uint32_t cmd_offset;
	uint64_t fault_addr;
	uint32_t access;
};

int enpu_fw_init(const struct enpu_hal *hal);
void enpu_fw_core_main(const struct enpu_hal *hal, uint32_t core);

/*
 * One pass of a core's loop: runs the first pending job in strict priority
 * order and posts its event.  Returns 1 if a job ran, 0 if every ring was
 * empty, -1 if the chip is stopping (the job, if any, was abandoned).
 */
int enpu_fw_run_once(const struct enpu_hal *hal, uint32_t core);

/*
 * Executes a validated job's command stream.  Returns 0 with *res filled,
 * or -1 when should_stop() interrupted it (no event must be posted).
 */
int enpu_fw_run_stream(const struct enpu_hal *hal, uint32_t core, uint32_t as,
		       uint64_t cmd_addr, uint32_t cmd_size, struct enpu_fw_result *res);

/* Fills seq/csum and appends the event to the ring; see events.c. */
void enpu_fw_post_event(const struct enpu_hal *hal, uint32_t core, struct enpu1_event *ev);

/* ORs bits into ERROR_STATUS and raises the error vector. */
void enpu_fw_error(const struct enpu_hal *hal, uint32_t bits, const char *why);

#endif /* ENPU_FW_H */
