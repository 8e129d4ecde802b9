// SPDX-License-Identifier: MIT
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "enpu_dev.h"
#include "ref_conv.h"

int enpu_dev_open(const char *path)
{
	return open(path ? path : "/dev/accel/accel0", O_RDWR | O_CLOEXEC);
}

int enpu_dev_param(int fd, uint32_t param, uint64_t *value)
{
	struct drm_enpu_get_param p = { .param = param };

	if (ioctl(fd, DRM_IOCTL_ENPU_GET_PARAM, &p))
		return -errno;
	*value = p.value;
	return 0;
}

int enpu_dbo_new(int fd, uint64_t size, uint32_t flags, struct enpu_dbo *bo)
{
	struct drm_enpu_bo_create c = { .size = size, .flags = flags };
	struct drm_enpu_bo_info i = { 0 };
	struct drm_gem_close gc = { 0 };

	memset(bo, 0, sizeof(*bo));
	if (ioctl(fd, DRM_IOCTL_ENPU_BO_CREATE, &c))
		return -errno;
	i.handle = c.handle;
	if (ioctl(fd, DRM_IOCTL_ENPU_BO_INFO, &i))
		goto err;
	bo->map = mmap(NULL, i.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, i.mmap_offset);
	if (bo->map == MAP_FAILED)
		goto err;
	bo->handle = c.handle;
	bo->size = i.size;
	bo->va = c.device_addr;
	return 0;
err:
	gc.handle = c.handle;
	ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
	return -errno;
}

void enpu_dbo_free(int fd, struct enpu_dbo *bo)
{
	struct drm_gem_close gc = { .handle = bo->handle };

	if (bo->map && bo->map != MAP_FAILED)
		munmap(bo->map, bo->size);
	if (bo->handle)
		ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
	memset(bo, 0, sizeof(*bo));
}

int enpu_dev_submit(int fd, const struct enpu_dbo *cmd, uint32_t cmd_size,
		    const struct drm_enpu_bo_ref *refs, uint32_t nrefs, uint32_t prio,
		    uint32_t *syncobj, uint64_t *job_id)
{
	struct drm_enpu_submit s = {
		.cmd_handle = cmd->handle,
		.cmd_size = cmd_size,
		.priority = prio,
		.bos = (uintptr_t)refs,
		.bo_count = nrefs,
		.bo_stride = sizeof(*refs),
	};
	int ret;

	/* libdrm returns -1 and leaves the reason in errno. */
	if (drmSyncobjCreate(fd, 0, syncobj))
		return -errno;
	s.out_syncobj = *syncobj;
	if (ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s)) {
		ret = -errno;
		drmSyncobjDestroy(fd, *syncobj);
		return ret;
	}
	if (job_id)
		*job_id = s.job_id;
	return 0;
}

int enpu_dev_wait(int fd, uint32_t syncobj, int64_t timeout_ns)
{
	struct timespec ts;
	int64_t abs;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	abs = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + timeout_ns;
	if (drmSyncobjWait(fd, &syncobj, 1, abs, DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT, NULL))
		return -errno;
	return 0;
}

int enpu_dev_job_info(int fd, uint64_t job_id, struct drm_enpu_job_info *info)
{
	memset(info, 0, sizeof(*info));
	info->job_id = job_id;
	return ioctl(fd, DRM_IOCTL_ENPU_JOB_INFO, info) ? -errno : 0;
}

void enpu_cs_init(struct enpu_cs *cs, void *buf, size_t bytes)
{
	cs->w = buf;
	cs->n = 0;
	cs->cap = bytes / 4;
}

static void cs_put(struct enpu_cs *cs, uint32_t w)
{
	if (cs->n < cs->cap)
		cs->w[cs->n] = w;
	cs->n++;
}

void enpu_cs_setp(struct enpu_cs *cs, uint32_t param, uint32_t value)
{
	cs_put(cs, ENPU1_CMD(ENPU1_OP_SETP, 1, param));
	cs_put(cs, value);
}

void enpu_cs_op(struct enpu_cs *cs, uint32_t opcode)
{
	cs_put(cs, ENPU1_CMD(opcode, 0, 0));
}

void enpu_cs_dma(struct enpu_cs *cs, uint32_t opcode, uint64_t va, uint32_t sram,
		 uint32_t bytes)
{
	enpu_cs_setp(cs, ENPU1_P_DMA_VA_LO, (uint32_t)va);
	enpu_cs_setp(cs, ENPU1_P_DMA_VA_HI, (uint32_t)(va >> 32));
	enpu_cs_setp(cs, ENPU1_P_DMA_SRAM, sram);
	enpu_cs_setp(cs, ENPU1_P_DMA_ROW_BYTES, bytes);
	enpu_cs_setp(cs, ENPU1_P_DMA_ROWS, 1);
	enpu_cs_setp(cs, ENPU1_P_DMA_PLANES, 1);
	enpu_cs_op(cs, opcode);
}

