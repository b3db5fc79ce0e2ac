// close() is graceful and bounded: it stops accepting at once, lets pending
// output drain to a slow reader, waits for peers to close, and after
// timeoutMs closes whatever is left (reason 'server-stopped').
import net from 'node:net';
import { describe, expect, it } from 'vitest';

import { firstPatternMismatch } from './helpers/pattern.js';
import { collect, connect, useServers, waitFor } from './helpers/server.js';

const start = useServers();

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe.each([0, 2])('real server, graceful close, threads: %i', (threads) => {
  it('pending output still reaches a slow reader; new connects are refused', async () => {
    const total = 8 << 20;
    const { server, port } = await start({ port: 0, app: { bulk: total }, threads });
    const s = await connect(port);
    s.pause();
    await waitFor('output queued in the reactor', () => (server.snapshot().connections[0]?.sendBuf ?? 0) > 0);

    const closed = server.close({ timeoutMs: 5000 });
    expect(server.listening).toBe(false);
    await waitFor('the listener to close', () => !server.stats().accepting);
    expect(await refused(port)).toBe(true);

    const done = collect(s);
    s.resume();
    const r = await done;
    expect(r.bytes.length).toBe(total);
    expect(firstPatternMismatch(r.bytes)).toBe(-1);
    expect(r.ended).toBe(true);
    await closed;
    expect(server.stats()).toMatchObject({ connectionsOpen: 0, closeReasons: { 'peer-closed': 1 } });
  });

  it('a peer that never closes is closed after timeoutMs (server-stopped)', async () => {
    const { server, port } = await start({ port: 0, app: 'echo', threads });
    // allowHalfOpen: it sees the server's end of file and keeps its own side open.
    const s = await connect(port, { allowHalfOpen: true });
    const done = collect(s);
    await waitFor('the connection', () => server.stats().connectionsOpen === 1);
    const t0 = Date.now();
    await server.close({ timeoutMs: 300 });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(2000);
    expect(server.stats().closeReasons).toEqual({ 'server-stopped': 1 });
    s.end(); // its half of the connection: the client's own business
    const r = await done;
    expect(r.ended).toBe(true);
    // close() is idempotent, and the last stats stay readable.
    await server.close();
    expect(server.stats().connectionsTotal).toBe(1);
    expect(() => server.snapshot()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });
});
