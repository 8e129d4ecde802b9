// SPDX-License-Identifier: MIT
/*
 * enpu-emu main loop: options, the shared BAR2 and guest-RAM mappings, and
 * one epoll loop for QEMU's link, the doorbells, the control socket and the
 * 5 ms tick that drives device time and the watchdog.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "emu.h"

static volatile sig_atomic_t quit;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

uint64_t emu_now_ns(struct emu *emu)
{
	return mono_ns() - emu->t0_ns;
}

void emu_log(struct emu *emu, int level, const char *fmt, ...)
{
	static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
	uint64_t t = emu_now_ns(emu);
	va_list ap;

	if (level > (emu->verbose ? EMU_DBG : EMU_INFO))
		return;
	pthread_mutex_lock(&log_lock);
	fprintf(emu->log, "[%5llu.%06llu] ", (unsigned long long)(t / 1000000000u),
		(unsigned long long)(t % 1000000000u / 1000));
	va_start(ap, fmt);
	vfprintf(emu->log, fmt, ap);
	va_end(ap);
	fputc('\n', emu->log);
	fflush(emu->log);
	pthread_mutex_unlock(&log_lock);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: enpu-emu --socket PATH --ram FILE [options]\n"
		"The ENPU-1 chip, served to QEMU's ivshmem-doorbell device.\n\n"
		"  --socket PATH        ivshmem server socket QEMU connects to\n"
		"  --ram FILE           guest RAM (QEMU memory-backend-file, share=on)\n"
		"  --ram-size BYTES     its size (default: the file's size)\n"
		"  --lowmem BYTES       guest RAM below the PCI hole (default 0xe0000000)\n"
		"  --cores N            compute cores, 1-%d (default 2)\n"
		"  --sram-kib N         on-chip SRAM in KiB (default 8192)\n"
		"  --as-slots N         MMU address-space slots, 1-%d (default 8)\n"
		"  --prio N             priority levels per core, 1-%d (default 3)\n"
		"  --clock-mhz N        modeled clock (default 800)\n"
		"  --macs N             MACs per cycle per core (default 1024)\n"
		"  --bus-bpc N          DMA bytes per cycle (default 16)\n"
		"  --sram-bpc N         SRAM bytes per cycle per core (default 128)\n"
		"  --watchdog-ms N      hardware watchdog, 0 = off (default 2000)\n"
		"  --fault SPEC         arm a fault at start (repeatable); see --help-faults\n"
		"  --control PATH       control socket, one request per line: 'fault SPEC', 'status'\n"
		"  --log FILE           log file (default stderr)\n"
		"  --once               exit when QEMU disconnects (default)\n"
		"  --persist            keep serving after QEMU disconnects\n"
		"  -v, --verbose        log every command and doorbell\n",
		ENPU1_MAX_CORES, ENPU1_MAX_AS, ENPU1_MAX_PRIO);
}

static void usage_faults(void)
{
	printf("Fault specs (comma-separated, NAME[=COUNT|every]):\n"
	       "  hang           a job's datapath never finishes until RESET\n"
	       "  mmu-fault      a job's first memory access faults\n"
	       "  dma-fault      a job's first DMA is a bus error\n"
	       "  corrupt-event  an event reaches host memory corrupted\n"
	       "  drop-irq       an interrupt is lost\n"
	       "  dead[=hard]    firmware freezes (hard: RESET ignored too)\n"
	       "  slow=US        each engine operation takes US more microseconds\n"
	       "  clear          disarm everything\n");
}

static int parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int setup_memory(struct emu *emu, const char *ram_path, uint64_t ram_size)
{
	uint32_t sram = emu->cfg.sram_kib * 1024;
	struct stat st;

	/* BAR2 must be a power of two: 1 MiB of registers, then SRAM. */
	emu->sram_window = 1u << 20;
	emu->bar2_size = 1u << 21;
	while (emu->bar2_size < emu->sram_window + (size_t)sram)
		emu->bar2_size <<= 1;
	emu->shm_fd = memfd_create("enpu1-bar2", MFD_CLOEXEC);
	if (emu->shm_fd < 0 || ftruncate(emu->shm_fd, emu->bar2_size))
		return -1;
	emu->bar2 = mmap(NULL, emu->bar2_size, PROT_READ | PROT_WRITE, MAP_SHARED, emu->shm_fd, 0);
	if (emu->bar2 == MAP_FAILED)
		return -1;
	emu->sram = emu->bar2 + emu->sram_window;

	emu->ram_fd = open(ram_path, O_RDWR | O_CLOEXEC);
	if (emu->ram_fd < 0 || fstat(emu->ram_fd, &st))
		return -1;
	if (!ram_size)
		ram_size = st.st_size;
	if (ram_size == 0 || (uint64_t)st.st_size < ram_size) {
		if (ftruncate(emu->ram_fd, ram_size))
			return -1;
	}
	emu->ram_size = ram_size;
	emu->ram = mmap(NULL, ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, emu->ram_fd, 0);
	return emu->ram == MAP_FAILED ? -1 : 0;
}

