#!/bin/sh
# The Script-Fu batch procedure in gimp-console, one scenario per meson test:
#   files      a folder with a gray PNG, an RGB PNG, a gray GIF (indexed), a
#              file that is no picture and a PNG under a name GIMP cannot save:
#              the three pictures are colorized; the two others are named,
#              each with what failed (opening, saving), and the command fails.
#              One line per file on stdout says what became of it.
#              With a broken model every file fails at colorizing, named so.
#              No image is left open either way.
#   overwrite  the batch never writes over an existing file: not with the
#              output folder the input folder (however spelled, or through a
#              symlink), not over one file already in the output folder; the
#              others are still done, and the command fails naming the files.
#   folders    folder names with [ ] * ? \ in them (only the pattern is a
#              pattern, matched as GIMP's file-glob matches: not a folder,
#              nor a hidden file but by a dot); a missing input folder is said
#              so; a missing output folder is made with its parents; one that
#              cannot be made, and one nobody can write into (/proc, even for
#              root), are said so.
#   mode       an unknown mode ("colour", "") is refused, naming the modes,
#              before anything is made; "Grey" and "GRAY" are gray.
#   disk-full  the output folder is an 8 KiB tmpfs: the save fails, is named
#              with the reason, leaves no partial file, and the input stays
#              as it was (needs mount rights: skipped without them).
#   metadata   a JPEG, a 16-bit PNG, a 16-bit TIFF and a WebP with EXIF, XMP
#              and an Adobe RGB profile (batch-files.py): every output keeps
#              all of them and its bit depth (the JPEG its quality), without
#              a CRITICAL.
#   auto       a folder of a grayscale photo, an infrared camera's picture
#              and a colour photo in mode auto: each named with the mode the
#              plug-in used, colorized as that mode colorizes it; the colour
#              photo is left alone and said so.  Skipped (77) while the
#              plug-in cannot say which mode it used (the batch then refuses
#              auto, which is checked).
#   hints      a hints folder (a random-weight gray test model with hint
#              inputs, exported here): a file with a hint picture (of
#              another size than the picture) comes out other than without,
#              and other again with hints of another colour, though the
#              picture is grayscale; a fully transparent hint picture, and no
#              hint picture, give the same pixels as no hints folder; the
#              per-file line and the count say which files had hints; a hint
#              picture that is no picture fails its file, named; the saved
#              files do not show the hints layer (one page in a TIFF) and
#              keep EXIF, XMP, profile and bit depth; a model without hint
#              inputs colorizes without them and says so; a missing hints
#              folder is refused before anything is made; six arguments, no
#              hints folder, still work.
# Usage: test-batch.sh OP_MODULE PLUG_IN BATCH_SCRIPT PO_BUILD PHOTO SCENARIO
here=$(dirname "$0")
. "$here/gimp-env.sh"
photo=$1 scenario=$2
failures=0

