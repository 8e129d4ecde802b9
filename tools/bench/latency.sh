#!/bin/sh
# make bench: driver latency on the emulated board (not a test: numbers
# under TCG emulation are only meaningful as ratios within one run).
cd "$(dirname "$0")/../.." || exit 1
echo "enpu driver latency, ${ENPU_BENCH_JOBS:-500} jobs per measurement, emulated board (QEMU TCG)"
exec tools/vm/run -- build/tools/enpu-latency "${ENPU_BENCH_JOBS:-500}"
