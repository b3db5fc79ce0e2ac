// threads > 0: the main reactor accepts (on Node's loop) and hands each
// connection round robin to a sub-reactor thread, which owns it from then on.
// 100 concurrent clients each send their own bytes and must get exactly
// those back.
import { describe, expect, it } from 'vitest';

import { closeClient, connect, distinctBytes, echoRoundTrip, useServers, waitFor } from './helpers/server.js';

const start = useServers();
const CLIENTS = 100;

describe('real server, threads: 2', () => {
  it(`echoes correctly under ${CLIENTS} concurrent clients`, async () => {
    const { server, port } = await start({ port: 0, app: 'echo', threads: 2 });
    const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => connect(port)));
    // Sizes vary (1 byte to ~200 KiB) so some echoes need several reads and
    // EPOLLOUT on their sub-reactor.
    const payloads = sockets.map((_, i) => distinctBytes(i + 1, 1 + ((i * 2053) % (200 << 10))));
    const echoes = await Promise.all(sockets.map((s, i) => echoRoundTrip(s, payloads[i] as Uint8Array, 15_000)));
    for (let i = 0; i < CLIENTS; i++) {
      expect(Buffer.compare(echoes[i] as Buffer, Buffer.from(payloads[i] as Uint8Array)), `client ${i}`).toBe(0);
    }

    const stats = server.stats();
    expect(stats.connectionsTotal).toBe(CLIENTS);
    expect(stats.connectionsOpen).toBe(CLIENTS);
    // Round robin: each sub-reactor got half.
    expect(stats.perLoop).toEqual([CLIENTS / 2, CLIENTS / 2]);
    const total = payloads.reduce((n, p) => n + p.length, 0);
    expect(stats.bytesIn).toBe(total);
    expect(stats.bytesOut).toBe(total);

    // Each connection lives on its sub-reactor, and a snapshot gathers them from both.
    const snap = server.snapshot();
    expect(snap.threads).toBe(2);
    expect(snap.connections).toHaveLength(CLIENTS);
    expect(new Set(snap.connections.map((c) => c.loop))).toEqual(new Set([1, 2]));
    expect(snap.connections.every((c) => c.state === 'connected' && c.sendBuf === 0 && !c.writing)).toBe(true);

    await Promise.all(sockets.map((s) => closeClient(s)));
    await waitFor('every connection closed', () => server.stats().connectionsOpen === 0);
    expect(server.stats().closeReasons).toEqual({ 'peer-closed': CLIENTS });
  });

  it('JS handlers with threads > 0 are refused, naming "threads"', async () => {
    await expect(start({ port: 0, threads: 2, handlers: { onMessage: () => {} } })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG',
      argument: 'threads',
    });
  });
});
