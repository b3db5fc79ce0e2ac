// The playground's timeline search (playground/src/search.ts): the query
// language, what each field selects (checked against the records
// themselves), and that a bad query names its problem.
import { beforeAll, describe, expect, it } from 'vitest';

import { builtinScenario, runScenario, type TraceRecord } from '../src/index.js';
import { computeMoments, type Moments } from '../playground/src/moments.js';
import { lowerBound, matchIndexes, parseQuery } from '../playground/src/search.js';

let records: readonly TraceRecord[];
let moments: Moments;

beforeAll(async () => {
  const r = await runScenario(builtinScenario('large-response-slow-reader'));
  records = r.records;
  moments = computeMoments(records);
});

function find(text: string): number[] {
  const p = parseQuery(text);
  if (!p.ok) throw new Error(p.error);
  if (!p.query) throw new Error('empty query');
  return [...matchIndexes(records, p.query, moments)];
}

function where(pred: (r: TraceRecord) => boolean): number[] {
  return records.flatMap((r, i) => (pred(r) ? [i] : []));
}

describe('searching the timeline', () => {
  it('call:write err:EAGAIN selects the writes refused with EAGAIN, and nothing else', () => {
    const got = find('call:write err:EAGAIN');
    expect(got.length).toBeGreaterThan(100);
    expect(got).toEqual(where((r) => r.call === 'write' && r.err === 'EAGAIN'));
  });

  it('fd: selects every record about a socket: its calls, its registration, its events and the accept that made it', () => {
    const got = find('fd:s3');
    const about = (r: TraceRecord): boolean =>
      r.name === 's3' || (r.args as { name?: unknown }).name === 's3' || (r.events ?? []).some((e) => e.name === 's3') || r.created === 's3';
    expect(got).toEqual(where(about));
    expect(records[got[0] as number]?.call).toBe('accept');
  });

  it('ev: looks in epoll_ctl masks and epoll_wait events; flags joined by | must all be in one mask', () => {
    const out = find('ev:OUT');
    expect(out).toEqual(
      where((r) => (r.call === 'epollCtl' && String((r.args as { events?: unknown }).events).split('|').includes('EPOLLOUT')) || (r.events ?? []).some((e) => e.events.split('|').includes('EPOLLOUT'))),
    );
    expect(find('ev:EPOLLOUT')).toEqual(out);
    expect(find('ev:IN|OUT').every((i) => out.includes(i))).toBe(true);
    const ctl = find('call:epollCtl ev:OUT');
    expect(ctl.length).toBeGreaterThan(0);
    expect(ctl.every((i) => records[i]?.call === 'epollCtl' && out.includes(i))).toBe(true);
  });

  it('negation, alternatives and bare words', () => {
    const writes = find('call:write');
    const reads = find('call:read');
    expect(find('call:read,write')).toEqual([...writes, ...reads].sort((a, b) => a - b));
    expect(find('call:write -err:EAGAIN')).toEqual(writes.filter((i) => records[i]?.err !== 'EAGAIN'));
    expect(find('EAGAIN')).toEqual(where((r) => r.err === 'EAGAIN'));
    expect(find('write EAGAIN')).toEqual(find('call:write err:EAGAIN'));
    expect(find('client')).toEqual(where((r) => r.actor === 'client' || r.name === 'client'));
    expect(find('err:any')).toEqual(where((r) => r.err !== undefined));
    expect(find('actor:reactor err:none call:write').every((i) => records[i]?.err === undefined && records[i]?.actor === 'reactor')).toBe(true);
  });

  it('moment: selects every occurrence of a moment', () => {
    expect(find('moment:epollout-removed')).toEqual(moments.occurrences.get('epollout-removed'));
    expect(find('is:partial-write')).toEqual(moments.occurrences.get('partial-write'));
  });

  it('a bad query names its problem; an empty one is no filter', () => {
    expect(parseQuery('   ')).toEqual({ ok: true, query: null });
    const unknown = parseQuery('colour:red');
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error).toMatch(/“colour:” is not a field: use call: fd: err: ev: actor: moment:/);
    const badMoment = parseQuery('moment:oops');
    if (badMoment.ok) throw new Error('accepted a bad moment');
    expect(badMoment.error).toContain('“oops” is not a moment');
    const empty = parseQuery('call:');
    expect(empty.ok).toBe(false);
  });

  it('lowerBound finds where an index goes among the matches', () => {
    const list = Int32Array.from([2, 5, 9]);
    expect([0, 2, 3, 9, 10].map((i) => lowerBound(list, i))).toEqual([0, 0, 1, 2, 3]);
  });
});
