#!/usr/bin/env python3
"""The IR-camera augmentation of F_N's training (models/train/camera.py): a converted camera's file made
from NIR crops, the NIR the op derives from it, and the F_N step that feeds it to the network.

Synthetic or CC0 pictures only (python3-skimage's).  Each test_* checks one thing and fails with an
AssertionError saying what it found; the exit status is 1 if any failed, 77 (skipped) without PyTorch.

Usage: ir_camera.py [REPO_ROOT] [TEST_NAME...]
"""
import os
import sys

import runner

ROOT = runner.setup()
import numpy as np                                                                    # noqa: E402
import torch                                                                          # noqa: E402
from PIL import Image                                                                 # noqa: E402

from models.train import camera, schedule                                             # noqa: E402
from models.train.cocolor_nets import build                                           # noqa: E402
from models.train.config import get                                                   # noqa: E402
from models.train.data import Pair, Sampler                                           # noqa: E402

torch.set_num_threads(1)


def nir_crops(n=6, side=96):
    """Gray pictures standing in for NIR crops: skimage's CC0 photos as luma, or smooth fields."""
    ims = []
    for name in ("astronaut.png", "coffee.png", "chelsea.png", "camera.png", "grass.png", "brick.png"):
        p = os.path.join("/usr/lib/python3/dist-packages/skimage/data", name)
        if os.path.exists(p):
            ims.append(np.asarray(Image.open(p).convert("L").resize((side, side)), dtype=np.float32) / 255)
    g = torch.Generator().manual_seed(4)
    while len(ims) < n:
        yy, xx = torch.meshgrid(torch.linspace(0, 1, side), torch.linspace(0, 1, side), indexing="ij")
        a = torch.rand(3, generator=g)
        ims.append((0.2 + 0.6 * (a[0] * yy + a[1] * xx + a[2] * (xx * yy)) / a.sum()).numpy())
    return torch.from_numpy(np.stack(ims[:n]))[:, None]


def test_camera_file_has_a_cast_on_8_bit_steps():
    """Three channels on 8-bit steps in [0, 1], red above green above blue on average (the cast), and
    the same generator seed gives the same file."""
    nir = nir_crops()
    a = camera.camera_file(nir, torch.Generator().manual_seed(1))
    b = camera.camera_file(nir, torch.Generator().manual_seed(1))
    c = camera.camera_file(nir, torch.Generator().manual_seed(2))
    assert a.shape == (nir.shape[0], 3, *nir.shape[2:]) and torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= 0 and a.max() <= 1 and torch.equal((a * 255).round(), a * 255), "not 8-bit values"
    m = a.mean((2, 3))
    assert (m[:, 0] > m[:, 1]).all() and (m[:, 1] > m[:, 2]).all(), f"no red cast: channel means {m}"


def test_op_signal_puts_the_high_percentile_at_the_target():
    """The op's gain for a cast file: the 99.5th percentile of the signal lands on 0.87, and the signal is
    the file's luma times one number per picture."""
    rgb = camera.camera_file(nir_crops(), torch.Generator().manual_seed(3))
    s = camera.op_signal(rgb)
    high = torch.quantile(s.flatten(1), camera.PERCENTILE, dim=1)
    assert torch.allclose(high, torch.full_like(high, camera.TARGET), atol=1e-4), high
    luma = 0.299 * rgb[:, 0:1] + 0.587 * rgb[:, 1:2] + 0.114 * rgb[:, 2:3]
    for i in range(len(s)):
        lit = luma[i] > 0.05
        gain = s[i][lit] / luma[i][lit]
        assert torch.allclose(gain, gain.mean(), rtol=1e-4) and gain.mean() > 1, f"picture {i}: gains {gain}"


def test_augmented_nir_still_follows_the_nir():
    """What the network sees keeps the NIR's structure (a monotone tone curve, 8 bits and a little noise):
    correlation with the clean crop above 0.95 for every crop, while the values themselves move."""
    nir = nir_crops()
    out = camera.augment(nir, 1.0, torch.Generator().manual_seed(5))
    for i in range(len(nir)):
        r = np.corrcoef(nir[i].flatten().numpy(), out[i].flatten().numpy())[0, 1]
        assert r > 0.95, f"crop {i}: correlation {r:.3f}"
    assert (out - nir).abs().mean() > 0.01, "the augmentation changed nothing"


def test_augment_share():
    """p = 0 leaves the batch as it was; p = 1 changes every crop; p = 0.5 some and not others."""
    nir = nir_crops(16, 32)
    g = torch.Generator().manual_seed(6)
    assert torch.equal(camera.augment(nir, 0.0, g), nir)
    changed = lambda out: [not torch.equal(out[i], nir[i]) for i in range(len(nir))]  # noqa: E731
    assert all(changed(camera.augment(nir, 1.0, g)))
    half = changed(camera.augment(nir, 0.5, g))
    assert 0 < sum(half) < len(half), f"p = 0.5 changed {sum(half)} of {len(half)}"


