// SPDX-License-Identifier: GPL-2.0-only
/*
 * DRM accel device: the file operations and ioctls userspace sees.
 */
#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_print.h>

#include <linux/slab.h>

#include "enpu_accel.h"
#include "enpu_drv.h"
#include "enpu_gem.h"
#include "enpu_mmu.h"

static int enpu_ioctl_get_param(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct enpu_device *edev = to_enpu_device(drm);
	struct drm_enpu_get_param *args = data;

	if (args->reserved) {
		drm_dbg_driver(drm, "get_param: reserved field not zero\n");
		return -EINVAL;
	}
	switch (args->param) {
	case DRM_ENPU_PARAM_UAPI_VERSION:
		args->value = ENPU_UAPI_VERSION;
		break;
	case DRM_ENPU_PARAM_CHIP_ID:
		args->value = edev->chip_id;
		break;
	case DRM_ENPU_PARAM_CHIP_REV:
		args->value = edev->chip_rev;
		break;
	case DRM_ENPU_PARAM_FW_VERSION:
		args->value = edev->fw_version;
		break;
	case DRM_ENPU_PARAM_FW_CAPS:
		args->value = edev->fw_caps;
		break;
	case DRM_ENPU_PARAM_NUM_CORES:
		args->value = edev->num_cores;
		break;
	case DRM_ENPU_PARAM_SRAM_SIZE:
		args->value = edev->sram_size;
		break;
	case DRM_ENPU_PARAM_SRAM_PER_JOB:
		args->value = edev->sram_size / edev->num_cores;
		break;
	case DRM_ENPU_PARAM_CLOCK_KHZ:
		args->value = edev->clock_khz;
		break;
	case DRM_ENPU_PARAM_MACS_PER_CYCLE:
		args->value = edev->macs_per_cycle;
		break;
	case DRM_ENPU_PARAM_BUS_BYTES_PER_CYCLE:
		args->value = edev->bus_bytes_per_cycle;
		break;
	case DRM_ENPU_PARAM_SRAM_BYTES_PER_CYCLE:
		args->value = edev->sram_bytes_per_cycle;
		break;
	case DRM_ENPU_PARAM_NUM_PRIORITIES:
		args->value = ENPU_NUM_PRIORITIES;
		break;
	case DRM_ENPU_PARAM_VA_START:
		args->value = ENPU_VA_START;
		break;
	case DRM_ENPU_PARAM_VA_SIZE:
		args->value = ENPU_VA_END - ENPU_VA_START;
		break;
	case DRM_ENPU_PARAM_MAX_CMD_SIZE:
		args->value = 16u << 20;
		break;
	case DRM_ENPU_PARAM_RESET_COUNT:
		args->value = atomic_read(&edev->resets);
		break;
	case DRM_ENPU_PARAM_BO_FLAGS:
		args->value = DRM_ENPU_BO_FLAGS;
		break;
	default:
		drm_dbg_driver(drm, "get_param: unknown parameter %u\n", args->param);
		return -EINVAL;
	}
	return 0;
}

static int enpu_open(struct drm_device *drm, struct drm_file *file)
{
	struct enpu_device *edev = to_enpu_device(drm);
	struct enpu_file *efile;
	int ret, idx;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	efile = kzalloc(sizeof(*efile), GFP_KERNEL);
	if (!efile) {
		ret = -ENOMEM;
		goto err_exit;
	}
	efile->results = kvcalloc(ENPU_JOB_RESULTS, sizeof(*efile->results), GFP_KERNEL);
	if (!efile->results) {
		ret = -ENOMEM;
		goto err_free;
	}
	kref_init(&efile->ref);
	mutex_init(&efile->submit_lock);
	spin_lock_init(&efile->results_lock);
	efile->edev = edev;
	efile->ctx = enpu_mmu_ctx_create(edev);
	if (IS_ERR(efile->ctx)) {
		ret = PTR_ERR(efile->ctx);
		goto err_results;
	}
	ret = enpu_job_file_init(efile);
	if (ret)
		goto err_ctx;
	file->driver_priv = efile;
	drm_dev_exit(idx);
	return 0;

err_ctx:
	enpu_mmu_ctx_put(efile->ctx);
err_results:
	kvfree(efile->results);
err_free:
	kfree(efile);
err_exit:
	drm_dev_exit(idx);
	return ret;
}

void enpu_file_release(struct kref *ref)
{
	struct enpu_file *efile = container_of(ref, struct enpu_file, ref);

	enpu_mmu_ctx_put(efile->ctx);
	mutex_destroy(&efile->submit_lock);
	kvfree(efile->results);
	kfree(efile);
}

static void enpu_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct enpu_file *efile = file->driver_priv;

	/* Queued jobs are given a moment to finish, then killed; jobs on
	 * the chip keep references to everything they use.
	 */
	enpu_job_file_fini(efile);
	enpu_file_put(efile);
}

static const struct drm_ioctl_desc enpu_ioctls[] = {
	DRM_IOCTL_DEF_DRV(ENPU_GET_PARAM, enpu_ioctl_get_param, 0),
	DRM_IOCTL_DEF_DRV(ENPU_BO_CREATE, enpu_ioctl_bo_create, 0),
	DRM_IOCTL_DEF_DRV(ENPU_BO_INFO, enpu_ioctl_bo_info, 0),
	DRM_IOCTL_DEF_DRV(ENPU_BO_WAIT, enpu_ioctl_bo_wait, 0),
	DRM_IOCTL_DEF_DRV(ENPU_SUBMIT, enpu_ioctl_submit, 0),
	DRM_IOCTL_DEF_DRV(ENPU_JOB_INFO, enpu_ioctl_job_info, 0),
};

/*
 * The DRM core answers an ioctl number past the driver's table with
 * -EINVAL; userspace probing for newer ioctls needs -ENOTTY to tell "not
 * implemented" from "bad arguments".
 */
static bool enpu_ioctl_unknown(unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	return nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END &&
	       nr - DRM_COMMAND_BASE >= ARRAY_SIZE(enpu_ioctls);
}

static long enpu_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return enpu_ioctl_unknown(cmd) ? -ENOTTY : drm_ioctl(filp, cmd, arg);
}

static long enpu_compat_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return enpu_ioctl_unknown(cmd) ? -ENOTTY : drm_compat_ioctl(filp, cmd, arg);
}

static const struct file_operations enpu_accel_fops = {
	.owner = THIS_MODULE,
	.open = accel_open,
	.release = drm_release,
	.unlocked_ioctl = enpu_ioctl,
	.compat_ioctl = enpu_compat_ioctl,
	.poll = drm_poll,
	.read = drm_read,
	.llseek = noop_llseek,
	.mmap = drm_gem_mmap,
	.fop_flags = FOP_UNSIGNED_OFFSET,
};

const struct drm_driver enpu_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ,
	.open = enpu_open,
	.postclose = enpu_postclose,
	.gem_create_object = enpu_gem_create_object,
	.ioctls = enpu_ioctls,
	.num_ioctls = ARRAY_SIZE(enpu_ioctls),
	.fops = &enpu_accel_fops,
	.name = ENPU_DRIVER_NAME,
	.desc = ENPU_DRIVER_DESC,
	.date = "20261122",
	.major = 1,
	.minor = 0,
};
