#!/usr/bin/env python3
"""Benchmark of cocolor:colorize through the gegl CLI.

For pictures of 1, 12, 24 and 100 megapixels (a photo tiled up to size,
written as PPM so that file codecs cost little), runs
`gegl in.ppm -o out.ppm -- cocolor:colorize mode=nir` at the default working
size (mode nir: the photo is a colour one, which mode auto would leave as it
is), cocolor:colorize-hints with colour hints on its aux pad (`aux=[ gegl:load
path=hints.png ]`: ten dots and a stroke on a transparent picture of the same
size, a PNG like a user's hint picture), and the same command with gegl:nop
instead of the op (the cost of loading and saving); each three times, the fastest kept.  With models that take
no hints the hints run measures reading them only (the op says so: the
"note" column).  Prints megapixels per second and the
peak resident memory of each run, and ends with one line per run:

    bench-op: mp=24 working-size=default seconds=... peak_rss_mb=...

Usage: bench-op.py MODULE MODEL_DIR PHOTO [MP ...]
(the op is installed with the models of MODEL_DIR beside it, as users get it)
"""
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

SIZES_MP = (1, 12, 24, 100)


def make_picture(photo, megapixels, path):
    src = np.asarray(Image.open(photo).convert("RGB"))
    # 3:2, like a camera.
    h = int(round((megapixels * 1e6 / 1.5) ** 0.5))
    w = int(round(h * 1.5))
    reps = (-(-h // src.shape[0]), -(-w // src.shape[1]), 1)
    big = np.tile(src, reps)[:h, :w]
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(np.ascontiguousarray(big).tobytes())
    return w, h


def make_hints(w, h, path):
    """Ten 9-pixel dots and one 3-pixel-wide stroke across a fifth of the picture, transparent elsewhere."""
    hints = Image.new("RGBA", (w, h))
    rng = np.random.default_rng(0)
    for x, y in zip(rng.integers(0, w - 9, 10), rng.integers(0, h - 9, 10)):
        hints.paste((200, 60, 40, 255), (int(x), int(y), int(x) + 9, int(y) + 9))
    hints.paste((40, 90, 200, 255), (w // 3, h // 2, w // 3 + w // 5, h // 2 + 3))
    hints.save(path, compress_level=1)


def run(cmd, env):
    """Wall seconds and peak RSS (MB) of one child process."""
    pid_start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - pid_start
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode not in (0, None) and usage is None:
        raise RuntimeError(stderr)
    return seconds, usage.ru_maxrss / 1024.0, stderr


def main():
    module, model_dir, photo = sys.argv[1], sys.argv[2], sys.argv[3]
    sizes = [float(a) for a in sys.argv[4:]] or SIZES_MP
    tmp = tempfile.mkdtemp(prefix="cocolor-bench-")
    try:
        env = dict(os.environ, HOME=tmp, XDG_DATA_HOME=f"{tmp}/data", XDG_CACHE_HOME=f"{tmp}/cache")
        env.pop("COCOLOR_MODEL_DIR", None)
        plugdir = f"{tmp}/data/gegl-0.4/plug-ins/cocolor"
        os.makedirs(plugdir)
        shutil.copy(module, plugdir)
        for task in ("nir", "gray"):
            shutil.copy(os.path.join(model_dir, f"cocolor-{task}.safetensors"), plugdir)
        lines = []
        print(f"{'MP':>5} {'run':>18} {'seconds':>8} {'MP/s':>7} {'peak RSS MB':>11}")
        for mp in sizes:
            src, out = f"{tmp}/in.ppm", f"{tmp}/out.ppm"
            w, h = make_picture(photo, mp, src)
            real_mp = w * h / 1e6
            label = f"{mp:g}"
            make_hints(w, h, f"{tmp}/hints.png")
            runs = [("io-only (gegl:nop)", ["gegl:nop"]),
                    ("default", ["cocolor:colorize", "mode=nir"]),
                    ("hints", ["cocolor:colorize-hints", "mode=nir", "aux=[", "gegl:load",
                               f"path={tmp}/hints.png", "]"])]
            timings = {}
            # Each run three times, interleaved, the fastest kept: the first
            # runs after the pictures were written wait on the disk.
            for name, chain in runs * 3:
                seconds, rss, stderr = run(["gegl", src, "-o", out, "--"] + chain, env)
                if name in timings and timings[name][0] <= seconds:
                    continue
                timings[name] = (seconds, rss, stderr)
            for name, _ in runs:
                seconds, rss, stderr = timings[name]
                if "cocolor:colorize:" in stderr or "cocolor-WARNING" in stderr:
                    raise SystemExit(f"the op warned: {stderr}")
                note = "  (model takes no hints: reading them only)" if "no colour hints" in stderr else ""
                print(f"{label:>5} {name:>18} {seconds:8.2f} {real_mp / seconds:7.2f} {rss:11.0f}{note}",
                      flush=True)
                if name != "io-only (gegl:nop)":
                    lines.append(f"bench-op: mp={label} working-size={name} seconds={seconds:.2f} "
                                 f"peak_rss_mb={rss:.0f}")
                else:
                    lines.append(f"bench-op: mp={label} io-only seconds={seconds:.2f} "
                                 f"peak_rss_mb={rss:.0f}")
            os.remove(src)
        print("\n".join(lines))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
