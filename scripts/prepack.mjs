#!/usr/bin/env node
// npm pack / npm publish, before `prepare` compiles dist/ (npm runs prepack,
// then prepare, then packs):
// - in a fresh clone nothing is installed, and `prepare` (tsc) would fail with
//   "tsc: not found": install the locked dev dependencies first, without
//   building the addon (npm ci --ignore-scripts; packing needs only tsc);
// - dist/src may hold JS compiled from a source file that no longer exists
//   (tsc never deletes): remove those, so the tarball ships only what this
//   build emits. Only orphans go; nothing that a running process of this
//   checkout may be using is touched.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

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
