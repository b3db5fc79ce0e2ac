// A 64 MiB response (the bulk app) to a peer that reads 64 KiB per step
// arrives complete and in order; the reactor drains it on EPOLLOUT, turns
// EPOLLOUT off once drained, and shuts the write side down after the last byte.
import { describe, expect, it } from 'vitest';

import { create, ENGINES, expectPattern, reactorCalls } from './helpers/sim.js';

const TOTAL = 64 * 1024 * 1024;

describe.each(ENGINES)('bulk response to a slow reader (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}: 64 MiB arrive complete and in order`, async () => {
      const sim = await create(engine, { family, app: { bulk: TOTAL } });
      try {
        const c = sim.peer('c', { readPerStep: 64 * 1024 });
        expect(c.connect()).toBe(0);
        const r = sim.run({ until: () => c.eof, maxSteps: 5000 });
        expect(r.reason).toBe('until');
        // At least TOTAL / readPerStep steps: the peer really was the bottleneck.
        expect(r.steps).toBeGreaterThanOrEqual(TOTAL / (64 * 1024));
        expectPattern(c.received, TOTAL);
        expect(c.error).toBeNull();

        const conn = sim.snapshot().connections[0];
        expect(conn?.sendBuf).toBe(0);
        expect(conn?.writing).toBe(false);
        expect(conn?.interest).not.toContain('EPOLLOUT');
        const name = conn?.name ?? null;
        // Every byte went out through write(2) on the connection, then SHUT_WR.
        const written = reactorCalls(sim.trace.records, 'write', name).reduce((n, w) => n + (typeof w.ret === 'number' ? w.ret : 0), 0);
        expect(written).toBe(TOTAL);
        const shutdowns = reactorCalls(sim.trace.records, 'shutdown', name);
        expect(shutdowns.map((s) => s.args.how)).toEqual(['WR']);
      } finally {
        sim.dispose();
      }
    }, 60_000);
  }
});
