// Loads the Node addon (build/Release/edgeloop.node). Node only. A missing or
// broken addon is an error, never a reason to fall back to another backend.
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

let cached: Addon | undefined;

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

/** build/Release/edgeloop.node, or EDGELOOP_ADDON (the sanitizer build uses it). */
export function addonPath(): string {
  const override = process.env.EDGELOOP_ADDON;
  if (override) return override;
  return join(packageRoot(), 'build', 'Release', 'edgeloop.node');
}

export function loadAddon(): Addon {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    throw new EdgeloopError(
      'ERR_BACKEND',
      `native addon not built (${path} is missing): run npm install (needs g++ and python3), or npm run build:native`,
    );
  }
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (e) {
    throw new EdgeloopError(
      'ERR_BACKEND',
      `native addon ${path} failed to load (${(e as Error).message}): rebuild it with npm run build:native`,
      { cause: e },
    );
  }
  if (typeof addon?.Kernel !== 'function' || typeof addon?.Server !== 'function') {
    throw new EdgeloopError('ERR_BACKEND', `native addon ${path} does not export classes Kernel and Server: rebuild it with npm run build:native`);
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
