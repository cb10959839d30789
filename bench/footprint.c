/* Sizes of the hypervisor's per-VM and per-vCPU structures as the AArch64
 * image lays them out: compiled (never run) with the hypervisor's compiler
 * and flags; bench/run.py reads each array's size from the symbol table. */
#include "axvm/vm.h"
#include "a64.h"
#include "vgic_state.h"

#define SIZEOF(name, type) char bench_sizeof_##name[sizeof(type)];

SIZEOF(axvm_vm, struct axvm_vm)
SIZEOF(axvm_vcpu, struct axvm_vcpu)
SIZEOF(axvm_addrspace, struct axvm_addrspace)
SIZEOF(axvm_devices, struct axvm_devices)
SIZEOF(a64_vm, struct a64_vm)
SIZEOF(a64_ctx, struct a64_ctx)
SIZEOF(vgic_dist, struct vgic_dist)
SIZEOF(vgic_cpu, struct vgic_cpu)
