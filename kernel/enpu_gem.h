/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __ENPU_GEM_H__
#define __ENPU_GEM_H__

#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mm.h>

struct enpu_mmu_ctx;

/* Larger BOs are refused up front rather than failing page by page. */
#define ENPU_BO_MAX_SIZE	BIT_ULL(32)

struct enpu_bo {
	struct drm_gem_shmem_object base;
	struct enpu_mmu_ctx *ctx;	/* address space the BO is mapped in */
	struct drm_mm_node va;		/* its device address range */
	u32 flags;			/* DRM_ENPU_BO_* */
};

static inline struct enpu_bo *to_enpu_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct enpu_bo, base);
}

struct drm_gem_object *enpu_gem_create_object(struct drm_device *drm, size_t size);
int enpu_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int enpu_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);
int enpu_ioctl_bo_wait(struct drm_device *drm, void *data, struct drm_file *file);

#endif /* __ENPU_GEM_H__ */
