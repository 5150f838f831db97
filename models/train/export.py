#!/usr/bin/env python3
"""Export a PyTorch network to a CoColor model file (models/FORMAT.md).

The module is traced with torch.fx; every traced operation is mapped onto the
op set of the C inference core (ops/cc-model.h):

  Conv2d (+ a following BatchNorm2d, folded; + a following activation, fused),
  ReLU / LeakyReLU / SiLU / Sigmoid / Tanh, add, mul (the second operand may
  be [C,1,1]), torch.cat on channels, x2 nearest / bilinear upsampling,
  2x2 average pooling, global average pooling.

A few things are lowered onto that set exactly: a - b becomes a concat and a
1x1 convolution with weights [I, -I]; x * c, x + c, x - c, c - x, -x, x / c
(python numbers) and a BatchNorm2d that does not follow a convolution become
1x1 convolutions with diagonal weights.  Anything else raises ExportError
naming the operation.

As a module:

    from export import export_model, make_contract
    export_model(net, "model.safetensors", make_contract("nir"), dtype="fp16")

As a command:

    export.py --random --base 4 --levels 3 -o tiny.safetensors          # test model
    export.py --checkpoint run/best.pt --task nir -o nir.safetensors    # trained net
"""
from __future__ import annotations

import argparse
import json
import math
import operator
import os
import sys
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp

try:  # a package import (models.train.export) or a plain one (export)
    from . import test_unet
    from .cocolor_nets import HINT_CHANNELS
    from .safetensors_io import write_safetensors
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import test_unet
    from cocolor_nets import HINT_CHANNELS
    from safetensors_io import write_safetensors

FORMAT_VERSION = "1"
TASKS = ("nir", "gray")
DEFAULT_INPUT_SPACE = {"nir": "nir", "gray": "srgb-luma"}
FP16_MAX = 65504.0
# Colour-hint input planes (models/FORMAT.md, "Hint inputs"): BT.601 Y, Cb, Cr of the hint colour on
# gamma-encoded sRGB and the hint mask; the nearest hint's Y, Cb, Cr at every pixel and its closeness.
HINT_CHANNEL_NAMES = ("y", "cb", "cr", "mask", "near_y", "near_cb", "near_cr", "near_close")
HINT_SPACE = "bt601-srgb"


class ExportError(Exception):
    """The network uses something the C core cannot run."""


# --------------------------------------------------------------------------
# Contract


def make_contract(task: str, *, input_channels: int = 1, output_channels: int = 3,
                  input_range=(0.0, 1.0), output_range=(0.0, 1.0), input_space: str | None = None,
                  output_space: str = "srgb", train_resolution: int = 256,
                  version: str = "0.1.0", provenance: dict | None = None,
                  hints: dict | None = None) -> dict:
    """The model's contract (models/FORMAT.md, "cocolor.contract").  hints: the input's hint channels
    (hint_contract); None, a model without hint inputs, writes no "hints" member."""
    contract = {
        "task": task,
        "version": version,
        "input": {"channels": input_channels, "range": list(map(float, input_range)),
                  "space": input_space or DEFAULT_INPUT_SPACE.get(task, "nir")},
        "output": {"channels": output_channels, "range": list(map(float, output_range)),
                   "space": output_space},
        "train_resolution": train_resolution,
        "provenance": provenance if provenance is not None else {},
    }
    if hints is not None:
        contract["input"]["hints"] = hints
    validate_contract(contract)
    return contract


def hint_contract(channels, first: int = 1, min_radius: int = 2) -> dict:
    """The "hints" member of a contract's input: the hint planes `channels` (HINT_CHANNEL_NAMES, in input
    order) from input channel `first` on; min_radius, the smallest hint trained on (a disc of that radius in
    pixels at the network's resolution)."""
    return {"first": first, "channels": list(channels), "space": HINT_SPACE, "min_radius": min_radius}


