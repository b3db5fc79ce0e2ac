// The playground's moments (playground/src/moments.ts): the key events of a
// run, found in its trace alone. Checked on every built-in scenario, with
// its own variant and with its contrast, and on small hand-made traces for
// the rules that decide what counts as dropped data and wasted wakeups.
import { beforeAll, describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, runScenario, validateScenario, type MomentName, type TraceRecord, type VariantName } from '../src/index.js';
import { computeMoments, type Moments } from '../playground/src/moments.js';

interface Run {
  records: readonly TraceRecord[];
  moments: Moments;
  ok: boolean;
}

/** Every built-in with its own variant and its contrast: name -> variant -> run. */
const runs = new Map<string, Map<VariantName, Run>>();

beforeAll(async () => {
  for (const b of listBuiltinScenarios()) {
    const byVariant = new Map<VariantName, Run>();
    for (const variant of [b.variant, ...(b.contrast ? [b.contrast.variant] : [])]) {
      const r = await runScenario(builtinScenario(b.name), { options: { variant } });
      byVariant.set(variant, { records: r.records, moments: computeMoments(r.records), ok: r.ok });
    }
    runs.set(b.name, byVariant);
  }
}, 120_000);

function run(name: string, variant: VariantName): Run {
  const r = runs.get(name)?.get(variant);
  if (!r) throw new Error(`no run of ${name} with ${variant}`);
  return r;
}

function at(r: Run, name: MomentName): TraceRecord {
  const m = r.moments.byName.get(name);
  if (!m) throw new Error(`no ${name} moment`);
  return r.records[m.index] as TraceRecord;
}

const isReactor = (rec: TraceRecord): boolean => rec.actor === 'reactor';
const hasFlag = (events: string, flag: string): boolean => events.split('|').includes(flag);

