// createServer({ trace }) writes the real server's syscalls (and its app
// events) as a JSON Lines trace in the simulation's format: a header line,
// then one record per line with stable fd names, accept/read/write included.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { TraceRecord } from '../src/index.js';
import { closeClient, connect, echoRoundTrip, useServers } from './helpers/server.js';

const start = useServers();
const dir = mkdtempSync(join(tmpdir(), 'edgeloop-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([0, 2])('real server trace, threads: %i', (threads) => {
  it('is valid JSONL with the reactor accept/read/write and app records', async () => {
    const file = join(dir, `t${threads}.jsonl`);
    const { server, port } = await start({ port: 0, app: 'echo', threads, trace: file });
    const s = await connect(port);
    expect(String(await echoRoundTrip(s, new TextEncoder().encode('traced')))).toBe('traced');
    await closeClient(s);
    await server.close();

    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe(''); // every line ends in \n
    const [header, ...records] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(header).toEqual({ type: 'header', version: 1, kernel: 'linux', seed: null });
    const rs = records as unknown as TraceRecord[];
    expect(rs.map((r) => r.seq)).toEqual(rs.map((_, i) => i + 1));
    for (const r of rs) {
      expect(Object.keys(r).slice(0, 4)).toEqual(['seq', 't', 'actor', 'call']);
      expect(typeof r.t).toBe('number');
    }

    const listen = rs.find((r) => r.call === 'listen');
    expect(listen).toMatchObject({ actor: 'reactor', name: 's1', ret: 0 });
    const accept = rs.find((r) => r.call === 'accept' && typeof r.ret === 'number');
    expect(accept).toMatchObject({ actor: 'reactor', name: 's1', created: 's2' });
    // The connection's I/O is recorded by the reactor that owns it.
    const owner = threads === 0 ? 'reactor' : 'reactor-1';
    expect(rs.find((r) => r.call === 'read' && r.name === 's2' && r.ret === 6)).toMatchObject({ actor: owner });
    expect(rs.find((r) => r.call === 'write' && r.name === 's2')).toMatchObject({ actor: owner, ret: 6 });
    expect(rs.some((r) => r.call === 'epollWait' && r.events?.some((e) => e.name === 's2'))).toBe(true);
    // The app's view, as in the simulation's traces.
    expect(rs.filter((r) => r.actor === 'app').map((r) => r.call)).toEqual(['connection', 'message', 'writeComplete', 'close']);
    expect(rs.find((r) => r.actor === 'app' && r.call === 'message')).toMatchObject({ args: { conn: 1, length: 6 } });
  });
});
