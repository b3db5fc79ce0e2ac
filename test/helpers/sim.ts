// The simulation engines a test run covers: the sim backends selected by
// EDGELOOP_BACKENDS (see backends.ts), as Simulation engine names.
import { Simulation, type SimulationOptions, type TraceRecord } from '../../src/index.js';
import { BACKENDS } from './backends.js';

export const ENGINES: ReadonlyArray<'native' | 'wasm'> = BACKENDS.filter((b) => b !== 'linux').map((b) =>
  b === 'sim-native' ? 'native' : 'wasm',
);

/** Both engines are selected: the tests that compare them byte for byte can run. */
export const BOTH_ENGINES = ENGINES.includes('native') && ENGINES.includes('wasm');

export function create(engine: 'native' | 'wasm', options: SimulationOptions = {}): Promise<Simulation> {
  return Simulation.create({ seed: 1, ...options, engine });
}

/**
 * Options for a peer that must take a whole echo back without time passing
 * (sim.step() never advances the clock): on TCP its receive buffer is locked
 * at Linux's unlocked start (SO_RCVBUF 65536, reported 131072). Unlocked,
 * the buffer grows once the peer reads fast (tcp_rcv_space_adjust, in the sim
 * as on Linux), its window then outruns its reads, and the last of an echo
 * waits for the peer's 40 ms delayed ACK, as it does on Linux
 * (docs/kernel-fidelity.md, "The reactor on both kernels").
 */
export function steppedPeer(family: 'unix' | 'tcp'): { rcvbuf?: number } {
  return family === 'tcp' ? { rcvbuf: 65536 } : {};
}

/** The reactor's epoll_wait calls that returned events. */
export function reactorWakeups(records: readonly TraceRecord[], from = 0): TraceRecord[] {
  return records.slice(from).filter((r) => r.actor === 'reactor' && r.call === 'epollWait' && typeof r.ret === 'number' && r.ret > 0);
}

/** Reactor records of `call` on the fd named `name`. */
export function reactorCalls(records: readonly TraceRecord[], call: string, name?: string | null): TraceRecord[] {
  return records.filter((r) => r.actor === 'reactor' && r.call === call && (name === undefined || r.name === name));
}

/** The bytes the reactor's `call`s ('read' or 'write') on the fd named `name` moved: the sum of their results. */
export function reactorBytes(records: readonly TraceRecord[], call: 'read' | 'write', name: string | null): number {
  return reactorCalls(records, call, name).reduce((n, r) => n + (typeof r.ret === 'number' ? r.ret : 0), 0);
}

/** Whether the reactor registered EPOLLOUT for anything (an epoll_ctl whose events include it). */
export function enablesEpollout(records: readonly TraceRecord[]): boolean {
  return records.some((r) => r.actor === 'reactor' && r.call === 'epollCtl' && String(r.args.events).includes('EPOLLOUT'));
}

/** How many app events `call` ('highWaterMark', 'close', ...) the trace holds. */
export function appCalls(sim: Simulation, call: string): number {
  return sim.trace.records.filter((r) => r.actor === 'app' && r.call === call).length;
}

/**
 * Has `peer` write `total` filler bytes (the counting pattern, continued per
 * fd), as much as the kernel takes before each step, stepping in between.
 * Returns the bytes written (less than `total` if maxSteps ran out).
 */
export function writeStepping(sim: Simulation, peer: ReturnType<Simulation['peer']>, total: number, maxSteps = 10_000): number {
  let written = 0;
  for (let steps = 0; written < total && steps < maxSteps; steps++) {
    while (written < total) {
      const r = peer.write(Math.min(64 * 1024, total - written));
      if (typeof r === 'string') break;
      written += r;
    }
    sim.step();
  }
  return written;
}

/** Max of f(snapshot) over the steps of a run: run() with a side effect. */
export function maxOver(sim: Simulation, steps: number, f: (sim: Simulation) => number, each?: () => void): number {
  let max = f(sim);
  for (let i = 0; i < steps; i++) {
    each?.();
    sim.step();
    max = Math.max(max, f(sim));
  }
  return max;
}

/**
 * A peer that does not read (stopReading() it first) writes as much as the
 * kernel takes (`chunk` at a time, the filler pattern) before each of `steps`
 * steps. Returns what it wrote, the largest send_buf_ of the first connection
 * seen after a step, and its last write's result ('EAGAIN': the peer was
 * throttled).
 */
export function flood(sim: Simulation, peer: ReturnType<Simulation['peer']>, steps: number, chunk = 64 * 1024): { written: number; maxSendBuf: number; lastWrite: number | string } {
  let written = 0;
  let maxSendBuf = 0;
  let lastWrite: number | string = 0;
  for (let i = 0; i < steps; i++) {
    for (;;) {
      lastWrite = peer.write(chunk);
      if (typeof lastWrite === 'string') break;
      written += lastWrite;
    }
    sim.step();
    maxSendBuf = Math.max(maxSendBuf, sim.snapshot().connections[0]?.sendBuf ?? 0);
  }
  return { written, maxSendBuf, lastWrite };
}
