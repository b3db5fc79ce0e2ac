// close() is graceful and bounded: it stops accepting at once, lets pending
// output drain to a slow reader, keeps serving a client that is still
// talking (its handlers' sends are taken), shuts each connection down once it
// is quiet, and after timeoutMs resets what still has output unsent (so its
// peer knows) and closes the rest (reason 'server-stopped').
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

import type { ServerConnection } from '../src/index.js';
import { firstPatternMismatch, patternBytes } from './helpers/pattern.js';
import { RawClient } from './helpers/raw-client.js';
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

/**
 * A client on a thread of its own, so that it goes on talking while Node's
 * main thread (the server's loop, close()'s looks) is held: it sends
 * 'before', waits for the echo and posts 'ready'; at 'go' it sends a line
 * every 50 ms, `lines` of them, and posts what it sent and received once
 * the server's end of file (or an error) ends the connection.
 */
const TALKER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const s = net.connect(workerData.port, '127.0.0.1');
let sent = '';
let received = '';
let ended = false;
const say = (line) => { sent += line; s.write(line); };
s.on('connect', () => say('before\\n'));
s.on('data', (d) => {
  received += d;
  if (received === 'before\\n') parentPort.postMessage({ type: 'ready' });
});
s.on('end', () => { ended = true; });
s.on('error', () => {});
s.on('close', () => parentPort.postMessage({ type: 'done', sent, received, ended }));
parentPort.on('message', async () => {
  for (let i = 0; i < workerData.lines && !ended; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    say('line ' + i + '\\n');
  }
});
`;

interface Talked {
  sent: string;
  received: string;
  ended: boolean;
}

/** Resolves at the socket's 'end' (the server's FIN); rejects on an error first. */
function endOf(s: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    s.once('end', () => resolve());
    s.once('error', reject);
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

describe('real server, graceful close with JS handlers', () => {
  it.each(['edgeloop', 'day26-as-written'] as const)('a client still talking after close() began is answered until it stops; then it is shut down (%s)', async (variant) => {
    // The tutorial's connection reads in its own HandleRead: its reads count for the quiet check too.
    const { server, port } = await start({ port: 0, variant, handlers: { onMessage: (conn, data) => void conn.send(data) } });
    const s = await connect(port);
    const done = collect(s);
    let sent = '';
    const say = (line: string) => {
      sent += line;
      s.write(line);
    };
    say('before\n');
    await waitFor('the first echo', () => server.stats().bytesOut === sent.length);
    const t0 = Date.now();
    const closed = server.close({ timeoutMs: 5000, quietMs: 400 });
    // It trickles on for 1.2 s after close() began, a line every 50 ms:
    // never quiet for 400 ms (8 gaps' worth), so never shut down under it.
    for (let i = 0; i < 24; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      say(`line ${i}\n`);
    }
    const r = await done; // the server's end of file, once it was quiet
    expect(new TextDecoder().decode(r.bytes)).toBe(sent);
    expect(r.ended).toBe(true);
    await closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1200);
    expect(server.handlerErrors).toEqual([]);
    expect(server.stats().closeReasons).toEqual({ 'peer-closed': 1 });
  });

  it("a client still talking while Node's thread is held through a whole quiet period is not shut down: its bytes wait unread, it is answered", async () => {
    const { server, port } = await start({ port: 0, handlers: { onMessage: (conn, data) => void conn.send(data) } });
    const talker = new Worker(TALKER, { eval: true, workerData: { port, lines: 24 } });
    try {
      const messages: Array<{ type: string } & Partial<Talked>> = [];
      talker.on('message', (m: { type: string } & Partial<Talked>) => messages.push(m));
      await waitFor('the first echo', () => messages.some((m) => m.type === 'ready'));
      talker.postMessage('go');
      const closed = server.close({ timeoutMs: 5000, quietMs: 400 });
      // close() looks first (after a turn of Node's loop), then the thread is
      // held for longer than quietMs: the server reads nothing meanwhile, the
      // client's lines wait in the socket, and close()'s next look comes
      // before the reactor's next read. It used to count the reads between two
      // looks and shut the client down here, mid-stream.
      setImmediate(() =>
        setImmediate(() => {
          const until = performance.now() + 600;
          while (performance.now() < until) {
            // Node's thread is held
          }
        }),
      );
      await waitFor('the talker to finish', () => messages.some((m) => m.type === 'done'), 10_000);
      const done = messages.find((m) => m.type === 'done') as Talked;
      expect(done.sent).toMatch(/line 23\n$/);
      expect(done.received).toBe(done.sent);
      expect(done.ended).toBe(true);
      await closed;
      expect(server.stats().closeReasons).toEqual({ 'peer-closed': 1 });
    } finally {
      await talker.terminate();
    }
  });

  it('conn.writable says false once the server shut it down; a send then throws ERR_CLOSED naming close()', async () => {
    let conn: ServerConnection | null = null;
    const seen: Array<{ writable: boolean; error: string | null }> = [];
    const { server, port } = await start({
      port: 0,
      handlers: {
        onConnection: (c) => {
          conn = c;
        },
        onMessage: (c, data) => {
          const writable = c.writable;
          let error: string | null = null;
          try {
            c.send(data);
          } catch (e) {
            error = (e as Error).message;
          }
          seen.push({ writable, error });
        },
      },
    });
    // allowHalfOpen: it reads the server's end of file and goes on sending.
    const s = await connect(port, { allowHalfOpen: true });
    const ended = endOf(s);
    await waitFor('the connection', () => conn !== null);
    expect(conn!.writable).toBe(true);
    const closed = server.close({ timeoutMs: 2000, quietMs: 50 });
    await ended;
    expect(conn!.writable).toBe(false);
    expect(conn!.closed).toBe(false);
    s.write('late');
    await waitFor('the late message', () => seen.length === 1);
    expect(seen[0]?.writable).toBe(false);
    expect(seen[0]?.error).toMatch(/send\(\): connection 1 was shut down by the server's close\(\).*check conn\.writable/);
    s.end();
    await closed;
  });

  it('at the deadline, output still unsent is reset (RST), a connection with nothing unsent gets a FIN', async () => {
    const { server, port } = await start({
      port: 0,
      sndbuf: 16384,
      handlers: { onMessage: (conn, data) => void conn.send(new TextDecoder().decode(data) === 'flood' ? patternBytes(8 << 20) : data) },
    });
    // It asks for 8 MiB and does not read: most of it waits in the reactor.
    const flooded = await RawClient.open(port);
    flooded.pause();
    flooded.write('flood');
    // It talks and reads, and never closes: at the deadline it has nothing unsent.
    const idle = await connect(port, { allowHalfOpen: true });
    const idleEnded = endOf(idle);
    await waitFor('the flood queued', () => server.stats().memory.bufferedOutput > 1 << 20);
    await server.close({ timeoutMs: 300, quietMs: 10_000 });
    expect(server.stats().closeReasons).toEqual({ 'server-stopped-reset': 1, 'server-stopped': 1 });
    flooded.resume();
    await waitFor('the reset to reach the flooded client', () => flooded.error !== null || flooded.eof);
    expect(flooded.error).toBe('ECONNRESET');
    expect(flooded.receivedBytes).toBeLessThan(8 << 20);
    await idleEnded; // a FIN: 'end', not an error
    idle.end();
  });
});

describe('real server, graceful close of a bulk server (threads: 0)', () => {
  it('40 slow readers of 32 MiB each: close() keeps its deadline, and the cut responses are reset', async () => {
    const { server, port } = await start({ port: 0, app: { bulk: 32 << 20 }, threads: 0 });
    const clients = await Promise.all(Array.from({ length: 40 }, () => RawClient.open(port)));
    for (const c of clients) c.pause();
    await waitFor('every connection', () => server.stats().connectionsTotal === 40);
    const t0 = Date.now();
    await server.close({ timeoutMs: 1000 });
    const took = Date.now() - t0;
    // Streamed, the bulk app does at most a 256 KiB chunk per event: Node's
    // thread is never held long enough to miss the deadline by much.
    expect(took).toBeLessThan(1000 + 700);
    const reasons = server.stats().closeReasons;
    expect(reasons['server-stopped-reset']).toBe(40);
    for (const c of clients) c.resume();
    await waitFor('every client to see the reset', () => clients.every((c) => c.error !== null || c.eof), 10_000);
    for (const c of clients) expect(c.error).toBe('ECONNRESET');
    expect(server.stats().memory.peakBufferedOutput).toBeLessThanOrEqual(40 * (256 << 10));
  });
});
