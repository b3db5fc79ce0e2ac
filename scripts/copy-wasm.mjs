#!/usr/bin/env node
// After tsc: dist/wasm/edgeloop-sim.mjs must be the committed module byte
// for byte (the one wasm/check-reproducible.sh verifies), not tsc's re-emit
// of it. tsc has to see the module (src imports it, and the import's
// relative path must hold in dist), and allowJs emits what it sees; this
// puts the original back.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const to = join(root, 'dist', 'wasm', 'edgeloop-sim.mjs');
mkdirSync(dirname(to), { recursive: true });
copyFileSync(join(root, 'wasm', 'edgeloop-sim.mjs'), to);
