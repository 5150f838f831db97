"""CoColor networks: F_G (gray->RGB), F_N (NIR->RGB), T_N2G (NIR->gray), T_G2N (gray->NIR).

Built only from modules the C core runs (ops/cc-model.h): Conv2d (k1/k3, stride 1/2) + BatchNorm2d
(folded by the exporter) + ReLU/sigmoid (fused), add, mul with [C,1,1] broadcast (squeeze-excite),
torch.cat, F.interpolate(scale_factor=2, bilinear), adaptive_avg_pool2d(1).

Design for a CPU budget:
- The colour networks do not re-synthesise the picture.  A small U-Net predicts three channels
  (dY, Cb, Cr) and a fixed, non-trainable 1x1 convolution turns [x, dY, Cb, Cr] into sRGB:
      Y = x + dY   (F_G: dY is ignored, Y = x exactly: the output's BT.601 luma *is* the input)
      R = Y + 1.402 Cr,  G = Y - 0.344136 Cb - 0.714136 Cr,  B = Y + 1.772 Cb
  So lightness and fine detail come from the input, the net only learns chroma (and, for NIR, a
  luminance correction), and the YCbCr->sRGB conversion is exact and linear (expressible as a conv).
  Output is sRGB in nominal [0,1], unclamped (consumers clamp when quantising).
- Widths are small at full resolution (16 ch) and grow with depth; a global-context squeeze-excite at
  1/16 gives scene-level colour priors (sky vs foliage vs building).
- F_N and F_G have identical shapes, so F_N starts from F_G's weights (the "task domain prior").
- Colour hints (hints=True): hint channels beside x in the input (HINT_CHANNELS); `widen` turns a network
  without them into one with zero weights for them, which computes the same when no hint is given.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

# BT.601 (JPEG/full-range) YCbCr, on gamma-encoded sRGB in [0,1]; Cb, Cr centred on 0.
LUMA = (0.299, 0.587, 0.114)
YCC_TO_RGB = ((1.0, 0.0, 1.402), (1.0, -0.344136, -0.714136), (1.0, 1.772, 0.0))


def rgb_to_ycbcr(rgb):
    r, g, b = rgb[:, 0:1], rgb[:, 1:2], rgb[:, 2:3]
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = (b - y) / 1.772
    cr = (r - y) / 1.402
    return torch.cat([y, cb, cr], 1)


def rgb_to_gray(rgb):
    return 0.299 * rgb[:, 0:1] + 0.587 * rgb[:, 1:2] + 0.114 * rgb[:, 2:3]


class ConvBNAct(nn.Sequential):
    def __init__(self, cin, cout, k=3, stride=1, act=True):
        layers = [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout)]
        if act:
            layers.append(nn.ReLU(inplace=False))
        super().__init__(*layers)


class SqueezeExcite(nn.Module):
    """Global context: x * sigmoid(W2 relu(W1 gap(x))), a [C,1,1] broadcast multiply."""

    def __init__(self, c, r=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, max(8, c // r), 1)
        self.act = nn.ReLU()
        self.fc2 = nn.Conv2d(max(8, c // r), c, 1)
        self.gate = nn.Sigmoid()

    def forward(self, x):
        g = F.adaptive_avg_pool2d(x, 1)
        g = self.gate(self.fc2(self.act(self.fc1(g))))
        return x * g


def up2(x):
    return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)


class UNetCore(nn.Module):
    """Encoder (1, 1/2, 1/4, 1/8, 1/16) + decoder back to full resolution; returns the head output
    (n_out channels, linear) and the bottleneck features (for feature-level consistency)."""

    def __init__(self, cin, n_out, widths=(16, 32, 64, 96, 128)):
        super().__init__()
        w0, w1, w2, w3, w4 = widths
        self.e0 = ConvBNAct(cin, w0)
        self.e1 = nn.Sequential(ConvBNAct(w0, w1, stride=2), ConvBNAct(w1, w1))
        self.e2 = nn.Sequential(ConvBNAct(w1, w2, stride=2), ConvBNAct(w2, w2))
        self.e3 = nn.Sequential(ConvBNAct(w2, w3, stride=2), ConvBNAct(w3, w3))
        self.e4 = nn.Sequential(ConvBNAct(w3, w4, stride=2), ConvBNAct(w4, w4), ConvBNAct(w4, w4))
        self.se = SqueezeExcite(w4)
        self.d3 = ConvBNAct(w4 + w3, w3)
        self.d2 = ConvBNAct(w3 + w2, w2)
        self.d1 = ConvBNAct(w2 + w1, w1)
        self.d0 = nn.Sequential(ConvBNAct(w1 + w0 + cin, w0), ConvBNAct(w0, w0))
        self.head = nn.Conv2d(w0, n_out, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def decode(self, x):
        """The last decoder features (w0 channels, full resolution) and the bottleneck features."""
        f0 = self.e0(x)
        f1 = self.e1(f0)
        f2 = self.e2(f1)
        f3 = self.e3(f2)
        f4 = self.se(self.e4(f3))
        d = self.d3(torch.cat([up2(f4), f3], 1))
        d = self.d2(torch.cat([up2(d), f2], 1))
        d = self.d1(torch.cat([up2(d), f1], 1))
        d = self.d0(torch.cat([up2(d), f0, x], 1))
        return d, f4

    def forward(self, x):
        d, f4 = self.decode(x)
        return self.head(d), f4


# The hint channels a colour network takes beside its input (hints.py fills them): the mask and, at every
# pixel, the nearest hint's colour and closeness; in gray mode only the hint's chroma is used (the output's
# luma is the input's), in NIR mode it sets colour and lightness.  The sparse planes (y, cb, cr: the hint's
# colour at hint pixels only) are left out: the dense ones hold the same there, and each input plane costs
# the op's first convolutions time at every working pixel.
HINT_CHANNELS = {"gray": ("mask", "near_cb", "near_cr", "near_close"),
                 "nir": ("mask", "near_y", "near_cb", "near_cr", "near_close")}

# The input-channel columns of the convolutions that see the network's input: the first encoder conv sees
# it alone, the first full-resolution decoder conv after the upsampled features and the encoder's first
# features (UNetCore.decode's concat order), so the input's columns are its last ones.
_INPUT_CONVS = ("core.e0.0.weight", "core.d0.0.0.weight")


class Colorizer(nn.Module):
    """x (1 channel, [0,1]: sRGB luma for F_G, NIR for F_N) -> sRGB (3 channels).

    mode 'gray': Y = x exactly; mode 'nir': Y = x + dY, or with gain=True Y = x + dY + x * g, where g comes
    from a 1x1 head of its own.  No configuration builds the gain head (it did not help F_N; NOTES.md); it
    stays for the C core's parity test (tests/core/parity.py), whose one network with an input x computed-map
    product feeding the fixed output convolution it is.

    hints=True: the input is [x, hint channels] (HINT_CHANNELS[mode], channel 1 on; hints.encode); the
    network sees them like x, and the fixed output convolution gives them zero weights (the model format
    cannot slice x out of the input), so the output's luma is still x (+ dY)."""

    def __init__(self, mode="gray", widths=(16, 32, 64, 96, 128), gain=False, hints=False, gate=False):
        super().__init__()
        assert mode in ("gray", "nir")
        assert not (gain and hints), "the gain head multiplies the input: one channel only"
        assert hints or not gate, "the hint gate needs hint inputs"
        self.mode, self.gain, self.hints, self.gate = mode, gain, hints, gate
        self.n_hints = len(HINT_CHANNELS[mode]) if hints else 0
        self.core = UNetCore(1 + self.n_hints, 3, widths)
        if gain:
            self.gain_head = nn.Conv2d(widths[0], 1, 1)
            nn.init.zeros_(self.gain_head.weight)   # starts as the network without it
            nn.init.zeros_(self.gain_head.bias)
        if gate:
            # one gate per input channel (the format multiplies same-shaped values); only the nearest hint's
            # colour columns reach the output (set_mode), zero at the start: the network without it
            self.gate_head = nn.Conv2d(widths[0], 1 + self.n_hints, 1)
            nn.init.zeros_(self.gate_head.weight)
            nn.init.zeros_(self.gate_head.bias)
        self.to_rgb = nn.Conv2d((1 + self.n_hints) * (2 if gate else 1) + (4 if gain else 3), 3, 1, bias=False)
        self.set_mode(mode)

    def set_mode(self, mode):
        if self.hints and len(HINT_CHANNELS[mode]) != self.n_hints:
            raise ValueError(f"a network with {self.n_hints} hint channels cannot run in {mode} mode")
        self.mode = mode
        m = torch.zeros(3, self.to_rgb.in_channels)
        o = 1 + self.n_hints                                # the head's columns follow the input's
        for i in range(3):
            m[i, 0] = 1.0                                   # x (the hint channels keep 0)
            m[i, o] = 1.0 if mode == "nir" else 0.0         # dY
            m[i, o + 1] = YCC_TO_RGB[i][1]                  # Cb
            m[i, o + 2] = YCC_TO_RGB[i][2]                  # Cr
            if self.gain:
                m[i, o + 3] = 1.0 if mode == "nir" else 0.0     # x * g
            if self.gate:                                       # x * gate: the nearest hint's colour
                names = ("x",) + HINT_CHANNELS[mode]
                for c, k in (("near_y", 0), ("near_cb", 1), ("near_cr", 2)):
                    if c in names and (k or mode == "nir"):
                        m[i, o + 3 + names.index(c)] = YCC_TO_RGB[i][k]
        with torch.no_grad():
            self.to_rgb.weight.copy_(m.view(3, -1, 1, 1))
        self.to_rgb.weight.requires_grad_(False)

    def load_state_dict(self, sd, strict=True, **kw):
        """to_rgb is fixed by the mode (set_mode): the saved copy (fp16 in the shipped state, or from the
        other mode, as when F_N starts from F_G) is not loaded.  A state without hint inputs loaded into a
        network with them is widened with zero weights (widen_state): with no hints it computes the same;
        F_G's hint planes go to F_N's of the same name (F_N starting from F_G)."""
        sd = dict(sd)
        if self.hints and sd[_INPUT_CONVS[0]].shape[1] != 1 + self.n_hints:
            sd = widen_state(sd, HINT_CHANNELS[self.mode])
        sd["to_rgb.weight"] = self.state_dict()["to_rgb.weight"]
        if self.gate and "gate_head.weight" not in sd:         # a state without the gate: it starts closed
            sd["gate_head.weight"] = torch.zeros_like(self.gate_head.weight)
            sd["gate_head.bias"] = torch.zeros_like(self.gate_head.bias)
        return super().load_state_dict(sd, strict, **kw)

    def forward_with_features(self, x):
        d, f = self.core.decode(x)
        parts = [x, self.core.head(d)]
        if self.gain:
            parts.append(x * self.gain_head(d))
        if self.gate:
            parts.append(x * self.gate_head(d))
        return self.to_rgb(torch.cat(parts, 1)), f

    def forward(self, x):
        return self.forward_with_features(x)[0]


