// SPDX-License-Identifier: MIT
/*
 * The compiled-model cache (cache.h, Documentation/lib/compiler.rst).
 *
 * An entry is one file, <dir>/<32 hex digits>.enpuc, named by the SHA-256
 * of its key.  The key holds everything the compiler's output depends on:
 * the model's SHA-256 and length, the identity of the library's code (its
 * GNU build ID), the file/ISA/compiler versions, the target as the device
 * reports it (chip, firmware version and FW_CAPS) and the compile options
 * (capabilities after masking, SRAM bytes, requantization mode).  The
 * library's build is in the key because the compiler's output depends on
 * code that carries no version number (the CPU kernel ADD placements are
 * proved against, for one): a rebuilt library must not trust the programs
 * an older one wrote.
 *
 * Nothing read from the directory is trusted before it passes every check,
 * and no cache problem fails a prepare: a bad entry is a miss, an unusable
 * directory means compiling every time.  Entries are written to a private
 * temporary file and renamed over the final name, so a reader sees a whole
 * old entry, a whole new one or none, whatever other processes do.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "compiler.h"
#include "interp.h"

/* ------------------------------------------------------------------------ */
/* SHA-256 */

static const uint32_t K256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

typedef void (*sha_blocks_fn)(uint32_t h[8], const uint8_t *p, size_t nblocks);

static uint32_t ror(uint32_t x, int n)
{
	return x >> n | x << (32 - n);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void blocks_portable(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	for (; nblocks; nblocks--, p += 64) {
		uint32_t w[64];

		for (int i = 0; i < 16; i++)
			w[i] = be32(p + 4 * i);
		for (int i = 16; i < 64; i++) {
			uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
			uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);

			w[i] = w[i - 16] + s0 + w[i - 7] + s1;
		}
		uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6],
			 hh = h[7];

		for (int i = 0; i < 64; i++) {
			uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) +
				      K256[i] + w[i];
			uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

			hh = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		h[0] += a;
		h[1] += b;
		h[2] += c;
		h[3] += d;
		h[4] += e;
		h[5] += f;
		h[6] += g;
		h[7] += hh;
	}
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

/*
 * The SHA-NI form (Intel's reference sequence): the state lives as ABEF and
 * CDGH, each SHA256RNDS2 does two rounds, and the message schedule runs
 * four words at a time (W[i+4] from W[i..i+3]).  About ten times the
 * portable code's speed: hashing a model is then cheap enough to do at
 * every load.
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_ni(uint32_t h[8], const uint8_t *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bull, 0x0405060700010203ull);
	__m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xb1);	/* CDAB */
	__m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1b);	/* EFGH */
	__m128i s0 = _mm_alignr_epi8(t, s1, 8);						/* ABEF */

	s1 = _mm_blend_epi16(s1, t, 0xf0);						/* CDGH */
	for (; nblocks; nblocks--, p += 64) {
		__m128i a0 = s0, c0 = s1, m[4];

		for (int i = 0; i < 4; i++)
			m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
		for (int i = 0; i < 16; i++) {
			__m128i k = _mm_add_epi32(m[i & 3],
						  _mm_loadu_si128((const __m128i *)&K256[4 * i]));

			s1 = _mm_sha256rnds2_epu32(s1, s0, k);
			s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(k, 0x0e));
			if (i < 12) {
				__m128i n = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);

				n = _mm_add_epi32(n, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
				m[i & 3] = _mm_sha256msg2_epu32(n, m[(i + 3) & 3]);
			}
		}
		s0 = _mm_add_epi32(s0, a0);
		s1 = _mm_add_epi32(s1, c0);
	}
	t = _mm_shuffle_epi32(s0, 0x1b);		/* FEBA */
	s1 = _mm_shuffle_epi32(s1, 0xb1);		/* DCHG */
	s0 = _mm_blend_epi16(t, s1, 0xf0);		/* DCBA */
	s1 = _mm_alignr_epi8(s1, t, 8);			/* HGFE */
	_mm_storeu_si128((__m128i *)&h[0], s0);
	_mm_storeu_si128((__m128i *)&h[4], s1);
}

