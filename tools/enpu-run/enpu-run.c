// SPDX-License-Identifier: MIT
/*
 * enpu-run: run a TFLite model through libenpu.
 *
 *   enpu-run MODEL [--input FILE]... [--backend cpu|emu|accel|auto] [--labels FILE] [--top K]
 *            [--dump DIR] [--expect DIR] [--bench N] [--threads N] [--json] [--requant MODE]
 *            [--cache-dir DIR | --no-cache]
 *
 * Any error ends with a non-zero exit and exactly one line on stderr.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <enpu/enpu.h>

#include "image.h"

#define MAX_INPUTS 16

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line, whatever the message carried. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "enpu-run: %s\n", msg);
	exit(1);
}

static void usage(void)
{
	printf("usage: enpu-run MODEL [--input FILE]... [--backend cpu|emu|accel|auto]\n"
	       "                [--labels FILE] [--top K] [--dump DIR] [--expect DIR] [--bench N]\n"
	       "                [--threads N] [--json] [--requant tflite|gemmlowp|fp32]\n"
	       "                [--cache-dir DIR | --no-cache]\n"
	       "Inputs are BMP/PNG/JPEG images (resized to the input) or raw .bin tensors.\n"
	       "--dump DIR writes DIR/outputN.bin; --expect DIR fails unless every run's outputs\n"
	       "equal DIR/outputN.bin.  --cache-dir/--no-cache choose the compiled-model cache\n"
	       "of the chip backends (default: $ENPU_CACHE_DIR, else ~/.cache/enpu).\n");
}

static long parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		die("%s wants an integer in %ld..%ld, got '%s'", opt, lo, hi, s);
	return v;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode))
		die("%s is not a regular file", path);
	if (st.st_size > (1L << 30))
		die("%s is too large", path);
	size_t n = (size_t)st.st_size;
	uint8_t *b = malloc(n ? n : 1);
	if (!b || fread(b, 1, n, f) != n)
		die("cannot read %s", path);
	fclose(f);
	*len = n;
	return b;
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcasecmp(s + a - b, suf);
}

/*
 * Images become the input's real values as the common quantized vision
 * models expect them: pixels 0..255 for uint8 inputs (their quantization
 * maps that range to what the network was trained on), pixel - 128 for int8,
 * (pixel - 127.5) / 127.5 for float.
 */
