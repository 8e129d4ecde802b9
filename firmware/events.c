// SPDX-License-Identifier: MIT
/*
 * The event ring: the only structure every core writes, so everything here
 * runs under hal->lock.  The host consumes at EVQ_HEAD; we produce at
 * EVQ_TAIL and never overwrite an entry the host has not consumed.
 */
#include <string.h>

#include "fw.h"

static void log_msg(const struct enpu_hal *hal, int level, const char *msg)
{
	if (hal->log)
		hal->log(hal->hw, level, msg);
}

/* Caller holds hal->lock (or runs before any core starts). */
static void error_bits_locked(const struct enpu_hal *hal, uint32_t bits)
{
	uint32_t v = hal->reg_read(hal->hw, ENPU1_REG_ERROR_STATUS);

	hal->reg_write(hal->hw, ENPU1_REG_ERROR_STATUS, v | bits);
}

void enpu_fw_error(const struct enpu_hal *hal, uint32_t bits, const char *why)
{
	hal->lock(hal->hw);
	error_bits_locked(hal, bits);
	hal->unlock(hal->hw);
	log_msg(hal, ENPU_FW_LOG_ERR, why);
	hal->raise_irq(hal->hw, ENPU1_IRQ_VEC_ERROR);
}

/* Waits, lock held, until the ring has a free slot.  1: space; 0: the host
 * stopped draining; -1: the chip is stopping and the event is moot. */
static int wait_for_space(const struct enpu_hal *hal, uint32_t core, uint32_t tail)
{
	const uint32_t entries = enpu_fw.evq.entries;
	uint64_t start = hal->time_ns(hal->hw);

	for (int polls = 0;; polls++) {
		uint32_t head = hal->reg_read(hal->hw, ENPU1_REG_EVQ_HEAD);

		if (tail - head < entries)
			return 1;
		if (hal->should_stop(hal->hw))
			return -1;
		/* Time bounds the wait; the poll count bounds it too when
		 * device time does not move. */
		if (hal->time_ns(hal->hw) - start >= ENPU_FW_EV_WAIT_NS ||
		    polls >= ENPU_FW_EV_WAIT_POLLS)
			return 0;
		/* Holding the lock is deliberate: other cores have nowhere
		 * to put their events either.  A doorbell wakes us early;
		 * the work it announces is found by the next ring scan. */
		if (hal->wait_work(hal->hw, core, ENPU_FW_IDLE_US) < 0)
			return -1;
	}
}

void enpu_fw_post_event(const struct enpu_hal *hal, uint32_t core, struct enpu1_event *ev)
{
	const uint32_t entries = enpu_fw.evq.entries;
	uint32_t tail;
	int r;

	hal->lock(hal->hw);
	tail = enpu_fw.ev_tail;
	r = wait_for_space(hal, core, tail);
	if (r <= 0) {
		if (r == 0)
			error_bits_locked(hal, ENPU1_ERR_EVENT_OVERFLOW);
		hal->unlock(hal->hw);
		if (r == 0) {
			log_msg(hal, ENPU_FW_LOG_ERR, "event ring full: event dropped");
			hal->raise_irq(hal->hw, ENPU1_IRQ_VEC_ERROR);
		}
		return;
	}

	ev->seq = enpu_fw.ev_seq + 1;
	ev->csum = 0;
	ev->csum = enpu1_event_csum(ev);
	if (hal->bus_write(hal->hw, enpu_fw.evq.base + (uint64_t)(tail & (entries - 1)) * sizeof(*ev),
			   ev, sizeof(*ev))) {
		error_bits_locked(hal, ENPU1_ERR_BUS);
		hal->unlock(hal->hw);
		log_msg(hal, ENPU_FW_LOG_ERR, "event ring outside host memory");
		hal->raise_irq(hal->hw, ENPU1_IRQ_VEC_ERROR);
		return;
	}
	enpu_fw.ev_seq++;
	enpu_fw.ev_tail = tail + 1;
	/* The entry is in host memory before the host can see the new tail. */
	hal->reg_write(hal->hw, ENPU1_REG_EVQ_TAIL, tail + 1);
	hal->unlock(hal->hw);
	hal->raise_irq(hal->hw, ENPU1_IRQ_VEC_EVENT);
}
