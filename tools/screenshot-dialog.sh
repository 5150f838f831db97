#!/usr/bin/env bash
# A screenshot of the plug-in's dialog in the real GIMP 3 for the README:
#   tools/devroot.sh tools/screenshot-dialog.sh [OUTPUT]   (default docs/cocolor-dialog.png)
#   tools/devroot.sh tools/screenshot-dialog.sh docs/cocolor-hints-dialog.png HINTS.png
#     the same with colour hints: the photo stays an RGB image (desaturated)
#     and the hint picture becomes a layer named "CoColor hints" above it,
#     which the dialog preselects (tools/hints-example.sh makes one)
#
# Builds the op, the plug-in and the test models in $BUILD (default
# build/screenshot) and installs them into the private prefix $PREFIX
# (default build/prefix-screenshot, laid out like the Makefile's
# PRIVATE_DIRS; an existing $BUILD must have been set up for $PREFIX); starts Xvfb and gimp-3.0 in a throw-away HOME,
# GIMP3_DIRECTORY and XDG_DATA_HOME (gimp-env.sh's layout), loads the CC0
# photo coffee.png from Debian's python3-skimage, makes it grayscale and
# calls plug-in-cocolor-colorize with RUN-INTERACTIVE, so the real dialog
# opens; waits until its preview shows colour and stops changing, grabs the
# screen with Pillow's ImageGrab (XCB, as Debian builds python3-pil), crops
# it to the dialog's X window (found through Xlib by its title) and writes
# an optimised PNG.  Every process it starts is stopped on exit, failure
# included.  Nothing beyond tools/devroot-packages.txt is needed.
#
# The models: models/cocolor-{nir,gray}.safetensors when the repository has
# them, otherwise the random-weight test models of tests/op (then the
# preview's colours mean nothing; the script says so).
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
if ! command -v gimp-3.0 >/dev/null || ! command -v Xvfb >/dev/null; then
  exec tools/devroot.sh "$0" "$@"
fi

BUILD=${BUILD:-build/screenshot}
PREFIX=${PREFIX:-$checkout/build/prefix-screenshot}
output=${1:-docs/cocolor-dialog.png}
hints=${2:-}
[ -z "$hints" ] || [ -f "$hints" ] || { echo "screenshot-dialog: hints '$hints' is not a file" >&2; exit 1; }
[ -z "$hints" ] || hints=$(realpath "$hints")
photo=/usr/lib/python3/dist-packages/skimage/data/coffee.png
title="CoColor Colorize" # the dialog's title (plug-in/cocolor-dialog.c)

