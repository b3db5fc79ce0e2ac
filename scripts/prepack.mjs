#!/usr/bin/env node
// npm pack / npm publish, before `prepare` compiles dist/ (npm runs prepack,
// then prepare, then packs):
// - in a fresh clone nothing is installed, and `prepare` (tsc) would fail with
//   "tsc: not found": install the locked dev dependencies first, without
//   building the addon (npm ci --ignore-scripts; packing needs only tsc);
// - dist/src may hold JS compiled from a source file that no longer exists
//   (tsc never deletes): remove those, so the tarball ships only what this
//   build emits. Only orphans go; nothing that a running process of this
//   checkout may be using is touched;
// - the prebuilt addon: prebuildify compiles binding.gyp (N-API, so one build
//   serves every Node >= 20) into prebuilds/<platform>-<arch>/edgeloop.glibc.node,
//   which node-gyp-build loads at run time (src/backends/native.ts) and which
//   spares the install a compile (scripts/install-native.mjs). It builds in a
//   temporary copy of the native sources: node-gyp rebuild starts by deleting
//   build/, and this checkout's build/Release may be in use.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { localNodedir } from './node-headers.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

if (!existsSync(join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'))) {
  console.error('prepack: TypeScript is not installed (a fresh clone): npm ci --ignore-scripts, so that prepare can compile dist/');
  // The outer command's settings arrive as npm_config_*: `npm pack --dry-run`
  // would make this install a dry run too.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_(dry_run|json|ignore_scripts|omit|include|production)$/i.test(k)));
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  // stdout to stderr: `npm pack --json` prints its result on stdout.
  const r = spawnSync(npm[0], [...npm.slice(1), 'ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: ROOT, env, stdio: ['ignore', 2, 2] });
  if (r.status !== 0) {
    console.error(`prepack: npm ci failed (${r.error?.message ?? `exit ${r.status}`}): run npm install, then npm pack again`);
    process.exit(1);
  }
}

/** Files under `dir`, relative to it. */
function walk(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
let removed = 0;
for (const file of walk(join(ROOT, 'dist', 'src'))) {
  const stem = file.replace(/(\.d\.ts|\.d\.mts|\.js\.map|\.mjs\.map|\.js|\.mjs)$/, '');
  if (!SOURCE_EXTENSIONS.some((ext) => existsSync(join(ROOT, 'src', stem + ext)))) {
    rmSync(join(ROOT, 'dist', 'src', file));
    removed++;
  }
}
if (removed > 0) console.error(`prepack: removed ${removed} file(s) in dist/src compiled from sources that no longer exist`);

// The prebuilt addon.
const started = Date.now();
const prebuilds = join(ROOT, 'prebuilds');
rmSync(prebuilds, { recursive: true, force: true });
const tmp = mkdtempSync(join(tmpdir(), 'edgeloop-prebuild-'));
let built;
try {
  for (const f of ['binding.gyp', 'package.json', 'native']) cpSync(join(ROOT, f), join(tmp, f), { recursive: true });
  // binding.gyp asks node for node-addon-api's include directory.
  symlinkSync(join(ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  // Node's headers from its installation when it has them (no download);
  // both cores for the compile.
  const nodedir = localNodedir();
  const env = { ...process.env, JOBS: 'max', ...(nodedir && !process.env.npm_config_nodedir ? { npm_config_nodedir: nodedir } : {}) };
  const args = [
    join(ROOT, 'node_modules', 'prebuildify', 'bin.js'),
    '--napi', '--strip', '--tag-libc',
    // The running Node's headers; the N-API build loads in any Node >= 20.
    '--target', process.versions.node,
    '--node-gyp', join(ROOT, 'node_modules', '.bin', 'node-gyp'),
    '--cwd', tmp, '--out', ROOT,
  ];
  const r = spawnSync(process.execPath, args, { cwd: tmp, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    console.error(`prepack: prebuildify failed (${r.error?.message ?? `exit ${r.status}`}): the prebuilt addon needs g++, make, python3 and strip (on Linux)`);
    process.exit(1);
  }
  built = walk(prebuilds).filter((f) => f.endsWith('.node'));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (built.length !== 1) {
  console.error(`prepack: expected one prebuilt addon in prebuilds/, found ${built.length === 0 ? 'none' : built.join(', ')}`);
  process.exit(1);
}
const addon = join(prebuilds, built[0]);
const loaded = createRequire(import.meta.url)(addon);
if (typeof loaded?.Kernel !== 'function' || typeof loaded?.Server !== 'function') {
  console.error(`prepack: ${relative(ROOT, addon)} does not export classes Kernel and Server`);
  process.exit(1);
}
console.error(
  `prepack: prebuilt addon ${relative(ROOT, addon)} (${Math.round(statSync(addon).size / 1024)} kB, N-API, Node ${process.versions.node}'s headers) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
