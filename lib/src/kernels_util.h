/* SPDX-License-Identifier: MIT */
/*
 * Small helpers every SIMD kernel unit uses for packing and scratch
 * layout.  Static inline: each ISA unit keeps its own copy, compiled with
 * its own flags, so nothing here can leak an instruction into a unit
 * whose CPU lacks it.
 */
#ifndef ENPU_KERNELS_UTIL_H
#define ENPU_KERNELS_UTIL_H

#include <stddef.h>
#include <stdint.h>

static inline size_t rup(size_t x, size_t a)
{
	return (x + a - 1) / a * a;
}

static inline void *align64(const void *p)
{
	return (void *)(((uintptr_t)p + 63) & ~(uintptr_t)63);
}

/* Wrapping int32 arithmetic is done in uint32_t: signed overflow is undefined. */
static inline uint32_t u32(int32_t x)
{
	return (uint32_t)x;
}

#endif
