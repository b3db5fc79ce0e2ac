// A trace's call sites: the reactor's C++ behind each call it made
// (TraceRecord.site / .origin, written by native/kernel/tracing_kernel.cc).
//
// A site is given as text the first time it appears in a trace (as `site`
// or `origin`) and by number after that: sites are numbered from 0 in the
// order their text first appears. The text would otherwise be most of a
// reactor record (a 207,042-record trace: 21.4 MB of JSON Lines, 39.4 MB
// with the text in every record). Text again where a number would do is
// fine (a live view sends text only): only a text's first appearance
// numbers it.
import type { CallSiteText, TraceRecord } from './types.js';

/** A call site, split: `TcpConnection::Send`, `native/reactor/tcp_connection.cc`, 73. */
export interface CallSite {
  /** Qualified: `Class::function` (a constructor `Epoll::Epoll`, a lambda `Class::operator()`). */
  fn: string;
  /** Repo-relative: `native/reactor/tcp_connection.cc`. */
  file: string;
  /** 1-based. */
  line: number;
}

const SITE = /^(\S+) (\S+):(\d+)$/;

/** `"TcpConnection::Send native/reactor/tcp_connection.cc:73"` split, or null for any other text. */
export function parseCallSite(text: CallSiteText): CallSite | null {
  const m = SITE.exec(text);
  if (!m) return null;
  return { fn: m[1] as string, file: m[2] as string, line: Number(m[3]) };
}

/** A trace's sites by number, read (resolve) or written (encode) in record order. */
export class CallSiteTable {
  /** Each site's text, at its number. */
  readonly texts: string[] = [];
  private readonly numbers = new Map<string, number>();

  /** A record's `site` or `origin` as text: a text (numbered if new), or the text of a number; undefined for none or an unknown number. */
  resolve(v: CallSiteText | number | undefined): CallSiteText | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'number') return this.texts[v];
    if (!this.numbers.has(v)) {
      this.numbers.set(v, this.texts.length);
      this.texts.push(v);
    }
    return v;
  }

  /** The number of a text already seen, or undefined. */
  numberOf(text: CallSiteText): number | undefined {
    return this.numbers.get(text);
  }

  /** What a record says for `text`: the text the first time (numbering it), its number after. */
  encode(text: CallSiteText): CallSiteText | number {
    const n = this.numbers.get(text);
    if (n !== undefined) return n;
    this.numbers.set(text, this.texts.length);
    this.texts.push(text);
    return text;
  }
}

/** The sites of `records` by number (each record's `site`, then its `origin`, in order). */
export function callSiteTable(records: Iterable<TraceRecord>): CallSiteTable {
  const table = new CallSiteTable();
  for (const r of records) {
    if (r.site !== undefined) table.resolve(r.site);
    if (r.origin !== undefined) table.resolve(r.origin);
  }
  return table;
}

/** A record whose call sites are text. */
export type SpelledRecord = Omit<TraceRecord, 'site' | 'origin'> & { site?: CallSiteText; origin?: CallSiteText };

/** Copies of `records` with every `site` and `origin` as text (a number an earlier record did not spell out is left out). */
export function spellCallSites(records: readonly TraceRecord[]): SpelledRecord[] {
  const table = new CallSiteTable();
  return records.map((r) => {
    if (r.site === undefined && r.origin === undefined) return r as SpelledRecord;
    const out = { ...r } as SpelledRecord;
    const site = table.resolve(r.site);
    const origin = table.resolve(r.origin);
    if (site === undefined) delete out.site;
    else out.site = site;
    if (origin === undefined) delete out.origin;
    else out.origin = origin;
    return out;
  });
}

/** Record `i`'s site and origin as text (a scan from the first record: for one record now and then; callSiteTable() for many). */
export function callSiteOf(records: readonly TraceRecord[], i: number): { site?: CallSiteText; origin?: CallSiteText } {
  const table = callSiteTable(records.slice(0, i));
  const r = records[i];
  const site = table.resolve(r?.site);
  const origin = table.resolve(r?.origin);
  return { ...(site !== undefined ? { site } : {}), ...(origin !== undefined ? { origin } : {}) };
}
