// Compare by meaning (playground/src/compare-meaning.ts): two variants' runs
// lined up by reactor step, and the first step where they *behave*
// differently, named by what differs. Issue 14 point 1: by position, the
// first divergence of every built-in pairing is the EPOLLET bit in the ADD
// mask, never the lesson; by meaning, each pairing's divergence is the
// lesson its explanation names.
import { beforeAll, describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, runScenario, type TraceRecord, type VariantName } from '../src/index.js';
import { firstDivergence } from '../playground/src/compare.js';
import { behaviourSteps, firstBehaviourDivergence, type BehaviourDivergence } from '../playground/src/compare-meaning.js';
import type { TraceModel } from '../playground/src/trace-model.js';

const runs = new Map<string, Map<VariantName, readonly TraceRecord[]>>();

beforeAll(async () => {
  for (const b of listBuiltinScenarios()) {
    if (!b.contrast) continue;
    const byVariant = new Map<VariantName, readonly TraceRecord[]>();
    for (const variant of [b.variant, b.contrast.variant]) byVariant.set(variant, (await runScenario(builtinScenario(b.name), { options: { variant } })).records);
    runs.set(b.name, byVariant);
  }
}, 120_000);

function pair(name: string, a: VariantName, b: VariantName): { a: readonly TraceRecord[]; b: readonly TraceRecord[]; d: BehaviourDivergence } {
  const ra = runs.get(name)?.get(a);
  const rb = runs.get(name)?.get(b);
  if (!ra || !rb) throw new Error(`no runs of ${name} with ${a} and ${b}`);
  const d = firstBehaviourDivergence(ra, rb);
  if (!d) throw new Error(`${name}: the runs behave alike`);
  return { a: ra, b: rb, d };
}

const asModel = (records: readonly TraceRecord[]): TraceModel => ({ n: records.length, records }) as unknown as TraceModel;

describe('compare by meaning, every built-in pairing', () => {
  it('by position the first difference is the registration (the EPOLLET bit); by meaning it is never that', () => {
    expect(runs.size).toBeGreaterThanOrEqual(9);
    for (const [name, byVariant] of runs) {
      const [a, b] = [...byVariant.values()] as [readonly TraceRecord[], readonly TraceRecord[]];
      const t = firstDivergence(asModel(a), asModel(b));
      expect(t, name).not.toBeNull();
      // What the positional compare lands on: an epoll_ctl whose masks differ in their trigger bits.
      const at = a[t as number] as TraceRecord;
      expect(`${name}: ${at.call}`).toBe(`${name}: epollCtl`);
      const d = firstBehaviourDivergence(a, b);
      expect(d, name).not.toBeNull();
      expect((d as BehaviourDivergence).step, name).toBeGreaterThan(0);
    }
  });

  it("day 25's write-all drops the response where edgeloop queues it and turns EPOLLOUT on", () => {
    for (const name of ['large-response-slow-reader', 'large-response-day25-write-all']) {
      const { d } = pair(name, 'edgeloop', 'day25-write-all');
      expect(d.facet).toBe('dropped');
      expect(d.facets).toContain('epollout');
      expect(d.a).toBe('0 drops so far');
      expect(d.b).toMatch(/^[1-9]\d* drops? so far$/);
    }
  });

  it('day 26 leaves EPOLLOUT on once send_buf_ is empty; edgeloop turns it off (both scenarios about it)', () => {
    for (const name of ['epollout-off-when-drained', 'epollout-left-on']) {
      const { a, b, d } = pair(name, 'edgeloop', 'day26-as-written');
      expect(d.facet).toBe('epollout');
      expect(d.a).toBe('on for no connection');
      expect(d.b).toBe('on for connection 1');
      // Each side's record is its own: edgeloop's MOD that takes EPOLLOUT off.
      const off = a[d.indexA] as TraceRecord;
      expect(off.call).toBe('epollCtl');
      expect(off.args).toMatchObject({ op: 'MOD' });
      expect(String(off.args.events)).not.toContain('EPOLLOUT');
      // Aligned by step, not by position: day 26 gets there in many more events.
      expect(d.indexB).toBeGreaterThan(d.indexA);
      expect(b[d.indexB]?.call).toBe('epollWait');
    }
  });

  it('et-partial-read behaves alike in outcome; only the calls differ (1 KiB reads against 64 KiB)', () => {
    const { d } = pair('et-partial-read', 'edgeloop', 'day26-as-written');
    expect(d.facets).toEqual(['calls']);
    const reads = (s: string): number => Number(/read ×([\d,]+)/.exec(s)?.[1]?.replace(/,/g, ''));
    expect(reads(d.b)).toBeGreaterThan(reads(d.a) * 10);
  });

  it('half-close: the tutorial closes at the end of file and drops what send_buf_ held', () => {
    const { d } = pair('half-close-pending-output', 'edgeloop', 'day26-as-written');
    expect(d.facet).toBe('dropped');
    expect(d.facets).toContain('closed');
  });

  it('the high-water mark stops edgeloop reading; the tutorial reads on', () => {
    const { d } = pair('high-water-mark', 'edgeloop', 'day26-as-written');
    expect(d.facet).toBe('read');
    const bytes = (s: string): number => Number(/connection 1 ([\d,]+) B/.exec(s)?.[1]?.replace(/,/g, ''));
    expect(bytes(d.b)).toBeGreaterThan(bytes(d.a));
  });

  it('the high-water mark with policy close: edgeloop closes the connection, the tutorial keeps it', () => {
    const { d } = pair('high-water-mark-close', 'edgeloop', 'day26-as-written');
    expect(d.facets).toContain('closed');
    expect(d.facets).toContain('dropped');
  });
});

