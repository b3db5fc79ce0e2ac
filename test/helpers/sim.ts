// The simulation engines a test run covers: the sim backends selected by
// EDGELOOP_BACKENDS (see backends.ts), as Simulation engine names.
import { expect } from 'vitest';

import { Simulation, type SimulationOptions, type TraceRecord } from '../../src/index.js';
import { BACKENDS } from './backends.js';

export const ENGINES: ReadonlyArray<'native' | 'wasm'> = BACKENDS.filter((b) => b !== 'linux').map((b) =>
  b === 'sim-native' ? 'native' : 'wasm',
);

export function create(engine: 'native' | 'wasm', options: SimulationOptions = {}): Promise<Simulation> {
  return Simulation.create({ seed: 1, ...options, engine });
}

/** The reactor's epoll_wait calls that returned events. */
export function reactorWakeups(records: readonly TraceRecord[], from = 0): TraceRecord[] {
  return records.slice(from).filter((r) => r.actor === 'reactor' && r.call === 'epollWait' && typeof r.ret === 'number' && r.ret > 0);
}

/** Reactor records of `call` on the fd named `name`. */
export function reactorCalls(records: readonly TraceRecord[], call: string, name?: string | null): TraceRecord[] {
  return records.filter((r) => r.actor === 'reactor' && r.call === call && (name === undefined || r.name === name));
}

/** Checks byte i === (offset + i) & 0xff (the bulk app's and the filler's pattern); returns the first bad index or -1. */
export function firstPatternMismatch(bytes: Uint8Array, offset = 0): number {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== ((offset + i) & 0xff)) return i;
  }
  return -1;
}

export function expectPattern(bytes: Uint8Array, length: number): void {
  expect(bytes.length).toBe(length);
  expect(firstPatternMismatch(bytes)).toBe(-1);
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
