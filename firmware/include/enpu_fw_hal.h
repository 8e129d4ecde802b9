/* SPDX-License-Identifier: MIT */
/*
 * The hardware-abstraction API between the ENPU-1 control-core firmware and
 * the chip.  The firmware is portable C that touches the hardware only
 * through these calls, so the same sources build for the emulator (as a
 * shared object the emulator's boot ROM loads) and for a real control core.
 *
 * Threads: the chip runs init() once per boot, then core_main() once per
 * compute core, concurrently.  lock()/unlock() is one firmware-wide mutex
 * for state the cores share (the event ring).
 */
#ifndef ENPU_FW_HAL_H
#define ENPU_FW_HAL_H

#include <stdint.h>

#define ENPU_FW_HAL_ABI 1

/* What the hardware reports when an access or operation fails. */
struct enpu_fw_fault {
	uint64_t addr;		/* faulting VA (MMU) or bus address */
	uint32_t access;	/* ENPU1_ACCESS_* */
};

struct enpu_hal {
	uint32_t abi;		/* ENPU_FW_HAL_ABI */
	void *hw;		/* passed back to every call */

	uint32_t (*reg_read)(void *hw, uint32_t off);
	void (*reg_write)(void *hw, uint32_t off, uint32_t val);

	/* Untranslated bus access to host memory (rings).  0 or -1 when the
	 * range is not host memory. */
	int (*bus_read)(void *hw, uint64_t addr, void *dst, uint32_t len);
	int (*bus_write)(void *hw, uint64_t addr, const void *src, uint32_t len);

	/* Access through the MMU of an address-space slot; returns an
	 * ENPU1_JOB_* status and fills *fault on failure. */
	int (*va_read)(void *hw, uint32_t as, uint64_t va, void *dst, uint32_t len,
		       struct enpu_fw_fault *fault);
	int (*va_write)(void *hw, uint32_t as, uint64_t va, const void *src,
			uint32_t len, struct enpu_fw_fault *fault);

	/* Compute core engines.  job_begin resets the core's modeled clock;
	 * run executes one DMA or compute opcode with the given parameter
	 * registers (ENPU1_P_COUNT words) and returns an ENPU1_JOB_* status;
	 * sync waits for DMA and compute to drain; cycles reads the modeled
	 * cycles since job_begin. */
	void (*engine_job_begin)(void *hw, uint32_t core, uint32_t as);
	int (*engine_run)(void *hw, uint32_t core, uint32_t opcode,
			  const uint32_t *params, struct enpu_fw_fault *fault);
	int (*engine_sync)(void *hw, uint32_t core);
	uint64_t (*engine_cycles)(void *hw, uint32_t core);

	/* Blocks until the WORK doorbell rings or timeout_us passes.
	 * Returns 1 on doorbell, 0 on timeout, -1 when the chip is stopping
	 * (reset, halt): core_main must return.  While the chip is suspended
	 * the call simply does not return until it resumes. */
	int (*wait_work)(void *hw, uint32_t core, uint32_t timeout_us);
	int (*should_stop)(void *hw);

	void (*raise_irq)(void *hw, uint32_t vector);
	uint64_t (*time_ns)(void *hw);	/* device time */
	void (*kick_watchdog)(void *hw, uint32_t core);
	void (*lock)(void *hw);
	void (*unlock)(void *hw);
	void (*log)(void *hw, int level, const char *msg);
};

#define ENPU_FW_LOG_ERR		3
#define ENPU_FW_LOG_INFO	6
#define ENPU_FW_LOG_DEBUG	7

/* Exported by the firmware payload under the symbol name "enpu_fw_entry". */
struct enpu_fw_entry {
	uint32_t abi;		/* ENPU_FW_HAL_ABI */
	uint32_t version;	/* ENPU1_FW_VERSION() */
	const char *build;
	/* Boot handshake: publish version and capabilities, read ring
	 * configuration.  0 on success. */
	int (*init)(const struct enpu_hal *hal);
	/* Service one core's submission rings until the chip stops. */
	void (*core_main)(const struct enpu_hal *hal, uint32_t core);
};

#endif /* ENPU_FW_HAL_H */
