/* Per-VM console line buffer. */
#include "axvm/hal.h"
#include "axvm/vm.h"

static void flush_locked(struct axvm_vm *vm)
{
    if (vm->con_len) {
        hal_console_write(vm->con_buf, vm->con_len);
        vm->con_len = 0;
    }
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
