#!/usr/bin/env python3
"""The op's nearest-hint planes (ops/cc-hints-near.h through hints-near-dump) against the training side's
models/train/hints.nearest_fill on the same hint cells: the same closeness plane, and the same colour
wherever the nearest hint is one cell (between equally near ones, each side may take either, so there
the op's colour must be one of theirs).  Dots, strokes and areas of several colours on grids of several
shapes, small hints grown or not; exit 77 (skipped) without PyTorch.

Usage: hints_near_parity.py REPO_ROOT HINTS_NEAR_DUMP SCRATCH_DIR
"""
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"SKIP: {e}")
    sys.exit(77)

sys.path.insert(0, os.path.abspath(sys.argv[1]))
from models.train.hints import nearest_fill  # noqa: E402

DUMP, SCRATCH = sys.argv[2], sys.argv[3]
PLANES = 8


def picture(rng, w, h, kind):
    """A w x h R'G'B'A u8 hint picture: `kind` dots, a stroke or an area, each of its own colour."""
    px = np.zeros((h, w, 4), np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(int(rng.integers(1, 6))):
        colour = np.append(rng.integers(0, 256, 3), 255).astype(np.uint8)
        cy, cx = rng.integers(0, h), rng.integers(0, w)
        if kind == "dots":
            px[cy, cx] = colour
        elif kind == "stroke":
            ty, tx = rng.integers(0, h), rng.integers(0, w)
            for t in np.linspace(0, 1, 4 * max(w, h)):
                px[int(round(cy + t * (ty - cy))), int(round(cx + t * (tx - cx)))] = colour
        else:
            ry, rx = rng.integers(1, max(2, h // 3)), rng.integers(1, max(2, w // 3))
            px[((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1] = colour
    return px


def op_planes(px, min_radius):
    h, w = px.shape[:2]
    path = os.path.join(SCRATCH, "hints-near-parity.rgba")
    with open(path, "wb") as f:
        f.write(px.tobytes())
    out = subprocess.run([DUMP, path, str(w), str(h), str(min_radius)], capture_output=True, check=True)
    return np.frombuffer(out.stdout, np.float32).reshape(PLANES, h, w)


def check(planes, label):
    """Failures (strings) of the op's planes against nearest_fill on its own hint cells."""
    _, h, w = planes.shape
    values = torch.from_numpy(planes[0:3].copy())[None]
    mask = torch.from_numpy(planes[3:4].copy())[None]
    near, close = nearest_fill(values, mask)
    near, close = near[0].numpy(), close[0, 0].numpy()
    bad = []
    if not np.array_equal(close, planes[7]):
        e = np.abs(close - planes[7]).max()
        if e > 1e-6:
            bad.append(f"{label}: near_close differs by {e}")
    hy, hx = np.nonzero(planes[3] > 0.5)
    if len(hy) == 0:
        return bad
    colours = planes[0:3, hy, hx].T                                     # [K,3]
    yy, xx = np.mgrid[0:h, 0:w]
    d2 = (yy[..., None] - hy) ** 2 + (xx[..., None] - hx) ** 2          # [H,W,K]
    best = d2.min(-1)
    for y, x in zip(*np.nonzero((near != planes[4:7]).any(0))):
        tied = colours[d2[y, x] == best[y, x]]
        if len(tied) < 2 or not (tied == planes[4:7, y, x]).all(1).any():
            bad.append(f"{label}: ({x}, {y}) takes {planes[4:7, y, x]}, nearest_fill {near[:, y, x]}, "
                       f"{len(tied)} hints as near")
    return bad


def main():
    rng = np.random.default_rng(7)
    bad, n = [], 0
    for w, h in ((40, 30), (17, 64), (90, 9), (1, 25), (160, 12)):
        for kind in ("dots", "stroke", "area"):
            for min_radius in (0, 2):
                n += 1
                bad += check(op_planes(picture(rng, w, h, kind), min_radius), f"{w}x{h} {kind} r{min_radius}")
    n += 1
    bad += check(op_planes(np.zeros((20, 30, 4), np.uint8), 2), "no hint")
    for line in bad[:20]:
        print(f"# {line}")
    print(f"1..1\n{'not ok' if bad else 'ok'} 1 - {n} grids: the op's near planes are nearest_fill's")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
