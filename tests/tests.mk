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

# Tests that boot the emulated board (tools/vm/run) live in tests/vm/.
TEST_SCRIPTS += $(sort $(wildcard tests/host/*.sh))
KTEST_SCRIPTS += $(sort $(wildcard tests/vm/*.sh))
