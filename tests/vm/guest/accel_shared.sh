#!/bin/sh
# Runs inside the emulated board with enpu.ko loaded: several processes
# share the one chip through libenpu, and the compiled-model cache works on
# the device.  Every output is compared with the bytes --backend cpu wrote
# on the HOST (test_driver.sh puts them in DIR before the VM boots).
#
#  - five enpu-run --backend accel processes at once (four models, one of
#    them twice so that two processes race to write the same cache entry),
#    each invoking LOOPS times with --expect (every invoke's outputs, not
#    only the last, must be the host's bytes), plus test_multi in a sixth
#    process: two models and a second interpreter of one of them alive in
#    one process, then two threads with their own interpreters;
#  - the cache on a tmpfs ($ENPU_CACHE_DIR): the racing writers leave valid
#    entries only, later runs hit, a corrupt entry is rebuilt, a read-only
#    or impossible directory just means no cache.
# Prints TAP.  Usage: accel_shared.sh DIR
cd "$(dirname "$0")/../../.." || exit 1
dir=$1
run=build/tools/enpu-run
multi=build/tests/lib/test_multi
shared=${ENPU_SHARED:-$(cd .. && pwd)/shared}
v1=$shared/models/mobilenet_v1_0.25_128_quant.tflite
v2=$shared/models/mobilenet_v2_1.0_224_quant.tflite
img=$shared/images/cat.bmp
loops=4
tmp=/tmp/accel_shared.$$
cache=$tmp/cache
mkdir -p $tmp
trap 'rm -rf $tmp' EXIT
export ENPU_CACHE_DIR=$cache
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
	[ -s $tmp/diag ] && sed 's/^/# /' $tmp/diag
	rm -f $tmp/diag
}

echo "1..15"

# The five enpu-run jobs: NAME MODEL REFDIR INPUT...
set -- \
	"v1 $v1 $dir/v1_cat.cpu $img" \
	"v2 $v2 $dir/v2_cat.cpu $img" \
	"m01 $dir/m01.tflite $dir/m01.cpu $(ls $dir/m01.in*.bin)" \
	"m02 $dir/m02.tflite $dir/m02.cpu $(ls $dir/m02.in*.bin)" \
	"v1again $v1 $dir/v1_cat.cpu $img"
start() {	# start NAME MODEL REFDIR INPUT...
	name=$1 model=$2 ref=$3
	shift 3
	ins=""
	for f; do ins="$ins --input $f"; done
	# shellcheck disable=SC2086 # one word per --input and file
	( $run $model $ins --backend accel --bench $loops --expect $ref >$tmp/$name.log 2>&1
	  echo $? >$tmp/$name.rc ) &
}
for j in "$@"; do
	# shellcheck disable=SC2086 # NAME MODEL REFDIR INPUT...
	start $j
done
( ENPU_TEST_BACKEND=accel ENPU_TEST_MODELS=$v1:$v2 ENPU_TEST_ROUNDS=2 $multi >$tmp/multi.log 2>&1
  echo $? >$tmp/multi.rc ) &
wait

job_ok() {	# job_ok NAME: ran every loop, each = the host's bytes, chip jobs ran
	cat $tmp/$1.log
	[ "$(cat $tmp/$1.rc)" = 0 ] && grep -q "device time per run" $tmp/$1.log
}
for j in v1 v2 m01 m02 v1again; do
	t "$j: $loops invokes on the shared chip, 5 other processes running, each = host cpu bytes" \
		job_ok $j
done
multi_ok() {
	cat $tmp/multi.log
	[ "$(cat $tmp/multi.rc)" = 0 ] && grep -q '^1\.\.[1-9]' $tmp/multi.log &&
		! grep -q '^not ok' $tmp/multi.log
}
t "one process, several interpreters (test_multi: two models at once, threads)" multi_ok

entries() { ls $cache/*.enpuc 2>/dev/null | wc -l; }
cache_clean() {
	ls -la $cache
	[ "$(entries)" -ge 4 ] && [ -z "$(ls -A $cache | grep '^\.tmp-')" ]
}
t "the racing processes left whole entries in \$ENPU_CACHE_DIR, no temporary file" cache_clean

# once NAME MODEL REFDIR INPUT...: one run, its cache line to $tmp/NAME.once
once() {
	name=$1 model=$2 ref=$3
	shift 3
	ins=""
	for f; do ins="$ins --input $f"; done
	# shellcheck disable=SC2086 # one word per --input and file
	$run $model $ins --backend accel --bench 1 --expect $ref >$tmp/$name.once 2>&1
}
hit() {	# hit NAME MODEL REFDIR INPUT...: = host bytes, and a cache hit
	once "$@" && grep -q "(cache hit)" $tmp/$1.once || { cat $tmp/$1.once; return 1; }
}
v2_hit() {
	hit v2 $v2 $dir/v2_cat.cpu $img || return 1
	{
		echo "mobilenet_v2 on accel: $(grep '^compiled model' $tmp/v2.log)"
		echo "mobilenet_v2 on accel: $(grep '^compiled model' $tmp/v2.once)"
	} >$tmp/diag
}
t "mobilenet_v2 again: its compiled model comes from the cache, output = host bytes" v2_hit
others_hit() {
	hit v1 $v1 $dir/v1_cat.cpu $img &&
	# shellcheck disable=SC2046
	hit m01 $dir/m01.tflite $dir/m01.cpu $(ls $dir/m01.in*.bin) &&
	# shellcheck disable=SC2046
	hit m02 $dir/m02.tflite $dir/m02.cpu $(ls $dir/m02.in*.bin)
}
t "the other models again: cache hits, outputs = host bytes" others_hit

corrupt_all() {	# flips one byte in the middle of every entry
	for e in $cache/*.enpuc; do
		size=$(stat -c %s "$e")
		printf '\125' | dd of="$e" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
	done
}
rebuilt() {
	corrupt_all
	once v2 $v2 $dir/v2_cat.cpu $img || { cat $tmp/v2.once; return 1; }
	grep -q "(invalid cache entry, rewritten)" $tmp/v2.once || { cat $tmp/v2.once; return 1; }
}
t "a corrupt entry: ignored, recompiled, rewritten; output = host bytes" rebuilt
t "...and the rewritten entry hits" hit v2 $v2 $dir/v2_cat.cpu $img

# The host's root is shared read-only: a cache there cannot be written.
ro_dir() {
	(export ENPU_CACHE_DIR="$PWD/build" && once v1 $v1 $dir/v1_cat.cpu $img) &&
		grep -q "(cache miss, entry not written)" $tmp/v1.once || { cat $tmp/v1.once; return 1; }
}
t "cache directory on a read-only mount: compiled, not written, output = host bytes" ro_dir
no_dir() {
	(export ENPU_CACHE_DIR="$PWD/build/no-such-cache/enpu" && once v1 $v1 $dir/v1_cat.cpu $img) &&
		grep -q "(no cache)" $tmp/v1.once || { cat $tmp/v1.once; return 1; }
}
t "a cache directory that cannot be created: no cache, output = host bytes" no_dir
no_cache() {
	$run $v1 --input $img --backend accel --bench 1 --no-cache --expect $dir/v1_cat.cpu \
		>$tmp/nc.log 2>&1 && grep -q "(no cache)" $tmp/nc.log || { cat $tmp/nc.log; return 1; }
}
t "--no-cache: compiled, no cache, output = host bytes" no_cache

clean_dmesg() { ! dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection'; }
t "no oops or WARN in dmesg" clean_dmesg
exit $fail
