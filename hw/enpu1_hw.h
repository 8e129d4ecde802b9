/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ENPU-1 hardware interface: the register block, host-memory rings, device
 * MMU page-table format and firmware image header, exactly as a driver sees
 * them.  Shared by the kernel driver, the firmware, the emulator and the
 * compiler so the four cannot drift apart.  Documentation/hw/ is the prose
 * version of this file; keep both in step.
 *
 * Everything is little-endian.  Structures use only fixed-size fields and
 * are laid out without implicit padding.
 */
#ifndef ENPU1_HW_H
#define ENPU1_HW_H

#include <linux/types.h>

/*
 * PCI identity of the chip, and of the QEMU ivshmem function that carries
 * it.  The vendor ID is a placeholder, unassigned in pci.ids when chosen;
 * silicon will carry a PCI-SIG assigned one.
 */
#define ENPU1_PCI_VENDOR_ID		0x1f6e
#define ENPU1_PCI_DEVICE_ID		0x0e01
#define ENPU1_IVSHMEM_VENDOR_ID		0x1af4
#define ENPU1_IVSHMEM_DEVICE_ID		0x1110

/*
 * BAR0: doorbell block (16 bytes).  Writing (target << 16) | vector to
 * DOORBELL notifies the chip; target is the value of ENPU1_REG_DB_TARGET.
 * INTR_MASK/INTR_STATUS only matter when the host uses the legacy INTx pin.
 */
#define ENPU1_BAR0_INTR_MASK		0x00
#define ENPU1_BAR0_INTR_STATUS		0x04
#define ENPU1_BAR0_IV_POSITION		0x08
#define ENPU1_BAR0_DOORBELL		0x0c
#define ENPU1_DB_VEC_WORK		0	/* submission rings have new entries */
#define ENPU1_DB_VEC_CTRL		1	/* a control command is pending */
#define ENPU1_DB_VECTORS		2

/* Interrupt vectors the chip raises (MSI-X entries). */
#define ENPU1_IRQ_VEC_EVENT		0	/* the event ring has new entries */
#define ENPU1_IRQ_VEC_ERROR		1	/* fatal error, watchdog, boot failure */
#define ENPU1_IRQ_VECTORS		2

/*
 * BAR2: register block at offset 0 (64 KiB), SRAM window at
 * ENPU1_REG_SRAM_WINDOW.  Every register has exactly one writer: the host
 * (H) or the device (D).  Host-written registers take effect when the host
 * rings the matching doorbell; the host must write them before ringing.
 */
#define ENPU1_REGS_SIZE			0x10000

/* Identification (D, constant after reset) */
#define ENPU1_REG_SIGNATURE		0x000
#define ENPU1_SIGNATURE			0x55504e45	/* "ENPU" */
#define ENPU1_REG_HW_ID			0x004	/* chip id << 16 | revision */
#define ENPU1_HW_ID_CHIP(v)		((v) >> 16)
#define ENPU1_HW_ID_REV(v)		((v) & 0xffff)
#define ENPU1_CHIP_ENPU1		0x0001
#define ENPU1_REG_HW_VERSION		0x008	/* register interface major << 16 | minor */
#define ENPU1_HW_VERSION		0x00010000
#define ENPU1_REG_DB_TARGET		0x00c	/* doorbell target id for BAR0 DOORBELL */
#define ENPU1_REG_NUM_CORES		0x010
#define ENPU1_REG_SRAM_SIZE		0x014	/* bytes, all cores */
#define ENPU1_REG_SRAM_WINDOW		0x018	/* BAR2 offset of the SRAM window */
#define ENPU1_REG_NUM_AS		0x01c	/* MMU address-space slots */
#define ENPU1_REG_NUM_PRIO		0x020	/* submission priority levels per core */
#define ENPU1_REG_RING_MAX		0x024	/* largest ring, in entries */
#define ENPU1_REG_CLOCK_KHZ		0x028
#define ENPU1_REG_MACS_PER_CYCLE	0x02c	/* per core */
#define ENPU1_REG_BUS_BYTES_PER_CYCLE	0x030	/* DMA engine, host memory */
#define ENPU1_REG_SRAM_BYTES_PER_CYCLE	0x034	/* per core */
#define ENPU1_REG_VA_BITS		0x038

#define ENPU1_MAX_CORES			8
#define ENPU1_MAX_PRIO			4
#define ENPU1_MAX_AS			16

