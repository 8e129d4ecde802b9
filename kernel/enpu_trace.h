/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * enpu tracepoints, system "enpu".  Their fields are an ABI for the eBPF
 * tooling: fields are only ever added, never renamed, retyped or removed.
 * Documentation/accel/enpu/tracepoints.rst describes each one.
 *
 * Common fields: dev (the DRM minor index of /dev/accel/accelN), ctx (the
 * submitting file's device address space id), job (the id SUBMIT returned,
 * unique per device since module load).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM enpu

#if !defined(__ENPU_TRACE_H__) || defined(TRACE_HEADER_MULTI_READ)
#define __ENPU_TRACE_H__

#include <linux/tracepoint.h>

#include "enpu_drv.h"
#include "enpu_job.h"
#include "enpu_mmu.h"

TRACE_EVENT(enpu_job_submit,
	    TP_PROTO(struct enpu_device *edev, struct enpu_job *job),
	    TP_ARGS(edev, job),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, ctx)
			     __field(u64, job)
			     __field(u32, prio)
			     __field(u32, cmd_size)),
	    TP_fast_assign(__entry->dev = edev->drm.accel->index;
			   __entry->ctx = job->ctx->id;
			   __entry->job = job->id;
			   __entry->prio = job->hw_prio;
			   __entry->cmd_size = job->cmd_size;),
	    TP_printk("dev=%u ctx=%u job=%llu prio=%u cmd_size=%u", __entry->dev, __entry->ctx,
		      __entry->job, __entry->prio, __entry->cmd_size)
);

TRACE_EVENT(enpu_job_run,
	    TP_PROTO(struct enpu_device *edev, struct enpu_job *job),
	    TP_ARGS(edev, job),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, ctx)
			     __field(u64, job)
			     __field(u32, core)
			     __field(u32, as_slot)),
	    TP_fast_assign(__entry->dev = edev->drm.accel->index;
			   __entry->ctx = job->ctx->id;
			   __entry->job = job->id;
			   __entry->core = job->core;
			   __entry->as_slot = job->as_slot;),
	    TP_printk("dev=%u ctx=%u job=%llu core=%u as=%u", __entry->dev, __entry->ctx,
		      __entry->job, __entry->core, __entry->as_slot)
);

TRACE_EVENT(enpu_job_done,
	    TP_PROTO(struct enpu_device *edev, struct enpu_job *job,
		     const struct enpu_job_result *res),
	    TP_ARGS(edev, job, res),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, ctx)
			     __field(u64, job)
			     __field(u32, core)
			     __field(u32, status)
			     __field(u64, cycles)
			     __field(u64, device_ns)),
	    TP_fast_assign(__entry->dev = edev->drm.accel->index;
			   __entry->ctx = job->ctx->id;
			   __entry->job = job->id;
			   __entry->core = res->core;
			   __entry->status = res->status;
			   __entry->cycles = res->cycles;
			   __entry->device_ns = res->end_ns - res->start_ns;),
	    TP_printk("dev=%u ctx=%u job=%llu core=%u status=%u cycles=%llu device_ns=%llu",
		      __entry->dev, __entry->ctx, __entry->job, __entry->core, __entry->status,
		      __entry->cycles, __entry->device_ns)
);

TRACE_EVENT(enpu_irq,
	    TP_PROTO(struct enpu_device *edev, u32 vector, u32 events),
	    TP_ARGS(edev, vector, events),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, vector)
			     __field(u32, events)),
	    TP_fast_assign(__entry->dev = edev->drm.accel->index;
			   __entry->vector = vector;
			   __entry->events = events;),
	    TP_printk("dev=%u vector=%u events=%u", __entry->dev, __entry->vector, __entry->events)
);

TRACE_EVENT(enpu_mmu_fault,
	    TP_PROTO(struct enpu_device *edev, struct enpu_job *job, u64 addr, u32 access),
	    TP_ARGS(edev, job, addr, access),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, ctx)
			     __field(u64, job)
			     __field(u64, addr)
			     __field(u32, access)),
	    TP_fast_assign(__entry->dev = edev->drm.accel->index;
			   __entry->ctx = job->ctx->id;
			   __entry->job = job->id;
			   __entry->addr = addr;
			   __entry->access = access;),
	    TP_printk("dev=%u ctx=%u job=%llu addr=0x%llx access=%s", __entry->dev, __entry->ctx,
		      __entry->job, __entry->addr, __entry->access == 2 ? "write" : "read")
);

TRACE_EVENT(enpu_reset,
	    TP_PROTO(struct enpu_device *edev, u64 guilty_job, const char *reason),
	    TP_ARGS(edev, guilty_job, reason),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u64, job)
			     __string(reason, reason)),
	    TP_fast_assign(__entry->dev = edev->drm.accel->index;
			   __entry->job = guilty_job;
			   __assign_str(reason);),
	    TP_printk("dev=%u job=%llu reason=%s", __entry->dev, __entry->job, __get_str(reason))
);

TRACE_EVENT(enpu_fw_boot,
	    TP_PROTO(struct enpu_device *edev, u32 version, int result),
	    TP_ARGS(edev, version, result),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, version)
			     __field(int, result)),
	    TP_fast_assign(__entry->dev = edev->drm.accel ? edev->drm.accel->index : ~0u;
			   __entry->version = version;
			   __entry->result = result;),
	    TP_printk("dev=%u version=0x%x result=%d", __entry->dev, __entry->version,
		      __entry->result)
);

#endif /* __ENPU_TRACE_H__ */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE enpu_trace
#include <trace/define_trace.h>
