#!/usr/bin/env bash
# The shared console of several VMs (configs/multivm/console.toml: two "echo"
# VMs of guests/aarch64/life/ that echo each line typed to them):
# every VM line is prefixed with its name; input goes to one VM at a time and
# Ctrl-] 2 / Ctrl-] n switch it; Ctrl-] s prints the status (VMs, states,
# vCPU -> pCPU placement, exit statistics); Ctrl-] h the help; Ctrl-] Ctrl-]
# sends a Ctrl-] to the VM; an unknown VM number is refused; input for a
# VM that has stopped is reported as dropped.
set -u
cd "$(dirname "$0")/../.."
suite=multivm-console
. tests/integration/multivm/common.sh
mv_need_tools
mv_build "$b/guests/aarch64/life.bin"
mv_config configs/multivm/console.toml "$out/console/console.bin"
mv_pass build

log=$out/console.log
mv_qemu "$out/console/console.bin"
tag=c$RANDOM$RANDOM
# Typed text is not echoed by these guests: a line "ECHO <text>" comes only
# from the VM that received it.
if timeout 60 tools/qemu-console.py --quiet --log "$log" -t 20 \
        -e '^axvm: console input goes to #1 echo-1' \
        -e '^\[echo-.\] ECHO ready' -e '^\[echo-.\] ECHO ready' \
        -s "$tag-one" -e "^\\[echo-1\\] ECHO $tag-one\$" \
        -r '\x1d2' -e '^axvm: console input -> #2 echo-2$' \
        -s "$tag-two" -e "^\\[echo-2\\] ECHO $tag-two\$" \
        -r '\x1ds' -e '^axvm: status: 2 VM' -e '^axvm: end of status$' \
        -r '\x1d9' -e '^axvm: no VM #9$' \
        -r '\x1dh' -e '^axvm: console commands: Ctrl-\] then$' \
        -r '\x1d\x1dz\n' -e '^\[echo-2\] ECHO \x1dz$' \
        -r '\x1dn' -e '^axvm: console input -> #1 echo-1$' \
        -s quit -e '^\[echo-1\] RESULT life .*failed=0' -e '^axvm: vm echo-1: stopped' \
        -s "$tag-lost" -e '^axvm: vm echo-1 has stopped, its input is dropped' \
        -r '\x1dn' -e '^axvm: console input -> #2 echo-2$' \
        -s quit -e '^\[echo-2\] RESULT life .*failed=0' \
        -t 10 -e '^axvm: all VMs stopped, powering off' -x 0 \
        -n 'HYPERVISOR FAULT' -- "${QEMU[@]}" 2>"$out/console.err"; then
    mv_pass "switch-status-help-escape-quit"
else
    sed 's/^/# /' "$out/console.err" | tail -25
    mv_fail "switch-status-help-escape-quit: see $log"
    exit 1
fi
t=$log.txt
tr -d '\r' <"$log" >"$t"
# Input reached only the VM it was meant for.
if ! grep -aq "^\[echo-1\] ECHO $tag-two" "$t" && ! grep -aq "^\[echo-2\] ECHO $tag-one" "$t" &&
        ! grep -aq "ECHO $tag-lost" "$t"; then
    mv_pass "input-to-one-vm"
else
    mv_fail "input-to-one-vm: a line reached the wrong VM"
fi
# Every line of a VM carries its prefix: the guests' own lines all start
# with "# ", "PASS", "RESULT" or "ECHO"; none may appear bare.
if ! grep -aEq '^(# life|PASS |FAIL |RESULT |ECHO )' "$t" && [ "$(grep -ac '^\[echo-[12]\] ' "$t")" -ge 10 ]; then
    mv_pass "every-vm-line-prefixed"
else
    mv_fail "every-vm-line-prefixed: $(grep -aE -m1 '^(# life|PASS |FAIL |RESULT |ECHO )' "$t")"
fi
# The status lists both VMs, where their vCPUs run, and exit counts.
st=$(sed -n '/^axvm: status: /,/^axvm: end of status/p' "$t")
if grep -q '^axvm: vm 64 echo-1: RUNNING' <<<"$st" && grep -q '^axvm: vm 65 echo-2: RUNNING' <<<"$st" &&
        grep -q '^  vcpu 0 (pcpu 0, [A-Z]*): [0-9]* exits' <<<"$st" &&
        grep -q '^  vcpu 0 (pcpu 1, [A-Z]*): [0-9]* exits' <<<"$st" &&
        grep -q '^    HYPERCALL  *[0-9]' <<<"$st" && grep -q '^axvm: #2 (console input)$' <<<"$st" &&
        grep -q '^axvm:   pcpu 1: last ran vm echo-2 vcpu 0$' <<<"$st"; then
    mv_pass "status-content"
else
    mv_fail "status-content: VM states, vCPU placement or exit counts missing"
    sed 's/^/# /' <<<"$st" | head -30
fi
exit $mv_status