def test_gray_file_signal_lifts_only_dark_files():
    """A gray file is one channel on 8-bit steps; the op's signal of it is the file itself when its 99.5th
    percentile is at least 0.70 and the file lifted to 0.70 when darker."""
    nir = nir_crops()
    dark = camera.gray_file(nir * 0.5, torch.Generator().manual_seed(7))
    bright = camera.gray_file(nir.clamp(0, 1) ** 0.5, torch.Generator().manual_seed(7))
    for files in (dark, bright):
        assert files.shape == nir.shape and torch.equal((files * 255).round(), files * 255)
        s = camera.op_gray_signal(files)
        before = torch.quantile(files.flatten(1), camera.PERCENTILE, dim=1)
        after = torch.quantile(s.flatten(1), camera.PERCENTILE, dim=1)
        for i in range(len(files)):
            if before[i] >= camera.NEUTRAL_FLOOR:
                assert torch.equal(s[i], files[i]), f"crop {i} (percentile {before[i]:.3f}) was changed"
            else:
                assert abs(after[i] - camera.NEUTRAL_FLOOR) < 1e-4, f"crop {i}: lifted to {after[i]:.4f}"
    assert (torch.quantile(dark.flatten(1), camera.PERCENTILE, dim=1) < camera.NEUTRAL_FLOOR).any()


def test_augment_shares_of_camera_and_gray_files():
    """p_gray = 1 makes every crop a gray file's signal (no crop below the floor); p = p_gray = 0.5
    makes both kinds and no crop is left as it was."""
    nir = nir_crops(16, 32) * 0.6
    out = camera.augment(nir, 0.0, torch.Generator().manual_seed(8), p_gray=1.0)
    high = torch.quantile(out.flatten(1), camera.PERCENTILE, dim=1)
    assert (high >= camera.NEUTRAL_FLOOR - 1e-4).all() and not any(torch.equal(out[i], nir[i]) for i in
                                                                     range(len(nir))), high
    both = camera.augment(nir, 0.5, torch.Generator().manual_seed(9), p_gray=0.5)
    on_target = (torch.quantile(both.flatten(1), camera.PERCENTILE, dim=1) - camera.TARGET).abs() < 1e-3
    assert 0 < on_target.sum() < len(nir), f"{on_target.sum()} of {len(nir)} crops were camera files"
    assert not any(torch.equal(both[i], nir[i]) for i in range(len(nir)))


def test_fn_step_feeds_the_camera_signal():
    """With fn_camera = 1 the F_N step's network input is the op's signal of a camera file (its high
    percentile on the target for every crop); with 0 it is the clean crop; with fn_gray_file = 1 a gray
    file's signal."""
    nir = nir_crops(4, 64)
    rgb = nir.expand(-1, 3, -1, -1)
    pairs = [Pair(f"p{i}", "g", (nir[i] * 255).byte(), (rgb[i] * 255).byte()) for i in range(4)]
    data = type("D", (), {"pairs_train": pairs, "photos_train": [], "rgb_train": pairs})()
    seen = {}
    for share in (0.0, 1.0):
        cfg = get("smoke", fn_camera=share, fn_synth_frac=0.0, device="cpu")
        net = build("fn", cfg["widths_colour"])
        net.register_forward_pre_hook(lambda m, a: seen.__setitem__(share, a[0].detach()))
        schedule.step_fn(cfg, {"fn": net}, data, Sampler(0), 0.0)
        high = torch.quantile(seen[share].flatten(1), camera.PERCENTILE, dim=1)
        on_target = (high - camera.TARGET).abs() < 1e-3
        assert on_target.all() if share else not on_target.any(), f"fn_camera {share}: percentiles {high}"
    # fn_gray_file: the input is a gray file's signal, never below the floor, never the clean crop
    cfg = get("smoke", fn_camera=0.0, fn_gray_file=1.0, fn_synth_frac=0.0, device="cpu")
    net = build("fn", cfg["widths_colour"])
    net.register_forward_pre_hook(lambda m, a: seen.__setitem__("gray", a[0].detach()))
    schedule.step_fn(cfg, {"fn": net}, data, Sampler(0), 0.0)
    high = torch.quantile(seen["gray"].flatten(1), camera.PERCENTILE, dim=1)
    assert (high >= camera.NEUTRAL_FLOOR - 1e-3).all() and not torch.equal(seen["gray"], seen[0.0]), high


TESTS = [f for name, f in globals().items() if name.startswith("test_")]


if __name__ == "__main__":
    sys.exit(runner.run(TESTS, "IR-camera augmentation test", cleanup=None))
