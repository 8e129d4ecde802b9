/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __ENPU_MMU_H__
#define __ENPU_MMU_H__

#include <drm/drm_mm.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>

struct enpu_device;

/* Device addresses handed to BOs: page 0 stays unmapped so that a zero
 * address in a command stream faults.
 */
#define ENPU_VA_START		0x100000ull
#define ENPU_VA_END		BIT_ULL(ENPU1_VA_BITS)

struct enpu_pt {
	u64 *cpu;
	dma_addr_t dma;
	struct enpu_pt **child;		/* NULL for leaf tables */
};

/* A device address space: one per open file. */
struct enpu_mmu_ctx {
	struct kref ref;
	struct enpu_device *edev;
	u32 id;				/* stable context id, for tracepoints */

	/* Protects root, va_mm and the page tables below root. */
	struct mutex lock;
	struct enpu_pt root;
	struct drm_mm va_mm;

	/* AS slot binding, protected by edev->as_lock. */
	int slot;			/* -1 when not bound */
	u32 jobs;			/* jobs in flight that need the slot */
	u64 last_used;
};

struct enpu_mmu_ctx *enpu_mmu_ctx_create(struct enpu_device *edev);
void enpu_mmu_ctx_put(struct enpu_mmu_ctx *ctx);
static inline struct enpu_mmu_ctx *enpu_mmu_ctx_get(struct enpu_mmu_ctx *ctx)
{
	kref_get(&ctx->ref);
	return ctx;
}

int enpu_mmu_map(struct enpu_mmu_ctx *ctx, struct drm_mm_node *node, struct sg_table *sgt,
		 u64 size, bool writable);
void enpu_mmu_unmap(struct enpu_mmu_ctx *ctx, struct drm_mm_node *node);

int enpu_mmu_bind(struct enpu_mmu_ctx *ctx);
void enpu_mmu_unbind(struct enpu_mmu_ctx *ctx);
void enpu_mmu_init(struct enpu_device *edev);

#endif /* __ENPU_MMU_H__ */
