#!/usr/bin/env bash
# Shows that the randomized differential tester catches a one-unit error in a
# writability rule: builds the addon with EDGELOOP_MUTANT_UNIX_WRITABLE
# (unix_writable without its +1: native/kernel/sim/unix_socket.cc), runs an
# AF_UNIX campaign against Linux with it, and passes only if the campaign
# finds a divergence (printing the shrunk program). The normal builds never
# define it.
#
#   bash scripts/kernel-mutant.sh [SEEDS]     (default 0..300)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-0..300}"

out=build/mutant
mkdir -p "$out/obj"
napi_include=$(node -p "require('node-addon-api').include_dir")
flags=(-std=c++17 -fexceptions -fPIC -O1 -w
  -isystem /usr/include/node -isystem "$napi_include"
  -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNAPI_CPP_EXCEPTIONS
  -DNODE_ADDON_API_CPP_EXCEPTIONS_ALL -DEDGELOOP_MUTANT_UNIX_WRITABLE)
mapfile -t sources < <(sh native/sources.sh addon)
echo "kernel-mutant: compiling ${#sources[@]} files with EDGELOOP_MUTANT_UNIX_WRITABLE"
printf '%s\n' "${sources[@]}" | xargs -P "$(nproc)" -I{} sh -c 'g++ "$@" -c {} -o "'"$out"'/obj/$(echo {} | tr / _).o"' _ "${flags[@]}"
g++ -shared "$out"/obj/*.o -o "$out/edgeloop.node"

npx tsc -p tsconfig.json
echo "kernel-mutant: an AF_UNIX campaign (seeds $seeds) against Linux must find the planted error"
EDGELOOP_ADDON="$PWD/$out/edgeloop.node" node scripts/linux-reference.mjs \
  node dist/test/differential/fuzz-kernel.js --family unix --seeds "$seeds" --backends linux,sim-native --expect-divergence
