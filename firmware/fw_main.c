// SPDX-License-Identifier: MIT
/*
 * ENPU-1 control-core firmware: boot handshake and the per-core job loop.
 * Portable C that reaches the chip only through struct enpu_hal; the one
 * symbol the shared object exports is enpu_fw_entry.
 */
#include <string.h>

#include "fw.h"

struct enpu_fw_state enpu_fw;

static int pow2_upto(uint32_t n, uint32_t max)
{
	return n && !(n & (n - 1)) && n <= max;
}

static uint64_t reg64(const struct enpu_hal *hal, uint32_t lo, uint32_t hi)
{
	return (uint64_t)hal->reg_read(hal->hw, hi) << 32 | hal->reg_read(hal->hw, lo);
}

static int init_fault(const struct enpu_hal *hal, const char *why)
{
	enpu_fw_error(hal, ENPU1_ERR_FW_FAULT, why);
	return -1;
}

int enpu_fw_init(const struct enpu_hal *hal)
{
	struct enpu_fw_state *fw = &enpu_fw;

	if (!hal || hal->abi != ENPU_FW_HAL_ABI)
		return -1;
	memset(fw, 0, sizeof(*fw));
	fw->num_cores = hal->reg_read(hal->hw, ENPU1_REG_NUM_CORES);
	fw->num_prio = hal->reg_read(hal->hw, ENPU1_REG_NUM_PRIO);
	fw->num_as = hal->reg_read(hal->hw, ENPU1_REG_NUM_AS);
	fw->ring_max = hal->reg_read(hal->hw, ENPU1_REG_RING_MAX);
	fw->caps = ENPU_FW_CAPS;
	if (!fw->num_cores || fw->num_cores > ENPU1_MAX_CORES || !fw->num_prio ||
	    fw->num_prio > ENPU1_MAX_PRIO || fw->num_as > ENPU1_MAX_AS)
		return init_fault(hal, "chip geometry out of range");

	fw->evq.base = reg64(hal, ENPU1_REG_EVQ_BASE_LO, ENPU1_REG_EVQ_BASE_HI);
	fw->evq.entries = hal->reg_read(hal->hw, ENPU1_REG_EVQ_ENTRIES);
	if (!pow2_upto(fw->evq.entries, fw->ring_max))
		return init_fault(hal, "no usable event ring");
	for (uint32_t c = 0; c < fw->num_cores; c++) {
		for (uint32_t p = 0; p < fw->num_prio; p++) {
			struct enpu_fw_ring *r = &fw->sq[c][p];

			r->base = reg64(hal, ENPU1_REG_SQ(c, p, ENPU1_SQ_BASE_LO),
					ENPU1_REG_SQ(c, p, ENPU1_SQ_BASE_HI));
			r->entries = hal->reg_read(hal->hw, ENPU1_REG_SQ(c, p, ENPU1_SQ_ENTRIES));
			if (r->entries && !pow2_upto(r->entries, fw->ring_max))
				return init_fault(hal, "submission ring size invalid");
		}
	}
	fw->ev_tail = hal->reg_read(hal->hw, ENPU1_REG_EVQ_TAIL);
	fw->ev_seq = 0;

	hal->reg_write(hal->hw, ENPU1_REG_FW_VERSION, ENPU_FW_VERSION_CODE);
	hal->reg_write(hal->hw, ENPU1_REG_FW_ABI, ENPU1_FW_ABI);
	hal->reg_write(hal->hw, ENPU1_REG_FW_CAPS, fw->caps);
	/* READY before the BOOT event, so a host woken by the event finds
	 * the chip already accepting work. */
	hal->reg_write(hal->hw, ENPU1_REG_STATUS, ENPU1_STATUS_READY);

	struct enpu1_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = ENPU1_EV_BOOT;
	ev.status = ENPU1_JOB_OK;
	ev.start_ns = ev.end_ns = hal->time_ns(hal->hw);
	enpu_fw_post_event(hal, 0, &ev);
	if (hal->log)
		hal->log(hal->hw, ENPU_FW_LOG_INFO, ENPU_FW_BUILD " ready");
	return 0;
}

static void add64(const struct enpu_hal *hal, uint32_t lo, uint32_t hi, uint64_t v)
{
	uint64_t sum = reg64(hal, lo, hi) + v;

	hal->reg_write(hal->hw, lo, (uint32_t)sum);
	hal->reg_write(hal->hw, hi, (uint32_t)(sum >> 32));
}

/* The checks a submission entry must pass before its stream is touched. */
static uint32_t check_entry(const struct enpu_hal *hal, const struct enpu1_sq_entry *e)
{
	if (e->flags || e->reserved)
		return ENPU1_JOB_DECODE_ERROR;
	if (!e->cmd_size || (e->cmd_size & 3) || e->cmd_size > ENPU_FW_CMD_MAX || (e->cmd_addr & 3))
		return ENPU1_JOB_DECODE_ERROR;
	if (e->as_slot >= enpu_fw.num_as ||
	    !(hal->reg_read(hal->hw, ENPU1_REG_AS(e->as_slot, ENPU1_AS_CONFIG)) & ENPU1_AS_ENABLE))
		return ENPU1_JOB_BAD_AS;
	return ENPU1_JOB_OK;
}

