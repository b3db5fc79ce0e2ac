// A large message that is already queued when the edge fires is read in
// that one wakeup: edge-triggered, the reactor reads (64 KiB at a time)
// until EAGAIN, since no second edge will come for bytes already there.
// The tutorial's reads (1 KiB at a time) also loop until EAGAIN, but its
// `short` events lost EPOLLET: the registration is level-triggered.
import { describe, expect, it } from 'vitest';

import { create, ENGINES, reactorBytes, reactorCalls, reactorWakeups } from './helpers/sim.js';

const MESSAGE = 1024 * 1024;

async function largeMessage(engine: 'native' | 'wasm', family: 'unix' | 'tcp', variant: 'edgeloop' | 'day26-as-written') {
  const sim = await create(engine, { family, variant, app: 'discard', rcvbuf: 4 * 1024 * 1024 });
  const a = sim.peer('a', { sndbuf: 4 * 1024 * 1024 });
  expect(a.connect()).toBe(0);
  sim.step(); // accept
  const name = sim.snapshot().connections[0]?.name ?? null;
  expect(a.write(MESSAGE)).toBe(MESSAGE);
  const mark = sim.trace.records.length;
  sim.step();
  const wakeup = sim.trace.records.slice(mark);
  sim.run({ maxSteps: 10 });
  const after = sim.trace.records.slice(mark + wakeup.length);
  return { sim, name, wakeup, after };
}

describe.each(ENGINES)('ET read of a large message (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}, edgeloop: the whole message in one wakeup, 64 KiB reads until EAGAIN`, async () => {
      const { sim, name, wakeup, after } = await largeMessage(engine, family, 'edgeloop');
      try {
        expect(reactorWakeups(wakeup)).toHaveLength(1);
        const reads = reactorCalls(wakeup, 'read', name);
        expect(reactorBytes(wakeup, 'read', name)).toBe(MESSAGE);
        expect(reads.every((r) => r.args.max === 65536)).toBe(true);
        expect(reads[reads.length - 1]?.err).toBe('EAGAIN');
        // unix: the whole message is queued at once, so every read but the last is full.
        // tcp: it arrives as the receive window opens; how many reads that takes is the window's business.
        if (family === 'unix') expect(reads.length).toBe(MESSAGE / 65536 + 1);
        expect(reactorWakeups(after)).toEqual([]);
        expect(sim.snapshot().connections[0]?.interest).toBe('EPOLLIN|EPOLLPRI|EPOLLET');
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, day26-as-written: registered without EPOLLET, 1 KiB reads`, async () => {
      const { sim, name, wakeup } = await largeMessage(engine, family, 'day26-as-written');
      try {
        expect(reactorBytes(wakeup, 'read', name)).toBe(MESSAGE);
        const reads = reactorCalls(wakeup, 'read', name);
        expect(reads.every((r) => r.args.max === 1024)).toBe(true);
        expect(reads.length).toBeGreaterThan(MESSAGE / 1024);
        const add = sim.trace.records.find((r) => r.actor === 'reactor' && r.call === 'epollCtl' && r.args.name === name);
        expect(add?.args.events).toBe('EPOLLIN|EPOLLPRI');
      } finally {
        sim.dispose();
      }
    });
  }
});
