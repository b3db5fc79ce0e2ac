#!/usr/bin/env bash
# Builds the addon's C++ (kernel seam, both kernels, the reactor, bindings)
# with AddressSanitizer and UndefinedBehaviorSanitizer, then runs the
# simulated half of the differential suite, the misuse tests and the
# reactor's simulation tests against it. Any sanitizer report aborts the
# process, which fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

out=build/sanitize
mkdir -p "$out"
napi_include=$(node -p "require('node-addon-api').include_dir")
flags=(-std=c++17 -fexceptions -fPIC -shared -O1 -g -fno-omit-frame-pointer
  -fsanitize=address,undefined -fno-sanitize-recover=undefined
  -Wall -Wextra -Werror -Wconversion -Wshadow
  -isystem /usr/include/node -isystem "$napi_include"
  -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_DEPRECATED -DNAPI_CPP_EXCEPTIONS
  -DNODE_ADDON_API_CPP_EXCEPTIONS_ALL)
mapfile -t sources < <(sh native/sources.sh addon)  # the addon's own list
echo "sanitize: compiling ${#sources[@]} files with -fsanitize=address,undefined"
g++ "${flags[@]}" "${sources[@]}" -o "$out/edgeloop.node"

asan=$(g++ -print-file-name=libasan.so)
ubsan=$(g++ -print-file-name=libubsan.so)
# Node itself is not instrumented: leak checking would report V8's own
# allocations, so it is off; every other ASan/UBSan finding aborts.
export LD_PRELOAD="$asan $ubsan"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export EDGELOOP_ADDON="$PWD/$out/edgeloop.node"
export EDGELOOP_BACKENDS=sim-native
echo "sanitize: running the simulated differential suite and the reactor's simulation tests under ASan+UBSan"
# The reactor's tests: every file that drives a Simulation (test/helpers/sim.ts).
mapfile -t reactor_tests < <(grep -l "helpers/sim.js" test/*.test.ts)
npx vitest run test/kernel-differential.test.ts test/kernel-api-misuse.test.ts "${reactor_tests[@]}"