def _hint_names(n):
    """The hint planes of a state whose input has 1 + n channels."""
    names = {0: ()} | {len(v): v for v in HINT_CHANNELS.values()}
    if n not in names:
        raise ValueError(f"a colour network's input has 1 + {n} channels: no hint layout has {n}")
    return names[n]


def widen_state(sd, names):
    """A colour network's state taking hint planes `names` (HINT_CHANNELS[mode]) after x: the planes it took
    keep their weights, the others get zero weights wherever the input enters.  From a state without hints
    (the shipped networks), the network given no hint sums the same products (the added ones are exact
    zeros); from F_G's planes to F_N's of the same names as F_N starts from F_G.  A hint gate's rows (one per
    input channel, x's first) follow the planes; with no plane left the gate goes too."""
    sd = dict(sd)
    src = _hint_names(sd[_INPUT_CONVS[0]].shape[1] - 1)
    for k in _INPUT_CONVS:
        w = sd[k]
        keep = w.shape[1] - 1 - len(src)        # the input is the last block of columns; x comes first in it
        zeros = torch.zeros(w.shape[0], 1, *w.shape[2:], dtype=w.dtype, device=w.device)
        cols = [w[:, :keep + 1]] + [w[:, keep + 1 + src.index(n)][:, None] if n in src else zeros for n in names]
        sd[k] = torch.cat(cols, 1)
    for k in ("gate_head.weight", "gate_head.bias") if "gate_head.weight" in sd else ():
        w = sd.pop(k)                    # the hint gate: one row per input channel, x's first
        if names:
            sd[k] = torch.cat([w[:1]] + [w[1 + src.index(n)][None] if n in src else torch.zeros_like(w[:1])
                                         for n in names], 0)
    return sd


