"""Losses for CoColor training.  Images are sRGB in [0,1], NCHW; masks [N,1,H,W] in {0,1}.

- pixel: L1 on sRGB + weighted L1 on (Cb, Cr) -- chroma errors are what the colour nets control --
  and, for F_N, an extra L1 on luma Y (measured: F_N's PSNR is limited by its luminance, not its chroma).
- chroma magnitude: L1 between per-pixel chroma magnitudes |CbCr| (hue-free): a plain regression toward
  the conditional mean shrinks uncertain chroma to grey/sepia; matching the magnitude does not.
- psnr: the crops' mean of 10 log10(MSE), i.e. minus their mean PSNR -- the validation metric averages
  PSNR per picture, which weighs an error in a picture that is nearly right more than the same error in
  one that is far off; L1 over the batch weighs them alike.
- colourfulness: hinge on the image-level Hasler-Suesstrunk colourfulness ratio (pred / target) below 1.
- range: each crop's largest distance of an output value from [0, 1] -- it weighs the one worst pixel, so
  it removes a lone spike that per-pixel terms weigh at 1 / (pixels in the batch).
- gradient: L1 on horizontal/vertical differences of luma (sharp lightness for NIR, where Y is learned).
- consistency: pixel-level L1 between two paths' outputs; feature-level L1 between (instance-normalised)
  bottleneck features of F_N(x_N) and F_G(T_N2G(x_N)).
"""
import torch
import torch.nn.functional as F

from .cocolor_nets import rgb_to_ycbcr


def _wmean(x, m):
    if m is None:
        return x.mean()
    m = m.expand_as(x)
    return (x * m).sum() / m.sum().clamp_min(1.0)


def pixel_loss(pred, gt, mask=None, w_chroma=2.0):
    l = _wmean((pred - gt).abs(), mask)
    if w_chroma:
        pc, gc = rgb_to_ycbcr(pred)[:, 1:], rgb_to_ycbcr(gt)[:, 1:]
        l = l + w_chroma * _wmean((pc - gc).abs(), mask)
    return l


def chroma_magnitude_loss(pred, gt, mask=None):
    pc, gc = rgb_to_ycbcr(pred)[:, 1:], rgb_to_ycbcr(gt)[:, 1:]
    pm = (pc.pow(2).sum(1, keepdim=True) + 1e-6).sqrt()
    gm = (gc.pow(2).sum(1, keepdim=True) + 1e-6).sqrt()
    return _wmean((pm - gm).abs(), mask)


def colourfulness(rgb, mask=None):
    """Hasler & Suesstrunk (2003) colourfulness per image, on 0-255 values: [N]."""
    x = rgb * 255.0
    rg = x[:, 0] - x[:, 1]
    yb = 0.5 * (x[:, 0] + x[:, 1]) - x[:, 2]
    if mask is None:
        m = torch.ones_like(rg)
    else:
        m = mask[:, 0].to(rg.dtype)
    n = m.sum(dim=(1, 2)).clamp_min(1.0)
    mu_rg = (rg * m).sum(dim=(1, 2)) / n
    mu_yb = (yb * m).sum(dim=(1, 2)) / n
    var_rg = (((rg - mu_rg[:, None, None]) ** 2) * m).sum(dim=(1, 2)) / n
    var_yb = (((yb - mu_yb[:, None, None]) ** 2) * m).sum(dim=(1, 2)) / n
    return (var_rg + var_yb + 1e-6).sqrt() + 0.3 * (mu_rg ** 2 + mu_yb ** 2 + 1e-6).sqrt()


def colourfulness_loss(pred, gt, mask=None, target=1.0):
    """Hinge: penalise predictions less colourful than `target` x ground truth (per image).

    On the prediction clamped to [0, 1], as it is shown: unclamped, one far-out pixel raises an image's
    colourfulness as much as real colour does, and networks trained with it learned exactly that (a spike
    at one corner pixel)."""
    cp, cg = colourfulness(pred.clamp(0.0, 1.0), mask), colourfulness(gt, mask)
    return F.relu(target - cp / (cg + 1.0)).mean()


def psnr_loss(pred, gt, mask=None, eps=1e-5):
    """Minus the mean PSNR (dB, peak 1) of the crops, masks respected."""
    m = torch.ones_like(pred[:, :1]) if mask is None else mask.to(pred.dtype)
    se = ((pred - gt) ** 2 * m).sum(dim=(1, 2, 3))
    n = (m.sum(dim=(1, 2, 3)) * pred.shape[1]).clamp_min(1.0)
    return (10.0 * torch.log10(se / n + eps)).mean()


def range_loss(pred, margin=0.0):
    """Mean over crops of the largest distance of a value from [0, 1], less `margin` (a colour just past the
    gamut, as regression gives at saturated or black pixels, is clamped harmlessly; a spike is not)."""
    return F.relu((pred - pred.clamp(0.0, 1.0)).abs().flatten(1).amax(1) - margin).mean()


def gradient_loss(pred, gt, mask=None):
    py = rgb_to_ycbcr(pred)[:, :1] if pred.shape[1] == 3 else pred
    gy = rgb_to_ycbcr(gt)[:, :1] if gt.shape[1] == 3 else gt
    dx = lambda t: t[..., :, 1:] - t[..., :, :-1]
    dy = lambda t: t[..., 1:, :] - t[..., :-1, :]
    mx = None if mask is None else mask[..., :, 1:] * mask[..., :, :-1]
    my = None if mask is None else mask[..., 1:, :] * mask[..., :-1, :]
    return _wmean((dx(py) - dx(gy)).abs(), mx) + _wmean((dy(py) - dy(gy)).abs(), my)


def feature_consistency(fa, fb):
    n = lambda f: F.instance_norm(f.float())
    return (n(fa) - n(fb)).abs().mean()


# The keys a weights dict (config w_gray / w_nir) may hold; colour_loss reads them.
WEIGHT_KEYS = frozenset({"chroma", "luma", "psnr", "range", "range_margin", "mag", "colourful", "colourful_target",
                         "grad"})


def colour_loss(pred, gt, mask, w):
    """The colour networks' supervised loss, weights from a config dict (WEIGHT_KEYS); returns (total, parts)."""
    parts = {"pix": pixel_loss(pred, gt, mask, w.get("chroma", 2.0))}
    if w.get("luma"):
        parts["luma"] = w["luma"] * _wmean((rgb_to_ycbcr(pred)[:, :1] - rgb_to_ycbcr(gt)[:, :1]).abs(), mask)
    if w.get("psnr"):
        parts["psnr"] = w["psnr"] * psnr_loss(pred, gt, mask)
    if w.get("range"):
        parts["range"] = w["range"] * range_loss(pred, w.get("range_margin", 0.0))
    if w.get("mag"):
        parts["mag"] = w["mag"] * chroma_magnitude_loss(pred, gt, mask)
    if w.get("colourful"):
        parts["colf"] = w["colourful"] * colourfulness_loss(pred, gt, mask, w.get("colourful_target", 1.0))
    if w.get("grad"):
        parts["grad"] = w["grad"] * gradient_loss(pred, gt, mask)
    return sum(parts.values()), parts
