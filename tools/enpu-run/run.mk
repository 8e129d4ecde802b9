# enpu-run: the command-line runner over libenpu (linked statically).

RUN_SRCS := tools/enpu-run/enpu-run.c tools/enpu-run/image.c
ALL_TARGETS += $(O)/tools/enpu-run

$(O)/tools/enpu-run: $(RUN_SRCS) tools/enpu-run/image.h lib/include/enpu/enpu.h $(O)/lib/libenpu.a | $(O)/tools/
	$(CC) $(CFLAGS_COMMON) -Ilib/include -o $@ $(RUN_SRCS) $(O)/lib/libenpu.a -lpng -ljpeg $(LIB_LIBS)
