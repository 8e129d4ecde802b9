// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu uAPI tests, run inside the emulated board: every ioctl's documented
 * errors, buffer mapping, jobs on the chip checked against the CPU, and
 * ordering through syncobjs and implicit BO dependencies.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include "kselftest_harness.h"
#include "enpu_dev.h"
#include "ref_conv.h"

#define SEC 1000000000ll

static int ioctl_errno(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) ? errno : 0;
}

FIXTURE(dev) {
	int fd;
	struct enpu_dbo cmd;
};

FIXTURE_SETUP(dev)
{
	self->fd = enpu_dev_open(NULL);
	ASSERT_LE(0, self->fd) TH_LOG("open /dev/accel/accel0: %s", strerror(errno));
	ASSERT_EQ(0, enpu_dbo_new(self->fd, 4096, 0, &self->cmd));
}

FIXTURE_TEARDOWN(dev)
{
	enpu_dbo_free(self->fd, &self->cmd);
	close(self->fd);
}

/* Runs a job whose stream is in self->cmd and waits for it; returns its info. */
static int run_job(int fd, struct enpu_dbo *cmd, uint32_t bytes, const struct drm_enpu_bo_ref *refs,
		   uint32_t nrefs, struct drm_enpu_job_info *info)
{
	uint32_t sync;
	uint64_t id;
	int ret;

	ret = enpu_dev_submit(fd, cmd, bytes, refs, nrefs, DRM_ENPU_PRIORITY_NORMAL, &sync, &id);
	if (ret)
		return ret;
	ret = enpu_dev_wait(fd, sync, 20 * SEC);
	drmSyncobjDestroy(fd, sync);
	if (ret)
		return ret;
	return enpu_dev_job_info(fd, id, info);
}

/* ---- GET_PARAM ---- */

TEST_F(dev, get_param_version_and_chip)
{
	uint64_t v;

	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_UAPI_VERSION, &v));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_CHIP_ID, &v));
	EXPECT_EQ(ENPU1_CHIP_ENPU1, v);
	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_NUM_CORES, &v));
	EXPECT_LE(2, v);
	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_SRAM_SIZE, &v));
	EXPECT_EQ(8u << 20, v);
	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_BO_FLAGS, &v));
	EXPECT_EQ(DRM_ENPU_BO_FLAGS, v);
}

TEST_F(dev, get_param_firmware)
{
	uint64_t v;

	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_FW_VERSION, &v));
	EXPECT_EQ(1, v >> 16);
	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_FW_CAPS, &v));
	EXPECT_TRUE(v & ENPU1_CAP_OP(ENPU1_OP_CONV));
	EXPECT_TRUE(v & ENPU1_CAP_OP(ENPU1_OP_DEPTHWISE));
}

TEST_F(dev, get_param_unknown_is_einval)
{
	struct drm_enpu_get_param p = { .param = 9999 };

	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
}

TEST_F(dev, get_param_reserved_is_einval)
{
	struct drm_enpu_get_param p = { .param = DRM_ENPU_PARAM_NUM_CORES, .reserved = 1 };

	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_GET_PARAM, &p));
}

TEST_F(dev, get_param_null_is_efault)
{
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_GET_PARAM, NULL));
}

TEST_F(dev, unknown_ioctl_is_enotty)
{
	struct drm_enpu_get_param p = { 0 };

	EXPECT_EQ(ENOTTY, ioctl_errno(self->fd, DRM_IOWR(DRM_COMMAND_BASE + 0x3f,
							  struct drm_enpu_get_param), &p));
}

/* ---- BO_CREATE / BO_INFO / mmap / BO_WAIT ---- */

TEST_F(dev, bo_create_size_zero_is_einval)
{
	struct drm_enpu_bo_create c = { .size = 0 };

	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
}

TEST_F(dev, bo_create_huge_is_einval)
{
	struct drm_enpu_bo_create c = { .size = 1ull << 40 };

	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
}

TEST_F(dev, bo_create_unknown_flags_is_einval)
{
	struct drm_enpu_bo_create c = { .size = 4096, .flags = 0x80000000u };

	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
}

