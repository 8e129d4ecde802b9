// SPDX-License-Identifier: MIT
/*
 * The chip's fixed-function side: register block, host-memory bus, control
 * commands, the boot ROM that verifies and starts uploaded firmware, reset,
 * interrupts and the hardware watchdog.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crc32.h"
#include "emu.h"

const char *emu_status_name(uint32_t status)
{
	static const char *const names[] = { "rom", "loading", "ready", "rejected", "halted" };

	return status < sizeof(names) / sizeof(names[0]) ? names[status] : "?";
}

static const char *boot_error_name(uint32_t err)
{
	static const char *const names[] = {
		"ok", "bad magic", "bad header", "unsupported ABI", "bad size",
		"bad payload CRC", "payload for another machine", "DMA error",
		"payload did not start", "no image",
	};

	return err < sizeof(names) / sizeof(names[0]) ? names[err] : "?";
}

void emu_reg_or(struct emu *emu, uint32_t off, uint32_t bits)
{
	pthread_mutex_lock(&emu->reg_lock);
	emu_reg_write(emu, off, emu_reg_read(emu, off) | bits);
	pthread_mutex_unlock(&emu->reg_lock);
}

/* Maps a bus address range to guest RAM as QEMU's pc machine lays it out:
 * RAM below the PCI hole at bus == file offset, the rest above 4 GiB. */
static uint8_t *bus_map(struct emu *emu, uint64_t addr, uint64_t len)
{
	uint64_t low = emu->ram_size < emu->cfg.lowmem ? emu->ram_size : emu->cfg.lowmem;
	uint64_t off;

	if (len == 0 || addr + len < addr)
		return NULL;
	if (addr + len <= low) {
		off = addr;
	} else if (addr >= (1ull << 32)) {
		off = addr - (1ull << 32) + low;
		if (off + len > emu->ram_size || off < low)
			return NULL;
	} else {
		return NULL;
	}
	return emu->ram + off;
}

int emu_bus_read(struct emu *emu, uint64_t addr, void *dst, uint64_t len)
{
	uint8_t *p = bus_map(emu, addr, len);

	if (!p)
		return -1;
	memcpy(dst, p, len);
	return 0;
}

int emu_bus_write(struct emu *emu, uint64_t addr, const void *src, uint64_t len)
{
	uint8_t *p = bus_map(emu, addr, len);

	if (!p)
		return -1;
	memcpy(p, src, len);
	return 0;
}

void emu_raise_irq(struct emu *emu, unsigned int vector)
{
	uint64_t one = 1;

	if (vector >= ENPU1_IRQ_VECTORS || emu->irq_fd[vector] < 0)
		return;
	if (emu_reg_read(emu, ENPU1_REG_INT_MASK) & (1u << vector))
		return;
	if (emu_fault_take(&emu->faults.drop_irq)) {
		emu_log(emu, EMU_INFO, "irq: injected loss of vector %u", vector);
		return;
	}
	if (write(emu->irq_fd[vector], &one, sizeof(one)) != sizeof(one))
		emu_log(emu, EMU_ERR, "irq: vector %u: %s", vector, strerror(errno));
}

static void reset_registers(struct emu *emu)
{
	uint32_t c, p;

	/* Only device-written registers: the host's are its own business. */
	emu_reg_write(emu, ENPU1_REG_STATUS, ENPU1_STATUS_ROM);
	emu_reg_write(emu, ENPU1_REG_BOOT_ERROR, ENPU1_BOOT_OK);
	emu_reg_write(emu, ENPU1_REG_FW_VERSION, 0);
	emu_reg_write(emu, ENPU1_REG_FW_ABI, 0);
	emu_reg_write(emu, ENPU1_REG_FW_CAPS, 0);
	emu_reg_write(emu, ENPU1_REG_HEARTBEAT, 0);
	emu_reg_write(emu, ENPU1_REG_ERROR_STATUS, 0);
	emu_reg_write(emu, ENPU1_REG_EVQ_TAIL, 0);
	emu_reg_write(emu, ENPU1_REG_POWER_STATE, 0);
	emu_reg_write(emu, ENPU1_REG_FAULT_ADDR_LO, 0);
	emu_reg_write(emu, ENPU1_REG_FAULT_ADDR_HI, 0);
	emu_reg_write(emu, ENPU1_REG_FAULT_INFO, 0);
	for (c = 0; c < ENPU1_MAX_CORES; c++) {
		for (p = 0; p < ENPU1_MAX_PRIO; p++)
			emu_reg_write(emu, ENPU1_REG_SQ(c, p, ENPU1_SQ_HEAD), 0);
		emu_reg_write(emu, ENPU1_REG_CORE(c, ENPU1_CORE_STATE),
			      c < emu->cfg.cores ? ENPU1_CORE_IDLE : ENPU1_CORE_OFF);
		emu_reg_write(emu, ENPU1_REG_CORE(c, ENPU1_CORE_JOB_LO), 0);
		emu_reg_write(emu, ENPU1_REG_CORE(c, ENPU1_CORE_JOB_HI), 0);
	}
}

