#!/usr/bin/env python3
"""The op module and the plug-in need only what GIMP itself ships.

    elf-needed.py [--sanitizers] [--must-fail FILE]... KIND=FILE...

KIND is op (GEGL, babl, GLib, json-glib, libc) or plug-in (those, the GIMP
libraries and the GTK 3 stack).  Reads each FILE's DT_NEEDED entries from
its ELF dynamic section (no binutils needed) and fails on any library
outside its allow-list: a module that needs a library the host lacks (the
OpenCL loader, CLBlast, OpenBLAS in GIMP's Flatpak) does not load at all.
--must-fail names a binary that needs such a library (a test program that
links the OpenCL loader): the check must reject it, or it proves nothing.
--sanitizers also allows the ASan/UBSan runtimes of a -Db_sanitize build.
"""
import re
import struct
import sys

# libc and its parts, GLib/GObject/GIO/GModule, json-glib, GEGL and babl.
OP_ALLOWED = [
    r"libc\.so\.6", r"libm\.so\.6", r"libpthread\.so\.0", r"libdl\.so\.2", r"librt\.so\.1",
    r"ld-linux[-\w.]*\.so\.\d+", r"libgcc_s\.so\.1",
    r"lib(glib|gobject|gio|gmodule|gthread)-2\.0\.so\.0", r"libjson-glib-1\.0\.so\.0",
    r"libgegl(-npd)?-0\.4\.so\.0", r"libbabl-0\.1\.so\.0",
]
# The plug-in also has GIMP's libraries and the GTK 3 stack GIMP runs on.
PLUGIN_ALLOWED = OP_ALLOWED + [
    r"libgimp(base|color|config|math|module|thumb|ui|widgets)?-3\.0\.so\.0",
    r"lib(gtk|gdk)-3\.so\.0", r"libgdk_pixbuf-2\.0\.so\.0", r"libpango(cairo|ft2)?-1\.0\.so\.0",
    r"libcairo(-gobject)?\.so\.2", r"libharfbuzz\.so\.0", r"libatk-1\.0\.so\.0",
]
SANITIZERS = [r"libasan\.so\.\d+", r"libubsan\.so\.\d+"]

DT_NEEDED, SHT_DYNAMIC = 1, 6


def needed(path):
    """The DT_NEEDED sonames of an ELF file, in order."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF":
        raise ValueError(f"{path}: not an ELF file")
    is64, end = data[4] == 2, "<" if data[5] == 1 else ">"
    if is64:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3A)
        sh_fmt, dyn_fmt = end + "IIQQQQIIQQ", end + "qQ"
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2E)
        sh_fmt, dyn_fmt = end + "IIIIIIIIII", end + "iI"
    sections = [struct.unpack_from(sh_fmt, data, shoff + i * shentsize) for i in range(shnum)]
    names = []
    for sh in sections:
        if sh[1] != SHT_DYNAMIC:
            continue
        strtab_offset = sections[sh[6]][4]
        entsize = struct.calcsize(dyn_fmt)
        for at in range(sh[4], sh[4] + sh[5], entsize):
            tag, val = struct.unpack_from(dyn_fmt, data, at)
            if tag == 0:
                break
            if tag == DT_NEEDED:
                stop = data.index(b"\0", strtab_offset + val)
                names.append(data[strtab_offset + val:stop].decode())
    return names


def outside(path, allowed):
    return [n for n in needed(path) if not any(re.fullmatch(p, n) for p in allowed)]


def main(argv):
    extra, must_fail, checks = [], [], []
    args = iter(argv)
    for arg in args:
        if arg == "--sanitizers":
            extra = SANITIZERS
        elif arg == "--must-fail":
            must_fail.append(next(args))
        else:
            kind, _, path = arg.partition("=")
            if kind not in ("op", "plug-in") or not path:
                sys.exit(f"usage: {__doc__}")
            checks.append((kind, path))
    if not checks:
        sys.exit(f"usage: {__doc__}")
    failed = False
    for path in must_fail:
        bad = outside(path, OP_ALLOWED + extra)
        if not bad:
            print(f"FAIL: the check accepts {path}, which it must reject")
            failed = True
        else:
            print(f"ok: {path} rejected as expected ({', '.join(bad)})")
    for kind, path in checks:
        allowed = (OP_ALLOWED if kind == "op" else PLUGIN_ALLOWED) + extra
        names = needed(path)
        bad = outside(path, allowed)
        if not names:
            print(f"FAIL: {path}: no DT_NEEDED entries read")
            failed = True
        elif bad:
            print(f"FAIL: {path} ({kind}) needs {', '.join(bad)}, which GIMP does not ship")
            failed = True
        else:
            print(f"ok: {path} ({kind}) needs only {', '.join(names)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
