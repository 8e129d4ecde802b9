/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * enpu: DRM accel uAPI for ENPU-1 neural processing units.
 *
 * Version history (DRM_ENPU_PARAM_UAPI_VERSION):
 *
 * - 1: GET_PARAM, BO_CREATE, BO_INFO, BO_WAIT, SUBMIT, JOB_INFO.
 *
 * Conventions: every ioctl struct has only __u32/__u64 fields, pointers are
 * passed as __u64, and every field named reserved or pad must be zero (the
 * kernel returns -EINVAL otherwise) so that later versions can give it a
 * meaning.  Arrays come with the size of one element so they can grow.
 */
#ifndef _UAPI_DRM_ENPU_ACCEL_H_
#define _UAPI_DRM_ENPU_ACCEL_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

#define DRM_ENPU_GET_PARAM		0x00
#define DRM_ENPU_BO_CREATE		0x01
#define DRM_ENPU_BO_INFO		0x02
#define DRM_ENPU_BO_WAIT		0x03
#define DRM_ENPU_SUBMIT			0x04
#define DRM_ENPU_JOB_INFO		0x05

#define DRM_IOCTL_ENPU_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_GET_PARAM, struct drm_enpu_get_param)
#define DRM_IOCTL_ENPU_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_BO_CREATE, struct drm_enpu_bo_create)
#define DRM_IOCTL_ENPU_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_BO_INFO, struct drm_enpu_bo_info)
#define DRM_IOCTL_ENPU_BO_WAIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_ENPU_BO_WAIT, struct drm_enpu_bo_wait)
#define DRM_IOCTL_ENPU_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_SUBMIT, struct drm_enpu_submit)
#define DRM_IOCTL_ENPU_JOB_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_ENPU_JOB_INFO, struct drm_enpu_job_info)

/**
 * enum drm_enpu_param - what DRM_IOCTL_ENPU_GET_PARAM can query
 *
 * @DRM_ENPU_PARAM_UAPI_VERSION: version of this interface (see the history
 *	at the top of this file).
 * @DRM_ENPU_PARAM_CHIP_ID: chip generation (1 for ENPU-1).
 * @DRM_ENPU_PARAM_CHIP_REV: silicon revision.
 * @DRM_ENPU_PARAM_FW_VERSION: running firmware, major << 16 | minor << 8 | patch.
 * @DRM_ENPU_PARAM_FW_CAPS: operations the firmware offers: bit n set when
 *	command-stream opcode 0x20 + n is available, plus the feature bits
 *	ENPU1_CAP_PER_CHANNEL (16), ENPU1_CAP_REQUANT_FP32 (17) and
 *	ENPU1_CAP_DILATION (18).
 * @DRM_ENPU_PARAM_NUM_CORES: compute cores.
 * @DRM_ENPU_PARAM_SRAM_SIZE: on-chip SRAM, bytes, all cores together.
 * @DRM_ENPU_PARAM_SRAM_PER_JOB: SRAM a job may address (one core's share).
 * @DRM_ENPU_PARAM_CLOCK_KHZ: core clock.
 * @DRM_ENPU_PARAM_MACS_PER_CYCLE: multiply-accumulates per cycle per core.
 * @DRM_ENPU_PARAM_BUS_BYTES_PER_CYCLE: DMA bandwidth to host memory.
 * @DRM_ENPU_PARAM_SRAM_BYTES_PER_CYCLE: SRAM bandwidth per core.
 * @DRM_ENPU_PARAM_NUM_PRIORITIES: priority levels SUBMIT accepts (the
 *	values of &enum drm_enpu_priority).
 * @DRM_ENPU_PARAM_VA_START: first device address BOs are placed at.
 * @DRM_ENPU_PARAM_VA_SIZE: size of the device address range for BOs.
 * @DRM_ENPU_PARAM_MAX_CMD_SIZE: largest command stream SUBMIT accepts.
 * @DRM_ENPU_PARAM_RESET_COUNT: chip resets since the driver loaded.
 * @DRM_ENPU_PARAM_BO_FLAGS: the DRM_ENPU_BO_* flags this kernel accepts.
 */
enum drm_enpu_param {
	DRM_ENPU_PARAM_UAPI_VERSION = 0,
	DRM_ENPU_PARAM_CHIP_ID = 1,
	DRM_ENPU_PARAM_CHIP_REV = 2,
	DRM_ENPU_PARAM_FW_VERSION = 3,
	DRM_ENPU_PARAM_FW_CAPS = 4,
	DRM_ENPU_PARAM_NUM_CORES = 5,
	DRM_ENPU_PARAM_SRAM_SIZE = 6,
	DRM_ENPU_PARAM_SRAM_PER_JOB = 7,
	DRM_ENPU_PARAM_CLOCK_KHZ = 8,
	DRM_ENPU_PARAM_MACS_PER_CYCLE = 9,
	DRM_ENPU_PARAM_BUS_BYTES_PER_CYCLE = 10,
	DRM_ENPU_PARAM_SRAM_BYTES_PER_CYCLE = 11,
	DRM_ENPU_PARAM_NUM_PRIORITIES = 12,
	DRM_ENPU_PARAM_VA_START = 13,
	DRM_ENPU_PARAM_VA_SIZE = 14,
	DRM_ENPU_PARAM_MAX_CMD_SIZE = 15,
	DRM_ENPU_PARAM_RESET_COUNT = 16,
	DRM_ENPU_PARAM_BO_FLAGS = 17,
};

