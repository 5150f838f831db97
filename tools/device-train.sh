#!/bin/bash
# Training on a device machine (issue 4).  Two modes, each one short run:
#
#   check          every stage, the final evaluation and the export on random data on the GPU, with
#                  ms/step per stage (no data needed): run it before a long run.
#   train MINUTES  the `device` config from the packed data (models/train/data-pack, made by
#                  `python3 -m models.train.data pack`; carry it), each stage sized to its share of
#                  MINUTES, then evaluation and export; the models, the slim training state, the
#                  results and the log come back under $OUT.
#
#   run(command="bash tools/device-train.sh train 6", carry=["models/train/data-pack"])
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/device-train-out}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'

case ${1:-} in
check)
  python3 - <<'EOF' 2>&1 | tee "$OUT/check.txt"
import os, tempfile, time, types, torch
from models.train import train
from models.train.config import get
from models.train.data import Pair

g = torch.Generator().manual_seed(0)
def pair(i, nir=True, size=256):
    rgb = torch.randint(0, 256, (3, size, size), dtype=torch.uint8, generator=g)
    return Pair(f"r{i}", i, rgb[1:2].clone() if nir else None, rgb, None, "epfl/field" if nir else "photos")
pairs = [pair(i) for i in range(8)]
photos = [pair(i, nir=False, size=320) for i in range(8)]
data = types.SimpleNamespace(pairs_train=pairs, rgb_train=pairs + photos, photos_train=photos,
                             vcip_val=pairs[:2], epfl_val=pairs[2:4], photos_val=photos[:2])
local = os.environ.get("TRAIN_DEVICE", "cuda") != "cuda"     # a quick dry run of this script on a CPU
cfg = get("device", calib_steps=10, warmup=20, device=os.environ.get("TRAIN_DEVICE", "cuda"),
          **({"crop": 48, "batch": 4} if local else {}))
with tempfile.TemporaryDirectory() as d:
    tr = train.Trainer(cfg, d, data, log=print)
    tr.budget = {s: 6.0 * f for s, f in cfg["budget_frac"].items()}
    t = time.time()
    tr.run()
    print(f"trained in {time.time() - t:.1f} s: steps {tr.steps}")
    train.finish_run(tr, print, out_dir=d)
print("check: ok")
EOF
  ;;
train)
  minutes=${2:?minutes}
  run=/tmp/cocolor-run
  python3 -m models.train.train --config device --budget-minutes "$minutes" --data models/train/data-pack \
    --run-dir $run --fresh 2>&1 | grep --line-buffered -v '"stage"' | tee "$OUT/train.txt"
  cp $run/log.txt "$OUT/log.txt"
  cp $run/results.json models/cocolor-nir.safetensors models/cocolor-gray.safetensors \
    models/cocolor-train-state.pt "$OUT/" 2>/dev/null
  ls -l "$OUT"
  ;;
*)
  echo "usage: $0 check | train MINUTES" >&2
  exit 2
  ;;
esac
