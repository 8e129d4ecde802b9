#!/bin/bash
# SPDX-License-Identifier: MIT
# Every model in ../shared/models through enpu-run --backend cpu, compared
# byte for byte with TFLite itself (tflite-ref) on the same raw input bytes,
# and within a documented tolerance with Arm NN's CpuRef (second opinion).
# Classifiers must put class 286 in their top 3 for cat.bmp.  A missing
# reference interpreter is a failure, never a skip.
set -u
cd "$(dirname "$0")/../.."
B=${ENPU_BUILD:-build}
RUN=$B/tools/enpu-run
SHARED=${ENPU_SHARED:-../shared}
M=$SHARED/models
TFL_DIR=${ENPU_TFLITE_REF_DIR:-/opt/enpu/tflite-ref}
TFL="$SHARED/tools/tflite-ref/tflite-ref.js"
# Arm NN CpuRef differs from TFLite by up to this many LSB (measured, see
# Documentation/lib/cpu-reference.rst).
ARMNN_TOL=4
n=0
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if eval "$d"; then ok "$@"; else nok "$@"; fi; }

tflite() { NODE_PATH=$TFL_DIR/node_modules node "$TFL" "$@"; }

check '[ -x "$RUN" ]' "enpu-run is built ($RUN)"
check '[ -d "$M" ]' "shared models are at $M"
check 'command -v node >/dev/null && [ -d "$TFL_DIR/node_modules/@tensorflow/tfjs-tflite" ]' \
	"TFLite reference installed (node + $TFL_DIR)"
check '/usr/bin/python3 -c "import pyarmnn, numpy" 2>/dev/null' "pyarmnn is importable"

# bytes N SEED FILE: deterministic pseudo-random bytes.
bytes() { python3 -c "import random,sys; random.seed($2); sys.stdout.buffer.write(bytes(random.randrange(256) for _ in range($1)))" >"$3"; }

# cmp_bin A B TYPE: prints "same" or the max |difference| in LSB.
cmp_bin() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys, struct
a = open(sys.argv[1], 'rb').read(); b = open(sys.argv[2], 'rb').read()
fmt = {'uint8': 'B', 'int8': 'b'}.get(sys.argv[3], 'B')
if len(a) != len(b):
    print('length %d vs %d' % (len(a), len(b))); sys.exit()
x = struct.unpack('%d%s' % (len(a), fmt), a); y = struct.unpack('%d%s' % (len(b), fmt), b)
d = [abs(p - q) for p, q in zip(x, y)]
m = max(d) if d else 0
print('same' if m == 0 else 'max %d LSB, %d of %d differ' % (m, sum(1 for v in d if v), len(d)))
EOF
}

# A model whose output 0 is the ARG_MAX int64 map: compare the tensor before it.
patch_output() {
	python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
u32 = lambda o: struct.unpack_from('<I', d, o)[0]
def field(t, i):
    vt = t - struct.unpack_from('<i', d, t)[0]
    return t + struct.unpack_from('<H', d, vt + 4 + 2 * i)[0]
ref = lambda o: o + u32(o)
root = u32(0); sgv = ref(field(root, 2)); sg = ref(sgv + 4)
outs = ref(field(sg, 2))
struct.pack_into('<i', d, outs + 4, int(sys.argv[3]))
open(sys.argv[2], 'wb').write(d)
EOF
}

