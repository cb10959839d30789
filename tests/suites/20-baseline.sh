#!/usr/bin/env bash
# Baseline: the guest images boot under bare QEMU (no hypervisor). If this
# fails, every hypervisor Linux test would too, for reasons not axvm's.
set -u
cd "$(dirname "$0")/../.."
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
out=${BUILD:-build}/tests/baseline
mkdir -p "$out"

if ! command -v qemu-system-aarch64 >/dev/null; then
    echo "SKIP baseline/boot: qemu-system-aarch64 not installed"; exit 0
fi
if ! tools/fetch-guest.sh "$cache" > "$out/fetch.log" 2>&1; then
    tail -5 "$out/fetch.log"
    echo "FAIL baseline/fetch: tools/fetch-guest.sh failed (see $out/fetch.log)"
    exit 1
fi
echo "PASS baseline/fetch"

tag=hi-$RANDOM$RANDOM
log=$out/console.log
start=$(date +%s.%N)
# The command line is echoed by the tty before the shell reads it, so match the
# command's output as a line of its own.
if timeout 120 tools/qemu-console.py --quiet --log "$log" -t 60 \
        -e 'AXVM-GUEST-READY nproc=2' -e '/ # ' \
        -t 10 -s "echo $tag" -e "^$tag\\r?\$" \
        -s 'poweroff -f' -t 20 -x 0 -n 'Kernel panic' -- \
        qemu-system-aarch64 -M virt,gic-version=3 -cpu cortex-a72 -smp 2 -m 512 \
        -nographic -no-reboot -kernel "$cache/Image" -initrd "$cache/initramfs.cpio.gz" \
        -append "console=ttyAMA0" 2> "$out/driver.err"; then
    secs=$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")
    echo "PASS baseline/linux-boot-echo-poweroff (${secs}s)"
else
    sed 's/^/# /' "$out/driver.err" | tail -25
    echo "FAIL baseline/linux-boot-echo-poweroff: see $log"
    exit 1
fi
