#!/usr/bin/env bash
# Install the Debian packages axvm needs, only those that are missing, so that
# `make test` and `make run` work on a fresh Debian 12 machine.
set -euo pipefail
PKGS=(make gcc libc6-dev gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
      qemu-system-arm device-tree-compiler libfdt-dev libcmocka-dev clang
      libclang-rt-14-dev python3 cpio gzip gnuplot-nox xz-utils)
missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
