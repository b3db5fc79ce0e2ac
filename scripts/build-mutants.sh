#!/usr/bin/env bash
# Builds the test-only addon with the reactor mutants (native/reactor/mutants.h:
# the edgeloop connection with one classic bug planted, picked by variant
# names "mutant-..."): build/mutants/edgeloop.node. Load it with
# EDGELOOP_ADDON=$PWD/build/mutants/edgeloop.node (src/backends/native.ts).
# The normal builds (binding.gyp, wasm/build.sh) never define
# EDGELOOP_REACTOR_MUTANTS and reject those names as unknown variants.
# Skips the build when the .node is newer than every file under native/.
#
#   bash scripts/build-mutants.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/mutants
node_file="$out/edgeloop.node"
if [ "${1:-}" != --force ] && [ -f "$node_file" ] &&
   [ -z "$(find native scripts/build-mutants.sh scripts/build-test-addon.sh -type f -newer "$node_file" -print -quit)" ]; then
  echo "build-mutants: $node_file is up to date"
  exit 0
fi

bash scripts/build-test-addon.sh "$out" EDGELOOP_REACTOR_MUTANTS
echo "build-mutants: $node_file"
