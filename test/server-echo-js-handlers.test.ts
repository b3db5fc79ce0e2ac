// The real server with JS handlers: they run on Node's own loop (the
// reactor's epoll fd watched by libuv), over real 127.0.0.1 sockets.
import { describe, expect, it } from 'vitest';

import type { ServerConnection } from '../src/index.js';
import { closeClient, connect, echoRoundTrip, useServers, waitFor } from './helpers/server.js';

const start = useServers();
const text = new TextDecoder();

describe('real server, JS handlers', () => {
  it('echoes over real sockets and reports every event', async () => {
    const events: string[] = [];
    const { server, port } = await start({
      port: 0,
      handlers: {
        onConnection: (c) => events.push(`connection ${c.id}`),
        onMessage: (c, data) => c.send(data),
        onWriteComplete: (c) => events.push(`writeComplete ${c.id}`),
        onClose: (c, reason) => events.push(`close ${c.id} ${reason}`),
      },
    });
    expect(server.listening).toBe(true);
    expect(server.address()).toEqual({ host: '127.0.0.1', port, address: `127.0.0.1:${port}` });

    const a = await connect(port);
    const b = await connect(port);
    expect(text.decode(await echoRoundTrip(a, new TextEncoder().encode('hello')))).toBe('hello');
    expect(text.decode(await echoRoundTrip(b, new TextEncoder().encode('world')))).toBe('world');
    // A larger message arrives in several reads and is echoed in order.
    const big = new Uint8Array(3 << 20).map((_, i) => (i * 7) & 0xff);
    expect(Buffer.compare(await echoRoundTrip(a, big), Buffer.from(big))).toBe(0);

    await closeClient(a);
    await closeClient(b);
    await waitFor('both closes', () => server.stats().connectionsOpen === 0);
    await waitFor('the close events', () => events.filter((e) => e.startsWith('close')).length === 2);
    expect(events.slice(0, 2)).toEqual(['connection 1', 'connection 2']);
    expect(events).toContain('writeComplete 1');
    expect(events.filter((e) => e.startsWith('close')).sort()).toEqual(['close 1 peer-closed', 'close 2 peer-closed']);

    const stats = server.stats();
    expect(stats).toMatchObject({ connectionsOpen: 0, connectionsTotal: 2, handlerErrors: 0, perLoop: [2] });
    expect(stats.bytesIn).toBe(10 + big.length);
    expect(stats.bytesOut).toBe(10 + big.length);
    expect(stats.closeReasons).toEqual({ 'peer-closed': 2 });
  });

  it('handlers may send later, from a timer: the pump runs without a socket event', async () => {
    const { port } = await start({
      port: 0,
      handlers: {
        onMessage: (c: ServerConnection, data) => {
          const copy = data.slice();
          setTimeout(() => c.send(copy), 20);
        },
      },
    });
    const s = await connect(port);
    expect(text.decode(await echoRoundTrip(s, new TextEncoder().encode('later')))).toBe('later');
    await closeClient(s);
  });

  it('conn.shutdown() after a reply: the client gets the reply, then end of file', async () => {
    const { server, port } = await start({
      port: 0,
      handlers: {
        onMessage: (c, data) => {
          c.send(`you said ${text.decode(data)}`);
          c.shutdown();
        },
      },
    });
    const s = await connect(port);
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<void>((resolve) => s.once('end', () => resolve()));
    s.write('hi');
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe('you said hi');
    await closeClient(s);
    await waitFor('the close', () => server.stats().connectionsOpen === 0);
  });
});
