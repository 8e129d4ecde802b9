// SPDX-License-Identifier: MIT
/*
 * The chip seen from its PCIe link, without a VM: this test plays QEMU's
 * part of the ivshmem-doorbell protocol against a real enpu-emu process,
 * maps BAR2 and a guest-RAM file, and drives the boot ROM, rings, MMU,
 * control commands, fault injection and watchdog like a driver would.
 *
 * usage: test_chip_link [EMU [FIRMWARE_IMAGE]], from the repository root
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crc32.h"
#include "enpu1_hw.h"
#include "enpu1_isa.h"
#include "tap.h"

#define RAM_SIZE (64u << 20)

static struct {
	pid_t pid;
	int sock;
	char sock_path[108], ctl_path[108], ram_path[64];
	volatile uint32_t *regs;
	size_t bar2_size;
	uint8_t *ram;
	int db[ENPU1_DB_VECTORS];
	int irq[ENPU1_IRQ_VECTORS];
	uint64_t brk;		/* guest RAM bump allocator */
	uint32_t cmd_seq;
	uint32_t evq_head;
	uint32_t sq_tail;
} g;

static uint32_t rd(uint32_t off)
{
	return __atomic_load_n(&g.regs[off / 4], __ATOMIC_ACQUIRE);
}

static void wr(uint32_t off, uint32_t v)
{
	__atomic_store_n(&g.regs[off / 4], v, __ATOMIC_RELEASE);
}

static void ring(unsigned int vector)
{
	uint64_t one = 1;

	if (write(g.db[vector], &one, sizeof(one)) != sizeof(one))
		diag("doorbell write failed");
}

static int wait_irq(unsigned int vector, int ms)
{
	struct pollfd p = { .fd = g.irq[vector], .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, ms) != 1)
		return 0;
	return read(g.irq[vector], &v, sizeof(v)) == sizeof(v);
}

static int recv_msg(int64_t *val, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = val, .iov_len = sizeof(*val) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			    .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	*fd = -1;
	if (recvmsg(g.sock, &m, 0) != sizeof(*val))
		return -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}

