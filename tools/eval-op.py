#!/usr/bin/env python3
"""Quality of cocolor:colorize at full resolution, through the gegl CLI.

On the EPFL RGB-NIR validation pairs (../shared/data, the training code's
split, masks respected), runs the installed op in NIR mode on the NIR picture
and in gray mode on the BT.601 gray of the RGB picture, at the default
working size (or the sizes --working-sizes lists), and scores the results
against the RGB picture: PSNR (8-bit), SSIM, angular error (degrees),
colourfulness ratio.
A no-colour row (the input as gray RGB) is the baseline.

With --camera-sim SEED it also scores what a converted IR camera writes
(mode nir-camera): the same NIR picture with per-channel gains (R 0.85-1.0,
G 0.45-0.65, B 0.30-0.50), an exposure gain 0.6-1.3 and a gamma 0.8-1.25,
saved as an RGB JPEG (quality 90), drawn per picture from SEED and the
picture's name; the op colorizes that file in NIR mode.  Mode nir-gray-file
is the same without the cast (neutral gains of 0.9, the same exposure and
gamma), saved as a gray PNG: a NIR file someone converted to black and white.

    tools/devroot.sh sh -c 'make install >/dev/null && \
      XDG_DATA_HOME=$PWD/build/prefix/share python3 tools/eval-op.py'

(the gegl CLI finds the op in XDG_DATA_HOME/gegl-0.4/plug-ins, the layout of
make install's prefix; for a build set up with the default plug-in folder,
GEGL_PATH=PREFIX/lib/x86_64-linux-gnu/gegl-0.4:/usr/lib/x86_64-linux-gnu/gegl-0.4
instead.)  Quick runs: --limit N --modes nir,nir-camera --working-sizes 384.

Prints a markdown table (the README's).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from models.train.data import EPFL_CATS, default_root, epfl_is_val  # noqa: E402
from models.train.evaluate import metrics  # noqa: E402


def as_tensor(img):
    a = np.asarray(img, dtype=np.float32) / 255.0
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    return torch.from_numpy(a).permute(2, 0, 1)[None]


def gray_bt601(rgb):
    a = np.asarray(rgb, dtype=np.float32)
    y = a[..., 0] * 0.299 + a[..., 1] * 0.587 + a[..., 2] * 0.114
    return Image.fromarray(np.clip(np.round(y), 0, 255).astype(np.uint8), "L")


def check_op():
    r = subprocess.run(["gegl", "--list-all"], capture_output=True, text=True)
    if "cocolor:colorize" not in r.stdout.split():
        raise SystemExit("the gegl CLI does not find cocolor:colorize: install it and set "
                         "XDG_DATA_HOME or GEGL_PATH (see --help)")


def colorize(src, out, mode, working_size):
    cmd = ["gegl", src, "-o", out, "--", "cocolor:colorize", f"mode={mode}"]
    if working_size is not None:
        cmd.append(f"working-size={working_size}")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 or "cocolor:colorize:" in r.stderr:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return Image.open(out).convert("RGB")


CAMERA_GAINS = ((0.85, 1.0), (0.45, 0.65), (0.30, 0.50))  # R, G, B


def camera_sim(nir, seed, name, neutral=False):
    """What a converted IR camera writes for NIR picture nir (PIL L): an RGB
    picture with a colour cast, its own exposure and gamma, deterministic per
    (seed, name); neutral: the same exposure and gamma without the cast, as
    a gray picture.  Returns the picture and its parameters."""
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    gains = np.array([rng.uniform(lo, hi) for lo, hi in CAMERA_GAINS], dtype=np.float32)
    exposure = float(rng.uniform(0.6, 1.3))
    gamma = float(rng.uniform(0.8, 1.25))
    if neutral:
        gains = np.full(1, 0.9, dtype=np.float32)
    x = np.asarray(nir, dtype=np.float32)[..., None] / 255.0
    v = np.clip(x * gains * exposure, 0.0, 1.0) ** gamma
    v = np.clip(np.round(v * 255.0), 0, 255).astype(np.uint8)
    img = Image.fromarray(v[..., 0], "L") if neutral else Image.fromarray(v, "RGB")
    return img, {"gains": gains.tolist(), "exposure": exposure, "gamma": gamma}


def epfl_pairs(root, val=True):
    """(category, path stem) of the EPFL pairs of the training code's validation (or training) split."""
    pairs = []
    for cat in EPFL_CATS:
        d = os.path.join(root, "nir", "epfl", cat)
        for f in sorted(os.listdir(d)):
            if f.endswith("_nir.png") and epfl_is_val(f.split("_")[0]) == val:
                pairs.append((cat, os.path.join(d, f[: -len("_nir.png")])))
    return pairs


def load_pair(stem):
    """RGB and NIR pictures cropped to their common size, and the validity mask ([1,1,H,W]) or None."""
    rgb = Image.open(stem + "_rgb.jpg").convert("RGB")
    nir = Image.open(stem + "_nir.png").convert("L")
    h, w = min(rgb.height, nir.height), min(rgb.width, nir.width)
    rgb, nir = rgb.crop((0, 0, w, h)), nir.crop((0, 0, w, h))
    mask = None
    if os.path.exists(stem + "_mask.png"):
        m = np.asarray(Image.open(stem + "_mask.png").convert("L").crop((0, 0, w, h)))
        mask = torch.from_numpy((m > 127).astype(np.float32))[None, None]
    return rgb, nir, mask


