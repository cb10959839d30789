# Bare-metal AArch64 test guests (guests/aarch64/): one image per directory
# guests/aarch64/<name>/, each linked with the small runtime in lib/ at the
# VM's RAM base. Outputs build/guests/aarch64/<name>.elf and .bin.

GA64_DIR := guests/aarch64
GA64_OUT := $(BUILD)/guests/aarch64
GA64_NAMES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard $(GA64_DIR)/*/main.c)))))
GA64_LIB_SRCS := $(sort $(wildcard $(GA64_DIR)/lib/*.c $(GA64_DIR)/lib/*.S))
GA64_LIB_OBJS := $(patsubst $(GA64_DIR)/%,$(GA64_OUT)/obj/%.o,$(GA64_LIB_SRCS))
# strict-align: the page tables are built with the MMU off, when all memory is Device.
GA64_CFLAGS := $(A64_CFLAGS) $(WARN) -mstrict-align -fno-tree-loop-distribute-patterns -I$(GA64_DIR)/lib
GA64_LDFLAGS := -nostdlib -static -Wl,--build-id=none -Wl,-T,$(GA64_DIR)/lib/guest.ld -Wl,--no-warn-rwx-segments

$(GA64_OUT)/obj/%.c.o: $(GA64_DIR)/%.c
	@mkdir -p $(@D)
	$(A64_CC) $(GA64_CFLAGS) -MMD -c $< -o $@

$(GA64_OUT)/obj/%.S.o: $(GA64_DIR)/%.S
	@mkdir -p $(@D)
	$(A64_CC) $(GA64_CFLAGS) -MMD -c $< -o $@

$(GA64_OUT)/%.elf: $(GA64_OUT)/obj/%/main.c.o $(GA64_LIB_OBJS) $(GA64_DIR)/lib/guest.ld
	$(A64_CC) $(GA64_CFLAGS) $(GA64_LDFLAGS) -o $@ $(filter %.o,$^)

$(GA64_OUT)/%.bin: $(GA64_OUT)/%.elf
	$(A64_OBJCOPY) -O binary $< $@

# Guests that only make sense together (tests/suites/55-hostile.sh): their
# source is <name>/<name>.c, not main.c, so the one-guest-per-VM suite skips them.
GA64_SOLO := hostile heartbeat ivc probe life
$(foreach n,$(GA64_SOLO),$(eval $(GA64_OUT)/$(n).elf: $(GA64_OUT)/obj/$(n)/$(n).c.o $(GA64_LIB_OBJS) $(GA64_DIR)/lib/guest.ld ; $$(A64_CC) $$(GA64_CFLAGS) $$(GA64_LDFLAGS) -o $$@ $$(filter %.o,$$^)))

guests-aarch64: $(foreach n,$(GA64_NAMES) $(GA64_SOLO),$(GA64_OUT)/$(n).elf $(GA64_OUT)/$(n).bin)
.PHONY: guests-aarch64
all: guests-aarch64

-include $(GA64_LIB_OBJS:.o=.d) $(GA64_NAMES:%=$(GA64_OUT)/obj/%/main.c.d) $(foreach n,$(GA64_SOLO),$(GA64_OUT)/obj/$(n)/$(n).c.d)
# Keep the objects (they are intermediates of the pattern rules above).
.SECONDARY: $(GA64_LIB_OBJS) $(GA64_NAMES:%=$(GA64_OUT)/obj/%/main.c.o) $(foreach n,$(GA64_SOLO),$(GA64_OUT)/obj/$(n)/$(n).c.o)

# The benchmark guest (docs/BENCH.md): bench/*.c and bench/*.S with the same
# runtime. Not a test guest (no main.c): the guest suites do not run it.
GA64_BENCH_OBJS := $(patsubst $(GA64_DIR)/%,$(GA64_OUT)/obj/%.o,$(sort $(wildcard $(GA64_DIR)/bench/*.c $(GA64_DIR)/bench/*.S)))
$(GA64_OUT)/bench.elf: $(GA64_BENCH_OBJS) $(GA64_LIB_OBJS) $(GA64_DIR)/lib/guest.ld
	$(A64_CC) $(GA64_CFLAGS) $(GA64_LDFLAGS) -o $@ $(filter %.o,$^)
guests-aarch64: $(GA64_OUT)/bench.elf $(GA64_OUT)/bench.bin
-include $(GA64_BENCH_OBJS:.o=.d)
.SECONDARY: $(GA64_BENCH_OBJS)