def train_hint_columns_only(net):
    """Leaves only the hint channels' input columns trainable (the columns of _INPUT_CONVS that the hint
    planes enter): every other weight, bias and BatchNorm parameter is frozen, so with no hint the network
    computes exactly what it did (the hint planes are zeros and their columns multiply zeros).  Returns the
    trainable parameters; their gradient is masked to the hint columns (give them no weight decay)."""
    assert net.hints
    names = dict(net.named_parameters())
    for p in net.parameters():
        p.requires_grad_(False)
    out = []
    for k in _INPUT_CONVS:
        w = names[k]
        mask = torch.zeros(1, w.shape[1], 1, 1, dtype=w.dtype, device=w.device)
        mask[:, w.shape[1] - net.n_hints:] = 1.0     # the hint planes end the input's block of columns
        w.requires_grad_(True)
        w.register_hook(lambda g, m=mask: g * m)
        out.append(w)
    return out


def widen(net, gate=False):
    """A hint network (with a closed hint gate when `gate`) computing what `net` (a Colorizer without hints)
    computes when no hint is given."""
    assert not net.hints and not net.gain
    widths = (net.core.e0[0].out_channels, net.core.e1[0][0].out_channels, net.core.e2[0][0].out_channels,
              net.core.e3[0][0].out_channels, net.core.e4[0][0].out_channels)
    out = Colorizer(net.mode, widths, hints=True, gate=gate)
    out.load_state_dict(net.state_dict())
    return out.to(next(net.parameters()).device).train(net.training)