/* Status (D) */
#define ENPU1_REG_STATUS		0x040
#define ENPU1_STATUS_ROM		0	/* in boot ROM: waiting for firmware */
#define ENPU1_STATUS_LOADING		1	/* verifying and starting firmware */
#define ENPU1_STATUS_READY		2	/* firmware running, accepting work */
#define ENPU1_STATUS_REJECTED		3	/* firmware refused: see BOOT_ERROR */
#define ENPU1_STATUS_HALTED		4	/* fatal error: see ERROR_STATUS; reset */
#define ENPU1_REG_BOOT_ERROR		0x044
#define ENPU1_BOOT_OK			0
#define ENPU1_BOOT_BAD_MAGIC		1
#define ENPU1_BOOT_BAD_HEADER		2	/* header CRC or header size */
#define ENPU1_BOOT_BAD_ABI		3
#define ENPU1_BOOT_BAD_SIZE		4
#define ENPU1_BOOT_BAD_CRC		5	/* payload CRC */
#define ENPU1_BOOT_BAD_MACHINE		6	/* payload built for another core */
#define ENPU1_BOOT_DMA_ERROR		7	/* image address outside host memory */
#define ENPU1_BOOT_LOAD_FAILED		8	/* payload did not start */
#define ENPU1_BOOT_NO_IMAGE		9	/* BOOT with size 0 */
#define ENPU1_REG_FW_VERSION		0x048	/* major << 16 | minor << 8 | patch */
#define ENPU1_REG_FW_ABI		0x04c
#define ENPU1_REG_FW_CAPS		0x050	/* ENPU1_CAP_* the firmware supports */
#define ENPU1_REG_HEARTBEAT		0x054	/* firmware increments it while alive */
#define ENPU1_REG_ERROR_STATUS		0x058	/* ENPU1_ERR_* since reset, sticky */
#define ENPU1_ERR_WATCHDOG		(1u << 0)	/* firmware stopped kicking */
#define ENPU1_ERR_EVENT_OVERFLOW	(1u << 1)	/* host did not drain events */
#define ENPU1_ERR_BUS			(1u << 2)	/* ring access outside host memory */
#define ENPU1_ERR_FW_FAULT		(1u << 3)	/* firmware internal error */
#define ENPU1_REG_RESET_COUNT		0x05c	/* resets completed */
#define ENPU1_REG_TIME_LO		0x060	/* device time, ns since power-on */
#define ENPU1_REG_TIME_HI		0x064	/* (the timer refreshes both every few ms) */
#define ENPU1_REG_CMD_ACK		0x068	/* last CMD_SEQ the device completed */
#define ENPU1_REG_CMD_RESULT		0x06c	/* 0 or ENPU1_CMDERR_* for CMD_ACK */
#define ENPU1_CMDERR_UNKNOWN		1
#define ENPU1_CMDERR_STATE		2	/* not allowed in the current STATUS */
#define ENPU1_CMDERR_ARG		3
#define ENPU1_REG_POWER_STATE		0x070	/* D: 0 on, 1 suspended */

/* Control (H) */
#define ENPU1_REG_CMD			0x080	/* ENPU1_CMD_* */
#define ENPU1_REG_CMD_SEQ		0x084	/* host bumps it for each command */
#define ENPU1_REG_CMD_ARG0		0x088
#define ENPU1_REG_CMD_ARG1		0x08c
#define ENPU1_CMD_NOP			0
#define ENPU1_CMD_BOOT			1	/* load firmware from FW_ADDR/FW_SIZE */
#define ENPU1_CMD_RESET			2	/* stop everything, back to ROM */
#define ENPU1_CMD_MMU_FLUSH		3	/* ARG0: AS slot; drop its TLB entries */
#define ENPU1_CMD_SUSPEND		4	/* idle only: power down cores */
#define ENPU1_CMD_RESUME		5
#define ENPU1_REG_FW_ADDR_LO		0x090	/* bus address of the image */
#define ENPU1_REG_FW_ADDR_HI		0x094
#define ENPU1_REG_FW_SIZE		0x098
#define ENPU1_REG_INT_MASK		0x09c	/* bit n set: vector n masked */

/* Event ring (H sets it up before BOOT; it is latched at BOOT) */
#define ENPU1_REG_EVQ_BASE_LO		0x0a0
#define ENPU1_REG_EVQ_BASE_HI		0x0a4
#define ENPU1_REG_EVQ_ENTRIES		0x0a8	/* power of two */
#define ENPU1_REG_EVQ_HEAD		0x0ac	/* H: consumer index, free-running */
#define ENPU1_REG_EVQ_TAIL		0x0b0	/* D: producer index, free-running */

