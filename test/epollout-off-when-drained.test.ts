// EPOLLOUT is turned off once the output has drained, so an idle connection
// costs no wakeups. The tutorial's day 26 never turns it off: with its
// `short` events (EPOLLET lost, so level-triggered) the drained socket is
// reported writable on every epoll_wait, and each wakeup writes 0 bytes.
import { describe, expect, it } from 'vitest';

import { expectPattern } from './helpers/pattern.js';
import { create, enablesEpollout, ENGINES, reactorWakeups, steppedPeer, writeStepping } from './helpers/sim.js';

const MESSAGE = 1024 * 1024;
const IDLE_STEPS = 50;

/** Echo a message bigger than the server's socket buffer, so Send must queue and use EPOLLOUT. */
async function echoThenIdle(engine: 'native' | 'wasm', family: 'unix' | 'tcp', variant: 'edgeloop' | 'day26-as-written') {
  const sim = await create(engine, { family, variant, app: 'echo', sndbuf: 16384 });
  const a = sim.peer('a', steppedPeer(family));
  expect(a.connect()).toBe(0);
  expect(writeStepping(sim, a, MESSAGE)).toBe(MESSAGE);
  expect(sim.run({ until: () => a.receivedBytes >= MESSAGE, maxSteps: 5000 }).reason).toBe('until');
  expectPattern(a.received, MESSAGE);
  const transfer = sim.trace.records.length;
  for (let i = 0; i < IDLE_STEPS; i++) sim.step();
  return { sim, transfer, idle: sim.trace.records.slice(transfer) };
}

describe.each(ENGINES)('EPOLLOUT after the output drained (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}, edgeloop: off once drained, no wakeups while idle`, async () => {
      const { sim, transfer, idle } = await echoThenIdle(engine, family, 'edgeloop');
      try {
        const during = sim.trace.records.slice(0, transfer);
        expect(enablesEpollout(during)).toBe(true); // the path under test was taken
        const conn = sim.snapshot().connections[0];
        expect(conn?.interest).toBe('EPOLLIN|EPOLLPRI|EPOLLET');
        expect(reactorWakeups(idle)).toEqual([]);
        // Bounded during the transfer too: never more wakeups than steps.
        expect(reactorWakeups(during).length).toBeLessThanOrEqual(sim.steps);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, day26-as-written: stays on, a wakeup without progress every step`, async () => {
      const { sim, idle } = await echoThenIdle(engine, family, 'day26-as-written');
      try {
        const conn = sim.snapshot().connections[0];
        expect(conn?.writing).toBe(true);
        expect(conn?.sendBuf).toBe(0);
        // The `short` dropped EPOLLET: registered level-triggered.
        expect(conn?.interest).toBe('EPOLLIN|EPOLLPRI|EPOLLOUT');
        const wakeups = reactorWakeups(idle);
        expect(wakeups).toHaveLength(IDLE_STEPS);
        for (const w of wakeups) expect(w.events?.map((e) => e.events)).toEqual(['EPOLLOUT']);
        const writes = idle.filter((r) => r.actor === 'reactor' && r.call === 'write');
        expect(writes).toHaveLength(IDLE_STEPS);
        for (const w of writes) {
          expect(w.args.bytes).toBe(0);
          // A zero-length write returns 0 on both families, as on Linux: no progress.
          expect(w.ret).toBe(0);
        }
      } finally {
        sim.dispose();
      }
    });
  }
});
