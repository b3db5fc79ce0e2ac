// maxConnections: past the limit a connection is accepted and closed at once
// (never left queued in the backlog, where ET would not report it again),
// counted in stats().refused; once one closes, new ones are served again.
import { describe, expect, it } from 'vitest';

import { collect, connect, echoRoundTrip, useServers, waitFor } from './helpers/server.js';

const start = useServers();

describe.each([0, 2])('real server, maxConnections: 2, threads: %i', (threads) => {
  it('refuses the third, serves again after one closes', async () => {
    const { server, port } = await start({ port: 0, app: 'echo', threads, maxConnections: 2 });
    const a = await connect(port);
    const b = await connect(port);
    await waitFor('two connections', () => server.stats().connectionsOpen === 2);
    const c = await connect(port); // the kernel completes the handshake; the server closes it
    const r = await collect(c);
    expect(r.bytes.length).toBe(0);
    expect(server.stats()).toMatchObject({ refused: 1, connectionsOpen: 2, connectionsTotal: 2 });

    a.destroy();
    await waitFor('one to close', () => server.stats().connectionsOpen === 1);
    const d = await connect(port);
    expect(String(await echoRoundTrip(d, new TextEncoder().encode('in again')))).toBe('in again');
    expect(String(await echoRoundTrip(b, new TextEncoder().encode('still')))).toBe('still');
    b.destroy();
    d.destroy();
  });
});
