#!/bin/sh
# Translations stay wired: every source file with translatable strings is in
# po/POTFILES (and every listed file exists), xgettext extracts a POT from
# them, and every catalog in po/LINGUAS passes msgfmt --check.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"

status=0
sed -e 's/#.*//' -e '/^[[:space:]]*$/d' po/POTFILES > "$tmp/listed"
while read -r f; do
  [ -f "$f" ] || { echo "po/POTFILES lists $f, which does not exist"; status=1; }
done < "$tmp/listed"

# Files that call _() / N_() but are not listed.
for d in ops opencl plug-in; do
  [ -d "$d" ] && find "$d" -name '*.[ch]'
done | sort > "$tmp/sources"
while read -r f; do
  if grep -qE '(^|[^A-Za-z0-9_])N?_ ?\("' "$f" && ! grep -qxF "$f" "$tmp/listed"; then
    echo "$f has translatable strings but is not in po/POTFILES"
    status=1
  fi
done < "$tmp/sources"

if [ -s "$tmp/listed" ]; then
  xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --add-comments=TRANSLATORS: -o "$tmp/cocolor.pot" -f "$tmp/listed"
  n=$(grep -c '^msgid ' "$tmp/cocolor.pot" || true)
  echo "POT: $n messages from $(wc -l < "$tmp/listed") files"
  [ "$n" -gt 1 ] || { echo "xgettext found no messages"; status=1; }
fi

# Every catalog is complete: no untranslated or fuzzy entry, and none
# missing from or obsolete against the sources' messages.
for lang in $(sed -e 's/#.*//' po/LINGUAS); do
  msgfmt --check --statistics -o /dev/null "po/$lang.po" 2> "$tmp/stats" || status=1
  cat "$tmp/stats"
  if grep -qE 'untranslated|fuzzy' "$tmp/stats"; then
    echo "po/$lang.po is incomplete"
    status=1
  fi
  if [ -s "$tmp/cocolor.pot" ]; then
    msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "po/$lang.po" "$tmp/cocolor.pot"
    left=$(msgattrib --untranslated --no-obsolete "$tmp/$lang.po" | grep -c '^msgid ' || true)
    if [ "$left" -gt 0 ]; then
      echo "po/$lang.po lacks $((left - 1)) message(s) of the sources"
      status=1
    fi
  fi
done
exit $status
