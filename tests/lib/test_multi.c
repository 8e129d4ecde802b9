// SPDX-License-Identifier: MIT
/*
 * Several interpreters on a chip backend at once in one process: two
 * models (and a second interpreter of the first, sharing its enpu_model)
 * alive together and invoked in turn, then threads each driving their own
 * interpreter at the same time.  Every output of every invoke must be the
 * cpu backend's bytes for that invoke's input (each round feeds other
 * bytes, so a stale or another interpreter's result cannot pass).
 *
 *   ENPU_TEST_BACKEND   emu (default) or accel (tests/vm/guest/accel_shared.sh)
 *   ENPU_TEST_MODELS    model paths separated by ':' (default: two shared models)
 *   ENPU_TEST_ROUNDS    invokes per interpreter (default 3)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <enpu/enpu.h>

#include "tap.h"

#define MAX_MODELS 4
#define MAX_ROUNDS 64
#define THREADS 2

static const char *backend;
static int nmodels, rounds;
static enpu_model *models[MAX_MODELS];
static char names[MAX_MODELS][512];
/* ref[m][r]: every output of model m for round r's input, concatenated. */
static uint8_t *ref[MAX_MODELS][MAX_ROUNDS];
static size_t ref_len[MAX_MODELS][MAX_ROUNDS];

static void fill(enpu_interp *it, int model, int round)
{
	int nin = enpu_model_num_inputs(models[model]);

	for (int i = 0; i < nin; i++) {
		void *p;
		size_t n;

		enpu_interp_input_buffer(it, i, &p, &n);
		uint32_t s = 2166136261u ^ (uint32_t)(model * 7919 + round * 104729 + i);

		for (size_t k = 0; k < n; k++) {
			s = s * 1103515245u + 12345u;
			((uint8_t *)p)[k] = (uint8_t)(s >> 16);
		}
	}
}

/* Every output, concatenated (malloc'd). */
static uint8_t *outputs(enpu_interp *it, int model, size_t *len)
{
	int nout = enpu_model_num_outputs(models[model]);
	size_t total = 0;
	uint8_t *b = NULL;

	for (int i = 0; i < nout; i++) {
		const void *d;
		size_t n;
		uint8_t *nb;

		if (enpu_interp_output(it, i, &d, &n) || !(nb = realloc(b, total + n + 1))) {
			free(b);
			return NULL;
		}
		b = nb;
		memcpy(b + total, d, n);
		total += n;
	}
	*len = total;
	return b;
}

/* 0 when the interpreter's outputs are the reference for (model, round). */
static int check(enpu_interp *it, int model, int round, char *why, size_t nwhy)
{
	size_t n = 0;
	uint8_t *got;
	int r;

	fill(it, model, round);
	if (enpu_interp_invoke(it)) {
		snprintf(why, nwhy, "round %d: invoke failed: %s", round, enpu_last_error());
		return -1;
	}
	got = outputs(it, model, &n);
	r = !got || n != ref_len[model][round] || memcmp(got, ref[model][round], n);
	if (r)
		snprintf(why, nwhy, "round %d: outputs differ from the cpu backend's", round);
	free(got);
	return r;
}

static enpu_interp *make(int model, const char *be)
{
	struct enpu_prepare_options po = { .size = sizeof(po), .backend = be, .threads = 1 };
	enpu_interp *it = NULL;

	if (enpu_interp_create(models[model], &po, &it))
		diag("%s on %s: %s", names[model], be, enpu_last_error());
	return it;
}

struct worker {
	pthread_t t;
	int model, bad;
	char why[256];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	enpu_interp *it = make(w->model, backend);

	if (!it) {
		w->bad = 1;
		snprintf(w->why, sizeof(w->why), "create failed");
		return NULL;
	}
	for (int r = 0; r < rounds && !w->bad; r++)
		w->bad = check(it, w->model, r, w->why, sizeof(w->why)) != 0;
	enpu_interp_destroy(it);
	return NULL;
}

