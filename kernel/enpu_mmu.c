// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device MMU: the driver owns every context's page tables and allocates
 * device addresses; userspace never names a physical page.  A context is
 * bound to one of the chip's few AS slots only while it has jobs in flight,
 * so any number of files can share the chip.
 */
#include <drm/drm_drv.h>
#include <drm/drm_print.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>

#include "enpu_drv.h"
#include "enpu_mmu.h"

static int enpu_pt_alloc(struct enpu_device *edev, struct enpu_pt *pt, bool leaf)
{
	pt->cpu = dma_alloc_coherent(edev->drm.dev, ENPU1_PAGE_SIZE, &pt->dma, GFP_KERNEL);
	if (!pt->cpu)
		return -ENOMEM;
	if (!leaf) {
		pt->child = kcalloc(ENPU1_PT_ENTRIES, sizeof(*pt->child), GFP_KERNEL);
		if (!pt->child) {
			dma_free_coherent(edev->drm.dev, ENPU1_PAGE_SIZE, pt->cpu, pt->dma);
			return -ENOMEM;
		}
	}
	return 0;
}

static void enpu_pt_free(struct enpu_device *edev, struct enpu_pt *pt)
{
	int i;

	if (pt->child) {
		for (i = 0; i < ENPU1_PT_ENTRIES; i++) {
			if (pt->child[i]) {
				enpu_pt_free(edev, pt->child[i]);
				kfree(pt->child[i]);
			}
		}
		kfree(pt->child);
	}
	dma_free_coherent(edev->drm.dev, ENPU1_PAGE_SIZE, pt->cpu, pt->dma);
}

struct enpu_mmu_ctx *enpu_mmu_ctx_create(struct enpu_device *edev)
{
	static atomic_t next_id = ATOMIC_INIT(0);
	struct enpu_mmu_ctx *ctx;
	int ret;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	ret = enpu_pt_alloc(edev, &ctx->root, false);
	if (ret) {
		kfree(ctx);
		return ERR_PTR(ret);
	}
	kref_init(&ctx->ref);
	mutex_init(&ctx->lock);
	drm_mm_init(&ctx->va_mm, ENPU_VA_START, ENPU_VA_END - ENPU_VA_START);
	ctx->edev = edev;
	ctx->id = atomic_inc_return(&next_id);
	ctx->slot = -1;
	return ctx;
}

static void enpu_mmu_ctx_release(struct kref *ref)
{
	struct enpu_mmu_ctx *ctx = container_of(ref, struct enpu_mmu_ctx, ref);
	struct enpu_device *edev = ctx->edev;
	int idx;

	mutex_lock(&edev->as_lock);
	if (ctx->slot >= 0) {
		edev->as_owner[ctx->slot] = NULL;
		if (drm_dev_enter(&edev->drm, &idx)) {
			enpu_write(edev, ENPU1_REG_AS(ctx->slot, ENPU1_AS_CONFIG), 0);
			drm_dev_exit(idx);
		}
	}
	mutex_unlock(&edev->as_lock);

	drm_mm_takedown(&ctx->va_mm);
	enpu_pt_free(edev, &ctx->root);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
}

void enpu_mmu_ctx_put(struct enpu_mmu_ctx *ctx)
{
	kref_put(&ctx->ref, enpu_mmu_ctx_release);
}

/* Returns the leaf table covering va, creating tables on the way. */
static u64 *enpu_pte(struct enpu_mmu_ctx *ctx, u64 va, bool create)
{
	struct enpu_pt *pt = &ctx->root;
	int level;

	for (level = 0; level < ENPU1_PT_LEVELS - 1; level++) {
		u32 idx = ENPU1_PT_INDEX(va, level);

		if (!pt->child[idx]) {
			struct enpu_pt *next;

			if (!create)
				return NULL;
			next = kzalloc(sizeof(*next), GFP_KERNEL);
			if (!next || enpu_pt_alloc(ctx->edev, next, level == ENPU1_PT_LEVELS - 2)) {
				kfree(next);
				return NULL;
			}
			pt->child[idx] = next;
			pt->cpu[idx] = next->dma | ENPU1_PTE_VALID;
		}
		pt = pt->child[idx];
	}
	return &pt->cpu[ENPU1_PT_INDEX(va, ENPU1_PT_LEVELS - 1)];
}

static void enpu_mmu_flush(struct enpu_mmu_ctx *ctx)
{
	struct enpu_device *edev = ctx->edev;
	int idx;

	/* A wedged chip runs nothing until reloaded, and binding a slot
	 * always flushes it, so there is nothing to protect there.
	 */
	if (!drm_dev_enter(&edev->drm, &idx))
		return;
	/* The chip must be powered to take the command. */
	if (enpu_pm_get(edev))
		goto out;
	mutex_lock(&edev->as_lock);
	if (ctx->slot >= 0 && !READ_ONCE(edev->wedged) &&
	    enpu_device_cmd(edev, ENPU1_CMD_MMU_FLUSH, ctx->slot, 0))
		drm_err(&edev->drm, "MMU flush of slot %d failed\n", ctx->slot);
	mutex_unlock(&edev->as_lock);
	enpu_pm_put(edev);
out:
	drm_dev_exit(idx);
}

/**
 * enpu_mmu_map - give a BO's pages a device address in a context
 * @ctx: the context
 * @node: out, the device address range
 * @sgt: DMA-mapped pages of the BO
 * @size: bytes, page aligned
 * @writable: whether the chip may write the pages
 *
 * Return: 0 or a negative errno; nothing is left mapped on error.
 */
