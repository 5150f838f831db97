"""Colour hints: simulated hints for training, the seeded discs of the evaluation protocol, and their
encoding as the colour networks' extra input channels.

A batch of hints is two tensors at the network's resolution: `rgb` [N,3,H,W], the colour wanted at each hint
pixel (sRGB in [0,1], 0 elsewhere), and `mask` [N,1,H,W], 1 at hint pixels, 0 elsewhere (what the op makes of
a hint picture: alpha >= 0.5).  Every hint is one colour over one shape, the truth's mean colour over it:

- simulate (training): per sample a count, 0 with probability hint_p0, else 1 + a geometric number, so that
  the mean count is hint_mean; each hint a disc of radius max(2, long side / 200) px at a random valid pixel,
  or with probability hint_stroke a stroke (a thick polyline of a few segments) and with hint_region a
  larger region (an ellipse of 5-25 % of the long side), both kept to the pixels whose colour is within
  hint_similar (YCbCr distance) of their seed's, as a user paints one colour on one thing.
- eval_hints (the protocol of the model card): n discs of that radius at seeded random valid pixels, the
  first n of one seeded sequence (so the 5 hints are among the 10), colours rounded to 8 bits as a hint
  picture holds them.

encode() turns hints into the input channels cocolor_nets.HINT_CHANNELS names: gray mode Cb, Cr, mask
(only chroma is used), NIR mode Y, Cb, Cr, mask (BT.601, as the networks' output), then the nearest hint's
colour and its closeness at every pixel (a dense start the network refines: sparse dots alone were not
learnt beyond a local tint in CPU-sized fine-tunes); net_input() puts them beside x, none given = no hint.
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


def _disc_offsets(r):
    """(dy, dx) [P,2] of the pixels within r of a disc's centre pixel."""
    k = int(math.ceil(r))
    d = torch.arange(-k, k + 1)
    dy, dx = torch.meshgrid(d, d, indexing="ij")
    keep = dy ** 2 + dx ** 2 <= r * r + 1e-6
    return torch.stack([dy[keep], dx[keep]], 1)


def _disc_pixels(centres, r, h, w):
    """Flat pixel indices of discs of radius r around centres [K,2] (y, x): [K,P] and [K,P] in-picture."""
    off = _disc_offsets(r)
    yy, xx = centres[:, None, 0] + off[None, :, 0], centres[:, None, 1] + off[None, :, 1]
    inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
    return yy.clamp(0, h - 1) * w + xx.clamp(0, w - 1), inside


def _box(y0, y1, x0, x1, h, w):
    """A local grid: (pixel ys, xs, flat indices) of rows y0..y1 and columns x0..x1 clipped to the picture."""
    y0, y1, x0, x1 = max(0, int(y0)), min(h - 1, int(math.ceil(y1))), max(0, int(x0)), min(w - 1, int(math.ceil(x1)))
    ys = torch.arange(y0, y1 + 1, dtype=torch.float32)[:, None].expand(-1, x1 - x0 + 1)
    xs = torch.arange(x0, x1 + 1, dtype=torch.float32)[None, :].expand(y1 - y0 + 1, -1)
    return ys, xs, (ys.long() * w + xs.long())


def _segment_dist2(yy, xx, p, q):
    """Squared distance of every pixel to the segment p-q."""
    d = q - p
    t = ((yy - p[0]) * d[0] + (xx - p[1]) * d[1]) / max(float(d @ d), 1e-6)
    t = t.clamp(0, 1)
    return (yy - p[0] - t * d[0]) ** 2 + (xx - p[1] - t * d[1]) ** 2


def hint_count(gen, p0, mean):
    """0 with probability p0, else 1 + a geometric number with the mean that makes the count's mean `mean`."""
    if torch.rand((), generator=gen).item() < p0:
        return 0
    p = min(1.0, (1.0 - p0) / max(mean, 1e-6))   # P(stop): the mean of 1 + Geom(p) is 1 / p
    if p >= 1.0:
        return 1
    u = torch.rand((), generator=gen).item()
    return min(HINT_MAX, 1 + int(math.log(max(u, 1e-12)) / math.log(1.0 - p)))


