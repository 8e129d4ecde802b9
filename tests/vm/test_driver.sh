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

# Models that are not in ../shared (generated here) through the driver:
# accel and cpu must agree byte for byte.
rdir=build/vm-random-models
rm -rf $rdir && mkdir -p $rdir
python3 - "$rdir" <<'PY' || echo "not ok - generating random models for the accel check"
import json, random, subprocess, sys
d = sys.argv[1]
for seed in range(1, 13):
    kind = ("chain", "dag")[seed % 2]
    dtype = ("uint8", "int8")[(seed // 2) % 2]
    m = "%s/m%02d" % (d, seed)
    out = subprocess.run(["python3", "tests/lib/gen_tflite.py", "--seed", str(seed), "--kind", kind,
                          "--dtype", dtype, "--out", m + ".tflite"],
                         check=True, capture_output=True, text=True).stdout
    info = json.loads(out)
    open(m + ".json", "w").write(out)
    rng = random.Random(seed)
    with open(m + ".bin", "wb") as f:
        for t in info["inputs"]:
            n = 1
            for s in t["shape"]:
                n *= s
            f.write(bytes(rng.randrange(256) for _ in range(n)))
PY
$vm -- sh tests/vm/guest/accel_random.sh $rdir
rc=$?
[ $rc -le 1 ] || echo "not ok - accel random models: the VM run failed (status $rc)"

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
