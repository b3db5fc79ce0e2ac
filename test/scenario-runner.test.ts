// runScenario: deterministic, bounded, and usable from a user's own vitest
// suite. Failures name the expectation (or the script step) and the field.
import { describe, expect, it } from 'vitest';

import { runScenario as runInBrowserEntry } from '../src/browser.js';
import { builtinScenario, runScenario, type ScenarioDocument } from '../src/index.js';
import { ENGINES } from './helpers/sim.js';

const engine = ENGINES[0] ?? 'wasm';

function echo(): ScenarioDocument {
  return {
    version: 1,
    name: 'echo-group',
    title: 'Three peers say hello',
    explanation: 'Three peers connect to the echo server, each writes five bytes and reads them back.',
    options: { family: 'unix', app: 'echo' },
    peers: [{ name: 'p', count: 3 }, { name: 'quiet', reading: false }],
    steps: [
      { do: 'connect', peer: 'p' },
      { do: 'connect', peer: 'quiet' },
      { do: 'step', label: 'accept' },
      { do: 'write', peer: 'p', data: 'hello' },
      { do: 'write', peer: 'quiet', bytes: 10 },
      { do: 'run', maxSteps: 20, label: 'echo' },
    ],
    expect: [
      { check: 'server', accepted: 4, open: 4, at: 'accept' },
      { check: 'peer', peer: 'p', text: 'hello', eof: false, error: null, accepted: true },
      { check: 'peer', peer: 'p2', receivedAllWritten: true, writtenBytes: 5 },
      { check: 'connection', peer: 'quiet', peerReceiveQueue: 10, sendBuf: 0, state: 'connected', registered: true },
      { check: 'peer', peer: 'quiet', receivedBytes: 0, writtenBytes: 10 },
      { check: 'trace', match: { actor: 'p', call: 'read', ret: 5 }, count: 3, description: 'each member reads its echo' },
      { check: 'order', first: { actor: 'app', call: 'connection', conn: 'p1' }, then: { actor: 'app', call: 'connection', conn: 'p3' } },
      { check: 'trace', match: { actor: 'reactor', call: 'epollWait', wakeup: true }, count: { max: 3 }, during: 'echo' },
    ],
  };
}

