#!/bin/sh
# The C++ sources of each build, listed in one place (paths from the repo
# root, one per line, in a fixed order: the wasm build is byte-reproducible):
#   addon  the Node addon: both kernels, the reactor with its thread pool, the
#          host, the bindings (binding.gyp; scripts/sanitize-sim.sh builds the
#          same under ASan/UBSan)
#   wasm   the browser module: the simulated kernel, the reactor without
#          threads (LoopPool has no implementation there), the host, the
#          embind bindings (wasm/build.sh)
#
#   sh native/sources.sh addon|wasm
set -eu
cd "$(dirname "$0")/.."
export LC_ALL=C
target="${1:-}"
case "$target" in
  addon|wasm) ;;
  *) echo "usage: sh native/sources.sh addon|wasm" >&2; exit 2 ;;
esac
ls native/kernel/*.cc
ls native/kernel/sim/*.cc
if [ "$target" = addon ]; then ls native/kernel/linux/*.cc; fi
for f in native/reactor/*.cc native/reactor/*/*.cc; do
  case "$f" in *event_loop_thread_pool*) [ "$target" = wasm ] && continue ;; esac
  echo "$f"
done
ls native/host/*.cc
ls native/util/*.cc
if [ "$target" = addon ]; then ls native/addon/*.cc; else echo wasm/sim_kernel_binding.cc wasm/server_binding.cc | tr ' ' '\n'; fi
