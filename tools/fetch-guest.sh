#!/usr/bin/env bash
# Fetch the Linux guest used by axvm's tests and `make run`: Debian 12's arm64
# kernel and a busybox initramfs, built from Debian packages only (no other
# network is needed). Output, in CACHE_DIR (default $HOME/.cache/axvm):
#   Image              the arm64 kernel (Debian ships it uncompressed as vmlinuz-*)
#   initramfs.cpio.gz  busybox userspace; /init prints
#                      "AXVM-GUEST-READY nproc=<n>" then runs a shell on the
#                      console; `poweroff -f` powers the VM off (PSCI SYSTEM_OFF)
#   kernel-version     the Debian kernel package the Image came from
# A second run with the files present does nothing. Images are never committed.
#
# usage: tools/fetch-guest.sh [CACHE_DIR]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${AXVM_CACHE:-$HOME/.cache/axvm}}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
image=$cache/Image
initrd=$cache/initramfs.cpio.gz

report() {
    echo "fetch-guest: kernel    $image ($(cat "$cache/kernel-version" 2>/dev/null || echo unknown))"
    echo "fetch-guest: initramfs $initrd"
}

# An arm64 Image carries "ARM\x64" at offset 0x38 (Linux arm64 boot protocol).
is_arm64_image() {
    [ -f "$1" ] && [ "$(od -An -tx1 -j 56 -N 4 "$1" | tr -d ' \n')" = "41524d64" ]
}

if is_arm64_image "$image" && [ -s "$initrd" ]; then
    report
    exit 0
fi

SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo

if ! dpkg --print-foreign-architectures | grep -qx arm64 \
        && [ "$(dpkg --print-architecture)" != arm64 ]; then
    echo "fetch-guest: adding dpkg architecture arm64"
    $SUDO dpkg --add-architecture arm64
    $SUDO apt-get update -q
elif ! ls /var/lib/apt/lists/*_binary-arm64_Packages* >/dev/null 2>&1; then
    echo "fetch-guest: arm64 package lists missing, running apt-get update"
    $SUDO apt-get update -q
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/axvm-fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt drops privileges to _apt for downloads; let it write here.
chmod 0777 "$work"

# The meta package names the current kernel ABI; follow it rather than pin one.
resolve_and_download() {
    kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null \
           | sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-arm64\).*/\1/p' | head -n1)
    [ -n "$kpkg" ] || { echo "fetch-guest: cannot resolve the kernel package of linux-image-arm64:arm64" >&2; return 1; }
    echo "fetch-guest: kernel package $kpkg"
    (cd "$work" && apt-get download -q "$kpkg:arm64" busybox-static:arm64)
}
if ! resolve_and_download; then
    # Stale package lists name versions the mirror no longer has: refresh once.
    echo "fetch-guest: retrying after apt-get update"
    $SUDO apt-get update -q
    rm -f "$work"/*.deb
    resolve_and_download || { echo "fetch-guest: apt-get download failed" >&2; exit 1; }
fi

mkdir -p "$work/kernel" "$work/busybox"
dpkg-deb -x "$work"/linux-image-*_arm64.deb "$work/kernel"
dpkg-deb -x "$work"/busybox-static_*_arm64.deb "$work/busybox"

kimg=$(ls "$work"/kernel/boot/vmlinuz-* 2>/dev/null | head -n1)
if [ -z "$kimg" ]; then
    echo "fetch-guest: no boot/vmlinuz-* in $kpkg" >&2
    exit 1
fi
if ! is_arm64_image "$kimg"; then
    echo "fetch-guest: $kimg is not an uncompressed arm64 Image (no ARM\\x64 magic at 0x38)" >&2
    exit 1
fi
bb=$work/busybox/bin/busybox
[ -x "$bb" ] || { echo "fetch-guest: busybox binary missing in busybox-static" >&2; exit 1; }

# Root filesystem: busybox plus /init; applet links are made at boot by
# `busybox --install`, so nothing here needs to run arm64 code.
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc}
cp "$bb" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cat > "$root/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "AXVM-GUEST-READY nproc=$(nproc)"
# setsid+cttyhack give the shell a controlling terminal (job control, ^C).
# init must never exit (the kernel would panic): restart the shell instead.
while true; do
    setsid cttyhack sh
    echo "init: shell exited; starting a new one (poweroff -f to stop)"
done
INIT
chmod 0755 "$root/init"

python3 "$here/mkinitramfs.py" "$root" "$work/initramfs.cpio.gz"

# Copy then rename inside the cache: an interrupted run leaves no half file.
cp "$kimg" "$image.new" && mv "$image.new" "$image"
cp "$work/initramfs.cpio.gz" "$initrd.new" && mv "$initrd.new" "$initrd"
echo "$kpkg" > "$cache/kernel-version"
report
