// JS handlers run inside the reactor iteration, synchronously, where a
// built-in app's callback runs (as on the real server), not after it:
// - a request and the peer's half-close read in one iteration: the handler's
//   reply is sent before the end of file is seen, so it is delivered, then
//   the connection closes ('peer-closed');
// - a handler's output through conn.send() crosses the high-water mark in
//   the middle of the read loop, which stops at once: send_buf_ stays under
//   the mark plus one read;
// - a handler that throws closes only its connection, also when what it
//   threw escapes to the binding;
// and native and wasm give the same trace byte for byte.
import { describe, expect, it } from 'vitest';

import type { RawServer } from '../src/backends/raw-server.js';
import { EdgeloopError, type SimConnection, type Simulation, type SimulationHandlers } from '../src/index.js';
import { expectPattern, firstPatternMismatch, patternBytes } from './helpers/pattern.js';
import { appCalls, BOTH_ENGINES, create, ENGINES, flood, reactorWakeups, steppedPeer } from './helpers/sim.js';

const text = new TextDecoder();
const MARK = 256 * 1024;
const READ_CHUNK = 64 * 1024;

/** Replies 'pong:<request>' to every message. */
const pong: SimulationHandlers = {
  onMessage(conn, data) {
    conn.send(`pong:${text.decode(data)}`);
  },
};

