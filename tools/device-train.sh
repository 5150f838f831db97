#!/bin/bash
# Training on a machine with a GPU.  Two modes, each one short run:
#
#   check          every stage, the final evaluation and the export on random data on the GPU, with
#                  ms/step per stage (no data needed): run it before a long run.  Here, on a CPU, as a
#                  dry run of this script (about 40 s): tools/devroot.sh env PYTHONPATH=. TRAIN_DEVICE=cpu \
#                  OUT=/tmp/device-check bash tools/device-train.sh check
#   train MINUTES [KEY=JSON ...]
#                  the `device` config from the packed data (models/train/data-pack, made by
#                  `python3 -m models.train.data pack`; carry it), each stage sized to its share of
#                  MINUTES, then evaluation and export; the models, the slim training state, the
#                  results and the log come back under $OUT.
#
#   continue MINUTES [NAME:NET:KEY=JSON,... ...]
#                  continuations of the shipped weights side by side on the one GPU, each training one
#                  network (fn: F_N alone, fg: F_G before cooperation) for MINUTES; each comes back cut
#                  down to that network ($OUT/NAME.pt, models.train.join slim) with its log.  Here:
#                  `python3 -m models.train.join join --run-dir DIR FN.pt FG.pt` evaluates and exports.
#                  With snapshot_at=[F,...] in a spec, that run also leaves its network at those fractions of
#                  its steps in $OUT/NAME/ (they come back even if the command runs out of time).
#                  MAX_MINUTES=M overrides the deadline (default MINUTES * 1.15 + 0.5).
#
#   hints MINUTES [KEY=JSON ...]
#                  colour hints: `continue` with F_G and F_N widened to take hint inputs (hints=true) and
#                  fine-tuned with simulated hints, each in the recipe of its shipped continuations
#                  (HINT_FG, HINT_FN below; KEY=JSON pairs are added to both); comes back as $OUT/fgh.pt and
#                  $OUT/fnh.pt.  Here: `python3 -m models.train.join join --run-dir DIR fnh.pt fgh.pt`, then
#                  `python3 -m models.train.hint_eval --run DIR` for the model card's hint table.
#
#   bash tools/device-train.sh train 6   (in a copy of the checkout holding models/train/data-pack.tar)
#   (tar cf models/train/data-pack.tar -C models/train data-pack)
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/device-train-out}
mkdir -p "$OUT"
# the pack travels as one tar (no per-file block overhead against the 64 MiB a run carries)
if [ -f models/train/data-pack.tar ] && [ ! -d models/train/data-pack ]; then
  tar xf models/train/data-pack.tar -C models/train
fi
# the hint fine-tunes' recipes: the shipped continuations' (models/train/NOTES.md) with hint inputs and the
# hint gate (cocolor_nets.Colorizer; it gave the hint's colour back better in a CPU A/B, NOTES.md); F_N also
# learns IR-camera files and gray NIR files at a camera's exposure and gamma (fn_camera, fn_gray_file, camera.py)
HINT_FG='hints=true,hint_gate=true,lr=0.0005,warmup=100,freeze_bn=true,cutmix=0.5,w_gray={"chroma":2.0,"mag":1.0,"colourful":0.0,"range":0.003,"range_margin":0.1,"psnr":0.1},fg_mix={"epfl/indoor":4.0,"epfl/oldbuilding":4.0,"epfl/street":4.0,"epfl/urban":4.0,"epfl/water":4.0}'
HINT_FN='hints=true,hint_gate=true,lr=0.0005,warmup=100,freeze_bn=true,fn_synth_frac=0.0,fn_camera=0.3,fn_gray_file=0.1,cutmix=0.5,w_nir={"chroma":1.0,"luma":1.0,"mag":0.5,"colourful":0.0,"grad":0.5,"range":0.05,"psnr":0.03}'
if [ "${1:-}" = hints ]; then
  minutes=${2:?minutes}
  shift 2
  extra=$(IFS=,; echo "$*")
  set -- continue "$minutes" "fgh:fg:$HINT_FG${extra:+,$extra}" "fnh:fn:$HINT_FN${extra:+,$extra}"
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'

case ${1:-} in
check)
  python3 - <<'EOF' 2>&1 | tee "$OUT/check.txt"
import os, tempfile, time, types, torch
from models.train import train
from models.train.config import get
from models.train.data import Pair
from models.train.trainer import Trainer

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
    tr = Trainer(cfg, d, data, log=print)
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
  shift 2
  run=/tmp/cocolor-run
  # KEY=JSON arguments after MINUTES override the device config (train.py --set), e.g. cutmix=0.5
  sets=()
  for kv in "$@"; do sets+=(--set "$kv"); done
  python3 -m models.train.train --config device --device "${TRAIN_DEVICE:-cuda}" --budget-minutes "$minutes" \
    --data models/train/data-pack --run-dir $run --fresh "${sets[@]}" 2>&1 |
    grep --line-buffered -v '"stage"' | tee "$OUT/train.txt"
  cp $run/log.txt "$OUT/log.txt"
  cp $run/results.json models/cocolor-nir.safetensors models/cocolor-gray.safetensors \
    models/cocolor-train-state.pt "$OUT/" 2>/dev/null
  ls -l "$OUT"
  ;;
continue)
  minutes=${2:?minutes}
  shift 2
  specs=("$@")
  [ ${#specs[@]} -gt 0 ] || specs=(fn:fn:lr=0.001 fg:fg:lr=0.001)
  # the deadline stops a run whose steps slowed after sizing (the runs share the GPU); it still saves
  deadline=${MAX_MINUTES:-$(python3 -c "print($minutes * 1.15 + 0.5)")}
  for spec in "${specs[@]}"; do
    IFS=: read -r name net sets <<<"$spec"
    args=()
    # KEY=JSON pairs split at the commas that start the next KEY= (a JSON value may hold commas)
    mapfile -t kvs < <(python3 -c 'import re, sys; print("\n".join(re.split(r",(?=\w+=)", sys.argv[1])))' "$sets")
    for kv in "${kvs[@]}"; do [ -n "$kv" ] && args+=(--set "$kv"); done
    python3 -m models.train.train --config device --device "${TRAIN_DEVICE:-cuda}" --threads 4 \
      --resume-from-shipped --data models/train/data-pack --run-dir "/tmp/cont-$name" --fresh --no-eval \
      --budget-minutes "$minutes" --max-minutes "$deadline" --snapshot-dir "$OUT/$name" \
      --set "resume_steps={\"$net\": 100000}" --set "budget_frac={\"$net\": 1.0}" "${args[@]}" \
      >"$OUT/$name.txt" 2>&1 &
  done
  wait
  for spec in "${specs[@]}"; do
    name=${spec%%:*}
    python3 -m models.train.join slim "/tmp/cont-$name" "$OUT/$name.pt"
    grep -v '"stage"' "$OUT/$name.txt" | tail -3
  done
  ls -l "$OUT"
  ;;
*)
  echo "usage: $0 check | train MINUTES [KEY=JSON...] | continue MINUTES [NAME:NET:KEY=JSON,...]... | hints MINUTES [KEY=JSON...]" >&2
  exit 2
  ;;
esac
