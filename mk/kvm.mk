# axvm-kvm: the core hosted on Linux/KVM with the x86_64 backend, its test
# guests (guests/x86_64, flat binaries) and its unit tests.

KVM_OUT := $(BUILD)/kvm
KVM_SRCS := $(sort $(wildcard host/kvm/*.c)) $(sort $(wildcard arch/x86_64/*.c)) \
    devices/uart16550.c devices/testdev.c
KVM_OBJS := $(KVM_SRCS:%.c=$(KVM_OUT)/obj/%.o)
KVM_CFLAGS := $(HOST_CFLAGS) -D_GNU_SOURCE $(WARN) -Iarch/x86_64 -Ihost/kvm

$(KVM_OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(KVM_CFLAGS) -MMD -c $< -o $@

$(KVM_OUT)/axvm-kvm: $(KVM_OBJS) $(BUILD)/libaxvm-host.a
	$(HOST_CC) -o $@ $(KVM_OBJS) $(BUILD)/libaxvm-host.a -lpthread

# The portable UART is core-like code: held to the core's flags too.
$(KVM_OUT)/check/uart16550.o: devices/uart16550.c include/axvm/uart16550.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CORE_WARN) -c $< -o $@
$(KVM_OUT)/check/uart16550-aarch64.o: devices/uart16550.c include/axvm/uart16550.h
	@mkdir -p $(@D)
	$(A64_CC) $(A64_CFLAGS) $(CORE_WARN) -c $< -o $@

# Test guests: each guests/x86_64/<name>.S (+ shared C for long-mode ones)
# linked at its load address and flattened.
X86G_OUT := $(KVM_OUT)/guests
X86G_REAL := $(patsubst guests/x86_64/real/%.S,%,$(wildcard guests/x86_64/real/*.S))
X86G_LONG := $(patsubst guests/x86_64/long/%.c,%,$(wildcard guests/x86_64/long/*.c))
X86G_LIB := guests/x86_64/lib/start.S guests/x86_64/lib/lib.c
X86G_CFLAGS := -std=c11 -O2 -ffreestanding -fno-pic -fno-pie -nostdlib -mno-red-zone -mgeneral-regs-only \
    -fno-stack-protector -fno-asynchronous-unwind-tables -mcmodel=kernel -Wall -Wextra -Werror \
    -Iguests/x86_64/lib -Iinclude

$(X86G_OUT)/real/%.bin: guests/x86_64/real/%.S guests/x86_64/real/real.ld
	@mkdir -p $(@D)
	$(HOST_CC) -c -o $(@:.bin=.o) $<
	ld -m elf_x86_64 --no-warn-rwx-segments -z noexecstack -T guests/x86_64/real/real.ld -o $(@:.bin=.elf) $(@:.bin=.o)
	objcopy -O binary $(@:.bin=.elf) $@

$(X86G_OUT)/long/%.bin: guests/x86_64/long/%.c $(X86G_LIB) guests/x86_64/lib/guest.h guests/x86_64/lib/long.ld
	@mkdir -p $(@D)
	$(HOST_CC) $(X86G_CFLAGS) -mcmodel=large -c -o $(@:.bin=.o) $<
	$(HOST_CC) $(X86G_CFLAGS) -mcmodel=large -c -o $(@:.bin=-lib.o) guests/x86_64/lib/lib.c
	$(HOST_CC) $(X86G_CFLAGS) -c -o $(@:.bin=-start.o) guests/x86_64/lib/start.S
	ld -m elf_x86_64 --no-warn-rwx-segments -T guests/x86_64/lib/long.ld -o $(@:.bin=.elf) $(@:.bin=-start.o) $(@:.bin=.o) $(@:.bin=-lib.o)
	objcopy -O binary $(@:.bin=.elf) $@

kvm-guests: $(X86G_REAL:%=$(X86G_OUT)/real/%.bin) $(X86G_LONG:%=$(X86G_OUT)/long/%.bin)
kvm: $(KVM_OUT)/axvm-kvm kvm-guests $(KVM_OUT)/check/uart16550.o $(KVM_OUT)/check/uart16550-aarch64.o
all: kvm
.PHONY: kvm kvm-guests

# Unit tests (tests/unit/test_x86*.c, tests/unit/test_kvm*.c), run by 10-unit.
UNIT_TESTS += x86_regs x86_vmxcaps x86_lapic kvm_uart x86_linux_boot
UNIT_EXTRA_SRCS_x86_regs := arch/x86_64/regs.c
UNIT_EXTRA_CFLAGS_x86_regs := -Iarch/x86_64
UNIT_EXTRA_SRCS_x86_vmxcaps := arch/x86_64/vmxcaps.c
UNIT_EXTRA_CFLAGS_x86_vmxcaps := -Iarch/x86_64
UNIT_EXTRA_SRCS_x86_lapic := arch/x86_64/lapic.c
UNIT_EXTRA_CFLAGS_x86_lapic := -Iarch/x86_64
UNIT_EXTRA_SRCS_kvm_uart := devices/uart16550.c
UNIT_EXTRA_SRCS_x86_linux_boot := arch/x86_64/linux_boot.c
UNIT_EXTRA_CFLAGS_x86_linux_boot := -Iarch/x86_64

-include $(KVM_OBJS:.o=.d)

# The fake kernel for the Linux boot protocol path (axvm-kvm --linux).
$(X86G_OUT)/linux/kernel.bzImage: guests/x86_64/linux/kernel.c guests/x86_64/linux/kernel.ld \
        guests/x86_64/linux/mkbzimage.py $(X86G_LIB) guests/x86_64/lib/guest.h
	@mkdir -p $(@D)
	$(HOST_CC) $(X86G_CFLAGS) -mcmodel=large -c -o $(@D)/kernel.o guests/x86_64/linux/kernel.c
	$(HOST_CC) $(X86G_CFLAGS) -mcmodel=large -c -o $(@D)/lib.o guests/x86_64/lib/lib.c
	$(HOST_CC) $(X86G_CFLAGS) -c -o $(@D)/start.o guests/x86_64/lib/start.S
	ld -m elf_x86_64 --no-warn-rwx-segments -T guests/x86_64/linux/kernel.ld -o $(@D)/kernel.elf \
	    $(@D)/start.o $(@D)/kernel.o $(@D)/lib.o
	objcopy -O binary $(@D)/kernel.elf $(@D)/kernel.bin
	$(PYTHON) guests/x86_64/linux/mkbzimage.py $(@D)/kernel.bin $@
kvm-guests: $(X86G_OUT)/linux/kernel.bzImage
