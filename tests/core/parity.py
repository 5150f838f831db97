#!/usr/bin/env python3
"""Parity of the C inference core with PyTorch.

In a temporary folder: builds small PyTorch models, one per layer type, and
the reference U-Net (models/train/test_unet.py) in several configurations;
exports each through models/train/export.py as fp32 and fp16; runs PyTorch
and tests/core/run-model on the same random input; the largest absolute
difference must stay within 1e-4 (all outputs lie in [0, 1]).  fp16 files
are compared with PyTorch run in fp32 on the fp16-rounded weights of the
BatchNorm-folded network, which is exactly what the file holds.

    parity.py RUN_MODEL TRAIN_DIR
"""
import os
import subprocess
import sys
import tempfile

RUN_MODEL, TRAIN_DIR = sys.argv[1], sys.argv[2]
sys.path.insert(0, TRAIN_DIR)
try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.fx.experimental.optimization import fuse

    import cocolor_nets
    import export
    import test_unet
except ImportError as e:  # no PyTorch here: skip, as meson understands it
    print(f"skipped: {e}")
    sys.exit(77)

TOLERANCE = 1e-4
torch.manual_seed(0)
torch.set_num_threads(1)


def conv(cin, cout, k=3, stride=1, bias=True):
    return nn.Conv2d(cin, cout, k, stride, k // 2, bias=bias)


class ConvAct(nn.Module):
    """conv (+ BN) + activation: the exporter folds and fuses them."""

    def __init__(self, k, stride, act, bn=False, cin=3, cout=5):
        super().__init__()
        self.conv = conv(cin, cout, k, stride, bias=not bn)
        self.bn = nn.BatchNorm2d(cout) if bn else nn.Identity()
        self.act = act

    def forward(self, x):
        y = self.act(self.bn(self.conv(x)))
        if self.conv.stride[0] == 2:  # model outputs keep the input's size
            y = F.interpolate(y, scale_factor=2, mode="nearest")
        return torch.sigmoid(y)


class Standalone(nn.Module):
    """An activation after an add, where nothing can fuse it."""

    def __init__(self, act):
        super().__init__()
        self.a, self.b, self.act = conv(3, 4), conv(3, 4, 1), act

    def forward(self, x):
        return torch.sigmoid(self.act(self.a(x) + self.b(x)) * 0.5)


class Mul(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = conv(3, 4), conv(3, 4)

    def forward(self, x):
        return torch.sigmoid(self.a(x) * self.b(x))


class Attention(nn.Module):
    """Global average pool, 1x1 convs, broadcast multiply."""

    def __init__(self):
        super().__init__()
        self.c = conv(3, 8)
        self.att = test_unet.ChannelAttention(8)

    def forward(self, x):
        return torch.sigmoid(self.att(self.c(x)))


class Concat(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = conv(3, 4), conv(3, 2, 1), conv(9, 3)

    def forward(self, x):
        return torch.sigmoid(self.c(torch.cat([self.a(x), x, self.b(x)], 1)))


class Resample(nn.Module):
    def __init__(self, how):
        super().__init__()
        self.how = how
        self.c = conv(3, 4)
        self.down = conv(4, 4, 3, 2)

    def forward(self, x):
        y = self.c(x)
        if self.how == "avgpool":
            y = F.interpolate(F.avg_pool2d(y, 2), scale_factor=2, mode="bilinear")
        elif self.how == "global":
            y = F.adaptive_avg_pool2d(y, 1) * y
        else:  # up, then a stride-2 conv back to the input's size
            y = F.interpolate(y, scale_factor=2, mode=self.how,
                              **({"align_corners": False} if self.how == "bilinear" else {}))
            y = self.down(y)
        return torch.sigmoid(y)


def layer_models():
    acts = {"relu": nn.ReLU(), "leaky": nn.LeakyReLU(0.2), "silu": nn.SiLU(),
            "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "none": nn.Identity()}
    for k in (1, 3):
        for stride in (1, 2):
            for name, act in acts.items():
                yield f"conv{k}x{k}-s{stride}-{name}", ConvAct(k, stride, act), 3
    yield "conv3x3-bn-relu", ConvAct(3, 1, nn.ReLU(), bn=True), 3
    yield "conv3x3-s2-bn-leaky", ConvAct(3, 2, nn.LeakyReLU(0.1), bn=True, cin=1, cout=16), 1
    # Enough input channels for the CPU backend's Winograd path (>= 16),
    # counts that are not multiples of the vector width.
    yield "conv3x3-wide-bn-relu", ConvAct(3, 1, nn.ReLU(), bn=True, cin=24, cout=20), 24
    yield "conv3x3-wide-silu", ConvAct(3, 1, nn.SiLU(), cin=60, cout=9), 60
    for name, act in acts.items():
        if name != "none":
            yield f"standalone-{name}", Standalone(act), 3
    yield "add-mul", Mul(), 3
    yield "attention", Attention(), 3
    yield "concat", Concat(), 3
    for how in ("nearest", "bilinear", "avgpool", "global"):
        yield f"resample-{how}", Resample(how), 3


def unet_models():
    yield "unet-tiny", test_unet.random_model(1, base=4, levels=3), 1
    yield "unet-avgpool-nearest", test_unet.random_model(
        2, base=8, levels=3, down="avgpool", up="nearest", blocks=1), 1
    yield "unet-reference", test_unet.random_model(3), 1
    # F_N with its luma gain head (x * g joins the fixed YCbCr -> sRGB convolution); a sigmoid keeps the
    # random network's output in [0, 1] as the check wants
    fn = cocolor_nets.Colorizer("nir", (4, 8, 8, 12, 16), gain=True)
    yield "cocolor-fn-gain", test_unet.randomize_(nn.Sequential(fn, nn.Sigmoid()), 4).eval(), 1


def randomize(module, seed):
    test_unet.randomize_(module, seed)
    return module.eval()


def fp16_rounded(module):
    """BatchNorm folded into the convs, then every weight rounded to fp16:
    what an fp16 file holds, evaluated in fp32."""
    folded = fuse(module)
    with torch.no_grad():
        for p in folded.parameters():
            p.copy_(p.half().float())
    return folded.eval()


def run_core(path, x, tmp, threads):
    c, h, w = x.shape[1:]
    src, dst = os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")
    x.numpy().astype(np.float32).tofile(src)
    run = subprocess.run([RUN_MODEL, path, src, str(c), str(h), str(w), dst, str(threads)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr.strip())
        return None
    shape = run.stdout.split()
    return np.fromfile(dst, dtype=np.float32).reshape([int(s) for s in shape])


def check(name, module, cin, tmp, sizes):
    failures = []
    for dtype in ("fp32", "fp16"):
        model = module if dtype == "fp32" else fp16_rounded(module)
        path = os.path.join(tmp, f"{name}-{dtype}.safetensors")
        with torch.no_grad():
            probe = model(torch.zeros(1, cin, sizes[0][0], sizes[0][1]))
        contract = export.make_contract("gray", input_channels=cin,
                                        output_channels=probe.shape[1])
        export.export_model(model, path, contract, dtype=dtype, example_size=sizes[0][0])
        for i, (h, w) in enumerate(sizes):
            x = torch.rand(1, cin, h, w, generator=torch.Generator().manual_seed(i))
            with torch.no_grad():
                want = model(x)[0].numpy()
            got = run_core(path, x, tmp, threads=1 + i % 2)
            if got is None or got.shape != want.shape:
                err, ok = float("inf"), False
            else:
                err = float(np.abs(got - want).max())
                ok = err <= TOLERANCE and 0.0 <= got.min() and got.max() <= 1.0
            print(f"{'ok' if ok else 'FAIL':4} {name:26} {dtype} {h}x{w}: max abs error {err:.2e}")
            if not ok:
                failures.append(f"{name} {dtype} {h}x{w}")
    return failures


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed, (name, module, cin) in enumerate(layer_models()):
            # Odd sizes, one row and one column for the wide convolutions.
            sizes = [(16, 16), (12, 20)] + ([(17, 9), (1, 37), (35, 1)] if "wide" in name else [])
            failures += check(name, randomize(module, seed), cin, tmp, sizes)
        for name, module, cin in unet_models():
            failures += check(name, module, cin, tmp, [(64, 64), (32, 48)])
    if failures:
        print(f"{len(failures)} failures: " + ", ".join(failures))
        return 1
    print("all outputs within", TOLERANCE)
    return 0


if __name__ == "__main__":
    sys.exit(main())
