// SPDX-License-Identifier: MIT
/*
 * The compiled-model cache of the chip backends (lib/runtime/cache.c), on
 * the "emu" backend: a miss writes one entry, a hit reads it back, and the
 * outputs are the cpu backend's bytes either way; every way an entry can
 * be wrong (flipped byte, truncation, other version, other key, a program
 * that does not match, a symlink, another user's directory) is a miss that
 * recompiles and rewrites the entry, never a failure; other requantization
 * modes, capabilities and models get other entries; no usable directory
 * means no cache; four processes racing on an empty directory leave one
 * valid entry; the size limit trims the least recently used entries.
 * Also SHA-256 (SHA-NI and portable) and XXH64 against known vectors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <enpu/enpu.h>

#include "tap.h"
#include "../runtime/cache.h"

#define ENTRY_HDR 32
#define KEY_BYTES 128
#define PROG_AT (ENTRY_HDR + KEY_BYTES)

static char logbuf[16384];

static void on_log(void *user, enum enpu_log_level level, const char *msg)
{
	size_t n = strlen(logbuf);

	(void)user;
	(void)level;
	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static enpu_context *ctx;
static char tmp[256];

static enpu_model *load(const char *name)
{
	const char *s = getenv("ENPU_SHARED");
	char path[1024];
	enpu_model *m = NULL;

	snprintf(path, sizeof(path), "%s/models/%s", s && *s ? s : "../shared", name);
	if (enpu_model_load_file(ctx, path, &m))
		diag("cannot load %s: %s", path, enpu_last_error());
	return m;
}

/* Output 0 and the device stats of one prepare + invoke on a fixed input. */
struct run {
	int rc, cache;
	uint8_t out[4096];
	size_t len;
	uint64_t compile_ns;
};

static struct run run_opts(enpu_model *m, const struct enpu_prepare_options *po)
{
	struct run r = { .rc = -1 };
	struct enpu_device_stats ds = { .size = sizeof(ds) };
	enpu_interp *it;
	const void *d;
	void *in;
	size_t n;

	if ((r.rc = enpu_interp_create(m, po, &it))) {
		diag("create: %s", enpu_last_error());
		return r;
	}
	enpu_interp_input_buffer(it, 0, &in, &n);
	for (size_t i = 0; i < n; i++)
		((uint8_t *)in)[i] = (uint8_t)(i * 2654435761u >> 13);
	if (!(r.rc = enpu_interp_invoke(it)) && !(r.rc = enpu_interp_output(it, 0, &d, &n))) {
		r.len = n < sizeof(r.out) ? n : sizeof(r.out);
		memcpy(r.out, d, r.len);
	}
	enpu_interp_device_stats(it, &ds);
	r.cache = ds.cache;
	r.compile_ns = ds.compile_ns;
	enpu_interp_destroy(it);
	return r;
}

static struct run run(enpu_model *m, const char *backend, int requant, const char *dir)
{
	struct enpu_prepare_options po = { .size = sizeof(po), .backend = backend, .threads = 1,
					   .requant = requant, .cache_dir = dir };

	return run_opts(m, &po);
}

static int same(const struct run *a, const struct run *b)
{
	return !a->rc && !b->rc && a->len && a->len == b->len && !memcmp(a->out, b->out, a->len);
}

/* The only entry of dir (NULL if there is not exactly one); counts temps. */
static char *only_entry(const char *dir, int *nentries, int *ntemps)
{
	static char path[1024];
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0, t = 0;

	path[0] = 0;
	while (d && (e = readdir(d))) {
		size_t l = strlen(e->d_name);

		if (!strncmp(e->d_name, ".tmp-", 5))
			t++;
		if (l > 6 && !strcmp(e->d_name + l - 6, ".enpuc")) {
			n++;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		}
	}
	if (d)
		closedir(d);
	if (nentries)
		*nentries = n;
	if (ntemps)
		*ntemps = t;
	return n == 1 ? path : NULL;
}

static int count_entries(const char *dir)
{
	int n = 0;

	only_entry(dir, &n, NULL);
	return n;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET) &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	fclose(f);
	return b;
}

