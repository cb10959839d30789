#!/usr/bin/env bash
# Boot the axvm hypervisor image under QEMU (the host machine of the shared
# facts) with a compiled configuration blob.
#
# usage: tools/run-qemu.sh [options] [-- extra QEMU arguments]
#   --elf FILE       hypervisor image (default build/aarch64/axvm.elf)
#   --blob FILE      configuration blob from tools/axvm-config, loaded at
#                    0x4800_0000 (default build/config/qemu-virt-linux.bin;
#                    "none" loads nothing)
#   --interactive    console on this terminal; Ctrl-A X quits QEMU (default
#                    when stdin is a terminal)
#   --batch          for tests: serial on stdio, no monitor, -no-reboot, so
#                    input bytes never reach a QEMU monitor; use with
#                    tools/qemu-console.py to drive the console
#   --timeout SECS   batch mode: kill QEMU after SECS (exit status 124)
#   --smp N / --mem MiB   host CPUs / RAM (default 4 / 2048, as configs/qemu-virt.toml)
#   --print          print the QEMU command line instead of running it
# Exit status: QEMU's (0 when the hypervisor powers off with PSCI SYSTEM_OFF).
set -euo pipefail
cd "$(dirname "$0")/.."

elf=build/aarch64/axvm.elf
blob=build/config/qemu-virt-linux.bin
mode=
tmo=
smp=4
mem=2048
print=0
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --elf) elf=$2; shift 2 ;;
        --blob) blob=$2; shift 2 ;;
        --interactive) mode=interactive; shift ;;
        --batch) mode=batch; shift ;;
        --timeout) tmo=$2; shift 2 ;;
        --smp) smp=$2; shift 2 ;;
        --mem) mem=$2; shift 2 ;;
        --print) print=1; shift ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "run-qemu: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
if [ -z "$mode" ]; then
    if [ -t 0 ]; then mode=interactive; else mode=batch; fi
fi

BLOB_ADDR=0x48000000
BLOB_MAX=$((128 << 20))

cmd=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72
     -smp "$smp" -m "$mem" -kernel "$elf")
if [ "$blob" != none ]; then
    cmd+=(-device "loader,file=$blob,addr=$BLOB_ADDR,force-raw=on")
fi
if [ "$mode" = interactive ]; then
    cmd+=(-nographic)
else
    cmd+=(-display none -serial stdio -monitor none -no-reboot)
fi
cmd+=("${extra[@]+"${extra[@]}"}")

if [ "$print" -eq 1 ]; then
    printf '%q ' "${cmd[@]}"; echo
    exit 0
fi
if [ ! -f "$elf" ]; then
    echo "run-qemu: no hypervisor image $elf (make $elf)" >&2; exit 1
fi
if [ "$blob" != none ]; then
    if [ ! -f "$blob" ]; then
        echo "run-qemu: no configuration blob $blob (make config)" >&2; exit 1
    fi
    size=$(stat -c %s "$blob")
    if [ "$size" -gt "$BLOB_MAX" ]; then
        echo "run-qemu: $blob is $size bytes, more than the 128 MiB window at $BLOB_ADDR" >&2; exit 1
    fi
fi
if [ "$mode" = interactive ]; then
    echo "run-qemu: starting axvm ($elf, blob $blob); quit with Ctrl-A X" >&2
    exec "${cmd[@]}"
fi
if [ -n "$tmo" ]; then
    exec timeout -k 5 "$tmo" "${cmd[@]}"
fi
exec "${cmd[@]}"
