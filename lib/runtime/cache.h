/* SPDX-License-Identifier: MIT */
/*
 * The compiled-model cache shared by the chip backends ("emu", "accel"):
 * a program compiled for one model, one chip/firmware and one set of
 * compiler options is kept on disk and loaded instead of compiling again.
 * Documentation/lib/compiler.rst, "Compiled-model cache", has the key, the
 * file format and the rules; the short version:
 *  - the key is everything the compiler's output depends on, so an entry
 *    is never used for another model, firmware, option or library build;
 *  - an entry is used only when it passes every check (its own SHA-256,
 *    the full key, the program's header, the program's shape against the
 *    model); anything else is a miss, recompiled and overwritten;
 *  - no cache problem is ever an error: the caller gets a compiled
 *    program either way, and the reason goes to the log at INFO/DEBUG.
 */
#ifndef ENPU_RUNTIME_CACHE_H
#define ENPU_RUNTIME_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct enpu_interp;
struct cp_options;
struct cp_prog;

#define ENPU_SHA256_BYTES 32

/* SHA-256 (FIPS 180-4); the SHA-NI instructions when the CPU has them. */
ENPU_HIDDEN void enpu_sha256(const void *data, size_t len, uint8_t out[ENPU_SHA256_BYTES]);
/* The portable code alone, for the tests to check the fast path against. */
ENPU_HIDDEN void enpu_sha256_portable(const void *data, size_t len,
				      uint8_t out[ENPU_SHA256_BYTES]);

/* XXH64 with seed 0 (the entries' checksum), for the tests. */
ENPU_HIDDEN uint64_t enpu_xxh64(const void *data, size_t len);

/* Who the program is for, as the device reports it. */
enum { ENPU_CACHE_TARGET_EMU = 1, ENPU_CACHE_TARGET_ACCEL = 2 };

struct enpu_cache_target {
	uint32_t kind;		/* ENPU_CACHE_TARGET_* */
	uint32_t chip_id, chip_rev;
	uint32_t fw_version;	/* major << 16 | minor << 8 | patch */
	uint32_t fw_caps;	/* FW_CAPS as reported, before any masking */
};

/* What happened, for enpu_interp_device_stats(). */
struct enpu_cache_info {
	int result;		/* enum enpu_cache_result */
	uint64_t ns;		/* compiling, or loading from the cache */
};

/*
 * Gives the program for it->m compiled with *o for tg: from the cache when
 * a valid entry exists, else compiled (and stored when the cache is
 * usable).  dir is the prepare option (NULL: the environment decides, "":
 * no cache).  Sets o->model_hash.  Returns 0 or cp_compile's error; the
 * cache itself never fails the call.
 */
ENPU_HIDDEN int enpu_cache_compile(const struct enpu_interp *it, const char *dir,
				   const struct enpu_cache_target *tg, struct cp_options *o,
				   struct cp_prog **out, struct enpu_cache_info *info);

#endif
