#!/bin/sh
# The driver's code-quality gates as tests: checkpatch --strict clean on
# kernel/ and uapi/, and a W=1 build without a single warning (built in a
# scratch copy, so the real build's objects are left alone).
cd "$(dirname "$0")/../.." || exit 1
n=0
result() {	# result OK DESCRIPTION
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

cp=$(ls /usr/src/linux-source-6.1[2-9]*/scripts/checkpatch.pl 2>/dev/null | head -n1)
if [ -z "$cp" ]; then
	echo "not ok 1 - checkpatch.pl not found (make deps unpacks linux-source)"
	exit 1
fi
for f in kernel/enpu_*.c kernel/enpu_*.h uapi/drm/*.h; do
	out=$(perl "$cp" --strict --no-tree --terse --show-types -f "$f" 2>&1 | grep -v '^total:')
	[ -z "$out" ]
	rc=$?
	[ $rc = 0 ] || echo "$out" | sed 's/^/# /'
	result $rc "checkpatch --strict: $f"
done

kdir=$(ls -d /lib/modules/6.1[2-9]*/build 2>/dev/null | sort -V | tail -n1)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/enpu-w1.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
cp -r Kbuild kernel hw uapi "$scratch"/
rm -f "$scratch"/kernel/*.o "$scratch"/kernel/*.ko "$scratch"/kernel/.*.cmd
# A standalone build: under `make -jN check` the inherited MAKEFLAGS name a
# jobserver this sub-make cannot reach, and make's own complaint about it
# is not a warning in our code.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$kdir" M="$scratch" W=1 modules \
	>"$scratch/build.log" 2>&1
rc=$?
warnings=$(grep -c 'warning:' "$scratch/build.log")
[ $rc = 0 ] || sed 's/^/# /' "$scratch/build.log" | tail -n 20
result $rc "W=1 module build succeeds"
[ "$warnings" = 0 ] || grep 'warning:' "$scratch/build.log" | sed 's/^/# /'
result $([ "$warnings" = 0 ]; echo $?) "W=1 module build has no warnings"
echo "1..$n"
