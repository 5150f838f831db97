#!/bin/sh
# make demo with HINTS: the gegl run of tools/demo.sh (its --colorize step,
# what make demo runs once the op is installed) on a small generated gray
# picture, with random-weight test models.
#   - a hint picture changes the result; a fully transparent one gives the
#     same pixels as none;
#   - a model without hint inputs: the output is still written, the same as
#     without hints, and the op's note that it takes no colour hints is
#     passed on on stderr;
#   - a HINTS file that does not exist, or that is no picture, is refused
#     with a clear message and no output; the host half of demo.sh refuses
#     a missing HINTS before it does anything.
# Usage: demo-hints.sh OP_MODULE DEMO_SCRIPT EXPORT_PY
set -eu
module=$1 demo=$2 export_py=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor" "$tmp/hinted" "$tmp/plain"
cp "$module" "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor/"
failures=0
ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# A gray model with hint inputs, and one without.
python3 "$export_py" --random --hints --task gray --seed 11 --base 8 --levels 3 --dtype fp16 \
  -o "$tmp/hinted/cocolor-gray.safetensors" > /dev/null
python3 "$export_py" --random --task gray --seed 12 --base 8 --levels 3 --dtype fp16 \
  -o "$tmp/plain/cocolor-gray.safetensors" > /dev/null

# in.png: 96x64 gray shapes; hints.png: a red and a blue patch, transparent
# elsewhere; clear.png: fully transparent.
python3 - "$tmp" <<'PY'
import sys
import numpy as np
from PIL import Image
tmp = sys.argv[1]
y, x = np.mgrid[0:64, 0:96]
gray = 0.3 + 0.4 * x / 95 + 0.2 * ((x - 30) ** 2 + (y - 30) ** 2 < 300)
Image.fromarray((gray * 255).round().astype(np.uint8)).save(f"{tmp}/in.png")
hints = np.zeros((64, 96, 4), np.uint8)
hints[8:24, 8:24] = (230, 20, 20, 255)
hints[40:56, 60:80] = (20, 40, 230, 255)
Image.fromarray(hints).save(f"{tmp}/hints.png")
Image.fromarray(np.zeros((64, 96, 4), np.uint8)).save(f"{tmp}/clear.png")
open(f"{tmp}/junk.png", "w").write("not a picture")
PY

# colorize NAME MODELS [HINTS]: demo.sh's gegl run into $tmp/NAME.png,
# stderr in $tmp/NAME.err, exit status in $status.
colorize() {
  name=$1 models=$2
  shift 2
  status=0
  COCOLOR_MODEL_DIR="$tmp/$models" "$demo" --colorize "$tmp/in.png" gray "$tmp/$name.png" "$@" \
    > "$tmp/$name.out" 2> "$tmp/$name.err" || status=$?
  echo "--- $name: exit status $status"
  cat "$tmp/$name.out" "$tmp/$name.err"
}
# compare same|differ A B: RGB pixels within 1/255 (two renders may differ
# by float noise, which 8 bits round to 1/255 now and then), or more than
# 2/255 apart (a hint changes pixels by far more).
compare() {
  python3 - "$@" <<'PY'
import sys
import numpy as np
from PIL import Image
how, a, b = sys.argv[1:]
a = np.asarray(Image.open(a).convert("RGB"), dtype=np.int16)
b = np.asarray(Image.open(b).convert("RGB"), dtype=np.int16)
diff = int(np.abs(a - b).max())
print(f"largest difference {diff}/255")
sys.exit(0 if (diff <= 1 if how == "same" else diff > 2) else 1)
PY
}
check() {
  what=$1
  shift
  if compare "$@"; then ok "$what"; else fail "$what"; fi
}
succeeded() {
  if [ "$status" -eq 0 ] && [ -s "$tmp/$1.png" ]; then ok "$1: written"; else fail "$1: not written"; fi
}
refused() {
  if [ "$status" -ne 0 ]; then ok "$1: refused"; else fail "$1: exit status 0"; fi
  if [ -e "$tmp/$1.png" ]; then fail "$1: an output was written"; else ok "$1: no output"; fi
  if grep -qF -- "$2" "$tmp/$1.err"; then ok "$1: says why"; else fail "$1: stderr lacks: $2"; fi
}

colorize none hinted
succeeded none
colorize hinted hinted "$tmp/hints.png"
succeeded hinted
check "hints change the result" differ "$tmp/none.png" "$tmp/hinted.png"
colorize clear hinted "$tmp/clear.png"
succeeded clear
check "fully transparent hints: the same pixels as none" same "$tmp/none.png" "$tmp/clear.png"
if grep -q . "$tmp/clear.err"; then fail "transparent hints: stderr not empty"; else ok "quiet"; fi

colorize plain-none plain
succeeded plain-none
colorize plain-hints plain "$tmp/hints.png"
succeeded "plain-hints"
check "a model without hint inputs: the same as without hints" same \
  "$tmp/plain-none.png" "$tmp/plain-hints.png"
if [ "$(grep -c "make demo: note: .*takes no colour hints" "$tmp/plain-hints.err")" = 1 ]; then
  ok "the op's note is passed on, once"
else
  fail "the note that the model takes no colour hints is not passed on"
fi

colorize missing hinted "$tmp/nowhere.png"
refused missing "HINTS '$tmp/nowhere.png' is not a readable file"
colorize junk hinted "$tmp/junk.png"
refused junk "could not read HINTS '$tmp/junk.png'"

# The host half refuses a missing HINTS before it stages or builds anything.
status=0
HINTS="$tmp/nowhere.png" INPUT="$tmp/in.png" OUTPUT="$tmp/host.png" "$demo" 2> "$tmp/host.err" ||
  status=$?
echo "--- host half: exit status $status"
cat "$tmp/host.err"
refused host "HINTS '$tmp/nowhere.png' is not a readable file"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
exit 0
