// The records of a trace as the page's views read them: by index. A run or
// a file is kept compact (src/trace-store.ts's TraceStore: a million-event
// run as objects took about 500 MB of the tab); a live server's window, a
// few thousand records, stays an array.
import type { TraceRecord } from '../../src/browser.js';

/** Read-only, indexed access to a trace's records (a plain array is wrapped in ArrayRecords). */
export interface RecordList extends Iterable<TraceRecord> {
  readonly length: number;
  /** Record `i`, or undefined when `i` is not an index of the list. */
  get(i: number): TraceRecord | undefined;
  /** Record `i` for a scan that reads it at once and keeps nothing of it (the object may be reused by the next peek). */
  peek(i: number): TraceRecord | undefined;
}

/** An array of records as a RecordList (a live server's window, a test's hand-made trace). */
export class ArrayRecords implements RecordList {
  constructor(private readonly records: readonly TraceRecord[]) {}
  get length(): number {
    return this.records.length;
  }
  get(i: number): TraceRecord | undefined {
    return Number.isInteger(i) && i >= 0 ? this.records[i] : undefined;
  }
  peek(i: number): TraceRecord | undefined {
    return this.get(i);
  }
  [Symbol.iterator](): IterableIterator<TraceRecord> {
    return this.records[Symbol.iterator]();
  }
}

/** A RecordList as it is, an array wrapped. */
export function recordList(records: RecordList | readonly TraceRecord[]): RecordList {
  return Array.isArray(records) ? new ArrayRecords(records as readonly TraceRecord[]) : (records as RecordList);
}
