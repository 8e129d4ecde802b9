// SPDX-License-Identifier: GPL-2.0-only
/*
 * Buffer objects: shmem-backed GEM objects, mapped into the creating file's
 * device address space at creation and for their whole life.
 */
#include <drm/drm_drv.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_print.h>
#include <linux/dma-resv.h>

#include "enpu_accel.h"
#include "enpu_drv.h"
#include "enpu_gem.h"
#include "enpu_mmu.h"

static void enpu_gem_free(struct drm_gem_object *obj)
{
	struct enpu_bo *bo = to_enpu_bo(obj);

	if (drm_mm_node_allocated(&bo->va))
		enpu_mmu_unmap(bo->ctx, &bo->va);
	if (bo->ctx)
		enpu_mmu_ctx_put(bo->ctx);
	drm_gem_shmem_free(&bo->base);
}

static const struct drm_gem_object_funcs enpu_gem_funcs = {
	.free = enpu_gem_free,
	.print_info = drm_gem_shmem_object_print_info,
	.pin = drm_gem_shmem_object_pin,
	.unpin = drm_gem_shmem_object_unpin,
	.get_sg_table = drm_gem_shmem_object_get_sg_table,
	.vmap = drm_gem_shmem_object_vmap,
	.vunmap = drm_gem_shmem_object_vunmap,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

struct drm_gem_object *enpu_gem_create_object(struct drm_device *drm, size_t size)
{
	struct enpu_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &enpu_gem_funcs;
	return &bo->base.base;
}

int enpu_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct enpu_file *efile = file->driver_priv;
	struct drm_enpu_bo_create *args = data;
	struct drm_gem_shmem_object *shmem;
	struct sg_table *sgt;
	struct enpu_bo *bo;
	int ret;

	if (args->flags & ~DRM_ENPU_BO_FLAGS) {
		drm_dbg_driver(drm, "bo_create: unknown flags 0x%x\n", args->flags);
		return -EINVAL;
	}
	if (!args->size || args->size > ENPU_BO_MAX_SIZE) {
		drm_dbg_driver(drm, "bo_create: size %llu out of range\n", args->size);
		return -EINVAL;
	}

	shmem = drm_gem_shmem_create(drm, PAGE_ALIGN(args->size));
	if (IS_ERR(shmem))
		return PTR_ERR(shmem);
	bo = to_enpu_bo(&shmem->base);
	bo->flags = args->flags;

	sgt = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_put;
	}
	bo->ctx = enpu_mmu_ctx_get(efile->ctx);
	ret = enpu_mmu_map(bo->ctx, &bo->va, sgt, shmem->base.size,
			   !(args->flags & DRM_ENPU_BO_DEVICE_READONLY));
	if (ret)
		goto err_put;

	ret = drm_gem_handle_create(file, &shmem->base, &args->handle);
	if (ret)
		goto err_put;
	args->device_addr = bo->va.start;
	drm_gem_object_put(&shmem->base);
	return 0;

err_put:
	drm_gem_object_put(&shmem->base);
	return ret;
}

int enpu_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_enpu_bo_info *args = data;
	struct drm_gem_object *obj;
	int ret;

	if (args->reserved) {
		drm_dbg_driver(drm, "bo_info: reserved field not zero\n");
		return -EINVAL;
	}
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj) {
		drm_dbg_driver(drm, "bo_info: no BO with handle %u\n", args->handle);
		return -ENOENT;
	}
	ret = drm_gem_create_mmap_offset(obj);
	if (!ret) {
		args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
		args->device_addr = to_enpu_bo(obj)->va.start;
		args->size = obj->size;
	}
	drm_gem_object_put(obj);
	return ret;
}

int enpu_ioctl_bo_wait(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_enpu_bo_wait *args = data;
	struct drm_gem_object *obj;
	unsigned long timeout;
	long ret;

	if (args->reserved) {
		drm_dbg_driver(drm, "bo_wait: reserved field not zero\n");
		return -EINVAL;
	}
	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj) {
		drm_dbg_driver(drm, "bo_wait: no BO with handle %u\n", args->handle);
		return -ENOENT;
	}
	timeout = min_t(u64, nsecs_to_jiffies64(args->timeout_ns), MAX_SCHEDULE_TIMEOUT);
	ret = dma_resv_wait_timeout(obj->resv, DMA_RESV_USAGE_READ, true, timeout);
	drm_gem_object_put(obj);
	if (ret == 0)
		return -ETIMEDOUT;
	return ret < 0 ? ret : 0;
}
