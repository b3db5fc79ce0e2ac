// The real server's live view (createServer({ live }), `edgeloop serve
// --live`): a WebSocket on loopback that streams hello, snapshots, the trace
// records (the trace file's, seq for seq) and counters; a viewer that falls
// behind costs the server a bounded amount and is told what it missed; the
// number of viewers is bounded; close() says bye and resolves promptly.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import {
  createServer,
  EdgeloopError,
  type LiveBye,
  type LiveGap,
  type LiveHello,
  type LiveMessage,
  type LiveRecords,
  type LiveSnapshot,
  spellCallSites,
  type TraceRecord,
} from '../src/index.js';
import { packageVersion } from '../src/version.js';
import { finished, start, useCli, waitForLine } from './helpers/cli.js';
import { ipv6LoopbackProblem } from './helpers/ipv6.js';
import { attach, type Viewer } from './helpers/live.js';
import { closeClient, connect, echoRoundTrip, useServers, waitFor } from './helpers/server.js';

const startServer = useServers();
const cli = useCli();
const dir = mkdtempSync(join(tmpdir(), 'edgeloop-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noIpv6 = await ipv6LoopbackProblem();

const isType =
  <T extends LiveMessage['type']>(type: T) =>
  (m: LiveMessage): boolean =>
    m.type === type;

/** Every record a viewer got, in order. */
function recordsOf(v: Viewer): TraceRecord[] {
  return v.messages.filter((m): m is LiveRecords => m.type === 'records').flatMap((m) => m.records);
}

/** The sockets of an interest list (each loop's wakeup eventfd aside). */
function sockets<T extends { name: string | null }>(items: T[]): T[] {
  return items.filter((i) => i.name?.startsWith('s'));
}

function liveUrl(address: { live?: { url: string } }): string {
  if (!address.live) throw new Error('the server has no live view');
  return address.live.url;
}

describe('the live view', () => {
  it('streams hello, a snapshot, then the records of an echo round trip, the same the trace file gets', async () => {
    const file = join(dir, 'echo.jsonl');
    const { server } = await startServer({ port: 0, app: 'echo', trace: file, live: { port: 0 } });
    const address = server.address();
    expect(address?.live?.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(address?.live?.port).toBeGreaterThan(0);
    const v = await attach(liveUrl(address ?? {}));

    const hello = await v.next<LiveHello>(isType('hello'), 'hello');
    expect(v.messages[0]).toBe(hello);
    expect(hello).toMatchObject({
      protocol: 1,
      version: packageVersion(),
      server: { host: '127.0.0.1', port: address?.port, address: address?.address },
      options: { app: 'echo', variant: 'edgeloop', trigger: 'edge', threads: 0, maxConnections: 0 },
      threads: 0,
      header: { type: 'header', version: 1, kernel: 'linux', seed: null },
      limits: { maxClients: 8, maxBufferedBytes: 8 * 1024 * 1024 },
    });
    expect(Number.isNaN(Date.parse(hello.time))).toBe(false);
    const first = await v.next<LiveSnapshot>(isType('snapshot'), 'the first snapshot');
    expect(v.messages[1]).toBe(first);
    expect(first.snapshot).toMatchObject({ address: address?.address, accepting: true, connections: [] });
    // The lists the records build on: the reactor's epoll, with the listening socket (and the loop's wakeup eventfd).
    const [ep] = first.epolls;
    expect(ep).toMatchObject({ name: 'ep1', owner: 'reactor' });
    expect(sockets(ep?.interest ?? [])).toEqual([expect.objectContaining({ name: 's1', events: expect.stringContaining('EPOLLIN') })]);

    const s = await connect(address?.port ?? 0);
    expect(String(await echoRoundTrip(s, new TextEncoder().encode('hello')))).toBe('hello');
    // The connection shows in a snapshot, named as its accept named it, with its interest.
    const withConn = await v.next<LiveSnapshot>((m) => m.type === 'snapshot' && m.snapshot.connections.length === 1, 'a snapshot with the connection');
    const conn = withConn.snapshot.connections[0];
    expect(conn).toMatchObject({ id: 1, name: 's2', state: 'connected', interest: expect.stringContaining('EPOLLIN') });
    expect(sockets(withConn.epolls[0]?.interest ?? []).map((i) => i.name)).toEqual(['s1', 's2']);
    const stats = await v.next((m) => m.type === 'stats' && m.stats.bytesIn === 5, 'stats counting the 5 bytes');
    expect(stats).toMatchObject({ stats: { connectionsOpen: 1, liveClients: 1 } });
    expect(server.stats().liveClients).toBe(1);

    const rs = recordsOf(v);
    // The records go on from the snapshot's seq, one by one.
    expect(rs[0]?.seq).toBe(first.seq + 1);
    expect(rs.map((r) => r.seq)).toEqual(rs.map((_, i) => first.seq + 1 + i));
    expect(rs.find((r) => r.call === 'accept' && typeof r.ret === 'number')).toMatchObject({ actor: 'reactor', name: 's1', created: 's2' });
    expect(rs.find((r) => r.call === 'read' && r.name === 's2' && r.ret === 5)).toBeDefined();
    expect(rs.find((r) => r.call === 'write' && r.name === 's2')).toMatchObject({ ret: 5 });
    expect(rs.find((r) => r.actor === 'app' && r.call === 'message')).toMatchObject({ args: { conn: 1, length: 5 } });

    await closeClient(s);
    await server.close();
    // The trace file has the same records (the viewer's are a tail of it), but
    // for the call sites: the file gives a site's text once, then its number;
    // a viewer, who joins mid-trace, gets the text every time.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(1);
    const fileRecords = spellCallSites(lines.map((l) => JSON.parse(l) as TraceRecord));
    const got = recordsOf(v);
    expect(got.length).toBeGreaterThan(0);
    expect(got.some((r) => typeof r.site === 'string')).toBe(true);
    expect(got.every((r) => typeof r.site !== 'number' && typeof r.origin !== 'number')).toBe(true);
    expect(fileRecords.slice(first.seq, first.seq + got.length)).toEqual(got);
  });

  it('a viewer that attaches later gets the interest lists and connections as they are, with their names', async () => {
    const { server, port } = await startServer({ port: 0, app: 'echo', threads: 2, live: true });
    const clients = [await connect(port), await connect(port)];
    for (const c of clients) expect(String(await echoRoundTrip(c, new TextEncoder().encode('x')))).toBe('x');
    const v = await attach(liveUrl(server.address() ?? {}));
    const snap = await v.next<LiveSnapshot>(isType('snapshot'), 'the first snapshot');
    // One epoll per reactor; each connection is in its sub-reactor's list, under the name its accept gave it.
    expect(snap.epolls.map((e) => e.owner)).toEqual(['reactor', 'reactor-1', 'reactor-2']);
    expect(snap.snapshot.connections.map((c) => [c.loop, c.name])).toEqual([
      [1, 's2'],
      [2, 's3'],
    ]);
    for (const c of snap.snapshot.connections) {
      expect(sockets(snap.epolls[c.loop]?.interest ?? []).map((i) => i.name)).toEqual([c.name]);
    }
    const hello = v.messages[0] as LiveHello;
    expect(hello.threads).toBe(2);
    for (const c of clients) await closeClient(c);
  });

  it('a viewer that stops reading costs the server at most maxBufferedBytes (plus a message), then gets a gap and goes on', async () => {
    const cap = 256 * 1024;
    const { server, port } = await startServer({ port: 0, app: 'echo', live: { port: 0, maxBufferedBytes: cap } });
    const slow = await attach(liveUrl(server.address() ?? {}));
    await slow.next(isType('snapshot'), 'the first snapshot');
    slow.ws.pause();
    // Eight clients in ping-pong: some 100,000 records a second, far more than a paused viewer takes.
    const clients = await Promise.all(Array.from({ length: 8 }, () => connect(port)));
    const ping = new Uint8Array(64).fill(1);
    for (const c of clients) {
      c.on('data', () => c.write(ping));
      c.on('error', () => undefined);
      c.write(ping);
    }
    let peak = 0;
    const sample = setInterval(() => (peak = Math.max(peak, server.stats().liveBuffered)), 5);
    try {
      await waitFor('records dropped for the slow viewer', () => server.stats().liveDropped > 0, 20_000);
      // It stays dropping while it does not read: the server's queue for it does not grow.
      const dropped = server.stats().liveDropped;
      await waitFor('more records dropped', () => server.stats().liveDropped > dropped * 2, 20_000);
    } finally {
      clearInterval(sample);
    }
    // One message is at most 2000 records (a few hundred bytes each).
    expect(peak).toBeLessThanOrEqual(cap + 1024 * 1024);
    expect(server.stats().liveBuffered).toBeLessThanOrEqual(cap + 1024 * 1024);
    const mark = slow.messages.length;
    slow.ws.resume();
    const gap = await slow.next<LiveGap>(isType('gap'), 'a gap', mark, 20_000);
    expect(gap.dropped).toBeGreaterThan(0);
    expect(gap.to - gap.from + 1).toBe(gap.dropped);
    // Then a snapshot of the state after the gap, then records right after it.
    const at = slow.messages.indexOf(gap);
    const after = slow.messages[at + 1] as LiveSnapshot;
    expect(after.type).toBe('snapshot');
    expect(after.seq).toBeGreaterThanOrEqual(gap.to);
    const nextRecords = await slow.next<LiveRecords>(isType('records'), 'records after the gap', at + 1, 20_000);
    expect(nextRecords.records[0]?.seq).toBe(after.seq + 1);
    // Before the gap, every record arrived in order up to gap.from.
    const before = slow.messages.slice(0, at).filter((m): m is LiveRecords => m.type === 'records').flatMap((m) => m.records);
    expect(before.at(-1)?.seq).toBe(gap.from - 1);
    for (const c of clients) c.destroy();
  }, 60_000);

  it('refuses a ninth viewer with close code 1013 and a reason', async () => {
    const { server } = await startServer({ port: 0, app: 'echo', live: true });
    const url = liveUrl(server.address() ?? {});
    const viewers = await Promise.all(Array.from({ length: 8 }, () => attach(url)));
    await Promise.all(viewers.map((v) => v.next(isType('snapshot'), 'a snapshot')));
    expect(server.stats().liveClients).toBe(8);
    const ninth = await attach(url);
    expect(await ninth.whenClosed()).toEqual({ code: 1013, reason: 'edgeloop live view: 8 viewers are attached already (the limit)' });
    expect(ninth.messages).toEqual([]);
    // One leaves: there is room again.
    viewers[0]?.ws.close();
    await viewers[0]?.whenClosed();
    await waitFor('the viewer gone', () => server.stats().liveClients === 7);
    const again = await attach(url);
    await again.next(isType('hello'), 'hello');
  });

  it('accepts a page served from loopback and refuses one from another site (Origin)', async () => {
    const { server } = await startServer({ port: 0, app: 'echo', live: true });
    const url = liveUrl(server.address() ?? {});
    const local = await attach(url, { origin: 'http://127.0.0.1:5173' });
    await local.next(isType('hello'), 'hello');
    await expect(attach(url, { origin: 'https://example.com' })).rejects.toThrow(/403/);
    // A browser pointed at it as a web page is told what it is.
    const res = await fetch(url.replace(/^ws:/, 'http:'));
    expect(res.status).toBe(426);
    expect(await res.text()).toMatch(/^edgeloop live view: a WebSocket endpoint/);
  });

  it.each([
    ['0.0.0.0', 'live.host'],
    ['192.0.2.1', 'live.host'],
    ['::', 'live.host'],
    ['example.com', 'live.host'],
  ])('refuses live.host %s: ERR_INVALID_ARG naming %s', (host, field) => {
    let err: unknown;
    try {
      createServer({ port: 0, live: { host } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EdgeloopError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG', argument: field });
    expect((err as Error).message).toContain(`"${field}" must be a loopback address`);
  });

  it.each([
    [{ live: 'yes' }, 'live'],
    [{ live: { port: -1 } }, 'live.port'],
    [{ live: { port: 70000 } }, 'live.port'],
    [{ live: { maxBufferedBytes: 10 } }, 'live.maxBufferedBytes'],
    [{ live: { colour: 'red' } }, 'live.colour'],
  ])('refuses %j naming %s', (extra, field) => {
    expect(() => createServer({ port: 0, ...(extra as object) })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG', argument: field }));
  });

  it.skipIf(noIpv6)('listens on ::1 when asked', async () => {
    const { server } = await startServer({ port: 0, app: 'echo', live: { host: '::1' } });
    expect(server.address()?.live?.url).toMatch(/^ws:\/\/\[::1\]:\d+$/);
    const v = await attach(liveUrl(server.address() ?? {}));
    await v.next(isType('hello'), 'hello');
  });

  it('a live port in use: listen() rejects with EADDRINUSE naming live.port, and the server port is not taken', async () => {
    const other = net.createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const taken = (other.address() as net.AddressInfo).port;
    try {
      const server = createServer({ port: 0, app: 'echo', live: { port: taken } });
      await expect(server.listen()).rejects.toMatchObject({ code: 'EADDRINUSE', errno: 'EADDRINUSE', argument: 'live.port' });
      expect(server.listening).toBe(false);
      expect(server.address()).toBeNull();
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('close() sends bye to each viewer, closes them with 1001 and resolves promptly, a viewer that does not read included', async () => {
    const server = createServer({ port: 0, app: 'echo', live: true });
    await server.listen();
    const url = liveUrl(server.address() ?? {});
    const [a, stuck] = [await attach(url), await attach(url)];
    await Promise.all([a, stuck].map((v) => v.next(isType('snapshot'), 'a snapshot')));
    stuck.ws.pause();
    const t0 = Date.now();
    await server.close();
    expect(Date.now() - t0).toBeLessThan(2000);
    const bye = await a.next<LiveBye>(isType('bye'), 'bye');
    expect(bye).toMatchObject({ reason: 'the server closed', stats: { accepting: false, liveClients: 0 } });
    expect(await a.whenClosed()).toEqual({ code: 1001, reason: 'the server closed' });
    expect(server.stats().liveClients).toBe(0);
    // The port is free: nothing listens there any more.
    await expect(attach(url)).rejects.toThrow(/ECONNREFUSED/);
    stuck.ws.terminate();
  });
});

describe('edgeloop serve --live', () => {
  it('prints the live URL and a playground link that attaches to it; the viewer gets bye at SIGTERM', async () => {
    const child = start(cli(), ['serve', '--app', 'echo', '--port', '0', '--live']);
    const done = finished(child, 15_000);
    let viewer: Viewer | null = null;
    try {
      const m = await waitForLine(child, /edgeloop: live view on (ws:\/\/127\.0\.0\.1:(\d+)); in the playground \(npm start\): (\S+)\n/);
      const [, url, , link] = m;
      expect(link).toBe(`http://127.0.0.1:5173/#live=${url}`);
      viewer = await attach(url as string);
      const hello = await viewer.next<LiveHello>(isType('hello'), 'hello');
      expect(hello.options.app).toBe('echo');
    } finally {
      child.kill('SIGTERM');
    }
    const r = await done;
    expect(r.code).toBe(0);
    await viewer.next(isType('bye'), 'bye');
  });

  it('--live PORT listens there; --live-host must be loopback (exit 2 naming the flag)', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const free = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const child = start(cli(), ['serve', '--port', '0', '--live', String(free)]);
    const done = finished(child, 15_000);
    try {
      await waitForLine(child, new RegExp(`live view on ws://127\\.0\\.0\\.1:${free};`));
      // Served: serve is past its start-up and handles SIGTERM.
      await (await attach(`ws://127.0.0.1:${free}`)).next(isType('hello'), 'hello');
    } finally {
      child.kill('SIGTERM');
    }
    expect((await done).code).toBe(0);
    const bad = await finished(start(cli(), ['serve', '--port', '0', '--live', '--live-host', '0.0.0.0']));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^edgeloop serve: --live-host must be a loopback address/);
  });
});