/* Starts the emulator and performs QEMU's side of the handshake. */
static int attach(const char *emu)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int64_t val, my_id = -1;
	int fd, i, shm = -1, ndb = 0, nirq = 0;
	struct stat st;

	snprintf(g.sock_path, sizeof(g.sock_path), "/tmp/enpu-link-%d.sock", getpid());
	snprintf(g.ctl_path, sizeof(g.ctl_path), "/tmp/enpu-link-%d.ctl", getpid());
	snprintf(g.ram_path, sizeof(g.ram_path), "/dev/shm/enpu-link-%d.ram", getpid());
	fd = open(g.ram_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, RAM_SIZE))
		return -1;
	g.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (g.ram == MAP_FAILED)
		return -1;

	g.pid = fork();
	if (g.pid == 0) {
		char size[32];

		snprintf(size, sizeof(size), "%u", RAM_SIZE);
		execl(emu, emu, "--socket", g.sock_path, "--ram", g.ram_path, "--ram-size", size,
		      "--control", g.ctl_path, "--watchdog-ms", "300", "--log",
		      "/tmp/enpu-link.log", (char *)NULL);
		_exit(127);
	}
	strcpy(sa.sun_path, g.sock_path);
	g.sock = socket(AF_UNIX, SOCK_STREAM, 0);
	for (i = 0; i < 200; i++) {
		if (connect(g.sock, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		usleep(10000);
	}
	if (i == 200)
		return -1;
	/* version, our id, shared memory, then each peer's vectors. */
	if (recv_msg(&val, &fd) || val != 0)
		return -1;
	if (recv_msg(&my_id, &fd))
		return -1;
	if (recv_msg(&val, &shm) || val != -1 || shm < 0)
		return -1;
	while (ndb < ENPU1_DB_VECTORS || nirq < ENPU1_IRQ_VECTORS) {
		if (recv_msg(&val, &fd) || fd < 0)
			return -1;
		if (val == my_id)
			g.irq[nirq++] = fd;
		else
			g.db[ndb++] = fd;
	}
	if (fstat(shm, &st))
		return -1;
	g.bar2_size = st.st_size;
	g.regs = mmap(NULL, g.bar2_size, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	close(shm);
	g.brk = 1 << 20;
	return g.regs == MAP_FAILED ? -1 : 0;
}

static void detach(void)
{
	if (g.pid > 0) {
		kill(g.pid, SIGTERM);
		waitpid(g.pid, NULL, 0);
	}
	unlink(g.ram_path);
	unlink(g.sock_path);
	unlink(g.ctl_path);
}

static uint64_t galloc(uint64_t bytes)
{
	uint64_t a = g.brk;

	g.brk += (bytes + 4095) & ~4095ull;
	memset(g.ram + a, 0, (bytes + 4095) & ~4095ull);
	return a;
}

/* Runs a control command; returns CMD_RESULT, or -1 without an ack. */
static int command(uint32_t cmd, uint32_t arg0)
{
	uint32_t seq = ++g.cmd_seq;
	int i;

	wr(ENPU1_REG_CMD, cmd);
	wr(ENPU1_REG_CMD_ARG0, arg0);
	wr(ENPU1_REG_CMD_SEQ, seq);
	ring(ENPU1_DB_VEC_CTRL);
	for (i = 0; i < 300; i++) {
		wait_irq(ENPU1_IRQ_VEC_EVENT, 10);
		if (rd(ENPU1_REG_CMD_ACK) == seq)
			return (int)rd(ENPU1_REG_CMD_RESULT);
	}
	return -1;
}

static int control(const char *req, char *reply, size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t n;

	struct pollfd p = { .fd = fd, .events = POLLIN };

	strcpy(sa.sun_path, g.ctl_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    write(fd, req, strlen(req)) != (ssize_t)strlen(req) || write(fd, "\n", 1) != 1 ||
	    poll(&p, 1, 2000) != 1) {
		close(fd);
		return -1;
	}
	n = read(fd, reply, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	reply[n] = 0;
	return 0;
}

static uint64_t evq_base, sq_base;

static void program_rings(void)
{
	uint32_t c, p;

	evq_base = galloc(64 * sizeof(struct enpu1_event));
	sq_base = galloc(16 * sizeof(struct enpu1_sq_entry));
	wr(ENPU1_REG_EVQ_BASE_LO, (uint32_t)evq_base);
	wr(ENPU1_REG_EVQ_BASE_HI, 0);
	wr(ENPU1_REG_EVQ_ENTRIES, 64);
	wr(ENPU1_REG_EVQ_HEAD, 0);
	for (c = 0; c < ENPU1_MAX_CORES; c++)
		for (p = 0; p < ENPU1_MAX_PRIO; p++) {
			int used = c == 0 && p == 0;

			wr(ENPU1_REG_SQ(c, p, ENPU1_SQ_BASE_LO), used ? (uint32_t)sq_base : 0);
			wr(ENPU1_REG_SQ(c, p, ENPU1_SQ_BASE_HI), 0);
			wr(ENPU1_REG_SQ(c, p, ENPU1_SQ_ENTRIES), used ? 16 : 0);
			wr(ENPU1_REG_SQ(c, p, ENPU1_SQ_TAIL), 0);
		}
	g.evq_head = 0;
	g.sq_tail = 0;
}

static int boot(const void *img, uint32_t len, uint64_t at)
{
	if (img)
		memcpy(g.ram + at, img, len);
	wr(ENPU1_REG_FW_ADDR_LO, (uint32_t)at);
	wr(ENPU1_REG_FW_ADDR_HI, (uint32_t)(at >> 32));
	wr(ENPU1_REG_FW_SIZE, len);
	return command(ENPU1_CMD_BOOT, 0);
}

static int next_event(struct enpu1_event *ev, int ms)
{
	int i;

	for (i = 0; i < ms / 5; i++) {
		if (rd(ENPU1_REG_EVQ_TAIL) != g.evq_head) {
			memcpy(ev, g.ram + evq_base + (g.evq_head & 63) * sizeof(*ev), sizeof(*ev));
			wr(ENPU1_REG_EVQ_HEAD, ++g.evq_head);
			return 1;
		}
		wait_irq(ENPU1_IRQ_VEC_EVENT, 5);
	}
	return 0;
}

/* Page tables: VA == PA identity over [0, 16 MiB) for AS slot 1, the
 * first 2 MiB read-only. */
static void map_identity(void)
{
	uint64_t l0 = galloc(4096), l1 = galloc(4096), va;
	uint64_t *t0 = (uint64_t *)(g.ram + l0), *t1 = (uint64_t *)(g.ram + l1);

	t0[0] = l1 | ENPU1_PTE_VALID;
	for (va = 0; va < (16u << 20); va += 2u << 20) {
		uint64_t l2 = galloc(4096), *t2 = (uint64_t *)(g.ram + l2), pa;

		t1[ENPU1_PT_INDEX(va, 1)] = l2 | ENPU1_PTE_VALID;
		for (pa = va; pa < va + (2u << 20); pa += 4096)
			t2[ENPU1_PT_INDEX(pa, 2)] = pa | ENPU1_PTE_VALID | ENPU1_PTE_READ |
						    (va ? ENPU1_PTE_WRITE : 0);
	}
	wr(ENPU1_REG_AS(1, ENPU1_AS_ROOT_LO), (uint32_t)l0);
	wr(ENPU1_REG_AS(1, ENPU1_AS_ROOT_HI), 0);
	wr(ENPU1_REG_AS(1, ENPU1_AS_CONFIG), ENPU1_AS_ENABLE);
}

static void submit(uint64_t id, uint64_t cmd, uint32_t size, uint32_t as)
{
	struct enpu1_sq_entry e = { .job_id = id, .cmd_addr = cmd, .cmd_size = size,
				    .as_slot = as };

	memcpy(g.ram + sq_base + (g.sq_tail & 15) * sizeof(e), &e, sizeof(e));
	wr(ENPU1_REG_SQ(0, 0, ENPU1_SQ_TAIL), ++g.sq_tail);
	ring(ENPU1_DB_VEC_WORK);
}

static uint64_t stream(const uint32_t *w, uint32_t n)
{
	uint64_t a = galloc(n * 4);

	memcpy(g.ram + a, w, n * 4);
	return a;
}

static void *load_file(const char *path, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET))
		return NULL;
	buf = malloc(n);
	if (!buf || fread(buf, 1, n, f) != (size_t)n)
		return NULL;
	fclose(f);
	*len = n;
	return buf;
}

/* A copy of the image with one field changed and the header CRC fixed. */
static uint8_t *variant(const uint8_t *img, uint32_t len, size_t off, uint32_t val, int fix_crc)
{
	uint8_t *v = malloc(len);
	struct enpu1_fw_header h;

	memcpy(v, img, len);
	memcpy(v + off, &val, 4);
	if (fix_crc) {
		memcpy(&h, v, sizeof(h));
		h.header_crc = 0;
		h.header_crc = enpu_crc32(0, &h, sizeof(h));
		memcpy(v, &h, sizeof(h));
	}
	return v;
}

static void test_rejections(const uint8_t *img, uint32_t len)
{
	static const struct {
		const char *what;
		size_t off;
		uint32_t val;
		int fix;
		uint32_t code;
	} cases[] = {
		{ "bad magic", offsetof(struct enpu1_fw_header, magic), 0x12345678, 1,
		  ENPU1_BOOT_BAD_MAGIC },
		{ "corrupt header", offsetof(struct enpu1_fw_header, fw_version), 0x20000, 0,
		  ENPU1_BOOT_BAD_HEADER },
		{ "wrong ABI", offsetof(struct enpu1_fw_header, abi), 99, 1, ENPU1_BOOT_BAD_ABI },
		{ "wrong machine", offsetof(struct enpu1_fw_header, machine), 7, 1,
		  ENPU1_BOOT_BAD_MACHINE },
		{ "payload size mismatch", offsetof(struct enpu1_fw_header, payload_size), 12, 1,
		  ENPU1_BOOT_BAD_SIZE },
		{ "payload CRC", offsetof(struct enpu1_fw_header, payload_crc), 0xdeadbeef, 1,
		  ENPU1_BOOT_BAD_CRC },
	};
	uint64_t at = galloc(len);
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *v = variant(img, len, cases[i].off, cases[i].val, cases[i].fix);
		int acked = boot(v, len, at) == 0;
		uint32_t code = rd(ENPU1_REG_BOOT_ERROR);

		ok(acked && rd(ENPU1_REG_STATUS) == ENPU1_STATUS_REJECTED && code == cases[i].code,
		   "ROM refuses an image with %s (BOOT_ERROR %u, got %u)", cases[i].what,
		   cases[i].code, code);
		free(v);
	}
	/* A flipped payload bit with everything else intact. */
	{
		uint8_t *v = variant(img, len, len - 8, ~*(uint32_t *)(img + len - 8), 0);

		boot(v, len, at);
		is_int(rd(ENPU1_REG_BOOT_ERROR), ENPU1_BOOT_BAD_CRC, "ROM catches a flipped payload byte");
		free(v);
	}
	ok(wait_irq(ENPU1_IRQ_VEC_ERROR, 100), "rejection raises the ERROR vector");
	boot(NULL, 0, at);
	is_int(rd(ENPU1_REG_BOOT_ERROR), ENPU1_BOOT_NO_IMAGE, "BOOT without an image: NO_IMAGE");
	boot(NULL, len, RAM_SIZE - 16);
	is_int(rd(ENPU1_REG_BOOT_ERROR), ENPU1_BOOT_DMA_ERROR,
	       "image beyond host memory: DMA_ERROR, not a crash");
	boot(img, 16, at);
	is_int(rd(ENPU1_REG_BOOT_ERROR), ENPU1_BOOT_BAD_SIZE, "truncated image: BAD_SIZE");

	/* A rejected chip takes no work. */
	submit(7, 0, 4, 1);
	usleep(50000);
	is_int(rd(ENPU1_REG_SQ(0, 0, ENPU1_SQ_HEAD)), 0, "a chip without firmware refuses work");
	is_int(rd(ENPU1_REG_STATUS), ENPU1_STATUS_REJECTED, "and STATUS still says why");
}

