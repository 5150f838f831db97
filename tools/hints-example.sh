#!/usr/bin/env bash
# The README's colour-hints picture: CC0 coffee.png (Debian's
# python3-skimage) as a grayscale photo, colorized automatically and with a
# few hint dots, side by side:
#   tools/hints-example.sh [OUTPUT]     (default docs/colour-hints.jpg)
# The dots are what a user would paint: a small disc on the crema, the cup,
# the saucer, the spoon and the table, each in the photo's own mean colour
# over the disc (the photo is not training data).  Both renders go through
# make demo (the gegl CLI and the models in models/); BUILD and PREFIX as
# there.  The hint picture is left in build/hints-example/.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v gegl >/dev/null || ! python3 -c 'import PIL' 2>/dev/null; then
  exec tools/devroot.sh "$0" "$@"
fi
output=${1:-docs/colour-hints.jpg}
photo=/usr/lib/python3/dist-packages/skimage/data/coffee.png
work=build/hints-example
mkdir -p "$work" "$(dirname "$output")"

# (x, y) of each dot on the 600×400 photo
python3 - "$photo" "$work/coffee-hints.png" <<'EOF'
import sys
from PIL import Image, ImageDraw, ImageStat
photo, out = Image.open(sys.argv[1]).convert("RGB"), sys.argv[2]
dots = [(285, 150), (250, 125), (290, 240), (220, 190), (120, 250), (455, 285), (230, 360),
        (365, 290), (40, 150), (545, 90), (520, 370), (300, 20)]
radius = 6
hints = Image.new("RGBA", photo.size, (0, 0, 0, 0))
draw = ImageDraw.Draw(hints)
for x, y in dots:
    disc = Image.new("L", photo.size, 0)
    ImageDraw.Draw(disc).ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    colour = tuple(round(c) for c in ImageStat.Stat(photo, disc).mean)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour + (255,))
hints.save(out)
EOF

BUILD=${BUILD:-build/main} PREFIX=${PREFIX:-$PWD/build/prefix} INPUT="$photo" MODE=gray HINTS= \
  OUTPUT="$work/automatic.png" tools/demo.sh >/dev/null
BUILD=${BUILD:-build/main} PREFIX=${PREFIX:-$PWD/build/prefix} INPUT="$photo" MODE=gray \
  HINTS="$work/coffee-hints.png" OUTPUT="$work/with-hints.png" tools/demo.sh >/dev/null

python3 - "$photo" "$work" "$output" <<'EOF'
import sys
from PIL import Image, ImageDraw, ImageFilter
photo, work, out = sys.argv[1], sys.argv[2], sys.argv[3]
gray = Image.open(photo).convert("L").convert("RGB")
hints = Image.open(f"{work}/coffee-hints.png")
shown = gray.copy()
# a white ring around each dot, so that it shows on any colour
shown.paste((255, 255, 255), (0, 0), hints.getchannel("A").filter(ImageFilter.MaxFilter(5)))
shown.paste(hints, (0, 0), hints)
panels = [(gray, "grayscale input"), (Image.open(f"{work}/automatic.png").convert("RGB"), "automatic"),
          (shown, "hints painted on a layer"), (Image.open(f"{work}/with-hints.png").convert("RGB"), "with the hints")]
w, h = 300, 200
sheet = Image.new("RGB", (2 * w + 6, 2 * (h + 22) + 2), (255, 255, 255))
d = ImageDraw.Draw(sheet)
for i, (img, label) in enumerate(panels):
    x, y = (i % 2) * (w + 6), (i // 2) * (h + 24)
    sheet.paste(img.resize((w, h), Image.LANCZOS), (x, y + 20))
    d.text((x + 4, y + 4), label, fill=(0, 0, 0))
sheet.save(out, quality=90, optimize=True)
print(f"hints-example: {out}")
EOF
