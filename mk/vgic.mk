# The emulated GICv3 (arch/aarch64/vgic_*.c) and the PL011 model
# (devices/pl011.c): unit tests (through mk/unit.mk), and a compile check of
# both under the core's warning flags, hosted and freestanding AArch64 (the
# hypervisor image builds them with its own flags, see mk/aarch64.mk).

VGIC_SRCS := $(sort $(wildcard arch/aarch64/vgic_*.c))
VGIC_HDRS := arch/aarch64/vgic.h $(wildcard arch/aarch64/vgic_*.h) include/axvm/pl011.h

UNIT_TESTS += vgic pl011
UNIT_EXTRA_SRCS_vgic := $(VGIC_SRCS)
UNIT_EXTRA_CFLAGS_vgic := -Iarch/aarch64
UNIT_EXTRA_LIBS_vgic := -lpthread
UNIT_EXTRA_SRCS_pl011 := devices/pl011.c
UNIT_EXTRA_LIBS_pl011 := -lpthread

VGIC_CHECK_SRCS := $(VGIC_SRCS) devices/pl011.c
VGIC_CHECK_OBJS := $(VGIC_CHECK_SRCS:%.c=$(BUILD)/unit/check/%.o) $(VGIC_CHECK_SRCS:%.c=$(BUILD)/unit/check/%-aarch64.o)

$(BUILD)/unit/check/%-aarch64.o: %.c $(VGIC_HDRS) $(wildcard include/axvm/*.h)
	@mkdir -p $(@D)
	$(A64_CC) $(A64_CFLAGS) $(CORE_WARN) -c $< -o $@
$(BUILD)/unit/check/%.o: %.c $(VGIC_HDRS) $(wildcard include/axvm/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CORE_WARN) -c $< -o $@

vgic-check: $(VGIC_CHECK_OBJS)
.PHONY: vgic-check
unit: vgic-check
