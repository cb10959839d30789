#!/usr/bin/env bash
# Tools: the configuration compiler (every class of invalid configuration,
# every example in configs/), the C blob loader against the compiler's blobs,
# the console driver, the guest fetcher's cache and the QEMU command line.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/common.sh
BUILD=${BUILD:-build}
out=$BUILD/tests/tools
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
export AXVM_CACHE=$cache
mkdir -p "$out"
rc=0

# 1. axvm-config: valid and invalid configurations.
python3 tests/tools/test_axvm_config.py || rc=1

# 2. The C loader reads what the Python tool writes, and rejects damaged copies.
if make -s "$out/test_config" > "$out/make.log" 2>&1; then
    head -c 256 /dev/urandom > "$out/tiny.bin"
    if AXVM_TEST_IMAGE=$PWD/$out/tiny.bin tools/axvm-config tests/tools/blob-2vm.toml -o "$out" -q \
            > "$out/blob.log" 2>&1; then
        run_cmocka loader "$out/test_config" "$out/blob-2vm.bin"
    else
        cat "$out/blob.log"; echo "FAIL loader/blob: tools/axvm-config tests/tools/blob-2vm.toml failed"
    fi
else
    tail -20 "$out/make.log"; echo "FAIL loader/build: make $out/test_config failed"
fi

