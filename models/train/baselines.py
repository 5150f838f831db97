"""Colour hints without learning: the two baselines of the model card's hint table.  Both keep the input's
luminance (NIR mode: the NIR picture as luma) and spread only the hints' chroma (BT.601 Cb, Cr).

- nearest_fill: every pixel takes the chroma of its nearest hint pixel.
- levin: Levin, Lischinski and Weiss 2004, "Colorization using Optimization": each pixel's chroma is the
  weighted mean of its 8 neighbours', weights exp(-(Y_r - Y_s)^2 / sigma_r) normalised per pixel, sigma_r
  from the luminance variance of its 3x3 window (as the authors' code sets it), hint pixels fixed.  The
  sparse system (I - W) U = 0 on the free pixels is solved exactly (scipy's sparse LU, both chroma planes
  at once: about 2 s for 256 x 256, 6 s for 512 x 384 on one core; an iterative solve needed thousands of
  iterations to come within 0.2 dB of it).
"""
import math

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import torch
import torch.nn.functional as F

from .cocolor_nets import YCC_TO_RGB, rgb_to_ycbcr

OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx]


def ycc_to_rgb(y, cbcr):
    """sRGB [N,3,H,W] from luma [N,1,H,W] and chroma [N,2,H,W] (BT.601, as cocolor_nets)."""
    m = torch.tensor(YCC_TO_RGB, dtype=y.dtype, device=y.device)
    ycc = torch.cat([y, cbcr], 1)
    return torch.einsum("ij,njhw->nihw", m, ycc)


def nearest_fill(y, hint_rgb, hint_mask, chunk=65536):
    """y [1,1,H,W] luminance kept; each pixel the chroma of its nearest hint pixel (no hint: no colour)."""
    _, _, h, w = y.shape
    cbcr = torch.zeros(1, 2, h, w, dtype=y.dtype, device=y.device)
    pts = hint_mask[0, 0].nonzero().to(y.dtype)
    if pts.numel():
        chroma = rgb_to_ycbcr(hint_rgb)[0, 1:, hint_mask[0, 0] > 0.5].T           # [K,2]
        yy, xx = torch.meshgrid(torch.arange(h, device=y.device), torch.arange(w, device=y.device),
                                indexing="ij")
        q = torch.stack([yy.flatten(), xx.flatten()], 1).to(y.dtype)
        flat = cbcr.view(2, -1)
        for s in range(0, q.shape[0], chunk):
            near = torch.cdist(q[s:s + chunk], pts).argmin(1)
            flat[:, s:s + chunk] = chroma[near].T
    return ycc_to_rgb(y, cbcr)


def _shift(x, dy, dx):
    """x at (i + dy, j + dx), 0 outside the picture."""
    h, w = x.shape[-2:]
    return F.pad(x, (1, 1, 1, 1))[..., 1 + dy:1 + dy + h, 1 + dx:1 + dx + w]


def levin_weights(y):
    """[8,H,W] weights of each pixel's neighbours (OFFSETS order), rows summing to 1 (0 outside)."""
    y = y[0, 0].double()
    inside = torch.ones_like(y)
    nb = torch.stack([_shift(y, dy, dx) for dy, dx in OFFSETS])
    ok = torch.stack([_shift(inside, dy, dx) for dy, dx in OFFSETS])
    n = ok.sum(0) + 1
    mean = ((nb * ok).sum(0) + y) / n
    var = (((nb - mean) ** 2 * ok).sum(0) + (y - mean) ** 2) / n
    d2 = (nb - y) ** 2
    mgv = torch.where(ok > 0, d2, torch.full_like(d2, math.inf)).amin(0)
    csig = torch.maximum(0.6 * var, -mgv / math.log(0.01)).clamp_min(2e-6)
    wts = torch.exp(-d2 / csig) * ok
    return wts / wts.sum(0).clamp_min(1e-300)


def levin(y, hint_rgb, hint_mask):
    """y [1,1,H,W] luminance kept; the hints' chroma spread by Levin et al.'s optimisation (no hint: none)."""
    fixed = (hint_mask[0, 0] > 0.5).cpu().numpy().ravel()
    if not fixed.any():
        return y.expand(-1, 3, -1, -1).clone()
    h, w = y.shape[-2:]
    wts = levin_weights(y.cpu()).numpy().reshape(8, -1)
    known = rgb_to_ycbcr(hint_rgb.double().cpu())[0, 1:].numpy().reshape(2, -1) * fixed
    free = np.flatnonzero(~fixed)
    col = -np.ones(h * w, dtype=np.int64)
    col[free] = np.arange(free.size)                    # unknown index of each free pixel
    ii, jj = np.divmod(free, w)
    rows, cols, vals = [np.arange(free.size)], [np.arange(free.size)], [np.ones(free.size)]
    b = np.zeros((free.size, 2))
    for k, (dy, dx) in enumerate(OFFSETS):
        si, sj = ii + dy, jj + dx
        ok = (si >= 0) & (si < h) & (sj >= 0) & (sj < w)
        r, s = np.flatnonzero(ok), si[ok] * w + sj[ok]
        wk = wts[k, free[r]]
        f = col[s] >= 0
        rows.append(r[f]), cols.append(col[s[f]]), vals.append(-wk[f])
        b[r[~f]] += wk[~f, None] * known[:, s[~f]].T       # a fixed neighbour: its hint chroma
    a = scipy.sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                shape=(free.size, free.size))
    x = scipy.sparse.linalg.spsolve(a, b, permc_spec="MMD_AT_PLUS_A").reshape(free.size, 2)
    out = known.copy()
    out[:, free] = x.T
    cbcr = torch.from_numpy(out.reshape(1, 2, h, w)).to(y.dtype).to(y.device)
    return ycc_to_rgb(y, cbcr)