def summarise(rows):
    out = {k: float(np.mean([r[k] for r in rows])) for k in ("psnr", "ssim", "ae")}
    out["colf"] = sum(r["colf_pred"] for r in rows) / max(sum(r["colf_gt"] for r in rows), 1e-6)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=None, help="the shared data folder (default: ../shared/data)")
    p.add_argument("--limit", type=int, default=0, help="at most this many pairs (0: all)")
    p.add_argument("--split", choices=("val", "train"), default="val",
                   help="the training code's validation pairs (default) or its training pairs, "
                        "to tune the op's own constants without looking at validation")
    p.add_argument("--stride", type=int, default=1, help="every STRIDE-th pair only")
    p.add_argument("--camera-sim", type=int, default=None, metavar="SEED",
                   help="also score simulated IR-camera JPEGs of the NIR pictures (mode nir-camera)")
    p.add_argument("--modes", default=None,
                   help="comma-separated modes to score: nir, nir-camera, nir-gray-file, gray "
                        "(default: nir,gray, and nir-camera with --camera-sim)")
    p.add_argument("--working-sizes", default="default",
                   help="comma-separated working sizes to score ('default': the op's own)")
    args = p.parse_args()
    root = args.data or default_root()
    check_op()

    modes = args.modes.split(",") if args.modes else (
        ["nir", "nir-camera", "gray"] if args.camera_sim is not None else ["nir", "gray"])
    for mode in ("nir-camera", "nir-gray-file"):
        if mode in modes and args.camera_sim is None:
            p.error(f"mode {mode} needs --camera-sim SEED")
    pairs = epfl_pairs(root, val=args.split == "val")[:: max(args.stride, 1)]
    if args.limit:
        pairs = pairs[: args.limit]

    settings = [(ws, None if ws == "default" else int(ws)) for ws in args.working_sizes.split(",")]
    rows = {}
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for cat, stem in pairs:
            rgb, nir, mask = load_pair(stem)
            w, h = rgb.size
            gray = gray_bt601(rgb)
            gt = as_tensor(rgb)
            nir.save(f"{tmp}/nir.png")
            gray.save(f"{tmp}/gray.png")
            inputs = {"nir": (nir, f"{tmp}/nir.png", "nir"), "gray": (gray, f"{tmp}/gray.png", "gray")}
            if "nir-camera" in modes:
                cam, _ = camera_sim(nir, args.camera_sim, os.path.basename(stem))
                # Saved as JPEG and read back: the baseline is the file the op gets.
                cam.save(f"{tmp}/nir-camera.jpg", quality=90)
                inputs["nir-camera"] = (Image.open(f"{tmp}/nir-camera.jpg").convert("RGB"),
                                        f"{tmp}/nir-camera.jpg", "nir")
            if "nir-gray-file" in modes:
                bw, _ = camera_sim(nir, args.camera_sim, os.path.basename(stem), neutral=True)
                bw.save(f"{tmp}/nir-gray-file.png")
                inputs["nir-gray-file"] = (bw, f"{tmp}/nir-gray-file.png", "nir")
            for mode in modes:
                src, path, op_mode = inputs[mode]
                rows.setdefault((mode, "no colour"), []).append(metrics(as_tensor(src), gt, mask))
                for label, ws in settings:
                    t0 = time.perf_counter()
                    out = colorize(path, f"{tmp}/out.png", op_mode, ws)
                    seconds.setdefault(label, []).append(time.perf_counter() - t0)
                    rows.setdefault((mode, label), []).append(metrics(as_tensor(out), gt, mask))
            print(f"{cat}/{os.path.basename(stem)}: {w}x{h}", file=sys.stderr, flush=True)

    print(f"EPFL {'validation' if args.split == 'val' else 'training'} pairs at full resolution: "
          f"{len(pairs)} "
          f"({', '.join(sorted({c for c, _ in pairs}))})\n")
    if args.camera_sim is not None:
        print(f"nir-camera, nir-gray-file: simulated IR-camera files, --camera-sim {args.camera_sim}\n")
    print("| mode | working size | PSNR (dB) | SSIM | AE (°) | colourfulness / GT |")
    print("|---|---|---|---|---|---|")
    for mode in modes:
        for label in ["no colour"] + [label for label, _ in settings]:
            s = summarise(rows[(mode, label)])
            name = {"no colour": "—"}.get(label, label)
            what = f"no-colour baseline ({mode})" if label == "no colour" else mode
            print(f"| {what} | {name} | {s['psnr']:.2f} | {s['ssim']:.3f} | {s['ae']:.2f} | "
                  f"{s['colf']:.2f} |")
    for label, ts in seconds.items():
        print(f"\nmean gegl CLI seconds per picture, working size {label}: {np.mean(ts):.2f}")


if __name__ == "__main__":
    main()
