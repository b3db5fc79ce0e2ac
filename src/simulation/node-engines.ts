// Engines for the Node entry: the native addon and the wasm module (the
// simulated kernel), and real Linux through the addon.
import { createNativeRaw, createNativeServer } from '../backends/native.js';
import { createWasmRaw, createWasmServer } from '../backends/wasm.js';
import type { EngineLoader } from './engine.js';
import { createLinuxEngine } from './linux-engine.js';

export const nodeEngines: EngineLoader = async (engine, seed) => {
  if (engine === 'linux') return createLinuxEngine();
  if (engine === 'wasm') {
    const { raw, release } = await createWasmRaw(seed);
    return { raw, releaseKernel: release, createServer: (json) => createWasmServer(raw, json) };
  }
  const raw = createNativeRaw('sim', seed);
  return { raw, createServer: async (json) => ({ server: createNativeServer(raw, json) }) };
};
