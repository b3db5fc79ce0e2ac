// Compare mode: two runs of one scenario and seed with different variants.
// The first divergence is the first record (by position) whose content
// differs, ignoring only its sequence number.
import type { TraceRecord } from '../../src/browser.js';
import type { TraceModel } from './trace-model.js';

function key(r: TraceRecord): string {
  const { seq: _seq, ...rest } = r;
  return JSON.stringify(rest);
}

/** Index of the first differing record, or null when the traces are identical. */
export function firstDivergence(a: TraceModel, b: TraceModel): number | null {
  const n = Math.min(a.n, b.n);
  for (let i = 0; i < n; i++) {
    const ra = a.records.get(i) as TraceRecord;
    const rb = b.records.get(i) as TraceRecord;
    if (ra.actor !== rb.actor || ra.call !== rb.call || key(ra) !== key(rb)) return i;
  }
  return a.n === b.n ? null : n;
}
