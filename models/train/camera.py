"""IR-camera augmentation for F_N: NIR crops turned into what the op feeds the network for a converted
camera's file (fn_camera in config.py).

A converted camera records one NIR signal through its three filter dyes, with its own exposure and tone
curve, as an 8-bit RGB file with a red/orange cast.  The op (ops/cc-nir-signal.c) takes the file's BT.601
luma as the NIR and, for a colour-cast file, a gain that puts its 99.5th percentile at 0.87.  What is left
for the network is the camera's gamma, its exposure's clipping, the 8-bit steps of a dark channel and
noise; this module makes exactly that from a clean NIR crop:

    v = clamp(nir * gains * exposure, 0, 1) ** gamma        (per channel, gains R 0.85-1, G 0.45-0.65,
                                                             B 0.3-0.5: tools/eval-op.py's camera)
    v = round(v * 255 + noise) / 255                        (8 bits; sensor/JPEG noise, sigma 0-1.5 steps)
    signal = luma(v) * 0.87 / quantile(luma(v), 0.995)      (the op's gain for a cast file)

The gain is taken over the crop (the op takes it over the whole picture): a crop's high percentile is
noisier than a picture's, which is a harmless extra exposure augmentation.

The same NIR converted to black and white (fn_gray_file) has no cast: the op takes it as it is unless its
99.5th percentile is below 0.70, which it lifts to 0.70 (ops/cc-nir-signal.c), so what is left for the
network is the file's exposure (within the training pictures' range, or lifted to its edge) and gamma:

    v = round(clamp(nir * 0.9 * exposure, 0, 1) ** gamma * 255 + noise) / 255
    signal = v * max(1, 0.70 / quantile(v, 0.995))
"""
import torch

from .cocolor_nets import LUMA

GAINS = ((0.85, 1.0), (0.45, 0.65), (0.30, 0.50))   # R, G, B: tools/eval-op.py CAMERA_GAINS
EXPOSURE = (0.6, 1.3)
GAMMA = (0.8, 1.25)
NOISE = 1.5             # at most this many 8-bit steps of Gaussian noise
TARGET, PERCENTILE = 0.87, 0.995                    # ops/cc-nir-signal.c
NEUTRAL_FLOOR = 0.70                                # ops/cc-nir-signal.c: a gray file darker is lifted to it
GRAY_GAIN = 0.9                                     # tools/eval-op.py's nir-gray-file


def _uniform(gen, n, lo, hi):
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def _noise(shape, gen, device):
    """Standard normal noise made on `device` from a seed drawn from the CPU generator gen (noise made on
    the host would hold a GPU run up at every step)."""
    g = torch.Generator(device=device).manual_seed(int(torch.randint(0, 2 ** 62, (), generator=gen)))
    return torch.randn(shape, generator=g, device=device)


def camera_file(nir, gen):
    """The 8-bit RGB a converted camera writes for NIR crops nir [N,1,H,W] in [0,1] (on the CPU generator
    gen; the result on nir's device): [N,3,H,W]."""
    n = nir.shape[0]
    gains = torch.stack([_uniform(gen, n, lo, hi) for lo, hi in GAINS], 1)
    exposure = _uniform(gen, n, *EXPOSURE)
    gamma = _uniform(gen, n, *GAMMA)
    sigma = _uniform(gen, n, 0.0, NOISE)
    dev = nir.device
    noise = _noise((n, 3, *nir.shape[2:]), gen, dev)
    v = (nir.float() * (gains * exposure[:, None]).to(dev)[:, :, None, None]).clamp(0, 1)
    v = v ** gamma.to(dev)[:, None, None, None]
    v = (v * 255 + noise * sigma.to(dev)[:, None, None, None]).round().clamp(0, 255) / 255
    return v


def gray_file(nir, gen):
    """The 8-bit gray file someone makes of NIR crops nir [N,1,H,W] in [0,1] with a camera's exposure and
    gamma and no cast (tools/eval-op.py's nir-gray-file, with noise): [N,1,H,W] on nir's device."""
    n = nir.shape[0]
    exposure = _uniform(gen, n, *EXPOSURE)
    gamma = _uniform(gen, n, *GAMMA)
    sigma = _uniform(gen, n, 0.0, NOISE)
    dev = nir.device
    noise = _noise(nir.shape, gen, dev)
    v = (nir.float() * (GRAY_GAIN * exposure).to(dev)[:, None, None, None]).clamp(0, 1)
    v = v ** gamma.to(dev)[:, None, None, None]
    return (v * 255 + noise * sigma.to(dev)[:, None, None, None]).round().clamp(0, 255) / 255


def op_gray_signal(gray):
    """The NIR the op derives from neutral files gray [N,1,H,W]: the file as it is, lifted to a 99.5th
    percentile of 0.70 when darker (ops/cc-nir-signal.c; the gain at most 8)."""
    high = torch.quantile(gray.flatten(1), PERCENTILE, dim=1)
    gain = (NEUTRAL_FLOOR / high.clamp_min(1e-6)).clamp(1, 8)
    return gray * gain[:, None, None, None]


def op_signal(rgb):
    """The NIR the op derives from colour-cast camera files rgb [N,3,H,W]: luma times the gain that puts its
    99.5th percentile at 0.87 (ops/cc-nir-signal.c for a cast picture; the gain within [1/8, 8])."""
    luma = sum(w * rgb[:, i:i + 1] for i, w in enumerate(LUMA))
    high = torch.quantile(luma.flatten(1), PERCENTILE, dim=1)
    gain = (TARGET / high.clamp_min(1e-6)).clamp(1 / 8, 8)
    return luma * gain[:, None, None, None]


def augment(nir, p, gen, p_gray=0.0):
    """nir [N,1,H,W] with each crop, with probability p, replaced by what the op makes of a camera's file of
    it (camera_file, op_signal), or with probability p_gray by what it makes of a gray file of it
    (gray_file, op_gray_signal); the others as they were."""
    if p <= 0 and p_gray <= 0:
        return nir
    u = torch.rand(nir.shape[0], generator=gen)
    out = nir.clone()
    for pick, make in ((u < p, lambda x: op_signal(camera_file(x, gen))),
                       ((u >= p) & (u < p + p_gray), lambda x: op_gray_signal(gray_file(x, gen)))):
        if pick.any():
            idx = pick.nonzero()[:, 0].to(nir.device)
            out[idx] = make(nir[idx]).to(nir.dtype)
    return out
