"""The colour-hint evaluation of the model card: for each mode on the validation splits, PSNR / SSIM /
colourfulness with 0, 1, 5, 10 and 20 simulated hints (hints.eval_hints: seeded discs of radius
max(2, long side / 200) px filled with the truth's mean colour), for the network and the two baselines
without learning (baselines.py: nearest-hint fill, Levin et al. 2004), and the mean CIEDE2000 at the hint
pixels (the user's colour must come back where it was painted).

At a hint pixel the colour wanted is the hint's (NIR mode) or, in gray mode, where only the hint's chroma is
used, the input's luma with the hint's chroma.  A network without hint inputs is evaluated at 0 hints only.
Pictures are cropped to a multiple of 16; the hints of a picture are seeded by its name, so n hints are
the first n of one sequence whatever the method.

    python3 -m models.train.hint_eval --run models/train/runs/join-hints          # a run or a join
    python3 -m models.train.hint_eval --part fg.pt --part fn.pt                    # continuation parts
    python3 -m models.train.hint_eval --state models/cocolor-train-state.pt        # automatic + baselines
Options: --counts 0,1,5,10,20, --modes gray,nir, --limit N (pictures per set), --no-levin, --json FILE.
"""
import argparse
import json
import math
import os
import time
import zlib

import torch

from . import camera
from .baselines import levin, nearest_fill, ycc_to_rgb
from .checkpoints import colour_net, load_models_for_eval
from .cocolor_nets import rgb_to_gray, rgb_to_ycbcr
from .config import get
from .data import Data
from .evaluate import _crop16, metrics
from .hints import EVAL_COUNTS, eval_hints, net_input

# ---- CIEDE2000 (Sharma, Wu and Dalal 2005), sRGB D65


