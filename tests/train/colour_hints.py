#!/usr/bin/env python3
"""Colour hints on the training side: simulated hints, their encoding, the widened networks, a hint
fine-tune, the baselines, the evaluation and the export of a hint network (models/train/hints.py,
baselines.py, hint_eval.py, cocolor_nets.widen, export.hint_contract).

Synthetic data only (python3-skimage's CC0 sample photos or procedural pictures, as smoke.py), plus the
shipped training state for the widening identity.  Each test_* checks one thing and fails with an
AssertionError saying what it found; the exit status is 1 if any failed, 77 (skipped) without PyTorch.

Usage: colour_hints.py [REPO_ROOT] [TEST_NAME...]
"""
import json
import math
import os
import sys
import tempfile

import runner

ROOT = runner.setup()
import numpy as np                                                                    # noqa: E402
import torch                                                                          # noqa: E402
from PIL import Image                                                                 # noqa: E402

from models.train import export, hints, train                                         # noqa: E402
from models.train.baselines import levin, nearest_fill, ycc_to_rgb                     # noqa: E402
from models.train.checkpoints import TRAIN_STATE, load_models_for_eval, shipped_with_hints, training_state  # noqa: E402
from models.train.cocolor_nets import (HINT_CHANNELS, build, rgb_to_gray, rgb_to_ycbcr, widen,  # noqa: E402
                                      widen_state)
from models.train.config import get                                                   # noqa: E402
from models.train.data import Pair                                                    # noqa: E402
from models.train.evaluate import psnr                                                # noqa: E402
from models.train.hint_eval import ciede2000, evaluate_hints, format_hint_table       # noqa: E402
from models.train.join import join_parts, slim, without_hints                                        # noqa: E402
from models.train.reference import run_file                                           # noqa: E402
from models.train.safetensors_io import read_safetensors                              # noqa: E402
from models.train.trainer import Trainer                                              # noqa: E402

TMP = tempfile.mkdtemp(prefix="cocolor-hints-")
QUIET = lambda msg: None   # noqa: E731
torch.manual_seed(0)
torch.set_num_threads(1)


def sample_images(side=128):
    ims = []
    for name in ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg"):
        p = os.path.join("/usr/lib/python3/dist-packages/skimage/data", name)
        if os.path.exists(p):
            im = Image.open(p).convert("RGB").resize((side, side))
            ims.append(torch.from_numpy(np.array(im).transpose(2, 0, 1).copy()))
    if len(ims) < 3:  # procedural fallback: smooth colour fields with edges
        g = torch.Generator().manual_seed(1)
        yy, xx = torch.meshgrid(torch.linspace(0, 1, side), torch.linspace(0, 1, side), indexing="ij")
        for i in range(4):
            a = torch.rand(3, 3, generator=g)
            f = torch.stack([a[c, 0] * torch.sin(6 * xx + i) + a[c, 1] * yy + a[c, 2] * (xx > 0.5) for c in range(3)])
            ims.append(((f - f.min()) / (f.max() - f.min() + 1e-6) * 255).byte())
    return ims


class SynthData:
    """data.Data's attributes from the sample pictures (NIR: their red channel, enough to wire things)."""

    def __init__(self):
        pairs = [Pair(f"s{i}", i, im[:1].clone(), im, None, "synth") for i, im in enumerate(sample_images())]
        self.vcip_train, self.epfl_train, self.photos_train = pairs, [], pairs
        self.vcip_val, self.epfl_val, self.photos_val = pairs[:2], [], pairs[:2]

    @property
    def pairs_train(self):
        return self.vcip_train

    @property
    def rgb_train(self):
        return self.photos_train


DATA = SynthData()
CFG = get("smoke", hints=True, steps={"fg": 0, "trans": 0, "fn": 0, "coop": 0, "fuse": 0})


def photo(side=128):
    return DATA.photos_train[0].rgb[None].float()[..., :side, :side] / 255.0


