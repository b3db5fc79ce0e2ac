#!/usr/bin/env node
// Writes scenario.schema.json (the JSON Schema of scenario documents, shipped
// in the package) from the compiled validator tables
// (src/simulation/scenario-json-schema.ts). Run after `npm run build:ts`:
//   node scripts/gen-scenario-schema.mjs           write it
//   node scripts/gen-scenario-schema.mjs --check   exit 1 if it is stale
// (test/scenario-json-schema.test.ts runs the same check, so CI does too.)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = join(root, 'scenario.schema.json');
const { scenarioJsonSchema } = await import(join(root, 'dist/src/simulation/scenario-json-schema.js'));
const text = `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  let old = '';
  try {
    old = readFileSync(OUTPUT, 'utf8');
  } catch {}
  if (old !== text) {
    process.stderr.write('scenario.schema.json is stale: run npm run build:ts && node scripts/gen-scenario-schema.mjs\n');
    process.exit(1);
  }
} else {
  writeFileSync(OUTPUT, text);
  process.stdout.write(`wrote ${OUTPUT} (${text.length} bytes)\n`);
}
