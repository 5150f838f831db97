"""Minimal safetensors reader/writer with numpy only (no `safetensors` package).

Layout: 8-byte little-endian header length N, N bytes of JSON header,
then the raw little-endian tensor bytes.  See models/FORMAT.md.
"""
from __future__ import annotations

import json
import struct

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2")}
NAMES = {np.dtype("float32"): "F32", np.dtype("float16"): "F16"}


def build_header(tensors: dict[str, np.ndarray], metadata: dict[str, str] | None):
    """Header dict and the list of arrays in data order (contiguous, no holes)."""
    header: dict = {}
    if metadata:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError("safetensors metadata maps strings to strings")
        header["__metadata__"] = dict(metadata)
    offset, arrays = 0, []
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        if array.dtype not in NAMES:
            raise TypeError(f"tensor {name!r}: dtype {array.dtype} is not float32 or float16")
        array = array.astype(DTYPES[NAMES[array.dtype]], copy=False)
        header[name] = {"dtype": NAMES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        arrays.append(array)
    return header, arrays


def encode_header(header: dict) -> bytes:
    """JSON header padded with spaces so the data section starts 8-byte aligned
    (what the reference implementation does; it lets fp32 load zero-copy)."""
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text


def write_safetensors(path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None):
    header, arrays = build_header(tensors, metadata)
    with open(path, "wb") as f:
        f.write(encode_header(header))
        for array in arrays:
            f.write(array.tobytes())


def read_safetensors(path):
    """(tensors as numpy arrays in their file dtype, metadata dict)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], DTYPES[entry["dtype"]]).reshape(entry["shape"])
    return tensors, metadata
