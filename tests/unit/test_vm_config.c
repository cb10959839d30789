/* axvm_vm_config_validate: every rule, each with its error code and reason. */
#include "unit_helpers.h"

static struct axvm_vm_config good;
static const char img[16] = "image";

static int setup(void **state)
{
    unit_setup(state);
    unit_config(&good, 1, "ok", 2, 0);
    good.images[0] = (struct axvm_image){img, sizeof(img), U_RAM_BASE + 0x1000};
    good.n_images = 1;
    good.passthrough[0] = (struct axvm_passthrough){0x0a000000, 0x0a000000, 0x1000};
    good.n_passthrough = 1;
    return 0;
}

static void expect_bad(const struct axvm_vm_config *c, int err, const char *why_part)
{
    const char *why = NULL;
    int rc = axvm_vm_config_validate(c, &why);
    if (rc != err)
        fail_msg("got %s (%s), want %s", axvm_strerror(rc), why ? why : "-", axvm_strerror(err));
    assert_non_null(why);
    if (!strstr(why, why_part))
        fail_msg("reason '%s' does not mention '%s'", why, why_part);
}

static void test_good(void **state)
{
    (void)state;
    const char *why = "x";
    assert_int_equal(axvm_vm_config_validate(&good, &why), AXVM_OK);
    assert_null(why);
    assert_int_equal(axvm_vm_config_validate(&good, NULL), AXVM_OK);
    assert_int_equal(axvm_vm_config_validate(NULL, NULL), AXVM_EINVAL);
}

static void test_name_and_cpus(void **state)
{
    (void)state;
    struct axvm_vm_config c = good;
    memset(c.name, 'a', sizeof(c.name));
    expect_bad(&c, AXVM_EINVAL, "NUL");
    c = good;
    c.name[0] = '\0';
    expect_bad(&c, AXVM_EINVAL, "empty");
    c = good;
    c.vcpu_count = 0;
    expect_bad(&c, AXVM_ERANGE, "vcpu_count");
    c.vcpu_count = AXVM_MAX_VCPUS + 1;
    expect_bad(&c, AXVM_ERANGE, "vcpu_count");
    c = good;
    c.phys_cpu[1] = 4; /* the fake machine has 4 */
    expect_bad(&c, AXVM_ERANGE, "phys_cpu");
    c.phys_cpu[1] = 0;
    expect_bad(&c, AXVM_EINVAL, "twice");
    fake_hal_ncpus = 1;
    expect_bad(&good, AXVM_ERANGE, "phys_cpu");
}

static void test_memory(void **state)
{
    (void)state;
    struct axvm_vm_config c = good;
    c.n_mem = 0;
    expect_bad(&c, AXVM_EINVAL, "no RAM");
    c.n_mem = AXVM_MAX_MEM_REGIONS + 1;
    expect_bad(&c, AXVM_ERANGE, "too many");
    c = good;
    c.mem[0].size = 0;
    expect_bad(&c, AXVM_EINVAL, "empty");
    c = good;
    c.mem[0].gpa += 0x800;
    expect_bad(&c, AXVM_EALIGN, "aligned");
    c = good;
    c.mem[0].size = 0x1800;
    expect_bad(&c, AXVM_EALIGN, "aligned");
    c = good;
    c.mem[0].gpa = 0xfffffffffff00000ull;
    c.mem[0].size = 0x200000;
    expect_bad(&c, AXVM_EINVAL, "wraps");
    c = good;
    c.mem[0].flags = 0x100;
    expect_bad(&c, AXVM_EINVAL, "flags");
    c = good;
    c.mem[1] = (struct axvm_mem_config){U_RAM_BASE + U_RAM_SIZE - 0x1000, 0x2000, 0};
    c.n_mem = 2;
    expect_bad(&c, AXVM_EOVERLAP, "overlap");
    c.mem[1].gpa = U_RAM_BASE + U_RAM_SIZE; /* adjacent: fine */
    assert_int_equal(axvm_vm_config_validate(&c, NULL), AXVM_OK);
}

static void test_devices(void **state)
{
    (void)state;
    struct axvm_vm_config c = good;
    c.n_devs = AXVM_MAX_MMIO_DEVS + 1;
    expect_bad(&c, AXVM_ERANGE, "too many");
    c = good;
    c.devs[0].kind = 0;
    expect_bad(&c, AXVM_EINVAL, "kind");
    c.devs[0].kind = 99;
    expect_bad(&c, AXVM_EINVAL, "kind");
    c = good;
    c.devs[0].size = 0;
    expect_bad(&c, AXVM_EINVAL, "empty");
    c = good;
    c.devs[0].base = UINT64_MAX - 0xff;
    expect_bad(&c, AXVM_EINVAL, "wraps");
    c = good;
    c.devs[0].base = U_RAM_BASE + 0x10000;
    expect_bad(&c, AXVM_EOVERLAP, "RAM");
    c = good;
    c.devs[1] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_PL011, .base = U_TESTDEV + 0xff0, .size = 0x1000};
    c.n_devs = 2;
    expect_bad(&c, AXVM_EOVERLAP, "devices overlap");
    /* a port-mapped UART lives in another space: no overlap with memory */
    c.devs[1] = (struct axvm_emu_dev_config){.kind = AXVM_EMU_UART16550, .base = U_RAM_BASE + 0x3f8, .size = 8};
    assert_int_equal(axvm_vm_config_validate(&c, NULL), AXVM_OK);
}

