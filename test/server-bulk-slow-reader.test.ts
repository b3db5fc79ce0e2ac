// A 64 MiB response to a real client that reads slowly arrives complete and
// in order (byte i = i & 0xff), on the main reactor and on sub-reactors; once
// it has drained, the reactor stops waking up (EPOLLOUT is off: no busy loop).
import type net from 'node:net';
import { describe, expect, it } from 'vitest';

import { connect, patternMismatch, useServers, waitFor } from './helpers/server.js';

const start = useServers();
const TOTAL = 64 << 20;

/** Reads everything, pausing 15 ms after every 4 MiB; checks the pattern on the fly. */
function readSlowly(s: net.Socket): Promise<{ received: number; firstBad: number; ended: boolean }> {
  return new Promise((resolve, reject) => {
    let received = 0;
    let firstBad = -1;
    let sincePause = 0;
    s.on('data', (d: Buffer) => {
      if (firstBad < 0) firstBad = patternMismatch(d, received);
      received += d.length;
      sincePause += d.length;
      if (sincePause >= 4 << 20) {
        sincePause = 0;
        s.pause();
        setTimeout(() => s.resume(), 15);
      }
    });
    s.on('end', () => resolve({ received, firstBad, ended: true }));
    s.on('error', reject);
  });
}

describe.each([0, 2])('real server, bulk 64 MiB, threads: %i', (threads) => {
  it('arrives complete and in order at a slow reader; no wakeups once drained', async () => {
    const { server, port } = await start({ port: 0, app: { bulk: TOTAL }, threads });
    const s = await connect(port);
    const result = await readSlowly(s);
    expect(result).toEqual({ received: TOTAL, firstBad: -1, ended: true });
    s.destroy();
    await waitFor('the server side to close', () => server.stats().connectionsOpen === 0);

    const stats = server.stats();
    expect(stats.bytesOut).toBe(TOTAL);
    expect(stats.closeReasons).toEqual({ 'peer-closed': 1 });
    // The whole response was handed to Send at once (the bulk app's design);
    // the socket took what it could, the rest waited in send_buf_.
    expect(stats.peakSendBuffer).toBeGreaterThan(TOTAL / 2);
    expect(stats.highWaterEvents).toBe(1);

    // Drained and closed: nothing is registered but the listener, so an idle
    // server does not wake (the tutorial's LT EPOLLOUT would spin here).
    const before = server.stats().wakeups;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.stats().wakeups - before).toBeLessThanOrEqual(threads);
  });
});
