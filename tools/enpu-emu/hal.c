// SPDX-License-Identifier: MIT
/*
 * The control core: runs the firmware the boot ROM accepted, one thread per
 * compute core, and gives it the hardware through struct enpu_hal.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"

static struct emu_core *hal_core(void *hw, uint32_t core)
{
	struct emu *emu = hw;

	return core < emu->cfg.cores ? &emu->core[core] : NULL;
}

static uint32_t hal_reg_read(void *hw, uint32_t off)
{
	struct emu *emu = hw;

	return off < ENPU1_REGS_SIZE && !(off & 3) ? emu_reg_read(emu, off) : 0;
}

static void hal_reg_write(void *hw, uint32_t off, uint32_t val)
{
	struct emu *emu = hw;

	if (off < ENPU1_REGS_SIZE && !(off & 3))
		emu_reg_write(emu, off, val);
}

static int hal_bus_read(void *hw, uint64_t addr, void *dst, uint32_t len)
{
	return emu_bus_read(hw, addr, dst, len);
}

static int hal_bus_write(void *hw, uint64_t addr, const void *src, uint32_t len)
{
	struct emu *emu = hw;
	uint64_t evq = ((uint64_t)emu_reg_read(emu, ENPU1_REG_EVQ_BASE_HI) << 32) |
		       emu_reg_read(emu, ENPU1_REG_EVQ_BASE_LO);
	uint64_t evq_end = evq + (uint64_t)emu_reg_read(emu, ENPU1_REG_EVQ_ENTRIES) *
				 sizeof(struct enpu1_event);

	/* Injected bus corruption of an event on its way to host memory. */
	if (len == sizeof(struct enpu1_event) && addr >= evq && addr < evq_end &&
	    emu_fault_take(&emu->faults.corrupt_event)) {
		struct enpu1_event ev;

		memcpy(&ev, src, sizeof(ev));
		ev.job_id ^= 0x5a5a0000u;
		emu_log(emu, EMU_INFO, "bus: injected corruption of event seq %u", ev.seq);
		return emu_bus_write(emu, addr, &ev, len);
	}
	return emu_bus_write(emu, addr, src, len);
}

/* The firmware's own fetches (command stream, FENCE writes) go through the
 * MMU of core 0's TLB-less path: use a scratch core context per call. */
static int hal_va_read(void *hw, uint32_t as, uint64_t va, void *dst, uint32_t len,
		       struct enpu_fw_fault *fault)
{
	struct emu *emu = hw;
	struct emu_core scratch = { .emu = emu };

	return emu_va_access(&scratch, as, va, dst, len, 0, fault);
}

static int hal_va_write(void *hw, uint32_t as, uint64_t va, const void *src, uint32_t len,
			struct enpu_fw_fault *fault)
{
	struct emu *emu = hw;
	struct emu_core scratch = { .emu = emu };

	return emu_va_access(&scratch, as, va, (void *)src, len, 1, fault);
}

static int mem_read(void *ctx, uint64_t va, void *dst, size_t len, struct enpu_fw_fault *fault)
{
	struct emu_core *core = ctx;

	if (core->dma_fault_this_job) {
		core->dma_fault_this_job = 0;
		fault->addr = va;
		fault->access = ENPU1_ACCESS_READ;
		emu_log(core->emu, EMU_INFO, "core%u: injected DMA bus error at va 0x%llx",
			core->index, (unsigned long long)va);
		return ENPU1_JOB_BUS_ERROR;
	}
	return emu_va_access(core, core->as, va, dst, len, 0, fault);
}

static int mem_write(void *ctx, uint64_t va, const void *src, size_t len,
		     struct enpu_fw_fault *fault)
{
	struct emu_core *core = ctx;

	if (core->dma_fault_this_job) {
		core->dma_fault_this_job = 0;
		fault->addr = va;
		fault->access = ENPU1_ACCESS_WRITE;
		return ENPU1_JOB_BUS_ERROR;
	}
	return emu_va_access(core, core->as, va, (void *)src, len, 1, fault);
}

