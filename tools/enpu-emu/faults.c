// SPDX-License-Identifier: MIT
/*
 * Fault injection.  A spec is "NAME[=COUNT]" or "NAME=every"; several may
 * be given comma-separated.  "clear" disarms everything.
 *
 *   hang           the job's datapath never finishes (until RESET)
 *   mmu-fault      the job's first memory access faults
 *   dma-fault      the job's first DMA is a bus error
 *   corrupt-event  the event is written with a bad checksum
 *   drop-irq       the interrupt is not delivered
 *   dead           the firmware freezes (no heartbeat); RESET recovers
 *   dead=hard      ... and RESET is ignored too
 *   slow=US        every engine operation takes US more microseconds
 */
#include <stdlib.h>
#include <string.h>

#include "emu.h"

int emu_fault_take(atomic_int *counter)
{
	int v = atomic_load(counter);

	while (v != 0) {
		if (v < 0)
			return 1;
		if (atomic_compare_exchange_weak(counter, &v, v - 1))
			return 1;
	}
	return 0;
}

static int parse_count(const char *val, int *out)
{
	char *end;
	long n;

	if (!val) {
		*out = 1;
		return 0;
	}
	if (!strcmp(val, "every")) {
		*out = -1;
		return 0;
	}
	n = strtol(val, &end, 10);
	if (*end || n < 0 || n > 1000000)
		return -1;
	*out = (int)n;
	return 0;
}

static int parse_one(struct emu *emu, char *item, char *why, size_t whylen)
{
	static const struct {
		const char *name;
		size_t offset;
	} counters[] = {
		{ "hang", offsetof(struct emu_faults, hang) },
		{ "mmu-fault", offsetof(struct emu_faults, mmu_fault) },
		{ "dma-fault", offsetof(struct emu_faults, dma_fault) },
		{ "corrupt-event", offsetof(struct emu_faults, corrupt_event) },
		{ "drop-irq", offsetof(struct emu_faults, drop_irq) },
	};
	struct emu_faults *f = &emu->faults;
	char *val = strchr(item, '=');
	unsigned int i;
	int n;

	if (val)
		*val++ = 0;
	if (!strcmp(item, "clear")) {
		for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
			atomic_store((atomic_int *)((char *)f + counters[i].offset), 0);
		atomic_store(&f->dead, 0);
		atomic_store(&f->slow_us, 0);
		return 0;
	}
	if (!strcmp(item, "dead")) {
		if (val && strcmp(val, "hard") && strcmp(val, "off")) {
			snprintf(why, whylen, "dead takes 'hard' or 'off'");
			return -1;
		}
		atomic_store(&f->dead, !val ? 1 : !strcmp(val, "hard") ? 2 : 0);
		return 0;
	}
	if (!strcmp(item, "slow")) {
		char *end;
		unsigned long us = val ? strtoul(val, &end, 10) : 0;

		if (!val || *end || us > 10000000) {
			snprintf(why, whylen, "slow takes microseconds per operation");
			return -1;
		}
		atomic_store(&f->slow_us, (unsigned int)us);
		return 0;
	}
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		if (strcmp(item, counters[i].name))
			continue;
		if (parse_count(val, &n)) {
			snprintf(why, whylen, "%s: count must be a number or 'every'", item);
			return -1;
		}
		atomic_store((atomic_int *)((char *)f + counters[i].offset), n);
		return 0;
	}
	snprintf(why, whylen, "unknown fault '%s'", item);
	return -1;
}

int emu_fault_parse(struct emu *emu, const char *spec, char *why, size_t whylen)
{
	char *copy = strdup(spec), *save = NULL, *item;
	int rc = 0;

	if (!copy) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (item = strtok_r(copy, ", \n", &save); item && !rc; item = strtok_r(NULL, ", \n", &save))
		rc = parse_one(emu, item, why, whylen);
	free(copy);
	return rc;
}

void emu_fault_describe(struct emu *emu, char *buf, size_t len)
{
	struct emu_faults *f = &emu->faults;

	snprintf(buf, len,
		 "hang=%d mmu-fault=%d dma-fault=%d corrupt-event=%d drop-irq=%d dead=%d slow=%u",
		 atomic_load(&f->hang), atomic_load(&f->mmu_fault), atomic_load(&f->dma_fault),
		 atomic_load(&f->corrupt_event), atomic_load(&f->drop_irq), atomic_load(&f->dead),
		 atomic_load(&f->slow_us));
}
