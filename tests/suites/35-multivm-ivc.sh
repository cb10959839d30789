#!/usr/bin/env bash
# Two VMs talking through IVC channels (configs/multivm/ivc.toml, guest
# guests/aarch64/ivc/): 2000 numbered messages A -> B on the channel of the
# configuration, each with a doorbell and answered with one; then 2000 B -> A
# on a channel A allocates at run time (IVC_ALLOC) and then releases. No
# message lost or duplicated, exactly one doorbell each; bad hypercall
# arguments (unknown channel, address outside the guest or over its RAM or
# devices, size 0 / overflowing / too big, double release) get their error
# codes; the released window is gone from the peer's stage-2.
set -u
cd "$(dirname "$0")/../.."
suite=multivm-ivc
. tests/integration/multivm/common.sh
mv_need_tools
mv_build "$b/guests/aarch64/ivc.bin"
mv_config configs/multivm/ivc.toml "$out/ivc/ivc.bin"
mv_pass build

log=$out/ivc.log
mv_qemu "$out/ivc/ivc.bin"
timeout 60 "${QEMU[@]}" </dev/null >"$log" 2>&1
rc=$?
mv_verdicts "$log" ivc-a ivc.cfg.find ivc.cfg.round-trips ivc.rt.alloc ivc.rt.received ivc.rt.release \
    ivc.rt.double-release ivc.rt.doorbell-after-release ivc.bad.alloc-outside-ipa-space ivc.bad.alloc-size-overflow \
    ivc.bad.doorbell-unknown ivc.bad.nothing-left-behind ivc.peer-result
mv_verdicts "$log" ivc-b ivc.cfg.find ivc.cfg.received ivc.rt.find-info ivc.rt.round-trips \
    ivc.rt.doorbell-after-release ivc.rt.unmapped-after-release
for vm in ivc-a ivc-b; do
    if grep -aq "^axvm: vm $vm exit status 0" "$log"; then mv_pass "$vm/exit-status-0"; else mv_fail "$vm/exit-status-0: $(grep -a "^axvm: vm $vm exit status" "$log")"; fi
done
grep -a '^\[ivc-.\] # ivc: .* round trips' "$log" | tr -d '\r' | sed 's/^/# /'
mv_machine_off $rc "$log"
[ $mv_status -eq 0 ] || tail -15 "$log" | sed 's/^/# /'
exit $mv_status
