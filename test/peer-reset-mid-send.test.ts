// A peer that resets the connection while the reactor still has output
// queued: the connection closes with the reason, its fd leaves the epoll
// interest list and the fd table, and the server goes on accepting.
import { describe, expect, it } from 'vitest';

import { create, ENGINES } from './helpers/sim.js';

describe.each(ENGINES)('peer reset mid-send (sim/%s)', (engine) => {
  for (const family of ['tcp', 'unix'] as const) {
    it(`${family}: closes with ECONNRESET, nothing left registered`, async () => {
      const sim = await create(engine, { family, app: { bulk: 16 * 1024 * 1024 }, sndbuf: 16384 });
      try {
        const c = sim.peer('c', { readPerStep: 64 * 1024 });
        expect(c.connect()).toBe(0);
        sim.run({ until: () => c.receivedBytes >= 256 * 1024, maxSteps: 100 });
        c.stopReading();
        sim.step();
        const before = sim.snapshot().connections[0];
        expect(before?.state).toBe('disconnecting'); // bulk called Shutdown(): pending until drained
        expect(before?.sendBuf).toBeGreaterThan(0);
        const fd = before?.fd as number;
        expect(sim.snapshot().interest.map((i) => i.fd)).toContain(fd);

        // Unread bytes at close: tcp answers with a RST; unix sets ECONNRESET on the reactor's end.
        expect(c.closeWithUnread()).toBeGreaterThan(0);
        const r = sim.run({ until: () => sim.connections[0]?.closed === true, maxSteps: 10 });
        expect(r.reason).toBe('until');
        expect(sim.connections[0]?.closeReason).toBe('ECONNRESET');

        const after = sim.snapshot();
        expect(after.interest.map((i) => i.fd)).not.toContain(fd);
        expect(after.connections[0]).toMatchObject({ state: 'disconnected', fd: null, sendBuf: 0 });
        const closes = sim.trace.records.filter((x) => x.actor === 'reactor' && x.call === 'close' && x.fd === fd);
        expect(closes.map((x) => x.ret)).toEqual([0]);
        // DEL before close, and nothing is written to it afterwards.
        const delAt = sim.trace.records.findIndex((x) => x.actor === 'reactor' && x.call === 'epollCtl' && x.args.op === 'DEL' && x.args.fd === fd);
        const closeAt = sim.trace.records.indexOf(closes[0] as (typeof closes)[number]);
        expect(delAt).toBeGreaterThan(-1);
        expect(delAt).toBeLessThan(closeAt);

        // The server lives: a new peer is served.
        const d = sim.peer('d');
        expect(d.connect()).toBe(0);
        expect(sim.run({ until: () => d.receivedBytes > 0, maxSteps: 20 }).reason).toBe('until');
      } finally {
        sim.dispose();
      }
    });
  }
});