static sha_blocks_fn pick_blocks(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return blocks_portable;
	if (__get_cpuid_max(0, NULL) < 7)
		return blocks_portable;
	__cpuid_count(7, 0, a, b, c, d);
	return b & (1u << 29) ? blocks_ni : blocks_portable;	/* CPUID.7.0:EBX.SHA */
}
#else
static sha_blocks_fn pick_blocks(void)
{
	return blocks_portable;
}
#endif

static sha_blocks_fn sha_blocks;
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;

static void sha_init(void)
{
	sha_blocks = pick_blocks();
}

static void sha256_with(sha_blocks_fn f, const void *data, size_t len, uint8_t out[32])
{
	uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
			  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
	uint8_t tail[128] = { 0 };
	size_t full = len / 64, rem = len % 64, ntail = rem + 9 <= 64 ? 64 : 128;
	uint64_t bits = (uint64_t)len * 8;

	f(h, data, full);
	if (rem)
		memcpy(tail, (const uint8_t *)data + full * 64, rem);
	tail[rem] = 0x80;
	for (int i = 0; i < 8; i++)
		tail[ntail - 1 - i] = (uint8_t)(bits >> (8 * i));
	f(h, tail, ntail / 64);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

void enpu_sha256(const void *data, size_t len, uint8_t out[ENPU_SHA256_BYTES])
{
	pthread_once(&sha_once, sha_init);
	sha256_with(sha_blocks, data, len, out);
}

void enpu_sha256_portable(const void *data, size_t len, uint8_t out[ENPU_SHA256_BYTES])
{
	sha256_with(blocks_portable, data, len, out);
}

/* ------------------------------------------------------------------------ */
/* XXH64 (xxHash's 64-bit hash, seed 0): the entries' checksum.  It only has
 * to catch accidents (truncation, flipped bits); what a checksum cannot
 * catch -- someone else writing entries -- the directory's ownership
 * check rules out.  An order of magnitude faster than SHA-256 without
 * SHA-NI, which matters when a hit must beat compiling. */

#define XP1 0x9e3779b185ebca87ull
#define XP2 0xc2b2ae3d27d4eb4full
#define XP3 0x165667b19e3779f9ull
#define XP4 0x85ebca77c2b2ae63ull
#define XP5 0x27d4eb2f165667c5ull

static uint64_t rol64(uint64_t x, int n)
{
	return x << n | x >> (64 - n);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static uint64_t xround(uint64_t acc, uint64_t in)
{
	return rol64(acc + in * XP2, 31) * XP1;
}

static uint64_t xmerge(uint64_t h, uint64_t v)
{
	return (h ^ xround(0, v)) * XP1 + XP4;
}

static uint64_t xxh64(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = XP1 + XP2, v2 = XP2, v3 = 0, v4 = -XP1;

		for (; end - p >= 32; p += 32) {
			v1 = xround(v1, le64(p));
			v2 = xround(v2, le64(p + 8));
			v3 = xround(v3, le64(p + 16));
			v4 = xround(v4, le64(p + 24));
		}
		h = rol64(v1, 1) + rol64(v2, 7) + rol64(v3, 12) + rol64(v4, 18);
		h = xmerge(xmerge(xmerge(xmerge(h, v1), v2), v3), v4);
	} else {
		h = XP5;
	}
	h += len;
	for (; end - p >= 8; p += 8)
		h = rol64(h ^ xround(0, le64(p)), 27) * XP1 + XP4;
	if (end - p >= 4) {
		h ^= ((uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
		      (uint64_t)p[3] << 24) * XP1;
		h = rol64(h, 23) * XP2 + XP3;
		p += 4;
	}
	for (; p < end; p++)
		h = rol64(h ^ *p * XP5, 11) * XP1;
	h ^= h >> 33;
	h *= XP2;
	h ^= h >> 29;
	h *= XP3;
	return h ^ h >> 32;
}

uint64_t enpu_xxh64(const void *data, size_t len)
{
	return xxh64(data, len);
}

/* ------------------------------------------------------------------------ */
/* Identity of this library's code */

static uint8_t code_id[32];
static int code_id_kind;	/* 0: unknown, 1: GNU build ID, 2: hash of the code */
static pthread_once_t code_once = PTHREAD_ONCE_INIT;

struct id_search {
	uintptr_t addr;		/* an address inside the library's code */
};

/* The GNU build ID note of one PT_NOTE segment, or NULL. */
static const uint8_t *build_id(const struct dl_phdr_info *info, const ElfW(Phdr) *ph,
			       size_t *len)
{
	const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
	size_t size = ph->p_memsz, align = ph->p_align == 8 ? 8 : 4, off = 0;

	while (size - off >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) n;
		size_t name_at = off + sizeof(n), desc_at, next;

		memcpy(&n, p + off, sizeof(n));
		desc_at = name_at + ((n.n_namesz + align - 1) & ~(align - 1));
		next = desc_at + ((n.n_descsz + align - 1) & ~(align - 1));
		if (desc_at > size || n.n_descsz > size - desc_at || next > size || next <= off)
			return NULL;
		if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && !memcmp(p + name_at, "GNU", 4) &&
		    n.n_descsz) {
			*len = n.n_descsz;
			return p + desc_at;
		}
		off = next;
	}
	return NULL;
}

