// SPDX-License-Identifier: MIT
/*
 * enpu-threads: how much a second thread (or more) speeds up one model on
 * the CPU backend, measured so that a shared machine's load cannot decide
 * the answer (make bench; never in make check).
 *
 *   enpu-threads MODEL [--threads N] [--rounds R] [--burst B] [--input FILE.bin]
 *
 * Two interpreters of the same model live in one process: one with one
 * thread, one with N (default 2).  Each round runs a burst of B (default
 * 4) back-to-back invokes of each, in alternating order.  A burst of load
 * from elsewhere usually lasts longer than one round, so it slows both
 * configurations of the round; the ratio of the two times within a round
 * cancels it, where a ratio of medians taken at different moments
 * (separate processes) does not.
 *
 * The first invoke of a burst is not the steady state: the pool's workers
 * have gone to sleep while the other configuration and the probe ran, and
 * the other configuration's invokes pulled the caches to the caller's
 * core.  Waking a sleeping virtual CPU is the hypervisor's business and
 * takes far longer than on bare metal.  So a round's time is the median of
 * the burst's later invokes (what back-to-back inference, and enpu-run
 * --bench, sees), and the first invokes are reported separately.  The tool
 * reports:
 *
 *  - per configuration: min, p10 and p50 latency over the rounds;
 *  - the speedup as the median of the per-round ratios, as p10-to-p10 (what
 *    tools/bench/cpu.sh judges) and as min-to-min; and the same for the
 *    bursts' first invokes;
 *  - the steal time the hypervisor reported during the run (/proc/stat):
 *    CPU time taken from this virtual machine by other guests, which no
 *    statistic can remove when it is large;
 *  - what the machine itself gave a second thread in each round: a probe
 *    of pure vector arithmetic (vpdpbusd where the CPU has it, no memory,
 *    no synchronization inside) runs on one thread, then on N threads at
 *    once, each doing the one thread's work.  Its speedup, N x t1 / tN, is
 *    N on dedicated cores and less where the virtual CPUs share physical
 *    cores (SMT siblings) or the host gives them to other guests, which
 *    steal time does not show.  The model's speedup is then also reported
 *    over the rounds in which the probe saw at least 95% of N: the rounds
 *    in which the hardware actually offered N cores.
 *
 * Both interpreters must produce the same output bytes on every round.
 * Lines starting "RESULT" are for tools/bench/cpu.sh.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <enpu/enpu.h>

#include "bench-util.h"

static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("enpu-threads: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Nearest-rank percentile of a sorted array. */
static double pct(const double *v, int n, int p)
{
	int i = (p * n + 99) / 100 - 1;
	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

/* Total and steal jiffies over all CPUs, from the first line of /proc/stat. */
static int cpu_jiffies(unsigned long long *total, unsigned long long *steal)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		       &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	*total = 0;
	for (int i = 0; i < 8; i++)
		*total += v[i];
	*steal = v[7];
	return 0;
}

static long parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || errno || *end || v < lo || v > hi)
		die("%s needs a number from %ld to %ld", opt, lo, hi);
	return v;
}

/*
 * The probe: 16 independent vpdpbusd chains (the CPU's peak, as in
 * cpu-bench), or a scalar multiply chain set on CPUs without VNNI.
 */
#if defined(__x86_64__)
#define DPB(r) "vpdpbusd %%zmm17, %%zmm16, %%zmm" #r "\n\t"
__attribute__((target("avx512f,avx512vnni"), noinline)) static void probe_vnni(long iters)
{
	__asm__ volatile("vpternlogd $0xff, %%zmm16, %%zmm16, %%zmm16\n\t"
			 "vpternlogd $0xff, %%zmm17, %%zmm17, %%zmm17\n\t"
			 "1:\n\t"
			 DPB(0) DPB(1) DPB(2) DPB(3) DPB(4) DPB(5) DPB(6) DPB(7)
			 DPB(8) DPB(9) DPB(10) DPB(11) DPB(12) DPB(13) DPB(14) DPB(15)
			 "dec %0\n\t"
			 "jnz 1b\n\t"
			 "vzeroupper\n\t"
			 : "+r"(iters)
			 :
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
			   "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
			   "xmm16", "xmm17", "cc");
}
#endif

static volatile uint64_t probe_sink;

