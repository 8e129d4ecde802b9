// SPDX-License-Identifier: MIT
/*
 * The firmware's boot handshake and job loop against a fake chip: a
 * register array, a host-memory array at a bus address, identity-mapped
 * "MMU" access, a fake engine that records what it is asked to do, and a
 * simulated clock that advances when the firmware waits.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "enpu_fw_hal.h"
#include "decode.h"
#include "fw.h"

#define MEM_BASE 0x180000000ull
#define MEM_SIZE (4u << 20)
#define EVQ_ADDR (MEM_BASE + 0x0000)
#define SQ_ADDR(c, p) (MEM_BASE + 0x10000 + ((c) * ENPU1_MAX_PRIO + (p)) * 0x1000)
#define CMD_ADDR (MEM_BASE + 0x100000)
#define FENCE_ADDR (MEM_BASE + 0x200000)
#define EV_ENTRIES 8
#define SQ_ENTRIES 16

#define CMD(op, n, imm) ENPU1_CMD(op, n, imm)

static _Atomic uint32_t regs[ENPU1_REGS_SIZE / 4];
static uint8_t mem[MEM_SIZE];
static _Atomic uint64_t fake_now;
static atomic_int wait_calls, kicks, irqs[ENPU1_IRQ_VECTORS], stop_flag, lock_misuse;
static int stop_after_waits;	/* wait_work returns -1 from this call on; 0: never */
static pthread_mutex_t fw_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local int lock_depth;

/* Fake engine, per core. */
struct fake_core {
	uint64_t cycles;
	int begun, runs, syncs;
	uint32_t as;
	uint32_t ops[64];
	uint32_t params[8][ENPU1_P_COUNT];	/* first runs' parameters */
	uint64_t phash[128];			/* every run's parameters, hashed */
	int fail_at_run;			/* 1-based run that fails; 0: none */
	int fail_status;
	uint64_t fail_addr;
	int stop_at_run;			/* run that triggers a reset */
};

static struct fake_core fc[ENPU1_MAX_CORES];

