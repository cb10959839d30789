#!/usr/bin/env bash
# A configuration the EL2 hypervisor cannot realise whole is refused whole:
# a clear line naming the VM and the key, no VM started, a clean power-off.
# (Blob damage is covered by 05-tools; this is a well-formed blob that asks
# for something this host cannot run: an x86_64 VM.)
set -u
cd "$(dirname "$0")/../.."
b=${BUILD:-build}
out=$b/tests/config-refusal
mkdir -p "$out"
if ! make -s hyp-aarch64 kvm-guests > "$out/build.log" 2>&1; then
    tail -20 "$out/build.log"; echo "FAIL config-refusal/build: make hyp-aarch64 kvm-guests failed"; exit 1
fi
if ! tools/axvm-config -q configs/x86/real-ports.toml -o "$out" --blob "$out/x86.bin" > "$out/config.log" 2>&1; then
    cat "$out/config.log"; echo "FAIL config-refusal/config: configs/x86/real-ports.toml does not compile"; exit 1
fi
log=$out/console.log
timeout 30 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 4 -m 2048 \
    -nographic -no-reboot -kernel "$b/aarch64/axvm.elf" \
    -device loader,file="$out/x86.bin",addr=0x48000000,force-raw=on < /dev/null > "$log" 2>&1
rc=$?
check() { # name, grep pattern
    if grep -qa -- "$2" "$log"; then echo "PASS config-refusal/$1"; else
        sed 's/^/# /' "$log" | tail -15; echo "FAIL config-refusal/$1: no line matching '$2'"; fi
}
check names-vm-and-key "vm x86-real-ports: cannot be created: it is not an aarch64 VM (base.arch)"
check refused-whole "configuration refused: no VM started"
if grep -qa "booted" "$log"; then echo "FAIL config-refusal/nothing-runs: a VM was booted"; else echo "PASS config-refusal/nothing-runs"; fi
if [ "$rc" -eq 0 ]; then echo "PASS config-refusal/powers-off"; else echo "FAIL config-refusal/powers-off: QEMU exit $rc (124 = hung)"; fi