ok() { echo "ok: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# TEXT as a Scheme string literal.
scheme_string() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# batch IN OUT PATTERN MODE [HINTS]: runs the procedure (with the hints
# folder HINTS as a seventh argument when given); $status, and the log in
# $tmp/log.txt.
batch() {
  status=0
  hints_arg=
  if [ $# -gt 4 ]; then hints_arg=" $(scheme_string "$5")"; fi
  gimp_batch plug-in-script-fu-eval -b "(script-fu-cocolor-batch $(scheme_string "$1") \
$(scheme_string "$2") $(scheme_string "$3") $(scheme_string "$4") 1.0 128$hints_arg)" \
    > "$tmp/log.txt" 2>&1 || status=$?
  echo "--- batch \"$1\" -> \"$2\" ($3, $4${5:+, hints $5}): exit status $status"
  cat "$tmp/log.txt"
  echo "---"
}

fails() {
  if [ "$status" -ne 0 ]; then ok "$1: exit status $status"; else fail "$1: exit status 0"; fi
}
succeeds() {
  if [ "$status" -eq 0 ]; then ok "$1: exit status 0"; else fail "$1: exit status $status"; fi
}
# logged WHAT TEXT: the log holds TEXT (a fixed string).
logged() {
  if grep -qF -- "$2" "$tmp/log.txt"; then ok "$1"; else fail "$1: the log lacks: $2"; fi
}
not_logged() {
  if grep -qF -- "$2" "$tmp/log.txt"; then fail "$1: the log has: $2"; else ok "$1"; fi
}
# gimp-console names an image a procedure left open when it quits.
no_image_left() { not_logged "$1: no image left open" "stray image"; }

# pictures.py make FOLDER NAME...: a gray picture under each name (a.png
# gray, b.png RGB, *.gif a gray GIF, *.junk not a picture, else a PNG);
# pictures.py coloured FILE...; pictures.py same A B (pixels within 1/255);
# pictures.py differ A B; pictures.py listing FOLDER NAME... (exactly those).
pictures() {
  python3 - "$photo" "$@" <<'PY'
import os, sys
import numpy as np
from PIL import Image

photo, command, *args = sys.argv[1:]

def rgb(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 255

if command == "make":
    folder, *names = args
    os.makedirs(folder, exist_ok=True)
    gray = Image.open(photo).convert("L").resize((150, 100))
    for name in names:
        path = os.path.join(folder, name)
        if name.endswith(".junk"):
            open(path, "wb").write(b"not a picture at all")
        elif name.endswith(".gif"):
            gray.save(path, format="GIF")
        elif name == "b.png":
            gray.convert("RGB").save(path, format="PNG")
        else:
            gray.save(path, format="PNG")
elif command == "coloured":
    for path in args:
        try:
            im = rgb(path)
        except OSError as e:
            sys.exit(f"{path}: {e}")
        chroma = float((im.max(axis=2) - im.min(axis=2)).mean())
        if im.shape != (100, 150, 3) or chroma <= 0.03:
            sys.exit(f"{path}: {im.shape}, chroma {chroma:.3f}")
        print(f"{os.path.basename(path)} colorized, chroma {chroma:.3f}")
elif command in ("same", "differ"):
    a, b = rgb(args[0]), rgb(args[1])
    diff = float(np.abs(a - b).max())
    print(f"largest difference {diff:.4f}")
    if (diff <= 1.5 / 255) != (command == "same"):
        sys.exit(1)
elif command == "listing":
    folder, *names = args
    found = sorted(os.listdir(folder))
    if found != sorted(names):
        sys.exit(f"{folder} holds {found}, not {sorted(names)}")
PY
}
# files_py COMMAND TARGET: batch-files.py (real files with metadata).
files_py() { python3 "$here/batch-files.py" "$photo" "$@"; }
# check_files WHAT COMMAND TARGET: a batch-files.py check.
check_files() {
  what=$1
  shift
  if files_py "$@"; then ok "$what"; else fail "$what"; fi
}

# check WHAT COMMAND...: a pictures.py check.
check() {
  what=$1
  shift
  if pictures "$@"; then ok "$what"; else fail "$what"; fi
}

case $scenario in
files)
  pictures make "$tmp/in" a.png b.png d.gif c.junk e.cocolor
  mkdir -p "$tmp/out"
  batch "$tmp/in" "$tmp/out" "*" gray
  fails "two files fail"
  logged "the unreadable file is named" "could not open $tmp/in/c.junk"
  logged "the file GIMP cannot save is named" "could not save $tmp/out/e.cocolor"
  not_logged "nothing failed at colorizing" "could not colorize"
  logged "one line per file: done" "[1/5] a.png: gray, done"
  logged "one line per file: the indexed one" "[4/5] d.gif: gray, done"
  logged "one line per file: failed, and why" "[3/5] c.junk: FAILED: could not open"
  no_image_left "files"
  check "only the pictures are written" listing "$tmp/out" a.png b.png d.gif
  check "the pictures are colorized" coloured "$tmp/out/a.png" "$tmp/out/b.png" "$tmp/out/d.gif"

  mkdir -p "$tmp/broken" "$tmp/out2"
  echo "not a model" > "$tmp/broken/cocolor-gray.safetensors"
  echo "not a model" > "$tmp/broken/cocolor-nir.safetensors"
  COCOLOR_MODEL_DIR="$tmp/broken" batch "$tmp/in" "$tmp/out2" "*.png" gray
  fails "a broken model"
  logged "colorizing failed, said so" "could not colorize $tmp/in/a.png"
  logged "and why" "CoColor cannot use its model"
  not_logged "not taken for a saving failure" "could not save"
  no_image_left "broken model"
  check "nothing written" listing "$tmp/out2"
  ;;

overwrite)
  pictures make "$tmp/same" a.png b.png
  cp -r "$tmp/same" "$tmp/original"
  ln -s same "$tmp/link"
  for out in "$tmp/same" "$tmp/same/." "$tmp//same/" "$tmp/link"; do
    batch "$tmp/same" "$out" "*.png" gray
    fails "output folder $out is the input folder"
    logged "$out: is said so" "is the input folder $tmp/same; CoColor never replaces a file"
    if diff -r "$tmp/original" "$tmp/same" > /dev/null; then
      ok "$out: the originals are intact"
    else
      fail "$out: the originals were changed"
    fi
    no_image_left "$out"
  done

  mkdir -p "$tmp/out"
  echo "keep me" > "$tmp/out/a.png"
  batch "$tmp/same" "$tmp/out" "*.png" gray
  fails "one output exists"
  logged "it is named" "$tmp/out/a.png exists; CoColor never replaces a file"
  if [ "$(cat "$tmp/out/a.png")" = "keep me" ]; then
    ok "the existing file is intact"
  else
    fail "the existing file was replaced"
  fi
  check "the other one is done" coloured "$tmp/out/b.png"
  ;;

folders)
  in="$tmp/photos [2024] *?\\x"
  out="$tmp/out [b]*"
  pictures make "$in" a.png b.png c.png ab.png .b.png
  mkdir -p "$out" "$tmp/out2" "$in/a.png.d"
  batch "$in" "$out" "[ab].png*" gray
  succeeds "folders with [ ] * ? \\ in their names"
  check "the files the pattern names are done" listing "$out" a.png b.png
  check "and colorized" coloured "$out/a.png" "$out/b.png"
  batch "$in" "$tmp/out2" "*b.png" gray
  check "a hidden file matched only by a dot" listing "$tmp/out2" ab.png b.png

  batch "$tmp/nowhere" "$out" "*.png" gray
  fails "a missing input folder"
  logged "is said to be missing" "the input folder $tmp/nowhere does not exist"

  batch "$in" "$tmp/new/[x]/out/" "a.png" gray
  succeeds "a missing output folder"
  logged "is said to be made" "made the output folder $tmp/new/[x]/out"
  check "is made, parents too, and used" coloured "$tmp/new/[x]/out/a.png"

  batch "$in" /proc/cocolor/out "*.png" gray
  fails "an output folder that cannot be made"
  logged "is said so" "the output folder /proc/cocolor/out does not exist and could not be made"
  no_image_left "output folder not made"

  batch "$in" /proc "*.png" gray
  fails "an output folder that cannot be written into"
  logged "is said so" "the output folder /proc is not writable"
  no_image_left "unwritable output folder"

  batch "$in" "$out" "*.tif" gray
  fails "no file matches"
  logged "is said so" "no file in $in matches *.tif"
  ;;

