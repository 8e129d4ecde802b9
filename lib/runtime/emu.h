/* SPDX-License-Identifier: MIT */
/* The in-process chip backend ("emu"), hooked into the interpreter by api.c. */
#ifndef ENPU_RUNTIME_EMU_H
#define ENPU_RUNTIME_EMU_H

#include "internal.h"

struct enpu_interp;

/* Compiles the prepared interpreter's model for the chip (or loads it from
 * the cache in cache_dir, the prepare option); sets it->dev. */
ENPU_HIDDEN int enpu_emu_attach(struct enpu_interp *it, const char *cache_dir);
ENPU_HIDDEN void enpu_emu_detach(struct enpu_interp *it);
/* Runs chip partitions on the chip model and the rest on the CPU. */
ENPU_HIDDEN int enpu_emu_invoke(struct enpu_interp *it);

#endif
