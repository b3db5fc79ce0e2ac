// 100 peers connect before the reactor runs: one EPOLLIN edge on the
// listener, and the acceptor drains it in that one wakeup (accept until
// EAGAIN); under ET a single accept per wakeup would strand the rest.
import { describe, expect, it } from 'vitest';

import { create, ENGINES, reactorCalls, reactorWakeups } from './helpers/sim.js';

const PEERS = 100;

describe.each(ENGINES)('accept until EAGAIN (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}: ${PEERS} simultaneous connects, one wakeup, ${PEERS} accepts`, async () => {
      const sim = await create(engine, { family, app: 'echo' });
      try {
        const peers = Array.from({ length: PEERS }, (_, i) => sim.peer(`p${i}`));
        for (const p of peers) expect(p.connect()).toBe(0);
        const mark = sim.trace.records.length;
        sim.step();
        const records = sim.trace.records.slice(mark);
        const listener = sim.snapshot().listen.name;
        const wakeups = reactorWakeups(records);
        expect(wakeups).toHaveLength(1);
        expect(wakeups[0]?.events).toEqual([{ fd: sim.snapshot().listen.fd, name: listener, events: 'EPOLLIN' }]);
        const accepts = reactorCalls(records, 'accept', listener);
        expect(accepts).toHaveLength(PEERS + 1);
        expect(accepts.slice(0, PEERS).every((a) => typeof a.ret === 'number')).toBe(true);
        expect(accepts[PEERS]?.err).toBe('EAGAIN');
        expect(sim.connections).toHaveLength(PEERS);
        // Paired in accept order, and each one is served.
        expect(sim.connections.map((c) => c.peer)).toEqual(peers.map((p) => p.name));
        for (const p of peers) p.write(p.name);
        sim.run({ maxSteps: 50 });
        for (const p of peers) expect(p.text).toBe(p.name);
      } finally {
        sim.dispose();
      }
    });
  }
});
