// The graceful close's quiet check (TcpConnection::ShutdownIfQuiet), driven
// by hand on the raw addon: the reactor's base loop is Node's own, so while
// this test's code runs synchronously the reactor reads nothing, as a loop
// thread starved under load reads nothing. A connection is quiet only when
// its own loop has seen no read for quietMs of the kernel seam's clock and
// nothing waits unread in its socket; how often, or how close together, the
// looks come does not matter. It used to compare the read count with the
// previous look's: two looks with no read of the loop's between them (the
// loop starved, or the looks back to back) shut down a peer still talking.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';

import { createRealServer } from '../src/backends/native.js';
import { RAW_SERVER_CLOSING, type RawServer } from '../src/backends/raw-server.js';
import { hostConfigJson } from '../src/reactor-options.js';
import { resolveServerOptions } from '../src/server/options.js';
import { collect, connect, echoRoundTrip, waitFor } from './helpers/server.js';

const QUIET_MS = 400;
const open: RawServer[] = [];

afterEach(() => {
  for (const raw of open.splice(0)) raw.dispose();
});

/** An echo server on the raw addon (threads 0: its loop is Node's) and one client, after a first round trip. */
async function echoServerWithClient(): Promise<{ raw: RawServer; client: net.Socket }> {
  const doc = hostConfigJson({ ...resolveServerOptions({ port: 0, app: 'echo' }).doc, trace: false, threads: 0 });
  const raw = createRealServer(doc);
  open.push(raw);
  const address = raw.address();
  const client = await connect(Number(address.slice(address.lastIndexOf(':') + 1)));
  expect((await echoRoundTrip(client, new TextEncoder().encode('hello\n'))).toString()).toBe('hello\n');
  raw.stopAccepting();
  return { raw, client };
}

/** Holds Node's thread (and so the reactor's loop): nothing is read meanwhile. */
function holdThread(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the loop is starved
  }
}

describe('the graceful close judges a connection quiet by its own loop', () => {
  it('bytes waiting unread in the socket are a peer still talking, however long the loop was held', async () => {
    const { raw, client } = await echoServerWithClient();
    const received = collect(client);
    raw.shutdownQuiet(QUIET_MS); // the first look: the quiet period starts
    // Loopback: the bytes are in the server's socket when write() returns; no read takes them while this runs.
    client.write('still talking\n');
    holdThread(QUIET_MS + 100);
    raw.shutdownQuiet(QUIET_MS);
    expect(raw.writable(1)).toBe(0);
    // The loop reads them once it runs, and answers.
    await waitFor('the echo', () => JSON.parse(raw.stats()).bytesOut === 'hello\nstill talking\n'.length);
    client.end();
    const r = await received; // from after the first round trip
    expect(r.bytes.toString()).toBe('still talking\n');
  });

  it('a read the loop made shortly before is not forgotten by two looks back to back', async () => {
    const { raw, client } = await echoServerWithClient();
    raw.shutdownQuiet(QUIET_MS);
    // The loop reads it (Node's turn) well inside the quiet period...
    expect((await echoRoundTrip(client, new TextEncoder().encode('again\n'))).toString()).toBe('again\n');
    // ...and two looks come together, as passes queued behind a busy loop run.
    raw.shutdownQuiet(QUIET_MS);
    raw.shutdownQuiet(QUIET_MS);
    expect(raw.writable(1)).toBe(0);
    client.destroy();
  });

  it('a connection whose loop saw no read for quietMs, with nothing unread, is shut down (end of file to the peer)', async () => {
    const { raw, client } = await echoServerWithClient();
    const received = collect(client);
    const t0 = performance.now();
    raw.shutdownQuiet(QUIET_MS);
    // Looks as often as close() makes them: none shuts it down before quietMs.
    while (raw.writable(1) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      raw.shutdownQuiet(QUIET_MS);
    }
    // The seam's clock counts whole milliseconds (CLOCK_MONOTONIC, truncated):
    // QUIET_MS of it can be as little as QUIET_MS - 1 (exclusive) of performance.now().
    expect(performance.now() - t0).toBeGreaterThan(QUIET_MS - 1);
    expect(raw.writable(1)).toBe(RAW_SERVER_CLOSING);
    const r = await received;
    expect(r.ended).toBe(true);
    expect(r.bytes.length).toBe(0);
  });
});