static void hal_job_begin(void *hw, uint32_t idx, uint32_t as)
{
	struct emu_core *core = hal_core(hw, idx);
	struct emu *emu = hw;

	if (!core)
		return;
	core->as = as;
	core->hang_this_job = emu_fault_take(&emu->faults.hang);
	core->mmu_fault_this_job = emu_fault_take(&emu->faults.mmu_fault);
	core->dma_fault_this_job = emu_fault_take(&emu->faults.dma_fault);
	atomic_store(&core->busy, 1);
	enpu_engine_job_begin(&core->eng);
}

/* Sleeps up to ns, waking early when the chip stops. */
static void nap(struct emu *emu, uint64_t ns)
{
	struct timespec ts;

	pthread_mutex_lock(&emu->work_lock);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ns / 1000000000u;
	ts.tv_nsec += ns % 1000000000u;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	if (!atomic_load(&emu->stop))
		pthread_cond_timedwait(&emu->work_cond, &emu->work_lock, &ts);
	pthread_mutex_unlock(&emu->work_lock);
}

static int hal_engine_run(void *hw, uint32_t idx, uint32_t opcode, const uint32_t *params,
			  struct enpu_fw_fault *fault)
{
	struct emu_core *core = hal_core(hw, idx);
	struct emu *emu = hw;
	struct enpu_engine_mem mem = { .ctx = core, .va_read = mem_read, .va_write = mem_write };
	unsigned int slow;

	if (!core)
		return ENPU1_JOB_ABORTED;
	if (core->hang_this_job) {
		/* A datapath that never finishes: only RESET gets the core back. */
		emu_log(emu, EMU_INFO, "core%u: injected hang", idx);
		while (!atomic_load(&emu->stop))
			nap(emu, 50000000);
		return ENPU1_JOB_ABORTED;
	}
	slow = atomic_load(&emu->faults.slow_us);
	if (slow)
		nap(emu, (uint64_t)slow * 1000);
	if (atomic_load(&emu->stop))
		return ENPU1_JOB_ABORTED;
	return enpu_engine_run(&core->eng, &mem, opcode, params, fault);
}

static int hal_engine_sync(void *hw, uint32_t idx)
{
	struct emu_core *core = hal_core(hw, idx);

	if (!core)
		return ENPU1_JOB_ABORTED;
	enpu_engine_sync(&core->eng);
	return ENPU1_JOB_OK;
}

static uint64_t hal_engine_cycles(void *hw, uint32_t idx)
{
	struct emu_core *core = hal_core(hw, idx);

	return core ? enpu_engine_cycles(&core->eng) : 0;
}

static int hal_wait_work(void *hw, uint32_t idx, uint32_t timeout_us)
{
	struct emu *emu = hw;
	struct emu_core *core = hal_core(hw, idx);
	struct timespec ts;
	uint64_t seq;
	int ret;

	if (core)
		atomic_store(&core->busy, 0);
	pthread_mutex_lock(&emu->work_lock);
	seq = emu->work_seq;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)timeout_us * 1000;
	while (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	while (!atomic_load(&emu->stop) && emu->work_seq == seq) {
		if (pthread_cond_timedwait(&emu->work_cond, &emu->work_lock, &ts) == ETIMEDOUT)
			break;
	}
	if (atomic_load(&emu->stop))
		ret = -1;
	else
		ret = emu->work_seq != seq;
	pthread_mutex_unlock(&emu->work_lock);

	/* A chip told to stop responding: the firmware loop freezes here, so
	 * the heartbeat stops and the watchdog will notice. */
	while (ret >= 0 && atomic_load(&emu->faults.dead) && !atomic_load(&emu->stop))
		nap(emu, 20000000);
	if (atomic_load(&emu->stop))
		return -1;
	/* Suspended cores take no work until RESUME; the watchdog restarts
	 * from the moment they wake. */
	if (atomic_load(&emu->suspended)) {
		while (atomic_load(&emu->suspended) && !atomic_load(&emu->stop))
			nap(emu, 5000000);
		if (core)
			atomic_store(&core->last_kick_ns, emu_now_ns(emu));
	}
	return atomic_load(&emu->stop) ? -1 : ret;
}

