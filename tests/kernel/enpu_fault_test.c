// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu fault tests, run inside the emulated board: faults are injected
 * through the emulator's bench control channel, and the driver must
 * contain them to the guilty context and recover without a reload.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xf86drm.h>

#include "kselftest_harness.h"
#include "enpu_dev.h"

#define SEC 1000000000ll

/* Submits and waits; returns the job's status or a negative errno. */
static int job_status(int fd, struct enpu_dbo *cmd, uint32_t bytes, int64_t timeout)
{
	struct drm_enpu_job_info info;
	uint32_t sync;
	uint64_t id;
	int ret;

	ret = enpu_dev_submit(fd, cmd, bytes, NULL, 0, DRM_ENPU_PRIORITY_NORMAL, &sync, &id);
	if (ret)
		return ret;
	ret = enpu_dev_wait(fd, sync, timeout);
	drmSyncobjDestroy(fd, sync);
	if (ret)
		return ret;
	ret = enpu_dev_job_info(fd, id, &info);
	return ret ? ret : (int)info.status;
}

/*
 * A test's own waits add up to 50-90 s in the worst case, more than the
 * harness's default limit of 30 s.  With that default, a slow run (an
 * emulated board on a busy host) was killed by the harness before it
 * reached its own checks, with nothing said about which wait was slow.
 */
#define FAULT_TEST_TIMEOUT_S 180

FIXTURE(fault) {
	int a, b;
	struct enpu_dbo cmd_a, cmd_b, data_a;
};

FIXTURE_SETUP(fault)
{
	self->a = enpu_dev_open(NULL);
	self->b = enpu_dev_open(NULL);
	ASSERT_LE(0, self->a);
	ASSERT_LE(0, self->b);
	ASSERT_EQ(0, enpu_dbo_new(self->a, 65536, 0, &self->cmd_a));
	ASSERT_EQ(0, enpu_dbo_new(self->b, 4096, 0, &self->cmd_b));
	ASSERT_EQ(0, enpu_dbo_new(self->a, 4096, 0, &self->data_a));
	ASSERT_EQ(0, enpu_dev_inject("clear"));
}

FIXTURE_TEARDOWN(fault)
{
	enpu_dev_inject("clear");
	enpu_dbo_free(self->a, &self->cmd_a);
	enpu_dbo_free(self->a, &self->data_a);
	enpu_dbo_free(self->b, &self->cmd_b);
	close(self->a);
	close(self->b);
}

TEST_F_TIMEOUT(fault, control_channel_refuses_unknown_fault, FAULT_TEST_TIMEOUT_S)
{
	EXPECT_EQ(-EINVAL, enpu_dev_inject("melt"));
}

TEST_F_TIMEOUT(fault, hung_job_resets_chip_and_others_continue, FAULT_TEST_TIMEOUT_S)
{
	uint64_t before, after;

	ASSERT_EQ(0, enpu_dev_param(self->a, DRM_ENPU_PARAM_RESET_COUNT, &before));
	ASSERT_EQ(0, enpu_dev_inject("hang"));
	EXPECT_EQ(DRM_ENPU_JOB_TIMEOUT,
		  job_status(self->a, &self->cmd_a, enpu_cs_loads(&self->cmd_a, self->data_a.va, 256, 1),
			     30 * SEC));
	ASSERT_EQ(0, enpu_dev_param(self->a, DRM_ENPU_PARAM_RESET_COUNT, &after));
	EXPECT_EQ(before + 1, after);
	/* The other file is unaffected. */
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->b, &self->cmd_b, enpu_cs_noop(&self->cmd_b),
					      10 * SEC));
	/* The guilty file hears about it once, then works again. */
	EXPECT_EQ(-EIO, job_status(self->a, &self->cmd_a, enpu_cs_noop(&self->cmd_a), 10 * SEC));
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->a, &self->cmd_a, enpu_cs_noop(&self->cmd_a),
					      10 * SEC));
}

TEST_F_TIMEOUT(fault, innocent_jobs_survive_a_reset, FAULT_TEST_TIMEOUT_S)
{
	struct enpu_dbo cmds[6];
	uint32_t sync[6], hsync;
	uint64_t id[6], hid;
	struct drm_enpu_job_info info;
	int k, ok = 0;

	ASSERT_EQ(0, enpu_dev_inject("slow=2000"));
	for (k = 0; k < 6; k++) {
		ASSERT_EQ(0, enpu_dbo_new(self->b, 65536, 0, &cmds[k]));
		ASSERT_EQ(0, enpu_dev_submit(self->b, &cmds[k], enpu_cs_noop(&cmds[k]), NULL, 0, 1,
					     &sync[k], &id[k]));
	}
	ASSERT_EQ(0, enpu_dev_inject("hang"));
	ASSERT_EQ(0, enpu_dev_submit(self->a, &self->cmd_a,
				     enpu_cs_loads(&self->cmd_a, self->data_a.va, 256, 1), NULL, 0, 2,
				     &hsync, &hid));
	ASSERT_EQ(0, enpu_dev_inject("slow=0"));
	ASSERT_EQ(0, enpu_dev_wait(self->a, hsync, 30 * SEC));
	for (k = 0; k < 6; k++) {
		ASSERT_EQ(0, enpu_dev_wait(self->b, sync[k], 30 * SEC));
		ASSERT_EQ(0, enpu_dev_job_info(self->b, id[k], &info));
		ok += info.status == DRM_ENPU_JOB_OK;
		enpu_dbo_free(self->b, &cmds[k]);
	}
	EXPECT_EQ(6, ok);
	drmSyncobjDestroy(self->a, hsync);
}

