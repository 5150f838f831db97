"""A test U-Net of the C core's layers, with random weights: not a trained network.

The C core's parity and loader tests (tests/core), the benchmark, and the
op's and plug-in's test models (`export.py --random`, tests/op/meson.build)
use it, so that they need no training.  Built only from layers the C
inference core runs (ops/cc-model.h), so models/train/export.py can write it
to a model file unchanged:
conv3x3 + BatchNorm + ReLU blocks (BatchNorm folded, ReLU fused at export),
stride-2 convolutions or 2x2 average pools down, x2 bilinear or nearest
upsampling + channel concatenation of the skip up, optional channel attention
(global average pool -> 1x1 conv -> ReLU -> 1x1 conv -> sigmoid -> multiply),
and a 1x1 convolution + sigmoid head.

The defaults (1 -> 3 channels, base width 32, four levels) give about 2 M
parameters.  The shipped networks are models/train/cocolor_nets.py.

    net = ColorUNet()                     # the default reference network
    net = random_model(seed=1, base=4, levels=3)   # small, for tests
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

DOWN_MODES = ("conv", "avgpool")
UP_MODES = ("bilinear", "nearest")


class ConvBlock(nn.Sequential):
    """conv (k x k, 'same' padding or exact halving at stride 2) + BatchNorm + ReLU."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, stride: int = 1):
        super().__init__(
            nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
        )


class ChannelAttention(nn.Module):
    """x * sigmoid(W2 relu(W1 avgpool(x))): re-weights channels by global context."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        hidden = max(4, channels // reduction)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(hidden, channels, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        return x * self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))


class Down(nn.Module):
    """Halves the sides: a stride-2 ConvBlock, or a 2x2 average pool then a ConvBlock."""

    def __init__(self, cin: int, cout: int, mode: str):
        super().__init__()
        if mode not in DOWN_MODES:
            raise ValueError(f"down must be one of {DOWN_MODES}, not {mode!r}")
        self.pool = nn.AvgPool2d(2) if mode == "avgpool" else nn.Identity()
        self.conv = ConvBlock(cin, cout, stride=2 if mode == "conv" else 1)

    def forward(self, x):
        return self.conv(self.pool(x))


class ColorUNet(nn.Module):
    """U-Net colorizer: [N, in_channels, H, W] in [0, 1] -> [N, out_channels, H, W] in (0, 1).

    H and W must divide by 2 ** (levels - 1).

    in_channels, out_channels: 1 (NIR or gray) -> 3 (sRGB) by default.
    base: width of the full-resolution level; level l has base * 2 ** l channels.
    levels: number of resolutions (1, 1/2, ... 1/2 ** (levels - 1)).
    blocks: ConvBlocks per level (>= 1) in the encoder and after each skip concat.
    down: "conv" (stride-2 convolution) or "avgpool" (2x2 average pool + convolution).
    up: "bilinear" (align_corners=False) or "nearest" x2 upsampling.
    attention: channel attention after the bottleneck and each decoder level.
    """

    def __init__(self, in_channels: int = 1, out_channels: int = 3, base: int = 32,
                 levels: int = 4, blocks: int = 2, down: str = "conv", up: str = "bilinear",
                 attention: bool = True, reduction: int = 4):
        super().__init__()
        if levels < 1 or blocks < 1 or base < 1:
            raise ValueError("levels, blocks and base must be >= 1")
        if up not in UP_MODES:
            raise ValueError(f"up must be one of {UP_MODES}, not {up!r}")
        self.config = dict(in_channels=in_channels, out_channels=out_channels, base=base,
                           levels=levels, blocks=blocks, down=down, up=up,
                           attention=attention, reduction=reduction)
        self.up_mode = up
        widths = [base * 2 ** i for i in range(levels)]

        self.encoder = nn.ModuleList()
        for i, w in enumerate(widths):
            first = ConvBlock(in_channels, w) if i == 0 else Down(widths[i - 1], w, down)
            self.encoder.append(nn.Sequential(first, *[ConvBlock(w, w) for _ in range(blocks - 1)]))

        def attend(w):
            return ChannelAttention(w, reduction) if attention else nn.Identity()

        self.bottleneck_attention = attend(widths[-1])
        self.decoder = nn.ModuleList()
        for i in reversed(range(levels - 1)):
            w = widths[i]
            self.decoder.append(nn.Sequential(
                ConvBlock(widths[i + 1] + w, w),
                *[ConvBlock(w, w) for _ in range(blocks - 1)],
                attend(w),
            ))
        self.head = nn.Conv2d(widths[0], out_channels, 1)

    def upsample(self, x):
        if self.up_mode == "bilinear":
            return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        return F.interpolate(x, scale_factor=2, mode="nearest")

    @property
    def downsamples(self) -> int:
        """Input sides must divide by this."""
        return 2 ** (self.config["levels"] - 1)

    def forward(self, x):
        skips = []
        for stage in self.encoder:
            x = stage(x)
            skips.append(x)
        x = self.bottleneck_attention(skips.pop())
        for stage in self.decoder:
            x = stage(torch.cat([self.upsample(x), skips.pop()], 1))
        return torch.sigmoid(self.head(x))


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def randomize_(module: nn.Module, seed: int = 0, scale: float = 1.0) -> nn.Module:
    """Gives every parameter and BatchNorm statistic random values (in place).

    Non-trivial running means/variances and affine terms make BatchNorm folding
    visible in parity tests; convolutions keep a variance-preserving scale so
    activations stay in a useful range through deep networks."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.in_channels * m.kernel_size[0] * m.kernel_size[1]
                std = scale * (2.0 / fan_in) ** 0.5
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * std)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.1)
            elif isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) * 0.5 + 0.75)
                if m.affine:
                    m.weight.copy_(torch.rand(c, generator=g) * 0.5 + 0.75)
                    m.bias.copy_(torch.randn(c, generator=g) * 0.1)
    return module


def random_model(seed: int = 0, **config) -> ColorUNet:
    """A ColorUNet with random weights and BatchNorm statistics, in eval mode.

    Small configurations (base=4, levels=3) make fast test models."""
    return randomize_(ColorUNet(**config), seed).eval()


if __name__ == "__main__":
    net = ColorUNet()
    print(f"ColorUNet default: {count_parameters(net) / 1e6:.3f} M parameters, "
          f"input sides divisible by {net.downsamples}")