TEST_F(dev, bo_create_rounds_and_places)
{
	struct enpu_dbo a, b;
	uint64_t start;

	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_VA_START, &start));
	ASSERT_EQ(0, enpu_dbo_new(self->fd, 100, 0, &a));
	ASSERT_EQ(0, enpu_dbo_new(self->fd, 3 * 4096 + 1, 0, &b));
	EXPECT_EQ(4096, a.size);
	EXPECT_EQ(4 * 4096, b.size);
	EXPECT_LE(start, a.va);
	EXPECT_EQ(0, a.va % 4096);
	/* Distinct, non-overlapping device ranges. */
	EXPECT_TRUE(a.va + a.size <= b.va || b.va + b.size <= a.va);
	enpu_dbo_free(self->fd, &a);
	enpu_dbo_free(self->fd, &b);
}

TEST_F(dev, bo_info_bad_handle_is_enoent)
{
	struct drm_enpu_bo_info i = { .handle = 0xdead };

	EXPECT_EQ(ENOENT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_INFO, &i));
}

TEST_F(dev, bo_info_closed_handle_is_enoent)
{
	struct drm_enpu_bo_create c = { .size = 4096 };
	struct drm_gem_close gc = { 0 };
	struct drm_enpu_bo_info i = { 0 };

	ASSERT_EQ(0, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_CREATE, &c));
	gc.handle = c.handle;
	ASSERT_EQ(0, ioctl_errno(self->fd, DRM_IOCTL_GEM_CLOSE, &gc));
	i.handle = c.handle;
	EXPECT_EQ(ENOENT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_INFO, &i));
}

TEST_F(dev, bo_info_foreign_handle_is_enoent)
{
	int other = enpu_dev_open(NULL);
	struct drm_enpu_bo_create c = { .size = 4096 };
	struct drm_enpu_bo_info i = { 0 };
	int k;

	ASSERT_LE(0, other);
	/* Several BOs in the other file so its handles pass ours. */
	for (k = 0; k < 4; k++)
		ASSERT_EQ(0, ioctl_errno(other, DRM_IOCTL_ENPU_BO_CREATE, &c));
	i.handle = c.handle;
	EXPECT_EQ(ENOENT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_INFO, &i));
	close(other);
}

TEST_F(dev, bo_info_reserved_is_einval)
{
	struct drm_enpu_bo_info i = { .handle = self->cmd.handle, .reserved = 1 };

	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_INFO, &i));
}

TEST_F(dev, bo_mmap_write_read_and_zeroed)
{
	struct drm_enpu_bo_info i = { 0 };
	struct enpu_dbo bo;
	uint8_t *second;
	size_t k;

	ASSERT_EQ(0, enpu_dbo_new(self->fd, 65536, 0, &bo));
	for (k = 0; k < bo.size; k++)
		ASSERT_EQ(0, ((uint8_t *)bo.map)[k]);
	for (k = 0; k < bo.size; k++)
		((uint8_t *)bo.map)[k] = (uint8_t)(k * 7 + 3);
	i.handle = bo.handle;
	ASSERT_EQ(0, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_INFO, &i));
	second = mmap(NULL, bo.size, PROT_READ, MAP_SHARED, self->fd, i.mmap_offset);
	ASSERT_NE(MAP_FAILED, second);
	for (k = 0; k < bo.size; k++)
		ASSERT_EQ((uint8_t)(k * 7 + 3), second[k]);
	munmap(second, bo.size);
	enpu_dbo_free(self->fd, &bo);
}

TEST_F(dev, bo_mmap_past_end_fails)
{
	struct drm_enpu_bo_info i = { .handle = self->cmd.handle };
	void *p;

	ASSERT_EQ(0, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_INFO, &i));
	p = mmap(NULL, 2 * i.size, PROT_READ, MAP_SHARED, self->fd, i.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd, i.mmap_offset + i.size);
	EXPECT_EQ(MAP_FAILED, p);
}

TEST_F(dev, bo_wait_idle_and_reserved)
{
	struct drm_enpu_bo_wait w = { .handle = self->cmd.handle };

	EXPECT_EQ(0, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_WAIT, &w));
	w.reserved = 1;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_WAIT, &w));
	w.reserved = 0;
	w.handle = 0xdead;
	EXPECT_EQ(ENOENT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_BO_WAIT, &w));
}