describe('moments of the built-in scenarios', () => {
  it('every phrase a scenario links is a moment of the run it describes: the explanation its own variant’s, the contrast’s text the contrast’s', () => {
    let links = 0;
    for (const b of listBuiltinScenarios()) {
      const doc = builtinScenario(b.name);
      expect(doc.momentLinks?.length ?? 0, `${b.name} links no phrase to a moment`).toBeGreaterThan(0);
      for (const link of doc.momentLinks ?? []) {
        const inExplanation = doc.explanation.includes(link.text);
        const variant = inExplanation ? b.variant : (doc.contrast?.variant as VariantName);
        const moments = run(b.name, variant).moments;
        expect(moments.byName.has(link.moment), `${b.name}: “${link.text}” names ${link.moment}, which the ${variant} run does not have`).toBe(true);
        links++;
      }
    }
    expect(links).toBeGreaterThan(30);
  });

  it('a scenario’s momentLinks are validated: each phrase must be in the text it links from, and name a known moment', () => {
    const doc = builtinScenario('large-response-slow-reader') as unknown as Record<string, unknown>;
    const bad = validateScenario({
      ...doc,
      momentLinks: [
        { text: 'the MOD that removes it', moment: 'epollout-removed' },
        { text: 'words the page never shows', moment: 'epollout-removed' },
        { text: 'the MOD that adds EPOLLOUT', moment: 'epollout-gone' },
        { text: 'stops at EAGAIN', moment: 'write-eagain', extra: 1 },
      ],
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.map((e) => e.path)).toEqual(['momentLinks[1].text', 'momentLinks[2].moment', 'momentLinks[3].extra']);
    expect(bad.errors[0]?.message).toContain('must be words of the explanation or the contrast\'s explanation');
    const ok = validateScenario({ ...doc, momentLinks: [{ text: 'stops at EAGAIN', moment: 'write-eagain' }] });
    expect(ok.ok && ok.scenario.momentLinks).toEqual([{ text: 'stops at EAGAIN', moment: 'write-eagain' }]);
  });

  it('each occurrence is the record its kind says: a write refused, a short write, EPOLLOUT added, reported or removed, a read of 0...', () => {
    for (const [name, byVariant] of runs) {
      for (const [variant, r] of byVariant) {
        const where = `${name} (${variant})`;
        expect(r.moments.list.map((m) => m.index), where).toEqual([...r.moments.list.map((m) => m.index)].sort((a, b) => a - b));
        for (const [kind, list] of r.moments.occurrences) {
          expect(list[0], where).toBe(r.moments.byName.get(kind)?.index);
          for (const i of list) {
            const rec = r.records[i] as TraceRecord;
            const args = rec.args as { bytes?: number; op?: string; events?: string };
            switch (kind) {
              case 'write-eagain':
                expect(isReactor(rec) && rec.call === 'write' && rec.err === 'EAGAIN', where).toBe(true);
                break;
              case 'partial-write':
                expect(isReactor(rec) && rec.call === 'write' && typeof rec.ret === 'number' && rec.ret < (args.bytes as number), where).toBe(true);
                break;
              case 'epollout-added':
                expect(rec.call === 'epollCtl' && hasFlag(args.events ?? '', 'EPOLLOUT'), where).toBe(true);
                break;
              case 'epollout-reported':
                expect(rec.call === 'epollWait' && (rec.events ?? []).some((e) => hasFlag(e.events, 'EPOLLOUT')), where).toBe(true);
                break;
              case 'epollout-removed':
                expect(rec.call === 'epollCtl' && args.op === 'MOD' && !hasFlag(args.events ?? '', 'EPOLLOUT'), where).toBe(true);
                break;
              case 'eof':
                expect(isReactor(rec) && rec.call === 'read' && rec.ret === 0, where).toBe(true);
                break;
              case 'peer-eof':
                expect(!isReactor(rec) && rec.call === 'read' && rec.ret === 0, where).toBe(true);
                break;
              case 'wakeup-no-progress':
                expect(isReactor(rec) && rec.call === 'epollWait' && (rec.events ?? []).length > 0, where).toBe(true);
                break;
              case 'read-drained':
              case 'accept-drained':
                expect(isReactor(rec) && rec.err === 'EAGAIN', where).toBe(true);
                break;
              case 'closed':
                expect(isReactor(rec) && rec.call === 'close', where).toBe(true);
                break;
              default:
                break;
            }
          }
        }
      }
    }
  });

  it('day 25’s write-all: the bytes it drops are exactly the 16 MiB response minus what the client received, from the first EAGAIN nobody acted on', () => {
    const r = run('large-response-day25-write-all', 'day25-write-all');
    const dropped = r.moments.byName.get('data-dropped');
    const received = r.records.filter((x) => x.actor === 'client' && x.call === 'read' && typeof x.ret === 'number').reduce((s, x) => s + (x.ret as number), 0);
    expect(received).toBeGreaterThan(0);
    expect(dropped?.bytes).toBe(16 * 1024 * 1024 - received);
    // The first refused write is where the loss starts; no EPOLLOUT was ever asked for.
    expect(dropped?.index).toBe(r.moments.byName.get('write-eagain')?.index);
    expect(r.moments.byName.has('epollout-added')).toBe(false);
    expect(at(r, 'peer-eof').actor).toBe('client');
    // edgeloop on the same scenario keeps what the socket refused: nothing dropped, EPOLLOUT on and off.
    const fix = run('large-response-day25-write-all', 'edgeloop');
    expect(fix.moments.byName.has('data-dropped')).toBe(false);
    expect(fix.moments.byName.has('epollout-removed')).toBe(true);
  });

  it('the slow reader: a short write, then EPOLLOUT added, reported and, once send_buf_ is empty, removed, in that order', () => {
    const r = run('large-response-slow-reader', 'edgeloop');
    const index = (n: MomentName): number => r.moments.byName.get(n)?.index ?? -1;
    expect(index('partial-write')).toBeGreaterThanOrEqual(0);
    expect(index('partial-write')).toBeLessThan(index('epollout-added'));
    expect(index('epollout-added')).toBeLessThan(index('epollout-reported'));
    expect(index('epollout-reported')).toBeLessThan(index('epollout-removed'));
    expect(at(r, 'epollout-added').args).toMatchObject({ op: 'MOD', name: 's3' });
    // The MOD that removes it is near the end of the run, far from where the page opens.
    expect(index('epollout-removed')).toBeGreaterThan(r.records.length * 0.9);
    expect(r.moments.byName.has('wakeup-no-progress')).toBe(false);
  });

  it('EPOLLOUT left on: day 26’s idle connection is 50 wakeups without progress; edgeloop’s none', () => {
    for (const name of ['epollout-left-on', 'epollout-off-when-drained']) {
      expect(run(name, 'day26-as-written').moments.byName.get('wakeup-no-progress')?.count).toBeGreaterThanOrEqual(50);
      expect(run(name, 'edgeloop').moments.byName.has('wakeup-no-progress')).toBe(false);
    }
  });

  it('a reset: the error event first, then the queued output dropped at the close', () => {
    const r = run('peer-reset-mid-send', 'edgeloop');
    const reset = at(r, 'reset');
    expect(reset.call).toBe('epollWait');
    expect(reset.events?.[0]?.events).toContain('EPOLLERR');
    const i = r.moments.byName.get('reset')?.index as number;
    expect(r.moments.byName.get('data-dropped')?.index).toBeGreaterThan(i);
    expect(at(r, 'data-dropped').call).toBe('close');
    expect(r.moments.byName.get('closed')?.detail).toContain('ECONNRESET');
  });

  it('a half-close: the server reads 0; edgeloop sends the rest and drops nothing, the tutorial closes and drops what was queued', () => {
    const fix = run('half-close-pending-output', 'edgeloop');
    expect(at(fix, 'eof').call).toBe('read');
    expect(fix.moments.byName.has('data-dropped')).toBe(false);
    const bug = run('half-close-pending-output', 'day26-as-written');
    expect(bug.moments.byName.get('data-dropped')?.index).toBeGreaterThan(bug.moments.byName.get('eof')?.index as number);
  });
});

describe('moments of hand-made traces', () => {
  let seq = 0;
  const rec = (actor: string, call: string, fields: Partial<TraceRecord> = {}): TraceRecord => ({ seq: ++seq, t: 0, actor, call, args: {}, ...fields });
  const wait = (events: Array<[string, string]> = []): TraceRecord =>
    rec('reactor', 'epollWait', { fd: 3, name: 'ep1', args: { maxevents: 16, timeout: 0 }, ret: events.length, events: events.map(([name, ev], k) => ({ fd: 10 + k, name, events: ev })) });
  const write = (bytes: number, result: number | 'EAGAIN'): TraceRecord =>
    rec('reactor', 'write', { fd: 9, name: 's3', args: { bytes }, ...(result === 'EAGAIN' ? { err: 'EAGAIN' } : { ret: result }) });
  const ctl = (op: string, events: string): TraceRecord => rec('reactor', 'epollCtl', { fd: 3, name: 'ep1', args: { op, fd: 9, name: 's3', events }, ret: 0 });

  it('a short write continued in its round, and refused bytes kept for EPOLLOUT, are not dropped', () => {
    const m = computeMoments([
      wait([['s3', 'EPOLLIN']]),
      write(1000, 600),
      write(400, 'EAGAIN'),
      ctl('MOD', 'EPOLLIN|EPOLLOUT|EPOLLET'),
      wait([['s3', 'EPOLLOUT']]),
      write(900, 900), // the 400 left, and 500 queued since
      ctl('MOD', 'EPOLLIN|EPOLLET'),
      wait(),
    ]);
    expect(m.byName.has('data-dropped')).toBe(false);
    expect(m.list.map((x) => x.name)).toEqual(['partial-write', 'write-eagain', 'epollout-added', 'epollout-reported', 'epollout-removed']);
  });

  it('a write after an EAGAIN in the same round, or a round ended without EPOLLOUT, drops the refused bytes', () => {
    const m = computeMoments([wait([['s3', 'EPOLLIN']]), write(1000, 'EAGAIN'), write(1000, 'EAGAIN'), wait()]);
    expect(m.byName.get('data-dropped')).toMatchObject({ index: 1, count: 2, bytes: 2000 });
    // A later round that offers less than what was left has dropped the difference, EPOLLOUT or not.
    const later = computeMoments([wait([['s3', 'EPOLLIN']]), write(1000, 200), ctl('MOD', 'EPOLLIN|EPOLLOUT'), wait([['s3', 'EPOLLOUT']]), write(300, 300)]);
    expect(later.byName.get('data-dropped')).toMatchObject({ index: 1, bytes: 500 });
  });

  it('a wakeup that reads an end of file is progress once; the same EOF read again is not', () => {
    const eof = (): TraceRecord => rec('reactor', 'read', { fd: 9, name: 's3', args: { max: 65536 }, ret: 0 });
    const m = computeMoments([wait([['s3', 'EPOLLIN']]), eof(), wait([['s3', 'EPOLLIN']]), eof(), wait()]);
    expect(m.byName.get('wakeup-no-progress')).toMatchObject({ index: 2, count: 1 });
    expect(m.byName.get('eof')).toMatchObject({ index: 1, count: 2 });
  });

  it('is pure: the same records give the same moments and are left as they were', () => {
    const r = run('high-water-mark-close', 'edgeloop');
    const before = JSON.stringify(r.records);
    const a = computeMoments(r.records);
    const b = computeMoments(r.records);
    expect(JSON.stringify(r.records)).toBe(before);
    expect(a.list).toEqual(b.list);
    expect([...a.occurrences]).toEqual([...b.occurrences]);
  });
});
