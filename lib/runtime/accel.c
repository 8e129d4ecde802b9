// SPDX-License-Identifier: MIT
/*
 * The "accel" backend: the model's chip partitions run on an ENPU-1
 * through the kernel driver (DRM accel, uapi/drm/enpu_accel.h), the rest on
 * the CPU kernels of the interpreter, on the same memory.
 *
 * Memory: the interpreter's activation arena is itself one mmapped buffer
 * object (api.c calls it->arena_alloc), so inputs, outputs and every
 * intermediate tensor are shared with the chip without copies.  The
 * program's constant blob and the model's constant tensors the streams read
 * are copied once into read-only BOs.
 *
 * Relocation: compiled streams address memory symbolically (compiler.h:
 * tensor t at (t + 1) << 32, the blob at CP_VA_CONST), outside the chip's
 * 39-bit address space.  Each chip segment is rewritten into a read-only
 * command BO: the DMA_VA_LO/HI registers are tracked as the stream's SETPs
 * set them, and right before every DMA_LOAD/DMA_STORE a
 * "SETP DMA_VA_LO, 2: lo, hi" with the real device address is inserted.
 * An address that does not resolve to one buffer for the whole transfer is
 * refused when the interpreter is created.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "accel.h"
#include "cache.h"
#include "compiler.h"
#include "decode.h"
#include "interp.h"
#include "enpu_accel.h"

#define ACCEL_UAPI_VERSION	1
#define ACCEL_WAIT_NS		(120ull * 1000000000ull)	/* TCG guests are slow */
#define ACCEL_STREAM_ALIGN	64u
#define RELOC_WORDS		3u	/* SETP header + lo + hi */

struct abo {
	uint32_t handle;
	uint64_t size, va;
	uint8_t *map;
};

struct aseg {
	uint32_t cmd_offset, cmd_size;	/* in the command BO, bytes */
	uint32_t *relocs;		/* device byte offsets of inserted SETPs */
	size_t nrelocs;
};

struct enpu_accel {
	int fd;
	uint32_t caps, sram, clock_khz;
	uint32_t chip_id, chip_rev, fw_version;	/* the cache key's target */
	uint64_t max_cmd;
	struct cp_prog *prog;
	struct abo arena, consts, mconsts, cmd;
	size_t *moff;			/* per tensor: offset in mconsts, SIZE_MAX: none */
	struct aseg *seg;
	uint64_t jobs, cycles, device_ns, macs, bus_bytes;
	int chip_ops, cpu_ops;
	struct enpu_cache_info cache;
};

static const char *dev_path(void)
{
	const char *p = getenv("ENPU_ACCEL_DEVICE");

	return p && *p ? p : ENPU_ACCEL_DEFAULT_DEVICE;
}

static int get_param(int fd, uint32_t param, uint64_t *value)
{
	struct drm_enpu_get_param p = { .param = param };

	if (ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &p))
		return -errno;
	*value = p.value;
	return 0;
}

static const char *status_name(uint32_t st)
{
	static const char *const names[] = {
		[DRM_ENPU_JOB_PENDING] = "PENDING",
		[DRM_ENPU_JOB_OK] = "OK",
		[DRM_ENPU_JOB_DECODE_ERROR] = "DECODE_ERROR",
		[DRM_ENPU_JOB_MMU_FAULT] = "MMU_FAULT",
		[DRM_ENPU_JOB_SRAM_RANGE] = "SRAM_RANGE",
		[DRM_ENPU_JOB_BUS_ERROR] = "BUS_ERROR",
		[DRM_ENPU_JOB_UNSUPPORTED] = "UNSUPPORTED",
		[DRM_ENPU_JOB_HAZARD] = "HAZARD",
		[DRM_ENPU_JOB_NO_END] = "NO_END",
		[DRM_ENPU_JOB_TIMEOUT] = "TIMEOUT",
		[DRM_ENPU_JOB_ABORTED] = "ABORTED",
		[DRM_ENPU_JOB_DEVICE_ERROR] = "DEVICE_ERROR",
	};

	return st < sizeof(names) / sizeof(names[0]) && names[st] ? names[st] : "unknown status";
}

/* Opens the device and checks it is an enpu of a uAPI version we speak;
 * returns the fd or a negative errno (the reason in enpu_err). */