int main(int argc, char **argv)
{
	struct enpu1_event ev;
	uint32_t len, hb;
	uint8_t *img;
	char reply[256];
	int got;

	const char *emu = argc > 1 ? argv[1] : "build/tools/enpu-emu";
	const char *fw = argc > 2 ? argv[2] : "build/firmware/enpu/enpu1.bin";

	img = load_file(fw, &len);
	if (!img || attach(emu)) {
		printf("not ok 1 - attach to %s with %s: %s\n", emu, fw, strerror(errno));
		free(img);
		detach();
		return 1;
	}
	is_int(rd(ENPU1_REG_SIGNATURE), ENPU1_SIGNATURE, "BAR2 carries the ENPU-1 signature");
	is_int(ENPU1_HW_ID_CHIP(rd(ENPU1_REG_HW_ID)), ENPU1_CHIP_ENPU1, "chip id");
	ok(g.bar2_size >= ENPU1_REGS_SIZE + rd(ENPU1_REG_SRAM_SIZE) &&
	   rd(ENPU1_REG_SRAM_WINDOW) + rd(ENPU1_REG_SRAM_SIZE) <= g.bar2_size,
	   "SRAM window fits in BAR2");
	is_int(rd(ENPU1_REG_STATUS), ENPU1_STATUS_ROM, "chip starts in its boot ROM");

	program_rings();
	test_rejections(img, len);
	/* Drop the job the rejected chip ignored. */
	program_rings();

	is_int(boot(img, len, galloc(len)), 0, "BOOT of the real image is acknowledged");
	is_int(rd(ENPU1_REG_STATUS), ENPU1_STATUS_READY, "firmware runs");
	is_int(rd(ENPU1_REG_FW_ABI), ENPU1_FW_ABI, "firmware reports its ABI");
	ok(rd(ENPU1_REG_FW_CAPS) & ENPU1_CAP_OP(ENPU1_OP_CONV), "firmware offers CONV");
	ok(next_event(&ev, 500) && ev.type == ENPU1_EV_BOOT && ev.seq == 1 &&
	   ev.csum == enpu1_event_csum(&ev), "BOOT event with a valid checksum");
	is_int(command(ENPU1_CMD_BOOT, 0), ENPU1_CMDERR_STATE, "BOOT while running is refused");
	is_int(command(42, 0), ENPU1_CMDERR_UNKNOWN, "unknown command is refused");
	hb = rd(ENPU1_REG_HEARTBEAT);
	usleep(30000);
	ok(rd(ENPU1_REG_HEARTBEAT) != hb, "heartbeat advances");

	map_identity();
	{
		uint32_t noop[] = { ENPU1_CMD(ENPU1_OP_NOP, 0, 0), ENPU1_CMD(ENPU1_OP_END, 0, 0) };
		uint64_t at = stream(noop, 2);

		submit(100, at, 8, 1);
		got = next_event(&ev, 1000);
		ok(got && ev.type == ENPU1_EV_JOB_DONE && ev.job_id == 100 &&
		   ev.status == ENPU1_JOB_OK && ev.csum == enpu1_event_csum(&ev),
		   "no-op job completes with its id and a valid event");
		ok(ev.end_ns >= ev.start_ns, "job reports device timestamps");
		is_int(rd(ENPU1_REG_SQ(0, 0, ENPU1_SQ_HEAD)), g.sq_tail, "ring head follows tail");
	}
	{
		/* DMA from beyond the mapping, and into the read-only range. */
		uint32_t bad[] = {
			ENPU1_CMD(ENPU1_OP_SETP, 4, ENPU1_P_DMA_VA_LO), 0x2000000, 0, 0, 64,
			ENPU1_CMD(ENPU1_OP_DMA_LOAD, 0, 0), ENPU1_CMD(ENPU1_OP_END, 0, 0) };
		uint32_t ro[] = {
			ENPU1_CMD(ENPU1_OP_SETP, 4, ENPU1_P_DMA_VA_LO), 0x1000, 0, 0, 64,
			ENPU1_CMD(ENPU1_OP_DMA_STORE, 0, 0), ENPU1_CMD(ENPU1_OP_END, 0, 0) };

		submit(101, stream(bad, 7), 28, 1);
		ok(next_event(&ev, 1000) && ev.job_id == 101 && ev.status == ENPU1_JOB_MMU_FAULT &&
		   ev.fault_addr == 0x2000000, "unmapped VA: MMU fault with its address");
		ok(rd(ENPU1_REG_FAULT_ADDR_LO) == 0x2000000 &&
		   (rd(ENPU1_REG_FAULT_INFO) & 0xff) == 1, "fault registers name address and AS");
		submit(102, stream(ro, 7), 28, 1);
		ok(next_event(&ev, 1000) && ev.job_id == 102 && ev.status == ENPU1_JOB_MMU_FAULT &&
		   ENPU1_EV_INFO_ACCESS(ev.info) == ENPU1_ACCESS_WRITE,
		   "write to a read-only page faults as a write");
		submit(103, stream(ro, 7), 28, 5);
		ok(next_event(&ev, 1000) && ev.job_id == 103 && ev.status == ENPU1_JOB_BAD_AS,
		   "disabled AS slot is refused");
	}
	{
		/* A page-table entry pointing outside host memory. */
		uint64_t l0 = galloc(4096);

		((uint64_t *)(g.ram + l0))[0] = (1ull << 40) | ENPU1_PTE_VALID;
		wr(ENPU1_REG_AS(2, ENPU1_AS_ROOT_LO), (uint32_t)l0);
		wr(ENPU1_REG_AS(2, ENPU1_AS_CONFIG), ENPU1_AS_ENABLE);
		submit(104, 0x1000, 8, 2);
		ok(next_event(&ev, 1000) && ev.job_id == 104 && ev.status == ENPU1_JOB_BUS_ERROR,
		   "page table outside host memory: BUS_ERROR, chip alive");
	}

	ok(control("fault corrupt-event", reply, sizeof(reply)) == 0 && !strncmp(reply, "ok", 2),
	   "control socket arms a fault");
	{
		uint32_t noop[] = { ENPU1_CMD(ENPU1_OP_END, 0, 0) };

		submit(105, stream(noop, 1), 4, 1);
		ok(next_event(&ev, 1000) && ev.csum != enpu1_event_csum(&ev),
		   "injected corruption shows as a bad checksum");
		ok(control("fault melt", reply, sizeof(reply)) == 0 && !strncmp(reply, "error", 5),
		   "control socket refuses an unknown fault");

		while (wait_irq(ENPU1_IRQ_VEC_ERROR, 0))
			;
		uint32_t load[] = {
			ENPU1_CMD(ENPU1_OP_SETP, 4, ENPU1_P_DMA_VA_LO), 0x300000, 0, 0, 64,
			ENPU1_CMD(ENPU1_OP_DMA_LOAD, 0, 0), ENPU1_CMD(ENPU1_OP_END, 0, 0) };

		control("fault hang", reply, sizeof(reply));
		submit(106, stream(load, 7), 28, 1);
		ok(!next_event(&ev, 100), "hung job does not complete");
		ok(wait_irq(ENPU1_IRQ_VEC_ERROR, 2000) &&
		   rd(ENPU1_REG_STATUS) == ENPU1_STATUS_HALTED &&
		   (rd(ENPU1_REG_ERROR_STATUS) & ENPU1_ERR_WATCHDOG),
		   "watchdog halts the chip and raises ERROR");
		is_int(command(ENPU1_CMD_RESET, 0), 0, "RESET is acknowledged");
		is_int(rd(ENPU1_REG_STATUS), ENPU1_STATUS_ROM, "chip is back in its ROM");
		is_int(rd(ENPU1_REG_RESET_COUNT), 1, "RESET_COUNT counts it");
		program_rings();
		is_int(boot(img, len, galloc(len)), 0, "firmware boots again after reset");
		next_event(&ev, 500);
		submit(107, stream(noop, 1), 4, 1);
		ok(next_event(&ev, 1000) && ev.job_id == 107 && ev.status == ENPU1_JOB_OK,
		   "jobs run again after recovery");
	}
	detach();
	free(img);
	return tap_done();
}
