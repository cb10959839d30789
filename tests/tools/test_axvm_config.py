#!/usr/bin/env python3
"""Tests of tools/axvm-config: every class of invalid configuration gets its
own error (file, line, key, problem) and nothing is written; valid ones make
a blob whose bytes follow docs/CONFIG-BLOB.md.

Prints one line per case: "PASS tools/<case>" or "FAIL tools/<case>: why".
usage: python3 tests/tools/test_axvm_config.py
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(REPO, "tools", "axvm-config")

PLATFORM = """\
[platform]
name = "test-virt"
cpu_num = 4
ram_base = 0x40000000
ram_size = 0x80000000
blob_addr = 0x48000000
blob_max_size = 0x08000000
pool_base = 0x50000000
"""

VM = """\
[base]
id = {id}
name = "{name}"
vm_type = "baremetal"
cpu_num = 1
phys_cpu_ids = [{pcpu}]

[kernel]
kernel_path = "guest.bin"
kernel_load_addr = 0x40000000

[[memory_regions]]
gpa = 0x40000000
size = 0x100000
flags = "rwx"

[devices]
emu_devices = [
    {{ type = "gicd", base = 0x08000000 }},
    {{ type = "gicr", base = 0x080A0000 }},
    {{ type = "testdev", base = 0x0B000000 }},
]
"""

LINUX = """\
[base]
id = 1
name = "linux"
vm_type = "linux"
cpu_num = 2
phys_cpu_ids = [0, 1]

[kernel]
kernel_path = "Image"
kernel_load_addr = 0x40200000
dtb_load_addr = 0x40000000
ramdisk_path = "initrd"
ramdisk_load_addr = 0x48000000
cmdline = "console=ttyAMA0 rdinit=/init"

[[memory_regions]]
gpa = 0x40000000
size = 0x20000000

