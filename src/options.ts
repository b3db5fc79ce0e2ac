// openKernel()'s options, checked the same way by the Node and browser entries.
import type { BackendName, EngineName } from './types.js';
import { isPlainObject, OptionChecker, UINT32_MAX, UINT32_PHRASE, readOptionsSafely } from './validate.js';

export interface ResolvedOptions {
  backend: BackendName;
  engine: EngineName | undefined;
  seed: number;
  trace: boolean;
}

const BACKENDS: readonly BackendName[] = ['linux', 'sim'];
const ENGINES: readonly EngineName[] = ['native', 'wasm'];

/** Validates options; `defaultEngine` is 'native' in Node and 'wasm' in the browser. */
export function resolveOptions(options: unknown, defaultEngine: EngineName): ResolvedOptions {
  return readOptionsSafely('openKernel()', () => resolveOptionsUnchecked(options, defaultEngine));
}

function resolveOptionsUnchecked(options: unknown, defaultEngine: EngineName): ResolvedOptions {
  const first: OptionChecker = new OptionChecker('openKernel()');
  if (!isPlainObject(options)) first.invalid([], "an object such as { backend: 'sim', seed: 1 } or { backend: 'linux' }", options);
  const backend = first.oneOf(options.backend, ['backend'], BACKENDS);
  // Which options there are depends on the backend: say so when one is unknown.
  const c: OptionChecker = new OptionChecker('openKernel()', ` for backend '${backend}'`);
  const o = c.object(options, [], backend === 'sim' ? ['backend', 'engine', 'seed', 'trace'] : ['backend', 'trace']);
  const trace = o.trace === undefined ? true : c.bool(o.trace, ['trace']);
  if (backend === 'linux') return { backend, engine: undefined, seed: 0, trace };
  const engine = o.engine === undefined ? defaultEngine : c.oneOf(o.engine, ['engine'], ENGINES);
  const seed = o.seed === undefined ? 1 : c.int(o.seed, ['seed'], 0, UINT32_MAX, UINT32_PHRASE);
  return { backend, engine, seed, trace };
}