/*
 * The lab bench's side channel: line-based requests, one reply line each,
 * over any number of persistent connections (a host tool, or the guest
 * through a virtio-serial port QEMU forwards here).
 */
static void ctl_request(struct emu *emu, char *req, char *reply, size_t len)
{
	if (!strncmp(req, "fault ", 6)) {
		char why[160] = "";

		if (emu_fault_parse(emu, req + 6, why, sizeof(why)))
			snprintf(reply, len, "error: %s\n", why);
		else
			snprintf(reply, len, "ok\n");
		emu_log(emu, EMU_INFO, "control: %s -> %s", req, reply[0] == 'o' ? "ok" : why);
	} else if (!strcmp(req, "status")) {
		char faults[256];

		emu_fault_describe(emu, faults, sizeof(faults));
		snprintf(reply, len, "status=%s resets=%u heartbeat=%u faults: %s\n",
			 emu_status_name(emu_reg_read(emu, ENPU1_REG_STATUS)),
			 emu_reg_read(emu, ENPU1_REG_RESET_COUNT),
			 emu_reg_read(emu, ENPU1_REG_HEARTBEAT), faults);
	} else {
		snprintf(reply, len, "error: unknown request '%.64s'\n", req);
	}
}

struct ctl_conn {
	int fd;
	size_t used;
	char buf[512];
};

