// The echo app end to end: a peer writes, the reactor reads (ET, until
// EAGAIN), echoes, the peer reads it back; the trace holds both sides.
import { describe, expect, it } from 'vitest';

import { create, ENGINES } from './helpers/sim.js';

describe.each(ENGINES)('echo (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}: echoes what a peer writes and closes when the peer does`, async () => {
      const sim = await create(engine, { family });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        expect(a.write('hello')).toBe(5);
        const r = sim.run({ until: () => a.receivedBytes >= 5, maxSteps: 20 });
        expect(r.reason).toBe('until');
        expect(a.text).toBe('hello');
        expect(a.connection?.id).toBe(1);
        a.shutdown('WR');
        sim.run({ maxSteps: 20 });
        expect(a.connection?.closed).toBe(true);
        expect(a.connection?.closeReason).toBe('peer-closed');
        expect(a.eof).toBe(true);
        const actors = new Set(sim.trace.records.map((x) => x.actor));
        expect([...actors].sort()).toEqual(['a', 'app', 'peers', 'reactor']);
        const seqs = sim.trace.records.map((x) => x.seq);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      } finally {
        sim.dispose();
      }
    });
  }
});