/* ---- SUBMIT argument checking ---- */

static struct drm_enpu_submit submit_args(struct enpu_dbo *cmd, uint32_t bytes)
{
	struct drm_enpu_submit s = {
		.cmd_handle = cmd->handle,
		.cmd_size = bytes,
		.priority = DRM_ENPU_PRIORITY_NORMAL,
	};
	return s;
}

TEST_F(dev, submit_reserved_and_flags_are_einval)
{
	struct drm_enpu_submit s = submit_args(&self->cmd, enpu_cs_noop(&self->cmd));

	s.reserved = 1;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	s.reserved = 0;
	s.flags = 1;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
}

TEST_F(dev, submit_bad_priority_is_einval)
{
	struct drm_enpu_submit s = submit_args(&self->cmd, enpu_cs_noop(&self->cmd));

	s.priority = 3;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
}

TEST_F(dev, submit_misaligned_or_empty_stream_is_einval)
{
	struct drm_enpu_submit s = submit_args(&self->cmd, enpu_cs_noop(&self->cmd));

	s.cmd_offset = 2;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	s.cmd_offset = 0;
	s.cmd_size = 6;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	s.cmd_size = 0;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
}

TEST_F(dev, submit_stream_out_of_range_is_einval)
{
	struct drm_enpu_submit s = submit_args(&self->cmd, 8);

	s.cmd_offset = 4092;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	s.cmd_offset = 0xfffffffc;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
}

TEST_F(dev, submit_bad_handles_are_enoent)
{
	struct drm_enpu_submit s = submit_args(&self->cmd, enpu_cs_noop(&self->cmd));
	struct drm_enpu_bo_ref ref = { .handle = 0xdead, .flags = DRM_ENPU_BO_REF_READ };

	s.cmd_handle = 0xdead;
	EXPECT_EQ(ENOENT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	s.cmd_handle = self->cmd.handle;
	s.bos = (uintptr_t)&ref;
	s.bo_count = 1;
	s.bo_stride = sizeof(ref);
	EXPECT_EQ(ENOENT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	s.bo_count = 0;
	s.out_syncobj = 0xdead;
	EXPECT_EQ(ENOENT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
}

TEST_F(dev, submit_bo_list_checks)
{
	struct drm_enpu_submit s = submit_args(&self->cmd, enpu_cs_noop(&self->cmd));
	struct { struct drm_enpu_bo_ref ref; uint32_t extra; } big = {
		{ self->cmd.handle, DRM_ENPU_BO_REF_READ }, 7 };
	struct drm_enpu_bo_ref ref = { .handle = self->cmd.handle, .flags = 0x4 };

	s.bos = (uintptr_t)&ref;
	s.bo_count = 1;
	s.bo_stride = sizeof(ref);
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));	/* flags */
	ref.flags = 0;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	ref.flags = DRM_ENPU_BO_REF_READ;
	s.bo_stride = 4;
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));	/* stride */
	/* A larger stride is fine when the unknown tail is zero. */
	s.bos = (uintptr_t)&big;
	s.bo_stride = sizeof(big);
	EXPECT_EQ(EINVAL, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	big.extra = 0;
	EXPECT_EQ(0, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
}

TEST_F(dev, submit_unmapped_pointers_are_efault)
{
	struct drm_enpu_submit s = submit_args(&self->cmd, enpu_cs_noop(&self->cmd));

	s.bos = 0x10;
	s.bo_count = 1;
	s.bo_stride = sizeof(struct drm_enpu_bo_ref);
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	s.bos = 0;
	s.bo_count = 0;
	s.in_syncobjs = 0x10;
	s.in_syncobj_count = 1;
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	EXPECT_EQ(EFAULT, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, NULL));
}