def _validate_hints(contract, need) -> None:
    hints = contract["input"].get("hints")
    if hints is None:
        return
    need(isinstance(hints, dict), 'input.hints must be an object')
    first, names = hints.get("first"), hints.get("channels")
    need(isinstance(first, int) and not isinstance(first, bool) and first >= 1,
         "input.hints.first must be an integer >= 1 (the picture comes first)")
    need(isinstance(names, list) and names and all(n in HINT_CHANNEL_NAMES for n in names)
         and len(set(names)) == len(names) and "mask" in names,
         f"input.hints.channels must be distinct names of {list(HINT_CHANNEL_NAMES)} with \"mask\"")
    need(first + len(names) == contract["input"]["channels"],
         "input.hints must end the input: first + len(channels) == input.channels")
    need(contract["task"] != "gray" or not {"y", "near_y"} & set(names),
         'a gray model takes no "y" or "near_y" hint (its output keeps the input\'s luma)')
    need(hints.get("space") == HINT_SPACE, f'input.hints.space must be "{HINT_SPACE}"')
    r = hints.get("min_radius")
    need(isinstance(r, int) and not isinstance(r, bool) and 0 <= r <= 64,
         "input.hints.min_radius must be an integer in 0..64")


def validate_contract(contract: dict) -> None:
    """The checks cc_model_load() makes, so a bad contract fails at export."""
    def need(cond, what):
        if not cond:
            raise ExportError(f"contract: {what}")

    need(contract.get("task") in TASKS, '"task" must be "nir" or "gray"')
    for side in ("input", "output"):
        s = contract.get(side)
        need(isinstance(s, dict), f'"{side}" must be an object')
        c = s.get("channels")
        need(isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 64,
             f"{side}.channels must be an integer between 1 and 64")
        r = s.get("range")
        need(isinstance(r, (list, tuple)) and len(r) == 2
             and all(isinstance(v, (int, float)) and math.isfinite(v) for v in r) and r[0] < r[1],
             f"{side}.range must be [min, max] with finite min < max")
        sp = s.get("space")
        need(isinstance(sp, str) and 0 < len(sp) <= 64
             and all(ch.islower() or ch.isdigit() or ch in "_.-" for ch in sp) and sp.isascii(),
             f"{side}.space must be a short lower-case tag")
    tr = contract.get("train_resolution")
    need(isinstance(tr, int) and 1 <= tr <= 65536, '"train_resolution" must be in 1..65536')
    need(isinstance(contract.get("version"), str) and contract["version"],
         '"version" must be a non-empty string')
    need(isinstance(contract.get("provenance"), dict), '"provenance" must be an object')
    _validate_hints(contract, need)


# --------------------------------------------------------------------------
# Graph building


@dataclass
class Node:
    """One node of the exported graph (JSON in models/FORMAT.md)."""
    name: str
    op: str
    inputs: list
    attrs: dict = field(default_factory=dict)
    weight: np.ndarray | None = None  # float64 until written
    bias: np.ndarray | None = None
    tensor_prefix: str = ""


def _arg(n: torch.fx.Node, index: int, name: str, default=None):
    """A call's argument, positional or keyword."""
    if len(n.args) > index:
        return n.args[index]
    return n.kwargs.get(name, default)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


ACTIVATION_MODULES = {nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu", nn.SiLU: "silu",
                      nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}
ACTIVATION_FUNCTIONS = {F.relu: "relu", torch.relu: "relu", F.leaky_relu: "leaky_relu",
                        F.silu: "silu", torch.sigmoid: "sigmoid", F.sigmoid: "sigmoid",
                        torch.tanh: "tanh", F.tanh: "tanh"}
ACTIVATION_METHODS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}
PASSTHROUGH_MODULES = (nn.Identity, nn.Dropout, nn.Dropout2d)
BINARY_FUNCTIONS = {operator.add: "add", torch.add: "add", operator.mul: "mul", torch.mul: "mul",
                    operator.sub: "sub", torch.sub: "sub", operator.truediv: "div",
                    torch.div: "div"}
BINARY_METHODS = {"add": "add", "mul": "mul", "sub": "sub", "div": "div"}