/* Last MMU fault (D) */
#define ENPU1_REG_FAULT_ADDR_LO		0x0c0
#define ENPU1_REG_FAULT_ADDR_HI		0x0c4
#define ENPU1_REG_FAULT_INFO		0x0c8	/* ENPU1_FAULT_INFO() */
#define ENPU1_REG_FAULT_COUNT		0x0cc

/*
 * Submission rings: one per (core, priority), at
 * ENPU1_REG_SQ(core, prio, field).  BASE/ENTRIES are latched at BOOT;
 * ENTRIES 0 disables the ring.
 */
#define ENPU1_REG_SQ_BLOCK		0x1000
#define ENPU1_SQ_STRIDE			0x20
#define ENPU1_SQ_BASE_LO		0x00	/* H */
#define ENPU1_SQ_BASE_HI		0x04	/* H */
#define ENPU1_SQ_ENTRIES		0x08	/* H, power of two */
#define ENPU1_SQ_TAIL			0x0c	/* H: producer index, free-running */
#define ENPU1_SQ_HEAD			0x10	/* D: consumer index, free-running */
#define ENPU1_REG_SQ(core, prio, field) \
	(ENPU1_REG_SQ_BLOCK + ((core) * ENPU1_MAX_PRIO + (prio)) * ENPU1_SQ_STRIDE + (field))

/* Per-core status (D), at ENPU1_REG_CORE(core, field) */
#define ENPU1_REG_CORE_BLOCK		0x2000
#define ENPU1_CORE_STRIDE		0x40
#define ENPU1_CORE_STATE		0x00	/* ENPU1_CORE_* */
#define ENPU1_CORE_IDLE			0
#define ENPU1_CORE_BUSY			1
#define ENPU1_CORE_OFF			2
#define ENPU1_CORE_JOB_LO		0x04	/* job being run */
#define ENPU1_CORE_JOB_HI		0x08
#define ENPU1_CORE_PROGRESS		0x0c	/* commands executed, ever */
#define ENPU1_CORE_JOBS_DONE		0x10
#define ENPU1_CORE_BUSY_CYC_LO		0x14	/* modeled cycles spent in jobs */
#define ENPU1_CORE_BUSY_CYC_HI		0x18
#define ENPU1_REG_CORE(core, field) \
	(ENPU1_REG_CORE_BLOCK + (core) * ENPU1_CORE_STRIDE + (field))

/* MMU address-space slots (H), at ENPU1_REG_AS(slot, field) */
#define ENPU1_REG_AS_BLOCK		0x3000
#define ENPU1_AS_STRIDE			0x10
#define ENPU1_AS_ROOT_LO		0x00	/* bus address of the level-0 table */
#define ENPU1_AS_ROOT_HI		0x04
#define ENPU1_AS_CONFIG			0x08
#define ENPU1_AS_ENABLE			(1u << 0)
#define ENPU1_REG_AS(slot, field) \
	(ENPU1_REG_AS_BLOCK + (slot) * ENPU1_AS_STRIDE + (field))

/* ------------------------------------------------------------------------ */
/* Rings in host memory */

/* Submission entry: one job. */
struct enpu1_sq_entry {
	__u64 job_id;		/* echoed in the completion event */
	__u64 cmd_addr;		/* device VA of the command stream, 4-byte aligned */
	__u32 cmd_size;		/* bytes, multiple of 4 */
	__u32 as_slot;		/* address space the job runs in */
	__u32 flags;		/* must be 0 */
	__u32 reserved;		/* must be 0 */
};

#define ENPU1_EV_JOB_DONE		1
#define ENPU1_EV_BOOT			2	/* firmware up; status 0 */
#define ENPU1_EV_ERROR			3	/* ERROR_STATUS changed */

/* Job status in ENPU1_EV_JOB_DONE events. */
#define ENPU1_JOB_OK			0
#define ENPU1_JOB_DECODE_ERROR		1	/* bad opcode, length or parameter */
#define ENPU1_JOB_MMU_FAULT		2	/* unmapped or read-only VA */
#define ENPU1_JOB_SRAM_RANGE		3	/* operand outside the core's SRAM */
#define ENPU1_JOB_BUS_ERROR		4	/* page table or page outside host memory */
#define ENPU1_JOB_BAD_AS		5	/* as_slot disabled or out of range */
#define ENPU1_JOB_UNSUPPORTED		6	/* operation the firmware does not offer */
#define ENPU1_JOB_ABORTED		7	/* stopped by reset or hang */
#define ENPU1_JOB_HAZARD		8	/* SRAM read before SYNC of its writer */
#define ENPU1_JOB_FENCE		9	/* stream ran past its end without END */

