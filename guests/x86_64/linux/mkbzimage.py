#!/usr/bin/env python3
"""Wrap a flat 64-bit payload (linked at 16 MiB, entry at +0x200) into a
bzImage with a boot-protocol 2.15 setup header, so axvm-kvm --linux can be
tested without a real kernel. usage: mkbzimage.py payload.bin out.bzImage"""
import struct
import sys

payload = open(sys.argv[1], 'rb').read()
setup_sects = 4
setup = bytearray((setup_sects + 1) * 512)
setup[0x1F1] = setup_sects
struct.pack_into('<H', setup, 0x1FE, 0xAA55)
setup[0x200] = 0xEB                                 # jmp to the end of the header
setup[0x201] = 0x6A                                 # header ends at 0x26C
setup[0x202:0x206] = b'HdrS'
struct.pack_into('<H', setup, 0x206, 0x020F)        # protocol 2.15
setup[0x211] = 0x01                                 # LOADED_HIGH
struct.pack_into('<I', setup, 0x22C, 0x7FFFFFFF)    # initrd_addr_max
struct.pack_into('<I', setup, 0x230, 0x200000)      # kernel_alignment
setup[0x234] = 1                                    # relocatable
struct.pack_into('<H', setup, 0x236, 0x0003)        # XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G
struct.pack_into('<I', setup, 0x238, 2047)          # cmdline_size
struct.pack_into('<Q', setup, 0x258, 0x1000000)     # pref_address
init_size = max(0x100000, (len(payload) + 0xFFFFF) & ~0xFFFFF)
struct.pack_into('<I', setup, 0x260, init_size)     # init_size
open(sys.argv[2], 'wb').write(bytes(setup) + payload)
