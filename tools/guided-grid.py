#!/usr/bin/env python3
"""PSNR at full resolution of the op's working-size pipeline for a grid of guided-upsampling settings.

A PyTorch replica of what cocolor:colorize does at a working size (ops/cc-prediction.c, ops/cc-guided.c):
the input's luminance area-averaged down so that its long side is the working size, the shipped network
(from models/cocolor-train-state.pt, in fp32) on it, a guided fit of its colour against that luminance with
window radius r and regulariser eps (the windows' coefficients weighted by their fit), applied to the full-resolution luminance; gray mode then restores the
input's luminance.  Scored (8-bit PSNR, masks respected) on the EPFL pairs of the training split by default,
so that a setting can be chosen without looking at the validation pairs; `--split val` checks it there.
With r = 2, eps = 1e-3 it reproduced the op's validation figures to 0.01 dB (2026-11-27).

    tools/devroot.sh python3 tools/guided-grid.py --modes nir --radii 1,2,4 --eps 1e-4,1e-3,1e-2
    tools/devroot.sh python3 tools/guided-grid.py --split val --radii 2 --eps 1e-4 --modes nir --pool 6
"""
import argparse
import importlib.util
import itertools
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
from models.train.data import default_root  # noqa: E402
from models.train.evaluate import psnr  # noqa: E402
from models.train.checkpoints import TRAIN_STATE, load_models_for_eval  # noqa: E402

_spec = importlib.util.spec_from_file_location("eval_op", os.path.join(HERE, "eval-op.py"))
eval_op = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(eval_op)


def area_average(lum, w, h):
    """Each full-resolution pixel falls in exactly one small pixel (read_small_luminance)."""
    H, W = lum.shape
    by, bx = np.arange(H) * h // H, np.arange(W) * w // W
    total, count = np.zeros((h, w)), np.zeros((h, w))
    np.add.at(total, (by[:, None], bx[None, :]), lum)
    np.add.at(count, (by[:, None], bx[None, :]), 1)
    return torch.from_numpy((total / count).astype(np.float32))[None, None]


def run_network(net, x):
    """The network on a [1,1,h,w] picture, edges repeated up to a multiple of 16 (cc_network_run)."""
    h, w = x.shape[-2:]
    x = F.pad(x, (0, (-w) % 16, 0, (-h) % 16), mode="replicate")
    with torch.no_grad():
        return net(x)[..., :h, :w]


def box(x, r):
    """Mean over a (2r+1)² window clipped to the picture."""
    return F.avg_pool2d(x, 2 * r + 1, 1, r, count_include_pad=False)


FIT_ERROR_FLOOR = 1e-4   # ops/cc-guided.c


def guided_upsample(guide, src, r, eps, full):
    """ops/cc-guided.c: each window's fit, its coefficients averaged over the windows covering a pixel with
    weights 1 / (the window's fit error, summed over the channels, + FIT_ERROR_FLOOR)."""
    mg, ms = box(guide, r), box(src, r)
    var = (box(guide * guide, r) - mg * mg).clamp_min(0)
    cov = box(guide * src, r) - mg * ms
    a = cov / (var + eps)
    b = ms - a * mg
    err = (box(src * src, r) - ms * ms - a * cov).clamp_min(0).sum(1, keepdim=True)
    wt = 1.0 / (err + FIT_ERROR_FLOOR)
    a, b = box(a * wt, r) / box(wt, r), box(b * wt, r) / box(wt, r)
    up = lambda t: F.interpolate(t, size=full.shape[-2:], mode="bilinear", align_corners=False)
    return up(a) * full + up(b)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--split", choices=("train", "val"), default="train")
    p.add_argument("--working-size", type=int, default=384)
    p.add_argument("--modes", default="nir,gray")
    p.add_argument("--radii", default="1,2,4,8")
    p.add_argument("--eps", default="1e-4,1e-3,1e-2,1e-1")
    p.add_argument("--data", default=None)
    p.add_argument("--pool", type=int, default=1, metavar="K",
                   help="area-average the working-size guide and colour by K before the fit: the K times larger "
                        "upsampling of a picture K times larger than the EPFL frames (6: a 24 MP photo's)")
    args = p.parse_args()
    torch.set_num_threads(1)
    nets = load_models_for_eval(torch.load(TRAIN_STATE, map_location="cpu", weights_only=False), "fn", "fg_pre")
    for net in nets.values():
        net.float().eval()
    modes = args.modes.split(",")
    grid = list(itertools.product([int(r) for r in args.radii.split(",")], [float(e) for e in args.eps.split(",")]))
    pairs = eval_op.epfl_pairs(args.data or default_root(), val=args.split == "val")
    scores = {}
    for cat, stem in pairs:
        rgb, nir, mask = eval_op.load_pair(stem)
        gt = eval_op.as_tensor(rgb)
        inputs = {"nir": eval_op.as_tensor(nir)[:, :1], "gray": eval_op.as_tensor(eval_op.gray_bt601(rgb))[:, :1]}
        w, h = rgb.size
        scale = args.working_size / max(w, h)
        sw, sh = max(1, round(w * scale)), max(1, round(h * scale))
        for mode in modes:
            full = inputs[mode]
            small = area_average(full[0, 0].numpy(), sw, sh)
            colour = run_network(nets[mode], small)
            if args.pool > 1:
                small, colour = (F.avg_pool2d(t, args.pool, ceil_mode=True) for t in (small, colour))
            for r, eps in grid:
                out = guided_upsample(small, colour, r, eps, full)
                if mode == "gray":   # the op keeps the input's luminance (cc_blend)
                    out = out + (full - (0.299 * out[:, :1] + 0.587 * out[:, 1:2] + 0.114 * out[:, 2:]))
                scores.setdefault((mode, r, eps), []).append(psnr(out, gt, mask))
        print(f"{cat}/{os.path.basename(stem)}", file=sys.stderr, flush=True)
    print(f"EPFL {args.split} pairs at full resolution: {len(pairs)}, working size {args.working_size}"
          + (f", fitted at 1/{args.pool} of it" if args.pool > 1 else "") + "\n")
    print("| mode | radius | eps | PSNR (dB) |\n|---|---|---|---|")
    for (mode, r, eps), v in scores.items():
        print(f"| {mode} | {r} | {eps:g} | {np.mean(v):.3f} |")


if __name__ == "__main__":
    main()
