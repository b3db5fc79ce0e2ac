// The peer shuts down its write side while the reactor still owes it
// output: edgeloop keeps flushing and closes after the last byte; the
// tutorial's code closes on the spot and the output is lost.
import { describe, expect, it } from 'vitest';

import { create, ENGINES, expectPattern, writeStepping } from './helpers/sim.js';

const MESSAGE = 512 * 1024;

async function halfCloseWithPending(engine: 'native' | 'wasm', family: 'unix' | 'tcp', variant: 'edgeloop' | 'day26-as-written') {
  const sim = await create(engine, { family, variant, app: 'echo', sndbuf: 16384 });
  const a = sim.peer('a');
  expect(a.connect()).toBe(0);
  a.stopReading();
  expect(writeStepping(sim, a, MESSAGE)).toBe(MESSAGE);
  sim.run({ maxSteps: 20 });
  expect(a.shutdown('WR')).toBe(0);
  sim.run({ maxSteps: 5 });
  return { sim, a };
}

describe.each(ENGINES)('half-close with pending output (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}, edgeloop: the pending output is still delivered, then the close`, async () => {
      const { sim, a } = await halfCloseWithPending(engine, family, 'edgeloop');
      try {
        const conn = sim.snapshot().connections[0];
        expect(conn).toMatchObject({ state: 'connected', peerHalfClosed: true, reading: false, writing: true });
        expect(conn?.sendBuf).toBeGreaterThan(0);
        a.resume();
        expect(sim.run({ until: () => a.eof, maxSteps: 1000 }).reason).toBe('until');
        expectPattern(a.received, MESSAGE);
        expect(sim.connections[0]?.closeReason).toBe('peer-closed');
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, day26-as-written: closed at once, the output is lost`, async () => {
      const { sim, a } = await halfCloseWithPending(engine, family, 'day26-as-written');
      try {
        expect(sim.connections[0]?.closed).toBe(true);
        a.resume();
        sim.run({ until: () => a.eof || a.error !== null, maxSteps: 1000 });
        expect(a.receivedBytes).toBeLessThan(MESSAGE);
      } finally {
        sim.dispose();
      }
    });
  }
});
