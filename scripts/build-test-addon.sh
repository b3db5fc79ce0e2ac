#!/usr/bin/env bash
# Builds a test-only variant of the addon: every addon source (native/sources.sh)
# compiled with one extra -D flag into OUT/edgeloop.node, in parallel, with
# the flags binding.gyp uses for the N-API side. Load it with
# EDGELOOP_ADDON=$PWD/OUT/edgeloop.node (src/backends/native.ts). Used by
# scripts/build-mutants.sh (reactor mutants) and scripts/kernel-mutant.sh
# (a planted kernel error); the normal builds never define either.
#
#   bash scripts/build-test-addon.sh OUT DEFINE
set -euo pipefail
cd "$(dirname "$0")/.."
out="$1"
define="$2"

napi_include=$(node -p "require('node-addon-api').include_dir")
# Node's own headers, wherever this node is installed (Debian's /usr/include/node, nvm's ~/.nvm/.../include/node).
node_include=$(node -p "require('path').resolve(process.execPath, '../../include/node')")
flags=(-std=c++17 -fexceptions -fPIC -O1 -w
  -isystem "$node_include" -isystem "$napi_include"
  -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNAPI_CPP_EXCEPTIONS
  -DNODE_ADDON_API_CPP_EXCEPTIONS_ALL "-D$define")
mapfile -t sources < <(sh native/sources.sh addon)
# A fresh object directory: an object left over from a source since removed
# must not be linked in.
rm -rf "$out/obj"
mkdir -p "$out/obj"
echo "build-test-addon: compiling ${#sources[@]} files with $define into $out"
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c 'g++ "$@" -c {} -o "'"$out"'/obj/$(echo {} | tr / _).o"' _ "${flags[@]}"
# Linked to a temporary name and moved: an interrupted build never leaves a
# .node that looks up to date.
g++ -shared "$out"/obj/*.o -o "$out/edgeloop.node.tmp"
mv "$out/edgeloop.node.tmp" "$out/edgeloop.node"
