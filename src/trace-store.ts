// Where a trace's records are kept. A trace repeats itself: once seq and t
// are set aside, a 326,000-record echo run has 2,588 distinct records and a
// 240,000-record flood 1,034. So each distinct rest is kept once, as its
// JSON text (a template), and per record only seq, t and the template's
// index: 20 bytes, where a record object cost about 280 (a million-event
// run kept 270 MB of them alive, and the collector marked them over and
// over while the run went on). A record object is made when one is asked
// for; a trace file's line is made from the text without one.
//
// Hand-written: no library interns JSON records, and it is small.
import type { RecordTemplate, TraceColumns, TraceHeader, TraceRecord } from './types.js';

const LINES_PER_JOIN = 4096;

export class TraceStore {
  private n = 0;
  private seqs: Float64Array;
  private times: Float64Array;
  private index: Uint32Array;
  private readonly texts: string[];
  private readonly parsed: Array<RecordTemplate | undefined>;
  /** peek()'s object per template. */
  private readonly scratch: Array<TraceRecord | undefined> = [];
  private readonly byText = new Map<string, number>();

  constructor(columns?: TraceColumns, length = columns?.seq.length ?? 0) {
    this.seqs = columns?.seq ?? new Float64Array(256);
    this.times = columns?.t ?? new Float64Array(256);
    this.index = columns?.template ?? new Uint32Array(256);
    this.texts = columns?.templates ?? [];
    this.parsed = new Array<RecordTemplate | undefined>(this.texts.length);
    this.texts.forEach((text, k) => this.byText.set(text, k));
    this.n = length;
  }

  get length(): number {
    return this.n;
  }

  /** Distinct records once seq and t are set aside. */
  get templateCount(): number {
    return this.texts.length;
  }

  /** The index of a template's JSON text, or -1 when the store has no such template yet. */
  templateOf(text: string): number {
    return this.byText.get(text) ?? -1;
  }

  /** Adds a template: `text` is JSON.stringify(template); `template` its value if the caller has it. */
  addTemplate(text: string, template?: RecordTemplate): number {
    const k = this.texts.length;
    this.texts.push(text);
    this.parsed.push(template);
    this.byText.set(text, k);
    return k;
  }

  /** Appends a record given as seq, t and a template index. */
  push(seq: number, t: number, template: number): void {
    if (this.n === this.seqs.length) {
      const cap = this.n * 2;
      const seqs = new Float64Array(cap);
      seqs.set(this.seqs);
      this.seqs = seqs;
      const times = new Float64Array(cap);
      times.set(this.times);
      this.times = times;
      const index = new Uint32Array(cap);
      index.set(this.index);
      this.index = index;
    }
    this.seqs[this.n] = seq;
    this.times[this.n] = t;
    this.index[this.n] = template;
    this.n++;
  }

  /** Appends a record object (its keys in the documented order). */
  pushRecord(r: TraceRecord): void {
    const { seq, t, ...rest } = r;
    this.pushTemplateValue(seq, t, rest);
  }

  /** Appends a record given as seq, t and the rest of it (its keys in the documented order). */
  pushTemplateValue(seq: number, t: number, rest: RecordTemplate): void {
    const text = JSON.stringify(rest);
    let k = this.templateOf(text);
    if (k < 0) k = this.addTemplate(text);
    this.push(seq, t, k);
  }

  seqAt(i: number): number {
    return this.seqs[i] as number;
  }

  /** Record `i`'s template index. */
  templateAt(i: number): number {
    return this.index[i] as number;
  }

  /**
   * Record `i` for a scan that reads it at once: one object per template,
   * reused (its seq and t set anew) by the next peek of a record of the same
   * template, so a pass over a million records makes no object per record
   * (get() made 4 million in building a page's model: a third of its time).
   * Keep nothing of it; get() gives an object of its own.
   */
  peek(i: number): TraceRecord | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) return undefined;
    const k = this.index[i] as number;
    let r = this.scratch[k];
    if (r === undefined) {
      r = this.get(i) as TraceRecord;
      this.scratch[k] = r;
    }
    r.seq = this.seqs[i] as number;
    r.t = this.times[i] as number;
    return r;
  }

  /** Record `i` as an object (a new one each call; its args and events are shared with the records of the same template: read them only), or undefined. */
  get(i: number): TraceRecord | undefined {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) return undefined;
    const k = this.index[i] as number;
    let template = this.parsed[k];
    if (template === undefined) {
      template = JSON.parse(this.texts[k] as string) as RecordTemplate;
      this.parsed[k] = template;
    }
    // seq and t first, then the template's keys: the documented order.
    return { seq: this.seqs[i] as number, t: this.times[i] as number, ...template };
  }

  /** Record `i`'s JSON text, as JSON.stringify(get(i)) gives it, made without the object. */
  line(i: number): string {
    const text = this.texts[this.index[i] as number] as string;
    return `{"seq":${JSON.stringify(this.seqs[i])},"t":${JSON.stringify(this.times[i])},${text.slice(1)}`;
  }

  /** JSON Lines of the first `count` records under `header`. */
  toJsonl(header: TraceHeader, count = this.n): string {
    // A chunk of lines joined at a time: fewer, larger string pieces than one += per line.
    let out = `${JSON.stringify(header)}\n`;
    const lines: string[] = [];
    for (let i = 0; i < count; i += LINES_PER_JOIN) {
      const end = Math.min(i + LINES_PER_JOIN, count);
      lines.length = 0;
      for (let j = i; j < end; j++) lines.push(this.line(j));
      lines.push('');
      out += lines.join('\n');
    }
    return out;
  }

  /** Forgets every record (the templates stay: a drained server trace repeats them). */
  clear(): void {
    this.n = 0;
  }

  /** The content as plain data: copies of the filled part of the arrays. */
  columns(): TraceColumns {
    return { seq: this.seqs.slice(0, this.n), t: this.times.slice(0, this.n), template: this.index.slice(0, this.n), templates: this.texts.slice() };
  }

  [Symbol.iterator](): IterableIterator<TraceRecord> {
    let i = 0;
    const next = (): IteratorResult<TraceRecord> => (i < this.n ? { value: this.get(i++) as TraceRecord, done: false } : { value: undefined, done: true });
    return { next, [Symbol.iterator]() { return this; } };
  }
}