TEST_F(dev, job_info_unknown_and_foreign_are_enoent)
{
	struct drm_enpu_job_info info;
	int other = enpu_dev_open(NULL);
	struct enpu_dbo ocmd;
	uint32_t sync;
	uint64_t id;

	EXPECT_EQ(-ENOENT, enpu_dev_job_info(self->fd, 0xffffffffffull, &info));
	ASSERT_LE(0, other);
	ASSERT_EQ(0, enpu_dbo_new(other, 4096, 0, &ocmd));
	ASSERT_EQ(0, enpu_dev_submit(other, &ocmd, enpu_cs_noop(&ocmd), NULL, 0, 1, &sync, &id));
	ASSERT_EQ(0, enpu_dev_wait(other, sync, 10 * SEC));
	EXPECT_EQ(0, enpu_dev_job_info(other, id, &info));
	EXPECT_EQ(-ENOENT, enpu_dev_job_info(self->fd, id, &info));
	enpu_dbo_free(other, &ocmd);
	close(other);
}

/* ---- Jobs on the chip ---- */

TEST_F(dev, noop_job_completes)
{
	struct drm_enpu_job_info info;
	uint64_t cores;

	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_noop(&self->cmd), NULL, 0, &info));
	EXPECT_EQ(DRM_ENPU_JOB_OK, info.status);
	ASSERT_EQ(0, enpu_dev_param(self->fd, DRM_ENPU_PARAM_NUM_CORES, &cores));
	EXPECT_LT(info.core, cores);
	EXPECT_LE(info.start_ns, info.end_ns);
}

TEST_F(dev, decode_error_is_reported_with_offset)
{
	struct drm_enpu_job_info info;
	struct enpu_cs cs;

	enpu_cs_init(&cs, self->cmd.map, self->cmd.size);
	enpu_cs_op(&cs, ENPU1_OP_NOP);
	enpu_cs_op(&cs, 0x7f);
	enpu_cs_op(&cs, ENPU1_OP_END);
	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_bytes(&cs), NULL, 0, &info));
	EXPECT_EQ(DRM_ENPU_JOB_DECODE_ERROR, info.status);
	EXPECT_EQ(4, info.cmd_offset);
}

TEST_F(dev, missing_end_is_reported)
{
	struct drm_enpu_job_info info;
	struct enpu_cs cs;

	enpu_cs_init(&cs, self->cmd.map, self->cmd.size);
	enpu_cs_op(&cs, ENPU1_OP_NOP);
	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_bytes(&cs), NULL, 0, &info));
	EXPECT_EQ(DRM_ENPU_JOB_NO_END, info.status);
}

TEST_F(dev, unmapped_address_faults)
{
	struct drm_enpu_job_info info;
	struct enpu_cs cs;

	enpu_cs_init(&cs, self->cmd.map, self->cmd.size);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, 0x40, 0, 64);
	enpu_cs_op(&cs, ENPU1_OP_END);
	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_bytes(&cs), NULL, 0, &info));
	EXPECT_EQ(DRM_ENPU_JOB_MMU_FAULT, info.status);
	EXPECT_EQ(0x40, info.fault_addr);
}

TEST_F(dev, guard_page_after_bo_faults)
{
	struct drm_enpu_job_info info;
	struct enpu_dbo data;
	struct enpu_cs cs;

	ASSERT_EQ(0, enpu_dbo_new(self->fd, 4096, 0, &data));
	enpu_cs_init(&cs, self->cmd.map, self->cmd.size);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, data.va + 4096 - 32, 0, 64);
	enpu_cs_op(&cs, ENPU1_OP_END);
	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_bytes(&cs), NULL, 0, &info));
	EXPECT_EQ(DRM_ENPU_JOB_MMU_FAULT, info.status);
	EXPECT_EQ(data.va + 4096, info.fault_addr);
	enpu_dbo_free(self->fd, &data);
}

TEST_F(dev, readonly_bo_cannot_be_written)
{
	struct drm_enpu_job_info info;
	struct enpu_dbo ro;
	struct enpu_cs cs;

	ASSERT_EQ(0, enpu_dbo_new(self->fd, 4096, DRM_ENPU_BO_DEVICE_READONLY, &ro));
	memset(ro.map, 0x5a, 4096);
	enpu_cs_init(&cs, self->cmd.map, self->cmd.size);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, ro.va, 0, 64);
	enpu_cs_op(&cs, ENPU1_OP_SYNC);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_STORE, ro.va + 128, 0, 64);
	enpu_cs_op(&cs, ENPU1_OP_END);
	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_bytes(&cs), NULL, 0, &info));
	EXPECT_EQ(DRM_ENPU_JOB_MMU_FAULT, info.status);
	EXPECT_EQ(ro.va + 128, info.fault_addr);
	EXPECT_EQ(0x5a, ((uint8_t *)ro.map)[128]);
	enpu_dbo_free(self->fd, &ro);
}