# 3. Every example in configs/ compiles (platform-only files are used by the
#    others). One whose only errors are unreadable images (not fetched / not
#    built) is skipped, loudly.
have_linux=0
if tools/fetch-guest.sh "$cache" > "$out/fetch.log" 2>&1; then have_linux=1; fi
make -s guests-aarch64 kvm-guests > "$out/guests.log" 2>&1 || echo "# make guests-aarch64 kvm-guests failed (see $out/guests.log)"
for f in configs/*.toml configs/*/*.toml; do
    [ -f "$f" ] || continue
    name=${f#configs/}; name=${name%.toml}
    if grep -q '^\[platform\]' "$f"; then continue; fi
    err=$out/configs/${name//\//_}.err
    mkdir -p "$out/configs"
    if tools/axvm-config "$f" -o "$out/configs" -q 2> "$err"; then
        echo "PASS configs/$name"
    elif grep -q 'ivc\[[0-9]*\]\.peer: no VM named' "$err" &&
            ! grep '^error: ' "$err" | grep -qv 'cannot read\|ivc\[[0-9]*\]\.peer: no VM named'; then
        # Its IVC peers are defined by a run file beside it, which lists it
        # and is compiled (PASS/FAIL) on its own line: nothing to count here.
        if grep -qs "\"$(basename "$f")\"" "$(dirname "$f")"/*.toml; then
            echo "# configs/$name: VM file of a run file with its IVC peers (compiled there)"
        else
            sed 's/^/# /' "$err"; echo "FAIL configs/$name: IVC peers exist in no run file beside it"; rc=1
        fi
    elif ! grep '^error: ' "$err" | grep -qv 'cannot read'; then
        echo "SKIP configs/$name: image missing: $(grep -m1 '^error: ' "$err" | sed 's/.*cannot read //')"
    else
        sed 's/^/# /' "$err"; echo "FAIL configs/$name: does not compile"; rc=1
    fi
done
# The config of `make run` compiles through the make target too.
if [ "$have_linux" -eq 1 ]; then
    if make -s config CACHE="$cache" BUILD="$BUILD" > "$out/make-config.log" 2>&1 \
            && [ -s "$BUILD/config/qemu-virt-linux.bin" ]; then
        echo "PASS configs/make-config"
    else
        sed 's/^/# /' "$out/make-config.log" | tail -10; echo "FAIL configs/make-config: make config failed"
    fi
fi

# 4. The DTB generated for the Linux VM boots the Debian kernel under bare QEMU
#    (PSCI over hvc, GICv3, PL011, initrd and bootargs from /chosen). QEMU puts
#    its own copy of the DTB at 0x4800_0000, so the initrd moves for this run.
if [ "$have_linux" -eq 1 ] && command -v qemu-system-aarch64 >/dev/null; then
    if tools/axvm-config configs/qemu-virt-linux.toml -o "$out/dtb" -q \
            --set kernel.ramdisk_load_addr=0x44000000 2> "$out/dtb.err" \
       && timeout 90 tools/qemu-console.py --quiet --log "$out/dtb-boot.log" -t 60 \
            -e 'AXVM-GUEST-READY nproc=2' -e '/ # ' -t 10 -s 'cat /proc/cmdline' \
            -e '^console=ttyAMA0 earlycon=pl011,0x09000000 rdinit=/init\r?$' \
            -s 'poweroff -f' -t 20 -x 0 -n 'Kernel panic' -- \
            qemu-system-aarch64 -M virt,gic-version=3 -cpu cortex-a72 -smp 2 -m 512 \
            -nographic -no-reboot -kernel "$cache/Image" -dtb "$out/dtb/qemu-virt-linux.linux.dtb" \
            -device "loader,file=$cache/initramfs.cpio.gz,addr=0x44000000,force-raw=on" \
            2> "$out/dtb-driver.err"; then
        echo "PASS dtb/linux-boots-on-generated-dtb"
    else
        cat "$out/dtb.err" "$out/dtb-driver.err" | sed 's/^/# /' | tail -20
        echo "FAIL dtb/linux-boots-on-generated-dtb: see $out/dtb-boot.log"; rc=1
    fi
else
    echo "SKIP dtb/linux-boots-on-generated-dtb: no Linux images or no QEMU"
fi

# 5. The console driver: waits, sends, checks exit codes, and fails when it should.
if tools/qemu-console.py --quiet -t 5 -e 'ready' -s 'hello' -e '^got hello$' -x 3 -- \
        sh -c 'echo ready; read l; echo "got $l"; exit 3' \
   && ! tools/qemu-console.py --quiet -t 1 -e 'never' -- sh -c 'echo other; sleep 5' 2>/dev/null \
   && ! tools/qemu-console.py --quiet -t 5 -x 0 -- sh -c 'exit 4' 2>/dev/null \
   && ! tools/qemu-console.py --quiet -t 5 -n 'oops' -x -- sh -c 'echo oops' 2>/dev/null; then
    echo "PASS console/driver"
else
    echo "FAIL console/driver: qemu-console.py misjudged a scripted session"; rc=1
fi

# 6. fetch-guest.sh is cached: a second run touches nothing.
if [ "$have_linux" -eq 1 ]; then
    before=$(stat -c %Y "$cache/Image" "$cache/initramfs.cpio.gz")
    t0=$(date +%s)
    tools/fetch-guest.sh "$cache" > "$out/fetch2.log" 2>&1
    after=$(stat -c %Y "$cache/Image" "$cache/initramfs.cpio.gz")
    if [ "$before" = "$after" ] && [ $(( $(date +%s) - t0 )) -le 2 ] && grep -q "$cache/Image" "$out/fetch2.log"; then
        echo "PASS fetch/cached"
    else
        echo "FAIL fetch/cached: second run rebuilt or was slow"; rc=1
    fi
else
    echo "SKIP fetch/cached: fetch failed (see $out/fetch.log)"
fi

# 7. The hypervisor itself refuses a damaged blob and powers off cleanly
#    (loader in the EL2 image, not only in the unit test).
if make -s "$BUILD/aarch64/axvm.elf" > "$out/hyp.log" 2>&1 && [ -f "$out/blob-2vm.bin" ]; then
    python3 - "$out/blob-2vm.bin" "$out/bad-blob.bin" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-3] ^= 0x10                     # one bit of the last image
open(sys.argv[2], "wb").write(b)
PY
    log=$out/hyp-bad-blob.log
    timeout 60 tools/run-qemu.sh --batch --timeout 30 --blob "$out/bad-blob.bin" < /dev/null > "$log" 2>&1
    hrc=$?
    if [ "$hrc" -eq 0 ] && grep -q 'configuration blob at 0x48000000 rejected: checksum' "$log"; then
        echo "PASS hypervisor/rejects-corrupted-blob"
    else
        sed 's/^/# /' "$log" | tail -10
        echo "FAIL hypervisor/rejects-corrupted-blob: QEMU status $hrc, no rejection message"; rc=1
    fi
else
    echo "SKIP hypervisor/rejects-corrupted-blob: $BUILD/aarch64/axvm.elf does not build (see $out/hyp.log)"
fi

# 8. The hypervisor's QEMU command line (shared facts).
cmdline=$(tools/run-qemu.sh --batch --print --blob some.bin)
ok=1
for want in 'virt\,virtualization=on\,gic-version=3' '-cpu cortex-a72' '-smp 4' '-m 2048' \
            '-kernel build/aarch64/axvm.elf' 'loader\,file=some.bin\,addr=0x48000000\,force-raw=on'; do
    grep -qF -- "$want" <<<"$cmdline" || { echo "# missing $want in: $cmdline"; ok=0; }
done
if [ "$ok" -eq 1 ]; then echo "PASS run-qemu/cmdline"; else echo "FAIL run-qemu/cmdline"; rc=1; fi

exit $rc
