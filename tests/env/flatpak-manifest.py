#!/usr/bin/env python3
"""The Flatpak extension manifest, checked as far as a machine without
flatpak-builder can: the extension's schema basics, every source it lists,
and its meson options against the project's meson.options.

    flatpak-manifest.py SOURCE_ROOT

flatpak/org.gimp.GIMP.Plugin.CoColor.json must be an extension of GIMP 3
(id, branch 3, runtime org.gimp.GIMP, build-extension, a GNOME SDK), install
under its own /app/extensions/ prefix, build with meson, name only options
meson.options declares (or meson's own) with values of their type, put
every install directory under the prefix, and list sources that exist; the
AppStream file it installs must describe an add-on of org.gimp.GIMP.  A
broken copy of the manifest must be rejected, or the check proves nothing.
Not checked here: that flatpak-builder builds it, and that GIMP's Flatpak
finds what it installs.
"""
import copy
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

ID = "org.gimp.GIMP.Plugin.CoColor"
PREFIX = "/app/extensions/CoColor"
# meson's own options the manifest may set.
MESON_BUILTIN = {"buildtype", "prefix", "libdir", "datadir", "localedir", "b_lto", "b_ndebug",
                 "optimization", "debug", "strip"}
DIR_OPTIONS = {"gimp-plugindir", "gimp-scriptsdir", "gegl-plugindir"}


def meson_options(root):
    """name -> (type, choices or None) from meson.options."""
    with open(os.path.join(root, "meson.options")) as f:
        text = f.read()
    options = {}
    for m in re.finditer(r"option\(\s*'([^']+)'\s*,\s*type\s*:\s*'(\w+)'(.*?)\)\s*$", text,
                         re.S | re.M):
        name, kind, rest = m.groups()
        choices = re.search(r"choices\s*:\s*\[([^\]]*)\]", rest)
        options[name] = (kind, re.findall(r"'([^']*)'", choices.group(1)) if choices else None)
    return options


def value_fits(kind, choices, value):
    if kind == "feature":
        return value in ("enabled", "disabled", "auto")
    if kind == "boolean":
        return value in ("true", "false")
    if kind == "combo":
        return value in (choices or [])
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    return True  # string, array


def check(manifest, manifest_dir, options):
    """The problems found, as sentences."""
    problems = []
    want = {"id": ID, "branch": "3", "runtime": "org.gimp.GIMP", "build-extension": True}
    for key, value in want.items():
        if manifest.get(key) != value:
            problems.append(f"{key} is {manifest.get(key)!r}, not {value!r}")
    if not re.fullmatch(r"org\.gnome\.Sdk//\d+", str(manifest.get("sdk", ""))):
        problems.append(f"sdk {manifest.get('sdk')!r} is not a GNOME SDK version")
    if manifest.get("runtime-version") not in ("stable", "beta"):
        problems.append("runtime-version is neither GIMP's stable nor beta branch")
    prefix = manifest.get("build-options", {}).get("prefix")
    if prefix != PREFIX:
        problems.append(f"build-options.prefix is {prefix!r}, not {PREFIX!r}")
    modules = manifest.get("modules") or []
    ours = [m for m in modules if isinstance(m, dict) and m.get("name") == "cocolor"]
    if len(ours) != 1:
        problems.append("no single module named cocolor")
        return problems
    module = ours[0]
    if module.get("buildsystem") != "meson":
        problems.append("the cocolor module is not built with meson")
    if not module.get("sources"):
        problems.append("the cocolor module lists no sources")
    for source in module.get("sources", []):
        kind, path = source.get("type"), source.get("path")
        if kind in ("dir", "file", "patch") and path:
            full = os.path.normpath(os.path.join(manifest_dir, path))
            if not os.path.exists(full):
                problems.append(f"source {path} does not exist")
            elif kind == "dir":
                build = os.path.join(full, "meson.build")
                if not os.path.isfile(build) or "project('cocolor'" not in open(build).read():
                    problems.append(f"source dir {path} is not the CoColor project")
        elif kind in ("git", "archive"):
            if not source.get("url") or not (source.get("commit") or source.get("tag")
                                             or source.get("sha256")):
                problems.append(f"{kind} source without a url and a pinned commit or checksum")
        else:
            problems.append(f"source of unknown type {kind!r}")
    seen = set()
    for opt in module.get("config-opts", []):
        m = re.fullmatch(r"-D([\w-]+)=(.*)", opt)
        if not m:
            problems.append(f"config-opt {opt!r} is not -Dname=value")
            continue
        name, value = m.groups()
        seen.add(name)
        if name in MESON_BUILTIN:
            continue
        if name not in options:
            problems.append(f"config-opt {name} is not in meson.options")
            continue
        if not value_fits(*options[name], value):
            problems.append(f"config-opt {name}={value} is not a {options[name][0]} value")
        if name in DIR_OPTIONS and not value.startswith(PREFIX + "/"):
            problems.append(f"{name}={value} is outside the extension's prefix")
    for name in ("gimp-plugindir", "gegl-plugindir", "opencl"):
        if name not in seen:
            problems.append(f"config-opts do not set {name}")
    # The AppStream metadata the module installs.
    metainfo = [s.get("path") for s in module.get("sources", [])
                if s.get("type") == "file" and str(s.get("path", "")).endswith(".metainfo.xml")]
    if metainfo != [f"{ID}.metainfo.xml"]:
        problems.append(f"the sources do not list {ID}.metainfo.xml")
    else:
        path = os.path.join(manifest_dir, metainfo[0])
        if os.path.exists(path):
            root = ET.parse(path).getroot()
            if root.tag != "component" or root.get("type") != "addon":
                problems.append("the metainfo is not an addon component")
            if root.findtext("id") != ID or root.findtext("extends") != "org.gimp.GIMP":
                problems.append("the metainfo does not name the extension and org.gimp.GIMP")
        if not any(metainfo[0] in c and "share/metainfo" in c
                   for c in module.get("post-install", [])):
            problems.append("post-install does not install the metainfo")
    return problems


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    root = argv[0]
    manifest_dir = os.path.join(root, "flatpak")
    path = os.path.join(manifest_dir, f"{ID}.json")
    with open(path) as f:
        manifest = json.load(f)
    options = meson_options(root)
    if not {"opencl", "plug-in", "gegl-plugindir", "gimp-plugindir"} <= options.keys():
        print(f"FAIL: meson.options read wrongly: {sorted(options)}")
        return 1
    problems = check(manifest, manifest_dir, options)
    for p in problems:
        print(f"FAIL: {p}")
    # Broken copies must be caught.
    broken = copy.deepcopy(manifest)
    bad = next(m for m in broken["modules"] if m.get("name") == "cocolor")
    bad["config-opts"] = bad["config-opts"] + ["-Dno-such-option=1", "-Dopencl=maybe"]
    bad["sources"] = bad["sources"] + [{"type": "file", "path": "no-such-file"}]
    broken["branch"] = "2"
    caught = check(broken, manifest_dir, options)
    if len(caught) < len(problems) + 4:
        print(f"FAIL: a broken manifest passes: {caught}")
        return 1
    if problems:
        return 1
    module = next(m for m in manifest["modules"] if m.get("name") == "cocolor")
    print(f"ok: {path}: extension of GIMP 3 on {manifest['sdk']}, "
          f"{len(module['sources'])} sources, options in meson.options")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
