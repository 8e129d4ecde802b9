# Benchmarks: `make bench`, never part of `make check`.
LATENCY := $(O)/tools/enpu-latency
ALL_TARGETS += $(LATENCY)
BENCH_TARGETS += tools/bench/latency.sh

$(LATENCY): tools/bench/enpu-latency.c tools/bench/bench-util.h $(DEV_SRCS) $(DEV_HDRS) | $(O)/tools/
	$(CC) $(UAPI_CFLAGS) -o $@ $< $(DEV_SRCS) -ldrm
# cpu.sh builds cpu-bench and xnn-model itself: they link XNNPACK and oneDNN,
# which nothing outside make bench needs.
BENCH_TARGETS += tools/bench/cpu.sh

# enpu-threads: 1 against N threads on the CPU backend, paired per round
# (cpu.sh runs it for the 2-thread target).
THREADS_BENCH := $(O)/tools/enpu-threads
ALL_TARGETS += $(THREADS_BENCH)

$(THREADS_BENCH): tools/bench/enpu-threads.c tools/bench/bench-util.h lib/include/enpu/enpu.h $(O)/lib/libenpu.a | $(O)/tools/
	$(CC) $(CFLAGS_COMMON) -Ilib/include -o $@ $< $(O)/lib/libenpu.a $(LIB_LIBS)