/**
 * struct drm_enpu_get_param - query a device or driver parameter
 */
struct drm_enpu_get_param {
	/** @param: in, an &enum drm_enpu_param; unknown values give -EINVAL. */
	__u32 param;
	/** @reserved: must be 0. */
	__u32 reserved;
	/** @value: out, the parameter's value. */
	__u64 value;
};

/**
 * DRM_ENPU_BO_DEVICE_READONLY - the chip may read the BO but not write it
 *
 * Command streams and weights should use it: a job that tries to write
 * such a BO ends with an MMU fault instead of corrupting it.
 */
#define DRM_ENPU_BO_DEVICE_READONLY	0x1u
/** DRM_ENPU_BO_FLAGS - every flag BO_CREATE accepts; others give -EINVAL */
#define DRM_ENPU_BO_FLAGS		DRM_ENPU_BO_DEVICE_READONLY

/**
 * struct drm_enpu_bo_create - create a buffer object
 *
 * The BO is zero-filled, mapped into the caller's device address space and
 * can be mmap()ed.  The kernel chooses the device address.
 */
struct drm_enpu_bo_create {
	/** @size: in, bytes, rounded up to the page size; 0 gives -EINVAL. */
	__u64 size;
	/** @flags: in, DRM_ENPU_BO_* flags. */
	__u32 flags;
	/** @handle: out, GEM handle. */
	__u32 handle;
	/** @device_addr: out, the BO's address in the chip's view of this file. */
	__u64 device_addr;
};

/**
 * struct drm_enpu_bo_info - where a BO is
 */
struct drm_enpu_bo_info {
	/** @handle: in, GEM handle. */
	__u32 handle;
	/** @reserved: must be 0. */
	__u32 reserved;
	/** @mmap_offset: out, offset to pass to mmap() on the device file. */
	__u64 mmap_offset;
	/** @device_addr: out, device address (see &drm_enpu_bo_create). */
	__u64 device_addr;
	/** @size: out, bytes. */
	__u64 size;
};

/**
 * struct drm_enpu_bo_wait - wait until no job uses a BO
 *
 * Returns 0 when idle, -ETIMEDOUT if jobs still use it when the timeout
 * passes, -EINTR/-ERESTARTSYS on a signal.
 */
struct drm_enpu_bo_wait {
	/** @handle: in, GEM handle. */
	__u32 handle;
	/** @reserved: must be 0. */
	__u32 reserved;
	/** @timeout_ns: in, relative timeout; 0 only checks. */
	__u64 timeout_ns;
};

/** DRM_ENPU_BO_REF_READ - the job reads the BO */
#define DRM_ENPU_BO_REF_READ		0x1u
/** DRM_ENPU_BO_REF_WRITE - the job writes the BO */
#define DRM_ENPU_BO_REF_WRITE		0x2u

/**
 * struct drm_enpu_bo_ref - a BO a job uses, for implicit synchronisation
 *
 * A job waits for earlier writers of every BO it reads and for earlier
 * readers and writers of every BO it writes.
 */
struct drm_enpu_bo_ref {
	/** @handle: GEM handle. */
	__u32 handle;
	/** @flags: DRM_ENPU_BO_REF_READ and/or DRM_ENPU_BO_REF_WRITE. */
	__u32 flags;
};

/**
 * enum drm_enpu_priority - scheduling priority of a job
 *
 * @DRM_ENPU_PRIORITY_LOW: background work.
 * @DRM_ENPU_PRIORITY_NORMAL: the default.
 * @DRM_ENPU_PRIORITY_HIGH: latency-critical work; runs before queued
 *	lower-priority jobs (a running job is not preempted).
 */
enum drm_enpu_priority {
	DRM_ENPU_PRIORITY_LOW = 0,
	DRM_ENPU_PRIORITY_NORMAL = 1,
	DRM_ENPU_PRIORITY_HIGH = 2,
};

/**
 * struct drm_enpu_submit - queue a job on the chip
 *
 * The job runs the command stream at @cmd_offset in BO @cmd_handle, after
 * every in-syncobj has signalled and implicit dependencies on @bos are met.
 * Its completion signals @out_syncobj.  A job the chip ends with an error,
 * or that overruns its timeout, signals its fence with an error; JOB_INFO
 * tells which.  After a context's job caused a chip reset, that context's
 * next SUBMIT fails once with -EIO (the context is told it was guilty).
 */