static int run_entry(const struct enpu_hal *hal, uint32_t core, uint32_t prio, uint32_t head)
{
	const struct enpu_fw_ring *ring = &enpu_fw.sq[core][prio];
	uint64_t addr = ring->base + (uint64_t)(head & (ring->entries - 1)) * sizeof(struct enpu1_sq_entry);
	struct enpu_fw_result res = { 0, 0, 0, 0 };
	struct enpu1_sq_entry e;
	struct enpu1_event ev;
	void *hw = hal->hw;

	memset(&ev, 0, sizeof(ev));
	ev.type = ENPU1_EV_JOB_DONE;
	ev.start_ns = hal->time_ns(hw);
	if (hal->bus_read(hw, addr, &e, sizeof(e))) {
		/* The entry is lost, not the ring: report it, skip it. */
		enpu_fw_error(hal, ENPU1_ERR_BUS, "submission ring outside host memory");
		ev.status = ENPU1_JOB_BUS_ERROR;
		ev.fault_addr = addr;
		ev.info = ENPU1_EV_INFO(core & 0xff, prio & 0xff, 0u, (uint32_t)ENPU1_ACCESS_READ);
		ev.end_ns = hal->time_ns(hw);
		hal->reg_write(hw, ENPU1_REG_SQ(core, prio, ENPU1_SQ_HEAD), head + 1);
		enpu_fw_post_event(hal, core, &ev);
		return 1;
	}

	ev.job_id = e.job_id;
	hal->reg_write(hw, ENPU1_REG_CORE(core, ENPU1_CORE_JOB_LO), (uint32_t)e.job_id);
	hal->reg_write(hw, ENPU1_REG_CORE(core, ENPU1_CORE_JOB_HI), (uint32_t)(e.job_id >> 32));
	hal->reg_write(hw, ENPU1_REG_CORE(core, ENPU1_CORE_STATE), ENPU1_CORE_BUSY);
	res.status = check_entry(hal, &e);
	if (res.status == ENPU1_JOB_OK) {
		hal->engine_job_begin(hw, core, e.as_slot);
		if (enpu_fw_run_stream(hal, core, e.as_slot, e.cmd_addr, e.cmd_size, &res) < 0)
			return -1;	/* reset under way: no event, head stays */
		ev.cycles = hal->engine_cycles(hw, core);
	}
	ev.end_ns = hal->time_ns(hw);
	ev.status = res.status;
	ev.fault_addr = res.fault_addr;
	ev.cmd_offset = res.cmd_offset;
	ev.info = ENPU1_EV_INFO(core & 0xff, prio & 0xff, e.as_slot & 0xff, res.access & 0xff);

	/* Counters and the ring slot are settled before the host can see
	 * the event that tells it to look. */
	hal->reg_write(hw, ENPU1_REG_CORE(core, ENPU1_CORE_JOBS_DONE),
		       hal->reg_read(hw, ENPU1_REG_CORE(core, ENPU1_CORE_JOBS_DONE)) + 1);
	add64(hal, ENPU1_REG_CORE(core, ENPU1_CORE_BUSY_CYC_LO),
	      ENPU1_REG_CORE(core, ENPU1_CORE_BUSY_CYC_HI), ev.cycles);
	hal->reg_write(hw, ENPU1_REG_CORE(core, ENPU1_CORE_STATE), ENPU1_CORE_IDLE);
	hal->reg_write(hw, ENPU1_REG_SQ(core, prio, ENPU1_SQ_HEAD), head + 1);
	enpu_fw_post_event(hal, core, &ev);
	return 1;
}

int enpu_fw_run_once(const struct enpu_hal *hal, uint32_t core)
{
	if (core >= enpu_fw.num_cores)
		return -1;
	for (uint32_t p = 0; p < enpu_fw.num_prio; p++) {
		if (!enpu_fw.sq[core][p].entries)
			continue;
		uint32_t head = hal->reg_read(hal->hw, ENPU1_REG_SQ(core, p, ENPU1_SQ_HEAD));
		uint32_t tail = hal->reg_read(hal->hw, ENPU1_REG_SQ(core, p, ENPU1_SQ_TAIL));

		/* One job, then back to priority 0: strict priority. */
		if (head != tail)
			return run_entry(hal, core, p, head);
	}
	return 0;
}

static void heartbeat(const struct enpu_hal *hal)
{
	/* Every core beats the same register: keep the increments whole.
	 * TIME_LO/HI belong to the chip's timer, not to the firmware. */
	hal->lock(hal->hw);
	hal->reg_write(hal->hw, ENPU1_REG_HEARTBEAT,
		       hal->reg_read(hal->hw, ENPU1_REG_HEARTBEAT) + 1);
	hal->unlock(hal->hw);
}

void enpu_fw_core_main(const struct enpu_hal *hal, uint32_t core)
{
	if (core >= enpu_fw.num_cores)
		return;
	for (;;) {
		if (hal->should_stop(hal->hw))
			return;
		heartbeat(hal);
		hal->kick_watchdog(hal->hw, core);

		int r = enpu_fw_run_once(hal, core);

		if (r < 0)
			return;
		if (r == 0 && hal->wait_work(hal->hw, core, ENPU_FW_IDLE_US) < 0)
			return;
	}
}

__attribute__((visibility("default"))) const struct enpu_fw_entry enpu_fw_entry = {
	.abi = ENPU_FW_HAL_ABI,
	.version = ENPU_FW_VERSION_CODE,
	.build = ENPU_FW_BUILD,
	.init = enpu_fw_init,
	.core_main = enpu_fw_core_main,
};
