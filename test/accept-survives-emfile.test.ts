// The process runs out of fds (the simulated RLIMIT_NOFILE is 1024, shared
// by the reactor and the peers, as in one process). The acceptor gives up
// its spare fd to accept and close each connection it cannot keep, so the
// listener's ET edge is still drained; once fds are free it accepts again.
import { describe, expect, it } from 'vitest';

import { create, ENGINES, reactorCalls } from './helpers/sim.js';

const PEERS = 600;

describe.each(ENGINES)('accept survives EMFILE (sim/%s)', (engine) => {
  it('drops what it cannot keep, drains the edge, and accepts again later', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    try {
      const peers = Array.from({ length: PEERS }, (_, i) => sim.peer(`p${i}`));
      for (const p of peers) expect(p.connect()).toBe(0);
      sim.step();
      const snap = sim.snapshot();
      expect(snap.dropped).toBeGreaterThan(0);
      expect(sim.connections.length + snap.dropped).toBe(PEERS);
      const accepts = reactorCalls(sim.trace.records, 'accept', snap.listen.name);
      expect(accepts.some((a) => a.err === 'EMFILE')).toBe(true);
      expect(accepts[accepts.length - 1]?.err).toBe('EAGAIN');

      // The dropped peers see an orderly end of file; the kept ones are served.
      sim.run({ maxSteps: 20 });
      const dropped = peers.filter((p) => p.dropped);
      expect(dropped).toHaveLength(snap.dropped);
      for (const p of dropped) expect(p.eof).toBe(true);
      const kept = peers.filter((p) => p.connection !== null);
      kept[0]?.write('still here');
      sim.run({ maxSteps: 20 });
      expect(kept[0]?.text).toBe('still here');

      // Free some fds; a new peer is accepted and served.
      for (const p of kept.slice(0, 50)) p.close();
      for (const p of dropped.slice(0, 50)) p.close();
      sim.run({ maxSteps: 20 });
      const late = sim.peer('late');
      expect(late.connect()).toBe(0);
      late.write('hello');
      expect(sim.run({ until: () => late.text === 'hello', maxSteps: 20 }).reason).toBe('until');
      expect(late.connection).not.toBeNull();
    } finally {
      sim.dispose();
    }
  });
});
