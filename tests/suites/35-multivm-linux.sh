#!/usr/bin/env bash
# Linux beside other VMs, on disjoint physical CPUs:
#   two-linux     configs/qemu-virt-two-linux.toml: linux-a (pCPU 0) and
#                 linux-b (pCPU 2), 256 MiB each, both reach their shell;
#                 each answers a command typed to it after the console was
#                 switched to it (Ctrl-] 1 / Ctrl-] 2); the status shows both;
#                 linux-b reboots (reboot -f: PSCI SYSTEM_RESET) while linux-a
#                 answers, and comes back; both power off and QEMU exits
#   linux-guest   configs/qemu-virt-linux-plus-guest.toml: linux-a and the
#                 small "beacon" VM, which keeps ticking while Linux boots,
#                 answers its own input, and quits; then Linux powers off
set -u
cd "$(dirname "$0")/../.."
suite=multivm-linux
. tests/integration/multivm/common.sh
cache=${AXVM_CACHE:-$HOME/.cache/axvm}
mv_need_tools
mv_build "$b/guests/aarch64/life.bin"
if ! tools/fetch-guest.sh "$cache" >"$out/fetch.log" 2>&1; then
    tail -5 "$out/fetch.log" | sed 's/^/# /'
    echo "FAIL $suite/fetch: tools/fetch-guest.sh failed (see $out/fetch.log)"
    exit 1
fi
AXVM_CACHE=$cache mv_config configs/qemu-virt-two-linux.toml "$out/two-linux/two-linux.bin"
AXVM_CACHE=$cache mv_config configs/qemu-virt-linux-plus-guest.toml "$out/linux-guest/linux-guest.bin"
mv_pass build

tag=axvm-$RANDOM$RANDOM
common=(-n 'Kernel panic' -n 'HYPERVISOR FAULT' -n 'hypervisor halted')

# The typed command is echoed by the tty before the shell runs it, so an
# answer is matched as a line of its own, with the VM's prefix.
log=$out/two-linux.log
mv_qemu "$out/two-linux/two-linux.bin"
start=$(date +%s)
if timeout 200 tools/qemu-console.py --quiet --log "$log" -t 150 \
        -e '^\[linux-.\] AXVM-GUEST-READY nproc=1' -e '^\[linux-.\] AXVM-GUEST-READY nproc=1' \
        -t 30 -r '\x1d1' -e '^axvm: console input -> #1 linux-a' \
        -s "echo $tag-a \$((6*7))" -e "^\\[linux-a\\] $tag-a 42\\r?\$" \
        -r '\x1d2' -e '^axvm: console input -> #2 linux-b' \
        -s "echo $tag-b \$((6*8))" -e "^\\[linux-b\\] $tag-b 48\\r?\$" \
        -r '\x1ds' -e '^axvm: vm 11 linux-a: RUNNING' -e '^axvm: vm 12 linux-b: RUNNING' -e '^axvm: end of status' \
        -s 'reboot -f' -e '^axvm: vm linux-b: rebooting' \
        -r '\x1d1' -e '^axvm: console input -> #1 linux-a' -s "echo $tag-a-during \$((6*11))" \
        -t 150 -e '^\[linux-b\] AXVM-GUEST-READY nproc=1' -t 30 \
        -r '\x1d2' -e '^axvm: console input -> #2 linux-b' \
        -s "echo $tag-b-again \$((6*10))" -e "^\\[linux-b\\] $tag-b-again 60\\r?\$" \
        -s 'poweroff -f' -e '^axvm: vm linux-b: stopped' \
        -r '\x1dn' -e '^axvm: console input -> #1 linux-a' \
        -s "echo $tag-a-again \$((6*9))" -e "^\\[linux-a\\] $tag-a-again 54\\r?\$" \
        -s 'poweroff -f' -e '^axvm: vm linux-a: stopped' \
        -e '^axvm: all VMs stopped, powering off' -x 0 "${common[@]}" -- "${QEMU[@]}" 2>"$out/two-linux.err"; then
    mv_pass "two-linux/boot-switch-answer-reboot-poweroff ($(( $(date +%s) - start ))s)"
    t=$log.txt
    tr -d '\r' <"$log" >"$t"
    # Each answer came from the VM it was typed to, and from that one only.
    if ! grep -aq "^\[linux-b\] $tag-a 42" "$t" && ! grep -aq "^\[linux-a\] $tag-b 48" "$t"; then
        mv_pass "two-linux/input-to-one-vm"
    else
        mv_fail "two-linux/input-to-one-vm: an answer came from the other VM"
    fi
    # linux-a answered while linux-b was rebooting (after its reboot began).
    rb=$(grep -an -m1 '^axvm: vm linux-b: rebooting' "$t" | cut -d: -f1)
    ans=$(grep -an -m1 "^\[linux-a\] $tag-a-during 66\$" "$t" | cut -d: -f1)
    ready2=$(grep -an '^\[linux-b\] AXVM-GUEST-READY' "$t" | sed -n 2p | cut -d: -f1)
    if [ -n "$rb" ] && [ -n "$ans" ] && [ "$ans" -gt "$rb" ] && [ -n "$ready2" ] &&
            grep -aq '^axvm: vm 12 linux-b: STOPPED, boots 2,' "$t" && grep -aq '^axvm: vm 11 linux-a: STOPPED, boots 1,' "$t"; then
        mv_pass "two-linux/reboot-b-while-a-answers (a answered at line $ans, b rebooting at $rb, ready again at $ready2)"
    else
        mv_fail "two-linux/reboot-b-while-a-answers: rebooting line ${rb:-none}, a's answer ${ans:-none}, b ready again ${ready2:-none}"
    fi
    if grep -aq '^\[linux-a\] .*Machine model: axvm linux-a' "$t" && grep -aq '^\[linux-b\] .*Machine model: axvm linux-b' "$t"; then
        mv_pass "two-linux/both-kernels-prefixed"
    else
        mv_fail "two-linux/both-kernels-prefixed: no '[linux-x] ... Machine model: axvm linux-x' for both"
    fi
