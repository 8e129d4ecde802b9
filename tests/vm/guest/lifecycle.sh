#!/bin/sh
# Runs inside the emulated board with enpu.ko loaded: unload and reload,
# PCI remove while jobs run and rescan, and the polling interrupt mode.
# Prints TAP.
n=0
t() {	# t DESCRIPTION COMMAND...
	d=$1
	shift
	n=$((n + 1))
	if "$@" >/tmp/t.out 2>&1; then echo "ok $n - $d"; else echo "not ok $n - $d"; sed 's/^/# /' /tmp/t.out; fi
}
dev=$(basename "$(readlink /sys/class/accel/accel0/device)")
mod=build/kernel/enpu.ko
noop() { build/tools/enpu-demo >/dev/null; }
has_accel() { test -c /dev/accel/accel0; }
no_accel() { ! test -e /dev/accel/accel0; }
clean_dmesg() { ! dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection'; }

t "probe created /dev/accel/accel0" has_accel
t "a job runs after probe" noop
t "rmmod with the device idle" rmmod enpu
t "rmmod removed the device node" no_accel
t "insmod again" insmod $mod
t "the device is back after reload" has_accel
t "a job runs after reload" noop

build/tests/kernel/enpu_busy 30 >/tmp/busy.out 2>&1 &
busy=$!
sleep 1
t "PCI remove while a process has jobs in flight" sh -c "echo 1 > /sys/bus/pci/devices/$dev/remove"
t "the busy process sees errors, not a hang" wait $busy
sed 's/^/# /' /tmp/busy.out
t "rescan finds the chip again" sh -c 'echo 1 > /sys/bus/pci/rescan; sleep 1; test -c /dev/accel/accel0'
t "a job runs after rescan" noop

build/tests/kernel/enpu_busy 30 >/tmp/busy.out 2>&1 &
busy=$!
sleep 1
t "rmmod refused while a file is open" sh -c '! rmmod enpu 2>/dev/null'
kill $busy 2>/dev/null
wait $busy 2>/dev/null
t "rmmod once the file is closed" rmmod enpu
t "insmod in polling mode" insmod $mod irq_mode=poll
t "polling mode reported" sh -c 'dmesg | tail -5 | grep -q "interrupts: polling"'
t "a job runs with polling" noop
t "rmmod from polling mode" rmmod enpu
t "no warnings or oopses in dmesg" clean_dmesg
echo "1..$n"
