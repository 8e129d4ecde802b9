// SPDX-License-Identifier: MIT
/*
 * enpu-demo: what `make demo` runs inside the emulated board.  It asks the
 * driver what chip it has, runs one int8 convolution on it through the
 * real uAPI (BOs, device MMU, scheduler, syncobj), and checks every output
 * value against a CPU reference.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "enpu_dev.h"
#include "ref_conv.h"

enum { H = 28, W = 28, C = 16, K = 3, OC = 32 };

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int die(const char *what, int err)
{
	fprintf(stderr, "enpu-demo: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

int main(void)
{
	struct ref_conv geom = { .h = H, .w = W, .c = C, .oc = OC, .k = K, .stride = 1,
				 .pad = 1, .oh = H, .ow = W, .in_zp = 1, .out_zp = -2 };
	uint64_t cores, sram, clock_khz, fw, macs_cycle, id;
	struct drm_enpu_bo_ref refs[5];
	struct drm_enpu_job_info info;
	struct enpu_conv_bos bo;
	struct enpu_dbo cmd;
	int8_t *expect, *y;
	int fd, ret, i, bad = 0;
	double t0, t1;
	uint32_t sync;

	fd = enpu_dev_open(NULL);
	if (fd < 0)
		return die("/dev/accel/accel0", errno);
	if (enpu_dev_param(fd, DRM_ENPU_PARAM_NUM_CORES, &cores) ||
	    enpu_dev_param(fd, DRM_ENPU_PARAM_SRAM_SIZE, &sram) ||
	    enpu_dev_param(fd, DRM_ENPU_PARAM_CLOCK_KHZ, &clock_khz) ||
	    enpu_dev_param(fd, DRM_ENPU_PARAM_MACS_PER_CYCLE, &macs_cycle) ||
	    enpu_dev_param(fd, DRM_ENPU_PARAM_FW_VERSION, &fw))
		return die("GET_PARAM", errno);
	printf("chip:     ENPU-1, %llu cores, %llu KiB SRAM, %llu MHz, %llu MACs/cycle/core\n",
	       (unsigned long long)cores, (unsigned long long)sram / 1024,
	       (unsigned long long)clock_khz / 1000, (unsigned long long)macs_cycle);
	printf("firmware: %llu.%llu.%llu\n", (unsigned long long)fw >> 16,
	       (unsigned long long)(fw >> 8) & 255, (unsigned long long)fw & 255);

	if ((ret = enpu_dbo_new(fd, 4096, DRM_ENPU_BO_DEVICE_READONLY, &cmd)) ||
	    (ret = enpu_conv_bos_new(fd, &geom, &bo)))
		return die("BO_CREATE", ret);

	srand(2026);
	for (i = 0; i < H * W * C; i++)
		((int8_t *)bo.in.map)[i] = (int8_t)(rand() % 256 - 128);
	for (i = 0; i < OC * K * K * C; i++)
		((int8_t *)bo.wt.map)[i] = (int8_t)(rand() % 255 - 127);
	for (i = 0; i < OC; i++) {
		((int32_t *)bo.bias.map)[i] = rand() % 4001 - 2000;
		((int32_t *)bo.quant.map)[2 * i] = 1200000000 + rand() % 900000000;
		((int32_t *)bo.quant.map)[2 * i + 1] = -8;
	}

	t0 = now_ms();
	ret = enpu_dev_submit(fd, &cmd, enpu_cs_conv_job(&cmd, &geom, &bo, refs), refs, 5,
			      DRM_ENPU_PRIORITY_NORMAL, &sync, &id);
	if (ret)
		return die("SUBMIT", ret);
	ret = enpu_dev_wait(fd, sync, 10000000000ll);
	t1 = now_ms();
	if (ret)
		return die("waiting for the job", ret);
	ret = enpu_dev_job_info(fd, id, &info);
	if (ret)
		return die("JOB_INFO", ret);
	if (info.status != DRM_ENPU_JOB_OK) {
		fprintf(stderr, "enpu-demo: job %llu ended with status %u\n",
			(unsigned long long)id, info.status);
		return 1;
	}

	printf("job %llu:   int8 CONV %dx%d, %dx%dx%d -> %dx%dx%d, %.1f M MACs, on core %u\n",
	       (unsigned long long)id, K, K, H, W, C, H, W, OC, H * W * OC * K * K * C / 1e6,
	       info.core);
	printf("          %llu device cycles (%.1f us at %llu MHz), %.2f ms submit to fence\n",
	       (unsigned long long)info.cycles, info.cycles * 1e3 / (double)clock_khz,
	       (unsigned long long)clock_khz / 1000, t1 - t0);

	expect = malloc(H * W * OC);
	if (!expect)
		return die("malloc", ENOMEM);
	ref_conv_s8(&geom, bo.in.map, bo.wt.map, bo.bias.map, bo.quant.map, expect);
	y = bo.out.map;
	for (i = 0; i < H * W * OC; i++)
		bad += y[i] != expect[i];
	printf("output:   first pixel, channels 0-7: %d %d %d %d %d %d %d %d\n", y[0], y[1], y[2],
	       y[3], y[4], y[5], y[6], y[7]);
	if (bad) {
		printf("result:   %d of %d values differ from the CPU reference\n", bad, H * W * OC);
		return 1;
	}
	printf("result:   all %d values match the CPU reference bit for bit\n", H * W * OC);
	free(expect);
	enpu_conv_bos_free(fd, &bo);
	enpu_dbo_free(fd, &cmd);
	close(fd);
	return 0;
}
