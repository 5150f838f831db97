#!/usr/bin/env python3
"""Model file loader and exporter test (meson suite 'core').

    test-model-loader.py LOADER_BINARY SOURCE_ROOT

Exports small networks with models/train/export.py into a temporary folder,
checks that cc_model_load() reads back exactly the tensors, graph and
contract that were written (fp32 and fp16), that the exported graph computes
what the PyTorch module does, and that a corpus of malformed files is each
rejected with its own error code and an actionable message.  TAP output.
"""
import copy
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LOADER, ROOT = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(ROOT, "models", "train"))
import export  # noqa: E402
import test_unet  # noqa: E402
from safetensors_io import build_header, read_safetensors  # noqa: E402
from reference import run_graph  # noqa: E402

TMP = tempfile.mkdtemp(prefix="cc-model-test-")
n_test = 0
failed = []


def ok(cond, what, detail=""):
    global n_test
    n_test += 1
    print(f"{'ok' if cond else 'not ok'} {n_test} - {what}")
    if not cond:
        failed.append(what)
        for line in str(detail)[:2000].splitlines():
            print(f"# {line}")
    return cond


def dump(path):
    p = subprocess.run([LOADER, "dump", path], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return {"crash": p.returncode, "stderr": p.stderr}
    return json.loads(p.stdout)


class Zoo(nn.Module):
    """Every op and every lowering the exporter knows, in one small net."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.c2 = nn.Conv2d(6, 6, 3, stride=2, padding=1, bias=False)
        self.bn_alone = nn.BatchNorm2d(6)
        self.c3 = nn.Conv2d(6, 6, 1)
        self.leaky = nn.LeakyReLU(0.2)
        self.c4 = nn.Conv2d(12, 3, 3, padding=1)
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        a = self.leaky(self.bn1(self.c1(x)))                 # conv + BN + leaky fused
        b = F.silu(self.c2(a))                               # stride 2, fused silu
        b = self.bn_alone(torch.tanh(b))                     # lone BN -> affine conv
        g = torch.sigmoid(self.c3(b.mean((2, 3), keepdim=True)))
        b = g * b                                            # broadcast operand first
        b = F.interpolate(b, scale_factor=2, mode="nearest")
        c = a - b                                            # lowered sub
        d = F.leaky_relu(c + b, 0.1) + 0.5 * a - 0.25        # leaky op, scalar affine ops
        e = self.pool(d)
        e = F.interpolate(e, scale_factor=2.0, mode="bilinear", align_corners=False)
        return torch.sigmoid(self.c4(torch.cat([e, -d], 1)))


# --------------------------------------------------------------------------
# Valid models


def check_readback(path, what):
    d = dump(path)
    if not ok(d.get("ok") is True, f"{what}: loads", d):
        return None
    tensors, meta = read_safetensors(path)
    graph = json.loads(meta["cocolor.graph"])
    contract = json.loads(meta["cocolor.contract"])

    got = {t["name"]: t for t in d["tensors"]}
    ok([t["name"] for t in d["tensors"]] == list(tensors), f"{what}: every tensor, in file order",
       sorted(set(got) ^ set(tensors)))
    same = all(np.array_equal(np.asarray(got[k]["data"], np.float32),
                              v.astype(np.float32).ravel()) and
               got[k]["shape"] == list(v.shape) and
               got[k]["dtype"] == ("F32" if v.dtype == np.float32 else "F16")
               for k, v in tensors.items() if k in got)
    ok(same, f"{what}: tensor names, dtypes, shapes and values round-trip exactly")

    ids = {graph["input"]: 0, **{n["name"]: i + 1 for i, n in enumerate(graph["nodes"])}}
    bad = []
    for want, have in zip(graph["nodes"], d["nodes"]):
        ins = [ids[i] if isinstance(i, str) else i for i in want["inputs"]]
        fields = {"name": want["name"], "op": want["op"], "inputs": ins}
        if want["op"] == "conv2d":
            w = tensors[want["weight"]]
            fields.update(weight=want["weight"], bias=want.get("bias"), kernel=want["kernel"],
                          stride=want["stride"], padding=want["padding"],
                          act=want.get("act", "none"), in_channels=w.shape[1],
                          out_channels=w.shape[0])
        if "alpha" in want:
            fields["alpha"] = float(np.float32(want["alpha"]))
        if any(have.get(k) != v for k, v in fields.items()):
            bad.append((fields, have))
    ok(len(graph["nodes"]) == len(d["nodes"]) and not bad, f"{what}: graph reads back", bad[:2])
    ok(d["output"] == ids[graph["output"]], f"{what}: output value id")

    c = d["contract"]
    f32 = lambda v: float(np.float32(v))  # noqa: E731
    same = (c["task"] == contract["task"] and c["version"] == contract["version"]
            and c["train_resolution"] == contract["train_resolution"]
            and json.loads(c["provenance_json"]) == contract["provenance"]
            and all(c[s]["channels"] == contract[s]["channels"]
                    and c[s]["range"] == [f32(v) for v in contract[s]["range"]]
                    and c[s]["space"] == contract[s]["space"] for s in ("input", "output")))
    ok(same, f"{what}: contract reads back", (c, contract))
    return d, graph, tensors


def check_valid_models():
    contract = export.make_contract(
        "nir", train_resolution=128, version="test-1",
        provenance={"data": "random weights", "metrics": {"psnr": 0.0}})
    torch.manual_seed(0)
    x = torch.rand(1, 1, 16, 16)

    net = test_unet.random_model(3, base=4, levels=3)
    for dtype in ("fp32", "fp16"):
        path = os.path.join(TMP, f"unet-{dtype}.safetensors")
        export.export_model(net, path, contract, dtype)
        r = check_readback(path, f"U-Net {dtype}")
        if r:
            d, graph, tensors = r
            ok(d["downsamples"] == 4, "U-Net: downsamples = 4 for three levels", d["downsamples"])
            with torch.no_grad():
                err = (run_graph(graph, tensors, x) - net(x)).abs().max().item()
            tol = 1e-5 if dtype == "fp32" else 3e-2
            ok(err < tol, f"U-Net {dtype}: the exported graph computes the module ({err:.2e})")

    variants = [dict(down="avgpool", up="nearest", attention=False, blocks=1),
                dict(levels=4, base=2, in_channels=2, out_channels=2)]
    for i, cfg in enumerate(variants):
        net = test_unet.random_model(i, **cfg)
        c = export.make_contract("gray", input_channels=net.config["in_channels"],
                                 output_channels=net.config["out_channels"])
        path = os.path.join(TMP, f"variant-{i}.safetensors")
        export.export_model(net, path, c)
        r = check_readback(path, f"U-Net variant {cfg}")
        if r:
            d, graph, tensors = r
            ok(d["downsamples"] == net.downsamples, f"variant {i}: downsamples")
            xi = torch.rand(1, net.config["in_channels"], 16, 16)
            with torch.no_grad():
                err = (run_graph(graph, tensors, xi) - net(xi)).abs().max().item()
            ok(err < 1e-5, f"variant {i}: the exported graph computes the module ({err:.2e})")

    zoo = test_unet.randomize_(Zoo(), 7).eval()
    path = os.path.join(TMP, "zoo.safetensors")
    export.export_model(zoo, path, contract)
    r = check_readback(path, "op zoo")
    if r:
        d, graph, tensors = r
        ops = {n["op"] for n in graph["nodes"]}
        acts = {n.get("act") for n in graph["nodes"]}
        ok({"mul", "add", "concat", "upsample_nearest", "upsample_bilinear", "avgpool2",
            "global_avgpool", "leaky_relu"} <= ops and {"leaky_relu", "silu"} <= acts,
           "op zoo: exercises every op", (ops, acts))
        with torch.no_grad():
            err = (run_graph(graph, tensors, x) - zoo(x)).abs().max().item()
        ok(err < 1e-5, f"op zoo: the exported graph computes the module ({err:.2e})")

    # Misaligned F32 data (header not padded to a multiple of 4): copied, same values.
    tensors, meta = read_safetensors(os.path.join(TMP, "unet-fp32.safetensors"))
    header, arrays = build_header(tensors, meta)
    text = json.dumps(header).encode()
    text += b" " * ((2 - len(text)) % 4)  # 8 + N = 2 (mod 4)
    path = os.path.join(TMP, "misaligned.safetensors")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(a.tobytes() for a in arrays))
    check_readback(path, "misaligned fp32")

    # No tensor at all (a graph of concats): loads; the fuzzer found that
    # the overlap check then handed qsort () a NULL array.
    graph = {"input": "x", "output": "c", "nodes": [
        {"name": "c", "op": "concat", "inputs": ["x", "x", "x"]}]}
    path = os.path.join(TMP, "no-tensors.safetensors")
    write(path, {"__metadata__": {"cocolor.format": "1", "cocolor.graph": json.dumps(graph),
                                  "cocolor.contract": json.dumps(contract)}}, [])
    d = dump(path)
    ok(d.get("ok") is True and d.get("tensors") == [], "a model with no tensor loads", d)

    # Value ids instead of names.
    graph = json.loads(meta["cocolor.graph"])
    ids = {graph["input"]: 0, **{n["name"]: i + 1 for i, n in enumerate(graph["nodes"])}}
    for n in graph["nodes"]:
        n["inputs"] = [ids[i] for i in n["inputs"]]
    graph["output"] = ids[graph["output"]]
    m2 = dict(meta, **{"cocolor.graph": json.dumps(graph)})
    path = os.path.join(TMP, "ids.safetensors")
    write(path, *build_header(tensors, m2))
    d = dump(path)
    ok(d.get("ok") is True and d["output"] == len(graph["nodes"]),
       "graph inputs and output given as value ids", d)

    # The command line.
    path = os.path.join(TMP, "cli.safetensors")
    p = subprocess.run([sys.executable, os.path.join(ROOT, "models", "train", "export.py"),
                        "--random", "--base", "4", "--levels", "2", "--up", "nearest",
                        "--dtype", "fp16", "--task", "gray", "-o", path],
                       capture_output=True, text=True)
    d = dump(path) if p.returncode == 0 else {"stderr": p.stderr}
    ok(d.get("ok") is True and d["contract"]["task"] == "gray" and d["downsamples"] == 2
       and all(t["dtype"] == "F16" for t in d["tensors"]), "export.py command line", d)

    # The exporter refuses what the core cannot run, clearly.
    class Bad(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 3, 3, padding=1)

        def forward(self, x):
            return F.max_pool2d(self.c(x), 1)

    try:
        export.export_model(Bad(), os.path.join(TMP, "bad.safetensors"), contract)
        ok(False, "exporter rejects max_pool2d")
    except export.ExportError as e:
        ok("max_pool2d" in str(e), "exporter rejects max_pool2d, naming it", e)


# --------------------------------------------------------------------------
# Malformed corpus


def write(path, header, arrays, data=None):
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    text += b" " * (-(8 + len(text)) % 8)
    body = data if data is not None else b"".join(a.tobytes() for a in arrays)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + body)


def check_rejected(name, blob, code, needle):
    path = os.path.join(TMP, f"bad-{name}.safetensors")
    with open(path, "wb") as f:
        f.write(blob)
    d = dump(path)
    good = (d.get("ok") is False and d.get("domain_ok") and d.get("code") == code
            and needle.lower() in d.get("message", "").lower()
            and f"bad-{name}.safetensors" in d.get("message", ""))
    ok(good, f"malformed '{name}': {code} mentioning '{needle}'", d)


def malformed_corpus():
    base = os.path.join(TMP, "unet-fp32.safetensors")
    tensors, meta = read_safetensors(base)
    header, arrays = build_header(tensors, meta)
    data = b"".join(a.tobytes() for a in arrays)
    with open(base, "rb") as f:
        valid = f.read()
    graph = json.loads(meta["cocolor.graph"])
    contract = json.loads(meta["cocolor.contract"])
    first = next(iter(tensors))                      # a conv weight
    conv0 = graph["nodes"][0]

    def blob(h=None, body=None, raw_header=None):
        text = raw_header if raw_header is not None else json.dumps(h or header).encode()
        text += b" " * (-(8 + len(text)) % 8)
        return struct.pack("<Q", len(text)) + text + (data if body is None else body)

    def with_entry(name, **changes):
        h = copy.deepcopy(header)
        h[name].update(changes)
        return blob(h)

    def with_meta(**changes):
        h = copy.deepcopy(header)
        for k, v in changes.items():
            if v is None:
                h["__metadata__"].pop(k, None)
            else:
                h["__metadata__"][k] = v
        return blob(h)

    def with_graph(fn):
        g = copy.deepcopy(graph)
        fn(g)
        return with_meta(**{"cocolor.graph": json.dumps(g)})

    def with_contract(fn):
        c = copy.deepcopy(contract)
        fn(c)
        return with_meta(**{"cocolor.contract": json.dumps(c)})

    def nan_in(name, value, dtype):
        h = copy.deepcopy(header)
        arrs = [a.copy() for a in arrays]
        i = list(tensors).index(name)
        a = arrs[i].astype(dtype)
        a.ravel()[len(a.ravel()) // 2] = value
        arrs[i] = a
        # re-layout offsets for the (maybe) changed dtype
        off = 0
        for k, arr in zip(tensors, arrs):
            h[k]["dtype"] = "F16" if arr.dtype == np.float16 else "F32"
            h[k]["data_offsets"] = [off, off + arr.nbytes]
            off += arr.nbytes
        return blob(h, b"".join(a.tobytes() for a in arrs))

    def node_set(i, **kv):
        def fn(g):
            g["nodes"][i].update(kv)
            for k, v in kv.items():
                if v is None:
                    del g["nodes"][i][k]
        return fn

    def find(g, op, **attrs):
        return next(i for i, n in enumerate(g["nodes"])
                    if n["op"] == op and all(n.get(k) == v for k, v in attrs.items()))

    hlen = len(valid) - len(data) - 8
    cases = [
        ("empty", b"", "TRUNCATED", "too short"),
        ("five-bytes", b"\x10\0\0\0\0", "TRUNCATED", "too short"),
        ("header-longer-than-file", struct.pack("<Q", len(valid)) + valid[8:],
         "TRUNCATED", "truncated"),
        ("truncated-header", valid[:8 + hlen // 2], "TRUNCATED", "truncated"),
        ("truncated-data", valid[:-5], "OFFSETS", "data section"),
        ("absurd-header-length", struct.pack("<Q", 1 << 40) + valid[8:], "HEADER", "absurd"),
        ("zero-header-length", struct.pack("<Q", 0) + valid[8:], "HEADER", "absurd"),
        ("bad-json", blob(raw_header=b'{"a": [1, 2'), "HEADER", "not valid JSON"),
        ("not-utf8-json", blob(raw_header=b'{"\xff\xfe": 1}'), "HEADER", "JSON"),
        ("header-array", blob(raw_header=b"[1, 2, 3]"), "HEADER", "not a JSON object"),
        ("entry-not-object", blob({**header, first: 3}), "HEADER", first),
        ("missing-shape", with_entry(first, shape=None), "HEADER", "shape"),
        ("zero-dim", with_entry(first, shape=[0, 1, 3, 3]), "HEADER", "dimension 0"),
        ("negative-dim", with_entry(first, shape=[4, -1, 3, 3]), "HEADER", "dimension 1"),
        ("float-dim", with_entry(first, shape=[4, 1.5, 3, 3]), "HEADER", "dimension 1"),
        ("absurd-shape", with_entry(first, shape=[1 << 20, 1 << 20]), "HEADER", "absurdly large"),
        ("five-dims", with_entry(first, shape=[1, 1, 1, 1, 1]), "HEADER", "dimensions"),
        ("dtype-bf16", with_entry(first, dtype="BF16"), "DTYPE", "BF16"),
        ("dtype-i64", with_entry(first, dtype="I64"), "DTYPE", "I64"),
        ("dtype-not-string", with_entry(first, dtype=32), "DTYPE", "F32 and F16"),
        ("offsets-wrong-size",
         with_entry(first, data_offsets=[header[first]["data_offsets"][0],
                                         header[first]["data_offsets"][1] - 4]),
         "OFFSETS", "need"),
        ("offsets-reversed", with_entry(first, data_offsets=[8, 4]), "OFFSETS", "increasing"),
        ("offsets-negative", with_entry(first, data_offsets=[-4, 140]), "OFFSETS", "non-negative"),
        ("offsets-not-ints", with_entry(first, data_offsets=[0.0, 144.0]), "HEADER",
         "data_offsets"),
        ("offsets-out-of-range",
         with_entry(first, data_offsets=[len(data) - 4, len(data) - 4 + 4 * tensors[first].size]),
         "OFFSETS", "data section"),
        ("offsets-overlap",
         with_entry(list(tensors)[1], data_offsets=[
             4, 4 + 4 * tensors[list(tensors)[1]].size]),
         "OFFSETS", "overlap"),
        ("nan-f32", nan_in(first, np.nan, np.float32), "VALUES", "NaN"),
        ("inf-f32", nan_in(first, np.inf, np.float32), "VALUES", "Inf"),
        ("nan-f16", nan_in(first, np.nan, np.float16), "VALUES", "NaN"),
        ("inf-f16", nan_in(first, -np.inf, np.float16), "VALUES", "Inf"),
        ("metadata-not-object", blob({**header, "__metadata__": ["x"]}), "HEADER", "__metadata__"),
        ("metadata-not-string", with_meta(**{"cocolor.extra": 3}), "HEADER", "cocolor.extra"),
        ("no-metadata", blob({k: v for k, v in header.items() if k != "__metadata__"}),
         "CONTRACT", "cocolor.format"),
        ("format-version-2", with_meta(**{"cocolor.format": "2"}), "CONTRACT", "version 2"),
        ("missing-contract", with_meta(**{"cocolor.contract": None}), "CONTRACT",
         "cocolor.contract"),
        ("contract-bad-json", with_meta(**{"cocolor.contract": "{task:"}), "CONTRACT",
         "not valid JSON"),
        ("contract-task", with_contract(lambda c: c.update(task="rgb")), "CONTRACT", "task"),
        ("contract-channels", with_contract(lambda c: c["input"].update(channels=0)), "CONTRACT",
         "input.channels"),
        ("contract-range", with_contract(lambda c: c["output"].update(range=[1, 0])), "CONTRACT",
         "output.range"),
        ("contract-range-huge", with_contract(lambda c: c["output"].update(range=[-3e38, 3e38])),
         "CONTRACT", "output.range"),
        ("contract-range-tiny", with_contract(lambda c: c["output"].update(range=[0, 1e-45])),
         "CONTRACT", "output.range"),
        ("contract-input-range-huge",
         with_contract(lambda c: c["input"].update(range=[0, 1e6])), "CONTRACT", "input.range"),
        ("contract-space", with_contract(lambda c: c["input"].update(space="sRGB")), "CONTRACT",
         "input.space"),
        ("contract-resolution", with_contract(lambda c: c.pop("train_resolution")), "CONTRACT",
         "train_resolution"),
        ("contract-version", with_contract(lambda c: c.update(version="")), "CONTRACT",
         "version"),
        ("contract-provenance", with_contract(lambda c: c.pop("provenance")), "CONTRACT",
         "provenance"),
        ("missing-graph", with_meta(**{"cocolor.graph": None}), "GRAPH", "cocolor.graph"),
        ("graph-bad-json", with_meta(**{"cocolor.graph": "[{"}), "GRAPH", "not valid JSON"),
        ("graph-no-nodes", with_graph(lambda g: g.update(nodes=[])), "GRAPH", "0 nodes"),
        ("unknown-op", with_graph(node_set(1, op="gelu")), "GRAPH", "unknown op 'gelu'"),
        ("unknown-attribute", with_graph(node_set(0, strid=2)), "GRAPH",
         "unknown attribute 'strid'"),
        ("cycle", with_graph(node_set(0, inputs=[graph["nodes"][1]["name"]])), "GRAPH",
         "used before"),
        ("self-loop", with_graph(node_set(0, inputs=[conv0["name"]])), "GRAPH", "used before"),
        ("forward-id", with_graph(node_set(0, inputs=[2])), "GRAPH", "used before"),
        ("bad-id", with_graph(node_set(0, inputs=[99999])), "GRAPH", "does not exist"),
        ("undefined-input", with_graph(node_set(0, inputs=["nowhere"])), "GRAPH",
         "'nowhere' names no value"),
        ("duplicate-name", with_graph(node_set(1, name=conv0["name"])), "GRAPH", "used twice"),
        ("relu-two-inputs", with_graph(lambda g: g["nodes"].insert(
            1, {"name": "r", "op": "relu", "inputs": ["input", "input"]})), "GRAPH", "takes"),
        ("concat-one-input", with_graph(lambda g: g["nodes"].insert(
            1, {"name": "r", "op": "concat", "inputs": ["input"]})), "GRAPH", "takes"),
        ("weight-shape", with_graph(node_set(1, weight=conv0["weight"])), "GRAPH",
         "must have shape"),
        ("weight-missing", with_graph(node_set(0, weight="ghost.weight")), "GRAPH",
         "'ghost.weight' is not in the file"),
        ("no-weight", with_graph(node_set(0, weight=None)), "GRAPH", "weight"),
        ("bias-shape", with_graph(node_set(0, bias=graph["nodes"][-1]["bias"])), "GRAPH",
         "bias"),
        ("kernel-mismatch", with_graph(node_set(0, kernel=5, padding=2)), "GRAPH",
         "must have shape"),
        ("bad-padding", with_graph(node_set(0, padding=0)), "GRAPH",
         "neither keeps nor exactly halves"),
        ("stride-3", with_graph(node_set(0, stride=3)), "GRAPH", "stride"),
        ("bad-act", with_graph(node_set(0, act="gelu")), "GRAPH", "act"),
        ("concat-scales", with_graph(lambda g: g["nodes"][find(g, "concat")].update(
            inputs=[g["nodes"][find(g, "concat")]["inputs"][0], "input"])), "GRAPH",
         "different image sizes"),
        ("add-channels", with_graph(lambda g: g["nodes"].insert(
            1, {"name": "s", "op": "add", "inputs": ["input", conv0["name"]]})), "GRAPH",
         "channels"),
        ("mul-broadcast-first", with_graph(lambda g: g["nodes"][find(g, "mul")].update(
            inputs=g["nodes"][find(g, "mul")]["inputs"][::-1])), "GRAPH", "second input"),
        ("upsample-global", with_graph(lambda g: g["nodes"].insert(
            find(g, "global_avgpool") + 1,
            {"name": "u", "op": "upsample_nearest", "inputs": [
                g["nodes"][find(g, "global_avgpool")]["name"]]})), "GRAPH", "cannot follow"),
        ("output-channels", with_contract(lambda c: c["output"].update(channels=4)), "GRAPH",
         "contract promises 4"),
        ("output-size", with_graph(lambda g: g.update(output=g["nodes"][find(g, "concat")]
                                                      ["inputs"][0])), "GRAPH", "image size"),
        ("output-is-input", with_graph(lambda g: g.update(output="input")), "GRAPH",
         "the input itself"),
        ("output-missing", with_graph(lambda g: g.pop("output")), "GRAPH", "output"),
        ("too-deep", with_graph(lambda g: g["nodes"].extend(
            {"name": f"p{i}", "op": "avgpool2", "inputs": [g["output"] if i == 0 else f"p{i-1}"]}
            for i in range(20))), "GRAPH", "2^16"),
        ("too-large", with_graph(lambda g: g["nodes"].extend(
            {"name": f"u{i}", "op": "upsample_nearest",
             "inputs": [g["output"] if i == 0 else f"u{i-1}"]}
            for i in range(20))), "GRAPH", "image side larger than"),
    ]
    for name, b, code, needle in cases:
        check_rejected(name, b, code, needle)
    check_unused_and_huge(header, data)
    check_odd_paths()
    check_rewrite_while_loading()

    # Robustness: every cut of the file and random corruption of the header
    # give either a model or a CC_MODEL_ERROR, never a crash.
    rng = random.Random(1)
    cuts = sorted(set(range(0, 64)) | set(rng.randrange(len(valid)) for _ in range(60)))
    crashes = []
    for i, cut in enumerate(cuts):
        path = os.path.join(TMP, "cut.safetensors")
        with open(path, "wb") as f:
            f.write(valid[:cut])
        d = dump(path)
        if "crash" in d or not (d["ok"] or d["domain_ok"]):
            crashes.append((cut, d))
    ok(not crashes, f"{len(cuts)} truncations fail cleanly", crashes[:3])
    crashes = []
    for i in range(150):
        b = bytearray(valid)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(8, 8 + hlen)] = rng.randrange(256)
        path = os.path.join(TMP, "flip.safetensors")
        with open(path, "wb") as f:
            f.write(bytes(b))
        d = dump(path)
        if "crash" in d or not (d["ok"] or d["domain_ok"]):
            crashes.append((i, d))
    ok(not crashes, "150 random header corruptions fail cleanly", crashes[:3])


def with_extra_tensor(header, data, name, dtype, shape):
    """The valid model plus one more tensor, at the end of the data section."""
    h = copy.deepcopy(header)
    size = int(np.prod(shape)) * (2 if dtype == "F16" else 4)
    h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + size]}
    text = json.dumps(h).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def check_unused_and_huge(header, data):
    """Tensors no node uses are refused, and weights are capped (64 MiB as fp32)."""
    blob = with_extra_tensor(header, data, "spare.weight", "F32", [4, 4])
    check_rejected("unused-tensor", blob + bytes(64), "GRAPH", "used by no node")

    # A 16.8 M-element F16 tensor: 33 MB in the file, over 64 MiB as fp32.
    # Written sparse (zeros), so the test costs no disk.
    shape = [4100, 4100]
    head = with_extra_tensor(header, data, "huge.weight", "F16", shape)
    path = os.path.join(TMP, "bad-weights-cap.safetensors")
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(len(head) + 2 * shape[0] * shape[1])
    d = dump(path)
    ok(d.get("ok") is False and d.get("code") == "HEADER" and "MiB of weights" in
       d.get("message", ""), "over 64 MiB of weights: refused before any is read", d)

    # What a hostile probe made: a valid tiny model plus a [32768, 32768] F16
    # tensor in a sparse file of 2 GiB.  Refused by its size, at once.
    shape = [32768, 32768]
    head = with_extra_tensor(header, data, "sparse.weight", "F16", shape)
    path = os.path.join(TMP, "bad-sparse-huge.safetensors")
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(len(head) + 2 * shape[0] * shape[1])
    d = dump(path)
    ok(d.get("ok") is False and d.get("code") == "IO" and "at most" in d.get("message", ""),
       "a 2 GiB sparse model file: refused by its size", d)


def check_odd_paths():
    """Things that are not model files say what they are, and never hang."""
    d = dump(TMP)
    ok(d.get("ok") is False and d.get("code") == "IO" and "folder" in d.get("message", ""),
       "a folder as the model: says it is a folder", d)
    d = dump("/dev/zero")
    ok(d.get("ok") is False and d.get("code") == "IO"
       and "not a regular file" in d.get("message", ""), "/dev/zero: not a regular file", d)
    fifo = os.path.join(TMP, "fifo.safetensors")
    os.mkfifo(fifo)
    try:
        d = dump(fifo)
    except subprocess.TimeoutExpired:
        d = {"hang": True}
    ok(d.get("ok") is False and "not a regular file" in d.get("message", ""),
       "a FIFO: refused without blocking", d)
    d = dump(os.path.join(TMP, "nowhere", "model.safetensors"))
    ok(d.get("ok") is False and d.get("code") == "IO"
       and "No such file" in d.get("message", ""), "a missing file: says so", d)


def check_rewrite_while_loading():
    """A model file rewritten in place (truncated, then written) while it is
    being loaded: every load gives a model or an error, never a signal."""
    import threading
    blobs = []
    for base, dtype in ((24, "fp32"), (2, "fp16")):  # about 2.6 MB and 4 KB
        other = os.path.join(TMP, f"rewrite-{base}.safetensors")
        export.export_model(test_unet.random_model(3, base=base, levels=3), other,
                            export.make_contract("nir", train_resolution=64, version="t",
                                                 provenance={}), dtype)
        with open(other, "rb") as f:
            blobs.append(f.read())
    valid, small = blobs
    path = os.path.join(TMP, "rewritten.safetensors")
    with open(path, "wb") as f:
        f.write(valid)
    stop = threading.Event()

    def rewrite():
        i = 0
        while not stop.is_set():
            with open(path, "wb", buffering=0) as f:  # truncates in place, as cp does
                blob = (valid, small)[i % 2]
                for k in range(0, len(blob), 1 << 16):
                    f.write(blob[k:k + (1 << 16)])
            i += 1
            time.sleep(0.002)  # complete files, then a rewrite in the middle of a load

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        p = subprocess.run([LOADER, "load-loop", path, "400"], capture_output=True, text=True,
                           timeout=120)
    finally:
        stop.set()
        writer.join()
    counts = p.stdout.split()
    ok(p.returncode == 0 and len(counts) == 4 and int(counts[1]) + int(counts[3]) == 400,
       f"400 loads while the file is rewritten in place: no crash ({p.stdout.strip()})",
       f"exit {p.returncode}\n{p.stderr[-2000:]}")


def check_hint_contracts():
    """input.hints (models/FORMAT.md, "Hint inputs"): declared planes read back, each rule refused with a
    message naming it, and a model without hints reads as taking none."""
    declared = (("gray", ["cb", "cr", "mask"]), ("nir", ["y", "cb", "cr", "mask"]),
                ("gray", ["cb", "cr", "mask", "near_cb", "near_cr", "near_close"]),
                ("nir", ["y", "cb", "cr", "mask", "near_y", "near_cb", "near_cr", "near_close"]),
                ("gray", ["near_close", "mask", "near_cr"]))
    for i, (task, planes) in enumerate(declared):
        net = test_unet.random_model(5, base=4, levels=2, in_channels=1 + len(planes))
        c = export.make_contract(task, input_channels=1 + len(planes),
                                 hints=export.hint_contract(planes, min_radius=3))
        path = os.path.join(TMP, f"hints-{i}-{task}.safetensors")
        export.export_model(net, path, c)
        d = dump(path)
        h = d.get("contract", {}).get("hints")
        ok(d.get("ok") is True and h == {"first": 1, "channels": planes, "min_radius": 3},
           f"hints {task} {planes}: the hint planes read back", d)
    d = dump(os.path.join(TMP, "unet-fp32.safetensors"))
    ok(d.get("ok") is True and "hints" not in d["contract"], "a model without input.hints takes none", d)

    tensors, meta = read_safetensors(os.path.join(TMP, "hints-0-gray.safetensors"))   # cb, cr, mask
    header, arrays = build_header(tensors, meta)
    data = b"".join(a.tobytes() for a in arrays)
    contract = json.loads(meta["cocolor.contract"])

    def with_hints(fn):
        c = copy.deepcopy(contract)
        fn(c["input"]["hints"], c)
        h = copy.deepcopy(header)
        h["__metadata__"]["cocolor.contract"] = json.dumps(c)
        text = json.dumps(h).encode()
        text += b" " * (-(8 + len(text)) % 8)
        return struct.pack("<Q", len(text)) + text + data

    cases = [
        ("hints-not-object", lambda h, c: c["input"].update(hints=[1]), "input.hints must be an object"),
        ("hints-no-mask", lambda h, c: h.update(channels=["cb", "cr", "cb"]), "at most once"),
        ("hints-mask-missing", lambda h, c: h.update(channels=["y", "cb", "cr"]), "mask"),
        ("hints-unknown", lambda h, c: h.update(channels=["cb", "alpha", "mask"]), "at most once"),
        ("hints-gray-y", lambda h, c: h.update(channels=["y", "cr", "mask"]), "gray model takes no"),
        ("hints-gray-near-y", lambda h, c: h.update(channels=["near_y", "cr", "mask"]),
         "gray model takes no"),
        ("hints-near-twice", lambda h, c: h.update(channels=["near_cb", "mask", "near_cb"]), "at most once"),
        ("hints-near-unknown", lambda h, c: h.update(channels=["near_cb", "near_alpha", "mask"]),
         "at most once"),
        ("hints-near-no-mask", lambda h, c: h.update(channels=["near_cb", "near_cr", "near_close"]), "mask"),
        ("hints-too-many", lambda h, c: (h.update(channels=["cb", "cr", "mask", "near_cb", "near_cr", "near_close",
                                                            "cb", "cr", "mask"]),
                                         c["input"].update(channels=10)), "1 to 8"),
        ("hints-not-last", lambda h, c: h.update(first=0), "end the input"),
        ("hints-first-off", lambda h, c: c["input"].update(channels=5), "end the input"),
        ("hints-space", lambda h, c: h.update(space="lab"), "bt601-srgb"),
        ("hints-radius", lambda h, c: h.update(min_radius=65), "min_radius"),
        ("hints-radius-type", lambda h, c: h.update(min_radius="2"), "min_radius"),
        ("hints-channels-empty", lambda h, c: h.update(channels=[]), "input.hints.channels"),
    ]
    for name, fn, needle in cases:
        check_rejected(name, with_hints(fn), "CONTRACT", needle)


def main():
    check_valid_models()
    malformed_corpus()
    check_hint_contracts()
    print(f"1..{n_test}")
    if failed:
        print(f"# {len(failed)} failed; files kept in {TMP}")
        return 1
    import shutil
    shutil.rmtree(TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
