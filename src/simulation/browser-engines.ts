// Engines for the browser entry: the wasm module only (no node: imports here).
import { createWasmRaw, createWasmServer } from '../backends/wasm.js';
import { EdgeloopError } from '../errors.js';
import type { EngineLoader } from './engine.js';

export const browserEngines: EngineLoader = async (engine, seed) => {
  if (engine !== 'wasm') {
    throw new EdgeloopError('ERR_BACKEND', `Simulation.create(): engine '${engine}' is not available in the browser: use engine 'wasm'`, {
      argument: 'engine',
    });
  }
  const { raw, release } = await createWasmRaw(seed);
  return { raw, releaseKernel: release, createServer: (json) => createWasmServer(raw, json) };
};
