#!/bin/bash
# SPDX-License-Identifier: MIT
# Mutation smoke test: thousands of mutated copies of real models through
# enpu-run.  None may die by a signal; each refusal must be exactly one line.
set -u
cd "$(dirname "$0")/../.."
B=${ENPU_BUILD:-build}
RUN=$B/tools/enpu-run
N=${ENPU_MUTATIONS:-3000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
seeds="tests/models/good_conv.tflite"
for m in split_concat mobilenet_v1_0.25_128_quant keras_lstm_mnist_ptq; do
	[ -f "../shared/models/$m.tflite" ] && seeds="$seeds ../shared/models/$m.tflite"
done
# Mutants are written by a small generator, then run in order.
python3 - "$W" "$N" $seeds <<'PY'
import os, random, struct, sys
out, n, seeds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
data = [open(s, 'rb').read() for s in seeds]
r = random.Random(20240601)
for i in range(n):
    d = bytearray(data[i % len(data)])
    kind = r.randrange(5)
    if kind == 0:  # flip bytes in the first 4 KiB (tables, vtables, offsets)
        for _ in range(r.randint(1, 8)):
            d[r.randrange(min(len(d), 4096))] = r.randrange(256)
    elif kind == 1:  # truncate
        d = d[:r.randrange(len(d))]
    elif kind == 2:  # plant a boundary integer anywhere
        p = r.randrange(max(1, len(d) - 4))
        struct.pack_into('<i', d, p, r.choice([-1, 0, 1, 0x7fffffff, -0x80000000, 0xffff, len(d)]))
    elif kind == 3:  # flip bytes anywhere
        for _ in range(r.randint(1, 32)):
            d[r.randrange(len(d))] ^= 1 << r.randrange(8)
    else:  # duplicate a chunk
        a = r.randrange(len(d)); b = min(len(d), a + r.randint(1, 256))
        d = d[:a] + d[a:b] + d[a:]
    open(os.path.join(out, 'm%05d.tflite' % i), 'wb').write(d)
PY
signals=0 multiline=0 refused=0 ran=0 first=""
for f in "$W"/m*.tflite; do
	err=$(timeout 20 "$RUN" "$f" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ge 124 ]; then
		signals=$((signals + 1))
		[ -n "$first" ] || first="$f (exit $rc)"
		cp "$f" "$B/tests/lib/mutant-failure.tflite" 2>/dev/null
	elif [ $rc -ne 0 ]; then
		refused=$((refused + 1))
		if [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ] || [ -z "$err" ]; then
			multiline=$((multiline + 1))
			[ -n "$first" ] || first="$f: '$err'"
		fi
	else
		ran=$((ran + 1))
	fi
done
echo "# $N mutants: $refused refused, $ran ran, $signals killed or hung, $multiline bad messages"
[ -z "$first" ] || echo "# first problem: $first"
[ $signals -eq 0 ] && echo "ok 1 - no mutant killed enpu-run by a signal or hung" ||
	echo "not ok 1 - $signals mutants killed enpu-run or hung"
[ $multiline -eq 0 ] && echo "ok 2 - every refusal was exactly one line" ||
	echo "not ok 2 - $multiline refusals were not one line"
[ $refused -gt $((N / 4)) ] && echo "ok 3 - the mutants mostly exercise refusals ($refused)" ||
	echo "not ok 3 - only $refused refusals: mutation is not reaching the checks"
