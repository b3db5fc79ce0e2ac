#!/usr/bin/env node
// What tsc leaves undone in dist/ (build:ts and prepare run this after it):
//   - dist/wasm/edgeloop-sim.mjs must be the committed module byte for byte
//     (the one wasm/check-reproducible.sh verifies), not tsc's re-emit of it.
//     tsc has to see the module (src imports it, and the import's relative
//     path must hold in dist), and allowJs emits what it sees; the original
//     goes back.
//   - dist/src/cli.js, package.json's "bin", must be executable: npm makes
//     an installed package's bin executable, but in a clone `npx edgeloop`
//     runs the checkout's own file, which tsc wrote 0644 ("Permission denied").
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const to = join(root, 'dist', 'wasm', 'edgeloop-sim.mjs');
mkdirSync(dirname(to), { recursive: true });
copyFileSync(join(root, 'wasm', 'edgeloop-sim.mjs'), to);
chmodSync(join(root, 'dist', 'src', 'cli.js'), 0o755);