static int open_device(const char *path, int quiet)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	uint64_t v = 0;
	int r;

	if (fd < 0) {
		r = -errno;
		return quiet ? r : enpu_err(r == -ENOENT ? -ENODEV : r,
					    "accel: cannot open %s: %s", path, strerror(-r));
	}
	drmVersionPtr ver = drmGetVersion(fd);
	int is_enpu = ver && ver->name && !strcmp(ver->name, "enpu");

	drmFreeVersion(ver);
	if (!is_enpu || get_param(fd, DRM_ENPU_PARAM_UAPI_VERSION, &v)) {
		close(fd);
		return quiet ? -ENODEV : enpu_err(-ENODEV, "accel: %s is not an enpu device", path);
	}
	if (v != ACCEL_UAPI_VERSION) {
		close(fd);
		return quiet ? -ENOTSUP
			     : enpu_err(-ENOTSUP, "accel: %s speaks uAPI version %llu, not %d",
					path, (unsigned long long)v, ACCEL_UAPI_VERSION);
	}
	return fd;
}

int enpu_accel_probe(void)
{
	int fd = open_device(dev_path(), 1);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static int bo_new(struct enpu_accel *a, uint64_t size, uint32_t flags, struct abo *bo,
		  const char *what)
{
	struct drm_enpu_bo_create c = { .size = size ? size : 1, .flags = flags };
	struct drm_enpu_bo_info i = { 0 };
	struct drm_gem_close gc = { 0 };
	int r;

	if (ioctl(a->fd, DRM_IOCTL_ENPU_BO_CREATE, &c))
		return enpu_err(-errno, "accel: cannot create the %llu-byte %s BO: %s",
				(unsigned long long)size, what, strerror(errno));
	i.handle = c.handle;
	if (ioctl(a->fd, DRM_IOCTL_ENPU_BO_INFO, &i)) {
		r = -errno;
		goto err;
	}
	void *map = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, i.mmap_offset);

	if (map == MAP_FAILED) {
		r = -errno;
		goto err;
	}
	bo->handle = c.handle;
	bo->size = i.size;
	bo->va = c.device_addr;
	bo->map = map;
	return 0;
err:
	gc.handle = c.handle;
	ioctl(a->fd, DRM_IOCTL_GEM_CLOSE, &gc);
	return enpu_err(r, "accel: cannot map the %s BO: %s", what, strerror(-r));
}

static void bo_free(struct enpu_accel *a, struct abo *bo)
{
	struct drm_gem_close gc = { .handle = bo->handle };

	if (bo->map)
		munmap(bo->map, bo->size);
	if (bo->handle)
		ioctl(a->fd, DRM_IOCTL_GEM_CLOSE, &gc);
	memset(bo, 0, sizeof(*bo));
}

/* The interpreter's arena: one BO, shared by the CPU and the chip. */
static void *arena_alloc(struct enpu_interp *it, size_t bytes)
{
	struct enpu_accel *a = it->accel;

	if (a->arena.map)
		return NULL;
	if (bo_new(a, bytes, 0, &a->arena, "arena"))
		return NULL;
	return a->arena.map;
}

