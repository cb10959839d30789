#!/usr/bin/env python3
"""Pack a directory into a gzip'd cpio "newc" archive for a Linux initramfs.

usage: mkinitramfs.py ROOT_DIR OUT.cpio.gz

Written in Python rather than `find | cpio` so it needs no root: the archive
also carries /dev/console (char 5:1), which the kernel opens for init's
stdin/stdout before anything is mounted, and every entry is owned by root with
mtime 0 (the output is reproducible).
"""
import gzip
import os
import stat
import sys

def _entry(out, ino, name, mode, data=b"", rdev=(0, 0), nlink=1):
    name_b = name.encode() + b"\0"
    hdr = "070701" + "".join("%08X" % v for v in (
        ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
        len(name_b), 0))
    out.write(hdr.encode())
    out.write(name_b)
    out.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
    out.write(data)
    out.write(b"\0" * ((4 - len(data) % 4) % 4))

def build(root, dest):
    entries = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        if rel != ".":
            entries.append(rel)
        for f in sorted(filenames) + [d for d in dirnames
                                      if os.path.islink(os.path.join(dirpath, d))]:
            entries.append(os.path.normpath(os.path.join(rel, f)))
    with open(dest, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        ino = 1
        for rel in entries:
            path = os.path.join(root, rel)
            st = os.lstat(path)
            perm = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                _entry(out, ino, rel, stat.S_IFLNK | 0o777, os.readlink(path).encode())
            elif stat.S_ISDIR(st.st_mode):
                _entry(out, ino, rel, stat.S_IFDIR | perm, nlink=2)
            elif stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    _entry(out, ino, rel, stat.S_IFREG | perm, f.read())
            else:
                raise SystemExit("mkinitramfs: unsupported file type: %s" % path)
            ino += 1
        if "dev" not in entries:
            _entry(out, ino, "dev", stat.S_IFDIR | 0o755, nlink=2)
            ino += 1
        _entry(out, ino, "dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
        _entry(out, 0, "TRAILER!!!", 0)

def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    build(sys.argv[1], sys.argv[2])

if __name__ == "__main__":
    main()