def quadrants(side=64):
    """A picture of four quadrants of constant chroma over a luma ramp: (rgb, luma)."""
    yy, xx = torch.meshgrid(torch.arange(side), torch.arange(side), indexing="ij")
    y = (0.3 + 0.4 * xx / side)[None, None].float()
    q = (yy >= side // 2).long() * 2 + (xx >= side // 2).long()
    chroma = torch.tensor([[0.1, -0.05], [-0.08, 0.1], [0.0, 0.12], [-0.1, -0.06]])[q].permute(2, 0, 1)[None]
    return ycc_to_rgb(y, chroma), y


def random_bn(net, seed):
    """Non-trivial BatchNorm statistics and head weights (a fresh network's head is zero)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
        net.core.head.weight.copy_(torch.randn(net.core.head.weight.shape, generator=g) * 0.1)
    return net.eval()


# ---- simulation and encoding

def test_hint_counts():
    """0 hints with probability hint_p0, mean count hint_mean (the zeros included)."""
    g = torch.Generator().manual_seed(3)
    counts = torch.tensor([hints.hint_count(g, 0.3, 8.0) for _ in range(20000)], dtype=torch.float)
    p0, mean = (counts == 0).float().mean().item(), counts.mean().item()
    assert abs(p0 - 0.3) < 0.015 and abs(mean - 8.0) < 0.3 and counts.max() <= hints.HINT_MAX, \
        f"p(0) {p0:.3f}, mean {mean:.2f} (want 0.3, 8)"
    assert all(hints.hint_count(g, 1.0, 8.0) == 0 for _ in range(50)), "p0 = 1 gave hints"


def test_simulated_discs():
    """One disc per sample (p0 0, mean 1, no strokes or regions): radius max(2, side / 200), 13 pixels
    away from the border, filled with the truth's mean colour over the disc."""
    rgb = torch.rand(6, 3, 64, 64, generator=torch.Generator().manual_seed(4))
    mask = torch.zeros(6, 1, 64, 64)
    mask[..., 8:56, 8:56] = 1.0            # valid pixels: away from the border
    cfg = {"hint_p0": 0.0, "hint_mean": 1.0, "hint_stroke": 0.0, "hint_region": 0.0}
    hr, hm = hints.simulate(rgb, mask, cfg, torch.Generator().manual_seed(5))
    for i in range(6):
        sel = hm[i, 0] > 0
        ys, xs = sel.nonzero().T
        cy, cx = ys.float().mean(), xs.float().mean()
        assert sel.sum() == 13 and (ys.max() - ys.min(), xs.max() - xs.min()) == (4, 4), \
            f"sample {i}: {int(sel.sum())} hint pixels, extent {(ys.max() - ys.min()).item()}"
        assert ((ys - cy) ** 2 + (xs - cx) ** 2 <= 4.0 + 1e-4).all(), f"sample {i}: not a disc of radius 2"
        want = rgb[i][:, sel].mean(1)
        got = hr[i][:, sel]
        assert torch.allclose(got, want[:, None].expand_as(got), atol=1e-6), f"sample {i}: not the disc mean"
        assert (hr[i][:, ~sel] == 0).all(), f"sample {i}: colour outside the hint"
    assert hints.disc_radius(4000, 3000) == 20.0 and hints.disc_radius(256, 256) == 2.0


def test_simulated_regions_keep_to_their_colour():
    """A region (or stroke) stays within the seed's colour area and takes its colour."""
    rgb, _ = quadrants(96)
    for kind in ("hint_region", "hint_stroke"):
        cfg = {"hint_p0": 0.0, "hint_mean": 1.0, "hint_stroke": 0.0, "hint_region": 0.0, kind: 1.0}
        hr, hm = hints.simulate(rgb.expand(8, -1, -1, -1), None, cfg, torch.Generator().manual_seed(6))
        for i in range(8):
            sel = hm[i, 0] > 0
            chroma = rgb_to_ycbcr(rgb)[0, 1:, sel]
            assert sel.sum() > 13, f"{kind} {i}: {int(sel.sum())} pixels, no more than a disc"
            assert (chroma - chroma[:, :1]).abs().max() < 1e-6, f"{kind} {i}: crosses a colour edge"
            got, want = rgb_to_ycbcr(hr[i:i + 1])[0, 1:, sel], chroma.mean(1, keepdim=True)
            assert torch.allclose(got, want.expand_as(got), atol=1e-5), f"{kind} {i}: not the region's colour"


def test_simulation_is_seeded_and_chunk_free():
    """The same seed gives the same hints, whether a batch's hint masks are made at once or one by one."""
    rgb = torch.rand(5, 3, 40, 56, generator=torch.Generator().manual_seed(8))
    cfg = {"hint_p0": 0.1, "hint_mean": 6.0, "hint_stroke": 0.3, "hint_region": 0.3, "hint_similar": 0.3}
    a = hints.simulate(rgb, None, cfg, torch.Generator().manual_seed(9))
    budget = hints.MASK_BUDGET
    try:
        hints.MASK_BUDGET = 40 * 56
        b = hints.simulate(rgb, None, cfg, torch.Generator().manual_seed(9))
    finally:
        hints.MASK_BUDGET = budget
    assert a[1].sum() > 0 and all(torch.equal(x, y) for x, y in zip(a, b)), "chunking changed the hints"


def test_eval_hints_are_seeded_and_nested():
    """The protocol's discs: n discs, seeded, the 5 among the 10, colours on 8-bit steps."""
    rgb = photo()
    a5, m5 = hints.eval_hints(rgb, 5, 11)
    a10, m10 = hints.eval_hints(rgb, 10, 11)
    b10, n10 = hints.eval_hints(rgb, 10, 11)
    o10, _ = hints.eval_hints(rgb, 10, 12)
    assert torch.equal(a10, b10) and torch.equal(m10, n10) and not torch.equal(a10, o10), "not seeded"
    assert ((m5 > 0) <= (m10 > 0)).all() and 13 * 3 <= m5.sum() <= 13 * 5, f"{m5.sum()} pixels for 5 discs"
    assert torch.equal((a10 * 255).round() / 255, a10) and hints.eval_hints(rgb, 0, 1)[1].sum() == 0


def test_encoding():
    """Gray mode: the mask, then the nearest hint's Cb, Cr and its closeness; NIR mode the same with Y; the
    dense planes the hint's own colour at hint pixels, closeness 1 there and below 1 elsewhere."""
    rgb = photo(64)
    hr, hm = hints.eval_hints(rgb, 10, 2)
    ycc = rgb_to_ycbcr(hr)
    g, n = hints.encode(hr, hm, "gray"), hints.encode(hr, hm, "nir")
    assert HINT_CHANNELS == {"gray": ("mask", "near_cb", "near_cr", "near_close"),
                             "nir": ("mask", "near_y", "near_cb", "near_cr", "near_close")}
    assert g.shape[1] == 4 and n.shape[1] == 5
    assert torch.equal(g[:, :1], hm) and torch.equal(n[:, :1], hm)
    on = hm[0, 0] > 0.5
    assert torch.allclose(n[0, 1:4][:, on], ycc[0][:, on]) and torch.equal(g[:, 1:], n[:, 2:]), \
        "the dense planes: the hint's colour at hint pixels, gray's the same as NIR's"
    assert (n[0, 4][~on] < 1).all() and (n[0, 4][on] == 1).all()
    none = hints.encode(torch.zeros_like(hr), torch.zeros_like(hm), "nir")
    assert (none == 0).all(), "no hint: every plane 0"


def test_nearest_fill_matches_brute_force():
    """nearest_fill against every pixel's distance to every hint pixel: distances exact (clamped at
    NEAR_SCALE), colours those of a nearest hint pixel; strokes, regions and pictures without hints."""
    gen = torch.Generator().manual_seed(3)
    rgb = torch.rand(6, 3, 24, 200, generator=gen)        # wide: distances beyond NEAR_SCALE
    cfg = {"hint_p0": 0.2, "hint_mean": 3.0, "hint_stroke": 0.4, "hint_region": 0.3, "hint_similar": 2.0}
    hr, hm = hints.simulate(rgb, None, cfg, gen)
    vals = rgb_to_ycbcr(hr) * hm
    near, close = hints.nearest_fill(vals, hm, budget=5000)
    ys, xs = torch.meshgrid(torch.arange(24.), torch.arange(200.), indexing="ij")
    grid = torch.stack([ys.flatten(), xs.flatten()], 1)
    seen = 0
    for i in range(6):
        on = hm[i, 0].flatten() > 0.5
        if not on.any():
            assert (close[i] == 0).all() and (near[i] == 0).all(), f"sample {i}: no hint"
            continue
        seen += 1
        d = torch.cdist(grid, grid[on])
        best = d.min(1).values
        assert torch.allclose(close[i, 0].flatten(), (1 - best / hints.NEAR_SCALE).clamp(min=0), atol=1e-5), i
        ties = (d - best[:, None]).abs() < 1e-4                     # the hint pixels at that distance
        apart = torch.cdist(near[i].reshape(3, -1).T, vals[i].reshape(3, -1).T[on])
        assert torch.where(ties, apart, torch.inf).min(1).values.max() < 1e-5, \
            f"sample {i}: a pixel took a colour of no nearest hint"
    assert seen >= 3, "too few samples with hints to test"


# ---- networks

def test_widened_networks_compute_the_same():
    """Widened with zero weights, a network given no hint computes exactly what it did: random smoke-width
    networks in both modes, and the shipped ones (checkpoints.shipped_with_hints)."""
    x = torch.rand(2, 1, 64, 80, generator=torch.Generator().manual_seed(7))
    pairs = []
    for i, name in enumerate(("fg", "fn")):
        net = random_bn(build(name, CFG["widths_colour"]), i)
        pairs.append((name, net, widen(net).eval()))
    shipped, wide = load_models_for_eval(torch.load(TRAIN_STATE, weights_only=False)), shipped_with_hints()
    pairs += [("shipped " + k, shipped[k].float(), wide[k]) for k in ("gray", "nir")]
    with torch.no_grad():
        for name, a, b in pairs:
            assert b.n_hints == len(HINT_CHANNELS[b.mode]) and b.core.e0[0].in_channels == 1 + b.n_hints
            diff = (a(x) - b(hints.net_input(b, x))).abs().max().item()
            assert diff == 0.0, f"{name}: widened network differs by {diff}"
            hr, hm = hints.eval_hints(torch.rand(2, 3, 64, 80), 0, 1)
            assert torch.equal(b(hints.net_input(b, x, (hr.expand(2, -1, -1, -1), hm.expand(2, -1, -1, -1)))),
                               b(hints.net_input(b, x))), f"{name}: zero hints are not no hints"


def test_hint_gate():
    """The hint gate (the input times a computed gate, its nearest-hint colour columns into the output):
    closed at the start, so the shipped networks with it compute what they did, hints or not; open, it moves
    only the chroma in gray mode (the luma stays the input's); without hint planes it goes."""
    st = torch.load(TRAIN_STATE, weights_only=False)
    shipped = load_models_for_eval(st)
    x = torch.rand(1, 1, 48, 64, generator=torch.Generator().manual_seed(12))
    hr, hm = hints.eval_hints(photo(64)[..., :48, :], 10, 3)
    for kind, mode in (("fg", "gray"), ("fn", "nir")):
        a = shipped[mode].float().eval()
        b = build(kind, st["config"]["widths_colour"], hints=True, gate=True)
        b.load_state_dict(a.state_dict())
        b.set_mode(mode)
        b.eval()
        with torch.no_grad():
            want = a(x)
            assert torch.allclose(b(hints.net_input(b, x)), want, atol=1e-6) and \
                torch.allclose(b(hints.net_input(b, x, (hr, hm))), want, atol=1e-6), f"{kind}: closed gate moved"
            b.gate_head.bias.fill_(1.0)
            y = b(hints.net_input(b, x, (hr, hm)))
        assert (y - want).abs().max() > 0.05, f"{kind}: an open gate changes nothing"
        if mode == "gray":
            assert torch.allclose(rgb_to_ycbcr(y)[:, :1], x, atol=1e-5), "gray: the gate moved the luma"
        sd = widen_state(b.state_dict(), ())
        assert not any(k.startswith("gate_head") for k in sd), "no hint planes, yet a gate"
        build(kind, st["config"]["widths_colour"]).load_state_dict(sd)


def test_fn_starts_from_fg_hint_weights():
    """From scratch F_N starts from F_G: F_G's hint weights go to F_N's planes of the same names, the planes
    F_G lacks (Y, near Y) get zeros."""
    fg = build("fg", CFG["widths_colour"], hints=True)
    fn = build("fn", CFG["widths_colour"], hints=True)
    fn.load_state_dict(fg.state_dict())
    for conv in ("e0", "d0"):
        a = (fg.core.e0[0] if conv == "e0" else fg.core.d0[0][0]).weight
        b = (fn.core.e0[0] if conv == "e0" else fn.core.d0[0][0]).weight
        k = a.shape[1] - len(HINT_CHANNELS["gray"])     # x's column and those before it
        assert torch.equal(b[:, :k], a[:, :k]), f"{conv}: the columns before the hints differ"
        for j, name in enumerate(HINT_CHANNELS["nir"]):
            want = a[:, k + HINT_CHANNELS["gray"].index(name)] if name in HINT_CHANNELS["gray"] else \
                torch.zeros_like(b[:, k + j])
            assert torch.equal(b[:, k + j], want), f"{conv}: F_N's {name} column is not F_G's (or zero)"


def test_fine_tune_learns_the_hints():
    """A few F_G steps with simulated hints (smoke config, from a widened network) bring the colour at the
    hint pixels closer to the hints (on held pictures with the protocol's 10 hints)."""
    cfg = dict(CFG, steps=dict(CFG["steps"], fg=40), hint_p0=0.0, hint_mean=16.0, lr=3e-3)
    tr = Trainer(cfg, os.path.join(TMP, "ft"), DATA, log=QUIET)
    held = [p.rgb[None].float() / 255 for p in DATA.photos_train[:3]]

    def hint_error(net):
        net.eval()
        errs = []
        with torch.no_grad():
            for i, rgb in enumerate(held):
                hr, hm = hints.eval_hints(rgb, 10, i)
                out = net(hints.net_input(net, rgb_to_gray(rgb), (hr, hm)))
                sel = hm[0, 0] > 0
                errs.append((rgb_to_ycbcr(out)[0, 1:, sel] - rgb_to_ycbcr(hr)[0, 1:, sel]).abs().mean())
        return float(sum(errs) / len(errs))

    before = hint_error(tr.nets["fg"])
    assert tr.run()
    after = hint_error(tr.nets["fg"])
    print(f"  chroma error at the hint pixels {before:.4f} -> {after:.4f}")
    assert after < 0.7 * before, f"the hint error did not fall: {before:.4f} -> {after:.4f}"


def test_hint_only_keeps_the_automatic_colour():
    """hint_only: a few steps with a high rate move the hint columns (the hints matter) and nothing else:
    without hints the network computes exactly what it did, BatchNorm statistics included."""
    cfg = dict(CFG, steps=dict(CFG["steps"], fg=6), hint_only=True, hint_p0=0.0, lr=1e-2, warmup=0)
    tr = Trainer(cfg, os.path.join(TMP, "hint-only"), DATA, log=QUIET)
    net = tr.nets["fg"]
    random_bn(net, 30)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x = torch.rand(1, 1, 48, 48)
    net.eval()
    with torch.no_grad():
        ref = net(hints.net_input(net, x))
    assert tr.run()
    after = net.state_dict()
    moved = {k for k in before if not torch.equal(before[k], after[k])}
    assert moved == {"core.e0.0.weight", "core.d0.0.0.weight"}, f"hint_only moved {sorted(moved)}"
    for k in moved:
        n = net.n_hints
        assert torch.equal(before[k][:, :-n], after[k][:, :-n]), f"{k}: a column other than the hints' moved"
    net.eval()
    with torch.no_grad():
        got = net(hints.net_input(net, x))
    assert torch.equal(ref, got), f"without hints the output moved by {(ref - got).abs().max():.2e}"


def test_continuation_with_hints():
    """--resume-from-shipped with hints: F_G and F_N start widened from their snapshots (at lr 0 with BN
    frozen they stay so), a cooperative stage is refused, the run resumes with its hint stream, and a part
    cut by join slim goes back into a hint trainer."""
    base = Trainer(dict(CFG, hints=False), os.path.join(TMP, "base"), DATA, log=QUIET)
    for i, k in enumerate(("fg", "fn")):
        random_bn(base.nets[k], 10 + i)
    base.snapshots = {"fg_pre": base.nets["fg"].state_dict(), "fn_alone": base.nets["fn"].state_dict()}
    base.save()
    ck = torch.load(os.path.join(base.run_dir, "last.pt"), weights_only=False)
    state = os.path.join(TMP, "state.pt")
    torch.save(training_state(ck, "fn", "fg_pre", []), state)
    tr = Trainer(dict(CFG, lr=0.0, freeze_bn=True, resume_steps={"fg": 2, "fn": 2}), os.path.join(TMP, "cont"),
                 DATA, log=QUIET)
    tr.resume_from_shipped(state)
    assert tr.run()
    x = torch.rand(1, 1, 48, 48)
    with torch.no_grad():
        for k in ("fg", "fn"):
            ref = base.nets[k].eval()(x)
            got = tr.nets[k].eval()(hints.net_input(tr.nets[k], x))
            assert tr.nets[k].n_hints and (ref - got).abs().max() < 1e-3, f"{k} did not start from its snapshot"
    refused = Trainer(dict(CFG, resume_steps={"coop": 2}), os.path.join(TMP, "coop"), DATA, log=QUIET)
    refused.resume_from_shipped(state)
    try:
        refused.run()
        raise AssertionError("a cooperative stage ran with hints")
    except ValueError as e:
        assert "hint" in str(e), e
    try:
        train.main(["--config", "smoke", "--set", "hints=true", "--resume-from-shipped",
                    "--run-dir", os.path.join(TMP, "cli")])
        raise AssertionError("the command line took hints with the default coop and fuse steps")
    except SystemExit as e:
        assert "hints" in str(e.code) and not os.path.exists(os.path.join(TMP, "cli")), e.code
    resumed = Trainer(tr.cfg, tr.run_dir, DATA, log=QUIET)
    resumed.resume(os.path.join(tr.run_dir, "last.pt"))
    assert torch.equal(resumed.sampler.hint_gen.get_state(), tr.sampler.hint_gen.get_state()), "hint stream lost"
    part = os.path.join(TMP, "fg.pt")
    slim_dir = os.path.join(TMP, "slim")
    one = Trainer(dict(tr.cfg, resume_steps={"fg": 1}), slim_dir, DATA, log=QUIET)
    one.resume_from_shipped(state)
    one.run()
    slim(slim_dir, part)
    joined = Trainer(tr.cfg, os.path.join(TMP, "joined"), DATA, log=QUIET)
    joined.resume_from_shipped(state)
    join_parts(joined, [torch.load(part, weights_only=False)], log=QUIET)
    assert torch.equal(joined.nets["fg"].core.e0[0].weight, one.nets["fg"].core.e0[0].weight), "join lost F_G"
    plain = Trainer(dict(tr.cfg, hints=False), os.path.join(TMP, "joined-plain"), DATA, log=QUIET)
    plain.resume_from_shipped(state)
    join_parts(plain, [without_hints(torch.load(part, weights_only=False))], log=QUIET)
    net, wide = plain.nets["fg"].eval(), one.nets["fg"].eval()
    x = torch.rand(1, 1, 48, 64)
    with torch.no_grad():
        diff = (net(x) - wide(hints.net_input(wide, x))).abs().max().item()
    assert not net.n_hints and diff < 1e-5, f"without_hints: {net.n_hints} hint planes, {diff:.2e} from no hints"


# ---- baselines and evaluation

def test_nearest_fill_is_exact_on_piecewise_constant_chroma():
    rgb, y = quadrants(64)
    hm = torch.zeros(1, 1, 64, 64)
    for cy in (15, 48):
        for cx in (15, 48):
            hm[..., cy, cx] = 1.0
    out = nearest_fill(y, rgb * hm, hm)
    assert (out - rgb).abs().max() < 1e-5, f"nearest fill is {(out - rgb).abs().max():.2e} off"
    assert torch.equal(nearest_fill(y, rgb * 0, hm * 0), y.expand(-1, 3, -1, -1)), "no hint must be no colour"


def test_levin_beats_no_colour():
    """Levin et al. on a photo with the protocol's 10 hints: well above no colour, the hint chroma kept at
    the hint pixels, the input luma everywhere."""
    rgb = photo(128)
    y = rgb_to_gray(rgb)
    hr, hm = hints.eval_hints(rgb, 10, 3)
    out = levin(y, hr, hm)
    gain = psnr(out, rgb) - psnr(y.expand(-1, 3, -1, -1), rgb)
    sel = hm[0, 0] > 0
    print(f"  Levin with 10 hints: {gain:+.2f} dB over no colour")
    assert gain > 1.0, f"Levin gains only {gain:.2f} dB over no colour"
    assert torch.allclose(rgb_to_ycbcr(out)[0, 1:, sel], rgb_to_ycbcr(hr)[0, 1:, sel], atol=1e-5)
    assert torch.allclose(rgb_to_ycbcr(out)[:, :1], y, atol=1e-5)


def test_ciede2000():
    """Sharma, Wu and Dalal's test pairs."""
    for a, b, want in (((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
                       ((50, 2.49, -0.001), (50, -2.49, 0.0009), 7.1792),
                       ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
                       ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082)):
        got = ciede2000(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)).item()
        assert abs(got - want) < 1e-4, f"CIEDE2000 {a} {b}: {got:.4f}, want {want}"


def test_hint_evaluation():
    """The table's rows: the network at every count, the baselines with hints, no colour at 0; the baselines
    give back the hint colour at the hint pixels (gray mode: the input's luma with the hint's chroma)."""
    nets = {"gray": widen(random_bn(build("fg", CFG["widths_colour"]), 3)),
            "nir": widen(random_bn(build("fn", CFG["widths_colour"]), 4))}
    res = evaluate_hints(DATA, nets, (0, 5))
    for mode in ("gray", "nir"):
        rows = res[mode]["vcip_val"]
        assert set(rows) == {"net", "nocolour", "nearest", "levin"} and set(rows["net"]) == {0, 5}, rows.keys()
        assert math.isnan(rows["net"][0]["de00"]) and rows["net"][5]["n"] == 2
    assert res["gray"]["vcip_val"]["nearest"][5]["de00"] < 0.05 and res["gray"]["vcip_val"]["levin"][5]["de00"] < 0.05
    table = format_hint_table(res)
    assert "| gray | vcip_val | levin | 5 |" in table and "| nir | vcip_val | net | 0 |" in table, table


# ---- export

def test_hint_network_exports():
    """A hint network's model file: its contract declares the hint inputs, the reference interpreter runs
    it as PyTorch does; a contract whose hints do not match the input is refused."""
    for i, (name, gate) in enumerate((("fg", False), ("fn", False), ("fg", True), ("fn", True))):
        net = random_bn(build(name, CFG["widths_colour"], hints=True, gate=gate), 20 + i)
        with torch.no_grad():
            net.core.e0[0].weight[:, 1:] = torch.randn_like(net.core.e0[0].weight[:, 1:]) * 0.3
            if gate:
                net.gate_head.weight.normal_(0, 0.3)
        task = "gray" if name == "fg" else "nir"
        contract = export.make_contract(task, input_channels=1 + net.n_hints,
                                        hints=export.hint_contract(HINT_CHANNELS[net.mode]))
        path = os.path.join(TMP, name + ".safetensors")
        export.export_model(net, path, contract)
        _, meta = read_safetensors(path)
        got = json.loads(meta["cocolor.contract"])["input"]
        assert got["channels"] == 1 + net.n_hints and got["hints"]["channels"] == list(HINT_CHANNELS[net.mode]) \
            and got["hints"]["first"] == 1, got
        rgb = photo(64)
        hr, hm = hints.eval_hints(rgb, 10, 5)
        x = hints.net_input(net, rgb_to_gray(rgb), (hr, hm))
        with torch.no_grad():
            err = (run_file(path, x) - net(x)).abs().max().item()
        assert err < 1e-4, f"{name}: the file is {err:.2e} from its network"
    for bad in ({"first": 1, "channels": ["cb", "cr"], "space": "bt601-srgb", "min_radius": 2},
                {"first": 2, "channels": ["cb", "cr", "mask"], "space": "bt601-srgb", "min_radius": 2},
                {"first": 1, "channels": ["y", "cb", "mask"], "space": "bt601-srgb", "min_radius": 2}):
        try:
            export.make_contract("gray", input_channels=4, hints=bad)
        except export.ExportError:
            continue
        raise AssertionError(f"contract hints {bad} accepted")
    assert "hints" not in export.make_contract("gray")["input"], "a model without hints got a hints member"


def test_hint_run_exports_its_hints():
    """The end of a hint run (finish_run): both files declare their hint inputs and match the networks."""
    tr = Trainer(dict(CFG, steps=dict(CFG["steps"], fg=2, fn=2)), os.path.join(TMP, "run"), DATA, log=QUIET)
    assert tr.run()
    out = os.path.join(TMP, "models")
    os.makedirs(out)
    train.finish_run(tr, QUIET, out_dir=out)
    nets = load_models_for_eval(torch.load(os.path.join(out, "cocolor-train-state.pt"), weights_only=False))
    rgb = photo(64)
    hr, hm = hints.eval_hints(rgb, 5, 9)
    for task, mode in (("gray", "gray"), ("nir", "nir")):
        path = os.path.join(out, f"cocolor-{task}.safetensors")
        c = json.loads(read_safetensors(path)[1]["cocolor.contract"])["input"]
        assert c["hints"]["channels"] == list(HINT_CHANNELS[mode]), c
        x = hints.net_input(nets[task], rgb_to_gray(rgb), (hr, hm))
        with torch.no_grad():
            err = (run_file(path, x) - nets[task].float()(x)).abs().mean().item()
        assert err < 5e-3, f"{task}: the file is {err:.2e} from its network"


TESTS = [f for name, f in globals().items() if name.startswith("test_")]


if __name__ == "__main__":
    sys.exit(runner.run(TESTS, "colour hints test", cleanup=TMP))
