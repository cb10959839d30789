# axvm top-level build. The README's two commands are the contract:
#   make run   - install what is missing, build, boot the default VM
#   make test  - install what is missing, run every suite, end with "N passed, N failed"
# Each component keeps its sources and rules in mk/<component>.mk.

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD ?= build
CACHE ?= $(HOME)/.cache/axvm
CONFIG ?= configs/qemu-virt-linux.toml
PYTHON ?= /usr/bin/python3

# Flags shared by every C file of axvm.
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# The core additionally keeps implicit narrowing out.
CORE_WARN := $(WARN) -Wconversion -Wsign-conversion
CSTD := -std=c11 -D_DEFAULT_SOURCE
INCLUDES := -Iinclude

# Hosted (unit tests, KVM host): the system compiler.
HOST_CC ?= gcc
HOST_CFLAGS := $(CSTD) -O2 -g $(INCLUDES)

# Freestanding AArch64 (the hypervisor image, bare-metal test guests).
CROSS ?= aarch64-linux-gnu-
A64_CC := $(CROSS)gcc
A64_LD := $(CROSS)ld
A64_OBJCOPY := $(CROSS)objcopy
A64_CFLAGS := $(CSTD) -O2 -g -ffreestanding -nostdlib -fno-builtin-printf \
    -fno-stack-protector -fno-pic -fno-pie -mgeneral-regs-only \
    -mno-outline-atomics -fno-asynchronous-unwind-tables $(INCLUDES)

CORE_SRCS := $(sort $(wildcard core/*.c))

.PHONY: all deps test run bench fuzz clean lint
all:

include $(sort $(wildcard mk/*.mk))

deps:
	@tools/install-deps.sh

test: deps
	@tests/run-all.sh

clean:
	rm -rf $(BUILD)