uint32_t enpu_cs_noop(struct enpu_dbo *cmd)
{
	struct enpu_cs cs;

	enpu_cs_init(&cs, cmd->map, cmd->size);
	enpu_cs_op(&cs, ENPU1_OP_NOP);
	enpu_cs_op(&cs, ENPU1_OP_END);
	return enpu_cs_bytes(&cs);
}

uint32_t enpu_cs_loads(struct enpu_dbo *cmd, uint64_t va, uint32_t bytes, int ops)
{
	struct enpu_cs cs;
	int k;

	enpu_cs_init(&cs, cmd->map, cmd->size);
	for (k = 0; k < ops; k++) {
		enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, va, 0, bytes);
		enpu_cs_op(&cs, ENPU1_OP_SYNC);
	}
	enpu_cs_op(&cs, ENPU1_OP_END);
	return enpu_cs_bytes(&cs);
}

static void enpu_cs_conv_s8(struct enpu_cs *cs, const struct ref_conv *g, uint32_t s_in,
			    uint32_t s_w, uint32_t s_bias, uint32_t s_quant, uint32_t s_out)
{
	enpu_cs_setp(cs, ENPU1_P_DTYPE, ENPU1_DTYPE_INT8);
	enpu_cs_setp(cs, ENPU1_P_IFM_SRAM, s_in);
	enpu_cs_setp(cs, ENPU1_P_IFM_H, g->h);
	enpu_cs_setp(cs, ENPU1_P_IFM_W, g->w);
	enpu_cs_setp(cs, ENPU1_P_IFM_C, g->c);
	enpu_cs_setp(cs, ENPU1_P_IFM_ZP, (uint32_t)g->in_zp);
	enpu_cs_setp(cs, ENPU1_P_OFM_SRAM, s_out);
	enpu_cs_setp(cs, ENPU1_P_OFM_H, g->oh);
	enpu_cs_setp(cs, ENPU1_P_OFM_W, g->ow);
	enpu_cs_setp(cs, ENPU1_P_OFM_C, g->oc);
	enpu_cs_setp(cs, ENPU1_P_OFM_ZP, (uint32_t)g->out_zp);
	enpu_cs_setp(cs, ENPU1_P_ACT_MIN, (uint32_t)-128);
	enpu_cs_setp(cs, ENPU1_P_ACT_MAX, 127);
	enpu_cs_setp(cs, ENPU1_P_KERNEL_H, g->k);
	enpu_cs_setp(cs, ENPU1_P_KERNEL_W, g->k);
	enpu_cs_setp(cs, ENPU1_P_STRIDE_H, g->stride);
	enpu_cs_setp(cs, ENPU1_P_STRIDE_W, g->stride);
	enpu_cs_setp(cs, ENPU1_P_PAD_TOP, g->pad);
	enpu_cs_setp(cs, ENPU1_P_PAD_LEFT, g->pad);
	enpu_cs_setp(cs, ENPU1_P_WEIGHT_SRAM, s_w);
	enpu_cs_setp(cs, ENPU1_P_BIAS_SRAM, s_bias);
	enpu_cs_setp(cs, ENPU1_P_QUANT_SRAM, s_quant);
	enpu_cs_setp(cs, ENPU1_P_FLAGS, ENPU1_F_BIAS | ENPU1_F_PER_CHANNEL);
	enpu_cs_op(cs, ENPU1_OP_CONV);
}

static uint32_t conv_bytes_in(const struct ref_conv *g) { return g->h * g->w * g->c; }
static uint32_t conv_bytes_wt(const struct ref_conv *g) { return g->oc * g->k * g->k * g->c; }
static uint32_t conv_bytes_out(const struct ref_conv *g) { return g->oh * g->ow * g->oc; }

int enpu_conv_bos_new(int fd, const struct ref_conv *g, struct enpu_conv_bos *b)
{
	int ret;

	memset(b, 0, sizeof(*b));
	if ((ret = enpu_dbo_new(fd, conv_bytes_in(g), DRM_ENPU_BO_DEVICE_READONLY, &b->in)) ||
	    (ret = enpu_dbo_new(fd, conv_bytes_wt(g), DRM_ENPU_BO_DEVICE_READONLY, &b->wt)) ||
	    (ret = enpu_dbo_new(fd, g->oc * 4, DRM_ENPU_BO_DEVICE_READONLY, &b->bias)) ||
	    (ret = enpu_dbo_new(fd, g->oc * 8, DRM_ENPU_BO_DEVICE_READONLY, &b->quant)) ||
	    (ret = enpu_dbo_new(fd, conv_bytes_out(g), 0, &b->out)))
		enpu_conv_bos_free(fd, b);
	return ret;
}

