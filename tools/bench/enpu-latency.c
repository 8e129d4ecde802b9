// SPDX-License-Identifier: MIT
/*
 * enpu-latency: submit-to-fence latency of a no-op job and pipelined job
 * throughput, each set against a bare DRM_IOCTL_VERSION round trip
 * measured in the same run, so that the ratio says what the driver and the
 * chip add over the cheapest possible ioctl on this machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "bench-util.h"
#include "enpu_dev.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double pct(double *v, int n, double p)
{
	return v[(int)(p * (n - 1) + 0.5)];
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500, fd, i, ret;
	double *ioctl_us, *job_us, t0, burst_s;
	struct drm_version ver;
	struct enpu_dbo cmd;
	struct enpu_cs cs;
	uint32_t sync, cmd_bytes;
	uint64_t id;

	fd = enpu_dev_open(NULL);
	if (fd < 0 || n < 10) {
		fprintf(stderr, "enpu-latency: %s\n", fd < 0 ? strerror(errno) : "need N >= 10");
		return 1;
	}
	ioctl_us = calloc(n, sizeof(double));
	job_us = calloc(n, sizeof(double));
	if (!ioctl_us || !job_us || enpu_dbo_new(fd, 4096, DRM_ENPU_BO_DEVICE_READONLY, &cmd))
		return 1;
	enpu_cs_init(&cs, cmd.map, cmd.size);
	enpu_cs_op(&cs, ENPU1_OP_END);
	cmd_bytes = enpu_cs_bytes(&cs);

	/* Warm up: wake the chip from runtime suspend, fault in the paths. */
	for (i = 0; i < 20; i++) {
		if (enpu_dev_submit(fd, &cmd, cmd_bytes, NULL, 0, 1, &sync, &id) ||
		    enpu_dev_wait(fd, sync, 5000000000ll))
			return 1;
		drmSyncobjDestroy(fd, sync);
	}

	for (i = 0; i < n; i++) {
		memset(&ver, 0, sizeof(ver));
		t0 = now_us();
		ioctl(fd, DRM_IOCTL_VERSION, &ver);
		ioctl_us[i] = now_us() - t0;
	}
	if (drmSyncobjCreate(fd, 0, &sync))
		return 1;
	for (i = 0; i < n; i++) {
		struct drm_enpu_submit s = {
			.cmd_handle = cmd.handle, .cmd_size = cmd_bytes,
			.priority = DRM_ENPU_PRIORITY_HIGH, .out_syncobj = sync,
		};

		t0 = now_us();
		if (ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s))
			return 1;
		ret = enpu_dev_wait(fd, sync, 5000000000ll);
		job_us[i] = now_us() - t0;
		if (ret)
			return 1;
	}
	/* Throughput: keep the queues full, wait only for the last job. */
	t0 = now_us();
	for (i = 0; i < n; i++) {
		struct drm_enpu_submit s = {
			.cmd_handle = cmd.handle, .cmd_size = cmd_bytes,
			.priority = DRM_ENPU_PRIORITY_NORMAL,
			.out_syncobj = i == n - 1 ? sync : 0,
		};

		if (ioctl(fd, DRM_IOCTL_ENPU_SUBMIT, &s))
			return 1;
	}
	if (enpu_dev_wait(fd, sync, 60000000000ll))
		return 1;
	burst_s = (now_us() - t0) / 1e6;

	qsort(ioctl_us, n, sizeof(double), bench_cmp_double);
	qsort(job_us, n, sizeof(double), bench_cmp_double);
	printf("%-34s %10s %10s\n", "", "p50 (us)", "p99 (us)");
	printf("%-34s %10.1f %10.1f\n", "DRM_IOCTL_VERSION round trip", pct(ioctl_us, n, 0.5),
	       pct(ioctl_us, n, 0.99));
	printf("%-34s %10.1f %10.1f\n", "no-op job, submit to fence", pct(job_us, n, 0.5),
	       pct(job_us, n, 0.99));
	printf("submit-to-fence / bare ioctl:      p50 %.1fx, p99 %.1fx\n",
	       pct(job_us, n, 0.5) / pct(ioctl_us, n, 0.5),
	       pct(job_us, n, 0.99) / pct(ioctl_us, n, 0.99));
	printf("pipelined no-op jobs:              %.0f jobs/s (%d jobs in %.3f s)\n",
	       n / burst_s, n, burst_s);
	drmSyncobjDestroy(fd, sync);
	enpu_dbo_free(fd, &cmd);
	close(fd);
	return 0;
}