static int find_code(struct dl_phdr_info *info, size_t size, void *data)
{
	struct id_search *s = data;
	int mine = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && s->addr >= lo && s->addr - lo < ph->p_memsz)
			mine = 1;
	}
	if (!mine)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const uint8_t *id;
		size_t n;

		if (ph->p_type == PT_NOTE && (id = build_id(info, ph, &n))) {
			enpu_sha256(id, n, code_id);
			code_id_kind = 1;
			return 1;
		}
	}
	/* No build ID (linked with --build-id=none): the executable bytes
	 * themselves tell one build from another. */
	uint8_t acc[64] = { 0 };

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		memcpy(acc, code_id, 32);
		enpu_sha256((const void *)(info->dlpi_addr + ph->p_vaddr), ph->p_filesz, acc + 32);
		enpu_sha256(acc, sizeof(acc), code_id);
		code_id_kind = 2;
	}
	return 1;
}

static void code_init(void)
{
	struct id_search s = { .addr = (uintptr_t)&cp_compile };

	dl_iterate_phdr(find_code, &s);
}

/* ------------------------------------------------------------------------ */
/* Keys and entries */

#define KEY_BYTES	128u
#define ENTRY_MAGIC	"ENPUCACH"
#define ENTRY_VERSION	1u
#define ENTRY_HDR	32u
#define ENTRY_SUFFIX	".enpuc"
#define TMP_PREFIX	".tmp-"
#define MAX_ENTRY	((uint64_t)1 << 32)
#define DEFAULT_MAX_MB	512u
#define STALE_TMP_S	3600

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* Layout in Documentation/lib/compiler.rst; every field is compared. */
static void make_key(uint8_t k[KEY_BYTES], const enpu_model *m,
		     const struct enpu_cache_target *tg, const struct cp_options *o)
{
	memset(k, 0, KEY_BYTES);
	memcpy(k, m->sha256, 32);
	put64(k + 32, m->src_bytes);
	memcpy(k + 40, code_id, 32);
	put32(k + 72, CP_FILE_VERSION);
	put32(k + 76, CP_ISA_VERSION);
	put32(k + 80, CP_COMPILER_VERSION);
	put32(k + 84, tg->kind);
	put32(k + 88, tg->chip_id);
	put32(k + 92, tg->chip_rev);
	put32(k + 96, tg->fw_version);
	put32(k + 100, tg->fw_caps);
	put32(k + 104, o->caps);
	put32(k + 108, o->sram_bytes ? o->sram_bytes : CP_SRAM_PER_CORE);
	put32(k + 112, (uint32_t)o->requant);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* NULL when the program has the shape the model and the key promise. */
static const char *prog_mismatch(const struct cp_prog *p, const struct cp_options *o,
				 const enpu_model *m)
{
	int next = 0;

	if (p->caps != o->caps || p->sram_bytes != (o->sram_bytes ? o->sram_bytes : CP_SRAM_PER_CORE) ||
	    p->requant != (uint32_t)o->requant || p->model_hash != o->model_hash)
		return "its program was compiled for other options";
	if (p->nops != m->nops)
		return "its program has another number of operators";
	for (int s = 0; s < p->nseg; s++) {
		const struct cp_seg *sg = &p->seg[s];

		if (sg->first != next || sg->end <= sg->first || (sg->chip != 0 && sg->chip != 1) ||
		    (sg->chip ? !sg->nwords : sg->nwords != 0))
			return "its program's partitions do not cover the operators in order";
		for (int i = sg->first; i < sg->end; i++)
			if (p->ops[i].seg != s || p->ops[i].place != (sg->chip ? CP_CHIP : CP_CPU) ||
			    (sg->chip && p->ops[i].stream_end > sg->nwords))
				return "its program's operators disagree with its partitions";
		next = sg->end;
	}
	return next == m->nops ? NULL : "its program's partitions do not cover the operators";
}

static int read_all(int fd, uint8_t *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, b + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	size_t put = 0;

	while (put < n) {
		ssize_t r = write(fd, b + put, n - put);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		put += (size_t)r;
	}
	return 0;
}

enum { ENTRY_ABSENT = 0, ENTRY_HIT = 1, ENTRY_BAD = 2 };

/* Loads and checks one entry; *why says what was wrong with a bad one. */
static int load_entry(int dfd, const char *name, const uint8_t key[KEY_BYTES],
		      const struct cp_options *o, const enpu_model *m, struct cp_prog **out,
		      const char **why)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	uint8_t *b = NULL;
	int r = ENTRY_BAD;

	*out = NULL;
	if (fd < 0) {
		int e = errno;

		*why = e == ELOOP ? "it is a symbolic link" : strerror(e);
		return e == ENOENT ? ENTRY_ABSENT : ENTRY_BAD;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		*why = "it is not a regular file";
		goto out;
	}
	/* Only what this user wrote: another user's file could say anything. */
	if (st.st_uid != geteuid()) {
		*why = "it belongs to another user";
		goto out;
	}
	if ((uint64_t)st.st_size < ENTRY_HDR + KEY_BYTES || (uint64_t)st.st_size > MAX_ENTRY) {
		*why = "it is truncated or oversized";
		goto out;
	}
	size_t len = (size_t)st.st_size;

	b = malloc(len);
	if (!b || read_all(fd, b, len)) {
		*why = b ? "it could not be read" : "out of memory";
		goto out;
	}
	if (memcmp(b, ENTRY_MAGIC, 8) || get32(b + 8) != ENTRY_VERSION ||
	    get32(b + 12) != KEY_BYTES) {
		*why = "it has another format or version";
		goto out;
	}
	if (get64(b + 16) != len - ENTRY_HDR - KEY_BYTES) {
		*why = "it is truncated or has trailing bytes";
		goto out;
	}
	if (xxh64(b + ENTRY_HDR, len - ENTRY_HDR) != get64(b + 24)) {
		*why = "its checksum does not match (corrupt)";
		goto out;
	}
	if (memcmp(b + ENTRY_HDR, key, KEY_BYTES)) {
		*why = "its key differs (another model, target, option or build)";
		goto out;
	}
	int d = cp_deserialize(b + ENTRY_HDR + KEY_BYTES, len - ENTRY_HDR - KEY_BYTES, out);

	if (d) {
		*why = d == -ENOMEM ? "out of memory" : "its program does not parse";
		goto out;
	}
	if ((*why = prog_mismatch(*out, o, m))) {
		cp_free(*out);
		*out = NULL;
		goto out;
	}
	/* Used entries look recent to the size trimming (LRU by mtime). */
	futimens(fd, NULL);
	r = ENTRY_HIT;
out:
	free(b);
	close(fd);
	return r;
}

