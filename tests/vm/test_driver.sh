#!/bin/sh
# The driver on the emulated board: the uAPI and fault suites, the
# lifecycle script, and probing with a corrupt firmware image.  Prints TAP
# (the guests' lines plus our own).
cd "$(dirname "$0")/../.." || exit 1
vm=tools/vm/run

# Each suite prints its own TAP plan, so tests/run-suite counts any test
# a crashed or hung VM never reached as failed; a VM that could not even
# start is reported here.
$vm -- sh -c 'build/tests/kernel/enpu_uapi_test; build/tests/kernel/enpu_fault_test'
rc=$?
[ $rc -le 1 ] || echo "not ok - uapi/fault suites: the VM run failed (status $rc)"
# The same faults with the chip's watchdog off: the driver's own job
# timeout must find and recover every one of them alone.
$vm --emu-opt --watchdog-ms --emu-opt 0 -- build/tests/kernel/enpu_fault_test
rc=$?
[ $rc -le 1 ] || echo "not ok - fault suite without watchdog: the VM run failed (status $rc)"
$vm -- sh tests/vm/guest/lifecycle.sh
rc=$?
[ $rc -le 1 ] || echo "not ok - lifecycle: the VM run failed (status $rc)"
# The accel backend: shared models on the device == the CPU, byte for byte.
$vm -- sh tests/vm/guest/accel_models.sh
rc=$?
[ $rc -le 1 ] || echo "not ok - accel models: the VM run failed (status $rc)"

# Models that are not in ../shared (generated here), through the driver in
# the VM, against the bytes the cpu backend writes on the HOST: the chip
# against the host's CPU (AVX-512/AVX2 kernels here, whatever the guest's
# emulated CPU offers there), not against the guest's own CPU run.
# Under build/ (the guest sees the repository) and private to this run, so
# that two test runs in one tree cannot pull the files from under each other.
rdir=$(mktemp -d build/vm-models.XXXXXX) || exit 1
trap 'rm -rf "$rdir"' EXIT
run=build/tools/enpu-run
shared=${ENPU_SHARED:-../shared}
python3 - "$rdir" <<'PY' || echo "not ok - generating random models for the accel check"
import json, random, subprocess, sys
d = sys.argv[1]
for seed in range(1, 17):
    kind = ("chain", "dag", "classifier")[seed % 3]
    dtype = ("uint8", "int8")[(seed // 3) % 2]
    m = "%s/m%02d" % (d, seed)
    out = subprocess.run(["python3", "tests/lib/gen_tflite.py", "--seed", str(seed), "--kind", kind,
                          "--dtype", dtype, "--out", m + ".tflite"],
                         check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    open(m + ".json", "w").write(out)
    rng = random.Random(seed)
    for i, t in enumerate(info["inputs"]):
        n = 1
        for s in t["shape"]:
            n *= s
        with open("%s.in%d.bin" % (m, i), "wb") as f:
            f.write(bytes(rng.randrange(256) for _ in range(n)))
PY
# host_cpu REFDIR MODEL INPUT...: the host's cpu backend output, for the guest to compare
host_cpu() {
	ref=$1 model=$2
	shift 2
	ins=""
	for f; do ins="$ins --input $f"; done
	# shellcheck disable=SC2086 # one word per --input and file
	if ! $run "$model" $ins --backend cpu --dump "$ref" >"$ref.log" 2>&1; then
		echo "not ok - $(basename "$model"): the host's cpu run failed"
		sed 's/^/# /' "$ref.log"
	fi
}
for m in $rdir/m*.tflite; do
	# shellcheck disable=SC2046 # one word per input file
	host_cpu "${m%.tflite}.cpu" "$m" $(ls "${m%.tflite}".in*.bin)
done
host_cpu $rdir/v1_cat.cpu "$shared/models/mobilenet_v1_0.25_128_quant.tflite" "$shared/images/cat.bmp"
host_cpu $rdir/v2_cat.cpu "$shared/models/mobilenet_v2_1.0_224_quant.tflite" "$shared/images/cat.bmp"
$vm -- sh tests/vm/guest/accel_random.sh $rdir
rc=$?
[ $rc -le 1 ] || echo "not ok - accel random models: the VM run failed (status $rc)"
# Several processes sharing the chip, several interpreters in one process,
# and the compiled-model cache on the device.
$vm -- sh tests/vm/guest/accel_shared.sh $rdir
rc=$?
[ $rc -le 1 ] || echo "not ok - accel shared chip: the VM run failed (status $rc)"

# A corrupt image must fail the probe cleanly, saying why.
corrupt=build/firmware/enpu/test-corrupt.bin
cp build/firmware/enpu/enpu1.bin $corrupt
printf '\377\377\377\377' | dd of=$corrupt bs=1 seek=4096 conv=notrunc 2>/dev/null
out=$($vm --modparam firmware=enpu/test-corrupt.bin -- sh -c \
	'test -e /dev/accel/accel0 && echo NODE; dmesg | grep -E "enpu|WARN|Oops|BUG"' 2>&1)
rc=$?
rm -f $corrupt
echo "$out" | sed 's/^/# /'
if [ $rc -eq 0 ] && ! echo "$out" | grep -q NODE; then echo "ok - corrupt firmware: no device"; else echo "not ok - corrupt firmware: no device"; fi
if echo "$out" | grep -q "rejected: payload CRC mismatch"; then echo "ok - corrupt firmware: dmesg says why"; else echo "not ok - corrupt firmware: dmesg says why"; fi
if ! echo "$out" | grep -qE "WARNING:|Oops|BUG:"; then echo "ok - corrupt firmware: no oops or WARN"; else echo "not ok - corrupt firmware: no oops or WARN"; fi

# A host without MSI or MSI-X: the driver must fall back step by step to
# polling and still run jobs.
out=$($vm --cmdline pci=nomsi -- sh -c \
	'dmesg | grep -E "enpu.*(unavailable|interrupts:)"; build/tools/enpu-demo | tail -n1' 2>&1)
echo "$out" | sed 's/^/# /'
if echo "$out" | grep -q "MSI-X unavailable" && echo "$out" | grep -q "interrupts: polling"; then
	echo "ok - no MSI on the host: falls back to polling"
else
	echo "not ok - no MSI on the host: falls back to polling"
fi
if echo "$out" | grep -q "match the CPU reference bit for bit"; then echo "ok - jobs run with polling fallback"; else echo "not ok - jobs run with polling fallback"; fi