class _Exporter:
    def __init__(self, module: nn.Module, example: torch.Tensor):
        try:
            self.gm = torch.fx.symbolic_trace(module)
        except Exception as e:  # data-dependent control flow and the like
            raise ExportError(f"torch.fx cannot trace the network: {e}") from e
        self.gm.graph.eliminate_dead_code()
        ShapeProp(self.gm).propagate(example)
        self.nodes: list[Node] = []
        self.value: dict = {}     # fx node -> value name in the exported graph
        self.producer: dict = {}  # value name -> Node
        self.tail: dict = {}      # value name -> fx node standing for it now
        self.tensor_names: set = set()
        self.input_name = "input"
        self.output = None
        self.output_shape = None

    # --- helpers ---------------------------------------------------------

    @staticmethod
    def shape(n) -> tuple:
        meta = n.meta.get("tensor_meta") if isinstance(n, torch.fx.Node) else None
        if meta is None or not hasattr(meta, "shape"):
            raise ExportError(f"{n}: not a single tensor (tuples and constants are not supported)")
        return tuple(meta.shape)

    def src(self, n) -> str:
        if not isinstance(n, torch.fx.Node) or n not in self.value:
            raise ExportError(f"operand {n!r} is not a tensor computed from the input")
        return self.value[n]

    def emit(self, fx_node, node: Node) -> Node:
        base, i = node.name, 1
        while node.name in self.producer or node.name == self.input_name:  # names are unique
            node.name, i = f"{base}_{i}", i + 1
        self.nodes.append(node)
        self.producer[node.name] = node
        if fx_node is not None:
            self.value[fx_node] = node.name
            self.tail[node.name] = fx_node
        return node

    def alias(self, fx_node, src_fx):
        name = self.src(src_fx)
        self.value[fx_node] = name
        if self.tail.get(name) is src_fx:
            self.tail[name] = fx_node

    def fusable_conv(self, src_fx) -> Node | None:
        """The conv producing src_fx, if src_fx feeds only the node being built
        and no activation is fused into the conv yet."""
        name = self.value.get(src_fx)
        node = self.producer.get(name)
        if (node is None or node.op != "conv2d" or node.attrs["act"] != "none"
                or self.tail.get(name) is not src_fx or len(src_fx.users) != 1):
            return None
        return node

    def conv_node(self, name, inputs, weight, bias, kernel, stride, padding, prefix) -> Node:
        return Node(name, "conv2d", inputs,
                    {"kernel": kernel, "stride": stride, "padding": padding, "act": "none"},
                    weight, bias, prefix)

    def emit_affine(self, n, src_fx, scale, shift):
        """y = x * scale + shift per channel, as a 1x1 convolution."""
        c = self.shape(src_fx)[1]
        scale = np.broadcast_to(np.asarray(scale, np.float64), (c,))
        shift = np.broadcast_to(np.asarray(shift, np.float64), (c,))
        w = np.diag(scale).reshape(c, c, 1, 1)
        self.emit(n, self.conv_node(n.name, [self.src(src_fx)], w, shift.copy(), 1, 1, 0, n.name))

    # --- op mapping ------------------------------------------------------

    def run(self):
        for n in self.gm.graph.nodes:
            if n.op == "placeholder":
                if self.value:
                    raise ExportError("the network takes several inputs; CoColor feeds one")
                self.value[n] = self.input_name
            elif n.op == "output":
                out = n.args[0]
                if not isinstance(out, torch.fx.Node):
                    raise ExportError("the network returns several values; export a module "
                                      "whose forward returns only the image")
                self.output = self.src(out)
                self.output_shape = self.shape(out)
            elif n.op == "call_module":
                self.call_module(n, self.gm.get_submodule(n.target))
            elif n.op == "call_function":
                self.call_function(n)
            elif n.op == "call_method":
                self.call_method(n)
            else:
                raise ExportError(f"{n.op} {n.target}: constant tensors are not supported "
                                  "(make them parameters of a supported layer)")
        return self

    def call_module(self, n, m):
        x = n.args[0] if n.args else None
        if isinstance(m, nn.Conv2d):
            self.conv2d(n, m)
        elif isinstance(m, nn.BatchNorm2d):
            self.batchnorm(n, m)
        elif type(m) in ACTIVATION_MODULES:
            alpha = m.negative_slope if isinstance(m, nn.LeakyReLU) else None
            self.activation(n, x, ACTIVATION_MODULES[type(m)], alpha)
        elif isinstance(m, PASSTHROUGH_MODULES):
            self.alias(n, x)
        elif isinstance(m, nn.Upsample):
            self.upsample(n, x, m.size, m.scale_factor, m.mode, m.align_corners)
        elif isinstance(m, nn.AvgPool2d):
            self.avgpool(n, x, m.kernel_size, m.stride, m.padding, m.ceil_mode, m.divisor_override)
        elif isinstance(m, nn.AdaptiveAvgPool2d):
            self.global_pool(n, x, m.output_size)
        else:
            raise ExportError(f"layer {n.target} ({type(m).__name__}) is not in CoColor's op set")

    def call_function(self, n):
        f = n.target
        x = n.args[0] if n.args else n.kwargs.get("input")
        if f in ACTIVATION_FUNCTIONS:
            op = ACTIVATION_FUNCTIONS[f]
            alpha = _arg(n, 1, "negative_slope", 0.01) if op == "leaky_relu" else None
            self.activation(n, x, op, alpha)
        elif f in BINARY_FUNCTIONS:
            if _arg(n, 2, "alpha", 1) != 1:
                raise ExportError(f"{n.name}: add/sub with alpha is not supported")
            self.binary(n, BINARY_FUNCTIONS[f], n.args[0], n.args[1])
        elif f is operator.neg or f is torch.neg:
            self.emit_affine(n, x, -1.0, 0.0)
        elif f in (torch.cat, torch.concat):
            self.concat(n, _arg(n, 0, "tensors"), _arg(n, 1, "dim", 0))
        elif f is F.interpolate:
            self.upsample(n, x, _arg(n, 1, "size"), _arg(n, 2, "scale_factor"),
                          _arg(n, 3, "mode", "nearest"), _arg(n, 4, "align_corners"))
        elif f is F.avg_pool2d:
            self.avgpool(n, x, _arg(n, 1, "kernel_size"), _arg(n, 2, "stride"),
                         _arg(n, 3, "padding", 0), _arg(n, 4, "ceil_mode", False),
                         _arg(n, 6, "divisor_override"))
        elif f is F.adaptive_avg_pool2d:
            self.global_pool(n, x, _arg(n, 1, "output_size"))
        elif f is torch.mean:
            self.mean(n, x, _arg(n, 1, "dim"), _arg(n, 2, "keepdim", False))
        elif f is F.dropout:
            self.alias(n, x)
        else:
            name = getattr(f, "__name__", str(f))
            raise ExportError(f"{n.name}: function {name} is not in CoColor's op set")

    def call_method(self, n):
        m, x = n.target, n.args[0]
        if m in ACTIVATION_METHODS:
            self.activation(n, x, ACTIVATION_METHODS[m], None)
        elif m in BINARY_METHODS:
            self.binary(n, BINARY_METHODS[m], x, n.args[1])
        elif m == "neg":
            self.emit_affine(n, x, -1.0, 0.0)
        elif m == "mean":
            self.mean(n, x, _arg(n, 1, "dim"), _arg(n, 2, "keepdim", False))
        elif m in ("contiguous", "clone"):
            self.alias(n, x)
        else:
            raise ExportError(f"{n.name}: tensor method .{m}() is not in CoColor's op set")

    # --- layers ----------------------------------------------------------

    def conv2d(self, n, m: nn.Conv2d):
        where = f"convolution {n.target}"
        if m.groups != 1:
            raise ExportError(f"{where}: grouped/depthwise convolutions (groups={m.groups}) "
                              "are not supported")
        if _pair(m.dilation) != (1, 1) or m.padding_mode != "zeros":
            raise ExportError(f"{where}: dilation and non-zero padding modes are not supported")
        kh, kw = _pair(m.kernel_size)
        sh, sw = _pair(m.stride)
        if kh != kw or sh != sw:
            raise ExportError(f"{where}: kernel and stride must be square")
        padding = m.padding
        if padding == "same":
            padding = (kh - 1) // 2
        elif padding == "valid":
            padding = 0
        ph, pw = _pair(padding)
        if ph != pw or sh not in (1, 2) or ph != (kh - 1) // 2 or (sh == 1 and kh % 2 == 0):
            raise ExportError(f"{where}: kernel {kh}, stride {sh}, padding {ph} neither keeps nor "
                              "exactly halves the image size (use stride 1 or 2, padding "
                              "(kernel - 1) // 2, an odd kernel at stride 1)")
        w = m.weight.detach().double().cpu().numpy()
        b = m.bias.detach().double().cpu().numpy() if m.bias is not None else None
        self.emit(n, self.conv_node(n.name, [self.src(n.args[0])], w, b, kh, sh, ph, n.target))

    def batchnorm(self, n, m: nn.BatchNorm2d):
        if m.running_mean is None or m.running_var is None:
            raise ExportError(f"batch norm {n.target}: it tracks no running statistics "
                              "(track_running_stats=False) and cannot be frozen")
        inv = 1.0 / np.sqrt(m.running_var.detach().double().cpu().numpy() + m.eps)
        gamma = (m.weight.detach().double().cpu().numpy() if m.weight is not None
                 else np.ones_like(inv))
        beta = (m.bias.detach().double().cpu().numpy() if m.bias is not None
                else np.zeros_like(inv))
        mean = m.running_mean.detach().double().cpu().numpy()
        scale, shift = gamma * inv, beta - mean * gamma * inv
        x = n.args[0]
        conv = self.fusable_conv(x)
        if conv is None:  # not after a convolution: a per-channel affine map
            self.emit_affine(n, x, scale, shift)
            return
        # Folding: BN(conv(x)) = conv(x; w * scale, b * scale + shift).
        conv.weight = conv.weight * scale[:, None, None, None]
        conv.bias = (conv.bias if conv.bias is not None else 0.0) * scale + shift
        self.alias(n, x)

    def activation(self, n, x, op, alpha):
        conv = self.fusable_conv(x)
        attrs = {"alpha": float(alpha)} if op == "leaky_relu" else {}
        if conv is not None:
            conv.attrs["act"] = op
            conv.attrs.update(attrs)
            self.alias(n, x)
        else:
            self.emit(n, Node(n.name, op, [self.src(x)], attrs))

    def binary(self, n, op, a, b):
        a_t, b_t = isinstance(a, torch.fx.Node), isinstance(b, torch.fx.Node)
        if a_t and b_t:
            self.binary_tensors(n, op, a, b)
        elif a_t and isinstance(b, (int, float)):
            scale, shift = {"add": (1.0, b), "sub": (1.0, -b), "mul": (b, 0.0),
                            "div": (1.0 / b if b else math.inf, 0.0)}[op]
            self.emit_affine(n, a, scale, shift)
        elif b_t and isinstance(a, (int, float)) and op != "div":
            scale, shift = {"add": (1.0, a), "sub": (-1.0, a), "mul": (a, 0.0)}[op]
            self.emit_affine(n, b, scale, shift)
        else:
            raise ExportError(f"{n.name}: {op} of {a!r} and {b!r} is not supported")

    def binary_tensors(self, n, op, a, b):
        sa, sb = self.shape(a), self.shape(b)
        if op == "mul" and sa != sb and sa[2:] == (1, 1) and sb[1] == sa[1]:
            a, b, sa, sb = b, a, sb, sa  # the [C,1,1] operand goes second
        broadcast = op == "mul" and sb[2:] == (1, 1) and sb[1] == sa[1]
        if sa != sb and not broadcast:
            raise ExportError(f"{n.name}: {op} of shapes {list(sa)} and {list(sb)}: only equal "
                              "shapes (and [C,1,1] as mul's second operand) are supported")
        if op in ("add", "mul"):
            self.emit(n, Node(n.name, op, [self.src(a), self.src(b)]))
        elif op == "sub":  # a - b = conv1x1([a, b]; [I, -I])
            c = sa[1]
            cat = self.emit(None, Node(f"{n.name}_concat", "concat", [self.src(a), self.src(b)]))
            eye = np.eye(c)
            w = np.concatenate([eye, -eye], axis=1).reshape(c, 2 * c, 1, 1)
            self.emit(n, self.conv_node(n.name, [cat.name], w, None, 1, 1, 0, n.name))
        else:
            raise ExportError(f"{n.name}: division of two tensors is not supported")

    def concat(self, n, tensors, dim):
        if not isinstance(tensors, (list, tuple)) or not tensors:
            raise ExportError(f"{n.name}: torch.cat needs a list of tensors")
        if dim not in (1, -3) or len(self.shape(tensors[0])) != 4:
            raise ExportError(f"{n.name}: torch.cat must join channels (dim=1) of NCHW tensors")
        if len(tensors) == 1:
            self.alias(n, tensors[0])
            return
        if len(tensors) > 8:
            raise ExportError(f"{n.name}: torch.cat of {len(tensors)} tensors (at most 8)")
        self.emit(n, Node(n.name, "concat", [self.src(t) for t in tensors]))

    def upsample(self, n, x, size, scale, mode, align_corners):
        sin, sout = self.shape(x), self.shape(n)
        if sout[2:] != (2 * sin[2], 2 * sin[3]):
            raise ExportError(f"{n.name}: only x2 upsampling is supported "
                              f"(size={size}, scale_factor={scale})")
        if mode not in ("nearest", "bilinear"):
            raise ExportError(f"{n.name}: upsampling mode {mode!r} (nearest or bilinear only)")
        if mode == "bilinear" and align_corners:
            raise ExportError(f"{n.name}: bilinear upsampling with align_corners=True "
                              "(CoColor follows PyTorch's default, align_corners=False)")
        self.emit(n, Node(n.name, f"upsample_{mode}", [self.src(x)]))

    def avgpool(self, n, x, kernel, stride, padding, ceil_mode, divisor):
        stride = kernel if stride is None or stride == [] else stride
        if (_pair(kernel) != (2, 2) or _pair(stride) != (2, 2) or _pair(padding) != (0, 0)
                or ceil_mode or divisor is not None):
            raise ExportError(f"{n.name}: only 2x2 average pooling with stride 2 and no padding "
                              "is supported")
        self.emit(n, Node(n.name, "avgpool2", [self.src(x)]))

    def global_pool(self, n, x, output_size):
        if _pair(output_size) != (1, 1):
            raise ExportError(f"{n.name}: adaptive average pooling to {output_size} "
                              "(only to 1x1 is supported)")
        self.emit(n, Node(n.name, "global_avgpool", [self.src(x)]))

    def mean(self, n, x, dim, keepdim):
        dims = {d % 4 for d in (dim if isinstance(dim, (list, tuple)) else [dim])} \
            if dim is not None else None
        if dims != {2, 3} or not keepdim:
            raise ExportError(f"{n.name}: mean over {dim} (only over (2, 3) with keepdim=True, "
                              "a global average pool, is supported)")
        self.emit(n, Node(n.name, "global_avgpool", [self.src(x)]))

    # --- output ----------------------------------------------------------

    def tensor_name(self, prefix, suffix):
        name = f"{prefix}.{suffix}"
        i = 1
        while name in self.tensor_names:  # a layer called twice gets two tensors
            name, i = f"{prefix}@{i}.{suffix}", i + 1
        self.tensor_names.add(name)
        return name

    def finish(self, np_dtype):
        """(graph dict, {tensor name: array})."""
        tensors, nodes = {}, []
        for node in self.nodes:
            entry = {"name": node.name, "op": node.op, "inputs": node.inputs}
            if node.op == "conv2d":
                for key, array in (("weight", node.weight), ("bias", node.bias)):
                    if array is None:
                        continue
                    if np_dtype == np.float16 and np.abs(array).max(initial=0.0) > FP16_MAX:
                        raise ExportError(f"{node.name}: a {key} exceeds the fp16 range; "
                                          "export with --dtype fp32")
                    if not np.all(np.isfinite(array)):
                        raise ExportError(f"{node.name}: the {key} holds NaN or Inf")
                    name = self.tensor_name(node.tensor_prefix, key)
                    tensors[name] = np.ascontiguousarray(array, dtype=np_dtype)
                    entry[key] = name
            entry.update(node.attrs)
            nodes.append(entry)
        graph = {"input": self.input_name, "output": self.output, "nodes": nodes,
                 "output_channels": self.output_shape[1]}
        return graph, tensors