describe('runScenario', () => {
  it('can be asserted on from a user test suite', async () => {
    const r = await runScenario(echo(), { engine });
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.snapshot.connections).toHaveLength(4);
    expect(r.actions.map((a) => a.do)).toEqual(['connect', 'connect', 'step', 'write', 'write', 'run']);
    const echoSpan = r.actions[5];
    expect(echoSpan?.label).toBe('echo');
    expect(echoSpan && echoSpan.stepTo > echoSpan.stepFrom).toBe(true);
    expect(r.records[echoSpan?.recordFrom ?? 0]).toMatchObject({ actor: 'scenario', call: 'action', args: { index: 5, do: 'run' } });
    expect(r.trace.split('\n')[0]).toBe('{"type":"header","version":1,"kernel":"sim","seed":1}');
  });

  it('returns records that are the trace it returns, fixed once it returns', async () => {
    const r = await runScenario(echo(), { engine });
    // The trace's lines after the header are the records, one for one: what
    // the teardown after the result was taken writes (the server closing its
    // fds) is in neither.
    const lines = r.trace.trimEnd().split('\n').slice(1);
    expect(r.records).toHaveLength(lines.length);
    expect(r.records.map((rec) => JSON.stringify(rec))).toEqual(lines);
  });

  it('is deterministic, and expectations never change the trace', async () => {
    const a = await runScenario(echo(), { engine });
    const b = await runScenario({ ...echo(), expect: [] }, { engine });
    expect(b.trace).toBe(a.trace);
    expect(JSON.stringify(b.snapshot)).toBe(JSON.stringify(a.snapshot));
  });

  it('names the failed expectation, its field and its description', async () => {
    const doc = echo();
    doc.expect = [
      { check: 'peer', peer: 'p', text: 'hello' },
      { check: 'peer', peer: 'p', receivedBytes: { min: 6 }, description: 'more than was sent' },
      { check: 'connection', peer: 'quiet', interestHas: ['EPOLLOUT'] },
      { check: 'trace', match: { actor: 'reactor', call: 'write', err: 'any' }, count: { min: 1 } },
      { check: 'order', first: { actor: 'app', call: 'connection', conn: 'p3' }, then: { actor: 'app', call: 'connection', conn: 'p1' } },
    ];
    const r = await runScenario(doc, { engine });
    expect(r.ok).toBe(false);
    expect(r.failures.map((f) => [f.expectation, f.path])).toEqual([
      [1, 'expect[1].receivedBytes'],
      [2, 'expect[2].interestHas'],
      [3, 'expect[3].count'],
      [4, 'expect[4].then'],
    ]);
    expect(r.failures[0]).toMatchObject({ description: 'more than was sent', message: 'peer "p1" received 5 bytes, expected at least 6' });
    expect(r.failures[1]?.message).toBe('the connection of "quiet": interest is EPOLLIN|EPOLLPRI|EPOLLET, expected it to have EPOLLOUT');
  });

  it('a run that does not reach its condition fails that step and the script goes on', async () => {
    const doc = echo();
    doc.steps.push({ do: 'run', until: { check: 'peer', peer: 'quiet', eof: true }, maxSteps: 5, label: 'never' });
    doc.steps.push({ do: 'write', peer: 'p1', data: '!' });
    doc.expect = [{ check: 'peer', peer: 'p1', writtenBytes: 6 }];
    const r = await runScenario(doc, { engine });
    expect(r.failures).toEqual([
      { expectation: null, path: 'steps[6]', message: 'until did not hold: peer "quiet": eof is false, expected true within maxSteps 5' },
    ]);
    expect(r.stoppedAt).toBeNull();
    expect(r.steps).toBeGreaterThanOrEqual(6);
  });

  it('an action that cannot run stops the script; later checks are reported as not checked', async () => {
    const doc = echo();
    doc.steps.splice(0, 1); // p never connects
    doc.expect = [
      { check: 'server', accepted: 1, at: 'accept' },
      { check: 'peer', peer: 'p1', receivedBytes: 0, at: 'echo' },
      { check: 'peer', peer: 'quiet', accepted: true },
    ];
    const r = await runScenario(doc, { engine });
    expect(r.stoppedAt).toBe(2);
    expect(r.failures.map((f) => f.path)).toEqual(['steps[2]', 'expect[1]']);
    expect(r.failures[0]?.message).toMatch(/peer "p1" has no socket/);
    expect(r.failures[1]?.message).toBe('not checked: the script stopped at steps[2] before steps[4] ran');
  });

  it('is bounded: limits.maxSteps stops a reactor that never goes idle', async () => {
    const doc = builtinScenario('epollout-left-on');
    doc.steps.push({ do: 'run', maxSteps: 1_000_000, label: 'forever' });
    doc.limits = { maxSteps: 500 };
    doc.expect.push({ check: 'server', open: 1, at: 'forever' });
    const started = Date.now();
    const r = await runScenario(doc, { engine });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.steps).toBe(500);
    expect(r.stoppedAt).toBe(4);
    expect(r.failures.map((f) => f.path)).toEqual(['limits.maxSteps', `expect[${doc.expect.length - 1}]`]);
  });

  it('has an optional wall-clock limit', async () => {
    const doc = builtinScenario('high-water-mark');
    const r = await runScenario(doc, { engine, options: { variant: 'day26-as-written' }, timeLimitMs: 1 });
    expect(r.ok).toBe(false);
    expect(r.failures.some((f) => f.message === 'the wall-clock time limit ran out')).toBe(true);
  });

  it('applies knobs over the document (family, sizes, seed, read rate)', async () => {
    const doc = builtinScenario('half-close-pending-output');
    const r = await runScenario(doc, { engine, options: { family: 'tcp', seed: 9, peerReadRate: 4096 } });
    expect(r.options).toMatchObject({ family: 'tcp', seed: 9, peerReadRate: 4096, app: 'echo' });
    expect(r.trace.split('\n')[0]).toContain('"seed":9');
    expect(r.records.some((x) => x.call === 'socket' && x.args.family === 'tcp')).toBe(true);
    expect(r.failures).toEqual([]);
  });

  it('onStep sees every reactor step (a player takes its snapshots there)', async () => {
    const seen: Array<{ step: number; action: number; sendBuf: number }> = [];
    const r = await runScenario(builtinScenario('half-close-pending-output'), {
      engine,
      onStep: ({ step, action, sim }) => seen.push({ step, action, sendBuf: sim.snapshot().connections[0]?.sendBuf ?? 0 }),
    });
    expect(seen.map((s) => s.step)).toEqual(Array.from({ length: r.steps }, (_, i) => i + 1));
    for (const span of r.actions) {
      expect(seen.filter((s) => s.action === span.index).length).toBe(span.stepTo - span.stepFrom);
    }
    expect(Math.max(...seen.map((s) => s.sendBuf))).toBeGreaterThan(0);
    const plain = await runScenario(builtinScenario('half-close-pending-output'), { engine });
    expect(plain.trace).toBe(r.trace);
  });

  it('runs from the browser entry on the wasm engine, with the same trace', async () => {
    const a = await runInBrowserEntry(builtinScenario('accept-storm'));
    expect(a.engine).toBe('wasm');
    expect(a.failures).toEqual([]);
    if (ENGINES.includes('native')) {
      const b = await runScenario(builtinScenario('accept-storm'), { engine: 'native' });
      expect(b.trace).toBe(a.trace);
    }
  });
});