describe.each(ENGINES)('JS handlers run inside the reactor iteration (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}: request + half-close in one step: the reply is delivered, then the close`, async () => {
      const sim = await create(engine, { family, app: pong });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        sim.step();
        const conn = sim.connections[0] as SimConnection;
        expect(conn.closed).toBe(false);
        const from = sim.trace.records.length;
        // Both before the next step: one iteration reads the request and the end of file.
        expect(a.write('ping')).toBe(4);
        expect(a.shutdown('WR')).toBe(0);
        sim.step();

        expect(sim.handlerErrors).toEqual([]);
        expect(conn.closed).toBe(true);
        expect(conn.closeReason).toBe('peer-closed');
        sim.run({ until: () => a.eof, maxSteps: 20 });
        expect(a.text).toBe('pong:ping');
        expect(a.eof).toBe(true);

        // In the trace: the message, the reply's write, then the end of file
        // (read 0) and the close, all in one reactor iteration.
        const rs = sim.trace.records.slice(from).filter((r) => r.actor === 'reactor' || r.actor === 'app');
        const wakeups = reactorWakeups(rs);
        expect(wakeups).toHaveLength(1);
        const at = (pred: (r: (typeof rs)[number]) => boolean) => rs.findIndex(pred);
        const message = at((r) => r.actor === 'app' && r.call === 'message');
        const write = at((r) => r.actor === 'reactor' && r.call === 'write' && r.ret === 9);
        const eof = at((r) => r.actor === 'reactor' && r.call === 'read' && r.ret === 0);
        const close = at((r) => r.actor === 'app' && r.call === 'close');
        expect(message).toBeGreaterThan(-1);
        expect(write).toBeGreaterThan(message);
        expect(eof).toBeGreaterThan(write);
        expect(close).toBeGreaterThan(eof);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}: a reply larger than the socket takes is still flushed after the half-close, then the close`, async () => {
      const REPLY = 300 * 1024;
      const reply = patternBytes(REPLY);
      const sim = await create(engine, {
        family,
        sndbuf: 16384,
        app: {
          onMessage(conn) {
            conn.send(reply);
          },
        },
      });
      try {
        const a = sim.peer('a', { readPerStep: 8192 });
        expect(a.connect()).toBe(0);
        sim.step();
        a.write('give me');
        a.shutdown('WR');
        sim.step();
        const conn = sim.connections[0] as SimConnection;
        expect(conn.closed).toBe(false);
        expect(sim.snapshot().connections[0]).toMatchObject({ peerHalfClosed: true, reading: false, writing: true });
        expect(sim.run({ until: () => a.eof, maxSteps: 1000 }).reason).toBe('until');
        expectPattern(a.received, REPLY);
        expect(conn.closeReason).toBe('peer-closed');
        expect(sim.handlerErrors).toEqual([]);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}: a handler's conn.send() output stays under the high-water mark plus one read (pause-reading)`, async () => {
      const marks: number[] = [];
      const sim = await create(engine, {
        family,
        sndbuf: 16384,
        highWaterMark: MARK,
        app: {
          onMessage(conn, data) {
            conn.send(data);
          },
          onHighWaterMark(_conn, bytes) {
            marks.push(bytes);
          },
        },
      });
      try {
        const a = sim.peer('a', steppedPeer(family));
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { written, maxSendBuf, lastWrite } = flood(sim, a, 150, READ_CHUNK);
        expect(maxSendBuf).toBeGreaterThanOrEqual(MARK);
        expect(maxSendBuf).toBeLessThanOrEqual(MARK + READ_CHUNK);
        expect(lastWrite).toBe('EAGAIN'); // the peer is throttled, not the reactor's memory
        expect(marks).toHaveLength(1);
        expect(marks[0]).toBeGreaterThanOrEqual(MARK);
        expect(marks[0]).toBeLessThanOrEqual(MARK + READ_CHUNK);
        expect(appCalls(sim, 'highWaterMark')).toBe(1);
        expect(sim.snapshot().connections[0]?.reading).toBe(false);

        a.resume();
        expect(sim.run({ until: () => a.receivedBytes >= written, maxSteps: 5000 }).reason).toBe('until');
        expect(a.receivedBytes).toBe(written);
        expect(firstPatternMismatch(a.received)).toBe(-1);
        expect(sim.handlerErrors).toEqual([]);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}: a handler that throws between a request and the end of file closes only its connection`, async () => {
      const closes: Array<[number, string]> = [];
      const sim = await create(engine, {
        family,
        app: {
          onMessage(conn, data) {
            if (text.decode(data) === 'boom') throw new Error('handler exploded');
            conn.send(data);
          },
          onClose(conn, reason) {
            closes.push([conn.id, reason]);
          },
        },
      });
      try {
        const a = sim.peer('a');
        const b = sim.peer('b');
        a.connect();
        b.connect();
        sim.step();
        a.write('boom');
        a.shutdown('WR');
        b.write('hi');
        b.shutdown('WR');
        sim.step();
        expect(closes).toEqual([
          [1, 'handler-error'],
          [2, 'peer-closed'],
        ]);
        expect(sim.handlerErrors.map((e) => [e.conn, e.handler, (e.error as Error).message])).toEqual([[1, 'onMessage', 'handler exploded']]);
        sim.run({ until: () => a.eof && b.eof, maxSteps: 20 });
        expect(a.text).toBe('');
        expect(b.text).toBe('hi');
        const c = sim.peer('c');
        c.connect();
        c.write('still here');
        expect(sim.run({ until: () => c.text === 'still here', maxSteps: 20 }).reason).toBe('until');
      } finally {
        sim.dispose();
      }
    });

    it(`${family}: an exception that escapes to the binding closes only its connection and is thrown by step()`, async () => {
      const sim = await create(engine, { family, app: pong });
      try {
        const a = sim.peer('a');
        const b = sim.peer('b');
        a.connect();
        b.connect();
        sim.step();
        // Below the Simulation (which catches handlers' errors): the raw binding's callback.
        const server = (sim as unknown as { server: RawServer }).server;
        const boom = new Error('escaped');
        server.setEventHandler((type, conn, arg) => {
          if (type === 'message' && conn === 1) throw boom;
          if (type === 'message') server.send(conn, arg as Uint8Array);
        });
        a.write('x');
        b.write('y');
        let error: unknown;
        try {
          sim.step();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(EdgeloopError);
        expect((error as EdgeloopError).cause).toBe(boom);
        // Thrown once: the next step is clean, and the other connection was served.
        sim.run({ until: () => a.eof && b.text === 'y', maxSteps: 20 });
        expect(a.eof).toBe(true);
        expect(b.text).toBe('y');
        // The reactor's own view (the Simulation's books were bypassed with its callback).
        const host = JSON.parse(server.snapshot()) as { connections: Array<{ id: number }> };
        expect(host.connections.map((c) => c.id)).toEqual([2]);
        expect(sim.trace.records.some((r) => r.actor === 'app' && r.call === 'close' && (r.args as { reason?: string }).reason === 'handler-error')).toBe(true);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}: the binding: a nested runOnce() is refused, a dispose() from the callback is finished after runOnce()`, async () => {
      const sim = await create(engine, { family, app: pong });
      const server = (sim as unknown as { server: RawServer }).server;
      try {
        const a = sim.peer('a');
        a.connect();
        sim.step();
        const seen: string[] = [];
        server.setEventHandler((type) => {
          seen.push(type);
          if (type !== 'message') return;
          expect(() => server.runOnce(0)).toThrow(/inside the reactor iteration/);
          expect(() => server.setEventHandler(null)).toThrow(/inside a handler/);
          server.dispose();
          // Disposed for every later call; freed once the iteration is over.
          expect(() => server.snapshot()).toThrow(/server is disposed/);
        });
        a.write('x');
        a.shutdown('WR');
        expect(server.runOnce(0)).toBeGreaterThan(0);
        // The rest of the iteration (the end of file, its close) and the closes
        // of the teardown are not reported: JS was done with the server.
        expect(seen).toEqual(['message']);
        expect(() => server.runOnce(0)).toThrow(/server is disposed/);
      } finally {
        (sim as unknown as { disposed: boolean }).disposed = true;
        (sim as unknown as { releaseServer?: () => void }).releaseServer?.();
        sim.kernel.dispose();
      }
    });

    it(`${family}: step(), run() and dispose() from a handler are refused (a handler error)`, async () => {
      const tries: Array<() => unknown> = [];
      const sim: Simulation = await create(engine, {
        family,
        app: {
          onMessage(conn, data) {
            const next = tries.shift();
            if (next) next();
            conn.send(data);
          },
        },
      });
      try {
        tries.push(
          () => sim.step(),
          () => sim.run(),
          () => sim.dispose(),
        );
        for (const name of ['a', 'b', 'c']) {
          const p = sim.peer(name);
          p.connect();
          sim.step();
          p.write(name);
          sim.run({ until: () => p.eof, maxSteps: 20 });
          expect(p.text).toBe('');
        }
        expect(sim.handlerErrors.map((e) => (e.error as EdgeloopError).code)).toEqual(['ERR_INVALID_ARG', 'ERR_INVALID_ARG', 'ERR_INVALID_ARG']);
        expect(sim.handlerErrors.map((e) => (e.error as Error).message.split('(')[0])).toEqual(['step', 'run', 'dispose']);
        const d = sim.peer('d');
        d.connect();
        d.write('ok');
        expect(sim.run({ until: () => d.text === 'ok', maxSteps: 20 }).reason).toBe('until');
      } finally {
        sim.dispose();
      }
    });
  }
});

