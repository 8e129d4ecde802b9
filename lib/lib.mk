# libenpu: the userspace library (shared, static, pkg-config file).

LIB_SRCS := lib/src/api.c lib/src/tflite.c lib/src/ops.c lib/src/lstm.c
# Runtime dispatch (cpu.c) and the per-operator thread pool.
LIB_SRCS += lib/src/cpu.c lib/src/threadpool.c
# One translation unit per ISA, each with its own flags; cpu.c only enters
# a SIMD one after cpuid/xgetbv say this machine can run it.
LIB_KERNEL_SRCS := lib/src/kernels_scalar.c
ifeq ($(shell uname -m),x86_64)
LIB_KERNEL_SRCS += lib/src/kernels_avx2.c lib/src/kernels_avx512vnni.c
endif
ifeq ($(shell uname -m),aarch64)
LIB_KERNEL_SRCS += lib/src/kernels_neon.c lib/src/kernels_neondot.c
endif
LIB_HDRS := $(wildcard lib/include/enpu/*.h lib/src/*.h)
LIB_CFLAGS := $(CFLAGS_COMMON) -Ilib/include -Ilib/src -fPIC -fvisibility=hidden
KERNEL_FLAGS_scalar :=
KERNEL_FLAGS_avx2 := -mavx2 -mfma
KERNEL_FLAGS_avx512vnni := -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512vnni

LIB_OBJS := $(patsubst lib/src/%.c,$(O)/lib/obj/%.o,$(LIB_SRCS) $(LIB_KERNEL_SRCS))
LIB_SAN_OBJS := $(patsubst lib/src/%.c,$(O)/lib/san/%.o,$(LIB_SRCS) $(LIB_KERNEL_SRCS))

# The graph compiler and the "emu" backend, with the chip's own datapath and
# stream decoder compiled in (objects under dev/, by source path).
LIB_DEV_SRCS := $(sort $(wildcard lib/compiler/*.c lib/runtime/*.c)) \
	tools/enpu-emu/engine.c firmware/decode.c
LIB_DEV_CFLAGS := -Ilib/compiler -Ilib/runtime -Itools/enpu-emu -Ifirmware -Ifirmware/include
# The "accel" backend (lib/runtime/accel.c) talks to the driver through
# libdrm; everything that links libenpu links $(LIB_LIBS).
LIBDRM_CFLAGS := $(or $(shell pkg-config --cflags libdrm 2>/dev/null),-I/usr/include/libdrm)
LIBDRM_LIBS := $(or $(shell pkg-config --libs libdrm 2>/dev/null),-ldrm)
LIB_DEV_CFLAGS += -Iuapi/drm $(LIBDRM_CFLAGS)
LIB_LIBS := -lm -pthread $(LIBDRM_LIBS)
LIB_SRCS += $(LIB_DEV_SRCS)
LIB_CFLAGS += $(LIB_DEV_CFLAGS)
LIB_HDRS += $(wildcard lib/compiler/*.h lib/runtime/*.h tools/enpu-emu/engine*.h firmware/*.h hw/*.h)
LIB_OBJS := $(filter %.o,$(LIB_OBJS)) $(patsubst %.c,$(O)/lib/obj/dev/%.o,$(LIB_DEV_SRCS))
LIB_SAN_OBJS := $(filter %.o,$(LIB_SAN_OBJS)) $(patsubst %.c,$(O)/lib/san/dev/%.o,$(LIB_DEV_SRCS))
$(O)/fuzz/fuzz_model: FUZZ_CC += -Ihw $(LIB_DEV_CFLAGS)

$(O)/lib/obj/dev/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(O)/lib/san/dev/%.o: %.c $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

ALL_TARGETS += $(O)/lib/libenpu.so $(O)/lib/libenpu.a $(O)/lib/enpu.pc

$(O)/lib/obj/kernels_%.o: lib/src/kernels_%.c $(LIB_HDRS) | $(O)/lib/obj/
	$(CC) $(LIB_CFLAGS) $(KERNEL_FLAGS_$*) -c -o $@ $<

$(O)/lib/obj/%.o: lib/src/%.c $(LIB_HDRS) | $(O)/lib/obj/
	$(CC) $(LIB_CFLAGS) -c -o $@ $<

$(O)/lib/san/kernels_%.o: lib/src/kernels_%.c $(LIB_HDRS) | $(O)/lib/san/
	$(CC) $(LIB_CFLAGS) $(KERNEL_FLAGS_$*) $(SAN_FLAGS) -c -o $@ $<

$(O)/lib/san/%.o: lib/src/%.c $(LIB_HDRS) | $(O)/lib/san/
	$(CC) $(LIB_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(O)/lib/libenpu.so: $(LIB_OBJS) | $(O)/lib/
	$(CC) -shared -Wl,-soname,libenpu.so.0 -Wl,--no-undefined -o $@ $^ $(LIB_LIBS)

$(O)/lib/libenpu.a: $(LIB_OBJS) | $(O)/lib/
	rm -f $@ && ar rcs $@ $^

# The sanitizer build of the library, linked into the ASan/UBSan unit tests.
$(O)/lib/libenpu-san.a: $(LIB_SAN_OBJS) | $(O)/lib/
	rm -f $@ && ar rcs $@ $^

$(O)/lib/enpu.pc: lib/enpu.pc.in | $(O)/lib/
	sed -e 's|@PREFIX@|$(or $(PREFIX),/usr/local)|' -e 's|@VERSION@|0.1|' $< >$@

-include tests/lib/tests.mk
include lib/cross.mk
