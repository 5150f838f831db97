#!/usr/bin/env bash
# make demo: build, install into a private prefix and colorize a picture
# through the GEGL op with the gegl CLI.
#   INPUT   picture to colorize (default: a CC0 photo shipped by Debian's
#           python3-skimage, coffee.png by Rachel Michetti)
#   MODE    auto, nir or gray (default: gray for the sample, auto for your own
#           file: the op's guess; a colour photo is left as it is)
#   HINTS   optional hint picture (PNG with alpha, the input's size): its
#           opaque pixels are the colours wanted there (the aux input of
#           cocolor:colorize-hints)
#   OUTPUT  PNG to write (default: build/demo/<name>-<mode>.png)
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
BUILD=${BUILD:-build/main}
PREFIX=${PREFIX:-$checkout/build/prefix}
sample=/usr/lib/python3/dist-packages/skimage/data/coffee.png

die() { printf 'make demo: %s\n' "$*" >&2; exit 2; }

# The gegl run itself, once the op and its models are installed where
# XDG_DATA_HOME says (tests/env/demo-hints.sh runs it alone):
#   demo.sh --colorize INPUT MODE OUTPUT [HINTS]
colorize() {
  input=$1 mode=$2 output=$3 hints=${4:-}
  [ -z "$hints" ] || [ -f "$hints" ] || die "HINTS '$hints' is not a readable file"
  mkdir -p "$(dirname "$output")"
  # The hint picture goes to the aux pad of cocolor:colorize-hints (GIMP
  # 3.0 keeps no effect of an op with an aux pad, so cocolor:colorize has
  # none).
  op=cocolor:colorize aux=()
  if [ -n "$hints" ]; then
    op=cocolor:colorize-hints
    aux=("aux=[" gegl:load "path=$hints" "]")
  fi
  # gegl exits 0 when the op passes the picture through; its warning says why.
  # Its standard output too goes to the log: with an aux chain GEGL 0.4.62
  # says "EEEEeEeek! 1 GeglBuffers leaked" there at exit, whatever the op.
  gegl "$input" -o "$output" -- "$op" mode="$mode" "${aux[@]}" >"$output.log" 2>&1 || {
    cat "$output.log" >&2
    die "gegl failed"
  }
  if grep -q "cocolor-WARNING" "$output.log"; then
    sed -n 's/.*cocolor-WARNING \*\*: [0-9:.]*: //p' "$output.log" >&2
    rm -f "$output" "$output.log"
    die "the picture was left as it is (see above); no output written"
  fi
  # A hint picture gegl:load cannot read (its loader warns, gegl:png-load
  # and the like) would leave the op without hints.
  if [ -n "$hints" ] && grep -qE "gegl:[a-z0-9-]*load" "$output.log"; then
    cat "$output.log" >&2
    rm -f "$output" "$output.log"
    die "could not read HINTS '$hints'; no output written"
  fi
  # A note, not a failure: a model without hint inputs colorizes without them.
  sed -n 's/.*cocolor-Message: [0-9:.]*: /make demo: note: /p' "$output.log" >&2
  rm -f "$output.log"
  [ -s "$output" ] || die "gegl wrote no output"
}
if [ "${1:-}" = --colorize ]; then
  shift
  colorize "$@"
  exit 0
fi

if [ "${1:-}" = --in-root ]; then
  # Second half, with the build dependencies at hand.
  input=$2 mode=$3 output=$4 hints=${5:-}
  [ -z "$hints" ] || [ -f "$hints" ] || die "HINTS '$hints' is not a readable file"
  if [ -z "$input" ]; then
    [ -f "$sample" ] || die "no sample photo at $sample (install Debian's python3-skimage) and no INPUT= given"
    input=$sample
  fi
  make --no-print-directory BUILD="$BUILD" PREFIX="$PREFIX" RUN= install >/dev/null
  export XDG_DATA_HOME=$PREFIX/share XDG_CACHE_HOME=$checkout/build/demo/cache
  missing=()
  gegl --exists cocolor:colorize ||
    missing+=("the GEGL operation cocolor:colorize (ops/colorize.c did not install)")
  # Mode auto may take either model.
  for task in $([ "$mode" = auto ] && echo nir gray || echo "$mode"); do
    [ -f "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor/cocolor-$task.safetensors" ] ||
      missing+=("the trained $task model: models/cocolor-$task.safetensors is not in the repository yet (models/train/README.md makes it)")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    printf 'make demo: cannot colorize yet; missing:\n' >&2
    printf '  - %s\n' "${missing[@]}" >&2
    printf 'No output was written.\n' >&2
    exit 2
  fi
  colorize "$input" "$mode" "$output" "$hints"
  exit 0
fi

# First half, on the host: stage the user's file where the build root sees it.
mode=${MODE:-}
input=${INPUT:-}
hints=${HINTS:-}
[ -z "$hints" ] || [ -f "$hints" ] || die "HINTS '$hints' is not a readable file"
mkdir -p build/demo
if [ -n "$hints" ]; then
  # A name of ours: gegl's chain syntax would split one with spaces or ].
  extension=$(basename "$hints" | sed -n 's/.*\.\([A-Za-z0-9]*\)$/\1/p')
  staged=build/demo/hints.${extension:-png}
  cp -f -- "$hints" "$staged"
  hints=$checkout/$staged
fi
if [ -n "$input" ]; then
  [ -f "$input" ] || die "INPUT '$input' is not a readable file"
  mode=${mode:-auto}
  name=$(basename "${input%.*}")
  staged=build/demo/input-$(basename "$input")
  cp -f -- "$input" "$staged"
  input=$checkout/$staged
else
  mode=${mode:-gray}
  name=coffee
fi
case $mode in auto | nir | gray) ;; *) die "MODE must be auto, nir or gray, not '$mode'" ;; esac
output=${OUTPUT:-build/demo/$name-$mode.png}
case $output in /*) final=$output ;; *) final=$checkout/$output ;; esac
inner=$checkout/build/demo/$name-$mode.out.png

# The root passes on no BUILD or PREFIX of ours unless told.
tools/devroot.sh env BUILD="$BUILD" PREFIX="$PREFIX" \
  tools/demo.sh --in-root "$input" "$mode" "$inner" "$hints"
if [ "$inner" != "$final" ]; then
  mkdir -p "$(dirname "$final")"
  mv -f "$inner" "$final"
fi
echo "make demo: colorized ($mode${hints:+, with hints}) -> $final"
