// A write that fails with EPIPE (here: the unix peer shut down its read
// side) closes the connection with that reason. The tutorial's day 26 only
// logs it, keeps EPOLLOUT on, and runs Buffer::Retrieve(-1): every wakeup
// fails again and moves the read index back a byte, so send_buf_ grows by
// one stale byte per wakeup, until the index reaches the start of the
// buffer's 8-byte prepend area (past it the real code reads before its
// buffer; the model stops there: variants/tutorial_buffer.h).
import { describe, expect, it } from 'vitest';

import { create, ENGINES, reactorCalls, writeStepping } from './helpers/sim.js';

describe.each(ENGINES)('write errors (sim/%s)', (engine) => {
  it('edgeloop: EPIPE closes the connection with reason EPIPE', async () => {
    const sim = await create(engine, { family: 'unix', app: 'echo' });
    try {
      const a = sim.peer('a');
      a.connect();
      sim.step();
      a.stopReading();
      expect(a.shutdown('RD')).toBe(0);
      a.write('x');
      sim.run({ maxSteps: 10 });
      const name = sim.trace.records.find((r) => r.call === 'connection')?.name ?? null;
      expect(reactorCalls(sim.trace.records, 'write', name).map((w) => w.err)).toEqual(['EPIPE']);
      expect(sim.connections[0]?.closeReason).toBe('EPIPE');
      expect(sim.snapshot().interest.map((i) => i.name)).not.toContain(name);
    } finally {
      sim.dispose();
    }
  });

  it('day26-as-written: Retrieve(-1) on every wakeup, send_buf_ grows a byte at a time', async () => {
    const sim = await create(engine, { family: 'unix', variant: 'day26-as-written', app: 'echo', sndbuf: 16384 });
    try {
      const a = sim.peer('a');
      a.connect();
      // A message big enough to make Send queue, so EPOLLOUT goes on (and stays on).
      expect(writeStepping(sim, a, 256 * 1024)).toBe(256 * 1024);
      sim.run({ until: () => a.receivedBytes >= 256 * 1024, maxSteps: 1000 });
      a.stopReading();
      expect(a.shutdown('RD')).toBe(0);
      const sizes: number[] = [];
      for (let i = 0; i < 10; i++) {
        sim.step();
        sizes.push(sim.snapshot().connections[0]?.sendBuf ?? -1);
      }
      expect(sizes).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 8, 8]);
      const name = sim.snapshot().connections[0]?.name ?? null;
      const failed = reactorCalls(sim.trace.records, 'write', name).filter((w) => w.err === 'EPIPE');
      expect(failed.map((w) => w.args.bytes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 8]);
      expect(sim.connections[0]?.closed).toBe(false);
    } finally {
      sim.dispose();
    }
  });
});