/* Writes the entry beside its final name and renames it into place. */
static int store_entry(int dfd, const char *name, const uint8_t key[KEY_BYTES],
		       const struct cp_prog *p)
{
	static unsigned seq;
	uint8_t *payload = NULL, *b = NULL;
	size_t n = 0;
	char tmp[128];
	int r = cp_serialize(p, &payload, &n), fd = -1;

	if (r)
		return r;
	b = malloc(ENTRY_HDR + KEY_BYTES + n);
	if (!b) {
		free(payload);
		return -ENOMEM;
	}
	memcpy(b, ENTRY_MAGIC, 8);
	put32(b + 8, ENTRY_VERSION);
	put32(b + 12, KEY_BYTES);
	put64(b + 16, n);
	memcpy(b + ENTRY_HDR, key, KEY_BYTES);
	memcpy(b + ENTRY_HDR + KEY_BYTES, payload, n);
	free(payload);
	put64(b + 24, xxh64(b + ENTRY_HDR, KEY_BYTES + n));
	n += ENTRY_HDR + KEY_BYTES;
	/* A name no other process or thread uses: pid, a counter, the time. */
	for (int tries = 0; fd < 0 && tries < 8; tries++) {
		snprintf(tmp, sizeof(tmp), TMP_PREFIX "%.40s.%ld.%u.%llx", name, (long)getpid(),
			 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED),
			 (unsigned long long)now_ns());
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	/* No fsync: after a crash a short entry fails its checksum and is
	 * rewritten, which costs one compile -- not worth a disk flush each time. */
	r = write_all(fd, b, n);
	if (close(fd) && !r)
		r = -errno;
	if (!r && renameat(dfd, tmp, dfd, name))
		r = -errno;
	if (r)
		unlinkat(dfd, tmp, 0);
out:
	free(b);
	return r;
}

