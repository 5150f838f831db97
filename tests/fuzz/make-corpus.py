#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus: small valid models and graph texts.

    python3 tests/fuzz/make-corpus.py     # rewrites tests/fuzz/corpus/

corpus/model-file/*.safetensors: whole model files (models/FORMAT.md), a few
KB each, that load and run: F32 and F16, names and value ids, every op and
activation, kernels 1 to 5, stride 2, several levels, the 16-channel 3x3
convolutions the AVX-512 direct and Winograd kernels take.

corpus/graph-json/*.txt: inputs of fuzz-graph-json: one byte choosing the
tensor set ('0'-'3' F32, '4'-'7' F16; sets in fuzz-graph-json.c) and the
graph's JSON text, which uses every tensor of its set.

Deterministic (no randomness, stdlib only): running it again gives the same
bytes.
"""
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def contract(task, in_c, in_space, out_c, out_space):
    return {
        "task": task, "version": "fuzz",
        "input": {"channels": in_c, "range": [0.0, 1.0], "space": in_space},
        "output": {"channels": out_c, "range": [-1.0, 1.0], "space": out_space},
        "train_resolution": 64, "provenance": {},
    }


def weights(n, seed):
    """n small, finite, deterministic values."""
    x = seed * 2654435761 % 2**32
    out = []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(((x >> 8) % 201 - 100) / 400.0)
    return out


def safetensors(tensors, graph, contr, dtype="F32"):
    """tensors: [(name, shape)]; returns the file's bytes."""
    meta = {
        "cocolor.format": "1",
        "cocolor.graph": json.dumps(graph, separators=(",", ":")),
        "cocolor.contract": json.dumps(contr, separators=(",", ":")),
    }
    header = {"__metadata__": meta}
    data = b""
    for i, (name, shape) in enumerate(tensors):
        n = 1
        for d in shape:
            n *= d
        values = weights(n, i + 1)
        blob = struct.pack("<%d%s" % (n, "f" if dtype == "F32" else "e"), *values)
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def conv(name, src, weight, k, stride=1, bias=None, act=None, alpha=None):
    node = {"name": name, "op": "conv2d", "inputs": [src], "weight": weight,
            "kernel": k, "stride": stride, "padding": (k - 1) // 2}
    if bias:
        node["bias"] = bias
    if act:
        node["act"] = act
    if alpha is not None:
        node["alpha"] = alpha
    return node


def op(name, kind, *inputs, **attrs):
    node = {"name": name, "op": kind, "inputs": list(inputs)}
    node.update(attrs)
    return node


# The tensor sets of fuzz-graph-json.c, and a graph that uses each whole.
EXAMPLE_TENSORS = [("enc.0.weight", [8, 1, 3, 3]), ("enc.0.bias", [8]),
                   ("down.weight", [8, 8, 3, 3]), ("head.weight", [3, 16, 1, 1]),
                   ("head.bias", [3])]
EXAMPLE_GRAPH = {"input": "input", "output": "head", "nodes": [
    conv("enc0", "input", "enc.0.weight", 3, bias="enc.0.bias", act="relu"),
    conv("down", "enc0", "down.weight", 3, stride=2, act="leaky_relu", alpha=0.1),
    op("up", "upsample_bilinear", "down"),
    op("cat", "concat", "up", "enc0"),
    conv("head", "cat", "head.weight", 1, bias="head.bias", act="sigmoid"),
]}
# The same network, inputs and output as value ids.
EXAMPLE_GRAPH_IDS = {"input": "x", "output": 5, "nodes": [
    conv("a", 0, "enc.0.weight", 3, bias="enc.0.bias", act="silu"),
    conv("b", 1, "down.weight", 3, stride=2, act="tanh"),
    op("c", "upsample_nearest", 2),
    op("d", "concat", 1, 3),
    conv("e", 4, "head.weight", 1, bias="head.bias", act="none"),
]}
EXAMPLE_CONTRACT = contract("nir", 1, "nir", 3, "srgb")

WIDE_TENSORS = [("stem.weight", [16, 1, 3, 3]), ("stem.bias", [16]),
                ("body.weight", [16, 16, 3, 3]), ("body.bias", [16]),
                ("down.weight", [16, 16, 3, 3]), ("se.weight", [16, 16, 1, 1]),
                ("se.bias", [16]), ("head.weight", [2, 16, 1, 1]), ("head.bias", [2])]
WIDE_GRAPH = {"input": "gray", "output": "head", "nodes": [
    conv("stem", "gray", "stem.weight", 3, bias="stem.bias", act="relu"),
    conv("body", "stem", "body.weight", 3, bias="body.bias", act="silu"),
    conv("down", "body", "down.weight", 3, stride=2, act="leaky_relu", alpha=0.2),
    op("up", "upsample_nearest", "down"),
    op("sum", "add", "body", "up"),
    op("pool", "global_avgpool", "sum"),
    conv("se", "pool", "se.weight", 1, bias="se.bias", act="sigmoid"),
    op("scaled", "mul", "sum", "se"),
    op("t", "tanh", "scaled"),
    conv("head", "t", "head.weight", 1, bias="head.bias"),
]}
WIDE_CONTRACT = contract("gray", 1, "srgb-luma", 2, "lab-ab")
# For the model-file seed, kept small: the stride-2 convolution has kernel 2.
WIDE_TENSORS_K2 = [(n, [16, 16, 2, 2] if n == "down.weight" else s) for n, s in WIDE_TENSORS]
WIDE_GRAPH_K2 = json.loads(json.dumps(WIDE_GRAPH))
WIDE_GRAPH_K2["nodes"][2].update(kernel=2, padding=0)

RGB_TENSORS = [("k5.weight", [4, 3, 5, 5]), ("k5.bias", [4]), ("k4.weight", [4, 4, 4, 4]),
               ("k1.weight", [4, 4, 1, 1]), ("out.weight", [3, 8, 3, 3]), ("out.bias", [3])]
RGB_GRAPH = {"input": "rgb", "output": 9, "nodes": [
    conv("k5", "rgb", "k5.weight", 5, bias="k5.bias", act="leaky_relu"),
    conv("k4", "k5", "k4.weight", 4, stride=2, act="relu"),
    op("pool", "avgpool2", "k4"),
    op("up1", "upsample_bilinear", "pool"),
    op("up2", "upsample_bilinear", "up1"),
    conv("k1", "up2", "k1.weight", 1),
    op("lr", "leaky_relu", "k1", alpha=0.3),
    op("cat", "concat", "lr", "k5"),
    conv("out", "cat", "out.weight", 3, bias="out.bias", act="sigmoid"),
]}
RGB_CONTRACT = contract("gray", 3, "srgb", 3, "linear-rgb")
# The same graph as a gray model with colour-hint inputs (models/FORMAT.md,
# "Hint inputs"): the picture, then the nearest hint's distance and the mask.
HINTS_CONTRACT = contract("gray", 3, "srgb-luma", 3, "srgb")
HINTS_CONTRACT["input"]["hints"] = {"first": 1, "channels": ["near_close", "mask"],
                                    "space": "bt601-srgb", "min_radius": 2}

NONE_GRAPH = {"input": "nir", "output": "rgb", "nodes": [
    op("r", "relu", "nir"),
    op("p1", "avgpool2", "r"),
    op("p2", "avgpool2", "p1"),
    op("u1", "upsample_nearest", "p2"),
    op("u2", "upsample_bilinear", "u1"),
    op("g", "global_avgpool", "nir"),
    op("m", "mul", "u2", "g"),
    op("s", "sigmoid", "m"),
    op("si", "silu", "nir"),
    op("a", "add", "s", "si"),
    op("rgb", "concat", "a", "nir", "s"),
]}
NONE_GRAPH_IDS = {"input": "in", "output": 3, "nodes": [
    op("t", "tanh", 0),
    op("l", "leaky_relu", 1),
    op("c", "concat", 0, 1, 2),
]}
NONE_CONTRACT = contract("nir", 1, "nir-linear", 3, "srgb")

# Four levels (downsamples 16), two channels.
DEEP_TENSORS = [("in.weight", [2, 1, 3, 3]), ("d1.weight", [2, 2, 3, 3]),
                ("d2.weight", [2, 2, 3, 3]), ("out.weight", [3, 4, 1, 1]), ("out.bias", [3])]
DEEP_GRAPH = {"input": "x", "output": "out", "nodes": [
    conv("in", "x", "in.weight", 3, act="relu"),
    conv("d1", "in", "d1.weight", 3, stride=2, act="relu"),
    conv("d2", "d1", "d2.weight", 3, stride=2, act="relu"),
    op("p3", "avgpool2", "d2"),
    op("p4", "avgpool2", "p3"),
    op("u4", "upsample_nearest", "p4"),
    op("u3", "upsample_bilinear", "u4"),
    op("u2", "upsample_nearest", "u3"),
    op("u1", "upsample_bilinear", "u2"),
    op("cat", "concat", "u1", "in"),
    conv("out", "cat", "out.weight", 1, bias="out.bias", act="sigmoid"),
]}


def graph_text(graph):
    """JSON with one node a line."""
    def compact(v):
        return json.dumps(v, separators=(", ", ": "))
    nodes = ",\n  ".join(compact(n) for n in graph["nodes"])
    return ('{"input": %s, "output": %s, "nodes": [\n  %s\n]}\n'
            % (compact(graph["input"]), compact(graph["output"]), nodes))


def main():
    models = {
        "example.safetensors": (EXAMPLE_TENSORS, EXAMPLE_GRAPH, EXAMPLE_CONTRACT, "F32"),
        "example-ids-f16.safetensors": (EXAMPLE_TENSORS, EXAMPLE_GRAPH_IDS, EXAMPLE_CONTRACT,
                                        "F16"),
        "wide-f16.safetensors": (WIDE_TENSORS_K2, WIDE_GRAPH_K2, WIDE_CONTRACT, "F16"),
        "rgb.safetensors": (RGB_TENSORS, RGB_GRAPH, RGB_CONTRACT, "F32"),
        "hints.safetensors": (RGB_TENSORS, RGB_GRAPH, HINTS_CONTRACT, "F32"),
        "no-weights.safetensors": ([], NONE_GRAPH, NONE_CONTRACT, "F32"),
        "deep.safetensors": (DEEP_TENSORS, DEEP_GRAPH, EXAMPLE_CONTRACT, "F16"),
    }
    graphs = {
        "example.txt": ("0", EXAMPLE_GRAPH),
        "example-ids-f16.txt": ("4", EXAMPLE_GRAPH_IDS),
        "wide.txt": ("1", WIDE_GRAPH),
        "rgb-f16.txt": ("6", RGB_GRAPH),
        "no-weights.txt": ("3", NONE_GRAPH),
        "no-weights-ids.txt": ("7", NONE_GRAPH_IDS),
    }
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    for sub in ("model-file", "graph-json"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    for name, (tensors, graph, contr, dtype) in models.items():
        with open(os.path.join(out, "model-file", name), "wb") as f:
            f.write(safetensors(tensors, graph, contr, dtype))
    for name, (selector, graph) in graphs.items():
        with open(os.path.join(out, "graph-json", name), "w", encoding="utf-8") as f:
            f.write(selector + graph_text(graph))


if __name__ == "__main__":
    main()
