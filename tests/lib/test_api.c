// SPDX-License-Identifier: MIT
/*
 * The public API end to end on the generated models in tests/models/:
 * the valid one runs and matches a conv computed here from the file's known
 * contents; every malformed one fails with its expected error.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <enpu/enpu.h>

#include "ref_quant.h"
#include "tap.h"

static char logged[1024];
static int nlogged;

static void log_cb(void *user, enum enpu_log_level level, const char *msg)
{
	(void)user;
	if (level == ENPU_LOG_ERROR) {
		snprintf(logged, sizeof(logged), "%s", msg);
		nlogged++;
	}
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(b);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* good_conv.tflite as tests/models/gen.py builds it. */
static void ref_good_conv(const uint8_t *in, int mode, uint8_t *out)
{
	const int32_t bias[3] = { 100, -250, 7 };
	for (int y = 0; y < 5; y++)
		for (int x = 0; x < 5; x++)
			for (int o = 0; o < 3; o++) {
				int32_t acc = bias[o];
				for (int ky = 0; ky < 3; ky++)
					for (int kx = 0; kx < 3; kx++)
						for (int c = 0; c < 2; c++) {
							int iy = y + ky - 1, ix = x + kx - 1;
							if (iy < 0 || ix < 0 || iy >= 5 || ix >= 5)
								continue;
							int wi = ((o * 3 + ky) * 3 + kx) * 2 + c;
							int32_t w = (wi * 37 + 11) % 256;
							acc += (in[(iy * 5 + ix) * 2 + c] - 120) * (w - 130);
						}
				double v;
				if (mode == ENPU_REQUANT_FP32) {
					float s = 0.05f * 0.02f / 0.1f;
					v = nearbyintf((float)acc * s);
				} else {
					int32_t mult;
					int shift;
					ref_multiplier((double)0.05f * (double)0.02f / (double)0.1f, &mult, &shift);
					v = ref_gemmlowp(acc, mult, shift);
				}
				v += 128;
				out[(y * 5 + x) * 3 + o] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
			}
}

