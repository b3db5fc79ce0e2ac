// A client that writes and never reads, against an echo: what bounds the
// reactor's memory. edgeloop crosses the high-water mark once, stops reading
// (the client's own writes then block), keeps send_buf_ under the mark plus
// one read, and reads again once the output has drained to half the mark:
// nothing is lost. With policy 'close' it closes the connection instead.
// The simulation (each engine, unix and tcp) floods step by step in virtual
// time, and also pins the tutorial's bugs: day 26 has no mark (send_buf_
// grows with everything the peer writes), day 25 never buffers (what the
// socket does not take is dropped). The real server (built-in echo on the
// main reactor and on sub-reactors, and a JS echo) gets 32 MiB queued by a
// node:net client, which the kernel throttles. (The simulation's JS echo
// against the mark: simulation-inline-handlers.test.ts.)
import type net from 'node:net';
import { describe, expect, it } from 'vitest';

import type { ServerOptions } from '../src/index.js';
import { firstPatternMismatch, patternBytes } from './helpers/pattern.js';
import { collect, connect, useServers, waitFor } from './helpers/server.js';
import { appCalls, create, ENGINES, flood, steppedPeer } from './helpers/sim.js';

/** One reactor read: output may pass the mark by at most what one read appended. */
const READ_CHUNK = 64 * 1024;

// ---- the simulation ----

const SIM_MARK = 256 * 1024;
const STEPS = 150;

describe.each(ENGINES)('high-water mark with a non-reading peer (sim/%s)', (engine) => {
  for (const family of ['unix', 'tcp'] as const) {
    it(`${family}, edgeloop pause-reading: send_buf_ stays under the mark plus one read`, async () => {
      const sim = await create(engine, { family, app: 'echo', sndbuf: 16384, highWaterMark: SIM_MARK });
      try {
        const a = sim.peer('a', steppedPeer(family));
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { written, maxSendBuf, lastWrite } = flood(sim, a, STEPS, READ_CHUNK);
        expect(maxSendBuf).toBeGreaterThanOrEqual(SIM_MARK);
        expect(maxSendBuf).toBeLessThanOrEqual(SIM_MARK + READ_CHUNK);
        expect(lastWrite).toBe('EAGAIN'); // the peer is throttled, not the reactor's memory
        expect(appCalls(sim, 'highWaterMark')).toBe(1);
        const conn = sim.snapshot().connections[0];
        expect(conn?.reading).toBe(false);

        // Reading again drains everything, in order, and reading resumes.
        a.resume();
        expect(sim.run({ until: () => a.receivedBytes >= written, maxSteps: 5000 }).reason).toBe('until');
        expect(a.receivedBytes).toBe(written);
        expect(firstPatternMismatch(a.received)).toBe(-1);
        expect(sim.snapshot().connections[0]?.reading).toBe(true);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, edgeloop close: the connection is closed at the mark`, async () => {
      const sim = await create(engine, { family, app: 'echo', sndbuf: 16384, highWaterMark: SIM_MARK, highWaterPolicy: 'close' });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { maxSendBuf } = flood(sim, a, 40, READ_CHUNK);
        expect(maxSendBuf).toBeLessThanOrEqual(SIM_MARK + READ_CHUNK);
        expect(sim.connections[0]?.closeReason).toBe('high-water-mark');
        expect(appCalls(sim, 'highWaterMark')).toBe(1);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, day26-as-written: send_buf_ grows without bound`, async () => {
      const sim = await create(engine, { family, variant: 'day26-as-written', app: 'echo', sndbuf: 16384, highWaterMark: SIM_MARK });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { written, maxSendBuf } = flood(sim, a, STEPS, READ_CHUNK);
        expect(maxSendBuf).toBeGreaterThan(8 * SIM_MARK);
        // Nearly everything the peer wrote sits in the reactor's memory.
        expect(maxSendBuf).toBeGreaterThan(written / 2);
        expect(appCalls(sim, 'highWaterMark')).toBe(0);
      } finally {
        sim.dispose();
      }
    });

    it(`${family}, day25-write-all: nothing is buffered, the bytes are dropped`, async () => {
      const sim = await create(engine, { family, variant: 'day25-write-all', app: 'echo', sndbuf: 16384 });
      try {
        const a = sim.peer('a');
        expect(a.connect()).toBe(0);
        a.stopReading();
        const { written, maxSendBuf } = flood(sim, a, 40, READ_CHUNK);
        expect(maxSendBuf).toBe(0);
        a.resume();
        sim.run({ maxSteps: 1000 });
        // Only what the sockets could hold arrives; the rest vanished with no
        // error anywhere and the connection still open.
        expect(a.receivedBytes).toBeLessThan(written / 2);
        expect(firstPatternMismatch(a.received)).toBe(-1);
        expect(a.error).toBeNull();
        expect(sim.connections[0]?.closed).toBe(false);
      } finally {
        sim.dispose();
      }
    });
  }
});

// ---- the real server ----

const start = useServers();
const SERVER_MARK = 1 << 20;
const TOTAL = 32 << 20;

/** Queues TOTAL bytes of the pattern (Node buffers what the kernel does not take yet). */
function writeAll(s: net.Socket): void {
  for (let off = 0; off < TOTAL; off += 256 << 10) s.write(patternBytes(256 << 10, off));
}

const apps: Array<[string, Partial<ServerOptions>]> = [
  ['built-in echo', { app: 'echo' }],
  ['built-in echo on sub-reactors', { app: 'echo', threads: 2 }],
  ['JS echo', { handlers: { onMessage: (c, data) => c.send(data) } }],
];

describe.each(apps)('high-water mark with a non-reading client (real server, %s)', (_name, appOptions) => {
  it('a non-reading client cannot grow the server past the mark; nothing is lost', async () => {
    const highWater: number[] = [];
    const options = { port: 0, highWaterMark: SERVER_MARK, ...appOptions } as ServerOptions;
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
    expect(snap?.sendBuf).toBeGreaterThanOrEqual(SERVER_MARK);
    expect(snap?.sendBuf).toBeLessThan(SERVER_MARK + READ_CHUNK);
    expect(stats.peakSendBuffer).toBeLessThan(SERVER_MARK + READ_CHUNK);
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
    expect(firstPatternMismatch(all)).toBe(-1);
    expect(server.stats().peakSendBuffer).toBeLessThan(SERVER_MARK + READ_CHUNK);
    s.destroy();
  });
});

describe('high-water policy close (real server)', () => {
  it('closes the connection that crossed the mark (reason high-water-mark); others carry on', async () => {
    const { server, port } = await start({ port: 0, app: 'echo', highWaterMark: SERVER_MARK, highWaterPolicy: 'close' });
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