int enpu_mmu_map(struct enpu_mmu_ctx *ctx, struct drm_mm_node *node, struct sg_table *sgt,
		 u64 size, bool writable)
{
	u64 flags = ENPU1_PTE_VALID | ENPU1_PTE_READ | (writable ? ENPU1_PTE_WRITE : 0);
	struct scatterlist *sg;
	u64 va;
	int ret, i;

	mutex_lock(&ctx->lock);
	/* A guard page after each BO turns small overruns into faults. */
	ret = drm_mm_insert_node_generic(&ctx->va_mm, node, size + ENPU1_PAGE_SIZE,
					 ENPU1_PAGE_SIZE, 0, 0);
	if (ret)
		goto out;
	va = node->start;
	for_each_sgtable_dma_sg(sgt, sg, i) {
		dma_addr_t addr = sg_dma_address(sg);
		unsigned int len = sg_dma_len(sg);

		for (; len && va < node->start + size; len -= ENPU1_PAGE_SIZE) {
			u64 *pte = enpu_pte(ctx, va, true);

			if (!pte) {
				ret = -ENOMEM;
				goto err_unmap;
			}
			*pte = (addr & ENPU1_PTE_ADDR_MASK) | flags;
			addr += ENPU1_PAGE_SIZE;
			va += ENPU1_PAGE_SIZE;
		}
	}
	mutex_unlock(&ctx->lock);
	return 0;

err_unmap:
	for (va = node->start; va < node->start + size; va += ENPU1_PAGE_SIZE) {
		u64 *pte = enpu_pte(ctx, va, false);

		if (pte)
			*pte = 0;
	}
	drm_mm_remove_node(node);
out:
	mutex_unlock(&ctx->lock);
	return ret;
}

void enpu_mmu_unmap(struct enpu_mmu_ctx *ctx, struct drm_mm_node *node)
{
	u64 va;

	mutex_lock(&ctx->lock);
	for (va = node->start; va < node->start + node->size; va += ENPU1_PAGE_SIZE) {
		u64 *pte = enpu_pte(ctx, va, false);

		if (pte)
			*pte = 0;
	}
	drm_mm_remove_node(node);
	mutex_unlock(&ctx->lock);
	/* No job of this context runs while its BOs go away (jobs hold BO
	 * references), but the TLB may still hold the old translations.
	 */
	enpu_mmu_flush(ctx);
}

static void enpu_mmu_slot_program(struct enpu_device *edev, int slot, struct enpu_mmu_ctx *ctx)
{
	enpu_write(edev, ENPU1_REG_AS(slot, ENPU1_AS_ROOT_LO), lower_32_bits(ctx->root.dma));
	enpu_write(edev, ENPU1_REG_AS(slot, ENPU1_AS_ROOT_HI), upper_32_bits(ctx->root.dma));
	enpu_write(edev, ENPU1_REG_AS(slot, ENPU1_AS_CONFIG), ENPU1_AS_ENABLE);
}

/* Finds a slot for ctx: a free one, else the least recently used idle one. */
static int enpu_mmu_pick_slot(struct enpu_device *edev)
{
	int slot, best = -1;

	for (slot = 0; slot < edev->num_as; slot++) {
		struct enpu_mmu_ctx *owner = edev->as_owner[slot];

		if (!owner)
			return slot;
		if (owner->jobs)
			continue;
		if (best < 0 || owner->last_used < edev->as_owner[best]->last_used)
			best = slot;
	}
	return best;
}

static bool enpu_mmu_slot_available(struct enpu_device *edev);

/**
 * enpu_mmu_bind - make sure ctx has an AS slot for one more job
 * @ctx: the context
 *
 * Sleeps while every slot is busy with other contexts' jobs.
 *
 * Return: the slot, or a negative errno (-ERESTARTSYS on a signal).
 */
int enpu_mmu_bind(struct enpu_mmu_ctx *ctx)
{
	struct enpu_device *edev = ctx->edev;
	int slot, ret;

	for (;;) {
		mutex_lock(&edev->as_lock);
		if (ctx->slot >= 0) {
			slot = ctx->slot;
			break;
		}
		slot = enpu_mmu_pick_slot(edev);
		if (slot >= 0) {
			struct enpu_mmu_ctx *old = edev->as_owner[slot];

			if (old)
				old->slot = -1;
			edev->as_owner[slot] = ctx;
			ctx->slot = slot;
			enpu_mmu_slot_program(edev, slot, ctx);
			ret = enpu_device_cmd(edev, ENPU1_CMD_MMU_FLUSH, slot, 0);
			if (ret) {
				edev->as_owner[slot] = NULL;
				ctx->slot = -1;
				mutex_unlock(&edev->as_lock);
				return ret;
			}
			break;
		}
		mutex_unlock(&edev->as_lock);
		ret = wait_event_interruptible(edev->as_wq, enpu_mmu_slot_available(edev));
		if (ret)
			return ret;
	}
	ctx->jobs++;
	ctx->last_used = get_jiffies_64();
	mutex_unlock(&edev->as_lock);
	return slot;
}

void enpu_mmu_unbind(struct enpu_mmu_ctx *ctx)
{
	struct enpu_device *edev = ctx->edev;
	bool idle;

	mutex_lock(&edev->as_lock);
	if (!WARN_ON(!ctx->jobs))
		ctx->jobs--;
	idle = !ctx->jobs;
	mutex_unlock(&edev->as_lock);
	if (idle)
		wake_up_all(&edev->as_wq);
}

static bool enpu_mmu_slot_available(struct enpu_device *edev)
{
	bool avail;

	mutex_lock(&edev->as_lock);
	avail = enpu_mmu_pick_slot(edev) >= 0;
	mutex_unlock(&edev->as_lock);
	return avail;
}

void enpu_mmu_init(struct enpu_device *edev)
{
	mutex_init(&edev->as_lock);
	init_waitqueue_head(&edev->as_wq);
}
