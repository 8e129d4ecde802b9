// SPDX-License-Identifier: MIT
/*
 * enpu-fwpack: wraps a firmware payload in the ENPU-1 image header, or
 * checks an existing image (--verify), the way the chip's boot ROM will.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "enpu1_hw.h"

static int read_file(const char *path, unsigned char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	*data = malloc(n ? n : 1);
	if (!*data) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(*data, 1, n, f) != (size_t)n) {
		free(*data);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*len = n;
	return 0;
}

static int parse_version(const char *s, uint32_t *out)
{
	unsigned int maj, min, patch;

	if (sscanf(s, "%u.%u.%u", &maj, &min, &patch) != 3 || maj > 0xffff || min > 255 ||
	    patch > 255)
		return -1;
	*out = ENPU1_FW_VERSION(maj, min, patch);
	return 0;
}

/* Returns NULL when the image is good, else why the ROM would refuse it. */
static const char *verify(const unsigned char *img, size_t len)
{
	struct enpu1_fw_header h;
	uint32_t crc;

	if (len < sizeof(h))
		return "shorter than the header";
	memcpy(&h, img, sizeof(h));
	if (h.magic != ENPU1_FW_MAGIC)
		return "bad magic";
	crc = h.header_crc;
	h.header_crc = 0;
	if (h.header_size != sizeof(h) || enpu_crc32(0, &h, sizeof(h)) != crc)
		return "bad header size or header CRC";
	if (h.abi != ENPU1_FW_ABI)
		return "unsupported ABI";
	if (h.machine != ENPU1_FW_MACHINE_X86_64_SO)
		return "payload for another machine";
	if (len > ENPU1_FW_MAX_SIZE || h.payload_size != len - sizeof(h))
		return "payload size does not match the file";
	if (enpu_crc32(0, img + sizeof(h), h.payload_size) != h.payload_crc)
		return "bad payload CRC";
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: enpu-fwpack [--version X.Y.Z] [--build ID] -o IMAGE PAYLOAD\n"
		   "       enpu-fwpack --verify IMAGE\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "version", required_argument, NULL, 'V' },
		{ "build", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "verify", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *build = "enpu";
	uint32_t version = ENPU1_FW_VERSION(1, 0, 0);
	struct enpu1_fw_header h;
	unsigned char *data = NULL;
	int check = 0, c, err;
	size_t len = 0;
	FILE *f;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'V':
			if (parse_version(optarg, &version)) {
				fprintf(stderr, "enpu-fwpack: bad version '%s' (want X.Y.Z)\n", optarg);
				return 2;
			}
			break;
		case 'b':
			build = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'c':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || (!check && !out)) {
		usage(stderr);
		return 2;
	}
	err = read_file(argv[optind], &data, &len);
	if (err) {
		fprintf(stderr, "enpu-fwpack: %s: %s\n", argv[optind], strerror(-err));
		return 1;
	}
	if (check) {
		const char *why = verify(data, len);

		free(data);
		if (why) {
			fprintf(stderr, "enpu-fwpack: %s: %s\n", argv[optind], why);
			return 1;
		}
		return 0;
	}
	if (len + sizeof(h) > ENPU1_FW_MAX_SIZE) {
		fprintf(stderr, "enpu-fwpack: payload too large (%zu bytes)\n", len);
		free(data);
		return 1;
	}
	memset(&h, 0, sizeof(h));
	h.magic = ENPU1_FW_MAGIC;
	h.header_size = sizeof(h);
	h.abi = ENPU1_FW_ABI;
	h.machine = ENPU1_FW_MACHINE_X86_64_SO;
	h.fw_version = version;
	h.payload_size = len;
	h.payload_crc = enpu_crc32(0, data, len);
	snprintf(h.build, sizeof(h.build), "%s", build);
	h.header_crc = enpu_crc32(0, &h, sizeof(h));

	f = fopen(out, "wb");
	if (!f || fwrite(&h, sizeof(h), 1, f) != 1 || fwrite(data, 1, len, f) != len ||
	    fclose(f)) {
		fprintf(stderr, "enpu-fwpack: %s: %s\n", out, strerror(errno));
		free(data);
		return 1;
	}
	free(data);
	return 0;
}
