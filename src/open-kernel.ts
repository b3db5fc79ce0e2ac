// openKernel() for Node: real Linux and the native sim come from the addon,
// the wasm sim from wasm/. The default engine is 'native'; a missing addon is
// an ERR_BACKEND error, never a fallback to wasm.
import { createNativeRaw } from './backends/native.js';
import { createWasmRaw } from './backends/wasm.js';
import { EdgeloopError } from './errors.js';
import { Kernel } from './kernel.js';
import { resolveOptions } from './options.js';
import type { KernelBackendOptions } from './types.js';

export async function openKernel(options: KernelBackendOptions): Promise<Kernel> {
  const o = resolveOptions(options, 'native');
  if (o.backend === 'linux') {
    if (process.platform !== 'linux') {
      throw new EdgeloopError('ERR_BACKEND', `openKernel(): backend 'linux' needs Linux (this is ${process.platform}); use { backend: 'sim' }`, {
        argument: 'backend',
      });
    }
    return new Kernel(createNativeRaw('linux', 0), { backend: 'linux', seed: 0, trace: o.trace });
  }
  if (o.engine === 'wasm') {
    const { raw, release } = await createWasmRaw(o.seed);
    return new Kernel(raw, { backend: 'sim', engine: 'wasm', seed: o.seed, trace: o.trace, release });
  }
  return new Kernel(createNativeRaw('sim', o.seed), { backend: 'sim', engine: 'native', seed: o.seed, trace: o.trace });
}
