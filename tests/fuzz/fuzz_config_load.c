/* Fuzz target: the configuration blob loader (core/config_load.c) on
 * arbitrary bytes, and the VMs it accepts built for real.
 *
 * Each input is loaded twice: as given (so that the header checks and the
 * checksum refusal are covered), then, when the header's total_size fits,
 * from a copy whose CRC-32 the harness recomputes, so that mutations get
 * past the checksum into the tables. Oracle (besides ASan/UBSan):
 *   - the error string is NUL-terminated inside its buffer, whatever its size;
 *   - a refused blob leaves the output all zero (nothing half-loaded);
 *   - an accepted one respects the limits, its image pointers lie inside the
 *     blob, and every VM passes axvm_vm_config_validate again;
 *   - the VMs of an accepted blob (when their RAM is small) are created and
 *     destroyed through the real core on the fake backend and HAL without
 *     leaking a page; a refused creation tears everything down. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axvm/arch.h"
#include "axvm/config.h"
#include "axvm/vm.h"
#include "fake_arch.h"
#include "fake_hal.h"
#include "fuzz_input.h"

#define HDR_SIZE 96u
#define CKSUM_OFF 0x18u
#define MAX_RAM_TO_BUILD (8ull << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct axvm_platform_config pc;

/* The fake backend attaches only the test device and a register stub; the
 * blobs ask for GICs and UARTs too. Those get a read-as-zero stand-in here,
 * so that accepted VMs are built to the end rather than refused early. */
static struct axvm_arch_ops ops;

static int stub_read(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t *value)
{
    (void)ctx, (void)vcpu, (void)off, (void)width;
    *value = 0;
    return AXVM_OK;
}

static int stub_write(void *ctx, struct axvm_vcpu *vcpu, uint64_t off, unsigned width, uint64_t value)
{
    (void)ctx, (void)vcpu, (void)off, (void)width, (void)value;
    return AXVM_OK;
}

static const struct axvm_dev_ops stub_ops = {stub_read, stub_write};

static int attach_device(struct axvm_vm *vm, const struct axvm_emu_dev_config *dev)
{
    if (dev->kind == AXVM_EMU_DEBUG_EXIT || dev->kind == AXVM_EMU_RTC)
        return fake_arch_ops.vm_attach_device(vm, dev);
    struct axvm_dev d = {.name = "stub", .base = dev->base, .size = dev->size ? dev->size : 0x1000, .ops = &stub_ops};
    return axvm_devices_add_mmio(&vm->devices, &d);
}
static const struct axvm_platform_config zero_pc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fake_hal_reset();
    fake_hal_ncpus = FAKE_HAL_MAX_CPUS;
    fake_arch_reset();
    ops = fake_arch_ops;
    ops.vm_attach_device = attach_device;
    if (axvm_init(&ops) != AXVM_OK)
        abort();
    return 0;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1u) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

static void check_err(const char *err, size_t errlen)
{
    if (errlen > 0)
        FZ_CHECK(memchr(err, 0, errlen) != NULL);
}

static void check_accepted(const uint8_t *blob, uint64_t total)
{
    FZ_CHECK(pc.n_vms >= 1 && pc.n_vms <= AXVM_MAX_VMS);
    FZ_CHECK(pc.n_ivc <= AXVM_MAX_IVC_CHANNELS);
    for (unsigned i = 0; i < pc.n_vms; i++) {
        const struct axvm_vm_config *c = &pc.vms[i];
        FZ_CHECK(memchr(c->name, 0, sizeof(c->name)) != NULL && c->name[0] != 0);
        FZ_CHECK(c->n_images <= AXVM_MAX_IMAGES);
        for (unsigned k = 0; k < c->n_images; k++) {
            const uint8_t *d = c->images[k].data;
            FZ_CHECK(d >= blob && d <= blob + total);
            FZ_CHECK(c->images[k].size <= total - (uint64_t)(d - blob));
        }
        const char *why = NULL;
        FZ_CHECK(axvm_vm_config_validate(c, &why) == AXVM_OK);
    }
}

static bool small_enough(const struct axvm_vm_config *c)
{
    uint64_t ram = 0;
    for (unsigned m = 0; m < c->n_mem; m++) {
        if (c->mem[m].size > MAX_RAM_TO_BUILD)
            return false;
        ram += c->mem[m].size;
    }
    return ram <= MAX_RAM_TO_BUILD;
}

/* Build every VM of the accepted blob, boot it, tear it down. */
static void build_vms(void)
{
    struct axvm_vm *vms[AXVM_MAX_VMS] = {0};
    for (unsigned i = 0; i < pc.n_vms; i++) {
        if (!small_enough(&pc.vms[i]))
            continue;
        int rc = axvm_vm_create(&pc.vms[i], &vms[i]);
        FZ_CHECK(rc <= 0);
        if (rc == AXVM_OK) {
            FZ_CHECK(vms[i] != NULL);
            FZ_CHECK(axvm_vm_boot(vms[i]) == AXVM_OK);
            FZ_CHECK(axvm_vm_shutdown(vms[i]) == AXVM_OK);
            for (unsigned v = 0; v < vms[i]->cfg.vcpu_count; v++)
                axvm_vm_park_vcpu(&vms[i]->vcpus[v]);
            FZ_CHECK(axvm_vm_state(vms[i]) == AXVM_VM_STOPPED);
        } else {
            vms[i] = NULL;
        }
    }
    for (unsigned i = 0; i < pc.n_vms; i++)
        if (vms[i])
            FZ_CHECK(axvm_vm_destroy(vms[i]) == AXVM_OK);
    FZ_CHECK(fake_hal_pages_outstanding() == 0);
}

static void load_one(const uint8_t *blob, size_t size, size_t errlen)
{
    char *err = errlen ? malloc(errlen) : NULL;
    if (errlen && !err)
        abort();
    if (err)
        memset(err, 'x', errlen);
    int rc = axvm_config_load(blob, size, &pc, err, errlen);
    check_err(err, errlen);
    if (rc == AXVM_OK) {
        check_accepted(blob, rd64(blob + 0x10));
        build_vms();
    } else {
        FZ_CHECK(rc < 0 && rc > -AXVM_ERR_COUNT_);
        FZ_CHECK(memcmp(&pc, &zero_pc, sizeof(pc)) == 0);
        if (err)
            FZ_CHECK(err[0] != 0 || errlen == 1); /* refusals say why */
    }
    free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    load_one(data, size, 160);
    if (size < HDR_SIZE)
        return 0;
    uint64_t total = rd64(data + 0x10);
    if (total < CKSUM_OFF + 4 || total > size)
        return 0;
    /* a copy of the exact size: ASan catches a read past the end */
    uint8_t *copy = malloc(size);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    memset(copy + CKSUM_OFF, 0, 4);
    uint32_t sum = crc32_of(copy, (size_t)total);
    for (unsigned i = 0; i < 4; i++)
        copy[CKSUM_OFF + i] = (uint8_t)(sum >> (8 * i));
    /* a small error buffer: messages are truncated, still terminated */
    load_one(copy, size, 1 + (size_t)(data[size - 1] % 24));
    free(copy);
    return 0;
}