def _stroke(gen, h, w, start, r):
    """A stroke from `start`: 2-4 segments of 4-12 radii at smoothly turning angles, as thick as a disc:
    (flat pixel indices, None) of its box and the mask of the stroke in it."""
    pts = [start.float()]
    ang = torch.rand((), generator=gen).item() * 2 * math.pi
    for _ in range(2 + int(torch.randint(0, 3, (), generator=gen))):
        length = r * (4 + 8 * torch.rand((), generator=gen).item())
        ang += (torch.rand((), generator=gen).item() - 0.5) * math.pi / 2
        q = pts[-1] + length * torch.tensor([math.sin(ang), math.cos(ang)])
        pts.append(torch.stack([q[0].clamp(0, h - 1), q[1].clamp(0, w - 1)]))
    p = torch.stack(pts)
    ys, xs, flat = _box(p[:, 0].min() - r, p[:, 0].max() + r, p[:, 1].min() - r, p[:, 1].max() + r, h, w)
    d2 = torch.stack([_segment_dist2(ys, xs, p[i], p[i + 1]) for i in range(len(pts) - 1)]).amin(0)
    return flat, d2 <= r * r + 1e-6


def _region(gen, h, w, start, r):
    """A filled area around `start`: an ellipse of 5-25 % of the long side, as _stroke."""
    ry, rx = (max(r, max(h, w) * (0.05 + 0.2 * torch.rand((), generator=gen).item())) for _ in range(2))
    cy, cx = start.float()
    ys, xs, flat = _box(cy - ry, cy + ry, cx - rx, cx + rx, h, w)
    return flat, ((ys - cy) / ry) ** 2 + ((xs - cx) / rx) ** 2 <= 1.0


