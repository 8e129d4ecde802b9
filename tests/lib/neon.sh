#!/bin/bash
# SPDX-License-Identifier: MIT
# The NEON and NEON dotprod kernels against the scalar ones, bit for bit:
# tests/lib/test_cpu_kernels.c cross-built for aarch64 (lib/cross.mk,
# static) and run under qemu-aarch64 user mode twice:
#  - "-cpu max" has dotprod: neon and neondot must both be present, and the
#    whole sweep runs on both;
#  - "-cpu cortex-a53" (ARMv8.0) has none: neondot must be reported absent
#    and ENPU_ISA=neondot refused, while neon still runs the whole sweep.
# Then the ASan/UBSan build of the same test on both CPUs (dynamic, with
# the arm64 sysroot; LeakSanitizer cannot run under qemu user mode, so leak
# checking is off).  The inner TAP is re-emitted with the CPU in front.  A
# missing cross compiler or qemu-aarch64 is a failure, never a skip.
# ENPU_AARCH64_TEST / ENPU_AARCH64_SAN_TEST run other binaries (mutants,
# when checking that this test can fail).
set -u
cd "$(dirname "$0")/../.."
B=${ENPU_BUILD:-build}
CC=${CROSS_AARCH64:-aarch64-linux-gnu-}gcc
SYSROOT=/usr/aarch64-linux-gnu
T=${ENPU_AARCH64_TEST:-$B/aarch64/test_cpu_kernels}
S=${ENPU_AARCH64_SAN_TEST:-$B/aarch64/san-test_cpu_kernels}
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if eval "$d"; then ok "$@"; else nok "$@"; fi; }

check 'command -v "$CC" >/dev/null' "$CC is installed (gcc-aarch64-linux-gnu; make deps)"
check 'command -v qemu-aarch64 >/dev/null' "qemu-aarch64 is installed (qemu-user; make deps)"

# On its own the script brings the binary up to date; under make check it
# is a prerequisite already, so this is a no-op.
# A build that fails must fail the test: the binaries left from an earlier
# build would otherwise pass for code that no longer compiles.
if [ -z "${ENPU_AARCH64_TEST:-}${ENPU_AARCH64_SAN_TEST:-}" ] && command -v "$CC" >/dev/null; then
	built=1
	log=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s O="$B" aarch64 2>&1) || {
		built=0
		echo "$log" | tail -n 20 | sed 's/^/# /'
	}
	check '[ "$built" = 1 ]' "the aarch64 build is up to date (make aarch64)"
fi
check '[ -x "$T" ]' "aarch64 test_cpu_kernels is built ($T)"
check '[ -x "$S" ]' "aarch64 ASan/UBSan test_cpu_kernels is built ($S)"
if ! [ -x "$T" ] || ! [ -x "$S" ] || ! command -v qemu-aarch64 >/dev/null; then
	echo "1..$n"
	exit 1
fi

# run CPU BINARY [LABEL]: runs the test under qemu -cpu CPU and re-emits
# its TAP prefixed with [-cpu CPU LABEL]; the output stays in $out.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
run() {
	local cpu="$1" bin=$2 tag="-cpu $1${3:+, $3}" rc t0 t1 secs plan=0 inner=0 line desc
	t0=$(date +%s.%N)
	ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
		timeout 900 qemu-aarch64 -L "$SYSROOT" -cpu "$cpu" "$bin" >"$out" 2>&1
	rc=$?
	t1=$(date +%s.%N)
	while IFS= read -r line; do
		case $line in
		"ok "* | "not ok "*)
			inner=$((inner + 1))
			desc=$(printf '%s\n' "$line" | sed -E 's/^(not )?ok [0-9]+( - )?//')
			case $line in
			ok*) ok "[$tag] $desc" ;;
			*) nok "[$tag] $desc" ;;
			esac
			;;
		1..*) plan=${line#1..} ;;
		"#"*) echo "# [$tag] ${line#\# }" ;;
		*) echo "# [$tag] $line" ;;
		esac
	done <"$out"
	# A crash (SIGILL included) or a short run must not pass as a shorter
	# plan; exit 1 is the test's own verdict on failures it reported above.
	check '[ "$plan" -gt 0 ] && [ "$plan" -eq "$inner" ] &&
		{ [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] && grep -q "^not ok" "$out"; }; }' \
		"[$tag] test_cpu_kernels ran to completion (exit $rc, $inner of plan $plan)"
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	echo "# [$tag] ${secs} s under emulation (not a performance figure)"
}

has() { grep -qx -- "$1" "$out"; }

run max "$T"
check 'has "# level neon: present" && has "# level neondot: present"' \
	"[-cpu max] neon and neondot are both detected"
check 'grep -qE "^ok [0-9]+ - default selection is the best level present \(neondot\)$" "$out"' \
	"[-cpu max] the default level is neondot"

run cortex-a53 "$T"
check 'has "# level neon: present" && has "# level neondot: absent"' \
	"[-cpu cortex-a53] neon is detected, neondot is not"
check 'grep -qE "^ok [0-9]+ - ENPU_ISA=neondot is refused on this CPU$" "$out"' \
	"[-cpu cortex-a53] ENPU_ISA=neondot is refused"
check 'grep -qE "^ok [0-9]+ - default selection is the best level present \(neon\)$" "$out"' \
	"[-cpu cortex-a53] the default level is neon"

# Out-of-bounds vector loads and stores, and undefined behaviour, on both levels.
run max "$S" "ASan/UBSan"
run cortex-a53 "$S" "ASan/UBSan"

echo "1..$n"
[ "$fails" -eq 0 ]
