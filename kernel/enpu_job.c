// SPDX-License-Identifier: GPL-2.0-only
/*
 * Jobs: one drm_sched scheduler per compute core, one entity per file and
 * priority spanning all cores, hardware fences signalled by the chip's
 * completion events, and recovery: a job that stops making progress gets
 * the chip reset, its fence ends with -ETIMEDOUT and every other job that
 * was on the chip is replayed from the start.
 */
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>
#include <drm/drm_syncobj.h>
#include <linux/dma-resv.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "enpu_accel.h"
#include "enpu_drv.h"
#include "enpu_gem.h"
#include "enpu_job.h"
#include "enpu_mmu.h"
#include "enpu_trace.h"

static unsigned int job_timeout_ms = 2000;
module_param(job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms,
		 "Time without progress after which a job is declared hung (ms, at least 100)");

#define ENPU_MAX_CMD_SIZE	(16u << 20)
#define ENPU_MAX_BOS		4096
#define ENPU_MAX_IN_SYNCOBJS	256

static const char *enpu_fence_driver_name(struct dma_fence *fence)
{
	return ENPU_DRIVER_NAME;
}

static const char *enpu_fence_timeline_name(struct dma_fence *fence)
{
	return "enpu-core";
}

static const struct dma_fence_ops enpu_fence_ops = {
	.get_driver_name = enpu_fence_driver_name,
	.get_timeline_name = enpu_fence_timeline_name,
};

static inline struct enpu_job *to_enpu_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct enpu_job, base);
}

static inline struct enpu_core *to_enpu_core(struct drm_gpu_scheduler *sched)
{
	return container_of(sched, struct enpu_core, sched);
}

/* Chip status to what the job's fence and JOB_INFO report. */
static void enpu_status_map(u32 hw, u32 *status, int *err)
{
	switch (hw) {
	case ENPU1_JOB_OK:
		*status = DRM_ENPU_JOB_OK;
		*err = 0;
		return;
	case ENPU1_JOB_MMU_FAULT:
		*status = DRM_ENPU_JOB_MMU_FAULT;
		*err = -EFAULT;
		return;
	case ENPU1_JOB_SRAM_RANGE:
		*status = DRM_ENPU_JOB_SRAM_RANGE;
		break;
	case ENPU1_JOB_BUS_ERROR:
		*status = DRM_ENPU_JOB_BUS_ERROR;
		break;
	case ENPU1_JOB_UNSUPPORTED:
		*status = DRM_ENPU_JOB_UNSUPPORTED;
		break;
	case ENPU1_JOB_HAZARD:
		*status = DRM_ENPU_JOB_HAZARD;
		break;
	case ENPU1_JOB_FENCE:
		*status = DRM_ENPU_JOB_NO_END;
		break;
	case ENPU1_JOB_ABORTED:
		*status = DRM_ENPU_JOB_ABORTED;
		*err = -ECANCELED;
		return;
	case ENPU1_JOB_DECODE_ERROR:
		*status = DRM_ENPU_JOB_DECODE_ERROR;
		break;
	default:
		/* BAD_AS and anything newer: the driver's or the chip's fault,
		 * never the command stream's.
		 */
		*status = DRM_ENPU_JOB_DEVICE_ERROR;
		break;
	}
	*err = -EIO;
}

static struct enpu_job_result *enpu_result_find(struct enpu_file *efile, u64 id)
{
	int i;

	for (i = 0; i < ENPU_JOB_RESULTS; i++)
		if (efile->results[i].id == id)
			return &efile->results[i];
	return NULL;
}

static void enpu_result_store(struct enpu_job *job, const struct enpu_job_result *res)
{
	struct enpu_file *efile = job->efile;
	struct enpu_job_result *slot;
	unsigned long flags;

	/* The slot the job was given at SUBMIT, unless 1024 newer jobs of
	 * the file have taken it over since.
	 */
	spin_lock_irqsave(&efile->results_lock, flags);
	slot = &efile->results[job->result_slot];
	if (slot->id == job->id)
		*slot = *res;
	spin_unlock_irqrestore(&efile->results_lock, flags);
}

