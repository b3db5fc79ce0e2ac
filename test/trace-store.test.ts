// The trace kept compact (src/trace-store.ts): a record is its seq, t and a
// shared template, so a million-event run does not keep a million objects.
// What it gives back must be what the objects were: the same records, the
// same JSON Lines byte for byte, through columns and back. And the
// reactor's records, ingested from their text with repeats not parsed
// again, must be what parsing each would give.
import { describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, runScenario, TraceStore, traceToJsonl, type NativeTraceRecord, type TraceRecord } from '../src/index.js';
import { ingestNativeRecord, ingestNativeText, Tracer } from '../src/trace.js';

describe('the trace store', () => {
  it('keeps every built-in scenario’s trace exactly: records, JSON Lines and columns round trip', async () => {
    for (const { name } of listBuiltinScenarios()) {
      const r = await runScenario(builtinScenario(name), { engine: 'native' });
      const records = r.records;
      const store = new TraceStore();
      for (const rec of records) store.pushRecord(rec);
      expect(store.length, name).toBe(records.length);
      expect([...store], name).toEqual(records);
      const header = JSON.parse(r.trace.slice(0, r.trace.indexOf('\n'))) as Parameters<typeof traceToJsonl>[0]['header'];
      expect(store.toJsonl(header), name).toBe(traceToJsonl({ header, records }));
      expect(store.toJsonl(header), name).toBe(r.trace);
      const back = new TraceStore(store.columns());
      expect(back.toJsonl(header), name).toBe(r.trace);
      // A trace repeats itself: far fewer templates than records.
      expect(store.templateCount, name).toBeLessThan(records.length);
      // peek() (a scan's view, one object per template reused) reads as get() does, record by record.
      for (let i = 0; i < records.length; i++) expect(JSON.stringify(back.peek(i)), `${name} #${i}`).toBe(JSON.stringify(records[i]));
      expect(back.peek(records.length)).toBeUndefined();
    }
  });

  it('a run’s result makes its text and records only when read, from what the kernel kept', async () => {
    const r = await runScenario(builtinScenario('epollout-left-on'), { engine: 'wasm' });
    const compact = r.compactTrace;
    expect(compact).toBeTruthy();
    const store = new TraceStore(compact!.columns);
    expect(store.toJsonl(compact!.header)).toBe(r.trace);
    expect([...store]).toEqual(r.records);
    // Not part of the result written as JSON.
    expect(Object.keys(r)).not.toContain('compactTrace');
    expect(JSON.parse(JSON.stringify(r)).trace).toBe(r.trace);
  });

  it('get() is undefined outside the records; each call makes a fresh record object', () => {
    const store = new TraceStore();
    const rec: TraceRecord = { seq: 1, t: 0.5, actor: 'app', call: 'read', fd: 3, name: 's1', args: { max: 10 }, ret: 4 };
    store.pushRecord(rec);
    store.pushRecord({ ...rec, seq: 2, t: 1 });
    expect(store.templateCount).toBe(1);
    expect(store.get(-1)).toBeUndefined();
    expect(store.get(2)).toBeUndefined();
    expect(store.get(0.5)).toBeUndefined();
    expect(store.get(1)).toEqual({ ...rec, seq: 2, t: 1 });
    expect(store.get(1)).not.toBe(store.get(1));
    expect(store.line(0)).toBe(JSON.stringify(rec));
  });
});

describe('ingesting the reactor’s records as text', () => {
  const ingest = (lines: object[]): TraceRecord[] => {
    const tracer = new Tracer('sim', 1);
    // Two drains, as the simulation makes them: the binding's text, one record per line.
    const text = (rs: object[]) => `[${rs.map((r) => JSON.stringify(r)).join(',\n')}]`;
    const half = Math.floor(lines.length / 2);
    ingestNativeText(tracer, text(lines.slice(0, half)), () => undefined);
    ingestNativeText(tracer, text(lines.slice(half)), () => undefined);
    return [...tracer.records];
  };
  const parsed = (lines: object[]): TraceRecord[] => {
    const tracer = new Tracer('sim', 1);
    for (const r of lines) ingestNativeRecord(tracer, r as NativeTraceRecord);
    return [...tracer.records];
  };

  it('a repeated record takes the names of its moment: fd 5 closed and opened again is a new socket', () => {
    const read = { actor: 'reactor', call: 'read', fd: 5, args: { max: 4096 }, ret: 10 };
    const wait = { actor: 'reactor', call: 'epollWait', fd: 3, args: { maxevents: 16, timeout: 0 }, ret: 1, events: [[5, 1]] };
    const lines = [
      { t: 0, actor: 'reactor', call: 'epollCreate', args: {}, ret: 3 },
      { t: 0, actor: 'reactor', call: 'accept', fd: 4, args: {}, ret: 5 },
      { t: 0, actor: 'reactor', call: 'epollCtl', fd: 3, args: { op: 'ADD', fd: 5, events: 1 }, ret: 0 },
      { t: 1, ...wait },
      { t: 1, ...read },
      { t: 2, ...wait },
      { t: 2, ...read },
      { t: 3, actor: 'reactor', call: 'close', fd: 5, args: {}, ret: 0 },
      { t: 4, ...read, ret: undefined, err: 9 },
      { t: 5, actor: 'reactor', call: 'accept', fd: 4, args: {}, ret: 5 },
      { t: 6, ...read },
      { t: 6, ...wait },
      { t: 7, actor: 'reactor', call: 'epollCtl', fd: 3, args: { op: 'ADD', fd: 5, events: 1 }, ret: 0 },
      { t: 8, ...wait },
      { t: 8, ...read },
    ];
    const got = ingest(lines);
    expect(got).toEqual(parsed(lines));
    expect(got.filter((r) => r.call === 'read').map((r) => r.name)).toEqual(['s1', 's1', null, 's2', 's2']);
    // A ready event names the registration, made under s1 until the new socket's ADD.
    expect(got.filter((r) => r.call === 'epollWait').map((r) => r.events?.[0]?.name)).toEqual(['s1', 's1', 's1', 's2']);
  });
});
