// How a Simulation gets its kernel and its reactor: an engine loader, one
// per entry point, so the browser entry never imports the Node addon.
import type { RawKernel } from '../backends/raw-kernel.js';
import type { RawServer } from '../backends/raw-server.js';
import type { EngineName } from '../types.js';

export interface SimEngine {
  /** A fresh simulated kernel. */
  raw: RawKernel;
  /** Frees the binding object after raw.dispose() (wasm: embind's delete()). */
  releaseKernel?: () => void;
  /** The reactor on `raw`. A C++ failure arrives as a plain Error. */
  createServer(optionsJson: string): Promise<{ server: RawServer; release?: () => void }>;
}

export type EngineLoader = (engine: EngineName, seed: number) => Promise<SimEngine>;
