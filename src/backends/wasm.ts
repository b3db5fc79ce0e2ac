// Loads the wasm build of the simulated kernel (wasm/edgeloop-sim.mjs, built
// by wasm/build.sh and shipped in the repo). Used by Node and the browser, so
// it must not import any node: module. The module is instantiated once, on
// first use, and shared by every kernel.
import { EdgeloopError } from '../errors.js';
import type { EdgeloopSimModule, WasmSimKernel, WasmSimServer } from '../../wasm/edgeloop-sim.mjs';
import type { RawKernel } from './raw-kernel.js';
import type { RawServer } from './raw-server.js';

let modulePromise: Promise<EdgeloopSimModule> | undefined;
/** The module once instantiated (for wasmHeapBytes). */
let loaded: EdgeloopSimModule | undefined;

async function instantiate(): Promise<EdgeloopSimModule> {
  let create: typeof import('../../wasm/edgeloop-sim.mjs').default;
  try {
    create = (await import('../../wasm/edgeloop-sim.mjs')).default;
  } catch (e) {
    throw new EdgeloopError(
      'ERR_BACKEND',
      `wasm module wasm/edgeloop-sim.mjs could not be imported (${(e as Error).message}): build it with npm run build:wasm (needs emscripten)`,
      { cause: e },
    );
  }
  try {
    const mod = await create();
    if (typeof mod?.SimKernel !== 'function') throw new Error('the module has no class SimKernel');
    if (typeof mod?.SimServer !== 'function') throw new Error('the module has no class SimServer');
    loaded = mod;
    return mod;
  } catch (e) {
    if (e instanceof EdgeloopError) throw e;
    throw new EdgeloopError('ERR_BACKEND', `wasm module failed to instantiate: ${(e as Error).message}`, { cause: e });
  }
}

/** The instantiated module (cached; a failed load is retried on the next call). */
function loadWasm(): Promise<EdgeloopSimModule> {
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
  let raw: WasmSimKernel;
  try {
    raw = new SimKernel(seed);
  } catch (e) {
    throw new EdgeloopError('ERR_BACKEND', `wasm module could not create a sim kernel: ${(e as Error).message}`, { cause: e });
  }
  return { raw, release: () => raw.delete() };
}

/**
 * The reactor on a raw kernel made by createWasmRaw, and how to free its
 * embind handle. A C++ failure (a failed listen) arrives as a plain Error.
 */
export async function createWasmServer(kernel: RawKernel, optionsJson: string): Promise<{ server: RawServer; release: () => void }> {
  const { SimServer } = await loadWasm();
  const server: WasmSimServer = new SimServer(kernel as WasmSimKernel, optionsJson);
  return { server, release: () => server.delete() };
}

/**
 * Bytes of wasm memory the module holds now (0 before it is loaded). A wasm
 * memory only grows: after a run whose reactor buffered hundreds of MiB (a
 * day-26 flood, a 256 MiB bulk response) this stays that large for as long
 * as the module lives, whatever the next runs need. The playground's run
 * worker reports it so the page can end a worker that holds too much.
 */
export function wasmHeapBytes(): number {
  return loaded?.HEAPU8.length ?? 0;
}
