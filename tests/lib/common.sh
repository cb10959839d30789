# Helpers for suites. Source this file.

# Run a cmocka binary and turn its TAP output into PASS/FAIL lines.
# usage: run_cmocka <label> <binary> [args...]
run_cmocka() {
    local label=$1; shift
    local out rc
    out=$(CMOCKA_MESSAGE_OUTPUT=TAP "$@" 2>&1); rc=$?
    local seen=0
    while IFS= read -r line; do
        case "$line" in
            "ok "*) seen=1; echo "PASS $label/${line#ok * - }" ;;
            "not ok "*) seen=1; echo "FAIL $label/${line#not ok * - }" ;;
            "#"*) echo "$line" ;;
        esac
    done <<<"$out"
    if [ "$seen" -eq 0 ] || { [ "$rc" -ne 0 ] && ! grep -q '^not ok' <<<"$out"; }; then
        echo "$out" | tail -20
        echo "FAIL $label: binary exited with status $rc"
    fi
}