/* Writes the job into its core's ring; caller holds hw_lock. */
static void enpu_sq_push(struct enpu_device *edev, struct enpu_job *job)
{
	struct enpu_core *core = &edev->cores[job->core];
	struct enpu_ring *sq = &edev->sq[job->core][job->hw_prio];
	u32 tail = core->sq_tail[job->hw_prio];
	struct enpu1_sq_entry *e = sq->cpu + (tail & (sq->entries - 1)) * sizeof(*e);

	job->sq_pos = tail;
	e->job_id = job->id;
	e->cmd_addr = job->cmd_va;
	e->cmd_size = job->cmd_size;
	e->as_slot = job->as_slot;
	e->flags = 0;
	e->reserved = 0;
	/* The entry must be in memory before the chip sees the new tail. */
	dma_wmb();
	core->sq_tail[job->hw_prio] = tail + 1;
	enpu_write(edev, ENPU1_REG_SQ(job->core, job->hw_prio, ENPU1_SQ_TAIL), tail + 1);
}

static struct dma_fence *enpu_sched_run_job(struct drm_sched_job *sched_job)
{
	struct enpu_job *job = to_enpu_job(sched_job);
	struct enpu_core *core = to_enpu_core(sched_job->sched);
	struct enpu_device *edev = job->edev;
	unsigned long flags;
	bool resetting;
	int idx;

	if (unlikely(sched_job->s_fence->finished.error))
		return NULL;
	if (!drm_dev_enter(&edev->drm, &idx))
		return ERR_PTR(-ENODEV);

	spin_lock_irqsave(&edev->hw_lock, flags);
	if (edev->wedged) {
		spin_unlock_irqrestore(&edev->hw_lock, flags);
		drm_dev_exit(idx);
		return ERR_PTR(-EIO);
	}
	dma_fence_init(job->hw_fence, &enpu_fence_ops, &edev->fence_lock,
		       core->fence_context, ++core->fence_seqno);
	job->core = core->index;
	list_add_tail(&job->node, &edev->hw_jobs);
	/* During a reset the replay after the new boot pushes it. */
	resetting = edev->resetting;
	if (!resetting)
		enpu_sq_push(edev, job);
	spin_unlock_irqrestore(&edev->hw_lock, flags);
	if (!resetting)
		enpu_ring_doorbell(edev, ENPU1_DB_VEC_WORK);
	trace_enpu_job_run(edev, job);
	drm_dev_exit(idx);
	return dma_fence_get(job->hw_fence);
}

/* Puts a job drm_sched took off its pending list back, so it is freed
 * normally once its fence signals.
 */
static void enpu_sched_requeue(struct drm_sched_job *sched_job)
{
	struct drm_gpu_scheduler *sched = sched_job->sched;

	spin_lock(&sched->job_list_lock);
	list_add(&sched_job->list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);
}

/* The job on the chip with this id, or NULL; caller holds hw_lock. */
static struct enpu_job *enpu_hw_job(struct enpu_device *edev, u64 id)
{
	struct enpu_job *job;

	list_for_each_entry(job, &edev->hw_jobs, node)
		if (job->id == id)
			return job;
	return NULL;
}

/* Id of the job a core says it is running, if the driver knows it, else 0;
 * caller holds hw_lock.
 */
static u64 enpu_running_job(struct enpu_device *edev, u32 core)
{
	u64 id = (u64)enpu_read(edev, ENPU1_REG_CORE(core, ENPU1_CORE_JOB_HI)) << 32 |
		 enpu_read(edev, ENPU1_REG_CORE(core, ENPU1_CORE_JOB_LO));

	if (enpu_read(edev, ENPU1_REG_CORE(core, ENPU1_CORE_STATE)) != ENPU1_CORE_BUSY)
		return 0;
	return enpu_hw_job(edev, id) ? id : 0;
}

/* The chip advances a ring's head when a job ends: a job whose slot lies
 * behind the head has ended even if its completion never arrived.
 */
static bool enpu_job_ended_on_chip(struct enpu_device *edev, struct enpu_job *job)
{
	u32 head = enpu_read(edev, ENPU1_REG_SQ(job->core, job->hw_prio, ENPU1_SQ_HEAD));

	return (s32)(head - job->sq_pos) > 0;
}

static void enpu_job_fail(struct enpu_job *job, u32 status, int err);