[devices]
emu_devices = [
    { type = "gicd", base = 0x08000000, length = 0x10000 },
    { type = "gicr", base = 0x080A0000, length = 0x40000 },
    { type = "pl011", base = 0x09000000, irq = 33 },
]
"""


def fake_image(image_size=0x200000, text_offset=0, size=4096):
    """A file with a valid arm64 Image header (the kernel itself is not run)."""
    h = bytearray(size)
    struct.pack_into("<IIQQQ", h, 0, 0x91005a4d, 0x14000000, text_offset, image_size, 0xA)
    h[0x38:0x3C] = b"ARM\x64"
    return bytes(h)


def run_file(vms):
    return 'platform = "platform.toml"\nvms = [%s]\n' % ", ".join('"%s"' % v for v in vms)


def line_of(text, needle):
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError("%r not in text" % needle)


class Case(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="axvm-config-test.")
        self.out = os.path.join(self.dir, "out")
        self.write("platform.toml", PLATFORM)
        self.write("guest.bin", b"\x00\x00\x00\x14" * 64)
        self.write("Image", fake_image())
        self.write("initrd", b"initrd" * 100)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, content):
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(os.path.join(self.dir, name), mode) as f:
            f.write(content)

    def compile(self, main="run.toml", *extra):
        r = subprocess.run([sys.executable, TOOL, os.path.join(self.dir, main), "-o", self.out] + list(extra),
                           capture_output=True, text=True, cwd=self.dir)
        return r

    def one_vm(self, text, name="vm.toml"):
        self.write(name, text)
        self.write("run.toml", run_file([name]))

    def assertFails(self, r, *fragments, file=None, line=None):
        """Exit status 1, every fragment in one error line, nothing written."""
        self.assertEqual(r.returncode, 1, "expected failure, got %d\nstdout: %s\nstderr: %s"
                         % (r.returncode, r.stdout, r.stderr))
        errs = [l for l in r.stderr.splitlines() if l.startswith("error: ")]
        self.assertTrue(errs, "no error line in: %s" % r.stderr)
        match = [e for e in errs if all(f in e for f in fragments)]
        self.assertTrue(match, "no error with %r in:\n%s" % (fragments, r.stderr))
        if file is not None or line is not None:
            where = "%s:%s:" % (file or "", line) if line is not None else file
            self.assertTrue(any(where in e for e in match), "no %r in %s" % (where, match))
        self.assertIn("nothing written", r.stderr)
        written = os.listdir(self.out) if os.path.exists(self.out) else []
        self.assertEqual(written, [], "files written despite errors")

    def assertOK(self, r):
        self.assertEqual(r.returncode, 0, "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))

    def blob(self, name="run.bin"):
        with open(os.path.join(self.out, name), "rb") as f:
            return f.read()

    # -- valid -------------------------------------------------------------
    def test_valid_blob_layout(self):
        self.write("a.toml", VM.format(id=1, name="a", pcpu=0))
        self.write("b.toml", VM.format(id=2, name="b", pcpu=1))
        self.write("run.toml", run_file(["a.toml", "b.toml"]))
        self.assertOK(self.compile())
        b = self.blob()
        magic, ver, hsz, total, crc, res, nvm, vmrec, vmoff, nivc, ivcrec = struct.unpack_from(
            "<8sIIQIIIIQII", b, 0)
        self.assertEqual((magic, ver, hsz, total, nvm, vmrec, nivc, ivcrec),
                         (b"AXVMCFG\0", 1, 96, len(b), 2, 192, 0, 40))
        z = bytearray(b)
        z[0x18:0x1C] = b"\0\0\0\0"
        self.assertEqual(crc, zlib.crc32(z))
        # Identical images stored once: both VMs' image records point at the same bytes.
        offs = []
        for i in range(2):
            rec = vmoff + 192 * i
            nimg = struct.unpack_from("<I", b, rec + 0x50)[0]
            self.assertEqual(nimg, 1)
            img = struct.unpack_from("<Q", b, rec + 0x80)[0]
            data, size, gpa, kind = struct.unpack_from("<QQQI", b, img)
            self.assertEqual((size, gpa, kind), (256, 0x40000000, 1))
            self.assertEqual(data % 4096, 0)
            offs.append(data)
        self.assertEqual(offs[0], offs[1])
        self.assertEqual(b[offs[0]:offs[0] + 4], b"\x00\x00\x00\x14")

    def test_linux_kernel_placement_and_dtb(self):
        self.write("Image", fake_image(text_offset=0x80000, image_size=0x300000))
        self.one_vm(LINUX)
        r = self.compile()
        self.assertOK(r)
        b = self.blob()
        vmoff = struct.unpack_from("<Q", b, 0x28)[0]
        entry, arg = struct.unpack_from("<QQ", b, vmoff + 0x28)
        self.assertEqual(entry, 0x40200000 + 0x80000)   # load address + text_offset
        self.assertEqual(arg, 0x40000000)                # DTB
        dts = open(os.path.join(self.out, "run.linux.dts")).read()
        for want in ('method = "hvc"', 'enable-method = "psci"', "reg = <0x1>;",
                     '"arm,gic-v3"', "#redistributor-regions = <1>",
                     "<0x1 13 0x4>, <0x1 14 0x4>, <0x1 11 0x4>, <0x1 10 0x4>",
                     '"arm,pl011", "arm,primecell"', "clock-names = \"uartclk\", \"apb_pclk\"",
                     'bootargs = "console=ttyAMA0 rdinit=/init"', 'stdout-path = "/pl011@9000000"',
                     "linux,initrd-start = <0x0 0x48000000>", "linux,initrd-end = <0x0 0x48000258>",
                     "reg = <0x0 0x40000000 0x0 0x20000000>"):
            self.assertIn(want, dts)
        dtb = open(os.path.join(self.out, "run.linux.dtb"), "rb").read()
        self.assertEqual(dtb[:4], b"\xd0\x0d\xfe\xed")

    def test_set_override_and_single_vm_file(self):
        self.write("vm.toml", VM.format(id=1, name="solo", pcpu=0))
        other = os.path.join(self.dir, "other.bin")
        with open(other, "wb") as f:
            f.write(b"\x1f\x20\x03\xd5" * 3)
        r = self.compile("vm.toml", "--platform", os.path.join(self.dir, "platform.toml"),
                         "--set", "kernel.kernel_path=%s" % other, "--set", "base.phys_cpu_ids=[3]")
        self.assertOK(r)
        b = self.blob("vm.bin")
        vmoff = struct.unpack_from("<Q", b, 0x28)[0]
        cpus = struct.unpack_from("<Q", b, vmoff + 0x58)[0]
        self.assertEqual(struct.unpack_from("<I", b, cpus)[0], 3)
        img = struct.unpack_from("<Q", b, vmoff + 0x80)[0]
        self.assertEqual(struct.unpack_from("<Q", b, img + 8)[0], 12)

    def test_elf_guest(self):
        # Minimal AArch64 ELF: one PT_LOAD at 0x40080000 of 8 bytes, memsz 0x2000.
        eh = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7,
                         2, 183, 1, 0x40080004, 64, 0, 0, 64, 56, 1, 0, 0, 0)
        ph = struct.pack("<IIQQQQQQ", 1, 5, 120, 0x40080000, 0x40080000, 8, 0x2000, 8)
        self.write("guest.elf", eh + ph + b"\x1f\x20\x03\xd5" * 2)
        self.one_vm(VM.format(id=1, name="e", pcpu=0).replace('kernel_path = "guest.bin"\nkernel_load_addr = 0x40000000',
                                                                'kernel_path = "guest.elf"'))
        self.assertOK(self.compile())
        b = self.blob()
        vmoff = struct.unpack_from("<Q", b, 0x28)[0]
        self.assertEqual(struct.unpack_from("<Q", b, vmoff + 0x28)[0], 0x40080004)
        img = struct.unpack_from("<Q", b, vmoff + 0x80)[0]
        self.assertEqual(struct.unpack_from("<QQQ", b, img)[1:], (8, 0x40080000))

    # -- invalid: one test per class ---------------------------------------
    def test_toml_syntax_error(self):
        self.one_vm(VM.format(id=1, name="a", pcpu=0).replace("cpu_num = 1", "cpu_num = = 1"))
        self.assertFails(self.compile(), "TOML syntax error", file="vm.toml", line=5)

    def test_unknown_key(self):
        text = VM.format(id=1, name="a", pcpu=0).replace('name = "a"', 'nmae = "a"')
        self.one_vm(text)
        self.assertFails(self.compile(), "base.nmae", "unknown key", "did you mean 'name'",
                         file="vm.toml", line=line_of(text, "nmae"))

    def test_unknown_key_in_inline_table(self):
        text = VM.format(id=1, name="a", pcpu=0).replace('type = "testdev"', 'type = "testdev", colour = 1')
        self.one_vm(text)
        self.assertFails(self.compile(), "devices.emu_devices[2].colour", "unknown key",
                         line=line_of(text, "colour"))

    def test_wrong_type(self):
        text = VM.format(id=1, name="a", pcpu=0).replace("cpu_num = 1", 'cpu_num = "one"')
        self.one_vm(text)
        self.assertFails(self.compile(), "base.cpu_num", "wrong type: string, expected an integer",
                         line=line_of(text, "cpu_num"))

    def test_missing_key(self):
        text = VM.format(id=1, name="a", pcpu=0).replace("id = 1\n", "")
        self.one_vm(text)
        self.assertFails(self.compile(), "base.id", "missing required key", line=1)

    def test_overlapping_memory_regions(self):
        text = VM.format(id=1, name="a", pcpu=0) + "\n[[memory_regions]]\ngpa = 0x400F0000\nsize = 0x10000\n"
        self.one_vm(text)
        self.assertFails(self.compile(), "memory_regions[1]", "overlaps the memory region",
                         line=line_of(text, "0x400F0000") - 1)

    def test_overlapping_devices(self):
        text = VM.format(id=1, name="a", pcpu=0).replace('{ type = "testdev", base = 0x0B000000 }',
                                                         '{ type = "pl011", base = 0x08008000 }')
        self.one_vm(text)
        self.assertFails(self.compile(), "devices.emu_devices[2]", "pl011 device", "overlaps the gicd device",
                         line=line_of(text, "0x08008000"))

    def test_device_over_ram(self):
        text = VM.format(id=1, name="a", pcpu=0).replace("base = 0x0B000000", "base = 0x40080000")
        self.one_vm(text)
        self.assertFails(self.compile(), "testdev device", "overlaps the memory region")

    def test_pcpu_claimed_twice(self):
        self.write("a.toml", VM.format(id=1, name="a", pcpu=2))
        self.write("b.toml", VM.format(id=2, name="b", pcpu=2))
        self.write("run.toml", run_file(["a.toml", "b.toml"]))
        self.assertFails(self.compile(), "base.phys_cpu_ids", "physical CPU 2 is already claimed by VM 'a'",
                         file="b.toml", line=6)

    def test_passthrough_irq_rules(self):
        pt = ('passthrough_devices = [\n'
              '    {{ guest_base = 0x09010000, host_base = 0x09010000, length = 0x1000, irq = {a} }},\n'
              '    {{ guest_base = 0x09030000, host_base = 0x09030000, length = 0x1000, irq = {b} }},\n'
              ']\n')
        base = VM.format(id=1, name="a", pcpu=0)
        self.one_vm(base + pt.format(a=27, b=39))
        self.assertFails(self.compile(), "irq", "27 is not an SPI")
        self.one_vm(base + pt.format(a=34, b=34))
        self.assertFails(self.compile(), "irq", "34 is already the irq of another passthrough device")
        self.write("a.toml", base + pt.format(a=34, b=39))
        self.write("b.toml", VM.format(id=2, name="b", pcpu=1)
                   + pt.format(a=40, b=34).replace("0x09010000", "0x09040000").replace("0x09030000", "0x09050000"))
        self.write("run.toml", run_file(["a.toml", "b.toml"]))
        self.assertFails(self.compile(), "irq", "passthrough irq 34 is already claimed by VM 'a'", file="b.toml")

    def test_pcpu_does_not_exist(self):
        self.one_vm(VM.format(id=1, name="a", pcpu=4))
        self.assertFails(self.compile(), "physical CPU 4 does not exist", line=6)

    def test_duplicate_id_and_name(self):
        self.write("a.toml", VM.format(id=1, name="a", pcpu=0))
        self.write("b.toml", VM.format(id=1, name="a", pcpu=1))
        self.write("run.toml", run_file(["a.toml", "b.toml"]))
        r = self.compile()
        self.assertFails(r, "base.id", "already the id of VM 'a'", file="b.toml", line=2)
        self.assertFails(r, "base.name", "already the name", file="b.toml", line=3)

    def test_misaligned_region(self):
        text = VM.format(id=1, name="a", pcpu=0).replace("size = 0x100000", "size = 0x100800")
        self.one_vm(text)
        self.assertFails(self.compile(), "memory_regions[0].size", "misaligned", line=line_of(text, "0x100800"))

    def test_misaligned_device(self):
        text = VM.format(id=1, name="a", pcpu=0).replace("base = 0x0B000000", "base = 0x0B000100")
        self.one_vm(text)
        self.assertFails(self.compile(), "emu_devices[2].base", "misaligned")

    def test_more_ram_than_platform(self):
        text = VM.format(id=1, name="a", pcpu=0).replace("size = 0x100000", "size = 0x70000000")
        self.one_vm(text)
        self.assertFails(self.compile(), "vms", "need 1792 MiB of RAM", "1792 MiB page pool",
                         file="run.toml", line=2)

    def test_image_does_not_fit(self):
        self.write("guest.bin", b"\0" * 0x100001)
        self.one_vm(VM.format(id=1, name="a", pcpu=0))
        self.assertFails(self.compile(), "kernel.kernel_load_addr", "does not fit in any RAM region")

    def test_linux_image_size_does_not_fit(self):
        # The file is small but its header says it needs 0x20000000 bytes.
        self.write("Image", fake_image(image_size=0x20000000))
        self.one_vm(LINUX)
        self.assertFails(self.compile(), "kernel (image_size from its header)", "does not fit")

    def test_images_overlap(self):
        text = LINUX.replace("ramdisk_load_addr = 0x48000000", "ramdisk_load_addr = 0x40300000")
        self.one_vm(text)
        self.assertFails(self.compile(), "kernel.ramdisk_path", "overlaps the kernel")

    def test_kernel_not_2mib_aligned(self):
        text = LINUX.replace("kernel_load_addr = 0x40200000", "kernel_load_addr = 0x40201000")
        self.one_vm(text)
        self.assertFails(self.compile(), "kernel.kernel_load_addr", "not 2 MiB-aligned",
                         line=line_of(text, "kernel_load_addr"))

    def test_not_an_arm64_image(self):
        self.write("Image", b"\x7fELF" + b"\0" * 100)
        self.one_vm(LINUX)
        self.assertFails(self.compile(), "kernel.kernel_path", "not an arm64 Linux Image")

    def test_missing_image_file(self):
        self.one_vm(VM.format(id=1, name="a", pcpu=0).replace("guest.bin", "nope.bin"))
        self.assertFails(self.compile(), "kernel.kernel_path", "cannot read", "nope.bin", line=9)

    def test_ivc_peer_missing(self):
        text = VM.format(id=1, name="a", pcpu=0) + '\n[[ivc]]\npeer = "ghost"\ngpa = 0x70000000\nsize = 0x1000\ndoorbell_irq = 40\n'
        self.one_vm(text)
        self.assertFails(self.compile(), "ivc[0].peer", "no VM named 'ghost'", line=line_of(text, "ghost"))

    def test_ivc_one_sided(self):
        self.write("a.toml", VM.format(id=1, name="a", pcpu=0)
                   + '\n[[ivc]]\npeer = "b"\ngpa = 0x70000000\nsize = 0x1000\ndoorbell_irq = 40\n')
        self.write("b.toml", VM.format(id=2, name="b", pcpu=1))
        self.write("run.toml", run_file(["a.toml", "b.toml"]))
        self.assertFails(self.compile(), "VM 'b' declares no [[ivc]] with peer = \"a\"", file="a.toml")

    def test_ivc_window_overlaps_ram(self):
        text = VM.format(id=1, name="a", pcpu=0) + '\n[[ivc]]\npeer = "b"\ngpa = 0x40000000\nsize = 0x1000\ndoorbell_irq = 40\n'
        self.write("a.toml", text)
        self.write("b.toml", VM.format(id=2, name="b", pcpu=1)
                   + '\n[[ivc]]\npeer = "a"\ngpa = 0x70000000\nsize = 0x1000\ndoorbell_irq = 41\n')
        self.write("run.toml", run_file(["a.toml", "b.toml"]))
        self.assertFails(self.compile(), "ivc[0]", "IVC window", "overlaps the memory region", file="a.toml")

    def test_ivc_pair_ok(self):
        self.write("a.toml", VM.format(id=1, name="a", pcpu=0)
                   + '\n[[ivc]]\npeer = "b"\ngpa = 0x70000000\nsize = 0x2000\ndoorbell_irq = 40\n')
        self.write("b.toml", VM.format(id=2, name="b", pcpu=1)
                   + '\n[[ivc]]\npeer = "a"\ngpa = 0x71000000\nsize = 0x2000\ndoorbell_irq = 41\n')
        self.write("run.toml", run_file(["a.toml", "b.toml"]))
        self.assertOK(self.compile())
        b = self.blob()
        n_ivc, _rec, off = struct.unpack_from("<IIQ", b, 0x30)
        self.assertEqual(n_ivc, 1)
        self.assertEqual(struct.unpack_from("<IIQQIIQ", b, off), (1, 2, 0x70000000, 0x71000000, 40, 41, 0x2000))

    def test_too_many_regions(self):
        text = VM.format(id=1, name="a", pcpu=0)
        for i in range(16):
            text += "\n[[memory_regions]]\ngpa = 0x%x\nsize = 0x1000\n" % (0x50000000 + i * 0x1000)
        self.one_vm(text)
        self.assertFails(self.compile(), "memory_regions", "17 regions, the limit is 16")

    def test_unknown_device_type(self):
        self.one_vm(VM.format(id=1, name="a", pcpu=0).replace('"testdev"', '"virtio"'))
        self.assertFails(self.compile(), "emu_devices[2].type", "'virtio' is not one of")

    def test_entry_point_mismatch(self):
        text = LINUX.replace("kernel_load_addr = 0x40200000", "kernel_load_addr = 0x40200000\nentry_point = 0x40000000")
        self.one_vm(text)
        self.assertFails(self.compile(), "kernel.entry_point", "the kernel starts at 0x40200000",
                         line=line_of(text, "entry_point"))

    def test_entry_not_in_ram(self):
        text = VM.format(id=1, name="a", pcpu=0).replace("kernel_load_addr = 0x40000000",
                                                         "kernel_load_addr = 0x40000000\nentry_point = 0x10000000")
        self.one_vm(text)
        self.assertFails(self.compile(), "kernel.entry_point", "entry 0x10000000 is not in guest RAM",
                         line=line_of(text, "entry_point"))

    def test_linux_needs_dtb(self):
        self.one_vm(LINUX.replace("dtb_load_addr = 0x40000000\n", ""))
        self.assertFails(self.compile(), "kernel.dtb_load_addr", "a Linux VM needs a DTB")

    def test_gicr_too_small(self):
        self.one_vm(LINUX.replace("length = 0x40000", "length = 0x20000"))
        self.assertFails(self.compile(), "emu_devices[1].length", "2 vCPUs x 128 KiB")

    def test_phys_cpu_count_mismatch(self):
        self.one_vm(VM.format(id=1, name="a", pcpu="0, 1"))
        self.assertFails(self.compile(), "base.phys_cpu_ids", "2 entries for cpu_num = 1", line=6)

    def test_missing_vm_file(self):
        self.write("run.toml", run_file(["absent.toml"]))
        self.assertFails(self.compile(), "vms[0]", "no such file", file="run.toml", line=2)

    def test_blob_too_big(self):
        self.write("platform.toml", PLATFORM.replace("blob_max_size = 0x08000000", "blob_max_size = 0x1000"))
        self.one_vm(VM.format(id=1, name="a", pcpu=0))
        self.assertFails(self.compile(), "more than the platform's 4 KiB window")

    def test_bad_set(self):
        self.one_vm(VM.format(id=1, name="a", pcpu=0))
        r = self.compile("run.toml", "--set", "base.cpu_num=9")
        self.assertFails(r, "--set base.cpu_num=9", "out of range")

    def test_help(self):
        r = subprocess.run([sys.executable, TOOL, "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: tools/axvm-config", r.stdout)

    # -- x86_64 VMs (blob extension x86 v1) --------------------------------
    def test_x86_blob_extension(self):
        self.one_vm(X86.format(extra='msr_traps = [0xc0000103, 0x10]\ncpuid_hide = ["7:ebx:0"]\n'))
        self.assertOK(self.compile())
        b = self.blob()
        vmoff = struct.unpack_from("<Q", b, 0x28)[0]
        arch, ext_size, ext_off = struct.unpack_from("<IIQ", b, vmoff + 0x88)
        self.assertEqual((arch, ext_size), (1, 0x90))
        ver, size, mode, dport, nmsr, nhide = struct.unpack_from("<IIIIII", b, ext_off)
        self.assertEqual((ver, size, mode, dport, nmsr, nhide), (1, 0x90, 1, 0x500, 2, 1))
        self.assertEqual(struct.unpack_from("<II", b, ext_off + 0x18), (0xc0000103, 0x10))
        self.assertEqual(struct.unpack_from("<IBBH", b, ext_off + 0x50), (7, 1, 0, 0))
        ndev, devoff = struct.unpack_from("<I", b, vmoff + 0x44)[0], struct.unpack_from("<Q", b, vmoff + 0x68)[0]
        devs = [struct.unpack_from("<IIQQ", b, devoff + 32 * i) for i in range(ndev)]
        self.assertIn((4, 4, 0x3f8, 8), devs)            # 16550 in port space, IRQ 4
        self.assertIn((5, 0, 0xd0000000, 0x1000), devs)  # test device
        self.assertFalse([f for f in os.listdir(self.out) if f.endswith(".dtb")])

    def test_aarch64_blob_has_no_extension(self):
        self.one_vm(VM.format(id=1, name="a", pcpu=0))
        self.assertOK(self.compile())
        b = self.blob()
        vmoff = struct.unpack_from("<Q", b, 0x28)[0]
        self.assertEqual(b[vmoff + 0x88:vmoff + 192], bytes(192 - 0x88))

    def test_x86_bad_keys(self):
        text = X86.format(extra='msr_traps = [0x830]\ncpuid_hide = ["7:exx:0"]\n').replace(
            'cpu_mode = "long"', 'cpu_mode = "protected"')
        self.one_vm(text)
        r = self.compile()
        self.assertFails(r, "x86.cpu_mode", "'protected' is not one of real, long",
                         file="vm.toml", line=line_of(text, "cpu_mode"))
        self.assertFails(r, "x86.msr_traps", "x2APIC range", line=line_of(text, "msr_traps"))
        self.assertFails(r, "x86.cpuid_hide", "LEAF:eax|ebx|ecx|edx:BIT", line=line_of(text, "cpuid_hide"))

    def test_x86_only_keys_and_devices(self):
        text = VM.format(id=1, name="a", pcpu=0) + '\n[x86]\ncpu_mode = "real"\n'
        self.one_vm(text)
        self.assertFails(self.compile(), "x86", "only for x86_64 VMs", line=line_of(text, "[x86]"))
        text = X86.format(extra="") + '\n[devices]\nemu_devices = [ { type = "gicd", base = 0x08000000 } ]\n'
        self.one_vm(text)
        self.assertFails(self.compile(), "devices.emu_devices[0].type", "aarch64 device",
                         line=line_of(text, "gicd"))
        self.one_vm(X86.format(extra="").replace("kernel_load_addr", "dtb_load_addr = 0x0\nkernel_load_addr"))
        self.assertFails(self.compile(), "kernel.dtb_load_addr", "no device tree")

    def test_x86_long_mode_boot_area(self):
        text = X86.format(extra="").replace("kernel_load_addr = 0x100000", "kernel_load_addr = 0x8000")
        self.one_vm(text.replace("entry_point = 0x100000", "entry_point = 0x8000"))
        self.assertFails(self.compile(), "kernel.kernel_path", "long-mode boot tables")

    def test_mixed_arch_run_file(self):
        self.write("a.toml", VM.format(id=1, name="a", pcpu=0))
        self.write("x.toml", X86.format(extra="").replace("phys_cpu_ids = [0]", "phys_cpu_ids = [1]"))
        self.write("run.toml", run_file(["a.toml", "x.toml"]))
        self.assertFails(self.compile(), "base.arch", "one blob holds VMs of one architecture", file="x.toml")


X86 = """\
[base]
arch = "x86_64"
id = 7
name = "x"
vm_type = "baremetal"
cpu_num = 1
phys_cpu_ids = [0]

[kernel]
kernel_path = "guest.bin"
kernel_load_addr = 0x100000
entry_point = 0x100000

[[memory_regions]]
gpa = 0x0
size = 0x200000

[x86]
cpu_mode = "long"
{extra}uart_port = 0x3f8
debug_port = 0x500
testdev_base = 0xd0000000
"""


class Lines(unittest.TextTestResult):
    def addSuccess(self, test):
        super().addSuccess(test)
        print("PASS tools/%s" % test._testMethodName[5:], flush=True)

    def _fail(self, test, err):
        msg = self._exc_info_to_string(err, test).strip().splitlines()
        last = [l for l in msg if l.strip()][-1]
        for l in msg:
            print("#   " + l)
        print("FAIL tools/%s: %s" % (test._testMethodName[5:], last), flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err)


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Case)
    runner = unittest.TextTestRunner(resultclass=Lines, stream=open(os.devnull, "w"), verbosity=0)
    res = runner.run(suite)
    sys.exit(0 if res.wasSuccessful() else 1)
