#!/usr/bin/env node
// The package's install script. The native part (the real server, the linux
// kernel backend, the native sim engine) is optional: node-gyp-build keeps
// the prebuilt addon in prebuilds/ when one fits this machine and loads, and
// otherwise compiles binding.gyp with node-gyp (into build/Release). When
// neither gives an addon, the install still succeeds, since everything wasm
// needs no addon, and says in one line how to get the native part later.
// Runtime loading: src/backends/native.ts.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';

import { localNodedir } from './node-headers.mjs';

const NATIVE = 'the native part (real server, linux kernel backend, native sim engine)';
const WASM = "the wasm simulation works without it (engine: 'wasm', CLI --engine wasm)";

if (process.platform !== 'linux') {
  console.error(`edgeloop: ${NATIVE} is Linux-only (this is ${process.platform}), not installed; ${WASM}`);
  process.exit(0);
}

/** Whether an executable `name` is on PATH. */
function onPath(name, path = process.env.PATH ?? '') {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const env = { ...process.env };
// Node's own headers where its installation has them (offline, and right for
// nvm and /usr/local installs alike); a nodedir set in npm's config wins.
if (!env.npm_config_nodedir) {
  const nodedir = localNodedir();
  if (nodedir) env.npm_config_nodedir = nodedir;
}

let status;
let failure = '';
try {
  const bin = createRequire(import.meta.url).resolve('node-gyp-build/bin.js');
  // node-gyp-build runs node-gyp-build-test (its check that the addon found
  // loads) by name: have its own .bin on PATH, however this script was run.
  env.PATH = [join(dirname(dirname(bin)), '.bin'), env.PATH].filter(Boolean).join(delimiter);
  const r = spawnSync(process.execPath, [bin], { stdio: 'inherit', env });
  status = r.status;
  if (r.error) failure = r.error.message;
  else if (r.status !== 0) failure = r.signal ? `killed by ${r.signal}` : `node-gyp exited with ${r.status}`;
} catch (e) {
  failure = `node-gyp-build not found: ${e.message.split('\n')[0]}`;
}
if (status === 0) process.exit(0);

const tools = ['g++', 'make', 'python3'];
const missing = tools.filter((t) => !onPath(t, env.PATH));
const why = missing.length > 0 ? `no ${missing.join(', ')} on PATH` : failure;
console.error(
  `edgeloop: ${NATIVE} is unavailable: no prebuilt addon fits this machine and compiling one failed (${why}); ` +
    `${WASM}. To build it: install ${tools.join(', ')}, then run \`npm rebuild edgeloop\` in your project.`,
);
process.exit(0);
