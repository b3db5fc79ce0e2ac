// conn.send() says whether the connection's output is all in the kernel
// (true) or some of it waits in the reactor's send_buf_ (false), as Node's
// socket.write() does, so a JS producer can write until false and resume on
// onWriteComplete: on the simulation (both engines, both families) and on
// the real server.
import { describe, expect, it } from 'vitest';

import type { SimConnection, SimulationHandlers } from '../src/index.js';
import { expectPattern, patternBytes as filler } from './helpers/pattern.js';
import { connect, readPatternToEnd, useServers, waitFor } from './helpers/server.js';
import { create, ENGINES } from './helpers/sim.js';

const BIG = 8 << 20; // more than any socket's buffers

describe.each(ENGINES)('send() reports queued output (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}: true while the socket takes everything, false once send_buf_ holds some, true again after onWriteComplete`, async () => {
      const results: Array<[string, boolean]> = [];
      let conn: SimConnection | null = null;
      let completes = 0;
      const handlers: SimulationHandlers = {
        onConnection(c) {
          conn = c;
          results.push(['small', c.send(filler(100))]);
        },
        onWriteComplete() {
          completes++;
        },
      };
      const sim = await create(engine, { family, app: handlers });
      try {
        const a = sim.peer('a').stopReading();
        expect(a.connect()).toBe(0);
        sim.step();
        expect(conn).not.toBeNull();
        const c = conn as unknown as SimConnection;
        expect(completes).toBe(1);
        // Between steps, from outside a handler, the same answers.
        results.push(['big', c.send(filler(BIG, 100))]);
        results.push(['after big', c.send(filler(10, 100 + BIG))]);
        expect(results).toEqual([
          ['small', true],
          ['big', false],
          ['after big', false],
        ]);
        expect(sim.snapshot().connections[0]?.sendBuf).toBeGreaterThan(0);

        completes = 0;
        sim.step();
        expect(completes).toBe(0);
        a.resume();
        sim.run({ until: () => completes > 0, maxSteps: 10_000 });
        expect(completes).toBeGreaterThan(0);
        expect(sim.snapshot().connections[0]?.sendBuf).toBe(0);
        expect(c.send(filler(5, 110 + BIG))).toBe(true);
        sim.run({ maxSteps: 10_000 });
        expectPattern(a.received, 115 + BIG);
      } finally {
        sim.dispose();
      }
    });
  }

  it('onWriteComplete means drained: one per round however many sends went out whole, none while output is queued', async () => {
    let completes = 0;
    let burst = 3;
    const sim = await create(engine, {
      family: 'tcp',
      app: {
        onConnection(c) {
          // Three sends the socket takes whole: one completion, not three.
          for (let i = 0; i < 3; i++) expect(c.send(filler(10, 10 * i))).toBe(true);
        },
        onWriteComplete(c) {
          completes++;
          if (burst-- > 0) {
            // A send the socket takes whole, then one it cannot: the
            // completion the first queued is not delivered (output is queued
            // again); the drain's is.
            expect(c.send(filler(10, 30))).toBe(true);
            expect(c.send(filler(BIG, 40))).toBe(false);
            burst = 0;
          }
        },
      },
    });
    try {
      const a = sim.peer('a').stopReading();
      expect(a.connect()).toBe(0);
      sim.step();
      expect(completes).toBe(1);
      sim.run({ maxSteps: 20 });
      expect(completes).toBe(1);
      a.resume();
      sim.run({ maxSteps: 10_000 });
      expect(completes).toBe(2);
      expectPattern(a.received, 40 + BIG);
    } finally {
      sim.dispose();
    }
  });

  it('a producer that finished and shut down is not called again; a send that finds the peer gone says false', async () => {
    let calls = 0;
    let left = 3;
    const pump = (c: SimConnection): void => {
      calls++;
      while (left > 0) {
        left--;
        if (!c.send(filler(10))) return;
      }
      c.send('END');
      c.shutdown();
    };
    const sim = await create(engine, { family: 'tcp', app: { onConnection: pump, onWriteComplete: pump } });
    try {
      const a = sim.peer('a');
      expect(a.connect()).toBe(0);
      sim.run({ until: () => a.eof, maxSteps: 50 });
      sim.run({ maxSteps: 20 });
      // The completion the whole sends queued is not delivered after shutdown().
      expect(calls).toBe(1);
      expect(sim.handlerErrors).toEqual([]);
      expect(a.received.length).toBe(33);
    } finally {
      sim.dispose();
    }

    let conn: SimConnection | null = null;
    const sim2 = await create(engine, {
      family: 'tcp',
      app: {
        onConnection(c) {
          conn = c;
          c.send(filler(100));
        },
      },
    });
    try {
      const a = sim2.peer('a').stopReading();
      expect(a.connect()).toBe(0);
      sim2.step();
      a.closeWithUnread(); // unread bytes: a RST, so the next write fails
      const c = conn as unknown as SimConnection;
      const ok = c.send(filler(100));
      expect({ ok, closed: c.closed }).toEqual({ ok: false, closed: true });
    } finally {
      sim2.dispose();
    }
  });

  it("the tutorial's variants keep their bugs: day26 never completes, day25 says true and drops", async () => {
    for (const variant of ['day26-as-written', 'day25-write-all'] as const) {
      let completes = 0;
      let answer: boolean | null = null;
      const sim = await create(engine, {
        family: 'tcp',
        variant,
        app: {
          onConnection(c) {
            answer = c.send(filler(BIG));
          },
          onWriteComplete() {
            completes++;
          },
        },
      });
      try {
        const a = sim.peer('a', { readPerStep: 1 << 20 });
        expect(a.connect()).toBe(0);
        sim.run({ maxSteps: 400 });
        if (variant === 'day26-as-written') {
          expect({ answer, completes, received: a.received.length }).toEqual({ answer: false, completes: 0, received: BIG });
        } else {
          expect(answer).toBe(true);
          expect(a.received.length).toBeLessThan(BIG);
        }
      } finally {
        sim.dispose();
      }
    }
  });

  it('a producer that writes until false and resumes on onWriteComplete delivers everything in order', async () => {
    const TOTAL = 3 * BIG + 12_345;
    const CHUNK = 256 * 1024;
    let sent = 0;
    let falses = 0;
    const pump = (c: SimConnection): void => {
      while (sent < TOTAL) {
        const n = Math.min(CHUNK, TOTAL - sent);
        const all = c.send(filler(n, sent));
        sent += n;
        if (!all) {
          falses++;
          return;
        }
      }
      c.shutdown();
    };
    const sim = await create(engine, { family: 'tcp', app: { onConnection: pump, onWriteComplete: pump } });
    try {
      const a = sim.peer('a', { readPerStep: 256 * 1024 });
      expect(a.connect()).toBe(0);
      sim.run({ until: () => a.eof, maxSteps: 100_000 });
      expect(sim.handlerErrors).toEqual([]);
      expectPattern(a.received, TOTAL);
      expect(a.eof).toBe(true);
      // It stopped at every false and went on at each onWriteComplete.
      expect(falses).toBeGreaterThan(3);
    } finally {
      sim.dispose();
    }
  });
});

