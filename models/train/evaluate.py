"""Evaluation: PSNR (8-bit sRGB), SSIM, angular error (degrees), colourfulness ratio to ground truth;
the final evaluation of a run (the ablation that chooses the networks to ship).

Per set: VCIP validation split (256^2, by source group), EPFL validation pairs per category (at the
training scale, masks respected), RGB-photo validation files (gray mode only; pooled as photos_val and per
collection as photos_<folder>).  Rows: NIR mode (F_N, or a fused model), gray mode (F_G on the BT.601 luma of the ground truth) and no-colour baselines (the input
replicated to three channels).  Images are cropped to a multiple of 16 (the networks' downsampling).

    python3 -m models.train.evaluate --run models/train/runs/cpu   # evaluates the run's checkpoint
    python3 -m models.train.evaluate --state models/cocolor-train-state.pt --nir-model fn,coop,fused
"""
import argparse
import json
import math
import os

import torch
import torch.nn.functional as F

from .checkpoints import load_models_for_eval, net_from_snapshot
from .cocolor_nets import rgb_to_gray
from .config import get
from .data import Data
from .hints import net_input
from .losses import colourfulness


def _q8(x):
    return (x.clamp(0, 1) * 255.0).round()


def _gauss(size=11, sigma=1.5):
    g = torch.exp(-((torch.arange(size) - size // 2) ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    return (g[:, None] * g[None, :])[None, None]


def _psnr_q8(p, g, m, n):
    mse = (((p - g) ** 2) * m).sum() / (3 * n)
    return 10 * math.log10(255.0 ** 2 / max(mse.item(), 1e-10))


def _q8_and_mask(pred, gt, mask):
    p, g = _q8(pred.float()), _q8(gt.float())
    m = torch.ones_like(p[:, :1]) if mask is None else (mask > 0.5).float()
    return p, g, m, m.sum().clamp_min(1.0)


def psnr(pred, gt, mask=None):
    """PSNR on 8-bit sRGB alone (metrics' first figure, without the cost of the others)."""
    return _psnr_q8(*_q8_and_mask(pred, gt, mask))


def metrics(pred, gt, mask=None):
    """pred, gt: [1,3,H,W] in [0,1]; mask [1,1,H,W] in {0,1} or None.  Returns a dict."""
    p, g, m, n = _q8_and_mask(pred, gt, mask)
    db = _psnr_q8(p, g, m, n)
    # SSIM per channel (Gaussian 11x11, sigma 1.5), valid windows fully inside the mask
    w = _gauss().to(p)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    pc, gc = p.transpose(0, 1), g.transpose(0, 1)       # [3,1,H,W]
    mu_p, mu_g = F.conv2d(pc, w), F.conv2d(gc, w)
    spp = F.conv2d(pc * pc, w) - mu_p ** 2
    sgg = F.conv2d(gc * gc, w) - mu_g ** 2
    spg = F.conv2d(pc * gc, w) - mu_p * mu_g
    smap = ((2 * mu_p * mu_g + c1) * (2 * spg + c2)) / ((mu_p ** 2 + mu_g ** 2 + c1) * (spp + sgg + c2))
    mw = (F.conv2d(m, torch.ones_like(w) / w.numel()) > 0.999).float()
    ssim = ((smap.mean(0, keepdim=True) * mw).sum() / mw.sum().clamp_min(1.0)).item()
    # angular error between RGB vectors, degrees
    dot = (p * g).sum(1, keepdim=True)
    nrm = p.norm(dim=1, keepdim=True) * g.norm(dim=1, keepdim=True)
    ang = torch.rad2deg(torch.acos((dot / nrm.clamp_min(1e-6)).clamp(-1, 1)))
    ang = torch.where(nrm > 1e-6, ang, torch.zeros_like(ang))
    ae = ((ang * m).sum() / n).item()
    cp = colourfulness(p / 255.0, m).item()
    cg = colourfulness(g / 255.0, m).item()
    return {"psnr": db, "ssim": ssim, "ae": ae, "colf_pred": cp, "colf_gt": cg}


def _crop16(t):
    h, w = t.shape[-2:]
    return t[..., : h - h % 16, : w - w % 16]


def _agg(rows):
    if not rows:
        return None
    out = {k: sum(r[k] for r in rows) / len(rows) for k in ("psnr", "ssim", "ae")}
    cg = sum(r["colf_gt"] for r in rows)
    out["colf_ratio"] = sum(r["colf_pred"] for r in rows) / max(cg, 1e-6)
    out["n"] = len(rows)
    return out


@torch.no_grad()
def evaluate(data, nets, max_photos=None, device="cpu"):
    """nets: dict with optional 'nir' (NIR model) and 'gray' (gray model); returns
    {set: {row: metrics}}.  Rows: nir, gray, nocolour_nir, nocolour_gray."""
    for m in nets.values():
        m.eval()
    sets = {"vcip_val": data.vcip_val}
    for p in data.epfl_val:
        sets.setdefault("epfl_" + p.set.split("/")[1], []).append(p)
    sets["photos_val"] = data.photos_val[:max_photos] if max_photos else data.photos_val
    res = {}
    for sname, items in sets.items():
        rows, coll_rows = {}, {}
        for p in items:
            rgb = _crop16(p.rgb[None].to(device).float() / 255.0)
            mask = None if p.mask is None else _crop16(p.mask[None].to(device).float() / 255.0)
            gray = rgb_to_gray(rgb)
            # a network with hint inputs is evaluated here without hints (automatic colour; hint_eval.py
            # evaluates it with them)
            out = {"gray": lambda: nets["gray"](net_input(nets["gray"], gray)),
                   "nocolour_gray": lambda: gray.expand(-1, 3, -1, -1)}
            if p.nir is not None:
                nir = _crop16(p.nir[None].to(device).float() / 255.0)
                out["nir"] = lambda: nets["nir"](net_input(nets["nir"], nir))
                out["nocolour_nir"] = lambda: nir.expand(-1, 3, -1, -1)
            for row, fn in out.items():
                if row in ("gray", "nir") and row not in nets:
                    continue
                m = metrics(fn(), rgb, mask)
                rows.setdefault(row, []).append(m)
                if sname == "photos_val":
                    coll_rows.setdefault(p.set.split("/")[-1], {}).setdefault(row, []).append(m)
        res[sname] = {r: _agg(v) for r, v in rows.items()}
        # the photos' mean hides which kinds of picture the gray model fails on: also per collection
        for coll, crows in sorted(coll_rows.items()):
            res["photos_" + coll] = {r: _agg(v) for r, v in crows.items()}
    return res


def pooled_epfl(res):
    """Pair-weighted mean over the EPFL categories."""
    out = {}
    for s, rows in res.items():
        if not s.startswith("epfl_"):
            continue
        for r, m in rows.items():
            if m is None:
                continue
            acc = out.setdefault(r, {"psnr": 0, "ssim": 0, "ae": 0, "colf_ratio": 0, "n": 0})
            for k in ("psnr", "ssim", "ae", "colf_ratio"):
                acc[k] += m[k] * m["n"]
            acc["n"] += m["n"]
    for r, acc in out.items():
        for k in ("psnr", "ssim", "ae", "colf_ratio"):
            acc[k] /= max(acc["n"], 1)
    return out


def val_psnr(res, row):
    """A row's validation PSNRs summed over VCIP, pooled EPFL and the photos (where it has them): the
    score that picks which network ships."""
    pe, ph = pooled_epfl(res).get(row), res.get("photos_val", {}).get(row)
    return res["vcip_val"][row]["psnr"] + (pe["psnr"] if pe else 0.0) + (ph["psnr"] if ph else 0.0)


def format_table(res):
    lines = ["| set | row | n | PSNR | SSIM | AE (deg) | colourfulness ratio |", "|---|---|---|---|---|---|---|"]
    allres = dict(res)
    pe = pooled_epfl(res)
    if pe:
        allres["epfl_all"] = pe
    for s, rows in allres.items():
        for r in ("nir", "nocolour_nir", "gray", "nocolour_gray"):
            m = rows.get(r)
            if m:
                lines.append(f"| {s} | {r} | {m['n']} | {m['psnr']:.2f} | {m['ssim']:.3f} | "
                             f"{m['ae']:.2f} | {m['colf_ratio']:.2f} |")
    return "\n".join(lines)


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k].cpu(), sb[k].cpu()) for k in sa)


