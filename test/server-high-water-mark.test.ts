// A client that writes and never reads: the high-water mark bounds what the
// reactor buffers for it (pause-reading: reading stops until the output has
// drained to half the mark, so the client's own writes block), and nothing
// is lost once it reads again. With policy 'close' the connection is closed.
import type net from 'node:net';
import { describe, expect, it } from 'vitest';

import type { ServerOptions } from '../src/index.js';
import { collect, connect, patternMismatch, useServers, waitFor } from './helpers/server.js';

const start = useServers();
const MARK = 1 << 20;
const TOTAL = 32 << 20;
/** One reactor read: output may pass the mark by at most what one read appended. */
const READ_CHUNK = 64 << 10;

function pattern(offset: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = (offset + i) & 0xff;
  return b;
}

/** Queues TOTAL bytes of the pattern (Node buffers what the kernel does not take yet). */
function writeAll(s: net.Socket): void {
  for (let off = 0; off < TOTAL; off += 256 << 10) s.write(pattern(off, 256 << 10));
}

const apps: Array<[string, Partial<ServerOptions>]> = [
  ['built-in echo', { app: 'echo' }],
  ['built-in echo on sub-reactors', { app: 'echo', threads: 2 }],
  ['JS echo', { handlers: { onMessage: (c, data) => c.send(data) } }],
];

describe.each(apps)('real server, high-water mark, %s', (_name, appOptions) => {
  it('a non-reading client cannot grow the server past the mark; nothing is lost', async () => {
    const highWater: number[] = [];
    const options = { port: 0, highWaterMark: MARK, ...appOptions } as ServerOptions;
    if (options.handlers) options.handlers.onHighWaterMark = (_c, n) => highWater.push(n);
    const { server, port } = await start(options);
    const s = await connect(port);
    s.pause();
    writeAll(s);

    // The server pauses reading, and everything stalls: the client's writes
    // block on full kernel buffers.
    await waitFor('reading to pause', () => server.snapshot().connections[0]?.reading === false);
    let last = -1;
    await waitFor(
      'the byte counts to settle',
      () => {
        const now = server.stats().bytesIn;
        const settled = now === last;
        last = now;
        return settled;
      },
      5000,
    );
    const snap = server.snapshot().connections[0];
    const stats = server.stats();
    expect(snap?.reading).toBe(false);
    expect(snap?.sendBuf).toBeGreaterThanOrEqual(MARK);
    expect(snap?.sendBuf).toBeLessThan(MARK + READ_CHUNK);
    expect(stats.peakSendBuffer).toBeLessThan(MARK + READ_CHUNK);
    expect(stats.highWaterEvents).toBe(1);
    expect(stats.bytesIn).toBeLessThan(TOTAL);
    if (options.handlers) expect(highWater).toHaveLength(1);

    // Reading again: every byte comes back, in order, and memory stayed bounded throughout.
    const got: Buffer[] = [];
    let received = 0;
    s.on('data', (d: Buffer) => {
      got.push(d);
      received += d.length;
    });
    s.resume();
    await waitFor('the whole echo', () => received >= TOTAL, 20_000);
    const all = Buffer.concat(got);
    expect(all.length).toBe(TOTAL);
    expect(patternMismatch(all, 0)).toBe(-1);
    expect(server.stats().peakSendBuffer).toBeLessThan(MARK + READ_CHUNK);
    s.destroy();
  });
});

describe('real server, high-water policy close', () => {
  it('closes the connection that crossed the mark (reason high-water-mark); others carry on', async () => {
    const { server, port } = await start({ port: 0, app: 'echo', highWaterMark: MARK, highWaterPolicy: 'close' });
    const hog = await connect(port);
    hog.pause();
    const done = collect(hog);
    writeAll(hog);
    hog.resume(); // drain what it gets, until the server closes it
    await waitFor('the close', () => server.stats().closeReasons['high-water-mark'] === 1);
    const r = await done;
    expect(r.bytes.length).toBeLessThan(TOTAL);
    const ok = await connect(port);
    const echoed = new Promise<string>((resolve) => ok.once('data', (d) => resolve(String(d))));
    ok.write('still here');
    expect(await echoed).toBe('still here');
    ok.destroy();
  });
});
