// SPDX-License-Identifier: GPL-2.0-only
/*
 * enpu_busy SECONDS: keeps the chip busy with jobs until the time is up or
 * the device goes away.  Exits 0 when every job either completed or was
 * refused with the errors a removed device gives (ENODEV, EIO); any other
 * failure, or a hang, is a bug.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>

#include "enpu_dev.h"

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 5, fd, ret, done = 0, gone = 0;
	time_t end = time(NULL) + seconds;
	struct enpu_dbo cmd, data;
	uint32_t sync, bytes;
	uint64_t id;

	fd = enpu_dev_open(NULL);
	if (fd < 0 || enpu_dbo_new(fd, 65536, 0, &cmd) || enpu_dbo_new(fd, 4096, 0, &data)) {
		perror("enpu_busy: setup");
		return 1;
	}
	bytes = enpu_cs_loads(&cmd, data.va, 4096, 50);
	while (time(NULL) < end) {
		ret = enpu_dev_submit(fd, &cmd, bytes, NULL, 0, 1, &sync, &id);
		if (ret == -ENODEV || ret == -EIO) {
			gone = 1;
			break;
		}
		if (ret) {
			fprintf(stderr, "enpu_busy: submit: %s\n", strerror(-ret));
			return 1;
		}
		ret = enpu_dev_wait(fd, sync, 20000000000ll);
		drmSyncobjDestroy(fd, sync);
		if (ret == -ETIME) {
			fprintf(stderr, "enpu_busy: a job never ended\n");
			return 1;
		}
		done++;
	}
	printf("enpu_busy: %d jobs, device %s\n", done, gone ? "gone" : "present");
	return 0;
}
