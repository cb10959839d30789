#!/usr/bin/env bash
# Runs every suite in tests/suites/ (in name order) and totals the results.
# A suite prints one line per test case: "PASS <name>", "FAIL <name>: why" or
# "SKIP <name>: why". A suite that exits non-zero without printing a FAIL line
# counts as one failure, so a crashing suite can never look green.
set -u
cd "$(dirname "$0")/.."
pass=0 fail=0 skip=0
failed_names=()
only=${SUITES:-}
for suite in tests/suites/*.sh; do
    name=$(basename "$suite" .sh)
    if [ -n "$only" ] && ! grep -qw -- "$name" <<<"$only"; then continue; fi
    echo "=== suite $name"
    log=$(mktemp)
    start=$(date +%s)
    bash "$suite" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    p=$(grep -c '^PASS ' "$log"); f=$(grep -c '^FAIL ' "$log"); k=$(grep -c '^SKIP ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name: suite exited with status $rc"
        f=1
    fi
    while IFS= read -r line; do failed_names+=("$line"); done < <(grep '^FAIL ' "$log")
    [ "$rc" -ne 0 ] && [ "$(grep -c '^FAIL ' "$log")" -eq 0 ] && failed_names+=("FAIL $name: suite exited with status $rc")
    echo "=== suite $name: $p passed, $f failed, $k skipped ($(( $(date +%s) - start ))s)"
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + k))
    rm -f "$log"
done
if [ "$skip" -gt 0 ]; then
    echo "NOTE: $skip test(s) were SKIPPED; see the SKIP lines above for why."
fi
for l in "${failed_names[@]+"${failed_names[@]}"}"; do echo "$l"; done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
