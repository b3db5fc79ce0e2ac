// Search and filter the timeline: a query of terms, all of which a record
// must satisfy, each a field and values (`call:write err:EAGAIN`, `fd:s3`,
// `ev:OUT`, `actor:client`, `moment:data-dropped`), a bare word (matched
// against the call, the actor, the fd names and the errno), or either of
// them negated with a leading `-`. Values separated by commas are
// alternatives (`call:read,write`); flags joined by `|` must all be in one
// mask (`ev:IN|OUT`).
//
// Parsing names every problem; matching is one pass over the records with
// plain comparisons (no summary text is built), so a million-record trace
// filters in tens of milliseconds.
import { recordList, type RecordList } from './record-list.js';
import { MOMENT_NAMES, type MomentName, type TraceRecord } from '../../src/browser.js';
import type { Moments } from './moments.js';

export const QUERY_FIELDS = ['call', 'fd', 'err', 'ev', 'actor', 'moment'] as const;
type Field = (typeof QUERY_FIELDS)[number];

const ALIASES: Record<string, Field> = {
  call: 'call',
  fd: 'fd',
  conn: 'fd',
  name: 'fd',
  err: 'err',
  errno: 'err',
  ev: 'ev',
  event: 'ev',
  events: 'ev',
  actor: 'actor',
  moment: 'moment',
  is: 'moment',
};

interface Term {
  field: Field | 'any';
  /** Alternatives, normalised (flags as EPOLL names, errnos upper case, the rest lower case). */
  values: string[];
  negate: boolean;
}

export interface Query {
  text: string;
  terms: Term[];
}

export type ParsedQuery = { ok: true; query: Query | null } | { ok: false; error: string };

function flag(v: string): string {
  const u = v.toUpperCase();
  return u.startsWith('EPOLL') ? u : `EPOLL${u}`;
}

/** Parses a query; an empty one is `query: null` (no filter). */
export function parseQuery(text: string): ParsedQuery {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return { ok: true, query: null };
  const terms: Term[] = [];
  for (const word of words) {
    const negate = word.startsWith('-') && word.length > 1;
    const body = negate ? word.slice(1) : word;
    const colon = body.indexOf(':');
    let field: Field | 'any' = 'any';
    let raw = body;
    if (colon >= 0) {
      const key = body.slice(0, colon).toLowerCase();
      const f = ALIASES[key];
      if (!f) return { ok: false, error: `“${key}:” is not a field: use ${QUERY_FIELDS.map((x) => `${x}:`).join(' ')}` };
      field = f;
      raw = body.slice(colon + 1);
    }
    const values = raw.split(',').filter((v) => v !== '');
    if (values.length === 0) return { ok: false, error: `“${word}” has no value: write ${field === 'any' ? 'a word' : `${field}:something`}` };
    let norm: string[];
    switch (field) {
      case 'err':
        norm = values.map((v) => (['any', 'none'].includes(v.toLowerCase()) ? v.toLowerCase() : v.toUpperCase()));
        break;
      case 'ev':
        norm = values.map((v) => v.split('|').filter((x) => x !== '').map(flag).join('|'));
        break;
      case 'moment': {
        norm = values.map((v) => v.toLowerCase());
        const bad = norm.find((v) => !(MOMENT_NAMES as readonly string[]).includes(v));
        if (bad !== undefined) return { ok: false, error: `“${bad}” is not a moment: ${MOMENT_NAMES.join(', ')}` };
        break;
      }
      case 'fd':
      case 'actor':
      case 'any':
        norm = values;
        break;
      default:
        norm = values.map((v) => v.toLowerCase());
    }
    terms.push({ field, values: norm, negate });
  }
  return { ok: true, query: { text, terms } };
}

const FLAG_WORDS = new Set(['IN', 'PRI', 'OUT', 'ERR', 'HUP', 'RDHUP', 'ET', 'ONESHOT', 'RDNORM', 'RDBAND', 'WRNORM', 'WRBAND', 'MSG', 'EXCLUSIVE', 'WAKEUP']);

