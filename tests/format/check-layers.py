#!/usr/bin/env python3
"""The layers' rules, checked on the sources (README, "Architecture").

Includes run one way: plug-in -> (GEGL) -> op -> core <- backends.
- ops/core/ (the inference engine) includes no GEGL, babl, GIMP, GTK or
  OpenCL header and no header of the op (ops/, outside ops/core/);
- opencl/ (a backend) includes no GEGL, babl, GIMP or GTK header and, of
  ops/, only ops/core/ headers;
- plug-in/ includes no header of ops/ but the op's contract and mode auto's
  guess (header-only, so that the plug-in settles a layer's mode as the op
  would), and its meson.build compiles no file of ops/;
- no C source is over 800 lines.
Prints every breach; exit 1 if there is one.
"""
import os
import re
import sys

MAX_LINES = 800
# The headers of ops/ the plug-in may include: the op's contract, mode
# auto's guess with what it includes, and the hint grid with its reader
# (static inline: the preview decides as the op does).
PLUG_IN_SHARES = {"ops/cocolor-op-contract.h", "ops/cc-mode-guess-buffer.h", "ops/cc-mode-guess.h",
                  "ops/cc-luma.h", "ops/cc-hints.h", "ops/cc-hints-read.h"}
HOST_HEADERS = re.compile(r"^(gegl|babl|libgimp|gtk|gdk)")
OPENCL_HEADERS = re.compile(r"^(CL/|clblast)")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources(root, folder):
    for base, _, names in os.walk(os.path.join(root, folder)):
        for name in sorted(names):
            if name.endswith((".c", ".h")):
                yield os.path.join(base, name)


def main():
    root = sys.argv[1]
    # Where each project header lives, by name ("cc-plan.h" -> "ops/core").
    home = {}
    for folder in ("ops", "opencl", "plug-in"):
        for path in sources(root, folder):
            if path.endswith(".h"):
                home.setdefault(os.path.basename(path), os.path.relpath(path, root))
    breaches = []

    def breach(path, why):
        breaches.append(f"{os.path.relpath(path, root)}: {why}")

    n_files = 0
    for folder in ("ops", "opencl", "plug-in"):
        for path in sources(root, folder):
            n_files += 1
            text = open(path, encoding="utf-8").read()
            rel = os.path.relpath(path, root)
            lines = text.count("\n")
            if lines > MAX_LINES:
                breach(path, f"{lines} lines (at most {MAX_LINES})")
            for kind, name in INCLUDE.findall(text):
                header = home.get(os.path.basename(name)) if kind == '"' else None
                if rel.startswith(("ops/core/", "opencl/")) and HOST_HEADERS.match(name):
                    breach(path, f"includes {name}: the core and backends know no GEGL or GIMP")
                if rel.startswith("ops/core/") and OPENCL_HEADERS.match(name):
                    breach(path, f"includes {name}: the core knows no OpenCL")
                if header is None:
                    continue
                if rel.startswith(("ops/core/", "opencl/")) and header.startswith("ops/") \
                        and not header.startswith("ops/core/"):
                    breach(path, f"includes {header}: a header of the op, above this layer")
                if rel.startswith("ops/core/") and header.startswith("opencl/"):
                    breach(path, f"includes {header}: the core depends on no backend")
                if rel.startswith("plug-in/") and header.startswith("ops/") \
                        and header not in PLUG_IN_SHARES:
                    breach(path, f"includes {header}: the plug-in shares only the op's contract")

    meson = open(os.path.join(root, "plug-in", "meson.build"), encoding="utf-8").read()
    for match in re.finditer(r"['\"]([^'\"]*\.\./ops/[^'\"]*)['\"]", meson):
        if match.group(1).endswith(".c"):
            breaches.append(f"plug-in/meson.build: compiles {match.group(1)}")

    for line in breaches:
        print(line)
    print(f"{n_files} sources checked, {len(breaches)} breaches of the layers")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
