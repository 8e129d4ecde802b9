/* SPDX-License-Identifier: MIT */
/*
 * enpu-emu: the ENPU-1 chip, emulated.  The host side of QEMU's
 * ivshmem-doorbell link is the chip's PCIe face; guest RAM, shared through
 * QEMU's memory backend file, is the host memory the chip masters.
 */
#ifndef ENPU_EMU_H
#define ENPU_EMU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "enpu_fw_hal.h"
#include "engine.h"

struct emu_config {
	uint32_t cores;
	uint32_t sram_kib;
	uint32_t num_as;
	uint32_t num_prio;
	uint32_t ring_max;
	uint32_t clock_khz;
	uint32_t watchdog_ms;
	struct enpu_timing timing;
	uint64_t lowmem;	/* guest RAM below the PCI hole (QEMU pc: 3.5 GiB) */
};

/* Fault injection: armed at start (--fault) or at run time (control socket,
 * the guest through its virtio-serial port).  Counters say how many more
 * jobs/events to hit; -1 = every. */
struct emu_faults {
	atomic_int hang;		/* jobs that never finish until reset */
	atomic_int mmu_fault;		/* jobs whose first VA access faults */
	atomic_int dma_fault;		/* jobs whose first DMA is a bus error */
	atomic_int corrupt_event;	/* events written with a bad checksum */
	atomic_int drop_irq;		/* interrupts not delivered */
	atomic_int dead;		/* 1: firmware stops; 2: RESET ignored too */
	atomic_uint slow_us;		/* added to every engine operation */
};

struct emu_core {
	struct emu *emu;
	uint32_t index;
	struct enpu_engine_core eng;
	uint32_t as;			/* AS slot of the running job */
	int hang_this_job;
	int mmu_fault_this_job;
	int dma_fault_this_job;
	pthread_t thread;
	atomic_uint_fast64_t last_kick_ns;
	atomic_int busy;
	/* Software TLB: VA page -> bus page, tagged with the AS generation. */
	struct {
		uint64_t vpn;
		uint64_t ppn;
		uint32_t as;
		uint32_t gen;
		uint32_t perm;
	} tlb[64];
};

struct emu {
	struct emu_config cfg;
	FILE *log;
	int verbose;
	uint64_t t0_ns;

	/* BAR2: register block and SRAM window, shared with QEMU. */
	int shm_fd;
	uint8_t *bar2;
	size_t bar2_size;
	uint8_t *sram;
	uint32_t sram_window;

	/* Guest RAM, as the chip's host memory. */
	int ram_fd;
	uint8_t *ram;
	uint64_t ram_size;

	/* ivshmem-doorbell link */
	int listen_fd;
	int conn_fd;
	int db_fd[ENPU1_DB_VECTORS];	/* the guest rings these */
	int irq_fd[ENPU1_IRQ_VECTORS];	/* we signal these: guest MSI-X */
	uint32_t my_id, guest_id;

	/* Control socket for run-time fault injection and status. */
	int ctl_listen_fd;

	/* Firmware, once the ROM has accepted an image. */
	void *fw_dl;
	const struct enpu_fw_entry *fw;
	struct enpu_hal hal;
	int cores_running;
	struct emu_core core[ENPU1_MAX_CORES];

	/* Wakes cores on the WORK doorbell; work_seq counts doorbells. */
	pthread_mutex_t work_lock;
	pthread_cond_t work_cond;
	uint64_t work_seq;
	atomic_int stop;		/* cores must return: reset or halt */
	atomic_int suspended;

	pthread_mutex_t fw_lock;	/* the firmware's own lock (HAL lock()) */
	pthread_mutex_t reg_lock;	/* serialises device read-modify-write of registers */
	atomic_uint as_gen[ENPU1_MAX_AS];	/* bumped by MMU_FLUSH and RESET */
	uint32_t last_cmd_seq;

	struct emu_faults faults;
};

/* Logging: time-stamped lines in the emulator's log. */
void emu_log(struct emu *emu, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define EMU_ERR  3
#define EMU_INFO 6
#define EMU_DBG  7

uint64_t emu_now_ns(struct emu *emu);

/* Register block: 32-bit, device and host see the same bytes. */
static inline uint32_t emu_reg_read(struct emu *emu, uint32_t off)
{
	return atomic_load_explicit((_Atomic uint32_t *)(emu->bar2 + off), memory_order_acquire);
}

static inline void emu_reg_write(struct emu *emu, uint32_t off, uint32_t val)
{
	atomic_store_explicit((_Atomic uint32_t *)(emu->bar2 + off), val, memory_order_release);
}

void emu_reg_or(struct emu *emu, uint32_t off, uint32_t bits);

/* Host memory (guest RAM) at bus addresses: 0 or -1 outside RAM. */
int emu_bus_read(struct emu *emu, uint64_t addr, void *dst, uint64_t len);
int emu_bus_write(struct emu *emu, uint64_t addr, const void *src, uint64_t len);

/* MMU (mmu.c): ENPU1_JOB_* status. */
int emu_va_access(struct emu_core *core, uint32_t as, uint64_t va, void *buf, uint64_t len,
		  int write, struct enpu_fw_fault *fault);

/* Chip (chip.c) */
void emu_chip_init(struct emu *emu);
void emu_doorbell(struct emu *emu, unsigned int vector);
void emu_tick(struct emu *emu);
void emu_raise_irq(struct emu *emu, unsigned int vector);
void emu_reset(struct emu *emu);
void emu_halt(struct emu *emu, uint32_t err_bits, const char *why);
const char *emu_status_name(uint32_t status);

/* Firmware host (hal.c) */
void emu_hal_init(struct emu *emu);
int emu_cores_start(struct emu *emu);
void emu_cores_stop(struct emu *emu);
void emu_wake_cores(struct emu *emu);

/* Faults (faults.c) */
int emu_fault_parse(struct emu *emu, const char *spec, char *why, size_t whylen);
void emu_fault_describe(struct emu *emu, char *buf, size_t len);
/* Consumes one charge of a counter fault; returns 1 when it fires. */
int emu_fault_take(atomic_int *counter);

/* ivshmem server (ivshmem.c) */
int emu_listen_unix(const char *path, int backlog);
int emu_ivshmem_listen(struct emu *emu, const char *path);
int emu_ivshmem_accept(struct emu *emu);

#endif /* ENPU_EMU_H */
