# Host tests.  Each test is a TAP-speaking program or script; tests/run-suite
# counts them.  Component fragments may add to TEST_PROGS and TEST_SCRIPTS.

# The chip's datapath and the firmware's decoder, tested on the host.
EMU_TESTS := $(patsubst tests/emu/%.c,$(O)/tests/emu/%,$(wildcard tests/emu/test_*.c))
FW_TESTS := $(patsubst tests/fw/%.c,$(O)/tests/fw/%,$(wildcard tests/fw/test_*.c))
TEST_PROGS += $(EMU_TESTS) $(FW_TESTS)

$(O)/tests/emu/%: tests/emu/%.c tools/enpu-emu/engine.c $(wildcard tests/emu/*.h tools/enpu-emu/*.h hw/*.h tests/tap.h) | $(O)/tests/emu/
	$(CC) $(CFLAGS_COMMON) $(SAN_FLAGS) -Itests -Itools/enpu-emu -Ifirmware/include -o $@ $< tools/enpu-emu/engine.c -lm

$(O)/tests/fw/%: tests/fw/%.c $(FW_SRCS) $(wildcard tests/fw/*.h firmware/*.h hw/*.h tests/tap.h) | $(O)/tests/fw/
	$(CC) $(CFLAGS_COMMON) $(SAN_FLAGS) -Itests -Ifirmware -Ifirmware/include -o $@ $< $(FW_SRCS) -lm

# The chip driven over its real link by a test playing QEMU's part.
CHIP_TESTS := $(patsubst tests/chip/%.c,$(O)/tests/chip/%,$(wildcard tests/chip/test_*.c))
TEST_PROGS += $(CHIP_TESTS)

$(O)/tests/chip/%: tests/chip/%.c tools/common/crc32.c $(wildcard hw/*.h tests/tap.h) $(EMU) $(FW_IMAGE) | $(O)/tests/chip/
	$(CC) $(CFLAGS_COMMON) $(SAN_FLAGS) -Itests -Itools/common -o $@ $< tools/common/crc32.c

# Tests that boot the emulated board (tools/vm/run) live in tests/vm/.
TEST_SCRIPTS += $(sort $(wildcard tests/host/*.sh))
KTEST_SCRIPTS += $(sort $(wildcard tests/vm/*.sh))

# Userspace programs that run inside the emulated board: the kselftest
# uAPI and fault suites (the harness comes from the kernel sources that
# `make deps` unpacks), driven by tests/vm/*.sh.
KSELFTEST_DIR ?= $(firstword $(wildcard /usr/src/linux-source-6.1[2-9]/tools/testing/selftests))
UAPI_CFLAGS := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Ihw -Iuapi/drm \
	-Itools/common $(shell pkg-config --cflags libdrm 2>/dev/null)
DEV_SRCS := tools/common/enpu_dev.c tools/common/ref_conv.c
DEV_HDRS := tools/common/enpu_dev.h tools/common/ref_conv.h hw/enpu1_hw.h hw/enpu1_isa.h uapi/drm/enpu_accel.h
KTEST_PROGS := $(patsubst tests/kernel/%.c,$(O)/tests/kernel/%,$(wildcard tests/kernel/*.c))
ALL_TARGETS += $(KTEST_PROGS)

$(O)/tests/kernel/%: tests/kernel/%.c $(DEV_SRCS) $(DEV_HDRS) | $(O)/tests/kernel/
	@test -n "$(KSELFTEST_DIR)" || { echo "no kselftest harness: run 'make deps'" >&2; exit 1; }
	$(CC) $(UAPI_CFLAGS) -isystem $(KSELFTEST_DIR) -o $@ $< $(DEV_SRCS) -ldrm -lm