static int hal_should_stop(void *hw)
{
	struct emu *emu = hw;

	return atomic_load(&emu->stop);
}

static void hal_raise_irq(void *hw, uint32_t vector)
{
	emu_raise_irq(hw, vector);
}

static uint64_t hal_time_ns(void *hw)
{
	return emu_now_ns(hw);
}

static void hal_kick(void *hw, uint32_t idx)
{
	struct emu_core *core = hal_core(hw, idx);

	if (core && !atomic_load(&((struct emu *)hw)->faults.dead))
		atomic_store(&core->last_kick_ns, emu_now_ns(hw));
}

static void hal_lock(void *hw)
{
	pthread_mutex_lock(&((struct emu *)hw)->fw_lock);
}

static void hal_unlock(void *hw)
{
	pthread_mutex_unlock(&((struct emu *)hw)->fw_lock);
}

static void hal_log(void *hw, int level, const char *msg)
{
	emu_log(hw, level, "fw: %s", msg);
}

void emu_hal_init(struct emu *emu)
{
	struct enpu_hal *h = &emu->hal;
	uint32_t part = emu->cfg.sram_kib * 1024 / emu->cfg.cores;
	unsigned int i;

	memset(h, 0, sizeof(*h));
	h->abi = ENPU_FW_HAL_ABI;
	h->hw = emu;
	h->reg_read = hal_reg_read;
	h->reg_write = hal_reg_write;
	h->bus_read = hal_bus_read;
	h->bus_write = hal_bus_write;
	h->va_read = hal_va_read;
	h->va_write = hal_va_write;
	h->engine_job_begin = hal_job_begin;
	h->engine_run = hal_engine_run;
	h->engine_sync = hal_engine_sync;
	h->engine_cycles = hal_engine_cycles;
	h->wait_work = hal_wait_work;
	h->should_stop = hal_should_stop;
	h->raise_irq = hal_raise_irq;
	h->time_ns = hal_time_ns;
	h->kick_watchdog = hal_kick;
	h->lock = hal_lock;
	h->unlock = hal_unlock;
	h->log = hal_log;

	for (i = 0; i < emu->cfg.cores; i++) {
		struct emu_core *c = &emu->core[i];

		c->emu = emu;
		c->index = i;
		c->eng.sram = emu->sram + (size_t)i * part;
		c->eng.sram_size = part;
		c->eng.timing = &emu->cfg.timing;
	}
}

static void *core_thread(void *arg)
{
	struct emu_core *core = arg;
	struct emu *emu = core->emu;

	emu->fw->core_main(&emu->hal, core->index);
	atomic_store(&core->busy, 0);
	return NULL;
}

int emu_cores_start(struct emu *emu)
{
	unsigned int i;

	atomic_store(&emu->stop, 0);
	for (i = 0; i < emu->cfg.cores; i++) {
		memset(emu->core[i].tlb, 0, sizeof(emu->core[i].tlb));
		/* The watchdog may look before the thread first runs. */
		atomic_store(&emu->core[i].last_kick_ns, emu_now_ns(emu));
		if (pthread_create(&emu->core[i].thread, NULL, core_thread, &emu->core[i])) {
			emu->cores_running = i;
			return -1;
		}
	}
	emu->cores_running = emu->cfg.cores;
	return 0;
}

void emu_cores_stop(struct emu *emu)
{
	int i;

	atomic_store(&emu->stop, 1);
	pthread_mutex_lock(&emu->work_lock);
	pthread_cond_broadcast(&emu->work_cond);
	pthread_mutex_unlock(&emu->work_lock);
	for (i = 0; i < emu->cores_running; i++)
		pthread_join(emu->core[i].thread, NULL);
	emu->cores_running = 0;
}

void emu_wake_cores(struct emu *emu)
{
	pthread_mutex_lock(&emu->work_lock);
	emu->work_seq++;
	pthread_cond_broadcast(&emu->work_cond);
	pthread_mutex_unlock(&emu->work_lock);
}
