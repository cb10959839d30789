/* axvm_vsnprintf / axvm_snprintf / axvm_printf / axvm_log. */
#include "unit_helpers.h"

#include <stdio.h>

#include "axvm/log.h"

/* deliberately odd formats below */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"

/* Compare with the C library for formats both support. */
#define CHECK(fmt, ...)                                                                                               \
    do {                                                                                                              \
        char ours[128], libc[128];                                                                                    \
        int a = axvm_snprintf(ours, sizeof(ours), fmt, __VA_ARGS__);                                                  \
        int b = snprintf(libc, sizeof(libc), fmt, __VA_ARGS__);                                                       \
        assert_string_equal(ours, libc);                                                                              \
        assert_int_equal(a, b);                                                                                       \
    } while (0)

static void test_integers(void **state)
{
    (void)state;
    CHECK("%d|%i|%u", 0, -1, 4000000000u);
    CHECK("%d", -2147483647 - 1);
    CHECK("%x|%X", 0xdeadbeefu, 0xdeadbeefu);
    CHECK("%ld|%lu|%lx", -5L, 5UL, 0xffffffffffffffffUL);
    CHECK("%lld|%llu|%llx", -9223372036854775807LL - 1, 18446744073709551615ULL, 0x123456789abcdefULL);
    CHECK("%zu|%zx", (size_t)123456, (size_t)0xabc);
    CHECK("%zd", (size_t)42);
}

static void test_width_flags(void **state)
{
    (void)state;
    CHECK("[%5d][%-5d][%05d]", 42, 42, 42);
    CHECK("[%5d][%-5d][%05d]", -42, -42, -42);
    CHECK("[%08x][%-8x][%8X]", 0xabcu, 0xabcu, 0xabcu);
    CHECK("[%10s][%-10s][%2s]", "abc", "abc", "abcdef");
    CHECK("[%3c][%-3c]", 'x', 'y');
    CHECK("[%016llx]", 0x1ULL);
    CHECK("[%-05d]", 7); /* '-' wins over '0' */
    CHECK("%%|%c|%s", 'z', "");
}

static void test_pointer_null_string(void **state)
{
    (void)state;
    char buf[64];
    axvm_snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
    assert_string_equal(buf, "0x1234");
    axvm_snprintf(buf, sizeof(buf), "%s", (const char *)NULL);
    assert_string_equal(buf, "(null)");
}

static void test_truncation(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'X', sizeof(buf));
    int n = axvm_snprintf(buf, sizeof(buf), "hello %s", "world");
    assert_int_equal(n, 11);
    assert_string_equal(buf, "hello w");
    /* size 0: nothing written, length still computed */
    buf[0] = 'Q';
    assert_int_equal(axvm_snprintf(buf, 0, "%d", 12345), 5);
    assert_int_equal(buf[0], 'Q');
    assert_int_equal(axvm_snprintf(buf, 1, "%d", 12345), 5);
    assert_int_equal(buf[0], '\0');
}

static void test_odd_formats(void **state)
{
    (void)state;
    char buf[32];
    /* an unknown conversion is shown, not swallowed; a trailing % is dropped */
    axvm_snprintf(buf, sizeof(buf), "a%qb");
    assert_string_equal(buf, "a%qb");
    axvm_snprintf(buf, sizeof(buf), "end%");
    assert_string_equal(buf, "end");
}

static void test_console_and_log(void **state)
{
    (void)state;
    fake_hal_reset();
    axvm_printf("x=%d\n", 5);
    assert_string_equal(fake_hal_console, "x=5\n");
    fake_hal_console_clear();
    axvm_log_level = AXVM_LOG_INFO;
    AXVM_DEBUG("hidden %d\n", 1);
    assert_int_equal(fake_hal_console_len, 0);
    AXVM_ERR("bad %s\n", "thing");
    assert_true(fake_hal_console_has("axvm: error: bad thing\n"));
    fake_hal_console_clear();
    /* a line longer than the buffer is cut but still ends the line */
    char big[600];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    axvm_printf("%s\n", big);
    assert_true(fake_hal_console_len > 100 && fake_hal_console_len < 600);
    assert_int_equal(fake_hal_console[fake_hal_console_len - 1], '\n');
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(axvm_strerror(AXVM_OK), "OK");
    assert_string_equal(axvm_strerror(AXVM_EOVERLAP), "EOVERLAP");
    assert_string_equal(axvm_strerror(AXVM_EIO), "EIO");
    assert_string_equal(axvm_strerror(-100), "E?");
    assert_string_equal(axvm_strerror(3), "E?");
    assert_string_equal(axvm_exit_reason_name(AXVM_EXIT_MMIO_READ), "MMIO_READ");
    assert_string_equal(axvm_exit_reason_name(AXVM_EXIT_FAIL_ENTRY), "FAIL_ENTRY");
    assert_string_equal(axvm_exit_reason_name(AXVM_EXIT_COUNT_), "?");
    assert_string_equal(axvm_vcpu_state_name(AXVM_VCPU_BLOCKED), "BLOCKED");
    assert_string_equal(axvm_vcpu_state_name((enum axvm_vcpu_state)99), "?");
    assert_string_equal(axvm_vm_state_name(AXVM_VM_STOPPING), "STOPPING");
    assert_string_equal(axvm_vm_state_name((enum axvm_vm_state)-1), "?");
    for (int e = 0; e > -AXVM_ERR_COUNT_; e--)
        assert_string_not_equal(axvm_strerror(e), "E?");
    for (unsigned r = 0; r < AXVM_EXIT_COUNT_; r++)
        assert_string_not_equal(axvm_exit_reason_name((enum axvm_exit_reason)r), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),       cmocka_unit_test(test_width_flags),
        cmocka_unit_test(test_pointer_null_string), cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_odd_formats),    cmocka_unit_test(test_console_and_log),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
