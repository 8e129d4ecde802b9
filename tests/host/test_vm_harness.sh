#!/bin/bash
# Tests tools/vm/run itself (not the driver): exit status, argument quoting,
# output separation, the chip's attachment and argv (with a stand-in
# emulator), dmesg checks, the timeout, and that nothing is left behind.
# Prints TAP.  Needs qemu-system-x86_64 and the 6.12 kernel; python3 for the
# stand-in emulator.  About 30-60 s.
set -u
cd "$(dirname "$0")/../.." || exit 1
repo=$(pwd -P)
run=$repo/tools/vm/run

n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { # DESC CMD...: ok when CMD succeeds
	local d=$1
	shift
	if "$@"; then ok "$d"; else nok "$d"; fi
}
# What `make deps` installs is required: a missing piece fails, never skips.
missing() { n=$((n + 1)); echo "not ok $n - $1: $2 (run make deps)"; }
diag() { sed 's/^/# /'; }

work=$(mktemp -d /tmp/test_vm.XXXXXX) || exit 1
shm=$(mktemp -d /dev/shm/test_vm.XXXXXX) || exit 1
cleanup() { rm -rf "$work" "$shm"; }
trap cleanup EXIT
# Every temporary file of the harness goes under $work/tmp, the RAM file
# under $shm: both must be empty after each run.
mkdir "$work/tmp"
export TMPDIR=$work/tmp ENPU_VM_SHM_DIR=$shm

no_leftovers() {
	local procs
	procs=$(pgrep -af "qemu-system-x86_64.*$work|$work/fake-emu" || true)
	if [ -n "$procs" ]; then
		echo "leftover processes:" | diag
		echo "$procs" | diag
		return 1
	fi
	if [ -n "$(find "$work/tmp" "$shm" -mindepth 1)" ]; then
		echo "leftover files:" | diag
		find "$work/tmp" "$shm" -mindepth 1 | diag
		return 1
	fi
}

# vm OUT ERR ARGS...: runs tools/vm/run without stdin, sets rc and secs.
vm() {
	local out=$1 err=$2 t0 t1
	shift 2
	t0=$(date +%s.%N)
	"$run" "$@" </dev/null >"$out" 2>"$err"
	rc=$?
	t1=$(date +%s.%N)
	secs=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
}

# ---- without a VM ----------------------------------------------------------
"$run" --help >"$work/help" 2>&1
check "--help exits 0" [ $? = 0 ]
missing=""
for o in $(grep -oE '^	--?[a-z0-9-]+\)|^	-[a-z] \| --[a-z0-9-]+\)' tools/vm/run | grep -oE -- '--[a-z0-9-]+' | sort -u); do
	grep -q -- "$o" "$work/help" || missing="$missing $o"
done
check "--help documents every option${missing:+ (missing:$missing)}" [ -z "$missing" ]
"$run" --no-such-option -- true </dev/null >/dev/null 2>"$work/e"
check "an unknown option exits 125" [ $? = 125 ]
"$run" --emu "$work/nonexistent" --no-load -- true </dev/null >/dev/null 2>"$work/e"
rc=$?
check "a missing emulator exits 125 with a message" \
	eval '[ $rc = 125 ] && grep -q "not found" "$work/e"'

if ! command -v qemu-system-x86_64 >/dev/null || ! ls /boot/vmlinuz-6.1[2-9]* >/dev/null 2>&1; then
	missing "VM tests" "no QEMU or no 6.12 kernel"
	echo "1..$n"
	exit 1
fi

# ---- status, quoting, output separation, environment, working directory ---
vm "$work/out" "$work/err" --no-chip --no-load --env 'GREETING=hello  world' -- \
	sh -c 'pwd; echo "G=$GREETING"; printf "[%s]\n" "$@"; echo to-stderr >&2; exit 3' \
	sh "a b" "it's" '$HOME' '' '"q"' '*' 'back\slash' "$(printf 'new\nline')"
