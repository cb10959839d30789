#!/usr/bin/env bash
# Debian's arm64 Linux as a guest of the EL2 hypervisor: 2 vCPUs (PSCI
# CPU_ON), vGIC, virtual timer and the emulated PL011 carry it to a busybox
# shell; the shell answers typed input (console RX path); `poweroff -f` stops
# the VM (PSCI SYSTEM_OFF) and the hypervisor powers the machine off.
# In between, `reboot -f` (PSCI SYSTEM_RESET) reboots the VM from its
# pristine images and the second boot must answer as well.
set -u
cd "$(dirname "$0")/../.."
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
b=${BUILD:-build}
out=$b/tests/aarch64-linux
mkdir -p "$out"

if ! command -v qemu-system-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    echo "SKIP aarch64-linux: qemu-system-aarch64 or aarch64-linux-gnu-gcc missing (make deps)"
    exit 0
fi
if ! blog=$(make -s -j2 hyp-aarch64 2>&1); then
    echo "$blog" | tail -20
    echo "FAIL aarch64-linux/build: make hyp-aarch64 failed"
    exit 1
fi
if ! tools/fetch-guest.sh "$cache" >"$out/fetch.log" 2>&1; then
    tail -5 "$out/fetch.log" | sed 's/^/# /'
    echo "FAIL aarch64-linux/fetch: tools/fetch-guest.sh failed (see $out/fetch.log)"
    exit 1
fi
if ! AXVM_CACHE=$cache tools/axvm-config -q configs/qemu-virt-linux.toml -o "$out" --blob "$out/linux.bin" \
        >"$out/config.log" 2>&1; then
    sed 's/^/# /' "$out/config.log" | tail -10
    echo "FAIL aarch64-linux/config: tools/axvm-config failed"
    exit 1
fi
echo "PASS aarch64-linux/build"

tag=axvm-$RANDOM$RANDOM
log=$out/console.log
start=$(date +%s.%N)
# The typed command is echoed by the tty before the shell runs it, so the
# answer is matched as a line of its own (computed by the guest's shell).
if timeout 180 tools/qemu-console.py --quiet --log "$log" -t 120 \
        -e 'AXVM-GUEST-READY nproc=2' -e '/ # ' \
        -t 20 -s "echo $tag \$((6*7))" -e "^$tag 42\\r?\$" \
        -s 'reboot -f' -t 120 -e 'axvm: vm linux: rebooting' -e 'AXVM-GUEST-READY nproc=2' -e '/ # ' \
        -t 20 -s "echo $tag \$((6*8))" -e "^$tag 48\\r?\$" \
        -s 'poweroff -f' -t 30 -e 'axvm: all VMs stopped, powering off' -x 0 \
        -n 'Kernel panic' -n 'HYPERVISOR FAULT' -n 'hypervisor halted' -- \
        qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 4 -m 2048 \
        -nographic -no-reboot -kernel "$b/aarch64/axvm.elf" \
        -device loader,file="$out/linux.bin",addr=0x48000000,force-raw=on 2>"$out/driver.err"; then
    secs=$(awk "BEGIN{printf \"%.1f\", $(date +%s.%N) - $start}")
    echo "PASS aarch64-linux/boot-2cpu-shell-echo-reboot-echo-poweroff (${secs}s)"
else
    sed 's/^/# /' "$out/driver.err" | tail -25
    echo "FAIL aarch64-linux/boot-2cpu-shell-echo-reboot-echo-poweroff: see $log"
    exit 1
fi
# Both vCPUs came up through PSCI CPU_ON and ran, in both boots.
if [ "$(grep -c 'smp: Brought up 1 node, 2 CPUs' "$log")" -eq 2 ]; then
    echo "PASS aarch64-linux/smp-2-cpus"
else
    echo "FAIL aarch64-linux/smp-2-cpus: not two 'Brought up 1 node, 2 CPUs' lines in $log"
    exit 1
fi
