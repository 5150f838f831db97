#!/bin/sh
# The Script-Fu batch procedure over a folder of three pictures, one of them
# unreadable: gimp-console exits non-zero naming that file, and the two
# others are colorized into the output folder.
# Usage: test-batch.sh OP_MODULE PLUG_IN BATCH_SCRIPT PO_BUILD PHOTO
here=$(dirname "$0")
. "$here/gimp-env.sh"
photo=$1
mkdir -p "$tmp/in" "$tmp/out"
python3 - "$photo" "$tmp/in" <<'PY'
import sys
from PIL import Image
photo, folder = sys.argv[1:]
gray = Image.open(photo).convert("L").resize((150, 100))
gray.save(f"{folder}/a.png")
gray.convert("RGB").save(f"{folder}/b.png")
open(f"{folder}/c.png", "wb").write(b"not a PNG at all")
PY

status=0
gimp_batch plug-in-script-fu-eval \
  -b "(script-fu-cocolor-batch \"$tmp/in\" \"$tmp/out\" \"*.png\" \"gray\" 1.0 128)" \
  > "$tmp/log.txt" 2>&1 || status=$?
cat "$tmp/log.txt"
[ "$status" -ne 0 ] || { echo "FAIL: exit status 0 although c.png cannot be read"; exit 1; }
grep -q "CoColor could not colorize: .*/c.png" "$tmp/log.txt" ||
  { echo "FAIL: the failed file is not named"; exit 1; }

python3 - "$tmp/in" "$tmp/out" <<'PY'
import os, sys
import numpy as np
from PIL import Image
src, out = sys.argv[1:]
assert sorted(os.listdir(out)) == ["a.png", "b.png"], os.listdir(out)
for name in ("a.png", "b.png"):
    im = np.asarray(Image.open(f"{out}/{name}").convert("RGB"), dtype=np.float32) / 255
    chroma = (im.max(axis=2) - im.min(axis=2)).mean()
    assert im.shape == (100, 150, 3) and chroma > 0.03, (name, im.shape, chroma)
    print(f"ok: {name} colorized, chroma {chroma:.3f}")
PY
