// SPDX-License-Identifier: MIT
/*
 * Whole shared models on every kernel level this CPU has (forced through
 * ENPU_ISA) and on 1, 2 and 3 threads: every output byte must equal the
 * scalar single-thread run on the same random input.  The shared models are
 * required (a missing one is a failure, not a skip).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "enpu/enpu.h"
#include "tap.h"

static const char *const models[] = {
	"mobilenet_v1_0.25_128_quant.tflite",	/* uint8, per-tensor */
	"mobilenet_v2_1.0_224_quant.tflite",	/* uint8, the benchmark model */
	"tf2_mobilenet_v2_1.0_224_ptq.tflite",	/* int8, per-channel */
	"split_concat.tflite",
};

/* Runs the model once; returns all outputs concatenated (malloc'd) or NULL. */
static uint8_t *run(enpu_model *m, const char *isa, int threads, const uint8_t *input,
		    size_t in_len, size_t *out_len)
{
	setenv("ENPU_ISA", isa, 1);
	struct enpu_prepare_options po = { .size = sizeof(po), .backend = "cpu",
					   .threads = threads };
	enpu_interp *it;
	if (enpu_interp_create(m, &po, &it)) {
		diag("%s/%d threads: %s", isa, threads, enpu_last_error());
		return NULL;
	}
	uint8_t *res = NULL;
	size_t total = 0;
	if (!enpu_interp_set_input(it, 0, input, in_len) && !enpu_interp_invoke(it)) {
		for (int i = 0; i < enpu_model_num_outputs(m); i++) {
			const void *d;
			size_t n;
			enpu_interp_output(it, i, &d, &n);
			res = realloc(res, total + n + 1);
			memcpy(res + total, d, n);
			total += n;
		}
	}
	enpu_interp_destroy(it);
	*out_len = total;
	return res;
}

int main(void)
{
	const char *shared = getenv("ENPU_SHARED");
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/models", shared ? shared : "../shared");
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	for (size_t mi = 0; mi < sizeof(models) / sizeof(models[0]); mi++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, models[mi]);
		enpu_model *m;
		if (!ok(!enpu_model_load_file(NULL, path, &m), "load %s", path))
			continue;
		struct enpu_tensor_info ti = { .size = sizeof(ti) };
		enpu_model_input_info(m, 0, &ti);
		size_t in_len = ti.bytes;
		uint8_t *input = malloc(in_len + 1);
		for (size_t i = 0; i < in_len; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			input[i] = (uint8_t)(seed >> 32);
		}
		size_t ref_len;
		uint8_t *ref = run(m, "scalar", 1, input, in_len, &ref_len);
		ok(ref != NULL, "%s: scalar reference run", models[mi]);
		for (int isa = 0; ref && isa < ENPU_ISA_COUNT; isa++) {
			if (!enpu_cpu_has((enum enpu_isa)isa))
				continue;
			for (int t = 1; t <= 3; t++) {
				/* Scalar has no threaded path; its 1-thread run is the reference. */
				if (isa == ENPU_ISA_SCALAR)
					continue;
				size_t len;
				uint8_t *got = run(m, enpu_isa_name((enum enpu_isa)isa), t, input,
						   in_len, &len);
				ok(got && len == ref_len && !memcmp(got, ref, len),
				   "%s: %s with %d thread(s) equals scalar", models[mi],
				   enpu_isa_name((enum enpu_isa)isa), t);
				free(got);
			}
		}
		free(ref);
		free(input);
		enpu_model_destroy(m);
	}
	unsetenv("ENPU_ISA");
	return tap_done();
}
