#!/bin/sh
# Runs inside the emulated board: generated models (not from ../shared),
# each run with --backend accel (chip partitions through the driver) on the
# input bytes test_driver.sh made; the outputs must be, byte for byte, what
# --backend cpu wrote on the HOST (DIR/mN.cpu/, made before the VM booted
# and read here over the 9p share): the chip against the host's CPU, not
# against the guest's own run of the same code.
# Usage: accel_random.sh DIR (DIR holds mN.tflite, mN.inK.bin, mN.json, mN.cpu/).
dir=$1
run=build/tools/enpu-run
tmp=/tmp/accel_random.$$
trap 'rm -rf $tmp' EXIT
n=0
fail=0
for m in "$dir"/m*.tflite; do
	base=${m%.tflite}
	name=$(basename "$m")
	n=$((n + 1))
	ops=$(sed -n 's/.*"ops": \[\(.*\)\], "inputs".*/\1/p' "$base.json" | tr -d '"')
	ins=""
	for f in "$base".in*.bin; do
		ins="$ins --input $f"
	done
	rm -rf $tmp
	mkdir -p $tmp
	if [ ! -f "$base.cpu/output0.bin" ]; then
		echo "not ok $n - $name [$ops]: no host cpu output in $base.cpu"
		fail=1
		continue
	fi
	# shellcheck disable=SC2086 # one word per --input and file
	if ! $run "$m" $ins --backend accel --dump $tmp/a --bench 1 >$tmp/a.log 2>&1; then
		echo "not ok $n - $name [$ops]: accel run failed"
		sed 's/^/# /' $tmp/a.log
		fail=1
		continue
	fi
	chip=$(sed -n 's/.* \([0-9][0-9]*\) ops on the chip.*/\1/p' $tmp/a.log | head -n1)
	same=1
	for f in "$base".cpu/output*.bin; do
		cmp -s "$f" "$tmp/a/$(basename "$f")" || same=0
	done
	[ "$(ls "$base.cpu")" = "$(ls $tmp/a)" ] || same=0
	if [ $same = 1 ]; then
		echo "ok $n - $name [$ops]: accel in the VM == cpu on the host (${chip:-0} ops on the chip)"
	else
		echo "not ok $n - $name [$ops]: accel in the VM and cpu on the host differ"
		for f in "$base".cpu/output*.bin; do
			cmp "$f" "$tmp/a/$(basename "$f")" 2>&1 | sed 's/^/# /'
		done
		fail=1
	fi
done
echo "1..$n"
exit $fail