struct drm_enpu_submit {
	/** @cmd_handle: in, BO holding the command stream. */
	__u32 cmd_handle;
	/** @cmd_offset: in, byte offset of the stream in the BO, 4-byte aligned. */
	__u32 cmd_offset;
	/** @cmd_size: in, bytes, a non-zero multiple of 4 within the BO. */
	__u32 cmd_size;
	/** @priority: in, an &enum drm_enpu_priority. */
	__u32 priority;
	/** @bos: in, pointer to @bo_count &struct drm_enpu_bo_ref. */
	__u64 bos;
	/** @bo_count: in, entries at @bos. */
	__u32 bo_count;
	/** @bo_stride: in, sizeof(struct drm_enpu_bo_ref) as userspace knows it. */
	__u32 bo_stride;
	/** @in_syncobjs: in, pointer to @in_syncobj_count __u32 syncobj handles. */
	__u64 in_syncobjs;
	/** @in_syncobj_count: in, entries at @in_syncobjs. */
	__u32 in_syncobj_count;
	/** @out_syncobj: in, syncobj to signal on completion, or 0 for none. */
	__u32 out_syncobj;
	/** @flags: in, must be 0. */
	__u32 flags;
	/** @reserved: must be 0. */
	__u32 reserved;
	/** @job_id: out, id of the job for JOB_INFO and in tracepoints. */
	__u64 job_id;
};

/**
 * enum drm_enpu_job_status - how a job ended
 *
 * @DRM_ENPU_JOB_PENDING: not finished yet.
 * @DRM_ENPU_JOB_OK: ran to its END command.
 * @DRM_ENPU_JOB_DECODE_ERROR: malformed command stream.
 * @DRM_ENPU_JOB_MMU_FAULT: accessed an address not mapped (or read-only)
 *	in its context; @fault_addr in &struct drm_enpu_job_info says where.
 * @DRM_ENPU_JOB_SRAM_RANGE: an operand lay outside the job's SRAM.
 * @DRM_ENPU_JOB_BUS_ERROR: the chip could not reach host memory.
 * @DRM_ENPU_JOB_UNSUPPORTED: used an operation the firmware lacks.
 * @DRM_ENPU_JOB_HAZARD: read SRAM before synchronising with its writer.
 * @DRM_ENPU_JOB_NO_END: the stream ran out without an END command.
 * @DRM_ENPU_JOB_TIMEOUT: overran its timeout; the chip was reset.
 * @DRM_ENPU_JOB_ABORTED: not run to completion because of a reset caused
 *	by another job, or device removal.
 * @DRM_ENPU_JOB_DEVICE_ERROR: the chip or the driver failed the job for a
 *	reason of its own, not the command stream's (for example the job's
 *	completion report was lost or corrupted); its outputs are undefined.
 */
enum drm_enpu_job_status {
	DRM_ENPU_JOB_PENDING = 0,
	DRM_ENPU_JOB_OK = 1,
	DRM_ENPU_JOB_DECODE_ERROR = 2,
	DRM_ENPU_JOB_MMU_FAULT = 3,
	DRM_ENPU_JOB_SRAM_RANGE = 4,
	DRM_ENPU_JOB_BUS_ERROR = 5,
	DRM_ENPU_JOB_UNSUPPORTED = 6,
	DRM_ENPU_JOB_HAZARD = 7,
	DRM_ENPU_JOB_NO_END = 8,
	DRM_ENPU_JOB_TIMEOUT = 9,
	DRM_ENPU_JOB_ABORTED = 10,
	DRM_ENPU_JOB_DEVICE_ERROR = 11,
};

/**
 * struct drm_enpu_job_info - statistics of one of the caller's jobs
 *
 * The kernel keeps the results of each file's most recent 1024 jobs;
 * older ids give -ENOENT, as do ids of other files.
 */
struct drm_enpu_job_info {
	/** @job_id: in, from &struct drm_enpu_submit. */
	__u64 job_id;
	/** @status: out, an &enum drm_enpu_job_status. */
	__u32 status;
	/** @core: out, compute core that ran the job. */
	__u32 core;
	/** @start_ns: out, device time the job started (ns since chip power-on). */
	__u64 start_ns;
	/** @end_ns: out, device time it ended. */
	__u64 end_ns;
	/** @cycles: out, device cycles the job took (the chip's timing model). */
	__u64 cycles;
	/**
	 * @fault_addr: out, the faulting device address for MMU faults, the
	 * address the chip could not reach for bus errors, else 0.
	 */
	__u64 fault_addr;
	/** @cmd_offset: out, byte offset of the failing command, else 0. */
	__u32 cmd_offset;
	/** @reserved: must be 0. */
	__u32 reserved;
};

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_DRM_ENPU_ACCEL_H_ */