static uint64_t hash_params(const uint32_t *p)
{
	uint64_t h = 1469598103934665603ull;

	for (int i = 0; i < ENPU1_P_COUNT; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static uint32_t rd(uint32_t off)
{
	return regs[off / 4];
}

static void wr(uint32_t off, uint32_t v)
{
	regs[off / 4] = v;
}

/* --- HAL ---------------------------------------------------------------- */

static uint32_t h_reg_read(void *hw, uint32_t off)
{
	(void)hw;
	return rd(off);
}

static void h_reg_write(void *hw, uint32_t off, uint32_t val)
{
	(void)hw;
	wr(off, val);
}

static int in_mem(uint64_t addr, uint64_t len)
{
	return addr >= MEM_BASE && len <= MEM_SIZE && addr - MEM_BASE <= MEM_SIZE - len;
}

static int h_bus_read(void *hw, uint64_t addr, void *dst, uint32_t len)
{
	(void)hw;
	if (!in_mem(addr, len))
		return -1;
	memcpy(dst, mem + (addr - MEM_BASE), len);
	return 0;
}

static int h_bus_write(void *hw, uint64_t addr, const void *src, uint32_t len)
{
	(void)hw;
	if (!in_mem(addr, len))
		return -1;
	memcpy(mem + (addr - MEM_BASE), src, len);
	return 0;
}

static int h_va_read(void *hw, uint32_t as, uint64_t va, void *dst, uint32_t len,
		     struct enpu_fw_fault *f)
{
	(void)as;
	if (h_bus_read(hw, va, dst, len)) {
		f->addr = va;
		f->access = ENPU1_ACCESS_READ;
		return ENPU1_JOB_MMU_FAULT;
	}
	return ENPU1_JOB_OK;
}

static int h_va_write(void *hw, uint32_t as, uint64_t va, const void *src, uint32_t len,
		      struct enpu_fw_fault *f)
{
	(void)as;
	if (h_bus_write(hw, va, src, len)) {
		f->addr = va;
		f->access = ENPU1_ACCESS_WRITE;
		return ENPU1_JOB_MMU_FAULT;
	}
	return ENPU1_JOB_OK;
}

static void h_job_begin(void *hw, uint32_t core, uint32_t as)
{
	(void)hw;
	fc[core].begun++;
	fc[core].as = as;
	fc[core].cycles = 0;
}

static int h_engine_run(void *hw, uint32_t core, uint32_t op, const uint32_t *params,
			struct enpu_fw_fault *f)
{
	struct fake_core *c = &fc[core];
	int n = c->runs++;

	(void)hw;
	if (n < 64)
		c->ops[n] = op;
	if (n < 8)
		memcpy(c->params[n], params, sizeof(c->params[n]));
	if (n < 128)
		c->phash[n] = hash_params(params);
	c->cycles += 100;
	if (c->stop_at_run == n + 1)
		stop_flag = 1;
	if (c->fail_at_run == n + 1) {
		f->addr = c->fail_addr;
		f->access = ENPU1_ACCESS_WRITE;
		return c->fail_status;
	}
	return ENPU1_JOB_OK;
}

static int h_engine_sync(void *hw, uint32_t core)
{
	(void)hw;
	fc[core].syncs++;
	fc[core].cycles += 7;
	return ENPU1_JOB_OK;
}

static uint64_t h_engine_cycles(void *hw, uint32_t core)
{
	(void)hw;
	return fc[core].cycles;
}

static int h_wait_work(void *hw, uint32_t core, uint32_t timeout_us)
{
	int n = ++wait_calls;

	(void)hw;
	(void)core;
	fake_now += (uint64_t)timeout_us * 1000;
	if (stop_flag || (stop_after_waits && n >= stop_after_waits))
		return -1;
	return 0;
}

static int h_should_stop(void *hw)
{
	(void)hw;
	return stop_flag;
}

static void h_raise_irq(void *hw, uint32_t vector)
{
	(void)hw;
	if (vector < ENPU1_IRQ_VECTORS)
		irqs[vector]++;
}

static uint64_t h_time_ns(void *hw)
{
	(void)hw;
	return fake_now += 10;
}

static void h_kick(void *hw, uint32_t core)
{
	(void)hw;
	(void)core;
	kicks++;
}

static void h_lock(void *hw)
{
	(void)hw;
	if (lock_depth++)
		lock_misuse = 1;	/* the firmware's lock is not recursive */
	pthread_mutex_lock(&fw_lock);
}

static void h_unlock(void *hw)
{
	(void)hw;
	if (--lock_depth)
		lock_misuse = 1;
	pthread_mutex_unlock(&fw_lock);
}

static char last_log[128];

static void h_log(void *hw, int level, const char *msg)
{
	(void)hw;
	(void)level;
	strncpy(last_log, msg, sizeof(last_log) - 1);
}

static const struct enpu_hal hal = {
	.abi = ENPU_FW_HAL_ABI,
	.reg_read = h_reg_read, .reg_write = h_reg_write,
	.bus_read = h_bus_read, .bus_write = h_bus_write,
	.va_read = h_va_read, .va_write = h_va_write,
	.engine_job_begin = h_job_begin, .engine_run = h_engine_run,
	.engine_sync = h_engine_sync, .engine_cycles = h_engine_cycles,
	.wait_work = h_wait_work, .should_stop = h_should_stop,
	.raise_irq = h_raise_irq, .time_ns = h_time_ns, .kick_watchdog = h_kick,
	.lock = h_lock, .unlock = h_unlock, .log = h_log,
};

/* --- The host side ------------------------------------------------------- */

static uint64_t cmd_next;

static void chip_reset(void)
{
	for (size_t i = 0; i < ENPU1_REGS_SIZE / 4; i++)
		regs[i] = 0;
	memset(mem, 0xee, sizeof(mem));
	memset(fc, 0, sizeof(fc));
	wait_calls = kicks = stop_flag = lock_misuse = 0;
	irqs[0] = irqs[1] = 0;
	stop_after_waits = 0;
	fake_now = 1000000;
	cmd_next = CMD_ADDR;
	wr(ENPU1_REG_NUM_CORES, 2);
	wr(ENPU1_REG_NUM_PRIO, 2);
	wr(ENPU1_REG_NUM_AS, 4);
	wr(ENPU1_REG_RING_MAX, 64);
	wr(ENPU1_REG_EVQ_BASE_LO, (uint32_t)EVQ_ADDR);
	wr(ENPU1_REG_EVQ_BASE_HI, (uint32_t)(EVQ_ADDR >> 32));
	wr(ENPU1_REG_EVQ_ENTRIES, EV_ENTRIES);
	for (uint32_t c = 0; c < 2; c++) {
		for (uint32_t p = 0; p < 2; p++) {
			wr(ENPU1_REG_SQ(c, p, ENPU1_SQ_BASE_LO), (uint32_t)SQ_ADDR(c, p));
			wr(ENPU1_REG_SQ(c, p, ENPU1_SQ_BASE_HI), (uint32_t)(SQ_ADDR(c, p) >> 32));
			wr(ENPU1_REG_SQ(c, p, ENPU1_SQ_ENTRIES), SQ_ENTRIES);
		}
	}
	wr(ENPU1_REG_AS(0, ENPU1_AS_CONFIG), ENPU1_AS_ENABLE);
	wr(ENPU1_REG_AS(1, ENPU1_AS_CONFIG), ENPU1_AS_ENABLE);
	wr(ENPU1_REG_AS(3, ENPU1_AS_CONFIG), ENPU1_AS_ENABLE);
	/* Beyond NUM_AS: the firmware must not trust this register. */
	wr(ENPU1_REG_AS(4, ENPU1_AS_CONFIG), ENPU1_AS_ENABLE);
}

static int boot(void)
{
	chip_reset();
	return enpu_fw_entry.init(&hal);
}

/* Copies a stream into host memory and returns its address. */
static uint64_t put_stream(const uint32_t *w, size_t n)
{
	uint64_t at = cmd_next;

	memcpy(mem + (at - MEM_BASE), w, n * 4);
	cmd_next += (n * 4 + 63) & ~(uint64_t)63;
	return at;
}

static void submit_raw(uint32_t core, uint32_t prio, const struct enpu1_sq_entry *e)
{
	uint32_t tail = rd(ENPU1_REG_SQ(core, prio, ENPU1_SQ_TAIL));

	memcpy(mem + (SQ_ADDR(core, prio) - MEM_BASE) + (tail & (SQ_ENTRIES - 1)) * sizeof(*e), e,
	       sizeof(*e));
	wr(ENPU1_REG_SQ(core, prio, ENPU1_SQ_TAIL), tail + 1);
}

static void submit(uint32_t core, uint32_t prio, uint64_t job_id, uint64_t addr, uint32_t size,
		   uint32_t as)
{
	struct enpu1_sq_entry e = { .job_id = job_id, .cmd_addr = addr, .cmd_size = size,
				    .as_slot = as };

	submit_raw(core, prio, &e);
}

static void submit_stream(uint32_t core, uint32_t prio, uint64_t job_id, const uint32_t *w,
			  size_t n)
{
	submit(core, prio, job_id, put_stream(w, n), (uint32_t)(n * 4), 1);
}

/* Event number i (0-based since boot) from the ring. */
static struct enpu1_event event_at(uint32_t i)
{
	struct enpu1_event ev;

	memcpy(&ev, mem + (EVQ_ADDR - MEM_BASE) + (i & (rd(ENPU1_REG_EVQ_ENTRIES) - 1)) * sizeof(ev),
	       sizeof(ev));
	return ev;
}

static struct enpu1_event last_event(void)
{
	return event_at(rd(ENPU1_REG_EVQ_TAIL) - 1);
}

/* The host drains everything so far. */
static void consume(void)
{
	wr(ENPU1_REG_EVQ_HEAD, rd(ENPU1_REG_EVQ_TAIL));
}

static const uint32_t simple[] = { CMD(ENPU1_OP_CONV, 0, 0), CMD(ENPU1_OP_END, 0, 0) };

/* --- Tests ---------------------------------------------------------------- */

static void test_boot(void)
{
	is_int(boot(), 0, "init succeeds on a sane chip");
	is_int(rd(ENPU1_REG_FW_VERSION), ENPU1_FW_VERSION(1, 1, 0), "FW_VERSION published");
	is_int(rd(ENPU1_REG_FW_ABI), ENPU1_FW_ABI, "FW_ABI published");
	uint32_t caps = rd(ENPU1_REG_FW_CAPS);
	int all = 1;

	for (uint32_t op = ENPU1_OP_CONV; op < ENPU1_OP_MAX; op++)
		all &= !!(caps & ENPU1_CAP_OP(op));
	ok(all, "FW_CAPS offers every compute operation");
	ok((caps & (ENPU1_CAP_PER_CHANNEL | ENPU1_CAP_REQUANT_FP32 | ENPU1_CAP_DILATION)) ==
	   (ENPU1_CAP_PER_CHANNEL | ENPU1_CAP_REQUANT_FP32 | ENPU1_CAP_DILATION),
	   "FW_CAPS offers per-channel, fp32 requantization and dilation");
	is_int(rd(ENPU1_REG_STATUS), ENPU1_STATUS_READY, "STATUS is READY");
	is_int(rd(ENPU1_REG_EVQ_TAIL), 1, "one event posted");

	struct enpu1_event ev = event_at(0);

	ok(ev.type == ENPU1_EV_BOOT && ev.status == 0 && ev.seq == 1,
	   "it is a BOOT event, status 0, seq 1");
	is_int(ev.csum, enpu1_event_csum(&ev), "the BOOT event's checksum is valid");
	is_int(irqs[ENPU1_IRQ_VEC_EVENT], 1, "the EVENT vector was raised");
	is_int(rd(ENPU1_REG_ERROR_STATUS), 0, "no error bits");
	ok(enpu_fw_entry.abi == ENPU_FW_HAL_ABI && enpu_fw_entry.version == ENPU1_FW_VERSION(1, 1, 0) &&
	   enpu_fw_entry.build != NULL, "enpu_fw_entry carries ABI, version and build");
}

static void test_boot_failures(void)
{
	static const struct {
		uint32_t reg, val;
		const char *what;
	} cases[] = {
		{ ENPU1_REG_EVQ_ENTRIES, 0, "no event ring" },
		{ ENPU1_REG_EVQ_ENTRIES, 12, "event ring size not a power of two" },
		{ ENPU1_REG_EVQ_ENTRIES, 128, "event ring larger than RING_MAX" },
		{ ENPU1_REG_SQ(1, 1, ENPU1_SQ_ENTRIES), 3, "submission ring size not a power of two" },
		{ ENPU1_REG_SQ(0, 0, ENPU1_SQ_ENTRIES), 256, "submission ring larger than RING_MAX" },
		{ ENPU1_REG_NUM_CORES, 0, "zero cores" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		chip_reset();
		wr(ENPU1_REG_STATUS, ENPU1_STATUS_LOADING);
		wr(cases[i].reg, cases[i].val);
		int r = enpu_fw_entry.init(&hal);

		ok(r == -1 && (rd(ENPU1_REG_ERROR_STATUS) & ENPU1_ERR_FW_FAULT) &&
		   rd(ENPU1_REG_STATUS) == ENPU1_STATUS_LOADING && rd(ENPU1_REG_EVQ_TAIL) == 0,
		   "init refuses %s: FW_FAULT, not READY, no event", cases[i].what);
	}

	chip_reset();
	wr(ENPU1_REG_SQ(0, 1, ENPU1_SQ_ENTRIES), 0);
	ok(enpu_fw_entry.init(&hal) == 0, "a disabled (0-entry) submission ring is fine");

	struct enpu_hal bad = hal;

	bad.abi = 99;
	chip_reset();
	is_int(enpu_fw_entry.init(&bad), -1, "init refuses a HAL of another ABI");
}

static void test_one_job(void)
{
	const uint32_t w[] = {
		CMD(ENPU1_OP_SETP, 3, ENPU1_P_IFM_H), 5, 6, 7,
		CMD(ENPU1_OP_CONV, 0, 0),
		CMD(ENPU1_OP_SYNC, 0, 0),
		CMD(ENPU1_OP_FENCE, 3, 0), (uint32_t)FENCE_ADDR, (uint32_t)(FENCE_ADDR >> 32), 0xc0ffee,
		CMD(ENPU1_OP_END, 0, 0),
	};

	boot();
	submit_stream(0, 1, 0x1122334455667788ull, w, sizeof(w) / 4);
	is_int(enpu_fw_run_once(&hal, 0), 1, "run_once runs the pending job");

	struct enpu1_event ev = last_event();

	ok(ev.type == ENPU1_EV_JOB_DONE && ev.job_id == 0x1122334455667788ull,
	   "a JOB_DONE event with the job's id");
	is_int(ev.status, ENPU1_JOB_OK, "status OK");
	is_int(ev.seq, 2, "seq 2 (after BOOT)");
	is_int(ev.csum, enpu1_event_csum(&ev), "checksum valid");
	is_int(ev.cycles, 100 + 7 + 7, "cycles come from the engine");
	ok(ENPU1_EV_INFO_CORE(ev.info) == 0 && ENPU1_EV_INFO_PRIO(ev.info) == 1 &&
	   ENPU1_EV_INFO_AS(ev.info) == 1 && ENPU1_EV_INFO_ACCESS(ev.info) == 0,
	   "info names core 0, priority 1, AS 1");
	ok(ev.end_ns > ev.start_ns && ev.start_ns > 0, "start and end times are device time");
	ok(fc[0].begun == 1 && fc[0].as == 1, "the engine job began in the job's AS");
	ok(fc[0].runs == 1 && fc[0].ops[0] == ENPU1_OP_CONV, "the engine ran the CONV");
	ok(fc[0].params[0][ENPU1_P_IFM_H] == 5 && fc[0].params[0][ENPU1_P_IFM_W] == 6 &&
	   fc[0].params[0][ENPU1_P_IFM_C] == 7, "SETP loaded the parameters the CONV saw");
	is_int(fc[0].syncs, 2, "SYNC and FENCE both synced the engines");
	uint32_t fence;

	memcpy(&fence, mem + (FENCE_ADDR - MEM_BASE), 4);
	is_int(fence, 0xc0ffee, "FENCE wrote its value");
	is_int(rd(ENPU1_REG_SQ(0, 1, ENPU1_SQ_HEAD)), 1, "SQ_HEAD advanced");
	is_int(rd(ENPU1_REG_CORE(0, ENPU1_CORE_JOBS_DONE)), 1, "CORE_JOBS_DONE counted");
	is_int(rd(ENPU1_REG_CORE(0, ENPU1_CORE_PROGRESS)), 5, "CORE_PROGRESS counts the 5 commands");
	is_int(rd(ENPU1_REG_CORE(0, ENPU1_CORE_BUSY_CYC_LO)), 114, "CORE_BUSY_CYC accumulates cycles");
	ok(rd(ENPU1_REG_CORE(0, ENPU1_CORE_JOB_LO)) == 0x55667788 &&
	   rd(ENPU1_REG_CORE(0, ENPU1_CORE_JOB_HI)) == 0x11223344, "CORE_JOB_LO/HI name the job");
	is_int(rd(ENPU1_REG_CORE(0, ENPU1_CORE_STATE)), ENPU1_CORE_IDLE, "the core is idle again");
	is_int(irqs[ENPU1_IRQ_VEC_EVENT], 2, "the EVENT vector was raised again");
	is_int(enpu_fw_run_once(&hal, 0), 0, "nothing else pending");
	ok(fc[1].begun == 0, "core 1 was not involved");

	/* Parameters start at zero for each job. */
	submit_stream(0, 0, 2, simple, 2);
	enpu_fw_run_once(&hal, 0);
	ok(fc[0].runs == 2 && fc[0].params[1][ENPU1_P_IFM_H] == 0,
	   "the next job's parameters start at zero");
	ok(!lock_misuse, "the firmware never takes its lock recursively");
}

static void test_priority(void)
{
	boot();
	submit_stream(0, 1, 101, simple, 2);
	submit_stream(0, 1, 102, simple, 2);
	submit_stream(0, 0, 1, simple, 2);
	enpu_fw_run_once(&hal, 0);
	is_int(last_event().job_id, 1, "with jobs at priority 1 and 0, priority 0 runs first");
	enpu_fw_run_once(&hal, 0);
	is_int(last_event().job_id, 101, "then priority 1");
	submit_stream(0, 0, 2, simple, 2);
	enpu_fw_run_once(&hal, 0);
	is_int(last_event().job_id, 2, "a priority-0 job arriving meanwhile goes before the rest");
	enpu_fw_run_once(&hal, 0);
	is_int(last_event().job_id, 102, "then the remaining priority-1 job");
	consume();

	submit_stream(1, 0, 77, simple, 2);
	is_int(enpu_fw_run_once(&hal, 0), 0, "core 0 does not take core 1's work");
	enpu_fw_run_once(&hal, 1);
	ok(last_event().job_id == 77 && ENPU1_EV_INFO_CORE(last_event().info) == 1,
	   "core 1 runs it and says so in info");
	is_int(enpu_fw_run_once(&hal, 2), -1, "run_once refuses a core the chip does not have");
}

/* Boots, places a simple stream, submits e with cmd_addr taken as an
 * offset from that stream, and returns the job's event. */
static struct enpu1_event run_entry(struct enpu1_sq_entry e)
{
	boot();
	e.cmd_addr += put_stream(simple, 2);
	submit_raw(0, 0, &e);
	enpu_fw_run_once(&hal, 0);
	return last_event();
}

static void test_bad_entries(void)
{
	struct enpu1_event ev;
	static const struct {
		uint32_t size, as, flags, reserved, addr_off;
		int status;
		const char *what;
	} cases[] = {
		{ 8, 2, 0, 0, 0, ENPU1_JOB_BAD_AS, "a disabled AS slot" },
		{ 8, 4, 0, 0, 0, ENPU1_JOB_BAD_AS, "AS slot == NUM_AS" },
		{ 8, 0x1234567, 0, 0, 0, ENPU1_JOB_BAD_AS, "a huge AS slot" },
		{ 8, 1, 1, 0, 0, ENPU1_JOB_DECODE_ERROR, "nonzero flags" },
		{ 8, 1, 0, 1, 0, ENPU1_JOB_DECODE_ERROR, "nonzero reserved" },
		{ 0, 1, 0, 0, 0, ENPU1_JOB_DECODE_ERROR, "cmd_size 0" },
		{ 6, 1, 0, 0, 0, ENPU1_JOB_DECODE_ERROR, "cmd_size not a multiple of 4" },
		{ (16u << 20) + 4, 1, 0, 0, 0, ENPU1_JOB_DECODE_ERROR, "cmd_size above 16 MiB" },
		{ 8, 1, 0, 0, 2, ENPU1_JOB_DECODE_ERROR, "cmd_addr not 4-byte aligned" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct enpu1_sq_entry e = {
			.job_id = 500 + i, .cmd_addr = cases[i].addr_off, .cmd_size = cases[i].size,
			.as_slot = cases[i].as, .flags = cases[i].flags, .reserved = cases[i].reserved,
		};

		ev = run_entry(e);
		ok(ev.job_id == 500 + i && ev.status == (uint32_t)cases[i].status && fc[0].begun == 0 &&
		   rd(ENPU1_REG_SQ(0, 0, ENPU1_SQ_HEAD)) == 1 && ev.cycles == 0,
		   "%s -> %s, stream untouched, entry consumed", cases[i].what,
		   cases[i].status == ENPU1_JOB_BAD_AS ? "BAD_AS" : "DECODE_ERROR");
	}
	struct enpu1_sq_entry e = { .job_id = 9, .cmd_size = 8, .as_slot = 3 };

	ev = run_entry(e);
	ok(ev.status == ENPU1_JOB_OK && ENPU1_EV_INFO_AS(ev.info) == 3 && ev.cmd_offset == 0,
	   "AS 3 (enabled) works; a successful job reports cmd_offset 0");
	e.as_slot = 2;
	ev = run_entry(e);
	is_int(ENPU1_EV_INFO_AS(ev.info), 2, "a BAD_AS event names the slot in info");
}

static struct enpu1_event run_stream_words(const uint32_t *w, size_t n)
{
	boot();
	submit_stream(0, 0, 42, w, n);
	enpu_fw_run_once(&hal, 0);
	return last_event();
}

static void test_stream_errors(void)
{
	struct enpu1_event ev;
	const uint32_t unknown[] = { CMD(ENPU1_OP_CONV, 0, 0), CMD(ENPU1_OP_NOP, 1, 0), 0,
				     CMD(0x07, 0, 0), CMD(ENPU1_OP_CONV, 0, 0), CMD(ENPU1_OP_END, 0, 0) };

	ev = run_stream_words(unknown, 6);
	ok(ev.status == ENPU1_JOB_DECODE_ERROR && ev.cmd_offset == 12 && fc[0].runs == 1,
	   "unknown opcode: DECODE_ERROR at its offset, later commands not run");

	const uint32_t no_end[] = { CMD(ENPU1_OP_CONV, 0, 0), CMD(ENPU1_OP_SYNC, 0, 0) };

	ev = run_stream_words(no_end, 2);
	ok(ev.status == ENPU1_JOB_FENCE && ev.cmd_offset == 8,
	   "a stream without END: status FENCE at the stream's end");

	const uint32_t trunc[] = { CMD(ENPU1_OP_SYNC, 0, 0), CMD(ENPU1_OP_SETP, 5, 0), 1, 2 };

	ev = run_stream_words(trunc, 4);
	ok(ev.status == ENPU1_JOB_DECODE_ERROR && ev.cmd_offset == 4,
	   "SETP whose words run past the stream: DECODE_ERROR");

	const uint32_t setp[] = { CMD(ENPU1_OP_SETP, 2, 95), 1, 2, CMD(ENPU1_OP_END, 0, 0) };

	ev = run_stream_words(setp, 4);
	ok(ev.status == ENPU1_JOB_DECODE_ERROR && ev.cmd_offset == 0, "SETP out of range: DECODE_ERROR");

	/* The engine fails the third operation with an MMU fault. */
	const uint32_t three[] = { CMD(ENPU1_OP_DMA_LOAD, 0, 0), CMD(ENPU1_OP_CONV, 0, 0),
				   CMD(ENPU1_OP_DMA_STORE, 0, 0), CMD(ENPU1_OP_LUT, 0, 0),
				   CMD(ENPU1_OP_END, 0, 0) };

	boot();
	fc[0].fail_at_run = 3;
	fc[0].fail_status = ENPU1_JOB_MMU_FAULT;
	fc[0].fail_addr = 0x7f00deadb000ull;
	submit_stream(0, 1, 43, three, 5);
	enpu_fw_run_once(&hal, 0);
	ev = last_event();
	ok(ev.status == ENPU1_JOB_MMU_FAULT && ev.cmd_offset == 8 && fc[0].runs == 3,
	   "an engine MMU fault ends the job at the failing command");
	ok(ev.fault_addr == 0x7f00deadb000ull && ENPU1_EV_INFO_ACCESS(ev.info) == ENPU1_ACCESS_WRITE,
	   "the event carries the fault address and access");

	boot();
	fc[0].fail_at_run = 1;
	fc[0].fail_status = ENPU1_JOB_SRAM_RANGE;
	fc[0].fail_addr = 0x1234;
	submit_stream(0, 0, 44, three, 5);
	enpu_fw_run_once(&hal, 0);
	ev = last_event();
	ok(ev.status == ENPU1_JOB_SRAM_RANGE && ev.fault_addr == 0 && ev.cmd_offset == 0,
	   "non-MMU engine errors carry no fault address");

	/* Stream fetch faults. */
	boot();
	submit(0, 0, 45, 0x10000, 64, 1);
	enpu_fw_run_once(&hal, 0);
	ev = last_event();
	ok(ev.status == ENPU1_JOB_MMU_FAULT && ev.fault_addr == 0x10000 &&
	   ENPU1_EV_INFO_ACCESS(ev.info) == ENPU1_ACCESS_READ && ev.cmd_offset == 0,
	   "fetching an unmapped stream: MMU_FAULT at its address");

	/* A stream that runs off the end of mapped memory in its second window. */
	boot();
	uint32_t nops = 300;
	uint64_t at = MEM_BASE + MEM_SIZE - nops * 4;

	for (uint32_t i = 0; i < nops; i++) {
		uint32_t w = CMD(ENPU1_OP_NOP, 0, 0);

		memcpy(mem + (at - MEM_BASE) + i * 4, &w, 4);
	}
	submit(0, 0, 46, at, nops * 4 + 64, 1);
	enpu_fw_run_once(&hal, 0);
	ev = last_event();
	ok(ev.status == ENPU1_JOB_MMU_FAULT && ev.cmd_offset == nops * 4 &&
	   ev.fault_addr == MEM_BASE + MEM_SIZE, "a fetch fault past the first window reports that command");

	const uint32_t fence[] = { CMD(ENPU1_OP_FENCE, 3, 0), 0x1000, 0, 1, CMD(ENPU1_OP_END, 0, 0) };

	ev = run_stream_words(fence, 5);
	ok(ev.status == ENPU1_JOB_MMU_FAULT && ev.fault_addr == 0x1000 &&
	   ENPU1_EV_INFO_ACCESS(ev.info) == ENPU1_ACCESS_WRITE, "FENCE to an unmapped VA: MMU_FAULT, write");

	/* Capabilities gate operations. */
	const uint32_t lut[] = { CMD(ENPU1_OP_LUT, 0, 0), CMD(ENPU1_OP_END, 0, 0) };

	boot();
	enpu_fw.caps &= ~ENPU1_CAP_OP(ENPU1_OP_LUT);
	submit_stream(0, 0, 47, lut, 2);
	enpu_fw_run_once(&hal, 0);
	ok(last_event().status == ENPU1_JOB_UNSUPPORTED && fc[0].runs == 0,
	   "an operation missing from FW_CAPS is UNSUPPORTED and never reaches the engine");

	/* SOFTMAX: offered by this firmware, its parameters passed through
	 * untouched; a firmware without it (caps 0x000700ff) refuses it. */
	const uint32_t sm[] = { CMD(ENPU1_OP_SETP, 2, ENPU1_P_SOFTMAX_TABLE_SRAM), 4096, 0x3b800000,
				CMD(ENPU1_OP_SOFTMAX, 0, 0), CMD(ENPU1_OP_END, 0, 0) };

	ev = run_stream_words(sm, 5);
	ok(ev.status == ENPU1_JOB_OK && fc[0].runs == 1 && fc[0].ops[0] == ENPU1_OP_SOFTMAX &&
	   fc[0].params[0][ENPU1_P_SOFTMAX_TABLE_SRAM] == 4096 &&
	   fc[0].params[0][ENPU1_P_SOFTMAX_OUT_SCALE] == 0x3b800000,
	   "SOFTMAX reaches the engine with its table address and output scale");
	boot();
	enpu_fw.caps &= ~ENPU1_CAP_OP(ENPU1_OP_SOFTMAX);
	submit_stream(0, 0, 49, sm, 5);
	enpu_fw_run_once(&hal, 0);
	ok(last_event().status == ENPU1_JOB_UNSUPPORTED && last_event().cmd_offset == 12 &&
	   fc[0].runs == 0, "SOFTMAX without its FW_CAPS bit is UNSUPPORTED at its offset");
	const uint32_t pc[] = { CMD(ENPU1_OP_SETP, 1, ENPU1_P_FLAGS), ENPU1_F_PER_CHANNEL,
				CMD(ENPU1_OP_CONV, 0, 0), CMD(ENPU1_OP_END, 0, 0) };

	boot();
	enpu_fw.caps &= ~ENPU1_CAP_PER_CHANNEL;
	submit_stream(0, 0, 48, pc, 4);
	enpu_fw_run_once(&hal, 0);
	ok(last_event().status == ENPU1_JOB_UNSUPPORTED && last_event().cmd_offset == 8,
	   "a requantization feature missing from FW_CAPS is UNSUPPORTED");
}

/* Long streams cross the fetch window; commands straddle its edge.  The
 * test tracks the parameters itself and checks what every CONV saw. */
static void test_long_stream(void)
{
	static uint32_t w[8000];
	uint32_t params[ENPU1_P_COUNT] = { 0 };
	uint64_t want[128];
	int nconv = 0, ncmd = 0;
	size_t n = 0;

	for (uint32_t i = 0; i < 300; i++) {
		uint32_t imm = (i * 7) % 90, cnt = 1 + i % 5;

		w[n++] = CMD(ENPU1_OP_SETP, cnt, imm);
		for (uint32_t k = 0; k < cnt; k++)
			w[n++] = params[imm + k] = i * 1000 + k;
		ncmd++;
		/* NOPs of assorted sizes shift the layout so that SETPs, not
		 * just NOPs, straddle window and page edges. */
		if (i % 50 == 7 || i % 13 == 5) {
			uint32_t len = i % 50 == 7 ? 255 : (i * 37) % 256;

			w[n++] = CMD(ENPU1_OP_NOP, len, 0);
			for (uint32_t k = 0; k < len; k++)
				w[n++] = 0xffffffff;
			ncmd++;
		}
		if (i % 3 == 2) {
			w[n++] = CMD(ENPU1_OP_CONV, 0, 0);
			want[nconv++] = hash_params(params);
			ncmd++;
		}
	}
	w[n++] = CMD(ENPU1_OP_END, 0, 0);
	ncmd++;

	struct enpu1_event ev = run_stream_words(w, n);
	int good = ev.status == ENPU1_JOB_OK && fc[0].runs == nconv;

	for (int i = 0; i < nconv && good; i++)
		good = fc[0].phash[i] == want[i];
	ok(good, "a %zu-byte stream: each of %d CONVs saw exactly the parameters set so far", n * 4,
	   nconv);
	is_int(rd(ENPU1_REG_CORE(0, ENPU1_CORE_PROGRESS)), ncmd, "every command counted");
}

/* The job runner and the host decoder judge streams alike. */
static void test_agrees_with_decoder(void)
{
	static uint32_t w[600];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	int agree = 1;

	for (int iter = 0; iter < 300; iter++) {
		size_t n = (size_t)(iter % 40) + 1 + (iter % 7 == 0 ? 300 : 0);

		for (size_t i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint32_t pick = (uint32_t)(x % 10);

			if (pick < 3) {
				w[i] = CMD(ENPU1_OP_SETP, (uint32_t)(x >> 8) % 4, (uint32_t)(x >> 16) % 97);
			} else if (pick < 5) {
				w[i] = CMD(ENPU1_OP_CONV + (uint32_t)(x >> 8) % 9, 0, 0);
			} else if (pick == 5) {
				w[i] = CMD(ENPU1_OP_NOP, (uint32_t)(x >> 8) % 3, 0);
			} else if (pick == 6 && i + 3 < n) {
				w[i++] = CMD(ENPU1_OP_FENCE, 3, 0);
				w[i++] = (uint32_t)FENCE_ADDR;
				w[i++] = (uint32_t)(FENCE_ADDR >> 32);
				w[i] = 1;
			} else if (pick == 7 && (x >> 9) % 8 == 0) {
				w[i] = CMD(ENPU1_OP_END, 0, 0);
			} else if (pick == 8 && (x >> 9) % 4 == 0) {
				w[i] = (uint32_t)(x >> 32);
			} else {
				w[i] = CMD(ENPU1_OP_SYNC, 0, 0);
			}
		}
		uint32_t off = 0;
		int st = enpu_fw_decode(w, n, NULL, NULL, &off);
		struct enpu1_event ev = run_stream_words(w, n);

		/* The engine is the fake one: a stream the decoder accepts
		 * may still fail only where the decoder cannot judge. */
		if (ev.status != (uint32_t)st || ev.cmd_offset != (st ? off : 0)) {
			if (agree)
				diag("iter %d: decoder %d at %u, firmware %u at %u", iter, st, off,
				     ev.status, ev.cmd_offset);
			agree = 0;
		}
	}
	ok(agree, "300 random streams: the firmware and the decoder agree on status and offset");
}

static void test_event_ring(void)
{
	int good = 1;

	/* Wraps: the host drains as it goes. */
	boot();
	consume();
	for (uint32_t i = 0; i < 3 * EV_ENTRIES; i++) {
		submit_stream(0, i & 1, 1000 + i, simple, 2);
		enpu_fw_run_once(&hal, 0);
		struct enpu1_event ev = last_event();

		good &= ev.job_id == 1000 + i && ev.seq == i + 2 && ev.csum == enpu1_event_csum(&ev);
		consume();
	}
	ok(good, "the event ring wraps: %d events, each in its slot with seq and csum", 3 * EV_ENTRIES);

	/* Full: the host stops draining. */
	boot();
	for (uint32_t i = 0; i < EV_ENTRIES - 1; i++) {
		submit_stream(0, 0, 2000 + i, simple, 2);
		enpu_fw_run_once(&hal, 0);
	}
	is_int(rd(ENPU1_REG_EVQ_TAIL), EV_ENTRIES, "the ring is exactly full");
	ok(!(rd(ENPU1_REG_ERROR_STATUS) & ENPU1_ERR_EVENT_OVERFLOW) && irqs[ENPU1_IRQ_VEC_ERROR] == 0,
	   "no overflow while there was room");
	uint64_t t0 = fake_now;

	submit_stream(0, 0, 2100, simple, 2);
	enpu_fw_run_once(&hal, 0);
	ok(rd(ENPU1_REG_ERROR_STATUS) & ENPU1_ERR_EVENT_OVERFLOW, "a full ring sets EVENT_OVERFLOW");
	is_int(irqs[ENPU1_IRQ_VEC_ERROR], 1, "and raises the error vector");
	is_int(rd(ENPU1_REG_EVQ_TAIL), EV_ENTRIES, "the host's unread events are not overwritten");
	ok(fake_now - t0 >= ENPU_FW_EV_WAIT_NS, "the firmware waited ~100 ms of device time first");
	is_int(rd(ENPU1_REG_SQ(0, 0, ENPU1_SQ_HEAD)), EV_ENTRIES, "the job itself still completed");
	consume();
	submit_stream(0, 0, 2101, simple, 2);
	enpu_fw_run_once(&hal, 0);
	ok(last_event().job_id == 2101 && last_event().seq == EV_ENTRIES + 1,
	   "once drained, events flow again; seq counts events written");

	/* A host that drains during the wait loses nothing. */
	boot();
	for (uint32_t i = 0; i < EV_ENTRIES - 1; i++) {
		submit_stream(0, 0, 3000 + i, simple, 2);
		enpu_fw_run_once(&hal, 0);
	}
	wr(ENPU1_REG_EVQ_HEAD, 1);
	submit_stream(0, 0, 3100, simple, 2);
	enpu_fw_run_once(&hal, 0);
	ok(last_event().job_id == 3100 && !(rd(ENPU1_REG_ERROR_STATUS) & ENPU1_ERR_EVENT_OVERFLOW),
	   "one free slot is enough");

	/* Event ring outside host memory. */
	chip_reset();
	wr(ENPU1_REG_EVQ_BASE_HI, 0x7);
	enpu_fw_entry.init(&hal);
	ok((rd(ENPU1_REG_ERROR_STATUS) & ENPU1_ERR_BUS) && irqs[ENPU1_IRQ_VEC_ERROR] == 1 &&
	   rd(ENPU1_REG_EVQ_TAIL) == 0, "an event ring outside host memory: BUS error, tail unchanged");

	/* Submission ring outside host memory. */
	boot();
	wr(ENPU1_REG_SQ(0, 0, ENPU1_SQ_BASE_HI), 0x9);
	enpu_fw_entry.init(&hal);
	consume();
	wr(ENPU1_REG_SQ(0, 0, ENPU1_SQ_TAIL), 1);
	enpu_fw_run_once(&hal, 0);
	struct enpu1_event ev = last_event();

	ok(ev.status == ENPU1_JOB_BUS_ERROR && ev.fault_addr == 0x900000000ull + (uint32_t)SQ_ADDR(0, 0) &&
	   (rd(ENPU1_REG_ERROR_STATUS) & ENPU1_ERR_BUS) && rd(ENPU1_REG_SQ(0, 0, ENPU1_SQ_HEAD)) == 1,
	   "an unreadable submission entry: BUS error bit, BUS_ERROR event, entry skipped");
	ok(!lock_misuse, "the lock stays balanced on every error path");
}

static void test_stop(void)
{
	const uint32_t w[] = { CMD(ENPU1_OP_CONV, 0, 0), CMD(ENPU1_OP_CONV, 0, 0),
			       CMD(ENPU1_OP_CONV, 0, 0), CMD(ENPU1_OP_END, 0, 0) };

	boot();
	fc[0].stop_at_run = 1;
	submit_stream(0, 0, 1, w, 4);
	is_int(enpu_fw_run_once(&hal, 0), -1, "a reset during a job makes run_once return -1");
	ok(fc[0].runs == 1 && rd(ENPU1_REG_EVQ_TAIL) == 1 && rd(ENPU1_REG_SQ(0, 0, ENPU1_SQ_HEAD)) == 0,
	   "the job stops at the next command, posts no event, leaves SQ_HEAD");

	boot();
	submit_stream(0, 1, 10, simple, 2);
	submit_stream(0, 0, 11, simple, 2);
	submit_stream(0, 1, 12, simple, 2);
	stop_after_waits = 5;
	enpu_fw_entry.core_main(&hal, 0);
	ok(rd(ENPU1_REG_EVQ_TAIL) == 4 && event_at(1).job_id == 11 && event_at(2).job_id == 10 &&
	   event_at(3).job_id == 12, "core_main runs all pending jobs in priority order");
	is_int(wait_calls, 5, "then idles in wait_work until it says stop");
	ok(rd(ENPU1_REG_HEARTBEAT) >= 4 && kicks >= 4, "core_main beats HEARTBEAT and kicks the watchdog");
	ok(rd(ENPU1_REG_TIME_LO) == 0 && rd(ENPU1_REG_TIME_HI) == 0,
	   "the firmware leaves TIME_LO/HI to the chip's timer (single writer)");

	boot();
	stop_after_waits = 1;
	enpu_fw_entry.core_main(&hal, 5);
	is_int(wait_calls, 0, "core_main for a core the chip lacks returns at once");
}

/* Two cores in threads, sharing the event ring under the firmware lock. */
struct thread_arg {
	const struct enpu_hal *hal;
	uint32_t core;
};

static atomic_int idle_polls[2];

static void *core_thread(void *p)
{
	struct thread_arg *a = p;

	enpu_fw_entry.core_main(a->hal, a->core);
	return NULL;
}

static int mt_wait(void *hw, uint32_t core, uint32_t us)
{
	(void)hw;
	fake_now += us;
	/* Each core stops after a while of finding nothing. */
	return ++idle_polls[core] > 50 ? -1 : 0;
}

static void test_threads(void)
{
	struct enpu_hal mt = hal;
	pthread_t t[2];
	struct thread_arg args[2] = { { &mt, 0 }, { &mt, 1 } };
	const uint32_t n = 6;

	mt.wait_work = mt_wait;
	chip_reset();
	wr(ENPU1_REG_EVQ_ENTRIES, 64);
	enpu_fw_entry.init(&mt);
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t c = 0; c < 2; c++)
			submit_stream(c, i & 1, (uint64_t)c << 32 | i, simple, 2);
	idle_polls[0] = idle_polls[1] = 0;
	for (int c = 0; c < 2; c++)
		pthread_create(&t[c], NULL, core_thread, &args[c]);
	for (int c = 0; c < 2; c++)
		pthread_join(t[c], NULL);

	uint32_t tail = rd(ENPU1_REG_EVQ_TAIL);
	int good = tail == 1 + 2 * n, seen[2][8] = { { 0 } };

	for (uint32_t i = 1; i < tail && good; i++) {
		struct enpu1_event ev = event_at(i);
		uint32_t c = (uint32_t)(ev.job_id >> 32), j = (uint32_t)ev.job_id;

		good &= ev.seq == i + 1 && ev.csum == enpu1_event_csum(&ev) && c < 2 && j < n &&
			ENPU1_EV_INFO_CORE(ev.info) == c && !seen[c][j]++;
	}
	ok(good, "two cores in parallel: %u events, consecutive seq, valid csums, none lost", 2 * n);
	ok(rd(ENPU1_REG_CORE(0, ENPU1_CORE_JOBS_DONE)) == n && rd(ENPU1_REG_CORE(1, ENPU1_CORE_JOBS_DONE)) == n,
	   "each core counted its own jobs");
}

int main(void)
{
	test_boot();
	test_boot_failures();
	test_one_job();
	test_priority();
	test_bad_entries();
	test_stream_errors();
	test_long_stream();
	test_agrees_with_decoder();
	test_event_ring();
	test_stop();
	test_threads();
	return tap_done();
}