run_compare() { # MODEL LABEL SEED [INPUT.bin: used instead of random bytes]
	local model=$1 label=$2 seed=$3 given=${4:-}
	local info ins="" eins="" i=0
	info=$(tflite --info "$model" 2>&1) || { nok "$label: tflite-ref --info failed: $info"; return; }
	local shapes
	shapes=$(echo "$info" | python3 -c "
import json, sys, math
j = json.load(sys.stdin)
for t in j['inputs']: print(math.prod(t['shape']) * {'uint8': 1, 'int8': 1, 'float32': 4}.get(t['type'], 1))
print('OUT', ' '.join(t['type'] for t in j['outputs']))")
	local types
	types=$(echo "$shapes" | sed -n 's/^OUT //p')
	for sz in $(echo "$shapes" | grep -v '^OUT'); do
		if [ -n "$given" ]; then
			cp "$given" "$W/in$i.bin"
		else
			bytes "$sz" "$((seed * 10 + i))" "$W/in$i.bin"
		fi
		ins="$ins $W/in$i.bin"
		eins="$eins --input $W/in$i.bin"
		i=$((i + 1))
	done
	rm -rf "$W/ref" "$W/enpu" "$W/armnn"
	mkdir -p "$W/ref" "$W/enpu" "$W/armnn"
	local err
	if ! err=$(tflite "$model" $ins "$W/ref" 2>&1); then
		nok "$label: tflite-ref failed: $err"
		return
	fi
	if ! err=$("$RUN" "$model" $eins --dump "$W/enpu" 2>&1 >/dev/null); then
		nok "$label: enpu-run failed: $err"
		return
	fi
	local k=0 allsame=1 msg=""
	for t in $types; do
		local r
		r=$(cmp_bin "$W/ref/output$k.bin" "$W/enpu/output$k.bin" "$t")
		[ "$r" = same ] || { allsame=0; msg="$msg output$k: $r;"; }
		k=$((k + 1))
	done
	check "[ $allsame = 1 ]" "$label: all $k outputs byte-identical to TFLite $msg"
	if [ -n "${NO_ARMNN:-}" ]; then
		echo "# $label: Arm NN 20.08 cannot parse this model ($NO_ARMNN): not compared"
	elif err=$(/usr/bin/python3 tests/lib/armnn_run.py "$model" "$W/armnn" $ins 2>&1); then
		k=0
		local worst=0
		for t in $types; do
			local r d
			r=$(cmp_bin "$W/armnn/output$k.bin" "$W/enpu/output$k.bin" "$t")
			d=$(echo "$r" | sed -n 's/^max \([0-9]*\) LSB.*/\1/p')
			[ -n "$d" ] && [ "$d" -gt "$worst" ] && worst=$d
			echo "# $label output$k vs Arm NN CpuRef: $r"
			k=$((k + 1))
		done
		check "[ $worst -le $ARMNN_TOL ]" "$label: within $ARMNN_TOL LSB of Arm NN CpuRef (max $worst)"
	else
		nok "$label: Arm NN failed: $(echo "$err" | grep -v Skipped | tail -n1)"
	fi
}

for m in mobilenet_v1_0.25_128_quant mobilenet_v2_1.0_224_quant tf2_mobilenet_v2_1.0_224_ptq; do
	out=$("$RUN" "$M/$m.tflite" --input "$SHARED/images/cat.bmp" --top 3 2>&1)
	check 'echo "$out" | grep -q "class 286 "' "$m: class 286 in the top 3 for cat.bmp"
	for seed in 1 2; do
		run_compare "$M/$m.tflite" "$m (random input $seed)" $seed
	done
done

run_compare "$M/split_concat.tflite" "split_concat (3 inputs, 5 outputs)" 3
# The integer LSTM: the classifier output and the LSTM's own int8 output
# (tensor 24, [1,28,20], made the model output) on mnist_nine.bmp's pixels
# and on random rows.  Arm NN 20.08 has no UNIDIRECTIONAL_SEQUENCE_LSTM:
# that is checked, so that a newer Arm NN able to run it gets noticed.
lstm=$M/keras_lstm_mnist_ptq.tflite
python3 - "$SHARED/images/mnist_nine.bmp" "$W/nine.bin" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, = struct.unpack_from('<I', d, 10)
w, h = struct.unpack_from('<ii', d, 18)
bpp, = struct.unpack_from('<H', d, 28)
assert (w, h, bpp) == (28, 28, 8), 'mnist_nine.bmp: expected 28x28 8-bit'
pal, stride = d[54:off], (w + 3) & ~3
out = bytearray()
for y in range(h):  # bottom-up rows; gray as enpu-run computes it
    row = d[off + (h - 1 - y) * stride:][:w]
    out += bytes(int(0.299 * pal[4 * i + 2] + 0.587 * pal[4 * i + 1] + 0.114 * pal[4 * i] + 0.5) for i in row)
open(sys.argv[2], 'wb').write(out)
EOF
out=$("$RUN" "$lstm" --input "$SHARED/images/mnist_nine.bmp" --top 1 2>&1)
check 'echo "$out" | grep -q "1: class 9 "' "keras_lstm_mnist_ptq: predicts 9 for mnist_nine.bmp"
"$RUN" "$lstm" --input "$W/nine.bin" --dump "$W/nine_raw" >/dev/null 2>&1
"$RUN" "$lstm" --input "$SHARED/images/mnist_nine.bmp" --dump "$W/nine_bmp" >/dev/null 2>&1
check 'cmp -s "$W/nine_raw/output0.bin" "$W/nine_bmp/output0.bin"' \
	"keras_lstm_mnist_ptq: the raw pixels fed to TFLite are what enpu-run reads from the BMP"
rm -rf "$W/nine_ref" && mkdir -p "$W/nine_ref"
tflite "$lstm" "$W/nine.bin" "$W/nine_ref" >/dev/null 2>&1
check 'python3 -c "import sys; d = open(sys.argv[1], \"rb\").read(); sys.exit(0 if len(d) == 10 and max(range(10), key=lambda i: d[i]) == 9 else 1)" "$W/nine_ref/output0.bin"' \
	"keras_lstm_mnist_ptq: TFLite predicts 9 for mnist_nine.bmp as well"
NOARM="no UNIDIRECTIONAL_SEQUENCE_LSTM"
NO_ARMNN=$NOARM run_compare "$lstm" "keras_lstm_mnist_ptq (mnist_nine.bmp)" 0 "$W/nine.bin"
patch_output "$lstm" "$W/lstm_out.tflite" 24
NO_ARMNN=$NOARM run_compare "$W/lstm_out.tflite" "LSTM output tensor 24 (mnist_nine.bmp)" 0 "$W/nine.bin"
for seed in 1 2 3 4; do
	NO_ARMNN=$NOARM run_compare "$W/lstm_out.tflite" "LSTM output tensor 24 (random input $seed)" $seed
done
NO_ARMNN=$NOARM run_compare "$lstm" "keras_lstm_mnist_ptq (random input 5)" 5
err=$(/usr/bin/python3 tests/lib/armnn_run.py "$lstm" "$W" "$W/nine.bin" 2>&1)
rc=$?
check '[ $rc -ne 0 ] && echo "$err" | grep -q UNIDIRECTIONAL_SEQUENCE_LSTM' \
	"Arm NN 20.08 cannot run the LSTM model (no second opinion for it)"

# deeplab: compare the logits map before ARG_MAX, then ARG_MAX itself.
dl=$M/deeplabv3_mnv2_dm05_pascal_quant.tflite
patch_output "$dl" "$W/deeplab_logits.tflite" 184
NO_ARMNN="no ARG_MAX" run_compare "$W/deeplab_logits.tflite" "deeplabv3 logits (tensor 184)" 5
"$RUN" "$dl" --input "$W/in0.bin" --dump "$W/dl" >/dev/null 2>&1
check 'python3 - "$W/enpu/output0.bin" "$W/dl/output0.bin" <<EOF
import sys, struct
lg = open(sys.argv[1], "rb").read(); am = open(sys.argv[2], "rb").read()
n = len(lg) // 21
idx = struct.unpack("<%dq" % n, am)
want = [max(range(21), key=lambda c: (lg[i * 21 + c], -c)) for i in range(n)]
sys.exit(0 if list(idx) == want else 1)
EOF' "deeplabv3: ARG_MAX output equals the argmax of TFLite's logits"
out=$("$RUN" "$dl" --input "$SHARED/images/dog_segmentation.bmp" --json 2>&1)
check 'echo "$out" | grep -q "\"shape\":\[1,513,513\]"' "deeplabv3 runs on dog_segmentation.bmp"

for m in model_invoking_error:fake-op-double mobilenet_v1_0.25_128_quant_edgetpu:edgetpu-custom-op; do
	f=${m%%:*}
	op=${m#*:}
	err=$("$RUN" "$M/$f.tflite" 2>&1 >/dev/null)
	rc=$?
	check '[ $rc -ne 0 ] && [ $(echo "$err" | wc -l) = 1 ] && echo "$err" | grep -q "custom op .$op."' \
		"$f is refused in one line naming '$op': $err"
done

echo "1..$n"