mode)
  pictures make "$tmp/in" a.png
  mkdir -p "$tmp/refused" "$tmp/grey" "$tmp/gray" "$tmp/nir"
  batch "$tmp/in" "$tmp/refused" "*.png" colour
  fails "an unknown mode"
  if grep -qE 'unknown mode "colour".*nir.*gray' "$tmp/log.txt"; then
    ok "is refused, naming the modes"
  else
    fail "the refusal does not name the modes"
  fi
  check "nothing is done" listing "$tmp/refused"
  batch "$tmp/in" "$tmp/never/made" "*.png" ""
  fails "an empty mode"
  logged "is refused" 'unknown mode "": use nir'
  if [ -e "$tmp/never" ]; then fail "a refused mode made the output folder"; else ok "nothing made"; fi

  batch "$tmp/in" "$tmp/grey" "*.png" Grey
  succeeds "mode Grey"
  logged "is said to be gray" "[1/1] a.png: gray, done"
  batch "$tmp/in" "$tmp/GRAY" "*.png" GRAY
  succeeds "mode GRAY"
  batch "$tmp/in" "$tmp/gray" "*.png" gray
  batch "$tmp/in" "$tmp/nir" "*.png" nir
  check "Grey is gray" same "$tmp/grey/a.png" "$tmp/gray/a.png"
  check "GRAY is gray" same "$tmp/GRAY/a.png" "$tmp/gray/a.png"
  check "and not nir" differ "$tmp/grey/a.png" "$tmp/nir/a.png"
  ;;

