// The trace kept compact (src/trace-store.ts): a record is its seq, t and a
// shared template, so a million-event run does not keep a million objects.
// What it gives back must be what the objects were: the same records, the
// same JSON Lines byte for byte, through columns and back.
import { describe, expect, it } from 'vitest';

import { builtinScenario, listBuiltinScenarios, runScenario, TraceStore, traceToJsonl, type TraceRecord } from '../src/index.js';

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