int enpu_accel_open(struct enpu_interp *it)
{
	struct enpu_accel *a = calloc(1, sizeof(*a));
	const char *path = dev_path();
	uint64_t caps = 0, sram = 0, khz = 0, max_cmd = 0, id = 0, rev = 0, fw = 0;
	int r;

	if (!a)
		return enpu_err(-ENOMEM, "accel: out of memory");
	a->fd = open_device(path, 0);
	if (a->fd < 0) {
		r = a->fd;
		free(a);
		return r;
	}
	if ((r = get_param(a->fd, DRM_ENPU_PARAM_FW_CAPS, &caps)) ||
	    (r = get_param(a->fd, DRM_ENPU_PARAM_SRAM_PER_JOB, &sram)) ||
	    (r = get_param(a->fd, DRM_ENPU_PARAM_CLOCK_KHZ, &khz)) ||
	    (r = get_param(a->fd, DRM_ENPU_PARAM_MAX_CMD_SIZE, &max_cmd)) ||
	    (r = get_param(a->fd, DRM_ENPU_PARAM_CHIP_ID, &id)) ||
	    (r = get_param(a->fd, DRM_ENPU_PARAM_CHIP_REV, &rev)) ||
	    (r = get_param(a->fd, DRM_ENPU_PARAM_FW_VERSION, &fw))) {
		close(a->fd);
		free(a);
		return enpu_err(r, "accel: %s: GET_PARAM failed: %s", path, strerror(-r));
	}
	if (!sram || sram > UINT32_MAX) {
		close(a->fd);
		free(a);
		return enpu_err(-EIO, "accel: %s reports %llu bytes of SRAM per job", path,
				(unsigned long long)sram);
	}
	a->caps = (uint32_t)caps;
	a->sram = (uint32_t)sram;
	a->clock_khz = khz && khz <= UINT32_MAX ? (uint32_t)khz : CP_CLOCK_KHZ;
	a->max_cmd = max_cmd ? max_cmd : UINT32_MAX;
	a->chip_id = (uint32_t)id;
	a->chip_rev = (uint32_t)rev;
	a->fw_version = (uint32_t)fw;
	it->accel = a;
	it->arena_alloc = arena_alloc;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Relocation */

/* Resolves a symbolic [va, va + len) to a real device address; 0 when it is
 * not inside one buffer (or a write to a read-only one). */
static uint64_t resolve(const struct enpu_interp *it, uint64_t va, uint64_t len, int write)
{
	const struct enpu_accel *a = it->accel;
	uint64_t hi = va >> 32, lo = va & 0xffffffffu, base, size;

	if (hi == CP_VA_CONST >> 32) {
		if (write || !a->consts.handle)
			return 0;
		base = a->consts.va;
		size = a->prog->nconsts;
	} else if (hi >= 1 && hi <= (uint64_t)it->m->ntensors) {
		const struct ir_tensor *t = &it->m->t[hi - 1];

		if (t->in_arena) {
			base = a->arena.va + t->arena_off;
		} else if (t->data && !write && a->moff && a->moff[hi - 1] != SIZE_MAX) {
			base = a->mconsts.va + a->moff[hi - 1];
		} else {
			return 0;
		}
		size = t->bytes;
	} else {
		return 0;
	}
	if (lo > size || len > size - lo)
		return 0;
	return base + lo;
}

/* Bytes a DMA with these registers spans from its VA. */
static uint64_t dma_extent(const uint32_t *p)
{
	uint64_t rows = p[ENPU1_P_DMA_ROWS] ? p[ENPU1_P_DMA_ROWS] : 1;
	uint64_t planes = p[ENPU1_P_DMA_PLANES] ? p[ENPU1_P_DMA_PLANES] : 1;

	return (planes - 1) * p[ENPU1_P_DMA_VA_PLANE_STRIDE] +
	       (rows - 1) * p[ENPU1_P_DMA_VA_ROW_STRIDE] + p[ENPU1_P_DMA_ROW_BYTES];
}

/*
 * Walks one compiled stream.  Pass 1 (out == NULL): checks it decodes,
 * counts the words the device stream needs and marks the constant tensors
 * it reads in need[].  Pass 2: writes the device stream to out and the
 * inserted SETPs' byte offsets (relative to the stream) to relocs.
 */
static int walk(struct enpu_interp *it, int s, uint32_t *out, size_t *nout, char *need,
		uint32_t *relocs, size_t *nrelocs)
{
	const struct cp_seg *sg = &((struct enpu_accel *)it->accel)->prog->seg[s];
	struct enpu_fw_decoder d;
	struct enpu_fw_cmd c;
	uint32_t p[ENPU1_P_COUNT] = { 0 };
	size_t n = 0, nr = 0;
	int got;

	enpu_fw_decoder_init(&d, sg->words, sg->nwords);
	while ((got = enpu_fw_decode_next(&d, &c)) == 1) {
		uint64_t va = 0, len = 0, real = 0;
		int write = 0, addr = 0;

		switch (c.op) {
		case ENPU1_OP_SETP:
			memcpy(&p[c.imm], c.args, c.nargs * sizeof(uint32_t));
			break;
		case ENPU1_OP_DMA_LOAD:
		case ENPU1_OP_DMA_STORE:
			va = (uint64_t)p[ENPU1_P_DMA_VA_HI] << 32 | p[ENPU1_P_DMA_VA_LO];
			len = dma_extent(p);
			write = c.op == ENPU1_OP_DMA_STORE;
			addr = 1;
			break;
		case ENPU1_OP_FENCE:
			va = (uint64_t)c.args[1] << 32 | c.args[0];
			len = 4;
			write = 1;
			addr = 1;
			break;
		}
		if (addr) {
			uint32_t hi = (uint32_t)(va >> 32);

			if (!out && hi >= 1 && hi <= (uint32_t)it->m->ntensors && !write &&
			    it->m->t[hi - 1].data)
				need[hi - 1] = 1;
			if (out && !(real = resolve(it, va, len, write)))
				return enpu_err(-EINVAL,
						"accel: partition %d (operators %d..%d): %s of %llu "
						"bytes at symbolic address 0x%llx at byte %u does not "
						"resolve to a%s buffer",
						s, sg->first, sg->end - 1,
						c.op == ENPU1_OP_FENCE ? "fence" : write ? "store" : "load",
						(unsigned long long)len, (unsigned long long)va, c.offset,
						write ? " writable" : "");
		}
		if (addr && c.op != ENPU1_OP_FENCE) {
			if (out) {
				relocs[nr] = (uint32_t)(n * 4);
				out[n] = ENPU1_CMD(ENPU1_OP_SETP, 2, ENPU1_P_DMA_VA_LO);
				out[n + 1] = (uint32_t)real;
				out[n + 2] = (uint32_t)(real >> 32);
			}
			n += RELOC_WORDS;
			nr++;
		}
		if (out) {
			out[n] = sg->words[c.offset / 4];
			memcpy(&out[n + 1], c.args, c.nargs * sizeof(uint32_t));
			if (c.op == ENPU1_OP_FENCE) {
				out[n + 1] = (uint32_t)real;
				out[n + 2] = (uint32_t)(real >> 32);
			}
		}
		n += 1 + c.nargs;
	}
	if (got < 0 || !d.ended)
		return enpu_err(-EINVAL, "accel: partition %d (operators %d..%d): the compiled "
				"stream does not decode (%s at byte %u)", s, sg->first, sg->end - 1,
				cp_job_status_name(d.status ? d.status : ENPU1_JOB_FENCE),
				d.err_offset);
	*nout = n;
	if (nrelocs)
		*nrelocs = nr;
	return 0;
}

static int build(struct enpu_interp *it)
{
	struct enpu_accel *a = it->accel;
	const enpu_model *m = it->m;
	int nseg = a->prog->nseg, r = 0;
	size_t *words = calloc((size_t)nseg + 1, sizeof(size_t));
	char *need = calloc((size_t)m->ntensors + 1, 1);
	size_t total = 0, mtotal = 0;

	a->seg = calloc((size_t)nseg + 1, sizeof(*a->seg));
	a->moff = malloc(((size_t)m->ntensors + 1) * sizeof(size_t));
	if (!words || !need || !a->seg || !a->moff) {
		r = enpu_err(-ENOMEM, "accel: out of memory");
		goto out;
	}
	/* Pass 1: sizes and the constant tensors the streams read. */
	for (int s = 0; s < nseg && !r; s++) {
		size_t nr = 0;

		if (!a->prog->seg[s].chip)
			continue;
		r = walk(it, s, NULL, &words[s], need, NULL, &nr);
		if (r)
			break;
		if (words[s] * 4 > a->max_cmd) {
			r = enpu_err(-E2BIG, "accel: partition %d needs a %zu-byte stream, over the "
				     "device's %llu", s, words[s] * 4,
				     (unsigned long long)a->max_cmd);
			break;
		}
		a->seg[s].relocs = malloc((nr + 1) * sizeof(uint32_t));
		if (!a->seg[s].relocs) {
			r = enpu_err(-ENOMEM, "accel: out of memory");
			break;
		}
		a->seg[s].cmd_offset = (uint32_t)total;
		a->seg[s].cmd_size = (uint32_t)(words[s] * 4);
		total += (words[s] * 4 + ACCEL_STREAM_ALIGN - 1) & ~(size_t)(ACCEL_STREAM_ALIGN - 1);
		if (total > UINT32_MAX) {
			r = enpu_err(-E2BIG, "accel: the streams exceed 4 GiB");
			break;
		}
	}
	if (r)
		goto out;
	for (int i = 0; i < m->ntensors; i++) {
		a->moff[i] = SIZE_MAX;
		if (need[i]) {
			a->moff[i] = mtotal;
			mtotal = (mtotal + m->t[i].bytes + 63) & ~(size_t)63;
		}
	}
	/* The read-only data: the compiler's constant blob, model constants. */
	if (a->prog->nconsts) {
		r = bo_new(a, a->prog->nconsts, DRM_ENPU_BO_DEVICE_READONLY, &a->consts, "constant");
		if (r)
			goto out;
		memcpy(a->consts.map, a->prog->consts, a->prog->nconsts);
	}
	if (mtotal) {
		r = bo_new(a, mtotal, DRM_ENPU_BO_DEVICE_READONLY, &a->mconsts, "model-constant");
		if (r)
			goto out;
		for (int i = 0; i < m->ntensors; i++)
			if (a->moff[i] != SIZE_MAX)
				memcpy(a->mconsts.map + a->moff[i], m->t[i].data, m->t[i].bytes);
	}
	if (!total)
		goto out;
	/* Pass 2: the device streams, in one read-only command BO. */
	r = bo_new(a, total, DRM_ENPU_BO_DEVICE_READONLY, &a->cmd, "command");
	for (int s = 0; s < nseg && !r; s++) {
		struct aseg *g = &a->seg[s];
		size_t n = 0;

		if (!a->prog->seg[s].chip)
			continue;
		r = walk(it, s, (uint32_t *)(a->cmd.map + g->cmd_offset), &n, NULL, g->relocs,
			 &g->nrelocs);
		if (!r && n != words[s])
			r = enpu_err(-EIO, "accel: partition %d: relocation size mismatch", s);
	}
out:
	free(words);
	free(need);
	return r;
}

int enpu_accel_attach(struct enpu_interp *it, const char *cache_dir)
{
	struct enpu_accel *a = it->accel;
	struct cp_options o = { .caps = a->caps, .sram_bytes = a->sram, .requant = it->requant };
	struct enpu_cache_target tg = { .kind = ENPU_CACHE_TARGET_ACCEL, .chip_id = a->chip_id,
					.chip_rev = a->chip_rev, .fw_version = a->fw_version,
					.fw_caps = a->caps };
	int r;

	if (!a->arena.map)
		return enpu_err(-EIO, "accel: the arena is not in a buffer object");
	r = enpu_cache_compile(it, cache_dir, &tg, &o, &a->prog, &a->cache);
	if (r) {
		a->prog = NULL;
		return enpu_err(r, "accel: compiling the model for the chip failed (%d)", r);
	}
	for (int i = 0; i < a->prog->nops; i++) {
		if (a->prog->ops[i].place == CP_CHIP)
			a->chip_ops++;
		else
			a->cpu_ops++;
	}
	r = build(it);
	if (r)
		return r;
	enpu_log(it->m->ctx, ENPU_LOG_INFO,
		 "accel: %d ops on the chip, %d on the CPU, %d partitions, %llu stream bytes",
		 a->chip_ops, a->cpu_ops, a->prog->nseg, (unsigned long long)a->cmd.size);
	return 0;
}

void enpu_accel_detach(struct enpu_interp *it)
{
	struct enpu_accel *a = it->accel;

	if (!a)
		return;
	bo_free(a, &a->cmd);
	bo_free(a, &a->mconsts);
	bo_free(a, &a->consts);
	bo_free(a, &a->arena);
	if (a->seg)
		for (int s = 0; s < a->prog->nseg; s++)
			free(a->seg[s].relocs);
	free(a->seg);
	free(a->moff);
	if (a->prog)
		cp_free(a->prog);
	close(a->fd);
	free(a);
	it->accel = NULL;
	it->arena = NULL;
	it->arena_alloc = NULL;
}

/* ------------------------------------------------------------------------ */
/* Running */

/* The compiled stream's byte offset of a device stream offset. */
static uint32_t compiled_offset(const struct aseg *g, uint32_t dev)
{
	size_t k = 0;

	while (k < g->nrelocs && g->relocs[k] < dev)
		k++;
	return dev - (uint32_t)(k * RELOC_WORDS * 4);
}

static int run_segment(struct enpu_interp *it, int s)
{
	struct enpu_accel *a = it->accel;
	const struct cp_seg *sg = &a->prog->seg[s];
	const struct aseg *g = &a->seg[s];
	struct drm_enpu_bo_ref refs[3];
	uint32_t nrefs = 0, syncobj = 0;
	struct drm_enpu_job_info info = { 0 };
	struct timespec ts;
	int r;

	refs[nrefs++] = (struct drm_enpu_bo_ref){ a->arena.handle,
						  DRM_ENPU_BO_REF_READ | DRM_ENPU_BO_REF_WRITE };
	if (a->consts.handle)
		refs[nrefs++] = (struct drm_enpu_bo_ref){ a->consts.handle, DRM_ENPU_BO_REF_READ };
	if (a->mconsts.handle)
		refs[nrefs++] = (struct drm_enpu_bo_ref){ a->mconsts.handle, DRM_ENPU_BO_REF_READ };

	struct drm_enpu_submit sub = {
		.cmd_handle = a->cmd.handle,
		.cmd_offset = g->cmd_offset,
		.cmd_size = g->cmd_size,
		.priority = DRM_ENPU_PRIORITY_NORMAL,
		.bos = (uintptr_t)refs,
		.bo_count = nrefs,
		.bo_stride = sizeof(refs[0]),
	};

	if (drmSyncobjCreate(a->fd, 0, &syncobj))
		return enpu_err(-errno, "accel: cannot create a syncobj: %s", strerror(errno));
	sub.out_syncobj = syncobj;
	if (ioctl(a->fd, DRM_IOCTL_ENPU_SUBMIT, &sub)) {
		r = enpu_err(-errno, "accel: SUBMIT of partition %d (operators %d..%d) failed: %s",
			     s, sg->first, sg->end - 1, strerror(errno));
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t abs = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)ACCEL_WAIT_NS;

	if (drmSyncobjWait(a->fd, &syncobj, 1, abs, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
			   NULL)) {
		int e = errno;

		r = enpu_err(e == ETIME ? -ETIMEDOUT : -e,
			     "accel: waiting for partition %d (operators %d..%d) failed: %s", s,
			     sg->first, sg->end - 1, strerror(e));
		goto out;
	}
	info.job_id = sub.job_id;
	if (ioctl(a->fd, DRM_IOCTL_ENPU_JOB_INFO, &info)) {
		r = enpu_err(-errno, "accel: JOB_INFO for partition %d failed: %s", s,
			     strerror(errno));
		goto out;
	}
	a->jobs++;
	a->cycles += info.cycles;
	if (info.end_ns > info.start_ns)
		a->device_ns += info.end_ns - info.start_ns;
	a->macs += sg->macs;
	a->bus_bytes += sg->bus_bytes;
	r = 0;
	if (info.status != DRM_ENPU_JOB_OK) {
		if (info.status == DRM_ENPU_JOB_MMU_FAULT || info.status == DRM_ENPU_JOB_BUS_ERROR)
			r = enpu_err(-EIO, "accel: job for operators %d..%d ended with %s at "
				     "command byte %u (compiled byte %u), address 0x%llx",
				     sg->first, sg->end - 1, status_name(info.status),
				     info.cmd_offset, compiled_offset(g, info.cmd_offset),
				     (unsigned long long)info.fault_addr);
		else
			r = enpu_err(-EIO, "accel: job for operators %d..%d ended with %s at "
				     "command byte %u (compiled byte %u)",
				     sg->first, sg->end - 1, status_name(info.status),
				     info.cmd_offset, compiled_offset(g, info.cmd_offset));
	}
out:
	drmSyncobjDestroy(a->fd, syncobj);
	return r;
}

int enpu_accel_invoke(struct enpu_interp *it)
{
	struct enpu_accel *a = it->accel;

	for (int s = 0; s < a->prog->nseg; s++) {
		const struct cp_seg *sg = &a->prog->seg[s];

		if (!sg->chip) {
			for (int i = sg->first; i < sg->end; i++) {
				struct ir_op *op = &it->m->ops[i];

				enpu_op_impl(op->code)->eval(it, op);
			}
			continue;
		}
		int r = run_segment(it, s);

		if (r)
			return r;
	}
	return 0;
}

int enpu_accel_device_stats(const struct enpu_interp *it, struct enpu_device_stats *st)
{
	const struct enpu_accel *a = it->accel;
	struct enpu_device_stats s = { .size = st->size };

	s.jobs = a->jobs;
	s.cycles = a->cycles;
	s.clock_khz = a->clock_khz;
	s.device_ns = a->device_ns;
	s.macs = a->macs;
	s.bus_bytes = a->bus_bytes;
	s.chip_ops = a->chip_ops;
	s.cpu_ops = a->cpu_ops;
	s.partitions = a->prog->nseg;
	s.cache = a->cache.result;
	s.compile_ns = a->cache.ns;
	memcpy(st, &s, st->size < sizeof(s) ? st->size : sizeof(s));
	return 0;
}
