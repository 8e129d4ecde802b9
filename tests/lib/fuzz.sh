#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the libFuzzer target on the model loader for a bounded time
# (ENPU_FUZZ_SECONDS, default 45), seeded with the regression corpus and the
# small shared models.  Any crash, sanitizer report or leak fails.
set -u
cd "$(dirname "$0")/../.."
B=${ENPU_BUILD:-build}
F=$B/fuzz/fuzz_model
secs=${ENPU_FUZZ_SECONDS:-45}
if [ ! -x "$F" ]; then
	echo "not ok 1 - libFuzzer target $F is not built (needs clang with libFuzzer)"
	exit 1
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp tests/models/*.tflite "$corpus"/
for m in split_concat model_invoking_error keras_lstm_mnist_ptq; do
	[ -f "../shared/models/$m.tflite" ] && cp "../shared/models/$m.tflite" "$corpus"/
done
log=$(mktemp)
art=$B/fuzz/artifacts/
mkdir -p "$art"
"$F" -artifact_prefix="$art" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
	-print_final_stats=1 "$corpus" >"$log" 2>&1
rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
if [ $rc -eq 0 ]; then
	echo "ok 1 - model loader fuzzed for ${secs}s (${runs:-?} inputs) without a crash"
else
	grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5 | sed 's/^/# /'
	echo "not ok 1 - fuzzer found a failure (exit $rc); input saved in $art"
fi
rm -f "$log"
exit 0
