/* The compiled configuration the hypervisor loads beside its image.
 *
 * tools/axvm-config turns TOML VM files and guest images into one blob
 * (format: docs/CONFIG-BLOB.md). The hypervisor never trusts it: the loader
 * checks magic, version, sizes, checksum and every offset, then each VM
 * configuration goes through axvm_vm_config_validate again. Image pointers in
 * the result point into the blob, which stays untouched (pristine images for
 * reboot). */
#ifndef AXVM_CONFIG_H
#define AXVM_CONFIG_H

#include "axvm/types.h"
#include "axvm/vm.h"

struct axvm_ivc_config {
    uint32_t vm_a, vm_b;        /* VM ids */
    axvm_gpa_t gpa_a, gpa_b;
    uint32_t irq_a, irq_b;
    uint64_t size;
};

struct axvm_platform_config {
    unsigned n_vms;
    struct axvm_vm_config vms[AXVM_MAX_VMS];
    unsigned n_ivc;
    struct axvm_ivc_config ivc[AXVM_MAX_IVC_CHANNELS];
};

/* Parse and check `blob`. On error returns a negative code and writes a
 * message naming the offending field into err (if errlen > 0). */
int axvm_config_load(const void *blob, size_t len, struct axvm_platform_config *out, char *err, size_t errlen);

#endif