void emu_chip_init(struct emu *emu)
{
	const struct emu_config *cfg = &emu->cfg;

	emu_reg_write(emu, ENPU1_REG_SIGNATURE, ENPU1_SIGNATURE);
	emu_reg_write(emu, ENPU1_REG_HW_ID, ENPU1_CHIP_ENPU1 << 16 | 1);
	emu_reg_write(emu, ENPU1_REG_HW_VERSION, ENPU1_HW_VERSION);
	emu_reg_write(emu, ENPU1_REG_DB_TARGET, emu->my_id);
	emu_reg_write(emu, ENPU1_REG_NUM_CORES, cfg->cores);
	emu_reg_write(emu, ENPU1_REG_SRAM_SIZE, cfg->sram_kib * 1024);
	emu_reg_write(emu, ENPU1_REG_SRAM_WINDOW, emu->sram_window);
	emu_reg_write(emu, ENPU1_REG_NUM_AS, cfg->num_as);
	emu_reg_write(emu, ENPU1_REG_NUM_PRIO, cfg->num_prio);
	emu_reg_write(emu, ENPU1_REG_RING_MAX, cfg->ring_max);
	emu_reg_write(emu, ENPU1_REG_CLOCK_KHZ, cfg->clock_khz);
	emu_reg_write(emu, ENPU1_REG_MACS_PER_CYCLE, cfg->timing.macs_per_cycle);
	emu_reg_write(emu, ENPU1_REG_BUS_BYTES_PER_CYCLE, cfg->timing.bus_bytes_per_cycle);
	emu_reg_write(emu, ENPU1_REG_SRAM_BYTES_PER_CYCLE, cfg->timing.sram_bytes_per_cycle);
	emu_reg_write(emu, ENPU1_REG_VA_BITS, ENPU1_VA_BITS);
	emu_reg_write(emu, ENPU1_REG_RESET_COUNT, 0);
	reset_registers(emu);
}

static void unload_firmware(struct emu *emu)
{
	emu_cores_stop(emu);
	if (emu->fw_dl)
		dlclose(emu->fw_dl);
	emu->fw_dl = NULL;
	emu->fw = NULL;
}

static uint32_t rom_reject(struct emu *emu, uint32_t code, const char *detail)
{
	emu_reg_write(emu, ENPU1_REG_BOOT_ERROR, code);
	emu_reg_write(emu, ENPU1_REG_STATUS, ENPU1_STATUS_REJECTED);
	emu_log(emu, EMU_ERR, "rom: firmware rejected: %s%s%s", boot_error_name(code),
		detail ? ": " : "", detail ? detail : "");
	emu_raise_irq(emu, ENPU1_IRQ_VEC_ERROR);
	return 0;
}

/* Loads a verified payload the only way a shared object can be run: from a
 * file, here an anonymous one, so nothing but the uploaded bytes executes. */
