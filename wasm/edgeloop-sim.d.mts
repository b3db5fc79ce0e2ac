// Types for wasm/edgeloop-sim.mjs, the emscripten + embind build of the
// simulated kernel and the reactor (wasm/build.sh). Hand-written:
// @types/emscripten has no embind types. Keep in step with
// wasm/sim_kernel_binding.cc and wasm/server_binding.cc.
import type { RawKernel } from '../src/backends/raw-kernel.js';
import type { RawServer } from '../src/backends/raw-server.js';

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

/**
 * The reactor (native/reactor) running on a SimKernel of the same module.
 * Its methods are RawServer's; failures arrive as plain `Error`s, and every
 * call after `dispose()` throws `Error('server is disposed')`.
 */
export interface WasmSimServer extends RawServer {
  delete(): void;
  isDeleted(): boolean;
}

export interface EdgeloopSimModule {
  SimKernel: new (seed: number) => WasmSimKernel;
  /** Built on an existing kernel of this module, which it keeps alive. */
  SimServer: new (kernel: WasmSimKernel, optionsJson: string) => WasmSimServer;
  /** The whole wasm memory (emscripten's view; replaced when the memory grows). */
  HEAPU8: Uint8Array;
}

/**
 * Instantiates the module (the wasm is inlined: nothing is fetched). The
 * optional argument is emscripten's Module object (print, printErr, ...).
 */
declare function createEdgeloopSim(moduleArg?: object): Promise<EdgeloopSimModule>;
export default createEdgeloopSim;