static void test_good(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/good_conv.tflite", dir);
	enpu_context *ctx;
	struct enpu_context_options co = { .size = sizeof(co), .log = log_cb };
	is_int(enpu_context_create(&co, &ctx), 0, "context_create");
	enpu_model *m = NULL, *m2 = NULL;
	is_int(enpu_model_load_file(ctx, path, &m), 0, "load good_conv.tflite from a file");
	size_t len = 0;
	uint8_t *bytes = slurp(path, &len);
	is_int(bytes ? enpu_model_load_memory(ctx, bytes, len, &m2) : -1, 0, "load it from memory");
	if (bytes)
		memset(bytes, 0xAA, len); /* the library must have copied what it needs */
	free(bytes);
	if (!m || !m2)
		return;
	is_int(enpu_model_num_inputs(m), 1, "one input");
	is_int(enpu_model_num_outputs(m), 1, "one output");
	struct enpu_tensor_info ti = { .size = sizeof(ti) };
	is_int(enpu_model_input_info(m, 0, &ti), 0, "input_info");
	ok(ti.type == ENPU_TYPE_UINT8 && ti.ndim == 4 && ti.dims[1] == 5 && ti.dims[3] == 2 &&
	   ti.bytes == 50 && ti.zero_point == 120 && fabsf(ti.scale - 0.05f) < 1e-9f &&
	   !strcmp(ti.name, "input"), "input info: uint8 [1,5,5,2] scale 0.05 zp 120 'input'");
	is_int(enpu_model_input_info(m, 1, &ti), -ERANGE, "input 1 does not exist");
	struct enpu_tensor_info small = { .size = 4 };
	is_int(enpu_model_input_info(m, 0, &small), -EINVAL, "tensor info with a too-small size is refused");

	enpu_interp *it;
	struct enpu_prepare_options po = { .size = sizeof(po), .backend = "accel" };
	/* No device: "accel" is refused, "auto" falls back to the CPU. */
	setenv("ENPU_ACCEL_DEVICE", "/nonexistent/accel0", 1);
	is_int(enpu_interp_create(m, &po, &it), -ENODEV, "backend 'accel' without a device: -ENODEV");
	ok(strstr(enpu_last_error(), "cannot open /nonexistent/accel0") != NULL,
	   "... saying which device it could not open");
	po.backend = "auto";
	is_int(enpu_interp_create(m, &po, &it), 0, "backend 'auto' without a device: the CPU");
	struct enpu_device_stats ads = { .size = sizeof(ads) };
	ok(!enpu_interp_device_stats(it, &ads) && ads.jobs == 0 && ads.chip_ops == 0,
	   "... with no chip partitions");
	enpu_interp_destroy(it);
	unsetenv("ENPU_ACCEL_DEVICE");
	po.backend = "tpu";
	is_int(enpu_interp_create(m, &po, &it), -EINVAL, "unknown backend is refused");
	ok(strstr(enpu_strerror(-ENODEV), "backend") != NULL, "enpu_strerror(-ENODEV) names the backend");

	uint8_t in[50], out_ref[75];
	uint64_t s = 12345;
	for (int i = 0; i < 50; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		in[i] = (uint8_t)(s >> 56);
	}
	for (int mode = ENPU_REQUANT_GEMMLOWP; mode <= ENPU_REQUANT_FP32; mode++) {
		po.backend = "cpu";
		po.requant = (enum enpu_requant_mode)mode;
		it = NULL;
		is_int(enpu_interp_create(m, &po, &it), 0, "interp_create cpu (%s)",
		       mode == ENPU_REQUANT_FP32 ? "fp32" : "gemmlowp");
		if (!it)
			continue;
		is_int(enpu_interp_set_input(it, 0, in, 49), -EINVAL, "a short input is refused");
		is_int(enpu_interp_set_input(it, 0, in, 50), 0, "set_input");
		is_int(enpu_interp_invoke(it), 0, "invoke");
		const void *o;
		size_t olen;
		is_int(enpu_interp_output(it, 0, &o, &olen), 0, "output");
		ref_good_conv(in, mode, out_ref);
		int nd = 0;
		for (int i = 0; i < 75; i++)
			if (((const uint8_t *)o)[i] != out_ref[i] && nd++ < 3)
				diag("output[%d] = %d, expected %d", i, ((const uint8_t *)o)[i], out_ref[i]);
		ok(olen == 75 && !nd, "output equals the conv computed by the test");
		is_int(enpu_interp_invoke(it), 0, "invoke again without setting the input");
		enpu_interp_output(it, 0, &o, &olen);
		ok(!memcmp(o, out_ref, 75), "the input survived the first run: same output");
		struct enpu_plan_stats ps = { .size = sizeof(ps) };
		enpu_interp_plan_stats(it, &ps);
		ok(ps.arena_bytes >= ps.lower_bound && ps.lower_bound >= 125,
		   "arena %zu bytes >= lower bound %zu >= input+output", ps.arena_bytes, ps.lower_bound);
		/* A second interpreter on the other copy must agree. */
		enpu_interp *it2;
		if (!enpu_interp_create(m2, &po, &it2)) {
			const void *o2;
			enpu_interp_set_input(it2, 0, in, 50);
			enpu_interp_invoke(it2);
			enpu_interp_output(it2, 0, &o2, &olen);
			ok(!memcmp(o, o2, 75), "a model loaded from memory gives the same output");
			enpu_interp_destroy(it2);
		}
		enpu_interp_destroy(it);
	}
	/* An older caller with a shorter options struct still works. */
	struct enpu_prepare_options old = { .size = offsetof(struct enpu_prepare_options, threads) };
	it = NULL;
	is_int(enpu_interp_create(m, &old, &it), 0, "a shorter options struct is accepted");
	enpu_interp_destroy(it);
	enpu_model_destroy(m);
	enpu_model_destroy(m2);
	enpu_context_destroy(ctx);
}

static void test_corpus(const char *dir)
{
	char path[4096], line[1024];
	snprintf(path, sizeof(path), "%s/expected.txt", dir);
	FILE *f = fopen(path, "r");
	if (!ok(f != NULL, "open %s", path))
		return;
	enpu_context *ctx;
	struct enpu_context_options co = { .size = sizeof(co), .log = log_cb };
	enpu_context_create(&co, &ctx);
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		const char *want = tab + 1;
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		enpu_model *m = NULL;
		enpu_interp *it = NULL;
		nlogged = 0;
		int r = enpu_model_load_file(ctx, path, &m);
		if (!r) {
			r = enpu_interp_create(m, NULL, &it);
			if (!r)
				r = enpu_interp_invoke(it);
		}
		const char *err = enpu_last_error();
		if (!strcmp(want, "OK"))
			ok(r == 0, "%s loads and runs", line);
		else
			ok(r < 0 && strstr(err, want) && nlogged == 1 && !strcmp(logged, err) &&
			   !strchr(err, '\n'),
			   "%s is refused: %s", line, r < 0 ? err : "(accepted!)");
		n++;
		enpu_interp_destroy(it);
		enpu_model_destroy(m);
	}
	fclose(f);
	ok(n >= 30, "the corpus has %d models", n);
	enpu_context_destroy(ctx);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/models";
	test_good(dir);
	test_corpus(dir);
	return tap_done();
}
