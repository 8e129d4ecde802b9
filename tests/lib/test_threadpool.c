// SPDX-License-Identifier: MIT
/*
 * The operator thread pool (lib/src/threadpool.c) on its own: every chunk
 * of every job runs exactly once, on 1 to 8 threads, for job sizes around
 * the claim word's 16-bit limit (jobs beyond it are split); back-to-back
 * jobs (the generation protocol) and jobs after the workers fell asleep;
 * and the split that keeps data local: the caller's chunks are always a
 * prefix of the job and the workers' a suffix, and with nothing delaying
 * either thread of a 2-thread pool, each does a real share.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "interp.h"
#include "tap.h"
#include "threadpool.h"

struct job {
	_Atomic unsigned char *runs;	/* times each chunk ran */
	_Atomic unsigned char *by_caller;	/* ran on the caller's scratch */
	void *caller_scratch;
	unsigned spin;			/* busy work per chunk */
};

static _Atomic unsigned sink;	/* keeps the busy work from being optimized out */

static void chunk_fn(void *ctx, size_t chunk, void *scratch)
{
	struct job *j = ctx;
	atomic_fetch_add(&j->runs[chunk], 1);
	if (scratch == j->caller_scratch)
		atomic_store(&j->by_caller[chunk], 1);
	unsigned x = (unsigned)chunk;
	for (unsigned i = 0; i < j->spin; i++)
		x = x * 1664525u + 1013904223u;
	atomic_store_explicit(&sink, x, memory_order_relaxed);
}

/* The caller's scratch: the pool hands it to the chunks the caller runs. */
static void *caller_scratch;
static void find_scratch(void *ctx, size_t chunk, void *scratch)
{
	(void)ctx;
	(void)chunk;
	caller_scratch = scratch;
}

/* Runs one job; returns 1 when every chunk ran exactly once. */
static int run_once(struct enpu_pool *p, size_t n, unsigned spin, struct job *j)
{
	memset((void *)j->runs, 0, n ? n : 1);
	memset((void *)j->by_caller, 0, n ? n : 1);
	j->caller_scratch = caller_scratch;
	j->spin = spin;
	enpu_pool_run(p, chunk_fn, j, n);
	for (size_t c = 0; c < n; c++)
		if (atomic_load(&j->runs[c]) != 1)
			return 0;
	return 1;
}

/* The caller's chunks form a prefix of every 65535-chunk job segment. */
static int caller_prefix(const struct job *j, size_t n)
{
	for (size_t base = 0; base < n; base += 0xffff) {
		size_t end = n - base < 0xffff ? n : base + 0xffff, c = base;
		while (c < end && atomic_load(&j->by_caller[c]))
			c++;
		while (c < end && !atomic_load(&j->by_caller[c]))
			c++;
		if (c != end)
			return 0;
	}
	return 1;
}

/*
 * enpu_conv_ranges: an exact partition of [0, M) into at most
 * CONV_MAX_RANGES ranges, none longer than r, sizes never growing toward
 * the middle from either end, the two halves mirrored (the back half may
 * hold the one odd pixel), and the ranges at the middle no longer than
 * r / 8 (rounded up to the tile height of 4) plus the odd pixel.
 */
static int check_ranges(size_t M, size_t r)
{
	size_t b[CONV_MAX_RANGES + 1];
	int n = enpu_conv_ranges(M, r, b);
	if (n < 2 || n > CONV_MAX_RANGES || b[0] != 0 || b[n] != M)
		return 0;
	for (int i = 0; i < n; i++)
		if (b[i + 1] <= b[i] || b[i + 1] - b[i] > r + 1)
			return 0;
	for (int i = 0; i + 1 < n / 2; i++)
		if (b[i + 1] - b[i] < b[i + 2] - b[i + 1] ||
		    b[n - i] - b[n - i - 1] < b[n - i - 1] - b[n - i - 2])
			return 0;
	if (n % 2 || b[n / 2] != M / 2)
		return 0;
	size_t mid = b[n / 2] - b[n / 2 - 1], cap = (r / 8 + 3) / 4 * 4;
	cap = cap < 4 ? 4 : cap;
	return mid <= cap && b[n / 2 + 1] - b[n / 2] <= cap + 1;
}

int main(void)
{
	static const int threads[] = { 1, 2, 3, 8 };
	static const size_t sizes[] = { 0, 1, 2, 7, 64, 65534, 65535, 65536, 200001 };
	size_t max = 200001;
	struct job j = {
		.runs = calloc(max, 1),
		.by_caller = calloc(max, 1),
	};
	if (!j.runs || !j.by_caller) {
		printf("Bail out! out of memory\n");
		return 1;
	}

	/* Every map and chunk size the conv splitter hands it (M > 3r, up to 32 rows of r). */
	int bad = 0, cases = 0;
	for (size_t r = 4; r <= 4096 && !bad; r = r < 64 ? r + 4 : r * 2)
		for (size_t M = 3 * r + 1; M <= 32 * r && !bad; M += M < 8 * r ? 1 : r / 4 + 1, cases++)
			if (!check_ranges(M, r)) {
				diag("bad ranges for M %zu, r %zu", M, r);
				bad = 1;
			}
	ok(!bad, "conv pixel ranges: exact, mirrored, shrinking toward the middle (%d maps)", cases);
	ok(check_ranges(3840 * 2160, 3840 * 2160 / 8 / 4 * 4),
	   "conv pixel ranges: a 4K map on 2 threads");

	for (size_t t = 0; t < sizeof(threads) / sizeof(threads[0]); t++) {
		int err;
		struct enpu_pool *p = enpu_pool_create(threads[t], 64, &err);
		if (!ok(p && !err, "%d thread(s): pool created", threads[t]))
			continue;
		is_int(enpu_pool_threads(p), threads[t], "%d thread(s): reports its size", threads[t]);
		enpu_pool_run(p, find_scratch, NULL, 1);

		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t n = sizes[s];
			int good = run_once(p, n, 0, &j);
			ok(good, "%d thread(s), %zu chunks: every chunk ran exactly once", threads[t], n);
			ok(caller_prefix(&j, n), "%d thread(s), %zu chunks: the caller's chunks are a prefix",
			   threads[t], n);
		}

		/* Many small jobs back to back: a late worker must never run a stale job. */
		bad = 0;
		for (int r = 0; r < 3000 && !bad; r++)
			bad = !run_once(p, (size_t)(r % 13) + 2, (unsigned)(r % 5) * 50, &j);
		ok(!bad, "%d thread(s): 3000 back-to-back jobs, each chunk once", threads[t]);

		/* Workers asleep (they spin ~ms before sleeping): the job still completes. */
		usleep(50000);
		ok(run_once(p, 100, 1000, &j), "%d thread(s): a job after the workers slept",
		   threads[t]);

		if (threads[t] == 2) {
			/*
			 * Chunks long enough (~0.1 ms) that the worker, once awake, takes
			 * some: the best of a few tries, since a loaded machine may delay
			 * it through a whole job.
			 */
			size_t best = 0;
			for (int r = 0; r < 20 && best == 0; r++) {
				run_once(p, 64, 20000, &j);
				size_t mine = 0;
				for (size_t c = 0; c < 64; c++)
					mine += atomic_load(&j.by_caller[c]);
				if (mine > 0 && mine < 64 && caller_prefix(&j, 64))
					best = mine;
			}
			ok(best > 0, "2 threads: both threads ran chunks, the caller a prefix (%zu of 64)",
			   best);
		}
		enpu_pool_destroy(p);
	}
	free((void *)j.runs);
	free((void *)j.by_caller);
	return tap_done();
}
