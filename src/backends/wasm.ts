// Loads the wasm build of the simulated kernel (wasm/edgeloop-sim.mjs, built
// by wasm/build.sh and shipped in the repo). Used by Node and the browser, so
// it must not import any node: module. The module is instantiated once, on
// first use, and shared by every kernel.
import { EdgeloopError } from '../errors.js';
import type { RawKernel } from './raw-kernel.js';

/** What this file needs of the module (the full types are wasm/edgeloop-sim.d.mts). */
interface SimModule {
  SimKernel: new (seed: number) => RawKernel & { delete(): void };
}

let modulePromise: Promise<SimModule> | undefined;

async function instantiate(): Promise<SimModule> {
  let create: () => Promise<unknown>;
  try {
    create = (await import('../../wasm/edgeloop-sim.mjs')).default as () => Promise<unknown>;
  } catch (e) {
    throw new EdgeloopError(
      'ERR_BACKEND',
      `wasm module wasm/edgeloop-sim.mjs could not be imported (${(e as Error).message}): build it with npm run build:wasm (needs emscripten)`,
      { cause: e },
    );
  }
  try {
    const mod = (await create()) as SimModule;
    if (typeof mod?.SimKernel !== 'function') throw new Error('the module has no class SimKernel');
    return mod;
  } catch (e) {
    if (e instanceof EdgeloopError) throw e;
    throw new EdgeloopError('ERR_BACKEND', `wasm module failed to instantiate: ${(e as Error).message}`, { cause: e });
  }
}

/** The instantiated module (cached; a failed load is retried on the next call). */
export function loadWasm(): Promise<SimModule> {
  if (!modulePromise) {
    modulePromise = instantiate();
    modulePromise.catch(() => {
      modulePromise = undefined;
    });
  }
  return modulePromise;
}

/** A raw simulated kernel from the wasm module, and how to free its embind handle. */
export async function createWasmRaw(seed: number): Promise<{ raw: RawKernel; release: () => void }> {
  const { SimKernel } = await loadWasm();
  let raw: RawKernel & { delete(): void };
  try {
    raw = new SimKernel(seed);
  } catch (e) {
    throw new EdgeloopError('ERR_BACKEND', `wasm module could not create a sim kernel: ${(e as Error).message}`, { cause: e });
  }
  return { raw, release: () => raw.delete() };
}
