#!/usr/bin/env bash
# The bare-metal AArch64 test guests (guests/aarch64/, docs/TEST-GUESTS.md):
#   bare/<guest>.*  each guest directly under QEMU at EL1: checks the guests'
#                   own code (axvm-only cases are skipped there and not listed)
#   axvm/<guest>.*  each guest as a VM of the EL2 hypervisor: every exit path
# GUESTS="mmio psci" limits the run; GUEST_MODES="bare" skips the hypervisor.
set -u
cd "$(dirname "$0")/../.."

if ! command -v qemu-system-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    echo "SKIP guests-aarch64: qemu-system-aarch64 or aarch64-linux-gnu-gcc missing (make deps)"
    exit 0
fi
if ! blog=$(make -s -j2 guests-aarch64 2>&1); then
    echo "$blog" | tail -20
    echo "FAIL guests-aarch64/build: make guests-aarch64 failed"
    exit 1
fi
echo "PASS guests-aarch64/build"

# A guest normally finishes in 1-3 s (sweep: ~7 s under axvm); a hang should not hold the suite for long.
export GUEST_TIMEOUT=${GUEST_TIMEOUT:-20}
guests=${GUESTS:-$(cd guests/aarch64 && for d in */main.c; do echo "${d%/main.c}"; done)}
modes=${GUEST_MODES:-bare axvm}
status=0
for mode in $modes; do
    if [ "$mode" = axvm ]; then
        if ! hlog=$(make -s -j2 hyp-aarch64 2>&1); then
            echo "$hlog" | tail -20
            echo "FAIL axvm/build: make hyp-aarch64 failed"
            status=1
            continue
        fi
    fi
    for g in $guests; do
        # SKIP lines of the guests are axvm-only cases in bare mode: not this suite's business.
        guests/aarch64/run.sh "--$mode" "$g" | grep -v '^SKIP bare/'
        [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
    done
done
exit $status