/* Keeps the directory under its size limit, least recently used entries
 * first, and removes temporary files a crashed process left. */
static void trim(enpu_context *ctx, int dfd, const char *dir)
{
	const char *env = getenv("ENPU_CACHE_MAX_MB");
	uint64_t limit = (uint64_t)DEFAULT_MAX_MB << 20, total = 0;
	struct ent { char name[64]; struct timespec mtime; uint64_t bytes; } *e = NULL;
	size_t n = 0, cap = 0;
	time_t now = time(NULL);
	struct dirent *d;
	int lfd = dup(dfd);
	DIR *dp = lfd >= 0 ? fdopendir(lfd) : NULL;

	if (env && *env) {
		char *end;
		unsigned long long v = strtoull(env, &end, 10);

		if (!*end && v && v < (1ull << 40))
			limit = v << 20;
	}
	if (!dp) {
		if (lfd >= 0)
			close(lfd);
		return;
	}
	while ((d = readdir(dp))) {
		size_t l = strlen(d->d_name), sl = strlen(ENTRY_SUFFIX);
		struct stat st;
		int is_tmp = !strncmp(d->d_name, TMP_PREFIX, strlen(TMP_PREFIX));

		if (!is_tmp && (l >= sizeof(e->name) || l < sl ||
				strcmp(d->d_name + l - sl, ENTRY_SUFFIX)))
			continue;
		if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
		    st.st_uid != geteuid())
			continue;
		if (is_tmp) {
			if (now - st.st_mtime > STALE_TMP_S)
				unlinkat(dfd, d->d_name, 0);
			continue;
		}
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct ent *ne = realloc(e, nc * sizeof(*e));

			if (!ne)
				break;
			e = ne;
			cap = nc;
		}
		memcpy(e[n].name, d->d_name, l + 1);
		e[n].mtime = st.st_mtim;
		e[n].bytes = (uint64_t)st.st_size;
		total += e[n].bytes;
		n++;
	}
	/* Down to three quarters, so that the next few stores do not trim again. */
	uint64_t goal = total > limit ? limit / 4 * 3 : total;

	while (total > goal) {
		size_t old = n;

		for (size_t i = 0; i < n; i++)
			if (e[i].bytes && (old == n || e[i].mtime.tv_sec < e[old].mtime.tv_sec ||
					   (e[i].mtime.tv_sec == e[old].mtime.tv_sec &&
					    e[i].mtime.tv_nsec < e[old].mtime.tv_nsec)))
				old = i;
		if (old == n)
			break;
		if (!unlinkat(dfd, e[old].name, 0))
			enpu_log(ctx, ENPU_LOG_INFO, "cache: removed %s/%s to stay under %llu MiB",
				 dir, e[old].name, (unsigned long long)(limit >> 20));
		total -= e[old].bytes;
		e[old].bytes = 0;
	}
	closedir(dp);
	free(e);
}

/* mkdir -p with mode 0755 for what is missing. */
static int make_dirs(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = 0;
		int r = mkdir(path, 0755);

		*p = c;
		if (r && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
	}
}

