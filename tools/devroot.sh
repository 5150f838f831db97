#!/usr/bin/env bash
# Run a command with CoColor's build dependencies available.
#
# Natively where the host already has them (GIMP 3, GEGL >= 0.4.58, CLBlast,
# PoCL, PyTorch...), otherwise inside a cached Debian 13 root made with
# mmdebstrap from tools/devroot-packages.txt.  The root is rebuilt only when
# that list (or this script's root recipe) changes.  Mounts live in a private
# mount namespace, so they vanish when the command ends, however it ends.
#
#   tools/devroot.sh CMD [ARGS...]   run CMD in the checkout's current directory
#   tools/devroot.sh --shell         interactive shell in the root
#   tools/devroot.sh --path          print the root's path (building it if needed)
#
# Environment: COCOLOR_NATIVE=1 forces a native run, COCOLOR_NATIVE=0 forces
# the root; COCOLOR_ROOT_CACHE (default /var/cache/cocolor) holds the root;
# COCOLOR_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
checkout=$(cd "$here/.." && pwd)
packages_file="$here/devroot-packages.txt"
cache=${COCOLOR_ROOT_CACHE:-/var/cache/cocolor}
mirror=${COCOLOR_MIRROR:-http://deb.debian.org/debian}
recipe_version=1 # bump when the way the root is made changes

say() { printf 'devroot: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

packages() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$packages_file" | tr -d ' \t'; }

have_native_deps() {
  command -v pkg-config >/dev/null 2>&1 &&
    pkg-config --exists 'gimp-3.0 >= 3.0' 'gimpui-3.0 >= 3.0' 'gegl-0.4 >= 0.4.58' \
      gtk+-3.0 json-glib-1.0 clblast OpenCL 2>/dev/null &&
    command -v meson >/dev/null && command -v ninja >/dev/null &&
    command -v gegl >/dev/null && command -v gimp-console-3.0 >/dev/null &&
    command -v clinfo >/dev/null && command -v msgfmt >/dev/null &&
    python3 -c 'import torch, numpy, PIL, onnxruntime' >/dev/null 2>&1
}

root_path() {
  local key
  key=$( (echo "recipe $recipe_version"; packages) | sha256sum | cut -c1-12)
  echo "$cache/trixie-$key"
}

ensure_root() {
  local root=$1
  [ -f "$root/.cocolor-ready" ] && return 0
  [ "$(id -u)" = 0 ] || die "this host lacks CoColor's dependencies (GIMP 3, GEGL >= 0.4.58, CLBlast, PoCL, PyTorch, ...) and building the Debian 13 root needs root. Install them natively, or rerun as root."
  if ! command -v mmdebstrap >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "mmdebstrap is missing and there is no apt-get to install it"
    say "installing mmdebstrap"
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null ||
      die "could not install mmdebstrap with apt-get"
  fi
  mkdir -p "$cache"
  exec 9>"$cache/.lock"
  flock 9
  [ -f "$root/.cocolor-ready" ] && return 0
  local tmp="$root.partial"
  rm -rf "$tmp"
  say "building the Debian 13 root in $root (about a minute or two, once)"
  local start=$SECONDS
  mmdebstrap --quiet --variant=apt --include="$(packages | paste -sd, -)" \
    trixie "$tmp" "$mirror" >&2 || { rm -rf "$tmp"; die "mmdebstrap failed"; }
  touch "$tmp/.cocolor-ready"
  mv "$tmp" "$root"
  say "root ready in $((SECONDS - start)) s"
  # Drop roots made from older package lists.
  local old
  for old in "$cache"/trixie-*; do
    [ "$old" = "$root" ] || [ ! -d "$old" ] || rm -rf "$old"
  done
  exec 9>&-
}

# Variables that pass into the root; everything else is left outside.
root_env() {
  local v
  echo "HOME=/root" "LANG=C.UTF-8" "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  for v in TERM CI MESON_TESTTHREADS NINJA_STATUS; do
    [ -n "${!v:-}" ] && echo "$v=${!v}"
  done
  env | grep -E '^(COCOLOR_|GEGL_|OMP_|OPENBLAS_)' || true
}

run_in_root() {
  local root=$1; shift
  local cwd=$PWD shared
  case "$cwd/" in "$checkout"/*) ;; *) cwd=$checkout ;; esac
  shared=$(cd "$checkout/.." && pwd)/shared
  local -a envs
  mapfile -t envs < <(root_env | tr ' ' '\n')
  # The inner script runs in a fresh mount namespace: nothing it mounts is
  # seen outside, and the kernel drops every mount when it exits.
  unshare --mount --propagation private -- bash -euo pipefail -c '
    root=$1 checkout=$2 shared=$3 cwd=$4; shift 4
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys"
    mount --rbind /dev "$root/dev"
    mkdir -p "$root$checkout"
    mount --bind "$checkout" "$root$checkout"
    if [ -d "$shared" ]; then
      mkdir -p "$root$shared"
      mount --bind "$shared" "$root$shared"
    fi
    cd "$root$cwd"
    exec chroot "$root" /usr/bin/env -i "$@"
  ' devroot "$root" "$checkout" "$shared" "$cwd" "${envs[@]}" \
    /bin/bash -c 'cd "$1" && shift && exec "$@"' devroot-cd "$cwd" "$@"
}

mode=run
case "${1:-}" in
  --shell) mode=shell; shift ;;
  --path) mode=path; shift ;;
  "") die "usage: tools/devroot.sh CMD [ARGS...] | --shell | --path" ;;
esac

native=${COCOLOR_NATIVE:-auto}
if [ "$mode" != path ] && { [ "$native" = 1 ] || { [ "$native" = auto ] && have_native_deps; }; }; then
  case $mode in
    shell) exec "${SHELL:-/bin/bash}" ;;
    run) exec "$@" ;;
  esac
fi

root=$(root_path)
ensure_root "$root"
case $mode in
  path) echo "$root" ;;
  shell) run_in_root "$root" /bin/bash ;;
  run) run_in_root "$root" "$@" ;;
esac
