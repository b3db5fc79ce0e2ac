// The backends a test run covers, from EDGELOOP_BACKENDS (comma-separated;
// default every backend): 'linux', 'sim-native', 'sim-wasm'. A listed backend
// that cannot be opened fails the run; it is never skipped or swapped.
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
