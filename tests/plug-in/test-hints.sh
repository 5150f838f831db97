#!/bin/sh
# test-hints.py through run-python-quiet.sh (no warning or critical), then
# the op's note on a model without hint inputs: the plug-in shows it
# (gimp_message, "Colorize Layers-Warning: ..." in gimp-console) once in
# each run that gives such a model a hints layer, as many as the test says.
# Usage: as run-python.sh, with HINT_MODELS=GRAY_MODEL:NIR_MODEL.
here=$(dirname "$0")
log=$(mktemp)
models=$(mktemp -d)
trap 'rm -rf "$log" "$models"' EXIT
# HINT_MODELS (gray:nir, tests/op's hint test models) as the plug-in looks
# models up: cocolor-MODE.safetensors in COCOLOR_MODEL_DIR.
ln -s "${HINT_MODELS%%:*}" "$models/cocolor-gray.safetensors"
ln -s "${HINT_MODELS#*:}" "$models/cocolor-nir.safetensors"
export COCOLOR_MODEL_DIR="$models"
status=0
"$here/run-python-quiet.sh" "$@" >"$log" 2>&1 || status=$?
cat "$log"
[ "$status" -eq 0 ] || exit "$status"
expected=$(sed -n 's/^expected notes on colour hints: //p' "$log")
seen=$(grep -c '^Colorize Layers-Warning: .*takes no colour hints' "$log")
if [ -z "$expected" ] || [ "$seen" -ne "$expected" ]; then
  echo "FAIL: the note on colour hints shown $seen times, expected ${expected:-(not said)}"
  exit 1
fi
echo "ok: the note on colour hints shown $seen times, once per run"
