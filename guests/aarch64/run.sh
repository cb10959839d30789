#!/usr/bin/env bash
# Run one AArch64 test guest and judge its console output.
#
#   guests/aarch64/run.sh [--bare|--axvm] [--raw] NAME
#
#   --axvm (default)  under the hypervisor: build/aarch64/axvm.elf with the
#                     blob compiled from configs/tests/NAME.toml, QEMU
#                     -M virt,virtualization=on (-m 2048 -smp 4)
#   --bare            directly under QEMU at EL1 (-M virt without EL2, -smp 2):
#                     checks the guest code itself; axvm-only cases skip
#   --raw             print the console as it is instead of judging it
#
# Output: the guest's PASS/FAIL/SKIP lines prefixed with the mode
# ("PASS axvm/mmio.scratch.w8"), "# ..." notes, and a verdict for the run
# itself ("PASS axvm/mmio.run" or "FAIL axvm/mmio.run: why"): the guest must
# print its RESULT line with failed=0 and stop cleanly (QEMU exits 0 within
# the timeout; under axvm, the VM's exit status is 0 or it used SYSTEM_OFF).
# The exit status is 1 if anything failed. Expects the images to be built
# (make guests-aarch64, and make hyp-aarch64 for --axvm).
set -u
cd "$(dirname "$0")/../.."
mode=axvm raw=0
while [ $# -gt 0 ]; do
    case "$1" in
        --bare) mode=bare ;;
        --axvm) mode=axvm ;;
        --raw) raw=1 ;;
        -*) echo "usage: $0 [--bare|--axvm] [--raw] NAME" >&2; exit 2 ;;
        *) break ;;
    esac
    shift
done
[ $# -eq 1 ] || { echo "usage: $0 [--bare|--axvm] [--raw] NAME" >&2; exit 2; }
name=$1
out=${BUILD:-build}/guests/aarch64
timeout_s=${GUEST_TIMEOUT:-30}
label="$mode/$name"

fail_run() { echo "FAIL $label.run: $*"; exit 1; }

case "$mode" in
    bare)
        [ -f "$out/$name.elf" ] || fail_run "$out/$name.elf not built (make guests-aarch64)"
        cmd=(qemu-system-aarch64 -M virt,gic-version=3 -cpu cortex-a72 -smp 2 -m 256
             -nographic -no-reboot -kernel "$out/$name.elf")
        ;;
    axvm)
        hyp=${BUILD:-build}/aarch64/axvm.elf
        [ -f "$hyp" ] || fail_run "$hyp not built (make hyp-aarch64)"
        [ -f "$out/$name.bin" ] || fail_run "$out/$name.bin not built (make guests-aarch64)"
        [ -f "configs/tests/$name.toml" ] || fail_run "no configs/tests/$name.toml"
        mkdir -p "$out/config"
        if ! cfg_log=$(tools/axvm-config -q "configs/tests/$name.toml" -o "$out/config" 2>&1); then
            fail_run "axvm-config: $cfg_log"
        fi
        cmd=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 4 -m 2048
             -nographic -no-reboot -kernel "$hyp"
             -device "loader,file=$out/config/$name.bin,addr=0x48000000,force-raw=on")
        ;;
esac

log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout --foreground -k 2 "$timeout_s" "${cmd[@]}" </dev/null >"$log" 2>&1
rc=$?
tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"

if [ "$raw" -eq 1 ]; then
    cat "$log"
    exit $rc
fi

# The guest's own verdicts, tagged with the mode.
sed -n -E "s#^(PASS|FAIL|SKIP) ($name\\.)#\\1 $mode/\\2#p" "$log"
grep -E "^# " "$log" | sed "s#^\# #\# $mode: #"

result=$(grep -E "^RESULT $name " "$log" | tail -1)
status=0
why=""
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    why="QEMU still running after ${timeout_s}s"
elif [ "$rc" -ne 0 ]; then
    why="QEMU exited with status $rc"
elif [ -z "$result" ]; then
    why="no RESULT line"
elif ! grep -q " failed=0 " <<<"$result "; then
    why="guest reported: ${result#RESULT }"
elif grep -q "^FAIL " "$log"; then
    why="FAIL lines on the console"
else
    # Output the guest produced through the hypervisor (test-device PUTC,
    # DEBUG_PUTC hypercall), announced by "# <guest>: console-expect TOKEN".
    for token in $(sed -n -E "s/^# $name: console-expect ([^ ]+)\$/\1/p" "$log"); do
        grep -qx -- "$token" "$log" || why="console line \"$token\" missing"
    done
fi
if [ -n "$why" ]; then
    :
elif [ "$mode" = axvm ]; then
    # The VM must have ended through the test device with status 0, or
    # (psci) through SYSTEM_OFF; either way axvm powers off when all stopped.
    if grep -qE "^axvm: vm $name exit status [1-9]" "$log"; then
        why="$(grep -E "^axvm: vm $name exit status" "$log" | tail -1)"
    elif ! grep -qE "all VMs stopped" "$log"; then
        why="axvm did not report all VMs stopped"
    fi
fi
if [ -n "$why" ]; then
    echo "FAIL $label.run: $why"
    echo "# --- last console lines of $label:"
    tail -15 "$log" | sed 's/^/#   /'
    exit 1
fi
echo "PASS $label.run"
grep -q "^FAIL " "$log" && status=1
exit $status
