#!/bin/bash
# SPDX-License-Identifier: MIT
# CPU kernel benchmark (make bench): vpdpbusd peak, per-layer MobileNet v2
# shapes per kernel level, then whole-model latency of the CPU backend per
# level and thread count through enpu-run --bench (median of 3 runs of 30).
set -eu
cd "$(dirname "$0")/../.."
B=${ENPU_BUILD:-build}
M=${ENPU_SHARED:-../shared}/models
mkdir -p "$B/tools"
${CC:-gcc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Ilib/include -Ilib/src \
	-o "$B/tools/cpu-bench" tools/bench/cpu-bench.c "$B/lib/libenpu.a" -lm -pthread -ldrm
"$B/tools/cpu-bench"
echo
p50() { sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p'; }
for model in mobilenet_v2_1.0_224_quant tf2_mobilenet_v2_1.0_224_ptq mobilenet_v1_0.25_128_quant; do
	for isa in scalar avx2 avx512vnni; do
		for t in 1 2; do
			[ $isa = scalar ] && [ $t = 2 ] && continue
			n=30; [ $isa = scalar ] && n=3
			runs=$(for r in 1 2 3; do ENPU_ISA=$isa "$B/tools/enpu-run" "$M/$model.tflite" \
				--threads $t --bench $n 2>&1 | p50; done | sort -n | sed -n 2p)
			printf '%-32s %-11s %d thread(s): median p50 %s ms\n' "$model" $isa $t "$runs"
		done
	done
done
