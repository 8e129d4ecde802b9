// SPDX-License-Identifier: MIT
/*
 * The device MMU: walks the host-owned three-level page tables of an AS
 * slot for every access a job makes, through a per-core TLB that only
 * MMU_FLUSH and RESET invalidate (as on silicon: a host that changes live
 * mappings without flushing sees stale translations).
 */
#include <string.h>

#include "emu.h"

#define TLB_SIZE (sizeof(((struct emu_core *)0)->tlb) / sizeof(((struct emu_core *)0)->tlb[0]))

static void record_fault(struct emu *emu, uint32_t as, uint64_t va, uint32_t access)
{
	pthread_mutex_lock(&emu->reg_lock);
	emu_reg_write(emu, ENPU1_REG_FAULT_ADDR_LO, (uint32_t)va);
	emu_reg_write(emu, ENPU1_REG_FAULT_ADDR_HI, (uint32_t)(va >> 32));
	emu_reg_write(emu, ENPU1_REG_FAULT_INFO, ENPU1_FAULT_INFO(as, access));
	emu_reg_write(emu, ENPU1_REG_FAULT_COUNT, emu_reg_read(emu, ENPU1_REG_FAULT_COUNT) + 1);
	pthread_mutex_unlock(&emu->reg_lock);
	emu_log(emu, EMU_INFO, "mmu: fault as %u va 0x%llx (%s)", as, (unsigned long long)va,
		access == ENPU1_ACCESS_WRITE ? "write" : "read");
}

/* Translates one page; returns ENPU1_JOB_OK with *pa set, or an error. */
static int translate(struct emu_core *core, uint32_t as, uint64_t va, uint32_t access,
		     uint64_t *pa)
{
	struct emu *emu = core->emu;
	uint64_t vpn = va >> ENPU1_PAGE_SHIFT;
	uint32_t gen = atomic_load(&emu->as_gen[as]);
	unsigned int slot = vpn % TLB_SIZE;
	uint32_t need = access == ENPU1_ACCESS_WRITE ? ENPU1_PTE_WRITE : ENPU1_PTE_READ;
	uint64_t table, pte = 0;
	int level;

	if (core->tlb[slot].gen == gen && core->tlb[slot].as == as &&
	    core->tlb[slot].vpn == vpn && (core->tlb[slot].perm & need)) {
		*pa = (core->tlb[slot].ppn << ENPU1_PAGE_SHIFT) | (va & (ENPU1_PAGE_SIZE - 1));
		return ENPU1_JOB_OK;
	}

	if (va >> ENPU1_VA_BITS)
		return ENPU1_JOB_MMU_FAULT;
	table = ((uint64_t)emu_reg_read(emu, ENPU1_REG_AS(as, ENPU1_AS_ROOT_HI)) << 32) |
		emu_reg_read(emu, ENPU1_REG_AS(as, ENPU1_AS_ROOT_LO));
	for (level = 0; level < ENPU1_PT_LEVELS; level++) {
		uint64_t addr = (table & ENPU1_PTE_ADDR_MASK) + 8 * ENPU1_PT_INDEX(va, level);

		if (emu_bus_read(emu, addr, &pte, sizeof(pte)))
			return ENPU1_JOB_BUS_ERROR;
		if (!(pte & ENPU1_PTE_VALID))
			return ENPU1_JOB_MMU_FAULT;
		table = pte;
	}
	if (!(pte & need))
		return ENPU1_JOB_MMU_FAULT;

	core->tlb[slot].vpn = vpn;
	core->tlb[slot].ppn = (pte & ENPU1_PTE_ADDR_MASK) >> ENPU1_PAGE_SHIFT;
	core->tlb[slot].as = as;
	core->tlb[slot].gen = gen;
	core->tlb[slot].perm = pte & (ENPU1_PTE_READ | ENPU1_PTE_WRITE);
	*pa = (pte & ENPU1_PTE_ADDR_MASK) | (va & (ENPU1_PAGE_SIZE - 1));
	return ENPU1_JOB_OK;
}

int emu_va_access(struct emu_core *core, uint32_t as, uint64_t va, void *buf, uint64_t len,
		  int write, struct enpu_fw_fault *fault)
{
	struct emu *emu = core->emu;
	uint32_t access = write ? ENPU1_ACCESS_WRITE : ENPU1_ACCESS_READ;
	uint8_t *p = buf;

	if (as >= emu->cfg.num_as ||
	    !(emu_reg_read(emu, ENPU1_REG_AS(as, ENPU1_AS_CONFIG)) & ENPU1_AS_ENABLE))
		return ENPU1_JOB_BAD_AS;

	if (core->mmu_fault_this_job) {
		/* Injected: the first access of this job faults as if unmapped. */
		core->mmu_fault_this_job = 0;
		fault->addr = va;
		fault->access = access;
		record_fault(emu, as, va, access);
		return ENPU1_JOB_MMU_FAULT;
	}

	while (len) {
		uint64_t chunk = ENPU1_PAGE_SIZE - (va & (ENPU1_PAGE_SIZE - 1));
		uint64_t pa;
		int st, rc;

		if (chunk > len)
			chunk = len;
		st = translate(core, as, va, access, &pa);
		if (st == ENPU1_JOB_OK) {
			rc = write ? emu_bus_write(emu, pa, p, chunk) : emu_bus_read(emu, pa, p, chunk);
			if (rc)
				st = ENPU1_JOB_BUS_ERROR;
		}
		if (st != ENPU1_JOB_OK) {
			fault->addr = va;
			fault->access = access;
			if (st == ENPU1_JOB_MMU_FAULT)
				record_fault(emu, as, va, access);
			else
				emu_log(emu, EMU_INFO, "mmu: bus error as %u va 0x%llx", as,
					(unsigned long long)va);
			return st;
		}
		va += chunk;
		p += chunk;
		len -= chunk;
	}
	return ENPU1_JOB_OK;
}
