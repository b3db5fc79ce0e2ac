#!/usr/bin/env bash
# Proof that Explore finds reactor bugs: builds the test-only mutants
# (scripts/build-mutants.sh: the edgeloop connection with one classic bug
# each) and runs `edgeloop explore` on each, which must break an invariant
# within the stated number of seeds (exit 1) and write the shrunk scenario.
# Prints one line per mutant: the first failing seed and the invariant.
#
#   bash scripts/reactor-mutants.sh [SEEDS]     (default 0..300, what CI runs; each stops at its first failure)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds="${1:-0..300}"

bash scripts/build-mutants.sh
npx tsc -p tsconfig.json
addon="$PWD/build/mutants/edgeloop.node"
out="build/mutants/found"
rm -rf "$out"
mutants=$(node -e "import('./dist/src/reactor-options.js').then((m) => console.log(m.MUTANT_VARIANTS.join(' ')))")
failed=0
for m in $mutants; do
  set +e
  json=$(EDGELOOP_ADDON="$addon" node dist/src/cli.js explore --variant "$m" --seeds "$seeds" --max-failures 1 --workers 1 --json --out "$out" 2>/dev/null)
  code=$?
  set -e
  if [ "$code" -ne 1 ]; then
    echo "reactor-mutants: $m was NOT caught in seeds $seeds (exit $code)"
    failed=1
    continue
  fi
  node -e '
    const r = JSON.parse(process.argv[1]);
    const f = r.failures[0];
    console.log(`reactor-mutants: ${r.variant.padEnd(30)} caught at seed ${String(f.seed).padStart(4)} (${r.seedsRun} seeds run): ${f.invariant}, shrunk in ${f.shrinks} steps`);
  ' "$json"
done
exit $failed
