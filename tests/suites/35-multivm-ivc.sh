#!/usr/bin/env bash
# Two VMs talking through IVC channels (configs/multivm/ivc.toml, guest
# guests/aarch64/ivc/): 2000 numbered messages A -> B on the channel of the
# configuration, each with a doorbell and answered with one; then 2000 B -> A
# on a channel A allocates at run time (IVC_ALLOC, with the doorbells the
# configuration declared for the pair) and then releases. No message lost or
# duplicated, exactly one doorbell each; bad hypercall arguments (unknown
# channel, address outside the guest or over its or the peer's RAM or
# devices, size 0 / overflowing / too big, a doorbell the configuration did
# not declare, double release) get their error codes; the released window is
# gone from the peer's stage-2. A third VM, ivc-c, linked to nobody, gets
# "no such VM" for ivc-a and ivc-b, and ivc-a the same for ivc-c.
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
    ivc.bad.doorbell-unknown ivc.bad.nothing-left-behind ivc.peer-result ivc.bad.alloc-unlinked-peer \
    ivc.bad.alloc-unlinked-peer-bad-args ivc.bad.alloc-my-irq-undeclared ivc.bad.alloc-peer-irq-undeclared \
    ivc.bad.alloc-peer-timer-ppi ivc.bad.alloc-peer-sgi ivc.bad.alloc-irqs-swapped ivc.bad.alloc-peer-over-gicd \
    ivc.bad.alloc-peer-over-gicr ivc.bad.alloc-peer-over-uart ivc.bad.alloc-peer-over-testdev
mv_verdicts "$log" ivc-b ivc.cfg.find ivc.cfg.received ivc.rt.find-info ivc.rt.round-trips \
    ivc.rt.doorbell-after-release ivc.rt.unmapped-after-release
mv_verdicts "$log" ivc-c ivc.c.alloc-to-a ivc.c.alloc-to-b ivc.c.alloc-to-b-timer ivc.c.alloc-to-nobody \
    ivc.c.nothing-mapped ivc.c.no-foreign-channel
for vm in ivc-a ivc-b ivc-c; do
    if grep -aq "^axvm: vm $vm exit status 0" "$log"; then mv_pass "$vm/exit-status-0"; else mv_fail "$vm/exit-status-0: $(grep -a "^axvm: vm $vm exit status" "$log")"; fi
done
grep -a '^\[ivc-.\] # ivc: .* round trips' "$log" | tr -d '\r' | sed 's/^/# /'
mv_machine_off $rc "$log"
[ $mv_status -eq 0 ] || tail -15 "$log" | sed 's/^/# /'
exit $mv_status
