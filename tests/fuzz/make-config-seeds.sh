#!/usr/bin/env bash
# Regenerate the config_load seed corpus (tests/fuzz/corpus/config_load/):
# blobs compiled by tools/axvm-config from the repository's configurations,
# with tiny stand-in images so that each seed stays a few KiB (the real Linux
# kernel is 30 MB; the fuzzer only needs the structure). Some seeds also get
# 1 MiB of RAM so that the harness builds their VMs (it skips big ones).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/fuzz/corpus/config_load
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# A 256-byte raw image, and a 128-byte arm64 Linux Image header (magic at 0x38,
# image_size 0: text_offset 0x80000 is assumed).
head -c 256 /dev/zero | tr '\0' '\1' >"$tmp/raw.bin"
python3 - "$tmp/Image" <<'PY'
import struct, sys
h = bytearray(128)
h[0x38:0x3C] = b"ARM\x64"
open(sys.argv[1], "wb").write(bytes(h))
PY

small='memory_regions=[{gpa=0x40000000, size=0x100000, flags="rwx"}]'
cfg() { tools/axvm-config -q "$@" -o "$tmp"; }

for t in configs/tests/*.toml configs/test-guest.toml; do
    n=$(basename "$t" .toml)
    cfg "$t" --set kernel.kernel_path="$tmp/raw.bin" --blob "$out/$n.bin"
    cfg "$t" --set kernel.kernel_path="$tmp/raw.bin" --set "$small" --blob "$out/$n-1m.bin"
done
# three VMs at once, as tests/suites/30-aarch64-multivm.sh builds them
cfg tests/integration/aarch64/multivm.toml \
    --set kernel.kernel_path="$tmp/raw.bin" --set "$small" \
    --set timer:base.id=2 --set 'timer:base.phys_cpu_ids=[2]' \
    --set mmio:base.id=3 --set 'mmio:base.phys_cpu_ids=[3]' --blob "$out/multivm.bin"
# Linux VMs: kernel, generated DTB and initrd images
for l in configs/linux-2cpu.toml; do
    n=$(basename "$l" .toml)
    cfg "$l" --set kernel.kernel_path="$tmp/Image" --set kernel.ramdisk_path="$tmp/raw.bin" --blob "$out/$n.bin"
done
ls -l "$out"
