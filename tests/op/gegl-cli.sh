#!/bin/sh
# cocolor:colorize from the gegl command line, installed the way a user
# installs it ($XDG_DATA_HOME/gegl-0.4/plug-ins), on a real photo.
# Usage: gegl-cli.sh MODULE PHOTO HINT_MODEL   (COCOLOR_MODEL_DIR names the
# models; HINT_MODEL is a gray model that takes colour hints)
set -eu
module=$1 photo=$2 hint_model=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache"
mkdir -p "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor"
cp "$module" "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor/"

gegl --exists cocolor:colorize
gegl --info cocolor:colorize > "$tmp/info.txt"
for word in mode strength working-size device model; do
  grep -q -- "$word" "$tmp/info.txt" || { echo "gegl --info lacks $word"; cat "$tmp/info.txt"; exit 1; }
done

gegl "$photo" -o "$tmp/gray.png" -- cocolor:colorize mode=gray strength=1
gegl "$photo" -o "$tmp/nir.png" -- cocolor:colorize mode=nir strength=0.7 working-size=256
# A broken model: exit status 0, one warning naming the file, the picture unchanged.
gegl "$photo" -o "$tmp/passed.png" -- cocolor:colorize mode=nir model=/nonexistent/broken.safetensors \
  2> "$tmp/stderr.txt"
grep -q "broken.safetensors" "$tmp/stderr.txt" || { echo "no warning:"; cat "$tmp/stderr.txt"; exit 1; }
# A misspelt device override is said once, not silently ignored.
COCOLOR_DEVICE=gpu gegl "$photo" -o "$tmp/device.png" -- cocolor:colorize mode=gray working-size=64 \
  2> "$tmp/stderr.txt"
[ "$(grep -c "COCOLOR_DEVICE=gpu is not cpu, opencl or auto" "$tmp/stderr.txt")" = 1 ] ||
  { echo "no single warning for COCOLOR_DEVICE=gpu:"; cat "$tmp/stderr.txt"; exit 1; }

# The output is what the input is: a 16-bit TIFF without alpha stays one,
# and an RGB photo saved as PNG gains no alpha.
gegl "$photo" -o "$tmp/in16.tif" -- gegl:convert-format "format=R'G'B' u16"
gegl "$tmp/in16.tif" -o "$tmp/out16.tif" -- cocolor:colorize mode=gray working-size=64
python3 - "$tmp" <<'PY'
import sys
import tifffile
tmp = sys.argv[1]
out = tifffile.imread(f"{tmp}/out16.tif")
assert out.dtype.name == "uint16" and out.shape[2] == 3, (out.dtype, out.shape)
with open(f"{tmp}/gray.png", "rb") as f:
    colour_type = f.read(26)[25]
assert colour_type == 2, f"PNG colour type {colour_type}: RGB (2) expected, no alpha"
print("ok: 16-bit TIFF stays 16-bit RGB, PNG gains no alpha")
PY

# Colour hints on cocolor:colorize-hints' aux pad, as the README shows them:
# a hint picture with two dots changes the colour; a transparent one gives
# cocolor:colorize's pixels; a model without hint inputs colours as without
# them, with a note.
python3 - "$photo" "$tmp" <<'PY'
import sys
from PIL import Image
photo, tmp = sys.argv[1], sys.argv[2]
w, h = Image.open(photo).size
hints = Image.new("RGBA", (w, h))
Image.new("RGBA", (w, h)).save(f"{tmp}/no-hints.png")
for x, y, colour in ((w // 4, h // 4, (220, 30, 30, 255)), (w // 2, h // 2, (30, 60, 220, 255))):
    hints.paste(colour, (x, y, x + 5, y + 5))
hints.save(f"{tmp}/hints.png")
PY
gegl --exists cocolor:colorize-hints
gegl "$photo" -o "$tmp/h-none.png" -- cocolor:colorize mode=gray model="$hint_model"
gegl "$photo" -o "$tmp/h-empty.png" -- cocolor:colorize-hints mode=gray model="$hint_model" \
  aux=[ gegl:load path="$tmp/no-hints.png" ]
gegl "$photo" -o "$tmp/h-dots.png" -- cocolor:colorize-hints mode=gray model="$hint_model" \
  aux=[ gegl:load path="$tmp/hints.png" ]
gegl "$photo" -o "$tmp/plain-dots.png" -- cocolor:colorize-hints mode=gray \
  aux=[ gegl:load path="$tmp/hints.png" ] 2> "$tmp/stderr.txt"
[ "$(grep -c "takes no colour hints" "$tmp/stderr.txt")" = 1 ] ||
  { echo "no single note for a model without hint inputs:"; cat "$tmp/stderr.txt"; exit 1; }
python3 - "$tmp" <<'PY'
import sys
import numpy as np
from PIL import Image
tmp = sys.argv[1]
img = {n: np.asarray(Image.open(f"{tmp}/{n}.png").convert("RGB"), dtype=np.int16)
       for n in ("h-none", "h-empty", "h-dots", "gray", "plain-dots")}
assert (img["h-none"] == img["h-empty"]).all(), "a hint picture without hints must change nothing"
assert (img["gray"] == img["plain-dots"]).all(), "a model without hint inputs must ignore the hints"
h, w = img["h-none"].shape[:2]
near = np.abs(img["h-dots"] - img["h-none"])[h // 4 - 4:h // 4 + 9, w // 4 - 4:w // 4 + 9].max()
assert near >= 2, f"the hints changed nothing near a dot ({near})"
print(f"hints: ok (largest change near a dot {near}/255)")
PY

python3 - "$photo" "$tmp" <<'PY'
import sys
import numpy as np
from PIL import Image
photo, tmp = sys.argv[1], sys.argv[2]
src = np.asarray(Image.open(photo).convert("RGB"), dtype=np.float32) / 255
gray_src = src @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
for name in ("gray", "nir"):
    out = np.asarray(Image.open(f"{tmp}/{name}.png").convert("RGB"), dtype=np.float32) / 255
    assert out.shape == src.shape, (name, out.shape, src.shape)
    chroma = (out.max(axis=2) - out.min(axis=2)).mean()
    change = np.abs(out - src).mean()
    assert chroma > 0.01 and change > 0.01, (name, chroma, change)
    print(f"{name}: chroma {chroma:.3f}, change from the input {change:.3f}")
passed = np.asarray(Image.open(f"{tmp}/passed.png").convert("RGB"), dtype=np.float32) / 255
assert np.abs(passed - src).max() <= 1 / 255, "broken model must pass the picture through"
print("gegl CLI ok")
PY
