# The Arm kernel levels (included from lib/lib.mk).
#
# Native aarch64 builds get kernels_neon.c and kernels_neondot.c through
# LIB_KERNEL_SRCS; on any host the NEON units are also cross-built for
# aarch64 with Debian's gcc-aarch64-linux-gnu, with the kernels' unit test,
# and tests/lib/neon.sh runs that under qemu-aarch64 user mode.  The
# library as a whole links libdrm, which has no arm64 build installed here,
# so the cross build is the subset the test needs: the kernels and cpu.c.

# Baseline AArch64 has Advanced SIMD; dotprod (sdot/udot) is ARMv8.2-A's.
KERNEL_FLAGS_neon := -march=armv8-a
KERNEL_FLAGS_neondot := -march=armv8.2-a+dotprod

CROSS_AARCH64 ?= aarch64-linux-gnu-
A64_CC := $(CROSS_AARCH64)gcc
A64 := $(O)/aarch64
A64_CFLAGS := $(CFLAGS_COMMON) -Ilib/include -Ilib/src -fvisibility=hidden
A64_SRCS := lib/src/kernels_scalar.c lib/src/kernels_neon.c lib/src/kernels_neondot.c \
	lib/src/cpu.c
A64_OBJS := $(patsubst lib/src/%.c,$(A64)/obj/%.o,$(A64_SRCS))

$(A64)/obj/kernels_%.o: lib/src/kernels_%.c $(LIB_HDRS) | $(A64)/obj/
	$(A64_CC) $(A64_CFLAGS) $(KERNEL_FLAGS_$*) -c -o $@ $<

$(A64)/obj/%.o: lib/src/%.c $(LIB_HDRS) | $(A64)/obj/
	$(A64_CC) $(A64_CFLAGS) -c -o $@ $<

# Static, so qemu-aarch64 runs it without an arm64 sysroot.
$(A64)/test_cpu_kernels: tests/lib/test_cpu_kernels.c $(A64_OBJS) $(LIB_HDRS) tests/tap.h | $(A64)/
	$(A64_CC) $(A64_CFLAGS) -Itests -static -o $@ $< $(A64_OBJS) -lm -pthread

# The ASan/UBSan build, as for the host tests: it catches NEON loads and
# stores past a buffer, which a byte comparison cannot.  The sanitizer
# runtimes only exist as shared libraries, so this one is dynamic and runs
# with qemu-aarch64 -L /usr/aarch64-linux-gnu (libc6-arm64-cross).
A64_SAN_OBJS := $(patsubst lib/src/%.c,$(A64)/san/%.o,$(A64_SRCS))

$(A64)/san/kernels_%.o: lib/src/kernels_%.c $(LIB_HDRS) | $(A64)/san/
	$(A64_CC) $(A64_CFLAGS) $(KERNEL_FLAGS_$*) $(SAN_FLAGS) -c -o $@ $<

$(A64)/san/%.o: lib/src/%.c $(LIB_HDRS) | $(A64)/san/
	$(A64_CC) $(A64_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(A64)/san-test_cpu_kernels: tests/lib/test_cpu_kernels.c $(A64_SAN_OBJS) $(LIB_HDRS) \
		tests/tap.h | $(A64)/
	$(A64_CC) $(A64_CFLAGS) $(SAN_FLAGS) -Itests -o $@ $< $(A64_SAN_OBJS) -lm -pthread

.PHONY: aarch64
aarch64: $(A64)/test_cpu_kernels $(A64)/san-test_cpu_kernels

# Built before the suite when the cross compiler is there; when it is not,
# neon.sh reports the failure (a missing tool fails, it never skips).
ifneq ($(shell command -v $(A64_CC) 2>/dev/null),)
check: aarch64
endif
TEST_SCRIPTS += tests/lib/neon.sh
