# enpu-compile: the graph compiler's command-line front end and disassembler,
# linked statically against libenpu (it uses the compiler's internal API).
COMPILE_TOOL := $(O)/tools/enpu-compile
ALL_TARGETS += $(COMPILE_TOOL)

$(COMPILE_TOOL): tools/enpu-compile/enpu-compile.c $(LIB_HDRS) $(O)/lib/libenpu.a | $(O)/tools/
	$(CC) $(CFLAGS_COMMON) -Ilib/include -Ilib/src $(LIB_DEV_CFLAGS) -o $@ $< $(O)/lib/libenpu.a $(LIB_LIBS)