static int spit(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok_ = f && fwrite(b, 1, n, f) == n;

	return (f && !fclose(f) && ok_) ? 0 : -1;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Rewrites an entry's checksum after a change, so that a later check has
 * to catch the change. */
static void reseal(uint8_t *b, size_t n)
{
	put64(b + 24, enpu_xxh64(b + ENTRY_HDR, n - ENTRY_HDR));
}

static void hex(const uint8_t *d, char *s)
{
	for (int i = 0; i < 32; i++)
		sprintf(s + 2 * i, "%02x", d[i]);
}

static void test_hashes(void)
{
	static const struct { const char *in; const char *want; } v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	uint8_t d[32], p[32], *big = malloc(1000000);
	char s[65];
	int bad = 0;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		enpu_sha256(v[i].in, strlen(v[i].in), d);
		enpu_sha256_portable(v[i].in, strlen(v[i].in), p);
		hex(d, s);
		bad += strcmp(s, v[i].want) != 0 || memcmp(d, p, 32) != 0;
	}
	memset(big, 'a', 1000000);
	enpu_sha256(big, 1000000, d);
	hex(d, s);
	bad += strcmp(s, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") != 0;
	ok(!bad, "SHA-256 gives the FIPS 180-4 test vectors (fast and portable code)");
	for (size_t l = 0; l < 1000; l++) {
		for (size_t i = 0; i < l; i++)
			big[i] = (uint8_t)(i * 131 + l);
		enpu_sha256(big, l, d);
		enpu_sha256_portable(big, l, p);
		bad += memcmp(d, p, 32) != 0;
	}
	ok(!bad, "SHA-256: the fast path equals the portable code for lengths 0..999");
	ok(enpu_xxh64("", 0) == 0xef46db3751d8e999ull && enpu_xxh64("abc", 3) == 0x44bc2cf5ad770999ull,
	   "XXH64 gives xxhsum's values");
	free(big);
}

/* An entry changed by how(), then prepared: recompiled, same bytes, entry
 * rewritten to the good one, the log says why. */
static void corrupt(enpu_model *m, const struct run *cpu, const char *dir, const char *what,
		    const char *why, void (*how)(const char *path, uint8_t *b, size_t n))
{
	char *e = only_entry(dir, NULL, NULL), path[1024];
	uint8_t *good, *again;
	size_t n, n2;

	if (!e) {
		ok(0, "%s: no single entry to corrupt", what);
		return;
	}
	snprintf(path, sizeof(path), "%s", e);
	good = slurp(path, &n);
	uint8_t *b = malloc(n + 16);

	memcpy(b, good, n);
	how(path, b, n);
	free(b);
	logbuf[0] = 0;
	struct run r = run(m, "emu", 0, dir);

	again = slurp(path, &n2);
	ok(r.cache == ENPU_CACHE_REPLACED && same(&r, cpu) && again && n2 == n &&
	   !memcmp(again, good, n) && strstr(logbuf, why),
	   "%s: ignored, recompiled (same output), entry rewritten, log says '%s'", what, why);
	if (r.cache != ENPU_CACHE_REPLACED || !strstr(logbuf, why))
		diag("cache %d, log: %s", r.cache, logbuf);
	free(good);
	free(again);
	r = run(m, "emu", 0, dir);
	ok(r.cache == ENPU_CACHE_HIT && same(&r, cpu), "%s: the rewritten entry hits", what);
}

static void flip(const char *path, uint8_t *b, size_t n)
{
	b[PROG_AT + (n - PROG_AT) / 2] ^= 0x10;
	spit(path, b, n);
}

static void truncate_half(const char *path, uint8_t *b, size_t n)
{
	spit(path, b, n / 2);
}

static void truncate_hdr(const char *path, uint8_t *b, size_t n)
{
	(void)n;
	spit(path, b, 10);
}

static void empty(const char *path, uint8_t *b, size_t n)
{
	(void)n;
	spit(path, b, 0);
}

static void trailing(const char *path, uint8_t *b, size_t n)
{
	memset(b + n, 0, 16);
	spit(path, b, n + 16);
}

static void bad_version(const char *path, uint8_t *b, size_t n)
{
	b[8] = 99;
	spit(path, b, n);
}

static void stale_compiler(const char *path, uint8_t *b, size_t n)
{
	/* The key's compiler version, with a valid checksum: as an entry an
	 * older libenpu wrote would look. */
	b[ENTRY_HDR + 80] ^= 1;
	reseal(b, n);
	spit(path, b, n);
}

static void other_model(const char *path, uint8_t *b, size_t n)
{
	b[ENTRY_HDR + 5] ^= 0xff;	/* the model's SHA-256 */
	reseal(b, n);
	spit(path, b, n);
}

static void prog_options(const char *path, uint8_t *b, size_t n)
{
	b[PROG_AT + 28] ^= 1;		/* the program's requantization mode */
	reseal(b, n);
	spit(path, b, n);
}

static void prog_garbage(const char *path, uint8_t *b, size_t n)
{
	memset(b + PROG_AT + 40, 0xff, 8);	/* operator and partition counts */
	reseal(b, n);
	spit(path, b, n);
}

static void prog_segments(const char *path, uint8_t *b, size_t n)
{
	/* Operator 0's partition index (the operator table follows the 64-byte
	 * program header): parses, but does not match the partitions. */
	b[PROG_AT + 64 + 4] ^= 1;
	reseal(b, n);
	spit(path, b, n);
}

static void symlinked(const char *path, uint8_t *b, size_t n)
{
	char other[1100];

	snprintf(other, sizeof(other), "%s.elsewhere", path);
	spit(other, b, n);
	unlink(path);
	if (symlink(other, path))
		diag("symlink: %s", strerror(errno));
}

static int file_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

/* The program in the entry is what enpu-compile writes for the same model
 * and options, byte for byte (both record the SHA-256's first 8 bytes). */
static void same_as_enpu_compile(const char *entry, const char *model)
{
	const char *b = getenv("ENPU_BUILD"), *s = getenv("ENPU_SHARED");
	char cmd[3000], out[1100];
	uint8_t *e, *f;
	size_t ne, nf;

	snprintf(out, sizeof(out), "%s/compiled.enpu", tmp);
	snprintf(cmd, sizeof(cmd), "%s/tools/enpu-compile %s/models/%s -o %s >/dev/null 2>&1",
		 b && *b ? b : "build", s && *s ? s : "../shared", model, out);
	int rc = system(cmd);

	e = slurp(entry, &ne);
	f = slurp(out, &nf);
	int good = !rc && e && f && ne == nf + PROG_AT && !memcmp(e + PROG_AT, f, nf);

	ok(good, "the entry holds enpu-compile's file byte for byte");
	if (!good)
		diag("enpu-compile status %d, entry %zu bytes, file %zu", rc, ne, nf);
	free(e);
	free(f);
	unlink(out);
}

static void race(enpu_model *m, const struct run *cpu, const char *dir)
{
	int go[2], status, good = 0;
	pid_t pid[4];

	if (pipe(go)) {
		ok(0, "pipe");
		return;
	}
	for (int i = 0; i < 4; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			char c;

			close(go[1]);
			/* All four start preparing together. */
			if (read(go[0], &c, 1) != 1)
				_exit(3);
			struct run r = run(m, "emu", 0, dir);

			_exit(same(&r, cpu) ? 0 : 2);
		}
	}
	close(go[0]);
	if (write(go[1], "gogo", 4) != 4)
		diag("write: %s", strerror(errno));
	close(go[1]);
	for (int i = 0; i < 4; i++)
		if (pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status) &&
		    !WEXITSTATUS(status))
			good++;
	int n, t;
	char *e = only_entry(dir, &n, &t);

	ok(good == 4, "4 processes preparing at once on an empty cache: all outputs = cpu (%d/4)",
	   good);
	ok(e && n == 1 && t == 0, "...and they leave one entry, no temporary file (%d, %d)", n, t);
	struct run r = run(m, "emu", 0, dir);

	ok(r.cache == ENPU_CACHE_HIT && same(&r, cpu), "...which is valid: the next prepare hits");
}

