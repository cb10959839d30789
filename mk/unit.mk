# Unit tests: cmocka, hosted, against the real core (build/libaxvm-host.a),
# a fake HAL (tests/unit/fake_hal.[ch]) and a fake backend (arch/fake/).
#
# Each test NAME is the file tests/unit/test_NAME.c, built twice:
#   build/unit/test_NAME        plain (-O2, libaxvm-host.a)
#   build/unit/asan/test_NAME   ASan + UBSan (libaxvm-asan.a)
# Both link the fake HAL, the fake backend, the test device and the core.
# tests/suites/10-unit.sh runs every binary listed by `make unit-list`.
#
# Adding a test from another component (in that component's own mk fragment;
# fragments are included in any order, the lists are expanded late):
#   UNIT_TESTS += vgic
#   UNIT_EXTRA_SRCS_vgic := arch/aarch64/vgic_dist.c devices/pl011.c   # code under test
#   UNIT_EXTRA_CFLAGS_vgic := -Iarch/aarch64                           # optional
#   UNIT_EXTRA_LIBS_vgic := -lfdt                                      # optional
# Test files include "fake_hal.h" / "fake_arch.h" directly (both directories
# are on the include path).

UNIT_OUT := $(BUILD)/unit
UNIT_TESTS += printf device pagetable addrspace vcpu exit vm vm_config ivc sched testdev stress
UNIT_EXTRA_LIBS_stress := -lpthread
UNIT_COMMON_SRCS := tests/unit/fake_hal.c arch/fake/fake_arch.c devices/testdev.c
UNIT_HDRS := tests/unit/fake_hal.h arch/fake/fake_arch.h $(wildcard include/axvm/*.h) $(wildcard tests/unit/*.h)
UNIT_CFLAGS := $(HOST_CFLAGS) $(WARN) -Wno-missing-prototypes -Itests/unit -Iarch/fake
UNIT_LIBS := -lcmocka

# Late (=) expansion: fragments included after this one may still append.
UNIT_BINS = $(UNIT_TESTS:%=$(UNIT_OUT)/test_%)
UNIT_ASAN_BINS = $(UNIT_TESTS:%=$(UNIT_OUT)/asan/test_%)

.SECONDEXPANSION:

$(UNIT_OUT)/test_%: tests/unit/test_%.c $(UNIT_COMMON_SRCS) $$(UNIT_EXTRA_SRCS_$$*) $(UNIT_HDRS) $(BUILD)/libaxvm-host.a
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_CFLAGS) $(UNIT_EXTRA_CFLAGS_$*) -o $@ $< $(UNIT_COMMON_SRCS) $(UNIT_EXTRA_SRCS_$*) \
	    $(BUILD)/libaxvm-host.a $(UNIT_EXTRA_LIBS_$*) $(UNIT_LIBS)

$(UNIT_OUT)/asan/test_%: tests/unit/test_%.c $(UNIT_COMMON_SRCS) $$(UNIT_EXTRA_SRCS_$$*) $(UNIT_HDRS) $(BUILD)/libaxvm-asan.a
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_CFLAGS) -O1 $(SAN_FLAGS) $(UNIT_EXTRA_CFLAGS_$*) -o $@ $< $(UNIT_COMMON_SRCS) \
	    $(UNIT_EXTRA_SRCS_$*) $(BUILD)/libaxvm-asan.a $(UNIT_EXTRA_LIBS_$*) $(UNIT_LIBS)

# The test device is core-like code: hold it to the core's warning flags,
# hosted and freestanding (the images compile it with their own flags).
$(UNIT_OUT)/check/testdev.o: devices/testdev.c $(UNIT_HDRS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CORE_WARN) -c $< -o $@
$(UNIT_OUT)/check/testdev-aarch64.o: devices/testdev.c $(UNIT_HDRS)
	@mkdir -p $(@D)
	$(A64_CC) $(A64_CFLAGS) $(CORE_WARN) -c $< -o $@

unit: $$(UNIT_BINS) $$(UNIT_ASAN_BINS) $(UNIT_OUT)/check/testdev.o $(UNIT_OUT)/check/testdev-aarch64.o
unit-plain: $$(UNIT_BINS)
# One binary path per line (plain first, then sanitized), for the suite.
unit-list:
	@for b in $(UNIT_BINS) $(UNIT_ASAN_BINS); do echo $$b; done
.PHONY: unit unit-plain unit-list
