# libFuzzer targets (tests/fuzz/, docs/FUZZING.md): everything a guest or a
# configuration file controls, fed with arbitrary bytes, built hosted with
# clang and ASan + UBSan (any sanitizer report or broken invariant aborts).
#
#   make fuzz                 build, then run every target FUZZ_SECONDS (120) each, one after the other
#   make fuzz-build           build the targets only
#   make fuzz-<target>        run one target FUZZ_SECONDS
#   make fuzz-regress         run every target once on each tests/fuzz/regressions/<target>/ input
#   make fuzz-list            the target names
#
# Working corpora go to build/fuzz/corpus/<target>/ (new inputs are written
# there); the committed seeds in tests/fuzz/corpus/<target>/ are only read.
# Crashes land in build/fuzz/artifacts/<target>/.
#
# The code under test is compiled here with its own object rules (clang,
# -fsanitize=fuzzer-no-link), from the same sources as everything else:
# the core, the device models, the vGIC, and the unit tests' fake HAL and
# fake backend.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 120
FUZZ_TIMEOUT ?= 10
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_TARGETS := config_load devices vgic pl011 uart16550 a64_exit psci

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := $(CSTD) -O1 -g $(INCLUDES) $(FUZZ_SAN)
FUZZ_INC := -Itests/unit -Iarch/fake -Iarch/aarch64 -Itests/fuzz

# Everything the targets may link, as one archive: each binary pulls in only
# what it uses.
FUZZ_LIB_SRCS := $(CORE_SRCS) devices/testdev.c devices/pl011.c devices/uart16550.c \
    $(sort $(wildcard arch/aarch64/vgic_*.c)) tests/unit/fake_hal.c arch/fake/fake_arch.c
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(FUZZ_OUT)/obj/%.o)
FUZZ_HDRS := $(wildcard include/axvm/*.h) $(wildcard arch/aarch64/*.h) tests/unit/fake_hal.h \
    arch/fake/fake_arch.h tests/fuzz/fuzz_input.h

# Core code keeps the core's warning flags under clang too.
$(FUZZ_OUT)/obj/core/%.o: core/%.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(CORE_WARN) -c $< -o $@
$(FUZZ_OUT)/obj/%.o: %.c $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(WARN) $(FUZZ_INC) -c $< -o $@

$(FUZZ_OUT)/libfuzz-axvm.a: $(FUZZ_LIB_OBJS)
	@rm -f $@; ar rcs $@ $^

# AArch64 backend sources that decode exits, built hosted as they are: the
# forced include replaces their system-register accessors (inline assembly)
# with the harness's values (tests/fuzz/a64_hosted.h).
FUZZ_A64_SRCS := arch/aarch64/exit.c arch/aarch64/psci.c arch/aarch64/sysreg.c arch/aarch64/inject.c
FUZZ_A64_OBJS := $(FUZZ_A64_SRCS:%.c=$(FUZZ_OUT)/obj-a64/%.o)
$(FUZZ_OUT)/obj-a64/%.o: %.c $(FUZZ_HDRS) tests/fuzz/a64_hosted.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(WARN) -Iarch/aarch64 -include tests/fuzz/a64_hosted.h -c $< -o $@
$(FUZZ_OUT)/libfuzz-a64.a: $(FUZZ_A64_OBJS)
	@rm -f $@; ar rcs $@ $^

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OUT)/libfuzz-a64.a $(FUZZ_OUT)/libfuzz-axvm.a $(FUZZ_HDRS) tests/fuzz/a64_check.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(WARN) $(FUZZ_INC) -o $@ $< $(FUZZ_OUT)/libfuzz-a64.a \
	    $(FUZZ_OUT)/libfuzz-axvm.a -lpthread

FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_OUT)/fuzz_%)

fuzz-build: $(FUZZ_BINS)

fuzz-list:
	@for t in $(FUZZ_TARGETS); do echo $$t; done

# One target for FUZZ_SECONDS: the working corpus first (written), then the
# committed seeds (read).
fuzz-%: $(FUZZ_OUT)/fuzz_%
	@mkdir -p $(FUZZ_OUT)/corpus/$* $(FUZZ_OUT)/artifacts/$* tests/fuzz/corpus/$*
	$(FUZZ_OUT)/fuzz_$* -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_OUT)/artifacts/$*/ $(FUZZ_OUT)/corpus/$* tests/fuzz/corpus/$*

# Targets one after the other (the machine is shared); every target runs even
# if an earlier one crashed, and the status says whether any did.
fuzz: fuzz-build
	@failed=; for t in $(FUZZ_TARGETS); do \
	    echo "== fuzz $$t: $(FUZZ_SECONDS) s"; \
	    $(MAKE) --no-print-directory fuzz-$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed (see $(FUZZ_OUT)/artifacts/)"; exit 1; fi; \
	echo "fuzz: no crash in $(FUZZ_TARGETS)"

fuzz-regress: fuzz-build
	@failed=; for t in $(FUZZ_TARGETS); do \
	    files=$$(find tests/fuzz/regressions/$$t -type f 2>/dev/null | sort); \
	    [ -z "$$files" ] && continue; \
	    $(FUZZ_OUT)/fuzz_$$t $$files >/dev/null 2>&1 || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz-regress: failures in:$$failed"; exit 1; fi

.PHONY: fuzz fuzz-build fuzz-list fuzz-regress
