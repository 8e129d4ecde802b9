/* SPDX-License-Identifier: MIT */
#ifndef ENPU_RUN_IMAGE_H
#define ENPU_RUN_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct image {
	int w, h;
	uint8_t *rgb;		/* w * h * 3, rows top to bottom */
};

/* 0 or -errno with a one-line reason in err. */
int image_decode(const uint8_t *data, size_t len, struct image *img, char *err, size_t errlen);
/* Bilinear resize into w * h * 3 floats in 0..255. */
void image_resize(const struct image *src, int w, int h, float *out);
void image_free(struct image *img);

#endif
