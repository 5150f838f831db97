"""A reference interpreter of the model format (models/FORMAT.md) in PyTorch.

What the C core must compute for a model file: the tests compare the core
with it, and it with the PyTorch module the file was exported from.

    from reference import run_file
    y = run_file("models/cocolor-nir.safetensors", x)   # x: [1, C, H, W] float tensor
"""
import json

import numpy as np
import torch
import torch.nn.functional as F

try:
    from .safetensors_io import read_safetensors
except ImportError:
    from safetensors_io import read_safetensors


ACTS = {"none": lambda x, a: x, "relu": lambda x, a: F.relu(x),
        "leaky_relu": lambda x, a: F.leaky_relu(x, a), "silu": lambda x, a: F.silu(x),
        "sigmoid": lambda x, a: torch.sigmoid(x), "tanh": lambda x, a: torch.tanh(x)}


def run_graph(graph, tensors, x):
    values = {graph["input"]: x}
    ids = [graph["input"]] + [n["name"] for n in graph["nodes"]]
    t = {k: torch.from_numpy(v.astype(np.float32)) for k, v in tensors.items()}
    for n in graph["nodes"]:
        ins = [values[i] if isinstance(i, str) else values[ids[i]] for i in n["inputs"]]
        op, a = n["op"], n.get("alpha", 0.01)
        if op == "conv2d":
            y = F.conv2d(ins[0], t[n["weight"]], t.get(n.get("bias")), n["stride"], n["padding"])
            y = ACTS[n.get("act", "none")](y, a)
        elif op in ACTS:
            y = ACTS[op](ins[0], a)
        elif op == "add":
            y = ins[0] + ins[1]
        elif op == "mul":
            y = ins[0] * ins[1]
        elif op == "concat":
            y = torch.cat(ins, 1)
        elif op == "upsample_nearest":
            y = F.interpolate(ins[0], scale_factor=2, mode="nearest")
        elif op == "upsample_bilinear":
            y = F.interpolate(ins[0], scale_factor=2, mode="bilinear", align_corners=False)
        elif op == "avgpool2":
            y = F.avg_pool2d(ins[0], 2)
        elif op == "global_avgpool":
            y = ins[0].mean((2, 3), keepdim=True)
        else:
            raise AssertionError(op)
        values[n["name"]] = y
    return values[graph["output"]]


def run_file(path, x):
    """Runs the model file at path on x in PyTorch, fp32."""
    tensors, meta = read_safetensors(path)
    return run_graph(json.loads(meta["cocolor.graph"]), tensors, x)
