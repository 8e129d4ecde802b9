#!/bin/sh
# Runs inside the emulated board: generated models (not from ../shared),
# each run with --backend accel (chip partitions through the driver) and
# --backend cpu on the same input; outputs must be equal byte for byte.
# Usage: accel_random.sh DIR (DIR holds mN.tflite, mN.bin, mN.json).
dir=$1
run=build/tools/enpu-run
n=0
for m in "$dir"/m*.tflite; do
	base=${m%.tflite}
	n=$((n + 1))
	ops=$(sed -n 's/.*"ops": \[\(.*\)\], "inputs".*/\1/p' "$base.json" | tr -d '"')
	rm -rf /tmp/a /tmp/c
	mkdir -p /tmp/a /tmp/c
	if ! $run "$m" --backend accel --input "$base.bin" --dump /tmp/a --bench 1 >/tmp/a.log 2>&1; then
		echo "not ok $n - $(basename "$m") [$ops]: accel run failed"
		sed 's/^/# /' /tmp/a.log
		continue
	fi
	if ! $run "$m" --backend cpu --input "$base.bin" --dump /tmp/c >/tmp/c.log 2>&1; then
		echo "not ok $n - $(basename "$m") [$ops]: cpu run failed"
		sed 's/^/# /' /tmp/c.log
		continue
	fi
	chip=$(sed -n 's/.*\([0-9][0-9]*\) ops on the chip.*/\1/p' /tmp/a.log | head -n1)
	same=1
	for f in /tmp/c/output*.bin; do
		cmp -s "$f" "/tmp/a/$(basename "$f")" || same=0
	done
	if [ $same = 1 ] && [ -n "$(ls /tmp/c)" ]; then
		echo "ok $n - $(basename "$m") [$ops]: accel == cpu (${chip:-0} ops on the chip)"
	else
		echo "not ok $n - $(basename "$m") [$ops]: accel and cpu outputs differ"
	fi
done
echo "1..$n"
