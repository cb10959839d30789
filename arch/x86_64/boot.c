/* Cold-start register state.
 *
 * Real mode: what firmware would hand over, CS:IP reaching `entry`.
 * Long mode: axvm plays the boot loader: a flat GDT and identity page tables
 * (4 GiB, 2 MiB pages) written into guest RAM at X86_BOOT_*, then CR0.PE|PG,
 * CR4.PAE, EFER.LME|LMA, a 64-bit code segment, rsi = boot argument.
 * Application processors always start in real mode at the SIPI vector's
 * page (CS = vector << 8, IP = 0), as on hardware. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "axvm/addrspace.h"
#include "axvm/log.h"
#include "msr.h"
#include "x86_kvm.h"

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

static void seg_real(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
    memset(s, 0, sizeof *s);
    s->selector = sel;
    s->base = (uint64_t)sel << 4;
    s->limit = 0xFFFF;
    s->type = type;
    s->present = 1;
    s->s = 1;
}

static void seg_flat(struct kvm_segment *s, uint16_t sel, bool code)
{
    memset(s, 0, sizeof *s);
    s->selector = sel;
    s->base = 0;
    s->limit = 0xFFFFFFFF;
    s->type = code ? 0xB : 0x3; /* execute/read accessed, read/write accessed */
    s->present = 1;
    s->s = 1;
    s->g = 1;
    s->l = code ? 1 : 0;
    s->db = code ? 0 : 1;
}

static int write_boot_tables(struct axvm_vm *vm)
{
    /* null, 32-bit code, 64-bit code (0x10) and data (0x18): the selectors the
     * Linux 64-bit boot protocol requires, so a kernel can be entered as is */
    const uint64_t gdt[4] = {0, 0x00CF9B000000FFFFull, 0x00AF9B000000FFFFull, 0x00CF93000000FFFFull};
    uint64_t pml4[512] = {0}, pdpt[512] = {0}, pd[512];
    pml4[0] = X86_BOOT_PDPT | 0x23; /* accessed already: nothing for a shadow MMU to write back */
    for (unsigned g = 0; g < 4; g++)
        pdpt[g] = (X86_BOOT_PD + g * 0x1000ull) | 0x23;
    if (axvm_as_write(&vm->as, X86_BOOT_GDT, gdt, sizeof gdt) ||
        axvm_as_write(&vm->as, X86_BOOT_PML4, pml4, sizeof pml4) ||
        axvm_as_write(&vm->as, X86_BOOT_PDPT, pdpt, sizeof pdpt))
        return AXVM_EFAULT;
    for (unsigned g = 0; g < 4; g++) {
        for (unsigned i = 0; i < 512; i++)
            pd[i] = ((uint64_t)g << 30) + ((uint64_t)i << 21) + 0xE3; /* present, writable, 2 MiB, accessed, dirty */
        if (axvm_as_write(&vm->as, X86_BOOT_PD + g * 0x1000ull, pd, sizeof pd))
            return AXVM_EFAULT;
    }
    return AXVM_OK;
}

int x86_boot_setup(struct x86_vm *xvm, struct x86_vcpu *xv, axvm_gpa_t entry, uint64_t arg, bool ap)
{
    struct kvm_sregs s;
    if (ioctl(xv->fd, KVM_GET_SREGS, &s) < 0)
        return AXVM_EIO;
    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rflags = 0x2;

    bool longmode = !ap && xvm->opt.mode == X86_MODE_LONG;
    if (!longmode) {
        uint16_t cs;
        if (ap) {
            if (entry & 0xFFF || entry > 0xFF000)
                return AXVM_EINVAL; /* a SIPI vector names a 4 KiB page below 1 MiB */
            cs = (uint16_t)(entry >> 4);
            r.rip = 0;
        } else {
            if (entry > 0xFFFFF)
                return AXVM_EINVAL;
            cs = entry < 0x10000 ? 0 : (uint16_t)((entry >> 4) & 0xF000);
            r.rip = entry - ((uint64_t)cs << 4);
        }
        seg_real(&s.cs, cs, 0xB);
        seg_real(&s.ds, 0, 0x3);
        s.es = s.fs = s.gs = s.ss = s.ds;
        s.cr0 = CR0_ET | CR0_NE;
        s.cr3 = 0;
        s.cr4 = 0;
        s.efer = 0;
        r.rbx = arg;
    } else {
        int rc = write_boot_tables(xvm->vm);
        if (rc) {
            AXVM_ERR("vm %s: guest RAM does not cover the boot tables at 0x%llx\n", xvm->vm->cfg.name,
                     (unsigned long long)X86_BOOT_GDT);
            return rc;
        }
        seg_flat(&s.cs, X86_SEL_CODE64, true);
        seg_flat(&s.ds, X86_SEL_DATA, false);
        s.es = s.fs = s.gs = s.ss = s.ds;
        s.gdt.base = X86_BOOT_GDT;
        s.gdt.limit = 4 * 8 - 1;
        s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
        s.cr3 = X86_BOOT_PML4;
        s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
        s.efer = EFER_LME | EFER_LMA | EFER_SCE;
        r.rip = entry;
        r.rsi = arg; /* Linux 64-bit boot protocol: boot_params in rsi */
    }
    memset(&s.idt, 0, sizeof s.idt);
    s.idt.limit = 0xFFFF;
    memset(&s.ldt, 0, sizeof s.ldt);
    s.ldt.type = 2;
    s.ldt.present = 1;
    s.ldt.limit = 0xFFFF;
    memset(&s.tr, 0, sizeof s.tr);
    s.tr.type = 0xB; /* busy TSS */
    s.tr.present = 1;
    s.tr.limit = 0xFFFF;
    memset(s.interrupt_bitmap, 0, sizeof s.interrupt_bitmap);
    if (ioctl(xv->fd, KVM_SET_SREGS, &s) < 0 || ioctl(xv->fd, KVM_SET_REGS, &r) < 0) {
        AXVM_ERR("kvm: setting boot registers: errno %d\n", errno);
        return AXVM_EIO;
    }
    /* firmware would enable the MTRRs with write-back as the default type;
     * a fresh KVM vCPU has them off (= uncached), which makes RAM crawl */
    if (x86_guest_msr_write(xv->v, IA32_MTRR_DEF_TYPE, 0x806) != AXVM_OK)
        AXVM_WARN("vm %s: cannot set the default MTRR type\n", xvm->vm->cfg.name);
    xv->regs = r;
    xv->regs_valid = true;
    xv->regs_dirty = false;
    return AXVM_OK;
}
