// `edgeloop serve --trace file.jsonl` records the real server's syscalls:
// valid JSON Lines (the simulation's format) with the reactor's accept,
// read and write records, complete once the process has exited.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import type { TraceRecord } from '../src/index.js';
import { finished, start, useCli, waitForLine } from './helpers/cli.js';
import { closeClient, connect, echoRoundTrip } from './helpers/server.js';

const cli = useCli();
const dir = mkdtempSync(join(tmpdir(), 'edgeloop-cli-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `edgeloop serve` with `args` (a --trace among them) on a free port: `use`
 * talks to it, then it gets SIGTERM; what it exited with.
 */
async function serveTraced(args: string[], timeoutMs: number, use: (port: number) => Promise<void>): Promise<Awaited<ReturnType<typeof finished>>> {
  const child = start(cli(), ['serve', '--port', '0', ...args]);
  const done = finished(child, timeoutMs);
  try {
    const [, , port] = await waitForLine(child, /serving (\S+) on 127\.0\.0\.1:(\d+) \(.*trace: /);
    await use(Number(port));
  } finally {
    child.kill('SIGTERM');
  }
  return done;
}

/** One client: connect, `msg` echoed back, close. */
async function echoOnce(port: number, msg: string): Promise<void> {
  const s = await connect(port);
  expect(String(await echoRoundTrip(s, new TextEncoder().encode(msg)))).toBe(msg);
  await closeClient(s);
}

describe('edgeloop serve --trace', () => {
  it('writes valid JSONL with the reactor accept/read/write records', async () => {
    const file = join(dir, 'serve.jsonl');
    const done = await serveTraced(['--threads', '2', '--trace', file], 15_000, async (port) => {
      for (const msg of ['one', 'two']) await echoOnce(port, msg);
    });
    expect(done.code).toBe(0);

    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const [header, ...records] = text.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(header).toEqual({ type: 'header', version: 1, kernel: 'linux', seed: null });
    const rs = records as TraceRecord[];
    expect(rs.map((r) => r.seq)).toEqual(rs.map((_, i) => i + 1));

    const accepts = rs.filter((r) => r.actor === 'reactor' && r.call === 'accept' && typeof r.ret === 'number');
    expect(accepts.map((r) => r.created)).toEqual(['s2', 's3']);
    // Round robin: the first connection's I/O is on sub-reactor 1, the second's on 2.
    for (const [name, actor, msg] of [['s2', 'reactor-1', 'one'], ['s3', 'reactor-2', 'two']] as const) {
      expect(rs.find((r) => r.call === 'read' && r.name === name && r.ret === msg.length)).toMatchObject({ actor });
      expect(rs.find((r) => r.call === 'write' && r.name === name)).toMatchObject({ actor, ret: msg.length });
      expect(rs.find((r) => r.call === 'close' && r.name === name)).toMatchObject({ actor, ret: 0 });
    }
  });

  it('two sub-reactors, 300 connections opened and closed one after another: the file parses, and each connection has one close, on the loop that served it', async () => {
    // A close on one loop and the accept of the next connection on another get the same fd number. Records were
    // appended after their calls returned, so the accept's could come first and the close then named the new socket
    // (26 of 296 connections in a stress run); and two threads writing one loop kernel's record at once cut the file.
    const file = join(dir, 'many.jsonl');
    const done = await serveTraced(['--threads', '2', '--trace', file], 30_000, async (port) => {
      for (let i = 0; i < 300; i++) await echoOnce(port, 'x');
    });
    expect(done.code).toBe(0);
    const records = readFileSync(file, 'utf8').trimEnd().split('\n').slice(1).map((l) => JSON.parse(l) as TraceRecord);
    const servedBy = new Map<string, string>();
    const closedBy = new Map<string, string[]>();
    for (const r of records) {
      if (!r.actor.startsWith('reactor-') || typeof r.name !== 'string' || r.name.startsWith('ev')) continue;
      if (r.call === 'read' && typeof r.ret === 'number' && r.ret > 0) servedBy.set(r.name, r.actor);
      if (r.call === 'close') closedBy.set(r.name, [...(closedBy.get(r.name) ?? []), r.actor]);
    }
    expect(servedBy.size).toBe(300);
    const wrong = [...servedBy].filter(([name, actor]) => JSON.stringify(closedBy.get(name)) !== JSON.stringify([actor]));
    expect(wrong).toEqual([]);
  });

  it.runIf(existsSync('/dev/full'))('says when the trace file cannot be written (a full disk: /dev/full), serves on, exits 1', async () => {
    const r = await serveTraced(['--trace', '/dev/full'], 15_000, (port) => echoOnce(port, 'still served'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/edgeloop serve: the trace file \/dev\/full cannot be written \(.*ENOSPC.*\); it ends there, the server goes on/);
    expect(r.stderr.match(/cannot be written/g)).toHaveLength(1);
  });
});