static void probe_scalar(long iters)
{
	uint64_t a = 1, b = 2, c = 3, d = 4;
	for (long i = 0; i < iters * 16; i++) {
		a = a * 6364136223846793005u + 1;
		b = b * 6364136223846793005u + 3;
		c = c * 6364136223846793005u + 5;
		d = d * 6364136223846793005u + 7;
	}
	probe_sink = a ^ b ^ c ^ d;
}

static int have_vnni;

static void probe(long iters)
{
#if defined(__x86_64__)
	if (have_vnni) {
		probe_vnni(iters);
		return;
	}
#endif
	probe_scalar(iters);
}

struct prober {
	pthread_barrier_t start, end;
	long iters;
	int quit;
	double ms[1024];	/* each thread's own time for its share, [0] = caller */
};

struct prober_arg {
	struct prober *pr;
	int idx;
};

static void *prober_main(void *arg)
{
	struct prober_arg *pa = arg;
	struct prober *pr = pa->pr;
	for (;;) {
		pthread_barrier_wait(&pr->start);
		if (pr->quit)
			return NULL;
		double t0 = bench_now_ms();
		probe(pr->iters);
		pr->ms[pa->idx] = bench_now_ms() - t0;
		pthread_barrier_wait(&pr->end);
	}
}

/* The probe on all n threads at once; returns the slowest thread's time. */
static double probe_parallel(struct prober *pr, int n)
{
	pthread_barrier_wait(&pr->start);
	double t0 = bench_now_ms();
	probe(pr->iters);
	pr->ms[0] = bench_now_ms() - t0;
	pthread_barrier_wait(&pr->end);
	double worst = 0;
	for (int i = 0; i < n; i++)
		worst = pr->ms[i] > worst ? pr->ms[i] : worst;
	return worst;
}

struct config {
	int threads;
	enpu_interp *it;
	double *ms;	/* per round: the median of the burst's invokes after the first */
	double *first;	/* per round: the burst's first invoke */
};

static double invoke(struct config *c, const void *in, size_t in_len)
{
	if (enpu_interp_set_input(c->it, 0, in, in_len))
		die("set input: %s", enpu_last_error());
	double t0 = bench_now_ms();
	if (enpu_interp_invoke(c->it))
		die("invoke (%d thread(s)): %s", c->threads, enpu_last_error());
	return bench_now_ms() - t0;
}

/* One burst of b invokes; round < 0 only warms up. */
static void burst(struct config *c, int round, int b, const void *in, size_t in_len)
{
	double t[64];
	for (int i = 0; i < b; i++)
		t[i] = invoke(c, in, in_len);
	if (round < 0)
		return;
	qsort(t + 1, (size_t)b - 1, sizeof(double), bench_cmp_double);
	c->first[round] = t[0];
	c->ms[round] = t[1 + (b - 1) / 2];
}

int main(int argc, char **argv)
{
	const char *model = NULL, *input = NULL;
	int threads = 2, rounds = 300, bursts = 4;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--threads")) {
			threads = (int)parse_num(a, v, 2, 1024);
			i++;
		} else if (!strcmp(a, "--rounds")) {
			rounds = (int)parse_num(a, v, 10, 1000000);
			i++;
		} else if (!strcmp(a, "--burst")) {
			bursts = (int)parse_num(a, v, 2, 64);
			i++;
		} else if (!strcmp(a, "--input")) {
			if (!v)
				die("--input needs a file");
			input = v;
			i++;
		} else if (a[0] == '-' || model) {
			die("usage: enpu-threads MODEL [--threads N] [--rounds R] [--burst B] "
			    "[--input FILE.bin]");
		} else {
			model = a;
		}
	}
	if (!model)
		die("usage: enpu-threads MODEL [--threads N] [--rounds R] [--burst B] "
		    "[--input FILE.bin]");

	enpu_context *ctx;
	struct enpu_context_options co = { .size = sizeof(co) };
	if (enpu_context_create(&co, &ctx))
		die("%s", enpu_last_error());
	enpu_model *m;
	if (enpu_model_load_file(ctx, model, &m))
		die("%s: %s", model, enpu_last_error());
	if (enpu_model_num_inputs(m) != 1 || enpu_model_num_outputs(m) < 1)
		die("%s: one input and at least one output expected", model);

	struct config cfg[2] = { { .threads = 1 }, { .threads = threads } };
	for (int c = 0; c < 2; c++) {
		struct enpu_prepare_options po = { .size = sizeof(po), .backend = "cpu",
						   .threads = cfg[c].threads };
		if (enpu_interp_create(m, &po, &cfg[c].it))
			die("%s: %s", model, enpu_last_error());
		cfg[c].ms = calloc((size_t)rounds, sizeof(double));
		cfg[c].first = calloc((size_t)rounds, sizeof(double));
		if (!cfg[c].ms || !cfg[c].first)
			die("out of memory");
	}

	struct enpu_tensor_info ti = { .size = sizeof(ti) };
	if (enpu_model_input_info(m, 0, &ti))
		die("%s: %s", model, enpu_last_error());
	uint8_t *in = malloc(ti.bytes);
	if (!in)
		die("out of memory");
	if (input) {
		FILE *f = fopen(input, "rb");
		if (!f)
			die("%s: %s", input, strerror(errno));
		size_t n = fread(in, 1, ti.bytes, f);
		int extra = fgetc(f) != EOF;
		fclose(f);
		if (n != ti.bytes || extra)
			die("%s: the model's input is %zu bytes", input, ti.bytes);
	} else {
		/* Any bytes do: the kernels' time does not depend on the values. */
		uint32_t x = 2463534242u;
		for (size_t i = 0; i < ti.bytes; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			in[i] = (uint8_t)x;
		}
	}

