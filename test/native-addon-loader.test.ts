// When no addon loads (no build/Release, no prebuild for this machine: an
// install without a compiler on a platform the package has no prebuild for),
// the native part fails with ERR_BACKEND naming what is missing and the
// command that works from a user's project, and pointing simulations at the
// wasm engine; the wasm engine works all the same. node-gyp-build looks in
// $EDGELOOP_PREBUILD instead of the package when it is set: an empty
// directory stands for a package with neither. (The packed tarball installed
// with no compiler: scripts/check-tarball.sh.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { addonPath, loadAddon } from '../src/backends/native.js';
import { createServer, EdgeloopError, openKernel, Simulation } from '../src/index.js';

const saved = { addon: process.env.EDGELOOP_ADDON, prebuild: process.env.EDGELOOP_PREBUILD };
let empty = '';

beforeEach(() => {
  empty = mkdtempSync(join(tmpdir(), 'edgeloop-no-addon-'));
  delete process.env.EDGELOOP_ADDON;
  process.env.EDGELOOP_PREBUILD = empty;
});
afterEach(() => {
  for (const [name, value] of [['EDGELOOP_ADDON', saved.addon], ['EDGELOOP_PREBUILD', saved.prebuild]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(empty, { recursive: true, force: true });
});

function thrown(f: () => unknown): EdgeloopError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EdgeloopError);
    return e as EdgeloopError;
  }
  throw new Error('expected a throw');
}

describe.skipIf(process.platform !== 'linux')('no native addon', () => {
  it('addonPath() and loadAddon() name what is missing, npm rebuild edgeloop and the wasm engine', () => {
    for (const e of [thrown(addonPath), thrown(loadAddon)]) {
      expect(e.code).toBe('ERR_BACKEND');
      expect(e.message).toContain(join(empty, 'build', 'Release', 'edgeloop.node'));
      expect(e.message).toContain(join(empty, 'prebuilds'));
      expect(e.message).toMatch(/platform=linux arch=\w+/);
      expect(e.message).toContain('npm rebuild edgeloop');
      expect(e.message).toContain('g++, make and python3');
      expect(e.message).toContain("engine: 'wasm'");
      expect(e.message).toContain('--engine wasm');
    }
  });

  it('createServer().listen() and the native engines reject with it; the wasm engine runs', async () => {
    await expect(createServer({ port: 0, app: 'echo' }).listen()).rejects.toMatchObject({
      code: 'ERR_BACKEND',
      message: expect.stringContaining('npm rebuild edgeloop'),
    });
    await expect(openKernel({ backend: 'linux' })).rejects.toMatchObject({ code: 'ERR_BACKEND' });
    await expect(openKernel({ backend: 'sim', engine: 'native' })).rejects.toMatchObject({ code: 'ERR_BACKEND' });
    const k = await openKernel({ backend: 'sim', engine: 'wasm', seed: 1 });
    expect(Array.isArray(k.socketpair('unix'))).toBe(true);
    k.dispose();
    const sim = await Simulation.create({ engine: 'wasm', seed: 1 });
    sim.dispose();
  });

  it('an EDGELOOP_ADDON that is missing or does not load says so', () => {
    process.env.EDGELOOP_ADDON = join(empty, 'nope.node');
    expect(thrown(loadAddon).message).toMatch(/EDGELOOP_ADDON=.*nope\.node is missing/);
    const bad = join(empty, 'bad.node');
    writeFileSync(bad, 'not an ELF file');
    process.env.EDGELOOP_ADDON = bad;
    const e = thrown(loadAddon);
    expect(e.code).toBe('ERR_BACKEND');
    expect(e.message).toMatch(/bad\.node failed to load \(.+\).*npm rebuild edgeloop/);
  });
});
