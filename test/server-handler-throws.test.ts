// A JS handler that throws closes its own connection (reason
// 'handler-error'); the error is kept; the server and the other connections
// carry on.
import { describe, expect, it } from 'vitest';

import type { ServerConnection } from '../src/index.js';
import { collect, connect, echoRoundTrip, useServers, waitFor } from './helpers/server.js';

const start = useServers();
const text = new TextDecoder();
const bytes = (s: string) => new TextEncoder().encode(s);

describe('real server, a handler that throws', () => {
  it('onMessage: closes only its connection', async () => {
    const closes: Array<[number, string]> = [];
    const { server, port } = await start({
      port: 0,
      handlers: {
        onMessage(conn, data) {
          if (text.decode(data).includes('boom')) throw new Error('handler exploded');
          conn.send(data);
        },
        onClose: (conn, reason) => closes.push([conn.id, reason]),
      },
    });
    const a = await connect(port);
    const b = await connect(port);
    const aDone = collect(a);
    a.write('boom');
    const r = await aDone;
    expect(r.bytes.length).toBe(0); // closed without a reply

    expect(text.decode(await echoRoundTrip(b, bytes('still served')))).toBe('still served');
    const c = await connect(port);
    expect(text.decode(await echoRoundTrip(c, bytes('new one')))).toBe('new one');

    expect(server.handlerErrors).toHaveLength(1);
    expect(server.handlerErrors[0]).toMatchObject({ conn: 1, handler: 'onMessage' });
    expect((server.handlerErrors[0]?.error as Error).message).toBe('handler exploded');
    expect(closes).toEqual([[1, 'handler-error']]);
    const stats = server.stats();
    expect(stats.handlerErrors).toBe(1);
    expect(stats.closeReasons).toEqual({ 'handler-error': 1 });
    expect(stats.connectionsOpen).toBe(2);
    b.destroy();
    c.destroy();
  });

  it('onConnection and onClose throwing: recorded, nothing else breaks', async () => {
    const seen: number[] = [];
    const { server, port } = await start({
      port: 0,
      handlers: {
        onConnection(conn: ServerConnection) {
          if (conn.id === 1) throw new TypeError('no thanks');
        },
        onMessage: (conn, data) => conn.send(data),
        onClose(conn) {
          seen.push(conn.id);
          throw new Error(`onClose ${conn.id}`);
        },
      },
    });
    const first = await connect(port);
    await collect(first); // closed by the server right away
    const second = await connect(port);
    expect(text.decode(await echoRoundTrip(second, bytes('ok')))).toBe('ok');
    second.end();
    await waitFor('both closed', () => server.stats().connectionsOpen === 0 && seen.length === 2);
    expect(server.handlerErrors.map((e) => [e.conn, e.handler])).toEqual([
      [1, 'onConnection'],
      [1, 'onClose'],
      [2, 'onClose'],
    ]);
    expect(server.stats().closeReasons).toEqual({ 'handler-error': 1, 'peer-closed': 1 });
  });
});