def build_graph(module: nn.Module, input_channels: int = 1, example_size: int = 64,
                dtype: str = "fp32"):
    """Traces `module` and returns (graph dict, {tensor name: numpy array}).

    The graph dict also carries "output_channels" (not part of the format)."""
    np_dtype = {"fp32": np.float32, "fp16": np.float16}.get(dtype)
    if np_dtype is None:
        raise ExportError(f"dtype must be fp32 or fp16, not {dtype!r}")
    was_training = module.training
    module.eval()
    try:
        example = torch.zeros(1, input_channels, example_size, example_size)
        with torch.no_grad():
            exporter = _Exporter(module, example).run()
    finally:
        module.train(was_training)
    if exporter.output is None or exporter.output == exporter.input_name:
        raise ExportError("the network's output is its input")
    return exporter.finish(np_dtype)


def export_model(module: nn.Module, path, contract: dict, dtype: str = "fp32",
                 example_size: int = 64) -> dict:
    """Writes `module` as a CoColor model file at `path`; returns the graph dict.

    contract: see make_contract().  dtype: "fp32" or "fp16" weights.
    example_size: side of the zero image traced for shapes; it must divide by
    the network's total downsampling."""
    validate_contract(contract)
    graph, tensors = build_graph(module, contract["input"]["channels"], example_size, dtype)
    if graph["output_channels"] != contract["output"]["channels"]:
        raise ExportError(f"the network produces {graph['output_channels']} channels but the "
                          f"contract promises {contract['output']['channels']}")
    del graph["output_channels"]
    metadata = {
        "cocolor.format": FORMAT_VERSION,
        "cocolor.graph": json.dumps(graph, separators=(",", ":")),
        "cocolor.contract": json.dumps(contract, separators=(",", ":")),
    }
    write_safetensors(path, tensors, metadata)
    return graph


