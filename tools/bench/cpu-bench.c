// SPDX-License-Identifier: MIT
/*
 * CPU kernel benchmark (make bench; never in make check): a vpdpbusd peak
 * probe, then single-thread time of every kernel level on the convolution
 * shapes of MobileNet v2 (224, uint8) with each kernel's share of the peak
 * (the VNNI level is the one the 70% target is about).  Medians of 7.
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu.h"
#include "kernels.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* 12 independent accumulators: enough to cover vpdpbusd latency on current cores. */
__attribute__((target("avx512f,avx512vnni"), noinline)) static double vnni_peak_gmacs(void)
{
	double best[7];
	for (int rep = 0; rep < 7; rep++) {
		__m512i a[12];
		for (int i = 0; i < 12; i++)
			a[i] = _mm512_set1_epi32(i);
		__m512i x = _mm512_set1_epi32(0x01010101), y = _mm512_set1_epi32(0x02020202);
		long iters = 2000000;
		double t0 = now();
		for (long i = 0; i < iters; i++) {
			for (int j = 0; j < 12; j++)
				a[j] = _mm512_dpbusd_epi32(a[j], x, y);
			__asm__ volatile("" : "+v"(x));
		}
		double t = now() - t0;
		__m512i s = a[0];
		for (int j = 1; j < 12; j++)
			s = _mm512_add_epi32(s, a[j]);
		volatile int sink = _mm512_reduce_add_epi32(s);
		(void)sink;
		best[rep] = (double)iters * 12 * 64 / t / 1e9;
	}
	qsort(best, 7, sizeof(double), cmpd);
	return best[3];
}

struct layer {
	const char *name;
	int hw, ic, oc, f, s, dw;
};

/* MobileNet v2 1.0 224: first conv, depthwise and pointwise shapes (one of each repeat). */
static const struct layer layers[] = {
	{ "conv 3x3/2 3->32", 224, 3, 32, 3, 2, 0 },
	{ "dw 3x3 112x112x32", 112, 32, 32, 3, 1, 1 },
	{ "pw 112x112 32->16", 112, 32, 16, 1, 1, 0 },
	{ "pw 112x112 16->96", 112, 16, 96, 1, 1, 0 },
	{ "dw 3x3/2 112x112x96", 112, 96, 96, 3, 2, 1 },
	{ "pw 56x56 96->24", 56, 96, 24, 1, 1, 0 },
	{ "pw 56x56 24->144", 56, 24, 144, 1, 1, 0 },
	{ "dw 3x3 56x56x144", 56, 144, 144, 3, 1, 1 },
	{ "pw 56x56 144->24", 56, 144, 24, 1, 1, 0 },
	{ "pw 28x28 144->32", 28, 144, 32, 1, 1, 0 },
	{ "pw 28x28 32->192", 28, 32, 192, 1, 1, 0 },
	{ "pw 28x28 192->32", 28, 192, 32, 1, 1, 0 },
	{ "pw 14x14 192->64", 14, 192, 64, 1, 1, 0 },
	{ "pw 14x14 64->384", 14, 64, 384, 1, 1, 0 },
	{ "dw 3x3 14x14x384", 14, 384, 384, 3, 1, 1 },
	{ "pw 14x14 384->64", 14, 384, 64, 1, 1, 0 },
	{ "pw 14x14 384->96", 14, 384, 96, 1, 1, 0 },
	{ "pw 14x14 96->576", 14, 96, 576, 1, 1, 0 },
	{ "pw 14x14 576->96", 14, 576, 96, 1, 1, 0 },
	{ "pw 7x7 576->160", 7, 576, 160, 1, 1, 0 },
	{ "pw 7x7 160->960", 7, 160, 960, 1, 1, 0 },
	{ "pw 7x7 960->160", 7, 960, 160, 1, 1, 0 },
	{ "pw 7x7 960->320", 7, 960, 320, 1, 1, 0 },
	{ "pw 7x7 320->1280", 7, 320, 1280, 1, 1, 0 },
};