static enum drm_gpu_sched_stat enpu_sched_timedout_job(struct drm_sched_job *sched_job)
{
	struct enpu_job *job = to_enpu_job(sched_job);
	struct enpu_core *core = to_enpu_core(sched_job->sched);
	struct enpu_device *edev = job->edev;
	unsigned long flags;
	u32 progress;
	bool lost;
	u64 guilty;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx)) {
		enpu_sched_requeue(sched_job);
		return DRM_GPU_SCHED_STAT_ENODEV;
	}
	/* A lost interrupt looks like a hang: look at the events first. */
	enpu_device_process_events(edev);
	if (dma_fence_is_signaled(job->hw_fence))
		goto out;

	/* Command streams have no loops: a core that keeps executing
	 * commands will finish, so only a stalled one is reset.
	 */
	progress = enpu_read(edev, ENPU1_REG_CORE(core->index, ENPU1_CORE_PROGRESS));
	if (progress != core->last_progress) {
		core->last_progress = progress;
		goto out;
	}

	spin_lock_irqsave(&edev->hw_lock, flags);
	guilty = enpu_running_job(edev, core->index);
	lost = !guilty && !list_empty(&job->node) && !edev->resetting &&
	       enpu_job_ended_on_chip(edev, job);
	if (lost)
		list_del_init(&job->node);
	spin_unlock_irqrestore(&edev->hw_lock, flags);
	if (lost) {
		/* Its completion was lost or refused as corrupt: nothing hangs,
		 * so no reset and nobody to blame, but the outputs are unknown.
		 */
		drm_err(&edev->drm, "job %llu ended without a valid completion\n", job->id);
		enpu_job_fail(job, DRM_ENPU_JOB_DEVICE_ERROR, -EIO);
		goto out;
	}
	/* Only a job the stalled core is running can be to blame; a chip
	 * that stopped taking work (frozen firmware) is reset with nobody
	 * guilty, and the waiting jobs run after it.
	 */
	enpu_job_reset(edev, guilty, "job timed out");
out:
	drm_dev_exit(idx);
	enpu_sched_requeue(sched_job);
	return DRM_GPU_SCHED_STAT_NOMINAL;
}