static int rom_start(struct emu *emu, const uint8_t *payload, uint32_t len, char *why,
		     size_t whylen)
{
	const struct enpu_fw_entry *entry;
	char path[64];
	void *dl;
	int fd;

	fd = memfd_create("enpu1-fw", MFD_CLOEXEC);
	if (fd < 0 || write(fd, payload, len) != (ssize_t)len) {
		snprintf(why, whylen, "memfd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	close(fd);
	if (!dl) {
		snprintf(why, whylen, "%s", dlerror());
		return -1;
	}
	entry = dlsym(dl, "enpu_fw_entry");
	if (!entry || entry->abi != ENPU_FW_HAL_ABI || !entry->init || !entry->core_main) {
		snprintf(why, whylen, "no usable enpu_fw_entry");
		dlclose(dl);
		return -1;
	}
	emu->fw_dl = dl;
	emu->fw = entry;
	atomic_store(&emu->stop, 0);
	if (entry->init(&emu->hal) ||
	    emu_reg_read(emu, ENPU1_REG_STATUS) != ENPU1_STATUS_READY) {
		snprintf(why, whylen, "firmware init failed");
		emu->fw = NULL;
		emu->fw_dl = NULL;
		dlclose(dl);
		return -1;
	}
	if (emu_cores_start(emu)) {
		snprintf(why, whylen, "cannot start core threads");
		unload_firmware(emu);
		return -1;
	}
	emu_log(emu, EMU_INFO, "rom: firmware %u.%u.%u (%s) running on %u cores",
		entry->version >> 16, (entry->version >> 8) & 255, entry->version & 255,
		entry->build ? entry->build : "?", emu->cfg.cores);
	return 0;
}

static uint32_t rom_boot(struct emu *emu)
{
	uint64_t addr = ((uint64_t)emu_reg_read(emu, ENPU1_REG_FW_ADDR_HI) << 32) |
			emu_reg_read(emu, ENPU1_REG_FW_ADDR_LO);
	uint32_t size = emu_reg_read(emu, ENPU1_REG_FW_SIZE);
	uint32_t status = emu_reg_read(emu, ENPU1_REG_STATUS);
	struct enpu1_fw_header h;
	char why[256] = "";
	uint32_t crc, got;
	uint8_t *payload;

	if (status != ENPU1_STATUS_ROM && status != ENPU1_STATUS_REJECTED)
		return ENPU1_CMDERR_STATE;
	emu_reg_write(emu, ENPU1_REG_STATUS, ENPU1_STATUS_LOADING);
	emu_reg_write(emu, ENPU1_REG_BOOT_ERROR, ENPU1_BOOT_OK);
	emu_log(emu, EMU_INFO, "rom: BOOT image at 0x%" PRIx64 ", %u bytes", addr, size);

	if (size == 0)
		return rom_reject(emu, ENPU1_BOOT_NO_IMAGE, NULL);
	if (size < sizeof(h) || size > ENPU1_FW_MAX_SIZE)
		return rom_reject(emu, ENPU1_BOOT_BAD_SIZE, NULL);
	if (emu_bus_read(emu, addr, &h, sizeof(h)))
		return rom_reject(emu, ENPU1_BOOT_DMA_ERROR, "image outside host memory");
	if (h.magic != ENPU1_FW_MAGIC)
		return rom_reject(emu, ENPU1_BOOT_BAD_MAGIC, NULL);
	crc = h.header_crc;
	h.header_crc = 0;
	if (h.header_size != sizeof(h) || enpu_crc32(0, &h, sizeof(h)) != crc)
		return rom_reject(emu, ENPU1_BOOT_BAD_HEADER, NULL);
	if (h.abi != ENPU1_FW_ABI)
		return rom_reject(emu, ENPU1_BOOT_BAD_ABI, NULL);
	if (h.machine != ENPU1_FW_MACHINE_X86_64_SO)
		return rom_reject(emu, ENPU1_BOOT_BAD_MACHINE, NULL);
	if (h.payload_size != size - sizeof(h))
		return rom_reject(emu, ENPU1_BOOT_BAD_SIZE, "payload size and image size disagree");
	payload = malloc(h.payload_size);
	if (!payload)
		return rom_reject(emu, ENPU1_BOOT_LOAD_FAILED, "out of memory");
	if (emu_bus_read(emu, addr + sizeof(h), payload, h.payload_size)) {
		free(payload);
		return rom_reject(emu, ENPU1_BOOT_DMA_ERROR, "image outside host memory");
	}
	got = enpu_crc32(0, payload, h.payload_size);
	if (got != h.payload_crc) {
		snprintf(why, sizeof(why), "crc 0x%08x, header says 0x%08x", got, h.payload_crc);
		free(payload);
		return rom_reject(emu, ENPU1_BOOT_BAD_CRC, why);
	}
	if (rom_start(emu, payload, h.payload_size, why, sizeof(why))) {
		free(payload);
		return rom_reject(emu, ENPU1_BOOT_LOAD_FAILED, why);
	}
	free(payload);
	return 0;
}

void emu_reset(struct emu *emu)
{
	unsigned int i;

	unload_firmware(emu);
	for (i = 0; i < ENPU1_MAX_AS; i++)
		atomic_fetch_add(&emu->as_gen[i], 1);
	memset(emu->sram, 0, (size_t)emu->cfg.sram_kib * 1024);
	atomic_store(&emu->suspended, 0);
	if (atomic_load(&emu->faults.dead) == 1)
		atomic_store(&emu->faults.dead, 0);
	reset_registers(emu);
	emu_reg_write(emu, ENPU1_REG_RESET_COUNT, emu_reg_read(emu, ENPU1_REG_RESET_COUNT) + 1);
	emu_log(emu, EMU_INFO, "chip: reset %u done", emu_reg_read(emu, ENPU1_REG_RESET_COUNT));
}

void emu_halt(struct emu *emu, uint32_t err_bits, const char *why)
{
	emu_reg_or(emu, ENPU1_REG_ERROR_STATUS, err_bits);
	emu_reg_write(emu, ENPU1_REG_STATUS, ENPU1_STATUS_HALTED);
	emu_log(emu, EMU_ERR, "chip: halted: %s", why);
	/* Stop taking work but leave the threads for RESET to collect: one may
	 * be stuck in a hung datapath. */
	atomic_store(&emu->stop, 1);
	pthread_mutex_lock(&emu->work_lock);
	pthread_cond_broadcast(&emu->work_cond);
	pthread_mutex_unlock(&emu->work_lock);
	emu_raise_irq(emu, ENPU1_IRQ_VEC_ERROR);
}

static int cores_idle(struct emu *emu)
{
	unsigned int i;

	for (i = 0; i < emu->cfg.cores; i++)
		if (atomic_load(&emu->core[i].busy))
			return 0;
	return 1;
}

static void control_command(struct emu *emu)
{
	uint32_t seq = emu_reg_read(emu, ENPU1_REG_CMD_SEQ);
	uint32_t cmd = emu_reg_read(emu, ENPU1_REG_CMD);
	uint32_t arg0 = emu_reg_read(emu, ENPU1_REG_CMD_ARG0);
	uint32_t status = emu_reg_read(emu, ENPU1_REG_STATUS);
	uint32_t result = 0;

	if (seq == emu->last_cmd_seq)
		return;
	emu->last_cmd_seq = seq;
	if (atomic_load(&emu->faults.dead) == 2) {
		emu_log(emu, EMU_INFO, "chip: dead, command %u ignored", cmd);
		return;
	}
	switch (cmd) {
	case ENPU1_CMD_NOP:
		break;
	case ENPU1_CMD_BOOT:
		result = rom_boot(emu);
		break;
	case ENPU1_CMD_RESET:
		emu_reset(emu);
		break;
	case ENPU1_CMD_MMU_FLUSH:
		if (arg0 >= emu->cfg.num_as)
			result = ENPU1_CMDERR_ARG;
		else
			atomic_fetch_add(&emu->as_gen[arg0], 1);
		break;
	case ENPU1_CMD_SUSPEND:
		if (status != ENPU1_STATUS_READY || !cores_idle(emu)) {
			result = ENPU1_CMDERR_STATE;
		} else {
			atomic_store(&emu->suspended, 1);
			emu_reg_write(emu, ENPU1_REG_POWER_STATE, 1);
		}
		break;
	case ENPU1_CMD_RESUME: {
		uint64_t now = emu_now_ns(emu);
		unsigned int i;

		/* The watchdog restarts from now, before cores may look. */
		for (i = 0; i < emu->cfg.cores; i++)
			atomic_store(&emu->core[i].last_kick_ns, now);
		atomic_store(&emu->suspended, 0);
		emu_reg_write(emu, ENPU1_REG_POWER_STATE, 0);
		emu_wake_cores(emu);
		break;
	}
	default:
		result = ENPU1_CMDERR_UNKNOWN;
		break;
	}
	emu_log(emu, EMU_DBG, "chip: command %u seq %u -> %u (status %s)", cmd, seq, result,
		emu_status_name(emu_reg_read(emu, ENPU1_REG_STATUS)));
	emu_reg_write(emu, ENPU1_REG_CMD_RESULT, result);
	emu_reg_write(emu, ENPU1_REG_CMD_ACK, seq);
	emu_raise_irq(emu, ENPU1_IRQ_VEC_EVENT);
}

void emu_doorbell(struct emu *emu, unsigned int vector)
{
	if (vector == ENPU1_DB_VEC_CTRL) {
		control_command(emu);
	} else if (vector == ENPU1_DB_VEC_WORK) {
		/* A chip without running firmware refuses work by ignoring it. */
		if (emu_reg_read(emu, ENPU1_REG_STATUS) == ENPU1_STATUS_READY)
			emu_wake_cores(emu);
		else
			emu_log(emu, EMU_DBG, "chip: WORK doorbell ignored in state %s",
				emu_status_name(emu_reg_read(emu, ENPU1_REG_STATUS)));
	}
}

void emu_tick(struct emu *emu)
{
	uint64_t now = emu_now_ns(emu);
	uint32_t status = emu_reg_read(emu, ENPU1_REG_STATUS);
	unsigned int i;

	emu_reg_write(emu, ENPU1_REG_TIME_LO, (uint32_t)now);
	emu_reg_write(emu, ENPU1_REG_TIME_HI, (uint32_t)(now >> 32));

	/* Suspended cores are powered down: nothing to watch. */
	if (status != ENPU1_STATUS_READY || !emu->cfg.watchdog_ms || atomic_load(&emu->stop) ||
	    atomic_load(&emu->suspended))
		return;
	for (i = 0; i < emu->cfg.cores; i++) {
		uint64_t last = atomic_load(&emu->core[i].last_kick_ns);

		if (now > last && now - last > (uint64_t)emu->cfg.watchdog_ms * 1000000) {
			char why[64];

			snprintf(why, sizeof(why), "watchdog: core %u silent for %llu ms", i,
				 (unsigned long long)((now - last) / 1000000));
			emu_halt(emu, ENPU1_ERR_WATCHDOG, why);
			return;
		}
	}
}