/* Returns -1 when the connection is finished. */
static int ctl_read(struct emu *emu, struct ctl_conn *c)
{
	ssize_t n = read(c->fd, c->buf + c->used, sizeof(c->buf) - 1 - c->used);
	char *nl;

	if (n <= 0)
		return -1;
	c->used += n;
	c->buf[c->used] = 0;
	while ((nl = strchr(c->buf, '\n'))) {
		char reply[512];

		*nl = 0;
		if (nl > c->buf && nl[-1] == '\r')
			nl[-1] = 0;
		if (c->buf[0]) {
			ctl_request(emu, c->buf, reply, sizeof(reply));
			if (write(c->fd, reply, strlen(reply)) < 0)
				return -1;
		}
		c->used -= nl + 1 - c->buf;
		memmove(c->buf, nl + 1, c->used + 1);
	}
	/* A line longer than the buffer is not a request. */
	return c->used == sizeof(c->buf) - 1 ? -1 : 0;
}

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static int epoll_add(int ep, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

enum { TAG_LISTEN = 1, TAG_CONN, TAG_TICK, TAG_CTL, TAG_DB0 = 16, TAG_CTLC = 32 };
#define MAX_CTL_CONNS 8

int main(int argc, char **argv)
{
	enum { O_RAMSIZE = 256, O_LOWMEM, O_CORES, O_SRAM, O_AS, O_PRIO, O_CLOCK, O_MACS,
	       O_BUS, O_SRAMBPC, O_WDT, O_FAULT, O_CONTROL, O_LOG, O_ONCE, O_PERSIST,
	       O_HELPF };
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "ram", required_argument, NULL, 'r' },
		{ "ram-size", required_argument, NULL, O_RAMSIZE },
		{ "lowmem", required_argument, NULL, O_LOWMEM },
		{ "cores", required_argument, NULL, O_CORES },
		{ "sram-kib", required_argument, NULL, O_SRAM },
		{ "as-slots", required_argument, NULL, O_AS },
		{ "prio", required_argument, NULL, O_PRIO },
		{ "clock-mhz", required_argument, NULL, O_CLOCK },
		{ "macs", required_argument, NULL, O_MACS },
		{ "bus-bpc", required_argument, NULL, O_BUS },
		{ "sram-bpc", required_argument, NULL, O_SRAMBPC },
		{ "watchdog-ms", required_argument, NULL, O_WDT },
		{ "fault", required_argument, NULL, O_FAULT },
		{ "control", required_argument, NULL, O_CONTROL },
		{ "log", required_argument, NULL, O_LOG },
		{ "once", no_argument, NULL, O_ONCE },
		{ "persist", no_argument, NULL, O_PERSIST },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "help-faults", no_argument, NULL, O_HELPF },
		{ NULL, 0, NULL, 0 },
	};
	static struct emu emu_storage;
	struct emu *emu = &emu_storage;
	const char *sock_path = NULL, *ram_path = NULL, *ctl_path = NULL;
	const char *faults[32];
	unsigned long long ram_size = 0;
	int nfaults = 0, persist = 0, c, ep, tfd, i;
	uint32_t clock_mhz = 800;
	struct itimerspec its = { .it_interval.tv_nsec = 5000000, .it_value.tv_nsec = 5000000 };
	struct ctl_conn ctl[MAX_CTL_CONNS];

	emu->log = stderr;
	emu->t0_ns = mono_ns();
	emu->cfg = (struct emu_config){
		.cores = 2, .sram_kib = 8192, .num_as = 8, .num_prio = 3, .ring_max = 4096,
		.watchdog_ms = 2000, .lowmem = 0xe0000000ull,
		.timing = { .macs_per_cycle = 1024, .bus_bytes_per_cycle = 16,
			    .sram_bytes_per_cycle = 128, .op_overhead_cycles = 16,
			    .dma_latency_cycles = 200 },
	};
	emu->listen_fd = emu->conn_fd = emu->ctl_listen_fd = -1;
	for (i = 0; i < MAX_CTL_CONNS; i++)
		ctl[i].fd = -1;
	for (i = 0; i < ENPU1_DB_VECTORS; i++)
		emu->db_fd[i] = -1;
	for (i = 0; i < ENPU1_IRQ_VECTORS; i++)
		emu->irq_fd[i] = -1;

	while ((c = getopt_long(argc, argv, "s:r:vh", opts, NULL)) != -1) {
		struct emu_config *cfg = &emu->cfg;
		int bad = 0;

		switch (c) {
		case 's': sock_path = optarg; break;
		case 'r': ram_path = optarg; break;
		case O_RAMSIZE: ram_size = strtoull(optarg, NULL, 0); bad = !ram_size; break;
		case O_LOWMEM: cfg->lowmem = strtoull(optarg, NULL, 0); bad = !cfg->lowmem; break;
		case O_CORES: bad = parse_u32(optarg, 1, ENPU1_MAX_CORES, &cfg->cores); break;
		case O_SRAM: bad = parse_u32(optarg, 64, 256 * 1024, &cfg->sram_kib); break;
		case O_AS: bad = parse_u32(optarg, 1, ENPU1_MAX_AS, &cfg->num_as); break;
		case O_PRIO: bad = parse_u32(optarg, 1, ENPU1_MAX_PRIO, &cfg->num_prio); break;
		case O_CLOCK: bad = parse_u32(optarg, 1, 4000, &clock_mhz); break;
		case O_MACS: bad = parse_u32(optarg, 1, 1 << 20, &cfg->timing.macs_per_cycle); break;
		case O_BUS: bad = parse_u32(optarg, 1, 4096, &cfg->timing.bus_bytes_per_cycle); break;
		case O_SRAMBPC: bad = parse_u32(optarg, 1, 1 << 16, &cfg->timing.sram_bytes_per_cycle); break;
		case O_WDT: bad = parse_u32(optarg, 0, 600000, &cfg->watchdog_ms); break;
		case O_FAULT:
			if (nfaults < 32)
				faults[nfaults++] = optarg;
			break;
		case O_CONTROL: ctl_path = optarg; break;
		case O_LOG:
			emu->log = fopen(optarg, "a");
			if (!emu->log) {
				fprintf(stderr, "enpu-emu: %s: %s\n", optarg, strerror(errno));
				return 1;
			}
			break;
		case O_ONCE: persist = 0; break;
		case O_PERSIST: persist = 1; break;
		case 'v': emu->verbose = 1; break;
		case 'h': usage(stdout); return 0;
		case O_HELPF: usage_faults(); return 0;
		default: usage(stderr); return 2;
		}
		if (bad) {
			const struct option *o = opts;

			while (o->name && o->val != c)
				o++;
			fprintf(stderr, "enpu-emu: bad value '%s' for --%s\n", optarg,
				o->name ? o->name : "?");
			return 2;
		}
	}
	if (!sock_path || !ram_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	emu->cfg.clock_khz = clock_mhz * 1000;
	if (emu->cfg.sram_kib % emu->cfg.cores) {
		fprintf(stderr, "enpu-emu: SRAM must divide evenly among %u cores\n",
			emu->cfg.cores);
		return 2;
	}
	for (i = 0; i < nfaults; i++) {
		char why[160] = "";

		if (emu_fault_parse(emu, faults[i], why, sizeof(why))) {
			fprintf(stderr, "enpu-emu: --fault %s: %s\n", faults[i], why);
			return 2;
		}
	}

	pthread_mutex_init(&emu->work_lock, NULL);
	pthread_mutex_init(&emu->fw_lock, NULL);
	pthread_mutex_init(&emu->reg_lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&emu->work_cond, &ca);
	}

	if (setup_memory(emu, ram_path, ram_size)) {
		fprintf(stderr, "enpu-emu: cannot map memory (%s): %s\n", ram_path, strerror(errno));
		return 1;
	}
	emu_hal_init(emu);
	emu_chip_init(emu);
	if (emu_ivshmem_listen(emu, sock_path)) {
		fprintf(stderr, "enpu-emu: %s: %s\n", sock_path, strerror(errno));
		return 1;
	}
	if (ctl_path) {
		emu->ctl_listen_fd = emu_listen_unix(ctl_path, 4);
		if (emu->ctl_listen_fd < 0) {
			fprintf(stderr, "enpu-emu: %s: %s\n", ctl_path, strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0 || timerfd_settime(tfd, 0, &its, NULL) ||
	    epoll_add(ep, emu->listen_fd, TAG_LISTEN) || epoll_add(ep, tfd, TAG_TICK) ||
	    (emu->ctl_listen_fd >= 0 && epoll_add(ep, emu->ctl_listen_fd, TAG_CTL))) {
		fprintf(stderr, "enpu-emu: epoll: %s\n", strerror(errno));
		return 1;
	}
	emu_log(emu, EMU_INFO,
		"chip: ENPU-1, %u cores, %u KiB SRAM, %u AS slots, %u priorities, %u MHz, "
		"%u MACs/cycle/core; RAM %llu MiB; waiting on %s",
		emu->cfg.cores, emu->cfg.sram_kib, emu->cfg.num_as, emu->cfg.num_prio, clock_mhz,
		emu->cfg.timing.macs_per_cycle, (unsigned long long)(emu->ram_size >> 20),
		sock_path);

	while (!quit) {
		struct epoll_event evs[8];
		int n = epoll_wait(ep, evs, 8, 1000);

		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64, v;

			if (tag == TAG_LISTEN) {
				if (emu->conn_fd >= 0) {
					int extra = accept(emu->listen_fd, NULL, NULL);

					if (extra >= 0)
						close(extra);
					continue;
				}
				if (emu_ivshmem_accept(emu) == 0) {
					epoll_add(ep, emu->conn_fd, TAG_CONN);
					for (c = 0; c < ENPU1_DB_VECTORS; c++)
						epoll_add(ep, emu->db_fd[c], TAG_DB0 + c);
				}
			} else if (tag == TAG_CONN) {
				char b;

				if (read(emu->conn_fd, &b, 1) > 0)
					continue;
				emu_log(emu, EMU_INFO, "link: QEMU disconnected");
				epoll_ctl(ep, EPOLL_CTL_DEL, emu->conn_fd, NULL);
				close(emu->conn_fd);
				emu->conn_fd = -1;
				for (c = 0; c < ENPU1_DB_VECTORS; c++)
					epoll_ctl(ep, EPOLL_CTL_DEL, emu->db_fd[c], NULL);
				if (!persist)
					quit = 1;
				emu_reset(emu);
			} else if (tag == TAG_TICK) {
				if (read(tfd, &v, sizeof(v)) > 0)
					emu_tick(emu);
			} else if (tag == TAG_CTL) {
				int fd = accept4(emu->ctl_listen_fd, NULL, NULL, SOCK_CLOEXEC);

				for (c = 0; fd >= 0 && c < MAX_CTL_CONNS && ctl[c].fd >= 0; c++)
					;
				if (fd >= 0 && c < MAX_CTL_CONNS) {
					ctl[c].fd = fd;
					ctl[c].used = 0;
					epoll_add(ep, fd, TAG_CTLC + c);
				} else if (fd >= 0) {
					close(fd);
				}
			} else if (tag >= TAG_CTLC && tag < TAG_CTLC + MAX_CTL_CONNS) {
				struct ctl_conn *cc = &ctl[tag - TAG_CTLC];

				if (ctl_read(emu, cc)) {
					epoll_ctl(ep, EPOLL_CTL_DEL, cc->fd, NULL);
					close(cc->fd);
					cc->fd = -1;
				}
			} else if (tag >= TAG_DB0 && tag < TAG_DB0 + ENPU1_DB_VECTORS) {
				if (read(emu->db_fd[tag - TAG_DB0], &v, sizeof(v)) == sizeof(v)) {
					emu_log(emu, EMU_DBG, "link: doorbell %u", (unsigned int)(tag - TAG_DB0));
					emu_doorbell(emu, tag - TAG_DB0);
				}
			}
		}
	}
	emu_cores_stop(emu);
	emu_log(emu, EMU_INFO, "chip: powered off");
	unlink(sock_path);
	if (ctl_path)
		unlink(ctl_path);
	return 0;
}
