// The backends a test run covers, from EDGELOOP_BACKENDS (comma-separated;
// default every backend): 'linux', 'sim-native', 'sim-wasm'. A listed backend
// that cannot be opened fails the run; it is never skipped or swapped.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

import { openKernel, type Kernel, type KernelBackendOptions } from '../../src/index.js';

export const ALL_BACKENDS = ['linux', 'sim-native', 'sim-wasm'] as const;
export type BackendId = (typeof ALL_BACKENDS)[number];

function parseBackends(text: string): BackendId[] {
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const id of ids) {
    if (!(ALL_BACKENDS as readonly string[]).includes(id)) {
      throw new Error(`EDGELOOP_BACKENDS: unknown backend "${id}" (known: ${ALL_BACKENDS.join(', ')})`);
    }
  }
  if (ids.length === 0) throw new Error('EDGELOOP_BACKENDS lists no backend');
  return ids as BackendId[];
}

/** The backends selected for this run. */
export const BACKENDS: readonly BackendId[] = parseBackends(process.env.EDGELOOP_BACKENDS ?? ALL_BACKENDS.join(','));

/** openKernel() options for a backend id. `seed` is ignored on linux. */
export function optionsFor(id: BackendId, extra: { seed?: number; trace?: boolean } = {}): KernelBackendOptions {
  const trace = extra.trace ?? true;
  switch (id) {
    case 'linux':
      return { backend: 'linux', trace };
    case 'sim-native':
      return { backend: 'sim', engine: 'native', seed: extra.seed ?? 1, trace };
    case 'sim-wasm':
      return { backend: 'sim', engine: 'wasm', seed: extra.seed ?? 1, trace };
  }
}

/** Opens a kernel on the given backend. */
export function open(id: BackendId, extra: { seed?: number; trace?: boolean } = {}): Promise<Kernel> {
  return openKernel(optionsFor(id, extra));
}

/**
 * Why this process's Linux is not a reference the sim can be compared with,
 * or undefined when it is: cached TCP metrics for 127.0.0.1 (every new
 * loopback connection starts from them, see scripts/linux-reference.mjs) or
 * metrics saving left on (a heavy test of this run would leave them for the
 * next). `npm test` runs in a network namespace made for the run, where
 * neither holds.
 */
export function linuxReferenceProblem(): string | undefined {
  const fix =
    process.env.EDGELOOP_LINUX_REFERENCE === 'netns'
      ? 'the run\'s own network namespace was set up incompletely (scripts/linux-reference.mjs)'
      : 'run the tests through `npm test` (a network namespace of their own; needs root or user namespaces), or as root: `ip tcp_metrics flush && sysctl -w net.ipv4.tcp_no_metrics_save=1`';
  const save = readFileSync('/proc/sys/net/ipv4/tcp_no_metrics_save', 'utf8').trim();
  if (save !== '1') return `net.ipv4.tcp_no_metrics_save is ${save}: connections closed by this run cache TCP state that later ones inherit; ${fix}`;
  const cached = cachedLoopbackTcpMetrics();
  if (typeof cached === 'string') return cached;
  if (cached.length > 0) return `Linux has cached TCP state for loopback that every new connection to it inherits (${cached.join('; ')}); ${fix}`;
  return undefined;
}

/** The kernel's cached TCP metrics for 127.0.0.0/8, one line each, or why they cannot be read. */
export function cachedLoopbackTcpMetrics(): string[] | string {
  const ip = spawnSync('ip', ['tcp_metrics', 'show'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0) return `cannot read the cached TCP metrics (\`ip tcp_metrics show\`: ${ip.error?.message ?? ip.stderr.trim()}); install iproute2`;
  return ip.stdout.split('\n').filter((line) => line.startsWith('127.'));
}
