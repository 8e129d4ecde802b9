// SPDX-License-Identifier: MIT
/*
 * Image decoding for enpu-run: our own BMP reader (uncompressed 8/24/32-bit,
 * the formats our test images and most tools produce), PNG through libpng
 * and JPEG through libjpeg.  Everything decodes to 8-bit RGB.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "image.h"

#define MAX_SIDE 16384

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int bmp_decode(const uint8_t *d, size_t n, struct image *img, char *err, size_t errlen)
{
	if (n < 54)
		return snprintf(err, errlen, "BMP file truncated (%zu bytes)", n), -EINVAL;
	uint32_t off = le32(d + 10), hdr = le32(d + 14);
	int32_t w = (int32_t)le32(d + 18), h = (int32_t)le32(d + 22);
	uint16_t planes = le16(d + 26), bpp = le16(d + 28);
	uint32_t comp = le32(d + 30), ncolors = hdr >= 40 ? le32(d + 46) : 0;
	if (hdr < 40 || hdr > n - 14)
		return snprintf(err, errlen, "BMP header size %u not supported", hdr), -EINVAL;
	if (planes != 1 || !(bpp == 8 || bpp == 24 || bpp == 32))
		return snprintf(err, errlen, "BMP with %u bits per pixel not supported (8, 24, 32)", bpp),
		       -EINVAL;
	if (!(comp == 0 || (comp == 3 && bpp == 32)))
		return snprintf(err, errlen, "compressed BMP (method %u) not supported", comp), -EINVAL;
	int top_down = h < 0;
	if (h == INT32_MIN)
		return snprintf(err, errlen, "BMP height out of range"), -EINVAL;
	h = top_down ? -h : h;
	if (w <= 0 || h <= 0 || w > MAX_SIDE || h > MAX_SIDE)
		return snprintf(err, errlen, "BMP size %dx%d out of range", w, h), -EINVAL;
	size_t stride = (((size_t)w * bpp + 31) / 32) * 4;
	if (off > n || stride * (size_t)h > n - off)
		return snprintf(err, errlen, "BMP pixel data truncated"), -EINVAL;
	const uint8_t *pal = d + 14 + hdr;
	if (bpp == 8) {
		if (ncolors == 0)
			ncolors = 256;
		if (ncolors > 256 || (size_t)(pal - d) + 4 * (size_t)ncolors > off)
			return snprintf(err, errlen, "BMP palette truncated"), -EINVAL;
	}
	img->w = w;
	img->h = h;
	img->rgb = malloc((size_t)w * h * 3);
	if (!img->rgb)
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	for (int y = 0; y < h; y++) {
		const uint8_t *row = d + off + stride * (size_t)(top_down ? y : h - 1 - y);
		uint8_t *o = img->rgb + (size_t)y * w * 3;
		for (int x = 0; x < w; x++) {
			const uint8_t *p;
			if (bpp == 8) {
				unsigned idx = row[x];
				if (idx >= ncolors)
					idx = 0;
				p = pal + 4 * idx;
			} else {
				p = row + (size_t)x * (bpp / 8);
			}
			/* BMP stores blue, green, red. */
			o[3 * x] = p[2];
			o[3 * x + 1] = p[1];
			o[3 * x + 2] = p[0];
		}
	}
	return 0;
}

static int png_decode(const uint8_t *d, size_t n, struct image *img, char *err, size_t errlen)
{
	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&pi, d, n))
		return snprintf(err, errlen, "PNG: %s", pi.message), -EINVAL;
	if (pi.width == 0 || pi.height == 0 || pi.width > MAX_SIDE || pi.height > MAX_SIDE) {
		png_image_free(&pi);
		return snprintf(err, errlen, "PNG size %ux%u out of range", pi.width, pi.height), -EINVAL;
	}
	pi.format = PNG_FORMAT_RGB;
	img->w = (int)pi.width;
	img->h = (int)pi.height;
	img->rgb = malloc(PNG_IMAGE_SIZE(pi));
	if (!img->rgb) {
		png_image_free(&pi);
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	}
	if (!png_image_finish_read(&pi, NULL, img->rgb, 0, NULL)) {
		snprintf(err, errlen, "PNG: %s", pi.message);
		png_image_free(&pi);
		free(img->rgb);
		img->rgb = NULL;
		return -EINVAL;
	}
	return 0;
}

