/* SPDX-License-Identifier: MIT */
#ifndef ENPU_INTERP_H
#define ENPU_INTERP_H

#include "internal.h"
#include "kernels.h"

struct enpu_interp {
	enpu_model *m;
	const struct enpu_kernels *k;
	int requant;		/* enum enpu_requant_mode */
	uint8_t *arena;
	size_t arena_bytes, lower_bound;
	void **ptr;		/* per tensor: where its bytes live */
	void **opstate;		/* per operator: prepared parameters */
	void **blocks;		/* allocations owned by the interpreter */
	int nblocks, cblocks;
	size_t used, budget;	/* bytes allocated, limit (SIZE_MAX: none) */
	struct enpu_pool *pool;	/* threads for conv/depthwise/FC (threadpool.h) */
	size_t scratch;		/* per-thread scratch bytes the prepared ops need */
	void *dev;		/* chip backend state (lib/runtime), NULL on "cpu" */
	void *accel;		/* "accel" backend state (lib/runtime/accel.c) or NULL */
	/* Optional: where plan() puts the arena (accel: an mmapped BO).  The
	 * memory then belongs to the backend; destroy does not free() it. */
	void *(*arena_alloc)(struct enpu_interp *it, size_t bytes);
};

struct op_impl {
	int (*prepare)(struct enpu_interp *it, struct ir_op *op, int idx);
	void (*eval)(struct enpu_interp *it, struct ir_op *op);
};

ENPU_HIDDEN const struct op_impl *enpu_op_impl(int code);
ENPU_HIDDEN void *enpu_interp_alloc(struct enpu_interp *it, size_t n);
ENPU_HIDDEN int enpu_op_requant_mode(const struct enpu_interp *it, int code, int type);

/*
 * Convolution pixel ranges for the pool's two-ended claiming (ops.c): M
 * pixels cut into ranges of r (a multiple of 4) that shrink toward the
 * middle; writes the boundaries to bound[0..n] and returns n.  M must be
 * more than 3r, and bound must hold CONV_MAX_RANGES + 1 entries.
 */
#define CONV_MAX_RANGES 64
ENPU_HIDDEN int enpu_conv_ranges(size_t M, size_t r, size_t *bound);

#endif
