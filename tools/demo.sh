#!/usr/bin/env bash
# make demo: build, install into a private prefix and colorize a picture
# through the GEGL op with the gegl CLI.
#   INPUT   picture to colorize (default: a CC0 photo shipped by Debian's
#           python3-skimage, coffee.png by Rachel Michetti)
#   MODE    auto, nir or gray (default: gray for the sample, auto for your own
#           file: the op's guess; a colour photo is left as it is)
#   OUTPUT  PNG to write (default: build/demo/<name>-<mode>.png)
set -euo pipefail
cd "$(dirname "$0")/.."
checkout=$PWD
BUILD=${BUILD:-build/main}
PREFIX=${PREFIX:-$checkout/build/prefix}
sample=/usr/lib/python3/dist-packages/skimage/data/coffee.png

die() { printf 'make demo: %s\n' "$*" >&2; exit 2; }

if [ "${1:-}" = --in-root ]; then
  # Second half, with the build dependencies at hand.
  input=$2 mode=$3 output=$4
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
  mkdir -p "$(dirname "$output")"
  # gegl exits 0 when the op passes the picture through; its warning says why.
  gegl "$input" -o "$output" -- cocolor:colorize mode="$mode" 2>"$output.log" || {
    cat "$output.log" >&2
    die "gegl failed"
  }
  if grep -q "cocolor-WARNING" "$output.log"; then
    sed -n 's/.*cocolor-WARNING \*\*: [0-9:.]*: //p' "$output.log" >&2
    rm -f "$output" "$output.log"
    die "the picture was left as it is (see above); no output written"
  fi
  rm -f "$output.log"
  [ -s "$output" ] || die "gegl wrote no output"
  exit 0
fi

# First half, on the host: stage the user's file where the build root sees it.
mode=${MODE:-}
input=${INPUT:-}
mkdir -p build/demo
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

tools/devroot.sh tools/demo.sh --in-root "$input" "$mode" "$inner"
if [ "$inner" != "$final" ]; then
  mkdir -p "$(dirname "$final")"
  mv -f "$inner" "$final"
fi
echo "make demo: colorized ($mode) -> $final"
