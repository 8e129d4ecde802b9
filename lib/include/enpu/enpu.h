/* SPDX-License-Identifier: MIT */
/*
 * libenpu: load quantized TFLite models, check them, and run them on a
 * backend: "cpu" (bit-exact reference kernels), "emu" (the ops the ENPU-1
 * does exactly run as command streams on its in-process model, the rest on
 * the CPU; same bytes as "cpu"), "accel" (the same partitions on a real
 * ENPU-1 through the kernel driver, /dev/accel/accel0 or $ENPU_ACCEL_DEVICE;
 * same bytes as "cpu") and "auto" ("accel" if an enpu device opens, else "cpu").
 *
 * Conventions:
 *  - Every object is opaque and owned by the caller who created it.
 *  - Every function that can fail returns 0 or a negative errno; the error
 *    text for the last failure of an object is in enpu_*_last_error(), and
 *    enpu_strerror() turns any return value into a fixed string.
 *  - Options structs start with their size: set it to sizeof(the struct) so
 *    that an older caller keeps working after fields are appended.
 *  - The library never prints: messages go to the context's log callback.
 *  - "emu" and "accel" keep compiled models in an on-disk cache
 *    (enpu_prepare_options.cache_dir, $ENPU_CACHE_DIR): a cache problem is
 *    never an error, only a compile.
 *
 * Thread safety: an enpu_context may be shared by threads that create
 * models from it.  An enpu_model is read-only after loading and may be shared
 * by any number of interpreters on any threads.  An enpu_interp must be used
 * by one thread at a time (calls on the same interpreter need the caller's
 * lock); different interpreters are independent.
 */
#ifndef ENPU_ENPU_H
#define ENPU_ENPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(ENPU_BUILDING_LIB)
#define ENPU_API __attribute__((visibility("default")))
#else
#define ENPU_API
#endif

#define ENPU_VERSION_MAJOR 0
#define ENPU_VERSION_MINOR 1

#define ENPU_MAX_DIMS 6

typedef struct enpu_context enpu_context;
typedef struct enpu_model enpu_model;
typedef struct enpu_interp enpu_interp;

/* Element types: the numbering follows TFLite's TensorType on purpose. */
enum enpu_type {
	ENPU_TYPE_FLOAT32 = 0,
	ENPU_TYPE_FLOAT16 = 1,
	ENPU_TYPE_INT32 = 2,
	ENPU_TYPE_UINT8 = 3,
	ENPU_TYPE_INT64 = 4,
	ENPU_TYPE_BOOL = 6,
	ENPU_TYPE_INT16 = 7,
	ENPU_TYPE_INT8 = 9,
};

enum enpu_log_level {
	ENPU_LOG_ERROR = 0,
	ENPU_LOG_WARN = 1,
	ENPU_LOG_INFO = 2,
	ENPU_LOG_DEBUG = 3,
};

typedef void (*enpu_log_fn)(void *user, enum enpu_log_level level, const char *msg);

struct enpu_context_options {
	size_t size;		/* sizeof(struct enpu_context_options) */
	enpu_log_fn log;	/* NULL: messages are dropped */
	void *log_user;
	enum enpu_log_level log_level;	/* highest level passed to log */
};

/*
 * How the CPU backend rounds a requantization (accumulator * real scale).
 * TFLITE_AS_RUN, the default, reproduces TFLite as its default build runs
 * (XNNPACK for the ops it takes, the reference kernels for the rest); see
 * Documentation/lib/cpu-reference.rst for which op uses which rule.
 */
enum enpu_requant_mode {
	ENPU_REQUANT_TFLITE_AS_RUN = 0,
	ENPU_REQUANT_GEMMLOWP = 1,	/* fixed-point multiplier everywhere */
	ENPU_REQUANT_FP32 = 2,		/* float scale, round to nearest even */
};

struct enpu_prepare_options {
	size_t size;		/* sizeof(struct enpu_prepare_options) */
	const char *backend;	/* "cpu" (NULL = "cpu"), "emu", "accel", "auto" */
	int threads;		/* CPU backend threads; 0: every online CPU */
	enum enpu_requant_mode requant;
	size_t max_memory;	/* bytes the interpreter may allocate; 0 = no limit */
	/*
	 * Compiled-model cache of the chip backends ("emu", "accel"): NULL uses
	 * $ENPU_CACHE_DIR, else $XDG_CACHE_HOME/enpu, else $HOME/.cache/enpu;
	 * "" disables it.  Documentation/lib/compiler.rst, "Compiled-model cache".
	 */
	const char *cache_dir;
};