static void enpu_sched_free_job(struct drm_sched_job *sched_job)
{
	struct enpu_job *job = to_enpu_job(sched_job);
	u32 i;

	drm_sched_job_cleanup(sched_job);
	for (i = 0; i < job->bo_count; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	bitmap_free(job->bo_writes);
	enpu_mmu_unbind(job->ctx);
	enpu_mmu_ctx_put(job->ctx);
	enpu_file_put(job->efile);
	/* A job killed before it reached the chip never initialised it. */
	if (job->hw_fence->ops)
		dma_fence_put(job->hw_fence);
	else
		kfree(job->hw_fence);
	enpu_pm_put(job->edev);
	kfree(job);
}

static const struct drm_sched_backend_ops enpu_sched_ops = {
	.run_job = enpu_sched_run_job,
	.timedout_job = enpu_sched_timedout_job,
	.free_job = enpu_sched_free_job,
};

static void enpu_fence_complete(struct enpu_job *job, const struct enpu_job_result *res,
				int err)
{
	struct enpu_device *edev = job->edev;

	atomic64_inc(err ? &edev->stat_jobs_failed : &edev->stat_jobs_ok);
	if (res->end_ns > res->start_ns)
		atomic64_add(res->end_ns - res->start_ns, &edev->stat_busy_ns);
	enpu_result_store(job, res);
	if (err)
		dma_fence_set_error(job->hw_fence, err);
	trace_enpu_job_done(job->edev, job, res);
	dma_fence_signal(job->hw_fence);
}

/**
 * enpu_job_done - complete the job a JOB_DONE event names
 * @edev: the device
 * @ev: the event, already checked for integrity
 */
void enpu_job_done(struct enpu_device *edev, const struct enpu1_event *ev)
{
	struct enpu_job *job, *found = NULL;
	struct enpu_job_result res = {};
	unsigned long flags;
	int err;

	spin_lock_irqsave(&edev->hw_lock, flags);
	list_for_each_entry(job, &edev->hw_jobs, node) {
		if (job->id == ev->job_id) {
			found = job;
			list_del_init(&job->node);
			break;
		}
	}
	spin_unlock_irqrestore(&edev->hw_lock, flags);
	if (!found) {
		drm_err_ratelimited(&edev->drm,
				    "completion for job %llu, which is not on the chip\n",
				    ev->job_id);
		return;
	}
	res.id = found->id;
	enpu_status_map(ev->status, &res.status, &err);
	res.core = ENPU1_EV_INFO_CORE(ev->info);
	res.start_ns = ev->start_ns;
	res.end_ns = ev->end_ns;
	res.cycles = ev->cycles;
	res.fault_addr = ev->fault_addr;
	res.cmd_offset = ev->cmd_offset;
	if (ev->status == ENPU1_JOB_MMU_FAULT)
		trace_enpu_mmu_fault(edev, found, ev->fault_addr, ENPU1_EV_INFO_ACCESS(ev->info));
	enpu_fence_complete(found, &res, err);
}

static void enpu_job_fail(struct enpu_job *job, u32 status, int err)
{
	struct enpu_job_result res = { .id = job->id, .status = status, .core = job->core };

	enpu_fence_complete(job, &res, err);
}

/**
 * enpu_job_reset - reset the chip and recover
 * @edev: the device
 * @guilty_id: id of the job that caused it, or 0
 * @why: for the log
 *
 * The guilty job's fence ends with -ETIMEDOUT and its file's next SUBMIT
 * fails with -EIO; every other job that was on the chip runs again.  If
 * the chip does not come back, every job on it fails with -EIO and the
 * device refuses further work.  Jobs are found by id under hw_lock, as one
 * may end and be freed at any moment.
 */
void enpu_job_reset(struct enpu_device *edev, u64 guilty_id, const char *why)
{
	struct enpu_job *job, *tmp;
	LIST_HEAD(failed);
	unsigned long flags;
	bool on_chip;
	u32 c;
	int ret;

	mutex_lock(&edev->reset_lock);
	spin_lock_irqsave(&edev->hw_lock, flags);
	on_chip = guilty_id && enpu_hw_job(edev, guilty_id);
	spin_unlock_irqrestore(&edev->hw_lock, flags);
	/* The job ended after all (a queued second timeout, or it completed
	 * while we waited for the lock): a working chip is left alone, a
	 * halted one is still reset, with nobody to blame.
	 */
	if (guilty_id && !on_chip) {
		if (enpu_read(edev, ENPU1_REG_STATUS) == ENPU1_STATUS_READY)
			goto out;
		guilty_id = 0;
	}
	drm_err(&edev->drm, "%s (job %llu): resetting the chip\n", why, guilty_id);
	trace_enpu_reset(edev, guilty_id, why);

	/* Completions already written must not be lost to the reset. */
	enpu_device_process_events(edev);
	spin_lock_irqsave(&edev->hw_lock, flags);
	edev->resetting = true;
	spin_unlock_irqrestore(&edev->hw_lock, flags);
	enpu_device_stop_events(edev);

	ret = enpu_device_cmd(edev, ENPU1_CMD_RESET, 0, 0);
	if (!ret)
		ret = enpu_fw_boot(edev);

	spin_lock_irqsave(&edev->hw_lock, flags);
	job = guilty_id ? enpu_hw_job(edev, guilty_id) : NULL;
	if (job)
		list_move_tail(&job->node, &failed);
	for (c = 0; c < edev->num_cores; c++)
		memset(edev->cores[c].sq_tail, 0, sizeof(edev->cores[c].sq_tail));
	if (ret) {
		edev->wedged = true;
		list_splice_tail_init(&edev->hw_jobs, &failed);
	} else {
		list_for_each_entry(job, &edev->hw_jobs, node)
			enpu_sq_push(edev, job);
	}
	edev->resetting = false;
	spin_unlock_irqrestore(&edev->hw_lock, flags);
	if (!ret)
		enpu_ring_doorbell(edev, ENPU1_DB_VEC_WORK);
	else
		drm_err(&edev->drm, "chip did not recover (%d): it refuses work until reloaded\n",
			ret);

	list_for_each_entry_safe(job, tmp, &failed, node) {
		list_del_init(&job->node);
		if (job->id == guilty_id) {
			atomic_set(&job->efile->guilty, 1);
			enpu_job_fail(job, DRM_ENPU_JOB_TIMEOUT, -ETIMEDOUT);
		} else {
			enpu_job_fail(job, DRM_ENPU_JOB_ABORTED, -EIO);
		}
	}
	atomic_inc(&edev->resets);
out:
	mutex_unlock(&edev->reset_lock);
}

/* Ends every job on the chip; used when the device goes away. */
void enpu_job_abort_all(struct enpu_device *edev, int error)
{
	struct enpu_job *job, *tmp;
	LIST_HEAD(failed);
	unsigned long flags;

	spin_lock_irqsave(&edev->hw_lock, flags);
	edev->wedged = true;
	list_splice_tail_init(&edev->hw_jobs, &failed);
	spin_unlock_irqrestore(&edev->hw_lock, flags);
	list_for_each_entry_safe(job, tmp, &failed, node) {
		list_del_init(&job->node);
		enpu_job_fail(job, DRM_ENPU_JOB_ABORTED, error);
	}
}

static void enpu_error_work(struct work_struct *work)
{
	struct enpu_device *edev = container_of(work, struct enpu_device, error_work);
	u64 guilty = 0;
	unsigned long flags;
	u32 status, err, c;
	int idx;

	if (!drm_dev_enter(&edev->drm, &idx))
		return;
	status = enpu_read(edev, ENPU1_REG_STATUS);
	err = enpu_read(edev, ENPU1_REG_ERROR_STATUS);
	if (status == ENPU1_STATUS_HALTED && edev->booted) {
		/* The watchdog names no job: blame the one on a stalled core. */
		spin_lock_irqsave(&edev->hw_lock, flags);
		for (c = 0; c < edev->num_cores && !guilty; c++)
			guilty = enpu_running_job(edev, c);
		spin_unlock_irqrestore(&edev->hw_lock, flags);
		drm_err(&edev->drm, "chip halted, error status 0x%x\n", err);
		enpu_job_reset(edev, guilty, err & ENPU1_ERR_WATCHDOG ? "chip watchdog" :
			       "chip halted");
	} else if (err) {
		drm_err_ratelimited(&edev->drm, "chip reports error status 0x%x\n", err);
	}
	drm_dev_exit(idx);
}

void enpu_job_error_irq(struct enpu_device *edev)
{
	queue_work(edev->reset_wq, &edev->error_work);
}

int enpu_job_init(struct enpu_device *edev)
{
	u32 c;
	int ret;

	spin_lock_init(&edev->hw_lock);
	spin_lock_init(&edev->fence_lock);
	mutex_init(&edev->reset_lock);
	INIT_LIST_HEAD(&edev->hw_jobs);
	INIT_WORK(&edev->error_work, enpu_error_work);
	edev->reset_wq = alloc_ordered_workqueue("enpu-reset", 0);
	if (!edev->reset_wq)
		return -ENOMEM;

	for (c = 0; c < edev->num_cores; c++) {
		struct enpu_core *core = &edev->cores[c];
		char *name = kasprintf(GFP_KERNEL, "enpu-core%u", c);

		if (!name) {
			ret = -ENOMEM;
			goto err_sched;
		}
		core->edev = edev;
		core->index = c;
		core->fence_context = dma_fence_context_alloc(1);
		/* All cores share one ordered timeout queue: resets serialise. */
		ret = drm_sched_init(&core->sched, &enpu_sched_ops, NULL,
				     DRM_SCHED_PRIORITY_COUNT, ENPU_SQ_ENTRIES, 0,
				     msecs_to_jiffies(max(job_timeout_ms, 100u)), edev->reset_wq,
				     NULL, name, edev->drm.dev);
		if (ret) {
			kfree(name);
			goto err_sched;
		}
		edev->sched_list[c] = &core->sched;
	}
	return 0;

err_sched:
	while (c--) {
		const char *name = edev->cores[c].sched.name;

		drm_sched_fini(&edev->cores[c].sched);
		kfree(name);
	}
	destroy_workqueue(edev->reset_wq);
	return ret;
}

void enpu_job_fini(struct enpu_device *edev)
{
	u32 c;

	cancel_work_sync(&edev->error_work);
	for (c = 0; c < edev->num_cores; c++) {
		const char *name = edev->cores[c].sched.name;

		drm_sched_fini(&edev->cores[c].sched);
		kfree(name);
	}
	destroy_workqueue(edev->reset_wq);
}

static const enum drm_sched_priority enpu_sched_prio[] = {
	[DRM_ENPU_PRIORITY_LOW] = DRM_SCHED_PRIORITY_LOW,
	[DRM_ENPU_PRIORITY_NORMAL] = DRM_SCHED_PRIORITY_NORMAL,
	[DRM_ENPU_PRIORITY_HIGH] = DRM_SCHED_PRIORITY_HIGH,
};

int enpu_job_file_init(struct enpu_file *efile)
{
	struct enpu_device *edev = efile->edev;
	int p, ret;

	for (p = 0; p < ENPU_NUM_PRIORITIES; p++) {
		ret = drm_sched_entity_init(&efile->entity[p], enpu_sched_prio[p],
					    edev->sched_list, edev->num_cores, NULL);
		if (ret)
			goto err;
	}
	return 0;
err:
	while (p--)
		drm_sched_entity_destroy(&efile->entity[p]);
	return ret;
}

void enpu_job_file_fini(struct enpu_file *efile)
{
	int p;

	for (p = 0; p < ENPU_NUM_PRIORITIES; p++)
		drm_sched_entity_destroy(&efile->entity[p]);
}

static int enpu_submit_lookup_bos(struct drm_file *file, struct drm_enpu_submit *args,
				  struct enpu_job *job)
{
	struct drm_device *drm = file->minor->dev;
	struct drm_enpu_bo_ref ref;
	u8 __user *ptr = u64_to_user_ptr(args->bos);
	struct drm_gem_object *obj;
	unsigned long *writes;
	u32 i, k;
	int ret;

	job->bos = kvcalloc(args->bo_count + 1, sizeof(*job->bos), GFP_KERNEL);
	writes = bitmap_zalloc(args->bo_count + 1, GFP_KERNEL);
	if (!job->bos || !writes) {
		bitmap_free(writes);
		return -ENOMEM;
	}
	/* The command stream BO comes first; the chip only reads it. */
	job->bos[0] = drm_gem_object_lookup(file, args->cmd_handle);
	if (!job->bos[0]) {
		drm_dbg_driver(drm, "submit: no command BO with handle %u\n", args->cmd_handle);
		ret = -ENOENT;
		goto out;
	}
	job->bo_count = 1;
	for (i = 0; i < args->bo_count; i++) {
		if (copy_from_user(&ref, ptr + (size_t)i * args->bo_stride, sizeof(ref))) {
			ret = -EFAULT;
			goto out;
		}
		if (args->bo_stride > sizeof(ref)) {
			ret = check_zeroed_user(ptr + (size_t)i * args->bo_stride + sizeof(ref),
						args->bo_stride - sizeof(ref));
			if (ret <= 0) {
				drm_dbg_driver(drm, "submit: BO entry %u: unknown fields set\n",
					       i);
				ret = ret ? ret : -EINVAL;
				goto out;
			}
		}
		if (!ref.flags || ref.flags & ~(DRM_ENPU_BO_REF_READ | DRM_ENPU_BO_REF_WRITE)) {
			drm_dbg_driver(drm, "submit: BO entry %u: bad flags 0x%x\n", i, ref.flags);
			ret = -EINVAL;
			goto out;
		}
		obj = drm_gem_object_lookup(file, ref.handle);
		if (!obj) {
			drm_dbg_driver(drm, "submit: BO entry %u: no BO with handle %u\n", i,
				       ref.handle);
			ret = -ENOENT;
			goto out;
		}
		/* A BO listed twice (often the command BO) is one BO whose
		 * access is the union of both entries.
		 */
		for (k = 0; k < job->bo_count && job->bos[k] != obj; k++)
			;
		if (k < job->bo_count)
			drm_gem_object_put(obj);
		else
			job->bos[job->bo_count++] = obj;
		if (ref.flags & DRM_ENPU_BO_REF_WRITE)
			__set_bit(k, writes);
	}
	ret = 0;
out:
	if (!ret)
		job->bo_writes = writes;
	else
		bitmap_free(writes);
	return ret;
}

static int enpu_submit_check(struct drm_device *drm, struct drm_enpu_submit *args)
{
	if (args->flags || args->reserved) {
		drm_dbg_driver(drm, "submit: flags or reserved not zero\n");
		return -EINVAL;
	}
	if (args->priority >= ENPU_NUM_PRIORITIES) {
		drm_dbg_driver(drm, "submit: priority %u out of range\n", args->priority);
		return -EINVAL;
	}
	if (!args->cmd_size || args->cmd_size % 4 || args->cmd_offset % 4 ||
	    args->cmd_size > ENPU_MAX_CMD_SIZE) {
		drm_dbg_driver(drm, "submit: command stream offset %u size %u invalid\n",
			       args->cmd_offset, args->cmd_size);
		return -EINVAL;
	}
	if (args->bo_count > ENPU_MAX_BOS ||
	    (args->bo_count && args->bo_stride < sizeof(struct drm_enpu_bo_ref))) {
		drm_dbg_driver(drm, "submit: BO list count %u stride %u invalid\n",
			       args->bo_count, args->bo_stride);
		return -EINVAL;
	}
	if (args->in_syncobj_count > ENPU_MAX_IN_SYNCOBJS) {
		drm_dbg_driver(drm, "submit: too many in-syncobjs\n");
		return -EINVAL;
	}
	return 0;
}

static int enpu_submit(struct drm_device *drm, struct drm_enpu_submit *args,
		       struct drm_file *file);

/* SUBMIT talks to the chip (power, MMU slots): not once it is unplugged. */
int enpu_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file)
{
	int ret, idx;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	ret = enpu_submit(drm, data, file);
	drm_dev_exit(idx);
	return ret;
}

