#!/bin/sh
# The C sources are laid out as clang-format lays them out (.clang-format;
# `make format` applies it).  Layouts differ between clang-format releases, so
# the check runs with the release the Debian 13 root has (19) and skips with
# any other.
set -eu
src=$1
command -v clang-format >/dev/null || { echo "no clang-format: skipped"; exit 77; }
major=$(clang-format --version | sed -n 's/.*version \([0-9][0-9]*\)\..*/\1/p')
[ "$major" = 19 ] || { echo "clang-format $major is not 19: skipped"; exit 77; }
cd "$src"
files=$(find ops opencl plug-in tests -name '*.[ch]' | sort)
[ -n "$files" ] || { echo "no C sources found under $src"; exit 1; }
# shellcheck disable=SC2086 # one word per file (no spaces in the tree's names)
if ! clang-format --dry-run --Werror $files; then
  echo "layout differs from .clang-format: run 'make format'"
  exit 1
fi
echo "$(echo "$files" | wc -l) files laid out as .clang-format says"
