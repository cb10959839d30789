#!/usr/bin/env bash
# Isolation and independent lifecycles, four VMs at once
# (configs/multivm/isolation.toml; guests/aarch64/probe/ and life/):
#   probe     reads, writes and jumps to the hypervisor's image and range, the
#             blob and the whole page pool (page by page where the other
#             VMs' RAM is) as guest-physical addresses: every access aborts
#   ticker    prints TICK <n> and checks an 8 MiB pattern in its RAM all along
#   rebooter  PSCI SYSTEM_RESET: second boot from pristine images, then
#             PSCI SYSTEM_OFF
#   faulter   an access no device handles, policy "stop-vm": only it stops
# The ticker's count must run on, one by one, across all of it.
set -u
cd "$(dirname "$0")/../.."
suite=multivm-isolation
. tests/integration/multivm/common.sh
mv_need_tools
mv_build "$b/guests/aarch64/probe.bin" "$b/guests/aarch64/life.bin"
mv_config configs/multivm/isolation.toml "$out/isolation/isolation.bin"
mv_pass build

log=$out/isolation.log
mv_qemu "$out/isolation/isolation.bin"
timeout 60 "${QEMU[@]}" </dev/null >"$log" 2>&1
rc=$?
tr -d '\r' <"$log" >"$log.txt"
t=$log.txt

mv_verdicts "$t" probe probe.own-ram probe.hyp-image.read-write probe.hyp-image.exec probe.hyp-range probe.blob \
    probe.pool.dense probe.pool.sparse probe.above-ram probe.own-ram-after
mv_verdicts "$t" ticker life.ticker.others-done life.ticker.rebooter-ok life.ticker.memory-intact
mv_verdicts "$t" rebooter life.rebooter.boot1.pristine life.rebooter.boot2.count life.rebooter.boot2.data-pristine \
    life.rebooter.boot2.bss-zero life.rebooter.boot2.ram-zeroed life.rebooter.boot2.ticker-went-on

# The probe swept page by page over [0x5000_0000, 0x5400_0000): the other
# VMs' RAM must be in there for that to mean anything.
for vm in ticker rebooter faulter; do
    r=$(sed -n -E "s/^axvm: vm $vm: ram 0x[0-9a-f]+\+(0x[0-9a-f]+) at host (0x[0-9a-f]+)\$/\2 \1/p" "$t" | head -1)
    if [ -z "$r" ]; then
        mv_fail "probe-covers-$vm: no 'ram ... at host' line"
    else
        set -- $r
        if [ $(($1)) -ge $((0x50000000)) ] && [ $(($1 + $2)) -le $((0x54000000)) ]; then
            mv_pass "probe-covers-$vm (host $1+$2)"
        else
            mv_fail "probe-covers-$vm: its RAM is at host $1+$2, outside the probe's page-by-page window"
        fi
    fi
done

# Lifecycles, in the order of the console.
line_of() { grep -an -m1 -- "$1" "$t" | cut -d: -f1; }
reboot_at=$(line_of '^axvm: vm rebooter: rebooting')
rebooter_off=$(line_of '^axvm: vm rebooter: stopped')
faulter_stop=$(line_of '^axvm: error: vm faulter vcpu 0: unhandled .*stopping the VM')
faulter_off=$(line_of '^axvm: vm faulter: stopped')
probe_end=$(line_of '^\[probe\] RESULT')
ticks_between() { awk -v a="$1" -v z="$2" 'NR > a && NR < z && /^\[ticker\] TICK /' "$t" | wc -l; }
last=$(wc -l <"$t")
if [ -n "$reboot_at" ] && [ -n "$rebooter_off" ] && grep -aq '^axvm: vm 62 rebooter: STOPPED, boots 2,' "$t"; then
    mv_pass "rebooter/reboot-then-off (boots 2)"
else
    mv_fail "rebooter/reboot-then-off: rebooting line ${reboot_at:-missing}, stopped line ${rebooter_off:-missing}"
fi
if [ -n "$faulter_stop" ] && [ -n "$faulter_off" ] && ! grep -aq '^\[faulter\] RESULT' "$t" &&
        grep -aq '^axvm: vm 63 faulter: STOPPED, boots 1, exit status -13' "$t"; then
    mv_pass "faulter/stopped-alone"
else
    mv_fail "faulter/stopped-alone: stop line ${faulter_stop:-missing}, stopped ${faulter_off:-missing}"
fi
if [ -n "$reboot_at" ] && [ -n "$rebooter_off" ] && [ -n "$faulter_off" ] && [ -n "$probe_end" ]; then
    before=$(ticks_between 0 "$reboot_at")
    during=$(ticks_between "$reboot_at" "$rebooter_off")
    after=$(ticks_between "$(( rebooter_off > faulter_off ? rebooter_off : faulter_off ))" "$last")
    after_probe=$(ticks_between "$probe_end" "$last")
    if [ "$before" -gt 0 ] && [ "$during" -gt 0 ] && [ "$after" -gt 0 ] && [ "$after_probe" -gt 0 ]; then
        mv_pass "ticker/ticks-through (before reboot $before, during $during, after stops $after, after probe $after_probe)"
    else
        mv_fail "ticker/ticks-through: before reboot $before, rebooting $during, after the stops $after, after the probe $after_probe"
    fi
fi
# One by one: no tick lost or repeated while the others reset and fault.
if awk '/^\[ticker\] TICK / { n++; if ($3 != n) bad = 1 } END { exit (n > 0 && !bad) ? 0 : 1 }' "$t"; then
    mv_pass "ticker/count-continuous ($(grep -ac '^\[ticker\] TICK ' "$t") ticks)"
else
    mv_fail "ticker/count-continuous: TICK numbers not 1, 2, 3, ..."
fi
mv_machine_off $rc "$log"
[ $mv_status -eq 0 ] || grep -av TICK "$t" | tail -15 | sed 's/^/# /'
exit $mv_status