static int enpu_submit(struct drm_device *drm, struct drm_enpu_submit *args,
		       struct drm_file *file)
{
	struct enpu_device *edev = to_enpu_device(drm);
	struct enpu_file *efile = file->driver_priv;
	struct drm_syncobj *out_sync = NULL;
	struct ww_acquire_ctx acquire;
	struct enpu_job_result *slot;
	struct enpu_job *job;
	struct enpu_bo *cmd_bo;
	unsigned long flags;
	int ret, slot_nr;
	u32 i;

	ret = enpu_submit_check(drm, args);
	if (ret)
		return ret;
	if (edev->wedged)
		return -EIO;
	if (atomic_xchg(&efile->guilty, 0)) {
		drm_dbg_driver(drm, "submit: context caused a chip reset\n");
		return -EIO;
	}

	/* Held until the job is freed: the chip stays powered meanwhile. */
	ret = enpu_pm_get(edev);
	if (ret)
		return ret;
	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job) {
		enpu_pm_put(edev);
		return -ENOMEM;
	}
	job->hw_fence = kzalloc(sizeof(*job->hw_fence), GFP_KERNEL);
	if (!job->hw_fence) {
		kfree(job);
		enpu_pm_put(edev);
		return -ENOMEM;
	}
	job->edev = edev;
	job->efile = enpu_file_get(efile);
	job->ctx = enpu_mmu_ctx_get(efile->ctx);
	INIT_LIST_HEAD(&job->node);
	job->hw_prio = min_t(u32, ENPU_NUM_PRIORITIES - 1 - args->priority, edev->num_prio - 1);
	job->cmd_size = args->cmd_size;

	ret = enpu_submit_lookup_bos(file, args, job);
	if (ret)
		goto err_free;
	cmd_bo = to_enpu_bo(job->bos[0]);
	if ((u64)args->cmd_offset + args->cmd_size > cmd_bo->base.base.size) {
		drm_dbg_driver(drm, "submit: command stream beyond the end of its BO\n");
		ret = -EINVAL;
		goto err_free;
	}
	job->cmd_va = cmd_bo->va.start + args->cmd_offset;

	if (args->out_syncobj) {
		out_sync = drm_syncobj_find(file, args->out_syncobj);
		if (!out_sync) {
			drm_dbg_driver(drm, "submit: no out-syncobj %u\n", args->out_syncobj);
			ret = -ENOENT;
			goto err_free;
		}
	}

	slot_nr = enpu_mmu_bind(job->ctx);
	if (slot_nr < 0) {
		ret = slot_nr;
		goto err_sync;
	}
	job->as_slot = slot_nr;

	ret = drm_sched_job_init(&job->base, &efile->entity[args->priority], 1, efile);
	if (ret)
		goto err_unbind;

	for (i = 0; i < args->in_syncobj_count; i++) {
		u32 handle;

		if (get_user(handle, (u32 __user *)u64_to_user_ptr(args->in_syncobjs) + i)) {
			ret = -EFAULT;
			goto err_cleanup;
		}
		ret = drm_sched_job_add_syncobj_dependency(&job->base, file, handle, 0);
		if (ret) {
			drm_dbg_driver(drm, "submit: in-syncobj %u: %d\n", handle, ret);
			goto err_cleanup;
		}
	}

	ret = drm_gem_lock_reservations(job->bos, job->bo_count, &acquire);
	if (ret)
		goto err_cleanup;
	for (i = 0; i < job->bo_count; i++) {
		bool write = test_bit(i, job->bo_writes);

		ret = dma_resv_reserve_fences(job->bos[i]->resv, 1);
		if (!ret)
			ret = drm_sched_job_add_implicit_dependencies(&job->base,
								      job->bos[i], write);
		if (ret)
			goto err_unlock;
	}

	mutex_lock(&efile->submit_lock);
	drm_sched_job_arm(&job->base);
	job->id = atomic64_inc_return(&edev->job_seq);
	for (i = 0; i < job->bo_count; i++)
		dma_resv_add_fence(job->bos[i]->resv, &job->base.s_fence->finished,
				   test_bit(i, job->bo_writes) ? DMA_RESV_USAGE_WRITE :
				   DMA_RESV_USAGE_READ);
	spin_lock_irqsave(&efile->results_lock, flags);
	job->result_slot = efile->result_next++ % ENPU_JOB_RESULTS;
	slot = &efile->results[job->result_slot];
	memset(slot, 0, sizeof(*slot));
	slot->id = job->id;
	slot->status = DRM_ENPU_JOB_PENDING;
	spin_unlock_irqrestore(&efile->results_lock, flags);
	if (out_sync)
		drm_syncobj_replace_fence(out_sync, &job->base.s_fence->finished);
	args->job_id = job->id;
	trace_enpu_job_submit(edev, job);
	drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire);
	/* From here the job may run, end and be freed at any moment. */
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&efile->submit_lock);
	if (out_sync)
		drm_syncobj_put(out_sync);
	return 0;