class Translator(nn.Module):
    """Domain translation between one-channel images, residual: T_N2G (NIR -> gray) and T_G2N (gray -> NIR)
    are y = x + d(x)."""

    def __init__(self, widths=(8, 16, 32, 48, 64)):
        super().__init__()
        self.core = UNetCore(1, 1, widths)

    def forward(self, x):
        h, _ = self.core(x)
        return x + h


class FusedNIR(nn.Module):
    """Fusion of the two cooperative paths: F_N(x) and F_G(T_N2G(x)) blended per pixel by a small
    conv net that sees both outputs and the input: out = b + s * (a - b), s = sigmoid(g(...))."""

    def __init__(self, fn, fg, tn2g, width=16):
        super().__init__()
        self.fn, self.fg, self.tn2g = fn, fg, tn2g
        self.gate = nn.Sequential(ConvBNAct(7, width), ConvBNAct(width, width),
                                  nn.Conv2d(width, 3, 3, 1, 1), nn.Sigmoid())
        nn.init.zeros_(self.gate[2].weight)
        nn.init.zeros_(self.gate[2].bias)   # starts at the plain average of the two paths

    def forward(self, x):
        a = self.fn(x)
        b = self.fg(self.tn2g(x))
        s = self.gate(torch.cat([a, b, x], 1))
        return b + s * (a - b)


def build(name, widths=None, hints=False, gate=False):
    if name == "fg":
        return Colorizer("gray", widths or (16, 32, 64, 96, 128), hints=hints, gate=gate)
    if name == "fn":
        return Colorizer("nir", widths or (16, 32, 64, 96, 128), hints=hints, gate=gate)
    if name in ("tn2g", "tg2n"):
        return Translator(widths or (8, 16, 32, 48, 64))
    raise ValueError(name)


def count_params(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


def conv_macs(model, size=256, cin=1):
    """Multiply-accumulates of the convolutions for one size x size input."""
    total = [0]

    def hook(mod, inp, out):
        k = mod.kernel_size[0] * mod.kernel_size[1]
        total[0] += out.numel() * (mod.in_channels // mod.groups) * k

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        was = model.training
        model.eval()
        model(torch.zeros(1, cin, size, size))
        model.train(was)
    for h in hs:
        h.remove()
    return total[0]


if __name__ == "__main__":
    for n in ("fg", "fn", "tn2g", "tg2n"):
        m = build(n)
        print(f"{n}: {count_params(m)/1e6:.3f} M params, {conv_macs(m)/1e9:.3f} GMAC at 256^2")
    f = FusedNIR(build("fn"), build("fg"), build("tn2g"))
    print(f"fused: {count_params(f)/1e6:.3f} M params, {conv_macs(f)/1e9:.3f} GMAC at 256^2")