struct enpu_tensor_info {
	size_t size;		/* sizeof(struct enpu_tensor_info), set by caller */
	const char *name;	/* owned by the model */
	enum enpu_type type;
	int ndim;
	int32_t dims[ENPU_MAX_DIMS];
	size_t bytes;
	float scale;		/* first (or only) scale; 0 when not quantized */
	int32_t zero_point;
	int nscales;		/* > 1 for per-channel (rare on activations) */
};

struct enpu_plan_stats {
	size_t size;		/* sizeof(struct enpu_plan_stats) */
	size_t arena_bytes;	/* size of the single activation arena */
	size_t lower_bound;	/* bytes of the largest set of tensors alive at once */
	int nops;
	int ntensors;
};

ENPU_API const char *enpu_strerror(int err);
ENPU_API const char *enpu_version(void);

ENPU_API int enpu_context_create(const struct enpu_context_options *opts, enpu_context **out);
ENPU_API void enpu_context_destroy(enpu_context *ctx);
/* The text of the last error raised through this context (thread-local). */
ENPU_API const char *enpu_last_error(void);

/* Both copy what they need: the caller may free data after the call. */
ENPU_API int enpu_model_load_file(enpu_context *ctx, const char *path, enpu_model **out);
ENPU_API int enpu_model_load_memory(enpu_context *ctx, const void *data, size_t len,
				    enpu_model **out);
ENPU_API void enpu_model_destroy(enpu_model *m);
ENPU_API int enpu_model_num_inputs(const enpu_model *m);
ENPU_API int enpu_model_num_outputs(const enpu_model *m);
ENPU_API int enpu_model_input_info(const enpu_model *m, int i, struct enpu_tensor_info *info);
ENPU_API int enpu_model_output_info(const enpu_model *m, int i, struct enpu_tensor_info *info);

ENPU_API int enpu_interp_create(enpu_model *m, const struct enpu_prepare_options *opts,
				enpu_interp **out);
ENPU_API void enpu_interp_destroy(enpu_interp *it);
ENPU_API int enpu_interp_plan_stats(const enpu_interp *it, struct enpu_plan_stats *st);
/* len must equal the tensor's byte size. */
ENPU_API int enpu_interp_set_input(enpu_interp *it, int i, const void *data, size_t len);
/* Pointer valid until the next invoke or destroy. */
ENPU_API int enpu_interp_input_buffer(enpu_interp *it, int i, void **data, size_t *len);
ENPU_API int enpu_interp_invoke(enpu_interp *it);
ENPU_API int enpu_interp_output(enpu_interp *it, int i, const void **data, size_t *len);
/* Variable tensors (LSTM state) keep their values across invokes as in
 * TFLite; this puts them back to their initial value. */
ENPU_API int enpu_interp_reset_state(enpu_interp *it);

/* How a chip backend got its compiled model (enpu_device_stats.cache). */
enum enpu_cache_result {
	ENPU_CACHE_OFF = 0,		/* "cpu", or no usable cache: compiled */
	ENPU_CACHE_HIT = 1,		/* loaded from the cache, not compiled */
	ENPU_CACHE_MISS = 2,		/* no entry: compiled, entry written */
	ENPU_CACHE_REPLACED = 3,	/* an invalid entry: compiled, entry rewritten */
	ENPU_CACHE_UNWRITTEN = 4,	/* compiled; the entry could not be written */
};

/*
 * What the chip did for this interpreter since it was created: jobs run,
 * modeled device cycles (the chip's timing model) and their time at the
 * modeled clock.  On "cpu" everything is 0 but cpu_ops.
 */
struct enpu_device_stats {
	size_t size;		/* sizeof(struct enpu_device_stats) */
	uint64_t jobs;
	uint64_t cycles;
	uint64_t device_ns;
	uint32_t clock_khz;
	uint64_t macs;		/* MACs the chip executed */
	uint64_t bus_bytes;	/* bytes its DMA moved */
	int chip_ops, cpu_ops;	/* placement of the model's operators */
	int partitions;		/* runs of consecutive ops on one side */
	int cache;		/* enum enpu_cache_result: where the program came from */
	uint64_t compile_ns;	/* compiling it, or loading it on a cache hit */
};
ENPU_API int enpu_interp_device_stats(const enpu_interp *it, struct enpu_device_stats *st);

#ifdef __cplusplus
}
#endif
#endif /* ENPU_ENPU_H */