TEST_F(dev, dma_round_trip_through_sram)
{
	struct drm_enpu_job_info info;
	struct enpu_dbo src, dst;
	struct drm_enpu_bo_ref refs[2];
	struct enpu_cs cs;
	int k;

	ASSERT_EQ(0, enpu_dbo_new(self->fd, 8192, 0, &src));
	ASSERT_EQ(0, enpu_dbo_new(self->fd, 8192, 0, &dst));
	for (k = 0; k < 8192; k++)
		((uint8_t *)src.map)[k] = (uint8_t)(k ^ (k >> 8));
	enpu_cs_init(&cs, self->cmd.map, self->cmd.size);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_LOAD, src.va, 1024, 8192);
	enpu_cs_op(&cs, ENPU1_OP_SYNC);
	enpu_cs_dma(&cs, ENPU1_OP_DMA_STORE, dst.va, 1024, 8192);
	enpu_cs_op(&cs, ENPU1_OP_SYNC);
	enpu_cs_op(&cs, ENPU1_OP_END);
	refs[0] = (struct drm_enpu_bo_ref){ src.handle, DRM_ENPU_BO_REF_READ };
	refs[1] = (struct drm_enpu_bo_ref){ dst.handle, DRM_ENPU_BO_REF_WRITE };
	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_bytes(&cs), refs, 2, &info));
	ASSERT_EQ(DRM_ENPU_JOB_OK, info.status);
	EXPECT_EQ(0, memcmp(src.map, dst.map, 8192));
	EXPECT_LT(0, info.cycles);
	enpu_dbo_free(self->fd, &src);
	enpu_dbo_free(self->fd, &dst);
}

TEST_F(dev, fence_command_writes_value)
{
	struct drm_enpu_job_info info;
	struct enpu_dbo flag;
	struct enpu_cs cs;

	ASSERT_EQ(0, enpu_dbo_new(self->fd, 4096, 0, &flag));
	enpu_cs_init(&cs, self->cmd.map, self->cmd.size);
	cs.w[cs.n++] = ENPU1_CMD(ENPU1_OP_FENCE, 3, 0);
	cs.w[cs.n++] = (uint32_t)(flag.va + 64);
	cs.w[cs.n++] = (uint32_t)((flag.va + 64) >> 32);
	cs.w[cs.n++] = 0xc0ffee;
	enpu_cs_op(&cs, ENPU1_OP_END);
	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_bytes(&cs), NULL, 0, &info));
	EXPECT_EQ(DRM_ENPU_JOB_OK, info.status);
	EXPECT_EQ(0xc0ffee, ((uint32_t *)flag.map)[16]);
	enpu_dbo_free(self->fd, &flag);
}

