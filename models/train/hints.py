"""Colour hints: simulated hints for training, the seeded discs of the evaluation protocol, and their
encoding as the colour networks' extra input channels.

A batch of hints is two tensors at the network's resolution: `rgb` [N,3,H,W], the colour wanted at each hint
pixel (sRGB in [0,1], 0 elsewhere), and `mask` [N,1,H,W], 1 at hint pixels, 0 elsewhere (what the op makes of
a hint picture: alpha >= 0.5).  Every hint is one colour over one shape, the truth's mean colour over it:

- simulate (training): per sample a count, 0 with probability hint_p0, else 1 + a geometric number, so that
  the mean count is hint_mean; each hint a disc of radius max(2, long side / 200) px at a random valid pixel,
  or with probability hint_stroke a stroke (a thick polyline of a few segments) and with hint_region a
  larger region (an ellipse of 5-25 % of the long side), both kept to the pixels whose colour is within
  hint_similar (YCbCr distance) of their seed's, as a user paints one colour on one thing.  Made on the
  batch's device, every hint a dense mask (a loop over hints kept a GPU waiting on the CPU).
- eval_hints (the protocol of the model card): n discs of that radius at seeded random valid pixels, the
  first n of one seeded sequence (so the 5 hints are among the 10), colours rounded to 8 bits as a hint
  picture holds them.

encode() turns hints into the input channels cocolor_nets.HINT_CHANNELS names: the mask, then at every pixel
the nearest hint's colour (gray mode Cb, Cr, as only chroma is used; NIR mode Y, Cb, Cr; BT.601, as the
networks' output) and its closeness (a dense start the network refines: sparse dots alone were not learnt
beyond a local tint in CPU-sized fine-tunes); net_input() puts them beside x, none given = no hint.
"""
import math

import torch

from .cocolor_nets import HINT_CHANNELS, rgb_to_ycbcr
from .config import BASE

EVAL_COUNTS = (0, 1, 5, 10, 20)
EVAL_SEQUENCE = 64      # discs drawn per picture by eval_hints; n hints are the first n
HINT_MAX = 64           # at most this many hints per training sample (the geometric tail)
DEFAULTS = {k: BASE[k] for k in ("hint_p0", "hint_mean", "hint_stroke", "hint_region", "hint_similar")}


def disc_radius(h, w):
    """The hint disc radius of the evaluation protocol (and of the training discs), in pixels."""
    return max(2.0, max(h, w) / 200.0)


def hint_count(gen, p0, mean):
    """0 with probability p0, else 1 + a geometric number with the mean that makes the count's mean `mean`."""
    if torch.rand((), generator=gen).item() < p0:
        return 0
    p = min(1.0, (1.0 - p0) / max(mean, 1e-6))   # P(stop): the mean of 1 + Geom(p) is 1 / p
    if p >= 1.0:
        return 1
    u = torch.rand((), generator=gen).item()
    return min(HINT_MAX, 1 + int(math.log(max(u, 1e-12)) / math.log(1.0 - p)))


# ---- shapes: every hint is a dense mask over its sample's picture, so that a whole batch's hints are a few
# tensor operations on the batch's device (a loop over hints kept the GPU waiting on the CPU)

MASK_BUDGET = 1 << 24    # hint masks made at once: at most this many pixels (bounds the memory)


def _grid(h, w, device):
    """Pixel rows [1,H,1] and columns [1,1,W] as floats, to broadcast against per-hint [K,1,1] values."""
    return (torch.arange(h, device=device, dtype=torch.float32).view(1, h, 1),
            torch.arange(w, device=device, dtype=torch.float32).view(1, 1, w))


def _discs(centres, r, grid):
    """[K,H,W] the pixels within r of each centre [K,2] (y, x)."""
    ys, xs = grid
    dy, dx = ys - centres[:, 0, None, None], xs - centres[:, 1, None, None]
    return dy * dy + dx * dx <= r * r + 1e-6


