// A JS handler that throws closes its own connection (reason
// 'handler-error'); the error is kept and traced; the server and the other
// connections carry on.
import { describe, expect, it } from 'vitest';

import type { SimulationHandlers } from '../src/index.js';
import { create, ENGINES } from './helpers/sim.js';

const text = new TextDecoder();

describe.each(ENGINES)('a handler that throws (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}: closes only its connection`, async () => {
      const closes: Array<[number, string]> = [];
      const app: SimulationHandlers = {
        onMessage(conn, data) {
          if (text.decode(data).includes('boom')) throw new Error('handler exploded');
          conn.send(data);
        },
        onClose(conn, reason) {
          closes.push([conn.id, reason]);
        },
      };
      const sim = await create(engine, { family, app });
      try {
        const a = sim.peer('a');
        const b = sim.peer('b');
        expect(a.connect()).toBe(0);
        expect(b.connect()).toBe(0);
        sim.step();
        a.write('boom');
        b.write('hi');
        expect(sim.run({ until: () => a.eof && b.text === 'hi', maxSteps: 20 }).reason).toBe('until');

        expect(sim.handlerErrors).toHaveLength(1);
        expect(sim.handlerErrors[0]).toMatchObject({ conn: 1, handler: 'onMessage' });
        expect((sim.handlerErrors[0]?.error as Error).message).toBe('handler exploded');
        expect(closes).toEqual([[1, 'handler-error']]);
        const record = sim.trace.records.find((r) => r.call === 'handlerError');
        expect(record).toMatchObject({ actor: 'app', args: { conn: 1, handler: 'onMessage', message: 'handler exploded' } });

        // The other connection, and new ones, are still served.
        b.write(' again');
        const c = sim.peer('c');
        expect(c.connect()).toBe(0);
        c.write('new');
        expect(sim.run({ until: () => b.text === 'hi again' && c.text === 'new', maxSteps: 20 }).reason).toBe('until');
        expect(sim.connections.map((x) => x.closed)).toEqual([true, false, false]);
      } finally {
        sim.dispose();
      }
    });
  }

  it('throwing from onConnection and onClose: closed, recorded, nothing else breaks', async () => {
    const sim = await create(engine, {
      app: {
        onConnection(conn) {
          if (conn.id === 1) throw new TypeError('no thanks');
        },
        onClose() {
          throw new Error('close handler fails too');
        },
        onMessage(conn, data) {
          conn.send(data);
        },
      },
    });
    try {
      const a = sim.peer('a');
      const b = sim.peer('b');
      a.connect();
      b.connect();
      sim.run({ maxSteps: 20 });
      expect(a.eof).toBe(true);
      expect(sim.connections[0]?.closeReason).toBe('handler-error');
      expect(sim.handlerErrors.map((e) => e.handler)).toEqual(['onConnection', 'onClose']);
      b.write('ok');
      sim.run({ maxSteps: 20 });
      expect(b.text).toBe('ok');
    } finally {
      sim.dispose();
    }
  });
});
