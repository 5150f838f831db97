#!/bin/sh
# The gegl CLI renders a picture and runs an op chain over a file.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp" XDG_CACHE_HOME="$tmp/cache"

gegl -o "$tmp/in.png" -- gegl:color "value=rgb(0.5,0.25,0.125)" gegl:crop width=40 height=30
gegl "$tmp/in.png" -o "$tmp/out.png" -- gegl:invert-linear

python3 - "$tmp/in.png" "$tmp/out.png" <<'PY'
import sys
from PIL import Image
a = Image.open(sys.argv[1]).convert("RGB")
b = Image.open(sys.argv[2]).convert("RGB")
assert a.size == b.size == (40, 30), (a.size, b.size)
srgb = lambda v: 255 * (12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055)
for img, lin in ((a, (0.5, 0.25, 0.125)), (b, (0.5, 0.75, 0.875))):
    px = img.getpixel((20, 15))
    want = tuple(round(srgb(v)) for v in lin)
    assert all(abs(p - w) <= 1 for p, w in zip(px, want)), (px, want)
print("gegl CLI ok")
PY