/* Opens the cache directory, or returns -1 with the reason logged. */
static int cache_dir(enpu_context *ctx, const char *opt, char *dir, size_t n)
{
	const char *env = getenv("ENPU_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	struct stat st;
	int w, r, fd;

	if (opt)
		w = snprintf(dir, n, "%s", opt);
	else if (env)
		w = snprintf(dir, n, "%s", env);
	else if (xdg && xdg[0] == '/')
		w = snprintf(dir, n, "%s/enpu", xdg);
	else if (home && home[0] == '/')
		w = snprintf(dir, n, "%s/.cache/enpu", home);
	else
		w = snprintf(dir, n, "%s", "");
	if (!dir[0]) {
		enpu_log(ctx, ENPU_LOG_DEBUG, "cache: disabled (%s)",
			 opt ? "prepare option" : env ? "ENPU_CACHE_DIR is empty" : "no HOME");
		return -1;
	}
	if (w < 0 || (size_t)w >= n || dir[0] != '/') {
		enpu_log(ctx, ENPU_LOG_INFO, "cache: not used: '%.200s' is not an absolute path "
			 "of at most %zu bytes", dir, n - 1);
		return -1;
	}
	while (w > 1 && dir[w - 1] == '/')
		dir[--w] = 0;
	r = make_dirs(dir);
	fd = r ? r : open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		enpu_log(ctx, ENPU_LOG_INFO, "cache: not used: cannot create or open %s: %s", dir,
			 strerror(r ? -r : errno));
		return -1;
	}
	/* Entries are only as trustworthy as the directory holding them. */
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		enpu_log(ctx, ENPU_LOG_INFO, "cache: not used: %s does not belong to this user or "
			 "others can write to it", dir);
		close(fd);
		return -1;
	}
	return fd;
}

int enpu_cache_compile(const struct enpu_interp *it, const char *opt,
		       const struct enpu_cache_target *tg, struct cp_options *o,
		       struct cp_prog **out, struct enpu_cache_info *info)
{
	enpu_context *ctx = it->m->ctx;
	uint8_t key[KEY_BYTES], name_sum[32];
	char dir[4096], name[64];
	const char *why = NULL;
	uint64_t t0 = now_ns();
	int dfd, had = 0, r;

	*out = NULL;
	info->result = ENPU_CACHE_OFF;
	o->model_hash = get64(it->m->sha256);	/* the program's header records it */
	pthread_once(&code_once, code_init);
	if (!code_id_kind || !it->m->src_bytes) {
		enpu_log(ctx, ENPU_LOG_INFO, "cache: not used: %s", !code_id_kind ?
			 "cannot identify this library's code" :
			 "the model was loaded with ENPU_CACHE_DIR empty (not hashed)");
		dfd = -1;
	} else {
		dfd = cache_dir(ctx, opt, dir, sizeof(dir));
	}
	if (dfd >= 0) {
		make_key(key, it->m, tg, o);
		enpu_sha256(key, sizeof(key), name_sum);
		for (int i = 0; i < 16; i++)
			snprintf(name + 2 * i, 3, "%02x", name_sum[i]);
		strcat(name, ENTRY_SUFFIX);
		int got = load_entry(dfd, name, key, o, it->m, out, &why);

		if (got == ENTRY_HIT) {
			info->result = ENPU_CACHE_HIT;
			info->ns = now_ns() - t0;
			enpu_log(ctx, ENPU_LOG_INFO, "cache: hit %s/%s (%.1f ms)", dir, name,
				 info->ns / 1e6);
			close(dfd);
			return 0;
		}
		had = got == ENTRY_BAD;
		if (had)
			enpu_log(ctx, ENPU_LOG_INFO, "cache: ignoring %s/%s: %s", dir, name, why);
	}
	t0 = now_ns();
	r = cp_compile(it->m, o, out);
	info->ns = now_ns() - t0;
	if (r || dfd < 0) {
		if (dfd >= 0)
			close(dfd);
		return r;
	}
	uint64_t t1 = now_ns();

	r = store_entry(dfd, name, key, *out);
	if (r) {
		info->result = ENPU_CACHE_UNWRITTEN;
		enpu_log(ctx, ENPU_LOG_INFO, "cache: miss; cannot write %s/%s: %s", dir, name,
			 strerror(-r));
	} else {
		info->result = had ? ENPU_CACHE_REPLACED : ENPU_CACHE_MISS;
		enpu_log(ctx, ENPU_LOG_INFO, "cache: miss; compiled in %.1f ms, %s %s/%s in %.1f ms",
			 info->ns / 1e6, had ? "replaced" : "wrote", dir, name, (now_ns() - t1) / 1e6);
		trim(ctx, dfd, dir);
	}
	close(dfd);
	return 0;
}
