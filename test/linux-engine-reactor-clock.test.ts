// The 'linux' engine moves the reactor's record times (the kernel's
// CLOCK_MONOTONIC, whole ms) onto the trace's clock (ms since the Kernel was
// opened), where the peers' records are. The map is read before the reactor
// starts: read after it (as it was), the reactor's own socket/bind/listen
// records came out below 0 by however long its start took (-5 ms once, in
// one of ten `npm test` runs beside two busy loops). Here the reactor and the
// clock are stand-ins, so a slow start and a scheduler pause are certain.
import { describe, expect, it } from 'vitest';

import type { RawServer } from '../src/backends/raw-server.js';
import { rebasingServer, traceClock } from '../src/simulation/linux-engine.js';

/** CLOCK_MONOTONIC as NowMs gives it: whole ms, another origin than performance.now(). */
const monotonicMs = (): number => Math.floor(performance.now() + 7_654_321.4);

function busyWait(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: a start (or a pause) that takes real time
  }
}

/** A reactor that records its listen at its very start, then takes `startMs` to be ready. */
function slowStartingReactor(startMs: number): RawServer {
  const listenedAt = monotonicMs();
  busyWait(startMs);
  const trace = `{"t":${listenedAt},"actor":"reactor","call":"listen"}\n`;
  return { drainTrace: () => trace, snapshot: () => JSON.stringify({ time: monotonicMs() }) } as unknown as RawServer;
}

describe("the linux engine's reactor clock", () => {
  it('puts a record the reactor made while starting at 0 or after (within NowMs whole ms), however long the start took', () => {
    const opened = performance.now();
    const rebase = traceClock({ now: monotonicMs });
    const server = rebasingServer(slowStartingReactor(20), rebase);
    const t = Number(/"t":(-?[\d.]+)/.exec(server.drainTrace())?.[1]);
    expect(t).toBeGreaterThanOrEqual(-1);
    expect(t).toBeLessThanOrEqual(performance.now() - opened + 1);
    const snap = JSON.parse(server.snapshot()) as { time: number };
    expect(snap.time).toBeGreaterThanOrEqual(20 - 1);
  });

  it('reads the offset between the clocks again when the scheduler splits a read', () => {
    let calls = 0;
    const pausedOnce = (): number => {
      const now = monotonicMs();
      // The first read is paused 15 ms after the clock was read.
      if (calls++ === 0) busyWait(15);
      return now;
    };
    const start = performance.now();
    const rebase = traceClock({ now: pausedOnce }, start);
    expect(calls).toBeGreaterThan(1);
    // Read a time with performance.now() on both sides, close together.
    let before = 0;
    let now = 0;
    let after = Infinity;
    while (after - before > 0.05) {
      before = performance.now();
      now = monotonicMs();
      after = performance.now();
    }
    // It maps to that moment on the trace's clock (ms since `start`),
    // within NowMs's whole ms: not 7.5 ms off, the middle of the split read.
    expect(Math.abs(rebase(now) - ((before + after) / 2 - start))).toBeLessThanOrEqual(1.1);
  });
});
