"""The staged CoColor schedule: one step function per stage, and the learning-rate curve.

Stages (in order):
  fg     F_G pretrain: gray(rgb) -> rgb on every RGB image (photos + RGB halves of the pairs).
  trans  T_N2G (nir -> gray(rgb)) and T_G2N (gray(rgb) -> nir) on the registered pairs.
  fn     F_N, initialised from F_G (task-domain prior): real NIR pairs + intermittent NIR T_G2N(gray photo).
  coop   progressive cooperative fine-tuning: F_N(x_N), F_G(T_N2G(x_N)) and the ground truth agree
         (pixel consistency, on chroma by default) and so do their bottleneck features (feature consistency); the consistency
         weights ramp up over the first half of the stage; F_G keeps seeing real gray photos and F_N
         intermittent NIR; T_N2G is fine-tuned through F_G with its own supervised anchor.
  fuse   fusion: a small per-pixel gate blends F_N(x) and F_G(T_N2G(x)); only the gate trains.
With cfg hints (colour hints, hints.py) F_G and F_N see simulated hints in their own stages; coop and fuse
take none and are refused (HINTLESS_STAGES).
"""
import functools
import math

import torch

from . import camera
from .cocolor_nets import rgb_to_gray, rgb_to_ycbcr
from .data import mix_weights
from .hints import net_input, simulate
from .losses import _wmean, colour_loss, feature_consistency, gradient_loss

STAGES = ("fg", "trans", "fn", "coop", "fuse")
HINTLESS_STAGES = ("coop", "fuse")   # stages that run the colour networks without hint inputs


def lr_at(cfg, base, step, total):
    if step < cfg["warmup"]:
        return base * (step + 1) / cfg["warmup"]
    t = (step - cfg["warmup"]) / max(1, total - cfg["warmup"])
    lo = base * cfg["lr_min_frac"]
    return lo + 0.5 * (base - lo) * (1 + math.cos(math.pi * min(1.0, t)))


def stage_params(stage, nets):
    if stage == "fg":
        return list(nets["fg"].parameters())
    if stage == "trans":
        return [p for k in TRANSLATORS for p in nets[k].parameters()]
    if stage == "fn":
        return list(nets["fn"].parameters())
    if stage == "coop":
        return (list(nets["fn"].parameters()) + list(nets["fg"].parameters())
                + list(nets["tn2g"].parameters()))
    if stage == "fuse":
        return list(nets["fuse"].gate.parameters())
    raise ValueError(stage)


def trainable(params):
    return [p for p in params if p.requires_grad]


def stage_lr(cfg, stage):
    return cfg["lr"] * (cfg["coop_lr_frac"] if stage == "coop" else 1.0)


TRANSLATORS = ("tn2g", "tg2n")
STAGE_NETS = {"fg": ["fg"], "trans": list(TRANSLATORS), "fn": ["fn"], "coop": ["fn", "fg", "tn2g"],
              "fuse": ["fuse"]}   # the networks each stage trains ("fuse": only the gate)


def owned(nets, k):
    """The module network k owns: the fusion module holds F_N, F_G and T_N2G, but owns only its gate."""
    return nets[k].gate if k == "fuse" else nets[k]


def set_modes(stage, nets, freeze_bn=False):
    """Training mode for the networks the stage trains, eval mode for the rest.  freeze_bn keeps the
    trained networks' BatchNorm layers on their running statistics (continuing at a small batch: batch
    statistics of a few crops are noisy, and the running ones drift with them)."""
    train = STAGE_NETS[stage]
    for k in nets:
        m = owned(nets, k)
        m.train(k in train)
        if k in train and freeze_bn:
            for b in m.modules():
                if isinstance(b, torch.nn.BatchNorm2d):
                    b.eval()


def bf16_enabled(cfg):
    """cfg["bf16"] True/False, or "auto": on where the hardware computes bfloat16 natively.  Elsewhere
    bf16 autocast is emulated and many times slower than fp32, so a CPU without AVX-512 BF16 or AMX trains
    in fp32."""
    if cfg["bf16"] != "auto":
        return bool(cfg["bf16"])
    return _native_bf16(cfg["device"].startswith("cuda"))