struct jerr {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
	char msg[JMSG_LENGTH_MAX];
};

static void jpeg_fail(j_common_ptr c)
{
	struct jerr *e = (struct jerr *)c->err;
	(*c->err->format_message)(c, e->msg);
	longjmp(e->jb, 1);
}

static void jpeg_quiet(j_common_ptr c, int level)
{
	(void)c;
	(void)level;
}

static int jpeg_decode(const uint8_t *d, size_t n, struct image *img, char *err, size_t errlen)
{
	struct jpeg_decompress_struct c;
	struct jerr je;
	/* volatile: survives the longjmp back from libjpeg's error handler. */
	uint8_t *volatile buf = NULL;

	c.err = jpeg_std_error(&je.mgr);
	je.mgr.error_exit = jpeg_fail;
	je.mgr.emit_message = jpeg_quiet;
	if (setjmp(je.jb)) {
		snprintf(err, errlen, "JPEG: %s", je.msg);
		jpeg_destroy_decompress(&c);
		free(buf);
		return -EINVAL;
	}
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, d, (unsigned long)n);
	jpeg_read_header(&c, TRUE);
	c.out_color_space = JCS_RGB;
	jpeg_start_decompress(&c);
	if (c.output_width == 0 || c.output_height == 0 || c.output_width > MAX_SIDE ||
	    c.output_height > MAX_SIDE || c.output_components != 3) {
		snprintf(err, errlen, "JPEG size %ux%u out of range", c.output_width, c.output_height);
		jpeg_destroy_decompress(&c);
		return -EINVAL;
	}
	buf = malloc((size_t)c.output_width * c.output_height * 3);
	if (!buf) {
		jpeg_destroy_decompress(&c);
		return snprintf(err, errlen, "out of memory"), -ENOMEM;
	}
	while (c.output_scanline < c.output_height) {
		JSAMPROW row = buf + (size_t)c.output_scanline * c.output_width * 3;
		jpeg_read_scanlines(&c, &row, 1);
	}
	img->w = (int)c.output_width;
	img->h = (int)c.output_height;
	jpeg_finish_decompress(&c);
	jpeg_destroy_decompress(&c);
	img->rgb = buf;
	return 0;
}

int image_decode(const uint8_t *d, size_t n, struct image *img, char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	if (n >= 2 && d[0] == 'B' && d[1] == 'M')
		return bmp_decode(d, n, img, err, errlen);
	if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return png_decode(d, n, img, err, errlen);
	if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
		return jpeg_decode(d, n, img, err, errlen);
	snprintf(err, errlen, "not a BMP, PNG or JPEG image");
	return -EINVAL;
}

void image_resize(const struct image *src, int w, int h, float *out)
{
	/* Bilinear with half-pixel centres, in float: simple and deterministic. */
	float sy = (float)src->h / (float)h, sx = (float)src->w / (float)w;
	for (int y = 0; y < h; y++) {
		float fy = ((float)y + 0.5f) * sy - 0.5f;
		if (fy < 0)
			fy = 0;
		int y0 = (int)fy, y1 = y0 + 1 < src->h ? y0 + 1 : src->h - 1;
		float dy = fy - (float)y0;
		for (int x = 0; x < w; x++) {
			float fx = ((float)x + 0.5f) * sx - 0.5f;
			if (fx < 0)
				fx = 0;
			int x0 = (int)fx, x1 = x0 + 1 < src->w ? x0 + 1 : src->w - 1;
			float dx = fx - (float)x0;
			for (int c = 0; c < 3; c++) {
				const uint8_t *p = src->rgb;
				float a = p[((size_t)y0 * src->w + x0) * 3 + c];
				float b = p[((size_t)y0 * src->w + x1) * 3 + c];
				float cc = p[((size_t)y1 * src->w + x0) * 3 + c];
				float dd = p[((size_t)y1 * src->w + x1) * 3 + c];
				out[((size_t)y * w + x) * 3 + c] =
					(a * (1 - dx) + b * dx) * (1 - dy) + (cc * (1 - dx) + dd * dx) * dy;
			}
		}
	}
}

void image_free(struct image *img)
{
	free(img->rgb);
	img->rgb = NULL;
}