def _strokes(centres, draws, r, h, w, grid):
    """[K,H,W] strokes from the centres: 2-4 segments (draws[:, 1]) of 4-12 radii (draws[:, 2:6]) at
    smoothly turning angles (start draws[:, 0], turns draws[:, 6:10]), as thick as a disc, the points kept
    in the picture."""
    ys, xs = grid
    ang = draws[:, 0] * 2 * math.pi
    segments = 2 + (draws[:, 1] * 3).floor().clamp(max=2)
    p = centres
    best = torch.full((centres.shape[0], h, w), math.inf, device=centres.device)
    for s in range(4):
        ang = ang + (draws[:, 6 + s] - 0.5) * math.pi / 2
        length = r * (4 + 8 * draws[:, 2 + s])
        q = p + length[:, None] * torch.stack([torch.sin(ang), torch.cos(ang)], 1)
        q = torch.stack([q[:, 0].clamp(0, h - 1), q[:, 1].clamp(0, w - 1)], 1)
        d = (q - p)[:, :, None, None]
        py, px = ys - p[:, 0, None, None], xs - p[:, 1, None, None]
        t = ((py * d[:, 0] + px * d[:, 1]) / (d * d).sum(1).clamp(min=1e-6)).clamp(0, 1)
        ey, ex = py - t * d[:, 0], px - t * d[:, 1]
        on = (s < segments)[:, None, None]
        best = torch.where(on, torch.minimum(best, ey * ey + ex * ex), best)
        p = q
    return best <= r * r + 1e-6


def _regions(centres, draws, r, h, w, grid):
    """[K,H,W] filled ellipses around the centres, radii 5-25 % of the long side (draws[:, 10:12])."""
    ys, xs = grid
    radii = (max(h, w) * (0.05 + 0.2 * draws[:, 10:12])).clamp(min=r)
    dy = (ys - centres[:, 0, None, None]) / radii[:, 0, None, None]
    dx = (xs - centres[:, 1, None, None]) / radii[:, 1, None, None]
    return dy * dy + dx * dx <= 1.0


