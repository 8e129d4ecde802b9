# libenpu: the userspace library (shared, static, pkg-config file).

LIB_SRCS := lib/src/api.c lib/src/tflite.c lib/src/ops.c lib/src/lstm.c
# One translation unit per ISA, each with its own flags (only scalar today).
LIB_KERNEL_SRCS := lib/src/kernels_scalar.c
LIB_HDRS := $(wildcard lib/include/enpu/*.h lib/src/*.h)
LIB_CFLAGS := $(CFLAGS_COMMON) -Ilib/include -Ilib/src -fPIC -fvisibility=hidden
KERNEL_FLAGS_scalar :=

LIB_OBJS := $(patsubst lib/src/%.c,$(O)/lib/obj/%.o,$(LIB_SRCS) $(LIB_KERNEL_SRCS))
LIB_SAN_OBJS := $(patsubst lib/src/%.c,$(O)/lib/san/%.o,$(LIB_SRCS) $(LIB_KERNEL_SRCS))

ALL_TARGETS += $(O)/lib/libenpu.so $(O)/lib/libenpu.a $(O)/lib/enpu.pc

$(O)/lib/obj/kernels_%.o: lib/src/kernels_%.c $(LIB_HDRS) | $(O)/lib/obj/
	$(CC) $(LIB_CFLAGS) $(KERNEL_FLAGS_$*) -c -o $@ $<

$(O)/lib/obj/%.o: lib/src/%.c $(LIB_HDRS) | $(O)/lib/obj/
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(O)/lib/san/%.o: lib/src/%.c $(LIB_HDRS) | $(O)/lib/san/
	$(CC) $(LIB_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(O)/lib/libenpu.so: $(LIB_OBJS) | $(O)/lib/
	$(CC) -shared -Wl,-soname,libenpu.so.0 -Wl,--no-undefined -o $@ $^ -lm

$(O)/lib/libenpu.a: $(LIB_OBJS) | $(O)/lib/
	rm -f $@ && ar rcs $@ $^

# The sanitizer build of the library, linked into the ASan/UBSan unit tests.
$(O)/lib/libenpu-san.a: $(LIB_SAN_OBJS) | $(O)/lib/
	rm -f $@ && ar rcs $@ $^

$(O)/lib/enpu.pc: lib/enpu.pc.in | $(O)/lib/
	sed -e 's|@PREFIX@|$(or $(PREFIX),/usr/local)|' -e 's|@VERSION@|0.1|' $< >$@

-include tests/lib/tests.mk