def _valid_points(valid, n, gen):
    """n random (y, x) among the valid pixels [H,W] (anywhere when none is valid)."""
    h, w = valid.shape
    idx = valid.flatten().nonzero()[:, 0]
    if idx.numel() == 0:
        idx = torch.arange(h * w)
    pick = idx[torch.randint(0, idx.numel(), (n,), generator=gen)]
    return torch.stack([pick // w, pick % w], 1)


def _paint(rgb, valid, shapes):
    """Hint rgb and mask [N,3|1,H,W] from shapes [(sample, flat pixel indices)] in painting order: each
    shape the mean colour of rgb over its valid pixels; a later shape covers an earlier."""
    n, _, h, w = rgb.shape
    out_rgb, out_mask = torch.zeros_like(rgb), torch.zeros_like(rgb[:, :1])
    if not shapes:
        return out_rgb, out_mask
    owner = torch.cat([torch.full_like(px, t) for t, (_, px) in enumerate(shapes)])
    pix = torch.cat([i * h * w + px for i, px in shapes])              # into [N,H,W]
    flat_rgb = rgb.permute(1, 0, 2, 3).reshape(3, -1)
    wv = valid.reshape(-1)[pix].to(rgb.dtype)
    k = len(shapes)
    sums = torch.zeros(k, 3, dtype=rgb.dtype).index_add_(0, owner, (flat_rgb[:, pix] * wv).T)
    cnt = torch.zeros(k, dtype=rgb.dtype).index_add_(0, owner, wv)
    colours = sums / cnt.clamp_min(1.0)[:, None]
    last = torch.zeros(n * h * w, dtype=torch.long).scatter_reduce_(0, pix, owner + 1, "amax")
    hit = last > 0
    out = torch.zeros(3, n * h * w, dtype=rgb.dtype)
    out[:, hit] = colours[last[hit] - 1].T
    out_rgb = out.view(3, n, h, w).permute(1, 0, 2, 3).contiguous()
    out_mask = hit.view(n, 1, h, w).to(rgb.dtype)
    return out_rgb, out_mask


def simulate(rgb, mask=None, cfg=None, gen=None):
    """Training hints for a batch: rgb [N,3,H,W] the truth in [0,1], mask [N,1,H,W] its valid pixels (or
    None), cfg the hint_* keys (DEFAULTS for those missing), gen a torch.Generator.  On the CPU; returns
    (hint rgb [N,3,H,W], hint mask [N,1,H,W])."""
    c = dict(DEFAULTS, **{k: v for k, v in (cfg or {}).items() if k in DEFAULTS})
    gen = gen or torch.Generator().manual_seed(0)
    n, _, h, w = rgb.shape
    r = disc_radius(h, w)
    valid = torch.ones(n, h, w, dtype=torch.bool) if mask is None else mask[:, 0] > 0.5
    shapes = []
    for i in range(n):
        k = hint_count(gen, c["hint_p0"], c["hint_mean"])
        if k == 0:
            continue
        starts = _valid_points(valid[i], k, gen)
        kinds = torch.rand(k, generator=gen).tolist()
        discs, inside = _disc_pixels(starts, r, h, w)
        for j in range(k):
            disc = discs[j][inside[j]]
            if kinds[j] < c["hint_stroke"] + c["hint_region"]:
                # strokes and regions keep to the pixels near their seed's colour, as a user paints one
                # colour on one thing; one that keeps less than a disc stays a disc
                ycc = rgb_to_ycbcr(rgb[i:i + 1]).reshape(3, -1)
                make = _stroke if kinds[j] < c["hint_stroke"] else _region
                px, inside_shape = make(gen, h, w, starts[j], r)
                ok_seed = valid[i].reshape(-1)[disc]
                seed = ycc[:, disc[ok_seed]].mean(1) if ok_seed.any() else ycc[:, disc].mean(1)
                near = (ycc[:, px] - seed[:, None, None]).pow(2).sum(0).sqrt() <= c["hint_similar"]
                keep = px[inside_shape & near & valid[i].reshape(-1)[px]]
                if keep.numel() >= disc.numel():
                    disc = keep
            shapes.append((i, disc))
    return _paint(rgb, valid, shapes)


def eval_hints(rgb, n, seed, mask=None):
    """The evaluation protocol's hints for one picture rgb [1,3,H,W]: the first n of EVAL_SEQUENCE discs of
    radius disc_radius at valid pixels drawn with `seed`, each filled with the truth's mean colour over the
    disc (valid pixels), rounded to 8 bits.  Returns (hint rgb, hint mask) like simulate."""
    _, _, h, w = rgb.shape
    if n > EVAL_SEQUENCE:
        raise ValueError(f"at most {EVAL_SEQUENCE} evaluation hints")
    valid = torch.ones(1, h, w, dtype=torch.bool) if mask is None else mask[:, 0] > 0.5
    starts = _valid_points(valid[0], EVAL_SEQUENCE, torch.Generator().manual_seed(seed))[:n]
    discs, inside = _disc_pixels(starts, disc_radius(h, w), h, w)
    hint_rgb, hint_mask = _paint(rgb, valid, [(0, discs[j][inside[j]]) for j in range(n)])
    return (hint_rgb * 255).round() / 255, hint_mask


NEAR_SCALE = 128.0      # near_close: 1 - the distance to the nearest hint in pixels over this, at least 0


def nearest_fill(values, hint_mask, chunk=4096):
    """At every pixel the values [N,C,H,W] of the nearest hint pixel (Euclidean, in pixels; a hint pixel is
    its own nearest; ties: the first in raster order) and its closeness max(0, 1 - that distance / NEAR_SCALE)
    [N,1,H,W].  A sample without hints: all 0, so that no hint is zeros in every plane.  Only hint pixels with a non-hint 8-neighbour can be nearest
    to a pixel outside the hints, so only those are searched."""
    n, c, h, w = values.shape
    m = hint_mask > 0.5
    inner = -torch.nn.functional.max_pool2d(-(m.to(values.dtype)), 3, 1, 1) > 0.5   # all 8 neighbours hint
    edge = m & ~inner
    near = values.new_zeros(n, c, h, w)
    close = values.new_zeros(n, 1, h, w)
    ys, xs = torch.meshgrid(torch.arange(h, device=values.device), torch.arange(w, device=values.device),
                            indexing="ij")
    grid = torch.stack([ys.flatten(), xs.flatten()], 1).to(values.dtype)
    for i in range(n):
        src = edge[i, 0].flatten().nonzero()[:, 0]
        if src.numel() == 0:
            continue
        pts = grid[src]
        best_d = values.new_empty(h * w)
        best_i = torch.empty(h * w, dtype=torch.long, device=values.device)
        for a in range(0, h * w, chunk):
            d2 = torch.cdist(grid[a:a + chunk], pts, compute_mode="donot_use_mm_for_euclid_dist")
            best_d[a:a + chunk], best_i[a:a + chunk] = d2.min(1)
        flat = values[i].reshape(c, -1)
        fill = flat[:, src[best_i]]
        own = m[i, 0].flatten()
        fill[:, own] = flat[:, own]
        best_d[own] = 0
        near[i] = fill.view(c, h, w)
        close[i, 0] = (1.0 - best_d / NEAR_SCALE).clamp(min=0.0).view(h, w)
    return near, close


def encode(hint_rgb, hint_mask, mode):
    """The hint input channels of a `mode` network (HINT_CHANNELS): BT.601 Y, Cb, Cr of the hint colour at
    hint pixels, 0 elsewhere, the mask, and the nearest hint's Y, Cb, Cr with its closeness at every
    pixel (nearest_fill; models/FORMAT.md, *Hint inputs*)."""
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
