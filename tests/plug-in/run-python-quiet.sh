#!/bin/sh
# run-python.sh, failing also when the run prints a warning or a critical
# that GIMP does not print on its own: gimp-console 3.0.4 prints some in
# any batch run, so those of an empty run are the baseline.  A plug-in
# still writing when GIMP quits gets "gimp_flush(): error: Broken pipe",
# whichever plug-in it is (file-png too), and GIMP then may find the PDB
# context of that call alive ("list of contexts not empty upon exit", seen
# once in a loaded ASan run of plug-in-nde-quiet): neither is counted.
# Usage: as run-python.sh.
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
empty=$tmp/empty.py
echo 'print("empty run")' >"$empty"

# The warnings and criticals of a log, without process ids and times.
noise() {
  grep -E -e '-(CRITICAL|WARNING) \*\*' -e 'Gtk-WARNING' "$1" |
    sed -E -e 's/\([^)]*:[0-9]+\)//' -e 's/[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+//' |
    grep -v -e 'gimp_flush(): error: Broken pipe' -e 'list of contexts not empty upon exit' |
    sort -u || true
}

n=$#
photo=$(eval echo "\${$((n - 1))}")
"$here/run-python.sh" "$1" "$2" "$3" "$4" "$photo" "$empty" >"$tmp/empty.log" 2>&1 || true
status=0
"$here/run-python.sh" "$@" >"$tmp/run.log" 2>&1 || status=$?
cat "$tmp/run.log"
[ "$status" -eq 0 ] || exit "$status"
noise "$tmp/empty.log" >"$tmp/baseline"
noise "$tmp/run.log" >"$tmp/seen"
if comm -13 "$tmp/baseline" "$tmp/seen" | grep .; then
  echo "warnings or criticals beyond gimp-console's own (above)"
  exit 1
fi
echo "no warning or critical beyond gimp-console's own"