echo "run 1: ${secs}s" | diag
check "CMD's exit status (3) is passed out" [ "$rc" = 3 ]
cat >"$work/want" <<EOF
$repo
G=hello  world
[a b]
[it's]
[\$HOME]
[]
["q"]
[*]
[back\\slash]
[new
line]
EOF
if cmp -s "$work/want" "$work/out"; then
	ok "arguments keep their spaces, quotes and specials; cwd and --env reach CMD"
else
	nok "arguments keep their spaces, quotes and specials; cwd and --env reach CMD"
	diff "$work/want" "$work/out" | diag
fi
if [ "$(cat "$work/err")" = to-stderr ]; then
	ok "stderr carries CMD's stderr only (no kernel console)"
else
	nok "stderr carries CMD's stderr only (no kernel console)"
	diag <"$work/err"
fi
check "nothing left behind after a normal run" no_leftovers

# ---- the chip, with a stand-in emulator ------------------------------------
if command -v python3 >/dev/null; then
	cat >"$work/fake-emu" <<'EOF'
#!/usr/bin/env python3
# Stand-in for enpu-emu: a minimal ivshmem-doorbell server.
import os, socket, struct, sys
args = sys.argv[1:]
opt = lambda k: args[args.index(k) + 1]
log = open(opt('--log'), 'w', buffering=1)
log.write('argv: %r\n' % args)
size = os.path.getsize(opt('--ram'))
log.write('ram size ok\n' if size == int(opt('--ram-size')) else 'ram size BAD %d\n' % size)
shm = os.memfd_create('bar2')
os.ftruncate(shm, 1 << 20)
def listen(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path + '.tmp'); s.listen(1); os.rename(path + '.tmp', path)
    return s
ctl = listen(opt('--control'))
sock = opt('--socket')
s = listen(sock)
c, _ = s.accept()
def send(v, fd=None):
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack('i', fd))] if fd is not None else []
    c.sendmsg([struct.pack('<q', v)], anc)
send(0); send(1); send(-1, shm)
for _ in range(2):
    send(1, os.eventfd(0))
while c.recv(64):
    pass
os.unlink(sock)
os.unlink(opt('--control'))
EOF
	chmod +x "$work/fake-emu"
	vm "$work/out" "$work/err" --emu "$work/fake-emu" --no-load --cores 3 --fault 'a b' \
		--emu-opt --extra --emu-log "$work/emu.log" --allow-warn -- \
		sh -c 'cat /sys/bus/pci/devices/*/device /sys/class/virtio-ports/*/name
			echo "WARNING: made up" >/dev/kmsg'
	echo "run 2: ${secs}s" | diag
	check "with the chip, CMD runs (status 0, --allow-warn)" [ "$rc" = 0 ]
	check "the ivshmem device (1af4:1110) is in the guest" grep -qx 0x1110 "$work/out"
	check "the guest has the enpu.control port" grep -qx enpu.control "$work/out"
	want="argv: ['--socket', '$work/tmp/"
	if grep -qF "$want" "$work/emu.log" &&
		grep -qE "'--ram', '$shm/[^']+', '--ram-size', '1073741824', '--control', '[^']+', '--cores', '3', '--fault', 'a b', '--extra', '--log', '$work/emu.log'\]" "$work/emu.log" &&
		grep -q 'ram size ok' "$work/emu.log"; then
		ok "the emulator gets --socket --ram --ram-size --control, the options, --log"
	else
		nok "the emulator gets --socket --ram --ram-size --control, the options, --log"
		diag <"$work/emu.log"
	fi
	check "nothing left behind (RAM file, socket, emulator) after a chip run" no_leftovers
	rm -f "$work/emu.log"
else
	missing "chip tests" "no python3"
fi

# ---- the guest kernel's warnings --------------------------------------------
vm "$work/out" "$work/err" --no-chip --no-load -- sh -c 'echo "WARNING: made up" >/dev/kmsg'
echo "run 3: ${secs}s" | diag
check "a WARNING in the guest's dmesg fails a successful CMD (status 1)" [ "$rc" = 1 ]
check "... and is printed" grep -q 'WARNING: made up' "$work/err"
rm -rf "$work"/tmp/*

# ---- timeout ----------------------------------------------------------------
targs=(--no-chip)
[ ! -x "$work/fake-emu" ] || targs=(--emu "$work/fake-emu")
vm "$work/out" "$work/err" "${targs[@]}" --no-load --timeout 10 --log-dir "$work/logs" -- sleep 1000
echo "run 4: ${secs}s" | diag
check "a VM that runs too long exits 124" [ "$rc" = 124 ]
check "... with a message" grep -q 'timeout' "$work/err"
check "... within the timeout and a few seconds (${secs}s)" awk "BEGIN { exit !($secs < 18) }"
check "nothing left behind after a timeout" no_leftovers

echo "1..$n"
[ "$fails" = 0 ]
