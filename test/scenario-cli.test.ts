// `edgeloop replay`: exit 0 when every expectation holds, 1 naming the
// first failed expectation, 2 for a bad command line or an invalid scenario
// (every validation error listed with its path).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { replay } from '../src/cli/replay.js';
import { builtinScenario, listBuiltinScenarios } from '../src/index.js';
import { ENGINES } from './helpers/sim.js';

const dir = mkdtempSync(join(tmpdir(), 'edgeloop-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await replay(args, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    readFile: (p) => readFileSync(p, 'utf8'),
  });
  return { code, out, err };
}

function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

const engine = ENGINES[0] ?? 'wasm';

describe('edgeloop replay', () => {
  it('exit 0: prints the trace with a heading per action, then PASS', async () => {
    const path = file('storm.json', builtinScenario('accept-storm'));
    const r = await cli(path, '--engine', engine);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('-- steps[1] step [storm]');
    expect(r.out).toMatch(/reactor accept\(s1\) = EAGAIN/);
    const last = r.out.trimEnd().split('\n').pop();
    expect(last).toMatch(new RegExp(`^PASS .*storm\\.json \\(sim/${engine}, tcp, edgeloop, seed 1\\): 6 expectations held`));
  });

  it('exit 1: names the first failed expectation on the last line', async () => {
    const r = await cli('builtin:epollout-left-on', '--engine', engine, '--variant', 'edgeloop', '--quiet');
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^FAIL builtin:epollout-left-on \(.*edgeloop.*\): 3 of 4 expectations failed/);
    expect(lines.at(-1)).toMatch(/^first failure: expect\[1\] \("a wakeup with EPOLLOUT on every idle step"\)/);
  });

  it('--json: one JSON object for the result (no trace), and the list as a JSON array', async () => {
    const fail = await cli('builtin:epollout-left-on', '--engine', engine, '--variant', 'edgeloop', '--json');
    expect(fail.code).toBe(1);
    expect(fail.err).toBe('');
    const r = JSON.parse(fail.out) as Record<string, unknown>;
    expect(r).toMatchObject({ ok: false, source: 'builtin:epollout-left-on', name: 'epollout-left-on', engine, expectations: 4, stoppedAt: null });
    expect(r.options).toMatchObject({ variant: 'edgeloop' });
    expect((r.failures as Array<{ path: string }>).map((f) => f.path)).toContain('expect[1].count');
    expect(r.records).toBeGreaterThan(0);
    const pass = await cli('builtin:epollout-left-on', '--engine', engine, '--json');
    expect(pass.code).toBe(0);
    expect(JSON.parse(pass.out)).toMatchObject({ ok: true, failures: [] });
    const list = await cli('--list', '--json');
    const entries = JSON.parse(list.out) as Array<{ name: string; source: string }>;
    expect(entries.map((e) => e.name)).toEqual(listBuiltinScenarios().map((s) => s.name));
    expect(entries[0]?.source).toBe(`builtin:${entries[0]?.name}`);
    expect((await cli('builtin:accept-storm', '--json', '--jsonl')).code).toBe(2);
  });

  it('exit 2: a malformed file lists every validation error with its path', async () => {
    const doc = builtinScenario('high-water-mark') as unknown as Record<string, unknown>;
    delete doc.version;
    (doc.options as Record<string, unknown>).sndbuf = -1;
    (doc.steps as Array<Record<string, unknown>>)[1] = { do: 'flood', peer: 'client', steps: 'many', label: 'flood' };
    (doc.expect as Array<Record<string, unknown>>).push({ check: 'peer', peer: 'ghost', eof: true });
    const r = await cli(file('bad.json', doc), '--engine', engine);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.trimEnd().split('\n');
    expect(lines[0]).toMatch(/bad\.json is not a valid scenario \(4 errors\):$/);
    expect(lines.slice(1).map((l) => l.trim().split(':')[0])).toEqual(['version', 'options.sndbuf', 'steps[1].steps', 'expect[6].peer']);
    expect(r.err).toContain('steps[1].steps: must be a positive integer');
  });

  it('exit 2: not JSON, a missing file, an unknown built-in, bad flags', async () => {
    const notJson = await cli(file('broken.json', '{ "version": 1,'));
    expect(notJson.code).toBe(2);
    expect(notJson.err).toMatch(/\(document\): is not valid JSON/);
    expect((await cli(join(dir, 'missing.json'))).err).toMatch(/cannot read/);
    const unknown = await cli('builtin:nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/no built-in scenario "nope" \(known: large-response-slow-reader,/);
    expect(await cli('builtin:accept-storm', '--frobnicate')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown option --frobnicate/) });
    expect(await cli('builtin:accept-storm', '--engine', 'gpu')).toMatchObject({ code: 2, err: expect.stringMatching(/--engine must be native, wasm or linux/) });
    expect(await cli('builtin:accept-storm', '--variant', 'day27')).toMatchObject({ code: 2, err: expect.stringMatching(/--variant: must be one of/) });
    expect(await cli('builtin:accept-storm', '--sndbuf', '1.5')).toMatchObject({ code: 2, err: expect.stringMatching(/--sndbuf must be a whole number/) });
    expect(await cli('a.json', 'b.json')).toMatchObject({ code: 2 });
    expect(await cli()).toMatchObject({ code: 2, err: expect.stringMatching(/--list/) });
  });

  it('--jsonl prints the raw trace on stdout and the summary on stderr', async () => {
    const r = await cli('builtin:et-partial-read', '--engine', engine, '--jsonl');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ type: 'header', version: 1, kernel: 'sim', seed: 1 });
    expect(lines.some((l) => l.actor === 'scenario')).toBe(true);
    expect(r.err).toMatch(/^PASS builtin:et-partial-read/);
  });

  it.skipIf(process.platform !== 'linux')('--engine linux: the same scenario on real sockets, the same verdict', async () => {
    const r = await cli('builtin:half-close-pending-output', '--engine', 'linux');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/reactor read\(s3, max=65536\) = 0/);
    expect(r.out.trimEnd().split('\n').pop()).toMatch(/^PASS builtin:half-close-pending-output \(linux, unix, edgeloop\): 3 expectations held/);
    const j = await cli('builtin:epollout-left-on', '--engine', 'linux', '--variant', 'edgeloop', '--jsonl');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out.split('\n', 1)[0] as string)).toEqual({ type: 'header', version: 1, kernel: 'linux', seed: null });
    expect(j.err).toMatch(/^FAIL builtin:epollout-left-on \(linux, unix, edgeloop\)/);
  });

  it('--list names every built-in scenario; --help', async () => {
    const r = await cli('--list');
    expect(r.code).toBe(0);
    for (const s of listBuiltinScenarios()) expect(r.out).toContain(`builtin:${s.name}`);
    const h = await cli('--help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^Usage: edgeloop replay/);
  });
});