void enpu_conv_bos_free(int fd, struct enpu_conv_bos *b)
{
	enpu_dbo_free(fd, &b->in);
	enpu_dbo_free(fd, &b->wt);
	enpu_dbo_free(fd, &b->bias);
	enpu_dbo_free(fd, &b->quant);
	enpu_dbo_free(fd, &b->out);
}

static uint32_t page_up(uint32_t v)
{
	return (v + 4095) & ~4095u;
}

uint32_t enpu_cs_conv_job(struct enpu_dbo *cmd, const struct ref_conv *g,
			  const struct enpu_conv_bos *b, struct drm_enpu_bo_ref refs[5])
{
	/* Operands one after another in SRAM, each on a 4 KiB boundary. */
	uint32_t s_in = 0, s_w = page_up(s_in + conv_bytes_in(g));
	uint32_t s_b = page_up(s_w + conv_bytes_wt(g)), s_q = page_up(s_b + g->oc * 4);
	uint32_t s_out = page_up(s_q + g->oc * 8);
	struct enpu_cs cs;

	enpu_cs_init(&cs, cmd->map, cmd->size);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, b->in.va, s_in, conv_bytes_in(g));
	enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, b->wt.va, s_w, conv_bytes_wt(g));
	enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, b->bias.va, s_b, g->oc * 4);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, b->quant.va, s_q, g->oc * 8);
	enpu_cs_op(&cs, ENPU1_OP_SYNC);
	enpu_cs_conv_s8(&cs, g, s_in, s_w, s_b, s_q, s_out);
	enpu_cs_op(&cs, ENPU1_OP_SYNC);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_STORE, b->out.va, s_out, conv_bytes_out(g));
	enpu_cs_op(&cs, ENPU1_OP_END);
	refs[0] = (struct drm_enpu_bo_ref){ b->in.handle, DRM_ENPU_BO_REF_READ };
	refs[1] = (struct drm_enpu_bo_ref){ b->wt.handle, DRM_ENPU_BO_REF_READ };
	refs[2] = (struct drm_enpu_bo_ref){ b->bias.handle, DRM_ENPU_BO_REF_READ };
	refs[3] = (struct drm_enpu_bo_ref){ b->quant.handle, DRM_ENPU_BO_REF_READ };
	refs[4] = (struct drm_enpu_bo_ref){ b->out.handle, DRM_ENPU_BO_REF_WRITE };
	return enpu_cs_bytes(&cs);
}

/* Finds the virtio-serial port by name the way udev would, since the
 * board's minimal userspace has no udev to make /dev/virtio-ports links. */
static int control_port(char *path, size_t len)
{
	const char *env = getenv("ENPU_CONTROL");
	struct dirent *d;
	DIR *dir;

	if (env) {
		snprintf(path, len, "%s", env);
		return 0;
	}
	dir = opendir("/sys/class/virtio-ports");
	if (!dir)
		return -ENODEV;
	while ((d = readdir(dir))) {
		char name[64] = "", file[300];
		FILE *f;

		snprintf(file, sizeof(file), "/sys/class/virtio-ports/%s/name", d->d_name);
		f = fopen(file, "r");
		if (!f)
			continue;
		if (fgets(name, sizeof(name), f) && !strcmp(name, "enpu.control\n")) {
			fclose(f);
			snprintf(path, len, "/dev/%s", d->d_name);
			closedir(dir);
			return 0;
		}
		fclose(f);
	}
	closedir(dir);
	return -ENODEV;
}

int enpu_dev_inject(const char *spec)
{
	char req[300], reply[300], port[300];
	size_t got = 0;
	int fd, ret;

	ret = control_port(port, sizeof(port));
	if (ret)
		return ret;
	if (snprintf(req, sizeof(req), "fault %s\n", spec) >= (int)sizeof(req))
		return -EINVAL;
	fd = open(port, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		ret = -EIO;
		goto out;
	}
	ret = -ETIMEDOUT;
	while (got < sizeof(reply) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 5000) != 1)
			goto out;
		n = read(fd, reply + got, 1);
		if (n != 1) {
			ret = -EIO;
			goto out;
		}
		if (reply[got++] == '\n')
			break;
	}
	reply[got] = 0;
	ret = !strncmp(reply, "ok", 2) ? 0 : -EINVAL;
out:
	close(fd);
	return ret;
}