describe('send() reports queued output (real server)', () => {
  const start = useServers();

  it('a JS producer that writes until false and resumes on onWriteComplete sends 64 MiB intact', async () => {
    const TOTAL = 64 << 20;
    const CHUNK = 1 << 20;
    const chunk = filler(CHUNK);
    let sent = 0;
    const answers = { true: 0, false: 0 };
    const pump = (c: { send(d: Uint8Array): boolean; shutdown(): void }): void => {
      while (sent < TOTAL) {
        // CHUNK is a multiple of 256: every chunk continues the pattern.
        const all = c.send(chunk);
        sent += CHUNK;
        answers[all ? 'true' : 'false']++;
        if (!all) return;
      }
      c.shutdown();
    };
    const { server, port } = await start({ port: 0, handlers: { onConnection: pump, onWriteComplete: pump } });
    const s = await connect(port);
    expect(await readPatternToEnd(s)).toEqual({ received: TOTAL, firstBad: -1, ended: true });
    expect(answers.true + answers.false).toBe(TOTAL / CHUNK);
    expect(answers.false).toBeGreaterThan(0);
    // Stopping at false bounds the reactor's buffer to about one chunk.
    expect(server.stats().peakSendBuffer).toBeLessThanOrEqual(CHUNK);
    s.destroy();
    await waitFor('the server side to close', () => server.stats().connectionsOpen === 0);
    expect(server.handlerErrors).toEqual([]);
  });

  it('send() of a little returns true; of more than the socket takes, false', async () => {
    let first: boolean | null = null;
    let second: boolean | null = null;
    const { port } = await start({
      port: 0,
      handlers: {
        onConnection(c) {
          first = c.send(filler(100));
          second = c.send(filler(BIG, 100));
        },
      },
    });
    const s = await connect(port);
    s.pause();
    await waitFor('the handler to run', () => second !== null);
    expect(first).toBe(true);
    expect(second).toBe(false);
    s.destroy();
  });
});