TEST_F_TIMEOUT(fault, progressing_job_is_not_killed, FAULT_TEST_TIMEOUT_S)
{
	uint64_t before, after;

	ASSERT_EQ(0, enpu_dev_param(self->a, DRM_ENPU_PARAM_RESET_COUNT, &before));
	/* 400 operations at 15 ms each: 6 s, longer than the 2 s timeout,
	 * but always moving. */
	ASSERT_EQ(0, enpu_dev_inject("slow=15000"));
	EXPECT_EQ(DRM_ENPU_JOB_OK,
		  job_status(self->a, &self->cmd_a, enpu_cs_loads(&self->cmd_a, self->data_a.va, 256, 400),
			     60 * SEC));
	ASSERT_EQ(0, enpu_dev_inject("slow=0"));
	ASSERT_EQ(0, enpu_dev_param(self->a, DRM_ENPU_PARAM_RESET_COUNT, &after));
	EXPECT_EQ(before, after);
}

TEST_F_TIMEOUT(fault, mmu_fault_stays_in_its_context, FAULT_TEST_TIMEOUT_S)
{
	ASSERT_EQ(0, enpu_dev_inject("mmu-fault"));
	EXPECT_EQ(DRM_ENPU_JOB_MMU_FAULT,
		  job_status(self->a, &self->cmd_a, enpu_cs_loads(&self->cmd_a, self->data_a.va, 256, 1),
			     10 * SEC));
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->b, &self->cmd_b, enpu_cs_noop(&self->cmd_b),
					      10 * SEC));
	/* A fault is the job's own error, not a reset: no -EIO next. */
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->a, &self->cmd_a, enpu_cs_noop(&self->cmd_a),
					      10 * SEC));
}

TEST_F_TIMEOUT(fault, dma_bus_error_is_reported, FAULT_TEST_TIMEOUT_S)
{
	ASSERT_EQ(0, enpu_dev_inject("dma-fault"));
	EXPECT_EQ(DRM_ENPU_JOB_BUS_ERROR,
		  job_status(self->a, &self->cmd_a, enpu_cs_loads(&self->cmd_a, self->data_a.va, 256, 1),
			     10 * SEC));
}

TEST_F_TIMEOUT(fault, lost_interrupt_is_recovered, FAULT_TEST_TIMEOUT_S)
{
	ASSERT_EQ(0, enpu_dev_inject("drop-irq"));
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->a, &self->cmd_a, enpu_cs_noop(&self->cmd_a),
					      30 * SEC));
}

TEST_F_TIMEOUT(fault, corrupt_completion_is_refused_and_recovered, FAULT_TEST_TIMEOUT_S)
{
	uint64_t before, after;

	ASSERT_EQ(0, enpu_dev_param(self->a, DRM_ENPU_PARAM_RESET_COUNT, &before));
	ASSERT_EQ(0, enpu_dev_inject("corrupt-event"));
	/* The driver refuses the bad event; the chip did finish the job, so
	 * the job ends as a device error, without a reset or any blame. */
	EXPECT_EQ(DRM_ENPU_JOB_DEVICE_ERROR,
		  job_status(self->a, &self->cmd_a, enpu_cs_noop(&self->cmd_a), 30 * SEC));
	ASSERT_EQ(0, enpu_dev_param(self->a, DRM_ENPU_PARAM_RESET_COUNT, &after));
	EXPECT_EQ(before, after);
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->a, &self->cmd_a, enpu_cs_noop(&self->cmd_a),
					      10 * SEC));
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->b, &self->cmd_b, enpu_cs_noop(&self->cmd_b),
					      10 * SEC));
}

TEST_F_TIMEOUT(fault, frozen_firmware_is_recovered, FAULT_TEST_TIMEOUT_S)
{
	uint64_t before, after;

	ASSERT_EQ(0, enpu_dev_param(self->a, DRM_ENPU_PARAM_RESET_COUNT, &before));
	ASSERT_EQ(0, enpu_dev_inject("dead"));
	/* Nothing runs until the watchdog or the job timeout resets the chip;
	 * the job never started, so it is innocent and runs after the reset. */
	EXPECT_EQ(DRM_ENPU_JOB_OK,
		  job_status(self->a, &self->cmd_a, enpu_cs_noop(&self->cmd_a), 30 * SEC));
	ASSERT_EQ(0, enpu_dev_param(self->a, DRM_ENPU_PARAM_RESET_COUNT, &after));
	EXPECT_LT(before, after);
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->b, &self->cmd_b, enpu_cs_noop(&self->cmd_b),
					      10 * SEC));
}

TEST_F_TIMEOUT(fault, close_with_jobs_in_flight, FAULT_TEST_TIMEOUT_S)
{
	int fd = enpu_dev_open(NULL), k;
	struct enpu_dbo cmd, data;
	uint32_t sync;
	uint64_t id;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, enpu_dev_inject("slow=2000"));
	ASSERT_EQ(0, enpu_dbo_new(fd, 65536, 0, &cmd));
	ASSERT_EQ(0, enpu_dbo_new(fd, 4096, 0, &data));
	for (k = 0; k < 20; k++)
		ASSERT_EQ(0, enpu_dev_submit(fd, &cmd, enpu_cs_loads(&cmd, data.va, 256, 5), NULL, 0, 1,
					     &sync, &id));
	/* Close everything while the chip still works on them. */
	munmap(cmd.map, cmd.size);
	munmap(data.map, data.size);
	close(fd);
	ASSERT_EQ(0, enpu_dev_inject("slow=0"));
	EXPECT_EQ(DRM_ENPU_JOB_OK, job_status(self->b, &self->cmd_b, enpu_cs_noop(&self->cmd_b),
					      30 * SEC));
}

TEST_HARNESS_MAIN
