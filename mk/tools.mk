# Tools: guest images, the configuration compiler, QEMU runs, and the unit
# test of the configuration blob loader.
#   make guest-images        fetch the Debian arm64 kernel + busybox initramfs into $(CACHE)
#   make config [CONFIG=..]  compile $(CONFIG) into $(BUILD)/config/<name>.bin (+ DTBs)
#   make run [CONFIG=..]     deps, hypervisor, images, config, then QEMU (interactive)

CONFIG_OUT := $(BUILD)/config
CONFIG_BLOB = $(CONFIG_OUT)/$(basename $(notdir $(CONFIG))).bin
HYP_ELF := $(BUILD)/aarch64/axvm.elf

guest-images:
	@tools/fetch-guest.sh "$(CACHE)"

config:
	AXVM_CACHE="$(CACHE)" $(PYTHON) tools/axvm-config "$(CONFIG)" -o $(CONFIG_OUT)

# Sequential on purpose: nothing can be built before deps has installed the
# compilers, and QEMU must come last even under make -j.
run:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(HYP_ELF)
	@$(MAKE) --no-print-directory guests-aarch64
	@$(MAKE) --no-print-directory guest-images
	@$(MAKE) --no-print-directory config
	@tools/run-qemu.sh --elf $(HYP_ELF) --blob $(CONFIG_BLOB)

.PHONY: guest-images config run

# tests/unit/test_config.c against the ASan/UBSan core (run by tests/suites/05-tools.sh).
TOOLS_TEST_OUT := $(BUILD)/tests/tools
$(TOOLS_TEST_OUT)/test_config: tests/unit/test_config.c $(BUILD)/libaxvm-asan.a
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -O1 $(SAN_FLAGS) $(WARN) $< -o $@ $(BUILD)/libaxvm-asan.a -lcmocka
tools-tests: $(TOOLS_TEST_OUT)/test_config
.PHONY: tools-tests
