#!/bin/sh
# gimp-console-3.0 runs a Script-Fu batch command, exits 0, and the picture
# it exported holds what the script drew.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" GIMP3_DIRECTORY="$tmp/gimp-config"
out="$tmp/red.png"

gimp-console-3.0 -i -d -f --batch-interpreter=plug-in-script-fu-eval -b "
(let* ((img (car (gimp-image-new 64 48 RGB)))
       (layer (car (gimp-layer-new img \"bg\" 64 48 RGB-IMAGE 100 LAYER-MODE-NORMAL))))
  (gimp-image-insert-layer img layer 0 0)
  (gimp-context-set-foreground '(200 30 40))
  (gimp-drawable-fill layer FILL-FOREGROUND)
  (gimp-file-save RUN-NONINTERACTIVE img \"$out\" -1)
  (gimp-image-delete img))" --quit

python3 - "$out" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
assert im.size == (64, 48), im.size
px = im.getpixel((10, 10))
assert all(abs(a - b) <= 1 for a, b in zip(px, (200, 30, 40))), px
print("gimp-console exported", im.size, px)
PY
