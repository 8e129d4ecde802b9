// SPDX-License-Identifier: MIT
/*
 * Chunks are claimed through one 64-bit word holding (job generation,
 * chunks taken from the front, chunks taken from the back).  The caller
 * takes chunks from the front, the workers from the back.  Operators
 * number their chunks in output order, so when nobody is delayed the
 * caller computes the first part of every operator's output and the
 * worker the last: each then mostly reads what it wrote itself in the
 * previous operator, from its own L2, instead of pulling the other core's
 * half across.  A delayed thread still only costs the chunk it holds.
 * A worker that read a job's function and context claims a
 * chunk only if the word still names that job, so a late worker can never
 * run a stale job's function on a newer job's chunk, and the caller's
 * context (on its stack) is only used while the caller waits for it.  The
 * caller first moves the word to an odd "being set up" generation, then
 * writes the job (release), then opens it at the next even generation; a
 * worker that reads a newer job's fields is therefore guaranteed to see
 * its own job's generation gone.
 *
 * Workers spin briefly before sleeping on a condition variable:
 * MobileNet-sized operators last tens of microseconds, about as long as a
 * futex wake-up, so sleeping between every operator of one invoke would
 * eat the speed-up.  The caller, once no chunk is left to claim, spins
 * briefly for the chunks still running and then sleeps: a worker the
 * scheduler preempted (another process on its core) is then pulled onto
 * the caller's idle core instead of leaving it spinning for a timeslice.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "threadpool.h"

#define SPINS 100000		/* ~1-3 ms of pause before sleeping */
#define JOIN_SPINS 4000	/* ~50-100 us of pause before the caller sleeps */

struct enpu_pool {
	int n;
	pthread_t *tids;
	void **scratch;
	pthread_mutex_t mu;	/* with cv: sleeping workers; with done_cv: sleeping caller */
	pthread_cond_t cv;
	pthread_cond_t done_cv;
	atomic_int caller_sleeps;
	_Atomic uint64_t state;	/* generation << 32 | taken from front << 16 | from back */
	_Atomic size_t base;	/* chunk number of this job's chunk 0 (jobs of > 65535 chunks) */
	_Atomic size_t done;	/* chunks finished in the current job */
	_Atomic(enpu_pool_fn) fn;
	_Atomic(void *) ctx;
	_Atomic size_t nchunks;
	atomic_int sleepers;
	atomic_int quit;
};

struct worker_arg {
	struct enpu_pool *pool;
	int tid;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

#define MAX_JOB_CHUNKS 0xffffu	/* what 16 bits count from either end */

/*
 * Claims and runs chunks of job `gen` until none are left or the job
 * changed: from the front for the caller, from the back for workers.
 */
static void work(struct enpu_pool *p, uint32_t gen, void *scratch, int from_back)
{
	enpu_pool_fn fn = atomic_load_explicit(&p->fn, memory_order_acquire);
	void *ctx = atomic_load_explicit(&p->ctx, memory_order_acquire);
	size_t n = atomic_load_explicit(&p->nchunks, memory_order_acquire);
	size_t base = atomic_load_explicit(&p->base, memory_order_acquire);
	uint64_t s = atomic_load_explicit(&p->state, memory_order_acquire);
	for (;;) {
		size_t front = (size_t)(s >> 16 & 0xffffu), back = (size_t)(s & 0xffffu);
		if ((uint32_t)(s >> 32) != gen || front + back >= n)
			return;
		uint64_t next = from_back ? s + 1 : s + (1u << 16);
		if (!atomic_compare_exchange_weak_explicit(&p->state, &s, next,
							   memory_order_acq_rel,
							   memory_order_acquire))
			continue;
		fn(ctx, base + (from_back ? n - 1 - back : front), scratch);
		/* seq_cst against caller_sleeps: either it sees this chunk done or we see it asleep. */
		if (atomic_fetch_add(&p->done, 1) + 1 == n && atomic_load(&p->caller_sleeps)) {
			pthread_mutex_lock(&p->mu);
			pthread_cond_signal(&p->done_cv);
			pthread_mutex_unlock(&p->mu);
		}
		s = next;
	}
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct enpu_pool *p = wa->pool;
	int tid = wa->tid;
	free(wa);
	uint32_t seen = 0;
	for (;;) {
		uint32_t g;
		int spins = 0;
		while (((g = (uint32_t)(atomic_load_explicit(&p->state, memory_order_acquire) >> 32)) ==
			seen || (g & 1)) && !atomic_load(&p->quit) && spins < SPINS) {
			cpu_relax();
			spins++;
		}
		if ((g == seen || (g & 1)) && !atomic_load(&p->quit)) {
			pthread_mutex_lock(&p->mu);
			atomic_fetch_add(&p->sleepers, 1);
			while (((g = (uint32_t)(atomic_load(&p->state) >> 32)) == seen || (g & 1)) &&
			       !atomic_load(&p->quit))
				pthread_cond_wait(&p->cv, &p->mu);
			atomic_fetch_sub(&p->sleepers, 1);
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->quit))
			return NULL;
		seen = g;
		work(p, g, p->scratch[tid], 1);
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
	pthread_cond_init(&p->done_cv, NULL);
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
	pthread_cond_destroy(&p->done_cv);
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

/* One job of up to MAX_JOB_CHUNKS chunks, numbered from base; returns once all ran. */
static void run_job(struct enpu_pool *p, enpu_pool_fn fn, void *ctx, size_t base,
		    size_t nchunks)
{
	uint32_t gen = (uint32_t)(atomic_load_explicit(&p->state, memory_order_relaxed) >> 32) + 1;
	atomic_store(&p->state, (uint64_t)gen << 32);	/* odd: being set up */
	atomic_store_explicit(&p->fn, fn, memory_order_release);
	atomic_store_explicit(&p->ctx, ctx, memory_order_release);
	atomic_store_explicit(&p->nchunks, nchunks, memory_order_release);
	atomic_store_explicit(&p->base, base, memory_order_release);
	atomic_store_explicit(&p->done, 0, memory_order_relaxed);
	gen++;
	/* seq_cst against the sleepers count: either the worker sees the job or we see it asleep. */
	atomic_store(&p->state, (uint64_t)gen << 32);
	if (atomic_load(&p->sleepers)) {
		/* The mutex orders the publication against a worker about to sleep. */
		pthread_mutex_lock(&p->mu);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	work(p, gen, p->scratch[0], 0);
	for (unsigned spins = 0; atomic_load_explicit(&p->done, memory_order_acquire) < nchunks;
	     spins++) {
		if (spins < JOIN_SPINS) {
			cpu_relax();
			continue;
		}
		pthread_mutex_lock(&p->mu);
		atomic_store(&p->caller_sleeps, 1);
		while (atomic_load(&p->done) < nchunks)
			pthread_cond_wait(&p->done_cv, &p->mu);
		atomic_store(&p->caller_sleeps, 0);
		pthread_mutex_unlock(&p->mu);
	}
}

void enpu_pool_run(struct enpu_pool *p, enpu_pool_fn fn, void *ctx, size_t nchunks)
{
	if (p->n == 1 || nchunks <= 1) {
		for (size_t c = 0; c < nchunks; c++)
			fn(ctx, c, p->scratch[0]);
		return;
	}
	for (size_t base = 0; base < nchunks; base += MAX_JOB_CHUNKS)
		run_job(p, fn, ctx, base,
			nchunks - base < MAX_JOB_CHUNKS ? nchunks - base : MAX_JOB_CHUNKS);
}

