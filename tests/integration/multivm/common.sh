# Helpers of the multi-VM suites (tests/suites/35-multivm-*.sh). Source it
# from the repository root after setting `suite` (the label of the lines).
#
# Several VMs share the console, so every line a VM prints carries its name:
# "[ticker] PASS life.ticker.memory-intact". The hypervisor's own lines start
# with "axvm:".

b=${BUILD:-build}
out=$b/tests/multivm
mkdir -p "$out"
mv_status=0

mv_fail() { echo "FAIL $suite/$1"; mv_status=1; }
mv_pass() { echo "PASS $suite/$1"; }

# mv_need_tools: SKIP the whole suite (exit 0) without the cross compiler or QEMU.
mv_need_tools() {
    if ! command -v qemu-system-aarch64 >/dev/null || ! command -v aarch64-linux-gnu-gcc >/dev/null; then
        echo "SKIP $suite: qemu-system-aarch64 or aarch64-linux-gnu-gcc missing (make deps)"
        exit 0
    fi
}

# mv_build TARGET...: make them (and the hypervisor), FAIL build and exit on error.
mv_build() {
    local blog
    if ! blog=$(make -s -j2 hyp-aarch64 "$@" 2>&1); then
        echo "$blog" | tail -20 | sed 's/^/# /'
        echo "FAIL $suite/build: make hyp-aarch64 $*"
        exit 1
    fi
}

# mv_config RUN_FILE BLOB: compile a run file; FAIL config and exit on error.
mv_config() {
    local log
    mkdir -p "$(dirname "$2")"
    if ! log=$(AXVM_CACHE=${AXVM_CACHE:-$HOME/.cache/axvm} tools/axvm-config -q "$1" -o "$(dirname "$2")" --blob "$2" 2>&1); then
        echo "$log" | tail -10 | sed 's/^/# /'
        echo "FAIL $suite/config: tools/axvm-config $1"
        exit 1
    fi
}

# mv_qemu BLOB: the QEMU command line of the shared facts, in the array QEMU.
mv_qemu() {
    QEMU=(qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -smp 4 -m 2048
          -nographic -no-reboot -kernel "$b/aarch64/axvm.elf"
          -device "loader,file=$1,addr=0x48000000,force-raw=on")
}

# mv_verdicts LOG VM CASE...: the test guest's own lines of VM, as suite
# lines; its RESULT line must say failed=0; each CASE (guest.case) must have
# passed (a case that never ran is a failure too).
mv_verdicts() {
    local log=$1 vm=$2 line c
    shift 2
    while IFS= read -r line; do
        line=${line%$'\r'}
        case "$line" in
            "[$vm] PASS "*) echo "PASS $suite/$vm/${line#"[$vm] PASS "}" ;;
            "[$vm] FAIL "*) echo "FAIL $suite/$vm/${line#"[$vm] FAIL "}"; mv_status=1 ;;
            "[$vm] SKIP "*) echo "SKIP $suite/$vm/${line#"[$vm] SKIP "}" ;;
        esac
    done < <(grep -a "^\[$vm\] \(PASS\|FAIL\|SKIP\) " "$log")
    local res
    res=$(grep -a "^\[$vm\] RESULT " "$log" | tail -1 | tr -d '\r')
    if [ -z "$res" ]; then
        mv_fail "$vm/result: no RESULT line"
    elif ! grep -q ' failed=0 ' <<<"$res "; then
        mv_fail "$vm/result: ${res#*RESULT }"
    fi
    for c in "$@"; do
        grep -aq "^\[$vm\] PASS $c\$" <(tr -d '\r' <"$log") || mv_fail "$vm/$c: never passed"
    done
}

# mv_machine_off RC LOG: QEMU exited 0 after the hypervisor powered off, and
# nothing of the hypervisor broke on the way.
mv_machine_off() {
    if grep -aq 'HYPERVISOR FAULT\|hypervisor halted' "$2"; then
        mv_fail "hypervisor-alive: $(grep -a -m1 'HYPERVISOR FAULT\|hypervisor halted' "$2")"
    elif [ "$1" -eq 0 ] && grep -aq '^axvm: all VMs stopped, powering off' "$2"; then
        mv_pass "machine-off"
    else
        mv_fail "machine-off: QEMU exit $1 (124 = timeout), see $2"
    fi
}
