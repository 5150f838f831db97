#!/usr/bin/env python3
"""Benchmark: the reference U-Net (models/train/networks.py, base 32, four
levels, random weights) in the C core, PyTorch CPU and onnxruntime CPU, two
threads each, measured in the same run.  The machine is shared: every figure
is the fastest of several runs.

    bench.py BENCH_CORE TRAIN_DIR

Prints the C core's per-layer table at 512x512, whole-network milliseconds at
256, 512 and 1024, the convolutions' fraction of the FP32 peak, and ends with
(GFLOPS: the network's FLOPs counted the direct way, as usually quoted,
over the time; the fraction of peak counts what the C core actually
performs, which on its Winograd path is about a quarter of that)

    bench: device=cpu size=512 cocolor_ms=... torch_ms=... ort_ms=...

With DEVICE=opencl, the same network on the OpenCL backend against the CPU
backend in the same run (no PyTorch), ending with

    bench: device=opencl size=512 cocolor_ms=... cpu_ms=...
"""
import contextlib
import os
import subprocess
import sys
import tempfile
import time

BENCH_CORE, TRAIN_DIR = sys.argv[1], sys.argv[2]
sys.path.insert(0, TRAIN_DIR)

THREADS = 2
SIZES = (256, 512, 1024)
REPEATS = {256: 10, 512: 5, 1024: 3}
# The machine is shared and its load comes in bursts: the three engines take
# turns, round after round, so that each meets the same load; each keeps
# its fastest run over all rounds.
ROUNDS = 3
PEAK_GFLOPS = 310.0  # two cores' nominal FP32 peak (an FMA loop reaches ~230 on this Zen 4)

DEVICE = os.environ.get("DEVICE", "cpu")
if DEVICE not in ("cpu", "opencl"):
    print(f"bench: DEVICE={DEVICE}: not a backend (cpu, opencl)")
    sys.exit(2)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.fx.experimental.optimization import fuse  # noqa: E402

import export  # noqa: E402
import networks  # noqa: E402

try:
    import onnxruntime as ort
except ImportError:
    ort = None

torch.set_num_threads(THREADS)


