/* Per-VM console line buffer, and the name prefix that tells the VMs apart
 * when several share the hypervisor's console.
 *
 * A VM's output is written a line at a time (or when its buffer fills, or on
 * a flush: a shell prompt has no newline). With prefixes on, every line is
 * written as "[name] text"; a partial line that another VM interrupts is
 * ended with a newline first, and its continuation gets the prefix again, so
 * a line on the terminal always belongs to the VM its prefix names. */
#include "axvm/hal.h"
#include "axvm/lib.h"
#include "axvm/vm.h"

static _Atomic bool prefix_on;
/* Order of the writes and the terminal's state: which VM's partial line
 * the cursor is at the end of (NULL: at a line start, as far as VM output
 * goes). Taken inside a VM's con_lock. */
static axvm_spinlock_t term_lock = AXVM_SPINLOCK_INIT;
static const struct axvm_vm *term_mid;

void axvm_vm_console_set_prefix(bool on)
{
    atomic_store_explicit(&prefix_on, on, memory_order_relaxed);
}

static void flush_locked(struct axvm_vm *vm)
{
    if (!vm->con_len)
        return;
    if (!atomic_load_explicit(&prefix_on, memory_order_relaxed)) {
        hal_console_write(vm->con_buf, vm->con_len);
        vm->con_len = 0;
        return;
    }
    char out[sizeof(vm->con_buf) + AXVM_NAME_LEN + 4];
    size_t n = 0;
    axvm_spin_lock(&term_lock);
    if (term_mid != vm) {
        if (term_mid)
            out[n++] = '\n';
        out[n++] = '[';
        for (size_t i = 0; i < AXVM_NAME_LEN - 1 && vm->cfg.name[i]; i++)
            out[n++] = vm->cfg.name[i];
        out[n++] = ']';
        out[n++] = ' ';
    }
    memcpy(out + n, vm->con_buf, vm->con_len);
    n += vm->con_len;
    term_mid = vm->con_buf[vm->con_len - 1] == '\n' ? NULL : vm;
    hal_console_write(out, n);
    axvm_spin_unlock(&term_lock);
    vm->con_len = 0;
}

void axvm_vm_console_putc(struct axvm_vm *vm, char c)
{
    if (!vm)
        return;
    axvm_spin_lock(&vm->con_lock);
    vm->con_buf[vm->con_len++] = c;
    if (c == '\n' || vm->con_len == sizeof(vm->con_buf))
        flush_locked(vm);
    axvm_spin_unlock(&vm->con_lock);
}

void axvm_vm_console_flush(struct axvm_vm *vm)
{
    if (!vm)
        return;
    axvm_spin_lock(&vm->con_lock);
    flush_locked(vm);
    axvm_spin_unlock(&vm->con_lock);
}