describe('compare by meaning, the rules', () => {
  const rec = (actor: string, call: string, extra: Partial<TraceRecord> = {}): TraceRecord => ({ seq: 0, t: 0, actor, call, args: {}, ...extra });
  const run = (connName: string, delivered: number): TraceRecord[] => [
    rec('reactor', 'epollWait', { ret: 1, events: [{ fd: 3, name: 'l3', events: 'EPOLLIN' }] }),
    rec('reactor', 'accept', { name: 'l3', ret: 5, created: connName }),
    rec('reactor', 'epollCtl', { name: 'ep1', args: { op: 'ADD', fd: 5, name: connName, events: 'EPOLLIN|EPOLLET' }, ret: 0 }),
    rec('reactor', 'epollWait', { ret: 1, events: [{ fd: 5, name: connName, events: 'EPOLLIN' }] }),
    rec('reactor', 'read', { name: connName, args: { bytes: 100 }, ret: 10 }),
    rec('reactor', 'write', { name: connName, args: { bytes: 10 }, ret: 10 }),
    rec('c1', 'read', { name: 'c1s', args: { bytes: 100 }, ret: delivered }),
  ];

  it('connections are named by accept order, so different fd names behave alike', () => {
    expect(firstBehaviourDivergence(run('s5', 10), run('s9', 10))).toBeNull();
  });

  it('what a client received, by client, is the first thing compared', () => {
    const d = firstBehaviourDivergence(run('s5', 10), run('s5', 4));
    expect(d).toMatchObject({ step: 2, facet: 'delivered', a: 'c1 10 B', b: 'c1 4 B', indexA: 6, indexB: 6 });
  });

  it('the registration alone (EPOLLET or not) is not a difference of behaviour', () => {
    const lt = run('s5', 10).map((r) => (r.call === 'epollCtl' ? { ...r, args: { ...r.args, events: 'EPOLLIN' } } : r));
    expect(firstBehaviourDivergence(run('s5', 10), lt)).toBeNull();
  });

  it('a run that goes on after the other ends differs in its steps', () => {
    const longer = [...run('s5', 10), rec('reactor', 'epollWait', { ret: 0, events: [] })];
    expect(firstBehaviourDivergence(run('s5', 10), longer)).toMatchObject({ facet: 'steps', a: '2 steps', b: '3 steps' });
  });

  it('steps start at each epoll_wait of the reactor, with the set-up as step 0', () => {
    const steps = behaviourSteps(run('s5', 10));
    expect(steps.map((s) => s.start)).toEqual([0, 0, 3]);
    expect(steps[2]).toMatchObject({ delivered: { c1: 10 }, read: { 'connection 1': 10 }, epollout: [], drops: 0, wastedWakeups: 0 });
  });
});