def srgb_to_lab(rgb):
    """CIE L*a*b* (D65) of sRGB [N,3,H,W] in [0,1] (clamped)."""
    c = rgb.double().clamp(0, 1)
    lin = torch.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = torch.tensor([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                      [0.0193339, 0.1191920, 0.9503041]], dtype=lin.dtype)
    xyz = torch.einsum("ij,njhw->nihw", m, lin) / torch.tensor([0.95047, 1.0, 1.08883],
                                                               dtype=lin.dtype)[None, :, None, None]
    f = torch.where(xyz > (6 / 29) ** 3, xyz.clamp_min(1e-12) ** (1 / 3), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return torch.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def ciede2000(lab1, lab2):
    """CIEDE2000 colour difference of L*a*b* tensors [...,3] (kL = kC = kH = 1)."""
    l1, a1, b1 = lab1.unbind(-1)
    l2, a2, b2 = lab2.unbind(-1)
    c1, c2 = torch.hypot(a1, b1), torch.hypot(a2, b2)
    cm7 = ((c1 + c2) / 2) ** 7
    g = 0.5 * (1 - torch.sqrt(cm7 / (cm7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = torch.hypot(a1p, b1), torch.hypot(a2p, b2)
    h1p = torch.rad2deg(torch.atan2(b1, a1p)) % 360
    h2p = torch.rad2deg(torch.atan2(b2, a2p)) % 360
    zero = (c1p * c2p) == 0
    dh = h2p - h1p
    dh = torch.where(dh > 180, dh - 360, torch.where(dh < -180, dh + 360, dh))
    dh = torch.where(zero, torch.zeros_like(dh), dh)
    dl, dc = l2 - l1, c2p - c1p
    dhh = 2 * torch.sqrt(c1p * c2p) * torch.sin(torch.deg2rad(dh / 2))
    lm, cm = (l1 + l2) / 2, (c1p + c2p) / 2
    hs = h1p + h2p
    hm = torch.where((h1p - h2p).abs() > 180, torch.where(hs < 360, (hs + 360) / 2, (hs - 360) / 2), hs / 2)
    hm = torch.where(zero, hs, hm)
    t = (1 - 0.17 * torch.cos(torch.deg2rad(hm - 30)) + 0.24 * torch.cos(torch.deg2rad(2 * hm))
         + 0.32 * torch.cos(torch.deg2rad(3 * hm + 6)) - 0.20 * torch.cos(torch.deg2rad(4 * hm - 63)))
    sl = 1 + 0.015 * (lm - 50) ** 2 / torch.sqrt(20 + (lm - 50) ** 2)
    sc, sh = 1 + 0.045 * cm, 1 + 0.015 * cm * t
    rt = (-2 * torch.sqrt(cm ** 7 / (cm ** 7 + 25.0 ** 7))
          * torch.sin(torch.deg2rad(60 * torch.exp(-(((hm - 275) / 25) ** 2)))))
    return torch.sqrt((dl / sl) ** 2 + (dc / sc) ** 2 + (dhh / sh) ** 2 + rt * (dc / sc) * (dhh / sh))


def hint_target(mode, x, hint_rgb):
    """The colour wanted at the hint pixels: the hint's in NIR mode; in gray mode the input's luma x with
    the hint's chroma."""
    if mode == "nir":
        return hint_rgb
    return ycc_to_rgb(x, rgb_to_ycbcr(hint_rgb)[:, 1:])


def hint_error(pred, target, hint_mask):
    """(sum of CIEDE2000 over the hint pixels, their count)."""
    sel = hint_mask[0, 0] > 0.5
    if not sel.any():
        return 0.0, 0
    lab_p = srgb_to_lab(pred)[0, :, sel].T
    lab_t = srgb_to_lab(target)[0, :, sel].T
    return ciede2000(lab_p, lab_t).sum().item(), int(sel.sum())


# ---- the evaluation


def hint_sets(data, mode, limit=None):
    """{set name: pictures} of a mode's validation splits (EPFL pooled over its categories)."""
    sets = {"vcip_val": data.vcip_val, "epfl_val": list(data.epfl_val)}
    if mode == "gray":
        sets["photos_val"] = data.photos_val
    return {k: v[:limit] if limit else v for k, v in sets.items()}


def picture_seed(name):
    return zlib.crc32(name.encode())


@torch.no_grad()
def evaluate_hints(data, nets, counts=EVAL_COUNTS, modes=("gray", "nir"), use_levin=True, limit=None,
                   log=None, camera_seed=None):
    """nets: {'gray': F_G, 'nir': F_N} (either may be missing); camera_seed: NIR mode sees the NIR as the op
    derives it from a converted IR camera's file of the picture (camera.py, seeded by it and the picture).  Returns {mode: {set: {method: {count:
    {psnr, ssim, colf_ratio, de00, n}}}}}; methods: net, nearest, levin; at 0 hints the baselines are
    'nocolour'."""
    res = {}
    for mode in modes:
        net = nets.get(mode)
        if net is not None:
            net.eval()
        for sname, items in hint_sets(data, mode, limit).items():
            acc = {}
            t0 = time.time()
            for p in items:
                rgb = _crop16(p.rgb[None].float() / 255.0)
                mask = None if p.mask is None else _crop16(p.mask[None].float() / 255.0)
                x = rgb_to_gray(rgb) if mode == "gray" else _crop16(p.nir[None].float() / 255.0)
                if mode == "nir" and camera_seed is not None:
                    gen = torch.Generator().manual_seed(camera_seed * 1_000_003 + picture_seed(p.name))
                    x = camera.op_signal(camera.camera_file(x, gen))
                for n in counts:
                    hr, hm = eval_hints(rgb, n, picture_seed(p.name), mask)
                    runs = {}
                    if net is not None and (n == 0 or getattr(net, "n_hints", 0)):
                        runs["net"] = lambda: net(net_input(net, x, (hr, hm)))
                    if n == 0:
                        runs["nocolour"] = lambda: x.expand(-1, 3, -1, -1)
                    else:
                        runs["nearest"] = lambda: nearest_fill(x, hr, hm)
                        if use_levin:
                            runs["levin"] = lambda: levin(x, hr, hm)
                    for method, run in runs.items():
                        pred = run().float()
                        m = metrics(pred, rgb, mask)
                        de, k = hint_error(pred, hint_target(mode, x, hr), hm)
                        a = acc.setdefault(method, {}).setdefault(n, {"rows": [], "de": 0.0, "k": 0})
                        a["rows"].append(m)
                        a["de"] += de
                        a["k"] += k
            res.setdefault(mode, {})[sname] = {meth: {n: _agg(a) for n, a in per.items()}
                                               for meth, per in acc.items()}
            if log:
                log(f"hint_eval: {mode} {sname}: {len(items)} pictures in {time.time() - t0:.0f} s")
    return res


def _agg(a):
    rows = a["rows"]
    cg = sum(r["colf_gt"] for r in rows)
    return {"psnr": sum(r["psnr"] for r in rows) / len(rows), "ssim": sum(r["ssim"] for r in rows) / len(rows),
            "colf_ratio": sum(r["colf_pred"] for r in rows) / max(cg, 1e-6),
            "de00": a["de"] / a["k"] if a["k"] else math.nan, "n": len(rows)}


def format_hint_table(res):
    """The model card's table: one row per mode, set, method and hint count."""
    lines = ["| mode | set | method | hints | n | PSNR | SSIM | colourfulness | CIEDE2000 at hints |",
             "|---|---|---|---|---|---|---|---|---|"]
    for mode, sets in res.items():
        for sname, methods in sets.items():
            for meth in ("net", "nocolour", "nearest", "levin"):
                for n, m in sorted(methods.get(meth, {}).items()):
                    de = "" if math.isnan(m["de00"]) else f"{m['de00']:.2f}"
                    lines.append(f"| {mode} | {sname} | {meth} | {n} | {m['n']} | {m['psnr']:.2f} | "
                                 f"{m['ssim']:.3f} | {m['colf_ratio']:.2f} | {de} |")
    return "\n".join(lines)


def load_part(path):
    """A continuation part (join slim) as its network: {'gray' or 'nir': net}."""
    part = torch.load(path, map_location="cpu", weights_only=False)
    cfg, stage = part["config"], part["stage"]
    net = colour_net(cfg, stage)
    net.load_state_dict({k: v.float() for k, v in part["state"].items()})
    net.set_mode("gray" if stage == "fg" else "nir")
    return {"gray" if stage == "fg" else "nir": net.eval()}, cfg


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", help="a run folder with last.pt (train.py, join)")
    src.add_argument("--state", help="a training state such as models/cocolor-train-state.pt")
    src.add_argument("--part", action="append", help="a continuation part (join slim); may be repeated")
    ap.add_argument("--data", default=None)
    ap.add_argument("--counts", default=",".join(map(str, EVAL_COUNTS)))
    ap.add_argument("--modes", default="gray,nir")
    ap.add_argument("--limit", type=int, default=None, help="at most this many pictures per set")
    ap.add_argument("--no-levin", action="store_true", help="skip the Levin baseline (seconds a picture)")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--camera", type=int, default=None, metavar="SEED",
                    help="NIR mode on simulated IR-camera files (camera.py), drawn from SEED and each picture")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.part:
        nets, cfg = {}, None
        for p in a.part:
            n, cfg = load_part(p)
            nets.update(n)
    else:
        ck = torch.load(a.state or os.path.join(a.run, "last.pt"), map_location="cpu", weights_only=False)
        nets, cfg = load_models_for_eval(ck), ck["config"]
        nets = {k: v.float() for k, v in nets.items()}
    base = get("cpu")
    data = Data(a.data, epfl_scale=cfg.get("epfl_scale", base["epfl_scale"]),
                photo_max_side=cfg.get("photo_max_side", base["photo_max_side"]),
                val_every=cfg.get("val_every", base["val_every"]))
    res = evaluate_hints(data, nets, [int(c) for c in a.counts.split(",")], tuple(a.modes.split(",")),
                         not a.no_levin, a.limit, log=print, camera_seed=a.camera)
    print(format_hint_table(res), flush=True)
    if a.json:
        json.dump(res, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
