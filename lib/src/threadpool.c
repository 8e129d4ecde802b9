// SPDX-License-Identifier: MIT
/*
 * Workers spin briefly on a generation counter before sleeping on a
 * condition variable: MobileNet-sized operators last tens of microseconds,
 * about as long as a futex wake-up, so sleeping between every operator of
 * one invoke would eat the speed-up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "threadpool.h"

#define SPINS 200000

struct enpu_pool {
	int n;
	pthread_t *tids;
	void **scratch;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_uint gen;	/* bumped once per job */
	atomic_int pending;	/* workers still running the current job */
	atomic_int quit;
	enpu_pool_fn fn;
	void *ctx;
};

struct worker_arg {
	struct enpu_pool *pool;
	int tid;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct enpu_pool *p = wa->pool;
	int tid = wa->tid;
	free(wa);
	unsigned seen = 0;
	for (;;) {
		unsigned g;
		int spins = 0;
		while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
		       !atomic_load(&p->quit) && spins < SPINS) {
			cpu_relax();
			spins++;
		}
		if (g == seen && !atomic_load(&p->quit)) {
			pthread_mutex_lock(&p->mu);
			while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->quit))
				pthread_cond_wait(&p->cv, &p->mu);
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->quit))
			return NULL;
		seen = g;
		p->fn(p->ctx, tid, p->n, p->scratch[tid]);
		atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
	}
}

struct enpu_pool *enpu_pool_create(int nthreads, size_t scratch_bytes, int *err)
{
	*err = -ENOMEM;
	if (nthreads < 1)
		nthreads = 1;
	struct enpu_pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->n = nthreads;
	p->tids = calloc((size_t)nthreads, sizeof(pthread_t));
	p->scratch = calloc((size_t)nthreads, sizeof(void *));
	if (!p->tids || !p->scratch)
		goto fail;
	for (int i = 0; i < nthreads; i++) {
		/* 64-byte aligned so vector kernels keep their rows on cache lines. */
		p->scratch[i] = aligned_alloc(64, (scratch_bytes + 63) / 64 * 64 + 64);
		if (!p->scratch[i])
			goto fail;
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 1; i < nthreads; i++) {
		struct worker_arg *wa = malloc(sizeof(*wa));
		if (!wa)
			goto fail_threads;
		wa->pool = p;
		wa->tid = i;
		int r = pthread_create(&p->tids[i], NULL, worker, wa);
		if (r) {
			free(wa);
			*err = -r;
			p->n = i;	/* only join the ones that started */
			goto fail_threads;
		}
	}
	*err = 0;
	return p;
fail_threads:
	enpu_pool_destroy(p);
	return NULL;
fail:
	if (p->scratch)
		for (int i = 0; i < nthreads; i++)
			free(p->scratch[i]);
	free(p->scratch);
	free(p->tids);
	free(p);
	return NULL;
}

void enpu_pool_destroy(struct enpu_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->quit, 1);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i < p->n; i++)
		pthread_join(p->tids[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	for (int i = 0; i < p->n; i++)
		free(p->scratch[i]);
	free(p->scratch);
	free(p->tids);
	free(p);
}

int enpu_pool_threads(const struct enpu_pool *p)
{
	return p ? p->n : 1;
}

void enpu_pool_run(struct enpu_pool *p, enpu_pool_fn fn, void *ctx)
{
	if (p->n == 1) {
		fn(ctx, 0, 1, p->scratch[0]);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	atomic_store(&p->pending, p->n - 1);
	/* The mutex orders the bump against a worker about to sleep. */
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	fn(ctx, 0, p->n, p->scratch[0]);
	while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
		cpu_relax();
}