disk-full)
  pictures make "$tmp/in" a.png
  cp -r "$tmp/in" "$tmp/original"
  mkdir -p "$tmp/full"
  if ! mount -t tmpfs -o size=8k tmpfs "$tmp/full" 2> /dev/null; then
    echo "cannot mount a tmpfs here (not root?): skipped"
    exit 77
  fi
  trap 'umount "$tmp/full" 2> /dev/null || true; rm -rf "$tmp"' EXIT
  batch "$tmp/in" "$tmp/full" "*.png" gray
  umount_status=0
  # What the save left, read before the tmpfs goes.
  left=$(ls -A "$tmp/full")
  umount "$tmp/full" || umount_status=$?
  fails "a full disk"
  logged "the save is named" "could not save $tmp/full/a.png"
  not_logged "not taken for a colorizing failure" "could not colorize"
  no_image_left "full disk"
  if [ -z "$left" ]; then ok "no partial file is left"; else fail "left behind: $left"; fi
  if diff -r "$tmp/original" "$tmp/in" > /dev/null; then
    ok "the input is intact"
  else
    fail "the input was changed"
  fi
  [ "$umount_status" -eq 0 ] || fail "could not unmount the tmpfs"
  ;;

metadata)
  files_py make-metadata "$tmp/in"
  batch "$tmp/in" "$tmp/out" "*" nir
  succeeds "four formats"
  for name in a.jpg b.png c.tif d.webp; do
    logged "$name is said to be done" "$name: nir, done"
  done
  # GIMP 3.0.4 cannot make an Exif thumbnail of a 16-bit image.
  not_logged "no CRITICAL from the export" "should not be reached"
  check_files "EXIF, XMP, profile and bit depth kept" check-metadata "$tmp/out"
  ;;

auto)
  files_py make-mixed "$tmp/in"
  batch "$tmp/in" "$tmp/auto" "*.png" auto
  if grep -qF "mode auto needs a CoColor plug-in that says which mode it used" "$tmp/log.txt"; then
    fails "auto refused by a plug-in that cannot say which mode it used"
    if [ -e "$tmp/auto" ]; then fail "refused, yet the output folder was made"; fi
    if [ "$failures" -ne 0 ]; then exit 1; fi
    echo "the plug-in cannot say which mode it used: skipped"
    exit 77
  fi
  succeeds "a mixed folder in mode auto"
  logged "the colour photo is left alone, said so" \
    "[1/3] colour.png: a colour photo, skipped: colour photos need no colorizing"
  logged "the grayscale photo is gray" "[2/3] gray.png: gray, done"
  logged "the infrared camera's picture is nir" "[3/3] nir.png: nir, done"
  logged "the count" "2 of 3 files colorized, 1 colour photo left alone"
  check "the colour photo is not written" listing "$tmp/auto" gray.png nir.png
  batch "$tmp/in" "$tmp/gray" "gray.png" gray
  batch "$tmp/in" "$tmp/nir" "nir.png" nir
  check "gray.png colorized as gray" same "$tmp/auto/gray.png" "$tmp/gray/gray.png"
  check "nir.png colorized as nir" same "$tmp/auto/nir.png" "$tmp/nir/nir.png"
  ;;

