#!/usr/bin/env bash
# Three VMs at once on the EL2 hypervisor, statically partitioned: the sgi
# guest (2 vCPUs on pCPUs 0-1), the timer guest (pCPU 2) and the mmio guest
# (pCPU 3), each with its own stage-2, VMID, vGIC and devices. Each must
# report no failure, stop with status 0, and the machine must power off
# once all three stopped.
set -u
cd "$(dirname "$0")/../.."
b=${BUILD:-build}
out=$b/tests/aarch64-multivm
mkdir -p "$out"

if ! command -v qemu-system-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    echo "SKIP aarch64-multivm: qemu-system-aarch64 or aarch64-linux-gnu-gcc missing (make deps)"
    exit 0
fi
if ! blog=$(make -s -j2 hyp-aarch64 $b/guests/aarch64/sgi.bin $b/guests/aarch64/timer.bin $b/guests/aarch64/mmio.bin 2>&1); then
    echo "$blog" | tail -20
    echo "FAIL aarch64-multivm/build: building the hypervisor or the sgi/timer/mmio guests failed"
    exit 1
fi
if ! tools/axvm-config -q tests/integration/aarch64/multivm.toml -o "$out" --blob "$out/multivm.bin" \
        --set timer:base.id=2 --set 'timer:base.phys_cpu_ids=[2]' \
        --set mmio:base.id=3 --set 'mmio:base.phys_cpu_ids=[3]' >"$out/config.log" 2>&1; then
    sed 's/^/# /' "$out/config.log" | tail -10
    echo "FAIL aarch64-multivm/config: tools/axvm-config failed"
    exit 1
fi
echo "PASS aarch64-multivm/build"

log=$out/console.log
timeout 90 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 4 -m 2048 \
    -nographic -no-reboot -kernel "$b/aarch64/axvm.elf" \
    -device loader,file="$out/multivm.bin",addr=0x48000000,force-raw=on </dev/null >"$log" 2>&1
rc=$?
status=0
for vm in sgi timer mmio; do
    # several VMs share the console: their lines carry a "[name] " prefix
    res=$(grep -a "^\[$vm\] RESULT $vm env=axvm" "$log" | tr -d '\r')
    if [ -z "$res" ]; then
        echo "FAIL aarch64-multivm/$vm: no RESULT line"; status=1
    elif ! grep -q 'failed=0' <<<"$res"; then
        echo "FAIL aarch64-multivm/$vm: $res"; status=1
        grep -a "^\[$vm\] FAIL $vm\." "$log" | head -5 | sed 's/^/# /'
    elif ! grep -aq "^axvm: vm $vm exit status 0" "$log"; then
        echo "FAIL aarch64-multivm/$vm: no 'exit status 0'"; status=1
    else
        echo "PASS aarch64-multivm/$vm (${res#*RESULT $vm env=axvm })"
    fi
done
if [ $rc -eq 0 ] && grep -aq '^axvm: all VMs stopped, powering off' "$log"; then
    echo "PASS aarch64-multivm/machine-off"
else
    echo "FAIL aarch64-multivm/machine-off: QEMU exit $rc (124 = timeout), see $log"; status=1
fi
[ $status -eq 0 ] || tail -20 "$log" | sed 's/^/# /'
exit $status
