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

# Operator-facing state: runtime PM, sysfs counters, debugfs, tracepoints.
pci=/sys/bus/pci/devices/$dev
dbg=/sys/kernel/debug/accel/$dev
suspended_when_idle() { sleep 0.5; test "$(cat $pci/power/runtime_status)" = suspended; }
t "runtime PM: idle chip autosuspends" suspended_when_idle
counts_jobs() {
	a=$(cat $pci/jobs_completed)
	noop || return 1
	test "$(cat $pci/jobs_completed)" -gt "$a" && test "$(cat $pci/fw_version)" = 1.1.0 &&
		test "$(cat $pci/busy_time_us)" -ge 0
}
t "sysfs counts completed jobs" counts_jobs
t "runtime PM: resumed by a job, suspends again" suspended_when_idle
t "debugfs shows rings, MMU slots and firmware" sh -c "grep -q 'event ring' $dbg/rings && grep -q 'slot 0' $dbg/mmu && grep -q 'version: 1.1.0' $dbg/firmware"
forced_reset() {
	r=$(cat $pci/resets)
	echo 1 >$dbg/force_reset || return 1
	test "$(cat $pci/resets)" -eq $((r + 1)) && noop
}
t "debugfs force_reset resets and the chip works after" forced_reset
traced() {
	tr=/sys/kernel/tracing
	test -d $tr/events || mount -t tracefs nodev $tr || return 1
	echo >$tr/trace
	echo 1 >$tr/events/enpu/enable || return 1
	noop || return 1
	echo 0 >$tr/events/enpu/enable
	cat $tr/trace >/tmp/trace.txt
	job=$(sed -n 's/.*enpu_job_submit: .* job=\([0-9]*\).*/\1/p' /tmp/trace.txt | head -n1)
	test -n "$job" &&
		grep -q "enpu_job_run: .* job=$job core=" /tmp/trace.txt &&
		grep -q "enpu_job_done: .* job=$job core=.* status=1 cycles=" /tmp/trace.txt &&
		grep -q "enpu_irq: " /tmp/trace.txt
}
t "tracepoints follow one job id from submit to run to done" traced
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