else
    sed 's/^/# /' "$out/two-linux.err" | tail -25
    mv_fail "two-linux/boot-switch-answer-reboot-poweroff: see $log"
fi

log=$out/linux-guest.log
mv_qemu "$out/linux-guest/linux-guest.bin"
start=$(date +%s)
if timeout 200 tools/qemu-console.py --quiet --log "$log" -t 150 \
        -e '^\[beacon\] ECHO ready' -e '^\[linux-a\] AXVM-GUEST-READY nproc=1' \
        -t 30 -s "echo $tag-l \$((7*7))" -e "^\\[linux-a\\] $tag-l 49\\r?\$" \
        -r '\x1d2' -e '^axvm: console input -> #2 beacon' \
        -s "$tag-beacon" -e "^\\[beacon\\] ECHO $tag-beacon\$" \
        -s quit -e '^\[beacon\] RESULT life .*failed=0' -e '^axvm: vm beacon: stopped' \
        -r '\x1d1' -e '^axvm: console input -> #1 linux-a' \
        -s "echo $tag-l2 \$((7*8))" -e "^\\[linux-a\\] $tag-l2 56\\r?\$" \
        -s 'poweroff -f' -e '^axvm: all VMs stopped, powering off' -x 0 "${common[@]}" \
        -- "${QEMU[@]}" 2>"$out/linux-guest.err"; then
    mv_pass "linux-guest/boot-answer-both-poweroff ($(( $(date +%s) - start ))s)"
    t=$log.txt
    tr -d '\r' <"$log" >"$t"
    # The small VM kept ticking while Linux booted.
    ready=$(grep -an -m1 '^\[linux-a\] AXVM-GUEST-READY' "$t" | cut -d: -f1)
    ticks=$(awk -v z="$ready" 'NR < z && /^\[beacon\] TICK /' "$t" | wc -l)
    if [ "$ticks" -ge 3 ]; then
        mv_pass "linux-guest/beacon-ticks-during-linux-boot ($ticks)"
    else
        mv_fail "linux-guest/beacon-ticks-during-linux-boot: $ticks TICK lines before Linux was ready"
    fi
else
    sed 's/^/# /' "$out/linux-guest.err" | tail -25
    mv_fail "linux-guest/boot-answer-both-poweroff: see $log"
fi
exit $mv_status
