// SPDX-License-Identifier: MIT
#include "crc32.h"

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

uint32_t enpu_crc32(uint32_t crc, const void *buf, size_t len)
{
	static int ready;
	const uint8_t *p = buf;

	/* Benign race: every thread computes the same table. */
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		crc_init();
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
