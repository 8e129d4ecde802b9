# libenpu tests (included from lib/lib.mk).  Each unit test is built twice:
# plainly and with ASan+UBSan against the sanitizer build of the library.

LIB_TESTS := $(patsubst tests/lib/%.c,%,$(wildcard tests/lib/test_*.c))
LIB_TEST_CFLAGS := $(CFLAGS_COMMON) -Itests -Ilib/include -Ilib/src

TEST_PROGS += $(addprefix $(O)/tests/lib/,$(LIB_TESTS)) $(addprefix $(O)/tests/lib/san-,$(LIB_TESTS))
TEST_SCRIPTS += tests/lib/models.sh tests/lib/mutate.sh tests/lib/fuzz.sh

$(O)/tests/lib/test_%: tests/lib/test_%.c $(O)/lib/libenpu.a $(LIB_HDRS) tests/tap.h $(wildcard tests/lib/*.h tests/lib/*.inc) | $(O)/tests/lib/
	$(CC) $(LIB_TEST_CFLAGS) -o $@ $< $(O)/lib/libenpu.a $(LIB_LIBS)

$(O)/tests/lib/san-test_%: tests/lib/test_%.c $(O)/lib/libenpu-san.a $(LIB_HDRS) tests/tap.h $(wildcard tests/lib/*.h tests/lib/*.inc) | $(O)/tests/lib/
	$(CC) $(LIB_TEST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(O)/lib/libenpu-san.a $(LIB_LIBS)

# The libFuzzer target needs clang; tests/lib/fuzz.sh fails loudly without it.
FUZZ_CC ?= clang
$(O)/fuzz/fuzz_model: fuzz/fuzz_model.c $(LIB_SRCS) $(LIB_KERNEL_SRCS) $(LIB_HDRS) | $(O)/fuzz/
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -O1 -g -Ilib/include -Ilib/src \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -o $@ \
		fuzz/fuzz_model.c $(LIB_SRCS) $(LIB_KERNEL_SRCS) $(LIB_LIBS)

# Scripts find the build through this; tools they need are prerequisites of check.
export ENPU_BUILD := $(O)
check: $(O)/tools/enpu-run $(O)/fuzz/fuzz_model
TEST_SCRIPTS += tests/lib/random_models.sh
# tests/vm/guest/accel_shared.sh runs test_multi on the device, so
# `make check-kernel` (build-all only) needs it too.
ALL_TARGETS += $(O)/tests/lib/test_multi
