#!/bin/sh
# Crash safety of the host: the gegl CLI runs cocolor:colorize RUNS times
# while another process rewrites the model file in place (rewrite-model.py:
# two models of different sizes, shrunk and partial states).  A run may
# warn and pass the picture through; none may die from a signal (exit
# status >= 128) or leave a sanitizer report.
# Usage: model-rewrite-cli.sh MODULE PHOTO REWRITER MODEL_A MODEL_B
set -eu
module=$1 photo=$2 rewriter=$3 model_a=$4 model_b=$5
runs=${COCOLOR_REWRITE_RUNS:-20}
tmp=$(mktemp -d)
writer=
cleanup() {
  if [ -n "$writer" ]; then
    kill "$writer" 2>/dev/null || true
    wait "$writer" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ulimit -c 0 # a crash here must not leave core files in the build folder
export HOME="$tmp" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor" "$tmp/models"
cp "$module" "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor/"
model="$tmp/models/cocolor-nir.safetensors"

# A tiny picture: the run is about loading the model, not the network.
python3 - "$photo" "$tmp/in.png" <<'PY'
import sys
from PIL import Image
Image.open(sys.argv[1]).convert("L").resize((48, 32)).save(sys.argv[2])
PY

# Bounded in time whatever happens; killed at exit anyway.
python3 "$rewriter" "$model" 120 "$model_a" "$model_b" "$tmp/ready" > "$tmp/writer.txt" 2>&1 &
writer=$!
i=0
while [ ! -f "$tmp/ready" ]; do
  i=$((i + 1))
  [ "$i" -lt 100 ] || { echo "FAIL: the rewrite loop did not start"; cat "$tmp/writer.txt"; exit 1; }
  sleep 0.1
done

ok=0 warned=0 crashed=0 failed=0 i=0
start=$(date +%s)
while [ "$i" -lt "$runs" ]; do
  i=$((i + 1))
  status=0
  # Half the runs name the file, half find it through COCOLOR_MODEL_DIR.
  # Three effects in a row, as a GIMP layer may have: each loads the model
  # again when the file changed since the one before.
  if [ $((i % 2)) -eq 1 ]; then
    gegl "$tmp/in.png" -o "$tmp/out.png" -- \
      cocolor:colorize mode=nir device=cpu working-size=64 model="$model" \
      cocolor:colorize mode=nir device=cpu working-size=72 model="$model" strength=0.5 \
      cocolor:colorize mode=nir device=cpu working-size=80 model="$model" strength=0.5 \
      > "$tmp/run.txt" 2>&1 || status=$?
  else
    COCOLOR_MODEL_DIR="$tmp/models" gegl "$tmp/in.png" -o "$tmp/out.png" -- \
      cocolor:colorize mode=nir device=cpu working-size=64 \
      cocolor:colorize mode=nir device=cpu working-size=72 strength=0.5 \
      cocolor:colorize mode=nir device=cpu working-size=80 strength=0.5 \
      > "$tmp/run.txt" 2>&1 || status=$?
  fi
  if [ "$status" -ge 128 ] || grep -q -e "Sanitizer" -e "runtime error:" -e "core dumped" "$tmp/run.txt"; then
    crashed=$((crashed + 1))
    echo "run $i: CRASHED, exit status $status$([ "$status" -ge 128 ] && echo " (signal $((status - 128)))")"
    sed -n 1,20p "$tmp/run.txt"
  elif [ "$status" -ne 0 ] || [ ! -s "$tmp/out.png" ]; then
    failed=$((failed + 1))
    echo "run $i: FAILED, exit status $status"
    sed -n 1,20p "$tmp/run.txt"
  elif grep -q "cocolor:colorize" "$tmp/run.txt"; then
    warned=$((warned + 1))
    echo "run $i: warned: $(grep -m1 "cocolor:colorize" "$tmp/run.txt")"
  else
    ok=$((ok + 1))
  fi
  rm -f "$tmp/out.png"
done
elapsed=$(($(date +%s) - start))

kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
writer=
cat "$tmp/writer.txt"
echo "gegl CLI, $runs runs in $elapsed s while the model was rewritten: $ok colorized," \
  "$warned warned, $crashed crashed, $failed failed otherwise"
grep -q "rewrite-model: [0-9]* rewrites" "$tmp/writer.txt" || { echo "FAIL: no rewrite count"; exit 1; }
if [ "$crashed" -ne 0 ] || [ "$failed" -ne 0 ]; then
  echo "FAIL: a model rewritten in place must never bring the gegl CLI down"
  exit 1
fi

# The loop is over and left a whole model: the op uses it, without a word.
gegl "$tmp/in.png" -o "$tmp/out.png" -- cocolor:colorize mode=nir device=cpu working-size=64 \
  model="$model" > "$tmp/run.txt" 2>&1
if grep -q "cocolor:colorize" "$tmp/run.txt" || [ ! -s "$tmp/out.png" ]; then
  echo "FAIL: the model left by the loop was not used"
  cat "$tmp/run.txt"
  exit 1
fi
echo "ok: the model left whole afterwards colorizes"