@contextlib.contextmanager
def quiet_stderr():
    """Hides the native libraries' chatter on fd 2 (onnx schema registration
    prints hundreds of lines), showing it only if the block fails."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as log:
        os.dup2(log.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def onnx_export(module, path):
    """torch.onnx.export without the onnx package: its one use of it inserts
    onnxscript functions, which this network has none of."""
    from torch.onnx._internal import onnx_proto_utils
    try:
        import onnx  # noqa: F401
    except ImportError:
        onnx_proto_utils._add_onnxscript_fn = lambda proto, custom_opsets: proto
    torch.onnx.export(module, torch.zeros(1, 1, 256, 256), path,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {2: "h", 3: "w"}, "y": {2: "h", 3: "w"}})


def core(path, size, layers=False, device="cpu", repeats=None):
    args = [BENCH_CORE, path, str(size), str(THREADS), str(repeats or REPEATS[size])]
    env = dict(os.environ, COCOLOR_DEVICE=device)
    out = subprocess.run(args + (["--layers"] if layers else []), check=True,
                         capture_output=True, text=True, env=env).stdout
    lines = out.strip().splitlines()
    fields = dict(kv.split("=") for kv in lines[-1].split())
    if fields.pop("device") != device:
        sys.exit(f"bench: {device} was asked for, but the backend fell back to the CPU")
    return lines[:-1], {k: float(v) for k, v in fields.items()}


def main_opencl(path):
    """The OpenCL backend against the CPU backend, same file, same run."""
    print(f"OpenCL backend (kernels + CLBlast) against the CPU backend ({THREADS} threads)")
    core(path, 256, device="opencl")  # compiles CLBlast's kernels once (PoCL: slow)
    table, _ = core(path, 512, layers=True, device="opencl")
    print("OpenCL backend per layer at 512x512 (fastest run of each layer):")
    print("\n".join(table))
    results = {}
    for size in SIZES:
        _, g = core(path, size, device="opencl")
        _, c = core(path, size)
        results[size] = (g["total_ms"], c["total_ms"], g["peak_bytes"])
    print(f"\n{'size':>6} {'arena MiB':>10} {'opencl ms':>10} {'cpu ms':>8} {'opencl/cpu':>11}")
    for size, (g_ms, c_ms, peak) in results.items():
        print(f"{size:>6} {peak / 2**20:>10.1f} {g_ms:>10.1f} {c_ms:>8.1f} {g_ms / c_ms:>10.2f}x")
    g_ms, c_ms = results[512][:2]
    print(f"bench: device=opencl size=512 cocolor_ms={g_ms:.1f} cpu_ms={c_ms:.1f}")
    return 0


def best_ms(fn, repeats):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def main():
    net = networks.random_model(0)  # base 32, four levels
    # PyTorch runs the BatchNorm-folded network: the same arithmetic as the file.
    folded = fuse(net).eval()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "ref.safetensors")
        export.export_model(net, path, export.make_contract("gray"))
        if DEVICE == "opencl":
            return main_opencl(path)
        onnx_path = os.path.join(tmp, "ref.onnx")
        session = None
        with quiet_stderr():
            onnx_export(folded, onnx_path)
        if ort is not None:
            so = ort.SessionOptions()
            so.intra_op_num_threads = THREADS
            so.inter_op_num_threads = 1
            so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            with quiet_stderr():
                session = ort.InferenceSession(onnx_path, so,
                                               providers=["CPUExecutionProvider"])

        print(f"reference U-Net: {networks.count_parameters(net) / 1e6:.2f} M parameters, "
              f"{THREADS} threads each, best of several runs taken in turns")
        table, f = core(path, 512, layers=True)
        print("C core per layer at 512x512 (fastest run of each layer; GFLOPS counted the "
              "direct way, done: the arithmetic the core performs):")
        print("\n".join(table))
        print(f"convolutions: {f['conv_ms']:.1f} ms, {f['conv_gflop']:.1f} GFLOP counted the direct "
              f"way ({f['conv_gflop'] / f['conv_ms'] * 1e3:.0f} GFLOPS), "
              f"{f['conv_gflop_done']:.1f} GFLOP performed "
              f"({f['conv_gflop_done'] / f['conv_ms'] * 1e3:.0f} GFLOPS, "
              f"{f['conv_gflop_done'] / f['conv_ms'] * 1e3 / PEAK_GFLOPS:.0%} of the "
              f"{PEAK_GFLOPS:.0f} GFLOPS peak)")

        for size in SIZES:
            x = torch.rand(1, 1, size, size)
            xn = x.numpy()
            repeats = REPEATS[size] // 2 + 1
            c_ms = t_ms = o_ms = float("inf")
            load = os.getloadavg()[0]
            for _ in range(ROUNDS):
                _, c = core(path, size, repeats=repeats)
                c_ms = min(c_ms, c["total_ms"])
                with torch.no_grad():
                    t_ms = min(t_ms, best_ms(lambda: folded(x), repeats))
                if session is not None:
                    o_ms = min(o_ms, best_ms(lambda: session.run(None, {"x": xn}), repeats))
            if session is None:
                o_ms = float("nan")
            load = (load + os.getloadavg()[0]) / 2
            results[size] = (c_ms, t_ms, o_ms, c["conv_gflop"], c["conv_gflop_done"],
                             c["peak_bytes"], load)

    print(f"\n{'size':>6} {'GFLOP':>7} {'peak MiB':>9} {'cocolor ms':>11} {'torch ms':>9} "
          f"{'ort ms':>8} {'vs torch':>9} {'vs ort':>7} {'GFLOPS':>7} {'done':>6} {'of peak':>8} "
          f"{'load':>5}")
    for size, (c_ms, t_ms, o_ms, gflop, done, peak, load) in results.items():
        gflops, done_gflops = gflop / (c_ms * 1e-3), done / (c_ms * 1e-3)
        print(f"{size:>6} {gflop:>7.1f} {peak / 2**20:>9.1f} {c_ms:>11.1f} {t_ms:>9.1f} "
              f"{o_ms:>8.1f} {t_ms / c_ms:>8.2f}x {o_ms / c_ms:>6.2f}x {gflops:>7.1f} "
              f"{done_gflops:>6.1f} {done_gflops / PEAK_GFLOPS:>7.1%} {load:>5.1f}")
    print(f"(GFLOPS: the GFLOP column, counted the direct way, over the whole network's time; "
          f"done and of peak: the arithmetic the core performs)")
    print(f"(load: the machine's 1-minute load average while that size ran; "
          f"{THREADS} cores)")
    c_ms, t_ms, o_ms = results[512][:3]
    print(f"bench: device=cpu size=512 cocolor_ms={c_ms:.1f} torch_ms={t_ms:.1f} ort_ms={o_ms:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
