/* SPDX-License-Identifier: MIT */
/*
 * The driver backend ("accel"): the model's chip partitions run on a real
 * ENPU-1 through the kernel driver (DRM accel, uapi/drm/enpu_accel.h), the
 * rest on the CPU kernels of the interpreter, on the same memory.  Hooked
 * into the interpreter by api.c; Documentation/lib/accel.rst.
 */
#ifndef ENPU_RUNTIME_ACCEL_H
#define ENPU_RUNTIME_ACCEL_H

#include "internal.h"

struct enpu_interp;
struct enpu_device_stats;

/* The device the backend opens: ENPU_ACCEL_DEVICE, else this. */
#define ENPU_ACCEL_DEFAULT_DEVICE "/dev/accel/accel0"

/* 1 when the device opens and is an enpu device of a known uAPI ("auto"). */
ENPU_HIDDEN int enpu_accel_probe(void);
/* Opens the device before the interpreter plans its memory; sets it->accel
 * and it->arena_alloc so that the arena lives in a buffer object. */
ENPU_HIDDEN int enpu_accel_open(struct enpu_interp *it);
/* After prepare: compiles for the device (or loads the program from the
 * cache in cache_dir, the prepare option), builds the relocated streams. */
ENPU_HIDDEN int enpu_accel_attach(struct enpu_interp *it, const char *cache_dir);
/* Frees everything, the arena BO included; safe on a half-made state. */
ENPU_HIDDEN void enpu_accel_detach(struct enpu_interp *it);
ENPU_HIDDEN int enpu_accel_invoke(struct enpu_interp *it);
ENPU_HIDDEN int enpu_accel_device_stats(const struct enpu_interp *it,
					struct enpu_device_stats *st);

#endif