hints)
  export_py="$here/../../models/train/export.py"
  mkdir -p "$tmp/models"
  python3 "$export_py" --random --hints --task gray --seed 22 --base 8 --levels 3 --dtype fp16 \
    -o "$tmp/models/cocolor-gray.safetensors" > /dev/null
  plain_models=$COCOLOR_MODEL_DIR
  export COCOLOR_MODEL_DIR="$tmp/models"
  # a.png gray with red hints (120x80, on a 150x100 picture), b.png RGB with
  # fully transparent ones, c.png gray with none (a folder of that name is
  # none); the blue folder: the same hints in blue, and c.png's no picture.
  pictures make "$tmp/in" a.png b.png c.png
  files_py make-hints "$tmp/red/" red 120 80 a.png
  files_py make-hints "$tmp/red" clear 150 100 b.png
  files_py make-hints "$tmp/blue" blue 120 80 a.png
  files_py make-hints "$tmp/blue" junk 150 100 c.png
  mkdir -p "$tmp/red/c.png"

  batch "$tmp/in" "$tmp/out-red" "*.png" gray "$tmp/red/"
  succeeds "a hints folder"
  logged "the file with hints is said so" "[1/3] a.png: gray with the hints $tmp/red/a.png, done"
  logged "transparent hints are hints" "[2/3] b.png: gray with the hints $tmp/red/b.png, done"
  logged "a file without hints, said so" "[3/3] c.png: gray, done"
  logged "the count" "3 of 3 files colorized, 2 with hints from $tmp/red"
  no_image_left "hints"
  check "no other file is written" listing "$tmp/out-red" a.png b.png c.png
  check "the hints layer does not show" coloured "$tmp/out-red/a.png" "$tmp/out-red/b.png"
  check_files "nor any of its patches" no-hints-shown red "$tmp/out-red/a.png"

  # Six arguments, as before the hints folder: no hints.  Two renders of
  # one picture may differ by float noise, which 8 bits round to 1/255 now
  # and then ("same": within 1/255); a hint changes pixels by far more.
  batch "$tmp/in" "$tmp/out-none" "*.png" gray
  succeeds "six arguments"
  logged "no hints said" "[1/3] a.png: gray, done"
  not_logged "no count of hints" "with hints from"
  check "hints change the result" differ "$tmp/out-red/a.png" "$tmp/out-none/a.png"
  check "fully transparent hints: the same pixels as none" \
    same "$tmp/out-red/b.png" "$tmp/out-none/b.png"
  check "no hint picture: the same pixels as no hints folder" \
    same "$tmp/out-red/c.png" "$tmp/out-none/c.png"
  batch "$tmp/in" "$tmp/out-empty" "a.png" gray ""
  succeeds "an empty hints folder argument"
  check "is no hints folder" same "$tmp/out-empty/a.png" "$tmp/out-none/a.png"

  batch "$tmp/in" "$tmp/out-blue" "*.png" gray "$tmp/blue"
  fails "a hint picture that is no picture"
  logged "its file is named" "[3/3] c.png: FAILED: could not open the hints $tmp/blue/c.png"
  no_image_left "junk hints"
  check "the others are done" listing "$tmp/out-blue" a.png b.png
  check "the hints keep their colour in a grayscale picture" \
    differ "$tmp/out-blue/a.png" "$tmp/out-red/a.png"

  files_py make-metadata "$tmp/meta"
  files_py make-hints "$tmp/meta-hints" red 150 100 a.png b.png c.png d.png
  batch "$tmp/meta" "$tmp/out-meta" "*" gray "$tmp/meta-hints"
  succeeds "four formats with hints"
  for name in a.jpg b.png c.tif d.webp; do
    logged "$name is said to have hints" "$name: gray with the hints"
  done
  not_logged "no CRITICAL from the export" "should not be reached"
  check_files "EXIF, XMP, profile and bit depth kept" check-metadata "$tmp/out-meta"
  check_files "no hints layer saved, one page in the TIFF" no-hints-shown red \
    "$tmp/out-meta/a.jpg" "$tmp/out-meta/b.png" "$tmp/out-meta/c.tif" "$tmp/out-meta/d.webp"

  COCOLOR_MODEL_DIR=$plain_models batch "$tmp/in" "$tmp/out-plain" "a.png" gray "$tmp/red"
  succeeds "a model without hint inputs"
  logged "says it takes no hints" "takes no colour hints"

  batch "$tmp/in" "$tmp/out-nowhere" "*.png" gray "$tmp/nowhere/"
  fails "a missing hints folder"
  logged "is said to be missing" "the hints folder $tmp/nowhere does not exist"
  if [ -e "$tmp/out-nowhere" ]; then fail "the output folder was made"; else ok "nothing made"; fi
  batch "$tmp/in" "$tmp/out-nowhere" "*.png" gray "$tmp/red/a.png"
  fails "a file for a hints folder"
  logged "is refused" "the hints folder $tmp/red/a.png does not exist"
  ;;

*)
  echo "unknown scenario $scenario"
  exit 2
  ;;
esac

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
exit 0
