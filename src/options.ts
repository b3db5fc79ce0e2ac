// openKernel()'s options, checked the same way by the Node and browser entries.
import { describeValue, EdgeloopError } from './errors.js';
import type { BackendName, EngineName } from './types.js';

export interface ResolvedOptions {
  backend: BackendName;
  engine: EngineName | undefined;
  seed: number;
  trace: boolean;
}

function bad(field: string, expected: string, got: unknown): EdgeloopError {
  return new EdgeloopError('ERR_INVALID_ARG', `openKernel(): "${field}" must be ${expected}, got ${describeValue(got)}`, {
    argument: field,
  });
}

/** Validates options; `defaultEngine` is 'native' in Node and 'wasm' in the browser. */
export function resolveOptions(options: unknown, defaultEngine: EngineName): ResolvedOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw bad('options', "an object such as { backend: 'sim', seed: 1 } or { backend: 'linux' }", options);
  }
  const o = options as Record<string, unknown>;
  const backend = o.backend;
  if (backend !== 'linux' && backend !== 'sim') throw bad('backend', "'linux' or 'sim'", backend);
  const known = backend === 'sim' ? ['backend', 'engine', 'seed', 'trace'] : ['backend', 'trace'];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      throw new EdgeloopError(
        'ERR_INVALID_ARG',
        `openKernel(): unknown option "${key}" for backend '${backend}' (known: ${known.join(', ')})`,
        { argument: key },
      );
    }
  }
  const trace = o.trace === undefined ? true : o.trace;
  if (typeof trace !== 'boolean') throw bad('trace', 'a boolean', trace);
  if (backend === 'linux') return { backend, engine: undefined, seed: 0, trace };
  const engine = o.engine === undefined ? defaultEngine : o.engine;
  if (engine !== 'native' && engine !== 'wasm') throw bad('engine', "'native' or 'wasm'", engine);
  const seed = o.seed === undefined ? 1 : o.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw bad('seed', 'a uint32 integer (0 to 4294967295)', seed);
  }
  return { backend, engine, seed, trace };
}