static void test_passthrough(void **state)
{
    (void)state;
    struct axvm_vm_config c = good;
    c.n_passthrough = AXVM_MAX_PASSTHROUGH + 1;
    expect_bad(&c, AXVM_ERANGE, "passthrough");
    c = good;
    c.passthrough[0].gpa = U_RAM_BASE + 0x100;
    c.passthrough[0].hpa = 0x100;
    expect_bad(&c, AXVM_EOVERLAP, "RAM");
    c = good;
    c.passthrough[0].gpa = U_TESTDEV + 0x10; /* rounded to the device's page */
    c.passthrough[0].hpa = 0x10;
    expect_bad(&c, AXVM_EOVERLAP, "emulated device");
    c = good;
    c.passthrough[1] = (struct axvm_passthrough){0x0a000000, 0x0b000000, 0x1000};
    c.n_passthrough = 2;
    expect_bad(&c, AXVM_EOVERLAP, "conflicting");
    c = good;
    c.passthrough[0].size = 0;
    expect_bad(&c, AXVM_EINVAL, "passthrough");
    c = good;
    c.n_passthrough_irqs = AXVM_MAX_PASSTHROUGH + 1;
    expect_bad(&c, AXVM_ERANGE, "irqs");
    c = good;
    c.passthrough_irqs[0] = 27; /* a PPI: per CPU, cannot belong to one VM */
    c.n_passthrough_irqs = 1;
    expect_bad(&c, AXVM_EINVAL, "not an SPI");
    c.passthrough_irqs[0] = 1020;
    expect_bad(&c, AXVM_EINVAL, "not an SPI");
    c.passthrough_irqs[0] = 34;
    c.passthrough_irqs[1] = 34;
    c.n_passthrough_irqs = 2;
    expect_bad(&c, AXVM_EINVAL, "twice");
    c.passthrough_irqs[1] = 35;
    assert_int_equal(axvm_vm_config_validate(&c, NULL), AXVM_OK);
    c = good;
    c.irq_mode = (enum axvm_irq_mode)5;
    expect_bad(&c, AXVM_EINVAL, "irq_mode");
    c = good;
    c.unhandled = (enum axvm_unhandled_policy)3;
    expect_bad(&c, AXVM_EINVAL, "policy");
}

static void test_images_entry(void **state)
{
    (void)state;
    struct axvm_vm_config c = good;
    c.n_images = AXVM_MAX_IMAGES + 1;
    expect_bad(&c, AXVM_ERANGE, "images");
    c = good;
    c.images[0].size = 0;
    expect_bad(&c, AXVM_EINVAL, "empty");
    c = good;
    c.images[0].data = NULL;
    expect_bad(&c, AXVM_EINVAL, "empty");
    c = good;
    c.images[0].load_gpa = U_RAM_BASE + U_RAM_SIZE - 8; /* runs past the end */
    expect_bad(&c, AXVM_EFAULT, "fit");
    c.images[0].load_gpa = 0x1000;
    expect_bad(&c, AXVM_EFAULT, "fit");
    c.images[0].load_gpa = UINT64_MAX - 4;
    expect_bad(&c, AXVM_EFAULT, "fit");
    c = good;
    c.images[1] = (struct axvm_image){img, sizeof(img), U_RAM_BASE + 0x1008};
    c.n_images = 2;
    expect_bad(&c, AXVM_EOVERLAP, "overlap");
    c.images[1].load_gpa = U_RAM_BASE + 0x1010; /* adjacent */
    assert_int_equal(axvm_vm_config_validate(&c, NULL), AXVM_OK);
    c = good;
    c.entry = U_RAM_BASE - 4;
    expect_bad(&c, AXVM_EFAULT, "entry");
    c.entry = U_RAM_BASE + U_RAM_SIZE - 2;
    expect_bad(&c, AXVM_EFAULT, "entry");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, unit_teardown)
    const struct CMUnitTest tests[] = {
        T(test_good), T(test_name_and_cpus), T(test_memory), T(test_devices), T(test_passthrough),
        T(test_images_entry),
    };
    return cmocka_run_group_tests_name("vm_config", tests, NULL, NULL);
}
