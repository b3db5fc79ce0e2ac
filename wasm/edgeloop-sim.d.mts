// Types for wasm/edgeloop-sim.mjs, the emscripten + embind build of the
// simulated kernel (wasm/build.sh). Hand-written: @types/emscripten has no
// embind types. Keep in step with wasm/sim_kernel_binding.cc.
import type { RawKernel } from '../src/backends/raw-kernel.js';

/**
 * One simulated kernel living in wasm memory. Its methods are RawKernel's;
 * a C++ failure inside one arrives as a plain `Error` (never a bare number),
 * and every call after `dispose()` throws `Error('kernel is disposed')`.
 */
export interface WasmSimKernel extends RawKernel {
  /** Frees embind's handle (after `dispose()`); any later call throws. */
  delete(): void;
  isDeleted(): boolean;
}

export interface EdgeloopSimModule {
  SimKernel: new (seed: number) => WasmSimKernel;
}

/**
 * Instantiates the module (the wasm is inlined: nothing is fetched). The
 * optional argument is emscripten's Module object (print, printErr, ...).
 */
declare function createEdgeloopSim(moduleArg?: object): Promise<EdgeloopSimModule>;
export default createEdgeloopSim;
