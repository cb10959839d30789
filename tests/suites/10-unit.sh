#!/usr/bin/env bash
# Unit tests (cmocka, hosted): every binary of mk/unit.mk, plain and under
# ASan/UBSan, plus the freestanding AArch64 build of the core.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/common.sh
out=${BUILD:-build}/tests/unit
mkdir -p "$out"

if make -j2 core-aarch64 > "$out/core-aarch64.log" 2>&1; then
    echo "PASS unit/core-aarch64-freestanding"
else
    tail -20 "$out/core-aarch64.log"
    echo "FAIL unit/core-aarch64-freestanding: make core-aarch64 failed (see $out/core-aarch64.log)"
fi

if ! make -j2 -k unit > "$out/build.log" 2>&1; then
    grep -E 'error|Error' "$out/build.log" | head -30
    echo "FAIL unit/build: make unit failed (see $out/build.log)"
fi

for bin in $(make -s unit-list); do
    name=$(basename "$bin")
    name=${name#test_}
    case "$bin" in */asan/*) label="unit-asan/$name" ;; *) label="unit/$name" ;; esac
    if [ ! -x "$bin" ]; then
        echo "FAIL $label: not built"
        continue
    fi
    run_cmocka "$label" timeout 60 "$bin"
done
