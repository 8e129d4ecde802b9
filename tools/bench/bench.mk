# Benchmarks: `make bench`, never part of `make check`.
LATENCY := $(O)/tools/enpu-latency
ALL_TARGETS += $(LATENCY)
BENCH_TARGETS += tools/bench/latency.sh

$(LATENCY): tools/bench/enpu-latency.c $(DEV_SRCS) $(DEV_HDRS) | $(O)/tools/
	$(CC) $(UAPI_CFLAGS) -o $@ $< $(DEV_SRCS) -ldrm
# cpu.sh builds cpu-bench and xnn-model itself: they link XNNPACK and oneDNN,
# which nothing outside make bench needs.
BENCH_TARGETS += tools/bench/cpu.sh