# --------------------------------------------------------------------------
# Command line


def load_network(args) -> nn.Module:
    if args.random:
        return test_unet.random_model(args.seed, **network_config(args))
    obj = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    if isinstance(obj, nn.Module):
        return obj
    if isinstance(obj, dict) and isinstance(obj.get("model"), nn.Module):
        return obj["model"]
    if isinstance(obj, dict) and "state_dict" in obj:
        net = test_unet.ColorUNet(**obj.get("config", network_config(args)))
        net.load_state_dict(obj["state_dict"])
        return net
    raise SystemExit(f"{args.checkpoint}: expected a pickled nn.Module, {{'model': module}} or "
                     "{'config': ColorUNet kwargs, 'state_dict': ...}")


def network_config(args) -> dict:
    return dict(in_channels=args.in_channels, out_channels=args.out_channels, base=args.base,
                levels=args.levels, blocks=args.blocks, down=args.down, up=args.up,
                attention=not args.no_attention)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="torch.save()d module, {'model': module} or "
                     "{'config': ColorUNet kwargs, 'state_dict': ...}")
    src.add_argument("--random", action="store_true", help="a random-weight ColorUNet (tests)")
    p.add_argument("-o", "--output", required=True, help="model file to write (.safetensors)")
    p.add_argument("--dtype", choices=("fp32", "fp16"), default="fp32")
    p.add_argument("--seed", type=int, default=0)
    g = p.add_argument_group("ColorUNet configuration (--random, state_dict checkpoints)")
    g.add_argument("--in-channels", type=int, default=1)
    g.add_argument("--out-channels", type=int, default=3)
    g.add_argument("--base", type=int, default=32)
    g.add_argument("--levels", type=int, default=4)
    g.add_argument("--blocks", type=int, default=2)
    g.add_argument("--down", choices=test_unet.DOWN_MODES, default="conv")
    g.add_argument("--up", choices=test_unet.UP_MODES, default="bilinear")
    g.add_argument("--no-attention", action="store_true")
    g.add_argument("--hints", action="store_true",
                   help="--random: hint input planes after the picture (the task's, cocolor_nets.HINT_CHANNELS)")
    c = p.add_argument_group("contract")
    c.add_argument("--contract", help="JSON file with the whole contract (overrides the rest)")
    c.add_argument("--task", choices=TASKS, default="nir")
    c.add_argument("--input-space")
    c.add_argument("--output-space", default="srgb")
    c.add_argument("--train-resolution", type=int, default=256)
    c.add_argument("--version", default="0.1.0")
    c.add_argument("--provenance", help="JSON file: training data, metrics...")
    p.add_argument("--example-size", type=int, default=64,
                   help="side of the image traced for shapes (must divide by the downsampling)")
    args = p.parse_args(argv)
    hint_planes = HINT_CHANNELS[args.task] if args.hints else ()
    if args.hints:
        if not args.random:
            raise SystemExit("export.py: --hints is for --random test models (trained ones declare theirs)")
        args.in_channels = 1 + len(hint_planes)

    net = load_network(args)
    if args.contract:
        with open(args.contract) as f:
            contract = json.load(f)
    else:
        provenance = {}
        if args.provenance:
            with open(args.provenance) as f:
                provenance = json.load(f)
        cfg = getattr(net, "config", {})
        contract = make_contract(args.task, input_channels=cfg.get("in_channels", args.in_channels),
                                 output_channels=cfg.get("out_channels", args.out_channels),
                                 input_space=args.input_space, output_space=args.output_space,
                                 train_resolution=args.train_resolution, version=args.version,
                                 provenance=provenance,
                                 hints=hint_contract(hint_planes) if hint_planes else None)
    try:
        graph = export_model(net, args.output, contract, args.dtype, args.example_size)
    except ExportError as e:
        raise SystemExit(f"export.py: {e}")
    print(f"{args.output}: {len(graph['nodes'])} nodes, {args.dtype}, task {contract['task']}")


if __name__ == "__main__":
    main()