int main(void)
{
	struct enpu_context_options co = { .size = sizeof(co), .log = on_log,
					   .log_level = ENPU_LOG_DEBUG };
	char dir[512], path[1024];
	enpu_model *v1, *lstm;

	umask(022);
	unsetenv("ENPU_EMU_CAPS");
	unsetenv("ENPU_CACHE_MAX_MB");
	test_hashes();
	if (enpu_context_create(&co, &ctx))
		return 1;
	snprintf(tmp, sizeof(tmp), "/tmp/enpu-test-cache.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	v1 = load("mobilenet_v1_0.25_128_quant.tflite");
	lstm = load("keras_lstm_mnist_ptq.tflite");
	if (!ok(v1 && lstm, "shared models load"))
		return tap_done();

	struct run cpu = run(v1, "cpu", 0, NULL), r;

	ok(!cpu.rc && cpu.len && cpu.cache == ENPU_CACHE_OFF, "cpu backend runs, no cache");

	/* Miss, then hit. */
	snprintf(dir, sizeof(dir), "%s/a/b", tmp);
	setenv("ENPU_CACHE_DIR", dir, 1);
	logbuf[0] = 0;
	r = run(v1, "emu", 0, NULL);
	ok(r.cache == ENPU_CACHE_MISS && same(&r, &cpu) && strstr(logbuf, "cache: miss"),
	   "first emu prepare: a miss, output = cpu, logged");
	char *e = only_entry(dir, NULL, NULL);

	ok(e != NULL, "...it wrote one entry in $ENPU_CACHE_DIR (created)");
	ok(e && file_mode(e) == 0644 && file_mode(dir) == 0755, "...entry mode 0644, directory 0755");
	if (e)
		same_as_enpu_compile(e, "mobilenet_v1_0.25_128_quant.tflite");
	else
		ok(0, "no entry to compare with enpu-compile's file");
	uint64_t miss_ns = r.compile_ns;

	logbuf[0] = 0;
	r = run(v1, "emu", 0, NULL);
	ok(r.cache == ENPU_CACHE_HIT && same(&r, &cpu) && strstr(logbuf, "cache: hit"),
	   "second prepare: a hit, output = cpu, logged");
	diag("mobilenet_v1_0.25_128: compile %.2f ms, cache hit %.2f ms", miss_ns / 1e6,
	     r.compile_ns / 1e6);
	ok(count_entries(dir) == 1, "...and no new entry");
	{
		/* A caller built before cache_dir existed gets the default. */
		struct enpu_prepare_options po = { .backend = "emu", .threads = 1 };

		po.size = offsetof(struct enpu_prepare_options, cache_dir);
		r = run_opts(v1, &po);
		ok(r.cache == ENPU_CACHE_HIT && same(&r, &cpu),
		   "an options struct without cache_dir (older caller) uses the default");
	}

	/* Every kind of bad entry: a miss that heals the entry. */
	corrupt(v1, &cpu, dir, "one flipped byte in the program", "checksum", flip);
	corrupt(v1, &cpu, dir, "truncated to half", "truncated", truncate_half);
	corrupt(v1, &cpu, dir, "truncated inside the header", "truncated", truncate_hdr);
	corrupt(v1, &cpu, dir, "empty file", "truncated", empty);
	corrupt(v1, &cpu, dir, "trailing bytes", "trailing", trailing);
	corrupt(v1, &cpu, dir, "another entry format version", "version", bad_version);
	corrupt(v1, &cpu, dir, "another compiler version in the key (valid checksum)", "key differs",
		stale_compiler);
	corrupt(v1, &cpu, dir, "another model's hash in the key (valid checksum)", "key differs",
		other_model);
	corrupt(v1, &cpu, dir, "program header for other options (valid checksum)",
		"other options", prog_options);
	corrupt(v1, &cpu, dir, "program that does not parse (valid checksum)", "does not parse",
		prog_garbage);
	corrupt(v1, &cpu, dir, "program whose operators disagree with its partitions",
		"disagree", prog_segments);
	corrupt(v1, &cpu, dir, "a symbolic link", "symbolic link", symlinked);

	/* Other options, capabilities and models: other entries. */
	struct run cpu_g = run(v1, "cpu", ENPU_REQUANT_GEMMLOWP, NULL);

	r = run(v1, "emu", ENPU_REQUANT_GEMMLOWP, NULL);
	ok(r.cache == ENPU_CACHE_MISS && same(&r, &cpu_g) && count_entries(dir) == 2,
	   "another requantization mode: a miss, its own entry, output = cpu in that mode");
	r = run(v1, "emu", ENPU_REQUANT_GEMMLOWP, NULL);
	ok(r.cache == ENPU_CACHE_HIT && same(&r, &cpu_g), "...which hits next time");
	r = run(v1, "emu", 0, NULL);
	ok(r.cache == ENPU_CACHE_HIT && same(&r, &cpu), "...and the first mode's entry still hits");
	setenv("ENPU_EMU_CAPS", "fffffffb", 1);	/* no DEPTHWISE: an older firmware */
	r = run(v1, "emu", 0, NULL);
	ok(r.cache == ENPU_CACHE_MISS && same(&r, &cpu) && count_entries(dir) == 3,
	   "other firmware capabilities (ENPU_EMU_CAPS): a miss, its own entry, output = cpu");
	unsetenv("ENPU_EMU_CAPS");
	struct run cpu_l = run(lstm, "cpu", 0, NULL);

	r = run(lstm, "emu", 0, NULL);
	ok(r.cache == ENPU_CACHE_MISS && same(&r, &cpu_l) && count_entries(dir) == 4,
	   "another model: a miss, its own entry, output = cpu");
	r = run(lstm, "emu", 0, NULL);
	ok(r.cache == ENPU_CACHE_HIT && same(&r, &cpu_l), "...which hits next time");

	/* Turning it off, and directories that cannot be used. */
	char off[600];

	snprintf(off, sizeof(off), "%s/off", tmp);
	setenv("ENPU_CACHE_DIR", off, 1);
	r = run(v1, "emu", 0, "");
	ok(r.cache == ENPU_CACHE_OFF && same(&r, &cpu) && access(off, F_OK),
	   "cache_dir \"\" in the options: no cache (directory not even created)");
	r = run(v1, "emu", 0, dir);
	ok(r.cache == ENPU_CACHE_HIT && same(&r, &cpu),
	   "cache_dir in the options wins over $ENPU_CACHE_DIR");
	setenv("ENPU_CACHE_DIR", "", 1);
	r = run(v1, "emu", 0, NULL);
	ok(r.cache == ENPU_CACHE_OFF && same(&r, &cpu), "ENPU_CACHE_DIR=\"\": no cache");
	setenv("ENPU_CACHE_DIR", "relative/dir", 1);
	r = run(v1, "emu", 0, NULL);
	ok(r.cache == ENPU_CACHE_OFF && same(&r, &cpu) && access("relative", F_OK),
	   "a relative ENPU_CACHE_DIR: no cache, nothing created");
	snprintf(path, sizeof(path), "%s/file", tmp);
	spit(path, (const uint8_t *)"x", 1);
	snprintf(off, sizeof(off), "%s/file/sub", tmp);
	logbuf[0] = 0;
	r = run(v1, "emu", 0, off);
	ok(r.cache == ENPU_CACHE_OFF && same(&r, &cpu) && strstr(logbuf, "cannot create"),
	   "a directory that cannot be created: no cache, works, logged");
	snprintf(off, sizeof(off), "%s/shared", tmp);
	mkdir(off, 0777);
	chmod(off, 0777);
	logbuf[0] = 0;
	r = run(v1, "emu", 0, off);
	ok(r.cache == ENPU_CACHE_OFF && same(&r, &cpu) && count_entries(off) == 0 &&
	   strstr(logbuf, "others can write"),
	   "a directory others can write to: not used (its entries could be anyone's)");
	if (geteuid() != 0) {
		snprintf(off, sizeof(off), "%s/ro", tmp);
		mkdir(off, 0755);
		chmod(off, 0555);
		r = run(v1, "emu", 0, off);
		ok(r.cache == ENPU_CACHE_UNWRITTEN && same(&r, &cpu),
		   "a read-only directory: compiled, entry not written, works");
		chmod(off, 0755);
	} else {
		ok(1, "a read-only directory # SKIP root writes anywhere (the VM suite uses a "
		      "read-only mount)");
	}
	if (geteuid() == 0) {
		snprintf(off, sizeof(off), "%s/nobody", tmp);
		mkdir(off, 0755);
		if (chown(off, 65534, 65534))
			diag("chown: %s", strerror(errno));
		r = run(v1, "emu", 0, off);
		ok(r.cache == ENPU_CACHE_OFF && same(&r, &cpu) && count_entries(off) == 0,
		   "a directory of another user: not used");
	} else {
		ok(1, "a directory of another user # SKIP needs root to make one");
	}

	/* The default locations. */
	unsetenv("ENPU_CACHE_DIR");
	snprintf(off, sizeof(off), "%s/xdg", tmp);
	setenv("XDG_CACHE_HOME", off, 1);
	r = run(v1, "emu", 0, NULL);
	snprintf(path, sizeof(path), "%s/xdg/enpu", tmp);
	ok(r.cache == ENPU_CACHE_MISS && count_entries(path) == 1,
	   "no ENPU_CACHE_DIR: $XDG_CACHE_HOME/enpu");
	unsetenv("XDG_CACHE_HOME");
	snprintf(off, sizeof(off), "%s/home", tmp);
	setenv("HOME", off, 1);
	r = run(v1, "emu", 0, NULL);
	snprintf(path, sizeof(path), "%s/home/.cache/enpu", tmp);
	ok(r.cache == ENPU_CACHE_MISS && count_entries(path) == 1 && file_mode(path) == 0755,
	   "no XDG_CACHE_HOME either: $HOME/.cache/enpu (created 0755)");
	{
		/* A model loaded while the cache is off was not hashed. */
		enpu_model *m2;

		setenv("ENPU_CACHE_DIR", "", 1);
		m2 = load("mobilenet_v1_0.25_128_quant.tflite");
		setenv("ENPU_CACHE_DIR", dir, 1);
		r = m2 ? run(m2, "emu", 0, NULL) : (struct run){ .rc = -1 };
		ok(r.cache == ENPU_CACHE_OFF && same(&r, &cpu),
		   "a model loaded with ENPU_CACHE_DIR=\"\" never uses the cache");
		enpu_model_destroy(m2);
	}

	/* Processes racing on an empty directory. */
	snprintf(off, sizeof(off), "%s/race", tmp);
	race(v1, &cpu, off);

	/* The size limit: least recently used entries go first. */
	snprintf(off, sizeof(off), "%s/lru", tmp);
	setenv("ENPU_CACHE_MAX_MB", "1", 1);
	run(v1, "emu", ENPU_REQUANT_TFLITE_AS_RUN, off);
	run(v1, "emu", ENPU_REQUANT_GEMMLOWP, off);
	r = run(v1, "emu", ENPU_REQUANT_TFLITE_AS_RUN, off);	/* now the most recent */
	ok(r.cache == ENPU_CACHE_HIT, "size limit: two entries fit under 1 MiB");
	run(v1, "emu", ENPU_REQUANT_FP32, off);
	r = run(v1, "emu", ENPU_REQUANT_FP32, off);
	struct run g = run(v1, "emu", ENPU_REQUANT_GEMMLOWP, off);

	ok(r.cache == ENPU_CACHE_HIT && g.cache == ENPU_CACHE_MISS,
	   "a third entry over ENPU_CACHE_MAX_MB=1 evicts the least recently used one, keeps "
	   "the new one");
	unsetenv("ENPU_CACHE_MAX_MB");
	{
		/* Temporary files a crashed writer left behind are removed after
		 * an hour, fresh ones (a writer at work) are not. */
		char old[700], young[700];
		struct timespec t[2] = { { .tv_sec = 1000000 }, { .tv_sec = 1000000 } };

		snprintf(old, sizeof(old), "%s/.tmp-crashed", off);
		snprintf(young, sizeof(young), "%s/.tmp-writing", off);
		spit(old, (const uint8_t *)"x", 1);
		spit(young, (const uint8_t *)"x", 1);
		utimensat(AT_FDCWD, old, t, 0);
		r = run(lstm, "emu", 0, off);	/* a miss: stores, then tidies */
		ok(r.cache == ENPU_CACHE_MISS && access(old, F_OK) && !access(young, F_OK),
		   "a store removes hour-old temporary files and leaves fresh ones");
	}

	enpu_model_destroy(v1);
	enpu_model_destroy(lstm);
	enpu_context_destroy(ctx);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	if (system(path))
		diag("could not remove %s", tmp);
	return tap_done();
}
