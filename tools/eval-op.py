#!/usr/bin/env python3
"""Quality of cocolor:colorize at full resolution, through the gegl CLI.

On the EPFL RGB-NIR validation pairs (../shared/data, the training code's
split, masks respected), runs the installed op in NIR mode on the NIR picture
and in gray mode on the BT.601 gray of the RGB picture, at the default
working size and at working-size 0 (or the sizes --working-sizes lists), and scores the results against the RGB
picture: PSNR (8-bit), SSIM, angular error (degrees), colourfulness ratio.
A no-colour row (the input as gray RGB) is the baseline.

    tools/devroot.sh sh -c 'make install >/dev/null && \
      XDG_DATA_HOME=$PWD/build/prefix/share python3 tools/eval-op.py'

Prints a markdown table (the README's).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

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


def colorize(src, out, mode, working_size):
    cmd = ["gegl", src, "-o", out, "--", "cocolor:colorize", f"mode={mode}"]
    if working_size is not None:
        cmd.append(f"working-size={working_size}")
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0 or "cocolor:colorize:" in r.stderr:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{r.stderr}")
    return Image.open(out).convert("RGB")


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
    p.add_argument("--working-sizes", default="default,0",
                   help="comma-separated working sizes to score ('default': the op's own; 0: full-resolution tiles)")
    args = p.parse_args()
    root = args.data or default_root()

    pairs = epfl_pairs(root)
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
            nir.save(f"{tmp}/nir.png")
            gray.save(f"{tmp}/gray.png")
            gt = as_tensor(rgb)
            for mode, src in (("nir", nir), ("gray", gray)):
                rows.setdefault((mode, "no colour"), []).append(metrics(as_tensor(src), gt, mask))
                for label, ws in settings:
                    t0 = time.perf_counter()
                    out = colorize(f"{tmp}/{mode}.png", f"{tmp}/out.png", mode, ws)
                    seconds.setdefault(label, []).append(time.perf_counter() - t0)
                    rows.setdefault((mode, label), []).append(metrics(as_tensor(out), gt, mask))
            print(f"{cat}/{os.path.basename(stem)}: {w}x{h}", file=sys.stderr, flush=True)

    print(f"EPFL validation pairs at full resolution: {len(pairs)} "
          f"({', '.join(sorted({c for c, _ in pairs}))})\n")
    print("| mode | working size | PSNR (dB) | SSIM | AE (°) | colourfulness / GT |")
    print("|---|---|---|---|---|---|")
    for mode in ("nir", "gray"):
        for label in ["no colour"] + [label for label, _ in settings]:
            s = summarise(rows[(mode, label)])
            name = {"0": "0 (full-resolution tiles)", "no colour": "—"}.get(label, label)
            what = "no-colour baseline" if label == "no colour" else mode
            print(f"| {what} | {name} | {s['psnr']:.2f} | {s['ssim']:.3f} | {s['ae']:.2f} | "
                  f"{s['colf']:.2f} |")
    for label, ts in seconds.items():
        print(f"\nmean gegl CLI seconds per picture, working size {label}: {np.mean(ts):.2f}")


if __name__ == "__main__":
    main()
