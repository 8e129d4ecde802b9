#!/bin/sh
# Installs every Debian package enpu needs to build, test and benchmark.
# Idempotent: safe to run again; does nothing slow when all is present.
set -eu

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: run as root (apt-get needs it)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# Linux 6.12 (DRM accel) and QEMU 10 only exist in bookworm-backports.
bp=/etc/apt/sources.list.d/enpu-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat >"$bp" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

BASE="build-essential make gcc clang llvm lld libclang-rt-14-dev pkg-config \
	libdrm-dev busybox-static cpio kmod xz-utils zstd python3 \
	sparse bpftool libbpf-dev bpftrace \
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user \
	libxnnpack-dev libpthreadpool-dev libdnnl-dev python3-pyarmnn libarmnn-cpuref-backend22 python3-numpy \
	libpng-dev libjpeg62-turbo-dev"
BACKPORTS="linux-image-amd64 linux-headers-amd64 linux-source-6.12 qemu-system-x86"

missing=""
for p in $BASE; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
kver=$(ls -d /lib/modules/6.1[2-9]*/build 2>/dev/null | head -n1 || true)
qv=$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
need_bp=0
[ -n "$kver" ] || need_bp=1
[ "${qv:-0}" -ge 10 ] 2>/dev/null || need_bp=1
ls /usr/src/linux-source-6.12.tar.* >/dev/null 2>&1 || need_bp=1

# node and npm may come from elsewhere (a newer build); only install Debian's when absent.
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ] || [ "$need_bp" = 1 ]; then
	apt-get update -q
	[ -z "$missing" ] || apt-get install -y -q --no-install-recommends $missing
	[ "$need_bp" = 0 ] || apt-get install -y -q --no-install-recommends -t bookworm-backports $BACKPORTS
fi

# The kernel sources carry checkpatch.pl and the kselftest harness.
src=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n1)
if [ -n "$src" ] && [ ! -f /usr/src/linux-source-6.12/scripts/checkpatch.pl ]; then
	tar -C /usr/src -xf "$src"
fi

# TFLite itself, the reference for outputs (see ../shared/README.md).
tfl=${ENPU_TFLITE_REF_DIR:-/opt/enpu/tflite-ref}
if [ ! -d "$tfl/node_modules/@tensorflow/tfjs-tflite" ]; then
	mkdir -p "$tfl"
	npm install --silent --no-audit --no-fund --prefix "$tfl" @tensorflow/tfjs-tflite@0.0.1-alpha.10 ||
		echo "deps: warning: TFLite reference not installed (npm failed)" >&2
fi
echo "deps: all present"