TEST_F(dev, conv_job_matches_cpu)
{
	enum { H = 7, W = 9, C = 8, K = 3, OC = 12 };
	struct ref_conv geom = { .h = H, .w = W, .c = C, .oc = OC, .k = K, .stride = 1, .pad = 1,
				 .oh = H, .ow = W, .in_zp = -3, .out_zp = 5 };
	struct drm_enpu_bo_ref refs[5];
	struct drm_enpu_job_info info;
	struct enpu_conv_bos bo;
	int8_t *x, *w, *y, expect[H * W * OC];
	int32_t *b, *q;
	int i, bad = 0;

	ASSERT_EQ(0, enpu_conv_bos_new(self->fd, &geom, &bo));
	x = bo.in.map;
	w = bo.wt.map;
	b = bo.bias.map;
	q = bo.quant.map;
	y = bo.out.map;
	srand(42);
	for (i = 0; i < H * W * C; i++)
		x[i] = (int8_t)(rand() % 256 - 128);
	for (i = 0; i < OC * K * K * C; i++)
		w[i] = (int8_t)(rand() % 255 - 127);
	for (i = 0; i < OC; i++) {
		b[i] = rand() % 20001 - 10000;
		q[2 * i] = 1073741824 + rand() % 1000000000;	/* [0.5, 1) in Q31 */
		q[2 * i + 1] = -(7 + i % 4);
	}

	ASSERT_EQ(0, run_job(self->fd, &self->cmd, enpu_cs_conv_job(&self->cmd, &geom, &bo, refs),
			     refs, 5, &info));
	ASSERT_EQ(DRM_ENPU_JOB_OK, info.status);
	EXPECT_LE((uint64_t)H * W * OC * K * K * C / 1024, info.cycles);

	ref_conv_s8(&geom, x, w, b, q, expect);
	for (i = 0; i < H * W * OC; i++)
		if (y[i] != expect[i] && bad++ < 5)
			TH_LOG("output %d: chip %d, cpu %d", i, y[i], expect[i]);
	EXPECT_EQ(0, bad);
	enpu_conv_bos_free(self->fd, &bo);
}

TEST_F(dev, syncobj_dependency_orders_jobs)
{
	struct drm_enpu_job_info i1, i2;
	struct enpu_dbo data, cmd2;
	struct drm_enpu_submit s;
	uint32_t s1;
	uint64_t id1;

	ASSERT_EQ(0, enpu_dbo_new(self->fd, 4096, 0, &data));
	ASSERT_EQ(0, enpu_dbo_new(self->fd, 65536, 0, &cmd2));
	ASSERT_EQ(0, enpu_dev_submit(self->fd, &cmd2, enpu_cs_loads(&cmd2, data.va, 4096, 200), NULL, 0,
				     1, &s1, &id1));
	s = submit_args(&self->cmd, enpu_cs_noop(&self->cmd));
	s.in_syncobjs = (uintptr_t)&s1;
	s.in_syncobj_count = 1;
	ASSERT_EQ(0, ioctl_errno(self->fd, DRM_IOCTL_ENPU_SUBMIT, &s));
	ASSERT_EQ(0, enpu_dev_wait(self->fd, s1, 20 * SEC));
	usleep(200000);
	ASSERT_EQ(0, enpu_dev_job_info(self->fd, id1, &i1));
	ASSERT_EQ(0, enpu_dev_job_info(self->fd, s.job_id, &i2));
	EXPECT_EQ(DRM_ENPU_JOB_OK, i2.status);
	EXPECT_LE(i1.end_ns, i2.start_ns);
	drmSyncobjDestroy(self->fd, s1);
	enpu_dbo_free(self->fd, &data);
	enpu_dbo_free(self->fd, &cmd2);
}

TEST_F(dev, implicit_bo_dependency_orders_jobs)
{
	struct drm_enpu_job_info i1, i2;
	struct drm_enpu_bo_ref ref;
	struct enpu_dbo data, cmd2;
	uint32_t s1, s2;
	uint64_t id1, id2;

	ASSERT_EQ(0, enpu_dbo_new(self->fd, 4096, 0, &data));
	ASSERT_EQ(0, enpu_dbo_new(self->fd, 65536, 0, &cmd2));
	ref = (struct drm_enpu_bo_ref){ data.handle, DRM_ENPU_BO_REF_WRITE };
	ASSERT_EQ(0, enpu_dev_submit(self->fd, &cmd2, enpu_cs_loads(&cmd2, data.va, 4096, 200), &ref, 1,
				     1, &s1, &id1));
	ref.flags = DRM_ENPU_BO_REF_READ;
	ASSERT_EQ(0, enpu_dev_submit(self->fd, &self->cmd, enpu_cs_noop(&self->cmd), &ref, 1, 1,
				     &s2, &id2));
	ASSERT_EQ(0, enpu_dev_wait(self->fd, s2, 20 * SEC));
	ASSERT_EQ(0, enpu_dev_job_info(self->fd, id1, &i1));
	ASSERT_EQ(0, enpu_dev_job_info(self->fd, id2, &i2));
	EXPECT_EQ(DRM_ENPU_JOB_OK, i1.status);
	EXPECT_LE(i1.end_ns, i2.start_ns);
	drmSyncobjDestroy(self->fd, s1);
	drmSyncobjDestroy(self->fd, s2);
	enpu_dbo_free(self->fd, &data);
	enpu_dbo_free(self->fd, &cmd2);
}

