# Sourced by the plug-in tests: a throw-away GIMP 3 set-up in which CoColor
# is installed the way a user installs it, from this build.
#   . gimp-env.sh OP_MODULE PLUG_IN BATCH_SCRIPT LOCALE_BUILD_DIR
# The op goes into $XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor/, the plug-in
# into $GIMP3_DIRECTORY/plug-ins/cocolor/ (catalogs in its locale/), the
# Script-Fu batch script into $GIMP3_DIRECTORY/scripts/.
# COCOLOR_MODEL_DIR (from meson) names the test models.
set -eu
op_module=$1 plug_in=$2 batch_script=$3 po_build=$4
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" \
  XDG_CONFIG_HOME="$tmp/config" GIMP3_DIRECTORY="$tmp/gimp"
mkdir -p "$HOME" "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor" \
  "$GIMP3_DIRECTORY/plug-ins/cocolor" "$GIMP3_DIRECTORY/scripts"
cp "$op_module" "$XDG_DATA_HOME/gegl-0.4/plug-ins/cocolor/"
cp "$plug_in" "$GIMP3_DIRECTORY/plug-ins/cocolor/cocolor"
cp "$batch_script" "$GIMP3_DIRECTORY/scripts/cocolor-batch.scm"
for mo in "$po_build"/*/LC_MESSAGES/cocolor.mo; do
  [ -f "$mo" ] || continue
  lang=$(basename "$(dirname "$(dirname "$mo")")")
  mkdir -p "$GIMP3_DIRECTORY/plug-ins/cocolor/locale/$lang/LC_MESSAGES"
  cp "$mo" "$GIMP3_DIRECTORY/plug-ins/cocolor/locale/$lang/LC_MESSAGES/"
done

# The op, in GIMP's process and the plug-in's, finds the catalogs where the
# build would have installed them; here they are where the plug-in has them.
export COCOLOR_LOCALEDIR="$GIMP3_DIRECTORY/plug-ins/cocolor/locale"

# TEST_LOCALE=de_DE.UTF-8: the build root has no locales but C.UTF-8, in
# which glibc's gettext ignores LANGUAGE; a copy of C.UTF-8 under the
# German name makes gettext look for German catalogs.
if [ -n "${TEST_LOCALE:-}" ]; then
  mkdir -p "$tmp/locale"
  cp -r /usr/lib/locale/C.utf8 "$tmp/locale/$TEST_LOCALE"
  export LOCPATH="$tmp/locale"
  export LC_ALL="$TEST_LOCALE" LANG="$TEST_LOCALE"
fi

# gimp-console with no display, data or fonts it does not need; -b 'expr'
# so that a failing command gives exit status 70.
gimp_batch() {
  interpreter=$1
  shift
  gimp-console-3.0 -i -d -f --batch-interpreter="$interpreter" "$@" --quit
}
