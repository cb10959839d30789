/* selftest: the guest runtime checking itself, with nothing the hypervisor
 * has to emulate beyond the console and the final exit. Run it first on a
 * new hypervisor build: if it fails, the other guests' verdicts mean nothing. */
#include "exc.h"
#include "printf.h"
#include "sysreg.h"
#include "test.h"

const char guest_name[] = "selftest";

#define UNMAPPED_VA 0x7F00000000ul

static bool str_eq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static void fmt_case(const char *name, const char *got, const char *want)
{
    test_check(name, str_eq(got, want), "got \"%s\", want \"%s\"", got, want);
}

void guest_main(void)
{
    uint64_t el = (read_sysreg(CurrentEL) >> 2) & 3;
    test_eq("current-el", el, 1);
    test_check("mmu-on", (read_sysreg(sctlr_el1) & 1) != 0, "SCTLR_EL1 %#lx", read_sysreg(sctlr_el1));

    static volatile uint64_t ram_word = 42;
    struct fault_info f;
    fault_expect();
    uint64_t v = ram_word;
    test_check("fault.none-on-ram", !fault_collect(&f) && v == 42, "a plain RAM load was reported as a fault");

    uint64_t at = 0;
    fault_expect();
    __asm__ volatile("adr %0, 1f\n1:\tudf #0" : "=r"(at)::"memory");
    if (!fault_collect(&f))
        test_fail("fault.udf", "udf executed without an exception");
    else
        test_check("fault.udf", ESR_EC(f.esr) == EC_UNKNOWN && f.elr == at, "ESR %#lx ELR %#lx (udf at %#lx)",
                   f.esr, f.elr, at);

    fault_expect();
    v = *(volatile uint64_t *)UNMAPPED_VA;
    if (!fault_collect(&f))
        test_fail("fault.stage1-translation", "load from unmapped VA %#lx completed", UNMAPPED_VA);
    else
        test_check("fault.stage1-translation",
                   ESR_EC(f.esr) == EC_DABT_CUR && f.far == UNMAPPED_VA && ESR_DFSC(f.esr) == 0x05,
                   "ESR %#lx (want EC 0x25, DFSC 0x05: translation fault, level 1) FAR %#lx", f.esr, f.far);
    (void)v;

    /* Two faults in a row, and the state is clean afterwards. */
    fault_expect();
    __asm__ volatile("udf #1" ::: "memory");
    bool first = fault_collect(&f);
    fault_expect();
    __asm__ volatile("udf #2" ::: "memory");
    bool second = fault_collect(&f);
    test_check("fault.back-to-back", first && second && !fault_collect(&f), "first %d second %d", first, second);

    char buf[64];
    g_snprintf(buf, sizeof(buf), "%d|%i|%u", -5, 0, 4000000000u);
    fmt_case("printf.decimal", buf, "-5|0|4000000000");
    g_snprintf(buf, sizeof(buf), "%08lx|%#x|%X", (uint64_t)0xbeef, 255u, 0xabcu);
    fmt_case("printf.hex", buf, "0000beef|0xff|ABC");
    g_snprintf(buf, sizeof(buf), "[%-4s][%4s][%c][%5d][%-5d]", "ab", "cd", 'x', -42, 7);
    fmt_case("printf.padding", buf, "[ab  ][  cd][x][  -42][7    ]");
    g_snprintf(buf, sizeof(buf), "%ld|%lu", (int64_t)-9223372036854775807ll - 1, ~(uint64_t)0);
    fmt_case("printf.extremes", buf, "-9223372036854775808|18446744073709551615");
    int n = g_snprintf(buf, 5, "%s", "truncated");
    test_check("printf.truncation", n == 9 && str_eq(buf, "trun"), "returned %d, buffer \"%s\"", n, buf);
}