static void fill_image(const char *path, const uint8_t *d, size_t n,
		       const struct enpu_tensor_info *ti, void *dst)
{
	struct image img;
	char err[256];
	if (image_decode(d, n, &img, err, sizeof(err)))
		die("%s: %s", path, err);
	int h, w, c;
	if (ti->ndim == 4 && ti->dims[0] == 1) {
		h = ti->dims[1], w = ti->dims[2], c = ti->dims[3];
	} else if (ti->ndim == 3 && ti->dims[0] == 1) {
		h = ti->dims[1], w = ti->dims[2], c = 1;
	} else {
		die("%s: the model input is not an image (shape must be [1,H,W,C] or [1,H,W])", path);
	}
	if ((c != 1 && c != 3) || h < 1 || w < 1 || h > 16384 || w > 16384)
		die("%s: the model input has %d channels; images need 1 or 3", path, c);
	float *px = malloc((size_t)h * w * 3 * sizeof(float));
	if (!px)
		die("out of memory");
	image_resize(&img, w, h, px);
	image_free(&img);
	for (size_t i = 0; i < (size_t)h * w; i++) {
		for (int k = 0; k < c; k++) {
			float v = c == 3 ? px[i * 3 + k] :
				  (px[i * 3] * 0.299f + px[i * 3 + 1] * 0.587f + px[i * 3 + 2] * 0.114f);
			long q = lrintf(v);
			q = q < 0 ? 0 : q > 255 ? 255 : q;
			size_t o = i * c + k;
			switch (ti->type) {
			case ENPU_TYPE_UINT8:
				((uint8_t *)dst)[o] = (uint8_t)q;
				break;
			case ENPU_TYPE_INT8:
				((int8_t *)dst)[o] = (int8_t)(q - 128);
				break;
			case ENPU_TYPE_FLOAT32:
				((float *)dst)[o] = ((float)q - 127.5f) / 127.5f;
				break;
			default:
				die("%s: images can feed uint8, int8 or float32 inputs, not type %d", path,
				    (int)ti->type);
			}
		}
	}
	free(px);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *cache_text(int c)
{
	switch (c) {
	case ENPU_CACHE_HIT: return "cache hit";
	case ENPU_CACHE_MISS: return "cache miss, entry written";
	case ENPU_CACHE_REPLACED: return "invalid cache entry, rewritten";
	case ENPU_CACHE_UNWRITTEN: return "cache miss, entry not written";
	default: return "no cache";
	}
}

static const char *cache_word(int c)
{
	switch (c) {
	case ENPU_CACHE_HIT: return "hit";
	case ENPU_CACHE_MISS: return "miss";
	case ENPU_CACHE_REPLACED: return "replaced";
	case ENPU_CACHE_UNWRITTEN: return "unwritten";
	default: return "off";
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, int n, double p)
{
	int k = (int)ceil(p / 100.0 * n);
	k = k < 1 ? 1 : k > n ? n : k;
	return v[k - 1];
}

static double value_at(const struct enpu_tensor_info *ti, const void *d, size_t i)
{
	switch (ti->type) {
	case ENPU_TYPE_UINT8:
		return ti->scale * (((const uint8_t *)d)[i] - ti->zero_point);
	case ENPU_TYPE_INT8:
		return ti->scale * (((const int8_t *)d)[i] - ti->zero_point);
	case ENPU_TYPE_INT16:
		return ti->scale * (((const int16_t *)d)[i] - ti->zero_point);
	case ENPU_TYPE_INT32:
		return ((const int32_t *)d)[i];
	case ENPU_TYPE_INT64:
		return (double)((const int64_t *)d)[i];
	case ENPU_TYPE_FLOAT32:
		return ((const float *)d)[i];
	default:
		return 0;
	}
}

static const char *type_name(int t)
{
	switch (t) {
	case ENPU_TYPE_UINT8: return "uint8";
	case ENPU_TYPE_INT8: return "int8";
	case ENPU_TYPE_INT16: return "int16";
	case ENPU_TYPE_INT32: return "int32";
	case ENPU_TYPE_INT64: return "int64";
	case ENPU_TYPE_FLOAT32: return "float32";
	default: return "other";
	}
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int main(int argc, char **argv)
{
	const char *model = NULL, *inputs[MAX_INPUTS], *labels_path = NULL, *dump = NULL;
	const char *backend = "cpu", *expect = NULL, *cache_dir = NULL;
	int ninputs = 0, top = 5, json = 0, threads = 0;	/* 0: all cores */
	long bench = 0;
	enum enpu_requant_mode requant = ENPU_REQUANT_TFLITE_AS_RUN;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage();
			return 0;
		}
		if (!strcmp(a, "--json")) {
			json = 1;
			continue;
		}
		if (!strcmp(a, "--no-cache")) {
			cache_dir = "";
			continue;
		}
		if (a[0] == '-' && a[1]) {
			if (i + 1 >= argc)
				die("option %s needs a value", a);
			const char *v = argv[++i];
			if (!strcmp(a, "--input")) {
				if (ninputs == MAX_INPUTS)
					die("at most %d --input options", MAX_INPUTS);
				inputs[ninputs++] = v;
			} else if (!strcmp(a, "--backend")) {
				backend = v;
			} else if (!strcmp(a, "--labels")) {
				labels_path = v;
			} else if (!strcmp(a, "--top")) {
				top = (int)parse_num(a, v, 1, 100000);
			} else if (!strcmp(a, "--dump")) {
				dump = v;
			} else if (!strcmp(a, "--expect")) {
				expect = v;
			} else if (!strcmp(a, "--cache-dir")) {
				cache_dir = v;
			} else if (!strcmp(a, "--bench")) {
				bench = parse_num(a, v, 1, 1000000);
			} else if (!strcmp(a, "--threads")) {
				threads = (int)parse_num(a, v, 1, 1024);
			} else if (!strcmp(a, "--requant")) {
				if (!strcmp(v, "tflite"))
					requant = ENPU_REQUANT_TFLITE_AS_RUN;
				else if (!strcmp(v, "gemmlowp"))
					requant = ENPU_REQUANT_GEMMLOWP;
				else if (!strcmp(v, "fp32"))
					requant = ENPU_REQUANT_FP32;
				else
					die("--requant wants tflite, gemmlowp or fp32, got '%s'", v);
			} else {
				die("unknown option %s (see --help)", a);
			}
			continue;
		}
		if (model)
			die("more than one model given ('%s' and '%s')", model, a);
		model = a;
	}
	if (!model)
		die("no model given (see --help)");
	if (strcmp(backend, "cpu") && strcmp(backend, "emu") && strcmp(backend, "accel") &&
	    strcmp(backend, "auto"))
		die("unknown backend '%s' (cpu, emu, accel, auto)", backend);

	enpu_context *ctx;
	struct enpu_context_options co = { .size = sizeof(co) };
	if (enpu_context_create(&co, &ctx))
		die("%s", enpu_last_error());
	enpu_model *m;
	if (enpu_model_load_file(ctx, model, &m))
		die("%s: %s", model, enpu_last_error());
	int nin = enpu_model_num_inputs(m), nout = enpu_model_num_outputs(m);
	if (ninputs && ninputs != nin)
		die("the model has %d inputs, %d --input given", nin, ninputs);

	enpu_interp *it;
	struct enpu_prepare_options po = { .size = sizeof(po), .backend = backend,
					   .threads = threads, .requant = requant,
					   .cache_dir = cache_dir };
	if (enpu_interp_create(m, &po, &it))
		die("%s: %s", model, enpu_last_error());

	for (int i = 0; i < ninputs; i++) {
		struct enpu_tensor_info ti = { .size = sizeof(ti) };
		void *buf;
		size_t blen, n;
		enpu_model_input_info(m, i, &ti);
		enpu_interp_input_buffer(it, i, &buf, &blen);
		uint8_t *d = read_file(inputs[i], &n);
		if (has_suffix(inputs[i], ".bin")) {
			if (n != blen)
				die("%s: %zu bytes, input %d '%s' needs %zu", inputs[i], n, i, ti.name, blen);
			memcpy(buf, d, n);
		} else {
			fill_image(inputs[i], d, n, &ti, buf);
		}
		free(d);
	}

	char **labels = NULL;
	int nlabels = 0;
	if (labels_path) {
		size_t n;
		char *t = (char *)read_file(labels_path, &n);
		t = realloc(t, n + 1);
		if (!t)
			die("out of memory");
		t[n] = 0;
		labels = calloc(n + 2, sizeof(char *));
		if (!labels)
			die("out of memory");
		for (char *p = t; *p;) {
			char *e = strchr(p, '\n');
			if (e)
				*e = 0;
			size_t l = strlen(p);
			if (l && p[l - 1] == '\r')
				p[l - 1] = 0;
			labels[nlabels++] = p;
			if (!e)
				break;
			p = e + 1;
		}
	}

	/* What every run must give, read once before running. */
	uint8_t **want = NULL;
	size_t *want_len = NULL;
	if (expect) {
		want = calloc((size_t)nout + 1, sizeof(*want));
		want_len = calloc((size_t)nout + 1, sizeof(*want_len));
		if (!want || !want_len)
			die("out of memory");
		for (int i = 0; i < nout; i++) {
			char path[4096];
			snprintf(path, sizeof(path), "%s/output%d.bin", expect, i);
			want[i] = read_file(path, &want_len[i]);
		}
	}

	double *lat = NULL;
	int runs = bench ? (int)bench : 1;
	if (bench && !(lat = malloc((size_t)runs * sizeof(double))))
		die("out of memory");
	int tty = bench && isatty(2);
	for (int r = 0; r < runs; r++) {
		double t0 = now_ms();
		if (enpu_interp_invoke(it))
			die("%s: invoke failed: %s", model, enpu_last_error());
		if (lat)
			lat[r] = now_ms() - t0;
		for (int i = 0; expect && i < nout; i++) {
			const void *d;
			size_t n, at = 0;
			enpu_interp_output(it, i, &d, &n);
			if (n != want_len[i])
				die("run %d: output %d has %zu bytes, %s/output%d.bin %zu", r + 1, i, n,
				    expect, i, want_len[i]);
			while (at < n && ((const uint8_t *)d)[at] == want[i][at])
				at++;
			if (at < n)
				die("run %d: output %d differs from %s/output%d.bin at byte %zu", r + 1, i,
				    expect, i, at);
		}
		if (tty && (r % 1 == 0)) {
			int w = 40, f = (int)((long)(r + 1) * w / runs);
			fprintf(stderr, "\r[%.*s%*s] %d/%d", f, "########################################",
				w - f, "", r + 1, runs);
			if (r + 1 == runs)
				fprintf(stderr, "\n");
		}
	}

	if (dump) {
		mkdir(dump, 0777);
		for (int i = 0; i < nout; i++) {
			const void *d;
			size_t n;
			char path[4096];
			enpu_interp_output(it, i, &d, &n);
			snprintf(path, sizeof(path), "%s/output%d.bin", dump, i);
			FILE *f = fopen(path, "wb");
			if (!f || fwrite(d, 1, n, f) != n || fclose(f))
				die("cannot write %s: %s", path, strerror(errno));
		}
	}

	struct enpu_plan_stats ps = { .size = sizeof(ps) };
	enpu_interp_plan_stats(it, &ps);
	if (json)
		printf("{\"model\":"), json_str(model),
		printf(",\"backend\":\"%s\",\"arena_bytes\":%zu,\"arena_lower_bound\":%zu,\"outputs\":[",
		       backend, ps.arena_bytes, ps.lower_bound);
	for (int i = 0; i < nout; i++) {
		struct enpu_tensor_info ti = { .size = sizeof(ti) };
		const void *d;
		size_t n;
		enpu_model_output_info(m, i, &ti);
		enpu_interp_output(it, i, &d, &n);
		size_t count = 1;
		for (int k = 0; k < ti.ndim; k++)
			count *= (size_t)ti.dims[k];
		/* Top-K over the last dimension of the first row: classifier scores. */
		size_t cls = ti.ndim ? (size_t)ti.dims[ti.ndim - 1] : count;
		int k = top < (int)cls ? top : (int)cls;
		int *best = calloc((size_t)k + 1, sizeof(int));
		if (!best)
			die("out of memory");
		for (int j = 0; j < k; j++) {
			int b = -1;
			for (size_t c = 0; c < cls; c++) {
				int used = 0;
				for (int q = 0; q < j; q++)
					used |= best[q] == (int)c;
				if (!used && (b < 0 || value_at(&ti, d, c) > value_at(&ti, d, (size_t)b)))
					b = (int)c;
			}
			best[j] = b;
		}
		if (json) {
			printf("%s{\"index\":%d,\"name\":", i ? "," : "", i);
			json_str(ti.name);
			printf(",\"type\":\"%s\",\"shape\":[", type_name(ti.type));
			for (int q = 0; q < ti.ndim; q++)
				printf("%s%d", q ? "," : "", ti.dims[q]);
			printf("],\"scale\":%.9g,\"zero_point\":%d,\"top\":[", ti.scale, ti.zero_point);
			for (int j = 0; j < k; j++) {
				printf("%s{\"class\":%d,\"score\":%.6g", j ? "," : "", best[j],
				       value_at(&ti, d, (size_t)best[j]));
				if (best[j] < nlabels) {
					printf(",\"label\":");
					json_str(labels[best[j]]);
				}
				printf("}");
			}
			printf("]}");
		} else {
			printf("output %d '%s' %s [", i, ti.name, type_name(ti.type));
			for (int q = 0; q < ti.ndim; q++)
				printf("%s%d", q ? "," : "", ti.dims[q]);
			printf("]\n");
			for (int j = 0; j < k; j++)
				printf("  %2d: class %d score %.6f%s%s\n", j + 1, best[j],
				       value_at(&ti, d, (size_t)best[j]), best[j] < nlabels ? " " : "",
				       best[j] < nlabels ? labels[best[j]] : "");
		}
		free(best);
	}
	if (json)
		printf("]");
	if (bench) {
		qsort(lat, (size_t)runs, sizeof(double), cmp_double);
		double p50 = pct(lat, runs, 50), p90 = pct(lat, runs, 90), p99 = pct(lat, runs, 99);
		/* Device time is the chip's modeled time per invoke (its timing
		 * model), shown beside the wall time the host spent. */
		struct enpu_device_stats ds = { .size = sizeof(ds) };
		enpu_interp_device_stats(it, &ds);
		double dev_ms = ds.jobs ? (double)ds.device_ns / 1e6 / runs : 0.0;
		double dev_cyc = ds.jobs ? (double)ds.cycles / runs : 0.0;
		if (json)
			printf(",\"bench\":{\"runs\":%d,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
			       "\"device_ms\":%.3f,\"device_cycles\":%.0f,\"chip_ops\":%d,\"cpu_ops\":%d,"
			       "\"cache\":\"%s\",\"compile_ms\":%.3f}",
			       runs, p50, p90, p99, dev_ms, dev_cyc, ds.chip_ops, ds.cpu_ops,
			       cache_word(ds.cache), (double)ds.compile_ns / 1e6);
		else
			printf("latency over %d runs: p50 %.3f ms, p90 %.3f ms, p99 %.3f ms (wall)\n", runs,
			       p50, p90, p99);
		if (!json && ds.jobs)
			printf("device time per run: %.3f ms (%.0f modeled cycles at %u MHz, %d ops on the "
			       "chip, %d on the CPU)\n", dev_ms, dev_cyc, ds.clock_khz / 1000, ds.chip_ops,
			       ds.cpu_ops);
		/* Chip backends: where the compiled model came from, and its cost. */
		if (!json && (ds.compile_ns || ds.cache))
			printf("compiled model: %s in %.1f ms (%s)\n",
			       ds.cache == ENPU_CACHE_HIT ? "loaded from the cache" : "compiled",
			       (double)ds.compile_ns / 1e6, cache_text(ds.cache));
	}
	if (json)
		printf("}\n");
	else
		printf("arena %zu bytes (lower bound %zu)\n", ps.arena_bytes, ps.lower_bound);
	free(lat);
	for (int i = 0; want && i < nout; i++)
		free(want[i]);
	free(want);
	free(want_len);
	enpu_interp_destroy(it);
	enpu_model_destroy(m);
	enpu_context_destroy(ctx);
	return 0;
}
