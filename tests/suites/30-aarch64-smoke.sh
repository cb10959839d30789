#!/usr/bin/env bash
# The EL2 hypervisor image boots on QEMU virt and runs its built-in smoke VM
# (tests/integration/aarch64: console through the emulated PL011, PSCI and
# SMCCC over HVC/SMC, sanitized ID registers, test-device MMIO, injected
# aborts and UNDEFINED, SYSTEM_OFF), then powers the machine off.
set -u
cd "$(dirname "$0")/../.."
out=${BUILD:-build}/tests/aarch64-smoke
mkdir -p "$out"

if ! command -v qemu-system-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    echo "SKIP aarch64-smoke: qemu-system-aarch64 or aarch64-linux-gnu-gcc missing (make deps)"
    exit 0
fi
if ! blog=$(make -s -j2 hyp-aarch64 2>&1); then
    echo "$blog" | tail -20
    echo "FAIL aarch64-smoke/build: make hyp-aarch64 failed"
    exit 1
fi
echo "PASS aarch64-smoke/build"

log=$out/console.log
timeout 60 qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 4 -m 2048 \
    -nographic -no-reboot -kernel "${BUILD:-build}/aarch64/axvm-selftest.elf" </dev/null >"$log" 2>&1
rc=$?
status=0
fail() { echo "FAIL aarch64-smoke/$1"; status=1; }

grep -q '^axvm: 4 CPUs online' "$log" && echo "PASS aarch64-smoke/smp-4-cpus-online" || fail "smp-4-cpus-online: no '4 CPUs online' line"
# The guest's own verdicts, one suite line each.
sed -n 's/^\(PASS\|FAIL\) smoke\./\1 aarch64-smoke\/guest./p' "$log" | tr -d '\r'
grep -q '^FAIL smoke\.' "$log" && status=1
grep '^# smoke:' "$log" | tr -d '\r'
n=$(grep -c '^PASS smoke\.' "$log")
[ "$n" -ge 13 ] && echo "PASS aarch64-smoke/guest-ran-all-cases" || fail "guest-ran-all-cases: only $n PASS lines"
grep -q '^axvm: vm smoke: powered off by the guest' "$log" && echo "PASS aarch64-smoke/psci-system-off" \
    || fail "psci-system-off: VM did not stop through PSCI"
grep -q 'HYPERVISOR FAULT\|hypervisor halted' "$log" && fail "no-hypervisor-fault: see $log"
if [ $rc -eq 0 ] && grep -q '^axvm: all VMs stopped, powering off' "$log"; then
    echo "PASS aarch64-smoke/machine-off"
else
    fail "machine-off: QEMU exit $rc (124 = timeout), see $log"
fi
[ $status -eq 0 ] || tail -30 "$log" | sed 's/^/# /'
exit $status
