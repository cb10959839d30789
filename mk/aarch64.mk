# The AArch64 EL2 hypervisor image: runtime/baremetal + arch/aarch64 (with the
# vGIC model) + the portable device models + the core library.
#   build/aarch64/axvm.elf           boots the VMs of the blob at 0x4800_0000
#   build/aarch64/axvm-selftest.elf  same, plus a built-in smoke VM used when
#                                    no blob is loaded (tests/integration/aarch64)

HYP_OUT := $(BUILD)/aarch64/hyp
HYP_SRCS := $(sort $(wildcard runtime/baremetal/*.c runtime/baremetal/*.S arch/aarch64/*.c arch/aarch64/*.S devices/*.c))
HYP_SRCS := $(filter-out runtime/baremetal/selftest_config.c,$(HYP_SRCS))
HYP_OBJS := $(HYP_SRCS:%=$(HYP_OUT)/%.o)
HYP_CFLAGS := $(A64_CFLAGS) $(WARN) -I. -Iarch/aarch64 -Iruntime/baremetal
HYP_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,runtime/baremetal/axvm.ld

SMOKE_OUT := $(BUILD)/aarch64/smoke
SMOKE_CFLAGS := $(A64_CFLAGS) $(WARN) -mstrict-align
SMOKE_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,tests/integration/aarch64/smoke.ld

$(HYP_OUT)/%.c.o: %.c
	@mkdir -p $(@D)
	$(A64_CC) $(HYP_CFLAGS) -MMD -c $< -o $@

$(HYP_OUT)/%.S.o: %.S
	@mkdir -p $(@D)
	$(A64_CC) $(HYP_CFLAGS) -MMD -c $< -o $@

$(BUILD)/aarch64/axvm.elf: $(HYP_OBJS) $(BUILD)/libaxvm-aarch64.a runtime/baremetal/axvm.ld
	$(A64_CC) $(HYP_CFLAGS) $(HYP_LDFLAGS) -o $@ $(HYP_OBJS) $(BUILD)/libaxvm-aarch64.a -lgcc

# The smoke guest: a few hundred bytes of EL1 code, embedded in the self-test image.
$(SMOKE_OUT)/smoke.elf: tests/integration/aarch64/smoke.c tests/integration/aarch64/smoke_start.S tests/integration/aarch64/smoke.ld
	@mkdir -p $(@D)
	$(A64_CC) $(SMOKE_CFLAGS) $(SMOKE_LDFLAGS) -o $@ tests/integration/aarch64/smoke_start.S tests/integration/aarch64/smoke.c
$(SMOKE_OUT)/smoke.bin: $(SMOKE_OUT)/smoke.elf
	$(A64_OBJCOPY) -O binary $< $@
$(HYP_OUT)/selftest.o: runtime/baremetal/selftest_config.c $(SMOKE_OUT)/smoke.bin
	@mkdir -p $(@D)
	$(A64_CC) $(HYP_CFLAGS) -DA64_SMOKE_Q='"\"$(SMOKE_OUT)/smoke.bin\""' -c $< -o $@

$(BUILD)/aarch64/axvm-selftest.elf: $(HYP_OBJS) $(HYP_OUT)/selftest.o $(BUILD)/libaxvm-aarch64.a runtime/baremetal/axvm.ld
	$(A64_CC) $(HYP_CFLAGS) $(HYP_LDFLAGS) -o $@ $(HYP_OBJS) $(HYP_OUT)/selftest.o $(BUILD)/libaxvm-aarch64.a -lgcc

hyp-aarch64: $(BUILD)/aarch64/axvm.elf $(BUILD)/aarch64/axvm-selftest.elf
.PHONY: hyp-aarch64
all: hyp-aarch64

-include $(HYP_OBJS:.o=.d)
