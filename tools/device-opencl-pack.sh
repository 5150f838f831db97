#!/bin/sh
# Packs what tools/device-opencl.sh needs on a device machine (which has
# CUDA and PyTorch but none of our libraries): bench-core, run-model and the
# OpenCL test programs built
# in the Debian 13 root, every shared library they load (the root's own
# loader and glibc included, so the host's glibc does not matter), as an xz
# tarball in .devcarry/ (ignored; name it in the device run's carry).
#
#   tools/device-opencl-pack.sh [BUILD]      (default build/main)
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build/main}
grep -qx '/.devcarry/' .git/info/exclude 2>/dev/null || { mkdir -p .git/info && echo /.devcarry/ >>.git/info/exclude; }
tools/devroot.sh sh -c "
  set -eu
  meson compile -C $BUILD bench-core run-model test-opencl test-cl-colour >/dev/null
  rm -rf .devcarry/stage && mkdir -p .devcarry/stage/lib
  cp $BUILD/tests/core/bench-core $BUILD/tests/core/run-model $BUILD/tests/opencl/test-opencl \
     $BUILD/tests/opencl/test-cl-colour .devcarry/stage/
  for l in \$(ldd $BUILD/tests/core/bench-core | grep -o '/[^ ]*'); do cp -L \$l .devcarry/stage/lib/; done
"
tar -C .devcarry/stage -cJf .devcarry/opencl.tar.xz .
rm -rf .devcarry/stage
ls -l .devcarry/opencl.tar.xz
