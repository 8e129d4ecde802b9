#!/bin/bash
# SPDX-License-Identifier: MIT
# enpu-compile and enpu-run --backend emu end to end: on the shared images the
# emu backend writes the same output bytes as the cpu backend (in each
# requantization mode), compiled files are deterministic and disassemble
# without a decode error, and the report for mobilenet_v2 places every op,
# SOFTMAX included, on the chip and prints the cycles/roofline ratio.
set -u
cd "$(dirname "$0")/../.."
B=${ENPU_BUILD:-build}
RUN=$B/tools/enpu-run
CC_=$B/tools/enpu-compile
SHARED=${ENPU_SHARED:-../shared}
M=$SHARED/models
I=$SHARED/images
n=0
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if eval "$d"; then ok "$@"; else nok "$@"; fi; }

check '[ -x "$RUN" ] && [ -x "$CC_" ]' "enpu-run and enpu-compile are built"

same_run() { # MODEL IMAGE REQUANT
	local tag
	tag=$(basename "$1" .tflite)-$(basename "$2")-$3
	"$RUN" "$M/$1" --input "$I/$2" --backend cpu --requant "$3" --dump "$W/$tag.cpu" >/dev/null 2>&1 &&
	"$RUN" "$M/$1" --input "$I/$2" --backend emu --requant "$3" --dump "$W/$tag.emu" >/dev/null 2>&1 &&
	for f in "$W/$tag.cpu"/*.bin; do cmp -s "$f" "$W/$tag.emu/$(basename "$f")" || return 1; done
}
for mode in tflite gemmlowp fp32; do
	for pair in mobilenet_v1_0.25_128_quant.tflite:cat.bmp mobilenet_v2_1.0_224_quant.tflite:grace_hopper.bmp \
		    tf2_mobilenet_v2_1.0_224_ptq.tflite:cat.bmp deeplabv3_mnv2_dm05_pascal_quant.tflite:dog_segmentation.bmp; do
		[ "$mode" != tflite ] && [ "${pair%%:*}" = deeplabv3_mnv2_dm05_pascal_quant.tflite ] && continue
		check "same_run ${pair%%:*} ${pair##*:} $mode" \
			"enpu-run --backend emu = cpu on ${pair##*:} with ${pair%%:*} (--requant $mode)"
	done
done
check "same_run keras_lstm_mnist_ptq.tflite mnist_nine.bmp tflite" "enpu-run --backend emu = cpu on the LSTM model"
check "\"$RUN\" \"$M/mobilenet_v2_1.0_224_quant.tflite\" --input \"$I/cat.bmp\" --backend auto --top 1 >/dev/null" \
	"--backend auto runs (no chip present: the CPU)"
check "\"$RUN\" \"$M/mobilenet_v2_1.0_224_quant.tflite\" --input \"$I/cat.bmp\" --backend emu --bench 2 | grep -q '^device time per run: [0-9.]* ms'" \
	"--bench shows the modeled device time beside wall time"

MV2=$M/mobilenet_v2_1.0_224_quant.tflite
"$CC_" "$MV2" -o "$W/a.enpu" --report >"$W/report.txt" 2>&1
"$CC_" "$MV2" -o "$W/b.enpu" >/dev/null 2>&1
check 'cmp -s "$W/a.enpu" "$W/b.enpu"' "enpu-compile output is deterministic"
check 'head -c 8 "$W/a.enpu" | grep -q ENPUCMDL' "compiled file starts with its magic"
check 'grep -q "^placement: 66 of 66 ops on the chip, 0 on the CPU, 1 partitions" "$W/report.txt"' \
	"mobilenet_v2: 66 of 66 ops on the chip, one partition"
check 'grep -q "SOFTMAX *chip .* [0-9]\.[0-9]*  bit-exact" "$W/report.txt"' \
	"mobilenet_v2: SOFTMAX on the chip, with its cycles, ratio and reason"
"$CC_" "$MV2" --caps 700ff --report >"$W/old.txt" 2>&1
check 'grep -q "^placement: 65 of 66 ops on the chip, 1 on the CPU" "$W/old.txt" && grep -q "SOFTMAX *CPU.*does not offer SOFTMAX" "$W/old.txt"' \
	"mobilenet_v2 for a firmware without SOFTMAX (caps 700ff): SOFTMAX on the CPU, saying why"
check 'grep -q "^roofline/cycles ratio: 0\.[0-9]*" "$W/report.txt" && grep -q "^modeled device cycles: [1-9]" "$W/report.txt"' \
	"the report prints modeled cycles and the roofline ratio"
"$CC_" --disasm "$W/a.enpu" >"$W/dis.txt" 2>&1
check '[ $? -eq 0 ] && grep -q "conv .*ifm" "$W/dis.txt" && grep -q "DMA_VA_LO" "$W/dis.txt" && ! grep -q "decode stops" "$W/dis.txt"' \
	"the disassembler prints every stream without a decode error"
check 'grep -q "softmax *ifm 1x1x1001 @0x[0-9a-f]* -> ofm 1x1x1001 @0x[0-9a-f]* uint8 table @0x[0-9a-f]* out_scale 0.00390625 zp 0" "$W/dis.txt" && grep -q "SOFTMAX_OUT_SCALE=0x3b800000" "$W/dis.txt"' \
	"the disassembler shows SOFTMAX with its shape, type, table, output scale and zero point"
printf '\x02\x00\x00\x00' >"$W/end.bin"
check '"$CC_" --disasm "$W/end.bin" | grep -q " end"' "the disassembler reads a raw stream"
printf '\x55\x00\x00\x00' >"$W/bad.bin"
check '! "$CC_" --disasm "$W/bad.bin" >/dev/null' "a raw stream with an invalid opcode is reported as a decode error"
echo "1..$n"
