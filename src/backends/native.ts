// Loads the Node addon. Node only. node-gyp-build finds it: a build of this
// checkout or of the install's fallback compile (build/Release/edgeloop.node)
// first, else the prebuilt one for this platform that the package ships
// (prebuilds/linux-x64/edgeloop.glibc.node, made by `npm pack`:
// scripts/prepack.mjs). EDGELOOP_ADDON names another build (the sanitizer
// and mutant builds). A missing or broken addon is an error, never a reason
// to fall back to another backend.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { EdgeloopError } from '../errors.js';
import type { RawKernel } from './raw-kernel.js';
import type { RawServer } from './raw-server.js';

interface Addon {
  Kernel: new (kind: 'linux' | 'sim', seed?: number) => RawKernel;
  /** `kernel` null: the real server (a LinuxKernel of its own, on Node's event loop). */
  Server: new (kernel: RawKernel | null, optionsJson: string) => RawServer;
}

/** node-gyp-build's loader (CommonJS, no types of its own). */
interface NodeGypBuild {
  (dir: string): unknown;
  /** The addon's path: build/Release, build/Debug, then prebuilds/<platform>-<arch>; throws when none fits. */
  resolve(dir: string): string;
}

const nodeRequire = createRequire(import.meta.url);

let cached: Addon | undefined;

/** What needs the addon; what does not. */
const NATIVE_PART = 'the real server, the linux kernel backend and the native sim engine';
const WASM_HINT = "simulations need no addon: engine: 'wasm' (CLI: --engine wasm)";

/**
 * How to get an addon that loads: the command that works from a user's
 * project (it runs the package's install script, which compiles when no
 * prebuild fits), and this repository's own.
 */
function rebuildHint(): string {
  return `run npm rebuild edgeloop in your project (compiles it; needs g++, make and python3; in the edgeloop repository: npm run build:native); ${WASM_HINT}`;
}

/**
 * The package root: the nearest directory above this file whose package.json
 * is edgeloop's. Works from src/backends (vitest, tsx) and dist/src/backends (tsc).
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'edgeloop') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) {
      throw new EdgeloopError('ERR_BACKEND', `native addon not found: no edgeloop package.json above ${fileURLToPath(import.meta.url)}`);
    }
    dir = up;
  }
}

/**
 * The addon that loadAddon() loads: EDGELOOP_ADDON when set, else what
 * node-gyp-build picks in the package (build/Release/edgeloop.node, else
 * prebuilds/<platform>-<arch>/edgeloop.glibc.node). ERR_BACKEND when there is
 * none.
 */
export function addonPath(): string {
  const override = process.env.EDGELOOP_ADDON;
  if (override) return override;
  if (process.platform !== 'linux') {
    throw new EdgeloopError('ERR_BACKEND', `native addon unavailable: ${NATIVE_PART} need Linux (this is ${process.platform}); ${WASM_HINT}`);
  }
  const root = packageRoot();
  try {
    return (nodeRequire('node-gyp-build') as NodeGypBuild).resolve(root);
  } catch (e) {
    // node-gyp-build: "No native build was found for platform=linux arch=x64 ... node=20.20.2\n    loaded from: DIR"
    // (DIR is the package, or $EDGELOOP_PREBUILD).
    const message = (e as Error).message;
    const target = /No native build was found for (.*)/.exec(message)?.[1]?.trim();
    const dir = /loaded from: (.*)/.exec(message)?.[1]?.trim() || root;
    throw new EdgeloopError(
      'ERR_BACKEND',
      `native addon not found: no ${join(dir, 'build', 'Release', 'edgeloop.node')} and no prebuilt addon in ${join(dir, 'prebuilds')} for this machine` +
        `${target ? ` (${target})` : ''}, so ${NATIVE_PART} are unavailable: ${rebuildHint()}`,
      { cause: e },
    );
  }
}

export function loadAddon(): Addon {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    // Only an EDGELOOP_ADDON can name a file that is not there.
    throw new EdgeloopError('ERR_BACKEND', `native addon not found: EDGELOOP_ADDON=${path} is missing (unset it to use the package's own addon)`);
  }
  let addon: Addon;
  try {
    addon = nodeRequire(path) as Addon;
  } catch (e) {
    throw new EdgeloopError(
      'ERR_BACKEND',
      `native addon ${path} failed to load (${(e as Error).message.split('\n')[0]}), so ${NATIVE_PART} are unavailable: ${rebuildHint()}`,
      { cause: e },
    );
  }
  if (typeof addon?.Kernel !== 'function' || typeof addon?.Server !== 'function') {
    throw new EdgeloopError('ERR_BACKEND', `native addon ${path} does not export classes Kernel and Server: ${rebuildHint()}`);
  }
  cached = addon;
  return addon;
}

/** A raw kernel from the addon: real Linux, or the native simulated kernel. */
export function createNativeRaw(kind: 'linux' | 'sim', seed: number): RawKernel {
  const { Kernel } = loadAddon();
  try {
    return kind === 'linux' ? new Kernel('linux') : new Kernel('sim', seed);
  } catch (e) {
    throw new EdgeloopError('ERR_BACKEND', `native addon could not create a ${kind} kernel: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * The reactor on a raw kernel of this addon. A C++ failure (a failed listen)
 * arrives as a plain Error; the caller wraps it.
 */
export function createNativeServer(kernel: RawKernel, optionsJson: string): RawServer {
  const { Server } = loadAddon();
  return new Server(kernel, optionsJson);
}

/**
 * The reactor as a real server: the same host on real sockets, its epoll fd
 * watched by Node's event loop (so runOnce is refused), listening when this
 * returns. A C++ failure (a failed listen) arrives as a plain Error.
 */
export function createRealServer(optionsJson: string): RawServer {
  const { Server } = loadAddon();
  return new Server(null, optionsJson);
}