/*
 * These two wait up to 30-60 s per job in the worst case, more than the
 * harness's default limit of 30 s for the whole test: a slow run must
 * reach its own checks rather than be killed by the harness.
 */
#define LONG_TEST_TIMEOUT_S 180

TEST_F_TIMEOUT(dev, many_jobs_from_several_processes, LONG_TEST_TIMEOUT_S)
{
	enum { PROCS = 4, JOBS = 40 };
	int p, status, ok = 0;

	for (p = 0; p < PROCS; p++) {
		if (fork() == 0) {
			int fd = enpu_dev_open(NULL), k, good = 0;
			struct drm_enpu_job_info info;
			struct enpu_dbo cmd;
			uint32_t sync[JOBS];
			uint64_t id[JOBS];

			if (fd < 0 || enpu_dbo_new(fd, 4096, 0, &cmd))
				_exit(2);
			for (k = 0; k < JOBS; k++)
				if (enpu_dev_submit(fd, &cmd, enpu_cs_noop(&cmd), NULL, 0, k % 3,
						    &sync[k], &id[k]))
					_exit(3);
			for (k = 0; k < JOBS; k++)
				if (!enpu_dev_wait(fd, sync[k], 30 * SEC) &&
				    !enpu_dev_job_info(fd, id[k], &info) &&
				    info.status == DRM_ENPU_JOB_OK)
					good++;
			_exit(good == JOBS ? 0 : 1);
		}
	}
	for (p = 0; p < PROCS; p++) {
		wait(&status);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	}
	EXPECT_EQ(PROCS, ok);
}

TEST_F_TIMEOUT(dev, high_priority_overtakes_queued_low, LONG_TEST_TIMEOUT_S)
{
	enum { LOW = 12 };
	struct drm_enpu_job_info hi, lo;
	struct enpu_dbo data, cmds[LOW];
	uint32_t sync[LOW], hsync;
	uint64_t id[LOW], hid, later = 0;
	int k;

	ASSERT_EQ(0, enpu_dev_inject("slow=3000"));
	ASSERT_EQ(0, enpu_dbo_new(self->fd, 4096, 0, &data));
	for (k = 0; k < LOW; k++) {
		ASSERT_EQ(0, enpu_dbo_new(self->fd, 65536, 0, &cmds[k]));
		ASSERT_EQ(0, enpu_dev_submit(self->fd, &cmds[k], enpu_cs_loads(&cmds[k], data.va, 4096, 10),
					     NULL, 0, DRM_ENPU_PRIORITY_LOW, &sync[k], &id[k]));
	}
	usleep(100000);
	ASSERT_EQ(0, enpu_dev_submit(self->fd, &self->cmd, enpu_cs_noop(&self->cmd), NULL, 0,
				     DRM_ENPU_PRIORITY_HIGH, &hsync, &hid));
	for (k = 0; k < LOW; k++)
		ASSERT_EQ(0, enpu_dev_wait(self->fd, sync[k], 60 * SEC));
	ASSERT_EQ(0, enpu_dev_wait(self->fd, hsync, 10 * SEC));
	ASSERT_EQ(0, enpu_dev_inject("slow=0"));
	ASSERT_EQ(0, enpu_dev_job_info(self->fd, hid, &hi));
	for (k = 0; k < LOW; k++) {
		ASSERT_EQ(0, enpu_dev_job_info(self->fd, id[k], &lo));
		if (lo.start_ns > hi.start_ns)
			later++;
		enpu_dbo_free(self->fd, &cmds[k]);
	}
	/* Low jobs were queued on every core; the high one must not wait for
	 * all of them. */
	EXPECT_LT(2, later) TH_LOG("only %llu low jobs started after the high one",
				   (unsigned long long)later);
	enpu_dbo_free(self->fd, &data);
}

TEST_HARNESS_MAIN
