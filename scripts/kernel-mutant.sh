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
bash scripts/build-test-addon.sh "$out" EDGELOOP_MUTANT_UNIX_WRITABLE

npx tsc -p tsconfig.json
echo "kernel-mutant: an AF_UNIX campaign (seeds $seeds) against Linux must find the planted error"
EDGELOOP_ADDON="$PWD/$out/edgeloop.node" node scripts/linux-reference.mjs \
  node dist/test/differential/fuzz-kernel.js --family unix --seeds "$seeds" --backends linux,sim-native --expect-divergence
