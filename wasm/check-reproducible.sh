#!/usr/bin/env bash
# CI check: rebuilds the wasm module from the sources in this checkout and
# fails if it differs in any byte from the committed wasm/edgeloop-sim.mjs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
committed="$root/wasm/edgeloop-sim.mjs"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/edgeloop-wasm-check.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$committed" ]; then
  echo "wasm/check-reproducible.sh: FAIL: wasm/edgeloop-sim.mjs is missing; run 'bash wasm/build.sh' and commit it." >&2
  exit 1
fi
bash "$root/wasm/build.sh" "$tmp/edgeloop-sim.mjs"
if ! cmp -s "$tmp/edgeloop-sim.mjs" "$committed"; then
  echo "wasm/check-reproducible.sh: FAIL: wasm/edgeloop-sim.mjs is stale or not reproducible:" >&2
  echo "  committed: $(wc -c <"$committed") bytes, sha256 $(sha256sum "$committed" | cut -d' ' -f1)" >&2
  echo "  rebuilt:   $(wc -c <"$tmp/edgeloop-sim.mjs") bytes, sha256 $(sha256sum "$tmp/edgeloop-sim.mjs" | cut -d' ' -f1)" >&2
  echo "  Run 'bash wasm/build.sh' and commit wasm/edgeloop-sim.mjs with the C++ change that moved it." >&2
  exit 1
fi
echo "wasm/check-reproducible.sh: OK: wasm/edgeloop-sim.mjs matches a fresh build ($(wc -c <"$committed") bytes)"
