// A peer that resets the connection (close with unread data = RST) in the
// middle of a large response: the server closes that connection cleanly
// (reason ECONNRESET or EPIPE, nothing left registered, no crash, no
// SIGPIPE) and keeps serving.
import { describe, expect, it } from 'vitest';

import { connect, patternMismatch, useServers, waitFor } from './helpers/server.js';

const start = useServers();
const TOTAL = 16 << 20;

describe.each([0, 2])('real server, peer RST mid-send, threads: %i', (threads) => {
  it('closes that connection cleanly and serves the next one in full', async () => {
    const { server, port } = await start({ port: 0, app: { bulk: TOTAL }, threads });

    const victim = await connect(port);
    let got = 0;
    await new Promise<void>((resolve) => {
      victim.on('data', (d: Buffer) => {
        got += d.length;
        if (got >= 256 << 10) {
          victim.pause();
          resolve();
        }
      });
    });
    // Most of the response is still queued in the reactor when the RST lands.
    await waitFor('the reactor to hold output', () => (server.snapshot().connections[0]?.sendBuf ?? 0) > 0);
    victim.resetAndDestroy();
    await waitFor('the reset connection to close', () => server.stats().connectionsOpen === 0);

    const reasons = server.stats().closeReasons;
    expect(Object.keys(reasons)).toHaveLength(1);
    expect(['ECONNRESET', 'EPIPE']).toContain(Object.keys(reasons)[0]);
    expect(server.snapshot().connections).toEqual([]);

    // The server lives: the next client gets the whole response.
    const next = await connect(port);
    let received = 0;
    let firstBad = -1;
    await new Promise<void>((resolve, reject) => {
      next.on('data', (d: Buffer) => {
        if (firstBad < 0) firstBad = patternMismatch(d, received);
        received += d.length;
      });
      next.on('end', () => resolve());
      next.on('error', reject);
    });
    expect({ received, firstBad }).toEqual({ received: TOTAL, firstBad: -1 });
    next.destroy();
    await waitFor('the second close', () => server.stats().connectionsOpen === 0);
    expect(server.stats().connectionsTotal).toBe(2);
  });
});
