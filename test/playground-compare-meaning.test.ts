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
import { ArrayRecords } from '../playground/src/record-list.js';
import { positionAlignment, stepAlignment } from '../playground/src/alignment.js';
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

const asModel = (records: readonly TraceRecord[]): TraceModel => ({ n: records.length, records: new ArrayRecords(records) }) as unknown as TraceModel;

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
      // Aligned by step, not by position: day 26 gets there in many more events, in the same reactor step.
      expect(d.indexB).toBeGreaterThan(d.indexA + 500);
      const waits = (records: readonly TraceRecord[], i: number): number => records.slice(0, i + 1).filter((r) => r.actor === 'reactor' && r.call === 'epollWait').length;
      expect(waits(b, d.indexB)).toBe(waits(a, d.indexA));
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

describe('lining run B up with run A (alignment.ts)', () => {
  // The reactor step record i is in: reactor epoll_waits up to it, counted once per run (a scan per look made
  // this file's two loops quadratic: 6 s on a quiet machine, past the 30 s limit on a loaded one).
  const stepsUpTo = new WeakMap<readonly TraceRecord[], Int32Array>();
  const stepOf = (records: readonly TraceRecord[], i: number): number => {
    let upTo = stepsUpTo.get(records);
    if (!upTo) {
      upTo = new Int32Array(records.length);
      let n = 0;
      records.forEach((r, k) => {
        if (r.actor === 'reactor' && r.call === 'epollWait') n++;
        (upTo as Int32Array)[k] = n;
      });
      stepsUpTo.set(records, upTo);
    }
    return upTo[i] as number;
  };

  it('by step: every event of A maps into the same reactor step of B, monotonically, and each anchor exactly', () => {
    for (const [name, byVariant] of runs) {
      const [a, b] = [...byVariant.values()] as [readonly TraceRecord[], readonly TraceRecord[]];
      const d = firstBehaviourDivergence(a, b) as BehaviourDivergence;
      const t = firstDivergence(asModel(a), asModel(b)) as number;
      const al = stepAlignment(a, b, [[d.indexA, d.indexB], [t, t]]);
      expect(al.toB(d.indexA), name).toBe(d.indexB);
      // The textual anchor holds unless it contradicts the behavioural one (day 25: A's step start against B's drop later).
      if (t > d.indexA === t > d.indexB) expect(al.toB(t), name).toBe(t);
      let last = -1;
      const steps = Math.min(stepOf(a, a.length - 1), stepOf(b, b.length - 1));
      for (let i = 0; i < a.length; i++) {
        const j = al.toB(i);
        expect(j, `${name} #${i}`).toBeGreaterThanOrEqual(last);
        expect(j).toBeLessThan(b.length);
        last = j;
        if (stepOf(a, i) < steps) expect(stepOf(b, j), `${name}: A #${i + 1} -> B #${j + 1}`).toBe(stepOf(a, i));
      }
      // A's last event shows B's last, unless it starts a reactor step of A (then B is at the start of that step).
      if (a[a.length - 1]?.call !== 'epollWait') expect(al.toB(a.length - 1), name).toBe(b.length - 1);
    }
  });

  it('from B back to A: the point of A that each event of B belongs to, in the same step, never past it', () => {
    for (const [name, byVariant] of runs) {
      const [a, b] = [...byVariant.values()] as [readonly TraceRecord[], readonly TraceRecord[]];
      const d = firstBehaviourDivergence(a, b) as BehaviourDivergence;
      const al = stepAlignment(a, b, [[d.indexA, d.indexB]]);
      let last = -1;
      const steps = Math.min(stepOf(a, a.length - 1), stepOf(b, b.length - 1));
      for (let j = 0; j < b.length; j += Math.max(1, Math.floor(b.length / 3000))) {
        const i = al.fromB(j);
        expect(i, `${name} B #${j}`).toBeGreaterThanOrEqual(last);
        expect(i).toBeLessThan(a.length);
        last = i;
        if (stepOf(b, j) < steps) expect(stepOf(a, i), `${name}: B #${j + 1} -> A #${i + 1}`).toBe(stepOf(b, j));
      }
    }
  });

  it('by position: B at A\'s index, clamped to its length', () => {
    const al = positionAlignment(10);
    expect([0, 5, 9, 12].map((i) => al.toB(i))).toEqual([0, 5, 9, 9]);
  });
});
