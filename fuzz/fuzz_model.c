// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any byte string through the loader and, when it loads,
 * through prepare and one invoke on a zeroed input.  Crashes, sanitizer
 * reports and leaks are the failures; refusals are fine.
 */
#include <stddef.h>
#include <stdint.h>

#include <enpu/enpu.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enpu_model *m;
	if (enpu_model_load_memory(NULL, data, size, &m))
		return 0;
	enpu_interp *it;
	/* A small budget keeps each run fast and exercises the limit path. */
	struct enpu_prepare_options po = { .size = sizeof(po), .max_memory = 16u << 20 };
	if (!enpu_interp_create(m, &po, &it)) {
		enpu_interp_invoke(it);
		enpu_interp_destroy(it);
	}
	enpu_model_destroy(m);
	return 0;
}
