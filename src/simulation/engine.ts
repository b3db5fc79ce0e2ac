// How a Simulation gets its kernel and its reactor: an engine loader, one
// per entry point, so the browser entry never imports the Node addon (nor
// the 'linux' engine, which needs it and node:fs).
import type { RawKernel } from '../backends/raw-kernel.js';
import type { RawServer } from '../backends/raw-server.js';
import type { SimulationEngineName } from '../types.js';

/** One epoll instance as the kernel shows it: its interest list (target fd, mask with ERR|HUP) and, where known, its ready list. */
export interface EpollState {
  interest: Array<{ fd: number; events: number; ready: boolean }>;
  /** The ready list's target fds in order; null where the kernel does not show it (real Linux). */
  ready: number[] | null;
}

export interface SimEngine {
  /** The kernel the reactor and the peers share: 'sim' (default) or real 'linux'. */
  backend?: 'sim' | 'linux';
  /** A fresh kernel. */
  raw: RawKernel;
  /** Frees the binding object after raw.dispose() (wasm: embind's delete()). */
  releaseKernel?: () => void;
  /** The reactor on `raw`. A C++ failure arrives as a plain Error. */
  createServer(optionsJson: string): Promise<{ server: RawServer; release?: () => void }>;
  /** The state of epoll `ep` (default: the simulated kernel's inspect()); null if `ep` is not an epoll. */
  epollState?(ep: number): EpollState | null;
}

export type EngineLoader = (engine: SimulationEngineName, seed: number) => Promise<SimEngine>;