function hasFlags(mask: string, flags: string): boolean {
  const have = mask.split('|');
  return flags.split('|').every((f) => have.includes(f));
}

/** Every fd name and number the record is about: its own fd, the registered one, the reported ones, the ones it created. */
function fdsOf(r: TraceRecord, out: string[]): string[] {
  out.length = 0;
  if (r.name !== undefined && r.name !== null) out.push(r.name);
  if (r.fd !== undefined) out.push(String(r.fd));
  if (r.call === 'epollCtl') {
    const a = r.args as { fd?: unknown; name?: unknown };
    if (typeof a.name === 'string') out.push(a.name);
    if (a.fd !== undefined) out.push(String(a.fd));
  }
  for (const e of r.events ?? []) {
    if (e.name !== null) out.push(e.name);
    out.push(String(e.fd));
  }
  if (typeof r.created === 'string') out.push(r.created);
  else if (Array.isArray(r.created)) out.push(...r.created);
  return out;
}

/** A dup's name (s3+1) matches its file's (s3) too. */
function sameFd(have: string, want: string): boolean {
  return have === want || (have.startsWith(want) && have.charCodeAt(want.length) === 43 /* + */);
}

function termHolds(t: Term, r: TraceRecord, i: number, moments: Set<number>[] | null, scratch: string[]): boolean {
  switch (t.field) {
    case 'call':
      return t.values.includes(r.call.toLowerCase());
    case 'actor':
      return t.values.some((v) => v === r.actor || (v === 'reactor' && r.actor.startsWith('reactor-')));
    case 'err':
      return t.values.some((v) => (v === 'any' ? r.err !== undefined : v === 'none' ? r.err === undefined : r.err === v));
    case 'fd': {
      const fds = fdsOf(r, scratch);
      return t.values.some((v) => fds.some((f) => sameFd(f, v)));
    }
    case 'ev': {
      const masks: string[] = [];
      if (r.call === 'epollCtl' && typeof (r.args as { events?: unknown }).events === 'string') masks.push((r.args as { events: string }).events);
      for (const e of r.events ?? []) masks.push(e.events);
      return t.values.some((v) => masks.some((m) => hasFlags(m, v)));
    }
    case 'moment':
      return moments !== null && t.values.some((_, k) => (moments[k] as Set<number>).has(i));
    case 'any': {
      const fds = fdsOf(r, scratch);
      return t.values.some((v) => {
        const lower = v.toLowerCase();
        const upper = v.toUpperCase();
        if (r.call.toLowerCase() === lower || r.actor === v || r.err === upper || fds.some((f) => sameFd(f, v))) return true;
        // A bare event name (OUT, EPOLLOUT) is the ev: field's.
        return FLAG_WORDS.has(upper.replace(/^EPOLL/, '')) && termHolds({ field: 'ev', values: [flag(v)], negate: false }, r, i, null, scratch);
      });
    }
  }
}

/** Indexes of the records that satisfy every term, ascending. */
export function matchIndexes(list: RecordList | readonly TraceRecord[], query: Query, moments: Moments | null): Int32Array {
  const records = recordList(list);
  // The moment sets, built once per term that names moments (in the term's value order).
  const momentSets = query.terms.map((t) => (t.field === 'moment' ? t.values.map((v) => new Set(moments?.occurrences.get(v as MomentName) ?? [])) : null));
  const scratch: string[] = [];
  const hits = new Int32Array(records.length);
  let count = 0;
  const terms = query.terms;
  for (let i = 0; i < records.length; i++) {
    const r = records.get(i) as TraceRecord;
    let ok = true;
    for (let k = 0; k < terms.length && ok; k++) {
      const t = terms[k] as Term;
      ok = termHolds(t, r, i, momentSets[k] ?? null, scratch) !== t.negate;
    }
    if (ok) hits[count++] = i;
  }
  return hits.slice(0, count);
}

/** Position of the first entry >= i in an ascending list. */
export function lowerBound(list: ArrayLike<number>, i: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((list[mid] as number) < i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
