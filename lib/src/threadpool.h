/* SPDX-License-Identifier: MIT */
/*
 * A fork-join pool for splitting one operator across cores.  An operator
 * is cut into chunks that threads claim one at a time, so a thread the
 * scheduler delays (a busy board, a core shared with another process)
 * just claims fewer chunks instead of holding everybody at the join.
 * The calling thread takes part as thread 0; a 1-thread pool has no
 * workers and costs one loop.  Each thread owns a scratch buffer (sized at
 * prepare time for the largest operator) so kernels never allocate.
 */
#ifndef ENPU_THREADPOOL_H
#define ENPU_THREADPOOL_H

#include <stddef.h>

#include "internal.h"

struct enpu_pool;

/* Computes chunk `chunk` of the operator; which thread runs it must not matter. */
typedef void (*enpu_pool_fn)(void *ctx, size_t chunk, void *scratch);

/* NULL on failure (errno-style code in *err). */
ENPU_HIDDEN struct enpu_pool *enpu_pool_create(int nthreads, size_t scratch_bytes, int *err);
ENPU_HIDDEN void enpu_pool_destroy(struct enpu_pool *pool);
ENPU_HIDDEN int enpu_pool_threads(const struct enpu_pool *pool);
/* Runs fn for chunks 0..nchunks-1 across the pool; returns when all are done. */
ENPU_HIDDEN void enpu_pool_run(struct enpu_pool *pool, enpu_pool_fn fn, void *ctx,
			       size_t nchunks);

#endif