@functools.lru_cache(maxsize=None)
def _native_bf16(cuda):
    # asked once per process: _ac runs several times a step
    if cuda:
        return torch.cuda.is_bf16_supported()
    cpu = torch._C._cpu
    return any(getattr(cpu, f, lambda: False)() for f in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"))


def _ac(cfg):
    dev = "cuda" if cfg["device"].startswith("cuda") else "cpu"
    return torch.autocast(dev, dtype=torch.bfloat16, enabled=bf16_enabled(cfg))


def _to(cfg, *ts):
    return [t.to(cfg["device"], non_blocking=True) for t in ts]


def _hints(cfg, sampler, rgb, mask):
    """Simulated hints for a batch on the training device (cfg hints: true), drawn from the sampler's own
    generator; None without hints."""
    if not cfg.get("hints"):
        return None
    return simulate(rgb.float(), mask, cfg, sampler.hint_gen)


def step_fg(cfg, nets, data, sampler, frac):
    items = data.rgb_train
    weights = mix_weights(items, cfg.get("fg_mix"))
    _, rgb, mask = sampler.crop(items, cfg["batch"], cfg["crop"], need_nir=False, weights=weights)
    rgb, mask = _to(cfg, rgb, mask)
    hints = _hints(cfg, sampler, rgb, mask)
    with _ac(cfg):
        out = nets["fg"](net_input(nets["fg"], rgb_to_gray(rgb), hints))
    return colour_loss(out.float(), rgb, mask, cfg["w_gray"])


def step_trans(cfg, nets, data, sampler, frac):
    nir, rgb, mask = sampler.crop(data.pairs_train, cfg["batch"], cfg["crop"])
    nir, rgb, mask = _to(cfg, nir, rgb, mask)
    gray = rgb_to_gray(rgb)
    with _ac(cfg):
        g = nets["tn2g"](nir)
        n = nets["tg2n"](gray)
    g, n = g.float(), n.float()
    parts = {"n2g": _wmean((g - gray).abs(), mask) + 0.5 * gradient_loss(g, gray, mask),
             "g2n": _wmean((n - nir).abs(), mask) + 0.5 * gradient_loss(n, nir, mask)}
    return sum(parts.values()), parts


def _synthetic_nir(cfg, nets, data, sampler, n):
    """n intermittent NIR images made from RGB photos: T_G2N(gray of the photo)."""
    _, rgb, mask = sampler.crop(data.photos_train or data.rgb_train, n, cfg["crop"], need_nir=False)
    rgb, mask = _to(cfg, rgb, mask)
    t = nets["tg2n"]
    with torch.no_grad(), _ac(cfg):
        was = t.training
        t.eval()
        nir = t(rgb_to_gray(rgb)).float().clamp(0, 1)
        t.train(was)
    return nir, rgb, mask


def synth_count(cfg):
    """Intermittent NIR images in an F_N batch: fn_synth_frac of it."""
    return int(round(cfg["batch"] * cfg["fn_synth_frac"]))


def step_fn(cfg, nets, data, sampler, frac):
    b = cfg["batch"]
    ns = synth_count(cfg)
    nir, rgb, mask = sampler.crop(data.pairs_train, b - ns, cfg["crop"])
    nir, rgb, mask = _to(cfg, nir, rgb, mask)
    if ns:
        sn, sr, sm = _synthetic_nir(cfg, nets, data, sampler, ns)
        nir, rgb, mask = torch.cat([nir, sn]), torch.cat([rgb, sr]), torch.cat([mask, sm])
    nir = camera.augment(nir, cfg.get("fn_camera", 0.0), sampler.camera_gen, cfg.get("fn_gray_file", 0.0))
    hints = _hints(cfg, sampler, rgb, mask)
    with _ac(cfg):
        out = nets["fn"](net_input(nets["fn"], nir, hints))
    return colour_loss(out.float(), rgb, mask, cfg["w_nir"])


def _consistency(cfg, a, b, mask):
    """Pixel consistency between the two paths: on sRGB, or on chroma only ("chroma"), which lends F_N
    the colour of F_G's path without tying its lightness to T_N2G's estimate."""
    if cfg.get("cons_pix_space", "rgb") == "chroma":
        a, b = rgb_to_ycbcr(a)[:, 1:], rgb_to_ycbcr(b)[:, 1:]
    return _wmean((a - b).abs(), mask)


def step_coop(cfg, nets, data, sampler, frac):
    """Each network makes one forward pass over its whole batch (real + extra images), as in its own
    stage: BatchNorm then normalises with the statistics its running averages keep (separate passes for
    real and synthetic NIR leave the running statistics a blend of batch kinds never normalised together)."""
    b = cfg["batch"]
    ns = synth_count(cfg)        # F_N: real pairs + intermittent NIR, as in stage fn
    ne = int(round(b * cfg["coop_extra_frac"]))    # F_G: T_N2G(real NIR) + extra gray photos
    nir, rgb, mask = sampler.crop(data.pairs_train, b - ns, cfg["crop"])
    nir, rgb, mask = _to(cfg, nir, rgb, mask)
    nr = nir.shape[0]
    ramp = min(1.0, frac / 0.5)               # progressive: consistency ramps up over half the stage
    fn_in, fn_rgb, fn_mask = nir, rgb, mask
    if ns:
        sn, sr, sm = _synthetic_nir(cfg, nets, data, sampler, ns)
        fn_in, fn_rgb, fn_mask = torch.cat([nir, sn]), torch.cat([rgb, sr]), torch.cat([mask, sm])
    with _ac(cfg):
        g_nir = nets["tn2g"](nir)
    fg_in, fg_rgb, fg_mask = g_nir, rgb, mask
    if ne:
        _, pr, pm = sampler.crop(data.photos_train or data.rgb_train, ne, cfg["crop"], need_nir=False)
        pr, pm = _to(cfg, pr, pm)
        fg_in = torch.cat([g_nir, rgb_to_gray(pr).to(g_nir.dtype)])
        fg_rgb, fg_mask = torch.cat([rgb, pr]), torch.cat([mask, pm])
    with _ac(cfg):
        out_n, f_n = nets["fn"].forward_with_features(fn_in)
        out_g, f_g = nets["fg"].forward_with_features(fg_in)
    out_n, out_g, g_nir = out_n.float(), out_g.float(), g_nir.float()
    parts = {"fn": colour_loss(out_n, fn_rgb, fn_mask, cfg["w_nir"])[0],
             "fg_tn2g": colour_loss(out_g[:nr], rgb, mask, cfg["w_gray"])[0],
             "anchor": cfg["w_trans_anchor"] * _wmean((g_nir - rgb_to_gray(rgb)).abs(), mask),
             "cons_pix": ramp * cfg["w_cons_pix"] * _consistency(cfg, out_n[:nr], out_g[:nr], mask),
             "cons_feat": ramp * cfg["w_cons_feat"] * feature_consistency(f_n[:nr], f_g[:nr])}
    if ne:
        parts["fg_gray"] = colour_loss(out_g[nr:], fg_rgb[nr:], fg_mask[nr:], cfg["w_gray"])[0]
    return sum(parts.values()), parts


def step_fuse(cfg, nets, data, sampler, frac):
    nir, rgb, mask = sampler.crop(data.pairs_train, cfg["batch"], cfg["crop"])
    nir, rgb, mask = _to(cfg, nir, rgb, mask)
    with _ac(cfg):
        out = nets["fuse"](nir)
    return colour_loss(out.float(), rgb, mask, cfg["w_nir"])


STEP = {"fg": step_fg, "trans": step_trans, "fn": step_fn, "coop": step_coop, "fuse": step_fuse}
