// A JS handler that throws closes its own connection (reason
// 'handler-error'); the error is kept (and, in the simulation, traced); the
// server and the other connections carry on. One scenario for the
// simulation (each engine, unix and tcp) and the real server.
import { describe, expect, it } from 'vitest';

import type { ServerConnection, ServerHandlers } from '../src/index.js';
import { stacks, useRigs } from './helpers/stacks.js';

const open = useRigs();
const text = new TextDecoder();

for (const stack of stacks({ families: ['unix', 'tcp'] })) {
  describe(`a handler that throws (${stack.name})`, () => {
    it('onMessage: closes only its connection', async () => {
      const closes: Array<[number, string]> = [];
      const app: ServerHandlers = {
        onMessage(conn, data) {
          if (text.decode(data).includes('boom')) throw new Error('handler exploded');
          conn.send(data);
        },
        onClose(conn, reason) {
          closes.push([conn.id, reason]);
        },
      };
      const rig = await open(stack, { app });
      const a = await rig.connect('a');
      const b = await rig.connect('b');
      await rig.until('both accepted', () => rig.accepted() === 2, { maxSteps: 1 });
      a.write('boom');
      b.write('hi');
      await rig.until('a closed, b echoed', () => a.eof && b.text === 'hi', { maxSteps: 20 });
      expect(a.receivedBytes).toBe(0); // closed without a reply

      expect(rig.handlerErrors).toHaveLength(1);
      expect(rig.handlerErrors[0]).toMatchObject({ conn: 1, handler: 'onMessage' });
      expect((rig.handlerErrors[0]?.error as Error).message).toBe('handler exploded');
      expect(closes).toEqual([[1, 'handler-error']]);
      if (rig.kind === 'sim') {
        const record = rig.sim.trace.records.find((r) => r.call === 'handlerError');
        expect(record).toMatchObject({ actor: 'app', args: { conn: 1, handler: 'onMessage', message: 'handler exploded' } });
      }

      // The other connection, and new ones, are still served.
      b.write(' again');
      const c = await rig.connect('c');
      c.write('new');
      await rig.until('b and c echoed', () => b.text === 'hi again' && c.text === 'new', { maxSteps: 20 });
      expect(rig.closeReasons()).toEqual({ 'handler-error': 1 });
      expect(rig.openConnections()).toBe(2);
      if (rig.kind === 'sim') expect(rig.sim.connections.map((x) => x.closed)).toEqual([true, false, false]);
      else expect(rig.server.stats().handlerErrors).toBe(1);
    });

    it('onConnection and onClose throwing: closed, recorded, nothing else breaks', async () => {
      const conns: ServerConnection[] = [];
      const closed: number[] = [];
      const app: ServerHandlers = {
        onConnection(conn) {
          conns.push(conn);
          if (conn.id === 1) throw new TypeError('no thanks');
        },
        onMessage: (conn, data) => conn.send(data),
        onClose(conn) {
          closed.push(conn.id);
          throw new Error(`onClose ${conn.id}`);
        },
      };
      const rig = await open(stack, { app });
      const a = await rig.connect('a');
      const b = await rig.connect('b');
      await rig.until('a closed by the server', () => a.eof, { maxSteps: 20 });
      expect(conns[0]?.closeReason).toBe('handler-error');
      expect(rig.handlerErrors.map((e) => [e.conn, e.handler])).toEqual([
        [1, 'onConnection'],
        [1, 'onClose'],
      ]);

      b.write('ok');
      await rig.until('the echo', () => b.text === 'ok', { maxSteps: 20 });
      b.end();
      await rig.until('both closed', () => rig.openConnections() === 0 && closed.length === 2, { maxSteps: 20 });
      expect(rig.handlerErrors.map((e) => [e.conn, e.handler])).toEqual([
        [1, 'onConnection'],
        [1, 'onClose'],
        [2, 'onClose'],
      ]);
      expect(rig.closeReasons()).toEqual({ 'handler-error': 1, 'peer-closed': 1 });
    });
  });
}