static double time_layer(const struct enpu_kernels *k, const struct layer *l, double *gmacs)
{
	struct enpu_conv_params p = { 0 };
	p.n = 1;
	p.ih = p.iw = l->hw;
	p.ic = l->ic;
	p.oc = l->oc;
	p.fh = p.fw = l->f;
	p.sh = p.sw = l->s;
	p.dh = p.dw = 1;
	p.depth_mult = 1;
	p.oh = p.ow = (l->hw + l->s - 1) / l->s;
	int tot = (p.oh - 1) * l->s + l->f - l->hw;
	p.pad_t = p.pad_l = tot > 0 ? tot / 2 : 0;
	p.in_zp = 128;
	p.w_zp = 120;
	size_t in_n = (size_t)l->hw * l->hw * l->ic, M = (size_t)p.oh * p.ow;
	size_t w_n = l->dw ? (size_t)l->f * l->f * l->oc : (size_t)l->oc * l->f * l->f * l->ic;
	uint8_t *in = malloc(in_n), *w = malloc(w_n), *out = malloc(M * l->oc);
	int32_t *bias = malloc(4 * (size_t)l->oc);
	float *scale = malloc(4 * (size_t)l->oc);
	for (size_t i = 0; i < in_n; i++)
		in[i] = (uint8_t)(i * 2654435761u >> 24);
	for (size_t i = 0; i < w_n; i++)
		w[i] = (uint8_t)(i * 40503u >> 7);
	for (int i = 0; i < l->oc; i++) {
		bias[i] = i * 37 - 500;
		scale[i] = 0.0007f;
	}
	p.bias = bias;
	p.rq.mode = RQ_FP32;
	p.rq.scale = scale;
	p.rq.out_zp = 3;
	p.rq.act_min = 3;
	p.rq.act_max = 255;
	double macs = (double)M * l->oc * l->f * l->f * (l->dw ? 1 : l->ic);
	double ts[7];
	size_t psz = k->conv_pack_size ? k->conv_pack_size(&p, 1, l->dw) : 0;
	void *packed = psz ? malloc(psz) : NULL;
	void *scr = psz ? aligned_alloc(64, (k->conv_scratch(&p, 1, l->dw) + 63) / 64 * 64) : NULL;
	if (psz)
		k->conv_pack(&p, 1, l->dw, w, packed);
	int reps = 1;
	for (int r = 0; r < 7; r++) {
		double t0 = now();
		for (int i = 0; i < reps; i++) {
			if (psz)
				k->conv_run(&p, 1, l->dw, packed, in, out, 0, M, 0, l->oc, scr);
			else if (l->dw)
				k->dwconv_qu8(&p, in, w, out);
			else
				k->conv_qu8(&p, in, w, out);
		}
		ts[r] = (now() - t0) / reps;
		if (r == 0)	/* aim at ~20 ms per sample */
			reps = ts[0] > 0.02 ? 1 : (int)(0.02 / (ts[0] + 1e-9)) + 1;
	}
	qsort(ts, 7, sizeof(double), cmpd);
	*gmacs = macs / ts[3] / 1e9;
	free(in); free(w); free(out); free(bias); free(scale); free(packed); free(scr);
	return ts[3] * 1e3;
}

int main(int argc, char **argv)
{
	int with_scalar = argc > 1 && !strcmp(argv[1], "--scalar");
	double peak = enpu_cpu_has(ENPU_ISA_AVX512VNNI) ? vnni_peak_gmacs() : 0;
	printf("vpdpbusd peak (1 core, 12 zmm chains): %.1f GMAC/s\n\n", peak);
	printf("%-22s", "layer (uint8)");
	int first = with_scalar ? 0 : 1;
	for (int isa = first; isa < ENPU_ISA_COUNT; isa++)
		if (enpu_cpu_has((enum enpu_isa)isa))
			printf(" %12s ms  GMAC/s", enpu_isa_name((enum enpu_isa)isa));
	printf("  %%peak(vnni)\n");
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++) {
		printf("%-22s", layers[i].name);
		double last = 0;
		for (int isa = first; isa < ENPU_ISA_COUNT; isa++) {
			const struct enpu_kernels *k = enpu_kernels_for((enum enpu_isa)isa);
			if (!k)
				continue;
			double g, ms = time_layer(k, &layers[i], &g);
			printf(" %15.3f %7.1f", ms, g);
			last = g;
		}
		printf("  %5.1f%%\n", peak > 0 ? 100 * last / peak : 0);
	}
	return 0;
}