/** Handlers that reply, amplify into the high-water mark, throw, and half-close, on one simulation. */
async function handlerScenario(engine: 'native' | 'wasm', family: 'unix' | 'tcp'): Promise<string> {
  const sim = await create(engine, {
    family,
    seed: 11,
    sndbuf: 16384,
    highWaterMark: 64 * 1024,
    app: {
      onConnection(conn) {
        conn.send(`hello ${conn.id}\n`);
      },
      onMessage(conn, data) {
        const s = text.decode(data);
        if (s.startsWith('boom')) throw new Error('boom');
        conn.send(data);
        if (s.startsWith('big')) conn.send(new Uint8Array(200 * 1024).fill(7));
      },
      onHighWaterMark(conn) {
        conn.send('!');
      },
      onWriteComplete(conn) {
        if (conn.id === 2) conn.shutdown();
      },
    },
  });
  try {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => sim.peer(n, { readPerStep: 4096 })) as [
      ReturnType<Simulation['peer']>,
      ReturnType<Simulation['peer']>,
      ReturnType<Simulation['peer']>,
      ReturnType<Simulation['peer']>,
    ];
    for (const p of [a, b, c, d]) p.connect();
    sim.step();
    a.write('ping');
    a.shutdown('WR');
    b.write('big please');
    c.write('boom');
    d.stopReading();
    for (let i = 0; i < 20; i++) {
      d.write(32 * 1024);
      sim.step();
    }
    d.resume();
    sim.run({ maxSteps: 2000 });
    return sim.traceJsonl();
  } finally {
    sim.dispose();
  }
}

describe.skipIf(!BOTH_ENGINES)('JS handlers: native and wasm traces agree byte for byte', () => {
  for (const family of ['unix', 'tcp'] as const) {
    it(family, async () => {
      const n1 = await handlerScenario('native', family);
      const w1 = await handlerScenario('wasm', family);
      const n2 = await handlerScenario('native', family);
      expect(n1.split('\n').length).toBeGreaterThan(100);
      expect(n1).toContain('"call":"handlerError"');
      expect(n1).toContain('"call":"highWaterMark"');
      expect(w1).toBe(n1);
      expect(n2).toBe(n1);
    });
  }
});
