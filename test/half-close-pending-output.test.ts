// The peer shuts down its write side (SHUT_WR) while the reactor still owes
// it output: edgeloop keeps flushing, the peer gets every byte and then the
// end of file, and only then does the reactor close ('peer-closed'). On both
// stacks (the simulation on each engine, unix and tcp; the real server, for
// the bulk app on the main reactor and on sub-reactors): a 16 MiB bulk
// response the peer half-closes on at once, and a JS handler's 8 MiB reply
// to a request sent together with the half-close. The simulation alone also
// queues the output by echoing a message the peer does not read, and pins
// the tutorial's day 26, which closes on the spot and loses the output.
import { describe, expect, it } from 'vitest';

import { expectPattern, patternBytes } from './helpers/pattern.js';
import { create, ENGINES, steppedPeer, writeStepping } from './helpers/sim.js';
import { stacks, useRigs } from './helpers/stacks.js';

const open = useRigs();

// ---- the simulation: echoed output, and the tutorial's day 26 ----

const MESSAGE = 512 * 1024;

async function halfCloseWithPending(engine: 'native' | 'wasm', family: 'unix' | 'tcp', variant: 'edgeloop' | 'day26-as-written') {
  const sim = await create(engine, { family, variant, app: 'echo', sndbuf: 16384 });
  const a = sim.peer('a', steppedPeer(family));
  expect(a.connect()).toBe(0);
  a.stopReading();
  expect(writeStepping(sim, a, MESSAGE)).toBe(MESSAGE);
  sim.run({ maxSteps: 20 });
  expect(a.shutdown('WR')).toBe(0);
  sim.run({ maxSteps: 5 });
  return { sim, a };
}

describe.each(ENGINES)('half-close with pending echoed output (sim/%s)', (engine) => {
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

// ---- both stacks ----

const TOTAL = 16 << 20;

for (const stack of stacks({ families: ['unix', 'tcp'], threads: [0, 2] })) {
  describe(`half-close with pending output (${stack.name})`, () => {
    it('bulk: the peer half-closes at once and still gets every byte', async () => {
      // A high-water mark above the response: reading stays on, so the reactor
      // sees the end of file while the output is still queued. (Below it,
      // reading pauses and the end of file is read once the output drained.)
      const rig = await open(stack, { app: { bulk: TOTAL }, highWaterMark: 2 * TOTAL });
      const c = await rig.connect('c');
      c.pause();
      c.end(); // SHUT_WR before reading anything
      // The reactor has seen end of file while most of the response is still
      // to send: queued in send_buf_ (the simulation's bulk app hands it all
      // to one Send), or not produced yet (the real server's streams it a
      // chunk at a time, so send_buf_ may be empty between two chunks).
      await rig.until('the reactor to see the half-close', () => rig.connections()[0]?.peerHalfClosed === true, { maxSteps: 20 });
      if (rig.kind === 'sim') expect(rig.connections()[0]?.sendBuf).toBeGreaterThan(0);
      else expect(rig.server.stats().bytesOut).toBeLessThan(TOTAL);
      expect(rig.openConnections()).toBe(1);

      c.resume();
      await rig.until('the end of file', () => c.eof, { maxSteps: 5000, timeoutMs: 20_000 });
      expect(c.error).toBeNull();
      expect(c.eof).toBe(true);
      expectPattern(c.received, TOTAL);
      await rig.until('the reactor side to close', () => rig.openConnections() === 0, { maxSteps: 20 });
      expect(rig.closeReasons()).toEqual({ 'peer-closed': 1 });
    });
  });
}

for (const stack of stacks({ families: ['unix', 'tcp'] })) {
  describe(`half-close with pending output, JS handlers (${stack.name})`, () => {
    it('a request and the half-close in one burst still get their reply, then the close', async () => {
      const reply = patternBytes(8 << 20);
      const rig = await open(stack, {
        app: {
          // Replies only once the whole request is in (it ends with '!').
          onMessage: (c, data) => {
            if (data[data.length - 1] === 0x21) c.send(reply);
          },
        },
      });
      const c = await rig.connect('c');
      c.write('request!');
      c.end();
      await rig.until('the end of file', () => c.eof, { maxSteps: 5000 });
      expect(c.eof).toBe(true);
      expectPattern(c.received, reply.length);
      await rig.until('the reactor side to close', () => rig.openConnections() === 0, { maxSteps: 20 });
      expect(rig.closeReasons()).toEqual({ 'peer-closed': 1 });
    });
  });
}
