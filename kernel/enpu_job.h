/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __ENPU_JOB_H__
#define __ENPU_JOB_H__

#include <drm/gpu_scheduler.h>
#include <linux/dma-fence.h>
#include <linux/kref.h>

struct enpu_device;
struct enpu_file;
struct enpu_mmu_ctx;

/* Results of a file's recent jobs, for DRM_IOCTL_ENPU_JOB_INFO. */
#define ENPU_JOB_RESULTS	1024

struct enpu_job_result {
	u64 id;
	u32 status;			/* enum drm_enpu_job_status */
	u32 core;
	u64 start_ns;
	u64 end_ns;
	u64 cycles;
	u64 fault_addr;
	u32 cmd_offset;
};

struct enpu_job {
	struct drm_sched_job base;
	struct enpu_device *edev;
	struct enpu_file *efile;	/* reference held: results, guilt */
	struct enpu_mmu_ctx *ctx;	/* reference held; bound to an AS slot */
	u64 id;
	u32 as_slot;
	u64 cmd_va;
	u32 cmd_size;
	u32 hw_prio;			/* submission ring: 0 is the highest */
	u32 core;			/* set when the job reaches a ring */
	u32 sq_pos;			/* its ring index, under edev->hw_lock */
	u32 result_slot;		/* its entry in efile->results */
	struct drm_gem_object **bos;	/* [0] is the command stream BO */
	unsigned long *bo_writes;	/* bit i: the job writes bos[i] */
	u32 bo_count;
	struct dma_fence *hw_fence;	/* signalled by the completion event */
	struct list_head node;		/* edev->hw_jobs, under edev->hw_lock */
	u64 queued_ns;
};

struct enpu_core {
	struct enpu_device *edev;
	u32 index;
	struct drm_gpu_scheduler sched;
	u64 fence_context;
	u64 fence_seqno;		/* under edev->hw_lock */
	u32 sq_tail[ENPU1_MAX_PRIO];	/* under edev->hw_lock */
	u32 last_progress;		/* CORE_PROGRESS at the last timeout check */
};

int enpu_job_init(struct enpu_device *edev);
void enpu_job_fini(struct enpu_device *edev);
int enpu_job_file_init(struct enpu_file *efile);
void enpu_job_file_fini(struct enpu_file *efile);
int enpu_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file);
int enpu_ioctl_job_info(struct drm_device *drm, void *data, struct drm_file *file);
void enpu_job_done(struct enpu_device *edev, const struct enpu1_event *ev);
void enpu_job_reset(struct enpu_device *edev, u64 guilty_id, const char *why);
void enpu_job_abort_all(struct enpu_device *edev, int error);
void enpu_job_error_irq(struct enpu_device *edev);

#endif /* __ENPU_JOB_H__ */
