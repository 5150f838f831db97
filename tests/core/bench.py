#!/usr/bin/env python3
"""Benchmark: two networks in the C core, PyTorch CPU and onnxruntime CPU, two
threads each, measured in the same run.  The machine is shared: every figure
is the fastest of several runs.

    bench.py BENCH_CORE TRAIN_DIR

The networks:

- the reference U-Net (models/train/test_unet.py, base 32, four levels, ~2 M
  parameters, random weights), exported fp32 to a temporary file;
- the shipped NIR network: models/cocolor-nir.safetensors as it is (fp16) in
  the C core; in PyTorch and onnxruntime the same module rebuilt from the
  training state (models/cocolor-train-state.pt, the net its nir_choice names,
  as export_models.py exported it).

PyTorch runs each network with its BatchNorm folded (torch.fx fuse), the same
arithmetic as the file; onnxruntime runs an ONNX export of that folded module.
Before timing, the C core (run-model, next to BENCH_CORE) and PyTorch run each
network on the same 256x256 input and the largest absolute difference is
printed (the shipped net: fp16 weights both sides, rounded at different
points, so under 1e-3 of the output's scale); a bench of two different networks
fails there.

For the reference U-Net it prints the C core's per-layer table at 512x512; for
both networks, the convolutions' fraction of the FP32 peak at 512x512 and a
whole-network table (milliseconds at 256, 512 and 1024).  (GFLOPS: the
network's FLOPs counted the direct way, as usually quoted, over the time; the
fraction of peak counts what the C core actually performs, which on its
Winograd path is about a quarter of that.)  It ends with one line per network,
the shipped one last:

    bench-reference: device=cpu size=512 cocolor_ms=... torch_ms=... ort_ms=...
    bench: device=cpu size=512 cocolor_ms=... torch_ms=... ort_ms=...

With DEVICE=opencl, both networks on the OpenCL backend against the CPU
backend in the same run (no PyTorch), ending with

    bench-reference: device=opencl size=512 cocolor_ms=... cpu_ms=...
    bench: device=opencl size=512 cocolor_ms=... cpu_ms=...
"""
import contextlib
import os
import subprocess
import sys
import tempfile
import time

BENCH_CORE, TRAIN_DIR = sys.argv[1], sys.argv[2]
RUN_MODEL = os.path.join(os.path.dirname(os.path.abspath(BENCH_CORE)), "run-model")
MODELS_DIR = os.path.dirname(os.path.abspath(TRAIN_DIR))
SHIPPED = os.path.join(MODELS_DIR, "cocolor-nir.safetensors")
SHIPPED_STATE = os.path.join(MODELS_DIR, "cocolor-train-state.pt")
sys.path.insert(0, TRAIN_DIR)
sys.path.insert(1, os.path.dirname(MODELS_DIR))  # models.train.checkpoints, for the shipped choice

THREADS = 2
SIZES = (256, 512, 1024)
REPEATS = {256: 10, 512: 5, 1024: 3}
# The machine is shared and its load comes in bursts: the three engines take
# turns, round after round, so that each meets the same load; each keeps
# its fastest run over all rounds.
ROUNDS = 3
PEAK_GFLOPS = 310.0  # two cores' nominal FP32 peak (an FMA loop reaches ~230 on this Zen 4)
# C core against PyTorch on the same input, relative to the output's largest
# magnitude (random noise drives the shipped net to outputs of tens): the
# shipped file holds fp16 roundings of the folded fp32 weights, PyTorch folds
# the training state's fp16 roundings of the unfolded ones (~1e-3 apart); a
# different network is off by the order of its output.
PARITY_TOL = {"reference": 1e-4, "shipped": 5e-3}

DEVICE = os.environ.get("DEVICE", "cpu")
if DEVICE not in ("cpu", "opencl"):
    print(f"bench: DEVICE={DEVICE}: not a backend (cpu, opencl)")
    sys.exit(2)

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.fx.experimental.optimization import fuse  # noqa: E402

