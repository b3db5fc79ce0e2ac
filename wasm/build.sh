#!/usr/bin/env bash
# Builds the simulated kernel and the reactor for the browser: wasm/edgeloop-sim.mjs, one
# self-contained ES module (the wasm is inlined, nothing is fetched).
# The output is committed so `npm install` needs no emscripten;
# wasm/check-reproducible.sh rebuilds it and fails on any difference.
#
#   bash wasm/build.sh [OUTPUT]     (default: wasm/edgeloop-sim.mjs)
set -euo pipefail

# Debian's emscripten tools need Debian's acorn.
export NODE_PATH=/usr/share/nodejs
# The output must not depend on who builds it or where.
export LC_ALL=C SOURCE_DATE_EPOCH=0

readonly EMSCRIPTEN_PIN=3.1.6

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-wasm/edgeloop-sim.mjs}"
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

if ! command -v em++ >/dev/null 2>&1; then
  echo "wasm/build.sh: em++ not found. Install Debian's emscripten $EMSCRIPTEN_PIN (apt-get install emscripten)." >&2
  exit 1
fi
version="$(em++ --version | sed -n '1s/.* \([0-9][0-9.]*\) .*/\1/p')"
if [ "$version" != "$EMSCRIPTEN_PIN" ] && [ -z "${EDGELOOP_ANY_EMSCRIPTEN:-}" ]; then
  echo "wasm/build.sh: em++ is $version, the committed module is built with $EMSCRIPTEN_PIN;" \
       "another version gives different bytes (set EDGELOOP_ANY_EMSCRIPTEN=1 to build anyway)." >&2
  exit 1
fi

# The library cache. Debian's package ships it prebuilt and frozen
# (FROZEN_CACHE = True, only ever read), and an EM_CACHE pointing anywhere
# else fails the build, so a stray EM_CACHE is dropped. An install that
# builds its libraries on first use and cannot write its default cache gets
# .emcache/ in the repo (git-ignored). The cache holds only system libraries
# built from emscripten's own sources, so the output does not depend on it.
unset EM_CACHE
if [ "$(em-config FROZEN_CACHE 2>/dev/null)" != "True" ]; then
  cache="$(em-config CACHE)"
  if ! { mkdir -p "$cache" && [ -w "$cache" ]; } 2>/dev/null; then
    export EM_CACHE="$root/.emcache"
  fi
fi

# Relative paths from a fixed directory, and the prefix map for anything
# that still sees an absolute one (__FILE__ in assert messages).
cd "$root"
# One source list for every C++ build (native/sources.sh).
mapfile -t sources < <(sh native/sources.sh wasm)

flags=(
  -std=c++17 -O2 -fexceptions
  -Wall -Wextra -Werror -Wconversion -Wshadow
  "-ffile-prefix-map=$root=."
  -lembind
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createEdgeloopSim
  -sENVIRONMENT=web,worker -sSINGLE_FILE=1
  -sALLOW_MEMORY_GROWTH=1 -sFILESYSTEM=0
  # No eval, no new Function: embind's invokers become closures, so the
  # module runs under a Content-Security-Policy without 'unsafe-eval' (the
  # playground's; measured: no change in simulated events per second).
  -sDYNAMIC_EXECUTION=0
  --pre-js wasm/binding-pre.js --post-js wasm/binding-post.js
)

# Build beside the target and move into place, so a failed build never
# leaves a truncated module behind.
mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/edgeloop-wasm.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
em++ "${flags[@]}" "${sources[@]}" -o "$tmp/edgeloop-sim.mjs"
mv "$tmp/edgeloop-sim.mjs" "$out"
echo "wasm/build.sh: built ${out#"$root"/} ($(wc -c <"$out") bytes, ${#sources[@]} sources) in $((SECONDS - start))s"