# The fused graph runs F_N, T_N2G and F_G: 2.3x F_N's multiply-adds (conv_macs at 256², device widths), so
# the op takes over twice as long. It ships only when it validates better than both single networks by
# this much (dB, summed over the VCIP and EPFL validation sets): a gate that merely passes F_N through can
# win by a hair.
FUSED_MIN_GAIN_DB = 0.1


def choose_nir(score):
    """The NIR variant to ship from validation scores (name -> summed PSNR): the best of F_N alone and the
    cooperative F_N, or the fused graph when it beats that by FUSED_MIN_GAIN_DB."""
    single = {k: v for k, v in score.items() if k != "fused"}
    if not single:
        return "fused"
    best = max(single, key=single.get)
    if "fused" in score and score["fused"] >= single[best] + FUSED_MIN_GAIN_DB:
        return "fused"
    return best


def final_evaluation(tr, log, max_photos=None, device=None):
    """Ablation + metrics of a finished run (a trainer.Trainer) on the validation sets; returns the results
    dict with the NIR and gray networks chosen."""
    cfg, nets = tr.cfg, tr.nets
    dev = device or cfg["device"]                 # by default where training ran; in fp32
    on_dev = lambda m: m.to(dev).float().eval()
    # A network identical to its snapshot (no cooperative stage since) is evaluated once, under the
    # snapshot's name, so a choice never claims cooperation that did not happen.
    fn_alone, fg_pre = (net_from_snapshot(cfg, tr.snapshots, n) for n in ("fn_alone", "fg_pre"))
    variants = {"fn": fn_alone} if fn_alone is not None else {}
    if fn_alone is None or not _same_weights(fn_alone, nets["fn"]):
        variants["coop"] = nets["fn"]
    if tr.steps.get("fuse", 0) > 0:
        variants["fused"] = nets["fuse"]
    grays = {"fg_pre": fg_pre} if fg_pre is not None else {}
    if fg_pre is None or not _same_weights(fg_pre, nets["fg"]):
        grays["coop"] = nets["fg"]
    res, score = {}, {}
    for name, m in variants.items():
        r = evaluate(tr.data, {"nir": on_dev(m)}, max_photos=max_photos, device=dev)
        res[name] = r
        score[name] = val_psnr(r, "nir")
        log(f"== NIR model '{name}'\n" + format_table(r))
    for name, m in grays.items():
        r = evaluate(tr.data, {"gray": on_dev(m)}, max_photos=max_photos, device=dev)
        for s, rows in r.items():   # gray rows join the NIR rows of the same name (one table per name)
            res.setdefault(name, {}).setdefault(s, {}).update(rows)
        log(f"== gray model '{name}'\n" + format_table(r))
    choice = choose_nir(score)
    log(f"NIR model chosen by VCIP-val + EPFL-val PSNR (fused only if {FUSED_MIN_GAIN_DB} dB ahead, for its "
        f"cost): {choice} ({ {k: round(v, 3) for k, v in score.items()} })")
    # Cooperation may also cost F_G on photos: ship whichever F_G validates better.
    gscore = {name: val_psnr(res[name], "gray") for name in grays}
    gray_choice = max(gscore, key=gscore.get)
    log(f"gray model chosen by VCIP-val + EPFL-val + photos-val PSNR: {gray_choice} "
        f"({ {k: round(v, 2) for k, v in gscore.items()} })")
    return {"metrics": res, "nir_choice": choice, "nir_scores": score, "gray_choice": gray_choice,
            "gray_scores": gscore}


def main():
    ap = argparse.ArgumentParser()
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", help="run folder with last.pt (from train.py)")
    src.add_argument("--state", help="a training state such as models/cocolor-train-state.pt")
    ap.add_argument("--data", default=None)
    ap.add_argument("--nir-model", default=None,
                    help="fn | coop | fused, or several separated by commas (default: the run's choice)")
    ap.add_argument("--json", default=None, help="also write the results here")
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    ck = torch.load(a.state or os.path.join(a.run, "last.pt"), map_location="cpu", weights_only=False)
    cfg = get(ck["config"]["name"])
    data = Data(a.data, epfl_scale=cfg["epfl_scale"], photo_max_side=cfg["photo_max_side"],
                val_every=cfg["val_every"])
    out = {}
    for i, choice in enumerate((a.nir_model or ck.get("nir_choice", "coop")).split(",")):
        nets = load_models_for_eval(ck, choice)
        if i:
            del nets["gray"]   # the gray model does not depend on the NIR choice
        out[choice] = evaluate(data, nets)
        print(f"== NIR model '{choice}'\n" + format_table(out[choice]), flush=True)
    if a.json:
        json.dump(out, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