int main(void)
{
	const char *b = getenv("ENPU_TEST_BACKEND"), *ms = getenv("ENPU_TEST_MODELS");
	const char *rs = getenv("ENPU_TEST_ROUNDS"), *sh = getenv("ENPU_SHARED");
	char list[4096];

	backend = b && *b ? b : "emu";
	rounds = rs && *rs ? atoi(rs) : 3;
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 3;
	if (ms && *ms)
		snprintf(list, sizeof(list), "%s", ms);
	else
		snprintf(list, sizeof(list), "%s/models/mobilenet_v1_0.25_128_quant.tflite:"
			 "%s/models/keras_lstm_mnist_ptq.tflite", sh && *sh ? sh : "../shared",
			 sh && *sh ? sh : "../shared");
	for (char *save = NULL, *p = strtok_r(list, ":", &save); p && nmodels < MAX_MODELS;
	     p = strtok_r(NULL, ":", &save)) {
		const char *base = strrchr(p, '/');

		snprintf(names[nmodels], sizeof(names[0]), "%s", base ? base + 1 : p);
		if (enpu_model_load_file(NULL, p, &models[nmodels]))
			diag("%s: %s", p, enpu_last_error());
		nmodels++;
	}
	int loaded = nmodels >= 2;

	for (int m = 0; m < nmodels; m++)
		loaded &= models[m] != NULL;
	if (!ok(loaded, "%d models load (%s backend, %d rounds)", nmodels, backend, rounds))
		return tap_done();

	/* The references: the cpu backend, one interpreter per model. */
	int refs_ok = 1;

	for (int m = 0; m < nmodels; m++) {
		enpu_interp *it = make(m, "cpu");

		for (int r = 0; it && r < rounds; r++) {
			fill(it, m, r);
			if (enpu_interp_invoke(it) || !(ref[m][r] = outputs(it, m, &ref_len[m][r])))
				refs_ok = 0;
		}
		refs_ok &= it != NULL;
		enpu_interp_destroy(it);
	}
	if (!ok(refs_ok, "cpu references for every model and round"))
		return tap_done();

	/* All at once in this thread: every model, plus a second interpreter
	 * of model 0 on the same enpu_model. */
	enpu_interp *its[MAX_MODELS + 1];
	int which[MAX_MODELS + 1], n = 0, created = 1;

	for (int m = 0; m < nmodels; m++) {
		which[n] = m;
		its[n] = make(m, backend);
		created &= its[n++] != NULL;
	}
	which[n] = 0;
	its[n] = make(0, backend);
	created &= its[n++] != NULL;
	ok(created, "%d interpreters on %s alive at once (two share one model)", n, backend);
	int bad[MAX_MODELS + 1];
	char why[MAX_MODELS + 1][256];

	for (int i = 0; i < n; i++) {
		bad[i] = !its[i];
		snprintf(why[i], sizeof(why[i]), "not created");
	}
	/* Interleaved: round r of every interpreter before round r + 1. */
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < n; i++)
			if (!bad[i])
				bad[i] = check(its[i], which[i], r, why[i], sizeof(why[i])) != 0;
	for (int i = 0; i < n; i++) {
		struct enpu_device_stats ds = { .size = sizeof(ds) };

		if (its[i])
			enpu_interp_device_stats(its[i], &ds);
		ok(!bad[i] && (ds.chip_ops == 0 || ds.jobs > 0),
		   "interpreter %d (%s): every round = cpu, interleaved with the others "
		   "(%d ops on the chip, %llu jobs)", i, names[which[i]], ds.chip_ops,
		   (unsigned long long)ds.jobs);
		if (bad[i])
			diag("%s", why[i]);
	}
	for (int i = 0; i < n; i++)
		enpu_interp_destroy(its[i]);

	/* Threads, each with its own interpreter, at the same time. */
	struct worker w[THREADS];

	for (int i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].model = i % nmodels;
		if (pthread_create(&w[i].t, NULL, work, &w[i])) {
			w[i].bad = 1;
			snprintf(w[i].why, sizeof(w[i].why), "pthread_create failed");
			w[i].t = 0;
		}
	}
	for (int i = 0; i < THREADS; i++) {
		if (w[i].t)
			pthread_join(w[i].t, NULL);
		ok(!w[i].bad, "thread %d: its own %s interpreter on %s, every round = cpu", i,
		   names[w[i].model], backend);
		if (w[i].bad)
			diag("%s", w[i].why);
	}
	for (int m = 0; m < nmodels; m++) {
		for (int r = 0; r < rounds; r++)
			free(ref[m][r]);
		enpu_model_destroy(models[m]);
	}
	return tap_done();
}
