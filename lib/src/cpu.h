/* SPDX-License-Identifier: MIT */
/*
 * CPU feature detection and kernel-table dispatch.  Features are probed once
 * (x86: cpuid plus xgetbv, because a CPU can report AVX-512 while the OS
 * does not save the zmm/opmask state; aarch64: the kernel's AT_HWCAP, since
 * the ID registers are not readable from EL0 everywhere); each interpreter
 * then takes the best table the machine supports, or the one ENPU_ISA names.
 */
#ifndef ENPU_CPU_H
#define ENPU_CPU_H

#include "kernels.h"

/*
 * Ordered by preference within an architecture: the default is the highest
 * level present, and x86 and Arm levels are never present together.
 */
enum enpu_isa {
	ENPU_ISA_SCALAR = 0,
	ENPU_ISA_AVX2,
	ENPU_ISA_AVX512VNNI,
	ENPU_ISA_NEON,
	ENPU_ISA_NEONDOT,
	ENPU_ISA_COUNT
};

/*
 * The Arm tables: only cpu.c and the NEON dotprod unit (which hands
 * depthwise on to the NEON one) name them.  Partial like the x86 ones.
 */
ENPU_HIDDEN extern const struct enpu_kernels enpu_kernels_neon;
ENPU_HIDDEN extern const struct enpu_kernels enpu_kernels_neondot;

/* Nonzero when this CPU (and OS) can run kernels of that level. */
ENPU_HIDDEN int enpu_cpu_has(enum enpu_isa isa);
/* The table of one level, or NULL when the CPU cannot run it. */
ENPU_HIDDEN const struct enpu_kernels *enpu_kernels_for(enum enpu_isa isa);
ENPU_HIDDEN const char *enpu_isa_name(enum enpu_isa isa);
/* Number of online CPUs (at least 1). */
ENPU_HIDDEN int enpu_cpu_count(void);

#endif
