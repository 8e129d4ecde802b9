/* SPDX-License-Identifier: MIT */
/*
 * A fork-join pool for splitting one operator across cores.  The calling
 * thread takes part as thread 0, so a 1-thread pool has no workers and
 * costs one function call.  Each thread owns a scratch buffer (sized at
 * prepare time for the largest operator) so kernels never allocate.
 */
#ifndef ENPU_THREADPOOL_H
#define ENPU_THREADPOOL_H

#include <stddef.h>

#include "internal.h"

struct enpu_pool;

typedef void (*enpu_pool_fn)(void *ctx, int tid, int nthreads, void *scratch);

/* NULL on failure (errno-style code in *err). */
ENPU_HIDDEN struct enpu_pool *enpu_pool_create(int nthreads, size_t scratch_bytes, int *err);
ENPU_HIDDEN void enpu_pool_destroy(struct enpu_pool *pool);
ENPU_HIDDEN int enpu_pool_threads(const struct enpu_pool *pool);
/* Runs fn(ctx, tid, n, scratch[tid]) on every thread; returns when all are done. */
ENPU_HIDDEN void enpu_pool_run(struct enpu_pool *pool, enpu_pool_fn fn, void *ctx);

#endif
