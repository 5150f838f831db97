#!/bin/bash
# The OpenCL backend on a machine with a GPU: the reference U-Net
# and the shipped models at 256²…2048² through bench-core, the GPU result
# checked against the CPU backend, and the same network in PyTorch CUDA for
# scale.  Needs .devcarry/opencl.tar.xz from tools/device-opencl-pack.sh:
#
#   bash tools/device-opencl.sh [all|bench|tests]   (in a copy of the checkout holding .devcarry/)
#
# tests: the OpenCL test programs and the PyTorch parity of whole models
# (tests/core/parity.py) on the GPU, and direct convolution against CLBlast.
#
# Writes its report to stdout and $OUT/opencl-gpu.txt.  Locally (no NVIDIA
# driver) it uses whatever OpenCL ICDs the system has, to check the script.
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/device-opencl-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/opencl-gpu.txt") 2>&1
C=/tmp/cocolor-opencl
rm -rf $C && mkdir -p $C && tar -C $C -xJf .devcarry/opencl.tar.xz || exit 1
nvidia-smi -L 2>/dev/null || echo "no nvidia-smi"

# The NVIDIA OpenCL driver: ocl-icd looks in OCL_ICD_VENDORS for .icd files.
LIBPATH=$C/lib
NV=$(find /usr/local/nvidia /usr/lib /usr/lib64 /lib /usr/local/cuda* /opt -name 'libnvidia-opencl.so*' 2>/dev/null | head -n 1)
echo "vendors: $(ls /etc/OpenCL/vendors 2>/dev/null | tr '\n' ' ') nvidia-opencl: ${NV:-none}"
if [ -n "$NV" ]; then
  mkdir -p /tmp/icd && echo "$NV" >/tmp/icd/nvidia.icd
  export OCL_ICD_VENDORS=/tmp/icd
  LIBPATH=$LIBPATH:$(dirname "$NV")
fi
export XDG_CACHE_HOME=/tmp/cocolor-cache
run () { "$C/lib/ld-linux-x86-64.so.2" --library-path "$LIBPATH" "$@"; }
what=${1:-all}

if [ "$what" != bench ]; then
  for t in test-opencl test-cl-colour; do
    echo "== $t on $(ls /tmp/icd 2>/dev/null || echo 'the system ICDs')"
    COCOLOR_DEVICE=opencl timeout 120 "$C/lib/ld-linux-x86-64.so.2" --library-path "$LIBPATH" $C/$t | grep -v '^ok ' ; echo "$t exit=${PIPESTATUS[0]}"
  done
  printf '#!/bin/sh\nexec %s --library-path %s %s "$@"\n' "$C/lib/ld-linux-x86-64.so.2" "$LIBPATH" "$C/run-model" \
    >$C/run-model.sh && chmod +x $C/run-model.sh
  COCOLOR_DEVICE=opencl timeout 180 python3 tests/core/parity.py $C/run-model.sh models/train 2>&1 | tail -n 5
  python3 -c 'import sys; sys.path.insert(0, "models/train"); import export, test_unet
export.export_model(test_unet.random_model(0), "/tmp/ref.safetensors", export.make_contract("gray"))'
  for conv in gemm direct; do
    for model in /tmp/ref.safetensors models/cocolor-nir.safetensors; do
      for s in 512 2048; do
        echo "conv=$conv $(basename $model) size=$s $(COCOLOR_OPENCL_CONV=$conv COCOLOR_DEVICE=opencl run $C/bench-core $model $s 16 10 | tail -n 1)"
      done
    done
  done
  [ "$what" = tests ] && exit 0
fi

# The reference U-Net (random weights, as make bench uses) and its PyTorch
# CUDA timings.
python3 - <<'EOF'
import sys, time, torch
sys.path.insert(0, "models/train")
import export, test_unet
from torch.fx.experimental.optimization import fuse
net = test_unet.random_model(0)
export.export_model(net, "/tmp/ref.safetensors", export.make_contract("gray"))
if torch.cuda.is_available():
    m = fuse(net).eval().cuda()
    for tf32 in (False, True):
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
        for s in (512, 2048):
            x = torch.rand(1, 1, s, s, device="cuda")
            with torch.no_grad():
                for _ in range(3):
                    m(x)
                torch.cuda.synchronize()
                best = 1e9
                for _ in range(20):
                    t = time.perf_counter(); m(x); torch.cuda.synchronize()
                    best = min(best, time.perf_counter() - t)
            print(f"torch-cuda: size={s} tf32={int(tf32)} ms={best * 1e3:.2f}")
EOF

for model in /tmp/ref.safetensors models/cocolor-nir.safetensors; do
  echo "== $model"
  COCOLOR_DEVICE=opencl run $C/bench-core $model 256 16 3 | tail -n 1   # compiles kernels once
  COCOLOR_DEVICE=opencl run $C/bench-core $model 512 16 20 --layers
  for s in 256 1024 2048; do
    echo "size=$s $(COCOLOR_DEVICE=opencl run $C/bench-core $model $s 16 10 | tail -n 1)"
  done
  echo "cpu backend (16 threads): size=512 $(COCOLOR_DEVICE=cpu run $C/bench-core $model 512 16 5 | tail -n 1)"
done

# The GPU's output against the CPU backend's on the same input.
python3 - <<EOF
import numpy as np, subprocess, os
run = ["$C/lib/ld-linux-x86-64.so.2", "--library-path", "$LIBPATH"]
rng = np.random.default_rng(0)
for model, c in (("/tmp/ref.safetensors", 1), ("models/cocolor-nir.safetensors", 1)):
    for h, w in ((512, 512), (336, 528)):
        rng.random((c, h, w), dtype=np.float32).tofile("/tmp/in.f32")
        outs = {}
        for dev in ("cpu", "opencl"):
            env = dict(os.environ, COCOLOR_DEVICE=dev)
            r = subprocess.run(run + ["$C/run-model", model, "/tmp/in.f32", str(c), str(h), str(w),
                                      f"/tmp/out-{dev}.f32", "16"], env=env, capture_output=True, text=True)
            if r.returncode:
                print("run-model failed:", dev, r.stderr.strip()); break
            outs[dev] = np.fromfile(f"/tmp/out-{dev}.f32", dtype=np.float32)
        if len(outs) == 2:
            print(f"parity {os.path.basename(model)} {h}x{w}: max_abs_err={np.abs(outs['cpu'] - outs['opencl']).max():.2e}")
EOF