/*
 * Event: written by the device at EVQ_TAIL, then EVQ_TAIL is bumped and the
 * EVENT vector raised.  csum is the complement of the ones'-complement sum
 * of the other fifteen 32-bit words (enpu1_event_csum()), so the host can
 * refuse a corrupted entry.
 */
struct enpu1_event {
	__u32 type;		/* ENPU1_EV_* */
	__u32 status;		/* ENPU1_JOB_* */
	__u64 job_id;
	__u64 start_ns;		/* device time the job started */
	__u64 end_ns;		/* device time it ended */
	__u64 cycles;		/* modeled device cycles */
	__u64 fault_addr;	/* MMU fault: VA; bus error: the address; else 0 */
	__u32 info;		/* ENPU1_EV_INFO() */
	__u32 cmd_offset;	/* byte offset of the failing command */
	__u32 seq;		/* events written since reset, 1-based */
	__u32 csum;
};

#define ENPU1_EV_INFO(core, prio, as, access) \
	((core) | ((prio) << 8) | ((as) << 16) | ((access) << 24))
#define ENPU1_EV_INFO_CORE(v)		((v) & 0xff)
#define ENPU1_EV_INFO_PRIO(v)		(((v) >> 8) & 0xff)
#define ENPU1_EV_INFO_AS(v)		(((v) >> 16) & 0xff)
#define ENPU1_EV_INFO_ACCESS(v)		(((v) >> 24) & 0xff)
#define ENPU1_FAULT_INFO(as, access)	((as) | ((access) << 8))
#define ENPU1_ACCESS_READ		1
#define ENPU1_ACCESS_WRITE		2

static inline __u32 enpu1_event_csum(const struct enpu1_event *ev)
{
	const __u32 *w = (const __u32 *)ev;
	__u64 sum = 0;
	int i;

	for (i = 0; i < 15; i++)
		sum += w[i];
	while (sum >> 32)
		sum = (sum & 0xffffffffu) + (sum >> 32);
	return ~(__u32)sum;
}

/* ------------------------------------------------------------------------ */
/*
 * Device MMU: 39-bit VA, 4 KiB pages, three levels of 512 64-bit entries
 * (VA bits 38-30, 29-21, 20-12).  Tables are 4 KiB aligned in host memory.
 */
#define ENPU1_VA_BITS			39
#define ENPU1_PAGE_SHIFT		12
#define ENPU1_PAGE_SIZE			(1u << ENPU1_PAGE_SHIFT)
#define ENPU1_PT_LEVELS			3
#define ENPU1_PT_ENTRIES		512
#define ENPU1_PT_INDEX(va, level) \
	(((va) >> (ENPU1_PAGE_SHIFT + 9 * (2 - (level)))) & 511)
#define ENPU1_PTE_VALID			(1ull << 0)
#define ENPU1_PTE_READ			(1ull << 1)	/* leaf only */
#define ENPU1_PTE_WRITE			(1ull << 2)	/* leaf only */
#define ENPU1_PTE_ADDR_MASK		0x000ffffffffff000ull

/* ------------------------------------------------------------------------ */
/*
 * Firmware image: this header, then payload_size bytes of payload.  Both
 * CRCs are CRC-32 (IEEE 802.3, as zlib's crc32); header_crc covers the
 * header with header_crc itself zero.
 */
#define ENPU1_FW_MAGIC			0x57464e45	/* "ENFW" */
#define ENPU1_FW_ABI			1
#define ENPU1_FW_MACHINE_X86_64_SO	1	/* ELF shared object for the emulator */
#define ENPU1_FW_MAX_SIZE		(16u << 20)

struct enpu1_fw_header {
	__u32 magic;
	__u32 header_size;	/* sizeof(struct enpu1_fw_header) */
	__u32 abi;		/* ENPU1_FW_ABI the payload expects */
	__u32 machine;		/* ENPU1_FW_MACHINE_* */
	__u32 fw_version;	/* major << 16 | minor << 8 | patch */
	__u32 payload_size;
	__u32 payload_crc;
	__u32 header_crc;
	char build[32];		/* NUL-terminated build identifier */
};

#define ENPU1_FW_VERSION(maj, min, patch) (((maj) << 16) | ((min) << 8) | (patch))

#endif /* ENPU1_HW_H */
