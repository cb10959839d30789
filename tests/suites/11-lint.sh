#!/usr/bin/env bash
# Static analysis of the portable core (core/ and the test device): cppcheck
# and clang-tidy must be silent. Checks chosen for signal: cppcheck's
# warning/style/performance/portability minus const-pointer advice and
# locals shadowing functions; clang-tidy's bugprone/cert/misc minus checks
# that duplicate -Wconversion or flag ordinary C (parameter order, widening
# of index arithmetic, recursion in the page-table walk).
# The clang static analyzer takes minutes on this machine: it runs only with
# AXVM_LINT_DEEP=1 (reported as SKIP otherwise).
set -u
cd "$(dirname "$0")/../.."
out=${BUILD:-build}/tests/lint
mkdir -p "$out"
srcs=(core/*.c devices/testdev.c)

if command -v cppcheck >/dev/null; then
    if cppcheck --quiet --std=c11 --enable=warning,style,performance,portability --inline-suppr \
            --error-exitcode=1 -Iinclude --suppress=missingIncludeSystem --suppress=constParameter \
            --suppress=shadowFunction "${srcs[@]}" > "$out/cppcheck.log" 2>&1; then
        echo "PASS lint/cppcheck"
    else
        head -40 "$out/cppcheck.log"
        echo "FAIL lint/cppcheck: findings (see $out/cppcheck.log)"
    fi
else
    echo "SKIP lint/cppcheck: cppcheck not installed"
fi

tidy_checks='-*,bugprone-*,cert-*,misc-*,-bugprone-easily-swappable-parameters,-misc-no-recursion,-bugprone-narrowing-conversions,-cert-err33-c,-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp,-bugprone-implicit-widening-of-multiplication-result'
run_tidy() {
    local name=$1 checks=$2
    clang-tidy --quiet -checks="$checks" "${srcs[@]}" -- -std=c11 -D_DEFAULT_SOURCE -Iinclude \
        > "$out/$name.log" 2>&1
    if grep -qE 'warning:|error:' "$out/$name.log"; then
        grep -E -A3 'warning:|error:' "$out/$name.log" | head -40
        echo "FAIL lint/$name: findings (see $out/$name.log)"
    else
        echo "PASS lint/$name"
    fi
}
if command -v clang-tidy >/dev/null; then
    run_tidy clang-tidy "$tidy_checks"
    if [ "${AXVM_LINT_DEEP:-0}" = 1 ]; then
        # memcpy/memset "insecure API" and va_list-parameter findings are false positives here
        run_tidy clang-analyzer '-*,clang-analyzer-*,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,-clang-analyzer-valist.Uninitialized'
    else
        echo "SKIP lint/clang-analyzer: slow (minutes); run with AXVM_LINT_DEEP=1"
    fi
else
    echo "SKIP lint/clang-tidy: clang-tidy not installed"
fi
