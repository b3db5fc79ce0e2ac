// Half-close with pending output: a peer that shuts down its writing side
// (SHUT_WR) while the server still has output for it gets all of that output,
// then end of file; only then does the server close the connection.
import { describe, expect, it } from 'vitest';

import { collect, connect, patternMismatch, useServers, waitFor } from './helpers/server.js';

const start = useServers();
const TOTAL = 16 << 20;

describe('real server, half-close with pending output', () => {
  it.each([0, 2])('bulk, threads: %i: the peer half-closes at once and still gets every byte', async (threads) => {
    // A high-water mark above the response: reading stays on, so the reactor
    // sees the end of file while the output is still queued. (Below it,
    // reading pauses and the end of file is read once the output drained.)
    const { server, port } = await start({ port: 0, app: { bulk: TOTAL }, threads, highWaterMark: 2 * TOTAL });
    const s = await connect(port, { allowHalfOpen: true });
    s.pause();
    s.end(); // SHUT_WR before reading anything
    // The server has seen end of file while most of the response is queued.
    await waitFor('the server to see the half-close', () => server.snapshot().connections[0]?.peerHalfClosed === true);
    expect(server.snapshot().connections[0]?.sendBuf).toBeGreaterThan(0);

    const done = collect(s);
    s.resume();
    const r = await done;
    expect(r.error).toBeNull();
    expect(r.ended).toBe(true);
    expect(r.bytes.length).toBe(TOTAL);
    expect(patternMismatch(r.bytes, 0)).toBe(-1);
    await waitFor('the server side to close', () => server.stats().connectionsOpen === 0);
    expect(server.stats().closeReasons).toEqual({ 'peer-closed': 1 });
  });

  it('JS handlers: a request and the half-close in one burst still get their reply', async () => {
    const reply = new Uint8Array(8 << 20).map((_, i) => i & 0xff);
    const { server, port } = await start({
      port: 0,
      handlers: {
        // Replies only once the whole request is in (it ends with '!').
        onMessage: (c, data) => {
          if (data[data.length - 1] === 0x21) c.send(reply);
        },
      },
    });
    const s = await connect(port, { allowHalfOpen: true });
    const done = collect(s);
    s.end('request!');
    const r = await done;
    expect(r.ended).toBe(true);
    expect(r.bytes.length).toBe(reply.length);
    expect(patternMismatch(r.bytes, 0)).toBe(-1);
    await waitFor('the server side to close', () => server.stats().connectionsOpen === 0);
    expect(server.stats().closeReasons).toEqual({ 'peer-closed': 1 });
  });
});
