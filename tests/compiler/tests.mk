# Graph compiler and emu backend tests (included through lib/compiler/compiler.mk).
TEST_PROGS += $(O)/tests/compiler/test_compiler
TEST_SCRIPTS += tests/compiler/compile.sh

$(O)/tests/compiler/test_compiler: tests/compiler/test_compiler.c $(O)/lib/libenpu.a $(LIB_HDRS) tests/tap.h | $(O)/tests/compiler/
	$(CC) $(CFLAGS_COMMON) -Itests -Ilib/include -Ilib/src $(LIB_DEV_CFLAGS) -o $@ $< $(O)/lib/libenpu.a $(LIB_LIBS)

check: $(O)/tools/enpu-compile $(O)/tools/enpu-run
