#!/bin/sh
# Runs inside the emulated board with enpu.ko loaded: the shared models on
# the "accel" backend (chip partitions on the device through the driver)
# must give the same output bytes as the "cpu" backend.  Prints TAP.
cd "$(dirname "$0")/../../.." || exit 1
run=build/tools/enpu-run
shared=${ENPU_SHARED:-$(cd .. && pwd)/shared}
models=$shared/models
images=$shared/images
if [ ! -d "$models" ] || [ ! -d "$images" ]; then
	# Never a silent pass: the comparison is the point of this test.
	echo "not ok 1 - shared models not found under $shared"
	echo "1..1"
	exit 1
fi
tmp=/tmp/accel_models.$$
mkdir -p $tmp
trap 'rm -rf $tmp' EXIT
n=0
fail=0
t() {	# t DESCRIPTION COMMAND...
	d=$1
	shift
	n=$((n + 1))
	if "$@" >$tmp/t.out 2>&1; then
		echo "ok $n - $d"
	else
		echo "not ok $n - $d"
		sed 's/^/# /' $tmp/t.out
		fail=1
	fi
}

# same MODEL INPUT: accel and cpu dump the same output files, byte for byte.
same() {
	rm -rf $tmp/a $tmp/c
	$run "$1" --backend accel --input "$2" --dump $tmp/a --bench 1 >$tmp/a.log || return 1
	# The chip really ran jobs (the device reports its time).
	grep -q "device time per run" $tmp/a.log || { cat $tmp/a.log; return 1; }
	$run "$1" --backend cpu --input "$2" --dump $tmp/c >/dev/null || return 1
	[ -n "$(ls $tmp/c)" ] || return 1
	for f in $tmp/c/*; do
		cmp "$f" "$tmp/a/$(basename "$f")" || return 1
	done
	[ "$(ls $tmp/a)" = "$(ls $tmp/c)" ]
}

echo "1..7"
v1=$models/mobilenet_v1_0.25_128_quant.tflite
v2=$models/mobilenet_v2_1.0_224_quant.tflite
t "mobilenet_v1_0.25_128 grace_hopper: accel = cpu" same $v1 $images/grace_hopper.bmp
t "mobilenet_v1_0.25_128 cat: accel = cpu" same $v1 $images/cat.bmp
head -c $((128 * 128 * 3)) /dev/urandom >$tmp/raw.bin
t "mobilenet_v1_0.25_128 random raw input: accel = cpu" same $v1 $tmp/raw.bin
t "mobilenet_v2_1.0_224 cat: accel = cpu" same $v2 $images/cat.bmp
auto_is_accel() {
	$run $v1 --backend auto --input $images/cat.bmp --bench 1 | grep -q "device time per run"
}
t "auto picks accel when /dev/accel/accel0 is an enpu" auto_is_accel
no_device() {
	out=$(ENPU_ACCEL_DEVICE=/dev/accel/nonexistent $run $v1 --backend accel \
		--input $images/cat.bmp 2>&1)
	[ $? -ne 0 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -q "cannot open"
}
t "accel without the device fails with one line" no_device
clean_dmesg() { ! dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection'; }
t "no oops or WARN in dmesg" clean_dmesg
exit $fail