err_unlock:
	drm_gem_unlock_reservations(job->bos, job->bo_count, &acquire);
err_cleanup:
	drm_sched_job_cleanup(&job->base);
err_unbind:
	enpu_mmu_unbind(job->ctx);
err_sync:
	if (out_sync)
		drm_syncobj_put(out_sync);
err_free:
	for (i = 0; i < job->bo_count; i++)
		drm_gem_object_put(job->bos[i]);
	kvfree(job->bos);
	bitmap_free(job->bo_writes);
	enpu_mmu_ctx_put(job->ctx);
	enpu_file_put(job->efile);
	kfree(job->hw_fence);
	kfree(job);
	enpu_pm_put(edev);
	return ret;
}

int enpu_ioctl_job_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct enpu_file *efile = file->driver_priv;
	struct drm_enpu_job_info *args = data;
	struct enpu_job_result *res;
	unsigned long flags;
	int ret = 0;

	if (args->reserved) {
		drm_dbg_driver(drm, "job_info: reserved field not zero\n");
		return -EINVAL;
	}
	spin_lock_irqsave(&efile->results_lock, flags);
	res = args->job_id ? enpu_result_find(efile, args->job_id) : NULL;
	if (res) {
		args->status = res->status;
		args->core = res->core;
		args->start_ns = res->start_ns;
		args->end_ns = res->end_ns;
		args->cycles = res->cycles;
		args->fault_addr = res->fault_addr;
		args->cmd_offset = res->cmd_offset;
	} else {
		ret = -ENOENT;
	}
	spin_unlock_irqrestore(&efile->results_lock, flags);
	if (ret)
		drm_dbg_driver(drm, "job_info: no recent job %llu in this file\n", args->job_id);
	return ret;
}
