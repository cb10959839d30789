# make bench: boot overhead against bare QEMU, exit costs in instructions
# (QEMU -icount), footprint, and on hosts with /dev/kvm the x86 port-I/O round
# trip against a bare KVM_RUN loop. The driver is bench/run.py; method and
# numbers: docs/BENCH.md. Results: bench/results/latest.{json,png} + a dated copy.

BENCH_OUT := $(BUILD)/bench
BENCH_PIO_ITERS := 1 40000

# Structure sizes as the AArch64 image lays them out (read from the symbol table).
$(BENCH_OUT)/footprint.o: bench/footprint.c $(wildcard include/axvm/*.h arch/aarch64/*.h)
	@mkdir -p $(@D)
	$(A64_CC) $(A64_CFLAGS) $(WARN) -Iarch/aarch64 -c $< -o $@

# Stage-2 table pages, counted by the core's builder hosted.
$(BENCH_OUT)/s2tables: bench/s2tables.c arch/aarch64/stage2.c $(BUILD)/libaxvm-host.a
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(WARN) -Iarch/aarch64 -o $@ bench/s2tables.c arch/aarch64/stage2.c $(BUILD)/libaxvm-host.a

$(BENCH_OUT)/kvm_bare: bench/kvm_bare.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(WARN) -o $@ $<

$(BENCH_OUT)/kvm/pio-%.bin: bench/kvm/pio.S guests/x86_64/real/real.ld
	@mkdir -p $(@D)
	$(HOST_CC) -DITERS=$* -c -o $(@:.bin=.o) $<
	ld -m elf_x86_64 --no-warn-rwx-segments -z noexecstack -T guests/x86_64/real/real.ld -o $(@:.bin=.elf) $(@:.bin=.o)
	objcopy -O binary $(@:.bin=.elf) $@

bench-tools: $(BENCH_OUT)/footprint.o $(BENCH_OUT)/s2tables $(BENCH_OUT)/kvm_bare \
    $(BENCH_PIO_ITERS:%=$(BENCH_OUT)/kvm/pio-%.bin)
.PHONY: bench-tools

bench: deps
	@$(MAKE) -s -j2 hyp-aarch64 guests-aarch64 bench-tools
	@if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then $(MAKE) -s -j2 kvm; fi
	@AXVM_CACHE=$(CACHE) BUILD=$(BUILD) BENCH_PIO_ITERS="$(BENCH_PIO_ITERS)" $(PYTHON) bench/run.py
