#!/bin/sh
# Crash safety of gimp-console: test-model-rewrite.py renders a CoColor
# effect again and again, and runs the plug-in, while another process
# rewrites the model file in place (tests/op/rewrite-model.py).
# gimp-console must finish the script and exit 0; no plug-in may crash.
# Usage: test-model-rewrite.sh OP_MODULE PLUG_IN BATCH_SCRIPT PO_BUILD PHOTO
#          REWRITER MODEL_A MODEL_B
here=$(dirname "$0")
. "$here/gimp-env.sh"
photo=$1 rewriter=$2 model_a=$3 model_b=$4
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

# The effect finds the model through COCOLOR_MODEL_DIR (libgimp 3.0.4
# cannot name a file for it), the plug-in through its model argument.
export COCOLOR_MODEL_DIR="$tmp/models"
mkdir -p "$COCOLOR_MODEL_DIR"
# Bounded in time whatever happens; told to stop by the script, killed at
# exit anyway.
python3 "$rewriter" "$COCOLOR_MODEL_DIR/cocolor-nir.safetensors" 150 "$model_a" "$model_b" \
  "$tmp/ready" "$tmp/stop" > "$tmp/writer.txt" 2>&1 &
writer=$!
i=0
while [ ! -f "$tmp/ready" ]; do
  i=$((i + 1))
  [ "$i" -lt 100 ] || { echo "FAIL: the rewrite loop did not start"; cat "$tmp/writer.txt"; exit 1; }
  sleep 0.1
done

code=$(sed -e "s|@PHOTO@|$photo|" -e "s|@TMP@|$tmp|" "$here/common.py" "$here/test-model-rewrite.py")
start=$(date +%s)
status=0
gimp_batch python-fu-eval -b "$code" > "$tmp/log.txt" 2>&1 || status=$?
elapsed=$(($(date +%s) - start))
kill "$writer" 2>/dev/null || true
wait "$writer" 2>/dev/null || true
writer=
cat "$tmp/log.txt" "$tmp/writer.txt"
echo "gimp-console ran $elapsed s, exit status $status"

fail=0
if [ "$status" -ge 128 ]; then
  echo "FAIL: gimp-console died from signal $((status - 128))"
  fail=1
elif [ "$status" -ne 0 ]; then
  echo "FAIL: gimp-console exit status $status"
  fail=1
fi
# GIMP catches its own fatal signals ("terminated: Bus error") and reports
# a plug-in that died ("Plug-in crashed").
if grep -e "Plug-in crashed" -e "GIMP crashed" -e "terminated:" -e "fatal error" -e "Bus error" \
  -e "Segmentation fault" -e "Sanitizer" -e "runtime error:" "$tmp/log.txt"; then
  echo "FAIL: a crash was reported"
  fail=1
fi
grep -q "model-rewrite: gimp-console survived" "$tmp/log.txt" ||
  { echo "FAIL: the script did not reach its end"; fail=1; }
exit "$fail"
