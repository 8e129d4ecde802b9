/* SPDX-License-Identifier: MIT */
/*
 * Small helpers over the enpu uAPI for the in-VM tests, the demo and the
 * latency benchmark: device and BO handling, job submission, command-stream
 * building and the emulator's fault-injection channel.  Not the product's
 * runtime (that is libenpu); these stay deliberately thin.
 */
#ifndef ENPU_DEV_H
#define ENPU_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "enpu_accel.h"

struct enpu_dbo {
	uint32_t handle;
	uint64_t size;
	uint64_t va;		/* device address */
	void *map;		/* CPU mapping */
};

int enpu_dev_open(const char *path);
int enpu_dev_param(int fd, uint32_t param, uint64_t *value);
int enpu_dbo_new(int fd, uint64_t size, uint32_t flags, struct enpu_dbo *bo);
void enpu_dbo_free(int fd, struct enpu_dbo *bo);

/* Submits cmd_size bytes at offset 0 of cmd with the given BO list; on
 * success *syncobj (created here) signals on completion. */
int enpu_dev_submit(int fd, const struct enpu_dbo *cmd, uint32_t cmd_size,
		    const struct drm_enpu_bo_ref *refs, uint32_t nrefs, uint32_t prio,
		    uint32_t *syncobj, uint64_t *job_id);
/* Waits for a syncobj; returns 0, -ETIME on timeout. */
int enpu_dev_wait(int fd, uint32_t syncobj, int64_t timeout_ns);
int enpu_dev_job_info(int fd, uint64_t job_id, struct drm_enpu_job_info *info);

/* Command stream builder over a CPU-mapped BO. */
struct enpu_cs {
	uint32_t *w;
	uint32_t n;
	uint32_t cap;
};

void enpu_cs_init(struct enpu_cs *cs, void *buf, size_t bytes);
void enpu_cs_setp(struct enpu_cs *cs, uint32_t param, uint32_t value);
void enpu_cs_op(struct enpu_cs *cs, uint32_t opcode);
void enpu_cs_dma(struct enpu_cs *cs, uint32_t opcode, uint64_t va, uint32_t sram,
		 uint32_t bytes);
static inline uint32_t enpu_cs_bytes(const struct enpu_cs *cs)
{
	return cs->n * 4;
}

/* Whole streams the tests share: a no-op job; `ops` DMA loads of `bytes`
 * from va, each followed by a SYNC (a job that takes a while and keeps
 * making progress).  Both write the BO and return the stream's size. */
uint32_t enpu_cs_noop(struct enpu_dbo *cmd);
uint32_t enpu_cs_loads(struct enpu_dbo *cmd, uint64_t va, uint32_t bytes, int ops);

struct ref_conv;

/* The BOs of an int8 per-channel convolution with bias, sized for its
 * geometry (ref_conv.h): NHWC input, OHWI weights, int32 bias, {mult,
 * shift} pairs, NHWC output.  Operands are read-only to the chip. */
struct enpu_conv_bos {
	struct enpu_dbo in, wt, bias, quant, out;
};

int enpu_conv_bos_new(int fd, const struct ref_conv *g, struct enpu_conv_bos *b);
void enpu_conv_bos_free(int fd, struct enpu_conv_bos *b);
/* Writes the whole job into cmd (load the operands into SRAM, convolve,
 * store the output), fills refs[5] for SUBMIT and returns the stream's
 * size in bytes. */
uint32_t enpu_cs_conv_job(struct enpu_dbo *cmd, const struct ref_conv *g,
			  const struct enpu_conv_bos *b, struct drm_enpu_bo_ref refs[5]);

/* Arms a fault in the emulated chip through the bench's control channel
 * (the virtio-serial port enpu.control that tools/vm/run connects to
 * enpu-emu --control, or
 * $ENPU_CONTROL); 0 on acceptance, -EINVAL if refused, -errno otherwise. */
int enpu_dev_inject(const char *spec);

#endif /* ENPU_DEV_H */