import export  # noqa: E402
import test_unet  # noqa: E402

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
    onnxscript functions, which these networks have none of."""
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


class Net:
    """One benchmarked network: its model file for the C core and the
    BatchNorm-folded module PyTorch and onnxruntime run."""

    def __init__(self, key, title, tag, path, module):
        self.key, self.title, self.tag, self.path = key, title, tag, path
        self.folded = fuse(module.eval()).eval()
        self.params = sum(p.numel() for p in module.parameters())


def reference_net(tmp):
    net = test_unet.random_model(0)  # base 32, four levels
    path = os.path.join(tmp, "ref.safetensors")
    export.export_model(net, path, export.make_contract("gray"))
    return Net("reference", "reference U-Net (test_unet.py, base 32, four levels, random weights)",
               "bench-reference", path, net)


def shipped_net():
    """The NIR network models/cocolor-nir.safetensors was exported from,
    rebuilt from the training state the way export_models.py does."""
    from models.train.checkpoints import load_models_for_eval
    state = torch.load(SHIPPED_STATE, map_location="cpu", weights_only=False)
    choice = state.get("nir_choice", "coop")
    net = load_models_for_eval(state, choice)["nir"].float().eval()
    widths = ",".join(map(str, state["config"]["widths_colour"]))
    return Net("shipped", f"shipped NIR network (models/cocolor-nir.safetensors: F_N {choice}, "
               f"widths {widths})", "bench", SHIPPED, net)


def check_parity(net, tmp, size=256):
    """The C core and PyTorch on the same input: the same network, or fail."""
    x = torch.rand(1, 1, size, size, generator=torch.Generator().manual_seed(1))
    src, dst = os.path.join(tmp, "parity-in.f32"), os.path.join(tmp, "parity-out.f32")
    x.numpy().astype(np.float32).tofile(src)
    subprocess.run([RUN_MODEL, net.path, src, "1", str(size), str(size), dst, str(THREADS)],
                   check=True, capture_output=True, text=True)
    with torch.no_grad():
        want = net.folded(x)[0].numpy()
    got = np.fromfile(dst, dtype=np.float32)
    if got.size != want.size:
        sys.exit(f"bench: {net.key}: the C core gives {got.size} values, PyTorch {want.size}")
    diff = np.abs(got - want.ravel())
    err, scale = float(diff.max()), max(1.0, float(np.abs(want).max()))
    ok = err <= PARITY_TOL[net.key] * scale
    print(f"parity at {size}x{size} (random input): max |C core - PyTorch| = {err:.2e}, "
          f"mean {float(diff.mean()):.1e}, largest |output| {scale:.1f}: {err / scale:.1e} of it "
          f"({'within' if ok else 'OVER'} {PARITY_TOL[net.key]:g})")
    if not ok:
        sys.exit(f"bench: {net.key}: the C core and PyTorch do not run the same network")


def bench_opencl(net):
    """The OpenCL backend against the CPU backend, same file, same run."""
    print(f"\n== {net.title}: {net.params / 1e6:.2f} M parameters")
    core(net.path, 256, device="opencl")  # compiles CLBlast's kernels once (PoCL: slow)
    if net.key == "reference":
        table, _ = core(net.path, 512, layers=True, device="opencl")
        print("OpenCL backend per layer at 512x512 (fastest run of each layer):")
        print("\n".join(table))
    results = {}
    for size in SIZES:
        _, g = core(net.path, size, device="opencl")
        _, c = core(net.path, size)
        results[size] = (g["total_ms"], c["total_ms"], g["peak_bytes"])
    print(f"\n{'size':>6} {'arena MiB':>10} {'opencl ms':>10} {'cpu ms':>8} {'opencl/cpu':>11}")
    for size, (g_ms, c_ms, peak) in results.items():
        print(f"{size:>6} {peak / 2**20:>10.1f} {g_ms:>10.1f} {c_ms:>8.1f} {g_ms / c_ms:>10.2f}x")
    g_ms, c_ms = results[512][:2]
    return f"{net.tag}: device=opencl size=512 cocolor_ms={g_ms:.1f} cpu_ms={c_ms:.1f}"


def best_ms(fn, repeats):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def bench_cpu(net, tmp):
    """The C core, PyTorch and onnxruntime on one network; prints its tables
    and returns its closing line."""
    print(f"\n== {net.title}: {net.params / 1e6:.2f} M parameters, {THREADS} threads each, "
          f"best of several runs taken in turns")
    check_parity(net, tmp)
    session = None
    onnx_path = os.path.join(tmp, f"{net.key}.onnx")
    with quiet_stderr():
        onnx_export(net.folded, onnx_path)
    if ort is not None:
        so = ort.SessionOptions()
        so.intra_op_num_threads = THREADS
        so.inter_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        with quiet_stderr():
            session = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])

    table, f = core(net.path, 512, layers=True)
    if net.key == "reference":
        print("C core per layer at 512x512 (fastest run of each layer; GFLOPS counted the "
              "direct way, done: the arithmetic the core performs):")
        print("\n".join(table))
    print(f"convolutions at 512x512: {f['conv_ms']:.1f} ms, {f['conv_gflop']:.1f} GFLOP counted "
          f"the direct way ({f['conv_gflop'] / f['conv_ms'] * 1e3:.0f} GFLOPS), "
          f"{f['conv_gflop_done']:.1f} GFLOP performed "
          f"({f['conv_gflop_done'] / f['conv_ms'] * 1e3:.0f} GFLOPS, "
          f"{f['conv_gflop_done'] / f['conv_ms'] * 1e3 / PEAK_GFLOPS:.0%} of the "
          f"{PEAK_GFLOPS:.0f} GFLOPS peak)")

    results = {}
    for size in SIZES:
        x = torch.rand(1, 1, size, size)
        xn = x.numpy()
        repeats = REPEATS[size] // 2 + 1
        c_ms = t_ms = o_ms = float("inf")
        load = os.getloadavg()[0]
        for _ in range(ROUNDS):
            _, c = core(net.path, size, repeats=repeats)
            c_ms = min(c_ms, c["total_ms"])
            with torch.no_grad():
                t_ms = min(t_ms, best_ms(lambda: net.folded(x), repeats))
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
    c_ms, t_ms, o_ms = results[512][:3]
    return f"{net.tag}: device=cpu size=512 cocolor_ms={c_ms:.1f} torch_ms={t_ms:.1f} ort_ms={o_ms:.1f}"


def main():
    with tempfile.TemporaryDirectory() as tmp:
        nets = (reference_net(tmp), shipped_net())  # the shipped one last: its line closes
        if DEVICE == "opencl":
            print(f"OpenCL backend (kernels + CLBlast) against the CPU backend ({THREADS} threads)")
            lines = [bench_opencl(net) for net in nets]
        else:
            lines = [bench_cpu(net, tmp) for net in nets]
            print(f"\n(GFLOPS: the GFLOP column, counted the direct way, over the whole network's "
                  f"time; done and of peak: the arithmetic the core performs)")
            print(f"(load: the machine's 1-minute load average while that size ran; "
                  f"{THREADS} cores)")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
