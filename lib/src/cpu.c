// SPDX-License-Identifier: MIT
/*
 * Runtime dispatch.  The SIMD translation units are only ever entered
 * through the tables built here, and a table is only handed out after the
 * probe says the CPU and OS support its instructions, so an older CPU never
 * sees an instruction it lacks (on x86 and on aarch64 alike).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu.h"
#include "internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define ENPU_X86 1
#endif

#if defined(__aarch64__)
#include <sys/auxv.h>
#define ENPU_ARM64 1
/* Linux's AT_HWCAP bits, for C libraries whose headers predate them. */
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1UL << 1)
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#endif

static int has[ENPU_ISA_COUNT];
static struct enpu_kernels tables[ENPU_ISA_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *const names[ENPU_ISA_COUNT] = { "scalar", "avx2", "avx512vnni", "neon",
						   "neondot" };

#ifdef ENPU_X86
static unsigned long long xgetbv0(void)
{
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((unsigned long long)hi << 32) | lo;
}

static void probe_x86(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return;
	int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
	if (!osxsave || !avx)
		return;
	unsigned long long xcr0 = xgetbv0();
	/* The OS must save xmm+ymm (bits 1,2) for AVX, plus opmask/zmm (5,6,7) for AVX-512. */
	int os_avx = (xcr0 & 0x6) == 0x6;
	int os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
	if (__get_cpuid_max(0, NULL) < 7)
		return;
	__cpuid_count(7, 0, a, b, c, d);
	int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512bw = (b >> 30) & 1;
	int avx512vl = (b >> 31) & 1, vnni = (c >> 11) & 1;
	has[ENPU_ISA_AVX2] = os_avx && avx2 && fma;
	has[ENPU_ISA_AVX512VNNI] = has[ENPU_ISA_AVX2] && os_avx512 && avx512f && avx512bw &&
				   avx512vl && vnni;
}
#endif

#ifdef ENPU_ARM64
/*
 * AT_HWCAP is what the kernel vouches for (the CPU has it and the OS
 * enables it) and costs no trap, unlike reading ID registers from EL0.
 */
static void probe_arm64(void)
{
	unsigned long hw = getauxval(AT_HWCAP);
	has[ENPU_ISA_NEON] = (hw & HWCAP_ASIMD) != 0;
	has[ENPU_ISA_NEONDOT] = has[ENPU_ISA_NEON] && (hw & HWCAP_ASIMDDP) != 0;
}
#endif

/* Entries a SIMD table leaves NULL run the ones of the level below (base). */
static void merge(struct enpu_kernels *dst, const struct enpu_kernels *base,
		  const struct enpu_kernels *src)
{
	*dst = *base;
	dst->isa = src->isa;
#define M(f) if (src->f) dst->f = src->f
	M(conv_qu8); M(conv_qc8); M(dwconv_qu8); M(dwconv_qc8);
	M(add_qu8); M(add_qs8); M(avgpool_qu8); M(avgpool_qs8); M(maxpool_qu8); M(maxpool_qs8);
	M(conv_pack_size); M(conv_pack); M(conv_scratch); M(conv_run);
#undef M
}

static void init(void)
{
	has[ENPU_ISA_SCALAR] = 1;
	tables[ENPU_ISA_SCALAR] = enpu_kernels_scalar;
#ifdef ENPU_X86
	probe_x86();
	merge(&tables[ENPU_ISA_AVX2], &enpu_kernels_scalar, &enpu_kernels_avx2);
	merge(&tables[ENPU_ISA_AVX512VNNI], &enpu_kernels_scalar, &enpu_kernels_avx512vnni);
#endif
#ifdef ENPU_ARM64
	probe_arm64();
	/* NEON dotprod only brings its GEMM; pooling, ADD and depthwise are NEON's. */
	merge(&tables[ENPU_ISA_NEON], &enpu_kernels_scalar, &enpu_kernels_neon);
	merge(&tables[ENPU_ISA_NEONDOT], &tables[ENPU_ISA_NEON], &enpu_kernels_neondot);
#endif
}

int enpu_cpu_has(enum enpu_isa isa)
{
	pthread_once(&once, init);
	return (unsigned)isa < ENPU_ISA_COUNT && has[isa];
}

const struct enpu_kernels *enpu_kernels_for(enum enpu_isa isa)
{
	return enpu_cpu_has(isa) ? &tables[isa] : NULL;
}

const char *enpu_isa_name(enum enpu_isa isa)
{
	return (unsigned)isa < ENPU_ISA_COUNT ? names[isa] : "?";
}

/*
 * The best level the CPU has, or the one ENPU_ISA forces (for tests and
 * benchmarks).  NULL when ENPU_ISA names a level this CPU cannot run: a
 * forced level silently downgraded would make a benchmark lie.
 */
const struct enpu_kernels *enpu_kernels_select(void)
{
	const char *e = getenv("ENPU_ISA");
	if (e && *e) {
		for (int i = 0; i < ENPU_ISA_COUNT; i++)
			if (!strcmp(e, names[i]))
				return enpu_kernels_for((enum enpu_isa)i);
		return NULL;
	}
	for (int i = ENPU_ISA_COUNT - 1; i > 0; i--)
		if (enpu_cpu_has((enum enpu_isa)i))
			return &tables[i];
	return &tables[ENPU_ISA_SCALAR];
}

int enpu_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 1024 ? 1024 : (int)n;
}
