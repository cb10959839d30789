/* Unit tests of the x86 general-register views (arch/x86_64/regs.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "regs.h"

static void index_map_and_rsp(void **state)
{
    (void)state;
    struct x86_gprs g;
    for (unsigned i = 0; i < 16; i++)
        g.r[i] = 0x1000u + i;
    uint64_t v;
    for (unsigned i = 0; i < 16; i++) {
        if (i == X86_RSP) {
            assert_int_equal(x86_gpr_get(&g, i, X86_VIEW_64, &v), AXVM_ERANGE);
            assert_int_equal(x86_gpr_set(&g, i, X86_VIEW_64, 1), AXVM_ERANGE);
            continue;
        }
        assert_int_equal(x86_gpr_get(&g, i, X86_VIEW_64, &v), AXVM_OK);
        assert_int_equal(v, 0x1000u + i);
    }
    assert_int_equal(x86_gpr_get(&g, 16, X86_VIEW_64, &v), AXVM_ERANGE);
    assert_int_equal(x86_gpr_get(&g, 0xFF, X86_VIEW_32, &v), AXVM_ERANGE);
    assert_int_equal(g.r[X86_RSP], 0x1004u); /* untouched by the failed set */
}

static void write_rules(void **state)
{
    (void)state;
    struct x86_gprs g;
    memset(&g, 0, sizeof g);
    g.r[X86_RAX] = 0x1122334455667788ull;
    /* a 32-bit write zero-extends */
    assert_int_equal(x86_gpr_set(&g, X86_RAX, X86_VIEW_32, 0xFFFFFFFFAABBCCDDull), AXVM_OK);
    assert_int_equal(g.r[X86_RAX], 0xAABBCCDDull);
    /* 16- and 8-bit writes keep the rest */
    g.r[X86_RBX] = 0x1122334455667788ull;
    assert_int_equal(x86_gpr_set(&g, X86_RBX, X86_VIEW_16, 0xABCD), AXVM_OK);
    assert_int_equal(g.r[X86_RBX], 0x112233445566ABCDull);
    assert_int_equal(x86_gpr_set(&g, X86_RBX, X86_VIEW_8L, 0x1EF), AXVM_OK);
    assert_int_equal(g.r[X86_RBX], 0x112233445566ABEFull);
    assert_int_equal(x86_gpr_set(&g, X86_RBX, X86_VIEW_8H, 0x99), AXVM_OK);
    assert_int_equal(g.r[X86_RBX], 0x11223344556699EFull);
    g.r[X86_R9] = ~0ull;
    assert_int_equal(x86_gpr_set(&g, X86_R9, X86_VIEW_8L, 0), AXVM_OK);
    assert_int_equal(g.r[X86_R9], 0xFFFFFFFFFFFFFF00ull);
}

static void read_views(void **state)
{
    (void)state;
    struct x86_gprs g;
    memset(&g, 0, sizeof g);
    g.r[X86_RDX] = 0x8877665544332211ull;
    uint64_t v;
    assert_int_equal(x86_gpr_get(&g, X86_RDX, X86_VIEW_32, &v), AXVM_OK);
    assert_int_equal(v, 0x44332211ull);
    assert_int_equal(x86_gpr_get(&g, X86_RDX, X86_VIEW_16, &v), AXVM_OK);
    assert_int_equal(v, 0x2211ull);
    assert_int_equal(x86_gpr_get(&g, X86_RDX, X86_VIEW_8L, &v), AXVM_OK);
    assert_int_equal(v, 0x11ull);
    assert_int_equal(x86_gpr_get(&g, X86_RDX, X86_VIEW_8H, &v), AXVM_OK);
    assert_int_equal(v, 0x22ull);
    /* ah-style views exist only for rax..rbx */
    assert_int_equal(x86_gpr_get(&g, X86_RSI, X86_VIEW_8H, &v), AXVM_ERANGE);
    assert_int_equal(x86_gpr_set(&g, X86_R8, X86_VIEW_8H, 1), AXVM_ERANGE);
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(x86_gpr_name(X86_RAX, X86_VIEW_32), "eax");
    assert_string_equal(x86_gpr_name(X86_RBX, X86_VIEW_8H), "bh");
    assert_string_equal(x86_gpr_name(X86_R12, X86_VIEW_16), "r12w");
    assert_string_equal(x86_gpr_name(X86_RDI, X86_VIEW_8L), "dil");
    assert_null(x86_gpr_name(X86_RSP, X86_VIEW_64));
    assert_null(x86_gpr_name(X86_RSI, X86_VIEW_8H));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(index_map_and_rsp),
        cmocka_unit_test(write_rules),
        cmocka_unit_test(read_views),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