say() { printf 'screenshot-dialog: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
[ -f "$photo" ] || die "no sample photo at $photo (Debian's python3-skimage)"

# Build and install what GIMP loads (only these targets: the rest of the
# tree need not build).
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --prefix="$PREFIX" -Dgegl-plugindir="$PREFIX/share/gegl-0.4/plug-ins" \
    -Dgimp-plugindir="$PREFIX/gimp3/plug-ins" -Dgimp-scriptsdir="$PREFIX/gimp3/scripts" >/dev/null
fi
for dir in prefix:"$PREFIX" gegl-plugindir:"$PREFIX/share/gegl-0.4/plug-ins" \
  gimp-plugindir:"$PREFIX/gimp3/plug-ins" gimp-scriptsdir:"$PREFIX/gimp3/scripts"; do
  meson introspect "$BUILD" --buildoptions | python3 -c '
import json, sys
name, want = sys.argv[1].split(":", 1)
have = next(o["value"] for o in json.load(sys.stdin) if o["name"] == name)
sys.exit(0 if have == want else f"{name} is {have!r} in the build dir, not {want!r}: set BUILD and PREFIX together")' "$dir"
done
meson compile -C "$BUILD" ops/cocolor:shared_module plug-in/cocolor:executable \
  op-test-models cocolor-gmo >/dev/null
meson install -C "$BUILD" --no-rebuild --quiet >/dev/null

# Everything below lives in $tmp and dies with this script.
tmp=$(mktemp -d)
xvfb_pid='' gimp_pid=''
cleanup() {
  local pid
  for pid in $gimp_pid $xvfb_pid; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  sleep 1
  for pid in $gimp_pid $xvfb_pid; do
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" \
  XDG_CONFIG_HOME="$tmp/config" GIMP3_DIRECTORY="$tmp/gimp" XDG_RUNTIME_DIR="$tmp/run"
export NO_AT_BRIDGE=1 GTK_A11Y=none LANG=C.UTF-8 LC_ALL=C.UTF-8
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_CONFIG_HOME" "$GIMP3_DIRECTORY"
mkdir -m 700 "$XDG_RUNTIME_DIR"
cp -r "$PREFIX/share/gegl-0.4" "$XDG_DATA_HOME/"
cp -r "$PREFIX/gimp3/plug-ins" "$PREFIX/gimp3/scripts" "$GIMP3_DIRECTORY/"
# A fresh profile would open GIMP 3's welcome dialog and look for updates.
printf '(show-welcome-dialog no)\n(check-updates no)\n' >"$GIMP3_DIRECTORY/gimprc"

export COCOLOR_MODEL_DIR="$tmp/models"
mkdir -p "$COCOLOR_MODEL_DIR"
if [ -f models/cocolor-nir.safetensors ] && [ -f models/cocolor-gray.safetensors ]; then
  cp models/cocolor-nir.safetensors models/cocolor-gray.safetensors "$COCOLOR_MODEL_DIR/"
  say "models: models/cocolor-{nir,gray}.safetensors"
else
  cp "$BUILD"/tests/op/cocolor-{nir,gray}.safetensors "$COCOLOR_MODEL_DIR/"
  say "models: the RANDOM-WEIGHT test models of tests/op (no trained models in models/): the preview's colours mean nothing"
fi

# Xvfb on the first free display; it writes the number to fd 3 when ready.
exec 3>"$tmp/display"
setsid Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp -noreset >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || { cat "$tmp/xvfb.log" >&2; die "Xvfb did not start"; }
DISPLAY=":$(head -n 1 "$tmp/display")"
export DISPLAY

# The batch command blocks in the dialog until GIMP is stopped.
if [ -n "$hints" ]; then
  prepare="(gimp-drawable-desaturate (vector-ref (car (gimp-image-get-layers img)) 0) DESATURATE-LUMA)
  (let ((layer (car (gimp-file-load-layer RUN-NONINTERACTIVE img \"$hints\"))))
    (gimp-item-set-name layer \"CoColor hints\")
    (gimp-image-insert-layer img layer -1 0))"
else
  prepare="(gimp-image-convert-grayscale img)"
fi
# the photo's layer alone (the hints layer, when there is one, is on top)
photo_layer=0
[ -z "$hints" ] || photo_layer=1
drawables="(vector (vector-ref (car (gimp-image-get-layers img)) $photo_layer))"
script="(let* ((img (car (gimp-file-load RUN-NONINTERACTIVE \"$photo\"))))
  $prepare
  (gimp-display-new img)
  (plug-in-cocolor-colorize #:run-mode RUN-INTERACTIVE #:image img
                            #:drawables $drawables))"
setsid dbus-run-session -- gimp-3.0 -n --no-splash -f \
  --batch-interpreter=plug-in-script-fu-eval -b "$script" >"$tmp/gimp.log" 2>&1 &
gimp_pid=$!

mkdir -p "$(dirname "$output")"
python3 - "$title" "$output" "$gimp_pid" <<'EOF' || { tail -n 30 "$tmp/gimp.log" >&2; die "no screenshot"; }
import ctypes, os, sys, time
from PIL import Image, ImageChops, ImageGrab

title, output, gimp_pid = sys.argv[1].encode(), sys.argv[2], int(sys.argv[3])

class XWindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int), ("border_width", ctypes.c_int), ("depth", ctypes.c_int),
                ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong), ("c_class", ctypes.c_int),
                ("bit_gravity", ctypes.c_int), ("win_gravity", ctypes.c_int),
                ("backing_store", ctypes.c_int), ("backing_planes", ctypes.c_ulong),
                ("backing_pixel", ctypes.c_ulong), ("save_under", ctypes.c_int),
                ("colormap", ctypes.c_ulong), ("map_installed", ctypes.c_int),
                ("map_state", ctypes.c_int), ("all_event_masks", ctypes.c_long),
                ("your_event_mask", ctypes.c_long), ("do_not_propagate_mask", ctypes.c_long),
                ("override_redirect", ctypes.c_int), ("screen", ctypes.c_void_p)]

x11 = ctypes.CDLL("libX11.so.6")
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XDefaultRootWindow.restype = ctypes.c_ulong
x11.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
x11.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
                           ctypes.POINTER(ctypes.c_ulong),
                           ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
                           ctypes.POINTER(ctypes.c_uint)]
x11.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                     ctypes.POINTER(XWindowAttributes)]
x11.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
x11.XFree.argtypes = [ctypes.c_void_p]
x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]

display = x11.XOpenDisplay(None)
if not display:
    sys.exit("cannot open " + os.environ["DISPLAY"])
root = x11.XDefaultRootWindow(display)

def dialog_box():
    """The dialog's top-level window (no window manager: a child of the root)."""
    x11.XSync(display, 0)
    r, p, n = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_uint()
    children = ctypes.POINTER(ctypes.c_ulong)()
    if not x11.XQueryTree(display, root, r, p, ctypes.byref(children), n):
        return None
    found = None
    for i in range(n.value):
        w = children[i]
        name = ctypes.c_char_p()
        if not x11.XFetchName(display, w, ctypes.byref(name)):
            continue
        value = name.value
        x11.XFree(name)
        attrs = XWindowAttributes()
        x11.XGetWindowAttributes(display, w, ctypes.byref(attrs))
        if value == title and attrs.map_state == 2:  # IsViewable
            found = (attrs.x, attrs.y, attrs.x + attrs.width, attrs.y + attrs.height)
    if children:
        x11.XFree(children)
    return found

def alive():
    try:
        os.kill(gimp_pid, 0)
        return True
    except ProcessLookupError:
        return False

def colourful(img):
    """Pixels with any colour: the UI theme's greys and the grayscale photo
    have none (R = G = B), so these are the preview's once the op has
    coloured it (faintly, with the random-weight models)."""
    r, g, b = img.convert("RGB").split()
    spread = ImageChops.subtract(ImageChops.lighter(ImageChops.lighter(r, g), b),
                                 ImageChops.darker(ImageChops.darker(r, g), b))
    return sum(spread.point(lambda v: 255 if v > 4 else 0).histogram()[255:])

deadline = time.monotonic() + int(os.environ.get("SCREENSHOT_TIMEOUT", "300"))
failed = os.path.splitext(output)[0] + "-failed.png"

def give_up(why):
    """Keep the whole screen for a look at what went wrong."""
    try:
        ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).save(failed)
        why += f" (the screen: {failed})"
    except OSError:
        pass
    sys.exit(why)

box = None
while box is None:
    if time.monotonic() > deadline or not alive():
        give_up("the dialog did not open")
    time.sleep(1)
    box = dialog_box()
print(f"screenshot-dialog: dialog at {box}", file=sys.stderr)

# Wait for the preview: colour in the dialog, unchanged over two grabs.
previous = None
while True:
    if time.monotonic() > deadline or not alive():
        give_up("the preview never showed colour")
    time.sleep(2)
    box = dialog_box() or box
    shot = ImageGrab.grab(bbox=box, xdisplay=os.environ["DISPLAY"]).convert("RGB")
    if (colourful(shot) > 500 and previous is not None and previous.size == shot.size
            and ImageChops.difference(shot, previous).getbbox() is None):
        break
    previous = shot

shot.save(output, optimize=True)
print(f"screenshot-dialog: {output} {shot.size[0]}x{shot.size[1]}, "
      f"{os.path.getsize(output) // 1024} KiB", file=sys.stderr)
EOF
say "done: $output"
