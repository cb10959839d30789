# The portable core: hosted objects (unit tests, KVM host) and freestanding
# AArch64 objects (hypervisor image, checked warning-free).

CORE_HOST_OBJS := $(CORE_SRCS:%.c=$(BUILD)/host/%.o)
CORE_ASAN_OBJS := $(CORE_SRCS:%.c=$(BUILD)/asan/%.o)
CORE_A64_OBJS := $(CORE_SRCS:%.c=$(BUILD)/aarch64/%.o)

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

$(BUILD)/host/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CORE_WARN) -MMD -c $< -o $@

$(BUILD)/asan/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -O1 $(SAN_FLAGS) $(CORE_WARN) -MMD -c $< -o $@

$(BUILD)/aarch64/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(A64_CC) $(A64_CFLAGS) $(CORE_WARN) -MMD -c $< -o $@

$(BUILD)/libaxvm-host.a: $(CORE_HOST_OBJS)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libaxvm-asan.a: $(CORE_ASAN_OBJS)
	@rm -f $@; ar rcs $@ $^
$(BUILD)/libaxvm-aarch64.a: $(CORE_A64_OBJS)
	@rm -f $@; $(CROSS)ar rcs $@ $^

core-host: $(BUILD)/libaxvm-host.a
core-aarch64: $(BUILD)/libaxvm-aarch64.a
.PHONY: core-host core-aarch64
all: core-host core-aarch64

-include $(CORE_HOST_OBJS:.o=.d) $(CORE_ASAN_OBJS:.o=.d) $(CORE_A64_OBJS:.o=.d)