def _random_valid_pixels(valid, sample, u):
    """(y, x) [K,2] of valid pixels of the samples `sample` [K] (sorted; anywhere in a sample without a
    valid pixel), each picked uniformly by u [K] in [0, 1)."""
    n, h, w = valid.shape
    v = valid.reshape(n, -1)
    v = v | ~v.any(1, keepdim=True)
    cum = v.long().cumsum(1)
    total = cum[:, -1]
    rank = (u * total[sample]).long().clamp(max=total[sample] - 1) + 1      # the rank-th valid pixel
    slot = torch.arange(sample.numel(), device=valid.device) - torch.searchsorted(sample, sample)
    want = torch.ones(n, int(slot.max()) + 1, dtype=torch.long, device=valid.device)
    want[sample, slot] = rank
    idx = torch.searchsorted(cum, want)[sample, slot]
    return torch.stack([idx // w, idx % w], 1).float()


def _shapes(ycc, valid, sample, kinds, centres, draws, r, cfg):
    """[K,H,W] the pixels of hints of the given kinds (0 disc, 1 stroke, 2 region) in their samples;
    strokes and regions keep to the pixels near their seed's colour, as a user paints one colour on one
    thing, and one that keeps fewer pixels than a disc stays a disc."""
    n, _, h, w = ycc.shape
    grid = _grid(h, w, ycc.device)
    shape = _discs(centres, r, grid)
    big = (kinds > 0).nonzero()[:, 0]
    if big.numel():
        disc = shape[big]
        stroke = (kinds[big] == 1).nonzero()[:, 0]
        region = (kinds[big] == 2).nonzero()[:, 0]
        made = torch.zeros_like(disc)
        made[stroke] = _strokes(centres[big[stroke]], draws[big[stroke]], r, h, w, grid)
        made[region] = _regions(centres[big[region]], draws[big[region]], r, h, w, grid)
        col = ycc[sample[big]]                                                        # [B,3,H,W]
        ok = valid[sample[big]]
        seed_px = disc & ok
        seed_px = torch.where(seed_px.flatten(1).any(1)[:, None, None], seed_px, disc)
        seed = (col * seed_px[:, None]).sum((2, 3)) / seed_px.sum((1, 2))[:, None]  # the seed's mean colour
        diff = col - seed[:, :, None, None]
        keep = made & ok & ((diff * diff).sum(1) <= cfg["hint_similar"] ** 2)
        enough = keep.flatten(1).sum(1) >= disc.flatten(1).sum(1)
        shape[big] = torch.where(enough[:, None, None], keep, disc)
    return shape


def _paint(rgb, valid, sample, shapes):
    """Hint rgb and mask [N,3|1,H,W] from hint masks [K,H,W] in their samples [K], in painting order: each
    hint the mean colour of rgb over its valid pixels; a later hint covers an earlier."""
    n, _, h, w = rgb.shape
    k, y, x = shapes.nonzero(as_tuple=True)
    i = sample[k]
    wv = valid[i, y, x].to(rgb.dtype)
    sums = torch.zeros(shapes.shape[0], 3, dtype=rgb.dtype, device=rgb.device)
    sums.index_add_(0, k, rgb[i, :, y, x] * wv[:, None])
    cnt = torch.zeros(shapes.shape[0], dtype=rgb.dtype, device=rgb.device).index_add_(0, k, wv)
    colours = sums / cnt.clamp(min=1.0)[:, None]
    pix = (i * h + y) * w + x
    last = torch.zeros(n * h * w, dtype=torch.long, device=rgb.device)
    last.scatter_reduce_(0, pix, k + 1, "amax")
    hit = last > 0
    out = torch.zeros(n * h * w, 3, dtype=rgb.dtype, device=rgb.device)
    out[hit] = colours[last[hit] - 1]
    return out.view(n, h, w, 3).permute(0, 3, 1, 2).contiguous(), hit.view(n, 1, h, w).to(rgb.dtype)


def simulate(rgb, mask=None, cfg=None, gen=None):
    """Training hints for a batch: rgb [N,3,H,W] the truth in [0,1], mask [N,1,H,W] its valid pixels (or
    None), cfg the hint_* keys (DEFAULTS for those missing), gen a CPU torch.Generator (every draw is made
    on the CPU, so a seed gives the same hints on any device).  Computed on rgb's device; returns (hint rgb
    [N,3,H,W], hint mask [N,1,H,W]) there."""
    c = dict(DEFAULTS, **{k: v for k, v in (cfg or {}).items() if k in DEFAULTS})
    gen = gen or torch.Generator().manual_seed(0)
    n, _, h, w = rgb.shape
    dev = rgb.device
    valid = torch.ones(n, h, w, dtype=torch.bool, device=dev) if mask is None else mask[:, 0] > 0.5
    counts = [hint_count(gen, c["hint_p0"], c["hint_mean"]) for _ in range(n)]
    k = sum(counts)
    if k == 0:
        return torch.zeros_like(rgb), torch.zeros_like(rgb[:, :1])
    u = torch.rand(k, 14, generator=gen)           # place, kind, then 12 for a stroke or a region
    kinds = torch.where(u[:, 1] < c["hint_stroke"], 1,                           # 0 disc, 1 stroke, 2 region
                        torch.where(u[:, 1] < c["hint_stroke"] + c["hint_region"], 2, 0))
    sample = torch.repeat_interleave(torch.arange(n), torch.tensor(counts)).to(dev)
    u, kinds = u.to(dev), kinds.to(dev)
    centres = _random_valid_pixels(valid, sample, u[:, 0])
    ycc = rgb_to_ycbcr(rgb)
    r = disc_radius(h, w)
    step = max(1, MASK_BUDGET // (h * w))
    shapes = torch.cat([_shapes(ycc, valid, sample[a:a + step], kinds[a:a + step], centres[a:a + step],
                                u[a:a + step, 2:], r, c) for a in range(0, k, step)])
    return _paint(rgb, valid, sample, shapes)


def _valid_points(valid, n, gen):
    """n random (y, x) among the valid pixels [H,W] (anywhere when none is valid)."""
    h, w = valid.shape
    idx = valid.flatten().nonzero()[:, 0]
    if idx.numel() == 0:
        idx = torch.arange(h * w)
    pick = idx[torch.randint(0, idx.numel(), (n,), generator=gen)]
    return torch.stack([pick // w, pick % w], 1)


def eval_hints(rgb, n, seed, mask=None):
    """The evaluation protocol's hints for one picture rgb [1,3,H,W]: the first n of EVAL_SEQUENCE discs of
    radius disc_radius at valid pixels drawn with `seed`, each filled with the truth's mean colour over the
    disc (valid pixels), rounded to 8 bits.  Returns (hint rgb, hint mask) like simulate."""
    _, _, h, w = rgb.shape
    if n > EVAL_SEQUENCE:
        raise ValueError(f"at most {EVAL_SEQUENCE} evaluation hints")
    valid = torch.ones(1, h, w, dtype=torch.bool) if mask is None else mask[:, 0] > 0.5
    starts = _valid_points(valid[0], EVAL_SEQUENCE, torch.Generator().manual_seed(seed))[:n]
    discs = _discs(starts.float(), disc_radius(h, w), _grid(h, w, rgb.device))
    hint_rgb, hint_mask = _paint(rgb, valid, torch.zeros(n, dtype=torch.long, device=rgb.device), discs)
    return (hint_rgb * 255).round() / 255, hint_mask


NEAR_SCALE = 128.0      # near_close: 1 - the distance to the nearest hint in pixels over this, at least 0


def nearest_fill(values, hint_mask, budget=MASK_BUDGET):
    """At every pixel the values [N,C,H,W] of the nearest hint pixel (Euclidean, in pixels; a hint pixel is
    its own nearest) and its closeness max(0, 1 - that distance / NEAR_SCALE) [N,1,H,W].  A sample without
    hints: all 0, so that no hint is zeros in every plane.

    Exact and separable, for the whole batch at once: first the nearest hint row in every column, then for
    every pixel the nearest of those (budget bounds the pixel-column pairs compared at once).  Between
    equally near hint pixels any may be taken."""
    n, c, h, w = values.shape
    dev = values.device
    m = (hint_mask > 0.5)[:, 0]
    rows = torch.arange(h, device=dev, dtype=torch.int32).view(1, h, 1)
    none_below = 2 * h + w
    above = torch.where(m, rows, -1).cummax(1).values                              # -1: none
    below = torch.where(m, rows, none_below).flip(1).cummin(1).values.flip(1)
    hint_row = torch.where((above >= 0) & (rows - above <= below - rows), above, below)   # [N,H,W]
    dy = hint_row - rows
    d2_col = torch.where(hint_row < h, dy * dy, (h + w) ** 2 + 1)     # no hint in the column: beyond all
    cols = torch.arange(w, device=dev, dtype=torch.int32)
    dx2 = (cols.view(w, 1) - cols.view(1, w)) ** 2                    # [x, x']
    d2 = torch.empty(n, h, w, dtype=torch.int32, device=dev)
    col = torch.empty(n, h, w, dtype=torch.long, device=dev)
    step = max(1, budget // max(1, n * w * w))
    for a in range(0, h, step):
        d2[:, a:a + step], col[:, a:a + step] = (d2_col[:, a:a + step, None, :] + dx2).min(3)
    src = hint_row.long().clamp(max=h - 1).gather(2, col) * w + col    # the nearest hint pixel, flat
    flat = values.reshape(n, c, -1)
    near = flat.gather(2, src.view(n, 1, -1).expand(-1, c, -1)).view(n, c, h, w)
    close = (1.0 - d2.to(values.dtype).sqrt() / NEAR_SCALE).clamp(min=0.0)[:, None]
    none = ~m.flatten(1).any(1)[:, None, None, None]
    return near.masked_fill(none, 0.0), close.masked_fill(none, 0.0)


def encode(hint_rgb, hint_mask, mode):
    """The hint input channels of a `mode` network, those HINT_CHANNELS names, each a plane of the format
    (models/FORMAT.md, *Hint inputs*): BT.601 Y, Cb, Cr of the hint colour at hint pixels (0 elsewhere), the
    mask, and the nearest hint's Y, Cb, Cr with its closeness at every pixel (nearest_fill)."""
    ycc = rgb_to_ycbcr(hint_rgb) * hint_mask
    near, close = nearest_fill(ycc, hint_mask)
    planes = {"y": ycc[:, 0:1], "cb": ycc[:, 1:2], "cr": ycc[:, 2:3], "mask": hint_mask,
              "near_y": near[:, 0:1], "near_cb": near[:, 1:2], "near_cr": near[:, 2:3], "near_close": close}
    return torch.cat([planes[c] for c in HINT_CHANNELS[mode]], 1)


def net_input(net, x, hints=None):
    """The input of colour network `net` for x [N,1,H,W]: x itself for a network without hint inputs, else x
    and the encoded hints (a (hint rgb, hint mask) pair; None: no hint, zero channels)."""
    k = getattr(net, "n_hints", 0)
    if not k:
        return x
    if hints is None:
        hints = (x.new_zeros(x.shape[0], 3, *x.shape[2:]), x.new_zeros(x.shape[0], 1, *x.shape[2:]))
    return torch.cat([x, encode(hints[0], hints[1], net.mode).to(x.dtype)], 1)