#if defined(__x86_64__)
	__builtin_cpu_init();
	have_vnni = __builtin_cpu_supports("avx512vnni");
#endif
	/* Probe threads, and a probe length of about 1 ms. */
	static struct prober pr;
	pthread_t ptid[1024];
	struct prober_arg pa[1024];
	if (pthread_barrier_init(&pr.start, NULL, (unsigned)threads) ||
	    pthread_barrier_init(&pr.end, NULL, (unsigned)threads))
		die("pthread_barrier_init failed");
	for (int i = 1; i < threads; i++) {
		pa[i] = (struct prober_arg){ .pr = &pr, .idx = i };
		if (pthread_create(&ptid[i], NULL, prober_main, &pa[i]))
			die("pthread_create failed");
	}
	pr.iters = 1000;
	for (;;) {
		double best = 1e9;
		for (int i = 0; i < 5; i++) {
			double t0 = bench_now_ms();
			probe(pr.iters);
			double t = bench_now_ms() - t0;
			best = t < best ? t : best;
		}
		if (best >= 0.5 || pr.iters > (1L << 40))
			break;
		pr.iters *= 2;
	}

	/* Warm-up: first-touch of the arenas, the pool's threads, the caches. */
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 2; c++)
			burst(&cfg[c], -1, bursts, in, ti.bytes);

	unsigned long long tot0 = 0, st0 = 0, tot1 = 0, st1 = 0;
	int have_steal = !cpu_jiffies(&tot0, &st0);
	double *ratio = calloc((size_t)rounds, sizeof(double));
	double *machine = calloc((size_t)rounds, sizeof(double));
	double *quiet = calloc((size_t)rounds, sizeof(double));
	double *fratio = calloc((size_t)rounds, sizeof(double));
	if (!ratio || !machine || !quiet || !fratio)
		die("out of memory");
	int nquiet = 0;
	for (int r = 0; r < rounds; r++) {
		/* Alternate who goes first: neither always runs on a cache the other warmed. */
		int first = r & 1;
		burst(&cfg[first], r, bursts, in, ti.bytes);
		burst(&cfg[!first], r, bursts, in, ti.bytes);
		ratio[r] = cfg[0].ms[r] / cfg[1].ms[r];
		fratio[r] = cfg[0].first[r] / cfg[1].first[r];
		double t0 = bench_now_ms();
		probe(pr.iters);
		double p1 = bench_now_ms() - t0;
		machine[r] = threads * p1 / probe_parallel(&pr, threads);
		if (machine[r] >= 0.95 * threads)
			quiet[nquiet++] = ratio[r];
		const void *o0, *o1;
		size_t l0, l1;
		if (enpu_interp_output(cfg[0].it, 0, &o0, &l0) ||
		    enpu_interp_output(cfg[1].it, 0, &o1, &l1))
			die("output: %s", enpu_last_error());
		if (l0 != l1 || memcmp(o0, o1, l0))
			die("round %d: 1 and %d threads gave different outputs", r, threads);
	}
	have_steal = have_steal && !cpu_jiffies(&tot1, &st1) && tot1 > tot0;

	printf("%s, CPU backend, %d rounds (each: a burst of %d invokes per configuration, "
	       "order alternating; a round's time is the median of the burst after its first)\n",
	       model, rounds, bursts);
	double q[2][3], fq[2];
	for (int c = 0; c < 2; c++) {
		qsort(cfg[c].ms, (size_t)rounds, sizeof(double), bench_cmp_double);
		qsort(cfg[c].first, (size_t)rounds, sizeof(double), bench_cmp_double);
		q[c][0] = cfg[c].ms[0];
		q[c][1] = pct(cfg[c].ms, rounds, 10);
		q[c][2] = pct(cfg[c].ms, rounds, 50);
		fq[c] = pct(cfg[c].first, rounds, 10);
		printf("  %2d thread(s): min %.3f ms, p10 %.3f ms, p50 %.3f ms; "
		       "first of a burst: p10 %.3f ms, p50 %.3f ms\n", cfg[c].threads,
		       q[c][0], q[c][1], q[c][2], fq[c], pct(cfg[c].first, rounds, 50));
	}
	qsort(ratio, (size_t)rounds, sizeof(double), bench_cmp_double);
	double med = pct(ratio, rounds, 50);
	printf("  speedup with %d threads: median of per-round ratios %.2fx "
	       "(p25 %.2fx, p75 %.2fx); p10/p10 %.2fx; min/min %.2fx\n",
	       threads, med, pct(ratio, rounds, 25), pct(ratio, rounds, 75), q[0][1] / q[1][1],
	       q[0][0] / q[1][0]);
	qsort(fratio, (size_t)rounds, sizeof(double), bench_cmp_double);
	printf("  first invoke of a burst (workers asleep, caches elsewhere): median of per-round "
	       "ratios %.2fx; p10/p10 %.2fx\n", pct(fratio, rounds, 50), fq[0] / fq[1]);
	qsort(machine, (size_t)rounds, sizeof(double), bench_cmp_double);
	printf("  the machine's own speedup on %d threads (%s probe): median %.2fx "
	       "(p25 %.2fx, p75 %.2fx)\n", threads, have_vnni ? "vpdpbusd" : "scalar",
	       pct(machine, rounds, 50), pct(machine, rounds, 25), pct(machine, rounds, 75));
	double qmed = 0;
	if (nquiet) {
		qsort(quiet, (size_t)nquiet, sizeof(double), bench_cmp_double);
		qmed = pct(quiet, nquiet, 50);
		printf("  rounds in which the probe reached %.2fx or more: %d of %d; "
		       "model speedup in them: median %.2fx\n", 0.95 * threads, nquiet, rounds, qmed);
	} else {
		printf("  rounds in which the probe reached %.2fx or more: none\n", 0.95 * threads);
	}
	printf("  outputs: identical on every round\n");
	if (have_steal)
		printf("  steal time during the run: %.1f%% of all CPU time\n",
		       100.0 * (double)(st1 - st0) / (double)(tot1 - tot0));
	else
		printf("  steal time during the run: not available\n");
	printf("RESULT thread_speedup %.4f\n", med);
	printf("RESULT thread_speedup_p10 %.4f\n", q[0][1] / q[1][1]);
	printf("RESULT machine_speedup %.4f\n", pct(machine, rounds, 50));
	printf("RESULT quiet_rounds %d\n", nquiet);
	if (nquiet)
		printf("RESULT quiet_speedup %.4f\n", qmed);
	printf("RESULT first_speedup_p10 %.4f\n", fq[0] / fq[1]);
	printf("RESULT t1_p50_ms %.4f\n", q[0][2]);
	printf("RESULT tn_p50_ms %.4f\n", q[1][2]);
	if (have_steal)
		printf("RESULT steal_pct %.2f\n",
		       100.0 * (double)(st1 - st0) / (double)(tot1 - tot0));

	pr.quit = 1;
	pthread_barrier_wait(&pr.start);
	for (int i = 1; i < threads; i++)
		pthread_join(ptid[i], NULL);
	pthread_barrier_destroy(&pr.start);
	pthread_barrier_destroy(&pr.end);
	free(ratio);
	free(machine);
	free(quiet);
	free(fratio);
	free(in);
	for (int c = 0; c < 2; c++) {
		enpu_interp_destroy(cfg[c].it);
		free(cfg[c].ms);
		free(cfg[c].first);
	}
	enpu_model_destroy(m);
	enpu_context_destroy(ctx);
	return 0;
}
