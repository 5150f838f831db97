#!/bin/sh
# Runs one Python-Fu test in gimp-console with CoColor installed.
# Usage: run-python.sh OP_MODULE PLUG_IN BATCH_SCRIPT PO_BUILD PHOTO TEST.py
here=$(dirname "$0")
. "$here/gimp-env.sh"
photo=$1 test=$2
code=$(sed -e "s|@PHOTO@|$photo|" -e "s|@TMP@|$tmp|" "$here/common.py" "$test")
gimp_batch python-fu-eval -b "$code"
